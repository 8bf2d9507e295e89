/* fuzz_text.c - text_sanitize() and friends: output always safe, capped, never split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = {1, 2, 3, 4, 5, 7, 16, TEXT_NAME_MAX + 1, TEXT_BANNER_MAX + 1};
	size_t fulllen, len;
	char *full, *out, *dup;

	/* Uncapped: every byte can become a 4-byte escape. */
	if ((full = malloc(4 * size + 1)) == NULL)
		return 0;
	fulllen = text_sanitize(data, size, full, 4 * size + 1);
	if (fulllen != strlen(full) || !text_utf8_valid(full, fulllen))
		abort();
	for (size_t i = 0; i < fulllen; i++)
		if ((uint8_t)full[i] < 0x20 || full[i] == 0x7f)
			abort();
	/* Already safe input comes through unchanged. */
	if (memchr(data, 0, size) == NULL) {
		char *s = malloc(size + 1);
		if (s == NULL)
			abort();
		memcpy(s, data, size);
		s[size] = '\0';
		if (text_is_safe(s) && (fulllen != size || memcmp(full, s, size) != 0))
			abort();
		free(s);
	}
	/* Capped output is a whole-unit prefix of the uncapped one. */
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		if ((out = malloc(caps[k])) == NULL)
			abort();
		len = text_sanitize(data, size, out, caps[k]);
		if (len >= caps[k] || len > fulllen || memcmp(out, full, len) != 0 ||
		    !text_utf8_valid(out, len))
			abort();
		free(out);
	}
	if ((dup = text_sanitize_dup(data, size, TEXT_BANNER_MAX)) != NULL) {
		if (strlen(dup) > TEXT_BANNER_MAX || memcmp(dup, full, strlen(dup)) != 0)
			abort();
		free(dup);
	}
	(void)text_utf8_valid(data, size);
	free(full);
	return 0;
}
