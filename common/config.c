/* config.c - INI configuration through libinih, checked against a schema; errors as "file:line: ...". */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/*
 * Debian's libinih (55) is built with INI_HANDLER_LINENO=1 and runtime
 * options (INI_RUNTIME_OPTIONS), but its installed ini.h defaults the macro
 * to 0: say it here, or the handler would not see the line number.
 */
#define INI_HANDLER_LINENO 1
#include <ini.h>

#include "common/config.h"
#include "common/muster.h"
#include "common/text.h"

#define ERRLINE_MAX 512 /* one formatted error line */
#define QUOTE_MAX   80  /* user text echoed in a message */

struct config_entry {
	char *section;
	char *key;
	char *value;
	const char *origin; /* owned by config.origins */
	int line;           /* 0: not from a file */
	unsigned load;      /* which load set it, for duplicate detection */
	bool bad;           /* value failed its check; already reported */
};

struct config {
	const struct config_key *schema;
	size_t nschema;
	struct config_entry *ents;
	size_t nents;
	size_t capents;
	char **origins;
	size_t norigins;
	char *errs[CONFIG_ERRORS_MAX];
	size_t nerrs;
	size_t dropped; /* errors past the cap, or lost to ENOMEM */
	unsigned loads;
	bool oom;
};

/* State of one load, for the libinih handler. */
struct load_ctx {
	struct config *c;
	const char *origin;
	unsigned load;
	bool full; /* CONFIG_ENTRIES_MAX reached and reported */
	int rc;    /* MUSTER_ENOMEM when the handler ran out of memory */
};

struct config *
config_new(const struct config_key *schema, size_t nschema)
{
	struct config *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->schema = schema;
	c->nschema = schema ? nschema : 0;
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nents; i++) {
		free(c->ents[i].section);
		free(c->ents[i].key);
		free(c->ents[i].value);
	}
	free(c->ents);
	for (size_t i = 0; i < c->norigins; i++)
		free(c->origins[i]);
	free(c->origins);
	for (size_t i = 0; i < c->nerrs; i++)
		free(c->errs[i]);
	free(c);
}

/* Safe, capped form of untrusted text for a message; returns buf. */
static const char *
quote(const char *s, char *buf, size_t size)
{
	text_sanitize(s, s ? strlen(s) : 0, buf, size);
	return buf;
}

/* Record "origin:line: message" (or "origin: message" for line 0). */
static void add_error(struct config *c, const char *origin, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void
add_error(struct config *c, const char *origin, int line, const char *fmt, ...)
{
	char msg[ERRLINE_MAX], where[QUOTE_MAX * 2], *s;
	size_t len;
	va_list ap;
	int n;

	if (c->nerrs >= CONFIG_ERRORS_MAX) {
		c->dropped++;
		return;
	}
	quote(origin ? origin : "config", where, sizeof(where));
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%d: ", where, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", where);
	len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	if ((s = strdup(msg)) == NULL) {
		c->oom = true;
		c->dropped++;
		return;
	}
	c->errs[c->nerrs++] = s;
}

static const struct config_key *
schema_find(const struct config *c, const char *section, const char *key)
{
	for (size_t i = 0; i < c->nschema; i++)
		if (strcmp(c->schema[i].section, section) == 0 &&
		    strcmp(c->schema[i].key, key) == 0)
			return &c->schema[i];
	return NULL;
}

static bool
schema_has_section(const struct config *c, const char *section, size_t len)
{
	for (size_t i = 0; i < c->nschema; i++)
		if (strlen(c->schema[i].section) == len &&
		    memcmp(c->schema[i].section, section, len) == 0)
			return true;
	return false;
}

static struct config_entry *
entry_find(struct config *c, const char *section, const char *key)
{
	for (size_t i = 0; i < c->nents; i++)
		if (strcmp(c->ents[i].section, section) == 0 && strcmp(c->ents[i].key, key) == 0)
			return &c->ents[i];
	return NULL;
}

/* Keep a copy of an origin name for the entries and errors that cite it. */
static const char *
origin_add(struct config *c, const char *name)
{
	char **n, *s;

	if ((s = strdup(name)) == NULL)
		return NULL;
	if ((n = realloc(c->origins, (c->norigins + 1) * sizeof(*n))) == NULL) {
		free(s);
		return NULL;
	}
	c->origins = n;
	c->origins[c->norigins++] = s;
	return s;
}

/* ---- value parsers ---------------------------------------------------- */

int
config_parse_bool(const char *s, bool *out, const char **why)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; s && i < MUSTER_NELEM(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	if (why)
		*why = "expected yes/no, true/false, on/off or 1/0";
	return MUSTER_EINVAL;
}

int
config_parse_int(const char *s, long long min, long long max, long long *out, const char **why)
{
	const char *msg = "not a decimal integer";
	const char *p = s;
	char *end;
	long long v;

	if (s == NULL)
		goto bad;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		goto bad;
	if (errno == ERANGE || v < min || v > max) {
		msg = "out of range";
		goto bad;
	}
	*out = v;
	return 0;
bad:
	if (why)
		*why = msg;
	return MUSTER_EINVAL;
}

/* Read decimal digits into *v; false when there are none or on overflow. */
static bool
read_u64(const char **pp, uint64_t *v, bool *overflow)
{
	const char *p = *pp;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10) {
			*overflow = true;
			return false;
		}
		n = n * 10 + d;
	}
	*pp = p;
	*v = n;
	return true;
}

int
config_parse_duration_ms(const char *s, uint64_t *out, const char **why)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
	        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	const char *msg = "expected a duration like 30s, 5m, 6h, 2d, 1500ms or seconds";
	const char *p = s;
	uint64_t total = 0, n, mult;
	bool overflow = false;
	size_t ulen, parts = 0;

	if (s == NULL || *s == '\0')
		goto bad;
	/* One or more number+unit parts ("1h30m"); a lone number is seconds. */
	while (*p) {
		if (!read_u64(&p, &n, &overflow))
			goto bad;
		for (ulen = 0; isalpha((unsigned char)p[ulen]); ulen++)
			;
		if (ulen == 0) {
			if (parts > 0 || *p != '\0')
				goto bad;
			mult = 1000;
		} else {
			mult = 0;
			for (size_t i = 0; i < MUSTER_NELEM(units); i++)
				if (strlen(units[i].unit) == ulen &&
				    memcmp(p, units[i].unit, ulen) == 0)
					mult = units[i].ms;
			if (mult == 0) {
				msg = "unknown unit (use ms, s, m, h or d)";
				goto bad;
			}
			p += ulen;
		}
		if (n > UINT64_MAX / mult || total > UINT64_MAX - n * mult) {
			overflow = true;
			goto bad;
		}
		total += n * mult;
		parts++;
	}
	*out = total;
	return 0;
bad:
	if (why)
		*why = overflow ? "duration too large" : msg;
	return MUSTER_EINVAL;
}

static bool
is_list_sep(char ch)
{
	return ch == ',' || isspace((unsigned char)ch);
}

/* The next token of a comma/space list into tok; false at the end. */
static bool
next_token(const char **pp, const char **tok, size_t *len)
{
	const char *p = *pp;

	while (*p && is_list_sep(*p))
		p++;
	if (*p == '\0')
		return false;
	*tok = p;
	while (*p && !is_list_sep(*p))
		p++;
	*len = (size_t)(p - *tok);
	*pp = p;
	return true;
}

/* Parse one "addr" or "addr/prefix" token. */
static int
parse_cidr(const char *tok, size_t len, struct config_cidr *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	long long prefix;
	int family, bits;
	size_t nbytes;

	if (len >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address or CIDR";
		return MUSTER_EINVAL;
	}
	memcpy(buf, tok, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	family = memchr(buf, ':', len) ? AF_INET6 : AF_INET;
	bits = family == AF_INET ? 32 : 128;
	nbytes = (size_t)bits / 8;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		/* Digits only: no sign, no spaces. */
		if (!isdigit((unsigned char)*slash) || strlen(slash) > 3 ||
		    config_parse_int(slash, 0, bits, &prefix, NULL) != 0) {
			*why = "bad prefix length";
			return MUSTER_EINVAL;
		}
	} else {
		prefix = bits;
	}
	if (inet_pton(family, buf, out->addr) != 1) {
		*why = "not an IPv4 or IPv6 address or CIDR";
		return MUSTER_EINVAL;
	}
	/* No bits may be set past the prefix: "10.0.0.5/8" is most likely a typo. */
	for (size_t i = 0; i < nbytes; i++) {
		long long first = (long long)i * 8;
		uint8_t mask = prefix >= first + 8 ? 0xff
		               : prefix <= first   ? 0x00
		                                   : (uint8_t)(0xff << (8 - (prefix - first)));
		if (out->addr[i] & (uint8_t)~mask) {
			*why = "address has bits set past the prefix length";
			return MUSTER_EINVAL;
		}
	}
	out->family = family;
	out->prefix = (int)prefix;
	return 0;
}

int
config_parse_cidrs(const char *s, struct config_cidr *out, size_t max, size_t *n, const char **why)
{
	const char *p = s, *tok, *msg = NULL;
	struct config_cidr one;
	size_t len, count = 0;

	if (s == NULL) {
		msg = "no value";
		goto bad;
	}
	while (next_token(&p, &tok, &len)) {
		if (parse_cidr(tok, len, &one, &msg) != 0)
			goto bad;
		if (count >= max) {
			msg = "too many entries";
			goto bad;
		}
		if (out)
			out[count] = one;
		count++;
	}
	*n = count;
	return 0;
bad:
	if (why)
		*why = msg;
	return MUSTER_EINVAL;
}

int
config_parse_ports(const char *s, uint16_t *out, size_t max, size_t *n, const char **why)
{
	uint8_t seen[65536 / 8];
	const char *p = s, *tok, *msg = "expected ports like 22,80,8000-8010 (1-65535)";
	char buf[16], *dash;
	long long lo, hi;
	size_t len, count = 0;

	if (s == NULL)
		goto bad;
	memset(seen, 0, sizeof(seen));
	while (next_token(&p, &tok, &len)) {
		if (len >= sizeof(buf))
			goto bad;
		memcpy(buf, tok, len);
		buf[len] = '\0';
		if ((dash = strchr(buf, '-')) != NULL)
			*dash++ = '\0';
		if (!isdigit((unsigned char)buf[0]) ||
		    config_parse_int(buf, 1, 65535, &lo, NULL) != 0)
			goto bad;
		hi = lo;
		if (dash && (!isdigit((unsigned char)*dash) ||
		             config_parse_int(dash, 1, 65535, &hi, NULL) != 0))
			goto bad;
		if (hi < lo) {
			msg = "port range is backwards";
			goto bad;
		}
		for (long long port = lo; port <= hi; port++) {
			if (seen[port / 8] & (1u << (port % 8)))
				continue;
			if (count >= max) {
				msg = "too many ports";
				goto bad;
			}
			seen[port / 8] |= (uint8_t)(1u << (port % 8));
			if (out)
				out[count] = (uint16_t)port;
			count++;
		}
	}
	*n = count;
	return 0;
bad:
	if (why)
		*why = msg;
	return MUSTER_EINVAL;
}

/* Text a string key may hold: valid UTF-8 without control characters. */
static bool
plain_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return text_utf8_valid(s, strlen(s));
}

static size_t
key_list_max(const struct config_key *k)
{
	return k && k->max > 0 ? (size_t)k->max : CONFIG_LIST_MAX;
}

/*
 * Check value v against schema key k (NULL: no limits) as type t. False with
 * a message in why (which may quote nothing from v) when it does not pass.
 */
static bool
check_value(const struct config_key *k, enum config_type t, const char *v, char *why, size_t whysz)
{
	const char *msg = NULL;
	long long lo = LLONG_MIN, hi = LLONG_MAX, iv;
	uint64_t ms;
	size_t n, cap;
	bool b;
	struct stat st;

	switch (t) {
	case CONFIG_BOOL:
		if (config_parse_bool(v, &b, &msg) == 0)
			return true;
		break;
	case CONFIG_INT:
		if (k && (k->min != 0 || k->max != 0)) {
			lo = k->min;
			hi = k->max;
		}
		if (config_parse_int(v, lo, hi, &iv, &msg) == 0)
			return true;
		if (strcmp(msg, "out of range") == 0) {
			snprintf(why, whysz, "must be between %lld and %lld", lo, hi);
			return false;
		}
		break;
	case CONFIG_DURATION:
		if (config_parse_duration_ms(v, &ms, &msg) != 0)
			break;
		if (k && (ms < (uint64_t)(k->min > 0 ? k->min : 0) ||
		          (k->max > 0 && ms > (uint64_t)k->max))) {
			snprintf(why, whysz, "must be between %lldms and %lldms",
			         k->min > 0 ? k->min : 0, k->max > 0 ? k->max : LLONG_MAX);
			return false;
		}
		return true;
	case CONFIG_CIDRS:
		if (config_parse_cidrs(v, NULL, key_list_max(k), &n, &msg) == 0)
			return true;
		break;
	case CONFIG_PORTS:
		if (config_parse_ports(v, NULL, key_list_max(k), &n, &msg) == 0)
			return true;
		break;
	case CONFIG_STRING:
	case CONFIG_PATH:
		cap = k && k->max > 0 ? (size_t)k->max : CONFIG_LINE_MAX;
		if (strlen(v) > cap) {
			snprintf(why, whysz, "longer than %zu bytes", cap);
			return false;
		}
		if (!plain_text(v)) {
			msg = "has control characters or is not valid UTF-8";
			break;
		}
		if (t == CONFIG_STRING)
			return true;
		if (v[0] != '/') {
			msg = "must be an absolute path";
			break;
		}
		if (k && (k->flags & CONFIG_F_EXISTS) && stat(v, &st) != 0) {
			snprintf(why, whysz, "cannot use path: %s", strerror(errno));
			return false;
		}
		return true;
	default:
		msg = "unknown type in schema";
		break;
	}
	snprintf(why, whysz, "%s", msg ? msg : "bad value");
	return false;
}

/* ---- loading ---------------------------------------------------------- */

/* Add or replace (section, key) = value from origin:line. Sets *e. */
static int
entry_put(struct config *c, const char *origin, int line, unsigned load, const char *section,
          const char *key, const char *value, struct config_entry **out)
{
	struct config_entry *e = entry_find(c, section, key), *n;
	char *v;

	if ((v = strdup(value)) == NULL)
		return MUSTER_ENOMEM;
	if (e == NULL) {
		if (c->nents == c->capents) {
			size_t ncap = c->capents ? c->capents * 2 : 16;
			if ((n = realloc(c->ents, ncap * sizeof(*n))) == NULL)
				goto nomem;
			c->ents = n;
			c->capents = ncap;
		}
		e = &c->ents[c->nents];
		memset(e, 0, sizeof(*e));
		if ((e->section = strdup(section)) == NULL || (e->key = strdup(key)) == NULL) {
			free(e->section);
			goto nomem;
		}
		c->nents++;
	}
	free(e->value);
	e->value = v;
	e->origin = origin;
	e->line = line;
	e->load = load;
	e->bad = false;
	*out = e;
	return 0;
nomem:
	free(v);
	return MUSTER_ENOMEM;
}

/* Check and store one key line; shared by the ini handler and config_set(). */
static int
take_value(struct config *c, const char *origin, int line, unsigned load, const char *section,
           const char *key, const char *value)
{
	char qk[QUOTE_MAX], qs[QUOTE_MAX], why[ERRLINE_MAX / 2];
	const struct config_key *k = NULL;
	struct config_entry *e;
	int r;

	quote(key, qk, sizeof(qk));
	quote(section, qs, sizeof(qs));
	if (*key == '\0') {
		add_error(c, origin, line, "missing key name before '='");
		return MUSTER_EPARSE;
	}
	if (value == NULL) {
		add_error(c, origin, line, "expected 'key = value', got '%s'", qk);
		return MUSTER_EPARSE;
	}
	if (strlen(key) > CONFIG_KEY_MAX) {
		add_error(c, origin, line, "key name longer than %d bytes", CONFIG_KEY_MAX);
		return MUSTER_EPARSE;
	}
	if (c->nschema > 0 && (k = schema_find(c, section, key)) == NULL) {
		if (*section)
			add_error(c, origin, line, "unknown key '%s' in [%s]", qk, qs);
		else
			add_error(c, origin, line, "unknown key '%s' outside any [section]", qk);
		return MUSTER_EPARSE;
	}
	if (line > 0 && (e = entry_find(c, section, key)) != NULL && e->load == load) {
		add_error(c, origin, line, "duplicate key '%s' in [%s] (first on line %d)", qk, qs,
		          e->line);
		return MUSTER_EPARSE;
	}
	if ((r = entry_put(c, origin, line, load, section, key, value, &e)) != 0)
		return r;
	if (k && !check_value(k, k->type, value, why, sizeof(why))) {
		add_error(c, origin, line, "key '%s': %s", qk, why);
		e->bad = true;
		return MUSTER_EPARSE;
	}
	return 0;
}

static int
ini_cb(void *user, const char *section, const char *name, const char *value, int lineno)
{
	struct load_ctx *x = user;
	int r;

	if (x->c->nents >= CONFIG_ENTRIES_MAX && entry_find(x->c, section, name) == NULL) {
		if (!x->full)
			add_error(x->c, x->origin, lineno, "more than %d keys", CONFIG_ENTRIES_MAX);
		x->full = true;
		return 1;
	}
	r = take_value(x->c, x->origin, lineno, x->load, section, name, value);
	if (r == MUSTER_ENOMEM)
		x->rc = r;
	/* Always go on, so every line is seen (libinih skips no-value lines after an error). */
	return 1;
}

/*
 * First pass over the lines, before libinih: report what libinih would only
 * count (one error line number in all) or silently get wrong, and copy the
 * text to out with those lines emptied, so line numbers stay in step:
 *  - NUL bytes (libinih would stop there) and lines over CONFIG_LINE_MAX
 *    (libinih would split them and miscount the lines after);
 *  - section headers without ']', with text after ']', too long, or not in
 *    the schema; the keys under such a header are dropped too.
 * out must have room for len + 1 bytes; it is NUL-terminated.
 */
static void
prescan(struct config *c, const char *origin, const char *text, size_t len, char *out)
{
	size_t ln, off = 0, o = 0;
	bool skip_keys = false;
	int lineno = 0;

	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *s, *e, *end;
		char qs[QUOTE_MAX];
		bool was_space = false, keep = false;

		ln = nl ? (size_t)(nl - line) : len - off;
		off += ln + 1;
		lineno++;
		s = line;
		end = line + ln;
		if (memchr(line, '\0', ln)) {
			add_error(c, origin, lineno, "line contains a NUL byte");
			goto next;
		}
		if (ln > CONFIG_LINE_MAX) {
			add_error(c, origin, lineno, "line longer than %d bytes", CONFIG_LINE_MAX);
			goto next;
		}
		if (lineno == 1 && ln >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s == end || *s == ';' || *s == '#')
			goto next; /* nothing for libinih either */
		if (*s != '[') {
			keep = !skip_keys;
			goto next;
		}
		/* As libinih: ']' ends the name unless an inline comment (" ;") comes first. */
		for (e = s + 1; e < end && *e != ']' && !(was_space && *e == ';'); e++)
			was_space = isspace((unsigned char)*e);
		skip_keys = true;
		if (e == end || *e != ']') {
			add_error(c, origin, lineno, "section header without ']'");
		} else {
			size_t nlen = (size_t)(e - s - 1);
			char name[CONFIG_SECTION_MAX + 1];
			const char *t = e + 1;

			while (t < end && isspace((unsigned char)*t))
				t++;
			if (t < end && *t != ';' && *t != '#') {
				add_error(c, origin, lineno, "unexpected text after ']'");
			} else if (nlen > CONFIG_SECTION_MAX) {
				add_error(c, origin, lineno, "section name longer than %d bytes",
				          CONFIG_SECTION_MAX);
			} else if (c->nschema > 0 && !schema_has_section(c, s + 1, nlen)) {
				memcpy(name, s + 1, nlen);
				name[nlen] = '\0';
				add_error(c, origin, lineno, "unknown section [%s]",
				          quote(name, qs, sizeof(qs)));
			} else {
				skip_keys = false;
				keep = true;
			}
		}
	next:
		if (keep) {
			memcpy(out + o, line, ln);
			o += ln;
		}
		if (nl)
			out[o++] = '\n';
	}
	out[o] = '\0';
}

/* Settings for libinih's process-wide options, and a place to keep the old ones. */
struct ini_opts {
	bool multiline, bom, inline_comments, use_stack, no_value, stop_first;
	int max_line;
	char *start_prefixes, *inline_prefixes;
};

static void
ini_opts_swap(struct ini_opts *o)
{
	struct ini_opts cur = {ini_allow_multiline,
	                       ini_allow_bom,
	                       ini_allow_inline_comments,
	                       ini_use_stack,
	                       ini_allow_no_value,
	                       ini_stop_on_first_error,
	                       ini_max_line,
	                       ini_start_comment_prefixes,
	                       ini_inline_comment_prefixes};

	ini_allow_multiline = o->multiline;
	ini_allow_bom = o->bom;
	ini_allow_inline_comments = o->inline_comments;
	ini_use_stack = o->use_stack;
	ini_allow_no_value = o->no_value;
	ini_stop_on_first_error = o->stop_first;
	ini_max_line = o->max_line;
	ini_start_comment_prefixes = o->start_prefixes;
	ini_inline_comment_prefixes = o->inline_prefixes;
	*o = cur;
}

int
config_load_string(struct config *c, const char *name, const char *text, size_t len)
{
	static char start_prefixes[] = ";#", inline_prefixes[] = ";";
	struct ini_opts opts = {
	        .multiline = false, /* an indented line is a line, not a continuation */
	        .bom = true,
	        .inline_comments = true,
	        .use_stack = true,
	        .no_value = true, /* so each "key" line without '=' reaches ini_cb */
	        .stop_first = false,
	        .max_line = CONFIG_LINE_MAX + 3, /* "\r\n" and NUL; longer lines are dropped */
	        .start_prefixes = start_prefixes,
	        .inline_prefixes = inline_prefixes,
	};
	struct load_ctx x = {c, NULL, 0, false, 0};
	size_t errs_before = c->nerrs + c->dropped;
	char *work = NULL;
	int r = 0;

	if (name == NULL)
		name = "<string>";
	if ((x.origin = origin_add(c, name)) == NULL) {
		c->oom = true;
		return MUSTER_ENOMEM;
	}
	x.load = ++c->loads;
	if (text == NULL)
		len = 0;
	if (len > CONFIG_FILE_MAX) {
		add_error(c, x.origin, 0, "larger than %d bytes", CONFIG_FILE_MAX);
		return MUSTER_ETOOBIG;
	}
	if ((work = malloc(len + 1)) == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	prescan(c, x.origin, text ? text : "", len, work);
	ini_opts_swap(&opts);
	if (ini_parse_string(work, ini_cb, &x) < 0)
		x.rc = MUSTER_ENOMEM;
	ini_opts_swap(&opts);
	if ((r = x.rc) != 0)
		goto out;
	if (c->nerrs + c->dropped > errs_before)
		r = MUSTER_EPARSE;
out:
	free(work);
	if (r == MUSTER_ENOMEM)
		c->oom = true;
	return r;
}

int
config_load_file(struct config *c, const char *path)
{
	char *text = NULL;
	size_t len = 0, got;
	FILE *f = NULL;
	int r = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		add_error(c, path, 0, "cannot open: %s", strerror(errno));
		return MUSTER_EIO;
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	/* One byte more than allowed tells "too big" from "exactly the cap". */
	while (len < CONFIG_FILE_MAX + 1 &&
	       (got = fread(text + len, 1, CONFIG_FILE_MAX + 1 - len, f)) > 0)
		len += got;
	if (ferror(f)) {
		add_error(c, path, 0, "cannot read: %s", strerror(errno));
		r = MUSTER_EIO;
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		add_error(c, path, 0, "larger than %d bytes", CONFIG_FILE_MAX);
		r = MUSTER_ETOOBIG;
		goto out;
	}
	r = config_load_string(c, path, text, len);
out:
	free(text);
	fclose(f);
	return r;
}

int
config_set(struct config *c, const char *origin, const char *section, const char *key,
           const char *value)
{
	const char *o;

	if ((o = origin_add(c, origin ? origin : "override")) == NULL)
		return MUSTER_ENOMEM;
	return take_value(c, o, 0, ++c->loads, section, key, value);
}

int
config_check_required(struct config *c)
{
	const char *origin = c->norigins ? c->origins[0] : "config";
	int r = 0;

	for (size_t i = 0; i < c->nschema; i++) {
		const struct config_key *k = &c->schema[i];
		if (!(k->flags & CONFIG_F_REQUIRED) || k->def || entry_find(c, k->section, k->key))
			continue;
		add_error(c, origin, 0, "missing required key '%s' in [%s]", k->key, k->section);
		r = MUSTER_EPARSE;
	}
	return r;
}

/* ---- getters ---------------------------------------------------------- */

/* What a getter reads: the value and where it came from. */
struct lookup {
	const struct config_key *k;
	struct config_entry *e; /* NULL when the value is the default */
	const char *value;
};

static int
lookup(struct config *c, const char *section, const char *key, enum config_type t, struct lookup *l)
{
	char why[ERRLINE_MAX / 2], qk[QUOTE_MAX];

	l->k = schema_find(c, section, key);
	l->e = entry_find(c, section, key);
	if (c->nschema > 0 && (l->k == NULL || l->k->type != t))
		return MUSTER_EINVAL; /* the program asks for a key its schema lacks */
	if (l->e) {
		if (l->e->bad)
			return MUSTER_EINVAL;
		l->value = l->e->value;
	} else if (l->k && l->k->def) {
		l->value = l->k->def;
	} else {
		return MUSTER_ENOENT;
	}
	if (!check_value(l->k, t, l->value, why, sizeof(why))) {
		quote(key, qk, sizeof(qk));
		if (l->e) {
			add_error(c, l->e->origin, l->e->line, "key '%s': %s", qk, why);
			l->e->bad = true;
		} else {
			add_error(c, "schema default", 0, "key '%s': %s", qk, why);
		}
		return MUSTER_EINVAL;
	}
	return 0;
}

/* Record a getter-specific failure (the caller's list is smaller than the value). */
static int
get_fail(struct config *c, const struct lookup *l, const char *key, const char *why)
{
	char qk[QUOTE_MAX];

	quote(key, qk, sizeof(qk));
	add_error(c, l->e ? l->e->origin : "schema default", l->e ? l->e->line : 0, "key '%s': %s",
	          qk, why);
	return MUSTER_EINVAL;
}

int
config_get_bool(struct config *c, const char *section, const char *key, bool *out)
{
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_BOOL, &l)) != 0)
		return r;
	return config_parse_bool(l.value, out, NULL);
}

int
config_get_int(struct config *c, const char *section, const char *key, long long *out)
{
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_INT, &l)) != 0)
		return r;
	return config_parse_int(l.value, LLONG_MIN, LLONG_MAX, out, NULL);
}

int
config_get_duration_ms(struct config *c, const char *section, const char *key, uint64_t *out)
{
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_DURATION, &l)) != 0)
		return r;
	return config_parse_duration_ms(l.value, out, NULL);
}

int
config_get_string(struct config *c, const char *section, const char *key, const char **out)
{
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_STRING, &l)) != 0)
		return r;
	*out = l.value;
	return 0;
}

int
config_get_path(struct config *c, const char *section, const char *key, const char **out)
{
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_PATH, &l)) != 0)
		return r;
	*out = l.value;
	return 0;
}

int
config_get_cidrs(struct config *c, const char *section, const char *key, struct config_cidr *out,
                 size_t max, size_t *n)
{
	const char *why = NULL;
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_CIDRS, &l)) != 0)
		return r;
	if (config_parse_cidrs(l.value, out, max, n, &why) != 0)
		return get_fail(c, &l, key, why);
	return 0;
}

int
config_get_ports(struct config *c, const char *section, const char *key, uint16_t *out, size_t max,
                 size_t *n)
{
	const char *why = NULL;
	struct lookup l;
	int r;

	if ((r = lookup(c, section, key, CONFIG_PORTS, &l)) != 0)
		return r;
	if (config_parse_ports(l.value, out, max, n, &why) != 0)
		return get_fail(c, &l, key, why);
	return 0;
}

/* ---- errors ----------------------------------------------------------- */

size_t
config_error_count(const struct config *c)
{
	return c->nerrs;
}

const char *
config_error(const struct config *c, size_t i)
{
	return i < c->nerrs ? c->errs[i] : NULL;
}

size_t
config_format_errors(const struct config *c, char *buf, size_t size)
{
	size_t total = 0;
	int n;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i <= c->nerrs; i++) {
		if (i < c->nerrs)
			n = snprintf(total < size ? buf + total : NULL,
			             total < size ? size - total : 0, "%s\n", c->errs[i]);
		else if (c->dropped)
			n = snprintf(total < size ? buf + total : NULL,
			             total < size ? size - total : 0, "... and %zu more errors\n",
			             c->dropped);
		else
			break;
		if (n > 0)
			total += (size_t)n;
	}
	return total;
}

int
config_print_errors(const struct config *c, FILE *f)
{
	for (size_t i = 0; i < c->nerrs; i++)
		fprintf(f, "%s\n", c->errs[i]);
	if (c->dropped)
		fprintf(f, "... and %zu more errors\n", c->dropped);
	return ferror(f) ? MUSTER_EIO : 0;
}
