/* ssdp.c - SSDP decoder: UPnP Device Architecture 1.1 §1, HTTP/1.1 message syntax (RFC 7230 §3). */
#include <string.h>

#include "sensor/decode/ssdp.h"

/* Split off the next line (without its CRLF or bare LF). False when no line end is found. */
static bool
line_next(struct cursor *c, struct cursor *line)
{
	const uint8_t *nl = c->rem ? memchr(c->p, '\n', c->rem) : NULL;
	size_t n;

	if (nl == NULL)
		return false;
	n = (size_t)(nl - c->p);
	if (!cursor_sub(c, n, line) || !cursor_skip(c, 1))
		return false;
	if (line->rem > 0 && line->p[line->rem - 1] == '\r')
		line->rem--;
	return line->rem <= SSDP_LINE_MAX;
}

static bool
bytes_eq(const struct cursor *l, const char *s)
{
	size_t n = strlen(s);

	return l->rem == n && memcmp(l->p, s, n) == 0;
}

static bool
prefix_eq(const struct cursor *l, const char *s)
{
	size_t n = strlen(s);

	return l->rem >= n && memcmp(l->p, s, n) == 0;
}

static bool
name_is(const uint8_t *p, size_t n, const char *s)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (ch >= 'a' && ch <= 'z')
			ch = (uint8_t)(ch - 'a' + 'A');
		if (ch != (uint8_t)s[i])
			return false;
	}
	return true;
}

/* RFC 7230 §3.2.6 tchar. */
static bool
is_tchar(uint8_t ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Start line: request-line or status-line (RFC 7230 §3.1). */
static bool
start_line(struct cursor l, struct ssdp_msg *m)
{
	uint8_t d[3];

	if (bytes_eq(&l, "NOTIFY * HTTP/1.1")) {
		m->kind = SSDP_NOTIFY;
		return true;
	}
	if (bytes_eq(&l, "M-SEARCH * HTTP/1.1")) {
		m->kind = SSDP_MSEARCH;
		return true;
	}
	/* §1.3.3: "HTTP/1.1 200 OK"; status-code is three digits, then SP. */
	if (!prefix_eq(&l, "HTTP/1.") || !cursor_skip(&l, 8))
		return false;
	if (!cursor_bytes(&l, d + 0, 1) || d[0] != ' ' || !cursor_bytes(&l, d, 3))
		return false;
	for (int i = 0; i < 3; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	if (l.rem > 0 && l.p[0] != ' ')
		return false;
	m->kind = SSDP_RESPONSE;
	m->status = (uint16_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
	return true;
}

static void
set_once(struct ssdp_str *s, const uint8_t *p, size_t n)
{
	if (s->p == NULL) {
		s->p = p;
		s->len = n;
	}
}

/* header-field = field-name ":" OWS field-value OWS (RFC 7230 §3.2). */
static bool
header_line(struct cursor l, struct ssdp_msg *m)
{
	const uint8_t *name = l.p, *v;
	size_t nlen = 0, vlen;

	while (nlen < l.rem && is_tchar(l.p[nlen]))
		nlen++;
	/* No whitespace before the colon; folding (leading SP/HT) is malformed (§3.2.4). */
	if (nlen == 0 || nlen == l.rem || l.p[nlen] != ':')
		return false;
	cursor_skip(&l, nlen + 1);
	v = l.p;
	vlen = l.rem;
	while (vlen > 0 && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (name_is(name, nlen, "SERVER"))
		set_once(&m->server, v, vlen);
	else if (name_is(name, nlen, "LOCATION"))
		set_once(&m->location, v, vlen);
	else if (name_is(name, nlen, "USN"))
		set_once(&m->usn, v, vlen);
	else if (name_is(name, nlen, "NT"))
		set_once(&m->nt, v, vlen);
	else if (name_is(name, nlen, "NTS"))
		set_once(&m->nts, v, vlen);
	else if (name_is(name, nlen, "ST"))
		set_once(&m->st, v, vlen);
	else if (name_is(name, nlen, "CACHE-CONTROL"))
		set_once(&m->cache_control, v, vlen);
	else if (name_is(name, nlen, "USER-AGENT"))
		set_once(&m->user_agent, v, vlen);
	return true;
}

bool
ssdp_decode(struct cursor *c, struct ssdp_msg *out)
{
	struct cursor line;

	memset(out, 0, sizeof(*out));
	if (!line_next(c, &line) || !start_line(line, out))
		return false;
	while (c->rem > 0) {
		if (!line_next(c, &line))
			return false;
		if (line.rem == 0)
			break; /* end of the header section; any body is ignored */
		if (out->nheaders >= SSDP_LINES_MAX)
			return false;
		if (!header_line(line, out))
			return false;
		out->nheaders++;
	}
	cursor_skip(c, c->rem);
	return true;
}
