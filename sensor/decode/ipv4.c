/* ipv4.c - RFC 791 IPv4 header decoding, plus the p0f quirk inputs (DF, ID, ECN, MBZ). */
#include <string.h>

#include "sensor/decode/ipv4.h"

#define IPV4_FLAG_RF 0x8000
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_OFFMASK 0x1fff

bool
ipv4_decode(const struct cursor *in, struct ipv4_packet *out)
{
	struct cursor c = *in;
	const uint8_t *h;
	uint8_t vihl;
	uint16_t frag;
	size_t body;

	memset(out, 0, sizeof(*out));
	/* RFC 791 3.1 "Internet Header Format": the fixed part, then its fields. */
	if (!cursor_ptr(&c, &h, IPV4_MIN_HDR))
		return false;
	vihl = h[0];
	out->tos = h[1];
	out->total_len = cursor_get16be(h + 2);
	out->id = cursor_get16be(h + 4);
	frag = cursor_get16be(h + 6);
	out->ttl = h[8];
	out->proto = h[9];
	out->checksum = cursor_get16be(h + 10);
	memcpy(out->src, h + 12, sizeof(out->src));
	memcpy(out->dst, h + 16, sizeof(out->dst));
	out->version = vihl >> 4;
	out->ihl = vihl & 0x0f;
	if (out->version != 4)
		return false;
	/* RFC 791 3.1 IHL: "the minimum value for a correct header is 5". */
	if (out->ihl < 5)
		return false;
	out->hdr_len = (uint8_t)(out->ihl * 4);
	/* Total Length counts the header, so it can never be less than it. */
	if (out->total_len < out->hdr_len)
		return false;
	out->opt_len = (uint8_t)(out->hdr_len - IPV4_MIN_HDR);
	if (!cursor_sub(&c, out->opt_len, &out->options))
		return false;

	/* RFC 791 3.1 Flags: bit 0 reserved (must be zero), DF, MF; then the offset. */
	out->rf = (frag & IPV4_FLAG_RF) != 0;
	out->df = (frag & IPV4_FLAG_DF) != 0;
	out->mf = (frag & IPV4_FLAG_MF) != 0;
	out->frag_off = frag & IPV4_OFFMASK;
	out->fragment = out->mf || out->frag_off != 0;
	/* Only the fragment at offset 0 carries the upper-layer header (RFC 791 2.3). */
	out->has_l4 = out->frag_off == 0;

	/* Trim link-layer padding; note a capture cut short by the snap length. */
	body = (size_t)out->total_len - out->hdr_len;
	if (body > c.rem) {
		out->truncated = true;
		body = c.rem;
	}
	cursor_sub(&c, body, &out->payload);

	if (out->df)
		out->quirks |= IPV4_Q_DF;
	if (out->df && out->id != 0)
		out->quirks |= IPV4_Q_ID_PLUS;
	if (!out->df && out->id == 0)
		out->quirks |= IPV4_Q_ID_MINUS;
	if (out->tos & 0x03) /* RFC 3168 5: ECT(0), ECT(1) or CE */
		out->quirks |= IPV4_Q_ECN;
	if (out->rf)
		out->quirks |= IPV4_Q_ZERO_PLUS;
	return true;
}
