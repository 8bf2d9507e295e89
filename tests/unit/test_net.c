/* test_net.c - MAC, IP and CIDR parsing and formatting, predicates, IPv4 sweeps, interfaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/muster.h"
#include "common/net.h"

static void
test_mac_parse_good(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
	        {"aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff"},
	        {"AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"},
	        {"AA-BB-CC-DD-EE-0F", "aa:bb:cc:dd:ee:0f"},
	        {"aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"},
	        {"0050.56C0.0001", "00:50:56:c0:00:01"},
	        {"525400123456", "52:54:00:12:34:56"},
	        {"0:1:2:a:b:c", "00:01:02:0a:0b:0c"},
	        {"00:00:00:00:00:00", "00:00:00:00:00:00"},
	        {"ff-ff-ff-ff-ff-ff", "ff:ff:ff:ff:ff:ff"},
	};
	char buf[NET_MAC_STRLEN];
	struct mac m;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_mac_parse(cases[i].in, &m));
		net_mac_format(&m, buf);
		assert_string_equal(buf, cases[i].out);
	}
}

static void
test_mac_parse_bad(void **state)
{
	static const char *const cases[] = {
	        "",
	        "aa",
	        "aa:bb:cc:dd:ee",
	        "aa:bb:cc:dd:ee:ff:00",
	        "aa:bb:cc:dd:ee:ff ",
	        " aa:bb:cc:dd:ee:ff",
	        "aa:bb:cc:dd:ee:fg",
	        "aa:bb-cc:dd:ee:ff", /* mixed separators */
	        "aa:bb:cc:dd:ee:",
	        "aaa:bb:cc:dd:ee:ff",
	        "aa::cc:dd:ee:ff",
	        "aa.bb.cc.dd.ee.ff",
	        "aabb.ccdd.eefg",
	        "aabb:ccdd:eeff",
	        "aabbccddeef",
	        "aabbccddeeff0",
	        "aabbccddeeffX",
	        "aabb.ccdd.eeff.",
	        "0x:11:22:33:44:55",
	        "aa:bb:cc:dd:ee:ff\n",
	};
	struct mac m;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		memset(&m, 0x5a, sizeof(m));
		assert_false(net_mac_parse(cases[i], &m));
		assert_true(net_mac_is_zero(&m)); /* zeroed on failure */
	}
	assert_false(net_mac_parse(NULL, &m));
}

static void
test_mac_predicates(void **state)
{
	static const struct {
		const char *mac;
		bool mcast, local, zero, bcast;
	} cases[] = {
	        {"00:50:56:00:00:01", false, false, false, false},
	        {"01:00:5e:00:00:fb", true, false, false, false},
	        {"33:33:00:00:00:01", true, true, false, false},
	        {"52:54:00:12:34:56", false, true, false, false},
	        {"da:a1:19:00:00:01", false, true, false, false},
	        {"00:00:00:00:00:00", false, false, true, false},
	        {"ff:ff:ff:ff:ff:ff", true, true, false, true},
	};
	struct mac m;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_mac_parse(cases[i].mac, &m));
		assert_int_equal(net_mac_is_multicast(&m), cases[i].mcast);
		assert_int_equal(net_mac_is_local(&m), cases[i].local);
		assert_int_equal(net_mac_is_zero(&m), cases[i].zero);
		assert_int_equal(net_mac_is_broadcast(&m), cases[i].bcast);
	}
	assert_true(net_mac_parse("00:50:56:c0:00:01", &m));
	assert_true(net_mac_u64(&m) == UINT64_C(0x005056c00001));
}

static void
test_ip_parse_canonical(void **state)
{
	static const struct {
		const char *in;
		int family;
		const char *out;
	} cases[] = {
	        {"10.0.0.5", AF_INET, "10.0.0.5"},
	        {"0.0.0.0", AF_INET, "0.0.0.0"},
	        {"255.255.255.255", AF_INET, "255.255.255.255"},
	        {"2001:DB8:0:0:0:0:0:1", AF_INET6, "2001:db8::1"},
	        {"fe80:0000::0001", AF_INET6, "fe80::1"},
	        {"::", AF_INET6, "::"},
	        {"::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1"},
	        {"2001:db8:0:0:1:0:0:1", AF_INET6, "2001:db8::1:0:0:1"},
	};
	char buf[NET_IP_STRLEN];
	struct ipaddr ip;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_ip_parse(cases[i].in, &ip));
		assert_int_equal(ip.family, cases[i].family);
		net_ip_format(&ip, buf);
		assert_string_equal(buf, cases[i].out);
	}
	assert_true(net_ip_parse("192.0.2.1", &ip));
	assert_int_equal(net_ip_v4(&ip), 0xc0000201);
	for (size_t i = 4; i < sizeof(ip.a); i++)
		assert_int_equal(ip.a[i], 0);
}

static void
test_ip_parse_bad(void **state)
{
	static const char *const cases[] = {
	        "",
	        "1.2.3",
	        "1.2.3.4.5",
	        "256.1.1.1",
	        "1.2.3.4 ",
	        " 1.2.3.4",
	        "1.2.3.4x",
	        "01.2.3.4",
	        "1.2.3.-4",
	        "0x1.2.3.4",
	        "1:2:3:4:5:6:7:8:9",
	        "2001:db8:::1",
	        "fe80::1%eth0",
	        "::g",
	        "1.2.3.4/24",
	        "localhost",
	        "12345678901234567890123456789012345678901234567890123456789012345",
	};
	struct ipaddr ip;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		memset(&ip, 0x5a, sizeof(ip));
		assert_false(net_ip_parse(cases[i], &ip));
		assert_int_equal(ip.family, 0);
	}
	assert_false(net_ip_parse(NULL, &ip));
}

static void
test_ip_compare(void **state)
{
	struct ipaddr a, b, c, d;

	assert_true(net_ip_parse("10.0.0.2", &a));
	assert_true(net_ip_parse("10.0.0.10", &b));
	assert_true(net_ip_parse("::1", &c));
	assert_true(net_ip_parse("0:0::1", &d));
	assert_true(net_ip_cmp(&a, &b) < 0);
	assert_true(net_ip_cmp(&b, &a) > 0);
	assert_true(net_ip_cmp(&b, &c) < 0); /* IPv4 sorts before IPv6 */
	assert_int_equal(net_ip_cmp(&c, &d), 0);
	assert_true(net_ip_equal(&c, &d));
	assert_false(net_ip_equal(&a, &b));
	assert_true(net_ip_parse("0.0.0.1", &a));
	assert_false(net_ip_equal(&a, &c)); /* same bytes, other family */
}

static void
test_ip_predicates(void **state)
{
	static const struct {
		const char *ip;
		bool unspec, loop, mcast, ll;
	} cases[] = {
	        {"0.0.0.0", true, false, false, false},
	        {"::", true, false, false, false},
	        {"127.0.0.1", false, true, false, false},
	        {"127.255.0.9", false, true, false, false},
	        {"::1", false, true, false, false},
	        {"224.0.0.251", false, false, true, false},
	        {"239.255.255.250", false, false, true, false},
	        {"ff02::fb", false, false, true, false},
	        {"169.254.10.1", false, false, false, true},
	        {"fe80::1", false, false, false, true},
	        {"febf::1", false, false, false, true},
	        {"fec0::1", false, false, false, false},
	        {"192.0.2.1", false, false, false, false},
	        {"2001:db8::1", false, false, false, false},
	        {"::ffff:127.0.0.1", false, false, false, false},
	};
	struct ipaddr ip;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_ip_parse(cases[i].ip, &ip));
		assert_int_equal(net_ip_is_unspecified(&ip), cases[i].unspec);
		assert_int_equal(net_ip_is_loopback(&ip), cases[i].loop);
		assert_int_equal(net_ip_is_multicast(&ip), cases[i].mcast);
		assert_int_equal(net_ip_is_link_local(&ip), cases[i].ll);
	}
}

static void
test_ip_format_bad_family(void **state)
{
	struct ipaddr ip = {0};
	struct cidr c = {0};
	char buf[NET_CIDR_STRLEN] = "x";

	net_ip_format(&ip, buf);
	assert_string_equal(buf, "");
	net_cidr_format(&c, buf);
	assert_string_equal(buf, "");
	assert_false(net_ip_is_unspecified(&ip));
	assert_false(net_ip_is_loopback(&ip));
}

static void
test_cidr_parse_good(void **state)
{
	static const struct {
		const char *in;
		const char *out;
		bool host_bits;
	} cases[] = {
	        {"10.0.0.0/8", "10.0.0.0/8", false},
	        {"10.1.2.3/8", "10.0.0.0/8", true},
	        {"192.168.1.77/24", "192.168.1.0/24", true},
	        {"192.168.1.77", "192.168.1.77/32", false},
	        {"0.0.0.0/0", "0.0.0.0/0", false},
	        {"1.2.3.4/0", "0.0.0.0/0", true},
	        {"172.16.5.4/20", "172.16.0.0/20", true},
	        {"10.0.0.1/31", "10.0.0.0/31", true},
	        {"2001:db8::1/64", "2001:db8::/64", true},
	        {"2001:db8::/32", "2001:db8::/32", false},
	        {"fe80::1", "fe80::1/128", false},
	        {"::/0", "::/0", false},
	        {"2001:db8:ffff::/33", "2001:db8:8000::/33", true},
	};
	char buf[NET_CIDR_STRLEN];
	struct cidr c;
	bool hb;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_cidr_parse(cases[i].in, &c, &hb));
		net_cidr_format(&c, buf);
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(hb, cases[i].host_bits);
		assert_true(net_cidr_parse(cases[i].in, &c, NULL));
	}
}

static void
test_cidr_parse_bad(void **state)
{
	static const char *const cases[] = {
	        "",
	        "/24",
	        "10.0.0.0/",
	        "10.0.0.0/33",
	        "10.0.0.0/-1",
	        "10.0.0.0/+8",
	        "10.0.0.0/08",
	        "10.0.0.0/8x",
	        "10.0.0.0/8 ",
	        "10.0.0.0/8/8",
	        "10.0.0.0/99999999999999999999",
	        "1.2.3",
	        "1.2.3/24",
	        "::/129",
	        "::/1000",
	        "2001:db8::/64junk",
	        "10.0.0.0 /8",
	        "10.0.0.0/ 8",
	        "10.0.0.0\t/8",
	        "eth0",
	};
	struct cidr c;
	bool hb = true;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		memset(&c, 0x5a, sizeof(c));
		assert_false(net_cidr_parse(cases[i], &c, &hb));
		assert_int_equal(c.addr.family, 0);
		assert_false(hb);
	}
	assert_false(net_cidr_parse(NULL, &c, NULL));
}

static void
test_cidr_strict(void **state)
{
	struct cidr c;

	assert_true(net_cidr_parse_strict("10.0.0.0/24", &c));
	assert_int_equal(c.prefix, 24);
	assert_false(net_cidr_parse_strict("10.0.0.1/24", &c));
	assert_int_equal(c.addr.family, 0);
	assert_true(net_cidr_parse_strict("10.0.0.1", &c));
	assert_false(net_cidr_parse_strict("2001:db8::1/64", &c));
	assert_true(net_cidr_parse_strict("2001:db8::/64", &c));
}

static void
test_cidr_contains(void **state)
{
	static const struct {
		const char *cidr, *ip;
		bool in;
	} cases[] = {
	        {"10.0.0.0/8", "10.255.255.255", true},
	        {"10.0.0.0/8", "11.0.0.0", false},
	        {"10.0.0.0/8", "::ffff:10.0.0.1", false}, /* another family */
	        {"192.168.1.0/24", "192.168.1.0", true},
	        {"192.168.1.0/24", "192.168.2.1", false},
	        {"192.168.1.5/32", "192.168.1.5", true},
	        {"192.168.1.5/32", "192.168.1.4", false},
	        {"0.0.0.0/0", "203.0.113.9", true},
	        {"0.0.0.0/0", "::", false},
	        {"::/0", "2001:db8::1", true},
	        {"::/0", "1.2.3.4", false},
	        {"2001:db8::/32", "2001:db8:ffff::1", true},
	        {"2001:db8::/32", "2001:db9::1", false},
	        {"fe80::/10", "febf:ffff::1", true},
	        {"fe80::/10", "fec0::1", false},
	        {"2001:db8::/127", "2001:db8::1", true},
	        {"2001:db8::/127", "2001:db8::2", false},
	};
	struct cidr c;
	struct ipaddr ip;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_cidr_parse(cases[i].cidr, &c, NULL));
		assert_true(net_ip_parse(cases[i].ip, &ip));
		assert_int_equal(net_cidr_contains(&c, &ip), cases[i].in);
	}
	/* An interface address with host bits kept still contains its subnet. */
	c.addr.family = AF_INET;
	net_ip_set_v4(&c.addr, 0x0a000105);
	c.prefix = 24;
	assert_true(net_ip_parse("10.0.1.200", &ip));
	assert_true(net_cidr_contains(&c, &ip));
	c.prefix = 33; /* invalid prefix contains nothing */
	assert_false(net_cidr_contains(&c, &ip));
}

static void
test_cidr_v4_hosts(void **state)
{
	static const struct {
		const char *cidr;
		uint64_t hosts;
		const char *first, *last;
	} cases[] = {
	        {"192.168.1.0/24", 254, "192.168.1.1", "192.168.1.254"},
	        {"10.0.0.0/30", 2, "10.0.0.1", "10.0.0.2"},
	        {"10.0.0.0/31", 2, "10.0.0.0", "10.0.0.1"},
	        {"10.0.0.7/32", 1, "10.0.0.7", "10.0.0.7"},
	        {"10.0.0.0/16", 65534, "10.0.0.1", "10.0.255.254"},
	        {"0.0.0.0/0", UINT64_C(4294967294), "0.0.0.1", "255.255.255.254"},
	};
	char buf[NET_IP_STRLEN];
	struct cidr c;
	struct ipaddr ip;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		assert_true(net_cidr_parse(cases[i].cidr, &c, NULL));
		assert_true(net_cidr_v4_hosts(&c) == cases[i].hosts);
		assert_true(net_cidr_v4_first(&c, &ip));
		net_ip_format(&ip, buf);
		assert_string_equal(buf, cases[i].first);
		assert_true(net_cidr_v4_last(&c, &ip));
		net_ip_format(&ip, buf);
		assert_string_equal(buf, cases[i].last);
	}
	assert_true(net_cidr_parse("2001:db8::/64", &c, NULL));
	assert_true(net_cidr_v4_hosts(&c) == 0);
	assert_false(net_cidr_v4_first(&c, &ip));
	assert_false(net_cidr_v4_last(&c, &ip));
}

static void
test_cidr_v4_iterate(void **state)
{
	struct cidr c;
	struct ipaddr ip, prev;
	uint64_t n = 0;
	bool ok;

	assert_true(net_cidr_parse("172.16.3.9/22", &c, NULL));
	for (ok = net_cidr_v4_first(&c, &ip); ok; ok = net_cidr_v4_next(&c, &ip)) {
		assert_true(net_cidr_contains(&c, &ip));
		if (n > 0)
			assert_int_equal(net_ip_v4(&ip), net_ip_v4(&prev) + 1);
		prev = ip;
		n++;
	}
	assert_true(n == net_cidr_v4_hosts(&c));
	assert_int_equal(n, 1022);
	assert_int_equal(net_ip_v4(&ip), 0xac1003fe); /* stays on the last host */

	/* /32: exactly one; next from outside the block fails. */
	assert_true(net_cidr_parse("10.9.9.9/32", &c, NULL));
	assert_true(net_cidr_v4_first(&c, &ip));
	assert_false(net_cidr_v4_next(&c, &ip));
	net_ip_set_v4(&ip, 0x0a090908);
	assert_false(net_cidr_v4_next(&c, &ip));
	assert_true(net_ip_parse("::1", &ip));
	assert_false(net_cidr_v4_next(&c, &ip));

	/* Near the top of the address space nothing wraps. */
	assert_true(net_cidr_parse("255.255.255.252/30", &c, NULL));
	n = 0;
	for (ok = net_cidr_v4_first(&c, &ip); ok; ok = net_cidr_v4_next(&c, &ip))
		n++;
	assert_int_equal(n, 2);
	net_ip_set_v4(&ip, 0xffffffff);
	assert_false(net_cidr_v4_next(&c, &ip));
}

static void
test_cidr_normalize(void **state)
{
	struct cidr c;
	char buf[NET_CIDR_STRLEN];

	assert_true(net_cidr_parse("10.0.0.5", &c, NULL));
	c.prefix = 29;
	assert_true(net_cidr_normalize(&c));
	net_cidr_format(&c, buf);
	assert_string_equal(buf, "10.0.0.0/29");
	assert_false(net_cidr_normalize(&c));
}

static void
test_iface_loopback(void **state)
{
	struct net_iface ifc;
	struct ipaddr v4lo;
	bool found = false;

	assert_int_equal(net_iface_addrs("lo", &ifc), 0);
	assert_string_equal(ifc.name, "lo");
	assert_true(ifc.ifindex > 0);
	assert_true(ifc.mtu > 0);
	assert_true(ifc.flags & IFF_LOOPBACK);
	assert_true(ifc.naddrs <= NET_IFACE_MAX_ADDRS);
	assert_true(net_ip_parse("127.0.0.1", &v4lo));
	for (size_t i = 0; i < ifc.naddrs; i++) {
		struct cidr net = ifc.addrs[i];

		if (net_ip_equal(&ifc.addrs[i].addr, &v4lo)) {
			found = true;
			assert_int_equal(ifc.addrs[i].prefix, 8);
		}
		net_cidr_normalize(&net);
		assert_true(net_cidr_contains(&net, &ifc.addrs[i].addr));
	}
	if (ifc.naddrs > 0 && !found)
		print_message("lo has addresses but not 127.0.0.1 in this namespace\n");
	if (ifc.has_mac)
		assert_true(net_mac_is_zero(&ifc.mac));
}

static void
test_iface_bad_names(void **state)
{
	struct net_iface ifc;

	assert_int_equal(net_iface_addrs(NULL, &ifc), MUSTER_EINVAL);
	assert_int_equal(net_iface_addrs("", &ifc), MUSTER_EINVAL);
	assert_int_equal(net_iface_addrs("a-name-far-too-long-for-linux", &ifc), MUSTER_EINVAL);
	assert_int_equal(net_iface_addrs("nosuchif0", &ifc), MUSTER_ENOENT);
	assert_int_equal(ifc.naddrs, 0);
}

/* The one rule for URLs that carry a token: https anywhere, http to loopback only. */
static void
test_url_secret_ok(void **state)
{
	static const char *const ok[][2] = {
	        {"https", "muster.example"}, {"https", "10.0.0.5"}, {"HTTPS", "[fd00::1]"},
	        {"http", "127.0.0.1"},       {"http", "127.9.8.7"}, {"http", "[::1]"},
	        {"http", "localhost"},       {"http", "LocalHost"},
	};
	static const char *const plain[][2] = {
	        {"http", "10.0.0.5"},
	        {"http", "[fd00::1]"},
	        {"http", "128.0.0.1"},
	        {"http", "localhost.example.com"},
	        {"http", "127.0.0.1.example.com"},
	        {"http", "[::1"},
	        {"http", "[0000:0000:0000:0000:0000:0000:0000:0001:0000:0000]"},
	        {"http", ""},
	};
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(net_url_secret_ok(ok[i][0], ok[i][1], "t", err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		assert_int_equal(net_url_secret_ok(plain[i][0], plain[i][1], "t", err, sizeof(err)),
		                 MUSTER_EINVAL);
		assert_non_null(strstr(err, "t: plain http:// only to a loopback"));
	}
	assert_int_equal(net_url_secret_ok("ftp", "127.0.0.1", "t", err, sizeof(err)),
	                 MUSTER_EINVAL);
	assert_string_equal(err, "t: the URL must be https://");
	assert_int_equal(net_url_secret_ok("", "127.0.0.1", "t", err, sizeof(err)), MUSTER_EINVAL);
	assert_string_equal(err, "t: the URL must be https://");
	assert_int_equal(net_url_secret_ok("httpx", "localhost", "t", err, sizeof(err)),
	                 MUSTER_EINVAL);
	assert_string_equal(err, "t: the URL must be https://");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mac_parse_good),  cmocka_unit_test(test_mac_parse_bad),
	        cmocka_unit_test(test_mac_predicates),  cmocka_unit_test(test_ip_parse_canonical),
	        cmocka_unit_test(test_ip_parse_bad),    cmocka_unit_test(test_ip_compare),
	        cmocka_unit_test(test_ip_predicates),   cmocka_unit_test(test_ip_format_bad_family),
	        cmocka_unit_test(test_cidr_parse_good), cmocka_unit_test(test_cidr_parse_bad),
	        cmocka_unit_test(test_cidr_strict),     cmocka_unit_test(test_cidr_contains),
	        cmocka_unit_test(test_cidr_v4_hosts),   cmocka_unit_test(test_cidr_v4_iterate),
	        cmocka_unit_test(test_cidr_normalize),  cmocka_unit_test(test_iface_loopback),
	        cmocka_unit_test(test_iface_bad_names), cmocka_unit_test(test_url_secret_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
