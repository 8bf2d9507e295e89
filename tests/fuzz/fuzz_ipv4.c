/*
 * fuzz_ipv4.c - libFuzzer harness for ipv4_decode();
 * checks that every sub-cursor stays inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every byte a sub-cursor covers, so ASan sees any that lie outside the input. */
static unsigned
touch(const struct cursor *c, const uint8_t *data, size_t size)
{
	unsigned sum = 0;

	if (c->rem == 0)
		return 0;
	if (c->p < data || c->p + c->rem > data + size)
		abort();
	for (size_t i = 0; i < c->rem; i++)
		sum += c->p[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	volatile unsigned sink = 0;
	struct ipv4_packet ip;

	if (ipv4_decode(&c, &ip)) {
		if (ip.hdr_len < IPV4_MIN_HDR || ip.hdr_len > IPV4_MAX_HDR ||
		    ip.opt_len != ip.hdr_len - IPV4_MIN_HDR || ip.has_l4 != (ip.frag_off == 0))
			abort();
		if (!ip.truncated && ip.payload.rem != (size_t)ip.total_len - ip.hdr_len)
			abort();
		sink += touch(&ip.options, data, size) + touch(&ip.payload, data, size);
	}
	(void)sink;
	return 0;
}
