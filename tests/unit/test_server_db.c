/*
 * test_server_db.c - muster-server's database and body parsers: report
 * upserts and idempotent seq, the matching rules, enrollment tokens (uses,
 * expiry, revocation), the groups tree, and the managed-computers CSV.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "server/api.h"
#include "server/body.h"
#include "server/db.h"
#include "server/match.h"
#include "server/tokens.h"

#define T0 1790000000 /* a fixed "now" for the tests */

struct fx {
	char dir[64];
	char path[96];
	struct db *db;
	int64_t sensor;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_server_db.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/server.db", f->dir);
	assert_int_equal(db_open(f->path, &f->db), 0);
	assert_int_equal(db_sensor_add(f->db, "s1", "00", T0, &f->sensor), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[128];

	db_close(f->db);
	snprintf(p, sizeof(p), "%s", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static void
apply_json(struct fx *f, const char *json, time_t now, struct db_report_result *res)
{
	struct report r;
	char err[BODY_ERR_MAX];
	int rc = report_parse(json, strlen(json), &r, err, sizeof(err));

	if (rc != 0)
		fail_msg("report_parse: %s", err);
	assert_int_equal(db_report_apply(f->db, f->sensor, &r, now, res), 0);
	report_clear(&r);
}

struct collected {
	size_t n, managed;
	char status[8][16];
	char reason[8][MATCH_REASON_MAX];
	char group[8][GROUP_PATH_MAX];
	char mac[8][18];
	char vendor[8][32];
};

static int
collect_cb(void *arg, const struct hostrec *h)
{
	struct collected *c = arg;

	if (c->n < 8) {
		snprintf(c->status[c->n], sizeof(c->status[0]), "%s", h->status);
		snprintf(c->reason[c->n], sizeof(c->reason[0]), "%s", h->status_reason);
		snprintf(c->group[c->n], sizeof(c->group[0]), "%s", h->group ? h->group : "");
		snprintf(c->mac[c->n], sizeof(c->mac[0]), "%s", h->mac);
		snprintf(c->vendor[c->n], sizeof(c->vendor[0]), "%s", h->vendor ? h->vendor : "");
	}
	c->managed += strcmp(h->status, "managed") == 0;
	c->n++;
	return 0;
}

static void
list(struct fx *f, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(db_computers(f->db, DB_STATUS_ALL, collect_cb, c), 0);
}

static void
enroll_json(struct fx *f, const char *json, const char *token, time_t now, int want_rc,
            struct db_enroll_result *res)
{
	struct enroll_req e;
	char err[BODY_ERR_MAX], hash[TOKEN_HASHLEN];

	if (enroll_parse(json, strlen(json), &e, err, sizeof(err)) != 0)
		fail_msg("enroll_parse: %s", err);
	token_hash(token, strlen(token), hash);
	assert_int_equal(db_enroll(f->db, &e, hash, "test", now, res), want_rc);
	enroll_clear(&e);
}

static int64_t
add_token(struct fx *f, const char *token, const char *group, int64_t uses, time_t expires)
{
	char hash[TOKEN_HASHLEN];
	int64_t gid, id;

	token_hash(token, strlen(token), hash);
	assert_int_equal(db_group_ensure(f->db, group, T0, &gid, NULL), 0);
	assert_int_equal(db_token_add(f->db, hash, gid, uses, T0, expires, NULL, &id), 0);
	return id;
}

static const char rep1[] = "{\"sensor\":{\"id\":\"sensor-1\",\"hostname\":\"s\",\"version\":\"1\","
                           "\"networks\":[\"10.0.0.7/24\"]},\"seq\":1,\"hosts\":["
                           "{\"mac\":\"52:54:00:00:00:01\",\"ipv4\":[\"10.0.0.1\"],"
                           "\"names\":[{\"name\":\"WS-001\",\"source\":\"netbios\"}],"
                           "\"smb\":{\"netbios_name\":\"WS-001\",\"netbios_domain\":\"CORP\"}},"
                           "{\"mac\":\"52:54:00:00:00:02\",\"ipv4\":[\"10.0.0.2\"],"
                           "\"names\":[{\"name\":\"ws-002.corp.example\",\"source\":\"dhcp\"}]},"
                           "{\"ipv4\":[\"10.0.0.3\"]}]}";

/* ---- reports ---- */

static void
test_report_upsert_and_idempotent_seq(void **state)
{
	struct fx *f = *state;
	struct db_report_result res;
	struct collected c;
	struct db_stats st;

	apply_json(f, rep1, T0, &res);
	assert_false(res.duplicate);
	assert_int_equal(res.upserted, 3);
	assert_int_equal(res.created, 3);
	assert_int_equal(res.unmanaged, 3);
	list(f, &c);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.status[0], "unmanaged");

	/* The same (sensor id, seq): nothing happens, even with other content. */
	apply_json(f, rep1, T0 + 10, &res);
	assert_true(res.duplicate);
	assert_int_equal(res.upserted, 0);
	list(f, &c);
	assert_int_equal(c.n, 3);

	/* A new seq updates in place: no duplicate computer. */
	apply_json(f,
	           "{\"sensor\":{\"id\":\"sensor-1\"},\"seq\":2,\"hosts\":["
	           "{\"mac\":\"52:54:00:00:00:01\",\"vendor\":\"QEMU\",\"ipv4\":[\"10.0.0.1\"]},"
	           "{\"mac\":\"52:54:00:00:00:09\",\"ipv4\":[\"10.0.0.9\"]}]}",
	           T0 + 20, &res);
	assert_false(res.duplicate);
	assert_int_equal(res.upserted, 2);
	assert_int_equal(res.created, 1);
	list(f, &c);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.mac[0], "52:54:00:00:00:01");
	assert_string_equal(c.vendor[0], "QEMU");

	/* Another sensor id may use the same seq. */
	apply_json(f, "{\"sensor\":{\"id\":\"sensor-2\"},\"seq\":1,\"hosts\":[]}", T0, &res);
	assert_false(res.duplicate);
	assert_int_equal(db_stats(f->db, T0, &st), 0);
	assert_int_equal(st.computers, 4);
	assert_int_equal(st.reports, 3);
}

static void
test_report_parse_refusals(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	        {"", "empty"},
	        {"[]", "object"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1}", "hosts"},
	        {"{\"sensor\":{\"id\":\"a\"},\"hosts\":[]}", "seq"},
	        {"{\"seq\":1,\"hosts\":[]}", "sensor"},
	        {"{\"sensor\":{\"id\":\"\"},\"seq\":1,\"hosts\":[]}", "empty"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":-1,\"hosts\":[]}", "range"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1.5,\"hosts\":[]}", "integer"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":\"1\",\"hosts\":[]}", "integer"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":{}}", "array"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[],\"x\":1}",
	         "unknown field \"x\""},
	        {"{\"sensor\":{\"id\":\"a\",\"y\":1},\"seq\":1,\"hosts\":[]}", "sensor.y"},
	        {"{\"sensor\":{\"id\":\"a\",\"networks\":[\"10.0.0.0/"
	         "33\"]},\"seq\":1,\"hosts\":[]}",
	         "CIDR"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[{}]}", "mac or an ipv4"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[{\"mac\":\"01:00:5e:00:00:01\"}]"
	         "}",
	         "unicast"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[{\"mac\":\"zz\"}]}", "hosts[0]"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[]} x", "offset"},
	        {"{\"sensor\":{\"id\":\"a\"},\"seq\":1,\"hosts\":[", "truncated"},
	};
	struct report r;
	char err[BODY_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(cases); i++) {
		int rc = report_parse(cases[i].json, strlen(cases[i].json), &r, err, sizeof(err));
		if (rc == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].json);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, cases[i].want);
	}
	/* A NUL inside the body. */
	assert_int_not_equal(report_parse("{\"a\0\":1}", 8, &r, err, sizeof(err)), 0);
}

/* ---- matching ---- */

static void
test_match_rules(void **state)
{
	struct fx *f = *state;
	struct db_report_result res;
	struct db_enroll_result er;
	struct collected c;

	apply_json(f, rep1, T0, &res);
	add_token(f, "mse_testtokentesttoken01", "All/HQ", 10, T0 + 3600);

	/* Rule 1: MAC. */
	enroll_json(f,
	            "{\"token\":\"mse_testtokentesttoken01\",\"hostname\":\"ws-009\","
	            "\"macs\":[\"52-54-00-00-00-02\"]}",
	            "mse_testtokentesttoken01", T0, 0, &er);
	assert_int_equal(er.matched, 1);
	list(f, &c);
	assert_string_equal(c.status[1], "managed");
	assert_non_null(strstr(c.reason[1], "mac 52:54:00:00:00:02"));
	assert_string_equal(c.group[1], "All/HQ");

	/* Rule 2: host name and domain; NetBIOS domain CORP agrees with corp.example. */
	enroll_json(f,
	            "{\"token\":\"mse_testtokentesttoken01\",\"hostname\":\"WS-001.corp.example\","
	            "\"macs\":[\"02:00:00:00:00:aa\"]}",
	            "mse_testtokentesttoken01", T0, 0, &er);
	list(f, &c);
	assert_string_equal(c.status[0], "managed");
	assert_non_null(strstr(c.reason[0], "hostname ws-001 and domain corp.example"));

	/* Rule 3: IPv4 with recency, for a computer without a MAC. */
	enroll_json(f,
	            "{\"token\":\"mse_testtokentesttoken01\",\"hostname\":\"printer-7\","
	            "\"ipv4\":[\"10.0.0.3\"]}",
	            "mse_testtokentesttoken01", T0, 0, &er);
	list(f, &c);
	assert_string_equal(c.status[2], "managed");
	assert_non_null(strstr(c.reason[2], "ipv4 10.0.0.3"));
	assert_int_equal(c.managed, 3);

	/* Past the recency window the IP match no longer holds (re-evaluated on report). */
	db_set_ip_recency(f->db, 3600);
	apply_json(f,
	           "{\"sensor\":{\"id\":\"sensor-1\"},\"seq\":5,\"hosts\":[{\"ipv4\":[\"10.0.0.3\"]"
	           "}]}",
	           T0 + 7200, &res);
	list(f, &c);
	assert_string_equal(c.status[2], "unmanaged");
	assert_non_null(strstr(c.reason[2], "too long"));
}

static void
test_match_ip_contradicted_by_mac(void **state)
{
	struct fx *f = *state;
	struct db_report_result res;
	struct db_enroll_result er;
	struct collected c;

	add_token(f, "mse_testtokentesttoken02", "All", 10, T0 + 3600);
	/* The identity declared MACs; a different MAC at its old address is another machine. */
	enroll_json(f,
	            "{\"token\":\"mse_testtokentesttoken02\",\"hostname\":\"laptop-1\","
	            "\"macs\":[\"52:54:00:aa:aa:aa\"],\"ipv4\":[\"10.0.0.50\"]}",
	            "mse_testtokentesttoken02", T0, 0, &er);
	apply_json(f,
	           "{\"sensor\":{\"id\":\"s\"},\"seq\":1,\"hosts\":[{\"mac\":\"52:54:00:bb:bb:bb\","
	           "\"ipv4\":[\"10.0.0.50\"]}]}",
	           T0 + 60, &res);
	list(f, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.status[0], "unmanaged");
	assert_non_null(strstr(c.reason[0], "macs differ"));
}

static void
test_match_split_name(void **state)
{
	char s[MATCH_NAME_MAX], d[MATCH_DOMAIN_MAX];

	(void)state;
	assert_true(match_split_name("WS-042.Corp.Example.", s, d));
	assert_string_equal(s, "ws-042");
	assert_string_equal(d, "corp.example");
	assert_true(match_split_name("printer.local", s, d));
	assert_string_equal(s, "printer");
	assert_string_equal(d, "");
	assert_false(match_split_name("localhost", s, d));
	assert_false(match_split_name("10.0.0.1", s, d));
	assert_false(match_split_name("", s, d));
	assert_false(match_split_name("bad name", s, d));
	assert_false(match_split_name(".x", s, d));
}

/* ---- enrollment tokens ---- */

static void
test_token_uses_expiry_revoke(void **state)
{
	struct fx *f = *state;
	struct db_enroll_result er;
	int64_t id;

	add_token(f, "mse_usesusesusesuses0001", "All/Lab", 2, T0 + 100);
	enroll_json(f,
	            "{\"token\":\"mse_usesusesusesuses0001\",\"hostname\":\"a\",\"macs\":[\"52:54:"
	            "00:00:01:01\"]}",
	            "mse_usesusesusesuses0001", T0, 0, &er);
	assert_int_equal(er.uses_left, 1);
	assert_false(er.reenrolled);
	/* Same machine again: harmless, no use consumed. */
	enroll_json(f,
	            "{\"token\":\"mse_usesusesusesuses0001\",\"hostname\":\"a\",\"macs\":[\"52:54:"
	            "00:00:01:01\"]}",
	            "mse_usesusesusesuses0001", T0, 0, &er);
	assert_true(er.reenrolled);
	assert_int_equal(er.uses_left, 1);
	enroll_json(f,
	            "{\"token\":\"mse_usesusesusesuses0001\",\"hostname\":\"b\",\"macs\":[\"52:54:"
	            "00:00:01:02\"]}",
	            "mse_usesusesusesuses0001", T0, 0, &er);
	assert_int_equal(er.uses_left, 0);
	/* Exhausted. */
	enroll_json(f,
	            "{\"token\":\"mse_usesusesusesuses0001\",\"hostname\":\"c\",\"macs\":[\"52:54:"
	            "00:00:01:03\"]}",
	            "mse_usesusesusesuses0001", T0, MUSTER_EPERM, &er);
	assert_int_equal(er.http_status, 403);
	assert_non_null(strstr(er.error, "exhausted"));
	assert_int_equal(db_managed_count(f->db), 2);

	/* Expired. */
	add_token(f, "mse_expiredexpired000001", "All/Lab", 5, T0 + 100);
	enroll_json(f, "{\"token\":\"mse_expiredexpired000001\",\"hostname\":\"d\"}",
	            "mse_expiredexpired000001", T0 + 100, MUSTER_EPERM, &er);
	assert_non_null(strstr(er.error, "expired"));

	/* Revoked. */
	id = add_token(f, "mse_revokedrevoked000001", "All/Lab", 5, T0 + 100);
	assert_int_equal(db_token_revoke(f->db, id, T0), 0);
	assert_int_equal(db_token_revoke(f->db, 9999, T0), MUSTER_ENOENT);
	enroll_json(f, "{\"token\":\"mse_revokedrevoked000001\",\"hostname\":\"d\"}",
	            "mse_revokedrevoked000001", T0, MUSTER_EPERM, &er);
	assert_non_null(strstr(er.error, "revoked"));

	/* Unknown, and a group that is not the token's. */
	enroll_json(f, "{\"token\":\"mse_nosuchtokennosuch0001\",\"hostname\":\"d\"}",
	            "mse_nosuchtokennosuch0001", T0, MUSTER_EPERM, &er);
	assert_int_equal(er.http_status, 401);
	add_token(f, "mse_groupgroupgroup00001", "All/Lab", 5, T0 + 100);
	enroll_json(f,
	            "{\"token\":\"mse_groupgroupgroup00001\",\"hostname\":\"d\",\"group\":\"All/"
	            "Other\"}",
	            "mse_groupgroupgroup00001", T0, MUSTER_EPERM, &er);
	assert_non_null(strstr(er.error, "group"));
	assert_int_equal(db_managed_count(f->db), 2);
}

static int
count_refused(void *arg, const struct db_audit_entry *e)
{
	int *n = arg;

	if (strncmp(e->result, "refused: ", 9) == 0 && strcmp(e->action, "enroll") == 0)
		(*n)++;
	return 0;
}

static void
test_refusals_are_audited(void **state)
{
	struct fx *f = *state;
	struct db_enroll_result er;
	int n = 0;

	add_token(f, "mse_auditauditaudit00001", "All", 1, T0 + 100);
	enroll_json(f, "{\"token\":\"mse_auditauditaudit00001\",\"hostname\":\"x\"}",
	            "mse_auditauditaudit00001", T0 + 200, MUSTER_EPERM, &er);
	enroll_json(f, "{\"token\":\"mse_nosuchtokennosuch0001\",\"hostname\":\"x\"}",
	            "mse_nosuchtokennosuch0001", T0, MUSTER_EPERM, &er);
	assert_int_equal(db_audit_list(f->db, 0, count_refused, &n), 0);
	assert_int_equal(n, 2);
}

static void
test_token_helpers(void **state)
{
	char tok[TOKEN_STRLEN], tok2[TOKEN_STRLEN], h1[TOKEN_HASHLEN], h2[TOKEN_HASHLEN];
	int64_t secs;

	(void)state;
	assert_int_equal(token_generate(TOKEN_ENROLL, tok), 0);
	assert_int_equal(token_generate(TOKEN_ENROLL, tok2), 0);
	assert_int_equal(strlen(tok), 47);
	assert_memory_equal(tok, "mse_", 4);
	assert_string_not_equal(tok, tok2);
	assert_true(token_well_formed(tok, strlen(tok)));
	assert_false(token_well_formed("short", 5));
	assert_false(token_well_formed("has space in the token", 22));
	token_hash(tok, strlen(tok), h1);
	token_hash(tok, strlen(tok), h2);
	assert_int_equal(strlen(h1), 64);
	assert_true(token_hash_equal(h1, h2));
	token_hash(tok2, strlen(tok2), h2);
	assert_false(token_hash_equal(h1, h2));
	assert_true(token_parse_duration("45s", &secs) && secs == 45);
	assert_true(token_parse_duration("90m", &secs) && secs == 5400);
	assert_true(token_parse_duration("12h", &secs) && secs == 43200);
	assert_true(token_parse_duration("30d", &secs) && secs == 2592000);
	assert_true(token_parse_duration("2w", &secs) && secs == 1209600);
	assert_true(token_parse_duration("60", &secs) && secs == 60);
	assert_false(token_parse_duration("0s", &secs));
	assert_false(token_parse_duration("-1h", &secs));
	assert_false(token_parse_duration("1y", &secs));
	assert_false(token_parse_duration("1hh", &secs));
	assert_false(token_parse_duration("99999999999999999999d", &secs));
	assert_false(token_parse_duration("", &secs));
}

/* ---- groups ---- */

static int
count_groups(void *arg, const struct db_group *g)
{
	int *n = arg;

	(void)g;
	(*n)++;
	return 0;
}

static void
test_groups_tree(void **state)
{
	struct fx *f = *state;
	char out[GROUP_PATH_MAX], err[BODY_ERR_MAX];
	int64_t id1, id2, id3;
	bool created;
	int n = 0;

	assert_int_equal(group_path_normalize("HQ/Linux", out, err, sizeof(err)), 0);
	assert_string_equal(out, "All/HQ/Linux");
	assert_int_equal(group_path_normalize("All", out, err, sizeof(err)), 0);
	assert_string_equal(out, "All");
	assert_int_equal(group_path_normalize("Allotment", out, err, sizeof(err)), 0);
	assert_string_equal(out, "All/Allotment");
	assert_int_not_equal(group_path_normalize("All//x", out, err, sizeof(err)), 0);
	assert_int_not_equal(group_path_normalize("All/x/", out, err, sizeof(err)), 0);
	assert_int_not_equal(group_path_normalize("", out, err, sizeof(err)), 0);
	assert_int_not_equal(group_path_normalize("All/ x", out, err, sizeof(err)), 0);
	assert_int_not_equal(group_path_normalize("All/a\nb", out, err, sizeof(err)), 0);
	assert_int_not_equal(
	        group_path_normalize("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", out, err, sizeof(err)),
	        0);

	assert_int_equal(db_group_ensure(f->db, "All/HQ/Linux", T0, &id1, &created), 0);
	assert_true(created);
	assert_int_equal(db_group_ensure(f->db, "All/HQ/Linux", T0, &id2, &created), 0);
	assert_false(created);
	assert_int_equal(id1, id2);
	assert_int_equal(db_group_find(f->db, "All/HQ", &id3), 0);
	assert_int_not_equal(id3, id1);
	assert_int_equal(db_group_find(f->db, "All/Nope", &id3), MUSTER_ENOENT);
	assert_int_equal(db_group_list(f->db, count_groups, &n), 0);
	assert_int_equal(n, 3); /* All, All/HQ, All/HQ/Linux */
}

/* ---- import CSV ---- */

static void
test_import_csv(void **state)
{
	static const char csv[] =
	        "\xef\xbb\xbf# exported from another console\r\n"
	        "Hostname,Domain,MAC,IPv4,Group,OS,Note\r\n"
	        "ws-001,corp.example,52:54:00:00:00:01,10.0.0.1,HQ/Windows,Windows 11,\r\n"
	        "\"ws-002\",,\"52:54:00:00:00:02; 52:54:00:00:00:12\",10.0.0.2 10.0.0.22,,,\"a, "
	        "\"\"quoted\"\" note\"\r\n"
	        "\r\n"
	        ",,AABB.CCDD.EEFF,,,,\n"
	        "ws-bad,,zz:zz:zz:zz:zz:zz,,,,\n"
	        "ws-bad2,,,10.0.0.300,,,\n"
	        "only,three,fields\n"
	        ",,,,,,\n"
	        "ws-quote,,,,,,\"unterminated\n";
	struct import_list l;
	char err[BODY_ERR_MAX];

	(void)state;
	assert_int_equal(import_parse(csv, strlen(csv), &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].shortname, "ws-001");
	assert_string_equal(l.v[0].domain, "corp.example");
	assert_string_equal(l.v[0].group, "All/HQ/Windows");
	assert_string_equal(l.v[0].os, "Windows 11");
	assert_int_equal(l.v[1].n_macs, 2);
	assert_string_equal(l.v[1].macs[1], "52:54:00:00:00:12");
	assert_int_equal(l.v[1].n_ipv4, 2);
	assert_string_equal(l.v[1].note, "a, \"quoted\" note");
	assert_string_equal(l.v[2].macs[0], "aa:bb:cc:dd:ee:ff");
	assert_int_equal(l.n_errors, 5);
	assert_non_null(strstr(l.errors[0], "line 7"));
	assert_non_null(strstr(l.errors[0], "MAC"));
	assert_non_null(strstr(l.errors[1], "IPv4"));
	assert_non_null(strstr(l.errors[2], "fields"));
	assert_non_null(strstr(l.errors[3], "hostname or a mac"));
	assert_non_null(strstr(l.errors[4], "unterminated"));
	import_clear(&l);

	/* Whole-file problems. */
	assert_int_equal(import_parse("", 0, &l, err, sizeof(err)), MUSTER_EPARSE);
	assert_non_null(strstr(err, "header"));
	assert_int_equal(import_parse("hostname,colour\n", 16, &l, err, sizeof(err)),
	                 MUSTER_EPARSE);
	assert_non_null(strstr(err, "colour"));
	assert_int_equal(import_parse("os,note\nx,y\n", 12, &l, err, sizeof(err)), MUSTER_EPARSE);
	assert_int_equal(import_parse("mac,mac\n", 8, &l, err, sizeof(err)), MUSTER_EPARSE);
}

static void
test_import_makes_managed(void **state)
{
	struct fx *f = *state;
	static const char csv[] = "hostname,domain,mac,group\n"
	                          "ws-002,corp.example,,All/Imported\n"
	                          ",,52:54:00:00:00:01,\n";
	struct db_report_result res;
	struct db_import_result ir;
	struct import_list l;
	struct collected c;
	char err[BODY_ERR_MAX];

	apply_json(f, rep1, T0, &res);
	assert_int_equal(import_parse(csv, strlen(csv), &l, err, sizeof(err)), 0);
	assert_int_equal(db_import(f->db, &l, "test", T0, &ir), 0);
	assert_int_equal(ir.created, 2);
	assert_int_equal(ir.matched, 2);
	/* Importing again updates, it does not duplicate. */
	assert_int_equal(db_import(f->db, &l, "test", T0, &ir), 0);
	assert_int_equal(ir.created, 0);
	assert_int_equal(ir.updated, 2);
	import_clear(&l);
	assert_int_equal(db_managed_count(f->db), 2);
	list(f, &c);
	assert_string_equal(c.status[0], "managed");
	assert_non_null(strstr(c.reason[0], "imported"));
	assert_string_equal(c.status[1], "managed");
	assert_string_equal(c.group[1], "All/Imported");
	assert_string_equal(c.status[2], "unmanaged");
}

/* ---- enroll body ---- */

static void
test_enroll_parse(void **state)
{
	static const char ok[] =
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"WS-1.Corp.Example\","
	        "\"macs\":[\"AA-BB-CC-DD-EE-01\",\"aa:bb:cc:dd:ee:01\"],"
	        "\"ipv4\":[\"10.1.2.3\"],\"os\":{\"family\":\"windows\"},"
	        "\"group\":\"HQ\",\"installer\":\"i-1\"}";
	static const char *const bad[] = {
	        "{\"hostname\":\"x\"}",
	        "{\"token\":\"short\",\"hostname\":\"x\"}",
	        "{\"token\":\"mse_0123456789abcdef\"}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x\",\"macs\":[\"01:00:5e:00:00:"
	        "01\"]}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x\",\"macs\":\"aa:bb:cc:dd:ee:"
	        "ff\"}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x\",\"ipv4\":[\"::1\"]}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x\",\"os\":\"linux\"}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x\",\"group\":\"a//b\"}",
	        "{\"token\":\"mse_0123456789abcdef\",\"hostname\":\"x y\"}",
	        "{\"token\":12,\"hostname\":\"x\"}",
	};
	struct enroll_req e;
	char err[BODY_ERR_MAX];

	(void)state;
	assert_int_equal(enroll_parse(ok, strlen(ok), &e, err, sizeof(err)), 0);
	assert_string_equal(e.shortname, "ws-1");
	assert_string_equal(e.domain, "corp.example");
	assert_int_equal(e.n_macs, 1);
	assert_string_equal(e.macs[0], "aa:bb:cc:dd:ee:01");
	assert_string_equal(e.group, "All/HQ");
	assert_string_equal(e.os_family, "windows");
	enroll_clear(&e);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		if (enroll_parse(bad[i], strlen(bad[i]), &e, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
		/* The token itself never appears in a message. */
		assert_null(strstr(err, "0123456789abcdef"));
	}
}

/* ---- deployments (POST /api/v1/deployments) ---- */

struct dep_audit {
	int deploy, ok, failed, refused;
	char last_target[128], last_detail[256];
};

static int
dep_audit_cb(void *arg, const struct db_audit_entry *e)
{
	struct dep_audit *a = arg;

	if (strcmp(e->action, "deploy") != 0)
		return 0;
	a->deploy++;
	if (strcmp(e->result, "ok") == 0)
		a->ok++;
	else if (strncmp(e->result, "failed: ", 8) == 0)
		a->failed++;
	else if (strncmp(e->result, "refused: ", 9) == 0)
		a->refused++;
	snprintf(a->last_target, sizeof(a->last_target), "%s", e->target);
	snprintf(a->last_detail, sizeof(a->last_detail), "%s", e->detail);
	return 0;
}

static int
dep_count(void *arg, const struct db_deployment *d)
{
	int *n = arg;

	assert_string_equal(d->run, "run-1");
	(*n)++;
	return 0;
}

/* One request through the API's handler, as http.c would hand it over. */
static int
call_api(struct api *a, const char *method, const char *auth, const char *body, char *out,
         size_t outsz)
{
	struct http_req req;
	struct http_resp resp;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.path = "/api/v1/deployments";
	req.authorization = auth;
	req.content_type = "application/json";
	req.body = (const uint8_t *)body;
	req.body_len = body ? strlen(body) : 0;
	snprintf(req.remote, sizeof(req.remote), "198.18.0.1");
	buf_init(&resp.body, 1 << 20);
	api_precheck(a, &req, &resp);
	if (resp.status == 0)
		api_handle(a, &req, &resp);
	snprintf(out, outsz, "%s", buf_cstr(&resp.body));
	buf_free(&resp.body);
	return resp.status;
}

static void
test_deployments(void **state)
{
	struct fx *f = *state;
	struct db_deployment v[2] = {
	        {.run = "run-1",
	         .method = "ssh",
	         .host = "10.0.0.1",
	         .port = 22,
	         .user = "root",
	         .status = "ok",
	         .reason = "installed",
	         .duration_ms = 812,
	         .attempts = 1},
	        {.run = "run-1",
	         .method = "ssh",
	         .host = "10.0.0.2",
	         .port = 2222,
	         .status = "auth-failed",
	         .reason = "refused",
	         .duration_ms = 40,
	         .attempts = 1},
	};
	struct api_config cfg;
	struct api *a;
	struct dep_audit au;
	char out[2048];
	int n = 0;

	/* The database call: rows and one audit line per attempt. */
	assert_int_equal(db_deployments_add(f->db, v, 2, "admin@127.0.0.1", T0), 0);
	assert_int_equal(db_deployment_list(f->db, NULL, 0, dep_count, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(db_deployment_list(f->db, "10.0.0.2", 0, dep_count, &n), 0);
	assert_int_equal(n, 1);
	memset(&au, 0, sizeof(au));
	assert_int_equal(db_audit_list(f->db, 0, dep_audit_cb, &au), 0);
	assert_int_equal(au.deploy, 2);
	assert_int_equal(au.ok, 1);
	assert_int_equal(au.failed, 1);
	assert_string_equal(au.last_target, "10.0.0.2 port 2222");
	assert_non_null(strstr(au.last_detail, "run run-1, method ssh, 1 attempt, 40 ms: refused"));

	/* Through the API, with the admin token. */
	memset(&cfg, 0, sizeof(cfg));
	token_hash("admin-token-for-tests", 21, cfg.admin_token_hash);
	a = api_new(f->db, &cfg);
	assert_non_null(a);
	assert_int_equal(
	        call_api(a, "POST", "Bearer admin-token-for-tests",
	                 "{\"run\":\"r2\",\"method\":\"ssh\",\"installer_sha256\":"
	                 "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	                 "\"attempts\":[{\"host\":\"10.0.0.3\",\"port\":22,\"user\":\"root\","
	                 "\"status\":\"timeout\",\"reason\":\"timed out\",\"duration_ms\":300000,"
	                 "\"attempts\":1},{\"host\":\"10.0.0.4\",\"status\":\"ok\","
	                 "\"duration_ms\":5}]}",
	                 out, sizeof(out)),
	        200);
	assert_non_null(strstr(out, "\"recorded\": 2") ? out : strstr(out, "\"recorded\":2"));
	memset(&au, 0, sizeof(au));
	assert_int_equal(db_audit_list(f->db, 0, dep_audit_cb, &au), 0);
	assert_int_equal(au.deploy, 4);
	assert_string_equal(au.last_target, "10.0.0.4 port 22");

	/* Refusals: no credential, a bad body; nothing recorded, refusals audited. */
	assert_int_equal(call_api(a, "POST", NULL, "{}", out, sizeof(out)), 401);
	static const char *const bad[] = {
	        "{\"run\":\"r\",\"method\":\"ssh\",\"attempts\":[]}",
	        "{\"run\":\"r\",\"method\":\"ftp\",\"attempts\":[{\"host\":\"h\",\"status\":\"ok\","
	        "\"duration_ms\":1}]}",
	        "{\"run\":\"r\",\"method\":\"ssh\",\"attempts\":[{\"host\":\"h\",\"status\":"
	        "\"fine\","
	        "\"duration_ms\":1}]}",
	        "{\"run\":\"r\",\"method\":\"ssh\",\"attempts\":[{\"host\":\"h\",\"status\":\"ok\"}"
	        "]}",
	        "{\"run\":\"r\",\"method\":\"ssh\",\"extra\":1,\"attempts\":[{\"host\":\"h\","
	        "\"status\":\"ok\",\"duration_ms\":1}]}",
	        "{\"run\":\"r "
	        "r\",\"method\":\"ssh\",\"attempts\":[{\"host\":\"h\",\"status\":\"ok\","
	        "\"duration_ms\":1}]}",
	        "{\"run\":\"r\",\"method\":\"ssh\",\"attempts\":[{\"host\":\"h\\n\",\"status\":"
	        "\"ok\","
	        "\"duration_ms\":1}]}",
	        "{\"run\":\"r\",\"method\":\"ssh\",\"attempts\":[{\"host\":\"h\",\"status\":\"ok\","
	        "\"duration_ms\":1,\"port\":0}]}",
	        "[1]",
	        "{\"run\":",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (call_api(a, "POST", "Bearer admin-token-for-tests", bad[i], out, sizeof(out)) !=
		    400)
			fail_msg("accepted: %s (%s)", bad[i], out);
	memset(&au, 0, sizeof(au));
	assert_int_equal(db_audit_list(f->db, 0, dep_audit_cb, &au), 0);
	assert_int_equal(au.deploy, 4 + 1 + (int)(sizeof(bad) / sizeof(bad[0])));
	assert_int_equal(au.ok + au.failed, 4);
	n = 0;
	assert_int_equal(call_api(a, "GET", "Bearer admin-token-for-tests", NULL, out, sizeof(out)),
	                 200);
	assert_non_null(strstr(out, "10.0.0.3"));
	api_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_report_upsert_and_idempotent_seq, setup,
	                                        teardown),
	        cmocka_unit_test(test_report_parse_refusals),
	        cmocka_unit_test_setup_teardown(test_match_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_match_ip_contradicted_by_mac, setup, teardown),
	        cmocka_unit_test(test_match_split_name),
	        cmocka_unit_test_setup_teardown(test_token_uses_expiry_revoke, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refusals_are_audited, setup, teardown),
	        cmocka_unit_test(test_token_helpers),
	        cmocka_unit_test_setup_teardown(test_groups_tree, setup, teardown),
	        cmocka_unit_test(test_import_csv),
	        cmocka_unit_test_setup_teardown(test_import_makes_managed, setup, teardown),
	        cmocka_unit_test(test_enroll_parse),
	        cmocka_unit_test_setup_teardown(test_deployments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
