/*
 * targets.c - read the hosts to deploy to: one host a line, CSV (RFC 4180)
 * with a header, host-record JSON lines (DESIGN.md, "The host record"), an
 * Ansible INI inventory, CIDR blocks; filter by OS family; de-duplicate.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "common/net.h"
#include "common/text.h"
#include "deployer/targets.h"

#define TARGETS_FILE_MAX ((size_t)64 << 20)
#define CSV_COLS_MAX     64
#define ANSIBLE_GROUPS   256

void
targets_diag_add(struct targets_diag *d, const char *origin, unsigned line, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	if (d == NULL)
		return;
	if (d->n_errors < TARGETS_ERRORS_MAX) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (line > 0)
			snprintf(d->errors[d->n_errors], sizeof(d->errors[0]), "%s:%u: %s",
			         origin ? origin : "targets", line, msg);
		else
			snprintf(d->errors[d->n_errors], sizeof(d->errors[0]), "%s: %s",
			         origin ? origin : "targets", msg);
	}
	d->n_errors++;
}

int
targets_append(struct target_list *l, const struct target *t)
{
	if (l->n >= TARGETS_MAX) {
		l->over++;
		return MUSTER_ETOOBIG;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct target *v = reallocarray(l->v, cap, sizeof(*v));
		if (v == NULL)
			return MUSTER_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *t;
	return 0;
}

/* Append t while reading: a full list only counts it (target_list.over), the reading goes on. */
static int
add_target(struct target_list *l, const struct target *t)
{
	int r = targets_append(l, t);

	return r == MUSTER_ETOOBIG ? 0 : r;
}

void
targets_free(struct target_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- one host specification ---- */

static bool
valid_user(const char *u, size_t len)
{
	if (len == 0 || len >= TARGET_USER_MAX || u[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)u[i]) && u[i] != '.' && u[i] != '_' && u[i] != '-')
			return false;
	return true;
}

/* A DNS name (RFC 1123 labels, '_' tolerated) that is not a malformed dotted quad. */
static bool
valid_dns_name(const char *s, size_t len)
{
	size_t label = 0;
	bool all_digits_dots = true;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (!isdigit(c))
			all_digits_dots = false;
		if (++label > 63)
			return false;
	}
	return !all_digits_dots; /* "10.0.0.300" is a bad address, not a name */
}

static bool
parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool
set_host(struct target *t, const char *h, size_t len, bool want_v6, char *why, size_t whylen)
{
	char tmp[TARGET_HOST_MAX + 1];
	struct ipaddr ip;

	if (len == 0) {
		snprintf(why, whylen, "empty host");
		return false;
	}
	if (len > TARGET_HOST_MAX) {
		snprintf(why, whylen, "host name longer than %d bytes", TARGET_HOST_MAX);
		return false;
	}
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (net_ip_parse(tmp, &ip)) {
		if (want_v6 && ip.family != AF_INET6) {
			snprintf(why, whylen, "brackets hold an IPv4 address");
			return false;
		}
		net_ip_format(&ip, t->host);
		return true;
	}
	if (want_v6 || memchr(tmp, ':', len) != NULL) {
		snprintf(why, whylen, "not an IPv6 address");
		return false;
	}
	if (!valid_dns_name(tmp, len)) {
		char safe[64];
		text_sanitize(tmp, len, safe, sizeof(safe));
		snprintf(why, whylen, "\"%s\" is neither an address nor a host name", safe);
		return false;
	}
	memcpy(t->host, tmp, len + 1);
	for (char *p = t->host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return true;
}

bool
targets_parse_spec(const char *s, struct target *t, char *why, size_t whylen)
{
	const char *at, *h, *end = s + strlen(s), *colon;

	memset(t, 0, sizeof(*t));
	if ((at = memchr(s, '@', (size_t)(end - s))) != NULL) {
		if (!valid_user(s, (size_t)(at - s))) {
			snprintf(why, whylen, "bad user name before '@'");
			return false;
		}
		memcpy(t->user, s, (size_t)(at - s));
		t->user[at - s] = '\0';
		s = at + 1;
	}
	if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));
		if (close == NULL) {
			snprintf(why, whylen, "'[' without ']'");
			return false;
		}
		if (!set_host(t, s + 1, (size_t)(close - s - 1), true, why, whylen))
			return false;
		if (close + 1 == end)
			return true;
		if (close[1] != ':' ||
		    !parse_port(close + 2, (size_t)(end - close - 2), &t->port)) {
			snprintf(why, whylen, "bad port after ']'");
			return false;
		}
		return true;
	}
	h = s;
	colon = memchr(h, ':', (size_t)(end - h));
	if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
		return set_host(t, h, (size_t)(end - h), true, why, whylen); /* bare IPv6 */
	if (colon != NULL) {
		if (!parse_port(colon + 1, (size_t)(end - colon - 1), &t->port)) {
			snprintf(why, whylen, "bad port (1-65535)");
			return false;
		}
		end = colon;
	}
	return set_host(t, h, (size_t)(end - h), false, why, whylen);
}

void
targets_format_spec(const struct target *t, char *out, size_t outsz)
{
	bool v6 = strchr(t->host, ':') != NULL;
	char port[8] = "";

	if (t->port)
		snprintf(port, sizeof(port), ":%u", t->port);
	snprintf(out, outsz, "%s%s%s%s%s%s", t->user, t->user[0] ? "@" : "",
	         v6 && t->port ? "[" : "", t->host, v6 && t->port ? "]" : "", port);
}

/* ---- CIDR ---- */

int
targets_add_cidr(const char *s, struct target_list *out, struct targets_diag *diag,
                 const char *origin)
{
	struct cidr c;
	struct ipaddr ip;
	struct target t;
	bool ok;
	int r;

	if (!net_cidr_parse(s, &c, NULL)) {
		targets_diag_add(diag, origin, 0, "bad CIDR block");
		return MUSTER_EINVAL;
	}
	if (c.addr.family == AF_INET6) {
		if (c.prefix != 128) {
			targets_diag_add(diag, origin, 0,
			                 "IPv6 blocks other than /128 are too large");
			return MUSTER_EINVAL;
		}
		memset(&t, 0, sizeof(t));
		net_ip_format(&c.addr, t.host);
		return targets_append(out, &t);
	}
	if (net_cidr_v4_hosts(&c) > TARGETS_CIDR_MAX) {
		targets_diag_add(diag, origin, 0, "CIDR block larger than %d hosts",
		                 TARGETS_CIDR_MAX);
		return MUSTER_ETOOBIG;
	}
	for (ok = net_cidr_v4_first(&c, &ip); ok; ok = net_cidr_v4_next(&c, &ip)) {
		memset(&t, 0, sizeof(t));
		net_ip_format(&ip, t.host);
		if ((r = add_target(out, &t)) != 0)
			return r;
	}
	return out->over > 0 ? MUSTER_ETOOBIG : 0;
}

/* ---- line iteration ---- */

struct lines {
	const char *p, *end;
	unsigned no;
};

/* The next line without its end of line and surrounding blanks; false at the end. */
static bool
next_line(struct lines *ls, const char **line, size_t *len)
{
	const char *nl, *s, *e;

	if (ls->p >= ls->end)
		return false;
	nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
	s = ls->p;
	e = nl ? nl : ls->end;
	ls->p = nl ? nl + 1 : ls->end;
	ls->no++;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	/* A UTF-8 byte order mark on the first line. */
	if (ls->no == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	*line = s;
	*len = (size_t)(e - s);
	return true;
}

static bool
skip_line(const char *line, size_t len)
{
	return len == 0 || line[0] == '#' || line[0] == ';';
}

/* ---- JSON: a host record, or {"host", "port", "user", "os"} ---- */

static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	text_sanitize(src, strlen(src), dst, dstsz);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool
json_target(const char *line, size_t len, struct target *t, char *why, size_t whylen)
{
	struct json_tokener *tok = json_tokener_new_ex(16);
	struct json_object *o = NULL, *v;
	struct hostrec h;
	char err[96];
	bool ok = false;

	memset(t, 0, sizeof(*t));
	if (tok == NULL) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o == NULL || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	if (json_object_object_get_ex(o, "host", &v)) {
		/* A deployer target object. */
		char spec[TARGET_HOST_MAX + 48];
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(why, whylen, "\"host\" must be a string");
			goto out;
		}
		snprintf(spec, sizeof(spec), "%s", json_object_get_string(v));
		if (!targets_parse_spec(spec, t, why, whylen))
			goto out;
		if (json_object_object_get_ex(o, "port", &v)) {
			int64_t p = json_object_get_int64(v);
			if (!json_object_is_type(v, json_type_int) || p < 1 || p > 65535) {
				snprintf(why, whylen, "\"port\" must be 1-65535");
				goto out;
			}
			t->port = (uint16_t)p;
		}
		if (json_object_object_get_ex(o, "user", &v)) {
			const char *u = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    !valid_user(u, strlen(u))) {
				snprintf(why, whylen, "bad \"user\"");
				goto out;
			}
			snprintf(t->user, sizeof(t->user), "%s", u);
		}
		if (json_object_object_get_ex(o, "os", &v) &&
		    json_object_is_type(v, json_type_string)) {
			copy_str(t->os_family, sizeof(t->os_family), json_object_get_string(v));
			lower(t->os_family);
		}
		ok = true;
		goto out;
	}
	memset(&h, 0, sizeof(h));
	if (hostrec_from_json(&h, o, false, err, sizeof(err)) != 0) {
		snprintf(why, whylen, "host record: %s", err);
		hostrec_clear(&h);
		goto out;
	}
	if (h.n_ipv4 > 0)
		ok = set_host(t, h.ipv4[0], strlen(h.ipv4[0]), false, why, whylen);
	else if (h.n_ipv6 > 0)
		ok = set_host(t, h.ipv6[0], strlen(h.ipv6[0]), true, why, whylen);
	else
		snprintf(why, whylen, "host record has no IPv4 or IPv6 address");
	if (ok) {
		copy_str(t->os_family, sizeof(t->os_family), h.os.family);
		lower(t->os_family);
		if (h.n_names > 0)
			copy_str(t->name, sizeof(t->name), h.names[0].name);
		else if (h.smb.netbios_name)
			copy_str(t->name, sizeof(t->name), h.smb.netbios_name);
		else if (h.dhcp.hostname)
			copy_str(t->name, sizeof(t->name), h.dhcp.hostname);
	}
	hostrec_clear(&h);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

/* ---- plain lines ---- */

static int
parse_lines(struct lines *ls, const char *origin, struct target_list *out,
            struct targets_diag *diag, bool json_only)
{
	const char *line;
	size_t len;
	char buf[TARGETS_LINE_MAX], why[128];
	struct target t;
	int r;

	while (next_line(ls, &line, &len)) {
		if (skip_line(line, len))
			continue;
		if (memchr(line, '\0', len) != NULL) {
			targets_diag_add(diag, origin, ls->no, "NUL byte in line");
			continue;
		}
		if (line[0] == '{' || json_only) {
			if (!json_target(line, len, &t, why, sizeof(why))) {
				targets_diag_add(diag, origin, ls->no, "%s", why);
				continue;
			}
			if ((r = add_target(out, &t)) != 0)
				return r;
			continue;
		}
		if (len >= sizeof(buf)) {
			targets_diag_add(diag, origin, ls->no, "line too long");
			continue;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		/* A trailing comment: "host  # rack 4". */
		for (char *p = buf; *p; p++) {
			if ((*p == ' ' || *p == '\t') && strchr(p, '#') != NULL) {
				char *hash = strchr(p, '#');
				bool blanks = true;
				for (char *q = p; q < hash; q++)
					blanks &= *q == ' ' || *q == '\t';
				if (blanks) {
					*p = '\0';
					break;
				}
			}
		}
		if (strpbrk(buf, " \t,;") != NULL) {
			targets_diag_add(diag, origin, ls->no,
			                 "one host per line (blank, comma or ';' inside)");
			continue;
		}
		if (strchr(buf, '/') != NULL) {
			char o2[96];
			snprintf(o2, sizeof(o2), "%s:%u", origin ? origin : "targets", ls->no);
			if ((r = targets_add_cidr(buf, out, diag, o2)) == MUSTER_ENOMEM)
				return r;
			continue;
		}
		if (!targets_parse_spec(buf, &t, why, sizeof(why))) {
			targets_diag_add(diag, origin, ls->no, "%s", why);
			continue;
		}
		if ((r = add_target(out, &t)) != 0)
			return r;
	}
	return 0;
}

/* ---- CSV (RFC 4180) ---- */

/*
 * Split one CSV record in place into at most max fields. Quoted fields may
 * hold commas and "" for a quote; they may not span lines here (a host list
 * has no use for that). false when a quote is not closed.
 */
static bool
csv_split(char *s, char **fields, size_t max, size_t *n)
{
	char *w;

	*n = 0;
	for (;;) {
		char *start;
		if (*n == max)
			return false;
		while (*s == ' ' || *s == '\t')
			s++;
		start = w = s;
		if (*s == '"') {
			s++;
			for (;;) {
				if (*s == '\0')
					return false;
				if (*s == '"') {
					if (s[1] == '"') {
						*w++ = '"';
						s += 2;
						continue;
					}
					s++;
					break;
				}
				*w++ = *s++;
			}
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s != ',' && *s != '\0')
				return false;
		} else {
			while (*s != ',' && *s != '\0')
				*w++ = *s++;
			while (w > start && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
		}
		fields[(*n)++] = start;
		if (*s == '\0') {
			*w = '\0';
			return true;
		}
		s++;
		*w = '\0';
	}
}

enum csv_col { COL_NONE, COL_ADDR, COL_HOSTNAME, COL_PORT, COL_USER, COL_OS };

static enum csv_col
csv_col_of(const char *name)
{
	static const struct {
		const char *name;
		enum csv_col col;
	} cols[] = {
	        {"host", COL_ADDR},     {"ip", COL_ADDR},   {"ipv4", COL_ADDR},
	        {"address", COL_ADDR},  {"addr", COL_ADDR}, {"hostname", COL_HOSTNAME},
	        {"name", COL_HOSTNAME}, {"port", COL_PORT}, {"user", COL_USER},
	        {"username", COL_USER}, {"os", COL_OS},     {"os_family", COL_OS},
	};
	for (size_t i = 0; i < MUSTER_NELEM(cols); i++)
		if (strcasecmp(name, cols[i].name) == 0)
			return cols[i].col;
	return COL_NONE;
}

/* Does this line look like a CSV header naming a host column? */
static bool
csv_header_like(const char *line, size_t len)
{
	char buf[1024], *fields[CSV_COLS_MAX];
	size_t n;

	if (len >= sizeof(buf) || memchr(line, ',', len) == NULL)
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (!csv_split(buf, fields, CSV_COLS_MAX, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		enum csv_col c = csv_col_of(fields[i]);
		if (c == COL_ADDR || c == COL_HOSTNAME)
			return true;
	}
	return false;
}

static int
parse_csv(struct lines *ls, const char *origin, struct target_list *out, struct targets_diag *diag)
{
	enum csv_col cols[CSV_COLS_MAX];
	char buf[TARGETS_LINE_MAX], *fields[CSV_COLS_MAX], why[128];
	const char *line;
	size_t len, n, ncols = 0;
	bool have_header = false, have_addr = false;
	int r;

	while (next_line(ls, &line, &len)) {
		struct target t;
		const char *addr = NULL, *hostname = NULL, *port = NULL, *user = NULL, *os = NULL;

		if (skip_line(line, len))
			continue;
		if (len >= sizeof(buf) || memchr(line, '\0', len) != NULL) {
			targets_diag_add(diag, origin, ls->no, "line too long or with a NUL byte");
			continue;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (!csv_split(buf, fields, CSV_COLS_MAX, &n)) {
			targets_diag_add(diag, origin, ls->no,
			                 "unterminated quote or too many fields");
			continue;
		}
		if (!have_header) {
			for (size_t i = 0; i < n; i++) {
				cols[i] = csv_col_of(fields[i]);
				have_addr |= cols[i] == COL_ADDR || cols[i] == COL_HOSTNAME;
			}
			ncols = n;
			have_header = true;
			if (!have_addr) {
				targets_diag_add(diag, origin, ls->no,
				                 "CSV header names no host, ip or address column");
				return 0;
			}
			continue;
		}
		if (n != ncols) {
			targets_diag_add(diag, origin, ls->no,
			                 "%zu fields where the header has %zu", n, ncols);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			switch (cols[i]) {
			case COL_ADDR:
				addr = fields[i];
				break;
			case COL_HOSTNAME:
				hostname = fields[i];
				break;
			case COL_PORT:
				port = fields[i];
				break;
			case COL_USER:
				user = fields[i];
				break;
			case COL_OS:
				os = fields[i];
				break;
			default:
				break;
			}
		}
		if (addr == NULL || addr[0] == '\0')
			addr = hostname;
		if (addr == NULL || addr[0] == '\0') {
			targets_diag_add(diag, origin, ls->no, "no host in this line");
			continue;
		}
		/* The server's CSV lists several addresses separated by ';'. */
		{
			char first[TARGET_HOST_MAX + 48];
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(addr, "; "), addr);
			if (!targets_parse_spec(first, &t, why, sizeof(why))) {
				targets_diag_add(diag, origin, ls->no, "%s", why);
				continue;
			}
		}
		if (port != NULL && port[0] != '\0' && !parse_port(port, strlen(port), &t.port)) {
			targets_diag_add(diag, origin, ls->no, "bad port (1-65535)");
			continue;
		}
		if (user != NULL && user[0] != '\0') {
			if (!valid_user(user, strlen(user))) {
				targets_diag_add(diag, origin, ls->no, "bad user name");
				continue;
			}
			snprintf(t.user, sizeof(t.user), "%s", user);
		}
		if (os != NULL) {
			copy_str(t.os_family, sizeof(t.os_family), os);
			lower(t.os_family);
		}
		if (hostname != NULL && hostname != addr)
			copy_str(t.name, sizeof(t.name), hostname);
		if ((r = add_target(out, &t)) != 0)
			return r;
	}
	return 0;
}

/* ---- Ansible INI inventory ---- */

struct group_vars {
	char name[64];
	char user[TARGET_USER_MAX];
	uint16_t port;
};

/* The value of key=value, unquoted, into out; false when malformed. */
static bool
ini_value(const char *v, size_t len, char *out, size_t outsz)
{
	if (len >= 2 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0]) {
		v++;
		len -= 2;
	}
	if (len >= outsz)
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

/* Split "key=value" tokens of a host or vars line and apply the ansible_* ones. */
static bool
ansible_vars(char *s, char *host, size_t hostsz, char *user, uint16_t *port, char *why,
             size_t whylen)
{
	while (*s) {
		char *tok = s, *eq;
		size_t tlen;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				char q = *s++;
				while (*s && *s != q)
					s++;
				if (*s == '\0') {
					snprintf(why, whylen, "unterminated quote");
					return false;
				}
			}
			s++;
		}
		tlen = (size_t)(s - tok);
		while (*s == ' ' || *s == '\t')
			s++;
		if ((eq = memchr(tok, '=', tlen)) == NULL) {
			snprintf(why, whylen, "expected key=value");
			return false;
		}
		size_t klen = (size_t)(eq - tok), vlen = tlen - klen - 1;
		char val[TARGET_HOST_MAX + 1];
		if (!ini_value(eq + 1, vlen, val, sizeof(val))) {
			snprintf(why, whylen, "value too long");
			return false;
		}
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(tok, k, klen) == 0)
		if ((KEY("ansible_host") || KEY("ansible_ssh_host")) && host != NULL) {
			snprintf(host, hostsz, "%s", val);
		} else if (KEY("ansible_port") || KEY("ansible_ssh_port")) {
			if (!parse_port(val, strlen(val), port)) {
				snprintf(why, whylen, "bad ansible_port");
				return false;
			}
		} else if (KEY("ansible_user") || KEY("ansible_ssh_user")) {
			if (!valid_user(val, strlen(val))) {
				snprintf(why, whylen, "bad ansible_user");
				return false;
			}
			memcpy(user, val,
			       strlen(val) + 1); /* valid_user: shorter than TARGET_USER_MAX */
		}
#undef KEY
	}
	return true;
}

static struct group_vars *
group_find(struct group_vars *g, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	return NULL;
}

/*
 * Two passes: the [group:vars] sections first (ansible_user, ansible_port,
 * for the group's own hosts and, for "all", every host), then the hosts.
 * [group:children] sections are accepted and their lines ignored: their
 * groups' hosts are listed in their own sections.
 */
static int
parse_ansible(const char *data, size_t len, const char *origin, struct target_list *out,
              struct targets_diag *diag)
{
	struct group_vars *gv = calloc(ANSIBLE_GROUPS, sizeof(*gv));
	size_t ngv = 0;
	char buf[TARGETS_LINE_MAX], why[128], section[64];
	const char *line;
	size_t llen;
	int r = 0;

	if (gv == NULL)
		return MUSTER_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		struct lines ls = {data, data + len, 0};
		enum { SEC_HOSTS, SEC_VARS, SEC_CHILDREN } kind = SEC_HOSTS;
		snprintf(section, sizeof(section), "ungrouped");
		while (next_line(&ls, &line, &llen)) {
			if (skip_line(line, llen))
				continue;
			if (llen >= sizeof(buf) || memchr(line, '\0', llen) != NULL) {
				if (pass == 1)
					targets_diag_add(diag, origin, ls.no, "line too long");
				continue;
			}
			memcpy(buf, line, llen);
			buf[llen] = '\0';
			if (buf[0] == '[') {
				char *close = strchr(buf, ']'), *colon;
				if (close == NULL || close[1] != '\0' || close - buf - 1 >= 64) {
					if (pass == 1)
						targets_diag_add(diag, origin, ls.no,
						                 "bad section header");
					kind = SEC_CHILDREN; /* skip its lines */
					continue;
				}
				*close = '\0';
				kind = SEC_HOSTS;
				if ((colon = strchr(buf + 1, ':')) != NULL) {
					*colon = '\0';
					kind = strcmp(colon + 1, "vars") == 0 ? SEC_VARS
					                                      : SEC_CHILDREN;
				}
				/* fits: the header check above caps it at 63 bytes */
				memcpy(section, buf + 1, strlen(buf + 1) + 1);
				continue;
			}
			if (kind == SEC_CHILDREN)
				continue;
			if (kind == SEC_VARS) {
				struct group_vars *g;
				char dummy[8];
				if (pass == 1)
					continue;
				if ((g = group_find(gv, ngv, section)) == NULL) {
					if (ngv == ANSIBLE_GROUPS)
						continue;
					g = &gv[ngv++];
					snprintf(g->name, sizeof(g->name), "%s", section);
				}
				/* vars lines may be "key=value" or "key = value". */
				char *w = buf;
				for (char *p = buf; *p; p++)
					if (!((*p == ' ' || *p == '\t') &&
					      (p[1] == '=' || (p > buf && p[-1] == '='))))
						*w++ = *p;
				*w = '\0';
				if (!ansible_vars(buf, NULL, 0, g->user, &g->port, why,
				                  sizeof(why)))
					targets_diag_add(diag, origin, ls.no, "%s", why);
				(void)dummy;
				continue;
			}
			if (pass == 0)
				continue;
			/* A host line: ALIAS [key=value ...] */
			{
				struct target t;
				char host[TARGET_HOST_MAX + 48] = "", user[TARGET_USER_MAX] = "";
				char alias[TARGET_HOST_MAX + 48];
				uint16_t port = 0;
				size_t alen = strcspn(buf, " \t");
				struct group_vars *g;

				if (alen >= sizeof(alias)) {
					targets_diag_add(diag, origin, ls.no,
					                 "host alias too long");
					continue;
				}
				memcpy(alias, buf, alen);
				alias[alen] = '\0';
				if (strchr(alias, '[') != NULL && strchr(alias, ']') != NULL &&
				    strchr(alias, ':') != NULL && alias[0] != '[') {
					targets_diag_add(
					        diag, origin, ls.no,
					        "host ranges (web[01:50]) are not supported");
					continue;
				}
				char *rest = buf + alen;
				while (*rest == ' ' || *rest == '\t')
					rest++;
				if ((g = group_find(gv, ngv, "all")) != NULL) {
					snprintf(user, sizeof(user), "%s", g->user);
					port = g->port;
				}
				if ((g = group_find(gv, ngv, section)) != NULL) {
					if (g->user[0])
						snprintf(user, sizeof(user), "%s", g->user);
					if (g->port)
						port = g->port;
				}
				if (!ansible_vars(rest, host, sizeof(host), user, &port, why,
				                  sizeof(why))) {
					targets_diag_add(diag, origin, ls.no, "%s", why);
					continue;
				}
				if (!targets_parse_spec(host[0] ? host : alias, &t, why,
				                        sizeof(why))) {
					targets_diag_add(diag, origin, ls.no, "%s", why);
					continue;
				}
				if (port)
					t.port = port;
				if (user[0])
					snprintf(t.user, sizeof(t.user), "%s", user);
				if (host[0])
					copy_str(t.name, sizeof(t.name), alias);
				if ((r = add_target(out, &t)) != 0)
					goto out;
			}
		}
	}
out:
	free(gv);
	return r;
}

/* ---- entry points ---- */

/* "[fd00::5]": a bracketed IPv6 address (a host line), which no Ansible section name parses as. */
static bool
bracketed_v6(const char *line, size_t len)
{
	char tmp[NET_IP_STRLEN + 1];
	struct ipaddr ip;

	if (len < 4 || line[0] != '[' || line[len - 1] != ']' || len - 2 >= sizeof(tmp))
		return false;
	memcpy(tmp, line + 1, len - 2);
	tmp[len - 2] = '\0';
	return net_ip_parse(tmp, &ip) && ip.family == AF_INET6;
}

static enum targets_format
detect(const char *data, size_t len)
{
	struct lines ls = {data, data + len, 0};
	const char *line;
	size_t llen;

	while (next_line(&ls, &line, &llen)) {
		if (skip_line(line, llen))
			continue;
		if (bracketed_v6(line, llen))
			return TARGETS_LINES;
		if (line[0] == '[' && line[llen - 1] == ']' && memchr(line, ':', llen) == NULL)
			return TARGETS_ANSIBLE;
		if (line[0] == '[' && llen > 5 && memcmp(line + llen - 5, ":vars", 5) == 0)
			return TARGETS_ANSIBLE;
		if (line[0] == '[' && line[llen - 1] == ']')
			return TARGETS_ANSIBLE; /* [group:children] */
		if (line[0] == '{')
			return TARGETS_JSONL;
		if (csv_header_like(line, llen))
			return TARGETS_CSV;
		return TARGETS_LINES;
	}
	return TARGETS_LINES;
}

int
targets_parse(const char *data, size_t len, enum targets_format fmt, const char *origin,
              struct target_list *out, struct targets_diag *diag)
{
	struct lines ls = {data, data + len, 0};
	int r;

	if (data == NULL)
		len = 0, ls.p = ls.end = "";
	if (fmt == TARGETS_AUTO)
		fmt = detect(ls.p, len);
	switch (fmt) {
	case TARGETS_CSV:
		r = parse_csv(&ls, origin, out, diag);
		break;
	case TARGETS_ANSIBLE:
		r = parse_ansible(ls.p, len, origin, out, diag);
		break;
	case TARGETS_JSONL:
		r = parse_lines(&ls, origin, out, diag, true);
		break;
	default:
		r = parse_lines(&ls, origin, out, diag, false);
		break;
	}
	return r != 0 ? r : (out->over > 0 ? MUSTER_ETOOBIG : 0);
}

int
targets_load_file(const char *path, enum targets_format fmt, struct target_list *out,
                  struct targets_diag *diag)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		targets_diag_add(diag, path, 0, "cannot open: %s", strerror(errno));
		return MUSTER_EIO;
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > TARGETS_FILE_MAX) {
		targets_diag_add(diag, path, 0, "cannot read or larger than 64 MiB");
		close(fd);
		return MUSTER_EIO;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return MUSTER_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	r = targets_parse(data, got, fmt, path, out, diag);
	free(data);
	return r;
}

size_t
targets_filter_os(struct target_list *l, const char *families)
{
	size_t kept = 0, dropped;

	if (families == NULL || families[0] == '\0')
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *f = l->v[i].os_family[0] ? l->v[i].os_family : "unknown";
		size_t flen = strlen(f);
		bool keep = false;
		for (const char *p = families; *p;) {
			size_t n = strcspn(p, ",");
			if (n == flen && strncasecmp(p, f, n) == 0)
				keep = true;
			p += n;
			if (*p == ',')
				p++;
		}
		if (keep)
			l->v[kept++] = l->v[i];
	}
	dropped = l->n - kept;
	l->n = kept;
	return dropped;
}

/* FNV-1a of host and port, for the de-duplication table. */
static uint64_t
target_hash(const char *host, uint16_t port)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)host; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (port & 0xff)) * 1099511628211ULL;
	return (h ^ (port >> 8)) * 1099511628211ULL;
}

size_t
targets_dedup(struct target_list *l, uint16_t default_port)
{
	size_t kept = 0, slots = 16, dropped;
	size_t *tab;

	while (slots < l->n * 2)
		slots *= 2;
	if ((tab = calloc(slots, sizeof(*tab))) == NULL)
		return 0; /* keep the duplicates rather than fail */
	for (size_t i = 0; i < l->n; i++) {
		uint16_t pi = l->v[i].port ? l->v[i].port : default_port;
		size_t s = (size_t)target_hash(l->v[i].host, pi) & (slots - 1);
		bool dup = false;
		/* tab holds kept index + 1; 0 is empty. */
		while (tab[s] != 0) {
			const struct target *k = &l->v[tab[s] - 1];
			if ((k->port ? k->port : default_port) == pi &&
			    strcmp(k->host, l->v[i].host) == 0) {
				dup = true;
				break;
			}
			s = (s + 1) & (slots - 1);
		}
		if (dup)
			continue;
		l->v[kept] = l->v[i];
		tab[s] = ++kept;
	}
	free(tab);
	dropped = l->n - kept;
	l->n = kept;
	return dropped;
}
