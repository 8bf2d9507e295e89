/* ipv4.h - IPv4 header (RFC 791) with the inputs p0f-style fingerprinting needs. */
#ifndef MUSTER_DECODE_IPV4_H
#define MUSTER_DECODE_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define IPV4_MIN_HDR 20
#define IPV4_MAX_HDR 60

/* IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
enum {
	IP_PROTO_HOPOPTS = 0,
	IP_PROTO_ICMP = 1,
	IP_PROTO_TCP = 6,
	IP_PROTO_UDP = 17,
	IP_PROTO_ROUTING = 43,
	IP_PROTO_FRAGMENT = 44,
	IP_PROTO_AH = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_NONE = 59,
	IP_PROTO_DSTOPTS = 60,
};

/* p0f IPv4 quirks, as a bit set in ipv4_packet.quirks. */
enum {
	IPV4_Q_DF = 1u << 0,        /* "df": don't fragment set */
	IPV4_Q_ID_PLUS = 1u << 1,   /* "id+": DF set and ID non-zero */
	IPV4_Q_ID_MINUS = 1u << 2,  /* "id-": DF clear and ID zero */
	IPV4_Q_ECN = 1u << 3,       /* "ecn": an ECN codepoint in the TOS byte */
	IPV4_Q_ZERO_PLUS = 1u << 4, /* "0+": the reserved (must-be-zero) flag set */
};

/*
 * One IPv4 header. The header checksum is kept but not verified: captures on
 * the sending host often carry an offloaded, not yet computed checksum.
 *
 * `payload` covers the bytes after the header up to total_len, or to the end
 * of the capture when that comes first (then `truncated` is set). When
 * `has_l4` is false (a non-first fragment) the payload is fragment data, not
 * an upper-layer header. Cursors point into the caller's buffer.
 */
struct ipv4_packet {
	uint8_t version; /* always 4 */
	uint8_t ihl;     /* header length in 32-bit words, 5..15 */
	uint8_t hdr_len; /* ihl * 4 */
	uint8_t tos;     /* DSCP << 2 | ECN (RFC 2474, RFC 3168) */
	uint16_t total_len;
	uint16_t id;
	bool rf, df, mf;   /* reserved, don't fragment, more fragments */
	uint16_t frag_off; /* in 8-octet units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t checksum;
	uint8_t src[4], dst[4]; /* network byte order */

	uint8_t opt_len; /* hdr_len - 20: p0f "olen" */
	struct cursor options;

	bool fragment; /* MF set or offset non-zero */
	bool has_l4;   /* offset zero: the payload starts with the L4 header */
	bool truncated;
	uint32_t quirks; /* IPV4_Q_* */
	struct cursor payload;
};

/*
 * Decode the IPv4 header at *in; *in is not advanced. Returns false when the
 * version is not 4, IHL < 5, the header (options included) is not all
 * captured, or total length is smaller than the header (RFC 791 3.1).
 */
bool ipv4_decode(const struct cursor *in, struct ipv4_packet *out);

#endif
