/*
 * test_report.c - the report outbox state machine on a real SQLite file:
 * pending -> in flight -> acknowledged, changes in flight, permanent
 * refusals, re-announce, seq and body kept across a reopen; the status
 * query; the reporter's refusal of unsafe settings.
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
#include <sqlite3.h>
#include <zlib.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "common/store.h"
#include "sensor/hoststore.h"
#include "sensor/outbox.h"
#include "sensor/report.h"

struct fx {
	char dir[64];
	char path[128];
	struct hoststore *hs;
	struct store *st;
	struct outbox *ob;
};

static void
fx_open(struct fx *f, int64_t reannounce_s, unsigned batch)
{
	struct outbox_config oc = {0};
	char err[256];

	f->hs = hoststore_open(f->path, err, sizeof(err));
	assert_non_null(f->hs);
	f->st = hoststore_store(f->hs);
	oc.batch_size = batch;
	oc.reannounce_s = reannounce_s;
	oc.hostname = "test-sensor";
	assert_int_equal(outbox_open(f->st, &oc, &f->ob, err, sizeof(err)), 0);
}

static void
fx_close(struct fx *f)
{
	outbox_free(f->ob);
	hoststore_close(f->hs);
	f->ob = NULL;
	f->hs = NULL;
	f->st = NULL;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/muster-test-report-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/sensor.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[160];

	fx_close(f);
	for (size_t i = 0; i < MUSTER_NELEM(suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write a host the way hoststore does (the triggers see it). */
static void
put_host(struct fx *f, const char *mac, const char *name, long last_seen)
{
	char rec[512], t0[21], t1[21];
	sqlite3_stmt *q = NULL;

	hostrec_format_time(1000, t0);
	hostrec_format_time(last_seen, t1);
	snprintf(rec, sizeof(rec),
	         "{\"mac\":\"%s\",\"names\":[{\"name\":\"%s\",\"source\":\"dhcp\"}],"
	         "\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"sources\":[\"dhcp\"]}",
	         mac, name, t0, t1);
	assert_int_equal(store_prepare(f->st,
	                               "INSERT INTO hosts(mac, record, first_seen, last_seen)"
	                               " VALUES (?1, ?2, 1000, ?3) ON CONFLICT(mac) DO UPDATE SET"
	                               " record = excluded.record, last_seen = excluded.last_seen",
	                               &q),
	                 0);
	sqlite3_bind_text(q, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, rec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, last_seen);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
}

static struct outbox_stats
stats(struct fx *f)
{
	struct outbox_stats s;

	assert_int_equal(outbox_get_stats(f->ob, &s), 0);
	return s;
}

/* The names[0].name the acknowledged hash stands for, checked through the hash. */
static bool
acked_is(struct fx *f, const char *mac, const char *name, long last_seen)
{
	char rec[512], t0[21], t1[21];
	uint8_t h[OUTBOX_HASHLEN];
	sqlite3_stmt *q = NULL;
	bool ok;

	hostrec_format_time(1000, t0);
	hostrec_format_time(last_seen, t1);
	snprintf(rec, sizeof(rec),
	         "{\"mac\":\"%s\",\"names\":[{\"name\":\"%s\",\"source\":\"dhcp\"}],"
	         "\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"sources\":[\"dhcp\"]}",
	         mac, name, t0, t1);
	assert_int_equal(outbox_record_hash(rec, strlen(rec), h), 0);
	assert_int_equal(store_prepare(f->st, "SELECT hash FROM reported WHERE mac = ?1", &q), 0);
	sqlite3_bind_text(q, 1, mac, -1, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == OUTBOX_HASHLEN &&
	     memcmp(sqlite3_column_blob(q, 0), h, OUTBOX_HASHLEN) == 0;
	sqlite3_finalize(q);
	return ok;
}

/* Inflate a gzip body and parse it. */
static struct json_object *
body_json(const struct outbox_batch *b)
{
	static char out[1 << 20];
	z_stream z = {0};

	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = b->body;
	z.avail_in = (uInt)b->len;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out) - 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return json_tokener_parse(out);
}

static void
test_hash_ignores_last_seen(void **state)
{
	const char *a = "{\"mac\":\"02:00:00:00:00:01\",\"last_seen\":\"2026-01-01T00:00:00Z\"}";
	const char *b = "{\"mac\":\"02:00:00:00:00:01\",\"last_seen\":\"2026-02-01T00:00:00Z\"}";
	const char *c = "{\"mac\":\"02:00:00:00:00:02\",\"last_seen\":\"2026-01-01T00:00:00Z\"}";
	uint8_t ha[OUTBOX_HASHLEN], hb[OUTBOX_HASHLEN], hc[OUTBOX_HASHLEN];

	(void)state;
	assert_int_equal(outbox_record_hash(a, strlen(a), ha), 0);
	assert_int_equal(outbox_record_hash(b, strlen(b), hb), 0);
	assert_int_equal(outbox_record_hash(c, strlen(c), hc), 0);
	assert_memory_equal(ha, hb, OUTBOX_HASHLEN);
	assert_memory_not_equal(ha, hc, OUTBOX_HASHLEN);
	assert_int_equal(outbox_record_hash("{\"mac\":", 7, ha), MUSTER_EPARSE);
	assert_int_equal(outbox_record_hash("[1]", 3, ha), MUSTER_EPARSE);
	assert_int_equal(outbox_record_hash("{} x", 4, ha), MUSTER_EPARSE);
}

static void
test_pending_inflight_acked(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b;
	struct json_object *o, *v;
	struct outbox_stats s;

	fx_open(f, 0, 0);
	put_host(f, "02:00:00:00:00:01", "a", 2000);
	put_host(f, "02:00:00:00:00:02", "b", 2000);
	put_host(f, "02:00:00:00:00:03", "c", 2000);
	assert_int_equal(stats(f).dirty, 3);
	assert_int_equal(outbox_collect(f->ob, 3000, 100), 3);
	s = stats(f);
	assert_int_equal(s.dirty, 0);
	assert_int_equal(s.pending, 3);
	assert_int_equal(s.next_seq, 1);

	assert_int_equal(outbox_next_batch(f->ob, 3000, &b), 0);
	assert_int_equal(b.seq, 1);
	assert_int_equal(b.hosts, 3);
	o = body_json(&b);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "seq", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(o, "hosts", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_true(json_object_object_get_ex(o, "sensor", &v));
	assert_true(json_object_object_get_ex(v, "id", &v));
	assert_string_equal(json_object_get_string(v), outbox_sensor_id(f->ob));
	assert_true(strncmp(outbox_sensor_id(f->ob), "test-sensor-", 12) == 0);
	json_object_put(o);
	s = stats(f);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.inflight, 3);
	assert_int_equal(s.batches, 1);
	assert_int_equal(s.next_seq, 2);
	outbox_batch_clear(&b);

	assert_int_equal(outbox_ack(f->ob, 1, 3001), 0);
	s = stats(f);
	assert_int_equal(s.inflight, 0);
	assert_int_equal(s.batches, 0);
	assert_int_equal(s.acked, 3);
	assert_true(acked_is(f, "02:00:00:00:00:02", "b", 2000));
	assert_int_equal(outbox_ack(f->ob, 1, 3001), MUSTER_ENOENT);
	assert_int_equal(outbox_next_batch(f->ob, 3002, &b), MUSTER_ENOENT);

	/* Seen again, nothing else: not a change. */
	put_host(f, "02:00:00:00:00:01", "a", 2500);
	assert_int_equal(outbox_collect(f->ob, 3003, 100), 1);
	assert_int_equal(stats(f).pending, 0);
	/* A real change goes out once. */
	put_host(f, "02:00:00:00:00:01", "a2", 2600);
	assert_int_equal(outbox_collect(f->ob, 3004, 100), 1);
	assert_int_equal(stats(f).pending, 1);
	/* ... and the outbox keeps one row per host however often it changes. */
	put_host(f, "02:00:00:00:00:01", "a3", 2700);
	put_host(f, "02:00:00:00:00:01", "a4", 2800);
	assert_int_equal(outbox_collect(f->ob, 3005, 100), 1);
	assert_int_equal(stats(f).pending, 1);
	assert_int_equal(outbox_next_batch(f->ob, 3006, &b), 0);
	assert_int_equal(b.seq, 2);
	assert_int_equal(b.hosts, 1);
	outbox_batch_clear(&b);
	assert_int_equal(outbox_ack(f->ob, 2, 3007), 0);
	assert_true(acked_is(f, "02:00:00:00:00:01", "a4", 2800));
	assert_int_equal(stats(f).pending, 0);
}

static void
test_batches_are_bounded(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b;
	char mac[18];
	unsigned total = 0;

	fx_open(f, 0, 4);
	for (int i = 0; i < 10; i++) {
		snprintf(mac, sizeof(mac), "02:00:00:00:01:%02x", i);
		put_host(f, mac, "h", 2000);
	}
	assert_int_equal(outbox_collect(f->ob, 3000, 3), 3); /* max per call */
	assert_int_equal(outbox_collect(f->ob, 3000, 100), 7);
	while (outbox_next_batch(f->ob, 3000, &b) == 0) {
		assert_true(b.hosts <= 4);
		total += b.hosts;
		assert_int_equal(outbox_ack(f->ob, b.seq, 3000), 0);
		outbox_batch_clear(&b);
	}
	assert_int_equal(total, 10);
	assert_int_equal(stats(f).acked, 10);
	assert_int_equal(stats(f).next_seq, 4);
}

static void
test_change_while_in_flight(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b, b2;
	struct outbox_stats s;

	fx_open(f, 0, 0);
	put_host(f, "02:00:00:00:00:01", "old", 2000);
	put_host(f, "02:00:00:00:00:02", "same", 2000);
	outbox_collect(f->ob, 3000, 100);
	assert_int_equal(outbox_next_batch(f->ob, 3000, &b), 0);
	put_host(f, "02:00:00:00:00:01", "new", 2100);
	assert_int_equal(outbox_collect(f->ob, 3001, 100), 1);
	s = stats(f);
	assert_int_equal(s.pending, 1);
	assert_int_equal(s.inflight, 1);
	/* Before the answer, the same batch (same seq and body) is what is due. */
	assert_int_equal(outbox_next_batch(f->ob, 3002, &b2), 0);
	assert_int_equal(b2.seq, b.seq);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.body, b.body, b.len);
	outbox_batch_clear(&b2);

	assert_int_equal(outbox_ack(f->ob, b.seq, 3003), 0);
	/* Acknowledged with what was sent; the new state still pending. */
	assert_true(acked_is(f, "02:00:00:00:00:01", "old", 2000));
	s = stats(f);
	assert_int_equal(s.pending, 1);
	assert_int_equal(s.acked, 2);
	assert_int_equal(outbox_next_batch(f->ob, 3004, &b2), 0);
	assert_int_equal(b2.seq, b.seq + 1);
	assert_int_equal(b2.hosts, 1);
	assert_int_equal(outbox_ack(f->ob, b2.seq, 3005), 0);
	assert_true(acked_is(f, "02:00:00:00:00:01", "new", 2100));
	assert_int_equal(stats(f).pending, 0);
	outbox_batch_clear(&b);
	outbox_batch_clear(&b2);

	/* Changed and changed back before it was sent: nothing to send. */
	put_host(f, "02:00:00:00:00:02", "other", 2200);
	outbox_collect(f->ob, 3006, 100);
	assert_int_equal(stats(f).pending, 1);
	put_host(f, "02:00:00:00:00:02", "same", 2300);
	outbox_collect(f->ob, 3007, 100);
	assert_int_equal(stats(f).pending, 0);
}

static void
test_permanent_error(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b;
	struct outbox_stats s;

	fx_open(f, 0, 0);
	put_host(f, "02:00:00:00:00:01", "x", 2000);
	put_host(f, "02:00:00:00:00:02", "y", 2000);
	outbox_collect(f->ob, 3000, 100);
	assert_int_equal(outbox_next_batch(f->ob, 3000, &b), 0);
	put_host(f, "02:00:00:00:00:02", "y2", 2050); /* changed in flight */
	outbox_collect(f->ob, 3000, 100);
	assert_int_equal(outbox_reject(f->ob, b.seq), 0);
	outbox_batch_clear(&b);
	s = stats(f);
	assert_int_equal(s.failed, 1);
	assert_int_equal(s.pending, 1); /* the one that changed is not held back */
	assert_int_equal(s.batches, 0);
	assert_int_equal(s.acked, 0);
	assert_int_equal(outbox_next_batch(f->ob, 3001, &b), 0);
	assert_int_equal(b.hosts, 1);
	assert_int_equal(outbox_ack(f->ob, b.seq, 3001), 0);
	outbox_batch_clear(&b);
	/* Seen again: still failed, not retried. */
	put_host(f, "02:00:00:00:00:01", "x", 2100);
	outbox_collect(f->ob, 3002, 100);
	s = stats(f);
	assert_int_equal(s.failed, 1);
	assert_int_equal(s.pending, 0);
	assert_int_equal(outbox_next_batch(f->ob, 3002, &b), MUSTER_ENOENT);
	/* Changed: tried again. */
	put_host(f, "02:00:00:00:00:01", "x2", 2200);
	outbox_collect(f->ob, 3003, 100);
	s = stats(f);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.pending, 1);
}

static void
test_release_keeps_hosts(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b;

	fx_open(f, 0, 0);
	put_host(f, "02:00:00:00:00:01", "x", 2000);
	put_host(f, "02:00:00:00:00:02", "y", 2000);
	outbox_collect(f->ob, 3000, 100);
	assert_int_equal(outbox_next_batch(f->ob, 3000, &b), 0);
	assert_int_equal(outbox_release(f->ob, b.seq), 0);
	outbox_batch_clear(&b);
	assert_int_equal(stats(f).pending, 2);
	outbox_set_batch_size(f->ob, 1);
	assert_int_equal(outbox_next_batch(f->ob, 3001, &b), 0);
	assert_int_equal(b.seq, 2); /* a released seq is never used again */
	assert_int_equal(b.hosts, 1);
	outbox_batch_clear(&b);
}

static void
test_reannounce(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b;

	fx_open(f, 100, 0);
	put_host(f, "02:00:00:00:00:01", "x", 2000);
	outbox_collect(f->ob, 1000, 100);
	assert_int_equal(outbox_next_batch(f->ob, 1000, &b), 0);
	assert_int_equal(outbox_ack(f->ob, b.seq, 1000), 0);
	outbox_batch_clear(&b);
	assert_int_equal(outbox_collect(f->ob, 1099, 100), 0);
	assert_int_equal(stats(f).pending, 0);
	assert_int_equal(outbox_collect(f->ob, 1100, 100), 1);
	assert_int_equal(stats(f).pending, 1);
	/* Only once per interval. */
	assert_int_equal(outbox_next_batch(f->ob, 1100, &b), 0);
	assert_int_equal(outbox_ack(f->ob, b.seq, 1100), 0);
	outbox_batch_clear(&b);
	assert_int_equal(outbox_collect(f->ob, 1150, 100), 0);
	assert_int_equal(stats(f).pending, 0);
}

static void
test_seq_survives_reopen(void **state)
{
	struct fx *f = *state;
	struct outbox_batch b, b2;
	char id[OUTBOX_SENSOR_ID_MAX + 1];

	fx_open(f, 0, 0);
	snprintf(id, sizeof(id), "%s", outbox_sensor_id(f->ob));
	put_host(f, "02:00:00:00:00:01", "x", 2000);
	outbox_collect(f->ob, 3000, 100);
	assert_int_equal(outbox_next_batch(f->ob, 3000, &b), 0);
	/* "Crash" before the answer: reopen and the same report is due. */
	fx_close(f);
	fx_open(f, 0, 0);
	assert_string_equal(outbox_sensor_id(f->ob), id);
	assert_int_equal(outbox_next_batch(f->ob, 4000, &b2), 0);
	assert_int_equal(b2.seq, b.seq);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.body, b.body, b.len);
	assert_int_equal(outbox_ack(f->ob, b2.seq, 4000), 0);
	outbox_batch_clear(&b2);
	fx_close(f);
	fx_open(f, 0, 0);
	assert_int_equal(stats(f).acked, 1);
	assert_int_equal(stats(f).next_seq, b.seq + 1);
	put_host(f, "02:00:00:00:00:02", "y", 2000);
	outbox_collect(f->ob, 4001, 100);
	assert_int_equal(outbox_next_batch(f->ob, 4001, &b2), 0);
	assert_int_equal(b2.seq, b.seq + 1);
	outbox_batch_clear(&b);
	outbox_batch_clear(&b2);
	assert_int_equal(store_integrity_check(f->st), 0);
}

struct seen {
	int n;
	char status[4][16];
};

static int
collect_status(const struct hostrec *h, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4)
		snprintf(s->status[s->n], sizeof(s->status[0]), "%s", h->status ? h->status : "-");
	s->n++;
	return 0;
}

static void
test_status_query(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	time_t at;

	fx_open(f, 0, 0);
	put_host(f, "02:00:00:00:00:01", "m", 2003);
	put_host(f, "02:00:00:00:00:02", "u", 2002);
	put_host(f, "02:00:00:00:00:03", "unknown", 2001);
	assert_int_equal(report_status_fetched_at(f->st, &at), 0);
	assert_int_equal(at, 0);
	assert_int_equal(
	        store_exec(f->st,
	                   "INSERT INTO status VALUES ('02:00:00:00:00:01', 'managed', 'mac', "
	                   "'All/HQ', 1);"
	                   "INSERT INTO status VALUES ('02:00:00:00:00:02', 'unmanaged', 'no', "
	                   "NULL, 1);"),
	        0);
	assert_int_equal(report_status_foreach(f->st, REPORT_ST_ALL, collect_status, &s, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.status[0], "managed");
	assert_string_equal(s.status[1], "unmanaged");
	assert_string_equal(s.status[2], "-");
	memset(&s, 0, sizeof(s));
	assert_int_equal(report_status_foreach(f->st, REPORT_ST_UNMANAGED | REPORT_ST_UNKNOWN,
	                                       collect_status, &s, NULL),
	                 0);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(report_status_foreach(f->st, REPORT_ST_MANAGED, collect_status, &s, NULL),
	                 0);
	assert_int_equal(s.n, 1);
}

static void
test_reporter_refuses_unsafe(void **state)
{
	struct fx *f = *state;
	struct report_config rc = {0};
	struct reporter *r = NULL;
	char tok[160], err[256];
	FILE *fp;

	fx_open(f, 0, 0);
	snprintf(tok, sizeof(tok), "%s/token", f->dir);
	fp = fopen(tok, "w");
	assert_non_null(fp);
	fputs("mss_abcdefghijklmnop\n", fp);
	fclose(fp);
	rc.token_file = tok;
	rc.server = "http://192.0.2.1:8080";
	assert_int_equal(report_new(f->st, &rc, &r, err, sizeof(err)), MUSTER_EINVAL);
	assert_non_null(strstr(err, "loopback"));
	rc.server = "https://user:secret@127.0.0.1/";
	assert_int_equal(report_new(f->st, &rc, &r, err, sizeof(err)), MUSTER_EINVAL);
	assert_null(strstr(err, "secret"));
	rc.server = "ftp://127.0.0.1/";
	assert_int_equal(report_new(f->st, &rc, &r, err, sizeof(err)), MUSTER_EINVAL);
	rc.server = "https://127.0.0.1:1";
	rc.token_file = NULL;
	assert_int_equal(report_new(f->st, &rc, &r, err, sizeof(err)), MUSTER_EINVAL);
	rc.token_file = tok;
	rc.server = "http://127.0.0.1:1/";
	assert_int_equal(report_new(f->st, &rc, &r, err, sizeof(err)), 0);
	assert_non_null(r);
	assert_true(report_idle(r));
	/* Nothing listens on port 1: the tick returns at once and nothing is lost. */
	put_host(f, "02:00:00:00:00:01", "x", 2000);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(report_tick(r, 3000), 0);
		usleep(10000);
	}
	assert_false(report_idle(r));
	assert_true(report_timeout_ms(r) <= 1000);
	report_free(r);
	unlink(tok);
	assert_int_equal(stats(f).inflight, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hash_ignores_last_seen),
	        cmocka_unit_test_setup_teardown(test_pending_inflight_acked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_batches_are_bounded, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_change_while_in_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_permanent_error, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_keeps_hosts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reannounce, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_seq_survives_reopen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_status_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reporter_refuses_unsafe, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
