/*
 * rules.c - loader and matcher for Muster's own fingerprint rule files. The
 * format is described at the top of each *.rules file and in
 * docs/fingerprints.md:
 *
 *   <kind> <op> <pattern> => key=value ...
 *
 * op is exact, prefix or glob, with an 'i' in front for ASCII case-folding.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/muster.h"
#include "sensor/fingerprint/rules.h"

#define MAX_FILE    (1u << 20)
#define MAX_LINE    1024
#define MAX_PATTERN 256
#define MAX_VALUE   512 /* longer values are matched on their first 511 bytes */

enum op { OP_EXACT, OP_PREFIX, OP_GLOB };

struct rule {
	char *pattern;
	size_t plen;
	unsigned char kind;
	unsigned char op;
	bool icase;
	struct fp_guess guess;
};

struct fp_rules {
	struct rule *r;
	size_t n, cap;
};

static const struct {
	const char *name;
	const char *source;
} kinds[FP_KIND_COUNT] = {
        [FP_DHCP_PRL] = {"dhcp-prl", "dhcp"},
        [FP_DHCP_VENDOR] = {"dhcp-vendor", "dhcp"},
        [FP_SSDP_SERVER] = {"ssdp-server", "ssdp"},
        [FP_MDNS_MODEL] = {"mdns-model", "mdns"},
        [FP_MDNS_SERVICE] = {"mdns-service", "mdns"},
        [FP_LLDP_SYSDESC] = {"lldp-sysdesc", "lldp"},
        [FP_CDP_PLATFORM] = {"cdp-platform", "cdp"},
        [FP_NETBIOS_NAME] = {"netbios-name", "netbios"},
        [FP_NETBIOS_MAC] = {"netbios-mac", "netbios"},
};

static const struct {
	const char *name;
	enum op op;
	bool icase;
} ops[] = {
        {"exact", OP_EXACT, false}, {"prefix", OP_PREFIX, false}, {"glob", OP_GLOB, false},
        {"iexact", OP_EXACT, true}, {"iprefix", OP_PREFIX, true}, {"iglob", OP_GLOB, true},
};

const char *
fp_kind_name(enum fp_kind kind)
{
	return (unsigned)kind < FP_KIND_COUNT ? kinds[kind].name : "?";
}

struct fp_rules *
fp_rules_new(void)
{
	return calloc(1, sizeof(struct fp_rules));
}

void
fp_rules_free(struct fp_rules *rules)
{
	if (rules == NULL)
		return;
	for (size_t i = 0; i < rules->n; i++)
		free(rules->r[i].pattern);
	free(rules->r);
	free(rules);
}

size_t
fp_rules_count(const struct fp_rules *rules)
{
	return rules->n;
}

/* A line being taken apart token by token. */
struct lex {
	const char *p, *end;
	const char *file;
	unsigned line;
	struct fp_errors *errs;
};

static void
skip_space(struct lex *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\t'))
		x->p++;
}

/*
 * Next token into tok[size]: a "double-quoted string" (\" and \\ escape) or a
 * run of characters up to a space, a tab or (when stop_eq) an '='. False with
 * a message on an unterminated or oversized token; an empty tok at end of line.
 */
static bool
next_token(struct lex *x, char *tok, size_t size, bool stop_eq)
{
	size_t n = 0;

	skip_space(x);
	if (x->p < x->end && *x->p == '"') {
		x->p++;
		for (;;) {
			char c;
			if (x->p >= x->end) {
				fp_errors_add(x->errs, x->file, x->line, "unterminated string");
				return false;
			}
			c = *x->p++;
			if (c == '"')
				break;
			if (c == '\\') {
				if (x->p >= x->end || (*x->p != '"' && *x->p != '\\')) {
					fp_errors_add(x->errs, x->file, x->line,
					              "bad escape in string (only \\\" and \\\\)");
					return false;
				}
				c = *x->p++;
			}
			if (n + 1 >= size) {
				fp_errors_add(x->errs, x->file, x->line,
				              "string longer than %zu bytes", size - 1);
				return false;
			}
			tok[n++] = c;
		}
		tok[n] = '\0';
		return true;
	}
	while (x->p < x->end && *x->p != ' ' && *x->p != '\t' && !(stop_eq && *x->p == '=')) {
		if (n + 1 >= size) {
			fp_errors_add(x->errs, x->file, x->line, "word longer than %zu bytes",
			              size - 1);
			return false;
		}
		tok[n++] = *x->p++;
	}
	tok[n] = '\0';
	return true;
}

static bool
set_field(struct lex *x, char *dst, size_t size, const char *key, const char *val)
{
	if (dst[0] != '\0') {
		fp_errors_add(x->errs, x->file, x->line, "%s given twice", key);
		return false;
	}
	if (strlen(val) >= size) {
		fp_errors_add(x->errs, x->file, x->line, "%s longer than %zu bytes", key, size - 1);
		return false;
	}
	if (val[0] == '\0') {
		fp_errors_add(x->errs, x->file, x->line, "%s is empty", key);
		return false;
	}
	snprintf(dst, size, "%s", val);
	return true;
}

/* key=value ... after "=>". */
static bool
parse_attrs(struct lex *x, struct fp_guess *g)
{
	char key[16], val[MAX_PATTERN];
	bool have_conf = false;

	for (;;) {
		if (!next_token(x, key, sizeof(key), true))
			return false;
		if (key[0] == '\0')
			break;
		if (x->p >= x->end || *x->p != '=') {
			fp_errors_add(x->errs, x->file, x->line, "expected key=value after '%s'",
			              key);
			return false;
		}
		x->p++;
		if (x->p < x->end && (*x->p == ' ' || *x->p == '\t')) {
			fp_errors_add(x->errs, x->file, x->line, "no value for '%s'", key);
			return false;
		}
		if (!next_token(x, val, sizeof(val), false))
			return false;
		if (strcmp(key, "family") == 0) {
			if (!fp_family_known(val)) {
				fp_errors_add(x->errs, x->file, x->line, "unknown family '%.40s'",
				              val);
				return false;
			}
			if (!set_field(x, g->family, sizeof(g->family), key, val))
				return false;
		} else if (strcmp(key, "name") == 0) {
			if (!set_field(x, g->name, sizeof(g->name), key, val))
				return false;
		} else if (strcmp(key, "version") == 0) {
			if (!set_field(x, g->version, sizeof(g->version), key, val))
				return false;
		} else if (strcmp(key, "role") == 0) {
			if (!set_field(x, g->role, sizeof(g->role), key, val))
				return false;
		} else if (strcmp(key, "confidence") == 0) {
			char *end;
			long v = strtol(val, &end, 10);
			if (have_conf || val[0] < '0' || val[0] > '9' || *end != '\0' || v > 100) {
				fp_errors_add(x->errs, x->file, x->line,
				              "confidence must be given once, 0-100");
				return false;
			}
			g->confidence = (int)v;
			have_conf = true;
		} else {
			fp_errors_add(x->errs, x->file, x->line, "unknown key '%s'", key);
			return false;
		}
	}
	if (!have_conf) {
		fp_errors_add(x->errs, x->file, x->line, "confidence= missing");
		return false;
	}
	if (g->family[0] == '\0' && g->role[0] == '\0') {
		fp_errors_add(x->errs, x->file, x->line, "rule needs family= or role=");
		return false;
	}
	return true;
}

/* 0, or MUSTER_ENOMEM; a bad line is reported and skipped. */
static int
parse_line(struct fp_rules *rules, struct lex *x)
{
	char kind[24], op[16], pat[MAX_PATTERN], arrow[64];
	struct rule r;
	size_t i, k;

	skip_space(x);
	if (x->p >= x->end || *x->p == '#')
		return 0;
	if (memchr(x->p, '\0', (size_t)(x->end - x->p)) != NULL) {
		fp_errors_add(x->errs, x->file, x->line, "NUL byte in line");
		return 0;
	}
	if (!next_token(x, kind, sizeof(kind), false))
		return 0;
	for (k = 0; k < FP_KIND_COUNT; k++)
		if (strcmp(kind, kinds[k].name) == 0)
			break;
	if (k == FP_KIND_COUNT) {
		fp_errors_add(x->errs, x->file, x->line, "unknown kind '%.23s'", kind);
		return 0;
	}
	if (!next_token(x, op, sizeof(op), false))
		return 0;
	for (i = 0; i < MUSTER_NELEM(ops); i++)
		if (strcmp(op, ops[i].name) == 0)
			break;
	if (i == MUSTER_NELEM(ops)) {
		fp_errors_add(x->errs, x->file, x->line,
		              "unknown match '%.15s' (exact, prefix, glob, iexact, iprefix, iglob)",
		              op);
		return 0;
	}
	if (!next_token(x, pat, sizeof(pat), false))
		return 0;
	if (pat[0] == '\0') {
		fp_errors_add(x->errs, x->file, x->line, "pattern missing");
		return 0;
	}
	if (!next_token(x, arrow, sizeof(arrow), false))
		return 0;
	if (strcmp(arrow, "=>") != 0) {
		fp_errors_add(x->errs, x->file, x->line, "expected '=>' after the pattern");
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (!parse_attrs(x, &r.guess))
		return 0;
	r.kind = (unsigned char)k;
	r.op = (unsigned char)ops[i].op;
	r.icase = ops[i].icase;
	r.guess.source = kinds[k].source;
	r.plen = strlen(pat);
	if (rules->n == rules->cap) {
		size_t ncap = rules->cap ? rules->cap * 2 : 64;
		struct rule *nr = realloc(rules->r, ncap * sizeof(*nr));
		if (nr == NULL)
			return MUSTER_ENOMEM;
		rules->r = nr;
		rules->cap = ncap;
	}
	if ((r.pattern = strdup(pat)) == NULL)
		return MUSTER_ENOMEM;
	rules->r[rules->n++] = r;
	return 0;
}

int
fp_rules_add_buf(struct fp_rules *rules, const char *name, const void *data, size_t len,
                 struct fp_errors *errs)
{
	const char *p = data, *end = p + len;
	unsigned line = 0;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct lex x = {p, nl ? nl : end, name, ++line, errs};

		p = nl ? nl + 1 : end;
		if (x.end > x.p && x.end[-1] == '\r')
			x.end--;
		if (x.end - x.p > MAX_LINE) {
			fp_errors_add(errs, name, line, "line longer than %d bytes", MAX_LINE);
			continue;
		}
		if ((r = parse_line(rules, &x)) != 0)
			return r;
	}
	return 0;
}

int
fp_rules_add_file(struct fp_rules *rules, const char *path, struct fp_errors *errs)
{
	size_t len;
	char *data;
	int r;

	if ((data = fp_read_file(path, MAX_FILE, &len)) == NULL)
		return MUSTER_EIO;
	r = fp_rules_add_buf(rules, path, data, len, errs);
	free(data);
	return r;
}

struct fp_rules *
fp_rules_load(const char *path, struct fp_errors *errs)
{
	struct fp_rules *rules = fp_rules_new();

	if (rules != NULL && fp_rules_add_file(rules, path, errs) != 0) {
		fp_rules_free(rules);
		return NULL;
	}
	return rules;
}

static int
is_rules_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".rules") == 0;
}

struct fp_rules *
fp_rules_load_dir(const char *dir, struct fp_errors *errs)
{
	struct fp_rules *rules = fp_rules_new();
	struct dirent **ents = NULL;
	int n, i, r = 0;

	if (rules == NULL)
		return NULL;
	if ((n = scandir(dir, &ents, is_rules_file, alphasort)) < 0) {
		fp_rules_free(rules);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		if (r == 0) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) >=
			    sizeof(path))
				r = MUSTER_ETOOBIG;
			else
				r = fp_rules_add_file(rules, path, errs);
		}
		free(ents[i]);
	}
	free(ents);
	if (r != 0) {
		fp_rules_free(rules);
		return NULL;
	}
	return rules;
}

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool
prefix_eq(const char *s, const char *pat, size_t plen, bool icase)
{
	for (size_t i = 0; i < plen; i++) {
		int a = (unsigned char)s[i], b = (unsigned char)pat[i];
		if (a == '\0')
			return false;
		if (icase ? fold(a) != fold(b) : a != b)
			return false;
	}
	return true;
}

static bool
rule_matches(const struct rule *r, const char *v, size_t vlen)
{
	switch (r->op) {
	case OP_EXACT:
		return vlen == r->plen && prefix_eq(v, r->pattern, r->plen, r->icase);
	case OP_PREFIX:
		if (!prefix_eq(v, r->pattern, r->plen, r->icase))
			return false;
		/* A PRL prefix ends on a whole option code: "1,3,6" is not a prefix of "1,3,60". */
		return r->kind != FP_DHCP_PRL || v[r->plen] == '\0' || v[r->plen] == ',';
	case OP_GLOB:
		return fp_glob(r->pattern, v, r->icase);
	}
	return false;
}

bool
fp_rules_match(const struct fp_rules *rules, enum fp_kind kind, const char *value,
               struct fp_guess *out)
{
	char buf[MAX_VALUE];
	size_t n = 0;

	if (rules == NULL || value == NULL || (unsigned)kind >= FP_KIND_COUNT)
		return false;
	/* Compare a bounded copy; a PRL loses any spaces ("1, 3, 6" is "1,3,6"). */
	for (const char *s = value; *s != '\0' && n + 1 < sizeof(buf); s++)
		if (kind != FP_DHCP_PRL || (*s != ' ' && *s != '\t'))
			buf[n++] = *s;
	buf[n] = '\0';
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->r[i];
		if (r->kind == kind && rule_matches(r, buf, n)) {
			*out = r->guess;
			return true;
		}
	}
	return false;
}
