/* fuzz_smb2.c - libFuzzer harness for the SMB2 NEGOTIATE and SESSION_SETUP response parsers and SPNEGO (sensor/decode/smb2.c, spnego.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/ntlmssp.h"
#include "sensor/decode/smb2.h"
#include "sensor/decode/spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch(const uint8_t *p, size_t n)
{
	size_t sum = 0;

	for (size_t i = 0; p && i < n; i++)
		sum += p[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = cursor_init(data, size);
	struct smb2_negotiate_resp nr;
	struct smb2_session_setup_resp sr;
	struct ntlmssp_challenge ch;
	struct spnego_resp sp;
	struct spnego_mechs m;
	volatile size_t sink = 0;

	/* The same bytes through both parsers: the command field picks the one that can succeed. */
	if (smb2_parse_negotiate_response(&c, &nr))
		sink += touch(nr.security_blob, nr.security_len) + nr.ncontexts + nr.mechs.count;
	c = cursor_init(data, size);
	if (smb2_parse_session_setup_response(&c, &sr)) {
		sink += touch(sr.ntlmssp, sr.ntlmssp_len);
		c = cursor_init(sr.ntlmssp, sr.ntlmssp_len);
		if (ntlmssp_parse_challenge(&c, &ch))
			sink += ch.av_pairs;
	}
	/* And the SPNEGO readers directly. */
	c = cursor_init(data, size);
	if (spnego_parse_resp(&c, &sp))
		sink += touch(sp.token, sp.token_len);
	c = cursor_init(data, size);
	if (spnego_parse_init(&c, &m))
		sink += m.count;
	(void)sink;
	return 0;
}
