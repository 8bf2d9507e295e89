/*
 * test_deploy_smb.c - the SMB method's pure parts: --share and --user
 * parsing, the service's command line, libsmbclient's statvfs units, and
 * the helper process's wire format (round trips, every truncation, bad
 * strings and lengths), the helper's environment (no password variable
 * reaches it), which directories are stale leftovers of ours, and the
 * no-core-dump protection every muster-deploy process sets. The method
 * itself runs against real Samba in tests/lab/test_deploy_smb.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/muster.h"
#include "common/nodump.h"

#ifdef MUSTER_HAVE_SMB
#include "deployer/engine.h"
#include "deployer/smb.h"
#include "deployer/smbhelper.h"
#include "sensor/decode/smb2.h"

static void
test_share_parse(void **state)
{
	static const struct {
		const char *spec, *name, *sub, *winpath;
	} good[] = {
	        {"ADMIN$", "ADMIN$", "", "C:\\Windows"},
	        {"admin$", "admin$", "", "C:\\Windows"},
	        {"C$\\Windows\\Temp", "C$", "Windows\\Temp", "C:\\Windows\\Temp"},
	        {"d$", "d$", "", "D:"},
	        {"D$\\Deploy Files", "D$", "Deploy Files", "D:\\Deploy Files"},
	        {"Deploy=E:\\Software\\Push", "Deploy", "", "E:\\Software\\Push"},
	        {"Deploy\\in=e:\\Push", "Deploy", "in", "E:\\Push\\in"},
	        {"Root=F:\\", "Root", "", "F:"},
	        {"Root=F:", "Root", "", "F:"},
	        {"ADMIN$\\Temp=C:\\WINNT", "ADMIN$", "Temp", "C:\\WINNT\\Temp"},
	};
	static const char *const bad[] = {
	        "",
	        "Deploy",              /* no local path known */
	        "Dep/loy=C:\\x",       /* '/' in the name */
	        "C$\\..\\x",           /* .. */
	        "C$\\.",               /* . */
	        "C$\\",                /* empty sub */
	        "C$\\a\\\\b",          /* empty component */
	        "C$\\a\\",             /* trailing separator */
	        "Deploy=\\\\srv\\x",   /* not a drive path */
	        "Deploy=CC:\\x",       /* not a drive letter */
	        "Deploy=C:\\a\\..\\b", /* .. in the path */
	        "C$\\a;b",             /* ; */
	        "C$\\ lead",           /* leading space */
	        "C$\\x\"y",            /* quote */
	        "C$\\dir.",            /* trailing dot */
	        "ThisShareNameIsFarTooLongForAnySMBServerToAcceptButWeCheckItAnywayXXXXXXXXXXXXX$",
	};
	struct smb_share s;
	char why[200];

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(good); i++) {
		assert_true(smb_share_parse(good[i].spec, &s, why, sizeof(why)));
		assert_string_equal(s.name, good[i].name);
		assert_string_equal(s.sub, good[i].sub);
		assert_string_equal(s.winpath, good[i].winpath);
	}
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		why[0] = '\0';
		assert_false(smb_share_parse(bad[i], &s, why, sizeof(why)));
		assert_true(why[0] != '\0');
	}
	assert_false(smb_share_parse("Deploy", &s, why, sizeof(why)));
	assert_non_null(strstr(why, "Deploy=X:\\PATH"));
}

static void
test_user_parse(void **state)
{
	char u[SMB_USER_MAX], d[SMB_DOMAIN_MAX], why[200];

	(void)state;
	assert_true(smb_user_parse("Administrator", NULL, u, sizeof(u), d, sizeof(d), why,
	                           sizeof(why)));
	assert_string_equal(u, "Administrator");
	assert_string_equal(d, "");
	assert_true(smb_user_parse("CORP\\deploy svc", NULL, u, sizeof(u), d, sizeof(d), why,
	                           sizeof(why)));
	assert_string_equal(u, "deploy svc");
	assert_string_equal(d, "CORP");
	assert_true(smb_user_parse("deploy", "corp.example", u, sizeof(u), d, sizeof(d), why,
	                           sizeof(why)));
	assert_string_equal(u, "deploy");
	assert_string_equal(d, "corp.example");
	/* The same domain twice (any case) is fine; two different ones are not. */
	assert_true(
	        smb_user_parse("CORP\\x", "corp", u, sizeof(u), d, sizeof(d), why, sizeof(why)));
	assert_false(
	        smb_user_parse("CORP\\x", "OTHER", u, sizeof(u), d, sizeof(d), why, sizeof(why)));
	assert_non_null(strstr(why, "OTHER"));
	/* A user principal name stays whole. */
	assert_true(smb_user_parse("deploy@CORP.EXAMPLE.COM", NULL, u, sizeof(u), d, sizeof(d), why,
	                           sizeof(why)));
	assert_string_equal(u, "deploy@CORP.EXAMPLE.COM");
	assert_string_equal(d, "");
	assert_true(smb_user_parse("svc$", NULL, u, sizeof(u), d, sizeof(d), why, sizeof(why)));
	static const char *const bad[] = {
	        "",      "-x",     "a\\",    "\\x",   "a\\b\\c", "x@",     "@REALM", "a b@R!",
	        "us;er", "us\"er", "us\ner", " lead", "trail ",  "a@b@c@", "x\\y@z",
	};
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++)
		assert_false(
		        smb_user_parse(bad[i], NULL, u, sizeof(u), d, sizeof(d), why, sizeof(why)));
	assert_false(
	        smb_user_parse("x", "bad domain", u, sizeof(u), d, sizeof(d), why, sizeof(why)));
	{
		char longname[200];
		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		assert_false(smb_user_parse(longname, NULL, u, sizeof(u), d, sizeof(d), why,
		                            sizeof(why)));
	}
}

static void
test_service_command(void **state)
{
	char cmd[512];

	(void)state;
	assert_int_equal(smb_service_command("C:\\Windows", "muster-0011223344556677",
	                                     "muster-installer.msi", 285, cmd, sizeof(cmd)),
	                 0);
	assert_string_equal(cmd, "\"C:\\Windows\\muster-0011223344556677\\muster-svc.exe\" --run "
	                         "\"C:\\Windows\\muster-0011223344556677\\muster-installer.msi\" "
	                         "--result \"C:\\Windows\\muster-0011223344556677\\result.txt\" "
	                         "--timeout 285");
	assert_int_equal(smb_service_command("C:\\Windows", "d", "i.exe", 1, cmd, 40),
	                 MUSTER_ETOOBIG);
}

static void
test_free_bytes(void **state)
{
	(void)state;
	/* Samba, 1 KiB allocation units, measured: f_bsize 512, f_frsize 2. */
	assert_true(smb_free_bytes(512, 2, 12339620) == 12339620ull * 1024);
	/* Windows NTFS: 512-byte sectors, 8 per cluster. */
	assert_true(smb_free_bytes(512, 8, 1000) == 4096000ull);
	assert_true(smb_free_bytes(0, 0, 7) == 7);
	assert_true(smb_free_bytes(4096, 4096, UINT64_MAX / 2) == UINT64_MAX);
}

/* ---- the helper's wire format ---- */

static void
test_req_roundtrip(void **state)
{
	static const uint8_t data[] = {1, 2, 3, 0, 5};
	struct smbh_req in = {.op = SMBH_WRITE,
	                      .handle = 7,
	                      .count = 99,
	                      .flags = O_RDWR,
	                      .s1 = "smb://h/IPC$/svcctl",
	                      .s2 = "",
	                      .s3 = NULL,
	                      .data = data,
	                      .len = sizeof(data)};
	struct smbh_req out;
	struct buf b;

	(void)state;
	buf_init(&b, SMBH_FRAME_MAX);
	assert_int_equal(smbh_encode_req(&b, &in), 0);
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), 0);
	assert_int_equal(out.op, SMBH_WRITE);
	assert_int_equal(out.handle, 7);
	assert_int_equal(out.count, 99);
	assert_int_equal(out.flags, O_RDWR);
	assert_string_equal(out.s1, "smb://h/IPC$/svcctl");
	assert_string_equal(out.s2, "");
	assert_string_equal(out.s3, "");
	assert_int_equal(out.len, sizeof(data));
	assert_memory_equal(out.data, data, sizeof(data));
	/* Every truncation and one extra byte are refused. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(smbh_decode_req(b.data, n, &out), MUSTER_EPARSE);
	buf_append(&b, "x", 1);
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	assert_string_equal(out.s1, "");
	buf_free(&b);
}

static void
test_req_refused(void **state)
{
	struct smbh_req in = {.op = SMBH_OPEN}, out;
	char big[SMBH_STR_MAX + 2];
	struct buf b;

	(void)state;
	buf_init(&b, SMBH_FRAME_MAX);
	memset(big, 'u', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	in.s1 = big;
	assert_int_equal(smbh_encode_req(&b, &in), MUSTER_EINVAL);
	in.s1 = "ok";
	in.len = SMBH_IO_MAX + 1;
	in.data = (const uint8_t *)"x";
	assert_int_equal(smbh_encode_req(&b, &in), MUSTER_EINVAL);
	in.len = 0;
	buf_reset(&b);
	assert_int_equal(smbh_encode_req(&b, &in), 0);
	/* An unknown op, a string without its NUL, one with a NUL inside. */
	b.data[0] = 0;
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	b.data[0] = SMBH_OP_MAX + 1;
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	b.data[0] = SMBH_OPEN;
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), 0);
	/* s1 "ok": length 3 at offset 13, bytes at 15..17. */
	b.data[17] = 'k';
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	b.data[17] = '\0';
	b.data[16] = '\0';
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	b.data[16] = 'k';
	/* A zero string length (not even the NUL). */
	b.data[13] = 0;
	assert_int_equal(smbh_decode_req(b.data, b.len, &out), MUSTER_EPARSE);
	buf_free(&b);
}

static void
test_rep_roundtrip(void **state)
{
	static const uint8_t data[] = "\x05\x00\x0c\x03";
	struct smbh_rep in = {.eno = 0, .value = 0x1122334455667788ull, .data = data, .len = 4};
	struct smbh_rep out;
	struct buf b;

	(void)state;
	buf_init(&b, SMBH_FRAME_MAX);
	assert_int_equal(smbh_encode_rep(&b, &in), 0);
	assert_int_equal(smbh_decode_rep(b.data, b.len, &out), 0);
	assert_int_equal(out.eno, 0);
	assert_true(out.value == 0x1122334455667788ull);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.data, data, 4);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(smbh_decode_rep(b.data, n, &out), MUSTER_EPARSE);
	/* An errno no system has. */
	buf_reset(&b);
	in.eno = 5000;
	in.len = 0;
	assert_int_equal(smbh_encode_rep(&b, &in), 0);
	assert_int_equal(smbh_decode_rep(b.data, b.len, &out), MUSTER_EPARSE);
	buf_reset(&b);
	in.eno = 13;
	assert_int_equal(smbh_encode_rep(&b, &in), 0);
	assert_int_equal(smbh_decode_rep(b.data, b.len, &out), 0);
	assert_int_equal(out.eno, 13);
	assert_null(out.data);
	/* A data length beyond the cap. */
	b.data[12] = 0xff;
	b.data[13] = 0xff;
	b.data[14] = 0xff;
	assert_int_equal(smbh_decode_rep(b.data, b.len, &out), MUSTER_EPARSE);
	buf_free(&b);
}

/* A helper that is not there: the calls fail at once, nothing blocks. */
static void
test_no_helper(void **state)
{
	struct smbh h = {.pid = 0, .fd = -1};
	struct smbh_req q = {.op = SMBH_STAT, .s1 = "smb://x/y"};
	struct smbh_rep rep;
	struct buf b;

	(void)state;
	buf_init(&b, SMBH_FRAME_MAX);
	assert_false(smbh_alive(&h));
	assert_int_equal(smbh_call(&h, &q, &rep, &b, 0), MUSTER_EIO);
	smbh_stop(&h, 0);
	buf_free(&b);
}

/* The helper's environment: what libsmbclient needs, never a password variable. */
static void
test_helper_env(void **state)
{
	char *env[] = {
	        "HOME=/root",
	        "MUSTER_SMB_PASSWORD=secret1",
	        "PATH=/usr/bin",
	        "KRB5CCNAME=FILE:/tmp/krb5cc_0",
	        "MUSTER_SSH_PASSWORD=secret2",
	        "MUSTER_SUDO_PASSWORD=secret3",
	        "HOMEX=1",
	        "LANG=C.UTF-8",
	        "LIBSMB_PROG=nc evil 445",
	        "ASAN_OPTIONS=detect_leaks=0",
	        "KRB5_CONFIG=/etc/krb5.conf",
	        "noequals",
	        NULL,
	};
	char *out[16];
	size_t n;

	(void)state;
	n = smbh_env(env, out, MUSTER_NELEM(out));
	assert_int_equal(n, 5);
	assert_string_equal(out[0], "HOME=/root");
	assert_string_equal(out[1], "KRB5CCNAME=FILE:/tmp/krb5cc_0");
	assert_string_equal(out[2], "LANG=C.UTF-8");
	assert_string_equal(out[3], "ASAN_OPTIONS=detect_leaks=0");
	assert_string_equal(out[4], "KRB5_CONFIG=/etc/krb5.conf");
	assert_null(out[5]);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(out[i], "secret"));
	/* Room for fewer: still NULL-terminated. */
	assert_int_equal(smbh_env(env, out, 2), 1);
	assert_null(out[1]);
	assert_int_equal(smbh_env(NULL, out, 4), 0);
	assert_null(out[0]);
}

/* Stale working directories: only our exact name, only older than 48 hours. */
static void
test_stale_dirs(void **state)
{
	int64_t now = 1700000000;

	(void)state;
	assert_true(smb_workdir_name_ok("muster-0123456789abcdef"));
	assert_false(smb_workdir_name_ok("muster-0123456789ABCDEF"));
	assert_false(smb_workdir_name_ok("muster-0123456789abcde"));
	assert_false(smb_workdir_name_ok("muster-0123456789abcdef0"));
	assert_false(smb_workdir_name_ok("muster-0123456789abcdeg"));
	assert_false(smb_workdir_name_ok("Muster-0123456789abcdef"));
	assert_false(smb_workdir_name_ok("muster-deploy.AbCd1234"));
	assert_false(smb_workdir_name_ok(""));
	assert_true(smb_workdir_stale((uint64_t)now - 48 * 3600 - 1, now));
	assert_false(smb_workdir_stale((uint64_t)now - 48 * 3600, now));
	assert_false(smb_workdir_stale((uint64_t)now - 3600, now));
	assert_false(smb_workdir_stale((uint64_t)now + 3600, now)); /* the target's clock ahead */
	assert_false(smb_workdir_stale(0, now));                    /* no time given */
}

/* --smb-encrypt's words, and nothing else. */
static void
test_encrypt_parse(void **state)
{
	enum smb_encrypt e = SMB_ENCRYPT_OFF;

	(void)state;
	assert_true(smb_encrypt_parse("if-possible", &e));
	assert_int_equal(e, SMB_ENCRYPT_IF_POSSIBLE);
	assert_true(smb_encrypt_parse("required", &e));
	assert_int_equal(e, SMB_ENCRYPT_REQUIRED);
	assert_true(smb_encrypt_parse("off", &e));
	assert_int_equal(e, SMB_ENCRYPT_OFF);
	assert_false(smb_encrypt_parse("Required", &e));
	assert_false(smb_encrypt_parse("on", &e));
	assert_false(smb_encrypt_parse("", &e));
	assert_false(smb_encrypt_parse(NULL, &e));
	assert_int_equal(e, SMB_ENCRYPT_OFF); /* untouched by a refusal */
	/* A zeroed configuration asks for the default. */
	assert_int_equal((enum smb_encrypt)0, SMB_ENCRYPT_IF_POSSIBLE);
	assert_string_equal(smb_encrypt_name(SMB_ENCRYPT_IF_POSSIBLE), "if-possible");
	assert_string_equal(smb_encrypt_name(SMB_ENCRYPT_REQUIRED), "required");
	assert_string_equal(smb_encrypt_name(SMB_ENCRYPT_OFF), "off");
}

/* --smb-encrypt required: what a NEGOTIATE response must offer. */
static void
test_negotiate_encrypts(void **state)
{
	char why[160];

	(void)state;
	/* 3.1.1: the cipher of the encryption context decides (Samba: AES-128-GCM, 2). */
	assert_true(smb_negotiate_encrypts(SMB2_DIALECT_311, 0x7, 2, why, sizeof(why)));
	assert_string_equal(why, "");
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_311, 0xf, 0, why, sizeof(why)));
	assert_string_equal(why, "the target speaks SMB 3.1.1 but offers no encryption (off on the "
	                         "server)");
	/* 3.1.1 has no capability flag for it: the flag alone is not enough. */
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_311, SMB2_GLOBAL_CAP_ENCRYPTION, 0, why,
	                                    sizeof(why)));
	/* 3.0 and 3.0.2: the capability flag. */
	assert_true(smb_negotiate_encrypts(SMB2_DIALECT_302, SMB2_GLOBAL_CAP_ENCRYPTION, 0, why,
	                                   sizeof(why)));
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_300, 0x7, 0, why, sizeof(why)));
	assert_string_equal(why, "the target speaks SMB 3.0 but offers no encryption (off on the "
	                         "server)");
	/* 2.x never encrypts, whatever else it says. */
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_210, 0x47, 2, why, sizeof(why)));
	assert_string_equal(why, "the target speaks SMB 2.1 at most, and encryption needs SMB 3");
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_202, 0x40, 0, why, sizeof(why)));
	assert_false(smb_negotiate_encrypts(SMB2_DIALECT_WILDCARD, 0x40, 2, why, sizeof(why)));
}

/*
 * The helper's INIT with each encryption flag, in a forked helper loop
 * (smbh_main): one level at a time is taken, both at once are refused.
 * smbc_init_context makes no connection, so no server is needed.
 */
static void
test_helper_encrypt_flags(void **state)
{
	static const struct {
		uint32_t flags;
		int eno;
	} cases[] = {
	        {0, 0},
	        {SMBH_F_ENCRYPT_IF_POSSIBLE, 0},
	        {SMBH_F_ENCRYPT_REQUIRED, 0},
	        {SMBH_F_ENCRYPT_IF_POSSIBLE | SMBH_F_ENCRYPT_REQUIRED, EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smbh h = {.fd = -1};
		struct smbh_req q = {.op = SMBH_INIT,
		                     .s1 = "u",
		                     .s3 = "p",
		                     .handle = 445,
		                     .count = 1000,
		                     .flags = cases[i].flags};
		struct smbh_rep rep;
		struct buf b;
		int sv[2], r;

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		h.pid = fork();
		assert_true(h.pid >= 0);
		if (h.pid == 0) {
			close(sv[0]);
			smbh_main(sv[1]);
		}
		close(sv[1]);
		h.fd = sv[0];
		buf_init(&b, SMBH_FRAME_MAX);
		r = smbh_call(&h, &q, &rep, &b, deploy_now_ms() + 10000);
		if (cases[i].eno == 0) {
			assert_int_equal(r, 0);
		} else {
			assert_int_equal(r, MUSTER_ENET);
			assert_int_equal(h.eno, cases[i].eno);
		}
		smbh_stop(&h, 5000);
		assert_string_equal(h.why, "the SMB helper exited with status 0");
		buf_free(&b);
	}
}

/* muster-deploy's first call: no core file, not dumpable. */
static void
test_no_dumps(void **state)
{
	struct rlimit rl;

	(void)state;
	assert_int_equal(muster_no_dumps(), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_share_parse),
	        cmocka_unit_test(test_user_parse),
	        cmocka_unit_test(test_service_command),
	        cmocka_unit_test(test_free_bytes),
	        cmocka_unit_test(test_req_roundtrip),
	        cmocka_unit_test(test_req_refused),
	        cmocka_unit_test(test_rep_roundtrip),
	        cmocka_unit_test(test_no_helper),
	        cmocka_unit_test(test_helper_env),
	        cmocka_unit_test(test_stale_dirs),
	        cmocka_unit_test(test_no_dumps),
	        cmocka_unit_test(test_encrypt_parse),
	        cmocka_unit_test(test_helper_encrypt_flags),
	        cmocka_unit_test(test_negotiate_encrypts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* built without libsmbclient: nothing to test */

static void
test_skipped(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_skipped)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
