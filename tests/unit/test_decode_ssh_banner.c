/* test_decode_ssh_banner.c - SSH identification lines (RFC 4253 §4.2), product split and OS hints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/text.h"
#include "sensor/decode/ssh_banner.h"

static bool
parse(const void *p, size_t n, struct ssh_banner *b)
{
	struct cursor c = cursor_init(p, n);

	return ssh_banner_parse(&c, b);
}

static bool
str_is(const struct ssh_str *s, const char *want)
{
	if (want == NULL)
		return s->p == NULL;
	return s->p != NULL && s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

/* Real banners: software, product, version, comments, and the OS hint. */
static void
test_table(void **state)
{
	static const struct {
		const char *in, *proto, *product, *version, *comments, *family, *name, *osver;
	} cases[] = {
	        {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "2.0", "OpenSSH", "9.2p1",
	         "Debian-2+deb12u3", "linux", "Debian", "12"},
	        {"SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\r\n", "2.0", "OpenSSH", "8.4p1",
	         "Debian-5+deb11u3", "linux", "Debian", "11"},
	        {"SSH-2.0-OpenSSH_7.9p1 Debian-10+deb10u4\r\n", "2.0", "OpenSSH", "7.9p1",
	         "Debian-10+deb10u4", "linux", "Debian", "10"},
	        {"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "2.0", "OpenSSH", "9.2p1", "Debian-2",
	         "linux", "Debian", "12"},
	        {"SSH-2.0-OpenSSH_9.9p1 Debian-3\r\n", "2.0", "OpenSSH", "9.9p1", "Debian-3",
	         "linux", "Debian", ""},
	        {"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 lab7\r\n", "2.0", "OpenSSH", "9.2p1",
	         "Debian-2+deb12u3 lab7", "linux", "Debian", "12"},
	        {"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n", "2.0", "OpenSSH", "8.9p1",
	         "Ubuntu-3ubuntu0.10", "linux", "Ubuntu", "22.04"},
	        {"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n", "2.0", "OpenSSH", "9.6p1",
	         "Ubuntu-3ubuntu13.5", "linux", "Ubuntu", "24.04"},
	        {"SSH-2.0-OpenSSH_9.3p1 Ubuntu-1ubuntu3.6\r\n", "2.0", "OpenSSH", "9.3p1",
	         "Ubuntu-1ubuntu3.6", "linux", "Ubuntu", ""},
	        {"SSH-2.0-OpenSSH_7.9p1 Raspbian-10+deb10u2\r\n", "2.0", "OpenSSH", "7.9p1",
	         "Raspbian-10+deb10u2", "linux", "Raspbian", "10"},
	        {"SSH-2.0-OpenSSH_9.6 FreeBSD-20240104\r\n", "2.0", "OpenSSH", "9.6",
	         "FreeBSD-20240104", "freebsd", "FreeBSD", ""},
	        {"SSH-2.0-OpenSSH_for_Windows_8.1\r\n", "2.0", "OpenSSH_for_Windows", "8.1", NULL,
	         "windows", "Windows", ""},
	        {"SSH-2.0-dropbear_2022.83\r\n", "2.0", "dropbear", "2022.83", NULL, "embedded",
	         "embedded Linux", ""},
	        {"SSH-2.0-libssh_0.10.6\r\n", "2.0", "libssh", "0.10.6", NULL, NULL, NULL, NULL},
	        {"SSH-1.99-Cisco-1.25\r\n", "1.99", "Cisco", "1.25", NULL, "network", "Cisco IOS",
	         ""},
	        {"SSH-2.0-ROSSSH\r\n", "2.0", "ROSSSH", NULL, NULL, "network", "MikroTik RouterOS",
	         ""},
	        {"SSH-2.0-OpenSSH_8.7\r\n", "2.0", "OpenSSH", "8.7", NULL, NULL, NULL, NULL},
	        {"SSH-2.0-Go\r\n", "2.0", "Go", NULL, NULL, NULL, NULL, NULL},
	        {"SSH-2.0-OpenSSH_6.7p1 Debian-5+deb8u4\n", "2.0", "OpenSSH", "6.7p1",
	         "Debian-5+deb8u4", "linux", "Debian", "8"},
	};
	struct ssh_banner b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(parse(cases[i].in, strlen(cases[i].in), &b));
		assert_true(str_is(&b.proto, cases[i].proto));
		assert_true(str_is(&b.product, cases[i].product));
		assert_true(str_is(&b.version, cases[i].version));
		assert_true(str_is(&b.comments, cases[i].comments));
		if (cases[i].family == NULL) {
			assert_null(b.os.family);
			assert_int_equal(b.os.confidence, 0);
		} else {
			assert_string_equal(b.os.family, cases[i].family);
			assert_string_equal(b.os.name, cases[i].name);
			assert_string_equal(b.os.version, cases[i].osver);
		}
	}
}

static void
test_preamble(void **state)
{
	static const char in[] = "Welcome to the lab\r\n"
	                         "\r\n"
	                         "Authorized use only\n"
	                         "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
	                         "\x00\x00\x01\x14 kexinit follows";
	struct ssh_banner b;
	struct cursor c = cursor_init(in, sizeof(in) - 1);

	assert_true(ssh_banner_parse(&c, &b));
	assert_int_equal(b.preamble, 3);
	assert_false(b.bare_lf);
	assert_true(str_is(&b.line, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"));
	/* The cursor stops right after the line: the binary packet protocol follows. */
	assert_int_equal(c.rem, 20);
}

static void
test_preamble_caps(void **state)
{
	char buf[SSH_BANNER_BYTES_MAX + 64];
	struct ssh_banner b;
	size_t n = 0;

	/* 33 lines before the banner: too many. */
	for (int i = 0; i <= SSH_BANNER_PREAMBLE_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "line %d\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SSH-2.0-x\r\n");
	assert_false(parse(buf, n, &b));
	assert_int_equal(b.err, SSH_BANNER_NOT_SSH);
	/* One long preamble line past the byte cap. */
	memset(buf, 'a', sizeof(buf));
	assert_false(parse(buf, sizeof(buf), &b));
	assert_int_equal(b.err, SSH_BANNER_NOT_SSH);
	/* Exactly 32 lines is fine. */
	n = 0;
	for (int i = 0; i < SSH_BANNER_PREAMBLE_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "l%d\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SSH-2.0-x\r\n");
	assert_true(parse(buf, n, &b));
	assert_int_equal(b.preamble, SSH_BANNER_PREAMBLE_MAX);
}

static void
test_hostile(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		int err;
	} cases[] = {
	        {"SSH-2.0-Open\0SSH\r\n", 18, SSH_BANNER_MALFORMED},    /* NUL */
	        {"SSH-2.0-OpenSSH x\0y\r\n", 21, SSH_BANNER_MALFORMED}, /* NUL in comments */
	        {"SSH-2.0-Open\x01SSH\r\n", 18, SSH_BANNER_MALFORMED},  /* control in software */
	        {"SSH-2.0-\r\n", 10, SSH_BANNER_MALFORMED},             /* empty software */
	        {"SSH-2.0 OpenSSH\r\n", 17, SSH_BANNER_MALFORMED},      /* no '-' */
	        {"SSH--OpenSSH\r\n", 14, SSH_BANNER_MALFORMED},         /* empty proto */
	        {"SSH-2 0-OpenSSH\r\n", 17, SSH_BANNER_MALFORMED},      /* space in proto */
	        {"SSH-2.0-OpenSSH_9.2p1", 21, SSH_BANNER_INCOMPLETE},   /* no line end yet */
	        {"", 0, SSH_BANNER_INCOMPLETE},
	        {"HTTP/1.1 400 Bad Request\r\n", 26, SSH_BANNER_INCOMPLETE},
	};
	struct ssh_banner b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_false(parse(cases[i].in, cases[i].n, &b));
		assert_int_equal(b.err, cases[i].err);
		assert_null(b.software.p);
	}
}

/* Control characters in comments are kept raw; text_sanitize makes them safe. */
static void
test_control_chars_escaped(void **state)
{
	static const char in[] = "SSH-2.0-OpenSSH_9.2p1 evil\x1b[31mred\x7f\tend\r\n";
	struct ssh_banner b;
	char safe[TEXT_BANNER_MAX];

	assert_true(parse(in, sizeof(in) - 1, &b));
	assert_int_equal(b.comments.len, 17);
	text_sanitize(b.comments.p, b.comments.len, safe, sizeof(safe));
	assert_string_equal(safe, "evil\\x1b[31mred\\x7f\\x09end");
	for (size_t i = 0; safe[i]; i++)
		assert_true((unsigned char)safe[i] >= 0x20 && (unsigned char)safe[i] != 0x7f);
}

/* RFC 4253 §4.2: 255 bytes with CR LF is the most; 300 is too long. */
static void
test_length_cap(void **state)
{
	char line[400];
	struct ssh_banner b;

	memset(line, 'x', sizeof(line));
	memcpy(line, "SSH-2.0-", 8);
	memcpy(line + 253, "\r\n", 2);
	assert_true(parse(line, 255, &b));
	assert_int_equal(b.software.len, 253 - 8);
	memcpy(line + 253, "xx", 2);
	memcpy(line + 298, "\r\n", 2);
	assert_false(parse(line, 300, &b));
	assert_int_equal(b.err, SSH_BANNER_TOO_LONG);
	/* No line end within 256 bytes of "SSH-": too long already, no need to wait. */
	assert_false(parse(line, 280, &b));
	assert_int_equal(b.err, SSH_BANNER_TOO_LONG);
}

/* Every prefix is incomplete (or, cut after the LF, complete); never an overread. */
static void
test_truncated(void **state)
{
	static const char in[] = "pre\r\nSSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
	size_t n = sizeof(in) - 1;
	struct ssh_banner b;

	for (size_t i = 0; i < n; i++) {
		char *copy = malloc(i ? i : 1);

		memcpy(copy, in, i);
		assert_false(parse(copy, i, &b));
		assert_int_equal(b.err, SSH_BANNER_INCOMPLETE);
		free(copy);
	}
	assert_true(parse(in, n, &b));
	assert_true(b.bare_lf == false);
}

static void
test_bare_lf(void **state)
{
	struct ssh_banner b;

	assert_true(parse("SSH-2.0-dropbear\n", 17, &b));
	assert_true(b.bare_lf);
	assert_true(str_is(&b.product, "dropbear"));
	assert_null(b.version.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_preamble),
	        cmocka_unit_test(test_preamble_caps),
	        cmocka_unit_test(test_hostile),
	        cmocka_unit_test(test_control_chars_escaped),
	        cmocka_unit_test(test_length_cap),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_bare_lf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
