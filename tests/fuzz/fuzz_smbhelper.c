/*
 * fuzz_smbhelper.c - libFuzzer harness for the wire format between the SMB
 * method and its helper process (deployer/smbhelper.c): the input is
 * decoded as a request and as a reply; whatever decodes must encode back
 * to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "deployer/smbhelper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smbh_req q;
	struct smbh_rep r;
	struct buf b;

	buf_init(&b, SMBH_FRAME_MAX);
	if (smbh_decode_req(data, size, &q) == 0) {
		if (smbh_encode_req(&b, &q) != 0 || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
	}
	buf_reset(&b);
	if (smbh_decode_rep(data, size, &r) == 0) {
		if (smbh_encode_rep(&b, &r) != 0 || b.len != size ||
		    memcmp(b.data, data, size) != 0)
			abort();
	}
	buf_free(&b);
	return 0;
}
