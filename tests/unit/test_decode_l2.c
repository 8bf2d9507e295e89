/* test_decode_l2.c - link layer: Ethernet II, 802.1Q/QinQ, LLC/SNAP, Linux SLL/SLL2, ARP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include "sensor/decode/arp.h"
#include "sensor/decode/ether.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Broadcast ARP who-has 192.168.1.1 tell 192.168.1.10, padded to 60 bytes. */
static const uint8_t frame_arp[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        /* ARP */
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0,
        0xa8, 0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01,
        /* padding */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

/* 802.1Q VID 100, PCP 5, carrying IPv4. */
static const uint8_t frame_vlan[] = {0x00, 0x1b, 0x2b, 0xaa, 0xbb, 0xcc, 0x52, 0x54,
                                     0x00, 0x12, 0x34, 0x56, 0x81, 0x00, 0xa0, 0x64,
                                     0x08, 0x00, 0x45, 0x00, 0x00, 0x14};

/* QinQ: 802.1ad S-tag VID 10, then C-tag VID 20, carrying IPv6. */
static const uint8_t frame_qinq[] = {0x00, 0x1b, 0x2b, 0xaa, 0xbb, 0xcc, 0x52, 0x54, 0x00,
                                     0x12, 0x34, 0x56, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00,
                                     0x00, 0x14, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00};

/* CDP: 802.3 length 16, LLC aa aa 03, SNAP 00:00:0c/0x2000, 8 bytes of CDP, 10 bytes padding. */
static const uint8_t frame_cdp[] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0x00, 0x1b, 0x2b, 0xaa,
                                    0xbb, 0xcc, 0x00, 0x10, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c,
                                    0x20, 0x00,
                                    /* CDP v2, ttl 180, checksum, Device-ID TLV with no value */
                                    0x02, 0xb4, 0x12, 0x34, 0x00, 0x01, 0x00, 0x04,
                                    /* padding */
                                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

/* STP BPDU: 802.3 length 7, LLC 42 42 03 (no SNAP). */
static const uint8_t frame_stp[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x00,
                                    0x1b, 0x2b, 0xaa, 0xbb, 0xcc, 0x00, 0x07,
                                    0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00};

/* RFC 1042: SNAP with OUI 00:00:00 encapsulating IPv4. */
static const uint8_t frame_rfc1042[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00,
                                        0x12, 0x34, 0x56, 0x00, 0x0c, 0xaa, 0xaa, 0x03, 0x00,
                                        0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x14};

/* LLDP to the nearest-bridge group address: Chassis ID TLV start. */
static const uint8_t frame_lldp[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x52, 0x54,
                                     0x00, 0x12, 0x34, 0x56, 0x88, 0xcc, 0x02, 0x07,
                                     0x04, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* Linux cooked v1: to us (0), ARPHRD_ETHER, 6-byte address, IPv4. */
static const uint8_t frame_sll[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x52, 0x54, 0x00, 0x12,
                                    0x34, 0x56, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x14};

/* Linux cooked v2: IPv6, ifindex 2, ARPHRD_ETHER, outgoing (4), 6-byte address. */
static const uint8_t frame_sll2[] = {0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                     0x00, 0x01, 0x04, 0x06, 0x52, 0x54, 0x00, 0x12,
                                     0x34, 0x56, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00};

static void
test_ether_ii(void **state)
{
	struct cursor c = cursor_init(frame_arp, sizeof(frame_arp));
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_int_equal(f.link, ETHER_LINK_EN10MB);
	assert_true(f.has_dst && f.has_src);
	assert_memory_equal(f.dst, mac_bcast, 6);
	assert_memory_equal(f.src, mac_a, 6);
	assert_true(ether_mac_is_broadcast(f.dst));
	assert_true(ether_mac_is_multicast(f.dst));
	assert_false(ether_mac_is_multicast(f.src));
	assert_int_equal(f.nvlan, 0);
	assert_int_equal(f.ethertype, ETHER_TYPE_ARP);
	assert_false(f.is_8023);
	assert_int_equal(f.payload.rem, sizeof(frame_arp) - 14);
	assert_ptr_equal(f.payload.p, frame_arp + 14);
	assert_int_equal(c.rem, sizeof(frame_arp)); /* input not advanced */
}

static void
test_ether_vlan(void **state)
{
	struct cursor c = cursor_init(frame_vlan, sizeof(frame_vlan));
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_int_equal(f.nvlan, 1);
	assert_int_equal(f.vlan_tpid[0], ETHER_TYPE_VLAN);
	assert_int_equal(f.vlan_id[0], 100);
	assert_int_equal(f.vlan_pcp[0], 5);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV4);
	assert_int_equal(f.payload.rem, 4);
	assert_int_equal(f.payload.p[0], 0x45);
}

static void
test_ether_qinq(void **state)
{
	struct cursor c = cursor_init(frame_qinq, sizeof(frame_qinq));
	uint8_t buf[64];
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_int_equal(f.nvlan, 2);
	assert_int_equal(f.vlan_tpid[0], ETHER_TYPE_QINQ);
	assert_int_equal(f.vlan_id[0], 10);
	assert_int_equal(f.vlan_tpid[1], ETHER_TYPE_VLAN);
	assert_int_equal(f.vlan_id[1], 20);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV6);

	/* The pre-standard 0x9100 S-tag is a tag too. */
	memcpy(buf, frame_qinq, sizeof(frame_qinq));
	buf[12] = 0x91;
	buf[13] = 0x00;
	c = cursor_init(buf, sizeof(frame_qinq));
	assert_true(ether_decode(&c, &f));
	assert_int_equal(f.vlan_tpid[0], ETHER_TYPE_QINQ_OLD);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV6);
}

/* Four tags decode; a fifth makes the frame malformed. */
static void
test_ether_vlan_cap(void **state)
{
	uint8_t buf[64];
	size_t n = 12;
	struct cursor c;
	struct ether_frame f;

	memcpy(buf, frame_vlan, 12);
	for (int i = 0; i < ETHER_MAX_VLAN; i++) {
		buf[n++] = 0x81;
		buf[n++] = 0x00;
		buf[n++] = 0x00;
		buf[n++] = (uint8_t)(i + 1);
	}
	buf[n++] = 0x08;
	buf[n++] = 0x00;
	c = cursor_init(buf, n);
	assert_true(ether_decode(&c, &f));
	assert_int_equal(f.nvlan, ETHER_MAX_VLAN);
	assert_int_equal(f.vlan_id[3], 4);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV4);

	/* Turn the final type into a fifth tag. */
	buf[n - 2] = 0x81;
	buf[n - 1] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = 0x05;
	buf[n++] = 0x08;
	buf[n++] = 0x00;
	c = cursor_init(buf, n);
	assert_false(ether_decode(&c, &f));
}

static void
test_ether_cdp_snap(void **state)
{
	struct cursor c = cursor_init(frame_cdp, sizeof(frame_cdp));
	static const uint8_t cisco[3] = {0x00, 0x00, 0x0c};
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_true(f.is_8023);
	assert_int_equal(f.length_8023, 16);
	assert_true(f.has_llc);
	assert_int_equal(f.llc_dsap, 0xaa);
	assert_int_equal(f.llc_ssap, 0xaa);
	assert_int_equal(f.llc_control, 0x03);
	assert_true(f.has_snap);
	assert_memory_equal(f.snap_oui, cisco, 3);
	assert_int_equal(f.snap_type, 0x2000);
	assert_int_equal(f.ethertype, 0);
	assert_true(ether_is_cdp(&f));
	assert_false(ether_is_lldp(&f));
	assert_false(f.truncated);
	/* Padding after the 802.3 length is not payload. */
	assert_int_equal(f.payload.rem, 8);
	assert_int_equal(f.payload.p[0], 0x02);
}

static void
test_ether_llc_stp(void **state)
{
	struct cursor c = cursor_init(frame_stp, sizeof(frame_stp));
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_true(f.is_8023);
	assert_true(f.has_llc);
	assert_false(f.has_snap);
	assert_int_equal(f.llc_dsap, 0x42);
	assert_false(ether_is_cdp(&f));
	assert_int_equal(f.payload.rem, 4);
}

static void
test_ether_rfc1042(void **state)
{
	struct cursor c = cursor_init(frame_rfc1042, sizeof(frame_rfc1042));
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_true(f.has_snap);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV4);
	assert_int_equal(f.payload.rem, 4);
	assert_int_equal(f.payload.p[0], 0x45);
}

static void
test_ether_lldp(void **state)
{
	struct cursor c = cursor_init(frame_lldp, sizeof(frame_lldp));
	struct ether_frame f;

	assert_true(ether_decode(&c, &f));
	assert_true(ether_is_lldp(&f));
	assert_false(ether_is_cdp(&f));
	assert_int_equal(f.payload.rem, 9);
}

/* 1501..1535 is neither length nor type; a length beyond the capture is truncation. */
static void
test_ether_length_field(void **state)
{
	uint8_t buf[sizeof(frame_cdp)];
	struct cursor c;
	struct ether_frame f;

	memcpy(buf, frame_cdp, sizeof(buf));
	buf[12] = 0x05;
	buf[13] = 0xff; /* 1535 */
	c = cursor_init(buf, sizeof(buf));
	assert_false(ether_decode(&c, &f));

	buf[12] = 0x05;
	buf[13] = 0xdc; /* 1500: longer than what was captured */
	c = cursor_init(buf, sizeof(buf));
	assert_true(ether_decode(&c, &f));
	assert_true(f.truncated);
	assert_true(ether_is_cdp(&f));
	assert_int_equal(f.payload.rem, sizeof(buf) - 22);
}

static void
test_ether_sll(void **state)
{
	struct cursor c = cursor_init(frame_sll, sizeof(frame_sll));
	struct ether_frame f;

	assert_true(ether_decode_sll(&c, &f));
	assert_int_equal(f.link, ETHER_LINK_SLL);
	assert_false(f.has_dst);
	assert_true(f.has_src);
	assert_memory_equal(f.src, mac_a, 6);
	assert_int_equal(f.sll_pkttype, ETHER_SLL_HOST);
	assert_int_equal(f.sll_hatype, ETHER_ARPHRD_ETHER);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV4);
	assert_int_equal(f.payload.rem, 4);
}

static void
test_ether_sll_llc_and_vlan(void **state)
{
	uint8_t buf[64];
	struct cursor c;
	struct ether_frame f;

	/* Protocol 0x0004 (Linux ETH_P_802_2): an LLC header follows. */
	memcpy(buf, frame_sll, 14);
	buf[14] = 0x00;
	buf[15] = 0x04;
	memcpy(buf + 16, frame_cdp + 14, 16);
	c = cursor_init(buf, 32);
	assert_true(ether_decode_sll(&c, &f));
	assert_true(ether_is_cdp(&f));
	assert_int_equal(f.payload.rem, 8);

	/* Protocol 0x8100: the VLAN tag was not stripped by the kernel. */
	buf[14] = 0x81;
	buf[15] = 0x00;
	buf[16] = 0x00;
	buf[17] = 0x2a;
	buf[18] = 0x08;
	buf[19] = 0x06;
	c = cursor_init(buf, 20);
	assert_true(ether_decode_sll(&c, &f));
	assert_int_equal(f.nvlan, 1);
	assert_int_equal(f.vlan_id[0], 42);
	assert_int_equal(f.ethertype, ETHER_TYPE_ARP);
}

static void
test_ether_sll2(void **state)
{
	struct cursor c = cursor_init(frame_sll2, sizeof(frame_sll2));
	struct ether_frame f;

	assert_true(ether_decode_sll2(&c, &f));
	assert_int_equal(f.link, ETHER_LINK_SLL2);
	assert_int_equal(f.sll_ifindex, 2);
	assert_int_equal(f.sll_pkttype, ETHER_SLL_OUTGOING);
	assert_true(f.has_src);
	assert_memory_equal(f.src, mac_a, 6);
	assert_int_equal(f.ethertype, ETHER_TYPE_IPV6);
	assert_int_equal(f.payload.rem, 4);
	assert_int_equal(f.payload.p[0], 0x60);
}

/* Every prefix of each frame: clean failure, or success with a bounded payload. */
static void
test_ether_truncated(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len;
		size_t min_ok; /* shortest prefix that decodes */
	} cases[] = {
	        {frame_arp, sizeof(frame_arp), 14},   {frame_vlan, sizeof(frame_vlan), 18},
	        {frame_qinq, sizeof(frame_qinq), 22}, {frame_cdp, sizeof(frame_cdp), 22},
	        {frame_stp, sizeof(frame_stp), 17},   {frame_lldp, sizeof(frame_lldp), 14},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t n = 0; n <= cases[i].len; n++) {
			uint8_t *buf = dup_prefix(cases[i].p, n);
			struct cursor c = cursor_init(buf, n);
			struct ether_frame f;
			bool ok = ether_decode(&c, &f);

			assert_int_equal(ok, n >= cases[i].min_ok);
			if (ok)
				assert_within(&f.payload, buf, n);
			/* An 802.3 frame cut inside its length says so. */
			if (ok && f.is_8023)
				assert_int_equal(f.truncated, n < 14 + (size_t)f.length_8023);
			free(buf);
		}
	}
}

static void
test_ether_sll_truncated(void **state)
{
	for (size_t n = 0; n <= sizeof(frame_sll); n++) {
		uint8_t *buf = dup_prefix(frame_sll, n);
		struct cursor c = cursor_init(buf, n);
		struct ether_frame f;
		bool ok = ether_decode_sll(&c, &f);

		assert_int_equal(ok, n >= 16);
		if (ok)
			assert_within(&f.payload, buf, n);
		free(buf);
	}
	for (size_t n = 0; n <= sizeof(frame_sll2); n++) {
		uint8_t *buf = dup_prefix(frame_sll2, n);
		struct cursor c = cursor_init(buf, n);
		struct ether_frame f;
		bool ok = ether_decode_sll2(&c, &f);

		assert_int_equal(ok, n >= 20);
		if (ok)
			assert_within(&f.payload, buf, n);
		free(buf);
	}
}

/* ---- ARP ---- */

static const uint8_t *
arp_of(const uint8_t *frame)
{
	return frame + 14;
}

static void
test_arp_request(void **state)
{
	static const uint8_t spa[4] = {192, 168, 1, 10}, tpa[4] = {192, 168, 1, 1};
	struct cursor c = cursor_init(arp_of(frame_arp), sizeof(frame_arp) - 14);
	struct arp_packet a;

	assert_true(arp_decode(&c, &a));
	assert_int_equal(a.op, ARP_OP_REQUEST);
	assert_memory_equal(a.sha, mac_a, 6);
	assert_memory_equal(a.spa, spa, 4);
	assert_memory_equal(a.tpa, tpa, 4);
	assert_true(arp_is_request(&a));
	assert_false(arp_is_reply(&a));
	assert_false(arp_is_gratuitous(&a));
	assert_false(arp_is_probe(&a));
	assert_false(arp_is_announcement(&a));
}

/* 192.168.1.1 is-at 00:1b:2b:aa:bb:cc, unpadded. */
static const uint8_t arp_reply[] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x00, 0x1b,
                                    0x2b, 0xaa, 0xbb, 0xcc, 0xc0, 0xa8, 0x01, 0x01, 0x52, 0x54,
                                    0x00, 0x12, 0x34, 0x56, 0xc0, 0xa8, 0x01, 0x0a};

static void
test_arp_reply(void **state)
{
	struct cursor c = cursor_init(arp_reply, sizeof(arp_reply));
	struct arp_packet a;

	assert_true(arp_decode(&c, &a));
	assert_true(arp_is_reply(&a));
	assert_memory_equal(a.tha, mac_a, 6);
	assert_false(arp_is_gratuitous(&a));
}

/* RFC 5227 probe: sender IP 0.0.0.0, target the candidate address. */
static void
test_arp_probe(void **state)
{
	uint8_t buf[ARP_LEN];
	struct cursor c;
	struct arp_packet a;

	memcpy(buf, arp_of(frame_arp), ARP_LEN);
	memset(buf + 14, 0, 4);
	c = cursor_init(buf, sizeof(buf));
	assert_true(arp_decode(&c, &a));
	assert_true(arp_is_probe(&a));
	assert_false(arp_is_gratuitous(&a));
	assert_false(arp_is_announcement(&a));
}

/* RFC 5227 announcement: a request with sender IP == target IP. */
static void
test_arp_announcement(void **state)
{
	uint8_t buf[ARP_LEN];
	struct cursor c;
	struct arp_packet a;

	memcpy(buf, arp_of(frame_arp), ARP_LEN);
	memcpy(buf + 24, buf + 14, 4);
	c = cursor_init(buf, sizeof(buf));
	assert_true(arp_decode(&c, &a));
	assert_true(arp_is_gratuitous(&a));
	assert_true(arp_is_announcement(&a));
	assert_false(arp_is_probe(&a));

	/* A gratuitous reply is gratuitous but no announcement. */
	buf[7] = ARP_OP_REPLY;
	c = cursor_init(buf, sizeof(buf));
	assert_true(arp_decode(&c, &a));
	assert_true(arp_is_gratuitous(&a));
	assert_false(arp_is_announcement(&a));
}

/* Anything but Ethernet/IPv4 with 6/4-byte addresses is rejected. */
static void
test_arp_rejects_other_forms(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {{1, 0x06}, {2, 0x86}, {4, 0x08}, {5, 0x10}};
	uint8_t buf[ARP_LEN];
	struct arp_packet a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cursor c;

		memcpy(buf, arp_reply, ARP_LEN);
		buf[bad[i].off] = bad[i].val;
		c = cursor_init(buf, sizeof(buf));
		assert_false(arp_decode(&c, &a));
	}
}

static void
test_arp_truncated(void **state)
{
	for (size_t n = 0; n <= sizeof(arp_reply); n++) {
		uint8_t *buf = dup_prefix(arp_reply, n);
		struct cursor c = cursor_init(buf, n);
		struct arp_packet a;

		assert_int_equal(arp_decode(&c, &a), n == ARP_LEN);
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ether_ii),
	        cmocka_unit_test(test_ether_vlan),
	        cmocka_unit_test(test_ether_qinq),
	        cmocka_unit_test(test_ether_vlan_cap),
	        cmocka_unit_test(test_ether_cdp_snap),
	        cmocka_unit_test(test_ether_llc_stp),
	        cmocka_unit_test(test_ether_rfc1042),
	        cmocka_unit_test(test_ether_lldp),
	        cmocka_unit_test(test_ether_length_field),
	        cmocka_unit_test(test_ether_sll),
	        cmocka_unit_test(test_ether_sll_llc_and_vlan),
	        cmocka_unit_test(test_ether_sll2),
	        cmocka_unit_test(test_ether_truncated),
	        cmocka_unit_test(test_ether_sll_truncated),
	        cmocka_unit_test(test_arp_request),
	        cmocka_unit_test(test_arp_reply),
	        cmocka_unit_test(test_arp_probe),
	        cmocka_unit_test(test_arp_announcement),
	        cmocka_unit_test(test_arp_rejects_other_forms),
	        cmocka_unit_test(test_arp_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
