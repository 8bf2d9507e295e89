/*
 * fuzz_tcp.c - libFuzzer harness for tcp_decode();
 * checks that every sub-cursor stays inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/tcp.h"

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
	struct tcp_segment t;

	if (tcp_decode(&c, &t)) {
		if (t.hdr_len < TCP_MIN_HDR || t.n_opts > TCP_MAX_OPTS ||
		    t.options.rem != t.opt_len || t.has_payload != (t.payload.rem > 0))
			abort();
		sink += touch(&t.options, data, size) + touch(&t.payload, data, size) +
		        tcp_is_syn(&t) + tcp_is_synack(&t);
	}
	(void)sink;
	return 0;
}
