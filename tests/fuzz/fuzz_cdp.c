/* fuzz_cdp.c - libFuzzer harness for the CDP decoder (sensor/decode/cdp.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/cdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch(const struct cdp_str *s)
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
	struct cdp_msg m;
	volatile size_t sink = 0;

	if (cdp_decode(&c, &m))
		sink += touch(&m.device_id) + touch(&m.port_id) + touch(&m.software) +
		        touch(&m.platform) + touch(&m.vtp_domain) + m.naddrs + m.nmgmt;
	(void)sink;
	return 0;
}
