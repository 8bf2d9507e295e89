/* test_installer_encode.c: every encoder against hostile values. Each value
 * is either refused with a message or carried exactly, and "exactly" is
 * proven by the consumer: /bin/sh (and bash) print what enc_sh produced,
 * libinih parses what enc_ini produced, libxml2 parses what enc_xml
 * produced. PowerShell and cmd.exe are not in Debian (no pwsh), so enc_ps1
 * and enc_cmd are checked structurally: a model of PowerShell's single-quote
 * rules decodes the literal, and cmd output must be inside the whitelist.
 * Also: the rendered live.sh carries hostile group/policy/host values, and
 * the policy validator and group rules refuse what they must. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INI_HANDLER_LINENO 1 /* as common/config.c: Debian's build */
#include <ini.h>
#include <json-c/json.h>
#ifdef MUSTER_HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif

#include "common/text.h"
#include "installer-builder/artifact.h"
#include "installer-builder/encode.h"
#include "installer-builder/model.h"
#include "installer-builder/render.h"

static char *long_value;

/* At least 40 hostile values; index 0 is filled with a very long one. */
static const char *hostile[] = {
        NULL, /* long */
        "'",
        "''",
        "\"",
        "\"\"",
        "`id`",
        "$(id)",
        "$(touch /tmp/muster-pwned)",
        "${HOME}",
        "$HOME",
        "$((1+1))",
        ";id",
        "a;b",
        "&calc",
        "a & b",
        "|id",
        "a||b",
        "%PATH%",
        "%%",
        "!x!",
        "^",
        "a^&b",
        "a\nb",
        "a\r\nb",
        "\r",
        "\n",
        "\t",
        "a\tb",
        "\xe2\x80\x98", /* U+2018 */
        "\xe2\x80\x99", /* U+2019 */
        "\xe2\x80\x9a", /* U+201A */
        "\xe2\x80\x9b", /* U+201B */
        "'\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9a\xe2\x80\x9b'",
        "\xe2\x80\x9c\xe2\x80\x9d", /* “” */
        "\\",
        "\\'",
        "'\\''",
        "a b",
        " lead",
        "trail ",
        "#c",
        ";c",
        "a ;c",
        "a #c",
        "<x>&amp;</x>",
        "]]>",
        "--",
        "-e",
        "\x1b[31mred",
        "\x7f",
        "\x01",
        "caf\xc3\xa9",
        "\xe6\x97\xa5\xe6\x9c\xac",
        "\xf0\x9f\x98\x80",
        "\xff",
        "\xc3",
        "\xed\xa0\x80",
        "\xc0\xaf",
        "\xef\xbf\xbe",
        "",
        "*",
        "?",
        "~",
        "\\$x",
        "> /tmp/x",
        "\"quoted\"",
        "'single'",
        "All/HQ/it's \"Linux\"",
        "x' ; rm -rf / ; '",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* Run argv, capture stdout (up to cap). Returns bytes read or -1. */
static ssize_t
run_capture(char *const argv[], char *out, size_t cap)
{
	int fds[2], st;
	pid_t pid;
	size_t n = 0;
	ssize_t k;

	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (n < cap && (k = read(fds[0], out + n, cap - n)) > 0)
		n += (size_t)k;
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return (ssize_t)n;
}

static void
test_sh_executed(void **state)
{
	static const char *shells[] = {"/bin/sh", "/bin/bash", "/bin/dash"};
	size_t cap = 300000, refused = 0, carried = 0;
	char *out = malloc(cap), err[200];

	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		const char *v = hostile[i];
		char *e = enc_sh(v, err, sizeof(err));

		if (e == NULL) {
			/* Only invalid UTF-8 is refused; the reason says so. */
			assert_false(text_utf8_valid(v, strlen(v)));
			assert_non_null(strstr(err, "UTF-8"));
			refused++;
			continue;
		}
		for (size_t s = 0; s < 3; s++) {
			struct buf cmd;
			ssize_t n;

			if (access(shells[s], X_OK) != 0)
				continue;
			buf_init(&cmd, 1 << 20);
			assert_int_equal(buf_printf(&cmd, "printf '%%s' %s", e), 0);
			{
				char *argv[] = {(char *)shells[s], "-c", (char *)buf_cstr(&cmd),
				                NULL};

				n = run_capture(argv, out, cap);
			}
			assert_true(n >= 0);
			if ((size_t)n != strlen(v) || memcmp(out, v, (size_t)n) != 0)
				fail_msg("%s: value %zu not carried exactly", shells[s], i);
			buf_free(&cmd);
		}
		carried++;
		free(e);
	}
	assert_true(carried >= 40);
	print_message("enc_sh: %zu carried exactly (executed), %zu refused\n", carried, refused);
	free(out);
}

/* PowerShell single-quoted literal, as the language spec reads it: the
 * quote characters are ' and U+2018..U+201B; inside, two quote characters
 * in a row stand for one. Returns the decoded text or NULL if malformed. */
static bool
ps_quote(const char *s, size_t i, size_t len, size_t *ql)
{
	if (s[i] == '\'') {
		*ql = 1;
		return true;
	}
	if (i + 2 < len && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9b) {
		*ql = 3;
		return true;
	}
	return false;
}

static char *
ps_decode(const char *lit)
{
	size_t len = strlen(lit), i, q, q2, o = 0;
	char *out = malloc(len + 1);

	if (len < 2 || !ps_quote(lit, 0, len, &q) || q != 1)
		goto bad;
	for (i = 1; i < len;) {
		if (ps_quote(lit, i, len, &q)) {
			if (i + q < len && ps_quote(lit, i + q, len, &q2)) {
				memcpy(out + o, lit + i + q, q2); /* the second one stands */
				o += q2;
				i += q + q2;
				continue;
			}
			if (i + q == len) /* the closing quote */
				break;
			goto bad;
		}
		out[o++] = lit[i++];
	}
	if (i + 1 != len) /* closing ' must be the last byte */
		goto bad;
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void
test_ps1_structural(void **state)
{
	char err[200];
	size_t carried = 0;

	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		char *e = enc_ps1(hostile[i], err, sizeof(err)), *d;

		if (e == NULL) {
			assert_false(text_utf8_valid(hostile[i], strlen(hostile[i])));
			continue;
		}
		d = ps_decode(e);
		if (d == NULL || strcmp(d, hostile[i]) != 0)
			fail_msg("enc_ps1: value %zu does not decode back", i);
		carried++;
		free(d);
		free(e);
	}
	assert_true(carried >= 40);
}

static void
test_cmd_whitelist(void **state)
{
	char err[200];
	size_t carried = 0, refused = 0;

	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		const char *v = hostile[i];
		char *e = enc_cmd(v, err, sizeof(err));

		if (e == NULL) {
			/* The fallback: base64, which is inside the whitelist. */
			char *b = enc_base64(v, strlen(v)), *e2;
			size_t n = 0;
			unsigned char *d = dec_base64(b, &n);

			assert_non_null(strstr(err, "whitelist") != NULL || strstr(err, "UTF-8") ||
			                                strstr(err, "long")
			                        ? err
			                        : NULL);
			assert_non_null(d);
			assert_int_equal(n, strlen(v));
			assert_memory_equal(d, v, n);
			if (strlen(b) <= 8000) {
				assert_non_null(e2 = enc_cmd(b, err, sizeof(err)));
				free(e2);
			}
			free(b);
			free(d);
			refused++;
			continue;
		}
		assert_string_equal(e, v);
		for (const char *p = e; *p; p++)
			assert_true(strchr("%!^&|<>\"'`()\r\n\t", *p) == NULL);
		carried++;
		free(e);
	}
	assert_true(refused >= 40);
	print_message("enc_cmd: %zu plain, %zu via base64\n", carried, refused);
}

struct ini_got {
	char *value;
	int n;
};

static int
ini_cb(void *u, const char *sec, const char *key, const char *val, int line)
{
	struct ini_got *g = u;

	(void)sec;
	(void)line;
	if (strcmp(key, "k") == 0) {
		free(g->value);
		g->value = strdup(val != NULL ? val : "");
		g->n++;
	}
	return 1;
}

static void
test_ini_parsed(void **state)
{
	static char start_prefixes[] = ";#", inline_prefixes[] = ";";
	char err[200];
	size_t carried = 0, refused = 0;

	(void)state;
	/* The reader's options, as common/config.c sets them for agent.conf. */
	ini_allow_multiline = 0;
	ini_allow_inline_comments = 1;
	ini_start_comment_prefixes = start_prefixes;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_max_line = 4096 + 3;
	ini_use_stack = 1;
	for (size_t i = 0; i < NHOSTILE; i++) {
		const char *v = hostile[i];
		char *e = enc_ini(v, err, sizeof(err));
		struct ini_got g = {NULL, 0};
		struct buf doc;

		if (e == NULL) {
			assert_true(strlen(err) > 0);
			refused++;
			continue;
		}
		buf_init(&doc, 1 << 20);
		assert_int_equal(buf_printf(&doc, "[s]\nk = %s\nafter = 1\n", e), 0);
		assert_int_equal(ini_parse_string(buf_cstr(&doc), ini_cb, &g), 0);
		assert_int_equal(g.n, 1);
		if (strcmp(g.value, v) != 0)
			fail_msg("enc_ini: value %zu read back as \"%s\"", i, g.value);
		carried++;
		free(g.value);
		buf_free(&doc);
		free(e);
	}
	assert_true(carried + refused == NHOSTILE && carried >= 20 && refused >= 10);
	print_message("enc_ini: %zu carried (parsed by libinih), %zu refused\n", carried, refused);
}

static void
test_xml_parsed(void **state)
{
	char err[200];
	size_t carried = 0, refused = 0;

	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		const char *v = hostile[i];
		char *e = enc_xml(v, err, sizeof(err));

		if (e == NULL) {
			assert_true(strlen(err) > 0);
			refused++;
			continue;
		}
		for (const char *p = e; *p; p++)
			assert_true(strchr("<>\"'", *p) == NULL && (unsigned char)*p >= 0x20);
#ifdef MUSTER_HAVE_LIBXML2
		{
			struct buf doc;
			xmlDocPtr x;
			xmlNodePtr root;
			xmlChar *attr, *text;

			buf_init(&doc, 1 << 22);
			assert_int_equal(buf_printf(&doc, "<r a=\"%s\" b='%s'>%s</r>", e, e, e), 0);
			x = xmlReadMemory(buf_cstr(&doc), (int)doc.len, "t.xml", "UTF-8",
			                  XML_PARSE_NONET | XML_PARSE_NOERROR |
			                          XML_PARSE_NOWARNING | XML_PARSE_HUGE);
			assert_non_null(x);
			root = xmlDocGetRootElement(x);
			attr = xmlGetProp(root, (const xmlChar *)"a");
			text = xmlNodeGetContent(root);
			assert_string_equal((char *)attr, v);
			assert_string_equal((char *)text, v);
			xmlFree(attr);
			xmlFree(text);
			attr = xmlGetProp(root, (const xmlChar *)"b");
			assert_string_equal((char *)attr, v);
			xmlFree(attr);
			xmlFreeDoc(x);
			buf_free(&doc);
		}
#endif
		carried++;
		free(e);
	}
	assert_true(carried >= 30 && refused >= 8);
	print_message("enc_xml: %zu carried (parsed by libxml2), %zu refused\n", carried, refused);
}

static void
test_base64(void **state)
{
	(void)state;
	for (size_t i = 0; i < NHOSTILE; i++) {
		size_t n = 0;
		char *b = enc_base64(hostile[i], strlen(hostile[i]));
		unsigned char *d = dec_base64(b, &n);

		assert_non_null(d);
		assert_int_equal(n, strlen(hostile[i]));
		assert_memory_equal(d, hostile[i], n);
		free(b);
		free(d);
	}
	assert_null(dec_base64("QQ=", NULL));
	assert_null(dec_base64("QR==", NULL)); /* non-canonical */
	assert_null(dec_base64("Q===", NULL));
	assert_null(dec_base64("QQ==QQ==", NULL));
}

/* The rendered live.sh carries hostile values: run its header in sh. */
static void
test_live_sh_carries(void **state)
{
	static const char *groups[] = {"All/it's",   "All/$(id)", "All/a\"b",
	                               "All/`x`;|&", "All/%!^",   "All/\xe2\x80\x98q\xe2\x80\x99",
	                               "All/a #b",   "All/x ;y"};
	char err[300], out[65536];

	(void)state;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct inst_model m;
		struct tvar *vars;
		char *conf, *prefix, *script, *cut;
		const char *names[] = {"INSTALLER_ID",
		                       "OS",
		                       "ARCH",
		                       "EXPIRES",
		                       "SERVER_HOST",
		                       "SERVER_PORT",
		                       "DOWNLOAD_URL",
		                       "AGENT_NAME",
		                       "AGENT_KIND",
		                       "AGENT_CMD",
		                       "AGENT_SHA256",
		                       "DISK_KB",
		                       "CONFIG_B64",
		                       "CA_PEM",
		                       "POLICY_JSON",
		                       "AGENT_CONF",
		                       "CLIENT_CERT_PEM",
		                       "CLIENT_KEY_PEM",
		                       "ENROLL_PREFIX"};
		size_t nv = sizeof(names) / sizeof(names[0]);
		struct buf cmd;
		ssize_t n;

		memset(&m, 0, sizeof(m));
		m.server_host = strdup("srv.example");
		m.server_port = 8443;
		m.group = strdup(groups[i]);
		m.token = strdup("mse_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		memcpy(m.installer_id, "00000000-0000-4000-8000-000000000000", 37);
		conf = art_agent_conf(&m, err, sizeof(err));
		if (conf == NULL) {
			/* Refused with the field named: INI cannot carry it. */
			assert_non_null(strstr(err, "GROUP"));
			model_free(&m);
			continue;
		}
		prefix = art_enroll_prefix(&m);
		vars = calloc(nv, sizeof(*vars));
		for (size_t k = 0; k < nv; k++) {
			vars[k].name = names[k];
			vars[k].value = "x";
		}
		vars[14].value = "{\"tags\":[\"$(id)'`\"]}";
		vars[15].value = conf;
		vars[18].value = prefix;
		script = tmpl_render("live.sh", vars, nv, err, sizeof(err));
		assert_non_null(script);
		cut = strstr(script, "\n# --- common.sh");
		assert_non_null(cut);
		*cut = '\0';
		buf_init(&cmd, 1 << 20);
		buf_printf(&cmd,
		           "%s\nprintf '%%s\\n---\\n%%s\\n---\\n%%s' \"$AGENT_CONF\" "
		           "\"$ENROLL_PREFIX\" \"$POLICY_JSON\"",
		           script);
		{
			char *argv[] = {"/bin/sh", "-c", (char *)buf_cstr(&cmd), NULL};

			n = run_capture(argv, out, sizeof(out) - 1);
		}
		assert_true(n > 0);
		out[n] = '\0';
		{
			struct buf want;

			buf_init(&want, 1 << 20);
			buf_printf(&want, "%s\n---\n%s\n---\n%s", conf, prefix, vars[14].value);
			assert_string_equal(out, buf_cstr(&want));
			buf_free(&want);
		}
		/* The enrollment prefix is JSON whose group is exactly the value. */
		{
			struct buf j;
			struct json_object *o, *g;

			buf_init(&j, 1 << 16);
			buf_printf(&j, "%s}", prefix);
			o = json_tokener_parse(buf_cstr(&j));
			assert_non_null(o);
			assert_true(json_object_object_get_ex(o, "group", &g));
			assert_string_equal(json_object_get_string(g), groups[i]);
			json_object_put(o);
			buf_free(&j);
		}
		buf_free(&cmd);
		free(script);
		free(vars);
		free(conf);
		free(prefix);
		model_free(&m);
	}
}

static void
test_render_refuses(void **state)
{
	char err[300];
	struct tvar v[] = {{"INSTALLER_ID", "x"}};

	(void)state;
	/* A value its encoder refuses names the placeholder. */
	{
		struct inst_model m;

		memset(&m, 0, sizeof(m));
		m.server_host = strdup("h");
		m.group = strdup("All/a\nb");
		m.token = strdup("mse_x");
		assert_null(art_agent_conf(&m, err, sizeof(err)));
		assert_non_null(strstr(err, "GROUP"));
		model_free(&m);
	}
	/* Missing variables are an error, not an empty string. */
	assert_null(tmpl_render("agent.conf", v, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "no value"));
	assert_null(tmpl_render("no-such", v, 1, err, sizeof(err)));
	/* Every placeholder in every template names a known encoder. */
	for (size_t i = 0; tmpl_files[i].name != NULL; i++) {
		const char *p = tmpl_files[i].text, *q;

		while ((q = strstr(p, "@@")) != NULL) {
			const char *e = strstr(q + 2, "@@");

			assert_non_null(e);
			if (strncmp(q, "@@INCLUDE:", 10) != 0) {
				const char *us = e;

				while (us > q && *us != '_')
					us--;
				assert_true(strncmp(us, "_SH@@", 5) == 0 ||
				            strncmp(us, "_PS1@@", 6) == 0 ||
				            strncmp(us, "_CMD@@", 6) == 0 ||
				            strncmp(us, "_INI@@", 6) == 0 ||
				            strncmp(us, "_XML@@", 6) == 0 ||
				            strncmp(us, "_B64@@", 6) == 0);
			}
			p = e + 2;
		}
	}
}

static void
test_policy(void **state)
{
	static const struct {
		const char *json, *want; /* want NULL: refused */
	} cases[] = {
	        {"{\"version\":1}", "{\"version\":1}"},
	        {"{\"modules\":{\"inventory\":{\"interval\":60,\"enabled\":true}},\"version\":1}",
	         "{\"version\":1,\"modules\":{\"inventory\":{\"enabled\":true,\"interval\":60}}}"},
	        {"{\"version\":1,\"tags\":[\"$(id)'`\\\"\"]}",
	         "{\"version\":1,\"tags\":[\"$(id)'`\\\"\"]}"},
	        {"{\"version\":2}", NULL},
	        {"{}", NULL},
	        {"{\"version\":1,\"extra\":1}", NULL},
	        {"{\"version\":1,\"log_level\":\"loud\"}", NULL},
	        {"{\"version\":1,\"update_interval\":59}", NULL},
	        {"{\"version\":1,\"update_interval\":\"60\"}", NULL},
	        {"{\"version\":1,\"modules\":{\"x\":{\"enabled\":true}}}", NULL},
	        {"{\"version\":1,\"modules\":{\"inventory\":{}}}", NULL},
	        {"{\"version\":1,\"modules\":{\"inventory\":{\"enabled\":1}}}", NULL},
	        {"{\"version\":1,\"tags\":[\"a\\u0000b\"]}", NULL},
	        {"{\"version\":1,\"tags\":[\"a\\nb\"]}", NULL},
	        {"{\"version\":1,\"tags\":[\"\"]}", NULL},
	        {"{\"version\":1} x", NULL},
	        {"[1]", NULL},
	        {"{\"version\":1,\"tags\":[\"\xff\"]}", NULL},
	        {"{\"version\":1,", NULL},
	        {"", NULL},
	};
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = policy_validate(cases[i].json, strlen(cases[i].json), err, sizeof(err));

		if (cases[i].want == NULL) {
			if (c != NULL)
				fail_msg("policy case %zu accepted: %s", i, c);
			assert_non_null(strstr(err, "policy"));
		} else {
			assert_non_null(c);
			assert_string_equal(c, cases[i].want);
		}
		free(c);
	}
	/* NUL inside the document. */
	assert_null(policy_validate("{\"version\":1}\0", 14, err, sizeof(err)));
}

static void
test_fields(void **state)
{
	char err[200];

	(void)state;
	assert_true(model_valid_host("srv.example.org", err, sizeof(err)));
	assert_true(model_valid_host("198.18.0.1", err, sizeof(err)));
	assert_true(model_valid_host("fd00::1", err, sizeof(err)));
	assert_false(model_valid_host("a b", err, sizeof(err)));
	assert_false(model_valid_host("$(id)", err, sizeof(err)));
	assert_false(model_valid_host("-x.example", err, sizeof(err)));
	assert_false(model_valid_host("a..b", err, sizeof(err)));
	assert_false(model_valid_host("", err, sizeof(err)));
	assert_true(model_valid_group("All/HQ/it's \"Linux\"", err, sizeof(err)));
	assert_true(model_valid_group("HQ", err, sizeof(err)));
	assert_false(model_valid_group("All//x", err, sizeof(err)));
	assert_false(model_valid_group("All/a\nb", err, sizeof(err)));
	assert_false(model_valid_group("All/a\\b", err, sizeof(err)));
	assert_false(model_valid_group("All/ x", err, sizeof(err)));
	assert_false(model_valid_group("All/x/", err, sizeof(err)));
	assert_false(model_valid_group("All/\xff", err, sizeof(err)));
	assert_true(model_valid_token("mse_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", err,
	                              sizeof(err)));
	assert_false(model_valid_token("mss_AAAAAAAAAAAAAAAAAAAAAAAA", err, sizeof(err)));
	assert_false(model_valid_token("mse_AAAAAAAAAAAAAAAAAAAA'AAA", err, sizeof(err)));
	assert_false(model_valid_token("mse_short", err, sizeof(err)));
	assert_true(model_valid_arch("arm64", err, sizeof(err)));
	assert_false(model_valid_arch("arm64;id", err, sizeof(err)));
	assert_false(
	        model_valid_ca_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	                           err, sizeof(err)));
	assert_non_null(strstr(err, "X.509"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sh_executed),     cmocka_unit_test(test_ps1_structural),
	        cmocka_unit_test(test_cmd_whitelist),   cmocka_unit_test(test_ini_parsed),
	        cmocka_unit_test(test_xml_parsed),      cmocka_unit_test(test_base64),
	        cmocka_unit_test(test_live_sh_carries), cmocka_unit_test(test_render_refuses),
	        cmocka_unit_test(test_policy),          cmocka_unit_test(test_fields),
	};
	int r;

	long_value = malloc(100002);
	memset(long_value, 'A', 100000);
	long_value[100000] = '\'';
	long_value[100001] = '\0';
	hostile[0] = long_value;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	free(long_value);
	return r;
}
