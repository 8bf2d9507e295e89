/* fuzz_report_body.c - POST /api/v1/reports bodies: report_parse() on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report r;
	char err[BODY_ERR_MAX];

	if (report_parse(data, size, &r, err, sizeof(err)) == 0) {
		/* What the server derives must be consistent with what it parsed. */
		for (size_t i = 0; i < r.n_hosts; i++) {
			if (r.hosts[i].json == NULL || r.hosts[i].key[0] == '\0')
				__builtin_trap();
		}
		report_clear(&r);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();
	}
	return 0;
}
