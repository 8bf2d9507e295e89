/* test_decode_l3.c - network-layer decoders: IPv4, IPv6 extension headers, ICMPv6 echo and NDP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include "sensor/decode/icmpv6.h"
#include "sensor/decode/ipv4.h"
#include "sensor/decode/ipv6.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* Linux TCP SYN 192.168.1.10:50000 -> 192.168.1.1:22, DF, TTL 64, 60 bytes. */
static const uint8_t ip4_syn[] = {0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0xb1,
                                  0xe6, 0xc0, 0xa8, 0x01, 0x0a, 0xc0, 0xa8, 0x01, 0x01,
                                  /* TCP */
                                  0xc3, 0x50, 0x00, 0x16, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00,
                                  0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04,
                                  0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x0f, 0x42, 0x40, 0x00,
                                  0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};

/* IGMPv2 report with a Router Alert option (RFC 2113), IHL 6, ID 0, no DF, TOS ECT(0). */
static const uint8_t ip4_ra[] = {0x46, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
                                 0x00, 0xc0, 0xa8, 0x01, 0x0a, 0xe0, 0x00, 0x00, 0xfb, 0x94, 0x04,
                                 0x00, 0x00, 0x16, 0x00, 0x09, 0x04, 0xe0, 0x00, 0x00, 0xfb};

/* ---- IPv4 ---- */

static void
test_ipv4_syn(void **state)
{
	static const uint8_t src[4] = {192, 168, 1, 10}, dst[4] = {192, 168, 1, 1};
	struct cursor c = cursor_init(ip4_syn, sizeof(ip4_syn));
	struct ipv4_packet ip;

	assert_true(ipv4_decode(&c, &ip));
	assert_int_equal(ip.version, 4);
	assert_int_equal(ip.hdr_len, 20);
	assert_int_equal(ip.total_len, 60);
	assert_int_equal(ip.id, 0x1c46);
	assert_true(ip.df);
	assert_false(ip.mf);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, IP_PROTO_TCP);
	assert_memory_equal(ip.src, src, 4);
	assert_memory_equal(ip.dst, dst, 4);
	assert_int_equal(ip.opt_len, 0);
	assert_false(ip.fragment);
	assert_true(ip.has_l4);
	assert_false(ip.truncated);
	assert_int_equal(ip.quirks, IPV4_Q_DF | IPV4_Q_ID_PLUS);
	assert_int_equal(ip.payload.rem, 40);
	assert_ptr_equal(ip.payload.p, ip4_syn + 20);
}

static void
test_ipv4_options_and_quirks(void **state)
{
	struct cursor c = cursor_init(ip4_ra, sizeof(ip4_ra));
	struct ipv4_packet ip;
	uint8_t buf[sizeof(ip4_ra)];

	assert_true(ipv4_decode(&c, &ip));
	assert_int_equal(ip.ihl, 6);
	assert_int_equal(ip.opt_len, 4);
	assert_int_equal(ip.options.rem, 4);
	assert_int_equal(ip.options.p[0], 0x94);
	assert_int_equal(ip.proto, 2); /* IGMP */
	assert_int_equal(ip.quirks, IPV4_Q_ID_MINUS | IPV4_Q_ECN);
	assert_int_equal(ip.payload.rem, 8);

	/* The reserved flag is p0f "0+". */
	memcpy(buf, ip4_ra, sizeof(buf));
	buf[6] = 0x80;
	c = cursor_init(buf, sizeof(buf));
	assert_true(ipv4_decode(&c, &ip));
	assert_true(ip.rf);
	assert_true(ip.quirks & IPV4_Q_ZERO_PLUS);
}

static void
test_ipv4_fragments(void **state)
{
	uint8_t buf[sizeof(ip4_syn)];
	struct cursor c;
	struct ipv4_packet ip;

	/* First fragment: MF, offset 0: the L4 header is here. */
	memcpy(buf, ip4_syn, sizeof(buf));
	buf[6] = 0x20;
	buf[7] = 0x00;
	c = cursor_init(buf, sizeof(buf));
	assert_true(ipv4_decode(&c, &ip));
	assert_true(ip.fragment);
	assert_true(ip.mf);
	assert_true(ip.has_l4);

	/* Later fragment: offset 185 (1480 bytes), no L4 header. */
	buf[6] = 0x00;
	buf[7] = 0xb9;
	c = cursor_init(buf, sizeof(buf));
	assert_true(ipv4_decode(&c, &ip));
	assert_true(ip.fragment);
	assert_false(ip.mf);
	assert_int_equal(ip.frag_off, 185);
	assert_false(ip.has_l4);
}

/* Total length trims Ethernet padding; a short capture sets `truncated`. */
static void
test_ipv4_length(void **state)
{
	uint8_t buf[sizeof(ip4_syn) + 6];
	struct cursor c;
	struct ipv4_packet ip;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, ip4_syn, sizeof(ip4_syn));
	c = cursor_init(buf, sizeof(buf));
	assert_true(ipv4_decode(&c, &ip));
	assert_false(ip.truncated);
	assert_int_equal(ip.payload.rem, 40);

	c = cursor_init(ip4_syn, 30);
	assert_true(ipv4_decode(&c, &ip));
	assert_true(ip.truncated);
	assert_int_equal(ip.payload.rem, 10);
}

static void
test_ipv4_rejects(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
	        {0, 0x65}, /* version 6 */
	        {0, 0x44}, /* IHL 4 */
	        {0, 0x4f}, /* IHL 15: options past the 40 captured bytes */
	        {3, 0x10}, /* total length 16 < header */
	};
	uint8_t buf[sizeof(ip4_syn)];
	struct ipv4_packet ip;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cursor c;

		memcpy(buf, ip4_syn, sizeof(buf));
		buf[bad[i].off] = bad[i].val;
		/* For IHL 15 capture only 40 bytes, so the options run off the end. */
		c = cursor_init(buf, bad[i].val == 0x4f ? 40 : sizeof(buf));
		assert_false(ipv4_decode(&c, &ip));
	}
}

static void
test_ipv4_truncated(void **state)
{
	const uint8_t *pkts[] = {ip4_syn, ip4_ra};
	size_t lens[] = {sizeof(ip4_syn), sizeof(ip4_ra)};

	for (size_t k = 0; k < 2; k++) {
		size_t hdr = (size_t)(pkts[k][0] & 0x0f) * 4;

		for (size_t n = 0; n <= lens[k]; n++) {
			uint8_t *buf = dup_prefix(pkts[k], n);
			struct cursor c = cursor_init(buf, n);
			struct ipv4_packet ip;
			bool ok = ipv4_decode(&c, &ip);

			assert_int_equal(ok, n >= hdr);
			if (ok) {
				assert_int_equal(ip.truncated, n < lens[k]);
				assert_int_equal(ip.payload.rem, n - hdr);
				assert_within(&ip.payload, buf, n);
				assert_within(&ip.options, buf, n);
			}
			free(buf);
		}
	}
}

/* ---- IPv6 ---- */

/* fe80::1 -> ff02::1, flow label 0xabcde, UDP 546 -> 547, 2 bytes of padding after. */
static const uint8_t ip6_udp[] = {0x60, 0x0a, 0xbc, 0xde, 0x00, 0x08, 0x11, 0xff, 0xfe, 0x80, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                  /* UDP */
                                  0x02, 0x22, 0x02, 0x23, 0x00, 0x08, 0x00, 0x00,
                                  /* link padding */
                                  0x00, 0x00};

/* Hop-by-hop, destination options, routing, fragment (first, M set), then UDP. */
static const uint8_t ip6_chain[] = {0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x40, 0x20, 0x01,
                                    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                    /* hop-by-hop: next 60, len 0, PadN(4) */
                                    0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
                                    /* destination options: next 43 */
                                    0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
                                    /* routing: next 44, len 0, type 4, segments left 0 */
                                    0x2c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    /* fragment: next 17, offset 0, M, id 42 */
                                    0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a,
                                    /* UDP */
                                    0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};

static void
test_ipv6_basic(void **state)
{
	struct cursor c = cursor_init(ip6_udp, sizeof(ip6_udp));
	struct ipv6_packet ip;

	assert_true(ipv6_decode(&c, &ip));
	assert_int_equal(ip.version, 6);
	assert_int_equal(ip.tclass, 0);
	assert_int_equal(ip.flow, 0xabcde);
	assert_int_equal(ip.payload_len, 8);
	assert_int_equal(ip.hop_limit, 255);
	assert_int_equal(ip.src[0], 0xfe);
	assert_int_equal(ip.dst[15], 0x01);
	assert_int_equal(ip.n_ext, 0);
	assert_int_equal(ip.proto, IP_PROTO_UDP);
	assert_true(ip.has_l4);
	assert_false(ip.truncated);
	assert_false(ip.fragment);
	assert_int_equal(ip.quirks, IPV6_Q_FLOW);
	assert_int_equal(ip.payload.rem, 8); /* padding trimmed */
	assert_ptr_equal(ip.payload.p, ip6_udp + 40);
}

static void
test_ipv6_ext_chain(void **state)
{
	struct cursor c = cursor_init(ip6_chain, sizeof(ip6_chain));
	struct ipv6_packet ip;

	assert_true(ipv6_decode(&c, &ip));
	assert_int_equal(ip.n_ext, 4);
	assert_int_equal(ip.ext[0], IP_PROTO_HOPOPTS);
	assert_int_equal(ip.ext[1], IP_PROTO_DSTOPTS);
	assert_int_equal(ip.ext[2], IP_PROTO_ROUTING);
	assert_int_equal(ip.ext[3], IP_PROTO_FRAGMENT);
	assert_int_equal(ip.proto, IP_PROTO_UDP);
	assert_true(ip.fragment);
	assert_true(ip.frag_more);
	assert_int_equal(ip.frag_off, 0);
	assert_int_equal(ip.frag_id, 42);
	assert_true(ip.has_l4);
	assert_int_equal(ip.quirks, 0);
	assert_int_equal(ip.payload.rem, 8);
	assert_int_equal(ip.payload.p[0], 0x30);
}

static void
test_ipv6_later_fragment(void **state)
{
	uint8_t buf[sizeof(ip6_chain)];
	struct cursor c;
	struct ipv6_packet ip;

	memcpy(buf, ip6_chain, sizeof(buf));
	buf[64 + 2] = 0x00;
	buf[64 + 3] = 0xb8; /* offset 23, M clear: the last fragment */
	c = cursor_init(buf, sizeof(buf));
	assert_true(ipv6_decode(&c, &ip));
	assert_true(ip.fragment);
	assert_false(ip.frag_more);
	assert_int_equal(ip.frag_off, 23);
	assert_false(ip.has_l4);
	assert_int_equal(ip.proto, IP_PROTO_UDP);
	assert_int_equal(ip.payload.rem, 8);
}

/* Build 40-byte header + n destination-options headers + 8 bytes of UDP. */
static size_t
build_dstopts(uint8_t *buf, int n)
{
	size_t len = 40;

	memcpy(buf, ip6_udp, 40);
	buf[6] = IP_PROTO_DSTOPTS;
	for (int i = 0; i < n; i++) {
		static const uint8_t padn[6] = {0x01, 0x04, 0, 0, 0, 0};

		buf[len] = i == n - 1 ? IP_PROTO_UDP : IP_PROTO_DSTOPTS;
		buf[len + 1] = 0;
		memcpy(buf + len + 2, padn, sizeof(padn));
		len += 8;
	}
	memcpy(buf + len, ip6_udp + 40, 8);
	len += 8;
	buf[4] = (uint8_t)((len - 40) >> 8);
	buf[5] = (uint8_t)(len - 40);
	return len;
}

static void
test_ipv6_ext_cap(void **state)
{
	uint8_t buf[40 + 8 * 10 + 8];
	struct cursor c;
	struct ipv6_packet ip;
	size_t len;

	len = build_dstopts(buf, IPV6_MAX_EXT);
	c = cursor_init(buf, len);
	assert_true(ipv6_decode(&c, &ip));
	assert_int_equal(ip.n_ext, IPV6_MAX_EXT);
	assert_int_equal(ip.proto, IP_PROTO_UDP);
	assert_int_equal(ip.payload.rem, 8);

	len = build_dstopts(buf, IPV6_MAX_EXT + 1);
	c = cursor_init(buf, len);
	assert_false(ipv6_decode(&c, &ip));
}

static void
test_ipv6_rejects(void **state)
{
	uint8_t buf[sizeof(ip6_chain)];
	struct cursor c;
	struct ipv6_packet ip;

	/* Version 4 in an IPv6 header. */
	memcpy(buf, ip6_chain, sizeof(buf));
	buf[0] = 0x40;
	c = cursor_init(buf, sizeof(buf));
	assert_false(ipv6_decode(&c, &ip));

	/* RFC 8200 4.1: hop-by-hop after destination options. */
	memcpy(buf, ip6_chain, sizeof(buf));
	buf[48] = IP_PROTO_HOPOPTS;
	c = cursor_init(buf, sizeof(buf));
	assert_false(ipv6_decode(&c, &ip));

	/* An extension header longer than the payload length. */
	memcpy(buf, ip6_chain, sizeof(buf));
	buf[41] = 0x10; /* hop-by-hop of 136 bytes */
	c = cursor_init(buf, sizeof(buf));
	assert_false(ipv6_decode(&c, &ip));

	/* Payload length too short for the chain it announces. */
	memcpy(buf, ip6_chain, sizeof(buf));
	buf[5] = 0x0c;
	c = cursor_init(buf, sizeof(buf));
	assert_false(ipv6_decode(&c, &ip));
}

static void
test_ipv6_truncated(void **state)
{
	for (size_t n = 0; n <= sizeof(ip6_chain); n++) {
		uint8_t *buf = dup_prefix(ip6_chain, n);
		struct cursor c = cursor_init(buf, n);
		struct ipv6_packet ip;
		bool ok = ipv6_decode(&c, &ip);

		/* The fixed header and all four extension headers must be present. */
		assert_int_equal(ok, n >= 40 + 32);
		if (ok) {
			assert_int_equal(ip.truncated, n < sizeof(ip6_chain));
			assert_int_equal(ip.payload.rem, n - 72);
			assert_within(&ip.payload, buf, n);
		}
		free(buf);
	}
	for (size_t n = 0; n <= sizeof(ip6_udp); n++) {
		uint8_t *buf = dup_prefix(ip6_udp, n);
		struct cursor c = cursor_init(buf, n);
		struct ipv6_packet ip;
		bool ok = ipv6_decode(&c, &ip);

		assert_int_equal(ok, n >= 40);
		if (ok) {
			assert_int_equal(ip.truncated, n < 48);
			assert_within(&ip.payload, buf, n);
		}
		free(buf);
	}
}

/* ---- ICMPv6 ---- */

/* NS for fe80::2 from 52:54:00:12:34:56. */
static const uint8_t nd_ns[] = {0x87, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x02, 0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* Solicited, override NA for fe80::2 with target link-layer address. */
static const uint8_t nd_na[] = {0x88, 0x00, 0x12, 0x34, 0x60, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x02, 0x02, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* RS with source link-layer address. */
static const uint8_t nd_rs[] = {0x85, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00,
                                0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* RA: hop limit 64, M+O, lifetime 1800; SLL, MTU 1500, prefix 2001:db8:1::/64 L+A. */
static const uint8_t nd_ra[] = {0x86, 0x00, 0x12, 0x34, 0x40, 0xc0, 0x07, 0x08, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00,
                                /* SLL */
                                0x01, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
                                /* MTU */
                                0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
                                /* prefix information */
                                0x03, 0x04, 0x40, 0xc0, 0x00, 0x27, 0x8d, 0x00, 0x00, 0x09, 0x3a,
                                0x80, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* Echo request id 0x1234 seq 1, data "abcd". */
static const uint8_t icmp6_echo[] = {0x80, 0x00, 0x00, 0x00, 0x12, 0x34,
                                     0x00, 0x01, 0x61, 0x62, 0x63, 0x64};

static void
test_icmpv6_ns(void **state)
{
	struct cursor c = cursor_init(nd_ns, sizeof(nd_ns));
	struct icmpv6_msg m;

	assert_true(icmpv6_decode(&c, &m));
	assert_int_equal(m.type, ICMPV6_ND_NS);
	assert_true(icmpv6_is_ndp(&m));
	assert_int_equal(m.target[0], 0xfe);
	assert_int_equal(m.target[15], 0x02);
	assert_true(m.has_sll);
	assert_false(m.has_tll);
	assert_memory_equal(m.sll, mac_a, 6);
	assert_int_equal(m.n_opts, 1);
}

static void
test_icmpv6_na(void **state)
{
	struct cursor c = cursor_init(nd_na, sizeof(nd_na));
	struct icmpv6_msg m;

	assert_true(icmpv6_decode(&c, &m));
	assert_int_equal(m.type, ICMPV6_ND_NA);
	assert_int_equal(m.na_flags, ICMPV6_NA_SOLICITED | ICMPV6_NA_OVERRIDE);
	assert_true(m.has_tll);
	assert_memory_equal(m.tll, mac_a, 6);
}

static void
test_icmpv6_rs_ra(void **state)
{
	struct cursor c = cursor_init(nd_rs, sizeof(nd_rs));
	struct icmpv6_msg m;

	assert_true(icmpv6_decode(&c, &m));
	assert_int_equal(m.type, ICMPV6_ND_RS);
	assert_true(m.has_sll);

	c = cursor_init(nd_ra, sizeof(nd_ra));
	assert_true(icmpv6_decode(&c, &m));
	assert_int_equal(m.type, ICMPV6_ND_RA);
	assert_int_equal(m.ra_hop_limit, 64);
	assert_int_equal(m.ra_flags, ICMPV6_RA_MANAGED | ICMPV6_RA_OTHER);
	assert_int_equal(m.ra_router_lifetime, 1800);
	assert_true(m.has_sll);
	assert_true(m.has_mtu);
	assert_int_equal(m.mtu, 1500);
	assert_int_equal(m.n_prefix, 1);
	assert_int_equal(m.prefix[0].len, 64);
	assert_true(m.prefix[0].onlink);
	assert_true(m.prefix[0].autoconf);
	assert_int_equal(m.prefix[0].valid_lifetime, 2592000);
	assert_int_equal(m.prefix[0].preferred_lifetime, 604800);
	assert_int_equal(m.prefix[0].prefix[0], 0x20);
	assert_int_equal(m.prefix[0].prefix[5], 0x01);
	assert_int_equal(m.n_opts, 3);
}

static void
test_icmpv6_echo(void **state)
{
	struct cursor c = cursor_init(icmp6_echo, sizeof(icmp6_echo));
	struct icmpv6_msg m;

	assert_true(icmpv6_decode(&c, &m));
	assert_int_equal(m.type, ICMPV6_ECHO_REQUEST);
	assert_false(icmpv6_is_ndp(&m));
	assert_int_equal(m.echo_id, 0x1234);
	assert_int_equal(m.echo_seq, 1);
	assert_int_equal(m.body.rem, 4);
	assert_int_equal(m.body.p[0], 'a');
}

static void
test_icmpv6_nd_rejects(void **state)
{
	uint8_t buf[sizeof(nd_ra)];
	struct cursor c;
	struct icmpv6_msg m;

	/* RFC 4861 4.6: an option of length zero. */
	memcpy(buf, nd_ns, sizeof(nd_ns));
	buf[25] = 0;
	c = cursor_init(buf, sizeof(nd_ns));
	assert_false(icmpv6_decode(&c, &m));

	/* An option longer than the message. */
	buf[25] = 2;
	c = cursor_init(buf, sizeof(nd_ns));
	assert_false(icmpv6_decode(&c, &m));

	/* RFC 4861 7.1.1: multicast target. */
	memcpy(buf, nd_ns, sizeof(nd_ns));
	buf[8] = 0xff;
	c = cursor_init(buf, sizeof(nd_ns));
	assert_false(icmpv6_decode(&c, &m));

	/* RFC 4861 6.1.2: code must be 0. */
	memcpy(buf, nd_ra, sizeof(nd_ra));
	buf[1] = 1;
	c = cursor_init(buf, sizeof(nd_ra));
	assert_false(icmpv6_decode(&c, &m));

	/* RFC 4861 4.6.2: a prefix option must be length 4. */
	memcpy(buf, nd_ra, sizeof(nd_ra));
	buf[33] = 3;
	c = cursor_init(buf, sizeof(nd_ra) - 8);
	assert_false(icmpv6_decode(&c, &m));

	/* Unknown options are skipped (RFC 4861 4.6). */
	memcpy(buf, nd_ns, sizeof(nd_ns));
	buf[24] = 0x63;
	c = cursor_init(buf, sizeof(nd_ns));
	assert_true(icmpv6_decode(&c, &m));
	assert_false(m.has_sll);
	assert_int_equal(m.n_opts, 1);
}

static void
test_icmpv6_truncated(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len;
	} cases[] = {{nd_ns, sizeof(nd_ns)},
	             {nd_na, sizeof(nd_na)},
	             {nd_rs, sizeof(nd_rs)},
	             {nd_ra, sizeof(nd_ra)},
	             {icmp6_echo, sizeof(icmp6_echo)}};
	/* Prefix lengths at which each message is whole enough: after the
	 * fixed part and at option boundaries (options are all or nothing). */
	static const size_t ok_at[][5] = {{24, 32}, {24, 32}, {8, 16}, {16, 24, 32, 64}, {8}};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (size_t n = 0; n <= cases[k].len; n++) {
			uint8_t *buf = dup_prefix(cases[k].p, n);
			struct cursor c = cursor_init(buf, n);
			struct icmpv6_msg m;
			bool ok = icmpv6_decode(&c, &m), want = false;

			for (size_t j = 0; j < 5 && ok_at[k][j]; j++)
				want |= n == ok_at[k][j];
			if (cases[k].p == icmp6_echo)
				want = n >= 8;
			assert_int_equal(ok, want);
			if (ok)
				assert_within(&m.body, buf, n);
			free(buf);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ipv4_syn),
	        cmocka_unit_test(test_ipv4_options_and_quirks),
	        cmocka_unit_test(test_ipv4_fragments),
	        cmocka_unit_test(test_ipv4_length),
	        cmocka_unit_test(test_ipv4_rejects),
	        cmocka_unit_test(test_ipv4_truncated),
	        cmocka_unit_test(test_ipv6_basic),
	        cmocka_unit_test(test_ipv6_ext_chain),
	        cmocka_unit_test(test_ipv6_later_fragment),
	        cmocka_unit_test(test_ipv6_ext_cap),
	        cmocka_unit_test(test_ipv6_rejects),
	        cmocka_unit_test(test_ipv6_truncated),
	        cmocka_unit_test(test_icmpv6_ns),
	        cmocka_unit_test(test_icmpv6_na),
	        cmocka_unit_test(test_icmpv6_rs_ra),
	        cmocka_unit_test(test_icmpv6_echo),
	        cmocka_unit_test(test_icmpv6_nd_rejects),
	        cmocka_unit_test(test_icmpv6_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
