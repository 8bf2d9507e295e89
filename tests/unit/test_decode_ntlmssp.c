/* test_decode_ntlmssp.c - NTLMSSP NEGOTIATE builder, CHALLENGE parser, UTF-16 and release table ([MS-NLMP] 2.2). */
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

/* A CHALLENGE assembled by the tests: header, then target name, then target info. */
struct chal {
	uint8_t b[1024];
	size_t n;
};

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

/* UTF-16LE of an ASCII string. */
static size_t
u16(uint8_t *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * n;
}

static void
av_add(uint8_t *ti, size_t *n, uint16_t id, const uint8_t *v, size_t len)
{
	p16(ti + *n, id);
	p16(ti + *n + 2, (uint16_t)len);
	if (len)
		memcpy(ti + *n + 4, v, len);
	*n += 4 + len;
}

static void
av_str(uint8_t *ti, size_t *n, uint16_t id, const char *s)
{
	uint8_t v[256];

	av_add(ti, n, id, v, u16(v, s));
}

/* A Windows Server 2022 domain controller's CHALLENGE, in the shape Windows sends. */
static void
chal_windows(struct chal *c)
{
	uint8_t tn[64], ti[512];
	size_t tnl, til = 0;
	static const uint8_t ts[8] = {0x5e, 0xb5, 0xef, 0xa7, 0x07, 0x7d, 0xdd, 0x01};

	memset(c, 0, sizeof(*c));
	tnl = u16(tn, "CORP");
	av_str(ti, &til, MSV_AV_NB_DOMAIN_NAME, "CORP");
	av_str(ti, &til, MSV_AV_NB_COMPUTER_NAME, "DC01");
	av_str(ti, &til, MSV_AV_DNS_DOMAIN_NAME, "corp.example");
	av_str(ti, &til, MSV_AV_DNS_COMPUTER_NAME, "dc01.corp.example");
	av_str(ti, &til, MSV_AV_DNS_TREE_NAME, "example");
	av_add(ti, &til, MSV_AV_TIMESTAMP, ts, 8);
	av_add(ti, &til, MSV_AV_EOL, NULL, 0);
	memcpy(c->b, "NTLMSSP", 8);
	p32(c->b + 8, 2);
	p16(c->b + 12, (uint16_t)tnl);
	p16(c->b + 14, (uint16_t)tnl);
	p32(c->b + 16, 56);
	p32(c->b + 20, 0xe2898215);
	memcpy(c->b + 24, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	p16(c->b + 40, (uint16_t)til);
	p16(c->b + 42, (uint16_t)til);
	p32(c->b + 44, (uint32_t)(56 + tnl));
	c->b[48] = 10; /* VERSION 10.0.20348, revision 15 */
	c->b[49] = 0;
	p16(c->b + 50, 20348);
	c->b[55] = 15;
	memcpy(c->b + 56, tn, tnl);
	memcpy(c->b + 56 + tnl, ti, til);
	c->n = 56 + tnl + til;
}

static bool
parse(const uint8_t *p, size_t n, struct ntlmssp_challenge *ch)
{
	struct cursor c = cursor_init(p, n);

	return ntlmssp_parse_challenge(&c, ch);
}

static bool
str_is(const struct ntlmssp_str *s, const char *want)
{
	return s->present && s->len == strlen(want) && memcmp(s->s, want, s->len) == 0;
}

static void
test_negotiate_bytes(void **state)
{
	uint8_t b[64];
	static const uint8_t want[40] = {'N', 'T', 'L',  'M',  'S',  'S',  'P', 0, 1,  0,
	                                 0,   0,   0x05, 0x82, 0x88, 0xe2, 0,   0, 0,  0,
	                                 40,  0,   0,    0,    0,    0,    0,   0, 40, 0,
	                                 0,   0,   0,    0,    0,    0,    0,   0, 0,  0x0f};

	assert_int_equal(NTLMSSP_PROBE_FLAGS, 0xe2888205u);
	assert_int_equal(ntlmssp_build_negotiate(b, sizeof(b), NTLMSSP_PROBE_FLAGS), 40);
	assert_memory_equal(b, want, sizeof(want));
	/* Without VERSION: 32 bytes, offsets at 32. */
	assert_int_equal(ntlmssp_build_negotiate(b, sizeof(b), NTLMSSP_NEGOTIATE_UNICODE), 32);
	assert_int_equal(b[20], 32);
	/* Too small a buffer. */
	assert_int_equal(ntlmssp_build_negotiate(b, 39, NTLMSSP_PROBE_FLAGS), 0);
	assert_int_equal(ntlmssp_build_negotiate(NULL, 64, NTLMSSP_PROBE_FLAGS), 0);
}

static void
test_challenge_windows(void **state)
{
	struct chal c;
	struct ntlmssp_challenge ch;

	chal_windows(&c);
	assert_true(parse(c.b, c.n, &ch));
	assert_int_equal(ch.flags, 0xe2898215);
	assert_memory_equal(ch.server_challenge, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	assert_true(str_is(&ch.target_name, "CORP"));
	assert_true(str_is(&ch.nb_domain, "CORP"));
	assert_true(str_is(&ch.nb_computer, "DC01"));
	assert_true(str_is(&ch.dns_domain, "corp.example"));
	assert_true(str_is(&ch.dns_computer, "dc01.corp.example"));
	assert_true(str_is(&ch.dns_tree, "example"));
	assert_true(ch.has_timestamp);
	assert_true(ch.timestamp == 0x01dd7d07a7efb55eull);
	assert_true(ch.av_eol);
	assert_int_equal(ch.av_pairs, 6);
	assert_int_equal(ch.av_duplicates, 0);
	assert_true(ch.version.present);
	assert_int_equal(ch.version.major, 10);
	assert_int_equal(ch.version.build, 20348);
	assert_int_equal(ch.version.revision, 15);
	assert_string_equal(ntlmssp_windows_release(10, 0, 20348), "Windows Server 2022");
	assert_false(ntlmssp_is_samba(&ch));
}

/* Every prefix of a valid message is rejected or parsed without overread. */
static void
test_challenge_truncated(void **state)
{
	struct chal c;
	struct ntlmssp_challenge ch;

	chal_windows(&c);
	for (size_t i = 0; i < c.n; i++) {
		uint8_t *copy = malloc(i ? i : 1);

		memcpy(copy, c.b, i);
		/* Any prefix cuts into the payload, whose fields then point past the end. */
		assert_false(parse(copy, i, &ch));
		free(copy);
	}
}

static void
test_challenge_bad(void **state)
{
	struct chal c;
	struct ntlmssp_challenge ch;

	chal_windows(&c);
	c.b[8] = 3; /* AUTHENTICATE, not CHALLENGE */
	assert_false(parse(c.b, c.n, &ch));
	chal_windows(&c);
	c.b[6] = 'X'; /* signature */
	assert_false(parse(c.b, c.n, &ch));
	chal_windows(&c);
	p32(c.b + 16, 0xfffffff0); /* target name offset wraps */
	assert_false(parse(c.b, c.n, &ch));
	chal_windows(&c);
	p16(c.b + 40, 0xffff); /* target info longer than the message */
	assert_false(parse(c.b, c.n, &ch));
	chal_windows(&c);
	/* An AV_PAIR whose AvLen runs past the target info. */
	p16(c.b + 56 + 8 + 2, 200);
	assert_false(parse(c.b, c.n, &ch));
}

/* Duplicates: first wins; odd lengths become U+FFFD; no EOL is tolerated. */
static void
test_challenge_av_quirks(void **state)
{
	uint8_t ti[256], m[512];
	size_t til = 0;
	struct ntlmssp_challenge ch;
	static const uint8_t odd[5] = {'A', 0, 'B', 0, 'C'};

	av_str(ti, &til, MSV_AV_NB_COMPUTER_NAME, "FIRST");
	av_str(ti, &til, MSV_AV_NB_COMPUTER_NAME, "SECOND");
	av_add(ti, &til, MSV_AV_NB_DOMAIN_NAME, odd, sizeof(odd));
	av_add(ti, &til, MSV_AV_TIMESTAMP, odd, 5); /* wrong length: ignored */
	av_add(ti, &til, 0x7777, odd, 3);           /* unknown id: skipped */
	memset(m, 0, sizeof(m));
	memcpy(m, "NTLMSSP", 8);
	p32(m + 8, 2);
	p32(m + 16, 48);
	p32(m + 20, NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_TARGET_INFO);
	p16(m + 40, (uint16_t)til);
	p32(m + 44, 48);
	memcpy(m + 48, ti, til);
	assert_true(parse(m, 48 + til, &ch));
	assert_true(str_is(&ch.nb_computer, "FIRST"));
	assert_int_equal(ch.av_duplicates, 1);
	assert_true(str_is(&ch.nb_domain, "AB\xef\xbf\xbd"));
	assert_true(ch.av_odd);
	assert_false(ch.has_timestamp);
	assert_false(ch.av_eol);
	assert_false(ch.version.present); /* flag not set */
	assert_false(ch.target_name.present);
}

/* An NT4-era 32-byte CHALLENGE without target info or VERSION. */
static void
test_challenge_short_old(void **state)
{
	uint8_t m[40];
	struct ntlmssp_challenge ch;

	memset(m, 0, sizeof(m));
	memcpy(m, "NTLMSSP", 8);
	p32(m + 8, 2);
	p16(m + 12, 8); /* OEM target name "WORKGRP\x01" right after the header */
	p32(m + 16, 32);
	p32(m + 20, NTLMSSP_NEGOTIATE_OEM);
	memcpy(m + 32, "WORKGRP\x01", 8);
	assert_true(parse(m, 40, &ch));
	assert_false(ch.has_target_info);
	assert_int_equal(ch.target_name.len, 8);
	assert_memory_equal(ch.target_name.s, "WORKGRP\x01", 8);
}

static void
test_utf16(void **state)
{
	static const struct {
		const char *in;
		size_t inlen;
		const char *out;
		size_t outlen;
	} cases[] = {
	        {"A\0B\0", 4, "AB", 2},
	        {"\xe9\0", 2, "\xc3\xa9", 2},                   /* é */
	        {"\xac\x20", 2, "\xe2\x82\xac", 3},             /* € */
	        {"\x3d\xd8\x00\xde", 4, "\xf0\x9f\x98\x80", 4}, /* U+1F600 from a pair */
	        {"\x3d\xd8", 2, "\xef\xbf\xbd", 3},             /* lone high surrogate */
	        {"\x00\xde", 2, "\xef\xbf\xbd", 3},             /* lone low surrogate */
	        {"\x3d\xd8\x41\x00", 4,
	         "\xef\xbf\xbd"
	         "A",
	         4},                             /* high, then not low */
	        {"A\0B", 3, "A\xef\xbf\xbd", 4}, /* odd byte */
	        {"\0\0A\0", 4, "\0A", 2},        /* NUL kept for escaping */
	        {"", 0, "", 0},
	};
	char out[32];
	bool cut;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = ntlmssp_utf16le_to_utf8((const uint8_t *)cases[i].in, cases[i].inlen,
		                                   out, sizeof(out), &cut);

		assert_int_equal(n, cases[i].outlen);
		assert_memory_equal(out, cases[i].out, n);
		assert_int_equal(out[n], 0);
		assert_false(cut);
	}
	/* Truncation never splits a sequence: € is 3 bytes, 4 bytes of room hold one. */
	assert_int_equal(
	        ntlmssp_utf16le_to_utf8((const uint8_t *)"\xac\x20\xac\x20", 4, out, 5, &cut), 3);
	assert_true(cut);
	assert_int_equal(ntlmssp_utf16le_to_utf8((const uint8_t *)"A\0", 2, out, 0, NULL), 0);
}

static void
test_releases(void **state)
{
	static const struct {
		uint8_t maj, min;
		uint16_t build;
		const char *name;
	} cases[] = {
	        {10, 0, 19045, "Windows 10 22H2"},
	        {10, 0, 22631, "Windows 11 23H2"},
	        {10, 0, 26100, "Windows 11 24H2 / Server 2025"},
	        {10, 0, 17763, "Windows 10 1809 / Server 2019"},
	        {10, 0, 14393, "Windows 10 1607 / Server 2016"},
	        {6, 1, 7601, "Windows 7 SP1 / Server 2008 R2 SP1"},
	        {6, 3, 9600, "Windows 8.1 / Server 2012 R2"},
	        {10, 0, 30000, "Windows 10/11 or Server 2016+"},
	        {6, 1, 0, NULL}, /* Samba */
	        {4, 0, 1381, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got =
		        ntlmssp_windows_release(cases[i].maj, cases[i].min, cases[i].build);

		if (cases[i].name == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].name);
	}
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

/* The CHALLENGE of a real Samba 4.17 (Debian 12) standalone server, NetBIOS name LABSMB1. */
static void
test_golden_samba(void **state)
{
	static const char *files[] = {"samba-session-setup.bin", "samba-session-setup-raw.bin"};

	for (size_t f = 0; f < 2; f++) {
		uint8_t buf[4096];
		size_t n = read_golden(files[f], buf, sizeof(buf));
		struct cursor c = cursor_init(buf, n);
		struct smb2_session_setup_resp sr;
		struct ntlmssp_challenge ch;

		assert_true(smb2_parse_session_setup_response(&c, &sr));
		assert_int_equal(sr.spnego, f == 0);
		c = cursor_init(sr.ntlmssp, sr.ntlmssp_len);
		assert_true(ntlmssp_parse_challenge(&c, &ch));
		assert_true(str_is(&ch.target_name, "LABSMB1"));
		assert_true(str_is(&ch.nb_computer, "LABSMB1"));
		/* A standalone Samba names itself as the domain, not its workgroup. */
		assert_true(str_is(&ch.nb_domain, "LABSMB1"));
		assert_true(ch.dns_computer.present);
		assert_true(str_is(&ch.dns_domain, ""));
		assert_false(ch.dns_tree.present);
		assert_true(ch.has_timestamp);
		assert_true(ch.av_eol);
		assert_true(ch.version.present);
		assert_int_equal(ch.version.major, 6);
		assert_int_equal(ch.version.minor, 1);
		assert_int_equal(ch.version.build, 0);
		assert_int_equal(ch.version.revision, 15);
		assert_true(ntlmssp_is_samba(&ch));
		assert_null(ntlmssp_windows_release(6, 1, 0));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_negotiate_bytes),
	        cmocka_unit_test(test_challenge_windows),
	        cmocka_unit_test(test_challenge_truncated),
	        cmocka_unit_test(test_challenge_bad),
	        cmocka_unit_test(test_challenge_av_quirks),
	        cmocka_unit_test(test_challenge_short_old),
	        cmocka_unit_test(test_utf16),
	        cmocka_unit_test(test_releases),
	        cmocka_unit_test(test_golden_samba),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
