/* udp.c - RFC 768 UDP header decoding. */
#include <string.h>

#include "sensor/decode/udp.h"

bool
udp_decode(const struct cursor *in, struct udp_datagram *out)
{
	struct cursor c = *in;
	size_t data;

	memset(out, 0, sizeof(*out));
	/* RFC 768 "Format": source port, destination port, length, checksum. */
	cursor_u16be(&c, &out->sport);
	cursor_u16be(&c, &out->dport);
	cursor_u16be(&c, &out->length);
	cursor_u16be(&c, &out->checksum);
	if (!cursor_ok(&c))
		return false;
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
