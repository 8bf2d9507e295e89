/* test_store.c - SQLite wrapper: migrations, schema version checks, transactions, pragmas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/muster.h"
#include "common/store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static const struct store_migration migs[] = {
        {1, "CREATE TABLE host (id INTEGER PRIMARY KEY, mac TEXT NOT NULL UNIQUE);"},
        {2, "CREATE TABLE addr (host_id INTEGER NOT NULL REFERENCES host(id), ip TEXT);"
            "INSERT INTO host (mac) VALUES ('52:54:00:12:34:56');"},
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/muster-test-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[160];

	for (size_t i = 0; i < MUSTER_NELEM(suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
count(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	assert_int_equal(store_prepare(s, sql, &st), 0);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char *
pragma_text(struct store *s, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	assert_int_equal(store_prepare(s, sql, &st), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void
test_migrations_apply_once(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	int v;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_non_null(s);
	assert_int_equal(store_user_version(s, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 1);
	store_close(s);

	/* Reopening runs nothing again: the INSERT of migration 2 stays single. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_open(f->path, migs, 2, &s), 0);
		assert_int_equal(count(s, "SELECT count(*) FROM host"), 1);
		assert_int_equal(store_user_version(s, &v), 0);
		assert_int_equal(v, 2);
		store_close(s);
	}
}

static void
test_upgrade_applies_only_new(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	int v;

	assert_int_equal(store_open(f->path, migs, 1, &s), 0);
	assert_int_equal(store_user_version(s, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 0);
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('aa:bb:cc:dd:ee:ff')"), 0);
	store_close(s);

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_int_equal(store_user_version(s, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 2);
	store_close(s);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char err[256];

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	store_close(s);
	s = (struct store *)1;
	assert_int_equal(store_open_ex(f->path, migs, 1, 0, &s, err, sizeof(err)), MUSTER_EDB);
	assert_null(s);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "version 2"));
	/* Read-only opens refuse it too when given the migrations. */
	assert_int_equal(store_open_ex(f->path, migs, 1, STORE_READONLY, &s, err, sizeof(err)),
	                 MUSTER_EDB);
	assert_null(s);
	/* And store_open refuses with the plain API. */
	assert_int_equal(store_open(f->path, migs, 1, &s), MUSTER_EDB);
	assert_null(s);
}

static void
test_failed_migration_rolls_back(void **state)
{
	struct fixture *f = *state;
	const struct store_migration bad[] = {
	        migs[0],
	        {2, "CREATE TABLE half (a); INSERT INTO nosuch VALUES (1);"},
	};
	struct store *s = NULL;
	char err[256];
	int v;

	assert_int_equal(store_open_ex(f->path, bad, 2, 0, &s, err, sizeof(err)), MUSTER_EDB);
	assert_null(s);
	assert_non_null(strstr(err, "migration 2"));
	assert_non_null(strstr(err, "nosuch"));

	/* Migration 1 committed; nothing of migration 2 remains. */
	assert_int_equal(store_open(f->path, migs, 1, &s), 0);
	assert_int_equal(store_user_version(s, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'host'"), 1);
	assert_false(store_in_transaction(s));
	store_close(s);
}

static void
test_bad_migration_list(void **state)
{
	struct fixture *f = *state;
	const struct store_migration gap[] = {{1, "SELECT 1"}, {3, "SELECT 1"}};
	const struct store_migration nosql[] = {{1, NULL}};
	const struct store_migration zero[] = {{0, "SELECT 1"}};
	struct store *s = NULL;
	char err[256];

	assert_int_equal(store_open_ex(f->path, gap, 2, 0, &s, err, sizeof(err)), MUSTER_EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "migration 1"));
	assert_int_equal(store_open_ex(f->path, nosql, 1, 0, &s, NULL, 0), MUSTER_EINVAL);
	assert_int_equal(store_open_ex(f->path, zero, 1, 0, &s, NULL, 0), MUSTER_EINVAL);
	assert_int_equal(store_open_ex(f->path, NULL, 1, 0, &s, NULL, 0), MUSTER_EINVAL);
	assert_int_equal(store_open_ex(NULL, migs, 2, 0, &s, NULL, 0), MUSTER_EINVAL);
	/* No migrations at all is a valid, empty schema. */
	assert_int_equal(store_open(f->path, NULL, 0, &s), 0);
	store_close(s);
}

static void
test_transactions(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_false(store_in_transaction(s));
	assert_int_equal(store_begin(s), 0);
	assert_true(store_in_transaction(s));
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('x1')"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 2);
	assert_int_equal(store_rollback(s), 0);
	assert_false(store_in_transaction(s));
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 1);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('x2')"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 2);

	/* Rollback without a transaction is harmless; nested BEGIN fails. */
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), MUSTER_EDB);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_commit(s), MUSTER_EDB);

	/* A transaction left open at close is rolled back. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('x3')"), 0);
	store_close(s);
	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 2);
	store_close(s);
}

static void
test_pragmas(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char txt[32];
	struct stat st;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_string_equal(pragma_text(s, "PRAGMA journal_mode", txt, sizeof(txt)), "wal");
	assert_int_equal(count(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(count(s, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(count(s, "PRAGMA busy_timeout"), 5000);
	assert_non_null(store_db(s));
	store_close(s);

	/* The database file is private to its owner whatever the umask. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_foreign_keys_enforced(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_int_equal(store_exec(s, "INSERT INTO addr (host_id, ip) VALUES (1, '10.0.0.5')"), 0);
	assert_int_equal(store_exec(s, "INSERT INTO addr (host_id, ip) VALUES (99, '10.0.0.6')"),
	                 MUSTER_EDB);
	assert_non_null(strstr(store_errmsg(s), "FOREIGN KEY"));
	store_close(s);
}

static void
test_errors_keep_message(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	sqlite3_stmt *st = (sqlite3_stmt *)1;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_int_equal(store_exec(s, "SELECT * FROM nosuch"), MUSTER_EDB);
	assert_non_null(strstr(store_errmsg(s), "nosuch"));
	assert_int_equal(store_prepare(s, "SELEKT 1", &st), MUSTER_EDB);
	assert_null(st);
	assert_non_null(strstr(store_errmsg(s), "syntax error"));
	assert_int_equal(store_check(s, SQLITE_OK), 0);
	assert_int_equal(store_check(s, SQLITE_DONE), 0);
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('52:54:00:12:34:56')"),
	                 MUSTER_EDB);
	assert_non_null(strstr(store_errmsg(s), "UNIQUE"));
	store_close(s);

	store_close(NULL);
	assert_non_null(store_errmsg(NULL));
	assert_null(store_db(NULL));
	assert_int_equal(store_exec(NULL, "SELECT 1"), MUSTER_EINVAL);
}

static void
test_integrity_check(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	uint8_t junk[512];
	int fd, r;

	assert_int_equal(store_open(f->path, migs, 2, &s), 0);
	assert_int_equal(store_integrity_check(s), 0);
	assert_int_equal(store_exec(s, "CREATE INDEX addr_ip ON addr (ip);"
	                               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	                               "FROM n WHERE i < 2000) "
	                               "INSERT INTO addr SELECT 1, printf('10.0.%d.%d', i / 256, "
	                               "i % 256) FROM n;"),
	                 0);
	assert_int_equal(store_integrity_check(s), 0);
	store_close(s); /* the last close checkpoints the WAL into the file */

	/* Scribble over the header of a page in the middle of the file (page 5). */
	memset(junk, 0xa5, sizeof(junk));
	assert_true((fd = open(f->path, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096 * 4), (ssize_t)sizeof(junk));
	close(fd);

	/* Either opening or the check must notice. */
	r = store_open(f->path, migs, 2, &s);
	if (r == 0) {
		assert_int_equal(store_integrity_check(s), MUSTER_EDB);
		assert_true(strlen(store_errmsg(s)) > 0);
		store_close(s);
	} else {
		assert_int_equal(r, MUSTER_EDB);
	}
}

static void
test_readonly(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL, *w = NULL;
	char err[256];

	assert_int_equal(store_open_readonly(f->path, &s), MUSTER_ENOENT);
	assert_null(s);
	assert_int_equal(access(f->path, F_OK), -1); /* not created */

	assert_int_equal(store_open(f->path, migs, 2, &w), 0);
	assert_int_equal(store_open_readonly(f->path, &s), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM host"), 1);
	assert_int_equal(store_exec(s, "INSERT INTO host (mac) VALUES ('ro')"), MUSTER_EDB);
	store_close(s);
	s = NULL;
	/* With the migration list, a read-only open accepts the current schema. */
	assert_int_equal(store_open_ex(f->path, migs, 2, STORE_READONLY, &s, err, sizeof(err)), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM addr"), 0);
	store_close(s);
	store_close(w);
}

static void
test_two_connections_see_commits(void **state)
{
	struct fixture *f = *state;
	struct store *a = NULL, *b = NULL;

	assert_int_equal(store_open(f->path, migs, 2, &a), 0);
	assert_int_equal(store_open(f->path, migs, 2, &b), 0);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_exec(a, "INSERT INTO host (mac) VALUES ('a1')"), 0);
	/* WAL: a reader is not blocked by the open write transaction. */
	assert_int_equal(count(b, "SELECT count(*) FROM host"), 1);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(count(b, "SELECT count(*) FROM host"), 2);
	store_close(a);
	store_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_migrations_apply_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_upgrade_applies_only_new, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_migration_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_keys_enforced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_errors_keep_message, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_integrity_check, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_connections_see_commits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
