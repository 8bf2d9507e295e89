/* ipv6.h - IPv6 header and extension-header chain (RFC 8200). */
#ifndef MUSTER_DECODE_IPV6_H
#define MUSTER_DECODE_IPV6_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"
#include "sensor/decode/ipv4.h" /* IP_PROTO_* */

#define IPV6_HDR_LEN 40
#define IPV6_MAX_EXT 8 /* more extension headers than this: malformed */

/* p0f IPv6 quirks, as a bit set in ipv6_packet.quirks. */
enum {
	IPV6_Q_FLOW = 1u << 0, /* "flow": non-zero flow label */
	IPV6_Q_ECN = 1u << 1,  /* "ecn": an ECN codepoint in traffic class */
};

/*
 * One IPv6 packet header and its extension headers. Walked extension headers
 * are hop-by-hop (0), routing (43), fragment (44), destination options (60)
 * and AH (51, RFC 4302); their types are listed in `ext` in order. `proto` is
 * the first next-header value that is none of those (the upper layer).
 *
 * `payload` is what follows the last extension header, bounded by the
 * payload length or the end of the capture (then `truncated` is set). When
 * `has_l4` is false (a non-first fragment) it is fragment data, not an
 * upper-layer header. Cursors point into the caller's buffer.
 */
struct ipv6_packet {
	uint8_t version; /* always 6 */
	uint8_t tclass;  /* DSCP << 2 | ECN */
	uint32_t flow;   /* 20-bit flow label */
	uint16_t payload_len;
	uint8_t next_header; /* from the fixed header */
	uint8_t hop_limit;
	uint8_t src[16], dst[16];

	uint8_t n_ext;
	uint8_t ext[IPV6_MAX_EXT];
	uint8_t proto; /* final next header */

	bool fragment;     /* a fragment header with offset or M set */
	uint16_t frag_off; /* in 8-octet units */
	bool frag_more;
	uint32_t frag_id;
	bool has_l4;
	bool jumbo; /* payload length 0 behind hop-by-hop: RFC 2675 jumbogram */
	bool truncated;
	uint32_t quirks; /* IPV6_Q_* */
	struct cursor payload;
};

/*
 * Decode the IPv6 header and extension headers at *in; *in is not advanced.
 * Returns false when the version is not 6, the fixed header or an extension
 * header is not all captured or overruns the payload length, hop-by-hop is
 * not first (RFC 8200 4.1), or there are more than IPV6_MAX_EXT extension
 * headers.
 */
bool ipv6_decode(const struct cursor *in, struct ipv6_packet *out);

#endif
