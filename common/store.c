/* store.c - SQLite connection set-up (WAL, busy timeout, pragmas) and schema migrations. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/store.h"

#define STORE_BUSY_TIMEOUT_MS 5000

struct store {
	sqlite3 *db;
	bool readonly;
	char err[512];
};

static void set_err(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_err(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* Keep the connection's message for a failed call, prefixed with what we were doing. */
static int
db_fail(struct store *s, const char *what)
{
	set_err(s, "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no connection");
	return MUSTER_EDB;
}

int
store_check(struct store *s, int rc)
{
	if (s == NULL)
		return MUSTER_EINVAL;
	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	set_err(s, "%s", sqlite3_errmsg(s->db));
	return MUSTER_EDB;
}

int
store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc;

	if (s == NULL || sql == NULL)
		return MUSTER_EINVAL;
	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		set_err(s, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return MUSTER_EDB;
	}
	return 0;
}

int
store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt)
{
	if (stmt != NULL)
		*stmt = NULL;
	if (s == NULL || sql == NULL || stmt == NULL)
		return MUSTER_EINVAL;
	if (sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return db_fail(s, "prepare");
	}
	return 0;
}

int
store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

int
store_rollback(struct store *s)
{
	if (s == NULL)
		return MUSTER_EINVAL;
	/* SQLite may already have rolled back on its own (e.g. after SQLITE_FULL). */
	if (sqlite3_get_autocommit(s->db))
		return 0;
	return store_exec(s, "ROLLBACK");
}

bool
store_in_transaction(struct store *s)
{
	return s != NULL && !sqlite3_get_autocommit(s->db);
}

sqlite3 *
store_db(struct store *s)
{
	return s ? s->db : NULL;
}

const char *
store_errmsg(struct store *s)
{
	if (s == NULL)
		return "no store";
	return s->err[0] ? s->err : "no error";
}

/* Run a statement that yields one integer (a pragma). */
static int
query_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*out = 0;
	if ((r = store_prepare(s, sql, &st)) != 0)
		return r;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? (set_err(s, "%s: no result", sql), MUSTER_EDB)
		                      : db_fail(s, sql);
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_user_version(struct store *s, int *out)
{
	int v = 0, r;

	if (s == NULL || out == NULL)
		return MUSTER_EINVAL;
	r = query_int(s, "PRAGMA user_version", &v);
	*out = v;
	return r;
}

int
store_integrity_check(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *txt;
	int r, rc, rows = 0;
	bool ok = false;

	if (s == NULL)
		return MUSTER_EINVAL;
	if ((r = store_prepare(s, "PRAGMA integrity_check", &st)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		txt = sqlite3_column_text(st, 0);
		if (rows++ == 0) {
			ok = txt != NULL && strcmp((const char *)txt, "ok") == 0;
			if (!ok)
				set_err(s, "integrity check: %s",
				        txt ? (const char *)txt : "(null)");
		}
	}
	if (rc != SQLITE_DONE) {
		r = db_fail(s, "integrity check");
		goto out;
	}
	if (!ok || rows != 1) {
		if (ok)
			set_err(s, "integrity check: %d findings", rows);
		r = MUSTER_EDB;
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* Versions must run 1, 2, ... n with SQL for each. */
static int
check_migrations(struct store *s, const struct store_migration *migs, size_t n)
{
	if (n > 0 && migs == NULL) {
		set_err(s, "migration list is NULL");
		return MUSTER_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (migs[i].version != (int)i + 1 || migs[i].sql == NULL) {
			set_err(s, "migration %zu: version %d, expected %zu with SQL", i,
			        migs[i].version, i + 1);
			return MUSTER_EINVAL;
		}
	}
	return 0;
}

/*
 * Apply one migration in its own write transaction. The version is read again
 * under the lock, so two processes opening the same new file apply it once.
 */
static int
apply_migration(struct store *s, const struct store_migration *m)
{
	char pragma[64], why[sizeof(s->err)];
	int r, cur;

	if ((r = store_begin(s)) != 0)
		goto fail;
	if ((r = store_user_version(s, &cur)) != 0)
		goto rollback;
	if (cur >= m->version) {
		store_rollback(s);
		return 0;
	}
	if ((r = store_exec(s, m->sql)) != 0)
		goto rollback;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
	if ((r = store_exec(s, pragma)) != 0)
		goto rollback;
	if ((r = store_commit(s)) != 0)
		goto rollback;
	return 0;
rollback:
	memcpy(why, s->err, sizeof(why));
	store_rollback(s);
	memcpy(s->err, why, sizeof(why));
fail:
	memcpy(why, s->err, sizeof(why));
	set_err(s, "migration %d: %s", m->version, why);
	return r;
}

/*
 * Create a missing database file mode 0600 so neither the database nor its
 * -wal and -shm files (SQLite gives them the database's mode) are readable by
 * others, whatever the umask.
 */
static int
precreate(struct store *s, const char *path)
{
	int fd;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	set_err(s, "create %s: %s", path, strerror(errno));
	return MUSTER_EIO;
}

/* Settings of every connection: WAL, so the store survives kill -9 (DESIGN.md, "Conventions"). */
static int
configure(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int r;

	if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_fail(s, "busy_timeout");
	if ((r = store_exec(s, "PRAGMA foreign_keys = ON")) != 0)
		return r;
	if (s->readonly)
		return 0;
	if ((r = store_prepare(s, "PRAGMA journal_mode = WAL", &st)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = db_fail(s, "journal_mode");
		goto out;
	}
	mode = sqlite3_column_text(st, 0);
	/* An in-memory database reports "memory" and cannot use WAL. */
	if (mode == NULL ||
	    (strcmp((const char *)mode, "wal") != 0 && strcmp((const char *)mode, "memory") != 0)) {
		set_err(s, "journal_mode: WAL refused, got %s",
		        mode ? (const char *)mode : "(null)");
		r = MUSTER_EDB;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = store_exec(s, "PRAGMA synchronous = NORMAL")) != 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int
store_open_ex(const char *path, const struct store_migration *migs, size_t n, unsigned flags,
              struct store **out, char *err, size_t errlen)
{
	struct store *s = NULL;
	struct stat sb;
	int r, oflags, cur;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "store_open: NULL argument");
		return MUSTER_EINVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return MUSTER_ENOMEM;
	}
	s->readonly = (flags & STORE_READONLY) != 0;
	if ((r = check_migrations(s, migs, n)) != 0)
		goto out;
	if (s->readonly) {
		if (stat(path, &sb) != 0) {
			set_err(s, "%s: %s", path, strerror(errno));
			r = errno == ENOENT ? MUSTER_ENOENT : MUSTER_EIO;
			goto out;
		}
		oflags = SQLITE_OPEN_READONLY;
	} else {
		if ((r = precreate(s, path)) != 0)
			goto out;
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		if (s->db == NULL) {
			set_err(s, "open %s: out of memory", path);
			r = MUSTER_ENOMEM;
		} else {
			set_err(s, "open %s: %s", path, sqlite3_errmsg(s->db));
			r = MUSTER_EDB;
		}
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if ((r = configure(s)) != 0)
		goto out;
	if ((r = store_user_version(s, &cur)) != 0)
		goto out;
	if (n > 0 && cur > migs[n - 1].version) {
		set_err(s,
		        "%s: schema version %d is newer than this program knows (%d); "
		        "it was written by a newer release",
		        path, cur, migs[n - 1].version);
		r = MUSTER_EDB;
		goto out;
	}
	if (!s->readonly) {
		for (size_t i = 0; i < n; i++) {
			if (migs[i].version <= cur)
				continue;
			if ((r = apply_migration(s, &migs[i])) != 0)
				goto out;
		}
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	if (s != NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", s->err);
		store_close(s);
	}
	return r;
}

int
store_open(const char *path, const struct store_migration *migs, size_t n, struct store **out)
{
	char err[512];
	int r;

	if ((r = store_open_ex(path, migs, n, 0, out, err, sizeof(err))) != 0)
		log_error("store-open", "error=\"%s\"", err);
	return r;
}

int
store_open_readonly(const char *path, struct store **out)
{
	char err[512];
	int r;

	if ((r = store_open_ex(path, NULL, 0, STORE_READONLY, out, err, sizeof(err))) != 0)
		log_error("store-open", "error=\"%s\"", err);
	return r;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	/* close_v2 rolls back an open transaction and survives unfinalized statements. */
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	free(s);
}
