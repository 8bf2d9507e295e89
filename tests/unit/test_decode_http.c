/* test_decode_http.c - HTTP/1.x response heads (RFC 9112), WWW-Authenticate schemes, the HEAD request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/decode/http.h"

static bool
parse(const void *p, size_t n, struct http_head *h)
{
	struct cursor c = cursor_init(p, n);

	return http_parse_head(&c, h);
}

static bool
str_is(const struct http_str *s, const char *want)
{
	if (want == NULL)
		return s->p == NULL;
	return s->p != NULL && s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

/* IIS answering HEAD / with NTLM and Negotiate offered. */
static const char iis[] = "HTTP/1.1 401 Unauthorized\r\n"
                          "Content-Type: text/html\r\n"
                          "Server: Microsoft-IIS/10.0\r\n"
                          "WWW-Authenticate: Negotiate\r\n"
                          "WWW-Authenticate: NTLM\r\n"
                          "X-Powered-By: ASP.NET\r\n"
                          "Date: Tue, 25 Nov 2025 17:00:00 GMT\r\n"
                          "Content-Length: 1293\r\n"
                          "\r\n";

static void
test_iis(void **state)
{
	struct http_head h;
	struct cursor c = cursor_init(iis, sizeof(iis) - 1);

	assert_true(http_parse_head(&c, &h));
	assert_int_equal(c.rem, 0);
	assert_int_equal(h.version_minor, 1);
	assert_int_equal(h.status, 401);
	assert_true(str_is(&h.reason, "Unauthorized"));
	assert_true(h.complete);
	assert_int_equal(h.nheaders, 7);
	assert_true(str_is(&h.server, "Microsoft-IIS/10.0"));
	assert_true(str_is(&h.www_authenticate, "Negotiate"));
	assert_int_equal(h.auth, HTTP_AUTH_NEGOTIATE | HTTP_AUTH_NTLM);
	assert_true(str_is(&h.powered_by, "ASP.NET"));
	assert_true(str_is(&h.content_type, "text/html"));
	assert_int_equal(http_head_len((const uint8_t *)iis, sizeof(iis) - 1), sizeof(iis) - 1);
}

static void
test_table(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint16_t status;
		const char *server;
		uint8_t auth;
		bool complete;
	} cases[] = {
	        {"HTTP/1.0 200 OK\r\nserver: nginx/1.22.1\r\n\r\n", 1, 200, "nginx/1.22.1", 0,
	         true},
	        {"HTTP/1.1 301 Moved\nSERVER:Apache/2.4.62 (Debian)\n\n", 1, 301,
	         "Apache/2.4.62 (Debian)", 0, true},
	        {"HTTP/1.1 200\r\n\r\n", 1, 200, NULL, 0, true}, /* no reason */
	        {"HTTP/1.1 200 \r\nServer:   a b  \t\r\n\r\n", 1, 200, "a b", 0, true},
	        {"HTTP/1.1 401 x\r\nWWW-Authenticate: Basic realm=\"a, Digest b\"\r\n\r\n", 1, 401,
	         NULL, HTTP_AUTH_BASIC, true}, /* comma inside quotes */
	        {"HTTP/1.1 401 x\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth, "
	         "Basic realm=\"r\"\r\n\r\n",
	         1, 401, NULL, HTTP_AUTH_DIGEST | HTTP_AUTH_BASIC, true},
	        {"HTTP/1.1 401 x\r\nWWW-Authenticate: Bearer, Negotiate abc==, Foo\r\n\r\n", 1, 401,
	         NULL, HTTP_AUTH_BEARER | HTTP_AUTH_NEGOTIATE | HTTP_AUTH_OTHER, true},
	        {"HTTP/1.1 200 OK\r\nServer: first\r\nServer: second\r\n\r\n", 1, 200, "first", 0,
	         true},
	        {"HTTP/1.1 200 OK\r\nServer: cut", 1, 200, NULL, 0, false}, /* cut short */
	        {"HTTP/1.1 200 OK\r\nServer: x\r\n", 1, 200, "x", 0, false},
	        {"HTTP/1.1 200 OK\r\n\r\nServer: in-body\r\n", 1, 200, NULL, 0, true},
	        {"HTTP/2 200\r\n\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.1 20 OK\r\n\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.1 2000 OK\r\n\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.x 200 OK\r\n\r\n", 0, 0, NULL, 0, false},
	        {"SSH-2.0-OpenSSH_9.2p1\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.1 200 OK", 0, 0, NULL, 0, false}, /* no line end */
	        {"HTTP/1.1 200 OK\r\nServer : x\r\n\r\n", 0, 0, NULL, 0,
	         false}, /* space before : */
	        {"HTTP/1.1 200 OK\r\nServer: x\r\n folded\r\n\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 0, 0, NULL, 0, false},
	        {"HTTP/1.1 200 OK\r\nSer\0ver: x\r\n\r\n", 0, 0, NULL, 0, false},
	        {"", 0, 0, NULL, 0, false},
	};
	struct http_head h;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].in);

		if (i == 20)
			n = 31; /* the NUL case: length past the NUL */
		assert_int_equal(parse(cases[i].in, n, &h), cases[i].ok);
		if (!cases[i].ok)
			continue;
		assert_int_equal(h.status, cases[i].status);
		assert_true(str_is(&h.server, cases[i].server));
		assert_int_equal(h.auth, cases[i].auth);
		assert_int_equal(h.complete, cases[i].complete);
	}
}

static void
test_caps(void **state)
{
	char *buf = malloc(HTTP_LINE_MAX * 2 + 1024);
	struct http_head h;
	size_t n;

	/* A header line of HTTP_LINE_MAX bytes is fine; one more is not. */
	n = (size_t)snprintf(buf, 64, "HTTP/1.1 200 OK\r\nX: ");
	memset(buf + n, 'v', HTTP_LINE_MAX - 3);
	n += HTTP_LINE_MAX - 3;
	memcpy(buf + n, "\r\n\r\n", 4);
	assert_true(parse(buf, n + 4, &h));
	memmove(buf + n + 1, buf + n, 4);
	buf[n] = 'v';
	assert_false(parse(buf, n + 5, &h));
	/* An endless line without LF is refused once it passes the cap. */
	n = (size_t)snprintf(buf, 64, "HTTP/1.1 200 OK\r\nX: ");
	memset(buf + n, 'v', HTTP_LINE_MAX + 100);
	assert_false(parse(buf, n + HTTP_LINE_MAX + 100, &h));
	/* 64 headers fine, 65 not. */
	n = (size_t)snprintf(buf, 64, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < HTTP_HEADERS_MAX; i++)
		n += (size_t)snprintf(buf + n, 64, "H%d: v\r\n", i);
	memcpy(buf + n, "\r\n", 2);
	assert_true(parse(buf, n + 2, &h));
	assert_int_equal(h.nheaders, HTTP_HEADERS_MAX);
	n += (size_t)snprintf(buf + n, 64, "Hx: v\r\n");
	memcpy(buf + n, "\r\n", 2);
	assert_false(parse(buf, n + 2, &h));
	free(buf);
}

/* Every prefix: false before the status line ends, then partial heads; never an overread. */
static void
test_truncated(void **state)
{
	size_t n = sizeof(iis) - 1, sl = strlen("HTTP/1.1 401 Unauthorized\r\n");
	struct http_head h;

	for (size_t i = 0; i < n; i++) {
		char *copy = malloc(i ? i : 1);

		memcpy(copy, iis, i);
		assert_int_equal(parse(copy, i, &h), i >= sl);
		if (i >= sl)
			assert_false(h.complete);
		assert_int_equal(http_head_len((const uint8_t *)copy, i), 0);
		free(copy);
	}
}

static void
test_build_head(void **state)
{
	uint8_t b[512];
	size_t n;

	n = http_build_head(b, sizeof(b), "198.18.0.10", 80);
	assert_true(n > 0);
	b[n] = 0;
	assert_string_equal((char *)b, "HEAD / HTTP/1.0\r\nHost: 198.18.0.10\r\n"
	                               "User-Agent: muster-sensor\r\nAccept: */*\r\n"
	                               "Connection: close\r\n\r\n");
	n = http_build_head(b, sizeof(b), "fd00:6d75::a", 8080);
	b[n] = 0;
	assert_non_null(strstr((char *)b, "\r\nHost: [fd00:6d75::a]:8080\r\n"));
	n = http_build_head(b, sizeof(b), "web.example", 0);
	b[n] = 0;
	assert_non_null(strstr((char *)b, "\r\nHost: web.example\r\n"));
	assert_int_equal(http_build_head(b, sizeof(b), "evil\r\nX: y", 80), 0);
	assert_int_equal(http_build_head(b, sizeof(b), "a b", 80), 0);
	assert_int_equal(http_build_head(b, sizeof(b), "", 80), 0);
	assert_int_equal(http_build_head(b, 20, "host", 80), 0);
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		assert_int_equal(http_build_head(b, sizeof(b), big, 80), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_iis),        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_caps),       cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_build_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
