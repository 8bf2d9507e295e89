/*
 * ipv6.c - RFC 8200 IPv6 header and extension-header chain: hop-by-hop, routing,
 * fragment, destination options, and RFC 4302 AH.
 */
#include <string.h>

#include "sensor/decode/ipv6.h"

static bool
is_ext_header(uint8_t nh)
{
	return nh == IP_PROTO_HOPOPTS || nh == IP_PROTO_ROUTING || nh == IP_PROTO_FRAGMENT ||
	       nh == IP_PROTO_DSTOPTS || nh == IP_PROTO_AH;
}

/*
 * Skip one extension header at *c and return its next-header value in *nh.
 * Returns false when it does not fit; sets *stop for a non-first fragment.
 */
static bool
skip_ext(struct cursor *c, uint8_t type, uint8_t *nh, bool *stop, struct ipv6_packet *out)
{
	uint8_t len;
	uint16_t offlg;
	size_t total;

	if (type == IP_PROTO_FRAGMENT) {
		/* RFC 8200 4.5: next header, reserved, offset(13) res(2) M(1), identification. */
		cursor_u8(c, nh);
		cursor_skip(c, 1);
		cursor_u16be(c, &offlg);
		cursor_u32be(c, &out->frag_id);
		if (!cursor_ok(c))
			return false;
		out->frag_off = offlg >> 3;
		out->frag_more = (offlg & 1) != 0;
		/* An atomic fragment (offset 0, M 0; RFC 6946) is a whole packet. */
		out->fragment = out->frag_off != 0 || out->frag_more;
		if (out->frag_off != 0) {
			/* RFC 8200 4.5: only the first fragment holds the upper-layer header. */
			out->has_l4 = false;
			*stop = true;
		}
		return true;
	}
	cursor_u8(c, nh);
	cursor_u8(c, &len);
	if (!cursor_ok(c))
		return false;
	if (type == IP_PROTO_AH)
		total = ((size_t)len + 2) * 4; /* RFC 4302 2.2: in 4-octet units, minus 2 */
	else
		total = ((size_t)len + 1) *
		        8; /* RFC 8200 4.3-4.6: 8-octet units, not counting the first 8 */
	return cursor_skip(c, total - 2);
}

bool
ipv6_decode(const struct cursor *in, struct ipv6_packet *out)
{
	struct cursor c = *in, body;
	uint32_t vtf;
	uint8_t nh;
	bool stop = false;

	memset(out, 0, sizeof(*out));
	/* RFC 8200 3: version, traffic class, flow label, payload length, next header, hop limit. */
	cursor_u32be(&c, &vtf);
	cursor_u16be(&c, &out->payload_len);
	cursor_u8(&c, &out->next_header);
	cursor_u8(&c, &out->hop_limit);
	cursor_bytes(&c, out->src, sizeof(out->src));
	cursor_bytes(&c, out->dst, sizeof(out->dst));
	if (!cursor_ok(&c))
		return false;
	out->version = (uint8_t)(vtf >> 28);
	out->tclass = (uint8_t)(vtf >> 20);
	out->flow = vtf & 0xfffff;
	if (out->version != 6)
		return false;

	/* Payload length 0 with hop-by-hop first is a jumbogram (RFC 2675 3). */
	if (out->payload_len == 0 && out->next_header == IP_PROTO_HOPOPTS) {
		out->jumbo = true;
		body = c;
	} else if (out->payload_len > c.rem) {
		out->truncated = true;
		body = c;
	} else {
		cursor_sub(&c, out->payload_len, &body);
	}

	out->has_l4 = true;
	nh = out->next_header;
	while (!stop && is_ext_header(nh)) {
		/* RFC 8200 4.1: hop-by-hop may only follow the IPv6 header itself. */
		if (nh == IP_PROTO_HOPOPTS && out->n_ext != 0)
			return false;
		if (out->n_ext == IPV6_MAX_EXT)
			return false;
		out->ext[out->n_ext++] = nh;
		if (!skip_ext(&body, nh, &nh, &stop, out))
			return false;
	}
	out->proto = nh;
	out->payload = body;

	if (out->flow != 0)
		out->quirks |= IPV6_Q_FLOW;
	if (out->tclass & 0x03) /* RFC 3168 5 */
		out->quirks |= IPV6_Q_ECN;
	return true;
}
