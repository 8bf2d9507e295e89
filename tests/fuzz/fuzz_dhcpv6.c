/* fuzz_dhcpv6.c - libFuzzer harness for the DHCPv6 decoder (sensor/decode/dhcpv6.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/dhcpv6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct dhcpv6_msg m;
	volatile unsigned sink = 0;

	if (dhcpv6_decode(&c, &m)) {
		for (unsigned i = 0; i < m.nvendor_class; i++)
			sink += m.vendor_class[i].len;
		for (unsigned i = 0; i < m.nuser_class; i++)
			sink += m.user_class[i].len;
		sink += m.fqdn.len + m.lladdr_len + m.noro;
	}
	(void)sink;
	return 0;
}
