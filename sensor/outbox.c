/*
 * outbox.c - the sensor's report outbox in SQLite: which hosts to send, in
 * which batch (seq), and what the server acknowledged (docs/protocol.md,
 * "POST /api/v1/reports", idempotency per (sensor.id, seq)).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <zlib.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/store.h"
#include "common/text.h"
#include "sensor/outbox.h"

#define DEFAULT_BATCH 1000
#define MAX_BATCH     20000 /* the server's cap of hosts per report */
#define HOSTNAME_MAX  64

struct outbox {
	struct store *st;
	unsigned batch_size; /* configured */
	unsigned batch_cur;  /* in use (smaller after a 413) */
	int64_t reannounce_s;
	char id[OUTBOX_SENSOR_ID_MAX + 1];
	char hostname[HOSTNAME_MAX + 1];
	char **networks;
	size_t n_networks;
};

static struct log_ratelimit rl_bad = LOG_RATELIMIT(60, 5);

static void
set_err(char *err, size_t errlen, const char *what, struct store *st)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, store_errmsg(st));
}

/* ---- report_meta ---- */

static int
meta_get_text(struct store *st, const char *key, char *out, size_t outsz)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT value FROM report_meta WHERE key = ?1", &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT) {
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(q, 0));
		r = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		r = MUSTER_ENOENT;
	} else {
		r = store_check(st, rc);
	}
	sqlite3_finalize(q);
	return r;
}

static int
meta_get_int(struct store *st, const char *key, int64_t *out)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT value FROM report_meta WHERE key = ?1", &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_INTEGER) {
		*out = sqlite3_column_int64(q, 0);
		r = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		r = MUSTER_ENOENT;
	} else {
		r = store_check(st, rc);
	}
	sqlite3_finalize(q);
	return r;
}

static int
meta_set(struct store *st, const char *key, const char *text, int64_t num)
{
	sqlite3_stmt *q = NULL;
	int r;

	if ((r = store_prepare(st, "INSERT OR REPLACE INTO report_meta(key, value) VALUES (?1, ?2)",
	                       &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(q, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(q, 2, num);
	r = store_check(st, sqlite3_step(q));
	sqlite3_finalize(q);
	return r;
}

/* ---- open / free ---- */

static int
make_sensor_id(struct outbox *ob)
{
	uint8_t rnd[8];
	char hex[17];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return MUSTER_EIO;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(ob->id, sizeof(ob->id), "%s-%s", ob->hostname[0] ? ob->hostname : "sensor", hex);
	return 0;
}

static void
set_hostname(struct outbox *ob, const char *name)
{
	char buf[256];

	if (name == NULL) {
		if (gethostname(buf, sizeof(buf)) != 0)
			buf[0] = '\0';
		buf[sizeof(buf) - 1] = '\0';
		name = buf;
	}
	text_sanitize(name, strlen(name), ob->hostname, sizeof(ob->hostname));
}

int
outbox_open(struct store *st, const struct outbox_config *cfg, struct outbox **out, char *err,
            size_t errlen)
{
	struct outbox *ob;
	int64_t next;
	int r;

	*out = NULL;
	if (st == NULL || cfg == NULL)
		return MUSTER_EINVAL;
	if (cfg->batch_size > MAX_BATCH) {
		snprintf(err, errlen, "batch size %u is over the server's %d", cfg->batch_size,
		         MAX_BATCH);
		return MUSTER_EINVAL;
	}
	if ((ob = calloc(1, sizeof(*ob))) == NULL)
		return MUSTER_ENOMEM;
	ob->st = st;
	ob->batch_size = cfg->batch_size ? cfg->batch_size : DEFAULT_BATCH;
	ob->batch_cur = ob->batch_size;
	ob->reannounce_s = cfg->reannounce_s;
	set_hostname(ob, cfg->hostname);
	if (cfg->n_networks > 0) {
		if ((ob->networks = calloc(cfg->n_networks, sizeof(char *))) == NULL) {
			r = MUSTER_ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < cfg->n_networks; i++) {
			if ((ob->networks[i] = strdup(cfg->networks[i])) == NULL) {
				r = MUSTER_ENOMEM;
				goto fail;
			}
			ob->n_networks++;
		}
	}
	if ((r = store_begin(st)) != 0) {
		set_err(err, errlen, "outbox open", st);
		goto fail;
	}
	r = meta_get_text(st, "sensor_id", ob->id, sizeof(ob->id));
	if (r == MUSTER_ENOENT) {
		if ((r = make_sensor_id(ob)) != 0 ||
		    (r = meta_set(st, "sensor_id", ob->id, 0)) != 0)
			goto rollback;
		log_info("report-sensor-id", "id=%s", ob->id);
	} else if (r != 0) {
		goto rollback;
	}
	r = meta_get_int(st, "next_seq", &next);
	if (r == MUSTER_ENOENT)
		r = meta_set(st, "next_seq", NULL, 1);
	if (r != 0)
		goto rollback;
	if ((r = store_commit(st)) != 0)
		goto rollback;
	*out = ob;
	return 0;
rollback:
	set_err(err, errlen, "outbox open", st);
	store_rollback(st);
fail:
	outbox_free(ob);
	return r;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	for (size_t i = 0; i < ob->n_networks; i++)
		free(ob->networks[i]);
	free(ob->networks);
	free(ob);
}

const char *
outbox_sensor_id(const struct outbox *ob)
{
	return ob->id;
}

void
outbox_set_batch_size(struct outbox *ob, unsigned n)
{
	ob->batch_cur = n == 0 || n > ob->batch_size ? ob->batch_size : n;
}

/* ---- hashing ---- */

int
outbox_record_hash(const char *json, size_t len, uint8_t out[OUTBOX_HASHLEN])
{
	struct json_tokener *tok;
	struct json_object *o;
	const char *s;
	unsigned int mdlen = 0;
	int r = MUSTER_EPARSE;

	if (json == NULL || len > INT32_MAX)
		return MUSTER_EPARSE;
	if ((tok = json_tokener_new()) == NULL)
		return MUSTER_ENOMEM;
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
		goto out;
	json_object_object_del(o, "last_seen");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (s == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	if (EVP_Digest(s, strlen(s), out, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != OUTBOX_HASHLEN) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	r = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return r;
}

/* ---- collect ---- */

struct cand {
	char mac[18];
	char *record; /* NULL: the host row is gone */
	size_t len;
};

static void
cands_free(struct cand *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].record);
	free(c);
}

/* Read up to max (mac, record) rows of q (bound already) into memory. */
static int
read_cands(struct store *st, sqlite3_stmt *q, unsigned max, struct cand **out, size_t *n)
{
	struct cand *c;
	int rc;

	*out = NULL;
	*n = 0;
	if ((c = calloc(max ? max : 1, sizeof(*c))) == NULL)
		return MUSTER_ENOMEM;
	while (*n < max && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *mac = sqlite3_column_text(q, 0);
		const void *rec = sqlite3_column_text(q, 1);
		struct cand *k = &c[*n];

		snprintf(k->mac, sizeof(k->mac), "%s", mac ? (const char *)mac : "");
		if (rec != NULL) {
			k->len = (size_t)sqlite3_column_bytes(q, 1);
			if ((k->record = malloc(k->len + 1)) == NULL) {
				cands_free(c, *n);
				return MUSTER_ENOMEM;
			}
			memcpy(k->record, rec, k->len);
			k->record[k->len] = '\0';
		}
		(*n)++;
	}
	if (*n < max && rc != SQLITE_DONE) {
		cands_free(c, *n);
		*n = 0;
		return store_check(st, rc);
	}
	*out = c;
	return 0;
}

struct collect_stmts {
	sqlite3_stmt *get_ob, *get_rep, *upsert, *upd_rec, *del_ob, *del_dirty;
};

static void
collect_stmts_free(struct collect_stmts *s)
{
	sqlite3_finalize(s->get_ob);
	sqlite3_finalize(s->get_rep);
	sqlite3_finalize(s->upsert);
	sqlite3_finalize(s->upd_rec);
	sqlite3_finalize(s->del_ob);
	sqlite3_finalize(s->del_dirty);
}

static int
collect_stmts_prepare(struct store *st, struct collect_stmts *s)
{
	int r;

	if ((r = store_prepare(st,
	                       "SELECT hash, seq IS NOT NULL, failed FROM outbox WHERE mac = ?1",
	                       &s->get_ob)) != 0 ||
	    (r = store_prepare(st, "SELECT hash FROM reported WHERE mac = ?1", &s->get_rep)) != 0 ||
	    (r = store_prepare(st,
	                       "INSERT INTO outbox(mac, record, hash, seq, failed, queued_at)"
	                       " VALUES (?1, ?2, ?3, NULL, 0, ?4) ON CONFLICT(mac) DO UPDATE SET"
	                       " record = excluded.record, hash = excluded.hash, seq = NULL,"
	                       " failed = 0, queued_at = excluded.queued_at",
	                       &s->upsert)) != 0 ||
	    (r = store_prepare(st, "UPDATE outbox SET record = ?2 WHERE mac = ?1", &s->upd_rec)) !=
	            0 ||
	    (r = store_prepare(st, "DELETE FROM outbox WHERE mac = ?1", &s->del_ob)) != 0 ||
	    (r = store_prepare(st, "DELETE FROM report_dirty WHERE mac = ?1", &s->del_dirty)) != 0)
		return r;
	return 0;
}

static int
run1(struct store *st, sqlite3_stmt *q)
{
	int r = store_check(st, sqlite3_step(q));

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return r;
}

static int
queue_host(struct store *st, struct collect_stmts *s, const struct cand *c, const uint8_t *h,
           time_t now)
{
	sqlite3_bind_text(s->upsert, 1, c->mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->upsert, 2, c->record, (int)c->len, SQLITE_STATIC);
	sqlite3_bind_blob(s->upsert, 3, h, OUTBOX_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(s->upsert, 4, (sqlite3_int64)now);
	return run1(st, s->upsert);
}

static bool
col_hash_eq(sqlite3_stmt *q, int col, const uint8_t *h)
{
	return sqlite3_column_bytes(q, col) == OUTBOX_HASHLEN &&
	       memcmp(sqlite3_column_blob(q, col), h, OUTBOX_HASHLEN) == 0;
}

/* Decide what one host written to the store means for the outbox. */
static int
collect_one(struct store *st, struct collect_stmts *s, const struct cand *c, time_t now)
{
	uint8_t h[OUTBOX_HASHLEN];
	bool have_row = false, same = false, inflight = false, failed = false, acked_same = false;
	int r, rc;

	if (c->record == NULL)
		return 0;
	if ((r = outbox_record_hash(c->record, c->len, h)) != 0) {
		log_event_rl(&rl_bad, LOG_WARN_, "report-record-bad", "mac=%s error=\"%s\"", c->mac,
		             muster_strerror(r));
		return r == MUSTER_ENOMEM ? r : 0;
	}
	sqlite3_bind_text(s->get_ob, 1, c->mac, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s->get_ob)) == SQLITE_ROW) {
		have_row = true;
		same = col_hash_eq(s->get_ob, 0, h);
		inflight = sqlite3_column_int(s->get_ob, 1) != 0;
		failed = sqlite3_column_int(s->get_ob, 2) != 0;
	}
	sqlite3_reset(s->get_ob);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_check(st, rc);
	sqlite3_bind_text(s->get_rep, 1, c->mac, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s->get_rep)) == SQLITE_ROW)
		acked_same = col_hash_eq(s->get_rep, 0, h);
	sqlite3_reset(s->get_rep);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_check(st, rc);

	if (have_row && same) {
		/* Queued already: keep the newest last_seen if it is not on its way. */
		if (inflight || failed)
			return 0;
		sqlite3_bind_text(s->upd_rec, 1, c->mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->upd_rec, 2, c->record, (int)c->len, SQLITE_STATIC);
		return run1(st, s->upd_rec);
	}
	if (have_row && inflight) /* changed on its way: send the new state after this batch */
		return queue_host(st, s, c, h, now);
	if (acked_same) { /* back to what the server has */
		if (!have_row)
			return 0;
		sqlite3_bind_text(s->del_ob, 1, c->mac, -1, SQLITE_STATIC);
		return run1(st, s->del_ob);
	}
	return queue_host(st, s, c, h, now);
}

int
outbox_collect(struct outbox *ob, time_t now, unsigned max)
{
	struct collect_stmts s = {0};
	sqlite3_stmt *q = NULL;
	struct cand *c = NULL;
	size_t n = 0, n2 = 0;
	int r;

	if (max == 0)
		max = 1;
	if ((r = store_begin(ob->st)) != 0)
		return r;
	if ((r = collect_stmts_prepare(ob->st, &s)) != 0)
		goto rollback;

	/* Hosts written since the last call (the triggers of OUTBOX_SCHEMA_V2). */
	if ((r = store_prepare(ob->st,
	                       "SELECT d.mac, h.record FROM report_dirty d"
	                       " LEFT JOIN hosts h ON h.mac = d.mac LIMIT ?1",
	                       &q)) != 0)
		goto rollback;
	sqlite3_bind_int64(q, 1, max);
	r = read_cands(ob->st, q, max, &c, &n);
	sqlite3_finalize(q);
	q = NULL;
	if (r != 0)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		if ((r = collect_one(ob->st, &s, &c[i], now)) != 0)
			goto rollback;
		sqlite3_bind_text(s.del_dirty, 1, c[i].mac, -1, SQLITE_STATIC);
		if ((r = run1(ob->st, s.del_dirty)) != 0)
			goto rollback;
	}
	cands_free(c, n);
	c = NULL;

	/* Hosts the server has not heard about for reannounce_s. */
	if (ob->reannounce_s > 0) {
		if ((r = store_prepare(
		             ob->st,
		             "SELECT r.mac, h.record FROM reported r"
		             " JOIN hosts h ON h.mac = r.mac WHERE r.acked_at <= ?1"
		             " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.mac = r.mac)"
		             " ORDER BY r.acked_at LIMIT ?2",
		             &q)) != 0)
			goto rollback;
		sqlite3_bind_int64(q, 1, (sqlite3_int64)now - ob->reannounce_s);
		sqlite3_bind_int64(q, 2, max);
		r = read_cands(ob->st, q, max, &c, &n2);
		sqlite3_finalize(q);
		q = NULL;
		if (r != 0)
			goto rollback;
		for (size_t i = 0; i < n2; i++) {
			uint8_t h[OUTBOX_HASHLEN] = {0};
			bool bad = outbox_record_hash(c[i].record, c[i].len, h) != 0;

			if ((r = queue_host(ob->st, &s, &c[i], h, now)) != 0)
				goto rollback;
			if (bad) { /* park it so it is not picked up on every call */
				char sql[] = "UPDATE outbox SET failed = 1 WHERE mac = ?1";
				sqlite3_stmt *u = NULL;
				if ((r = store_prepare(ob->st, sql, &u)) != 0)
					goto rollback;
				sqlite3_bind_text(u, 1, c[i].mac, -1, SQLITE_STATIC);
				r = run1(ob->st, u);
				sqlite3_finalize(u);
				if (r != 0)
					goto rollback;
			}
		}
		cands_free(c, n2);
		c = NULL;
	}
	collect_stmts_free(&s);
	if ((r = store_commit(ob->st)) != 0)
		goto rollback_only;
	return (int)(n > n2 ? n : n2);
rollback:
	collect_stmts_free(&s);
	if (c != NULL)
		cands_free(c, n2 ? n2 : n);
rollback_only:
	store_rollback(ob->st);
	return r;
}

/* ---- batches ---- */

void
outbox_batch_clear(struct outbox_batch *b)
{
	if (b == NULL)
		return;
	free(b->body);
	memset(b, 0, sizeof(*b));
}

/* gzip (RFC 1952, one member) text into *out (malloc'd). */
static int
gzip_text(const char *text, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream z = {0};
	uLong bound;
	uint8_t *p;
	int zr;

	*out = NULL;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return MUSTER_ENOMEM;
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((p = malloc(bound)) == NULL) {
		deflateEnd(&z);
		return MUSTER_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = p;
	z.avail_out = (uInt)bound;
	zr = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(p);
		return MUSTER_ENOMEM;
	}
	*out = p;
	return 0;
}

static int
load_inflight(struct outbox *ob, struct outbox_batch *b)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	if ((r = store_prepare(ob->st,
	                       "SELECT seq, body, hosts FROM report_batch ORDER BY seq LIMIT 1",
	                       &q)) != 0)
		return r;
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(q, 1);
		b->seq = sqlite3_column_int64(q, 0);
		b->hosts = (unsigned)sqlite3_column_int(q, 2);
		if ((b->body = malloc(len ? len : 1)) == NULL) {
			r = MUSTER_ENOMEM;
		} else {
			if (len > 0)
				memcpy(b->body, sqlite3_column_blob(q, 1), len);
			b->len = len;
			r = 0;
		}
	} else {
		r = rc == SQLITE_DONE ? MUSTER_ENOENT : store_check(ob->st, rc);
	}
	sqlite3_finalize(q);
	return r;
}

static struct json_object *
sensor_json(const struct outbox *ob)
{
	struct json_object *s = json_object_new_object(), *nets = json_object_new_array();

	if (s == NULL || nets == NULL) {
		json_object_put(s);
		json_object_put(nets);
		return NULL;
	}
	json_object_object_add(s, "id", json_object_new_string(ob->id));
	if (ob->hostname[0])
		json_object_object_add(s, "hostname", json_object_new_string(ob->hostname));
	json_object_object_add(s, "version", json_object_new_string(MUSTER_VERSION));
	for (size_t i = 0; i < ob->n_networks; i++)
		json_object_array_add(nets, json_object_new_string(ob->networks[i]));
	json_object_object_add(s, "networks", nets);
	return s;
}

/*
 * Make a new batch of pending hosts inside the caller's transaction. Hosts
 * whose stored record does not parse are marked failed. Returns 0 with *b,
 * MUSTER_ENOENT when no usable host is pending.
 */
static int
make_batch(struct outbox *ob, time_t now, struct outbox_batch *b)
{
	sqlite3_stmt *sel = NULL, *bh = NULL, *mark = NULL, *bad = NULL, *ins = NULL;
	struct json_object *root = NULL, *hosts = NULL, *sensor = NULL;
	const char *text;
	unsigned n = 0;
	int64_t seq;
	int r, rc;

	if ((r = meta_get_int(ob->st, "next_seq", &seq)) != 0)
		return r;
	if ((r = store_prepare(
	             ob->st,
	             "SELECT mac, record, hash FROM outbox WHERE seq IS NULL AND failed = 0"
	             " ORDER BY queued_at, mac LIMIT ?1",
	             &sel)) != 0 ||
	    (r = store_prepare(ob->st,
	                       "INSERT INTO report_batch_host(seq, mac, hash) VALUES (?1, ?2, ?3)",
	                       &bh)) != 0 ||
	    (r = store_prepare(ob->st, "UPDATE outbox SET seq = ?1 WHERE mac = ?2", &mark)) != 0 ||
	    (r = store_prepare(ob->st, "UPDATE outbox SET failed = 1 WHERE mac = ?1", &bad)) != 0 ||
	    (r = store_prepare(ob->st,
	                       "INSERT INTO report_batch(seq, body, hosts, created_at)"
	                       " VALUES (?1, ?2, ?3, ?4)",
	                       &ins)) != 0)
		goto out;
	root = json_object_new_object();
	hosts = json_object_new_array();
	sensor = sensor_json(ob);
	if (root == NULL || hosts == NULL || sensor == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	/* The report object holds the batch and is built before the rows are updated. */
	sqlite3_bind_int64(sel, 1, ob->batch_cur);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *mac = (const char *)sqlite3_column_text(sel, 0);
		const char *rec = (const char *)sqlite3_column_text(sel, 1);
		int len = sqlite3_column_bytes(sel, 1);
		struct json_object *o = NULL;
		struct json_tokener *tok = json_tokener_new();

		if (tok == NULL) {
			r = MUSTER_ENOMEM;
			goto out;
		}
		if (rec != NULL)
			o = json_tokener_parse_ex(tok, rec, len);
		if (o == NULL || json_tokener_get_parse_end(tok) != (size_t)len ||
		    !json_object_is_type(o, json_type_object) ||
		    sqlite3_column_bytes(sel, 2) != OUTBOX_HASHLEN) {
			json_object_put(o);
			json_tokener_free(tok);
			log_event_rl(&rl_bad, LOG_WARN_, "report-record-bad", "mac=%s", mac);
			sqlite3_bind_text(bad, 1, mac, -1, SQLITE_TRANSIENT);
			if ((r = run1(ob->st, bad)) != 0)
				goto out;
			continue;
		}
		json_tokener_free(tok);
		json_object_array_add(hosts, o);
		sqlite3_bind_int64(bh, 1, seq);
		sqlite3_bind_text(bh, 2, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(bh, 3, sqlite3_column_blob(sel, 2), OUTBOX_HASHLEN,
		                  SQLITE_TRANSIENT);
		if ((r = run1(ob->st, bh)) != 0)
			goto out;
		sqlite3_bind_int64(mark, 1, seq);
		sqlite3_bind_text(mark, 2, mac, -1, SQLITE_TRANSIENT);
		if ((r = run1(ob->st, mark)) != 0)
			goto out;
		n++;
	}
	if (rc != SQLITE_DONE) {
		r = store_check(ob->st, rc);
		goto out;
	}
	if (n == 0) {
		r = MUSTER_ENOENT;
		goto out;
	}
	json_object_object_add(root, "sensor", sensor);
	sensor = NULL;
	json_object_object_add(root, "seq", json_object_new_int64(seq));
	json_object_object_add(root, "hosts", hosts);
	hosts = NULL;
	if ((text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN)) == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	if ((r = gzip_text(text, strlen(text), &b->body, &b->len)) != 0)
		goto out;
	b->seq = seq;
	b->hosts = n;
	sqlite3_bind_int64(ins, 1, seq);
	sqlite3_bind_blob(ins, 2, b->body, (int)b->len, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, (int)n);
	sqlite3_bind_int64(ins, 4, (sqlite3_int64)now);
	if ((r = run1(ob->st, ins)) != 0)
		goto out;
	r = meta_set(ob->st, "next_seq", NULL, seq + 1);
out:
	if (r != 0)
		outbox_batch_clear(b);
	json_object_put(root);
	json_object_put(hosts);
	json_object_put(sensor);
	sqlite3_finalize(sel);
	sqlite3_finalize(bh);
	sqlite3_finalize(mark);
	sqlite3_finalize(bad);
	sqlite3_finalize(ins);
	return r;
}

int
outbox_next_batch(struct outbox *ob, time_t now, struct outbox_batch *b)
{
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = store_begin(ob->st)) != 0)
		return r;
	r = load_inflight(ob, b);
	if (r == MUSTER_ENOENT)
		r = make_batch(ob, now, b);
	if (r == MUSTER_ENOENT) {
		/* Records marked bad on the way are worth keeping. */
		if (store_commit(ob->st) != 0)
			store_rollback(ob->st);
		return MUSTER_ENOENT;
	}
	if (r != 0) {
		store_rollback(ob->st);
		return r;
	}
	if ((r = store_commit(ob->st)) != 0) {
		store_rollback(ob->st);
		outbox_batch_clear(b);
		return r;
	}
	return 0;
}

/* Run the statements of sqls[] with ?1 = seq and ?2 = now, after checking the batch exists. */
static int
finish_batch(struct outbox *ob, int64_t seq, time_t now, const char *const *sqls, size_t n)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	if ((r = store_begin(ob->st)) != 0)
		return r;
	if ((r = store_prepare(ob->st, "SELECT 1 FROM report_batch WHERE seq = ?1", &q)) != 0)
		goto rollback;
	sqlite3_bind_int64(q, 1, seq);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	q = NULL;
	if (rc == SQLITE_DONE) {
		r = MUSTER_ENOENT;
		goto rollback;
	}
	if (rc != SQLITE_ROW) {
		r = store_check(ob->st, rc);
		goto rollback;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = store_prepare(ob->st, sqls[i], &q)) != 0)
			goto rollback;
		sqlite3_bind_int64(q, 1, seq);
		if (sqlite3_bind_parameter_count(q) >= 2)
			sqlite3_bind_int64(q, 2, (sqlite3_int64)now);
		r = store_check(ob->st, sqlite3_step(q));
		sqlite3_finalize(q);
		q = NULL;
		if (r != 0)
			goto rollback;
	}
	if ((r = store_commit(ob->st)) != 0)
		goto rollback;
	return 0;
rollback:
	store_rollback(ob->st);
	return r;
}

#define DROP_BATCH                                                                                 \
	"DELETE FROM report_batch_host WHERE seq = ?1", "DELETE FROM report_batch WHERE seq = ?1"

int
outbox_ack(struct outbox *ob, int64_t seq, time_t now)
{
	static const char *const sqls[] = {
	        /* What was sent is what the server has now. */
	        "INSERT INTO reported(mac, hash, acked_at, seq)"
	        " SELECT mac, hash, ?2, seq FROM report_batch_host WHERE seq = ?1"
	        " ON CONFLICT(mac) DO UPDATE SET hash = excluded.hash,"
	        " acked_at = excluded.acked_at, seq = excluded.seq",
	        /* Rows still attached to the batch did not change on the way. */
	        "DELETE FROM outbox WHERE seq = ?1",
	        DROP_BATCH,
	};

	return finish_batch(ob, seq, now, sqls, MUSTER_NELEM(sqls));
}

int
outbox_reject(struct outbox *ob, int64_t seq)
{
	static const char *const sqls[] = {
	        "UPDATE outbox SET failed = 1, seq = NULL WHERE seq = ?1",
	        DROP_BATCH,
	};

	return finish_batch(ob, seq, 0, sqls, MUSTER_NELEM(sqls));
}

int
outbox_release(struct outbox *ob, int64_t seq)
{
	static const char *const sqls[] = {
	        "UPDATE outbox SET seq = NULL WHERE seq = ?1",
	        DROP_BATCH,
	};

	return finish_batch(ob, seq, 0, sqls, MUSTER_NELEM(sqls));
}

/* ---- stats ---- */

static long
count(struct store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;
	long n = MUSTER_EDB;

	if (store_prepare(st, sql, &q) != 0)
		return MUSTER_EDB;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int
outbox_get_stats(struct outbox *ob, struct outbox_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->dirty = count(ob->st, "SELECT count(*) FROM report_dirty");
	s->pending = count(ob->st, "SELECT count(*) FROM outbox WHERE seq IS NULL AND failed = 0");
	s->inflight = count(ob->st, "SELECT count(*) FROM outbox WHERE seq IS NOT NULL");
	s->failed = count(ob->st, "SELECT count(*) FROM outbox WHERE failed = 1");
	s->acked = count(ob->st, "SELECT count(*) FROM reported");
	s->batches = count(ob->st, "SELECT count(*) FROM report_batch");
	if (s->dirty < 0 || s->pending < 0 || s->inflight < 0 || s->failed < 0 || s->acked < 0 ||
	    s->batches < 0)
		return MUSTER_EDB;
	return meta_get_int(ob->st, "next_seq", &s->next_seq);
}
