/* fuzz_enroll_body.c - POST /api/v1/enroll bodies: enroll_parse() on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enroll_req e;
	char err[BODY_ERR_MAX];

	if (enroll_parse(data, size, &e, err, sizeof(err)) == 0) {
		if (e.token == NULL || e.hostname == NULL || e.shortname[0] == '\0' ||
		    e.n_macs > ENROLL_MAX_ADDRS || e.n_ipv4 > ENROLL_MAX_ADDRS)
			__builtin_trap();
		enroll_clear(&e);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();
	}
	return 0;
}
