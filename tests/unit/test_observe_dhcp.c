/*
 * test_observe_dhcp.c - the observer's DHCP path: a client's parameter
 * request list (option 55) reaches the dhcp-prl rules as the text
 * dhcp_prl_format() writes (the first 255 bytes of it), whether it was seen
 * before or not, and also when it is longer than the shared value kept for
 * the host (which is cut to 255 bytes too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <cmocka.h>
#include <pcap/dlt.h>

#include "common/text.h"
#include "sensor/fingerprint/fp.h"
#include "sensor/fingerprint/rules.h"
#include "sensor/hosts.h"
#include "sensor/observe.h"

/* Codes 100..199: "100,101,...,199" is 399 bytes, longer than a shared value. */
#define LONG_PRL_N 100

static size_t
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A DHCPDISCOVER from mac (broadcast, 0.0.0.0:68 -> 255.255.255.255:67) asking for prl. */
static size_t
discover(uint8_t *f, const uint8_t mac[6], const uint8_t *prl, size_t nprl)
{
	size_t n = 0, ip, udp, o;

	memset(f, 0, 1024);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	n = 12 + put16(f + 12, 0x0800);
	ip = n;
	f[ip] = 0x45;
	f[ip + 8] = 64;
	f[ip + 9] = 17;
	memset(f + ip + 16, 0xff, 4);
	udp = ip + 20;
	put16(f + udp, 68);
	put16(f + udp + 2, 67);
	o = udp + 8;
	f[o] = 1; /* BOOTREQUEST */
	f[o + 1] = 1;
	f[o + 2] = 6;
	memcpy(f + o + 28, mac, 6); /* chaddr */
	o += 236;
	memcpy(f + o, "\x63\x82\x53\x63", 4);
	o += 4;
	f[o++] = 53;
	f[o++] = 1;
	f[o++] = 1;
	f[o++] = 55;
	f[o++] = (uint8_t)nprl;
	memcpy(f + o, prl, nprl);
	o += nprl;
	f[o++] = 255;
	put16(f + udp + 4, (unsigned)(o - udp));
	put16(f + ip + 2, (unsigned)(o - ip));
	return o;
}

/* The name of h's guess from DHCP, NULL when it has none. */
static const char *
dhcp_guess_name(const struct host *h)
{
	for (int i = 0; i < h->n_guesses; i++)
		if (h->guesses[i].src == HSRC_DHCP)
			return host_label(h->guesses[i].name);
	return NULL;
}

static void
test_prl_rules_short_long_seen_again(void **state)
{
	static const uint8_t short_prl[] = {1, 3, 6, 15};
	uint8_t long_prl[LONG_PRL_N], frame[1024];
	char rules[2048];
	size_t n = 0;
	struct fp_errors errs = {0};
	struct fp_rules *r = fp_rules_new();
	struct host_table *t = host_table_new(16);
	struct observer *o;
	struct timeval ts = {.tv_sec = 1000};

	(void)state;
	assert_non_null(r);
	assert_non_null(t);
	/*
	 * Rules see the first 255 bytes of a value: the long list up to its
	 * 64th code, "...,162,163", exactly.
	 */
	n = (size_t)snprintf(
	        rules, sizeof(rules),
	        "dhcp-prl exact \"1,3,6,15\" => family=linux name=\"Short\" confidence=40\n"
	        "dhcp-prl glob \"100,101,*,162,163\" => family=windows name=\"Long\" "
	        "confidence=50\n");
	for (int i = 0; i < LONG_PRL_N; i++)
		long_prl[i] = (uint8_t)(100 + i);
	assert_true(n < sizeof(rules));
	assert_int_equal(fp_rules_add_buf(r, "test.rules", rules, n, &errs), 0);
	assert_int_equal(fp_rules_count(r), 2);
	assert_non_null(o = observer_new(t, NULL, r));
	/* Two hosts each way: the second of each finds the list already remembered. */
	for (int i = 0; i < 4; i++) {
		uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, (uint8_t)(i + 1)};
		bool lng = i % 2 == 1;
		size_t len = lng ? discover(frame, mac, long_prl, sizeof(long_prl))
		                 : discover(frame, mac, short_prl, sizeof(short_prl));
		struct host *h;
		const char *name;

		observer_packet(o, DLT_EN10MB, &ts, frame, len);
		assert_non_null(h = host_find(t, mac));
		assert_non_null(name = dhcp_guess_name(h));
		assert_string_equal(name, lng ? "Long" : "Short");
		/* The host keeps the list as a shared value, cut when long. */
		assert_int_equal(strlen(host_shared(host_dhcp_prl(h))), lng ? TEXT_NAME_MAX : 8);
	}
	observer_free(o);
	host_table_free(t);
	fp_rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_prl_rules_short_long_seen_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
