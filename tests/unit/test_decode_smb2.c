/* test_decode_smb2.c - SMB2 NEGOTIATE/SESSION_SETUP builders and parsers, SPNEGO ([MS-SMB2] 2.2.3-2.2.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/decode/ntlmssp.h"
#include "sensor/decode/smb2.h"
#include "sensor/decode/spnego.h"

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) | (uint32_t)g16(p + 2) << 16;
}

static void
p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

static size_t
read_golden(const char *name, uint8_t *buf, size_t cap)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/smb/%s", MUSTER_SOURCE_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Frame a hand-made response: transport header and SMB2 header, body after. */
static size_t
frame(uint8_t *b, uint16_t cmd, uint32_t status, const uint8_t *body, size_t blen)
{
	size_t len = 64 + blen;

	memset(b, 0, 4 + 64);
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	memcpy(b + 4, "\xfeSMB", 4);
	p16(b + 8, 64);
	p32(b + 12, status);
	p16(b + 16, cmd);
	p32(b + 20, 1); /* SERVER_TO_REDIR */
	b[44] = 0x42;   /* SessionId */
	memcpy(b + 68, body, blen);
	return 4 + len;
}

/* A 2.1 NEGOTIATE response body with signing required and no security buffer. */
static size_t
negotiate_210(uint8_t *out)
{
	uint8_t body[65];

	memset(body, 0, sizeof(body));
	p16(body, 65);
	p16(body + 2, 3); /* signing enabled + required */
	p16(body + 4, 0x0210);
	p16(body + 6, 0x7777); /* reserved below 3.1.1: must be ignored */
	memset(body + 8, 0xab, 16);
	p32(body + 24, 0x1);
	p32(body + 60, 0xffffff00); /* reserved */
	return frame(out, 0, 0, body, 64);
}

static void
test_build_negotiate(void **state)
{
	uint8_t b[256], guid[16], salt[32];
	const uint8_t *m = b + 4;

	memset(guid, 0x11, sizeof(guid));
	memset(salt, 0x22, sizeof(salt));
	assert_int_equal(smb2_build_negotiate(b, sizeof(b), guid, salt), SMB2_NEGOTIATE_REQ_LEN);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1] << 16 | b[2] << 8 | b[3], SMB2_NEGOTIATE_REQ_LEN - 4);
	assert_memory_equal(m, "\xfeSMB", 4);
	assert_int_equal(g16(m + 4), 64);
	assert_int_equal(g16(m + 12), 0); /* NEGOTIATE */
	assert_int_equal(g16(m + 64), 36);
	assert_int_equal(g16(m + 66), 5);
	assert_int_equal(g16(m + 68), 1); /* signing enabled */
	assert_memory_equal(m + 76, guid, 16);
	assert_int_equal(g32(m + 92), 112); /* NegotiateContextOffset, 8-aligned */
	assert_int_equal(g16(m + 96), 2);
	assert_int_equal(g16(m + 100), 0x0202);
	assert_int_equal(g16(m + 108), 0x0311);
	/* Preauth integrity: one hash (SHA-512), 32-byte salt. */
	assert_int_equal(g16(m + 112), 1);
	assert_int_equal(g16(m + 114), 38);
	assert_int_equal(g16(m + 120), 1);
	assert_int_equal(g16(m + 122), 32);
	assert_int_equal(g16(m + 124), 1);
	assert_memory_equal(m + 126, salt, 32);
	/* Encryption: four ciphers, GCM first. */
	assert_int_equal(g16(m + 160), 2);
	assert_int_equal(g16(m + 162), 10);
	assert_int_equal(g16(m + 168), 4);
	assert_int_equal(g16(m + 170), 2);
	assert_int_equal(smb2_build_negotiate(b, SMB2_NEGOTIATE_REQ_LEN - 1, guid, salt), 0);
}

static void
test_build_session_setup(void **state)
{
	uint8_t b[512], tok[64], blob[128];
	size_t n, tl, bl;

	tl = ntlmssp_build_negotiate(tok, sizeof(tok), NTLMSSP_PROBE_FLAGS);
	n = smb2_build_ntlmssp_session_setup(b, sizeof(b), 1, false);
	assert_int_equal(n, 4 + 64 + 24 + tl);
	assert_int_equal(g16(b + 4 + 12), 1);   /* SESSION_SETUP */
	assert_int_equal(b[4 + 24], 1);         /* MessageId */
	assert_int_equal(g16(b + 68), 25);      /* StructureSize */
	assert_int_equal(g16(b + 68 + 12), 88); /* SecurityBufferOffset */
	assert_int_equal(g16(b + 68 + 14), tl);
	assert_memory_equal(b + 4 + 88, tok, tl);
	/* SPNEGO: the same token inside a NegTokenInit (RFC 4178 §4.2.1). */
	bl = spnego_build_init(blob, sizeof(blob), tok, tl);
	assert_int_equal(bl, 74);
	assert_memory_equal(blob,
	                    "\x60\x48\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x3e\x30\x3c\xa0\x0e\x30"
	                    "\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a\xa2\x2a\x04\x28",
	                    34);
	assert_memory_equal(blob + 34, tok, tl);
	n = smb2_build_ntlmssp_session_setup(b, sizeof(b), 1, true);
	assert_int_equal(n, 4 + 64 + 24 + bl);
	assert_memory_equal(b + 4 + 88, blob, bl);
	assert_int_equal(smb2_build_session_setup(b, 100, 1, blob, bl), 0);
	assert_int_equal(smb2_build_session_setup(b, sizeof(b), 1, NULL, 70000), 0);
	assert_int_equal(spnego_build_init(blob, 73, tok, tl), 0);
}

/* A real Samba 4.17 NEGOTIATE response (3.1.1, two contexts, SPNEGO hints). */
static void
test_golden_negotiate(void **state)
{
	uint8_t buf[4096];
	size_t n = read_golden("samba-negotiate.bin", buf, sizeof(buf));
	struct cursor c = cursor_init(buf, n);
	struct smb2_negotiate_resp r;

	assert_true(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(c.rem, 0);
	assert_int_equal(r.err, SMB2_OK);
	assert_int_equal(r.dialect, SMB2_DIALECT_311);
	assert_int_equal(r.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
	assert_false(r.signing_required);
	/* Samba derives a standalone server's GUID from its NetBIOS name. */
	assert_memory_equal(r.server_guid, "labsmb1\0\0\0\0\0\0\0\0\0", 16);
	assert_true(smb2_guid_is_name(r.server_guid));
	assert_false(smb2_guid_is_name((const uint8_t *)"\x5c\x1a\x2b\x3c\x4d\x5e\x6f\x70"
	                                                "\x81\x92\xa3\xb4\xc5\xd6\xe7\xf8"));
	assert_false(smb2_guid_is_name((const uint8_t *)"LABSMB1\0\0\0\0\0\0\0\0\0"));
	assert_false(smb2_guid_is_name((const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"));
	assert_false(smb2_guid_is_name((const uint8_t *)"abc\0\0\0\0\0\0\0\0\0\0\0\0x"));
	assert_int_equal(r.capabilities, 0x7);
	assert_int_equal(r.max_read, 8388608);
	assert_true(r.system_time > 0);
	assert_int_equal(r.server_start_time, 0);
	assert_int_equal(r.ncontexts, 2);
	assert_int_equal(r.preauth_hash, 1);
	assert_int_equal(r.preauth_salt_len, 32);
	assert_int_equal(r.cipher, 2);
	assert_true(r.has_mechs);
	assert_int_equal(r.mechs.count, 1);
	assert_true(r.mechs.ntlmssp);
	assert_false(r.mechs.krb5);
}

static void
test_golden_session_setup(void **state)
{
	uint8_t buf[4096];
	size_t n = read_golden("samba-session-setup.bin", buf, sizeof(buf));
	struct cursor c = cursor_init(buf, n);
	struct smb2_session_setup_resp r;

	assert_true(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.status, SMB2_STATUS_MORE_PROCESSING_REQUIRED);
	assert_true(r.session_id != 0);
	assert_true(r.spnego);
	assert_int_equal(r.spnego_state, SPNEGO_ACCEPT_INCOMPLETE);
	assert_non_null(r.ntlmssp);
	assert_memory_equal(r.ntlmssp, "NTLMSSP\0\2\0\0\0", 12);
	assert_true(r.ntlmssp >= buf && r.ntlmssp + r.ntlmssp_len <= buf + n);
}

/*
 * Every prefix of the real replies fails as truncated; and with the transport
 * length rewritten to match each prefix (a short but self-consistent frame)
 * the parsers fail or succeed without reading out of bounds.
 */
static void
test_truncated(void **state)
{
	static const char *files[] = {"samba-negotiate.bin", "samba-session-setup.bin",
	                              "samba-session-setup-raw.bin"};

	for (size_t f = 0; f < 3; f++) {
		uint8_t buf[4096];
		size_t n = read_golden(files[f], buf, sizeof(buf));

		for (size_t i = 0; i < n; i++) {
			uint8_t *copy = malloc(i ? i : 1);
			struct cursor c;
			struct smb2_negotiate_resp nr;
			struct smb2_session_setup_resp sr;

			memcpy(copy, buf, i);
			c = cursor_init(copy, i);
			if (f == 0) {
				assert_false(smb2_parse_negotiate_response(&c, &nr));
				assert_int_equal(nr.err, SMB2_ERR_TRUNCATED);
			} else {
				assert_false(smb2_parse_session_setup_response(&c, &sr));
				assert_int_equal(sr.err, SMB2_ERR_TRUNCATED);
			}
			assert_int_equal(c.rem, i); /* nothing consumed */
			if (i >= 4) {
				copy[1] = (uint8_t)((i - 4) >> 16);
				copy[2] = (uint8_t)((i - 4) >> 8);
				copy[3] = (uint8_t)(i - 4);
				c = cursor_init(copy, i);
				if (f == 0)
					assert_false(smb2_parse_negotiate_response(&c, &nr));
				else
					(void)smb2_parse_session_setup_response(&c, &sr);
			}
			free(copy);
		}
	}
}

static void
test_negotiate_210(void **state)
{
	uint8_t b[256];
	size_t n = negotiate_210(b);
	struct cursor c = cursor_init(b, n);
	struct smb2_negotiate_resp r;

	assert_true(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.dialect, SMB2_DIALECT_210);
	assert_true(r.signing_required);
	assert_int_equal(r.ncontexts, 0);
	assert_null(r.security_blob);
	assert_false(r.has_mechs);
}

/* Answers a prober meets on port 445 that carry no SMB2 NEGOTIATE response. */
static void
test_negotiate_rejects(void **state)
{
	/* SMB1 NEGOTIATE response header from a host without SMB2 ([MS-SMB] 2.2.4.52). */
	static const uint8_t smb1[] = {0x00, 0x00, 0x00, 0x25, 0xff, 'S',  'M', 'B', 0x72, 0,    0,
	                               0,    0,    0x98, 0x01, 0x28, 0,    0,   0,   0,    0,    0,
	                               0,    0,    0,    0,    0,    0,    0,   0,   0xff, 0xfe, 0,
	                               0,    0,    0,    0x01, 0xff, 0xff, 0,   0};
	static const uint8_t negative[] = {0x83, 0x00, 0x00, 0x01, 0x8f}; /* RFC 1002 §4.3.4 */
	static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	uint8_t b[256], body[9] = {9, 0};
	struct smb2_negotiate_resp r;
	struct cursor c;
	size_t n;

	c = cursor_init(smb1, sizeof(smb1));
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_SMB1);
	assert_string_equal(smb2_err_str(SMB2_ERR_SMB1), "smb1");
	c = cursor_init(negative, sizeof(negative));
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_TRANSPORT);
	c = cursor_init(http, sizeof(http) - 1);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_TRANSPORT);
	/* An error response (2.2.2) with STATUS_NOT_SUPPORTED. */
	n = frame(b, 0, 0xc00000bb, body, sizeof(body));
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_STATUS);
	assert_int_equal(r.status, 0xc00000bb);
	/* A SESSION_SETUP response where a NEGOTIATE one should be. */
	n = negotiate_210(b);
	b[4 + 12] = 1;
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_HEADER);
	/* A request (SERVER_TO_REDIR clear). */
	n = negotiate_210(b);
	b[4 + 16] = 0;
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_HEADER);
	/* Security buffer pointing into the header, or beyond the message. */
	n = negotiate_210(b);
	p16(b + 68 + 56, 10);
	p16(b + 68 + 58, 4);
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_BODY);
	p16(b + 68 + 56, 128);
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_BODY);
	/* Wrong body StructureSize. */
	n = negotiate_210(b);
	b[68] = 64;
	c = cursor_init(b, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_BODY);
}

/* A 3.1.1 response whose context list overruns the message. */
static void
test_negotiate_context_overrun(void **state)
{
	uint8_t buf[4096];
	size_t n = read_golden("samba-negotiate.bin", buf, sizeof(buf));
	struct cursor c;
	struct smb2_negotiate_resp r;

	p16(buf + 4 + 64 + 6, 3); /* one more context than sent */
	c = cursor_init(buf, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_BODY);
	n = read_golden("samba-negotiate.bin", buf, sizeof(buf));
	p32(buf + 4 + 64 + 60, 0x10000); /* offset beyond the message */
	c = cursor_init(buf, n);
	assert_false(smb2_parse_negotiate_response(&c, &r));
}

static void
test_session_setup_rejects(void **state)
{
	uint8_t b[512], body[64];
	struct smb2_session_setup_resp r;
	struct cursor c;
	size_t n;

	/* STATUS_ACCESS_DENIED: no challenge. */
	memset(body, 0, sizeof(body));
	body[0] = 9;
	n = frame(b, 1, 0xc0000022, body, 9);
	c = cursor_init(b, n);
	assert_false(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_STATUS);
	assert_int_equal(r.status, 0xc0000022);
	/* MORE_PROCESSING_REQUIRED, but the blob is neither NTLMSSP nor a NegTokenResp. */
	p16(body + 4, 72);
	p16(body + 6, 8);
	memcpy(body + 8, "KERBEROS", 8);
	n = frame(b, 1, SMB2_STATUS_MORE_PROCESSING_REQUIRED, body, 16);
	c = cursor_init(b, n);
	assert_false(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_NO_NTLMSSP);
	/* Empty blob. */
	p16(body + 6, 0);
	n = frame(b, 1, SMB2_STATUS_MORE_PROCESSING_REQUIRED, body, 16);
	c = cursor_init(b, n);
	assert_false(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_NO_NTLMSSP);
	/* Blob past the end. */
	p16(body + 6, 9);
	n = frame(b, 1, SMB2_STATUS_MORE_PROCESSING_REQUIRED, body, 16);
	c = cursor_init(b, n);
	assert_false(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_BODY);
	/* A NegTokenResp with negState reject and no token. */
	memcpy(body + 8, "\xa1\x07\x30\x05\xa0\x03\x0a\x01\x02", 9);
	n = frame(b, 1, SMB2_STATUS_MORE_PROCESSING_REQUIRED, body, 17);
	c = cursor_init(b, n);
	assert_false(smb2_parse_session_setup_response(&c, &r));
	assert_int_equal(r.err, SMB2_ERR_NO_NTLMSSP);
}

/* Hostile DER: lengths past the parent, indefinite and over-long length forms. */
static void
test_spnego_der(void **state)
{
	static const struct {
		const char *b;
		size_t n;
		bool ok;
	} cases[] = {
	        {"\xa1\x05\x30\x03\xa2\x01\x04", 7, false},         /* [2] longer than SEQUENCE */
	        {"\xa1\x80\x30\x00\x00\x00", 6, false},             /* indefinite length */
	        {"\xa1\x85\x00\x00\x00\x00\x02\x30\x00", 9, false}, /* 5 length bytes */
	        {"\xa1\x81\x02\x30\x00", 5, true},                  /* non-minimal long form */
	        {"\xa1\x02\x30\x00", 4, true},                      /* empty NegTokenResp */
	        {"\xa1\x04\x30\x02\xa0\x00", 6, false},             /* negState without ENUM */
	        {"\xbf\x01\x00", 3, false},                         /* high tag number */
	        {"\xa0\x02\x30\x00", 4, false},                     /* negTokenInit, not Resp */
	        {"\xa1\x08\x30\x06\xa2\x04\x04\x02NT", 10, true},   /* token "NT" */
	};
	struct spnego_resp sr;
	struct spnego_mechs m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor c = cursor_init(cases[i].b, cases[i].n);

		assert_int_equal(spnego_parse_resp(&c, &sr), cases[i].ok);
	}
	{
		struct cursor c = cursor_init("\xa1\x08\x30\x06\xa2\x04\x04\x02NT", 10);

		assert_true(spnego_parse_resp(&c, &sr));
		assert_int_equal(sr.token_len, 2);
		assert_memory_equal(sr.token, "NT", 2);
	}
	/* Our own NegTokenInit parses as one, listing NTLMSSP. */
	{
		uint8_t blob[128];
		size_t n = spnego_build_init(blob, sizeof(blob), (const uint8_t *)"x", 1);
		struct cursor c = cursor_init(blob, n);

		assert_true(spnego_parse_init(&c, &m));
		assert_int_equal(m.count, 1);
		assert_true(m.ntlmssp);
		for (size_t i = 0; i < n; i++) {
			c = cursor_init(blob, i);
			assert_false(spnego_parse_init(&c, &m));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_build_negotiate),
	        cmocka_unit_test(test_build_session_setup),
	        cmocka_unit_test(test_golden_negotiate),
	        cmocka_unit_test(test_golden_session_setup),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_negotiate_210),
	        cmocka_unit_test(test_negotiate_rejects),
	        cmocka_unit_test(test_negotiate_context_overrun),
	        cmocka_unit_test(test_session_setup_rejects),
	        cmocka_unit_test(test_spnego_der),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
