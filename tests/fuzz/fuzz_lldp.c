/* fuzz_lldp.c - libFuzzer harness for the LLDPDU decoder (sensor/decode/lldp.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct lldp_msg m;
	volatile unsigned sink = 0;

	if (lldp_decode(&c, &m))
		sink += m.chassis_id.len + m.port_id.len + m.sys_name.len + m.nmgmt;
	(void)sink;
	return 0;
}
