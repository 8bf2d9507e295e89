/*
 * test_deploy_targets.c - muster-deploy's target readers: one host a line
 * (host, host:port, user@host:port, [v6]:port, CIDR, trailing comments), CSV
 * with a header, host-record JSON lines, Ansible INI inventories; malformed
 * lines named by number; format detection (a bracketed IPv6 address is a
 * host, not an Ansible section); OS filter, de-duplication, spec round trip;
 * the 100,000-host limit, counted past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/muster.h"
#include "deployer/targets.h"

static void
parse(const char *text, enum targets_format fmt, struct target_list *l, struct targets_diag *d)
{
	memset(l, 0, sizeof(*l));
	memset(d, 0, sizeof(*d));
	assert_int_equal(targets_parse(text, strlen(text), fmt, "t", l, d), 0);
}

static void
test_lines(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	parse("# comment\n"
	      "10.0.0.1\n"
	      "  10.0.0.2:2222  \r\n"
	      "admin@web-1.example.com:2200   # rack 4\n"
	      "[fd00::5]:22\n"
	      "fd00::6\n"
	      "\n"
	      "ops@[fd00::7]\n"
	      "Host-Upper.EXAMPLE\n",
	      TARGETS_AUTO, &l, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.v[0].host, "10.0.0.1");
	assert_int_equal(l.v[0].port, 0);
	assert_int_equal(l.v[1].port, 2222);
	assert_string_equal(l.v[2].host, "web-1.example.com");
	assert_string_equal(l.v[2].user, "admin");
	assert_int_equal(l.v[2].port, 2200);
	assert_string_equal(l.v[3].host, "fd00::5");
	assert_int_equal(l.v[3].port, 22);
	assert_string_equal(l.v[4].host, "fd00::6");
	assert_string_equal(l.v[5].user, "ops");
	assert_string_equal(l.v[5].host, "fd00::7");
	assert_string_equal(l.v[6].host, "host-upper.example");
	targets_free(&l);
}

static void
test_malformed_lines(void **state)
{
	struct target_list l;
	struct targets_diag d;
	static const char *const bad[] = {
	        "10.0.0.300",       /* not an address */
	        "host:0",           /* port 0 */
	        "host:65536",       /* port too big */
	        "host:022",         /* leading zero */
	        "host:",            /* empty port */
	        "a b",              /* two hosts */
	        "a,b",              /* CSV without header */
	        "@host",            /* empty user */
	        "-x@host",          /* user starting with '-' */
	        "[10.0.0.1]:22",    /* brackets hold IPv4 */
	        "[fd00::1",         /* no ']' */
	        "[fd00::1]x",       /* junk after ']' */
	        "fd00::zz",         /* bad IPv6 */
	        "-host",            /* label starts with '-' */
	        "h..x",             /* empty label */
	        "h\xff",            /* not ASCII */
	        "{\"ipv4\":\"x\"}", /* record with a wrong type */
	        "{\"names\":[]}",   /* record without an address */
	        "{not json",        /* broken JSON */
	        "10.0.0.0/8",       /* CIDR too large */
	        "10.0.0.0/33",      /* bad CIDR */
	};
	char text[2048] = "10.0.0.1\n";

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		strncat(text, bad[i], sizeof(text) - strlen(text) - 2);
		strncat(text, "\n", sizeof(text) - strlen(text) - 1);
	}
	parse(text, TARGETS_LINES, &l, &d);
	assert_int_equal(l.n, 1);
	assert_int_equal(d.n_errors, MUSTER_NELEM(bad));
	/* Every message names the file and its line. */
	assert_non_null(strstr(d.errors[0], "t:2:"));
	assert_non_null(strstr(d.errors[1], "t:3:"));
	targets_free(&l);

	/* A NUL byte inside a line. */
	{
		const char nul[] = "10.0.0.1\n10.0.\0.2\n";
		memset(&l, 0, sizeof(l));
		memset(&d, 0, sizeof(d));
		assert_int_equal(targets_parse(nul, sizeof(nul) - 1, TARGETS_LINES, "t", &l, &d),
		                 0);
		assert_int_equal(l.n, 1);
		assert_int_equal(d.n_errors, 1);
		targets_free(&l);
	}
}

/* A first line "[fd00::5]" is a host: no Ansible section name parses as an IPv6 address. */
static void
test_detect_bracketed_v6(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	parse("[fd00::5]\n10.0.0.1\n[::1]:2222\n", TARGETS_AUTO, &l, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].host, "fd00::5");
	assert_int_equal(l.v[0].port, 0);
	assert_string_equal(l.v[1].host, "10.0.0.1");
	assert_string_equal(l.v[2].host, "::1");
	assert_int_equal(l.v[2].port, 2222);
	targets_free(&l);
	parse("# first a comment\n\n  [2001:db8::1]  \n", TARGETS_AUTO, &l, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].host, "2001:db8::1");
	targets_free(&l);
	/* Sections that look a little like addresses stay Ansible. */
	parse("[beef]\nweb1 ansible_host=10.0.0.1\n", TARGETS_AUTO, &l, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "web1");
	targets_free(&l);
	parse("[cafe01]\nweb2 ansible_host=10.0.0.2\n", TARGETS_AUTO, &l, &d);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "web2");
	targets_free(&l);
	parse("[10.0.0.9]\nweb3 ansible_host=10.0.0.3\n", TARGETS_AUTO, &l, &d);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "web3");
	targets_free(&l);
}

static void
test_cidr(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	parse("192.0.2.0/30\n192.0.2.9/32\n", TARGETS_AUTO, &l, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].host, "192.0.2.1");
	assert_string_equal(l.v[1].host, "192.0.2.2");
	assert_string_equal(l.v[2].host, "192.0.2.9");
	targets_free(&l);
	memset(&l, 0, sizeof(l));
	assert_int_equal(targets_add_cidr("198.18.0.0/24", &l, &d, "cli"), 0);
	assert_int_equal(l.n, 254);
	targets_free(&l);
}

static void
test_csv(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	/* The server's CSV export, with extra columns and several addresses. */
	parse("mac,ipv4,hostname,domain,vendor,os_family,os_name,status\n"
	      "52:54:00:00:00:01,10.0.0.5;10.0.0.6,ws-1,corp,\"Acme, "
	      "Inc.\",linux,Debian,unmanaged\n"
	      "52:54:00:00:00:02,,ws-2,corp,x,macos,macOS,unmanaged\n"
	      "52:54:00:00:00:03,10.0.0.7,ws-3\n"
	      "52:54:00:00:00:04,\"10.0.0.8,x,y,z,a,b,c\n",
	      TARGETS_AUTO, &l, &d);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].host, "10.0.0.5");
	assert_string_equal(l.v[0].os_family, "linux");
	assert_string_equal(l.v[0].name, "ws-1");
	assert_string_equal(l.v[1].host, "ws-2"); /* no address: the host name */
	assert_string_equal(l.v[1].os_family, "macos");
	assert_int_equal(d.n_errors, 2); /* short line, unterminated quote */
	targets_free(&l);

	parse("host,port,user\n10.0.0.1,2222,admin\n10.0.0.2,,\n10.0.0.3,x,\n10.0.0.4,22,bad "
	      "user\n",
	      TARGETS_CSV, &l, &d);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].port, 2222);
	assert_string_equal(l.v[0].user, "admin");
	assert_int_equal(l.v[1].port, 0);
	assert_int_equal(d.n_errors, 2);
	targets_free(&l);

	parse("name,colour\nx,red\n", TARGETS_CSV, &l, &d);
	assert_int_equal(l.n, 1); /* "name" is a host name column */
	targets_free(&l);
	parse("mac,colour\nx,red\n", TARGETS_CSV, &l, &d);
	assert_int_equal(l.n, 0);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.errors[0], "no host"));
	targets_free(&l);
}

static void
test_jsonl(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	/* muster-sensor --json lines and the deployer's own target objects. */
	parse("{\"mac\":\"52:54:00:00:00:01\",\"ipv4\":[\"10.0.0.5\"],"
	      "\"names\":[{\"name\":\"ws-5\",\"source\":\"dhcp\"}],"
	      "\"os\":{\"family\":\"Linux\",\"name\":\"Debian\"},\"status\":\"unmanaged\"}\n"
	      "{\"mac\":\"52:54:00:00:00:02\",\"ipv6\":[\"fd00::2\"]}\n"
	      "{\"host\":\"admin@10.0.0.9:2200\",\"os\":\"macos\"}\n"
	      "{\"host\":\"10.0.0.10\",\"port\":2222,\"user\":\"ops\"}\n"
	      "{\"host\":\"10.0.0.11\",\"port\":70000}\n"
	      "{\"mac\":\"52:54:00:00:00:03\"}\n"
	      "[1,2]\n",
	      TARGETS_AUTO, &l, &d);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].host, "10.0.0.5");
	assert_string_equal(l.v[0].os_family, "linux");
	assert_string_equal(l.v[0].name, "ws-5");
	assert_string_equal(l.v[1].host, "fd00::2");
	assert_string_equal(l.v[2].user, "admin");
	assert_int_equal(l.v[2].port, 2200);
	assert_string_equal(l.v[2].os_family, "macos");
	assert_int_equal(l.v[3].port, 2222);
	assert_string_equal(l.v[3].user, "ops");
	assert_int_equal(d.n_errors, 3);
	targets_free(&l);
}

static void
test_ansible(void **state)
{
	struct target_list l;
	struct targets_diag d;

	(void)state;
	parse("# inventory\n"
	      "[all:vars]\n"
	      "ansible_user=deploy\n"
	      "\n"
	      "[web]\n"
	      "web1 ansible_host=10.0.0.1\n"
	      "web2 ansible_host=10.0.0.2 ansible_port=2222 ansible_user='root'\n"
	      "10.0.0.3\n"
	      "db.example.com:2200\n"
	      "\n"
	      "[web:vars]\n"
	      "ansible_port = 2022\n"
	      "\n"
	      "[db]\n"
	      "db1 ansible_host=10.0.0.4 color=blue\n"
	      "web[01:50].example.com\n"
	      "bad ansible_port=0\n"
	      "[prod:children]\n"
	      "web\n",
	      TARGETS_AUTO, &l, &d);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[0].host, "10.0.0.1");
	assert_string_equal(l.v[0].name, "web1");
	assert_string_equal(l.v[0].user, "deploy");
	assert_int_equal(l.v[0].port, 2022); /* [web:vars], even though it comes later */
	assert_int_equal(l.v[1].port, 2222);
	assert_string_equal(l.v[1].user, "root");
	assert_string_equal(l.v[2].host, "10.0.0.3");
	assert_string_equal(l.v[3].host, "db.example.com");
	assert_int_equal(l.v[3].port, 2022); /* the group's port wins over alias:port */
	assert_string_equal(l.v[4].host, "10.0.0.4");
	assert_int_equal(l.v[4].port, 0);
	assert_string_equal(l.v[4].user, "deploy");
	assert_int_equal(d.n_errors, 2); /* the range, the bad port */
	targets_free(&l);
}

static void
test_filter_dedup_format(void **state)
{
	struct target_list l;
	struct targets_diag d;
	char spec[300];

	(void)state;
	parse("{\"host\":\"10.0.0.1\",\"os\":\"linux\"}\n"
	      "{\"host\":\"10.0.0.2\",\"os\":\"windows\"}\n"
	      "{\"host\":\"10.0.0.3\"}\n"
	      "{\"host\":\"10.0.0.4\",\"os\":\"macos\"}\n",
	      TARGETS_AUTO, &l, &d);
	assert_int_equal(targets_filter_os(&l, "linux,MacOS"), 2);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].host, "10.0.0.4");
	targets_free(&l);
	parse("{\"host\":\"10.0.0.3\"}\n{\"host\":\"10.0.0.4\",\"os\":\"linux\"}\n", TARGETS_AUTO,
	      &l, &d);
	assert_int_equal(targets_filter_os(&l, "unknown"), 1);
	assert_string_equal(l.v[0].host, "10.0.0.3");
	targets_free(&l);

	parse("10.0.0.1\n10.0.0.1:22\n10.0.0.1:2222\nroot@10.0.0.1\n10.0.0.2\n", TARGETS_LINES, &l,
	      &d);
	assert_int_equal(targets_dedup(&l, 22), 2);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[1].port, 2222);
	targets_free(&l);

	parse("ops@[fd00::1]:2222\nroot@10.0.0.1\nhost\n", TARGETS_LINES, &l, &d);
	targets_format_spec(&l.v[0], spec, sizeof(spec));
	assert_string_equal(spec, "ops@[fd00::1]:2222");
	targets_format_spec(&l.v[1], spec, sizeof(spec));
	assert_string_equal(spec, "root@10.0.0.1");
	targets_format_spec(&l.v[2], spec, sizeof(spec));
	assert_string_equal(spec, "host");
	/* What we write reads back the same. */
	{
		struct target t;
		char why[64];
		assert_true(targets_parse_spec("ops@[fd00::1]:2222", &t, why, sizeof(why)));
		assert_int_equal(t.port, 2222);
	}
	targets_free(&l);
}

static void
test_limits(void **state)
{
	struct target_list l = {0};
	struct targets_diag d = {0};
	char big[TARGETS_LINE_MAX + 64];

	(void)state;
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(targets_parse(big, strlen(big), TARGETS_LINES, "t", &l, &d), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(d.n_errors, 1);
	/* More errors than kept: all counted. */
	memset(&d, 0, sizeof(d));
	{
		char many[4096] = "";
		for (int i = 0; i < 40; i++)
			strncat(many, "bad host\n", sizeof(many) - strlen(many) - 1);
		assert_int_equal(targets_parse(many, strlen(many), TARGETS_LINES, "t", &l, &d), 0);
		assert_int_equal(d.n_errors, 40);
	}
	assert_int_equal(targets_parse(NULL, 0, TARGETS_AUTO, "t", &l, &d), 0);
	targets_free(&l);
}

/* Past TARGETS_MAX nothing is kept, but everything is counted for the message. */
static void
test_too_many(void **state)
{
	static const char two[] = "10.0.0.0/16\n10.1.0.0/16\n";
	struct target_list l = {0};
	struct targets_diag d = {0};
	size_t block;

	(void)state;
	/* Two /16 blocks from the command line. */
	assert_int_equal(targets_add_cidr("10.0.0.0/16", &l, &d, "cli"), 0);
	block = l.n;
	assert_true(block >= 65534);
	assert_int_equal(l.over, 0);
	assert_int_equal(targets_add_cidr("10.1.0.0/16", &l, &d, "cli"), MUSTER_ETOOBIG);
	assert_int_equal(l.n, TARGETS_MAX);
	assert_int_equal(l.n + l.over, 2 * block);
	assert_int_equal(d.n_errors, 0);
	/* Once full, every later input is counted too. */
	assert_int_equal(targets_parse("10.2.0.1\n10.2.0.2\n", 18, TARGETS_AUTO, "t", &l, &d),
	                 MUSTER_ETOOBIG);
	assert_int_equal(l.n + l.over, 2 * block + 2);
	assert_int_equal(d.n_errors, 0);
	targets_free(&l);
	assert_int_equal(l.over, 0);

	/* The same from a file's lines: every line is read. */
	assert_int_equal(targets_parse(two, strlen(two), TARGETS_AUTO, "t", &l, &d),
	                 MUSTER_ETOOBIG);
	assert_int_equal(l.n, TARGETS_MAX);
	assert_int_equal(l.n + l.over, 2 * block);
	targets_free(&l);

	/* Exactly TARGETS_MAX is fine. */
	{
		struct target t = {0};
		snprintf(t.host, sizeof(t.host), "h");
		for (size_t i = 0; i < TARGETS_MAX; i++)
			assert_int_equal(targets_append(&l, &t), 0);
		assert_int_equal(l.over, 0);
		assert_int_equal(targets_append(&l, &t), MUSTER_ETOOBIG);
		assert_int_equal(l.over, 1);
		targets_free(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lines),
	        cmocka_unit_test(test_malformed_lines),
	        cmocka_unit_test(test_cidr),
	        cmocka_unit_test(test_csv),
	        cmocka_unit_test(test_jsonl),
	        cmocka_unit_test(test_ansible),
	        cmocka_unit_test(test_filter_dedup_format),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_detect_bracketed_v6),
	        cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
