/* udp.c - RFC 768 UDP header decoding. */
#include <string.h>

#include "sensor/decode/udp.h"

bool
udp_decode(const struct cursor *in, struct udp_datagram *out)
{
	struct cursor c = *in;
	const uint8_t *h;
	size_t data;

	memset(out, 0, sizeof(*out));
	/* RFC 768 "Format": source port, destination port, length, checksum. */
	if (!cursor_ptr(&c, &h, UDP_HDR_LEN))
		return false;
	out->sport = cursor_get16be(h);
	out->dport = cursor_get16be(h + 2);
	out->length = cursor_get16be(h + 4);
	out->checksum = cursor_get16be(h + 6);
	/* RFC 768 "Length": counts header and data, so at least eight. */
	if (out->length < UDP_HDR_LEN)
		return false;
	data = (size_t)out->length - UDP_HDR_LEN;
	if (data > c.rem) {
		out->truncated = true;
		data = c.rem;
	}
	cursor_sub(&c, data, &out->payload);
	return true;
}
