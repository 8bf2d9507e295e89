/* test_config.c - INI loading, schema errors with exact file:line, every typed getter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/muster.h"

static const struct config_key schema[] = {
        {"sensor", "interface", CONFIG_STRING, 0, 16, CONFIG_F_REQUIRED, NULL, "capture interface"},
        {"sensor", "active", CONFIG_BOOL, 0, 0, 0, "no", "send probes"},
        {"sensor", "workers", CONFIG_INT, 1, 64, 0, "4", "probe workers"},
        {"sensor", "interval", CONFIG_DURATION, 1000, 86400000, 0, "5m", "report interval"},
        {"sensor", "networks", CONFIG_CIDRS, 0, 4, 0, NULL, "networks to probe"},
        {"sensor", "ports", CONFIG_PORTS, 0, 32, 0, "22,80,443", "OS detection ports"},
        {"sensor", "store", CONFIG_PATH, 0, 0, 0, "/var/lib/muster-sensor/hosts.db", "store"},
        {"sensor", "ca", CONFIG_PATH, 0, 0, CONFIG_F_EXISTS, NULL, "CA certificate"},
        {"server", "url", CONFIG_STRING, 0, 0, 0, NULL, "server URL"},
        {"", "debug", CONFIG_BOOL, 0, 0, 0, "no", "global key"},
};

static struct config *
load(const char *text, int *rc)
{
	struct config *c = config_new(schema, MUSTER_NELEM(schema));

	assert_non_null(c);
	*rc = config_load_string(c, "t.ini", text, strlen(text));
	return c;
}

/* Write text to a new temporary file; its path goes into path (caller unlinks). */
static void
write_temp(const char *text, size_t len, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/tmp/muster-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
test_good_file(void **state)
{
	static const char text[] = "# Muster sensor\n"
	                           "debug = yes\n"
	                           "[sensor]\n"
	                           "interface = eth0\n"
	                           "  active = on ; indented, with a comment\n"
	                           "workers=8\n"
	                           "interval: 90s\n"
	                           "networks = 10.0.0.0/8, 192.168.1.0/24 fd00::/8\n"
	                           "ports = 22,80,443,8000-8010\n"
	                           "store = /var/lib/x.db\n"
	                           "ca = /\n"
	                           "[server]\n"
	                           "url = https://muster.example:8443/\n";
	char path[64];
	struct config *c = config_new(schema, MUSTER_NELEM(schema));
	struct config_cidr nets[4];
	uint16_t ports[32];
	const char *s;
	long long i;
	uint64_t ms;
	size_t n;
	bool b;

	write_temp(text, sizeof(text) - 1, path, sizeof(path));
	assert_int_equal(config_load_file(c, path), 0);
	unlink(path);
	assert_int_equal(config_error_count(c), 0);
	assert_int_equal(config_check_required(c), 0);
	assert_int_equal(config_get_bool(c, "", "debug", &b), 0);
	assert_true(b);
	assert_int_equal(config_get_string(c, "sensor", "interface", &s), 0);
	assert_string_equal(s, "eth0");
	assert_int_equal(config_get_bool(c, "sensor", "active", &b), 0);
	assert_true(b);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), 0);
	assert_int_equal(i, 8);
	assert_int_equal(config_get_duration_ms(c, "sensor", "interval", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(config_get_cidrs(c, "sensor", "networks", nets, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(nets[0].family, AF_INET);
	assert_int_equal(nets[0].prefix, 8);
	assert_int_equal(nets[0].addr[0], 10);
	assert_int_equal(nets[2].family, AF_INET6);
	assert_int_equal(nets[2].addr[0], 0xfd);
	assert_int_equal(config_get_ports(c, "sensor", "ports", ports, 32, &n), 0);
	assert_int_equal(n, 14);
	assert_int_equal(ports[3], 8000);
	assert_int_equal(ports[13], 8010);
	assert_int_equal(config_get_path(c, "sensor", "store", &s), 0);
	assert_string_equal(s, "/var/lib/x.db");
	assert_int_equal(config_get_string(c, "server", "url", &s), 0);
	assert_string_equal(s, "https://muster.example:8443/");
	config_free(c);
}

/* Each broken text gives exactly these errors, with the right line numbers. */
static void
test_errors_table(void **state)
{
	static char longline[CONFIG_LINE_MAX + 64];
	static const struct {
		const char *text;
		const char *want[4];
	} cases[] = {
	        {"[sensor]\nbogus = 1\n", {"t.ini:2: unknown key 'bogus' in [sensor]"}},
	        {"x = 1\n", {"t.ini:1: unknown key 'x' outside any [section]"}},
	        {"\n[nope]\nx = 1\ny = 2\n[sensor]\nfoo=1\n",
	         {"t.ini:2: unknown section [nope]", "t.ini:6: unknown key 'foo' in [sensor]"}},
	        {"[sensor]\nactive = yes\n\nactive = no\n",
	         {"t.ini:4: duplicate key 'active' in [sensor] (first on line 2)"}},
	        {"[sensor]\nbroken line\n", {"t.ini:2: expected 'key = value', got 'broken line'"}},
	        {"[sensor\nactive = yes\n[server]\nurl=x\n",
	         {"t.ini:1: section header without ']'"}},
	        {"[sensor] junk\nactive = yes\n", {"t.ini:1: unexpected text after ']'"}},
	        {"[sensor]\n= 5\n", {"t.ini:2: missing key name before '='"}},
	        {"[sensor]\nworkers = 100\n", {"t.ini:2: key 'workers': must be between 1 and 64"}},
	        {"[sensor]\nactive = maybe\n",
	         {"t.ini:2: key 'active': expected yes/no, true/false, on/off or 1/0"}},
	        {"[sensor]\ninterval = 10ms\n",
	         {"t.ini:2: key 'interval': must be between 1000ms and 86400000ms"}},
	        {"[sensor]\nstore = var/db\n", {"t.ini:2: key 'store': must be an absolute path"}},
	        {"[sensor]\ninterface = a-very-long-interface-name\n",
	         {"t.ini:2: key 'interface': longer than 16 bytes"}},
	        {"[sensor]\ninterface = e\x1bth0\n",
	         {"t.ini:2: key 'interface': has control characters or is not valid UTF-8"}},
	        {"[sensor]\nbad\xff = 1\n", {"t.ini:2: unknown key 'bad\\xff' in [sensor]"}},
	        {"[sensor]\nnetworks = 10.0.0.5/8\n",
	         {"t.ini:2: key 'networks': address has bits set past the prefix length"}},
	        {"[sensor]\nports = 80,99999\n",
	         {"t.ini:2: key 'ports': expected ports like 22,80,8000-8010 (1-65535)"}},
	        /* Several errors in one file, all reported in order. */
	        {"[sensor]\nbroken\nworkers = x\n\n# comment\nactive = maybe\nfoo = 1\n",
	         {"t.ini:2: expected 'key = value', got 'broken'",
	          "t.ini:3: key 'workers': not a decimal integer",
	          "t.ini:6: key 'active': expected yes/no, true/false, on/off or 1/0",
	          "t.ini:7: unknown key 'foo' in [sensor]"}},
	        {longline,
	         {"t.ini:2: line longer than 4096 bytes", "t.ini:4: unknown key 'z' in [sensor]"}},
	};
	size_t off;

	off = (size_t)snprintf(longline, sizeof(longline), "[sensor]\nurl = ");
	memset(longline + off, 'a', CONFIG_LINE_MAX);
	snprintf(longline + off + CONFIG_LINE_MAX, sizeof(longline) - off - CONFIG_LINE_MAX,
	         "\nworkers = 2\nz = 1\n");
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		int rc;
		struct config *c = load(cases[i].text, &rc);
		size_t want = 0;

		while (want < 4 && cases[i].want[want])
			want++;
		if (config_error_count(c) != want) {
			char all[2048];
			config_format_errors(c, all, sizeof(all));
			fail_msg("case %zu: %zu errors, want %zu:\n%s", i, config_error_count(c),
			         want, all);
		}
		for (size_t k = 0; k < want; k++)
			assert_string_equal(config_error(c, k), cases[i].want[k]);
		assert_int_equal(rc, MUSTER_EPARSE);
		config_free(c);
	}
}

static void
test_file_line_numbers(void **state)
{
	static const char text[] = "[sensor]\r\n"
	                           "interface = eth0\r\n"
	                           "; comment\r\n"
	                           "workers = 0\r\n"
	                           "\r\n"
	                           "oops\r\n";
	char path[64], want[128];
	struct config *c = config_new(schema, MUSTER_NELEM(schema));

	write_temp(text, sizeof(text) - 1, path, sizeof(path));
	assert_int_equal(config_load_file(c, path), MUSTER_EPARSE);
	unlink(path);
	assert_int_equal(config_error_count(c), 2);
	snprintf(want, sizeof(want), "%s:4: key 'workers': must be between 1 and 64", path);
	assert_string_equal(config_error(c, 0), want);
	snprintf(want, sizeof(want), "%s:6: expected 'key = value', got 'oops'", path);
	assert_string_equal(config_error(c, 1), want);
	config_free(c);
}

static void
test_missing_file(void **state)
{
	struct config *c = config_new(schema, MUSTER_NELEM(schema));

	assert_int_equal(config_load_file(c, "/nonexistent/muster.conf"), MUSTER_EIO);
	assert_int_equal(config_error_count(c), 1);
	assert_string_equal(config_error(c, 0),
	                    "/nonexistent/muster.conf: cannot open: No such file or directory");
	config_free(c);
}

static void
test_nul_byte_and_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbf[sensor]\nworkers = 2\0junk\nactive = yes\n";
	struct config *c = config_new(schema, MUSTER_NELEM(schema));
	long long i;
	bool b;

	assert_int_equal(config_load_string(c, "t.ini", text, sizeof(text) - 1), MUSTER_EPARSE);
	assert_int_equal(config_error_count(c), 1);
	assert_string_equal(config_error(c, 0), "t.ini:2: line contains a NUL byte");
	assert_int_equal(config_get_bool(c, "sensor", "active", &b), 0);
	assert_true(b);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), 0);
	assert_int_equal(i, 4); /* the default: line 2 was dropped */
	config_free(c);
}

static void
test_parse_bool(void **state)
{
	static const char *const yes[] = {"yes", "YES", "true", "True", "on", "1"};
	static const char *const no[] = {"no", "false", "OFF", "off", "0"};
	static const char *const bad[] = {"", "y", "2", "yes ", "enable", "nope"};
	const char *why;
	bool b;

	for (size_t i = 0; i < MUSTER_NELEM(yes); i++) {
		b = false;
		assert_int_equal(config_parse_bool(yes[i], &b, NULL), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < MUSTER_NELEM(no); i++) {
		b = true;
		assert_int_equal(config_parse_bool(no[i], &b, NULL), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		why = NULL;
		assert_int_equal(config_parse_bool(bad[i], &b, &why), MUSTER_EINVAL);
		assert_non_null(why);
	}
}

static void
test_parse_int(void **state)
{
	static const struct {
		const char *s;
		long long min, max;
		int rc;
		long long want;
	} cases[] = {
	        {"0", 0, 10, 0, 0},
	        {"10", 0, 10, 0, 10},
	        {"-5", -10, 10, 0, -5},
	        {"+7", 0, 10, 0, 7},
	        {"11", 0, 10, MUSTER_EINVAL, 0},
	        {"-1", 0, 10, MUSTER_EINVAL, 0},
	        {"", 0, 10, MUSTER_EINVAL, 0},
	        {" 5", 0, 10, MUSTER_EINVAL, 0},
	        {"5x", 0, 10, MUSTER_EINVAL, 0},
	        {"0x10", 0, 100, MUSTER_EINVAL, 0},
	        {"-", 0, 10, MUSTER_EINVAL, 0},
	        {"9223372036854775807", LLONG_MIN, LLONG_MAX, 0, LLONG_MAX},
	        {"9223372036854775808", LLONG_MIN, LLONG_MAX, MUSTER_EINVAL, 0},
	        {"-9223372036854775809", LLONG_MIN, LLONG_MAX, MUSTER_EINVAL, 0},
	};

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		long long v = -42;
		int rc = config_parse_int(cases[i].s, cases[i].min, cases[i].max, &v, NULL);
		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': rc %d", i, cases[i].s, rc);
		assert_true(v == (rc == 0 ? cases[i].want : -42));
	}
}

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t ms;
	} cases[] = {
	        {"30s", 0, 30000},
	        {"5m", 0, 300000},
	        {"6h", 0, 21600000},
	        {"2d", 0, 172800000},
	        {"1500ms", 0, 1500},
	        {"45", 0, 45000},
	        {"0", 0, 0},
	        {"1h30m", 0, 5400000},
	        {"1m1s1ms", 0, 61001},
	        {"213503982334d", 0, 213503982334ULL * 86400000ULL},
	        {"213503982335d", MUSTER_EINVAL, 0}, /* overflows uint64 ms */
	        {"18446744073709551616", MUSTER_EINVAL, 0},
	        {"18446744073709551615", MUSTER_EINVAL, 0}, /* fits, but not as ms */
	        {"", MUSTER_EINVAL, 0},
	        {"s", MUSTER_EINVAL, 0},
	        {"5x", MUSTER_EINVAL, 0},
	        {"5 m", MUSTER_EINVAL, 0},
	        {"-1s", MUSTER_EINVAL, 0},
	        {"1.5h", MUSTER_EINVAL, 0},
	        {"30s5", MUSTER_EINVAL, 0},
	        {"5M", MUSTER_EINVAL, 0},
	};

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		uint64_t ms = 7;
		const char *why = NULL;
		int rc = config_parse_duration_ms(cases[i].s, &ms, &why);
		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': rc %d", i, cases[i].s, rc);
		assert_true(ms == (rc == 0 ? cases[i].ms : 7));
		assert_true(rc == 0 || why != NULL);
	}
}

static void
test_parse_cidrs(void **state)
{
	static const char *const bad[] = {
	        "10.0.0.0/33", "10.0.0.5/8",   "300.1.1.1",    "10.0.0.0/",    "10.0.0.0/-1",
	        "10.0.0.0/+8", "1.2.3.4/8x",   "fe80::1%eth0", "fe80::1/129",  "10.0.0",
	        "::/0x",       "1.2.3.4/0008", "host.example", "10.0.0.0/8/8",
	};
	struct config_cidr out[4];
	size_t n;
	const char *why;

	assert_int_equal(
	        config_parse_cidrs("10.0.0.1 ::1, 0.0.0.0/0,,2001:db8::/32", out, 4, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].family, AF_INET);
	assert_int_equal(out[0].prefix, 32);
	assert_int_equal(out[0].addr[3], 1);
	assert_int_equal(out[1].family, AF_INET6);
	assert_int_equal(out[1].prefix, 128);
	assert_int_equal(out[1].addr[15], 1);
	assert_int_equal(out[2].prefix, 0);
	assert_int_equal(out[3].prefix, 32);
	assert_int_equal(out[3].addr[1], 0x01);
	assert_int_equal(out[3].addr[2], 0x0d);
	assert_int_equal(config_parse_cidrs("192.168.1.128/25", out, 1, &n, NULL), 0);
	assert_int_equal(config_parse_cidrs("", out, 4, &n, NULL), 0);
	assert_int_equal(n, 0);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		why = NULL;
		if (config_parse_cidrs(bad[i], out, 4, &n, &why) != MUSTER_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(why);
	}
	assert_int_equal(config_parse_cidrs("1.1.1.1 2.2.2.2 3.3.3.3", out, 2, &n, &why),
	                 MUSTER_EINVAL);
	assert_string_equal(why, "too many entries");
}

static void
test_parse_ports(void **state)
{
	static const char *const bad[] = {"0",   "65536", "10-5", "a",    "80-",
	                                  "-80", "1--2",  "+80",  "8 0x", "22,80-90-100"};
	uint16_t out[64];
	size_t n;
	const char *why;

	assert_int_equal(config_parse_ports("22,80,443,8000-8010", out, 64, &n, NULL), 0);
	assert_int_equal(n, 14);
	assert_int_equal(out[0], 22);
	assert_int_equal(out[2], 443);
	assert_int_equal(config_parse_ports("22 22, 20-23", out, 64, &n, NULL), 0);
	assert_int_equal(n, 4); /* 22, 20, 21, 23: each port once */
	assert_int_equal(out[1], 20);
	assert_int_equal(config_parse_ports("65535 1", out, 64, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(config_parse_ports("1-65535", NULL, 65535, &n, NULL), 0);
	assert_int_equal(n, 65535);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++)
		if (config_parse_ports(bad[i], out, 64, &n, NULL) != MUSTER_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(config_parse_ports("1-100", out, 64, &n, &why), MUSTER_EINVAL);
	assert_string_equal(why, "too many ports");
}

static void
test_defaults_and_absent(void **state)
{
	int rc;
	struct config *c = load("", &rc);
	uint16_t ports[8];
	struct config_cidr nets[4];
	const char *s;
	long long i;
	uint64_t ms;
	size_t n;
	bool b = true;

	assert_int_equal(rc, 0);
	assert_int_equal(config_get_bool(c, "sensor", "active", &b), 0);
	assert_false(b);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), 0);
	assert_int_equal(i, 4);
	assert_int_equal(config_get_duration_ms(c, "sensor", "interval", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(config_get_ports(c, "sensor", "ports", ports, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(config_get_path(c, "sensor", "store", &s), 0);
	assert_string_equal(s, "/var/lib/muster-sensor/hosts.db");
	assert_int_equal(config_get_cidrs(c, "sensor", "networks", nets, 4, &n), MUSTER_ENOENT);
	assert_int_equal(config_get_string(c, "server", "url", &s), MUSTER_ENOENT);
	assert_int_equal(config_error_count(c), 0);
	config_free(c);
}

static void
test_wrong_type_and_unknown_key(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nactive = yes\n", &rc);
	long long i;
	bool b;

	assert_int_equal(config_get_int(c, "sensor", "active", &i), MUSTER_EINVAL);
	assert_int_equal(config_get_bool(c, "sensor", "nothere", &b), MUSTER_EINVAL);
	config_free(c);
}

/* A bad value is reported once, at load; the getter then fails without repeating it. */
static void
test_bad_value_reported_once(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nworkers = lots\n", &rc);
	long long i = 99;

	assert_int_equal(rc, MUSTER_EPARSE);
	assert_int_equal(config_error_count(c), 1);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), MUSTER_EINVAL);
	assert_int_equal(i, 99);
	assert_int_equal(config_error_count(c), 1);
	config_free(c);
}

static void
test_getter_list_too_small(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nnetworks = 10.0.0.0/8 10.1.0.0/16 10.2.0.0/16\n", &rc);
	struct config_cidr nets[2];
	size_t n;

	assert_int_equal(rc, 0);
	assert_int_equal(config_get_cidrs(c, "sensor", "networks", nets, 2, &n), MUSTER_EINVAL);
	assert_string_equal(config_error(c, 0), "t.ini:2: key 'networks': too many entries");
	config_free(c);
	c = load("[sensor]\nnetworks = 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5\n", &rc);
	assert_int_equal(rc, MUSTER_EPARSE); /* schema caps the list at 4 */
	assert_string_equal(config_error(c, 0), "t.ini:2: key 'networks': too many entries");
	config_free(c);
}

static void
test_path_must_exist(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nca = /nonexistent/ca.pem\n", &rc);
	const char *s;

	assert_int_equal(rc, MUSTER_EPARSE);
	assert_string_equal(config_error(c, 0), "t.ini:2: key 'ca': cannot use path: No such file "
	                                        "or directory");
	assert_int_equal(config_get_path(c, "sensor", "ca", &s), MUSTER_EINVAL);
	config_free(c);
}

static void
test_required_and_set(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nworkers = 2\n", &rc);
	const char *s;
	long long i;

	assert_int_equal(config_check_required(c), MUSTER_EPARSE);
	assert_string_equal(config_error(c, 0),
	                    "t.ini: missing required key 'interface' in [sensor]");
	assert_int_equal(config_set(c, "--interface", "sensor", "interface", "eth1"), 0);
	assert_int_equal(config_get_string(c, "sensor", "interface", &s), 0);
	assert_string_equal(s, "eth1");
	assert_int_equal(config_set(c, "--workers", "sensor", "workers", "9"), 0);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), 0);
	assert_int_equal(i, 9);
	assert_int_equal(config_set(c, "--workers", "sensor", "workers", "900"), MUSTER_EPARSE);
	assert_string_equal(config_error(c, 1),
	                    "--workers: key 'workers': must be between 1 and 64");
	assert_int_equal(config_set(c, "--x", "sensor", "x", "1"), MUSTER_EPARSE);
	config_free(c);
}

/* A second load replaces values; only repeats within one file are duplicates. */
static void
test_second_load_overrides(void **state)
{
	int rc;
	struct config *c = load("[sensor]\nworkers = 2\n", &rc);
	long long i;

	assert_int_equal(config_load_string(c, "local.ini", "[sensor]\nworkers = 3\n", 21), 0);
	assert_int_equal(config_get_int(c, "sensor", "workers", &i), 0);
	assert_int_equal(i, 3);
	assert_int_equal(config_error_count(c), 0);
	config_free(c);
}

static void
test_error_cap_and_format(void **state)
{
	char text[4096], small[32], *all;
	size_t off = 0, full;
	int rc;
	struct config *c;
	FILE *f;

	off += (size_t)snprintf(text + off, sizeof(text) - off, "[sensor]\n");
	for (int i = 0; i < 100; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "k%d = 1\n", i);
	c = load(text, &rc);
	assert_int_equal(rc, MUSTER_EPARSE);
	assert_int_equal(config_error_count(c), CONFIG_ERRORS_MAX);
	assert_string_equal(config_error(c, 0), "t.ini:2: unknown key 'k0' in [sensor]");
	assert_null(config_error(c, CONFIG_ERRORS_MAX));
	full = config_format_errors(c, NULL, 0);
	all = malloc(full + 1);
	assert_int_equal(config_format_errors(c, all, full + 1), full);
	assert_int_equal(strlen(all), full);
	assert_non_null(strstr(all, "t.ini:65: unknown key 'k63' in [sensor]\n"));
	assert_non_null(strstr(all, "... and 36 more errors\n"));
	assert_int_equal(config_format_errors(c, small, sizeof(small)), full);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, all, sizeof(small) - 1);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(config_print_errors(c, f), 0);
	assert_int_equal(ftell(f), (long)full);
	fclose(f);
	free(all);
	config_free(c);
}

/* Without a schema any key is taken and getters apply no limits. */
static void
test_no_schema(void **state)
{
	static const char text[] = "[any]\nn = -3\nd = 2d\nb = off\n";
	struct config *c = config_new(NULL, 0);
	long long i;
	uint64_t ms;
	bool b;

	assert_int_equal(config_load_string(c, NULL, text, sizeof(text) - 1), 0);
	assert_int_equal(config_get_int(c, "any", "n", &i), 0);
	assert_int_equal(i, -3);
	assert_int_equal(config_get_duration_ms(c, "any", "d", &ms), 0);
	assert_int_equal(ms, 172800000);
	assert_int_equal(config_get_bool(c, "any", "b", &b), 0);
	assert_false(b);
	assert_int_equal(config_get_bool(c, "any", "n", &b), MUSTER_EINVAL);
	assert_string_equal(config_error(c, 0),
	                    "<string>:2: key 'n': expected yes/no, true/false, on/off or 1/0");
	config_free(c);
	config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_file),
	        cmocka_unit_test(test_errors_table),
	        cmocka_unit_test(test_file_line_numbers),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_nul_byte_and_bom),
	        cmocka_unit_test(test_parse_bool),
	        cmocka_unit_test(test_parse_int),
	        cmocka_unit_test(test_parse_duration),
	        cmocka_unit_test(test_parse_cidrs),
	        cmocka_unit_test(test_parse_ports),
	        cmocka_unit_test(test_defaults_and_absent),
	        cmocka_unit_test(test_wrong_type_and_unknown_key),
	        cmocka_unit_test(test_bad_value_reported_once),
	        cmocka_unit_test(test_getter_list_too_small),
	        cmocka_unit_test(test_path_must_exist),
	        cmocka_unit_test(test_required_and_set),
	        cmocka_unit_test(test_second_load_overrides),
	        cmocka_unit_test(test_error_cap_and_format),
	        cmocka_unit_test(test_no_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
