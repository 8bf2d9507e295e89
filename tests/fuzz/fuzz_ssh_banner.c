/* fuzz_ssh_banner.c - libFuzzer harness for the SSH identification parser (sensor/decode/ssh_banner.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sensor/decode/ssh_banner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch(const struct ssh_str *s)
{
	size_t sum = 0;

	for (size_t i = 0; s->p && i < s->len; i++)
		sum += s->p[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct ssh_banner b;
	volatile size_t sink = 0;

	if (ssh_banner_parse(&c, &b)) {
		sink += touch(&b.line) + touch(&b.proto) + touch(&b.software) + touch(&b.comments) +
		        touch(&b.product) + touch(&b.version);
		if (b.os.family)
			sink += strlen(b.os.family) + strlen(b.os.name) + strlen(b.os.version);
	}
	(void)sink;
	return 0;
}
