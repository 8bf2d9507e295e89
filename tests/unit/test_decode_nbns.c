/* test_decode_nbns.c - NetBIOS name service decoder and NBSTAT query encoder (RFC 1001/1002). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/decode/nbns.h"

/* tcpdump-pcaps eapon1.pcap: broadcast name query for ARBEITSGRUPPE<1b>. */
static const uint8_t nbns_query[] = {
        0x89, 0x21, 0x01, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
        0x45, 0x42, 0x46, 0x43, 0x45, 0x43, 0x45, 0x46, 0x45, 0x4a, 0x46, 0x45, 0x46,
        0x44, 0x45, 0x48, 0x46, 0x43, 0x46, 0x46, 0x46, 0x41, 0x46, 0x41, 0x45, 0x46,
        0x43, 0x41, 0x43, 0x41, 0x42, 0x4c, 0x00, 0x00, 0x20, 0x00, 0x01,
};

/* tcpdump-pcaps eapon1.pcap: broadcast registration of DJP95S0J<00> (opcode 5). */
static const uint8_t nbns_registration[] = {
        0x89, 0x2e, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x45,
        0x45, 0x45, 0x4b, 0x46, 0x41, 0x44, 0x4a, 0x44, 0x46, 0x46, 0x44, 0x44, 0x41, 0x45,
        0x4b, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
        0x41, 0x41, 0x41, 0x00, 0x00, 0x20, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01,
        0x00, 0x04, 0x93, 0xe0, 0x00, 0x06, 0x60, 0x00, 0xa9, 0xfe, 0x43, 0xc2,
};

/* tcpdump-pcaps eapon1.pcap: registration of the group name \x01\x02__MSBROWSE__\x02<01>. */
static const uint8_t nbns_msbrowse[] = {
        0x89, 0x3e, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x41,
        0x42, 0x41, 0x43, 0x46, 0x50, 0x46, 0x50, 0x45, 0x4e, 0x46, 0x44, 0x45, 0x43, 0x46,
        0x43, 0x45, 0x50, 0x46, 0x48, 0x46, 0x44, 0x45, 0x46, 0x46, 0x50, 0x46, 0x50, 0x41,
        0x43, 0x41, 0x42, 0x00, 0x00, 0x20, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01,
        0x00, 0x04, 0x93, 0xe0, 0x00, 0x06, 0xe0, 0x00, 0xa9, 0xfe, 0x43, 0xc2,
};

/*
 * Built for this test in the layout Windows and Samba answer an NBSTAT
 * query with: WS-042<00>, CORP<00> (group), WS-042<20>, unit id
 * 52:54:00:12:34:56 and the rest of the statistics zeroed.
 */
static const uint8_t nbstat_response[] = {
        0x12, 0x34, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x43, 0x4b,
        0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
        0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
        0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65, 0x03, 0x57, 0x53, 0x2d,
        0x30, 0x34, 0x32, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x04, 0x00,
        0x43, 0x4f, 0x52, 0x50, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x00, 0x84, 0x00, 0x57, 0x53, 0x2d, 0x30, 0x34, 0x32, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x20, 0x20, 0x04, 0x00, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static bool
decode(const uint8_t *p, size_t n, struct nbns_msg *m)
{
	struct cursor c = cursor_init(p, n);

	return nbns_decode(&c, m);
}

static void
test_name_query(void **state)
{
	struct nbns_msg m;

	assert_true(decode(nbns_query, sizeof(nbns_query), &m));
	assert_int_equal(m.txid, 0x8921);
	assert_false(m.response);
	assert_int_equal(m.opcode, NBNS_OP_QUERY);
	assert_true(m.broadcast);
	assert_true(m.has_question);
	assert_int_equal(m.qname.len, 13);
	assert_memory_equal(m.qname.name, "ARBEITSGRUPPE", 13);
	assert_int_equal(m.qname.suffix, 0x1b);
	assert_int_equal(m.qname.scope_len, 0);
	assert_int_equal(m.qtype, NBNS_TYPE_NB);
	assert_int_equal(m.qclass, 1);
	assert_false(m.has_rr);
}

static void
test_registration(void **state)
{
	static const uint8_t ip[4] = {169, 254, 67, 194};
	struct nbns_msg m;

	assert_true(decode(nbns_registration, sizeof(nbns_registration), &m));
	assert_int_equal(m.opcode, NBNS_OP_REGISTRATION);
	assert_int_equal(m.arcount, 1);
	assert_memory_equal(m.qname.name, "DJP95S0J", 8);
	assert_int_equal(m.qname.len, 8);
	assert_int_equal(m.qname.suffix, 0x00);
	/* The additional record names the question through a label pointer. */
	assert_true(m.has_rr);
	assert_int_equal(m.rrname.len, 8);
	assert_memory_equal(m.rrname.name, "DJP95S0J", 8);
	assert_int_equal(m.rrtype, NBNS_TYPE_NB);
	assert_int_equal(m.ttl, 300000);
	assert_int_equal(m.nnb, 1);
	assert_false(m.nb[0].flags & NBNS_FLAG_GROUP);
	assert_memory_equal(m.nb[0].addr, ip, 4);
}

static void
test_group_name_raw_bytes(void **state)
{
	static const uint8_t name[15] = "\x01\x02__MSBROWSE__\x02";
	struct nbns_msg m;

	assert_true(decode(nbns_msbrowse, sizeof(nbns_msbrowse), &m));
	assert_int_equal(m.qname.len, 15);
	assert_memory_equal(m.qname.name, name, 15);
	assert_int_equal(m.qname.suffix, 0x01);
	assert_true(m.nb[0].flags & NBNS_FLAG_GROUP);
}

static void
test_nbstat_response(void **state)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct nbns_nbstat st;
	struct nbns_msg m;
	struct cursor c = cursor_init(nbstat_response, sizeof(nbstat_response));

	assert_true(nbns_decode_nbstat_response(&c, &st));
	assert_int_equal(st.num_names, 3);
	assert_int_equal(st.nnames, 3);
	assert_int_equal(st.names[0].len, 6);
	assert_memory_equal(st.names[0].name, "WS-042", 6);
	assert_int_equal(st.names[0].suffix, 0x00);
	assert_false(st.names[0].group);
	assert_memory_equal(st.names[1].name, "CORP", 4);
	assert_true(st.names[1].group);
	assert_int_equal(st.names[2].suffix, 0x20);
	assert_true(st.has_unit_id);
	assert_memory_equal(st.unit_id, mac, 6);
	/* Through the general decoder too. */
	assert_true(decode(nbstat_response, sizeof(nbstat_response), &m));
	assert_true(m.response);
	assert_true(m.has_nbstat);
	assert_int_equal(m.rrtype, NBNS_TYPE_NBSTAT);
	assert_int_equal(m.rrname.len, 1);
	assert_int_equal(m.rrname.name[0], '*');
}

/* Offsets in nbstat_response: header 12, name 34, type/class/ttl 8, then RDLENGTH. */
#define NBSTAT_RDLEN 54
#define NBSTAT_RDATA 56

/* Statistics absent (RDLENGTH covers only the names): the names still count. */
static void
test_nbstat_short_statistics(void **state)
{
	uint8_t buf[sizeof(nbstat_response)];
	size_t names_end = NBSTAT_RDATA + 1 + 3 * 18;
	struct nbns_nbstat st;
	struct cursor c;

	assert_int_equal(sizeof(nbstat_response), names_end + 46);
	memcpy(buf, nbstat_response, sizeof(buf));
	buf[NBSTAT_RDLEN] = 0;
	buf[NBSTAT_RDLEN + 1] = 1 + 3 * 18;
	c = cursor_init(buf, names_end);
	assert_true(nbns_decode_nbstat_response(&c, &st));
	assert_int_equal(st.nnames, 3);
	assert_false(st.has_unit_id);
	/* Statistics holding just the unit id. */
	buf[NBSTAT_RDLEN + 1] = 1 + 3 * 18 + 6;
	c = cursor_init(buf, names_end + 6);
	assert_true(nbns_decode_nbstat_response(&c, &st));
	assert_true(st.has_unit_id);
	assert_int_equal(st.unit_id[5], 0x56);
}

static void
test_nbstat_malformed(void **state)
{
	uint8_t buf[sizeof(nbstat_response)];
	struct nbns_nbstat st;
	struct cursor c;

	/* NUM_NAMES larger than the names present. */
	memcpy(buf, nbstat_response, sizeof(buf));
	buf[NBSTAT_RDATA] = 200;
	c = cursor_init(buf, sizeof(buf));
	assert_false(nbns_decode_nbstat_response(&c, &st));
	/* RDLENGTH past the end of the datagram. */
	memcpy(buf, nbstat_response, sizeof(buf));
	buf[NBSTAT_RDLEN + 1]++;
	c = cursor_init(buf, sizeof(buf));
	assert_false(nbns_decode_nbstat_response(&c, &st));
	/* A query is no NBSTAT response. */
	c = cursor_init(nbns_query, sizeof(nbns_query));
	assert_false(nbns_decode_nbstat_response(&c, &st));
}

static void
test_bad_first_level_encoding(void **state)
{
	uint8_t buf[sizeof(nbns_query)];
	struct nbns_msg m;

	memcpy(buf, nbns_query, sizeof(buf));
	buf[13] = 'Z'; /* only 'A'-'P' encode a half-octet (RFC 1001 §14.1) */
	assert_false(decode(buf, sizeof(buf), &m));
	memcpy(buf, nbns_query, sizeof(buf));
	buf[13] = 'a';
	assert_false(decode(buf, sizeof(buf), &m));
	/* A first label of 30 characters, not 32. */
	memcpy(buf, nbns_query, sizeof(buf));
	buf[12] = 30;
	buf[12 + 31] = 0;
	assert_false(decode(buf, sizeof(buf), &m));
}

/*
 * Each of the 32 characters of the first label is checked on its own: one
 * just outside 'A' to 'P' (either side, or with the high bit set) anywhere
 * fails the name; 'A' and 'P' anywhere decode to the right half-octets.
 */
static void
test_first_level_each_position(void **state)
{
	static const uint8_t bad[] = {'A' - 1, 'P' + 1, 'A' + 0x80, 'P' + 0x80,
	                              0x00,    0xff,    'a',        'p'};
	uint8_t buf[sizeof(nbns_query)];
	struct nbns_msg m;
	unsigned seed = 3;

	(void)state;
	for (size_t pos = 0; pos < 32; pos++)
		for (size_t b = 0; b < sizeof(bad); b++) {
			memcpy(buf, nbns_query, sizeof(buf));
			buf[13 + pos] = bad[b];
			assert_false(decode(buf, sizeof(buf), &m));
		}
	for (int k = 0; k < 500; k++) {
		uint8_t want[16];

		memcpy(buf, nbns_query, sizeof(buf));
		for (size_t i = 0; i < 16; i++) {
			want[i] = (uint8_t)(rand_r(&seed) >> 4);
			if (k < 32) /* the extremes: 0x00, 0x0f, 0xf0, 0xff */
				want[i] = (uint8_t)((k & 1 ? 0x0f : 0) | ((k >> 1) & 1 ? 0xf0 : 0));
			want[i] = want[i] == ' ' || want[i] == 0 ? (uint8_t)'x' : want[i];
			buf[13 + 2 * i] = (uint8_t)('A' + (want[i] >> 4));
			buf[14 + 2 * i] = (uint8_t)('A' + (want[i] & 0x0f));
		}
		assert_true(decode(buf, sizeof(buf), &m));
		assert_int_equal(m.qname.len, 15);
		assert_memory_equal(m.qname.name, want, 15);
		assert_int_equal(m.qname.suffix, want[15]);
	}
}

/*
 * A message decoded into the same struct as a longer one before it shows
 * none of the earlier one: the scope, the record, the node status.
 */
static void
test_reused_message(void **state)
{
	uint8_t buf[80];
	struct nbns_msg m;
	struct cursor c;

	(void)state;
	/* The query with the scope "scope.example" after its 32 characters. */
	memcpy(buf, nbns_query, 45);
	memcpy(buf + 45,
	       "\x05scope\x07"
	       "example",
	       14);
	buf[59] = 0;
	memcpy(buf + 60, nbns_query + 46, 4);
	assert_true(decode(buf, 64, &m));
	assert_int_equal(m.qname.scope_len, 13);
	assert_string_equal((const char *)m.qname.scope, "scope.example");
	/* A shorter scope over it: "ab". */
	memcpy(buf + 45,
	       "\x02"
	       "ab",
	       3);
	buf[48] = 0;
	memcpy(buf + 49, nbns_query + 46, 4);
	assert_true(decode(buf, 53, &m));
	assert_int_equal(m.qname.scope_len, 2);
	assert_string_equal((const char *)m.qname.scope, "ab");
	assert_true(decode(nbns_query, sizeof(nbns_query), &m));
	assert_int_equal(m.qname.scope_len, 0);
	assert_string_equal((const char *)m.qname.scope, "");
	assert_int_equal(m.qname.len, 13);
	assert_false(m.has_rr);
	/* A registration, then a node status response, then the query again. */
	assert_true(decode(nbns_registration, sizeof(nbns_registration), &m));
	assert_true(m.has_rr);
	assert_int_equal(m.nnb, 1);
	c = cursor_init(nbstat_response, sizeof(nbstat_response));
	assert_true(nbns_decode(&c, &m));
	assert_true(m.has_nbstat);
	assert_int_equal(m.nnb, 0);
	assert_true(decode(nbns_query, sizeof(nbns_query), &m));
	assert_false(m.has_rr);
	assert_false(m.has_nbstat);
	assert_int_equal(m.nbstat.nnames, 0);
	assert_int_equal(m.nnb, 0);
	assert_int_equal(m.rrname.len, 0);
	assert_string_equal((const char *)m.rrname.scope, "");
}

static void
test_encode_nbstat_query(void **state)
{
	uint8_t out[64];
	struct nbns_msg m;

	assert_int_equal(nbns_encode_nbstat_query(out, sizeof(out), 0xbeef), NBNS_NBSTAT_QUERY_LEN);
	assert_int_equal(out[0], 0xbe);
	assert_int_equal(out[1], 0xef);
	assert_memory_equal(out + 12,
	                    "\x20"
	                    "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	                    33);
	assert_true(decode(out, NBNS_NBSTAT_QUERY_LEN, &m));
	assert_false(m.response);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.qtype, NBNS_TYPE_NBSTAT);
	assert_int_equal(m.qclass, 1);
	assert_int_equal(m.qname.len, 1);
	assert_int_equal(m.qname.name[0], '*');
	assert_int_equal(m.qname.suffix, 0);
	assert_int_equal(nbns_encode_nbstat_query(out, NBNS_NBSTAT_QUERY_LEN - 1, 1), 0);
	assert_int_equal(nbns_encode_nbstat_query(NULL, 100, 1), 0);
}

static void
prefixes(const uint8_t *pkt, size_t n)
{
	struct nbns_msg m;

	for (size_t i = 0; i < n; i++) {
		uint8_t *cp = malloc(i ? i : 1);
		struct nbns_nbstat st;
		struct cursor c = cursor_init(cp, i);

		assert_non_null(cp);
		memcpy(cp, pkt, i);
		assert_false(decode(cp, i, &m));
		assert_false(nbns_decode_nbstat_response(&c, &st));
		free(cp);
	}
	assert_true(decode(pkt, n, &m));
}

static void
test_truncated(void **state)
{
	prefixes(nbns_query, sizeof(nbns_query));
	prefixes(nbns_registration, sizeof(nbns_registration));
	prefixes(nbns_msbrowse, sizeof(nbns_msbrowse));
}

/* NBSTAT prefixes: RDLENGTH covers the statistics, so every prefix is short. */
static void
test_truncated_nbstat(void **state)
{
	for (size_t i = 0; i < sizeof(nbstat_response); i++) {
		uint8_t *cp = malloc(i ? i : 1);
		struct nbns_nbstat st;
		struct cursor c = cursor_init(cp, i);

		assert_non_null(cp);
		memcpy(cp, nbstat_response, i);
		assert_false(nbns_decode_nbstat_response(&c, &st));
		free(cp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_name_query),
	        cmocka_unit_test(test_registration),
	        cmocka_unit_test(test_group_name_raw_bytes),
	        cmocka_unit_test(test_nbstat_response),
	        cmocka_unit_test(test_nbstat_short_statistics),
	        cmocka_unit_test(test_nbstat_malformed),
	        cmocka_unit_test(test_bad_first_level_encoding),
	        cmocka_unit_test(test_first_level_each_position),
	        cmocka_unit_test(test_reused_message),
	        cmocka_unit_test(test_encode_nbstat_query),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_truncated_nbstat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
