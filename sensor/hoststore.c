/* hoststore.c - host records in SQLite, one row per MAC, record as JSON text. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/store.h"
#include "sensor/hosts.h"
#include "sensor/hoststore.h"
#include "sensor/outbox.h"

static const struct store_migration migrations[] = {
        {1, "CREATE TABLE hosts ("
            " mac TEXT PRIMARY KEY,"
            " record TEXT NOT NULL," /* host record JSON of DESIGN.md */
            " first_seen INTEGER NOT NULL,"
            " last_seen INTEGER NOT NULL,"
            " updated_at INTEGER NOT NULL DEFAULT (unixepoch())"
            ") WITHOUT ROWID;"
            "CREATE INDEX hosts_last_seen ON hosts(last_seen);"},
        {2, OUTBOX_SCHEMA_V2}, /* reporting: outbox, acknowledged hashes, status */
};

struct hoststore {
	struct store *st;
	sqlite3_stmt *upsert;
	sqlite3_stmt *get;
	uint64_t flushed_upto;  /* host table change counter at the last flush */
	hoststore_keep_fn keep; /* hosts it refuses are not written (policy filters) */
	void *keep_arg;
	char err[256];
};

void
hoststore_set_filter(struct hoststore *hs, hoststore_keep_fn keep, void *arg)
{
	hs->keep = keep;
	hs->keep_arg = arg;
}

struct hoststore *
hoststore_open(const char *path, char *err, size_t errlen)
{
	struct hoststore *hs;
	int rc;

	if ((hs = calloc(1, sizeof(*hs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = store_open_ex(path, migrations, MUSTER_NELEM(migrations), 0, &hs->st, err, errlen);
	if (rc != 0)
		goto fail;
	if (store_prepare(hs->st,
	                  "INSERT INTO hosts(mac, record, first_seen, last_seen, updated_at)"
	                  " VALUES(?1, ?2, ?3, ?4, unixepoch())"
	                  " ON CONFLICT(mac) DO UPDATE SET record = excluded.record,"
	                  " first_seen = min(first_seen, excluded.first_seen),"
	                  " last_seen = max(last_seen, excluded.last_seen),"
	                  " updated_at = excluded.updated_at",
	                  &hs->upsert) != 0 ||
	    store_prepare(hs->st, "SELECT record FROM hosts WHERE mac = ?1", &hs->get) != 0) {
		snprintf(err, errlen, "%s: %s", path, store_errmsg(hs->st));
		goto fail;
	}
	return hs;
fail:
	hoststore_close(hs);
	return NULL;
}

void
hoststore_close(struct hoststore *hs)
{
	if (hs == NULL)
		return;
	sqlite3_finalize(hs->upsert);
	sqlite3_finalize(hs->get);
	store_close(hs->st);
	free(hs);
}

struct store *
hoststore_store(struct hoststore *hs)
{
	return hs->st;
}

const char *
hoststore_errmsg(struct hoststore *hs)
{
	return hs->err[0] ? hs->err : store_errmsg(hs->st);
}

static int
save_one(struct hoststore *hs, const struct host *h, const struct oui_db *oui)
{
	struct hostrec r = {0};
	char *json = NULL;
	int rc;

	if ((rc = host_to_hostrec(h, oui, &r)) != 0)
		goto out;
	if ((json = hostrec_to_json_string(&r)) == NULL) {
		rc = MUSTER_ENOMEM;
		goto out;
	}
	sqlite3_reset(hs->upsert);
	sqlite3_bind_text(hs->upsert, 1, r.mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(hs->upsert, 2, json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(hs->upsert, 3, (sqlite3_int64)h->first_seen);
	sqlite3_bind_int64(hs->upsert, 4, (sqlite3_int64)h->last_seen);
	if (sqlite3_step(hs->upsert) != SQLITE_DONE) {
		snprintf(hs->err, sizeof(hs->err), "saving %s: %s", r.mac,
		         sqlite3_errmsg(store_db(hs->st)));
		rc = MUSTER_EDB;
	}
	sqlite3_reset(hs->upsert);
out:
	free(json);
	hostrec_clear(&r);
	return rc;
}

struct flush_ctx {
	struct hoststore *hs;
	const struct oui_db *oui;
	uint64_t since;
	int written;
	int rc;
};

static int
flush_host(struct host *h, void *arg)
{
	struct flush_ctx *fc = arg;

	if (h->changed <= fc->since && h->last_seen - host_stored_seen(h) < 60)
		return 0;
	if (fc->hs->keep && !fc->hs->keep(h, fc->hs->keep_arg))
		return 0;
	if ((fc->rc = save_one(fc->hs, h, fc->oui)) != 0)
		return 1;
	(void)host_set_stored_seen(h, h->last_seen); /* out of memory: written again next time */
	fc->written++;
	return 0;
}

int
hoststore_flush(struct hoststore *hs, struct host_table *t, const struct oui_db *oui)
{
	struct flush_ctx fc = {hs, oui, hs->flushed_upto, 0, 0};
	uint64_t upto = host_table_changes(t);
	int rc;

	if ((rc = store_begin(hs->st)) != 0)
		return rc;
	host_table_foreach(t, flush_host, &fc);
	if (fc.rc != 0) {
		store_rollback(hs->st);
		return fc.rc;
	}
	if ((rc = store_commit(hs->st)) != 0) {
		snprintf(hs->err, sizeof(hs->err), "commit: %s", store_errmsg(hs->st));
		store_rollback(hs->st);
		return rc;
	}
	hs->flushed_upto = upto;
	return fc.written;
}

int
hoststore_save(struct hoststore *hs, const struct host *h, const struct oui_db *oui)
{
	if (hs->keep && !hs->keep(h, hs->keep_arg))
		return 0;
	return save_one(hs, h, oui);
}

void
hoststore_restore(struct hoststore *hs, struct host_table *t, struct host *h)
{
	char mac[18];
	struct hostrec r = {0};
	char err[128];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2],
	         h->mac[3], h->mac[4], h->mac[5]);
	sqlite3_reset(hs->get);
	sqlite3_bind_text(hs->get, 1, mac, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(hs->get) == SQLITE_ROW) {
		const char *json = (const char *)sqlite3_column_text(hs->get, 0);
		size_t len = (size_t)sqlite3_column_bytes(hs->get, 0);
		if (json && hostrec_from_json_string(&r, json, len, false, err, sizeof(err)) == 0)
			host_merge_hostrec(t, h, &r);
		else
			log_warn("store-record-bad", "mac=%s error=\"%s\"", mac, err);
	}
	sqlite3_reset(hs->get);
	hostrec_clear(&r);
}

int
hoststore_foreach(struct hoststore *hs, int (*fn)(const struct hostrec *, void *), void *arg,
                  unsigned *bad)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;
	char err[128];

	if (bad)
		*bad = 0;
	if ((rc = store_prepare(hs->st, "SELECT record FROM hosts ORDER BY last_seen DESC, mac",
	                        &q)) != 0)
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct hostrec r = {0};
		const char *json = (const char *)sqlite3_column_text(q, 0);
		size_t len = (size_t)sqlite3_column_bytes(q, 0);
		if (json == NULL ||
		    hostrec_from_json_string(&r, json, len, false, err, sizeof(err)) != 0) {
			if (bad)
				(*bad)++;
			hostrec_clear(&r);
			continue;
		}
		rc = fn(&r, arg);
		hostrec_clear(&r);
		if (rc != 0)
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		snprintf(hs->err, sizeof(hs->err), "%s", sqlite3_errmsg(store_db(hs->st)));
		rc = MUSTER_EDB;
	}
	sqlite3_finalize(q);
	return rc;
}

long
hoststore_count(struct hoststore *hs)
{
	sqlite3_stmt *q = NULL;
	long n = MUSTER_EDB;

	if (store_prepare(hs->st, "SELECT count(*) FROM hosts", &q) != 0)
		return MUSTER_EDB;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}
