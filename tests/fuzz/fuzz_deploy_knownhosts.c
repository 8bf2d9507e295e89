/*
 * fuzz_deploy_knownhosts.c - the known_hosts reader of muster-deploy: parse,
 * then look up a few names and a key taken from the input itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deployer/knownhosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"10.0.0.1", "web1.example.com", "fd00::1", ""};
	struct knownhosts *kh = knownhosts_parse((const char *)data, size, NULL);
	char types[256], fp[80], t[48];
	unsigned line;

	if (kh == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		knownhosts_check(kh, names[i], 22, data, size, &line);
		knownhosts_check(kh, names[i], 2222, data, size, &line);
		knownhosts_types(kh, names[i], 22, types, sizeof(types));
		if (memchr(types, '\0', sizeof(types)) == NULL)
			abort();
	}
	knownhosts_blob_type(data, size, t, sizeof(t));
	knownhosts_fingerprint(data, size, fp, sizeof(fp));
	knownhosts_free(kh);
	return 0;
}
