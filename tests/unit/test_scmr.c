/*
 * test_scmr.c - NDR20 marshalling (round trips, alignment, strings, every
 * truncation) and the [MS-SCMR] stubs: encoders against known bytes and
 * refused names, decoders on the real Samba replies in tests/data/dcerpc/
 * and on every truncation, and the calls' results and messages against a
 * scripted peer (remote UAC, missing service, Samba's fault, timeouts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/muster.h"
#include "deployer/dcerpc.h"
#include "deployer/engine.h"
#include "deployer/ndr.h"
#include "deployer/scmr.h"
#include "rpcpeer.h"
#include "testutil.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
assert_buf_hex(const struct buf *b, const char *hex)
{
	uint8_t want[4096];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

/* The stub of a captured one-fragment response. */
static uint8_t *
stub_of(const char *file, size_t *n)
{
	size_t len;
	uint8_t *pdu = peer_load(file, &len), *stub;
	const uint8_t *s;
	uint32_t fault;

	assert_non_null(pdu);
	assert_int_equal(rpc_parse_response(pdu, len, &s, n, &fault), 0);
	stub = malloc(*n ? *n : 1);
	assert_non_null(stub);
	memcpy(stub, s, *n);
	free(pdu);
	return stub;
}

/* ---- NDR ---- */

static void
test_ndr_alignment(void **state)
{
	struct buf b;
	struct ndr_enc e;
	struct ndr_dec d;
	uint16_t v16;
	uint32_t v32;
	uint8_t h[NDR_HANDLE_LEN];

	(void)state;
	buf_init(&b, 1024);
	buf_append(&b, "xyz", 3); /* alignment counts from the stub's start, not the buffer's */
	ndr_enc_init(&e, &b);
	ndr_put_u16(&e, 0x1234);
	ndr_put_u32(&e, 0xa1b2c3d4);
	ndr_put_u16(&e, 7);
	ndr_put_handle(&e, (const uint8_t *)"ABCDEFGHIJKLMNOPQRST");
	ndr_put_align(&e, 8);
	assert_int_equal(ndr_enc_err(&e), 0);
	/* 2 + pad 2 + 4 + 2 + pad 2 + 20 = 32, already 8-aligned */
	assert_int_equal(b.len, 3 + 32);
	assert_memory_equal(b.data + 3, "\x34\x12\0\0\xd4\xc3\xb2\xa1\x07\0\0\0ABCD", 16);
	ndr_dec_init(&d, b.data + 3, b.len - 3);
	assert_true(ndr_get_u16(&d, &v16));
	assert_int_equal(v16, 0x1234);
	assert_true(ndr_get_u32(&d, &v32));
	assert_int_equal(v32, 0xa1b2c3d4);
	assert_true(ndr_get_u16(&d, &v16));
	assert_true(ndr_get_handle(&d, h));
	assert_memory_equal(h, "ABCDEFGHIJKLMNOPQRST", 20);
	assert_true(ndr_dec_done(&d));
	/* a u32 right after a u16 needs its padding present */
	ndr_dec_init(&d, (const uint8_t *)"\1\0\2\0\0\0", 6);
	assert_true(ndr_get_u16(&d, &v16));
	assert_false(ndr_get_u32(&d, &v32));
	assert_int_equal(v32, 0);
	assert_false(ndr_dec_ok(&d));
	buf_free(&b);
}

static void
test_ndr_pointers(void **state)
{
	struct buf b;
	struct ndr_enc e;
	struct ndr_dec d;
	bool present;

	(void)state;
	buf_init(&b, 1024);
	ndr_enc_init(&e, &b);
	assert_true(ndr_put_ptr(&e, true));
	assert_false(ndr_put_ptr(&e, false));
	assert_true(ndr_put_ptr(&e, true));
	ndr_put_unique_wstr(&e, NULL);
	assert_buf_hex(&b, "00000200"
	                   "00000000"
	                   "04000200"
	                   "00000000");
	ndr_dec_init(&d, b.data, b.len);
	assert_true(ndr_get_ptr(&d, &present));
	assert_true(present);
	assert_true(ndr_get_ptr(&d, &present));
	assert_false(present);
	buf_free(&b);
}

static void
test_ndr_strings(void **state)
{
	static const char *const strs[] = {
	        "",
	        "A",
	        "Ab",
	        "ServicesActive",
	        "\xc3\xa9t\xc3\xa9",  /* été: two-byte UTF-8 */
	        "\xe2\x82\xac",       /* €: three bytes, one unit */
	        "x\xf0\x9f\x98\x80y", /* U+1F600: a surrogate pair */
	        "C:\\Windows\\muster-svc.exe --run \"x y\"",
	};
	struct buf b;
	struct ndr_enc e;
	struct ndr_dec d;
	char out[128];
	uint32_t after;

	(void)state;
	buf_init(&b, 4096);
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, "Ab");
	assert_buf_hex(&b, "03000000"
	                   "00000000"
	                   "03000000"
	                   "410062000000");
	for (size_t i = 0; i < MUSTER_NELEM(strs); i++) {
		buf_reset(&b);
		ndr_enc_init(&e, &b);
		ndr_put_wstr(&e, strs[i]);
		ndr_put_u32(&e, 0xfeedf00d); /* what follows is found after the padding */
		assert_int_equal(ndr_enc_err(&e), 0);
		assert_int_equal(b.len % 4, 0);
		ndr_dec_init(&d, b.data, b.len);
		assert_true(ndr_get_wstr(&d, out, sizeof(out)));
		assert_string_equal(out, strs[i]);
		assert_true(ndr_get_u32(&d, &after));
		assert_int_equal(after, 0xfeedf00d);
		assert_true(ndr_dec_done(&d));
	}
	assert_int_equal(ndr_utf16_units("x\xf0\x9f\x98\x80y"), 5);
	assert_int_equal(ndr_utf16_units("\xc3\xa9"), 2);
	assert_int_equal(ndr_utf16_units("\xc3"), 0);
	buf_free(&b);
}

static void
test_ndr_string_refused(void **state)
{
	struct buf b;
	struct ndr_enc e;
	char *longs = malloc(NDR_WSTR_MAX + 1);

	(void)state;
	assert_non_null(longs);
	buf_init(&b, 1 << 20);
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, "bad \xc0\x80 UTF-8"); /* overlong NUL */
	assert_int_equal(ndr_enc_err(&e), MUSTER_EINVAL);
	ndr_put_u32(&e, 1); /* sticky: nothing more is written */
	assert_int_equal(b.len, 0);
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, "\xed\xa0\x80"); /* an encoded surrogate */
	assert_int_equal(ndr_enc_err(&e), MUSTER_EINVAL);
	memset(longs, 'a', NDR_WSTR_MAX);
	longs[NDR_WSTR_MAX] = 0; /* NDR_WSTR_MAX units + the NUL: one too many */
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, longs);
	assert_int_equal(ndr_enc_err(&e), MUSTER_EINVAL);
	longs[NDR_WSTR_MAX - 1] = 0;
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, longs);
	assert_int_equal(ndr_enc_err(&e), 0);
	/* the buffer's cap */
	buf_free(&b);
	buf_init(&b, 16);
	ndr_enc_init(&e, &b);
	ndr_put_wstr(&e, "ServicesActive");
	assert_int_equal(ndr_enc_err(&e), MUSTER_ETOOBIG);
	buf_free(&b);
	free(longs);
}

static void
test_ndr_string_decode_refused(void **state)
{
	static const struct {
		const char *hex;
		const char *why;
	} bad[] = {
	        {"03000000010000000200000041004200", "offset not 0"},
	        {"020000000000000003000000410042000000", "actual count above the maximum"},
	        {"0200000000000000020000004100", "truncated units"},
	        {"02000000000000000200000041004200", "no terminator"},
	        {"030000000000000003000000410000004200", "NUL before the end"},
	        {"03000000000000000300000000dc41000000", "lone low surrogate"},
	        {"0200000000000000020000003dd80000", "high surrogate then NUL"},
	        {"03000000000000000300000000d841000000", "high surrogate then a letter"},
	        {"000000000000000000000000", "zero units"},
	        {"ffffffff00000000ffffffff", "more units than allowed"},
	};
	uint8_t b[64];
	struct ndr_dec d;
	char out[16];

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		size_t n = unhex(bad[i].hex, b, sizeof(b));

		ndr_dec_init(&d, b, n);
		if (ndr_get_wstr(&d, out, sizeof(out)))
			fail_msg("accepted: %s", bad[i].why);
		assert_string_equal(out, "");
	}
	/* the decoded text must fit with its NUL */
	{
		size_t n = unhex("0400000000000000040000006100620063000000", b, sizeof(b));

		ndr_dec_init(&d, b, n);
		assert_false(ndr_get_wstr(&d, out, 3));
		ndr_dec_init(&d, b, n);
		assert_true(ndr_get_wstr(&d, out, 4));
		assert_string_equal(out, "abc");
	}
	/* every truncation of a good string */
	{
		size_t n = unhex("05000000000000000500000061003dd800de62000000", b, sizeof(b));

		for (size_t len = 0; len < n; len++) {
			uint8_t *dp = dup_prefix(b, len);

			ndr_dec_init(&d, dp, len);
			assert_false(ndr_get_wstr(&d, out, sizeof(out)));
			free(dp);
		}
		ndr_dec_init(&d, b, n);
		assert_true(ndr_get_wstr(&d, out, sizeof(out)));
		assert_string_equal(out, "a\xf0\x9f\x98\x80"
		                         "b");
	}
}

/* ---- SCMR encoders ---- */

static struct scmr_handle
handle_of(uint8_t first)
{
	struct scmr_handle h;

	for (int i = 0; i < 20; i++)
		h.raw[i] = (uint8_t)(first + i);
	return h;
}

static void
test_enc_known_bytes(void **state)
{
	struct scmr_handle h1 = handle_of(0), h2 = handle_of(0xa0);
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	/* ROpenSCManagerW(NULL, "ServicesActive", 3): a NULL pointer, a unique string, the access */
	assert_int_equal(scmr_enc_open_scmanager(&b, NULL, 3), 0);
	assert_buf_hex(&b, "00000000"
	                   "00000200"
	                   "0f000000000000000f000000"
	                   "530065007200760069006300650073004100630074006900760065000000"
	                   "0000"
	                   "03000000");
	/* ROpenServiceW(h1, "MusterSvc1", 0x10034): ref string, no referent ID */
	buf_reset(&b);
	assert_int_equal(scmr_enc_open_service(&b, &h1, "MusterSvc1", SCMR_SERVICE_DEPLOY_ACCESS),
	                 0);
	assert_buf_hex(&b, "000102030405060708090a0b0c0d0e0f10111213"
	                   "0b000000000000000b000000"
	                   "4d007500730074006500720053007600630031000000"
	                   "0000"
	                   "34000100");
	/* RControlService(h2, STOP) and the handle-only stubs */
	buf_reset(&b);
	assert_int_equal(scmr_enc_control(&b, &h2, SCMR_SERVICE_CONTROL_STOP), 0);
	assert_buf_hex(&b, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b301000000");
	buf_reset(&b);
	assert_int_equal(scmr_enc_handle_only(&b, &h2), 0);
	assert_buf_hex(&b, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
	/* RStartServiceW(h2, 0, NULL) */
	buf_reset(&b);
	assert_int_equal(scmr_enc_start_service(&b, &h2, 0, NULL), 0);
	assert_buf_hex(&b, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
	                   "00000000"
	                   "00000000");
	buf_free(&b);
}

static void
test_enc_create_layout(void **state)
{
	struct scmr_handle h = handle_of(0);
	struct buf b;
	struct ndr_dec d;
	uint8_t raw[20];
	char s[256];
	uint32_t v[8];
	bool present;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(scmr_enc_create_service(&b, &h, "MusterDeploy", "Muster \xc3\xa9",
	                                         "C:\\x.exe --a", SCMR_SERVICE_DEPLOY_ACCESS),
	                 0);
	/* read it back field by field, as a server would */
	ndr_dec_init(&d, b.data, b.len);
	assert_true(ndr_get_handle(&d, raw));
	assert_true(ndr_get_wstr(&d, s, sizeof(s)));
	assert_string_equal(s, "MusterDeploy");
	assert_true(ndr_get_ptr(&d, &present) && present);
	assert_true(ndr_get_wstr(&d, s, sizeof(s)));
	assert_string_equal(s, "Muster \xc3\xa9");
	for (int i = 0; i < 4; i++)
		assert_true(ndr_get_u32(&d, &v[i]));
	assert_int_equal(v[0], SCMR_SERVICE_DEPLOY_ACCESS);
	assert_int_equal(v[1], 0x10); /* SERVICE_WIN32_OWN_PROCESS */
	assert_int_equal(v[2], 3);    /* SERVICE_DEMAND_START */
	assert_int_equal(v[3], 1);    /* SERVICE_ERROR_NORMAL */
	assert_true(ndr_get_wstr(&d, s, sizeof(s)));
	assert_string_equal(s, "C:\\x.exe --a");
	for (int i = 0; i < 7;
	     i++) /* group, tag, deps, depsize, start name (LocalSystem), password, pwsize */
		assert_true(ndr_get_u32(&d, &v[i]));
	for (int i = 0; i < 7; i++)
		assert_int_equal(v[i], 0);
	assert_true(ndr_dec_done(&d));
	buf_free(&b);
}

static void
test_enc_start_args_layout(void **state)
{
	static const char *const argv[] = {"--run", "\xc3\xbc"};
	struct scmr_handle h = handle_of(0);
	struct buf b;
	struct ndr_dec d;
	uint8_t raw[20];
	uint32_t argc, conf;
	bool p0, p1, p2;
	char s[32];

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(scmr_enc_start_service(&b, &h, 2, argv), 0);
	ndr_dec_init(&d, b.data, b.len);
	assert_true(ndr_get_handle(&d, raw));
	assert_true(ndr_get_u32(&d, &argc));
	assert_int_equal(argc, 2);
	assert_true(ndr_get_ptr(&d, &p0) && p0);
	assert_true(ndr_get_u32(&d, &conf));
	assert_int_equal(conf, 2);
	assert_true(ndr_get_ptr(&d, &p1) && p1);
	assert_true(ndr_get_ptr(&d, &p2) && p2);
	assert_true(ndr_get_wstr(&d, s, sizeof(s)));
	assert_string_equal(s, "--run");
	assert_true(ndr_get_wstr(&d, s, sizeof(s)));
	assert_string_equal(s, "\xc3\xbc");
	assert_true(ndr_dec_done(&d));
	buf_free(&b);
}

static void
test_enc_refused(void **state)
{
	struct scmr_handle h = handle_of(0);
	struct buf b;
	char name[300];
	const char *bad_argv[] = {"ok", NULL};

	(void)state;
	buf_init(&b, 1 << 20);
	assert_false(scmr_name_ok(NULL));
	assert_false(scmr_name_ok(""));
	assert_false(scmr_name_ok("a/b"));
	assert_false(scmr_name_ok("a\\b"));
	assert_false(scmr_name_ok("a,b"));
	assert_false(scmr_name_ok("a b"));
	assert_false(scmr_name_ok("bad\xff"));
	memset(name, 'n', 256);
	name[256] = 0;
	assert_true(scmr_name_ok(name));
	name[256] = 'n';
	name[257] = 0;
	assert_false(scmr_name_ok(name));
	assert_true(scmr_name_ok("Muster-\xc3\xa9_1.2"));

	assert_int_equal(scmr_enc_open_service(&b, &h, "a b", 1), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_create_service(&b, &h, "ok", NULL, "", 1), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_create_service(&b, &h, "ok", NULL, NULL, 1), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_create_service(&b, &h, "ok", name, "C:\\x.exe", 1),
	                 MUSTER_EINVAL);
	assert_int_equal(scmr_enc_start_service(&b, &h, -1, NULL), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_start_service(&b, &h, 1, NULL), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_start_service(&b, &h, 2, bad_argv), MUSTER_EINVAL);
	assert_int_equal(scmr_enc_start_service(&b, &h, SCMR_ARGS_MAX + 1, bad_argv),
	                 MUSTER_EINVAL);
	assert_int_equal(scmr_enc_open_scmanager(&b, "bad\xc3", 1), MUSTER_EINVAL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* ---- SCMR decoders on Samba's replies ---- */

static void
test_dec_samba(void **state)
{
	struct scmr_handle h;
	struct scmr_status st;
	uint32_t w;
	size_t n;
	uint8_t *s;
	static const struct scmr_handle zero;

	(void)state;
	s = stub_of("samba-open-scm.bin", &n);
	assert_int_equal(scmr_dec_handle(s, n, &h, &w), 0);
	assert_int_equal(w, 0);
	assert_memory_not_equal(&h, &zero, sizeof(h));
	free(s);
	s = stub_of("samba-open-scm-denied.bin", &n);
	assert_int_equal(scmr_dec_handle(s, n, &h, &w), 0);
	assert_int_equal(w, SCMR_ERROR_ACCESS_DENIED);
	assert_memory_equal(&h, &zero, sizeof(h));
	free(s);
	s = stub_of("samba-open-service-missing.bin", &n);
	assert_int_equal(scmr_dec_handle(s, n, &h, &w), 0);
	assert_int_equal(w, SCMR_ERROR_SERVICE_DOES_NOT_EXIST);
	free(s);
	s = stub_of("samba-query-status.bin", &n);
	assert_int_equal(scmr_dec_status(s, n, &st, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(st.type, 0x110);
	assert_int_equal(st.state, SCMR_STATE_STOPPED);
	assert_int_equal(st.controls, 1);
	assert_int_equal(st.win32_exit, 0);
	assert_int_equal(st.wait_hint, 0);
	assert_string_equal(scmr_state_name(st.state), "STOPPED");
	free(s);
	s = stub_of("samba-control-stop.bin", &n);
	assert_int_equal(scmr_dec_status(s, n, &st, &w), 0);
	assert_int_equal(st.state, SCMR_STATE_STOPPED);
	free(s);
	s = stub_of("samba-start-service.bin", &n);
	assert_int_equal(scmr_dec_werror(s, n, &w), 0);
	assert_int_equal(w, SCMR_ERROR_ACCESS_DENIED);
	free(s);
	s = stub_of("samba-close-scm.bin", &n);
	assert_int_equal(scmr_dec_handle(s, n, &h, &w), 0);
	assert_int_equal(w, 0);
	assert_memory_equal(&h, &zero, sizeof(h));
	free(s);
}

static void
test_dec_create(void **state)
{
	uint8_t with_tag[32], without[28];
	struct scmr_handle h;
	uint32_t tag, w;

	(void)state;
	/* lpdwTagId present (referent ID, value 7), a handle, ERROR_SERVICE_EXISTS */
	peer_put_u32(with_tag, 0x00020000);
	peer_put_u32(with_tag + 4, 7);
	memset(with_tag + 8, 0x55, 20);
	peer_put_u32(with_tag + 28, SCMR_ERROR_SERVICE_EXISTS);
	assert_int_equal(scmr_dec_create(with_tag, sizeof(with_tag), &tag, &h, &w), 0);
	assert_int_equal(tag, 7);
	assert_int_equal(h.raw[19], 0x55);
	assert_int_equal(w, SCMR_ERROR_SERVICE_EXISTS);
	peer_put_u32(without, 0);
	memset(without + 4, 0x66, 20);
	peer_put_u32(without + 24, 0);
	assert_int_equal(scmr_dec_create(without, sizeof(without), &tag, &h, &w), 0);
	assert_int_equal(tag, 0);
	assert_int_equal(h.raw[0], 0x66);
	/* a tag pointer claiming a value that is not there */
	peer_put_u32(without, 0x00020000);
	assert_int_equal(scmr_dec_create(without, sizeof(without), &tag, &h, &w), MUSTER_EPARSE);
	assert_int_equal(tag, 0);
	assert_int_equal(w, 0);
	assert_int_equal(h.raw[0], 0);
}

/* Every decoder refuses every truncation and a trailing byte, and zeroes its outputs. */
static void
test_dec_truncated(void **state)
{
	static const char *const files[] = {"samba-open-scm.bin", "samba-query-status.bin",
	                                    "samba-start-service.bin"};
	uint8_t create[32] = {0, 0, 2, 0, 7, 0, 0, 0};

	(void)state;
	for (size_t f = 0; f <= MUSTER_NELEM(files); f++) {
		size_t n;
		uint8_t *full = f < MUSTER_NELEM(files) ? stub_of(files[f], &n) : NULL;
		uint8_t *longer;

		if (full == NULL) {
			n = sizeof(create);
			full = malloc(n);
			assert_non_null(full);
			memcpy(full, create, n);
		}
		longer = malloc(n + 1);
		assert_non_null(longer);
		memcpy(longer, full, n);
		longer[n] = 0;
		for (size_t len = 0; len <= n + 1; len++) {
			uint8_t *d = len <= n ? dup_prefix(full, len) : longer;
			struct scmr_handle h;
			struct scmr_status st;
			uint32_t w, tag;
			int want_handle = len == 24 ? 0 : MUSTER_EPARSE;
			int want_status = len == 32 ? 0 : MUSTER_EPARSE;
			int want_werror = len == 4 ? 0 : MUSTER_EPARSE;
			int want_create = (len == 28 && d[0] == 0 && d[1] == 0 && d[2] == 0 &&
			                   d[3] == 0) || (len == 32 && peer_u32(d) != 0)
			                          ? 0
			                          : MUSTER_EPARSE;

			assert_int_equal(scmr_dec_handle(d, len, &h, &w), want_handle);
			if (want_handle != 0) {
				assert_int_equal(w, 0);
				assert_int_equal(h.raw[5], 0);
			}
			assert_int_equal(scmr_dec_status(d, len, &st, &w), want_status);
			if (want_status != 0)
				assert_int_equal(st.type, 0);
			assert_int_equal(scmr_dec_werror(d, len, &w), want_werror);
			assert_int_equal(scmr_dec_create(d, len, &tag, &h, &w), want_create);
			if (len <= n)
				free(d);
		}
		free(longer);
		free(full);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(scmr_werror_name(5), "ERROR_ACCESS_DENIED");
	assert_string_equal(scmr_werror_name(1060), "ERROR_SERVICE_DOES_NOT_EXIST");
	assert_string_equal(scmr_werror_name(1073), "ERROR_SERVICE_EXISTS");
	assert_string_equal(scmr_werror_name(1053), "ERROR_SERVICE_REQUEST_TIMEOUT");
	assert_null(scmr_werror_name(424242));
	assert_string_equal(scmr_state_name(SCMR_STATE_RUNNING), "RUNNING");
	assert_string_equal(scmr_state_name(0), "UNKNOWN");
	assert_string_equal(scmr_state_name(99), "UNKNOWN");
}

/* ---- the calls against a scripted peer ---- */

/* One scripted answer: to a request of opnum, send this stub, this fault, or nothing. */
struct answer {
	uint16_t opnum;
	const char *file;    /* a captured reply (call_id patched), or */
	const uint8_t *stub; /* a stub to send in one response */
	size_t stublen;
	uint32_t fault; /* or a fault */
	bool silent;    /* or nothing: the client must time out */
};

struct script {
	const struct answer *a;
	size_t n;
	unsigned bad_opnum; /* set by the peer: index + 1 of a request with an unexpected opnum */
	uint8_t last_stub[4096];
	size_t last_stublen;
};

static void
script_answers(struct rpc_peer *p)
{
	struct script *s = (struct script *)p->arg;
	uint8_t sink[65536];

	if (peer_accept_bind(p) != 0)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct answer *a = &s->a[i];
		unsigned before = p->nreq;
		uint32_t id = peer_read_request(p);

		if (id == 0)
			return;
		if (p->opnum[before] != a->opnum && s->bad_opnum == 0)
			s->bad_opnum = (unsigned)i + 1;
		s->last_stublen = p->stublen < sizeof(s->last_stub) ? p->stublen : 0;
		memcpy(s->last_stub, p->stub, s->last_stublen);
		if (a->silent) {
			while (peer_read_pdu(p, sink) != 0)
				;
			return;
		}
		if (a->fault) {
			peer_send_fault(p, id, a->fault);
		} else if (a->file) {
			size_t n;
			uint8_t *b = peer_load(a->file, &n);

			if (b == NULL) {
				peer_oops(p, "cannot load a reply");
				return;
			}
			peer_send_pdus(p, b, n, id);
			free(b);
		} else {
			peer_send_response(p, id, a->stub, a->stublen, 3);
		}
	}
}

static void
run(struct rpc_peer *p, struct rpc_conn *c, struct script *s)
{
	struct rpc_io io;
	char err[256];

	assert_int_equal(peer_start(p, script_answers, s), 0);
	io = peer_io(p);
	rpc_conn_init(c, &io);
	assert_int_equal(rpc_bind(c, scmr_uuid, SCMR_VERS_MAJOR, SCMR_VERS_MINOR,
	                          deploy_now_ms() + 5000, err, sizeof(err)),
	                 0);
}

static int64_t
soon(void)
{
	return deploy_now_ms() + 5000;
}

static void
test_calls_happy_path(void **state)
{
	static const uint8_t created[28] = {0, 0, 0, 0, 0x11, 0x12, 0x13, 0x14};
	static const uint8_t ok[4] = {0};
	static const char *const argv[] = {"--run"};
	static const struct answer a[] = {
	        {SCMR_OP_OPEN_SC_MANAGER_W, "samba-open-scm.bin", NULL, 0, 0, false},
	        {SCMR_OP_CREATE_SERVICE_W, NULL, created, sizeof(created), 0, false},
	        {SCMR_OP_START_SERVICE_W, NULL, ok, sizeof(ok), 0, false},
	        {SCMR_OP_QUERY_SERVICE_STATUS, "samba-query-status.bin", NULL, 0, 0, false},
	        {SCMR_OP_CONTROL_SERVICE, "samba-control-stop.bin", NULL, 0, 0, false},
	        {SCMR_OP_DELETE_SERVICE, NULL, ok, sizeof(ok), 0, false},
	        {SCMR_OP_CLOSE_SERVICE_HANDLE, "samba-close-service.bin", NULL, 0, 0, false},
	        {SCMR_OP_CLOSE_SERVICE_HANDLE, "samba-close-scm.bin", NULL, 0, 0, false},
	};
	struct script s = {a, MUSTER_NELEM(a), 0, {0}, 0};
	struct rpc_peer p;
	struct rpc_conn c;
	struct scmr_handle scm, svc;
	struct scmr_status st;
	struct scmr_err e;
	static const struct scmr_handle zero;

	(void)state;
	run(&p, &c, &s);
	assert_int_equal(scmr_open_scmanager(&c, "TARGET", 0xF003F, &scm, soon(), &e), 0);
	assert_memory_not_equal(&scm, &zero, sizeof(scm));
	assert_int_equal(scmr_create_service(&c, &scm, "MusterDeploy", "Muster", "C:\\m.exe", &svc,
	                                     soon(), &e),
	                 0);
	assert_int_equal(svc.raw[0], 0x11);
	assert_int_equal(scmr_start_service(&c, &svc, 1, argv, soon(), &e), 0);
	assert_int_equal(scmr_query_status(&c, &svc, &st, soon(), &e), 0);
	assert_int_equal(st.state, SCMR_STATE_STOPPED);
	assert_int_equal(scmr_control_stop(&c, &svc, &st, soon(), &e), 0);
	assert_int_equal(scmr_delete_service(&c, &svc, soon(), &e), 0);
	assert_int_equal(scmr_close(&c, &svc, soon(), &e), 0);
	assert_memory_equal(&svc, &zero, sizeof(svc));
	/* a zero handle is not sent */
	assert_int_equal(scmr_close(&c, &svc, soon(), &e), 0);
	assert_int_equal(scmr_close(&c, &scm, soon(), &e), 0);
	assert_string_equal(e.msg, "");
	peer_join(&p);
	assert_string_equal(p.oops, "");
	assert_int_equal(s.bad_opnum, 0);
	assert_int_equal(p.nreq, MUSTER_NELEM(a));
}

static void
test_call_open_scm_denied_names_uac(void **state)
{
	static const struct answer a[] = {
	        {SCMR_OP_OPEN_SC_MANAGER_W, "samba-open-scm-denied.bin", NULL, 0, 0, false},
	        {SCMR_OP_OPEN_SERVICE_W, "samba-open-scm-denied.bin", NULL, 0, 0, false},
	};
	struct script s = {a, MUSTER_NELEM(a), 0, {0}, 0};
	struct rpc_peer p;
	struct rpc_conn c;
	struct scmr_handle scm = handle_of(1), svc;
	struct scmr_err e;

	(void)state;
	run(&p, &c, &s);
	assert_int_equal(scmr_open_scmanager(&c, NULL, 3, &scm, soon(), &e), MUSTER_EPERM);
	assert_int_equal(e.werror, 5);
	assert_int_equal(e.fault, 0);
	assert_string_equal(
	        e.msg,
	        "OpenSCManagerW: ERROR_ACCESS_DENIED (5): not an administrator there. A local "
	        "admin other "
	        "than the built-in Administrator (RID 500) is filtered by remote UAC: set "
	        "LocalAccountTokenFilterPolicy=1 (DWORD, HKLM\\SOFTWARE\\Microsoft\\Windows\\"
	        "CurrentVersion\\Policies\\System), or use a domain admin or the built-in "
	        "Administrator");
	assert_true(strlen(e.msg) < sizeof(e.msg) - 1); /* not cut */
	assert_int_equal(scm.raw[3], 0);
	/* the same WERROR on another call has no UAC hint */
	assert_int_equal(scmr_open_service(&c, &scm, "Spooler", 4, &svc, soon(), &e), MUSTER_EPERM);
	assert_string_equal(e.msg, "OpenServiceW: ERROR_ACCESS_DENIED (5): access denied");
	peer_join(&p);
	assert_int_equal(s.bad_opnum, 0);
}

static void
test_call_errors(void **state)
{
	static const uint8_t exists[28] = {[24] = 0x31, [25] = 0x04}; /* 1073 */
	static const uint8_t timeout[4] = {0x1d, 0x04};               /* 1053 */
	static const uint8_t unknown[4] = {0x39, 0x30};               /* 12345 */
	static const uint8_t garbage[3] = {1, 2, 3};
	static const struct answer a[] = {
	        {SCMR_OP_OPEN_SERVICE_W, "samba-open-service-missing.bin", NULL, 0, 0, false},
	        {SCMR_OP_CREATE_SERVICE_W, "samba-create-service.bin", NULL, 0, 0, false},
	        {SCMR_OP_CREATE_SERVICE_W, NULL, exists, sizeof(exists), 0, false},
	        {SCMR_OP_START_SERVICE_W, NULL, timeout, sizeof(timeout), 0, false},
	        {SCMR_OP_DELETE_SERVICE, NULL, unknown, sizeof(unknown), 0, false},
	        {SCMR_OP_DELETE_SERVICE, NULL, NULL, 0, RPC_S_ACCESS_DENIED, false},
	        {SCMR_OP_QUERY_SERVICE_STATUS, NULL, garbage, sizeof(garbage), 0, false},
	        {SCMR_OP_CONTROL_SERVICE, NULL, NULL, 0, 0, true},
	};
	struct script s = {a, MUSTER_NELEM(a), 0, {0}, 0};
	struct rpc_peer p;
	struct rpc_conn c;
	struct scmr_handle scm = handle_of(1), svc = handle_of(2), out;
	struct scmr_status st;
	struct scmr_err e;
	int64_t t0;

	(void)state;
	run(&p, &c, &s);
	assert_int_equal(scmr_open_service(&c, &scm, "MusterNoSuchService", 4, &out, soon(), &e),
	                 MUSTER_ENOENT);
	assert_string_equal(
	        e.msg,
	        "OpenServiceW: ERROR_SERVICE_DOES_NOT_EXIST (1060): no service by that name");
	assert_int_equal(e.werror, 1060);

	assert_int_equal(
	        scmr_create_service(&c, &scm, "MusterDeploy", NULL, "C:\\m.exe", &out, soon(), &e),
	        MUSTER_ENET);
	assert_int_equal(e.fault, RPC_S_OP_RNG_ERROR);
	assert_int_equal(e.werror, 0);
	assert_string_equal(
	        e.msg,
	        "CreateServiceW: the server answered with fault nca_s_op_rng_error (0x1c010002): "
	        "the server does not implement this operation (it cannot create services; "
	        "Samba's service control manager never can)");

	assert_int_equal(
	        scmr_create_service(&c, &scm, "MusterDeploy", NULL, "C:\\m.exe", &out, soon(), &e),
	        MUSTER_EEXIST);
	assert_string_equal(e.msg, "CreateServiceW: ERROR_SERVICE_EXISTS (1073): a service by that "
	                           "name already exists");

	assert_int_equal(scmr_start_service(&c, &svc, 0, NULL, soon(), &e), MUSTER_ENET);
	assert_string_equal(
	        e.msg,
	        "StartServiceW: ERROR_SERVICE_REQUEST_TIMEOUT (1053): the service did not answer "
	        "the control manager in time (is the program a Windows service?)");

	assert_int_equal(scmr_delete_service(&c, &svc, soon(), &e), MUSTER_ENET);
	assert_string_equal(e.msg, "DeleteService: Windows error 12345 (0x00003039)");

	assert_int_equal(scmr_delete_service(&c, &svc, soon(), &e), MUSTER_EPERM);
	assert_int_equal(e.fault, 5);
	assert_string_equal(
	        e.msg, "DeleteService: the server answered with fault nca_s_fault_access_denied "
	               "(0x00000005): the server refused the call (access denied)");

	assert_int_equal(scmr_query_status(&c, &svc, &st, soon(), &e), MUSTER_EPARSE);
	assert_string_equal(e.msg, "QueryServiceStatus: malformed reply stub (3 bytes)");

	/* a refused name costs no round trip */
	assert_int_equal(scmr_open_service(&c, &scm, "no/slash", 4, &out, soon(), &e),
	                 MUSTER_EINVAL);
	assert_true(strstr(e.msg, "OpenServiceW: a name or path we refuse to send") == e.msg);

	t0 = deploy_now_ms();
	assert_int_equal(scmr_control_stop(&c, &svc, &st, t0 + 300, &e), MUSTER_ETIMEOUT);
	assert_true(deploy_now_ms() - t0 < 1000);
	assert_string_equal(
	        e.msg, "ControlService(STOP): no answer to the call of opnum 1 before the deadline "
	               "(0 of 16 header bytes came)");
	/* after the timeout the connection is done with, at once */
	t0 = deploy_now_ms();
	assert_int_equal(scmr_close(&c, &svc, soon(), &e), MUSTER_EIO);
	assert_true(deploy_now_ms() - t0 < 250);
	assert_memory_equal(&svc, &(struct scmr_handle){{0}}, sizeof(svc));
	peer_join(&p);
	assert_string_equal(p.oops, "");
	assert_int_equal(s.bad_opnum, 0);
	assert_int_equal(p.nreq, MUSTER_NELEM(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ndr_alignment),
	        cmocka_unit_test(test_ndr_pointers),
	        cmocka_unit_test(test_ndr_strings),
	        cmocka_unit_test(test_ndr_string_refused),
	        cmocka_unit_test(test_ndr_string_decode_refused),
	        cmocka_unit_test(test_enc_known_bytes),
	        cmocka_unit_test(test_enc_create_layout),
	        cmocka_unit_test(test_enc_start_args_layout),
	        cmocka_unit_test(test_enc_refused),
	        cmocka_unit_test(test_dec_samba),
	        cmocka_unit_test(test_dec_create),
	        cmocka_unit_test(test_dec_truncated),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_calls_happy_path),
	        cmocka_unit_test(test_call_open_scm_denied_names_uac),
	        cmocka_unit_test(test_call_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
