/*
 * fuzz_scmr_reply.c - libFuzzer harness for the [MS-SCMR] reply decoders
 * (deployer/scmr.c) and the NDR decoder under them (deployer/ndr.c): the
 * input is a reply stub given to every scmr_dec_*, and an NDR string.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "deployer/ndr.h"
#include "deployer/scmr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scmr_handle h;
	struct scmr_status st;
	struct ndr_dec d;
	uint32_t w, tag;
	uint16_t v16;
	bool present;
	char s[300];
	volatile size_t sink = 0;

	if (scmr_dec_handle(data, size, &h, &w) == 0)
		sink += h.raw[19] + w;
	if (scmr_dec_create(data, size, &tag, &h, &w) == 0)
		sink += tag + h.raw[0] + w;
	if (scmr_dec_status(data, size, &st, &w) == 0)
		sink += st.state + st.wait_hint + w;
	if (scmr_dec_werror(data, size, &w) == 0)
		sink += w;
	/* NDR primitives: a string, then a pointer, a u16 and another string. */
	ndr_dec_init(&d, data, size);
	if (ndr_get_wstr(&d, s, sizeof(s)))
		sink += strlen(s);
	if (ndr_get_ptr(&d, &present) && present && ndr_get_u16(&d, &v16) && ndr_get_wstr(&d, s, 8))
		sink += strlen(s) + v16;
	sink += ndr_dec_done(&d);
	(void)sink;
	return 0;
}
