/* fuzz_fp_rules.c - bytes as a fingerprint rule file: load, then match a value of every kind. */
#include <stdint.h>

#include "sensor/fingerprint/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *values[] = {
	        "1,3,6,15,31,33,43,44,46,47,119,121,249,252",
	        "MSFT 5.0",
	        "Linux/5.10 UPnP/1.0 x/1",
	        "MacBookPro18,3",
	        "_googlecast._tcp",
	        "Cisco IOS Software, C2960",
	        "cisco WS-C2960",
	        "20 unique",
	        "00:00:00:00:00:00",
	        "",
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct fp_errors errs;
	struct fp_rules *r;
	struct fp_guess g;

	fp_errors_init(&errs);
	if ((r = fp_rules_new()) == NULL)
		return 0;
	(void)fp_rules_add_buf(r, "fuzz.rules", data, size, &errs);
	for (int k = 0; k < FP_KIND_COUNT; k++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
			(void)fp_rules_match(r, (enum fp_kind)k, values[v], &g);
	fp_rules_free(r);
	return 0;
}
