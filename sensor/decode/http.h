/* http.h - HTTP/1.x response head parser and HEAD request builder: RFC 9112 §2-§5, RFC 9110 §11.6.1. */
#ifndef MUSTER_DECODE_HTTP_H
#define MUSTER_DECODE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define HTTP_HEADERS_MAX 64   /* header lines read; more is malformed */
#define HTTP_LINE_MAX    4096 /* bytes in one line, CR LF excluded; longer is malformed */
#define HTTP_HOST_MAX    255  /* bytes of the host given to http_build_head */

/* WWW-Authenticate schemes (RFC 9110 §11.6.1; RFC 7617, 7616, 4559, 6750). */
#define HTTP_AUTH_BASIC     0x01
#define HTTP_AUTH_DIGEST    0x02
#define HTTP_AUTH_NTLM      0x04
#define HTTP_AUTH_NEGOTIATE 0x08
#define HTTP_AUTH_BEARER    0x10
#define HTTP_AUTH_OTHER     0x80

/* Raw bytes inside the caller's buffer (escape before use); p is NULL when absent. */
struct http_str {
	const uint8_t *p;
	size_t len;
};

struct http_head {
	uint8_t version_minor; /* HTTP/1.<minor> */
	uint16_t status;
	struct http_str reason;
	bool complete;    /* the empty line that ends the head was seen */
	uint8_t nheaders; /* header lines read */
	uint8_t auth;     /* HTTP_AUTH_* seen in any WWW-Authenticate */
	/* Values without surrounding whitespace; the first instance counts. */
	struct http_str server, www_authenticate, location, powered_by, content_type;
};

/*
 * Parse the head of an HTTP/1.x response from the first bytes of a reply
 * (c): the status line (RFC 9112 §4), then header lines (§5) up to the empty
 * line, names matched case-insensitively. A reply cut short mid-head is
 * accepted with complete = false and the complete lines read so far. Returns
 * false when the status line is not HTTP/1.x with a 3-digit code, or a line
 * is longer than HTTP_LINE_MAX, a header has no colon or whitespace before
 * it, is folded (§5.2), or there are more than HTTP_HEADERS_MAX. c advances
 * past what was read; the views point into c's buffer.
 */
bool http_parse_head(struct cursor *c, struct http_head *out);

/*
 * Length of the head in p[0..n) through its ending empty line (CR LF CR LF
 * or LF LF), or 0 when it has not all arrived: the engine reads until this is
 * non-zero, the peer closes, or its buffer is full.
 */
size_t http_head_len(const uint8_t *p, size_t n);

/*
 * Write "HEAD / HTTP/1.0" with Host (host, bracketed when it is an IPv6
 * literal; ":port" unless port is 0 or 80), User-Agent and Connection:
 * close. host must be 1..HTTP_HOST_MAX bytes of letters, digits, '.', '-',
 * ':', '[', ']', '_' or '%'. Returns the bytes written (no NUL), or 0 when
 * host is invalid or out too small.
 */
size_t http_build_head(uint8_t *out, size_t outlen, const char *host, uint16_t port);

#endif
