/* store.h - SQLite database with numbered schema migrations, WAL mode. */
#ifndef MUSTER_STORE_H
#define MUSTER_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/*
 * A store owns one SQLite connection. It is used by one thread at a time.
 * Every call that fails keeps a message for store_errmsg().
 */
struct store;

/*
 * One step of a schema: `sql` (any number of statements) takes the database
 * from version - 1 to `version`. A list runs 1..N in ascending order, with no
 * gaps, and is never edited once released: new changes are new entries.
 */
struct store_migration {
	int version;
	const char *sql;
};

/* Flags of store_open_ex(). */
#define STORE_READONLY 0x01 /* open an existing database read-only; no migrations */

/*
 * Open or create the database at path: WAL journal, busy_timeout 5000 ms,
 * foreign_keys=ON, synchronous=NORMAL. A new file is created mode 0600.
 * Applies every migration with a version above PRAGMA user_version, each in
 * its own IMMEDIATE transaction that also sets user_version, so a crash
 * leaves the database at a whole version. Refuses a database whose
 * user_version is newer than the newest migration (it was written by a newer
 * program). Returns 0 and *out (free with store_close), or MUSTER_EINVAL
 * (bad migration list), MUSTER_ENOMEM, MUSTER_EIO or MUSTER_EDB; on failure
 * *out is NULL and the reason is logged.
 */
int store_open(const char *path, const struct store_migration *migs, size_t n, struct store **out);

/*
 * As store_open(), with flags (STORE_READONLY) and the failure reason written
 * to err (errlen bytes, may be 0) instead of logged. With STORE_READONLY the
 * file must exist, nothing is written, and migrations are only used to refuse
 * a newer schema (migs may be NULL to skip that check).
 */
int store_open_ex(const char *path, const struct store_migration *migs, size_t n, unsigned flags,
                  struct store **out, char *err, size_t errlen);

/* store_open_ex(path, NULL, 0, STORE_READONLY, out, NULL, 0): for inspection tools. */
int store_open_readonly(const char *path, struct store **out);

/* Close the connection (rolling back an open transaction); accepts NULL. */
void store_close(struct store *s);

/* The connection, for preparing statements; owned by s. */
sqlite3 *store_db(struct store *s);

/* BEGIN IMMEDIATE (takes the write lock now, waiting up to busy_timeout). 0 or MUSTER_EDB. */
int store_begin(struct store *s);
/* COMMIT. 0 or MUSTER_EDB; after a failure the transaction is still open: roll it back. */
int store_commit(struct store *s);
/* ROLLBACK; 0 also when no transaction is open. */
int store_rollback(struct store *s);

/* Run SQL text (one or more statements without parameters). 0 or MUSTER_EDB. */
int store_exec(struct store *s, const char *sql);

/*
 * Prepare one statement on the connection. 0 and *stmt (finalize it with
 * sqlite3_finalize), or MUSTER_EDB with the message kept.
 */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt);

/*
 * Record rc from a direct sqlite3_* call on store_db(): when rc is an error,
 * keep the connection's message for store_errmsg() and return MUSTER_EDB;
 * otherwise return 0.
 */
int store_check(struct store *s, int rc);

/* The text of the last error on s (owned by s, valid until the next call); never NULL. */
const char *store_errmsg(struct store *s);

/* PRAGMA user_version into *out. 0 or MUSTER_EDB. */
int store_user_version(struct store *s, int *out);

/*
 * Run PRAGMA integrity_check. 0 when it reports "ok"; MUSTER_EDB otherwise,
 * with its first finding in store_errmsg().
 */
int store_integrity_check(struct store *s);

/* True while a transaction is open on s. */
bool store_in_transaction(struct store *s);

#endif
