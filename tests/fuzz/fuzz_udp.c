/*
 * fuzz_udp.c - libFuzzer harness for udp_decode();
 * checks that every sub-cursor stays inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/udp.h"

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
	struct udp_datagram u;

	if (udp_decode(&c, &u)) {
		if (u.length < UDP_HDR_LEN || (!u.truncated && u.payload.rem != u.length - 8u))
			abort();
		sink += touch(&u.payload, data, size);
	}
	(void)sink;
	return 0;
}
