/* test_hostrec.c - host record: JSON round trip, strict type checks, caps, hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/hostrec.h"
#include "common/muster.h"

/* The example of DESIGN.md, "The host record". */
static const char design_example[] =
        "{\n"
        "  \"mac\": \"52:54:00:12:34:56\", \"vendor\": \"QEMU virtual NIC\",\n"
        "  \"ipv4\": [\"10.0.0.5\"], \"ipv6\": [\"fe80::5054:ff:fe12:3456\"],\n"
        "  \"names\": [{\"name\": \"WS-042\", \"source\": \"netbios\"},\n"
        "            {\"name\": \"ws-042.local\", \"source\": \"mdns\"}],\n"
        "  \"os\": {\"family\": \"windows\", \"name\": \"Windows 10\", \"version\": "
        "\"10.0.19045\",\n"
        "         \"confidence\": 90, \"source\": \"smb\"},\n"
        "  \"services\": [{\"proto\": \"tcp\", \"port\": 22,\n"
        "                \"banner\": \"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\"}],\n"
        "  \"smb\": {\"netbios_name\": \"WS-042\", \"netbios_domain\": \"CORP\",\n"
        "          \"dns_name\": \"ws-042.corp.example\", \"build\": 19045, "
        "\"signing_required\": false},\n"
        "  \"dhcp\": {\"hostname\": \"ws-042\", \"vendor_class\": \"MSFT 5.0\", \"prl\": "
        "\"1,3,6,15,31,33,43,44,46,47,119,121,249,252\"},\n"
        "  \"first_seen\": \"2026-11-25T17:00:00Z\", \"last_seen\": \"2026-11-25T17:05:12Z\",\n"
        "  \"sources\": [\"arp\", \"dhcp\", \"smb\"]\n"
        "}\n";

/* Every field there is, server-only ones included. */
static const char full_record[] =
        "{\"mac\":\"02:00:5e:10:00:01\",\"vendor\":\"Example Corp\",\"mac_local\":true,"
        "\"ipv4\":[\"192.168.1.10\",\"10.1.2.3\"],\"ipv6\":[\"2001:db8::1\"],"
        "\"names\":[{\"name\":\"printer\",\"source\":\"mdns\"},{\"name\":\"PRN1\"}],"
        "\"os\":{\"family\":\"linux\",\"name\":\"Debian\",\"version\":\"12\",\"confidence\":70,"
        "\"source\":\"ssh\"},"
        "\"services\":[{\"proto\":\"tcp\",\"port\":445,\"product\":\"Samba\"},"
        "{\"proto\":\"udp\",\"port\":137,\"banner\":\"NBSTAT\",\"product\":\"nmbd\"}],"
        "\"smb\":{\"netbios_name\":\"PRN1\",\"netbios_domain\":\"CORP\",\"dns_name\":\"prn1.corp."
        "example\",\"dns_domain\":\"corp.example\",\"forest\":\"corp.example\",\"dialect\":\"3.1."
        "1\",\"build\":4294967295,\"signing_required\":true},"
        "\"dhcp\":{\"hostname\":\"prn1\",\"vendor_class\":\"udhcp 1.36\",\"prl\":\"1,3,6\","
        "\"client_id\":\"01:02:00:5e:10:00:01\"},"
        "\"first_seen\":\"2024-02-29T23:59:59Z\",\"last_seen\":\"2026-01-01T00:00:00Z\","
        "\"sources\":[\"arp\",\"mdns\"],\"status\":\"unmanaged\",\"status_reason\":\"no agent "
        "enrolled\",\"group\":\"All/HQ/Printers\"}";

static int
parse(struct hostrec *h, const char *text, bool strict, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	return hostrec_from_json_string(h, text, strlen(text), strict, err, errlen);
}

/* Parse text, expect failure with err containing want; the record is left empty. */
static void
expect_error(const char *text, bool strict, const char *want)
{
	struct hostrec h;
	char err[256];
	int r = parse(&h, text, strict, err, sizeof(err));

	if (r != MUSTER_EPARSE || strstr(err, want) == NULL)
		fail_msg("input %s: r=%d err=\"%s\", want \"%s\"", text, r, err, want);
	assert_null(h.ipv4);
	assert_null(h.names);
	assert_null(h.vendor);
	hostrec_clear(&h);
}

/* Serialize, parse the output again and check the second output is identical. */
static char *
reserialize_stable(const struct hostrec *h)
{
	struct hostrec again;
	char err[256], *a, *b;

	assert_non_null(a = hostrec_to_json_string(h));
	if (parse(&again, a, true, err, sizeof(err)) != 0)
		fail_msg("re-parse of %s: %s", a, err);
	assert_non_null(b = hostrec_to_json_string(&again));
	assert_string_equal(a, b);
	free(b);
	hostrec_clear(&again);
	return a;
}

static void
test_design_example_round_trip(void **state)
{
	struct json_object *orig, *out;
	struct hostrec h;
	char err[256], *text;

	assert_int_equal(parse(&h, design_example, true, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(h.mac, "52:54:00:12:34:56");
	assert_string_equal(h.vendor, "QEMU virtual NIC");
	assert_false(h.mac_local);
	assert_int_equal(h.n_ipv4, 1);
	assert_string_equal(h.ipv4[0], "10.0.0.5");
	assert_string_equal(h.ipv6[0], "fe80::5054:ff:fe12:3456");
	assert_int_equal(h.n_names, 2);
	assert_string_equal(h.names[1].name, "ws-042.local");
	assert_string_equal(h.names[1].source, "mdns");
	assert_string_equal(h.os.family, "windows");
	assert_int_equal(h.os.confidence, 90);
	assert_int_equal(h.n_services, 1);
	assert_string_equal(h.services[0].proto, "tcp");
	assert_int_equal(h.services[0].port, 22);
	assert_null(h.services[0].product);
	assert_int_equal(h.smb.build, 19045);
	assert_int_equal(h.smb.signing_required, 0);
	assert_null(h.smb.forest);
	assert_string_equal(h.dhcp.prl, "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	assert_null(h.dhcp.client_id);
	assert_int_equal(h.first_seen, 1795626000); /* 2026-11-25T17:00:00Z */
	assert_int_equal(h.last_seen - h.first_seen, 5 * 60 + 12);
	assert_int_equal(h.n_sources, 3);
	assert_null(h.status);

	/* The output is the same JSON value as the input. */
	text = reserialize_stable(&h);
	orig = json_tokener_parse(design_example);
	out = json_tokener_parse(text);
	assert_non_null(orig);
	assert_non_null(out);
	assert_true(json_object_equal(orig, out));
	json_object_put(orig);
	json_object_put(out);
	free(text);
	hostrec_clear(&h);
}

static void
test_full_record_round_trip(void **state)
{
	struct json_object *orig, *out;
	struct hostrec h;
	char err[256];

	assert_int_equal(parse(&h, full_record, true, err, sizeof(err)), 0);
	assert_true(h.mac_local);
	assert_int_equal(h.smb.build, 4294967295u);
	assert_int_equal(h.smb.signing_required, 1);
	assert_null(h.names[1].source);
	assert_null(h.services[0].banner);
	assert_string_equal(h.group, "All/HQ/Printers");
	orig = json_tokener_parse(full_record);
	assert_non_null(out = hostrec_to_json(&h));
	assert_true(json_object_equal(orig, out));
	/* No "\/" escaping in the text form. */
	free(reserialize_stable(&h));
	{
		char *s = hostrec_to_json_string(&h);
		assert_non_null(strstr(s, "All/HQ/Printers"));
		free(s);
	}
	json_object_put(orig);
	json_object_put(out);
	hostrec_clear(&h);
}

static void
test_absent_fields(void **state)
{
	struct hostrec h, *n;
	char err[256], *s;

	assert_int_equal(parse(&h, "{}", true, err, sizeof(err)), 0);
	assert_string_equal(h.mac, "");
	assert_int_equal(h.smb.signing_required, -1);
	assert_int_equal(h.first_seen, 0);
	s = hostrec_to_json_string(&h);
	assert_string_equal(s, "{}");
	free(s);
	hostrec_clear(&h);

	/* JSON null means unknown, like an absent field. */
	assert_int_equal(parse(&h,
	                       "{\"mac\":null,\"vendor\":null,\"ipv4\":null,\"os\":null,"
	                       "\"smb\":{\"build\":null,\"signing_required\":null},"
	                       "\"names\":[{\"name\":\"a\",\"source\":null}]}",
	                       true, err, sizeof(err)),
	                 0);
	s = hostrec_to_json_string(&h);
	assert_string_equal(s, "{\"names\":[{\"name\":\"a\"}]}");
	free(s);
	hostrec_clear(&h);

	/* A new record and empty objects serialize to nothing. */
	assert_non_null(n = hostrec_new());
	s = hostrec_to_json_string(n);
	assert_string_equal(s, "{}");
	free(s);
	hostrec_free(n);
	hostrec_free(NULL);
	assert_int_equal(
	        parse(&h, "{\"os\":{},\"smb\":{},\"dhcp\":{},\"vendor\":\"\"}", true, NULL, 0), 0);
	s = hostrec_to_json_string(&h);
	assert_string_equal(s, "{}");
	free(s);
	hostrec_clear(&h);

	/* signing_required false alone says nothing and is left out. */
	memset(&h, 0, sizeof(h));
	s = hostrec_to_json_string(&h);
	assert_string_equal(s, "{}");
	free(s);
}

struct bad_case {
	const char *json;
	const char *field;
};

static void
test_wrong_types_every_field(void **state)
{
	static const struct bad_case cases[] = {
	        {"{\"mac\":5}", "field 'mac': must be a string"},
	        {"{\"vendor\":[]}", "field 'vendor': must be a string"},
	        {"{\"mac_local\":\"yes\"}", "field 'mac_local': must be true or false"},
	        {"{\"mac_local\":1}", "field 'mac_local'"},
	        {"{\"ipv4\":\"10.0.0.1\"}", "field 'ipv4': must be an array"},
	        {"{\"ipv4\":[\"10.0.0.1\",7]}", "field 'ipv4[1]': must be a string"},
	        {"{\"ipv6\":{}}", "field 'ipv6': must be an array"},
	        {"{\"ipv6\":[null]}", "field 'ipv6[0]': must be a string"},
	        {"{\"names\":{}}", "field 'names': must be an array"},
	        {"{\"names\":[\"x\"]}", "field 'names[0]': must be an object"},
	        {"{\"names\":[{\"name\":\"a\"},{\"source\":\"mdns\"}]}",
	         "field 'names[1].name': missing"},
	        {"{\"names\":[{\"name\":1}]}", "field 'names[0].name': must be a string"},
	        {"{\"names\":[{\"name\":\"\"}]}", "field 'names[0].name': must not be empty"},
	        {"{\"names\":[{\"name\":\"a\",\"source\":true}]}",
	         "field 'names[0].source': must be a string"},
	        {"{\"os\":\"linux\"}", "field 'os': must be an object"},
	        {"{\"os\":{\"family\":1}}", "field 'os.family': must be a string"},
	        {"{\"os\":{\"name\":{}}}", "field 'os.name': must be a string"},
	        {"{\"os\":{\"version\":10}}", "field 'os.version': must be a string"},
	        {"{\"os\":{\"confidence\":\"90\"}}", "field 'os.confidence': must be an integer"},
	        {"{\"os\":{\"confidence\":90.5}}", "field 'os.confidence': must be an integer"},
	        {"{\"os\":{\"confidence\":101}}",
	         "field 'os.confidence': must be between 0 and 100"},
	        {"{\"os\":{\"source\":[]}}", "field 'os.source': must be a string"},
	        {"{\"services\":{}}", "field 'services': must be an array"},
	        {"{\"services\":[1]}", "field 'services[0]': must be an object"},
	        {"{\"services\":[{\"port\":22}]}", "field 'services[0].proto': missing"},
	        {"{\"services\":[{\"proto\":\"icmp\",\"port\":1}]}",
	         "field 'services[0].proto': must be \"tcp\" or \"udp\""},
	        {"{\"services\":[{\"proto\":6,\"port\":1}]}",
	         "field 'services[0].proto': must be a"},
	        {"{\"services\":[{\"proto\":\"tcp\"}]}", "field 'services[0].port': missing"},
	        {"{\"services\":[{\"proto\":\"tcp\",\"port\":\"22\"}]}",
	         "field 'services[0].port': must be an integer"},
	        {"{\"services\":[{\"proto\":\"tcp\",\"port\":0}]}",
	         "field 'services[0].port': must be between 1 and 65535"},
	        {"{\"services\":[{\"proto\":\"tcp\",\"port\":65536}]}", "field 'services[0].port'"},
	        {"{\"services\":[{\"proto\":\"tcp\",\"port\":1,\"banner\":1}]}",
	         "field 'services[0].banner': must be a string"},
	        {"{\"services\":[{\"proto\":\"tcp\",\"port\":1,\"product\":false}]}",
	         "field 'services[0].product': must be a string"},
	        {"{\"smb\":[]}", "field 'smb': must be an object"},
	        {"{\"smb\":{\"netbios_name\":1}}", "field 'smb.netbios_name': must be a string"},
	        {"{\"smb\":{\"netbios_domain\":1}}", "field 'smb.netbios_domain'"},
	        {"{\"smb\":{\"dns_name\":1}}", "field 'smb.dns_name'"},
	        {"{\"smb\":{\"dns_domain\":1}}", "field 'smb.dns_domain'"},
	        {"{\"smb\":{\"forest\":1}}", "field 'smb.forest'"},
	        {"{\"smb\":{\"dialect\":3.11}}", "field 'smb.dialect'"},
	        {"{\"smb\":{\"build\":\"19045\"}}", "field 'smb.build': must be an integer"},
	        {"{\"smb\":{\"build\":-1}}", "field 'smb.build': must be between"},
	        {"{\"smb\":{\"build\":4294967296}}", "field 'smb.build': must be between"},
	        {"{\"smb\":{\"build\":99999999999999999999999}}", "field 'smb.build'"},
	        {"{\"smb\":{\"signing_required\":0}}",
	         "field 'smb.signing_required': must be true or false"},
	        {"{\"dhcp\":\"x\"}", "field 'dhcp': must be an object"},
	        {"{\"dhcp\":{\"hostname\":1}}", "field 'dhcp.hostname'"},
	        {"{\"dhcp\":{\"vendor_class\":1}}", "field 'dhcp.vendor_class'"},
	        {"{\"dhcp\":{\"prl\":[1,3,6]}}", "field 'dhcp.prl': must be a string"},
	        {"{\"dhcp\":{\"client_id\":1}}", "field 'dhcp.client_id'"},
	        {"{\"first_seen\":1795626000}", "field 'first_seen': must be a string"},
	        {"{\"last_seen\":\"yesterday\"}", "field 'last_seen': not an RFC 3339 time"},
	        {"{\"sources\":\"arp\"}", "field 'sources': must be an array"},
	        {"{\"sources\":[\"arp\",1]}", "field 'sources[1]': must be a string"},
	        {"{\"sources\":[\"\"]}", "field 'sources[0]': must not be empty"},
	        {"{\"status\":1}", "field 'status': must be a string"},
	        {"{\"status_reason\":{}}", "field 'status_reason': must be a string"},
	        {"{\"group\":[\"All\"]}", "field 'group': must be a string"},
	};

	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		expect_error(cases[i].json, false, cases[i].field);
		expect_error(cases[i].json, true, cases[i].field);
	}
}

static void
test_strict_unknown_fields(void **state)
{
	struct hostrec h;
	char err[256];

	expect_error("{\"mac\":\"52:54:00:12:34:56\",\"colour\":\"red\"}", true,
	             "field 'colour': unknown field");
	expect_error("{\"os\":{\"family\":\"linux\",\"kernel\":\"6.1\"}}", true,
	             "field 'os.kernel': unknown field");
	expect_error("{\"names\":[{\"name\":\"a\",\"ttl\":120}]}", true,
	             "field 'names[0].ttl': unknown field");
	expect_error("{\"services\":[{\"proto\":\"tcp\",\"port\":1,\"state\":\"open\"}]}", true,
	             "field 'services[0].state'");
	expect_error("{\"smb\":{\"os\":\"x\"}}", true, "field 'smb.os'");
	expect_error("{\"dhcp\":{\"lease\":3600}}", true, "field 'dhcp.lease'");
	/* The unknown key is untrusted: it is escaped in the message. */
	expect_error("{\"bad\\u001b[2Jkey\":1}", true, "field 'bad\\x1b[2Jkey': unknown field");

	/* Lenient mode ignores what it does not know, even nested. */
	assert_int_equal(parse(&h,
	                       "{\"mac\":\"52:54:00:12:34:56\",\"colour\":\"red\","
	                       "\"os\":{\"family\":\"linux\",\"kernel\":[1,2]},\"future\":{}}",
	                       false, err, sizeof(err)),
	                 0);
	assert_string_equal(h.os.family, "linux");
	hostrec_clear(&h);
}

static void
test_hostile_strings_escaped(void **state)
{
	struct hostrec h;
	char err[256], *s;

	/* From JSON: controls, C1, NUL, DEL are escaped; safe text (and backslashes) kept. */
	assert_int_equal(parse(&h,
	                       "{\"vendor\":\"\\u001b[31mred\\u0007\","
	                       "\"names\":[{\"name\":\"a\\u0000b\\r\\nc\",\"source\":\"mdns\"}],"
	                       "\"os\":{\"name\":\"x\\u0085y\\u007f\"},"
	                       "\"dhcp\":{\"hostname\":\"C:\\\\path caf\\u00e9 \\u202e\"}}",
	                       true, err, sizeof(err)),
	                 0);
	assert_string_equal(h.vendor, "\\x1b[31mred\\x07");
	assert_string_equal(h.names[0].name, "a\\x00b\\x0d\\x0ac");
	assert_string_equal(h.os.name, "x\\xc2\\x85y\\x7f");
	assert_string_equal(h.dhcp.hostname, "C:\\path caf\xc3\xa9 \xe2\x80\xae");
	s = reserialize_stable(&h);
	assert_null(strchr(s, '\x1b'));
	free(s);
	hostrec_clear(&h);

	/* From the wire (adders): bad UTF-8 and backslashes escaped too. */
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostrec_add_name(&h, "WS\xff\xfe\n", "netbios"), 0);
	assert_string_equal(h.names[0].name, "WS\\xff\\xfe\\x0a");
	assert_int_equal(hostrec_add_service(&h, "tcp", 22, "SSH-2.0-\x01\\x", NULL), 0);
	assert_string_equal(h.services[0].banner, "SSH-2.0-\\x01\\\\x");
	assert_int_equal(hostrec_set_str(&h.vendor, "\xc0\xaf overlong"), 0);
	assert_string_equal(h.vendor, "\\xc0\\xaf overlong");
	assert_int_equal(hostrec_set_str(&h.vendor, NULL), 0);
	assert_null(h.vendor);
	assert_int_equal(hostrec_set_str(&h.vendor, ""), 0);
	assert_null(h.vendor);
	free(reserialize_stable(&h));
	hostrec_clear(&h);

	/* Invalid UTF-8 in the JSON text itself is a syntax error. */
	expect_error("{\"vendor\":\"\xff\"}", false, "");
}

static void
test_caps_on_text(void **state)
{
	struct hostrec h;
	struct buf b;
	char big[2000];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostrec_add_name(&h, big, "mdns"), 0);
	assert_int_equal(strlen(h.names[0].name), 255);
	assert_int_equal(hostrec_add_service(&h, "tcp", 80, big, big), 0);
	assert_int_equal(strlen(h.services[0].banner), 512);
	assert_int_equal(strlen(h.services[0].product), 255);
	hostrec_clear(&h);

	buf_init(&b, 1 << 20);
	assert_int_equal(buf_printf(&b,
	                            "{\"names\":[{\"name\":\"%s\"}],\"services\":[{\"proto\":"
	                            "\"udp\",\"port\":53,\"banner\":\"%s\"}],\"vendor\":\"%s\"}",
	                            big, big, big),
	                 0);
	assert_int_equal(parse(&h, buf_cstr(&b), true, NULL, 0), 0);
	assert_int_equal(strlen(h.names[0].name), 255);
	assert_int_equal(strlen(h.services[0].banner), 512);
	assert_int_equal(strlen(h.vendor), 255);
	free(reserialize_stable(&h));
	hostrec_clear(&h);
	buf_free(&b);
}

/* A JSON object {key: [n distinct valid entries]}. */
static void
array_json(struct buf *b, const char *key, size_t n)
{
	buf_reset(b);
	assert_int_equal(buf_printf(b, "{\"%s\":[", key), 0);
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			assert_int_equal(buf_putc(b, ','), 0);
		if (strcmp(key, "ipv4") == 0)
			assert_int_equal(buf_printf(b, "\"10.0.%u.%u\"", i / 256, i % 256), 0);
		else if (strcmp(key, "ipv6") == 0)
			assert_int_equal(buf_printf(b, "\"2001:db8::%x\"", i + 1), 0);
		else if (strcmp(key, "names") == 0)
			assert_int_equal(buf_printf(b, "{\"name\":\"n%u\"}", i), 0);
		else if (strcmp(key, "services") == 0)
			assert_int_equal(buf_printf(b, "{\"proto\":\"tcp\",\"port\":%u}", 1000 + i),
			                 0);
		else
			assert_int_equal(buf_printf(b, "\"s%u\"", i), 0);
	}
	assert_int_equal(buf_puts(b, "]}"), 0);
}

static void
test_caps_on_arrays(void **state)
{
	static const struct {
		const char *key;
		size_t max;
	} cases[] = {
	        {"ipv4", 64}, {"ipv6", 64}, {"names", 64}, {"services", 256}, {"sources", 32},
	};
	struct hostrec h;
	struct buf b;
	char err[256], want[64];

	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		array_json(&b, cases[i].key, cases[i].max);
		if (parse(&h, buf_cstr(&b), true, err, sizeof(err)) != 0)
			fail_msg("%s at cap: %s", cases[i].key, err);
		hostrec_clear(&h);
		array_json(&b, cases[i].key, cases[i].max + 1);
		assert_int_equal(parse(&h, buf_cstr(&b), false, err, sizeof(err)), MUSTER_EPARSE);
		snprintf(want, sizeof(want), "field '%s': more than %zu entries", cases[i].key,
		         cases[i].max);
		assert_string_equal(err, want);
		hostrec_clear(&h);
	}
	buf_free(&b);

	/* The adders refuse the entry past the cap. */
	memset(&h, 0, sizeof(h));
	for (unsigned i = 0; i < 64; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.9.0.%u", i);
		assert_int_equal(hostrec_add_ipv4(&h, ip), 0);
	}
	assert_int_equal(hostrec_add_ipv4(&h, "10.9.1.1"), MUSTER_ETOOBIG);
	assert_int_equal(hostrec_add_ipv4(&h, "10.9.0.1"), 0); /* duplicate: not an error */
	assert_int_equal(h.n_ipv4, 64);
	hostrec_clear(&h);
}

static void
test_truncated_json(void **state)
{
	size_t len = strlen(design_example);
	struct hostrec h;
	char err[256];

	/* Every proper prefix of the example fails cleanly (ASan checks for leaks). */
	for (size_t i = 0; i + 2 < len; i++) {
		memset(&h, 0, sizeof(h));
		err[0] = 'x';
		assert_int_equal(
		        hostrec_from_json_string(&h, design_example, i, false, err, sizeof(err)),
		        MUSTER_EPARSE);
		assert_true(strlen(err) > 0);
		hostrec_clear(&h);
	}
	memset(&h, 0, sizeof(h));
	assert_int_equal(
	        hostrec_from_json_string(&h, design_example, len / 2, true, err, sizeof(err)),
	        MUSTER_EPARSE);
	assert_non_null(strstr(err, "truncated"));
	expect_error("", false, "empty input");
	expect_error("{\"mac\":\"52:54:00:12:34:56\"", false, "truncated");
	expect_error("{} {}", false, "syntax error");
	expect_error("{\"a\":1,}", false, "syntax error");
	expect_error("{'mac':'x'}", false, "syntax error");
	expect_error("[]", false, "not a JSON object");
	expect_error("null", false, "not a JSON object");
	expect_error("\"str\"", false, "not a JSON object");
	/* Nesting deeper than any record needs is refused. */
	expect_error(
	        "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	        false, "");
	/* A NUL byte inside the given length. */
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostrec_from_json_string(&h, "{}\0{}", 5, false, err, sizeof(err)),
	                 MUSTER_EPARSE);
	assert_non_null(strstr(err, "NUL"));
	/* Trailing white space is fine. */
	assert_int_equal(parse(&h, "{}\r\n\t ", true, err, sizeof(err)), 0);
	hostrec_clear(&h);
}

static void
test_mac_forms(void **state)
{
	static const char *const bad[] = {
	        "52:54:00:12:34",     "52:54:00:12:34:5g",    "52-54:00:12:34:56",
	        "525400123456",       "52:54:00:12:34:56:78", "52:54:00:12:34:56 ",
	        " 52:54:00:12:34:56", "52.54.00.12.34.56",    "",
	        "5:254:00:12:34:56",
	};
	struct hostrec h;
	char json[128], err[256];

	assert_int_equal(parse(&h, "{\"mac\":\"52-54-00-AB-cD-EF\"}", true, err, sizeof(err)), 0);
	assert_string_equal(h.mac, "52:54:00:ab:cd:ef");
	hostrec_clear(&h);
	assert_int_equal(parse(&h, "{\"mac\":\"52:54:00:AB:CD:EF\"}", true, err, sizeof(err)), 0);
	assert_string_equal(h.mac, "52:54:00:ab:cd:ef");
	hostrec_clear(&h);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		snprintf(json, sizeof(json), "{\"mac\":\"%s\"}", bad[i]);
		expect_error(json, false, "field 'mac': not a MAC address");
	}
	expect_error("{\"mac\":\"52:54:00:12:34:\\u0000\"}", false, "field 'mac'");
}

static void
test_ip_addresses(void **state)
{
	struct hostrec h;
	char err[256];

	memset(&h, 0, sizeof(h));
	assert_int_equal(hostrec_add_ipv4(&h, "10.0.0.5"), 0);
	assert_int_equal(hostrec_add_ipv4(&h, "10.0.0.5"), 0);
	assert_int_equal(hostrec_add_ipv4(&h, "10.0.0.256"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv4(&h, "10.0.0"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv4(&h, " 10.0.0.6"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv4(&h, "::1"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv4(&h, NULL), MUSTER_EINVAL);
	assert_int_equal(h.n_ipv4, 1);
	assert_int_equal(hostrec_add_ipv6(&h, "FE80:0:0:0::1"), 0);
	assert_int_equal(hostrec_add_ipv6(&h, "fe80::1"), 0); /* same address */
	assert_int_equal(hostrec_add_ipv6(&h, "::ffff:10.0.0.1"), 0);
	assert_int_equal(hostrec_add_ipv6(&h, "fe80::1%eth0"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv6(&h, "10.0.0.1"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_ipv6(&h, "1::2::3"), MUSTER_EINVAL);
	assert_int_equal(h.n_ipv6, 2);
	assert_string_equal(h.ipv6[0], "fe80::1");
	assert_string_equal(h.ipv6[1], "::ffff:10.0.0.1");
	hostrec_clear(&h);

	expect_error("{\"ipv4\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.300\"]}", true,
	             "field 'ipv4[2]': not a valid IPv4 address");
	expect_error("{\"ipv6\":[\"fe80::1\",\"fe80::g\"]}", true,
	             "field 'ipv6[1]': not a valid IPv6 address");
	expect_error("{\"ipv4\":[\"10.0.0.1\\u0000junk\"]}", true,
	             "field 'ipv4[0]': not a valid IPv4 address");
	assert_int_equal(
	        parse(&h, "{\"ipv6\":[\"2001:DB8:0::1\",\"2001:db8::1\"]}", true, err, sizeof(err)),
	        0);
	assert_int_equal(h.n_ipv6, 1);
	assert_string_equal(h.ipv6[0], "2001:db8::1");
	hostrec_clear(&h);
}

static void
test_adders_ignore_duplicates(void **state)
{
	struct hostrec *h = hostrec_new();

	assert_non_null(h);
	assert_int_equal(hostrec_add_name(h, "ws-042", "mdns"), 0);
	assert_int_equal(hostrec_add_name(h, "ws-042", "mdns"), 0);
	assert_int_equal(hostrec_add_name(h, "ws-042", "dhcp"), 0);
	assert_int_equal(hostrec_add_name(h, "ws-042", NULL), 0);
	assert_int_equal(hostrec_add_name(h, "ws-042", NULL), 0);
	assert_int_equal(hostrec_add_name(h, "", "mdns"), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_name(h, NULL, "mdns"), MUSTER_EINVAL);
	assert_int_equal(h->n_names, 3);

	assert_int_equal(hostrec_add_source(h, "arp"), 0);
	assert_int_equal(hostrec_add_source(h, "arp"), 0);
	assert_int_equal(hostrec_add_source(h, ""), MUSTER_EINVAL);
	assert_int_equal(h->n_sources, 1);

	/* A repeated service fills in what it lacked and keeps what it had. */
	assert_int_equal(hostrec_add_service(h, "tcp", 22, NULL, NULL), 0);
	assert_int_equal(hostrec_add_service(h, "tcp", 22, "SSH-2.0-a", "OpenSSH"), 0);
	assert_int_equal(hostrec_add_service(h, "tcp", 22, "SSH-2.0-b", NULL), 0);
	assert_int_equal(hostrec_add_service(h, "udp", 22, NULL, NULL), 0);
	assert_int_equal(hostrec_add_service(h, "icmp", 1, NULL, NULL), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_service(h, "tcp", 0, NULL, NULL), MUSTER_EINVAL);
	assert_int_equal(hostrec_add_service(h, NULL, 1, NULL, NULL), MUSTER_EINVAL);
	assert_int_equal(h->n_services, 2);
	assert_string_equal(h->services[0].banner, "SSH-2.0-a");
	assert_string_equal(h->services[0].product, "OpenSSH");
	free(reserialize_stable(h));
	hostrec_free(h);
}

static void
test_times(void **state)
{
	static const char *const bad[] = {
	        "2026-11-25 17:00:00Z",
	        "2026-11-25T17:00:00",
	        "2026-13-01T00:00:00Z",
	        "2026-02-29T00:00:00Z",
	        "2026-04-31T00:00:00Z",
	        "2026-11-25T24:00:00Z",
	        "2026-11-25T17:60:00Z",
	        "2026-11-25T17:00:61Z",
	        "2026-11-25T17:00:00.Z",
	        "2026-11-25T17:00:00+0100",
	        "2026-11-25T17:00:00Zjunk",
	        "26-11-25T17:00:00Z",
	        "",
	        "2026-11-25T17:00:00+24:00",
	};
	char out[21];
	time_t t = 0;

	assert_true(hostrec_parse_time("2026-11-25T17:00:00Z", &t));
	assert_int_equal(t, 1795626000);
	hostrec_format_time(t, out);
	assert_string_equal(out, "2026-11-25T17:00:00Z");
	assert_true(hostrec_parse_time("2026-11-25t18:30:00.123456+01:30", &t));
	assert_int_equal(t, 1795626000);
	assert_false(hostrec_parse_time("2026-11-25T12:00:00-05:00z", &t));
	assert_true(hostrec_parse_time("2026-11-25T12:00:00-05:00", &t));
	assert_int_equal(t, 1795626000);
	assert_true(hostrec_parse_time("2024-02-29T00:00:00z", &t));
	assert_true(hostrec_parse_time("2000-02-29T00:00:00Z", &t));
	assert_true(hostrec_parse_time("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t, 0);
	assert_true(hostrec_parse_time("1969-12-31T23:59:59Z", &t));
	assert_int_equal(t, -1);
	hostrec_format_time(t, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	assert_false(hostrec_parse_time("1900-02-29T00:00:00Z", &t));
	assert_false(hostrec_parse_time(NULL, &t));
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		if (hostrec_parse_time(bad[i], &t))
			fail_msg("accepted %s", bad[i]);
	}
	hostrec_format_time(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	hostrec_format_time((time_t)400000000000LL, out); /* year > 9999 */
	assert_string_equal(out, "");
}

static void
test_error_buffer_and_clear_on_failure(void **state)
{
	struct hostrec h;
	char small[12];

	/* A short buffer is truncated, never overrun; NULL is allowed. */
	assert_int_equal(parse(&h, "{\"ipv4\":[\"x\"]}", true, small, sizeof(small)),
	                 MUSTER_EPARSE);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(parse(&h, "{\"ipv4\":[\"x\"]}", true, NULL, 0), MUSTER_EPARSE);

	/* Fields parsed before the error are released and the record is zero. */
	assert_int_equal(
	        parse(&h,
	              "{\"mac\":\"52:54:00:12:34:56\",\"vendor\":\"v\",\"ipv4\":[\"10.0.0.1\"],"
	              "\"names\":[{\"name\":\"n\"}],\"sources\":[\"arp\",5]}",
	              true, NULL, 0),
	        MUSTER_EPARSE);
	assert_string_equal(h.mac, "");
	assert_null(h.vendor);
	assert_int_equal(h.n_ipv4, 0);
	assert_int_equal(h.n_names, 0);
	assert_int_equal(h.n_sources, 0);
	hostrec_clear(&h);
	hostrec_clear(NULL);
}

static void
test_from_json_object(void **state)
{
	struct json_object *o = json_object_new_array();
	struct hostrec h;
	char err[128];

	memset(&h, 0, sizeof(h));
	assert_int_equal(hostrec_from_json(&h, o, false, err, sizeof(err)), MUSTER_EPARSE);
	assert_non_null(strstr(err, "not a JSON object"));
	assert_int_equal(hostrec_from_json(&h, NULL, false, err, sizeof(err)), MUSTER_EPARSE);
	json_object_put(o);
	o = json_tokener_parse(full_record);
	assert_int_equal(hostrec_from_json(&h, o, true, err, sizeof(err)), 0);
	assert_int_equal(h.n_services, 2);
	json_object_put(o);
	hostrec_clear(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_design_example_round_trip),
	        cmocka_unit_test(test_full_record_round_trip),
	        cmocka_unit_test(test_absent_fields),
	        cmocka_unit_test(test_wrong_types_every_field),
	        cmocka_unit_test(test_strict_unknown_fields),
	        cmocka_unit_test(test_hostile_strings_escaped),
	        cmocka_unit_test(test_caps_on_text),
	        cmocka_unit_test(test_caps_on_arrays),
	        cmocka_unit_test(test_truncated_json),
	        cmocka_unit_test(test_mac_forms),
	        cmocka_unit_test(test_ip_addresses),
	        cmocka_unit_test(test_adders_ignore_duplicates),
	        cmocka_unit_test(test_times),
	        cmocka_unit_test(test_error_buffer_and_clear_on_failure),
	        cmocka_unit_test(test_from_json_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
