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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
