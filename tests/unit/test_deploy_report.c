/*
 * test_deploy_report.c - what muster-deploy writes and reads around a run:
 * the JSON, CSV and failed-hosts reports and --retry-from over both; the
 * SSH method's pure parts: the exit-status sentinel, the precheck answer,
 * known_hosts (plain, hashed, [host]:port, wildcards, negation, @revoked),
 * the OpenSSH-version test behind the RSA message, which working
 * directories are ours; hosts cancelled by a stop request in every report;
 * the --from-server URL rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/muster.h"
#include "deployer/knownhosts.h"
#include "deployer/results.h"
#include "deployer/server.h"
#include "deployer/ssh.h"

struct fx {
	struct target_list tl;
	struct deploy_host_result res[4];
	struct report_ctx c;
};

static void
fx_init(struct fx *f)
{
	static const char *const specs[] = {"10.0.0.1", "ops@10.0.0.2:2222", "[fd00::3]:22",
	                                    "=cmd()"};
	char why[64];

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < 3; i++) {
		struct target t;
		assert_true(targets_parse_spec(specs[i], &t, why, sizeof(why)));
		assert_int_equal(targets_append(&f->tl, &t), 0);
	}
	{
		struct target t = {0};
		snprintf(t.host, sizeof(t.host), "%s", specs[3]); /* hostile, for CSV */
		assert_int_equal(targets_append(&f->tl, &t), 0);
	}
	f->res[0].status = DEPLOY_OK;
	snprintf(f->res[0].reason, sizeof(f->res[0].reason), "installed: fine");
	f->res[0].exit_code = 0;
	f->res[0].attempts = 1;
	f->res[0].duration_ms = 812;
	f->res[0].result.present = true;
	snprintf(f->res[0].result.status, sizeof(f->res[0].result.status), "ok");
	f->res[0].out_tail = strdup("line 1\nMUSTER-RESULT status=ok code=0\n");
	f->res[1].status = DEPLOY_AUTH_FAILED;
	snprintf(f->res[1].reason, sizeof(f->res[1].reason), "refused, \"quoted\"");
	f->res[1].exit_code = -1;
	f->res[1].attempts = 1;
	f->res[1].failed_in = DEPLOY_ST_AUTH;
	f->res[2].status = DEPLOY_UNREACHABLE;
	snprintf(f->res[2].reason, sizeof(f->res[2].reason), "no route");
	f->res[2].exit_code = -1;
	f->res[2].attempts = 3;
	f->res[2].failed_in = DEPLOY_ST_CONNECT;
	f->res[3].status = DEPLOY_TIMEOUT;
	snprintf(f->res[3].reason, sizeof(f->res[3].reason), "=1+1");
	f->res[3].exit_code = -1;
	f->res[3].failed_in = DEPLOY_ST_RUN;
	f->c.tl = &f->tl;
	f->c.res = f->res;
	f->c.method = "ssh";
	f->c.default_port = 22;
	f->c.default_user = "root";
	f->c.installer_sha256 = "00";
}

static void
fx_free(struct fx *f)
{
	free(f->res[0].out_tail);
	targets_free(&f->tl);
}

static void
test_json_report(void **state)
{
	struct fx f;
	struct buf b;
	struct json_object *arr, *o, *v;

	(void)state;
	fx_init(&f);
	buf_init(&b, 1 << 20);
	assert_int_equal(results_json(&f.c, &b), 0);
	arr = json_tokener_parse(buf_cstr(&b));
	assert_non_null(arr);
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 4);
	o = json_object_array_get_idx(arr, 0);
	static const char *const must[] = {"host", "status", "reason", "duration_ms"};
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		for (size_t k = 0; k < MUSTER_NELEM(must); k++)
			assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, i),
			                                      must[k], NULL));
	assert_true(json_object_object_get_ex(o, "duration_ms", &v));
	assert_int_equal(json_object_get_int(v), 812);
	assert_true(json_object_object_get_ex(o, "stdout", &v));
	assert_string_equal(json_object_get_string(v), "line 1\nMUSTER-RESULT status=ok code=0\n");
	assert_true(json_object_object_get_ex(o, "installer_result", NULL));
	assert_false(json_object_object_get_ex(o, "failed_in", NULL));
	o = json_object_array_get_idx(arr, 1);
	assert_true(json_object_object_get_ex(o, "user", &v));
	assert_string_equal(json_object_get_string(v), "ops");
	assert_true(json_object_object_get_ex(o, "port", &v));
	assert_int_equal(json_object_get_int(v), 2222);
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "auth-failed");
	assert_true(json_object_object_get_ex(o, "failed_in", &v));
	assert_string_equal(json_object_get_string(v), "authenticate");
	assert_false(json_object_object_get_ex(o, "exit_code", NULL));
	json_object_put(arr);

	/* No hosts: still an array. */
	f.tl.n = 0;
	buf_reset(&b);
	assert_int_equal(results_json(&f.c, &b), 0);
	assert_string_equal(buf_cstr(&b), "[]\n");
	arr = json_tokener_parse(buf_cstr(&b));
	assert_non_null(arr);
	assert_int_equal(json_object_array_length(arr), 0);
	json_object_put(arr);
	f.tl.n = 4;
	buf_free(&b);
	fx_free(&f);
}

static void
test_csv_and_failed(void **state)
{
	struct fx f;
	struct buf b;
	const char *s;

	(void)state;
	fx_init(&f);
	buf_init(&b, 1 << 20);
	assert_int_equal(results_csv(&f.c, &b), 0);
	s = buf_cstr(&b);
	assert_non_null(
	        strstr(s, "host,port,user,status,reason,duration_ms,attempts,exit_code\r\n"));
	assert_non_null(strstr(s, "10.0.0.1,22,root,ok,installed: fine,812,1,0\r\n"));
	assert_non_null(
	        strstr(s, "10.0.0.2,2222,ops,auth-failed,\"refused, \"\"quoted\"\"\",0,1,\r\n"));
	/* Formula cells defused. */
	assert_non_null(strstr(s, "'=cmd()"));
	assert_non_null(strstr(s, ",'=1+1,"));

	/* The hostile name was only for the CSV: the parser never lets one through. */
	f.tl.n = 3;
	buf_reset(&b);
	assert_int_equal(results_failed(&f.c, &b), 0);
	s = buf_cstr(&b);
	assert_null(strstr(s, "10.0.0.1:"));
	assert_non_null(strstr(s, "ops@10.0.0.2:2222  # auth-failed\n"));
	assert_non_null(strstr(s, "[fd00::3]:22  # unreachable\n"));

	/* The failed-hosts file reads back as exactly those hosts. */
	{
		char path[] = "/tmp/test_deploy_report.XXXXXX";
		int fd = mkstemp(path);
		struct target_list l = {0};
		struct targets_diag d = {0};
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(results_write_file(path, &b), 0);
		assert_int_equal(results_load_retry(path, &l, &d), 0);
		assert_int_equal(d.n_errors, 0);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.v[0].host, "10.0.0.2");
		assert_string_equal(l.v[0].user, "ops");
		assert_int_equal(l.v[0].port, 2222);
		assert_string_equal(l.v[1].host, "fd00::3");
		targets_free(&l);

		/* And the JSON report gives the same hosts. */
		buf_reset(&b);
		assert_int_equal(results_json(&f.c, &b), 0);
		assert_int_equal(results_write_file(path, &b), 0);
		assert_int_equal(results_load_retry(path, &l, &d), 0);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.v[0].host, "10.0.0.2");
		assert_string_equal(l.v[0].user, "ops");
		assert_int_equal(l.v[0].port, 2222);
		assert_string_equal(l.v[1].host, "fd00::3");
		targets_free(&l);
		f.tl.n = 4;
		unlink(path);
	}
	buf_free(&b);
	fx_free(&f);
}

static void
test_summary(void **state)
{
	struct fx f;
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	fx_init(&f);
	m = open_memstream(&out, &len);
	results_summary(m, &f.c, 1500, 10);
	fclose(m);
	assert_non_null(
	        strstr(out, "4 hosts in 1.5 s: ok 1, unreachable 1, auth-failed 1, timeout 1\n"));
	assert_non_null(strstr(out, "ops@10.0.0.2:2222"));
	free(out);
	fx_free(&f);
}

static void
test_sentinel(void **state)
{
	const char *mark = "MUSTER-abc-exit";
	int code;
	size_t n;
	const char *t;

	(void)state;
	t = "hello\nworld\n\nMUSTER-abc-exit 0\n";
	assert_true(ssh_sentinel_parse(t, strlen(t), mark, &code, &n));
	assert_int_equal(code, 0);
	assert_int_equal(n, strlen("hello\nworld\n"));
	/* Output without a final newline: our "\n" goes, theirs stays. */
	t = "partial\nMUSTER-abc-exit 127";
	assert_true(ssh_sentinel_parse(t, strlen(t), mark, &code, &n));
	assert_int_equal(code, 127);
	assert_int_equal(n, strlen("partial"));
	/* The last one counts; one in the middle of a line does not. */
	t = "x MUSTER-abc-exit 5\nMUSTER-abc-exit 3\nMUSTER-abc-exit 4\r\n";
	assert_true(ssh_sentinel_parse(t, strlen(t), mark, &code, &n));
	assert_int_equal(code, 4);
	static const char *const no[] = {
	        "",
	        "MUSTER-abc-exit",
	        "MUSTER-abc-exit \n",
	        "MUSTER-abc-exit x\n",
	        "MUSTER-abc-exit 256\n",
	        "MUSTER-abc-exit 1234\n",
	        "MUSTER-abc-exit -1\n",
	        "MUSTER-abc-exit1 0\n",
	        "MUSTER-ab-exit 0\n",
	        " MUSTER-abc-exit 0\n",
	};
	for (size_t i = 0; i < MUSTER_NELEM(no); i++)
		assert_false(ssh_sentinel_parse(no[i], strlen(no[i]), mark, &code, &n));
	assert_false(ssh_sentinel_parse(NULL, 0, mark, &code, &n));
}

static void
test_precheck_parse(void **state)
{
	struct ssh_precheck p;
	const char *t;

	(void)state;
	t = "os=Linux\narch=x86_64\nuid=1000\nfree_kb=262144\nsudo=password\n"
	    "dir=/tmp/muster-deploy.AbCd1234\n";
	assert_true(ssh_precheck_parse(t, strlen(t), &p));
	assert_string_equal(p.os, "Linux");
	assert_int_equal(p.uid, 1000);
	assert_true(p.have_free);
	assert_int_equal(p.free_kb, 262144);
	assert_string_equal(p.sudo, "password");
	assert_string_equal(p.dir, "/tmp/muster-deploy.AbCd1234");
	t = "os=Linux\r\nuid=0\r\nfree_kb=\r\ndir_error=mktemp: failed\r\n";
	assert_true(ssh_precheck_parse(t, strlen(t), &p));
	assert_int_equal(p.uid, 0);
	assert_false(p.have_free);
	assert_string_equal(p.dir_err, "mktemp: failed");
	t = "os=\x1b]0;evil\x07\nuid=0\n";
	assert_true(ssh_precheck_parse(t, strlen(t), &p));
	assert_null(strchr(p.os, '\x1b'));
	assert_int_equal(p.stale, -1);
	t = "os=Linux\nuid=0\nstale=3\nfree_kb=10\n";
	assert_true(ssh_precheck_parse(t, strlen(t), &p));
	assert_int_equal(p.stale, 3);
	t = "os=Linux\nuid=0\nstale=x\n";
	assert_true(ssh_precheck_parse(t, strlen(t), &p));
	assert_int_equal(p.stale, -1);
	t = "motd banner\nuid=abc\n";
	assert_false(ssh_precheck_parse(t, strlen(t), &p));
	assert_false(ssh_precheck_parse("", 0, &p));

	assert_true(ssh_path_safe("/tmp"));
	assert_true(ssh_path_safe("/var/tmp/muster-deploy.x_Y-1"));
	assert_false(ssh_path_safe("tmp"));
	assert_false(ssh_path_safe("/tmp/a b"));
	assert_false(ssh_path_safe("/tmp/'x'"));
	assert_false(ssh_path_safe("/tmp/../etc"));
	assert_false(ssh_path_safe("/tmp/$(x)"));
	assert_false(ssh_path_safe(NULL));

	assert_true(ssh_banner_refuses_sha1_rsa("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"));
	assert_true(ssh_banner_refuses_sha1_rsa("SSH-2.0-OpenSSH_8.8"));
	assert_false(ssh_banner_refuses_sha1_rsa("SSH-2.0-OpenSSH_8.7"));
	assert_false(ssh_banner_refuses_sha1_rsa("SSH-2.0-OpenSSH_7.4"));
	assert_false(ssh_banner_refuses_sha1_rsa("SSH-2.0-dropbear_2022.83"));
	assert_false(ssh_banner_refuses_sha1_rsa(NULL));

	/* Working directories of ours: exactly mktemp's name in --remote-dir. */
	assert_true(ssh_workdir_ok("/tmp", "/tmp/muster-deploy.AbCd1234"));
	assert_true(ssh_workdir_ok("/var/tmp/x", "/var/tmp/x/muster-deploy.00000000"));
	assert_true(ssh_workdir_ok("/", "/muster-deploy.abcdefgh"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/muster-deploy.AbCd123"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/muster-deploy.AbCd12345"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/muster-deploy.AbCd-234"));
	assert_false(ssh_workdir_ok("/tmp", "/tmpx/muster-deploy.AbCd1234"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/sub/muster-deploy.AbCd1234"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/other.AbCd1234"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/../muster-deploy.AbCd1234"));
	assert_false(ssh_workdir_ok("/tmp", "/tmp/muster-deploy.AbCd123$"));
}

/* A host a stop request ended, or never started: "cancelled" everywhere, and retried. */
static void
test_cancelled(void **state)
{
	struct fx f;
	struct buf b;
	char *out = NULL;
	size_t len = 0;
	FILE *m;
	struct json_object *arr, *v;

	(void)state;
	fx_init(&f);
	f.res[1].status = DEPLOY_CANCELLED;
	snprintf(f.res[1].reason, sizeof(f.res[1].reason), "stopped by a signal while uploading");
	f.res[1].failed_in = DEPLOY_ST_UPLOAD;
	f.res[2].status = DEPLOY_CANCELLED;
	snprintf(f.res[2].reason, sizeof(f.res[2].reason), "not started: stopped by a signal");
	f.res[2].attempts = 0;
	f.res[2].failed_in = DEPLOY_ST_DONE;
	buf_init(&b, 1 << 20);
	assert_int_equal(results_json(&f.c, &b), 0);
	arr = json_tokener_parse(buf_cstr(&b));
	assert_non_null(arr);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, 2), "status", &v));
	assert_string_equal(json_object_get_string(v), "cancelled");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, 2), "attempts", &v));
	assert_int_equal(json_object_get_int(v), 0);
	assert_false(
	        json_object_object_get_ex(json_object_array_get_idx(arr, 2), "failed_in", NULL));
	json_object_put(arr);
	f.tl.n = 3;
	buf_reset(&b);
	assert_int_equal(results_failed(&f.c, &b), 0);
	assert_non_null(strstr(buf_cstr(&b), "ops@10.0.0.2:2222  # cancelled\n"));
	assert_non_null(strstr(buf_cstr(&b), "[fd00::3]:22  # cancelled\n"));
	m = open_memstream(&out, &len);
	results_summary(m, &f.c, 1000, 10);
	fclose(m);
	assert_non_null(strstr(out, "3 hosts in 1.0 s: ok 1, cancelled 2\n"));
	free(out);
	/* --retry-from the JSON report takes the cancelled hosts. */
	{
		char path[] = "/tmp/test_deploy_report.XXXXXX";
		int fd = mkstemp(path);
		struct target_list l = {0};
		struct targets_diag d = {0};
		assert_true(fd >= 0);
		close(fd);
		buf_reset(&b);
		assert_int_equal(results_json(&f.c, &b), 0);
		assert_int_equal(results_write_file(path, &b), 0);
		assert_int_equal(results_load_retry(path, &l, &d), 0);
		assert_int_equal(l.n, 2);
		targets_free(&l);
		unlink(path);
	}
	f.tl.n = 4;
	buf_free(&b);
	fx_free(&f);
}

/* --from-server: https, or http to loopback only (the token would travel in clear). */
static void
test_server_url(void **state)
{
	static const char *const good[] = {
	        "https://muster.example:8443", "https://10.0.0.5:8443/", "https://[fd00::1]:8443",
	        "http://127.0.0.1:8080",       "http://127.255.0.3",     "http://[::1]:8080",
	        "http://localhost:8080",       "http://LOCALHOST",       "HTTPS://muster.example",
	};
	static const char *const bad[] = {
	        "http://10.0.0.5:8080",
	        "http://muster.example",
	        "http://[fd00::1]:8080",
	        "http://128.0.0.1",
	        "http://localhost.example.com",
	        "http://127.0.0.1.example.com",
	        "ftp://127.0.0.1",
	        "muster.example:8443",
	        "https://admin:secret@muster.example",
	        "http://admin@127.0.0.1",
	        "",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(good); i++)
		if (server_url_check(good[i], err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", good[i], err);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		err[0] = '\0';
		if (server_url_check(bad[i], err, sizeof(err)) != MUSTER_EINVAL)
			fail_msg("%s accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(server_url_check("http://10.0.0.5", err, sizeof(err)), MUSTER_EINVAL);
	assert_non_null(strstr(err, "loopback"));
	/* The client refuses it as well, before it reads the token. */
	assert_null(server_client_new("http://10.0.0.5", "/nonexistent", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "loopback"));
}

/* Host key blobs from `ssh-keygen -y` of throw-away keys (public data). */
#define ED1 "AAAAC3NzaC1lZDI1NTE5AAAAIBG7GZNLkawOrShIwlKo4hLJSMASMdYrxfCNO7Zvr745"
#define ED2 "AAAAC3NzaC1lZDI1NTE5AAAAIPJ6RLiOntKKqkMMWB/MGX0kNLSZc9kP1nhw5Fru9kyj"
#define EC1                                                                                        \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBItUm9aKBYcNzZ374HBliiOmr9AfHzHyYCQ+" \
	"lvEK"                                                                                     \
	"CWWf2gIS82ujXKs0WVLd9ppQOqRIZkVH5b8yg9n2RT8Ugjg="

static size_t
blob(const char *b64, uint8_t *out, size_t outsz)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)strlen(b64));
	size_t pad = 0;
	assert_true(n > 0 && (size_t)n <= outsz);
	for (const char *p = b64 + strlen(b64); p > b64 && p[-1] == '='; p--)
		pad++;
	return (size_t)n - pad;
}

static void
test_knownhosts(void **state)
{
	uint8_t ed1[256], ed2[256], ec1[256];
	size_t l1 = blob(ED1, ed1, sizeof(ed1)), l2 = blob(ED2, ed2, sizeof(ed2));
	size_t l3 = blob(EC1, ec1, sizeof(ec1));
	char text[4096], types[128], hashed[200], t[48];
	unsigned line;
	size_t skipped;
	struct knownhosts *kh;

	(void)state;
	assert_true(knownhosts_blob_type(ed1, l1, t, sizeof(t)));
	assert_string_equal(t, "ssh-ed25519");
	assert_false(knownhosts_blob_type(ed1, 3, t, sizeof(t)));

	/* A hashed entry for 10.0.0.9, as ssh-keygen -H writes it. */
	{
		uint8_t salt[20], md[20];
		unsigned mdlen = sizeof(md);
		unsigned char s64[64], h64[64];
		for (int i = 0; i < 20; i++)
			salt[i] = (uint8_t)(i * 7 + 1);
		HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)"10.0.0.9", 8, md,
		     &mdlen);
		EVP_EncodeBlock(s64, salt, sizeof(salt));
		EVP_EncodeBlock(h64, md, sizeof(md));
		snprintf(hashed, sizeof(hashed), "|1|%s|%s", (char *)s64, (char *)h64);
	}
	snprintf(text, sizeof(text),
	         "# comment\n"
	         "10.0.0.1 ssh-ed25519 " ED1 "\n"
	         "10.0.0.1 ecdsa-sha2-nistp256 " EC1 "\n"
	         "[10.0.0.2]:2222 ssh-ed25519 " ED1 "\n"
	         "web*.example.com,!webx.example.com ssh-ed25519 " ED1 "\n"
	         "%s ssh-ed25519 " ED2 "\n"
	         "@revoked * ssh-ed25519 " ED2 "\n"
	         "@cert-authority *.example.com ssh-ed25519 " ED1 "\n"
	         "10.0.0.3 ssh-ed25519 not-base64!\n"
	         "10.0.0.3 ssh-rsa " ED1 "\n"
	         "broken\n",
	         hashed);
	kh = knownhosts_parse(text, strlen(text), &skipped);
	assert_non_null(kh);
	assert_int_equal(skipped, 4); /* cert-authority, bad base64, type mismatch, broken */

	assert_int_equal(knownhosts_check(kh, "10.0.0.1", 22, ed1, l1, &line), KH_MATCH);
	assert_int_equal(knownhosts_check(kh, "10.0.0.1", 22, ec1, l3, &line), KH_MATCH);
	assert_int_equal(knownhosts_check(kh, "10.0.0.1", 0, ed1, l1, &line), KH_MATCH);
	/* Another ed25519 key for 10.0.0.1: changed. */
	{
		uint8_t other[256];
		memcpy(other, ed1, l1);
		other[l1 - 1] ^= 1;
		assert_int_equal(knownhosts_check(kh, "10.0.0.1", 22, other, l1, &line),
		                 KH_MISMATCH);
		assert_int_equal(line, 2);
	}
	/* Port: only "[10.0.0.2]:2222" names it. */
	assert_int_equal(knownhosts_check(kh, "10.0.0.2", 2222, ed1, l1, &line), KH_MATCH);
	assert_int_equal(knownhosts_check(kh, "10.0.0.2", 22, ed1, l1, &line), KH_UNKNOWN);
	assert_int_equal(knownhosts_check(kh, "10.0.0.1", 2222, ed1, l1, &line), KH_UNKNOWN);
	/* Wildcards and negation. */
	assert_int_equal(knownhosts_check(kh, "web7.example.com", 22, ed1, l1, &line), KH_MATCH);
	assert_int_equal(knownhosts_check(kh, "WEB7.example.com", 22, ed1, l1, &line), KH_MATCH);
	assert_int_equal(knownhosts_check(kh, "webx.example.com", 22, ed1, l1, &line), KH_UNKNOWN);
	/* Hashed, and revoked wherever presented. */
	assert_int_equal(knownhosts_check(kh, "10.0.0.9", 22, ed2, l2, &line), KH_REVOKED);
	assert_int_equal(knownhosts_check(kh, "10.0.0.9", 22, ed1, l1, &line), KH_MISMATCH);
	/* Only another type recorded. */
	{
		struct knownhosts *k2;
		snprintf(text, sizeof(text), "10.0.0.5 ecdsa-sha2-nistp256 " EC1 "\n");
		k2 = knownhosts_parse(text, strlen(text), NULL);
		assert_int_equal(knownhosts_check(k2, "10.0.0.5", 22, ed1, l1, &line),
		                 KH_OTHER_TYPES);
		knownhosts_free(k2);
	}
	/* Many stars must not backtrack exponentially (found by fuzzing). */
	{
		char pat[200] = "", name[260];
		struct knownhosts *k3;
		for (int i = 0; i < 40; i++)
			strncat(pat, "*a", sizeof(pat) - strlen(pat) - 1);
		snprintf(text, sizeof(text), "%s*b ssh-ed25519 " ED1 "\n", pat);
		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		k3 = knownhosts_parse(text, strlen(text), NULL);
		assert_int_equal(knownhosts_check(k3, name, 22, ed1, l1, &line), KH_UNKNOWN);
		name[sizeof(name) - 2] = 'b';
		assert_int_equal(knownhosts_check(k3, name, 22, ed1, l1, &line), KH_MATCH);
		knownhosts_free(k3);
	}
	knownhosts_types(kh, "10.0.0.1", 22, types, sizeof(types));
	assert_string_equal(types, "ssh-ed25519,ecdsa-sha2-nistp256");
	knownhosts_types(kh, "10.0.0.77", 22, types, sizeof(types));
	assert_string_equal(types, "");
	/* accept-new: recorded in memory (no file here). */
	assert_int_equal(knownhosts_check(kh, "10.0.0.77", 2200, ed1, l1, &line), KH_UNKNOWN);
	assert_int_equal(knownhosts_add(kh, "10.0.0.77", 2200, ed1, l1), 0);
	assert_int_equal(knownhosts_check(kh, "10.0.0.77", 2200, ed1, l1, &line), KH_MATCH);
	knownhosts_free(kh);

	/* Through a file: accept-new appends "[host]:port type key". */
	{
		char path[] = "/tmp/test_deploy_kh.XXXXXX", err[128], got[512];
		int fd = mkstemp(path);
		FILE *f;
		assert_true(fd >= 0);
		close(fd);
		kh = knownhosts_load(path, err, sizeof(err));
		assert_non_null(kh);
		assert_int_equal(knownhosts_add(kh, "10.0.0.8", 2222, ed1, l1), 0);
		knownhosts_free(kh);
		f = fopen(path, "r");
		assert_non_null(fgets(got, sizeof(got), f));
		fclose(f);
		assert_string_equal(got, "[10.0.0.8]:2222 ssh-ed25519 " ED1 "\n");
		kh = knownhosts_load(path, err, sizeof(err));
		assert_int_equal(knownhosts_check(kh, "10.0.0.8", 2222, ed1, l1, &line), KH_MATCH);
		knownhosts_free(kh);
		unlink(path);
		/* A missing file is an empty list. */
		kh = knownhosts_load("/nonexistent/known_hosts", err, sizeof(err));
		assert_non_null(kh);
		knownhosts_free(kh);
	}
	knownhosts_fingerprint(ed1, l1, hashed, sizeof(hashed));
	assert_int_equal(strncmp(hashed, "SHA256:", 7), 0);
	assert_string_equal(
	        hashed, "SHA256:CaWnri8b8eNk7rIaFetNaDYKwxv43/iFEFqI498HRFo"); /* ssh-keygen -l */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json_report),    cmocka_unit_test(test_csv_and_failed),
	        cmocka_unit_test(test_summary),        cmocka_unit_test(test_sentinel),
	        cmocka_unit_test(test_precheck_parse), cmocka_unit_test(test_knownhosts),
	        cmocka_unit_test(test_cancelled),      cmocka_unit_test(test_server_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
