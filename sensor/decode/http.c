/* http.c - HTTP/1.x response head parser and HEAD request builder: RFC 9112 §2-§5, RFC 9110 §11.6.1. */
#include <stdio.h>
#include <string.h>

#include "sensor/decode/http.h"
#include "sensor/decode/httpfield.h"

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). */
static bool
status_line(struct cursor l, struct http_head *h)
{
	uint8_t v[8], d[3], sp;

	if (!cursor_bytes(&l, v, sizeof(v)) || memcmp(v, "HTTP/1.", 7) != 0 || v[7] < '0' ||
	    v[7] > '9')
		return false;
	if (!cursor_u8(&l, &sp) || sp != ' ' || !cursor_bytes(&l, d, sizeof(d)))
		return false;
	for (int i = 0; i < 3; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	/* Some servers omit the SP before an empty reason; accept both. */
	if (l.rem > 0 && (!cursor_u8(&l, &sp) || sp != ' '))
		return false;
	h->version_minor = (uint8_t)(v[7] - '0');
	h->status = (uint16_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
	h->reason.p = l.p;
	h->reason.len = l.rem;
	return true;
}

static void
set_once(struct http_str *s, const uint8_t *p, size_t n)
{
	if (s->p == NULL) {
		s->p = p;
		s->len = n;
	}
}

/*
 * WWW-Authenticate = #challenge; challenge = auth-scheme [ 1*SP ( token68 /
 * #auth-param ) ] (RFC 9110 §11.6.1, §11.3). Elements are split at commas
 * outside quoted strings; an element that starts with a token not followed
 * by '=' names a scheme, otherwise it is a parameter of the one before.
 */
static uint8_t
auth_schemes(const uint8_t *p, size_t n)
{
	uint8_t seen = 0;
	size_t i = 0;

	while (i < n) {
		size_t s, k;
		bool quoted = false;

		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		s = i;
		while (i < n && httpf_is_tchar(p[i]))
			i++;
		k = i - s;
		if (k > 0 && (i == n || p[i] != '=')) {
			if (httpf_name_is(p + s, k, "BASIC"))
				seen |= HTTP_AUTH_BASIC;
			else if (httpf_name_is(p + s, k, "DIGEST"))
				seen |= HTTP_AUTH_DIGEST;
			else if (httpf_name_is(p + s, k, "NTLM"))
				seen |= HTTP_AUTH_NTLM;
			else if (httpf_name_is(p + s, k, "NEGOTIATE"))
				seen |= HTTP_AUTH_NEGOTIATE;
			else if (httpf_name_is(p + s, k, "BEARER"))
				seen |= HTTP_AUTH_BEARER;
			else
				seen |= HTTP_AUTH_OTHER;
			/* A scheme followed by SP and its first parameter: step over the "=". */
			while (i < n && p[i] == ' ')
				i++;
			while (i < n && httpf_is_tchar(p[i]))
				i++;
		}
		/* Skip to the next comma outside a quoted string (§5.6.4). */
		while (i < n && (quoted || p[i] != ',')) {
			if (quoted && p[i] == '\\' && i + 1 < n)
				i++;
			else if (p[i] == '"')
				quoted = !quoted;
			i++;
		}
	}
	return seen;
}

/* One field line (RFC 9112 §5); the fields a prober wants are kept. */
static bool
header_line(struct cursor l, struct http_head *h)
{
	const uint8_t *name, *v;
	size_t nlen, vlen;

	if (!httpf_field(l, &name, &nlen, &v, &vlen))
		return false;
	if (httpf_name_is(name, nlen, "SERVER")) {
		set_once(&h->server, v, vlen);
	} else if (httpf_name_is(name, nlen, "WWW-AUTHENTICATE")) {
		set_once(&h->www_authenticate, v, vlen);
		h->auth |= auth_schemes(v, vlen);
	} else if (httpf_name_is(name, nlen, "LOCATION")) {
		set_once(&h->location, v, vlen);
	} else if (httpf_name_is(name, nlen, "X-POWERED-BY")) {
		set_once(&h->powered_by, v, vlen);
	} else if (httpf_name_is(name, nlen, "CONTENT-TYPE")) {
		set_once(&h->content_type, v, vlen);
	}
	return true;
}

bool
http_parse_head(struct cursor *c, struct http_head *out)
{
	struct cursor t = *c, line;
	int r;

	memset(out, 0, sizeof(*out));
	if (httpf_line_next(&t, &line, HTTP_LINE_MAX) != 1 || !status_line(line, out)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	for (;;) {
		r = httpf_line_next(&t, &line, HTTP_LINE_MAX);
		if (r == 0)
			break; /* cut short: keep what we have */
		if (r < 0)
			return false;
		if (line.rem == 0) {
			out->complete = true;
			break;
		}
		if (out->nheaders >= HTTP_HEADERS_MAX || !header_line(line, out))
			return false;
		out->nheaders++;
	}
	*c = t;
	return true;
}

size_t
http_head_len(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

size_t
http_build_head(uint8_t *out, size_t outlen, const char *host, uint16_t port)
{
	char portbuf[8] = "";
	size_t hlen;
	bool v6;
	int n;

	if (out == NULL || host == NULL)
		return 0;
	for (hlen = 0; hlen <= HTTP_HOST_MAX && host[hlen] != '\0'; hlen++)
		;
	if (hlen == 0 || hlen > HTTP_HOST_MAX)
		return 0;
	for (size_t i = 0; i < hlen; i++) {
		char ch = host[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(".-:[]_%", ch) != NULL))
			return 0; /* no CR, LF, SP or anything that could split the request */
	}
	/* RFC 9110 §7.2: Host = uri-host [ ":" port ]; an IPv6 literal in brackets (RFC 3986 §3.2.2). */
	v6 = strchr(host, ':') != NULL && host[0] != '[';
	if (port != 0 && port != 80)
		snprintf(portbuf, sizeof(portbuf), ":%u", (unsigned)port);
	n = snprintf((char *)out, outlen,
	             "HEAD / HTTP/1.0\r\nHost: %s%s%s%s\r\nUser-Agent: muster-sensor\r\n"
	             "Accept: */*\r\nConnection: close\r\n\r\n",
	             v6 ? "[" : "", host, v6 ? "]" : "", portbuf);
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	return (size_t)n;
}
