/* hoststore.h - the sensor's SQLite store of host records (WAL; survives kill -9). */
#ifndef MUSTER_SENSOR_HOSTSTORE_H
#define MUSTER_SENSOR_HOSTSTORE_H

#include <stdbool.h>
#include <stddef.h>

struct host;
struct host_table;
struct hostrec;
struct oui_db;
struct hoststore;

/*
 * Open or create the store at path, migrating its schema. NULL on failure,
 * with the reason in err.
 */
struct hoststore *hoststore_open(const char *path, char *err, size_t errlen);
void hoststore_close(struct hoststore *hs); /* accepts NULL */

/*
 * Write every host that changed since the last flush (or whose last_seen
 * moved by more than a minute) in one transaction. Returns the number of
 * hosts written, or a negative MUSTER_E* code (nothing half-written).
 */
int hoststore_flush(struct hoststore *hs, struct host_table *t, const struct oui_db *oui);

/* Write one host now (the eviction hook). 0 or MUSTER_E*. */
int hoststore_save(struct hoststore *hs, const struct host *h, const struct oui_db *oui);

/* Merge what the store holds for h's MAC into h (the restore hook). */
void hoststore_restore(struct hoststore *hs, struct host_table *t, struct host *h);

/*
 * Call fn for every stored record, most recently seen first. A record that
 * does not parse is counted in *bad (may be NULL) and skipped.
 */
int hoststore_foreach(struct hoststore *hs, int (*fn)(const struct hostrec *, void *), void *arg,
                      unsigned *bad);

/* Number of stored hosts, or a negative MUSTER_E* code. */
long hoststore_count(struct hoststore *hs);

/*
 * A filter: hosts for which keep() is false are neither flushed nor saved
 * (the active policy's address and MAC filters). keep NULL: keep all.
 */
typedef bool (*hoststore_keep_fn)(const struct host *h, void *arg);
void hoststore_set_filter(struct hoststore *hs, hoststore_keep_fn keep, void *arg);

struct store;
/* The store's connection (owned by hs), for the reporter (sensor/report.h). */
struct store *hoststore_store(struct hoststore *hs);

/* The last error message. */
const char *hoststore_errmsg(struct hoststore *hs);

#endif
