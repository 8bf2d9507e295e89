/*
 * fuzz_arp.c - libFuzzer harness for arp_decode();
 * runs the classification helpers on whatever decodes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sensor/decode/arp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	volatile unsigned sink = 0;
	struct arp_packet a;

	if (arp_decode(&c, &a))
		sink += arp_is_request(&a) + arp_is_reply(&a) + arp_is_gratuitous(&a) +
		        arp_is_probe(&a) + arp_is_announcement(&a);
	(void)sink;
	return 0;
}
