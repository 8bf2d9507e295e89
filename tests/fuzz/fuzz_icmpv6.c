/*
 * fuzz_icmpv6.c - libFuzzer harness for icmpv6_decode();
 * checks that every sub-cursor stays inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/icmpv6.h"

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
	struct icmpv6_msg m;

	if (icmpv6_decode(&c, &m)) {
		if (m.n_prefix > ICMPV6_MAX_PREFIX)
			abort();
		sink += touch(&m.body, data, size) + icmpv6_is_ndp(&m);
	}
	(void)sink;
	return 0;
}
