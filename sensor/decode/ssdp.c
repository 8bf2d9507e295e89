/* ssdp.c - SSDP decoder: UPnP Device Architecture 1.1 §1, HTTP/1.1 message syntax (RFC 7230 §3). */
#include <string.h>

#include "sensor/decode/httpfield.h"
#include "sensor/decode/ssdp.h"

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
	const uint8_t *name, *v;
	size_t nlen, vlen;

	if (!httpf_field(l, &name, &nlen, &v, &vlen))
		return false;
	if (httpf_name_is(name, nlen, "SERVER"))
		set_once(&m->server, v, vlen);
	else if (httpf_name_is(name, nlen, "LOCATION"))
		set_once(&m->location, v, vlen);
	else if (httpf_name_is(name, nlen, "USN"))
		set_once(&m->usn, v, vlen);
	else if (httpf_name_is(name, nlen, "NT"))
		set_once(&m->nt, v, vlen);
	else if (httpf_name_is(name, nlen, "NTS"))
		set_once(&m->nts, v, vlen);
	else if (httpf_name_is(name, nlen, "ST"))
		set_once(&m->st, v, vlen);
	else if (httpf_name_is(name, nlen, "CACHE-CONTROL"))
		set_once(&m->cache_control, v, vlen);
	else if (httpf_name_is(name, nlen, "USER-AGENT"))
		set_once(&m->user_agent, v, vlen);
	return true;
}

bool
ssdp_decode(struct cursor *c, struct ssdp_msg *out)
{
	struct cursor line;

	memset(out, 0, sizeof(*out));
	if (httpf_line_next(c, &line, SSDP_LINE_MAX) != 1 || !start_line(line, out))
		return false;
	while (c->rem > 0) {
		if (httpf_line_next(c, &line, SSDP_LINE_MAX) != 1)
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
