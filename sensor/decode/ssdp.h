/* ssdp.h - SSDP decoder: UPnP Device Architecture 1.1 §1 (HTTP/1.1 over UDP, RFC 7230 §3 syntax). */
#ifndef MUSTER_DECODE_SSDP_H
#define MUSTER_DECODE_SSDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define SSDP_LINES_MAX 32   /* header lines accepted; more is malformed */
#define SSDP_LINE_MAX  1024 /* bytes in one line, CRLF excluded; longer is malformed */

enum ssdp_kind {
	SSDP_NOTIFY = 1,   /* NOTIFY * HTTP/1.1 (§1.2.2, §1.2.3) */
	SSDP_MSEARCH = 2,  /* M-SEARCH * HTTP/1.1 (§1.3.2) */
	SSDP_RESPONSE = 3, /* HTTP/1.1 200 OK, answer to an M-SEARCH (§1.3.3) */
};

/*
 * A view of bytes inside the caller's datagram: valid only as long as that
 * buffer is, raw (the caller escapes it before use); p is NULL when the
 * header is absent.
 */
struct ssdp_str {
	const uint8_t *p;
	size_t len;
};

struct ssdp_msg {
	uint8_t kind;    /* enum ssdp_kind */
	uint16_t status; /* SSDP_RESPONSE: the status code */
	uint8_t nheaders;
	/* Values with surrounding whitespace removed; the first instance counts. */
	struct ssdp_str server, location, usn, nt, nts, st, cache_control, user_agent;
};

/*
 * Decode an SSDP datagram from c (UDP payload of port 1900), advancing c:
 * the start line, then header lines up to the empty line (or the end of the
 * datagram after a complete line); header names match case-insensitively.
 * Returns false for an unknown start line, a line without CRLF/LF, a header
 * line without a colon or with folding, or more/longer lines than the caps.
 */
bool ssdp_decode(struct cursor *c, struct ssdp_msg *out);

#endif
