/* fuzz_policy.c - the policy JSON validator (docs/policy.md) and the
 * embedded model loader; a canonical policy must validate to itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "installer-builder/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *c, *c2;
	struct inst_model m;

	if (size > 128 * 1024)
		return 0;
	if ((c = policy_validate((const char *)data, size, err, sizeof(err))) != NULL) {
		c2 = policy_validate(c, strlen(c), err, sizeof(err));
		if (c2 == NULL || strcmp(c, c2) != 0)
			abort(); /* canonical form must be a fixed point */
		free(c2);
		free(c);
	}
	if (model_load((const char *)data, size, &m, err, sizeof(err)) == 0)
		model_free(&m);
	return 0;
}
