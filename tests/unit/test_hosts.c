/* test_hosts.c - the sensor's host table: keys, caps, LRU eviction, hooks, labels. */
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

#include "common/hostrec.h"
#include "common/net.h"
#include "common/oui.h"
#include "common/text.h"
#include "sensor/hosts.h"
#include "sensor/output.h"

static void
mac_of(uint32_t i, uint8_t m[6])
{
	m[0] = 0x00;
	m[1] = 0x16;
	m[2] = (uint8_t)(i >> 24);
	m[3] = (uint8_t)(i >> 16);
	m[4] = (uint8_t)(i >> 8);
	m[5] = (uint8_t)i;
}

static int evicted;

static int
count_evict(const struct host *h, void *arg)
{
	evicted++;
	return 0;
}

static void
test_not_hosts(void **state)
{
	struct host_table *t = host_table_new(16);
	const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	const uint8_t zero[6] = {0};

	assert_null(host_touch(t, bcast, 1, HSRC_ARP));
	assert_null(host_touch(t, mcast, 1, HSRC_ARP));
	assert_null(host_touch(t, zero, 1, HSRC_ARP));
	assert_int_equal(host_table_count(t), 0);
	host_table_free(t);
	host_table_free(NULL);
}

/* Fill far past the cap: the least recently seen go, every survivor is findable. */
static void
test_lru_eviction_keeps_index_consistent(void **state)
{
	struct host_table *t = host_table_new(100);
	uint8_t m[6];

	evicted = 0;
	host_table_set_hooks(t, count_evict, NULL, NULL);
	for (uint32_t i = 0; i < 5000; i++) {
		mac_of(i, m);
		assert_non_null(host_touch(t, m, (time_t)i, HSRC_ARP));
		/* Keep host 7 fresh: it must never be evicted. */
		mac_of(7, m);
		if (i >= 7)
			assert_non_null(host_touch(t, m, (time_t)i, HSRC_ARP));
	}
	assert_int_equal(host_table_count(t), 100);
	assert_int_equal(host_table_evictions(t), 4900);
	assert_int_equal(evicted, 4900);
	mac_of(7, m);
	assert_non_null(host_find(t, m));
	for (uint32_t i = 4901; i < 5000; i++) {
		mac_of(i, m);
		assert_non_null(host_find(t, m));
	}
	for (uint32_t i = 0; i < 4900; i++) {
		if (i == 7)
			continue;
		mac_of(i, m);
		assert_null(host_find(t, m));
	}
	host_table_free(t);
}

static void
test_addresses_capped_newest_kept(void **state)
{
	struct host_table *t = host_table_new(16);
	uint8_t m[6];
	struct host *h;

	mac_of(1, m);
	h = host_touch(t, m, 1, HSRC_ARP);
	for (uint32_t i = 1; i <= HOST_MAX_V4 + 3; i++)
		host_add_v4(t, h, htonl(0xc6120000u + i));
	assert_int_equal(h->n_v4, HOST_MAX_V4);
	assert_int_equal(ntohl(h->v4[HOST_MAX_V4 - 1]), 0xc6120000u + HOST_MAX_V4 + 3);
	assert_false(host_add_v4(t, h, htonl(0xc6120000u + HOST_MAX_V4 + 3))); /* duplicate */
	assert_false(host_add_v4(t, h, htonl(0x7f000001)));                    /* loopback */
	assert_false(host_add_v4(t, h, htonl(0xe00000fb)));                    /* multicast */
	host_table_free(t);
}

static void
test_names_sanitized_deduplicated(void **state)
{
	struct host_table *t = host_table_new(16);
	uint8_t m[6];
	struct host *h;
	const char hostile[] = "evil\x1b[31m\nname";

	mac_of(2, m);
	h = host_touch(t, m, 1, HSRC_DHCP);
	assert_true(host_add_name(t, h, "ws-042", 6, HSRC_DHCP));
	assert_false(host_add_name(t, h, "WS-042", 6, HSRC_DHCP));
	assert_false(host_add_name(t, h, "ws-042.", 7, HSRC_DHCP));
	assert_true(host_add_name(t, h, "ws-042", 6, HSRC_NETBIOS));
	assert_true(host_add_name(t, h, hostile, sizeof(hostile) - 1, HSRC_MDNS));
	assert_string_equal(h->names[2].name, "evil\\x1b[31m\\x0aname");
	assert_false(host_add_name(t, h, "", 0, HSRC_MDNS));
	for (int i = 0; i < 20; i++) {
		char n[16];
		snprintf(n, sizeof(n), "name%d", i);
		host_add_name(t, h, n, strlen(n), HSRC_LLMNR);
	}
	assert_int_equal(h->n_names, HOST_MAX_NAMES);
	host_table_free(t);
}

static void
test_guesses_interned_and_combined(void **state)
{
	struct host_table *t = host_table_new(16);
	uint8_t m[6];
	struct host *h;
	struct hostrec r = {0};
	uint64_t before;

	mac_of(3, m);
	h = host_touch(t, m, 1, HSRC_DHCP);
	assert_true(host_add_guess(t, h, "windows", "Windows 10", NULL, 60, HSRC_DHCP));
	before = host_table_changes(t);
	assert_false(host_add_guess(t, h, "windows", "Windows 10", NULL, 60, HSRC_DHCP));
	assert_int_equal(host_table_changes(t), before);
	assert_true(host_add_guess(t, h, "windows", NULL, NULL, 40, HSRC_P0F));
	assert_int_equal(h->n_guesses, 2);
	assert_int_equal(host_intern("windows"), h->guesses[0].family);
	assert_string_equal(host_label(h->guesses[0].name), "Windows 10");
	assert_int_equal(host_intern(NULL), 0);
	assert_null(host_label(0));
	assert_int_equal(host_to_hostrec(h, NULL, &r), 0);
	assert_string_equal(r.os.family, "windows");
	assert_string_equal(r.os.name, "Windows 10");
	assert_true(r.os.confidence >= 60);
	assert_string_equal(r.mac, "00:16:00:00:00:03");
	hostrec_clear(&r);
	host_table_free(t);
}

/* What goes out as a record comes back in through the restore path unchanged. */
static void
test_hostrec_round_trip(void **state)
{
	struct host_table *t = host_table_new(16);
	uint8_t m[6];
	struct host *h, *h2;
	struct hostrec r = {0}, r2 = {0};
	char *a, *b;

	mac_of(4, m);
	h = host_touch(t, m, 100, HSRC_MDNS);
	host_add_v4(t, h, htonl(0xc6120005));
	host_add_name(t, h, "nas.local", 9, HSRC_MDNS);
	host_add_service(t, h, IPPROTO_TCP, 22, "SSH-2.0-OpenSSH_9.2p1", "ssh");
	host_add_guess(t, h, "linux", "Linux", NULL, 30, HSRC_MDNS);
	host_set_dhcp_prl(t, h, host_shared_id("1,3,6", 5, false));
	assert_int_equal(host_to_hostrec(h, NULL, &r), 0);
	a = hostrec_to_json_string(&r);

	mac_of(5, m);
	h2 = host_touch(t, m, 100, HSRC_MDNS);
	assert_int_equal(host_merge_hostrec(t, h2, &r), 0);
	assert_int_equal(host_to_hostrec(h2, NULL, &r2), 0);
	memcpy(r2.mac, r.mac, sizeof(r2.mac));
	b = hostrec_to_json_string(&r2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	hostrec_clear(&r);
	hostrec_clear(&r2);
	host_table_free(t);
}

static int
visit_order(struct host *h, void *arg)
{
	uint32_t *v = arg;

	v[++v[0]] = h->mac[5];
	return 0;
}

/*
 * Visiting goes most recently seen first; a host seen again within the same
 * second keeps its place; eviction takes the least recently seen.
 */
static void
test_recency_order(void **state)
{
	struct host_table *t = host_table_new(4);
	uint32_t v[8] = {0};
	uint8_t m[6];

	for (uint32_t i = 1; i <= 4; i++) {
		mac_of(i, m);
		host_touch(t, m, 10 + i, HSRC_ARP);
	}
	mac_of(2, m);
	host_touch(t, m, 20, HSRC_ARP); /* 2 to the front */
	mac_of(4, m);
	host_touch(t, m, 14, HSRC_ARP); /* same second as before: stays */
	host_table_foreach(t, visit_order, v);
	assert_int_equal(v[0], 4);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 4);
	assert_int_equal(v[3], 3);
	assert_int_equal(v[4], 1);
	mac_of(5, m);
	host_touch(t, m, 21, HSRC_ARP); /* evicts 1, the least recent */
	mac_of(1, m);
	assert_null(host_find(t, m));
	memset(v, 0, sizeof(v));
	host_table_foreach(t, visit_order, v);
	assert_int_equal(v[0], 4);
	assert_int_equal(v[1], 5);
	assert_int_equal(v[4], 3);
	host_table_free(t);
}

/* A full name list: the oldest name of the same source makes room, the others stay in order. */
static void
test_names_full_replace_oldest(void **state)
{
	struct host_table *t = host_table_new(16);
	uint8_t m[6];
	struct host *h;
	char n[32];

	mac_of(6, m);
	h = host_touch(t, m, 1, HSRC_DHCP);
	assert_true(host_add_name(t, h, "first-dhcp", 10, HSRC_DHCP));
	for (int i = 1; i < HOST_MAX_NAMES; i++) {
		snprintf(n, sizeof(n), "mdns-%d.local", i);
		assert_true(host_add_name(t, h, n, strlen(n), HSRC_MDNS));
	}
	assert_int_equal(h->n_names, HOST_MAX_NAMES);
	/* No name of this source to drop: refused. */
	assert_false(host_add_name(t, h, "nb", 2, HSRC_NETBIOS));
	assert_true(host_add_name(t, h, "second-dhcp", 11, HSRC_DHCP));
	assert_int_equal(h->n_names, HOST_MAX_NAMES);
	assert_string_equal(h->names[0].name, "mdns-1.local");
	assert_string_equal(h->names[HOST_MAX_NAMES - 2].name, "mdns-7.local");
	assert_string_equal(h->names[HOST_MAX_NAMES - 1].name, "second-dhcp");
	assert_int_equal(h->names[HOST_MAX_NAMES - 1].src, HSRC_DHCP);
	host_table_free(t);
}

/* The table line of a host, made from its summary and from its host record. */
static void
table_lines(const struct host *h, const struct oui_db *oui, char **from_summary, char **from_record)
{
	struct host_summary s;
	struct hostrec r = {0};
	struct output o;
	size_t len;
	FILE *f;

	assert_non_null(f = open_memstream(from_summary, &len));
	output_begin(&o, f, OUTPUT_TABLE);
	host_summarize(h, oui, &s);
	assert_int_equal(output_summary(&o, &s), 0);
	fclose(f);
	assert_non_null(f = open_memstream(from_record, &len));
	output_begin(&o, f, OUTPUT_TABLE);
	assert_int_equal(host_to_hostrec(h, oui, &r), 0);
	assert_int_equal(output_host(&o, &r), 0);
	fclose(f);
	hostrec_clear(&r);
}

/*
 * The table shows a host as its host record would show it, whatever the
 * text: long names, backslashes, escapes, UTF-8, names differing in case,
 * vendors that need escaping, guesses that combine.
 */
static void
test_summary_matches_record(void **state)
{
	static const char csv[] = "Registry,Assignment,Organization Name,Organization Address\n"
	                          "MA-L,001600,Plain Vendor Inc,x\n"
	                          "MA-L,001601,Back\\slash Vendor with a name far too long for the "
	                          "column,x\n"
	                          "MA-L,001602,Caf\xc3\xa9 \xff Corp,x\n";
	static const char *const names[] = {
	        "ws-042",      "WS-042",        "back\\slash",    "esc\x1b[1m",
	        "caf\xc3\xa9", "\xff\xfe",      "dup.local",      "DUP.local",
	        "x",           "host.example.", "a,b \"quoted\"", "trailing.",
	};
	static const char *const fams[] = {"windows", "linux", "android", "macos", "bsd", NULL};
	struct host_table *t = host_table_new(256);
	char err[128], longname[400], *a, *b;
	struct oui_db *oui = oui_load_buffer(csv, sizeof(csv) - 1, err, sizeof(err));
	unsigned seed = 7;

	assert_non_null(oui);
	memset(longname, 'n', sizeof(longname));
	memset(longname + 200, 0x5c, 6); /* backslashes that double past the cap */
	for (uint32_t i = 0; i < 200; i++) {
		uint8_t m[6] = {0x00, 0x16, (uint8_t)(i % 3), 0, (uint8_t)(i >> 8), (uint8_t)i};
		struct host *h;
		if (i % 7 == 3)
			m[0] = 0x02; /* locally administered */
		h = host_touch(t, m, 100, (enum host_src)(i % HSRC__COUNT));
		for (int k = 0; k < (int)(i % 5); k++)
			host_add_v4(t, h, htonl(0x0a000001u + i * 7 + (uint32_t)k));
		for (int k = 0; k < (int)(i % 9); k++) {
			seed = seed * 1103515245u + 12345u;
			const char *n = names[(seed >> 8) % (sizeof(names) / sizeof(names[0]))];
			host_add_name(t, h, n, strlen(n), (enum host_src)((seed >> 4) % 6));
		}
		if (i % 11 == 0)
			host_add_name(t, h, longname, sizeof(longname), HSRC_NETBIOS);
		for (int k = 0; k < (int)(i % 4); k++) {
			seed = seed * 1103515245u + 12345u;
			host_add_guess(t, h, fams[(seed >> 8) % 6],
			               k ? "Some OS \\ 1.0" : "Windows 10", k == 2 ? "10" : NULL,
			               (int)((seed >> 16) % 100), (enum host_src)(k * 3 + 1));
		}
		table_lines(h, oui, &a, &b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	oui_free(oui);
	host_table_free(t);
}

/*
 * What lives in a host's block beyond the names (services, IPv6 addresses,
 * DHCP client id and options, SMB facts, probe and store times) survives
 * every rebuild of the block, and comes out in the host record.
 */
static void
test_block_parts_survive_rebuilds(void **state)
{
	struct host_table *t = host_table_new(4);
	uint8_t m[6], a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct host_smb smb = {.netbios_name = "WS-7",
	                       .dns_domain = "corp.example",
	                       .build = 19045,
	                       .signing_required = 1};
	struct hostrec r = {0};
	struct host *h;

	(void)state;
	mac_of(9, m);
	h = host_touch(t, m, 10, HSRC_DHCP);
	assert_non_null(h);
	assert_int_equal(host_probed_at(h), 0);
	assert_int_equal(host_stored_seen(h), 0);
	assert_null(host_dhcp_client_id(h));
	assert_null(host_smb(h));
	/* Times and options first: the block is made for them alone. */
	assert_true(host_set_probed_at(h, 1234));
	assert_true(host_set_stored_seen(h, 99));
	assert_true(host_set_dhcp_prl(t, h, host_shared_id("1,3,6,15", 8, false)));
	assert_false(host_set_dhcp_prl(t, h, host_shared_id("1,3,6,15", 8, false)));
	assert_true(host_set_dhcp_vendor_class(t, h, host_shared_id("MSFT 5.0", 8, false)));
	assert_true(host_set_client_id(t, h, "01:00:16:00:00:09", 17));
	assert_false(host_set_client_id(t, h, "01:00:16:00:00:09", 17));
	assert_true(host_set_smb(t, h, &smb));
	for (int i = 0; i < HOST_MAX_SERVICES + 2; i++)
		host_add_service(t, h, IPPROTO_TCP, (uint16_t)(20 + i), i == 2 ? "SSH-2.0-x" : NULL,
		                 NULL);
	for (int i = 0; i < HOST_MAX_V6 + 3; i++) {
		a6[14] = (uint8_t)i;
		host_add_v6(t, h, a6);
	}
	for (int i = 0; i < HOST_MAX_NAMES + 2; i++) {
		char n[16];
		snprintf(n, sizeof(n), "name-%d", i);
		host_add_name(t, h, n, strlen(n), i % 2 ? HSRC_MDNS : HSRC_DHCP);
	}
	assert_true(host_set_client_id(t, h, "ff:00:01", 8));
	assert_int_equal(host_probed_at(h), 1234);
	assert_int_equal(host_stored_seen(h), 99);
	assert_string_equal(host_shared(host_dhcp_prl(h)), "1,3,6,15");
	assert_string_equal(host_shared(host_dhcp_vendor_class(h)), "MSFT 5.0");
	assert_string_equal(host_dhcp_client_id(h), "ff:00:01");
	assert_string_equal(host_smb(h)->netbios_name, "WS-7");
	assert_int_equal(host_smb(h)->build, 19045);
	assert_int_equal(h->n_services, HOST_MAX_SERVICES);
	assert_int_equal(host_services(h)[2].port, 22);
	assert_string_equal(host_shared(host_services(h)[2].banner), "SSH-2.0-x");
	assert_int_equal(h->n_v6, HOST_MAX_V6);
	assert_int_equal(host_v6(h, HOST_MAX_V6 - 1)[14], HOST_MAX_V6 + 2); /* newest kept */
	assert_int_equal(host_v6(h, 0)[14], 3);
	assert_int_equal(h->n_names, HOST_MAX_NAMES);
	assert_int_equal(host_to_hostrec(h, NULL, &r), 0);
	assert_string_equal(r.dhcp.client_id, "ff:00:01");
	assert_string_equal(r.dhcp.prl, "1,3,6,15");
	assert_string_equal(r.smb.dns_domain, "corp.example");
	assert_int_equal(r.n_ipv6, HOST_MAX_V6);
	assert_int_equal(r.n_services, HOST_MAX_SERVICES);
	hostrec_clear(&r);
	host_table_free(t); /* ASan: the block and what hangs off it are freed */
}

/* What a host's block should hold, kept alongside it by test_block_appends. */
struct block_model {
	char names[HOST_MAX_NAMES][TEXT_NAME_MAX + 1];
	uint8_t src[HOST_MAX_NAMES];
	int n_names;
	uint16_t ports[HOST_MAX_SERVICES];
	int n_services;
	uint8_t v6[HOST_MAX_V6][16];
	int n_v6;
	char cid[TEXT_NAME_MAX + 1]; /* "" none */
};

static void
block_check(const struct host *h, const struct block_model *w)
{
	assert_int_equal(h->n_names, w->n_names);
	for (int i = 0; i < w->n_names; i++) {
		assert_string_equal(h->names[i].name, w->names[i]);
		assert_int_equal(h->names[i].src, w->src[i]);
	}
	assert_int_equal(h->n_services, w->n_services);
	for (int i = 0; i < w->n_services; i++)
		assert_int_equal(host_services(h)[i].port, w->ports[i]);
	assert_int_equal(h->n_v6, w->n_v6);
	for (int i = 0; i < w->n_v6; i++)
		assert_memory_equal(host_v6(h, i), w->v6[i], 16);
	if (w->cid[0])
		assert_string_equal(host_dhcp_client_id(h), w->cid);
	else
		assert_null(host_dhcp_client_id(h));
}

/*
 * Names, services, addresses and a first client id are added in place when
 * the block has room and into a new block when not (long names force that);
 * a changed client id and a full name list rebuild it. Every part must be
 * where it was, each name pointing at its own text, after each step.
 */
static void
test_block_appends(void **state)
{
	struct host_table *t = host_table_new(4);
	struct block_model w = {0};
	uint8_t m[6];
	struct host *h;
	char name[TEXT_NAME_MAX + 1];

	(void)state;
	mac_of(12, m);
	assert_non_null(h = host_touch(t, m, 1, HSRC_DHCP));
	block_check(h, &w);
	for (int step = 0; step < 40; step++) {
		int kind = step % 5;
		if (kind == 0 || kind == 3) {
			/* Names of 1 to 200 bytes: short ones fit the spare room, long ones do not. */
			size_t len = (size_t)(step * 37 % 200) + 1;
			uint8_t src = step % 2 ? HSRC_MDNS : HSRC_NETBIOS;
			for (size_t i = 0; i < len; i++)
				name[i] = (char)('a' + (step + i) % 26);
			name[len] = 0;
			name[0] = (char)('A' + step % 26); /* unlike any other name here */
			if (w.n_names == HOST_MAX_NAMES) {
				/* Full: the oldest of the same source goes (a rebuild). */
				int v = 0;
				while (w.src[v] != src)
					v++;
				memmove(&w.names[v], &w.names[v + 1],
				        sizeof(w.names[0]) * (size_t)(w.n_names - v - 1));
				memmove(&w.src[v], &w.src[v + 1], (size_t)(w.n_names - v - 1));
				w.n_names--;
			}
			assert_true(host_add_name(t, h, name, len, (enum host_src)src));
			memcpy(w.names[w.n_names], name, len + 1);
			w.src[w.n_names++] = src;
		} else if (kind == 1) {
			if (host_add_service(t, h, IPPROTO_TCP, (uint16_t)(1000 + step), NULL,
			                     NULL))
				w.ports[w.n_services++] = (uint16_t)(1000 + step);
		} else if (kind == 2) {
			uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = (uint8_t)step, [15] = 1};
			assert_true(host_add_v6(t, h, a6));
			if (w.n_v6 == HOST_MAX_V6) {
				memmove(&w.v6[0], &w.v6[1], 16 * (HOST_MAX_V6 - 1));
				w.n_v6--;
			}
			memcpy(w.v6[w.n_v6++], a6, 16);
		} else {
			/* The first one is added in front of the text, later ones replace it. */
			snprintf(w.cid, sizeof(w.cid), "01:00:16:%02x:%s", step,
			         step % 2 ? "long-id-text" : "x");
			assert_true(host_set_client_id(t, h, w.cid, strlen(w.cid)));
		}
		block_check(h, &w);
	}
	host_table_free(t);
}

/*
 * Names of every length around the word sizes, plain or with one byte that
 * needs escaping (first, last, middle), are kept exactly as text_sanitize()
 * makes them: the quick check for plain text agrees with it.
 */
static void
test_names_plain_check_lengths(void **state)
{
	static const uint8_t odd[] = {0x1f, 0x7f, '\\', 0x80, 0xff, 0x00};
	struct host_table *t = host_table_new(4);
	uint8_t m[6], in[48];
	char want[TEXT_NAME_MAX + 1];

	(void)state;
	mac_of(11, m);
	for (size_t len = 1; len <= sizeof(in); len++) {
		for (size_t k = 0; k < sizeof(odd) + 1; k++) {
			for (size_t where = 0; where < 3; where++) {
				struct host *h;
				size_t at = where == 0 ? 0 : where == 1 ? len - 1 : len / 2;
				for (size_t i = 0; i < len; i++)
					in[i] = (uint8_t)('a' + (i % 26));
				if (k < sizeof(odd))
					in[at] = odd[k];
				if (in[len - 1] == '.')
					continue;
				h = host_touch(t, m, 1, HSRC_MDNS);
				assert_non_null(h);
				text_sanitize(in, len, want, sizeof(want));
				if (h->n_names == HOST_MAX_NAMES) {
					host_table_free(t);
					assert_non_null(t = host_table_new(4));
					h = host_touch(t, m, 1, HSRC_MDNS);
				}
				if (host_add_name(t, h, in, len, HSRC_MDNS))
					assert_string_equal(h->names[h->n_names - 1].name, want);
			}
		}
	}
	host_table_free(t);
}

/* The summary's MAC and first IPv4 address read as net_mac_format() and inet_ntop() write them. */
static void
test_summary_mac_and_ipv4_text(void **state)
{
	static const uint8_t octets[] = {1, 9, 10, 99, 100, 109, 110, 199, 200, 249, 250, 254};
	struct host_table *t = host_table_new(64);
	unsigned seed = 11;

	(void)state;
	for (unsigned k = 0; k < 2000; k++) {
		uint8_t mac[6], a[4];
		struct host_summary s;
		struct mac m;
		char want_mac[NET_MAC_STRLEN], want_v4[INET_ADDRSTRLEN];
		uint32_t be;
		struct host *h;

		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(rand_r(&seed) >> 3);
		mac[0] &= 0xfe; /* unicast */
		mac[1] |= 1;    /* not all zero */
		for (int i = 0; i < 4; i++)
			a[i] = k < 400 ? octets[(k + (unsigned)i * 5) % sizeof(octets)]
			               : (uint8_t)(rand_r(&seed) >> 5);
		a[0] = a[0] == 127 || a[0] >= 224 ? 11 : a[0] == 0 ? 1 : a[0];
		memcpy(&be, a, 4);
		assert_non_null(h = host_touch(t, mac, 1 + k, HSRC_ARP));
		assert_true(host_add_v4(t, h, be));
		host_summarize(h, NULL, &s);
		memcpy(m.b, mac, 6);
		net_mac_format(&m, want_mac);
		assert_string_equal(s.mac, want_mac);
		assert_non_null(inet_ntop(AF_INET, &be, want_v4, sizeof(want_v4)));
		assert_string_equal(s.ipv4, want_v4);
	}
	host_table_free(t);
}

/*
 * A name kept as it came (plain) is printed from the host's own text; one
 * that was sanitized is printed as text_sanitize() of the kept text, as
 * before. Names go in by appending and by replacing the oldest (full host).
 */
static void
test_summary_names_plain_flag(void **state)
{
	static const char *const raw[] = {
	        "printer",   "back\\slash", "bell\x07", "caf\xc3\xa9", "tab\there",
	        "new\nline", "quote\"d",    "x",        "del\x7f",     "sp ace",
	};
	struct host_table *t = host_table_new(16);
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, 9};
	struct host *h;

	(void)state;
	assert_non_null(t);
	assert_non_null(h = host_touch(t, mac, 1, HSRC_ARP));
	for (unsigned round = 0; round < 3; round++) {
		for (size_t k = 0; k < sizeof(raw) / sizeof(raw[0]); k++) {
			char name[300];
			int n = snprintf(name, sizeof(name), "%s-%u", raw[k], round);
			(void)host_add_name(t, h, name, (size_t)n,
			                    (k & 1) ? HSRC_MDNS : HSRC_NETBIOS);
		}
		{
			char longname[300];
			memset(longname, 'a' + (int)round, sizeof(longname));
			longname[10] = (char)0x01;
			(void)host_add_name(t, h, longname, sizeof(longname), HSRC_DHCP);
		}
		struct host_summary s;
		host_summarize(h, NULL, &s);
		size_t j = 0;
		for (int i = 0; i < h->n_names; i++) {
			const char *kept = h->names[i].name;
			char once[256], twice[256];
			size_t len = strlen(kept);
			text_sanitize(kept, len, once, sizeof(once));
			bool ascii = true; /* printable ASCII, no backslash */
			for (size_t b = 0; b < len; b++)
				ascii &= kept[b] >= 0x20 && kept[b] <= 0x7e && kept[b] != '\\';
			assert_int_equal(h->names[i].plain, ascii);
			if (ascii)
				assert_string_equal(once, kept);
			bool dup = false;
			for (int q = 0; q < i; q++)
				dup |= h->names[q].src == h->names[i].src &&
				       strcmp(h->names[q].name, kept) == 0;
			if (dup)
				continue;
			assert_true(j < s.n_names);
			if (h->names[i].plain) {
				assert_ptr_equal(s.names[j], kept);
			} else {
				text_sanitize(kept, len, twice, sizeof(twice));
				assert_string_equal(s.names[j], twice);
			}
			j++;
		}
		assert_int_equal(j, s.n_names);
	}
	host_table_free(t);
}

/* A reference cell: the text cut to size - 1 bytes, then to width on a UTF-8 boundary with '~'. */
static void
ref_cell(char *dst, size_t size, const char *s, size_t width)
{
	char tmp[512];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", s); /* s may be dst */
	snprintf(dst, size, "%s", tmp);
	if ((n = strlen(dst)) <= width)
		return;
	n = width - 1;
	while (n > 0 && ((unsigned char)dst[n] & 0xc0) == 0x80)
		n--;
	dst[n] = '~';
	dst[n + 1] = 0;
}

/* The row as stdio would print it from the summary's fields (the table's definition). */
static void
ref_row(const struct host_summary *r, char *out, size_t size)
{
	static char srcs[65536];
	char vendor[64], ipv4[64], names[256] = "", os[96];

	ref_cell(vendor, sizeof(vendor),
	         r->vendor      ? r->vendor
	         : r->mac_local ? "(local/random)"
	                        : "-",
	         22);
	snprintf(ipv4, sizeof(ipv4), "%s%s", r->n_ipv4 && r->ipv4 ? r->ipv4 : "-",
	         r->n_ipv4 > 1 ? "+" : "");
	for (size_t i = 0; i < r->n_names; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= strcasecmp(r->names[j], r->names[i]) == 0;
		if (dup)
			continue;
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", r->names[i]);
	}
	ref_cell(names, sizeof(names), names[0] ? names : "-", 34);
	if (r->os_name || r->os_family) {
		char tmp[96];
		snprintf(tmp, sizeof(tmp), "%s (%d%%)", r->os_name ? r->os_name : r->os_family,
		         r->os_confidence);
		ref_cell(os, sizeof(os), tmp, 28);
	} else {
		ref_cell(os, sizeof(os), "-", 28);
	}
	srcs[0] = 0;
	for (size_t i = 0; i < r->n_sources; i++) {
		size_t n = strlen(srcs);
		snprintf(srcs + n, sizeof(srcs) - n, "%s%s", i ? "," : "", r->sources[i]);
	}
	snprintf(out, size, "%-17s  %-22s  %-15s  %-34s  %-28s  %s\n",
	         r->mac && r->mac[0] ? r->mac : "-", vendor, ipv4, names, os, srcs);
}

/*
 * Table rows built in place match the stdio definition: cells shorter and
 * longer than their columns, cuts inside UTF-8 sequences, the IPv4 "+",
 * repeated names, long name lists, negative and wide confidences, long
 * source lists, and a MAC text longer than its column.
 */
static void
test_table_row_matches_printf(void **state)
{
	static const char *const texts[] = {
	        "",
	        "x",
	        "Plain Vendor Inc",
	        "exactly twenty-two ch.",
	        "exactly twenty-three c.",
	        "Caf\xc3\xa9 du Commerce Networks Ltd",
	        "twenty-one chars abc\xc3\xa9\xc3\xa9\xc3\xa9",
	        "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82"
	        "\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
	        "a name that is well over thirty-four bytes long.local",
	        "WS-042",
	        "ws-042",
	        "255.255.255.255",
	        "10.0.0.1",
	};
	static const char *const macs[] = {"", "00:16:01:02:03:04", "-", "0"};
	static char want[65536];
	char big[300], longmac[1700], longsrc[1500], *got = NULL;
	unsigned seed = 5;
	size_t len;

	(void)state;
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memset(longmac, 'm', sizeof(longmac) - 1);
	longmac[sizeof(longmac) - 1] = 0;
	memset(longsrc, 's', sizeof(longsrc) - 1);
	longsrc[sizeof(longsrc) - 1] = 0;
	for (unsigned k = 0; k < 3000; k++) {
		struct host_summary s;
		struct output o;
		FILE *f;
		unsigned nt = (unsigned)(sizeof(texts) / sizeof(texts[0]));

		memset(&s, 0, sizeof(s));
		s.mac = k % 97 == 0 ? longmac : macs[k % 4];
		s.vendor = k % 5 == 0 ? NULL : k % 31 == 0 ? big : texts[rand_r(&seed) % nt];
		s.mac_local = k % 3 == 0;
		s.n_ipv4 = k % 4;
		s.ipv4 = k % 7 == 0    ? NULL
		         : k % 53 == 0 ? big + sizeof(big) - 1 - (60 + k / 53 % 5)
		                       : texts[rand_r(&seed) % nt];
		s.n_names = k % 11 == 0 ? HOST_SUMMARY_NAMES : (size_t)rand_r(&seed) % 5;
		for (size_t i = 0; i < s.n_names; i++)
			s.names[i] = k % 29 == 0 ? big : texts[rand_r(&seed) % nt];
		s.os_name = k % 2 ? texts[rand_r(&seed) % nt] : NULL;
		s.os_family = k % 3 ? "linux" : NULL;
		s.os_confidence = k % 13 == 0 ? -2147483647 - 1 : (int)(rand_r(&seed) % 200) - 50;
		s.n_sources = k % 41 == 0 ? HOST_SUMMARY_SOURCES : (size_t)rand_r(&seed) % 4;
		for (size_t i = 0; i < s.n_sources; i++)
			s.sources[i] = k % 41 == 0 ? longsrc : k % 2 ? "arp" : "dhcp";
		ref_row(&s, want, sizeof(want));
		assert_non_null(f = open_memstream(&got, &len));
		o.f = f;
		o.fmt = OUTPUT_TABLE;
		o.rows = 0;
		assert_int_equal(output_summary(&o, &s), 0);
		fclose(f);
		assert_true(strlen(want) < sizeof(want) - 1);
		if (len != strlen(want) || strcmp(got, want) != 0) {
			size_t d = 0;
			while (got[d] && got[d] == want[d])
				d++;
			fail_msg("row %u: %zu bytes, want %zu; first difference at %zu: \"%.60s\" "
			         "want "
			         "\"%.60s\"",
			         k, len, strlen(want), d, got + d, want + d);
		}
		free(got);
		got = NULL;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_not_hosts),
	        cmocka_unit_test(test_lru_eviction_keeps_index_consistent),
	        cmocka_unit_test(test_addresses_capped_newest_kept),
	        cmocka_unit_test(test_names_sanitized_deduplicated),
	        cmocka_unit_test(test_guesses_interned_and_combined),
	        cmocka_unit_test(test_hostrec_round_trip),
	        cmocka_unit_test(test_recency_order),
	        cmocka_unit_test(test_names_full_replace_oldest),
	        cmocka_unit_test(test_summary_matches_record),
	        cmocka_unit_test(test_block_parts_survive_rebuilds),
	        cmocka_unit_test(test_names_plain_check_lengths),
	        cmocka_unit_test(test_block_appends),
	        cmocka_unit_test(test_summary_mac_and_ipv4_text),
	        cmocka_unit_test(test_summary_names_plain_flag),
	        cmocka_unit_test(test_table_row_matches_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
