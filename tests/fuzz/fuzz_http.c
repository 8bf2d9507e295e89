/* fuzz_http.c - libFuzzer harness for the HTTP response head parser (sensor/decode/http.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch(const struct http_str *s)
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
	struct http_head h;
	volatile size_t sink = http_head_len(data, size);

	if (http_parse_head(&c, &h))
		sink += touch(&h.reason) + touch(&h.server) + touch(&h.www_authenticate) +
		        touch(&h.location) + touch(&h.powered_by) + touch(&h.content_type) + h.auth;
	(void)sink;
	return 0;
}
