/* test_oui.c - vendor lookup: the real ieee-data, longest prefix, CSV quoting, malformed records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/muster.h"
#include "common/net.h"
#include "common/oui.h"

#define TEST_OUI_DIR MUSTER_SOURCE_DIR "/tests/data/oui"

/* The vendor of mac in db, or NULL. */
static const char *
lookup(const struct oui_db *db, const char *mac)
{
	struct mac m;

	assert_true(net_mac_parse(mac, &m));
	return oui_lookup(db, &m);
}

static void
assert_vendor(const struct oui_db *db, const char *mac, const char *want)
{
	const char *got = lookup(db, mac);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: want no vendor, got \"%s\"", mac, got);
		return;
	}
	if (got == NULL)
		fail_msg("%s: want \"%s\", got none", mac, want);
	assert_string_equal(got, want);
}

static struct oui_db *
load_buf(const char *text)
{
	char err[256] = "";
	struct oui_db *db = oui_load_buffer(text, strlen(text), err, sizeof(err));

	assert_non_null(db);
	return db;
}

static void
test_debian_known_prefixes(void **state)
{
	static const struct {
		const char *mac, *vendor;
	} cases[] = {
	        {"00:50:56:c0:00:08", "VMware, Inc."},           /* MA-L, quoted */
	        {"00:0c:29:aa:bb:cc", "VMware, Inc."},           /* MA-L */
	        {"08:00:27:12:34:56", "PCS Systemtechnik GmbH"}, /* VirtualBox */
	        {"9c:43:1e:90:00:01", "\"CONTINENT\" Co. Ltd"},  /* MA-M, doubled quotes */
	        {"70:b3:d5:f2:f0:01", "TELEPLATFORMS"},          /* MA-S inside IEEE's MA-L */
	        {"00:50:c2:7d:50:01", "DEUTA-WERKE GmbH"},       /* IAB */
	        {"52:54:00:12:34:56", NULL}, /* QEMU: locally administered, in no registry */
	        {"01:00:5e:00:00:fb", NULL}, /* multicast */
	        {"ff:ff:ff:ff:ff:ff", NULL},
	};
	char err[256] = "";
	struct oui_db *db;
	struct oui_stats st;

	if (access(OUI_DEFAULT_DIR "/oui.csv", R_OK) != 0)
		skip();
	db = oui_load(NULL, err, sizeof(err));
	if (db == NULL)
		fail_msg("oui_load: %s", err);
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++)
		assert_vendor(db, cases[i].mac, cases[i].vendor);
	oui_get_stats(db, &st);
	assert_true(st.entries24 > 30000);
	assert_true(st.entries28 > 4000);
	assert_true(st.entries36 > 9000);
	assert_int_equal(st.malformed, 0);
	oui_free(db);
}

static void
test_longest_prefix_wins(void **state)
{
	static const struct {
		const char *mac, *vendor;
	} cases[] = {
	        {"70:b3:d5:1a:b0:01", "Small One"},                   /* MA-S 70B3D51AB */
	        {"70:b3:d5:1a:c0:01", "Medium One"},                  /* MA-M 70B3D51 */
	        {"70:b3:d5:1f:ff:ff", "Medium One"},                  /* MA-M */
	        {"70:b3:d5:20:00:00", "IEEE Registration Authority"}, /* MA-L 70B3D5 */
	        {"00:11:22:34:50:00", "Alpha Sub S"},
	        {"00:11:22:34:60:00", "Alpha Sub M"},
	        {"00:11:22:40:00:00", "Alpha Corp"},
	        {"00:50:c2:ab:c1:23", "Iab Vendor"}, /* IAB */
	        {"00:50:c2:ab:d1:23", "IEEE Registration Authority"},
	        {"00:11:23:00:00:00", NULL},
	        {"02:11:22:00:00:01", NULL}, /* listed, but the U/L bit is set */
	        {"01:11:22:00:00:01", NULL}, /* the I/G bit */
	};
	char err[256] = "";
	struct oui_db *db = oui_load(TEST_OUI_DIR, err, sizeof(err));

	if (db == NULL)
		fail_msg("oui_load: %s", err);
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++)
		assert_vendor(db, cases[i].mac, cases[i].vendor);
	oui_free(db);
}

static void
test_quoting_and_sanitising(void **state)
{
	char err[256] = "";
	struct oui_db *db = oui_load(TEST_OUI_DIR, err, sizeof(err));

	assert_non_null(db);
	assert_vendor(db, "ac:bb:cc:00:00:01", "Quote \"Inc\", Ltd"); /* multi-line address */
	assert_vendor(db, "dc:ee:ff:00:00:01", "Spaced Name");
	assert_vendor(db, "00:11:99:00:00:01", "Ctl Name End \\xff\\xfe Bytes");
	assert_vendor(db, "00:11:55:00:00:01", "After Bad Line"); /* resync after a bad quote */
	oui_free(db);
}

static void
test_malformed_counted(void **state)
{
	char err[256] = "";
	struct oui_db *db = oui_load(TEST_OUI_DIR, err, sizeof(err));
	struct oui_stats st;

	assert_non_null(db);
	oui_get_stats(db, &st);
	/* bad hex, short line, unterminated quote, unknown registry, short hex,
	 * text after a closing quote, empty name */
	assert_int_equal(st.malformed, 7);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.entries24, 8);
	assert_int_equal(st.entries28, 2);
	assert_int_equal(st.entries36, 3);
	assert_vendor(db, "00:11:22:00:00:01", "Alpha Corp"); /* the first of the duplicates */
	assert_null(lookup(db, "00:11:33:00:00:01"));
	assert_null(lookup(db, "00:11:44:00:00:01"));
	assert_null(lookup(db, "00:11:88:00:00:01"));
	oui_free(db);
}

static void
test_malformed_buffers(void **state)
{
	static const struct {
		const char *csv;
		size_t entries, malformed;
	} cases[] = {
	        {"", 0, 0},
	        {"\n\n\r\n", 0, 0},
	        {"MA-L,001122,A", 1, 0}, /* no final newline */
	        {"MA-L,001122,A\r", 1, 0},
	        {"MA-L,001122,\"A\"\r", 1, 0},
	        {"MA-L,001122,\"A", 0, 1},
	        {"MA-L,001122,\"A\"\"", 0, 1},
	        {"MA-L,001122,\"A\"x\nMA-L,001123,B\n", 1, 1},
	        {"MA-L,001122,A\"B\",x\n", 0, 1},
	        {"MA-L,0011,A\nMA-L,0011223,A\nMA-L,-01122,A\n", 0, 3},
	        {"MA-L\nMA-L,\n,,\n,,,\n", 0, 4},
	        {"MA-L,001122,   \n", 0, 1},
	        {"ma-l,001122,A\n", 0, 1},
	        {"\"MA-L\",\"001122\",\"A\",\"x\"\n", 1, 0},
	        {"MA-L,001122,\"A\nB\",x\r\nMA-L,001123,C\r\n", 2, 0},
	        {"\xef\xbb\xbfRegistry,Assignment,Organization Name\nMA-L,001122,A\n", 1, 0},
	        {"\x01\x02\x03", 0, 1},
	};
	struct oui_stats st;

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		struct oui_db *db = load_buf(cases[i].csv);

		oui_get_stats(db, &st);
		if (st.entries24 != cases[i].entries || st.malformed != cases[i].malformed)
			fail_msg("case %zu: entries %zu malformed %zu", i, st.entries24,
			         st.malformed);
		oui_free(db);
	}
}

static void
test_runaway_quote_costs_one_line(void **state)
{
	char *csv = malloc(8192);
	size_t n = 0;
	struct oui_db *db;
	struct oui_stats st;

	assert_non_null(csv);
	n += (size_t)snprintf(csv + n, 8192 - n, "MA-L,000001,\"never closed,x\n");
	for (int i = 2; i < 200; i++)
		n += (size_t)snprintf(csv + n, 8192 - n, "MA-L,%06X,Vendor %d,x\n", i, i);
	db = oui_load_buffer(csv, n, NULL, 0);
	assert_non_null(db);
	oui_get_stats(db, &st);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.entries24, 198);
	assert_vendor(db, "00:00:02:00:00:00", "Vendor 2");
	assert_vendor(db, "00:00:c7:00:00:00", "Vendor 199");
	oui_free(db);
	free(csv);
}

/*
 * Names that need no change are taken as they are; any space, control byte
 * or backslash out of place, or a name over OUI_NAME_MAX bytes, still goes
 * through the full clean-up. Each case sits on either side of that line.
 */
static void
test_names_clean_or_cleaned(void **state)
{
	char a158[159], a159[160], a160[161], a161[162];
	char in158b[200], in159b[200], in157s[200], want157s[200];
	const struct {
		const char *in, *want;
	} cases[] = {
	        {"Acme Corp", "Acme Corp"},
	        {"A", "A"},
	        {"Acme  Corp", "Acme Corp"},
	        {" Acme Corp", "Acme Corp"},
	        {"Acme Corp ", "Acme Corp"},
	        {"Acme\tCorp", "Acme Corp"},
	        {"Acme\\Corp", "Acme\\\\Corp"},
	        {"Acme\x7f"
	         "Corp",
	         "Acme Corp"},
	        {"Acme \xc3\xa9 Corp", "Acme \xc3\xa9 Corp"},
	        {a160, a160},
	        {a161, a160},
	        {in158b, in158b},
	        {in159b, a159},
	        {in157s, want157s},
	};
	char *csv = malloc(16384);
	size_t n = 0;
	struct oui_db *db;

	(void)state;
	memset(a158, 'a', 158);
	a158[158] = 0;
	memset(a159, 'a', 159);
	a159[159] = 0;
	memset(a160, 'a', 160);
	a160[160] = 0;
	memset(a161, 'a', 161);
	a161[161] = 0;
	snprintf(in158b, sizeof(in158b), "%s b", a158); /* 160 bytes: as it is */
	snprintf(in159b, sizeof(in159b), "%s b", a159); /* 161: cut after the space, which goes */
	snprintf(in157s, sizeof(in157s), "%s\\b", a158 + 1);       /* 159 bytes with a backslash */
	snprintf(want157s, sizeof(want157s), "%s\\\\b", a158 + 1); /* escaped: 160 */
	assert_non_null(csv);
	n += (size_t)snprintf(csv, 16384,
	                      "Registry,Assignment,Organization Name,Organization Address\n");
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++)
		n += (size_t)snprintf(csv + n, 16384 - n, "MA-L,0011%02X,\"%s\",x\n", (unsigned)i,
		                      cases[i].in);
	db = oui_load_buffer(csv, n, NULL, 0);
	assert_non_null(db);
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		char mac[32];
		snprintf(mac, sizeof(mac), "00:11:%02x:00:00:01", (unsigned)i);
		assert_vendor(db, mac, cases[i].want);
	}
	oui_free(db);
	free(csv);
}

static void
test_long_name_truncated(void **state)
{
	char csv[1200];
	size_t n;
	struct oui_db *db;
	const char *v;

	n = (size_t)snprintf(csv, sizeof(csv), "MA-L,001122,");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "\xc3\xa9"); /* é, 2 bytes */
	n += (size_t)snprintf(csv + n, sizeof(csv) - n, ",x\n");
	db = oui_load_buffer(csv, n, NULL, 0);
	assert_non_null(db);
	v = lookup(db, "00:11:22:00:00:00");
	assert_non_null(v);
	assert_int_equal(strlen(v), OUI_NAME_MAX); /* 80 whole characters */
	assert_int_equal((unsigned char)v[OUI_NAME_MAX - 2], 0xc3);
	oui_free(db);
}

static void
test_optional_files_missing(void **state)
{
	char dir[] = "/tmp/test_oui.XXXXXX", path[256], err[256] = "";
	struct oui_db *db;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	/* No oui.csv: an error naming the file. */
	assert_null(oui_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "oui.csv"));
	snprintf(path, sizeof(path), "%s/oui.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("Registry,Assignment,Organization Name,Organization Address\n"
	      "MA-L,00000C,\"Cisco Systems, Inc\",170 West Tasman Dr.\n",
	      f);
	fclose(f);
	db = oui_load(dir, err, sizeof(err));
	assert_non_null(db);
	assert_vendor(db, "00:00:0c:07:ac:01", "Cisco Systems, Inc");
	oui_free(db);
	unlink(path);
	rmdir(dir);
}

static void
test_load_files_explicit(void **state)
{
	const char *paths[] = {TEST_OUI_DIR "/mam.csv", TEST_OUI_DIR "/oui36.csv"};
	const char *bad[] = {TEST_OUI_DIR "/mam.csv", TEST_OUI_DIR "/nosuch.csv"};
	char err[256] = "";
	struct oui_db *db = oui_load_files(paths, MUSTER_NELEM(paths), err, sizeof(err));
	struct oui_stats st;

	assert_non_null(db);
	oui_get_stats(db, &st);
	assert_int_equal(st.entries24, 0);
	assert_int_equal(st.entries28, 2);
	assert_int_equal(st.entries36, 2);
	assert_vendor(db, "70:b3:d5:1a:b0:01", "Small One");
	assert_vendor(db, "70:b3:d5:20:00:00", NULL);
	oui_free(db);
	assert_null(oui_load_files(bad, MUSTER_NELEM(bad), err, sizeof(err)));
	assert_non_null(strstr(err, "nosuch.csv"));
}

static void
test_shared_names_stored_once(void **state)
{
	struct oui_db *db = load_buf("MA-L,000001,Same\nMA-L,000002,Same\nMA-L,000003,Other\n"
	                             "MA-M,0000040,Same\n");
	struct oui_stats st;

	oui_get_stats(db, &st);
	assert_int_equal(st.pool_bytes, sizeof("Same") + sizeof("Other"));
	assert_ptr_equal(lookup(db, "00:00:01:00:00:00"), lookup(db, "00:00:04:00:00:00"));
	oui_free(db);
}

static void
test_null_and_empty(void **state)
{
	struct mac m = {{0x00, 0x50, 0x56, 0, 0, 1}};
	struct oui_db *db;
	struct oui_stats st;

	oui_free(NULL);
	assert_null(oui_lookup(NULL, &m));
	oui_get_stats(NULL, &st);
	assert_int_equal(st.entries24, 0);
	db = oui_load_buffer(NULL, 0, NULL, 0);
	assert_non_null(db);
	assert_null(oui_lookup(db, &m));
	oui_free(db);
}

/*
 * Lookups against a large generated registry agree with a plain search of
 * its entries: prefixes at the edges of the lookup index's buckets (all
 * zero, all one, every boundary of the top bits), MA-M and MA-S blocks
 * inside MA-L ones, and MACs on both sides of each prefix.
 */
static void
test_lookup_matches_plain_search(void **state)
{
	enum { N24 = 3000, N28 = 300, N36 = 300 };
	static uint32_t p24[N24], p28[N28];
	static uint64_t p36[N36];
	size_t cap = (size_t)(N24 + N28 + N36) * 48 + 64, len = 0;
	char *csv = malloc(cap), err[128];
	unsigned seed = 12345;
	struct oui_db *db;

	(void)state;
	assert_non_null(csv);
	len += (size_t)snprintf(csv + len, cap - len, "Registry,Assignment,Organization Name,x\n");
	for (int i = 0; i < N24; i++) {
		seed = seed * 1103515245u + 12345u;
		/* Some at the ends and at every 2^k boundary of the top bits, the rest at random. */
		p24[i] = i < 2    ? (i ? 0xfcffffu : 0x000000u)
		         : i < 40 ? ((uint32_t)(i - 2) << 18 | (i & 1 ? 0x3ffffu : 0)) & 0xfcffffu
		                  : (seed >> 4) & 0xfcffffu; /* unicast, universal */
		len += (size_t)snprintf(csv + len, cap - len, "MA-L,%06X,L%d,x\n", p24[i], i);
	}
	for (int i = 0; i < N28; i++) {
		seed = seed * 1103515245u + 12345u;
		p28[i] = p24[(seed >> 8) % N24] << 4 | ((seed >> 20) & 0xf);
		len += (size_t)snprintf(csv + len, cap - len, "MA-M,%07X,M%d,x\n", p28[i], i);
	}
	for (int i = 0; i < N36; i++) {
		seed = seed * 1103515245u + 12345u;
		p36[i] = (uint64_t)p28[(seed >> 8) % N28] << 8 | ((seed >> 16) & 0xff);
		len += (size_t)snprintf(csv + len, cap - len, "MA-S,%09llX,S%d,x\n",
		                        (unsigned long long)p36[i], i);
	}
	db = oui_load_buffer(csv, len, err, sizeof(err));
	assert_non_null(db);
	for (int i = 0; i < 20000; i++) {
		uint64_t v;
		struct mac m;
		char want[16] = "";
		const char *got;
		int best = 0;
		seed = seed * 1103515245u + 12345u;
		switch (i % 4) {
		case 0: /* anywhere */
			v = ((uint64_t)seed << 17 ^ (uint64_t)(seed * 2654435761u)) &
			    0xfcffffffffffULL;
			break;
		case 1: /* inside or next to an MA-L prefix */
			v = (uint64_t)(p24[(seed >> 8) % N24] + (seed & 1)) << 24 |
			    (seed & 0xffffff);
			break;
		case 2: /* inside or next to an MA-M prefix */
			v = (uint64_t)(p28[(seed >> 8) % N28] - (seed & 1)) << 20 |
			    (seed & 0xfffff);
			break;
		default: /* inside or next to an MA-S prefix */
			v = (p36[(seed >> 8) % N36] + (seed & 1)) << 12 | (seed & 0xfff);
			break;
		}
		v &= 0xfcffffffffffULL;
		for (int k = 0; k < 6; k++)
			m.b[k] = (uint8_t)(v >> (40 - 8 * k));
		/* The plain search: the longest prefix wins; the first entry of a prefix is kept. */
		for (int k = N36 - 1; k >= 0; k--)
			if (p36[k] == v >> 12)
				snprintf(want, sizeof(want), "S%d", k), best = 36;
		for (int k = N28 - 1; k >= 0 && best < 36; k--)
			if (p28[k] == v >> 20)
				snprintf(want, sizeof(want), "M%d", k), best = 28;
		for (int k = N24 - 1; k >= 0 && best < 28; k--)
			if (p24[k] == v >> 24)
				snprintf(want, sizeof(want), "L%d", k), best = 24;
		got = oui_lookup(db, &m);
		if (best == 0)
			assert_null(got);
		else
			assert_string_equal(got, want);
	}
	oui_free(db);
	free(csv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_debian_known_prefixes),
	        cmocka_unit_test(test_longest_prefix_wins),
	        cmocka_unit_test(test_quoting_and_sanitising),
	        cmocka_unit_test(test_malformed_counted),
	        cmocka_unit_test(test_malformed_buffers),
	        cmocka_unit_test(test_runaway_quote_costs_one_line),
	        cmocka_unit_test(test_long_name_truncated),
	        cmocka_unit_test(test_names_clean_or_cleaned),
	        cmocka_unit_test(test_optional_files_missing),
	        cmocka_unit_test(test_load_files_explicit),
	        cmocka_unit_test(test_shared_names_stored_once),
	        cmocka_unit_test(test_null_and_empty),
	        cmocka_unit_test(test_lookup_matches_plain_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
