/* test_decode_dns.c - DNS/mDNS/LLMNR decoder: records, compression pointers, loops, caps, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/decode/dns.h"

/* tcpdump-pcaps dns_udp.pcap: response for www.tcpdump.org, 2/2/5 records, compressed. */
static const uint8_t dns_tcpdump_org[] = {
        0x59, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x05, 0x03, 0x77, 0x77,
        0x77, 0x07, 0x74, 0x63, 0x70, 0x64, 0x75, 0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00,
        0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
        0xc0, 0x8b, 0x2e, 0x42, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
        0x04, 0xc6, 0xc7, 0x58, 0x68, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80,
        0x00, 0x12, 0x03, 0x73, 0x6e, 0x73, 0x08, 0x63, 0x6f, 0x6f, 0x70, 0x65, 0x72, 0x69, 0x78,
        0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80,
        0x00, 0x12, 0x03, 0x6e, 0x69, 0x63, 0x09, 0x73, 0x61, 0x6e, 0x64, 0x65, 0x6c, 0x6d, 0x61,
        0x6e, 0x02, 0x63, 0x61, 0x00, 0xc0, 0x6b, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c,
        0x00, 0x04, 0xd1, 0x57, 0xf9, 0x12, 0xc0, 0x6b, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01,
        0x2c, 0x00, 0x10, 0x26, 0x07, 0xf0, 0xb0, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xba, 0xbe, 0xf0, 0x0d, 0xc0, 0x4d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20, 0x00,
        0x04, 0x61, 0x6b, 0x85, 0x0f, 0xc0, 0x4d, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20,
        0x00, 0x10, 0x26, 0x00, 0x3c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3c, 0x91, 0xff, 0xfe,
        0x96, 0xe8, 0xef, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * Built for this test in the shape macOS announces itself: PTR, SRV, TXT of
 * _device-info._tcp, A, then AAAA and HINFO as additional records, with
 * cache-flush bits and compression.
 */
static const uint8_t mdns_response[] = {
        0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x04, 0x5f, 0x73,
        0x73, 0x68, 0x04, 0x5f, 0x74, 0x63, 0x70, 0x05, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x00, 0x00,
        0x0c, 0x00, 0x01, 0x00, 0x00, 0x11, 0x94, 0x00, 0x09, 0x06, 0x53, 0x74, 0x75, 0x64, 0x69,
        0x6f, 0xc0, 0x0c, 0xc0, 0x27, 0x00, 0x21, 0x80, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x0f,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x06, 0x53, 0x74, 0x75, 0x64, 0x69, 0x6f, 0xc0, 0x16,
        0x06, 0x53, 0x74, 0x75, 0x64, 0x69, 0x6f, 0x0c, 0x5f, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65,
        0x2d, 0x69, 0x6e, 0x66, 0x6f, 0xc0, 0x11, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x11, 0x94,
        0x00, 0x33, 0x14, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x3d, 0x4d, 0x61, 0x63, 0x42, 0x6f, 0x6f,
        0x6b, 0x50, 0x72, 0x6f, 0x31, 0x38, 0x2c, 0x33, 0x0a, 0x6f, 0x73, 0x78, 0x76, 0x65, 0x72,
        0x73, 0x3d, 0x32, 0x31, 0x12, 0x65, 0x63, 0x6f, 0x6c, 0x6f, 0x72, 0x3d, 0x31, 0x35, 0x37,
        0x2c, 0x31, 0x35, 0x37, 0x2c, 0x31, 0x36, 0x30, 0xc0, 0x42, 0x00, 0x01, 0x80, 0x01, 0x00,
        0x00, 0x00, 0x78, 0x00, 0x04, 0xc0, 0xa8, 0x01, 0x14, 0xc0, 0x42, 0x00, 0x1c, 0x80, 0x01,
        0x00, 0x00, 0x00, 0x78, 0x00, 0x10, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c,
        0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0xc0, 0x42, 0x00, 0x0d, 0x80, 0x01, 0x00, 0x00,
        0x00, 0x78, 0x00, 0x0c, 0x05, 0x41, 0x52, 0x4d, 0x36, 0x34, 0x05, 0x4d, 0x41, 0x43, 0x4f,
        0x53,
};

/* Built: mDNS query, the first question with the QU bit (RFC 6762 §5.4). */
static const uint8_t mdns_query[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x5f,
        0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x73, 0x07, 0x5f, 0x64, 0x6e, 0x73, 0x2d,
        0x73, 0x64, 0x04, 0x5f, 0x75, 0x64, 0x70, 0x05, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x00,
        0x00, 0x0c, 0x80, 0x01, 0x08, 0x5f, 0x61, 0x69, 0x72, 0x70, 0x6c, 0x61, 0x79, 0x04,
        0x5f, 0x74, 0x63, 0x70, 0xc0, 0x23, 0x00, 0x0c, 0x00, 0x01,
};

/* Built: LLMNR query (RFC 4795 §2) for WS-042, type A. */
static const uint8_t llmnr_query[] = {
        0x4c, 0x1f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x06, 0x57, 0x53, 0x2d, 0x30, 0x34, 0x32, 0x00, 0x00, 0x01, 0x00, 0x01,
};

static struct dns_msg msg; /* ~20 KiB: off the stack */

static bool
decode(const uint8_t *p, size_t n, bool mdns, struct dns_msg *m)
{
	struct cursor c = cursor_init(p, n);

	return dns_decode(&c, mdns, m);
}

/* A tiny message builder for hand-made edge cases. */
struct pkt {
	uint8_t d[4096];
	size_t n;
};

static void
put(struct pkt *p, const void *b, size_t n)
{
	assert_true(p->n + n <= sizeof(p->d));
	memcpy(p->d + p->n, b, n);
	p->n += n;
}

static void
put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(p, b, 2);
}

static void
header(struct pkt *p, uint16_t qd, uint16_t an)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, 0x8400);
	put16(p, qd);
	put16(p, an);
	put16(p, 0);
	put16(p, 0);
}

static void
label(struct pkt *p, size_t len, char fill)
{
	uint8_t b[64];

	assert_true(len < 64);
	b[0] = (uint8_t)len;
	memset(b + 1, fill, len);
	put(p, b, len + 1);
}

static void
qtail(struct pkt *p)
{
	put16(p, DNS_T_A);
	put16(p, 1);
}

static void
test_unicast_response_compressed(void **state)
{
	static const uint8_t a0[4] = {192, 139, 46, 66}, a1[4] = {198, 199, 88, 104};

	assert_true(decode(dns_tcpdump_org, sizeof(dns_tcpdump_org), false, &msg));
	assert_int_equal(msg.id, 22836);
	assert_true(msg.qr);
	assert_true(msg.aa);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.nquestions, 1);
	assert_string_equal((const char *)msg.q[0].name.text, "www.tcpdump.org");
	assert_int_equal(msg.nrrs, 9);
	assert_int_equal(msg.rr[0].section, DNS_SEC_ANSWER);
	assert_int_equal(msg.rr[0].type, DNS_T_A);
	assert_memory_equal(msg.rr[0].u.a, a0, 4);
	assert_memory_equal(msg.rr[1].u.a, a1, 4);
	assert_int_equal(msg.rr[2].section, DNS_SEC_AUTHORITY);
	assert_int_equal(msg.rr[2].type, DNS_T_NS);
	assert_string_equal((const char *)msg.rr[2].name.text, "tcpdump.org");
	assert_string_equal((const char *)msg.rr[2].target.text, "sns.cooperix.net");
	assert_string_equal((const char *)msg.rr[3].target.text, "nic.sandelman.ca");
	assert_int_equal(msg.rr[5].section, DNS_SEC_ADDITIONAL);
	assert_int_equal(msg.rr[5].type, DNS_T_AAAA);
	assert_int_equal(msg.rr[8].type, DNS_T_OPT);
	assert_int_equal(msg.rr[8].rclass, 4096); /* UDP size, untouched */
	assert_int_equal(msg.rr[8].name.len, 0);  /* the root */
}

static void
test_mdns_response_records(void **state)
{
	static const uint8_t a[4] = {192, 168, 1, 20};
	const uint8_t *v;
	size_t n;

	assert_true(decode(mdns_response, sizeof(mdns_response), true, &msg));
	assert_int_equal(msg.nrrs, 6);
	/* PTR */
	assert_int_equal(msg.rr[0].type, DNS_T_PTR);
	assert_false(msg.rr[0].cache_flush);
	assert_string_equal((const char *)msg.rr[0].name.text, "_ssh._tcp.local");
	assert_string_equal((const char *)msg.rr[0].target.text, "Studio._ssh._tcp.local");
	/* SRV, cache-flush bit split off the class (RFC 6762 §10.2) */
	assert_int_equal(msg.rr[1].type, DNS_T_SRV);
	assert_true(msg.rr[1].cache_flush);
	assert_int_equal(msg.rr[1].rclass, 1);
	assert_int_equal(msg.rr[1].u.srv.priority, 0);
	assert_int_equal(msg.rr[1].u.srv.weight, 0);
	assert_int_equal(msg.rr[1].u.srv.port, 22);
	assert_string_equal((const char *)msg.rr[1].target.text, "Studio.local");
	/* TXT device info */
	assert_int_equal(msg.rr[2].type, DNS_T_TXT);
	assert_true(dns_txt_find(&msg.rr[2], "model", &v, &n));
	assert_int_equal(n, strlen("MacBookPro18,3"));
	assert_memory_equal(v, "MacBookPro18,3", n);
	assert_true(dns_txt_find(&msg.rr[2], "OSXVERS", &v, &n));
	assert_memory_equal(v, "21", 2);
	assert_false(dns_txt_find(&msg.rr[2], "osx", &v, &n));
	assert_false(dns_txt_find(&msg.rr[3], "model", &v, &n)); /* not a TXT */
	/* A, AAAA */
	assert_int_equal(msg.rr[3].type, DNS_T_A);
	assert_memory_equal(msg.rr[3].u.a, a, 4);
	assert_int_equal(msg.rr[4].section, DNS_SEC_ADDITIONAL);
	assert_int_equal(msg.rr[4].type, DNS_T_AAAA);
	assert_int_equal(msg.rr[4].u.aaaa[0], 0xfe);
	/* HINFO */
	assert_int_equal(msg.rr[5].type, DNS_T_HINFO);
	assert_int_equal(msg.rr[5].u.hinfo.cpu_len, 5);
	assert_memory_equal(msg.rr[5].u.hinfo.cpu, "ARM64", 5);
	assert_memory_equal(msg.rr[5].u.hinfo.os, "MACOS", 5);
	/* Without the mDNS flag the top class bit stays. */
	assert_true(decode(mdns_response, sizeof(mdns_response), false, &msg));
	assert_int_equal(msg.rr[1].rclass, 0x8001);
	assert_false(msg.rr[1].cache_flush);
}

static void
test_mdns_query_qu_bit(void **state)
{
	assert_true(decode(mdns_query, sizeof(mdns_query), true, &msg));
	assert_false(msg.qr);
	assert_int_equal(msg.nquestions, 2);
	assert_string_equal((const char *)msg.q[0].name.text, "_services._dns-sd._udp.local");
	assert_true(msg.q[0].unicast_response);
	assert_int_equal(msg.q[0].qclass, 1);
	assert_int_equal(msg.q[0].type, DNS_T_PTR);
	assert_false(msg.q[1].unicast_response);
	assert_string_equal((const char *)msg.q[1].name.text, "_airplay._tcp.local");
}

static void
test_llmnr_query(void **state)
{
	assert_true(decode(llmnr_query, sizeof(llmnr_query), false, &msg));
	assert_int_equal(msg.id, 0x4c1f);
	assert_int_equal(msg.nquestions, 1);
	assert_int_equal(msg.q[0].name.len, 6);
	assert_string_equal((const char *)msg.q[0].name.text, "WS-042");
	assert_int_equal(msg.nrrs, 0);
}

static void
test_pointer_to_self(void **state)
{
	static const uint8_t p[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};

	assert_false(decode(p, sizeof(p), false, &msg));
}

static void
test_pointer_forward(void **state)
{
	/* The question name points at a valid name placed after it. */
	static const uint8_t p[] = {0, 1,    0,  0, 0, 1, 0, 0, 0,   0, 0,
	                            0, 0xc0, 18, 0, 1, 0, 1, 1, 'a', 0};

	assert_false(decode(p, sizeof(p), false, &msg));
}

/* A record name whose pointer leads back to its own start: a loop. */
static void
test_pointer_loop(void **state)
{
	struct pkt p;
	size_t rr;

	header(&p, 1, 1);
	label(&p, 1, 'a');
	put(&p, "", 1);
	qtail(&p);
	rr = p.n;
	label(&p, 1, 'b');
	put16(&p, (uint16_t)(0xc000 | rr));
	put16(&p, 10); /* NULL: any rdata */
	put16(&p, 1);
	put(&p, "\0\0\0\0\0\0", 6);
	assert_false(decode(p.d, p.n, false, &msg));
	/* The same pointer aimed at the question is fine. */
	p.d[rr + 2] = 0xc0;
	p.d[rr + 3] = 12;
	assert_true(decode(p.d, p.n, false, &msg));
	assert_string_equal((const char *)msg.rr[0].name.text, "b.a");
}

/* A chain of pointers, each to the previous question: 32 hops pass, 33 do not. */
static void
test_pointer_hop_cap(void **state)
{
	struct pkt p;
	size_t prev;

	for (unsigned hops = 32; hops <= 33; hops++) {
		header(&p, (uint16_t)(hops + 1), 0);
		prev = p.n;
		label(&p, 1, 'a');
		put(&p, "", 1);
		qtail(&p);
		for (unsigned i = 0; i < hops; i++) {
			size_t here = p.n;

			put16(&p, (uint16_t)(0xc000 | prev));
			qtail(&p);
			prev = here;
		}
		if (hops == 32)
			assert_true(decode(p.d, p.n, false, &msg));
		else
			assert_false(decode(p.d, p.n, false, &msg));
	}
}

static void
test_name_length_limit(void **state)
{
	struct pkt p;
	size_t first;

	/* 3 x 63 + 61 octet labels: 255 octets with the length octets and root. */
	header(&p, 1, 0);
	label(&p, 63, 'a');
	label(&p, 63, 'b');
	label(&p, 63, 'c');
	label(&p, 61, 'd');
	put(&p, "", 1);
	qtail(&p);
	assert_true(decode(p.d, p.n, false, &msg));
	assert_int_equal(msg.q[0].name.len, 253);

	/* One octet more is over RFC 1035 §2.3.4. */
	header(&p, 1, 0);
	label(&p, 63, 'a');
	label(&p, 63, 'b');
	label(&p, 63, 'c');
	label(&p, 62, 'd');
	put(&p, "", 1);
	qtail(&p);
	assert_false(decode(p.d, p.n, false, &msg));

	/* Over the limit only through a pointer to a long suffix. */
	header(&p, 2, 0);
	first = p.n;
	label(&p, 63, 'a');
	label(&p, 63, 'b');
	label(&p, 63, 'c');
	put(&p, "", 1);
	qtail(&p);
	label(&p, 63, 'x');
	put16(&p, (uint16_t)(0xc000 | first));
	qtail(&p);
	assert_false(decode(p.d, p.n, false, &msg));
}

static void
test_reserved_label_type(void **state)
{
	static const uint8_t p[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};

	assert_false(decode(p, sizeof(p), false, &msg));
}

static void
test_record_cap(void **state)
{
	struct pkt p;
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};

	header(&p, 1, 40);
	label(&p, 4, 'h');
	put(&p, "", 1);
	qtail(&p);
	for (int i = 0; i < 40; i++)
		put(&p, rr, sizeof(rr));
	assert_true(decode(p.d, p.n, false, &msg));
	assert_int_equal(msg.nrrs, DNS_RRS_MAX);
	assert_int_equal(msg.rrs_dropped, 40 - DNS_RRS_MAX);
	assert_string_equal((const char *)msg.rr[31].name.text, "hhhh");
	/* The header promising one record more than there is. */
	p.d[7] = 41;
	assert_false(decode(p.d, p.n, false, &msg));
}

/*
 * Records are decoded in place into the message: a record that follows one
 * of a longer kind in the same slot (a PTR's target, an SRV's port, the
 * cache-flush bit) shows none of it.
 */
static void
test_record_slots_reused(void **state)
{
	struct pkt p;
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};
	static const uint8_t zero[12];

	assert_true(decode(mdns_response, sizeof(mdns_response), true, &msg));
	assert_true(msg.rr[0].target.len > 0);
	assert_int_equal(msg.rr[1].u.srv.port, 22);
	assert_true(msg.rr[1].cache_flush);
	header(&p, 1, 3);
	label(&p, 4, 'h');
	put(&p, "", 1);
	qtail(&p);
	for (int i = 0; i < 3; i++)
		put(&p, rr, sizeof(rr));
	assert_true(decode(p.d, p.n, true, &msg));
	assert_int_equal(msg.nrrs, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(msg.rr[i].type, DNS_T_A);
		assert_int_equal(msg.rr[i].section, DNS_SEC_ANSWER);
		assert_string_equal((const char *)msg.rr[i].name.text, "hhhh");
		assert_int_equal(msg.rr[i].name.len, 4);
		assert_int_equal(msg.rr[i].target.len, 0);
		assert_string_equal((const char *)msg.rr[i].target.text, "");
		assert_false(msg.rr[i].cache_flush);
		assert_memory_equal(msg.rr[i].u.aaaa + 4, zero, sizeof(zero));
		assert_int_equal(msg.rr[i].ttl, 60);
	}
}

static void
test_bad_rdata(void **state)
{
	struct pkt p;
	static const uint8_t a5[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1, 2};
	static const uint8_t txt[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 4, 5, 'a', 'b', 'c'};
	static const uint8_t ptr[] = {0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 3, 1, 'a', 0};
	static const uint8_t ptr_tail[] = {0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'a', 0, 0};
	const uint8_t *rrs[] = {a5, txt, ptr, ptr_tail};
	const size_t lens[] = {sizeof(a5), sizeof(txt), sizeof(ptr), sizeof(ptr_tail)};

	for (size_t i = 0; i < 4; i++) {
		header(&p, 1, 1);
		label(&p, 1, 'h');
		put(&p, "", 1);
		qtail(&p);
		put(&p, rrs[i], lens[i]);
		if (rrs[i] == ptr)
			assert_true(decode(p.d, p.n, false, &msg));
		else
			assert_false(decode(p.d, p.n, false, &msg));
	}
}

static void
test_flat_names(void **state)
{
	static const uint8_t full[] = {3, 'w', 's', '1', 4, 'c', 'o', 'r', 'p', 0};
	static const uint8_t part[] = {3, 'w', 's', '1'};
	static const uint8_t trail[] = {3, 'w', 's', '1', 0, 0};
	static const uint8_t ptr[] = {3, 'w', 's', '1', 0xc0, 0};
	struct dns_name n;
	struct cursor c;
	bool partial;

	c = cursor_init(full, sizeof(full));
	assert_true(dns_name_read_flat(&c, &n, &partial));
	assert_false(partial);
	assert_string_equal((const char *)n.text, "ws1.corp");
	c = cursor_init(part, sizeof(part));
	assert_true(dns_name_read_flat(&c, &n, &partial));
	assert_true(partial);
	assert_string_equal((const char *)n.text, "ws1");
	c = cursor_init(trail, sizeof(trail));
	assert_false(dns_name_read_flat(&c, &n, &partial));
	c = cursor_init(ptr, sizeof(ptr));
	assert_false(dns_name_read_flat(&c, &n, &partial));
	c = cursor_init(part, 2); /* label cut short */
	assert_false(dns_name_read_flat(&c, &n, &partial));
}

static void
test_txt_iteration(void **state)
{
	struct cursor t;
	const uint8_t *s;
	size_t n, count = 0;

	assert_true(decode(mdns_response, sizeof(mdns_response), true, &msg));
	t = cursor_init(msg.rr[2].rdata, msg.rr[2].rdlen);
	while (dns_txt_next(&t, &s, &n))
		count++;
	assert_int_equal(count, 3);
	assert_true(cursor_ok(&t));
}

/* Every prefix of a message whose header counts are not met is malformed. */
static void
prefixes(const uint8_t *pkt, size_t n, bool mdns)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *cp = malloc(i ? i : 1);

		assert_non_null(cp);
		memcpy(cp, pkt, i);
		assert_false(decode(cp, i, mdns, &msg));
		free(cp);
	}
	assert_true(decode(pkt, n, mdns, &msg));
}

static void
test_truncated(void **state)
{
	prefixes(dns_tcpdump_org, sizeof(dns_tcpdump_org), false);
	prefixes(mdns_response, sizeof(mdns_response), true);
	prefixes(mdns_query, sizeof(mdns_query), true);
	prefixes(llmnr_query, sizeof(llmnr_query), false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_unicast_response_compressed),
	        cmocka_unit_test(test_mdns_response_records),
	        cmocka_unit_test(test_mdns_query_qu_bit),
	        cmocka_unit_test(test_llmnr_query),
	        cmocka_unit_test(test_pointer_to_self),
	        cmocka_unit_test(test_pointer_forward),
	        cmocka_unit_test(test_pointer_loop),
	        cmocka_unit_test(test_pointer_hop_cap),
	        cmocka_unit_test(test_name_length_limit),
	        cmocka_unit_test(test_reserved_label_type),
	        cmocka_unit_test(test_record_cap),
	        cmocka_unit_test(test_record_slots_reused),
	        cmocka_unit_test(test_bad_rdata),
	        cmocka_unit_test(test_flat_names),
	        cmocka_unit_test(test_txt_iteration),
	        cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
