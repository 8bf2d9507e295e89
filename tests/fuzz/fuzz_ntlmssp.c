/* fuzz_ntlmssp.c - libFuzzer harness for the NTLMSSP CHALLENGE parser (sensor/decode/ntlmssp.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sensor/decode/ntlmssp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct ntlmssp_challenge ch;
	volatile size_t sink = 0;
	char u8[64];

	if (ntlmssp_parse_challenge(&c, &ch)) {
		sink += strlen(ch.nb_computer.s) + ch.dns_domain.len + ch.target_name.len;
		if (ch.version.present) {
			const char *r = ntlmssp_windows_release(ch.version.major, ch.version.minor,
			                                        ch.version.build);
			sink += r ? strlen(r) : 0;
		}
		sink += ntlmssp_is_samba(&ch);
	}
	/* The converter on its own, with a small output to exercise the cut. */
	sink += ntlmssp_utf16le_to_utf8(data, size, u8, sizeof(u8), NULL);
	(void)sink;
	return 0;
}
