/* test_decode_l4.c - transport decoders: UDP, TCP header, options layout and p0f quirks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include "sensor/decode/tcp.h"
#include "sensor/decode/udp.h"

/* ---- UDP ---- */

/* DNS query 54321 -> 53, length 17 (9 bytes of data), then 3 bytes of padding. */
static const uint8_t udp_dns[] = {0xd4, 0x31, 0x00, 0x35, 0x00, 0x11, 0xab, 0xcd, 0x12, 0x34,
                                  0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static void
test_udp_basic(void **state)
{
	struct cursor c = cursor_init(udp_dns, sizeof(udp_dns));
	struct udp_datagram u;

	assert_true(udp_decode(&c, &u));
	assert_int_equal(u.sport, 54321);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.length, 17);
	assert_int_equal(u.checksum, 0xabcd);
	assert_false(u.truncated);
	assert_int_equal(u.payload.rem, 9); /* trimmed to the length field */
	assert_ptr_equal(u.payload.p, udp_dns + 8);
}

static void
test_udp_length_checks(void **state)
{
	uint8_t buf[sizeof(udp_dns)];
	struct cursor c;
	struct udp_datagram u;

	/* RFC 768: length below 8 is impossible. */
	memcpy(buf, udp_dns, sizeof(buf));
	buf[5] = 7;
	c = cursor_init(buf, sizeof(buf));
	assert_false(udp_decode(&c, &u));

	/* Exactly a header: no data. */
	buf[5] = 8;
	c = cursor_init(buf, sizeof(buf));
	assert_true(udp_decode(&c, &u));
	assert_int_equal(u.payload.rem, 0);

	/* Longer than the capture: truncated, payload is what there is. */
	buf[4] = 0x05;
	buf[5] = 0xdc;
	c = cursor_init(buf, sizeof(buf));
	assert_true(udp_decode(&c, &u));
	assert_true(u.truncated);
	assert_int_equal(u.payload.rem, sizeof(buf) - 8);
}

static void
test_udp_truncated(void **state)
{
	for (size_t n = 0; n <= sizeof(udp_dns); n++) {
		uint8_t *buf = dup_prefix(udp_dns, n);
		struct cursor c = cursor_init(buf, n);
		struct udp_datagram u;
		bool ok = udp_decode(&c, &u);

		assert_int_equal(ok, n >= 8);
		if (ok) {
			assert_int_equal(u.truncated, n < 17);
			assert_int_equal(u.payload.rem, n < 17 ? n - 8 : 9);
			assert_within(&u.payload, buf, n);
		}
		free(buf);
	}
}

/* ---- TCP ---- */

/* Linux SYN: mss 1460, sackOK, TS val 1000000 ecr 0, nop, wscale 7. */
static const uint8_t tcp_linux_syn[] = {0xc3, 0x50, 0x00, 0x16, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
                                        0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
                                        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x0f,
                                        0x42, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

/* Windows SYN: mss 1460, nop, wscale 8, nop, nop, sackOK; window 64240. */
static const uint8_t tcp_windows_syn[] = {0xc3, 0x51, 0x01, 0xbd, 0x00, 0x00, 0x10, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x80, 0x02, 0xfa, 0xf0,
                                          0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
                                          0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02};

/* SYN+ACK with mss, sackOK, TS, nop, ws and 4 bytes of payload, PSH set. */
static const uint8_t tcp_synack_data[] = {
        0x00, 0x16, 0xc3, 0x50, 0xaa, 0xbb, 0xcc, 0xdd, 0x12, 0x34, 0x56, 0x79, 0xa0, 0x1a, 0xfe,
        0x88, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00,
        0x00, 0x05, 0x00, 0x0f, 0x42, 0x40, 0x01, 0x03, 0x03, 0x07, 'S',  'S',  'H',  '-'};

static void
decode_ok(const uint8_t *p, size_t len, struct tcp_segment *t)
{
	struct cursor c = cursor_init(p, len);

	assert_true(tcp_decode(&c, t));
}

static void
test_tcp_linux_syn(void **state)
{
	static const uint8_t layout[] = {TCP_OPT_MSS, TCP_OPT_SACK_OK, TCP_OPT_TS, TCP_OPT_NOP,
	                                 TCP_OPT_WS};
	struct tcp_segment t;

	decode_ok(tcp_linux_syn, sizeof(tcp_linux_syn), &t);
	assert_int_equal(t.sport, 50000);
	assert_int_equal(t.dport, 22);
	assert_int_equal(t.seq, 0x12345678);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.doff, 10);
	assert_int_equal(t.hdr_len, 40);
	assert_int_equal(t.opt_len, 20);
	assert_int_equal(t.flags, TCP_SYN);
	assert_int_equal(t.window, 64240);
	assert_true(tcp_is_syn(&t));
	assert_false(tcp_is_synack(&t));
	assert_true(t.has_mss);
	assert_int_equal(t.mss, 1460);
	assert_true(t.sack_ok);
	assert_true(t.has_ts);
	assert_int_equal(t.tsval, 1000000);
	assert_int_equal(t.tsecr, 0);
	assert_true(t.has_ws);
	assert_int_equal(t.ws, 7);
	assert_int_equal(t.n_opts, sizeof(layout));
	assert_memory_equal(t.opt_kinds, layout, sizeof(layout));
	assert_int_equal(t.eol_pad, 0);
	assert_int_equal(t.quirks, 0);
	assert_false(t.has_payload);
}

static void
test_tcp_windows_syn(void **state)
{
	static const uint8_t layout[] = {TCP_OPT_MSS, TCP_OPT_NOP, TCP_OPT_WS,
	                                 TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK_OK};
	struct tcp_segment t;

	decode_ok(tcp_windows_syn, sizeof(tcp_windows_syn), &t);
	assert_int_equal(t.dport, 445);
	assert_int_equal(t.n_opts, sizeof(layout));
	assert_memory_equal(t.opt_kinds, layout, sizeof(layout));
	assert_int_equal(t.ws, 8);
	assert_false(t.has_ts);
	assert_int_equal(t.quirks, 0);
}

static void
test_tcp_synack_payload(void **state)
{
	struct tcp_segment t;

	decode_ok(tcp_synack_data, sizeof(tcp_synack_data), &t);
	assert_true(tcp_is_synack(&t));
	assert_false(tcp_is_syn(&t));
	assert_int_equal(t.ack, 0x12345679);
	assert_int_equal(t.tsval, 5);
	assert_int_equal(t.tsecr, 1000000);
	/* ts2+ is for initial SYNs only; PSH is pushf+. */
	assert_int_equal(t.quirks, TCP_Q_PUSHF_PLUS);
	assert_true(t.has_payload);
	assert_int_equal(t.payload.rem, 4);
	assert_memory_equal(t.payload.p, "SSH-", 4);
}

/* mss, then EOL and 3 bytes of padding: p0f "mss,eol+3"; non-zero padding is "opt+". */
static void
test_tcp_eol_padding(void **state)
{
	uint8_t buf[28];
	struct tcp_segment t;

	memcpy(buf, tcp_windows_syn, 20);
	buf[12] = 0x70;
	memcpy(buf + 20, "\x02\x04\x05\xb4\x00\x00\x00\x00", 8);
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.n_opts, 2);
	assert_int_equal(t.opt_kinds[0], TCP_OPT_MSS);
	assert_int_equal(t.opt_kinds[1], TCP_OPT_EOL);
	assert_int_equal(t.eol_pad, 3);
	assert_false(t.quirks & TCP_Q_OPT_PLUS);

	buf[27] = 0x01;
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.eol_pad, 3);
	assert_true(t.quirks & TCP_Q_OPT_PLUS);
}

/* Header-field quirks, one table row each, starting from the Windows SYN. */
static void
test_tcp_header_quirks(void **state)
{
	static const struct {
		const char *what;
		uint32_t seq, ack;
		uint16_t flags, urg;
		uint32_t want;
	} rows[] = {
	        {"seq-", 0, 0, TCP_SYN, 0, TCP_Q_SEQ_MINUS},
	        {"ack+", 1, 7, TCP_SYN, 0, TCP_Q_ACK_PLUS},
	        {"ack-", 1, 0, TCP_SYN | TCP_ACK, 0, TCP_Q_ACK_MINUS},
	        {"uptr+", 1, 0, TCP_SYN, 9, TCP_Q_UPTR_PLUS},
	        {"urgf+", 1, 0, TCP_SYN | TCP_URG, 9, TCP_Q_URGF_PLUS},
	        {"pushf+", 1, 0, TCP_SYN | TCP_PSH, 0, TCP_Q_PUSHF_PLUS},
	        {"ecn", 1, 0, TCP_SYN | TCP_ECE | TCP_CWR, 0, TCP_Q_ECN},
	        {"ecn-ae", 1, 0, TCP_SYN | TCP_AE, 0, TCP_Q_ECN},
	        {"none", 1, 0, TCP_SYN, 0, 0},
	};
	uint8_t buf[sizeof(tcp_windows_syn)];
	struct tcp_segment t;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(buf, tcp_windows_syn, sizeof(buf));
		buf[4] = (uint8_t)(rows[i].seq >> 24);
		buf[5] = (uint8_t)(rows[i].seq >> 16);
		buf[6] = (uint8_t)(rows[i].seq >> 8);
		buf[7] = (uint8_t)rows[i].seq;
		buf[8] = (uint8_t)(rows[i].ack >> 24);
		buf[9] = (uint8_t)(rows[i].ack >> 16);
		buf[10] = (uint8_t)(rows[i].ack >> 8);
		buf[11] = (uint8_t)rows[i].ack;
		buf[12] = (uint8_t)(0x80 | rows[i].flags >> 8);
		buf[13] = (uint8_t)rows[i].flags;
		buf[18] = (uint8_t)(rows[i].urg >> 8);
		buf[19] = (uint8_t)rows[i].urg;
		decode_ok(buf, sizeof(buf), &t);
		if (t.quirks != rows[i].want)
			fail_msg("%s: quirks %#x, want %#x", rows[i].what, t.quirks, rows[i].want);
		assert_int_equal(t.flags, rows[i].flags);
	}
}

/* Option-value quirks: ts1-, ts2+, exws. */
static void
test_tcp_option_quirks(void **state)
{
	uint8_t buf[sizeof(tcp_linux_syn)];
	struct tcp_segment t;

	memcpy(buf, tcp_linux_syn, sizeof(buf));
	memset(buf + 28, 0, 4); /* TSval 0 */
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.quirks, TCP_Q_TS1_MINUS);

	memcpy(buf, tcp_linux_syn, sizeof(buf));
	buf[35] = 0x01; /* TSecr 1 on an initial SYN */
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.quirks, TCP_Q_TS2_PLUS);

	memcpy(buf, tcp_linux_syn, sizeof(buf));
	buf[39] = 15; /* window scale 15 > 14 */
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.ws, 15);
	assert_int_equal(t.quirks, TCP_Q_EXWS);
}

/* Malformed options: the header is still good, the walk stops with "bad". */
static void
test_tcp_bad_options(void **state)
{
	static const struct {
		const char *what;
		uint8_t opt[8];
		uint8_t n_ok; /* options listed before the bad one */
	} rows[] = {
	        {"len 1", {0x01, 0x05, 0x01, 0x00, 0, 0, 0, 0}, 1},
	        {"len 0", {0x02, 0x00, 0x05, 0xb4, 0, 0, 0, 0}, 0},
	        {"past end", {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 0}, 2},
	        {"mss len 5", {0x02, 0x05, 0x05, 0xb4, 0x00, 0x01, 0x01, 0x01}, 0},
	        {"ws len 4", {0x03, 0x04, 0x07, 0x00, 0x01, 0x01, 0x01, 0x01}, 0},
	        {"sok len 3", {0x04, 0x03, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01}, 0},
	        {"sack len 6", {0x05, 0x06, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01}, 0},
	        {"no len byte", {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02}, 7},
	};
	uint8_t buf[28];
	struct tcp_segment t;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(buf, tcp_windows_syn, 20);
		buf[12] = 0x70;
		memcpy(buf + 20, rows[i].opt, 8);
		decode_ok(buf, sizeof(buf), &t);
		if (!(t.quirks & TCP_Q_BAD) || t.n_opts != rows[i].n_ok)
			fail_msg("%s: quirks %#x n_opts %u", rows[i].what, t.quirks, t.n_opts);
	}
}

/* Unknown kinds with a sane length are listed and skipped; SACK blocks counted. */
static void
test_tcp_unknown_and_sack(void **state)
{
	uint8_t buf[20 + 16];
	struct tcp_segment t;

	memcpy(buf, tcp_windows_syn, 20);
	buf[12] = 0x90;
	/* kind 30 (MPTCP) len 4, nop, nop, SACK with one block */
	memcpy(buf + 20, "\x1e\x04\x00\x81\x01\x01\x05\x0a\x00\x00\x00\x01\x00\x00\x00\x02", 16);
	decode_ok(buf, sizeof(buf), &t);
	assert_int_equal(t.quirks, 0);
	assert_int_equal(t.n_opts, 4);
	assert_int_equal(t.opt_kinds[0], 30);
	assert_int_equal(t.opt_kinds[3], TCP_OPT_SACK);
	assert_int_equal(t.n_sack, 1);
}

static void
test_tcp_rejects(void **state)
{
	uint8_t buf[sizeof(tcp_linux_syn)];
	struct cursor c;
	struct tcp_segment t;

	/* RFC 9293 3.1: data offset below 5. */
	memcpy(buf, tcp_linux_syn, sizeof(buf));
	buf[12] = 0x40;
	c = cursor_init(buf, sizeof(buf));
	assert_false(tcp_decode(&c, &t));

	/* Data offset past the captured bytes. */
	buf[12] = 0xf0;
	c = cursor_init(buf, sizeof(buf));
	assert_false(tcp_decode(&c, &t));
}

static void
test_tcp_truncated(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len, hdr;
	} cases[] = {{tcp_linux_syn, sizeof(tcp_linux_syn), 40},
	             {tcp_windows_syn, sizeof(tcp_windows_syn), 32},
	             {tcp_synack_data, sizeof(tcp_synack_data), 40}};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (size_t n = 0; n <= cases[k].len; n++) {
			uint8_t *buf = dup_prefix(cases[k].p, n);
			struct cursor c = cursor_init(buf, n);
			struct tcp_segment t;
			bool ok = tcp_decode(&c, &t);

			assert_int_equal(ok, n >= cases[k].hdr);
			if (ok) {
				assert_int_equal(t.payload.rem, n - cases[k].hdr);
				assert_int_equal(t.has_payload, n > cases[k].hdr);
				assert_false(t.quirks & TCP_Q_BAD);
				assert_within(&t.payload, buf, n);
				assert_within(&t.options, buf, n);
			}
			free(buf);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_udp_basic),
	        cmocka_unit_test(test_udp_length_checks),
	        cmocka_unit_test(test_udp_truncated),
	        cmocka_unit_test(test_tcp_linux_syn),
	        cmocka_unit_test(test_tcp_windows_syn),
	        cmocka_unit_test(test_tcp_synack_payload),
	        cmocka_unit_test(test_tcp_eol_padding),
	        cmocka_unit_test(test_tcp_header_quirks),
	        cmocka_unit_test(test_tcp_option_quirks),
	        cmocka_unit_test(test_tcp_bad_options),
	        cmocka_unit_test(test_tcp_unknown_and_sack),
	        cmocka_unit_test(test_tcp_rejects),
	        cmocka_unit_test(test_tcp_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
