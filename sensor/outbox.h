/*
 * outbox.h - what the sensor still owes the server, kept in its store
 * (docs/sensor.md, "Reporting"; protocol in docs/protocol.md).
 *
 * One row per MAC (the latest state, replaced: never a growing queue).
 * A host is queued when its record differs from the one the server last
 * acknowledged (last_seen aside), or when the re-announce interval passed.
 * Batches are made and their seq persisted before anything is sent, so a
 * retry after a crash resends the same seq and body and the server's
 * idempotency per (sensor id, seq) applies. Every transition is one SQLite
 * transaction: the store survives kill -9 at any moment.
 *
 *   pending --next_batch--> in flight --ack--> acknowledged (row dropped)
 *                               |  \--reject (4xx)--> failed (until it changes)
 *                               \--host changes--> pending again (new record)
 */
#ifndef MUSTER_SENSOR_OUTBOX_H
#define MUSTER_SENSOR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

/*
 * Schema version 2 of the sensor store (applied by hoststore_open()): the
 * outbox tables, the acknowledged hashes, the managed status from the
 * server, and triggers that note every host written so it is looked at.
 * (The triggers test NOT EXISTS rather than INSERT OR IGNORE: inside an
 * UPSERT on hosts, SQLite applies the outer statement's conflict handling.)
 */
#define OUTBOX_SCHEMA_V2                                                                           \
	"CREATE TABLE report_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"                    \
	"CREATE TABLE report_dirty (mac TEXT PRIMARY KEY) WITHOUT ROWID;"                          \
	"CREATE TABLE outbox ("                                                                    \
	" mac TEXT PRIMARY KEY,"                                                                   \
	" record TEXT NOT NULL,"              /* the latest state to send */                       \
	" hash BLOB NOT NULL,"                /* content hash of record (outbox_record_hash) */    \
	" seq INTEGER,"                       /* the batch it rides in; NULL: pending */           \
	" failed INTEGER NOT NULL DEFAULT 0," /* refused for good: waits for a change */           \
	" queued_at INTEGER NOT NULL"                                                              \
	") WITHOUT ROWID;"                                                                         \
	"CREATE INDEX outbox_seq ON outbox(seq);"                                                  \
	"CREATE TABLE report_batch ("                                                              \
	" seq INTEGER PRIMARY KEY,"                                                                \
	" body BLOB NOT NULL," /* gzip JSON, sent as is on every attempt */                        \
	" hosts INTEGER NOT NULL,"                                                                 \
	" created_at INTEGER NOT NULL);"                                                           \
	"CREATE TABLE report_batch_host ("                                                         \
	" seq INTEGER NOT NULL," /* report_batch.seq */                                            \
	" mac TEXT NOT NULL,"                                                                      \
	" hash BLOB NOT NULL," /* what was sent */                                                 \
	" PRIMARY KEY (seq, mac)) WITHOUT ROWID;"                                                  \
	"CREATE TABLE reported ("                                                                  \
	" mac TEXT PRIMARY KEY,"                                                                   \
	" hash BLOB NOT NULL," /* content hash of the acknowledged record */                       \
	" acked_at INTEGER NOT NULL,"                                                              \
	" seq INTEGER NOT NULL) WITHOUT ROWID;"                                                    \
	"CREATE INDEX reported_acked_at ON reported(acked_at);"                                    \
	"CREATE TABLE status ("                                                                    \
	" mac TEXT PRIMARY KEY,"                                                                   \
	" status TEXT NOT NULL," /* managed, unmanaged */                                          \
	" reason TEXT,"                                                                            \
	" grp TEXT,"                                                                               \
	" fetched_at INTEGER NOT NULL) WITHOUT ROWID;"                                             \
	"INSERT INTO report_dirty(mac) SELECT mac FROM hosts;"                                     \
	"CREATE TRIGGER hosts_report_ins AFTER INSERT ON hosts BEGIN"                              \
	" INSERT INTO report_dirty(mac) SELECT new.mac WHERE NOT EXISTS"                           \
	" (SELECT 1 FROM report_dirty WHERE mac = new.mac); END;"                                  \
	"CREATE TRIGGER hosts_report_upd AFTER UPDATE OF record ON hosts BEGIN"                    \
	" INSERT INTO report_dirty(mac) SELECT new.mac WHERE NOT EXISTS"                           \
	" (SELECT 1 FROM report_dirty WHERE mac = new.mac); END;"

#define OUTBOX_HASHLEN       32 /* SHA-256 */
#define OUTBOX_SENSOR_ID_MAX 128

struct outbox_config {
	unsigned batch_size;         /* hosts per report, 1..20000 (0: 1000) */
	int64_t reannounce_s;        /* resend an unchanged host after this; 0: never */
	const char *hostname;        /* sensor.hostname; NULL: gethostname() */
	const char *const *networks; /* sensor.networks (CIDR text), may be NULL */
	size_t n_networks;
};

struct outbox;

/*
 * Attach to a store already at schema version 2 (hoststore_open()). The
 * store stays the caller's and must outlive the outbox. On first use a
 * sensor id ("HOSTNAME-<16 hex>", random) is made and kept in the store.
 * 0 and *out (free with outbox_free), or MUSTER_E* with err filled.
 */
int outbox_open(struct store *st, const struct outbox_config *cfg, struct outbox **out, char *err,
                size_t errlen);
void outbox_free(struct outbox *ob); /* accepts NULL */

/* The sensor id sent in every report; owned by ob. */
const char *outbox_sensor_id(const struct outbox *ob);

/* Change the batch size (e.g. halved after a 413); 0 restores the configured one. */
void outbox_set_batch_size(struct outbox *ob, unsigned n);

/*
 * Look at up to max hosts written since the last call, and up to max hosts
 * due for re-announce at `now`, and queue those to send (one transaction).
 * Returns how many were looked at (== max: call again soon), or MUSTER_E*.
 */
int outbox_collect(struct outbox *ob, time_t now, unsigned max);

/* A report ready to POST: gzip JSON body (owned; outbox_batch_clear frees it). */
struct outbox_batch {
	int64_t seq;
	uint8_t *body;
	size_t len;
	unsigned hosts;
};
void outbox_batch_clear(struct outbox_batch *b);

/*
 * The batch to send now: the one already in flight (made before a crash or a
 * failed attempt, same seq and body), else a new one of the pending hosts,
 * committed to the store before this returns. 0 and *b; MUSTER_ENOENT when
 * nothing is due; MUSTER_E* on failure.
 */
int outbox_next_batch(struct outbox *ob, time_t now, struct outbox_batch *b);

/*
 * The server acknowledged batch seq (2xx): each host in it is recorded as
 * acknowledged with the exact record sent; those that changed meanwhile stay
 * pending. 0, MUSTER_ENOENT (no such batch), MUSTER_E*.
 */
int outbox_ack(struct outbox *ob, int64_t seq, time_t now);

/*
 * The server refused batch seq for good (4xx): its hosts are marked failed
 * and sent again only when they change. 0, MUSTER_ENOENT, MUSTER_E*.
 */
int outbox_reject(struct outbox *ob, int64_t seq);

/*
 * Give batch seq up unsent (the server applied nothing, e.g. 413): its hosts
 * are pending again and the seq is never used again. 0, MUSTER_ENOENT, MUSTER_E*.
 */
int outbox_release(struct outbox *ob, int64_t seq);

struct outbox_stats {
	long dirty;    /* hosts written, not looked at yet */
	long pending;  /* queued, in no batch */
	long inflight; /* in the unacknowledged batch */
	long failed;   /* refused, waiting for a change */
	long acked;    /* hosts the server has acknowledged */
	long batches;  /* unacknowledged batches (0 or 1) */
	int64_t next_seq;
};
/* Counts of the store's outbox. 0 or MUSTER_EDB. */
int outbox_get_stats(struct outbox *ob, struct outbox_stats *s);

/*
 * The content hash of a host record: SHA-256 of its compact JSON without
 * last_seen (a host merely seen again is not a change). 0, MUSTER_EPARSE,
 * MUSTER_ENOMEM.
 */
int outbox_record_hash(const char *json, size_t len, uint8_t out[OUTBOX_HASHLEN]);

#endif
