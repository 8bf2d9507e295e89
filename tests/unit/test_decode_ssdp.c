/* test_decode_ssdp.c - SSDP decoder (UPnP Device Architecture 1.1 §1): start lines, headers, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor/decode/ssdp.h"

/* tcpdump-pcaps eapon1.pcap: an M-SEARCH from Windows XP (note: no space after the colons). */
static const uint8_t ssdp_msearch[] = {
        0x4d, 0x2d, 0x53, 0x45, 0x41, 0x52, 0x43, 0x48, 0x20, 0x2a, 0x20, 0x48, 0x54, 0x54, 0x50,
        0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x48, 0x6f, 0x73, 0x74, 0x3a, 0x32, 0x33, 0x39, 0x2e,
        0x32, 0x35, 0x35, 0x2e, 0x32, 0x35, 0x35, 0x2e, 0x32, 0x35, 0x30, 0x3a, 0x31, 0x39, 0x30,
        0x30, 0x0d, 0x0a, 0x53, 0x54, 0x3a, 0x75, 0x72, 0x6e, 0x3a, 0x73, 0x63, 0x68, 0x65, 0x6d,
        0x61, 0x73, 0x2d, 0x75, 0x70, 0x6e, 0x70, 0x2d, 0x6f, 0x72, 0x67, 0x3a, 0x64, 0x65, 0x76,
        0x69, 0x63, 0x65, 0x3a, 0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x47, 0x61, 0x74,
        0x65, 0x77, 0x61, 0x79, 0x44, 0x65, 0x76, 0x69, 0x63, 0x65, 0x3a, 0x31, 0x0d, 0x0a, 0x4d,
        0x61, 0x6e, 0x3a, 0x22, 0x73, 0x73, 0x64, 0x70, 0x3a, 0x64, 0x69, 0x73, 0x63, 0x6f, 0x76,
        0x65, 0x72, 0x22, 0x0d, 0x0a, 0x4d, 0x58, 0x3a, 0x33, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* A NOTIFY as MiniUPnPd sends it; header names in mixed case on purpose. */
static const char ssdp_notify[] =
        "NOTIFY * HTTP/1.1\r\n"
        "HOST: 239.255.255.250:1900\r\n"
        "Cache-Control: max-age=1800\r\n"
        "location: http://192.168.1.1:49152/rootDesc.xml\r\n"
        "NT: upnp:rootdevice\r\n"
        "NTS: ssdp:alive\r\n"
        "SERVER: Linux/3.14 UPnP/1.1 MiniUPnPd/2.1\r\n"
        "USN: uuid:824ff22b-8c7d-41c5-a131-44f534e12555::upnp:rootdevice\r\n"
        "\r\n";

/* An M-SEARCH response in the shape Windows' UPnP Device Host sends. */
static const char ssdp_ok[] =
        "HTTP/1.1 200 OK\r\n"
        "CACHE-CONTROL: max-age=1800\r\n"
        "DATE: Tue, 25 Nov 2025 17:00:00 GMT\r\n"
        "EXT:\r\n"
        "LOCATION: http://192.168.1.50:2869/upnphost/udhisapi.dll?content=uuid:1c2b\r\n"
        "SERVER: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\n"
        "ST: upnp:rootdevice\r\n"
        "USN: uuid:1c2b::upnp:rootdevice\r\n"
        "Content-Length: 0\r\n"
        "\r\n";

static bool
decode(const void *p, size_t n, struct ssdp_msg *m)
{
	struct cursor c = cursor_init(p, n);

	return ssdp_decode(&c, m);
}

static bool
str_is(const struct ssdp_str *s, const char *want)
{
	return s->p != NULL && s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

static void
test_msearch_real(void **state)
{
	struct ssdp_msg m;

	assert_true(decode(ssdp_msearch, sizeof(ssdp_msearch), &m));
	assert_int_equal(m.kind, SSDP_MSEARCH);
	assert_int_equal(m.nheaders, 4);
	assert_true(str_is(&m.st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1"));
	assert_null(m.server.p);
	assert_null(m.location.p);
}

static void
test_notify_case_insensitive(void **state)
{
	struct ssdp_msg m;

	assert_true(decode(ssdp_notify, strlen(ssdp_notify), &m));
	assert_int_equal(m.kind, SSDP_NOTIFY);
	assert_int_equal(m.nheaders, 7);
	assert_true(str_is(&m.cache_control, "max-age=1800"));
	assert_true(str_is(&m.location, "http://192.168.1.1:49152/rootDesc.xml"));
	assert_true(str_is(&m.nt, "upnp:rootdevice"));
	assert_true(str_is(&m.nts, "ssdp:alive"));
	assert_true(str_is(&m.server, "Linux/3.14 UPnP/1.1 MiniUPnPd/2.1"));
	assert_true(str_is(&m.usn, "uuid:824ff22b-8c7d-41c5-a131-44f534e12555::upnp:rootdevice"));
	assert_null(m.st.p);
}

static void
test_search_response(void **state)
{
	struct ssdp_msg m;

	assert_true(decode(ssdp_ok, strlen(ssdp_ok), &m));
	assert_int_equal(m.kind, SSDP_RESPONSE);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.nheaders, 8);
	assert_true(str_is(&m.st, "upnp:rootdevice"));
	assert_true(str_is(&m.server, "Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0"));
	assert_true(str_is(&m.usn, "uuid:1c2b::upnp:rootdevice"));
	assert_true(str_is(&m.location,
	                   "http://192.168.1.50:2869/upnphost/udhisapi.dll?content=uuid:1c2b"));
}

/* Bare LF, whitespace around values, duplicate headers (first wins), a body. */
static void
test_lenient_forms(void **state)
{
	static const char msg[] = "HTTP/1.0 404 Not Found\n"
	                          "Server:   \t spaced value \t \n"
	                          "SERVER: second\n"
	                          "\n"
	                          "body: not a header\n";
	struct ssdp_msg m;

	assert_true(decode(msg, strlen(msg), &m));
	assert_int_equal(m.status, 404);
	assert_true(str_is(&m.server, "spaced value"));
	assert_int_equal(m.nheaders, 2);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
	        "GET / HTTP/1.1\r\n\r\n",
	        "HTTP/1.1 2x0 OK\r\n\r\n",
	        "HTTP/1.1 200OK\r\n\r\n",
	        "NOTIFY * HTTP/1.1\r\nno colon here\r\n\r\n",
	        "NOTIFY * HTTP/1.1\r\nNT : spaced name\r\n\r\n",
	        "NOTIFY * HTTP/1.1\r\nNT: a\r\n folded\r\n\r\n",
	        "NOTIFY * HTTP/1.1\r\n: empty name\r\n\r\n",
	        "NOTIFY * HTTP/1.1\r\nNT: cut without end of line",
	        "NOTIFY * HTTP/1.1",
	        "",
	};
	struct ssdp_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(decode(bad[i], strlen(bad[i]), &m));
}

static void
test_line_caps(void **state)
{
	static char buf[8192];
	struct ssdp_msg m;
	size_t n;

	/* SSDP_LINES_MAX header lines pass, one more does not. */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)snprintf(buf, sizeof(buf), "NOTIFY * HTTP/1.1\r\n");
		for (int i = 0; i < SSDP_LINES_MAX + extra; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: v\r\n", i);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
		if (extra)
			assert_false(decode(buf, n, &m));
		else
			assert_true(decode(buf, n, &m));
	}
	/* A line of SSDP_LINE_MAX bytes passes, one byte more does not. */
	for (int extra = 0; extra <= 1; extra++) {
		size_t vlen = SSDP_LINE_MAX - strlen("LOCATION: ") + (size_t)extra;

		n = (size_t)snprintf(buf, sizeof(buf), "NOTIFY * HTTP/1.1\r\nLOCATION: ");
		memset(buf + n, 'a', vlen);
		n += vlen;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n\r\n");
		if (extra) {
			assert_false(decode(buf, n, &m));
		} else {
			assert_true(decode(buf, n, &m));
			assert_int_equal(m.location.len, vlen);
		}
	}
}

/* Every prefix fails, except one ending just after a complete line, which agrees. */
static void
prefixes(const void *pkt, size_t n)
{
	const uint8_t *b = pkt;
	struct ssdp_msg full, m;

	assert_true(decode(pkt, n, &full));
	for (size_t i = 0; i < n; i++) {
		uint8_t *cp = malloc(i ? i : 1);
		bool ok;

		assert_non_null(cp);
		memcpy(cp, pkt, i);
		ok = decode(cp, i, &m);
		assert_true(ok == (i > 0 && b[i - 1] == '\n'));
		if (ok) {
			assert_int_equal(m.kind, full.kind);
			assert_true(m.nheaders <= full.nheaders);
			if (m.usn.p)
				assert_true(m.usn.len == full.usn.len);
		}
		free(cp);
	}
}

static void
test_truncated(void **state)
{
	prefixes(ssdp_msearch, sizeof(ssdp_msearch));
	prefixes(ssdp_notify, strlen(ssdp_notify));
	prefixes(ssdp_ok, strlen(ssdp_ok));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_msearch_real),
	        cmocka_unit_test(test_notify_case_insensitive),
	        cmocka_unit_test(test_search_response),
	        cmocka_unit_test(test_lenient_forms),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_line_caps),
	        cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
