/* fuzz_oui_csv.c - the IEEE registry CSV loader on arbitrary bytes, then lookups. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/net.h"
#include "common/oui.h"
#include "common/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A vendor name is valid UTF-8 with no C0 control or DEL byte. */
static bool
name_ok(const char *v)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return text_utf8_valid(v, strlen(v));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oui_db *db = oui_load_buffer(data, size, NULL, 0);
	struct oui_stats st;
	struct mac m;

	if (db == NULL)
		return 0;
	oui_get_stats(db, &st);
	/* Look up MACs made from the input itself, so prefixes it defines are hit. */
	for (size_t off = 0; off + 6 <= size && off < 4096; off += 7) {
		const char *v;

		memcpy(m.b, data + off, 6);
		m.b[0] &= 0xfc; /* a universal unicast address */
		if ((v = oui_lookup(db, &m)) != NULL &&
		    (strlen(v) == 0 || strlen(v) > OUI_NAME_MAX || !name_ok(v)))
			abort();
	}
	memset(&m, 0, sizeof(m));
	(void)oui_lookup(db, &m);
	oui_free(db);
	return 0;
}
