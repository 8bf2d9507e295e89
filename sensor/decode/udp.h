/* udp.h - UDP header (RFC 768). */
#ifndef MUSTER_DECODE_UDP_H
#define MUSTER_DECODE_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define UDP_HDR_LEN 8

/*
 * One UDP datagram. `payload` covers the data up to the length field, or to
 * the end of the captured bytes when that comes first (then `truncated` is
 * set). The checksum is kept, not verified. The cursor points into the
 * caller's buffer.
 */
struct udp_datagram {
	uint16_t sport, dport;
	uint16_t length; /* header + data, as sent */
	uint16_t checksum;
	bool truncated;
	struct cursor payload;
};

/*
 * Decode the UDP header at *in (the IP payload); *in is not advanced.
 * Returns false when fewer than 8 bytes are captured or the length field is
 * below 8 (RFC 768 "Length": the minimum value is eight).
 */
bool udp_decode(const struct cursor *in, struct udp_datagram *out);

#endif
