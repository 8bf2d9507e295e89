/* fuzz_dhcp.c - libFuzzer harness for the DHCPv4 decoder (sensor/decode/dhcp.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct dhcp_msg m;
	char prl[DHCP_PRL_STR_MAX];

	if (dhcp_decode(&c, &m)) {
		dhcp_prl_format(m.prl.v, m.prl.len, prl, sizeof(prl));
		dhcp_prl_format(m.prl.v, m.prl.len, prl, 5);
	}
	return 0;
}
