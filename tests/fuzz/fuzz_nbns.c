/* fuzz_nbns.c - libFuzzer harness for the NetBIOS name service decoder (sensor/decode/nbns.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/nbns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct nbns_msg m;
	struct nbns_nbstat st;
	volatile unsigned sink = 0;

	if (nbns_decode(&c, &m))
		sink += m.qname.len + m.rrname.len + m.nnb;
	c = cursor_init(data, size);
	if (nbns_decode_nbstat_response(&c, &st))
		sink += st.nnames + st.unit_id[0];
	(void)sink;
	return 0;
}
