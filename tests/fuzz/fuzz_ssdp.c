/* fuzz_ssdp.c - libFuzzer harness for the SSDP decoder (sensor/decode/ssdp.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/ssdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch(const struct ssdp_str *s)
{
	size_t sum = 0;

	for (size_t i = 0; s->p && i < s->len; i++)
		sum += s->p[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct ssdp_msg m;
	volatile size_t sink = 0;

	if (ssdp_decode(&c, &m))
		sink += touch(&m.server) + touch(&m.location) + touch(&m.usn) + touch(&m.nt) +
		        touch(&m.nts) + touch(&m.st) + touch(&m.cache_control) +
		        touch(&m.user_agent);
	(void)sink;
	return 0;
}
