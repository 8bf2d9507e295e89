/* test_p0f.c - p0f.fp loader (every field form, errors with file:line) and the matcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensor/fingerprint/p0f.h"

static struct p0f_db *sysdb;

static int
load_sysdb(void **state)
{
	struct fp_errors errs;

	fp_errors_init(&errs);
	sysdb = p0f_load(P0F_DEFAULT_PATH, &errs);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	return 0;
}

static int
free_sysdb(void **state)
{
	p0f_free(sysdb);
	return 0;
}

#define NEED_SYSDB()                                                                               \
	do {                                                                                       \
		if (sysdb == NULL) {                                                               \
			printf("# %s not installed: skipped\n", P0F_DEFAULT_PATH);                 \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* An observation from a p0f-style option layout ("mss,sok,ts,nop,ws", "eol+N" last). */
static struct p0f_tcp_obs
obs(uint8_t ttl, uint16_t mss, uint16_t win, int8_t ws, const char *layout, uint32_t quirks)
{
	struct p0f_tcp_obs o;
	char buf[256], *rest = buf, *t;

	memset(&o, 0, sizeof(o));
	o.ip_ver = 4;
	o.ttl = ttl;
	o.has_mss = mss != 0;
	o.mss = mss;
	o.win = win;
	o.wscale = ws;
	o.quirks = quirks;
	snprintf(buf, sizeof(buf), "%s", layout);
	while ((t = strsep(&rest, ",")) != NULL) {
		uint8_t k = 0;
		if (t[0] == '\0')
			continue;
		if (strcmp(t, "nop") == 0)
			k = P0F_OPT_NOP;
		else if (strcmp(t, "mss") == 0)
			k = P0F_OPT_MSS;
		else if (strcmp(t, "ws") == 0)
			k = P0F_OPT_WS;
		else if (strcmp(t, "sack") == 0)
			k = P0F_OPT_SACK;
		else if (strcmp(t, "sok") == 0)
			k = P0F_OPT_SOK;
		else if (strcmp(t, "ts") == 0)
			k = P0F_OPT_TS;
		else if (strncmp(t, "eol+", 4) == 0)
			o.eol_pad = (uint8_t)strtoul(t + 4, NULL, 10);
		else if (t[0] == '?')
			k = (uint8_t)strtoul(t + 1, NULL, 10);
		o.olayout[o.olayout_len++] = k;
	}
	return o;
}

#define LINUX_SYN "mss,sok,ts,nop,ws"
#define WIN_SYN   "mss,nop,ws,nop,nop,sok"
#define DFID      (P0F_Q_DF | P0F_Q_ID_NZ)

static void
test_load_system_db(void **state)
{
	struct fp_errors errs;
	struct p0f_db *db;

	NEED_SYSDB();
	fp_errors_init(&errs);
	db = p0f_load(P0F_DEFAULT_PATH, &errs);
	assert_non_null(db);
	assert_int_equal(errs.count, 0);
	printf("# %s: %zu SYN and %zu SYN+ACK signatures\n", P0F_DEFAULT_PATH,
	       p0f_sig_count(db, false), p0f_sig_count(db, true));
	assert_true(p0f_sig_count(db, false) > 50);
	assert_true(p0f_sig_count(db, true) > 50);
	p0f_free(db);
}

static void
test_linux_syn_exact(void **state)
{
	struct p0f_tcp_obs o = obs(64, 1460, 29200, 7, LINUX_SYN, DFID);
	struct p0f_match m;

	NEED_SYSDB();
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->name, "Linux");
	assert_string_equal(m.label->flavor, "3.11 and newer");
	assert_false(m.generic);
	assert_false(m.fuzzy);
	assert_int_equal(m.distance, 0);

	/* Six hops away: same signature, distance 6. */
	o.ttl = 58;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.11 and newer");
	assert_false(m.fuzzy);
	assert_int_equal(m.distance, 6);

	/* Linux 3.1-3.10: mss*10, scale 5. */
	o = obs(64, 1460, 14600, 5, LINUX_SYN, DFID);
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.1-3.10");
}

static void
test_windows_syn(void **state)
{
	struct p0f_tcp_obs o = obs(128, 1460, 8192, 8, WIN_SYN, DFID);
	struct p0f_match m;
	struct fp_guess g;

	NEED_SYSDB();
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->name, "Windows");
	assert_string_equal(m.label->flavor, "7 or 8");
	assert_false(m.generic);
	assert_true(p0f_match_to_guess(&m, &g));
	assert_string_equal(g.family, "windows");
	assert_string_equal(g.name, "Windows 7 or 8");
	assert_int_equal(g.confidence, 60);
	assert_string_equal(g.source, "p0f");
}

static void
test_generic_fallback(void **state)
{
	struct p0f_tcp_obs o;
	struct p0f_match m;

	NEED_SYSDB();
	/* Windows 10's 64240 window is in no specific signature: NT kernel (generic). */
	o = obs(128, 1460, 64240, 8, WIN_SYN, DFID);
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "NT kernel");
	assert_true(m.generic);
	assert_false(m.fuzzy);

	/* mss*10 with scale 9: only the generic "Linux 3.x" (mss*10,*). */
	o = obs(64, 1460, 14600, 9, LINUX_SYN, DFID);
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.x");
	assert_true(m.generic);

	/* Odd window: "2.2.x-3.x" (*,*). */
	o = obs(64, 1460, 12345, 7, LINUX_SYN, DFID);
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "2.2.x-3.x");
	assert_true(m.generic);
}

static void
test_ttl_distance_fuzzy(void **state)
{
	struct p0f_tcp_obs o = obs(20, 1460, 29200, 7, LINUX_SYN, DFID);
	struct p0f_match m;

	NEED_SYSDB();
	/* 44 hops from 64 is beyond the 35 allowed: fuzzy, distance from 32. */
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.11 and newer");
	assert_true(m.fuzzy);
	assert_int_equal(m.distance, 12);

	/* TTL above the signature's initial TTL: fuzzy. */
	o.ttl = 100;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_true(m.fuzzy);
	assert_int_equal(m.distance, 28);

	/* 35 hops is still in range. */
	o.ttl = 29;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_false(m.fuzzy);
	assert_int_equal(m.distance, 35);
}

static void
test_quirk_fuzzy(void **state)
{
	struct p0f_tcp_obs o = obs(64, 1460, 29200, 7, LINUX_SYN, 0);
	struct p0f_match m;
	struct fp_guess g;

	NEED_SYSDB();
	/* df and id+ may disappear (e.g. behind a scrubbing firewall). */
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.11 and newer");
	assert_true(m.fuzzy);
	assert_true(p0f_match_to_guess(&m, &g));
	assert_int_equal(g.confidence, 45);

	/* ecn may appear. */
	o.quirks = DFID | P0F_Q_ECN;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_true(m.fuzzy);

	/* Any other quirk difference is no match at all. */
	o.quirks = DFID | P0F_Q_TS2_NZ;
	assert_false(p0f_match_tcp(sysdb, &o, &m));
	o.quirks = DFID;
	o.olayout_len--; /* drop the ws option: a layout with no signature */
	o.wscale = -1;
	assert_false(p0f_match_tcp(sysdb, &o, &m));
}

static void
test_ipv6_ignores_v4_quirks(void **state)
{
	struct p0f_tcp_obs o = obs(64, 1440, 28800, 7, LINUX_SYN, 0);
	struct p0f_match m;

	NEED_SYSDB();
	o.ip_ver = 6;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->flavor, "3.11 and newer");
	assert_false(m.fuzzy);
}

static void
test_response_linux(void **state)
{
	/* SYN+ACK: window 10 * (MSS - 12 bytes of timestamp option). */
	struct p0f_tcp_obs o = obs(64, 1460, 14480, 7, LINUX_SYN, P0F_Q_DF);
	struct p0f_match m;

	NEED_SYSDB();
	o.syn_ack = true;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->name, "Linux");
	assert_string_equal(m.label->flavor, "3.x");
	assert_false(m.fuzzy);
	/* As a SYN it can only match fuzzily (id+ missing) or generically. */
	o.syn_ack = false;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_true(m.fuzzy || m.generic);
}

static void
test_tool_random_ttl(void **state)
{
	struct p0f_tcp_obs o = obs(50, 1460, 1024, -1, "mss", 0);
	struct p0f_match m;
	struct fp_guess g;

	NEED_SYSDB();
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->name, "NMap");
	assert_true(m.label->app);
	assert_false(p0f_match_to_guess(&m, &g));
	/* 64- is an upper bound: above it only a fuzzy OS match is left. */
	o.ttl = 70;
	assert_true(p0f_match_tcp(sysdb, &o, &m));
	assert_string_equal(m.label->name, "Linux");
	assert_true(m.fuzzy);
	assert_true(m.generic);
}

static void
test_mtu(void **state)
{
	NEED_SYSDB();
	assert_string_equal(p0f_match_mtu(sysdb, 1500), "Ethernet or modem");
	assert_string_equal(p0f_match_mtu(sysdb, 1492), "DSL");
	assert_null(p0f_match_mtu(sysdb, 1234));
}

/* Every form of every field, in a file of our own. */
static const char forms[] = "; comment\n"
                            "classes = win,unix,other\n"
                            "\n"
                            "[mtu]\n"
                            "label = Ethernet\n"
                            "sig   = 1500\n"
                            "[tcp:request]\n"
                            "label = s:unix:Forms:one\n"
                            "sys   = Linux,@unix\n"
                            "sig   = 4:54+10:0:1460:%8192,*:mss,nop,ws:df,id+:0\n"
                            "sig   = 6:128:0:*:mtu*4,2:mss,?30,eol+3:flow,ecn:+\n"
                            "sig   = *:255:4:*:mss*2,0:nop,sok,sack,ts::*\n"
                            "sig   = *:64-:0:*:*,14:ws:0+,seq-,ack+,ack-,uptr+,urgf+,pushf+:0\n"
                            "sig   = *:64:0:0:1234,*::ts1-,ts2+,opt+,exws,bad,id-:0\n"
                            "sig   = *:32+?:0:*:1,0:mss::0\n"
                            "label = g:win:Forms:generic\n"
                            "sig   = *:128:0:*:*,*:mss:df:0\n"
                            "[tcp:response]\n"
                            "label = s:other:Forms:resp\n"
                            "sig   = *:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df:0\n"
                            "[http:request]\n"
                            "ua_os = Linux,Windows\n"
                            "label = s:!:Browser:1\n"
                            "sig   = *:Host,User-Agent::Browser\n";

static void
test_parse_every_form(void **state)
{
	struct fp_errors errs;
	struct p0f_db *db;
	struct p0f_tcp_obs o;
	struct p0f_match m;

	fp_errors_init(&errs);
	db = p0f_load_buf("forms.fp", forms, sizeof(forms) - 1, &errs);
	assert_non_null(db);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 0);
	assert_int_equal(p0f_sig_count(db, false), 7);
	assert_int_equal(p0f_sig_count(db, true), 1);
	assert_string_equal(p0f_match_mtu(db, 1500), "Ethernet");

	/* 54+10 is an initial TTL of 64; %8192 any multiple of 8192. */
	o = obs(60, 1460, 16384, 5, "mss,nop,ws", DFID);
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 10);
	assert_int_equal(m.distance, 4);
	o.win = 16385;
	assert_false(p0f_match_tcp(db, &o, &m));
	o.win = 16384;
	o.ip_ver = 6; /* ver 4 only */
	assert_false(p0f_match_tcp(db, &o, &m));

	/* mtu*4 on IPv6: (1440 + 60) * 4; option ?30; eol+3; payload '+'. */
	o = obs(120, 1440, 6000, 2, "mss,?30,eol+3", P0F_Q_FLOW | P0F_Q_ECN);
	o.ip_ver = 6;
	o.payload = true;
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 11);
	o.payload = false;
	assert_false(p0f_match_tcp(db, &o, &m));
	o.payload = true;
	o.eol_pad = 2;
	assert_false(p0f_match_tcp(db, &o, &m));

	/* olen 4, mss*2, payload '*'. */
	o = obs(250, 700, 1400, -1, "nop,sok,sack,ts", 0);
	o.ip_opt_len = 4;
	o.payload = true;
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 12);
	o.ip_opt_len = 0;
	assert_false(p0f_match_tcp(db, &o, &m));

	/* 64-, scale 14, all the TCP flag quirks. */
	o = obs(40, 0, 999, 14, "ws",
	        P0F_Q_MBZ_NZ | P0F_Q_SEQ_ZERO | P0F_Q_ACK_NZ | P0F_Q_ACK_ZERO | P0F_Q_UPTR_NZ |
	                P0F_Q_URG | P0F_Q_PUSH);
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 13);

	/* mss 0 with no MSS option, empty layout, option quirks. */
	o = obs(64, 0, 1234, -1, "",
	        P0F_Q_TS1_ZERO | P0F_Q_TS2_NZ | P0F_Q_OPT_NZ_PAD | P0F_Q_EXWS | P0F_Q_BAD_OPT |
	                P0F_Q_ID_ZERO);
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 14);

	/* "32+?" reads as initial TTL 32; generic only when nothing specific fits. */
	o = obs(30, 1460, 1, -1, "mss", 0);
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_int_equal(m.line, 15);
	o = obs(120, 1460, 5, -1, "mss", P0F_Q_DF);
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_true(m.generic);
	assert_string_equal(m.label->flavor, "generic");

	o = obs(64, 1460, 14600, 3, LINUX_SYN, P0F_Q_DF);
	o.syn_ack = true;
	assert_true(p0f_match_tcp(db, &o, &m));
	assert_string_equal(m.label->flavor, "resp");
	p0f_free(db);
}

static const char broken[] = "classes = win,unix\n"                         /* 1 */
                             "[tcp:request]\n"                              /* 2 */
                             "sig = *:64:0:*:*,*:mss::0\n"                  /* 3: no label */
                             "label = s:unix:Good:1\n"                      /* 4 */
                             "sig = *:64:0:*:*,*:mss:df,zz:0\n"             /* 5: quirk */
                             "sig = *:300:0:*:*,*:mss::0\n"                 /* 6: TTL */
                             "sig = *:64:0:*:*,*:mss::0\n"                  /* 7: good */
                             "sig = *:64:0:*:*,*:mss::0:extra\n"            /* 8: fields */
                             "sig = *:64:0:*:mss*0,*:mss::0\n"              /* 9: window */
                             "sig = *:64:0:*:*,*:mss,eol+1,nop::0\n"        /* 10: after eol */
                             "sig = *:64:0:*:*,*:mss,foo::0\n"              /* 11: option */
                             "sig = 5:64:0:*:*,*:mss::0\n"                  /* 12: version */
                             "sig = *:64:0:*:*,*:mss::x\n"                  /* 13: pclass */
                             "label = s:beos:Bad:1\n"                       /* 14: class */
                             "sig = *:64:0:*:*,*:mss::0\n"                  /* 15: skipped */
                             "label = q:unix:Bad:1\n"                       /* 16: type */
                             "[smtp:request]\n"                             /* 17: section */
                             "sig = whatever\n"                             /* 18: skipped */
                             "[tcp:response]\n"                             /* 19 */
                             "frob = 1\n"                                   /* 20: key */
                             "label = s:win:Good:2\n"                       /* 21 */
                             "sig = *:128:0:*:8192,8:mss,nop,ws:df,id+:0\n" /* 22: good */
                             "sig = *:128:0:*:8192,8:mss,nop,ws:df,id+:0";  /* 23: no newline */

static void
test_errors_have_file_line(void **state)
{
	struct fp_errors errs;
	struct p0f_db *db;

	fp_errors_init(&errs);
	db = p0f_load_buf("broken.fp", broken, sizeof(broken) - 1, &errs);
	assert_non_null(db);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 13);
	assert_int_equal(errs.kept, FP_ERRORS_KEEP);
	assert_string_equal(errs.msg[0], "broken.fp:3: sig before any label");
	assert_string_equal(errs.msg[1], "broken.fp:5: unknown quirk 'zz'");
	assert_string_equal(errs.msg[2], "broken.fp:6: bad TTL '300'");
	assert_non_null(strstr(errs.msg[3], "broken.fp:8: "));
	assert_non_null(strstr(errs.msg[4], "broken.fp:9: "));
	assert_string_equal(errs.msg[5], "broken.fp:10: option after eol 'nop'");
	assert_string_equal(errs.msg[6], "broken.fp:11: unknown TCP option 'foo'");
	assert_non_null(strstr(errs.msg[7], "broken.fp:12: "));
	/* The good lines around the bad ones still load. */
	assert_int_equal(p0f_sig_count(db, false), 1);
	assert_int_equal(p0f_sig_count(db, true), 2);
	p0f_free(db);

	/* Later errors are counted, and their text would read the same. */
	fp_errors_init(&errs);
	db = p0f_load_buf("b.fp", broken + 0, sizeof(broken) - 1, NULL);
	assert_non_null(db);
	p0f_free(db);
}

static void
test_error_lines_tail(void **state)
{
	/* Lines 13 to 20 of the broken file, on their own: each gives its own line number. */
	static const char tail[] = "[tcp:request]\n"
	                           "label = s:unix:X:1\n"
	                           "sig = *:64:0:*:*,*:mss::x\n"
	                           "label = s:beos:Bad:1\n"
	                           "sig = *:64:0:*:*,*:mss::0\n"
	                           "label = q:unix:Bad:1\n"
	                           "[smtp:request]\n"
	                           "sig = whatever\n"
	                           "frob = 1\n"
	                           "[tcp:response]\n"
	                           "frob = 1\n";
	struct fp_errors errs;
	struct p0f_db *db;

	fp_errors_init(&errs);
	db = p0f_load_buf("t.fp", tail, sizeof(tail) - 1, &errs);
	assert_non_null(db);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 4);
	assert_string_equal(errs.msg[0], "t.fp:3: bad payload class 'x'");
	assert_string_equal(errs.msg[1], "t.fp:6: label type must be s or g, not 'q'");
	assert_string_equal(errs.msg[2], "t.fp:7: unknown section 'smtp:request'");
	assert_string_equal(errs.msg[3], "t.fp:11: unknown key 'frob'");
	p0f_free(db);
}

static void
test_unreadable_file(void **state)
{
	struct fp_errors errs;

	fp_errors_init(&errs);
	assert_null(p0f_load("/nonexistent/p0f.fp", &errs));
	assert_null(p0f_load("/", &errs));
}

static void
test_guess_ittl(void **state)
{
	assert_int_equal(p0f_guess_ittl(1), 32);
	assert_int_equal(p0f_guess_ittl(32), 32);
	assert_int_equal(p0f_guess_ittl(33), 64);
	assert_int_equal(p0f_guess_ittl(64), 64);
	assert_int_equal(p0f_guess_ittl(113), 128);
	assert_int_equal(p0f_guess_ittl(129), 255);
	assert_int_equal(p0f_guess_ittl(255), 255);
}

static void
test_guess_families(void **state)
{
	struct p0f_label mac = {false, false, "unix", "Mac OS X", "10.x"};
	struct p0f_label droid = {false, false, "unix", "Linux", "(Android)"};
	struct p0f_label sol = {true, false, "unix", "Solaris", ""};
	struct p0f_match m = {&mac, false, false, 0, 1};
	struct fp_guess g;

	assert_true(p0f_match_to_guess(&m, &g));
	assert_string_equal(g.family, "macos");
	assert_string_equal(g.name, "Mac OS X 10.x");
	m.label = &droid;
	assert_true(p0f_match_to_guess(&m, &g));
	assert_string_equal(g.family, "android");
	m.label = &sol;
	m.generic = true;
	m.fuzzy = true;
	assert_true(p0f_match_to_guess(&m, &g));
	assert_string_equal(g.family, "unix");
	assert_string_equal(g.name, "Solaris");
	assert_int_equal(g.confidence, 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_load_system_db),
	        cmocka_unit_test(test_linux_syn_exact),
	        cmocka_unit_test(test_windows_syn),
	        cmocka_unit_test(test_generic_fallback),
	        cmocka_unit_test(test_ttl_distance_fuzzy),
	        cmocka_unit_test(test_quirk_fuzzy),
	        cmocka_unit_test(test_ipv6_ignores_v4_quirks),
	        cmocka_unit_test(test_response_linux),
	        cmocka_unit_test(test_tool_random_ttl),
	        cmocka_unit_test(test_mtu),
	        cmocka_unit_test(test_parse_every_form),
	        cmocka_unit_test(test_errors_have_file_line),
	        cmocka_unit_test(test_error_lines_tail),
	        cmocka_unit_test(test_unreadable_file),
	        cmocka_unit_test(test_guess_ittl),
	        cmocka_unit_test(test_guess_families),
	};

	return cmocka_run_group_tests(tests, load_sysdb, free_sysdb);
}
