/* test_active_policy.c - the active policy: allow/deny precedence, MAC prefixes, rate limiter, rescan, config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/muster.h"
#include "sensor/active.h"
#include "sensor/hosts.h"

/* A policy from [active] text; asserts it loads. */
static struct active_policy *
policy_from(const char *text)
{
	struct active_policy *p = malloc(sizeof(*p));
	struct config *c = config_new(active_config_keys, active_config_nkeys);
	char err[256];

	assert_non_null(p);
	assert_non_null(c);
	assert_int_equal(config_load_string(c, "test", text, strlen(text)), 0);
	assert_int_equal(active_policy_from_config(c, p, err, sizeof(err)), 0);
	config_free(c);
	return p;
}

static bool
v4_ok(const struct active_policy *p, const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return active_v4_allowed(p, a.s_addr);
}

static bool
ip_ok(const struct active_policy *p, const char *s)
{
	struct ipaddr ip;

	assert_true(net_ip_parse(s, &ip));
	return active_ip_allowed(p, &ip);
}

static bool
mac_ok(const struct active_policy *p, const char *s)
{
	struct mac m;

	assert_true(net_mac_parse(s, &m));
	return active_mac_allowed(p, m.b);
}

static void
test_defaults(void **state)
{
	struct active_policy p;
	struct active_policy *q = policy_from("[active]\n");
	static const uint16_t want[] = {22, 80, 135, 139, 443, 445, 3389, 5985};

	(void)state;
	active_policy_defaults(&p);
	assert_false(p.enabled);
	assert_false(p.sweep);
	assert_true(p.ipv6 && p.udp);
	assert_int_equal(p.rate_pps, 500);
	assert_int_equal(p.rescan_ms, 6 * 3600 * 1000);
	assert_int_equal(p.sweep_min_prefix, 16);
	assert_int_equal(p.nports, MUSTER_NELEM(want));
	assert_memory_equal(p.ports, want, sizeof(want));
	assert_false(active_policy_filters(&p));
	/* An empty [active] section gives the same policy. */
	assert_memory_equal(q, &p, sizeof(p));
	/* No filters: everything passes. */
	assert_true(v4_ok(&p, "10.1.2.3"));
	assert_true(ip_ok(&p, "fd00::1"));
	assert_true(mac_ok(&p, "00:50:56:01:02:03"));
	free(q);
}

/* The most specific entry decides; a tie goes to deny; no match is allowed only without allow entries. */
static void
test_ip_precedence(void **state)
{
	struct active_policy *p = policy_from("[active]\n"
	                                      "allow = 10.0.0.0/8, 10.1.2.0/24\n"
	                                      "deny = 10.1.0.0/16, 10.9.9.9\n");

	(void)state;
	assert_true(active_policy_filters(p));
	assert_true(v4_ok(p, "10.2.3.4"));     /* /8 allow */
	assert_false(v4_ok(p, "10.1.5.5"));    /* /16 deny beats /8 allow */
	assert_true(v4_ok(p, "10.1.2.3"));     /* /24 allow beats /16 deny */
	assert_false(v4_ok(p, "10.9.9.9"));    /* /32 deny */
	assert_true(v4_ok(p, "10.9.9.8"));     /* its neighbour */
	assert_false(v4_ok(p, "192.168.1.1")); /* no match, and an allow list exists */
	assert_false(ip_ok(p, "fd00::1"));     /* the same for another family */
	free(p);

	/* Tie: deny wins. */
	p = policy_from("[active]\nallow = 10.0.0.0/8\ndeny = 10.0.0.0/8\n");
	assert_false(v4_ok(p, "10.0.0.1"));
	free(p);

	/* Deny list only: the rest is allowed. */
	p = policy_from("[active]\ndeny = 192.168.0.0/16, fd00::/8\n");
	assert_false(v4_ok(p, "192.168.3.4"));
	assert_true(v4_ok(p, "192.169.0.1"));
	assert_true(v4_ok(p, "10.0.0.1"));
	assert_false(ip_ok(p, "fd12::1"));
	assert_true(ip_ok(p, "fe80::1"));
	free(p);

	/* IPv6 allow entries. */
	p = policy_from("[active]\nallow = fd00:6d75::/64\n");
	assert_true(ip_ok(p, "fd00:6d75::a"));
	assert_false(ip_ok(p, "fd00:6d76::a"));
	assert_false(v4_ok(p, "198.18.0.10"));
	free(p);

	/* /0 and odd prefixes. */
	p = policy_from("[active]\nallow = 0.0.0.0/0\ndeny = 198.18.0.0/15\n");
	assert_true(v4_ok(p, "8.8.8.8"));
	assert_false(v4_ok(p, "198.19.255.255"));
	assert_true(v4_ok(p, "198.20.0.0"));
	free(p);
}

static void
test_mac_parse(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		uint8_t bits;
		uint8_t b[6];
	} cases[] = {
	        {"00:50:56", true, 24, {0x00, 0x50, 0x56}},
	        {"00-50-56", true, 24, {0x00, 0x50, 0x56}},
	        {"005056", true, 24, {0x00, 0x50, 0x56}},
	        {"0050.56", true, 24, {0x00, 0x50, 0x56}},
	        {"AA:bb:Cc", true, 24, {0xaa, 0xbb, 0xcc}},
	        {"70:b3:d5:4", true, 28, {0x70, 0xb3, 0xd5, 0x40}},
	        {"70:b3:d5:4f/28", true, 28, {0x70, 0xb3, 0xd5, 0x40}},
	        {"02:6d:75:01:00:05", true, 48, {0x02, 0x6d, 0x75, 0x01, 0x00, 0x05}},
	        {"02/7", true, 7, {0x02}},
	        {"03/7", true, 7, {0x02}},
	        {"0", true, 4, {0}},
	        {"", false, 0, {0}},
	        {"zz", false, 0, {0}},
	        {":00", false, 0, {0}},
	        {"00:", false, 0, {0}},
	        {"00::50", false, 0, {0}},
	        {"00:50-56", false, 0, {0}},
	        {"0050565600001", false, 0, {0}},
	        {"00:50/0", false, 0, {0}},
	        {"00:50/", false, 0, {0}},
	        {"00:50/017", false, 0, {0}},
	        {"00:50/17", false, 0, {0}},
	        {"00:50/-1", false, 0, {0}},
	        {"00 50", false, 0, {0}},
	};
	struct active_mac_prefix m;

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		bool ok = active_mac_prefix_parse(cases[i].s, &m);
		if (ok != cases[i].ok)
			fail_msg("'%s': parse %d, want %d", cases[i].s, ok, cases[i].ok);
		if (ok) {
			assert_int_equal(m.bits, cases[i].bits);
			assert_memory_equal(m.b, cases[i].b, 6);
		}
	}
	assert_false(active_mac_prefix_parse(NULL, &m));
}

static void
test_mac_lists(void **state)
{
	struct active_mac_prefix l[4];
	size_t n = 99;
	const char *why = NULL;
	struct active_policy *p;

	(void)state;
	assert_int_equal(active_mac_list_parse("00:50:56, 00-1b-21 001122", l, 4, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_int_equal(active_mac_list_parse("", l, 4, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(active_mac_list_parse("00:50:56,zz", l, 4, &n, &why), MUSTER_EINVAL);
	assert_non_null(why);
	assert_int_equal(active_mac_list_parse("1,2,3,4,5", l, 4, &n, &why), MUSTER_EINVAL);

	/* The longer prefix decides. */
	p = policy_from("[active]\nallow_mac = 00:50:56\ndeny_mac = 00:50:56:aa\n");
	assert_true(mac_ok(p, "00:50:56:01:02:03"));
	assert_false(mac_ok(p, "00:50:56:aa:02:03"));
	assert_false(mac_ok(p, "11:22:33:44:55:66")); /* an allow list exists */
	free(p);
	/* A tie goes to deny; deny alone lets the rest through. */
	p = policy_from("[active]\nallow_mac = 00:50:56\ndeny_mac = 00-50-56\n");
	assert_false(mac_ok(p, "00:50:56:01:02:03"));
	free(p);
	p = policy_from("[active]\ndeny_mac = 02:6d:75:01:00:05, 08:00:27\n");
	assert_false(mac_ok(p, "02:6d:75:01:00:05"));
	assert_true(mac_ok(p, "02:6d:75:01:00:06"));
	assert_false(mac_ok(p, "08:00:27:aa:bb:cc"));
	assert_true(mac_ok(p, "52:54:00:aa:bb:cc"));
	free(p);
	/* A sub-byte prefix: the locally administered bit alone. */
	p = policy_from("[active]\ndeny_mac = 02/7\n");
	assert_false(mac_ok(p, "02:00:00:00:00:01"));
	assert_false(mac_ok(p, "03:00:00:00:00:01"));
	assert_true(mac_ok(p, "00:00:00:00:00:01"));
	free(p);
}

static void
host_with(struct host *h, const char *mac, const char *a, const char *b)
{
	struct mac m;
	struct in_addr x;

	memset(h, 0, sizeof(*h));
	assert_true(net_mac_parse(mac, &m));
	memcpy(h->mac, m.b, 6);
	if (a) {
		assert_int_equal(inet_pton(AF_INET, a, &x), 1);
		h->v4[h->n_v4++] = x.s_addr;
	}
	if (b) {
		assert_int_equal(inet_pton(AF_INET, b, &x), 1);
		h->v4[h->n_v4++] = x.s_addr;
	}
}

/* A host is reported when its MAC passes, no address is denied, and (with allow entries) one is allowed. */
static void
test_host_allowed(void **state)
{
	struct active_policy *p = policy_from("[active]\nallow = 10.0.0.0/8\n"
	                                      "deny = 10.66.0.0/16\ndeny_mac = 08:00:27\n");
	struct host h;
	uint8_t v6[1][16] = {{0xfd, 0x00, [15] = 1}};

	(void)state;
	host_with(&h, "52:54:00:00:00:01", "10.1.2.3", NULL);
	assert_true(active_host_allowed(p, &h));
	host_with(&h, "52:54:00:00:00:01", "10.1.2.3", "169.254.7.7"); /* one unlisted: fine */
	assert_true(active_host_allowed(p, &h));
	host_with(&h, "52:54:00:00:00:01", "10.1.2.3", "10.66.1.1"); /* one denied: out */
	assert_false(active_host_allowed(p, &h));
	host_with(&h, "52:54:00:00:00:01", "192.168.1.1", NULL); /* none allowed */
	assert_false(active_host_allowed(p, &h));
	host_with(&h, "52:54:00:00:00:01", NULL, NULL); /* no address yet */
	assert_false(active_host_allowed(p, &h));
	host_with(&h, "08:00:27:00:00:01", "10.1.2.3", NULL); /* MAC denied */
	assert_false(active_host_allowed(p, &h));
	free(p);

	/* Deny entries only: a host with no address is reported, a denied IPv6 is not. */
	p = policy_from("[active]\ndeny = fd00::/8\n");
	host_with(&h, "52:54:00:00:00:01", NULL, NULL);
	assert_true(active_host_allowed(p, &h));
	{
		/* IPv6 addresses live in the host's block: made through a table. */
		struct host_table *t = host_table_new(4);
		struct host *hv;
		assert_non_null(t);
		hv = host_touch(t, h.mac, 1, HSRC_NDP);
		assert_non_null(hv);
		assert_true(host_add_v6(t, hv, v6[0]));
		assert_false(active_host_allowed(p, hv));
		host_table_free(t);
	}
	free(p);
}

static void
test_rescan(void **state)
{
	struct active_policy *p = policy_from("[active]\nrescan = 6h\n");
	time_t t0 = 1800000000;

	(void)state;
	assert_true(active_rescan_due(p, 0, t0));
	assert_false(active_rescan_due(p, t0, t0));
	assert_false(active_rescan_due(p, t0, t0 + 6 * 3600 - 1));
	assert_true(active_rescan_due(p, t0, t0 + 6 * 3600));
	assert_true(active_rescan_due(p, t0, t0 + 7 * 3600));
	/* The clock stepped back a little: not due; a lot (beyond the interval): due. */
	assert_false(active_rescan_due(p, t0, t0 - 60));
	assert_true(active_rescan_due(p, t0, t0 - 6 * 3600 - 1));
	free(p);
	p = policy_from("[active]\nrescan = 90s\n");
	assert_false(active_rescan_due(p, t0, t0 + 89));
	assert_true(active_rescan_due(p, t0, t0 + 90));
	free(p);
}

static void
test_bucket(void **state)
{
	struct active_bucket b;

	(void)state;
	active_bucket_init(&b, 10, 2, 100.0);
	assert_true(active_bucket_take(&b, 100.0, 1));
	assert_true(active_bucket_take(&b, 100.0, 1));
	assert_false(active_bucket_take(&b, 100.0, 1)); /* burst spent */
	assert_true(active_bucket_wait(&b, 100.0, 1) > 0.099);
	assert_true(active_bucket_wait(&b, 100.0, 1) < 0.101);
	assert_false(active_bucket_take(&b, 100.05, 1));
	assert_true(active_bucket_take(&b, 100.1, 1));
	assert_false(active_bucket_take(&b, 100.1, 3)); /* more than the burst: never at once */
	/* Idle time saves up only the burst. */
	assert_true(active_bucket_take(&b, 1000.0, 2));
	assert_false(active_bucket_take(&b, 1000.0, 1));
	assert_true(active_bucket_wait(&b, 1000.0, 0) == 0);
	/* A clock that does not move gives nothing; one going back gives nothing either. */
	assert_false(active_bucket_take(&b, 999.0, 1));

	/* Over a simulated second at 1 ms steps, 500 pps sends 500 (+ the burst). */
	unsigned sent = 0;
	active_bucket_init(&b, 500, 5, 0.0);
	for (int ms = 0; ms < 1000; ms++)
		while (active_bucket_take(&b, ms / 1000.0, 1))
			sent++;
	assert_in_range(sent, 499, 506);
	/* And at 20000 pps the same. */
	sent = 0;
	active_bucket_init(&b, 20000, 200, 0.0);
	for (int ms = 0; ms < 1000; ms++)
		while (active_bucket_take(&b, ms / 1000.0, 1))
			sent++;
	assert_in_range(sent, 19980, 20200);
}

static void
test_config(void **state)
{
	static const char text[] = "[active]\n"
	                           "enabled = yes\n"
	                           "sweep = on\n"
	                           "ports = 22, 445, 8000-8002\n"
	                           "rate = 2000\n"
	                           "host_concurrency = 2\n"
	                           "max_connections = 64\n"
	                           "arp_retries = 0\n"
	                           "arp_timeout = 250ms\n"
	                           "probe_timeout = 2s\n"
	                           "rescan = 1h\n"
	                           "ipv6 = no\n";
	struct active_policy *p = policy_from(text);
	struct config *c;
	struct active_policy q;
	char err[256] = "";

	(void)state;
	assert_true(p->enabled && p->sweep && !p->ipv6 && p->udp);
	assert_int_equal(p->nports, 5);
	assert_int_equal(p->ports[2], 8000);
	assert_int_equal(p->ports[4], 8002);
	assert_int_equal(p->rate_pps, 2000);
	assert_int_equal(p->host_conc, 2);
	assert_int_equal(p->max_inflight, 64);
	assert_int_equal(p->arp_retries, 0);
	assert_int_equal(p->arp_timeout_ms, 250);
	assert_int_equal(p->probe_timeout_ms, 2000);
	assert_int_equal(p->rescan_ms, 3600 * 1000);
	free(p);

	p = policy_from("[active]\nports = none\n");
	assert_int_equal(p->nports, 0);
	free(p);

	/* A flag overrides the file. */
	c = config_new(active_config_keys, active_config_nkeys);
	assert_int_equal(config_load_string(c, "t", text, strlen(text)), 0);
	assert_int_equal(config_set(c, "--rate", "active", "rate", "50"), 0);
	assert_int_equal(active_policy_from_config(c, &q, err, sizeof(err)), 0);
	assert_int_equal(q.rate_pps, 50);
	config_free(c);

	/* Bad values are errors. */
	static const char *const bad[] = {
	        "[active]\nrate = 0\n",
	        "[active]\nrate = fast\n",
	        "[active]\nports = 0\n",
	        "[active]\nallow = 10.0.0.0/33\n",
	        "[active]\ndeny_mac = 00:zz\n",
	        "[active]\nrescan = 10ms\n",
	        "[active]\nsweep_min_prefix = 4\n",
	        "[active]\nnosuchkey = 1\n",
	        "[active]\nports = 1-100\n",
	};
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		int r;
		c = config_new(active_config_keys, active_config_nkeys);
		r = config_load_string(c, "t", bad[i], strlen(bad[i]));
		if (r == 0 && active_policy_from_config(c, &q, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
		config_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_ip_precedence),
	        cmocka_unit_test(test_mac_parse),    cmocka_unit_test(test_mac_lists),
	        cmocka_unit_test(test_host_allowed), cmocka_unit_test(test_rescan),
	        cmocka_unit_test(test_bucket),       cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
