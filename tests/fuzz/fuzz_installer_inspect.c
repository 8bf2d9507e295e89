/* fuzz_installer_inspect.c - muster-installer inspect's parser of an
 * installer file (all-in-one header + payload, live sh/ps1/cmd). */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "installer-builder/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL;

	if (size > 1 << 20)
		return 0;
	if (inspect_buffer(data, size, NULL, &o) == 0) {
		(void)json_object_to_json_string(o);
		json_object_put(o);
	}
	return 0;
}
