/*
 * fuzz_ether.c - libFuzzer harness for ether_decode(), ether_decode_sll() and ether_decode_sll2();
 * checks that every sub-cursor stays inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/ether.h"

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
	struct ether_frame f;
	bool (*const fns[])(const struct cursor *, struct ether_frame *) = {
	        ether_decode, ether_decode_sll, ether_decode_sll2};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		if (fns[i](&c, &f)) {
			if (f.nvlan > ETHER_MAX_VLAN)
				abort();
			sink += touch(&f.payload, data, size) + ether_is_cdp(&f) +
			        ether_is_lldp(&f);
		}
	}
	if (c.rem != size)
		abort(); /* the input cursor is never advanced */
	(void)sink;
	return 0;
}
