/*
 * db.c - the server's database: schema, report upserts, enrollment and
 * import transactions, tokens, groups, sensors and the audit log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/store.h"
#include "server/db.h"

/*
 * Schema. Times are Unix seconds. Addresses and names are stored
 * normalised (lowercase MAC "aa:bb:..", canonical dotted quads, short
 * lowercase host names) so matching is plain equality on indexed columns.
 */
static const char schema_v1[] =
        "CREATE TABLE groups ("
        " id INTEGER PRIMARY KEY,"
        " parent_id INTEGER REFERENCES groups(id),"
        " name TEXT NOT NULL,"
        " path TEXT NOT NULL UNIQUE,"
        " created INTEGER NOT NULL);"
        "INSERT INTO groups(id, parent_id, name, path, created)"
        " VALUES (1, NULL, 'All', 'All', CAST(strftime('%s','now') AS INTEGER));"
        "CREATE TABLE sensors ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " token_hash TEXT UNIQUE,"
        " created INTEGER NOT NULL,"
        " revoked INTEGER NOT NULL DEFAULT 0,"
        " reported_id TEXT, hostname TEXT, version TEXT, networks TEXT,"
        " last_report INTEGER, last_seq INTEGER,"
        " reports INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE report_seqs ("
        " sensor_id INTEGER NOT NULL REFERENCES sensors(id),"
        " sensor_uid TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " received INTEGER NOT NULL,"
        " hosts INTEGER NOT NULL,"
        " PRIMARY KEY (sensor_id, sensor_uid, seq)) WITHOUT ROWID;"
        "CREATE TABLE enroll_tokens ("
        " id INTEGER PRIMARY KEY,"
        " hash TEXT NOT NULL UNIQUE,"
        " group_id INTEGER NOT NULL REFERENCES groups(id),"
        " uses_total INTEGER NOT NULL,"
        " uses_left INTEGER NOT NULL CHECK (uses_left >= 0),"
        " created INTEGER NOT NULL,"
        " expires INTEGER NOT NULL,"
        " revoked INTEGER NOT NULL DEFAULT 0,"
        " revoked_at INTEGER,"
        " note TEXT);"
        "CREATE TABLE managed ("
        " id INTEGER PRIMARY KEY,"
        " source TEXT NOT NULL CHECK (source IN ('enroll', 'import')),"
        " display TEXT NOT NULL,"
        " hostname TEXT NOT NULL,"
        " domain TEXT NOT NULL DEFAULT '',"
        " group_id INTEGER NOT NULL REFERENCES groups(id),"
        " token_id INTEGER REFERENCES enroll_tokens(id),"
        " os TEXT, installer TEXT, note TEXT,"
        " created INTEGER NOT NULL,"
        " updated INTEGER NOT NULL);"
        "CREATE INDEX managed_hostname ON managed(hostname);"
        "CREATE TABLE managed_macs ("
        " mac TEXT PRIMARY KEY,"
        " managed_id INTEGER NOT NULL REFERENCES managed(id) ON DELETE CASCADE) WITHOUT ROWID;"
        "CREATE INDEX managed_macs_mid ON managed_macs(managed_id);"
        "CREATE TABLE managed_ips ("
        " ip TEXT NOT NULL,"
        " managed_id INTEGER NOT NULL REFERENCES managed(id) ON DELETE CASCADE,"
        " seen INTEGER NOT NULL,"
        " PRIMARY KEY (ip, managed_id)) WITHOUT ROWID;"
        "CREATE INDEX managed_ips_mid ON managed_ips(managed_id);"
        "CREATE TABLE computers ("
        " id INTEGER PRIMARY KEY,"
        " key TEXT NOT NULL UNIQUE,"
        " mac TEXT,"
        " ipv4 TEXT,"
        " ipv4s TEXT NOT NULL DEFAULT '',"
        " hostname TEXT,"
        " names TEXT NOT NULL DEFAULT '',"
        " domains TEXT NOT NULL DEFAULT '',"
        " record TEXT NOT NULL,"
        " first_seen INTEGER NOT NULL,"
        " last_seen INTEGER NOT NULL,"
        " updated INTEGER NOT NULL,"
        " status TEXT NOT NULL CHECK (status IN ('managed', 'unmanaged')),"
        " status_reason TEXT NOT NULL,"
        " managed_id INTEGER REFERENCES managed(id) ON DELETE SET NULL);"
        "CREATE INDEX computers_hostname ON computers(hostname);"
        "CREATE INDEX computers_ipv4 ON computers(ipv4);"
        "CREATE INDEX computers_managed ON computers(managed_id);"
        "CREATE TABLE sightings ("
        " computer_id INTEGER NOT NULL REFERENCES computers(id) ON DELETE CASCADE,"
        " sensor_id INTEGER NOT NULL REFERENCES sensors(id),"
        " first_seen INTEGER NOT NULL,"
        " last_seen INTEGER NOT NULL,"
        " ipv4s TEXT NOT NULL DEFAULT '',"
        " seq INTEGER NOT NULL,"
        " PRIMARY KEY (computer_id, sensor_id)) WITHOUT ROWID;"
        "CREATE TABLE audit ("
        " id INTEGER PRIMARY KEY,"
        " at INTEGER NOT NULL,"
        " who TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " target TEXT,"
        " result TEXT NOT NULL,"
        " detail TEXT);";

/* v2: deployment attempts reported by muster-deploy (POST /api/v1/deployments). */
static const char schema_v2[] = "CREATE TABLE deployments ("
                                " id INTEGER PRIMARY KEY,"
                                " at INTEGER NOT NULL,"
                                " who TEXT NOT NULL,"
                                " run TEXT NOT NULL,"
                                " method TEXT NOT NULL,"
                                " host TEXT NOT NULL,"
                                " port INTEGER NOT NULL,"
                                " user TEXT,"
                                " status TEXT NOT NULL,"
                                " reason TEXT NOT NULL,"
                                " duration_ms INTEGER NOT NULL,"
                                " attempts INTEGER NOT NULL,"
                                " installer_sha256 TEXT);"
                                "CREATE INDEX deployments_host ON deployments(host);"
                                "CREATE INDEX deployments_run ON deployments(run);";

static const struct store_migration migrations[] = {
        {1, schema_v1},
        {2, schema_v2},
};

/* Prepared statements, made on first use and kept for the connection's life. */
enum stmt_id {
	S_AUDIT,
	S_GROUP_FIND,
	S_GROUP_ADD,
	S_SENSOR_ADD,
	S_SENSOR_BY_TOKEN,
	S_SENSOR_BY_NAME,
	S_SENSOR_SEEN,
	S_SEQ_ADD,
	S_COMPUTER_UPSERT,
	S_SIGHTING_UPSERT,
	S_MANAGED_BY_MAC,
	S_MANAGED_BY_HOSTNAME,
	S_MANAGED_BY_IP,
	S_TOKEN_BY_HASH,
	S_COMPUTER_GET,
	S_COMPUTER_SET_STATUS,
	S_CAND_BY_KEY,
	S_CAND_BY_HOSTNAME,
	S_CAND_BY_IPV4,
	S_CAND_BY_MANAGED,
	S_COUNT_COMPUTERS,
	S_DEPLOYMENT_ADD,
	S_N
};

static const char *const stmt_sql[S_N] = {
        [S_AUDIT] = "INSERT INTO audit(at, who, action, target, result, detail)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [S_GROUP_FIND] = "SELECT id FROM groups WHERE path = ?1",
        [S_GROUP_ADD] =
                "INSERT INTO groups(parent_id, name, path, created) VALUES (?1, ?2, ?3, ?4)",
        [S_SENSOR_ADD] = "INSERT INTO sensors(name, token_hash, created) VALUES (?1, ?2, ?3)",
        [S_SENSOR_BY_TOKEN] = "SELECT id, name, revoked, created, last_report, reports,"
                              " reported_id, hostname, version FROM sensors WHERE token_hash = ?1",
        [S_SENSOR_BY_NAME] = "SELECT id, name, revoked, created, last_report, reports,"
                             " reported_id, hostname, version FROM sensors WHERE name = ?1",
        [S_SENSOR_SEEN] = "UPDATE sensors SET reported_id = ?2, hostname = ?3, version = ?4,"
                          " networks = ?5, last_report = ?6, last_seq = ?7, reports = reports + 1"
                          " WHERE id = ?1",
        [S_SEQ_ADD] = "INSERT INTO report_seqs(sensor_id, sensor_uid, seq, received, hosts)"
                      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        [S_COMPUTER_UPSERT] =
                "INSERT INTO computers(key, mac, ipv4, ipv4s, hostname, names, domains, record,"
                " first_seen, last_seen, updated, status, status_reason, managed_id)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                " ON CONFLICT(key) DO UPDATE SET mac = excluded.mac, ipv4 = excluded.ipv4,"
                " ipv4s = excluded.ipv4s, hostname = excluded.hostname, names = excluded.names,"
                " domains = excluded.domains, record = excluded.record,"
                " first_seen = min(first_seen, excluded.first_seen),"
                " last_seen = max(last_seen, excluded.last_seen), updated = excluded.updated,"
                " status = excluded.status, status_reason = excluded.status_reason,"
                " managed_id = excluded.managed_id"
                " RETURNING id",
        [S_SIGHTING_UPSERT] =
                "INSERT INTO sightings(computer_id, sensor_id, first_seen, last_seen, ipv4s, seq)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                " ON CONFLICT(computer_id, sensor_id) DO UPDATE SET"
                " first_seen = min(first_seen, excluded.first_seen),"
                " last_seen = max(last_seen, excluded.last_seen), ipv4s = excluded.ipv4s,"
                " seq = excluded.seq",
        [S_MANAGED_BY_MAC] =
                "SELECT m.id, m.display, m.hostname, m.domain, m.source,"
                " (SELECT count(*) FROM managed_macs x WHERE x.managed_id = m.id)"
                " FROM managed_macs mm JOIN managed m ON m.id = mm.managed_id WHERE mm.mac = ?1",
        [S_MANAGED_BY_HOSTNAME] = "SELECT m.id, m.display, m.hostname, m.domain, m.source,"
                                  " (SELECT count(*) FROM managed_macs x WHERE x.managed_id = m.id)"
                                  " FROM managed m WHERE m.hostname = ?1 ORDER BY m.updated DESC",
        [S_MANAGED_BY_IP] =
                "SELECT m.id, m.display, m.hostname, m.domain, m.source,"
                " (SELECT count(*) FROM managed_macs x WHERE x.managed_id = m.id), mi.seen"
                " FROM managed_ips mi JOIN managed m ON m.id = mi.managed_id WHERE mi.ip = ?1"
                " ORDER BY mi.seen DESC LIMIT 1",
        [S_TOKEN_BY_HASH] = "SELECT t.id, t.group_id, g.path, t.uses_total, t.uses_left,"
                            " t.created, t.expires, t.revoked, t.note"
                            " FROM enroll_tokens t JOIN groups g ON g.id = t.group_id"
                            " WHERE t.hash = ?1",
        [S_COMPUTER_GET] = "SELECT mac, names, domains, ipv4s, status, status_reason, managed_id"
                           " FROM computers WHERE id = ?1",
        [S_COMPUTER_SET_STATUS] = "UPDATE computers SET status = ?2, status_reason = ?3,"
                                  " managed_id = ?4 WHERE id = ?1",
        [S_CAND_BY_KEY] = "SELECT id FROM computers WHERE key = ?1",
        [S_CAND_BY_HOSTNAME] = "SELECT id FROM computers WHERE hostname = ?1",
        [S_CAND_BY_IPV4] = "SELECT id FROM computers WHERE ipv4 = ?1",
        [S_CAND_BY_MANAGED] = "SELECT id FROM computers WHERE managed_id = ?1",
        [S_COUNT_COMPUTERS] = "SELECT count(*) FROM computers",
        [S_DEPLOYMENT_ADD] =
                "INSERT INTO deployments(at, who, run, method, host, port, user, status, reason,"
                " duration_ms, attempts, installer_sha256)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
};

struct db {
	struct store *st;
	int64_t ip_recency;
	sqlite3_stmt *stmt[S_N];
};

/* A reset statement ready for binding, or NULL (message kept in the store). */
static sqlite3_stmt *
stmt(struct db *db, enum stmt_id id)
{
	sqlite3_stmt *s = db->stmt[id];

	if (s == NULL) {
		if (store_prepare(db->st, stmt_sql[id], &db->stmt[id]) != 0) {
			log_error("db-prepare", "stmt=%d error=\"%s\"", (int)id,
			          store_errmsg(db->st));
			return NULL;
		}
		return db->stmt[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int
check(struct db *db, int rc)
{
	return store_check(db->st, rc);
}

/* Bind text or NULL. */
static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

/* Run a statement that returns no row (after binding). */
static int
step_done(struct db *db, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	check(db, rc);
	return rc == SQLITE_CONSTRAINT ? MUSTER_EEXIST : MUSTER_EDB;
}

int
db_open(const char *path, struct db **out)
{
	struct db *db;
	int r;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return MUSTER_ENOMEM;
	db->ip_recency = DB_IP_RECENCY_DEFAULT;
	if ((r = store_open(path, migrations, MUSTER_NELEM(migrations), &db->st)) != 0) {
		free(db);
		return r;
	}
	*out = db;
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(db->stmt[i]);
	store_close(db->st);
	free(db);
}

struct store *
db_store(struct db *db)
{
	return db->st;
}

void
db_set_ip_recency(struct db *db, int64_t secs)
{
	db->ip_recency = secs;
}

int64_t
db_get_ip_recency(const struct db *db)
{
	return db->ip_recency;
}

const char *
db_errmsg(struct db *db)
{
	return store_errmsg(db->st);
}

/* ---- audit ---- */

int
db_audit(struct db *db, time_t at, const char *who, const char *action, const char *target,
         const char *result, const char *detail)
{
	sqlite3_stmt *s = stmt(db, S_AUDIT);
	int r;

	if (s == NULL)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, (int64_t)at);
	bind_text(s, 2, who);
	bind_text(s, 3, action);
	bind_text(s, 4, target);
	bind_text(s, 5, result);
	bind_text(s, 6, detail);
	if ((r = step_done(db, s)) != 0)
		log_error("audit-write", "action=%s error=\"%s\"", action, db_errmsg(db));
	return r;
}

int
db_audit_list(struct db *db, int64_t limit, db_audit_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT id, at, who, action, target, result, detail FROM"
	                  " (SELECT * FROM audit ORDER BY id DESC LIMIT ?1) ORDER BY id",
	                  &s) != 0)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_audit_entry e = {
		        .id = sqlite3_column_int64(s, 0),
		        .at = (time_t)sqlite3_column_int64(s, 1),
		        .who = col_text(s, 2),
		        .action = col_text(s, 3),
		        .target = col_text(s, 4),
		        .result = col_text(s, 5),
		        .detail = col_text(s, 6),
		};
		if ((r = cb(arg, &e)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

/* ---- deployments ---- */

static int
deployment_one(struct db *db, const struct db_deployment *d, const char *who, time_t now)
{
	sqlite3_stmt *s = stmt(db, S_DEPLOYMENT_ADD);
	char target[300], result[64], detail[900];
	int r;

	if (s == NULL)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, (int64_t)now);
	bind_text(s, 2, who);
	bind_text(s, 3, d->run);
	bind_text(s, 4, d->method);
	bind_text(s, 5, d->host);
	sqlite3_bind_int(s, 6, d->port);
	bind_text(s, 7, d->user);
	bind_text(s, 8, d->status);
	bind_text(s, 9, d->reason ? d->reason : "");
	sqlite3_bind_int64(s, 10, d->duration_ms);
	sqlite3_bind_int(s, 11, d->attempts);
	bind_text(s, 12, d->installer_sha256);
	if ((r = step_done(db, s)) != 0)
		return r;
	snprintf(target, sizeof(target), "%s%s%s port %d", d->user ? d->user : "",
	         d->user ? "@" : "", d->host, d->port);
	if (strcmp(d->status, "ok") == 0)
		snprintf(result, sizeof(result), "ok");
	else
		snprintf(result, sizeof(result), "failed: %s", d->status);
	snprintf(detail, sizeof(detail), "run %s, method %s, %d attempt%s, %lld ms: %s", d->run,
	         d->method, d->attempts, d->attempts == 1 ? "" : "s", (long long)d->duration_ms,
	         d->reason ? d->reason : "");
	return db_audit(db, now, who, "deploy", target, result, detail);
}

int
db_deployments_add(struct db *db, const struct db_deployment *v, size_t n, const char *who,
                   time_t now)
{
	int r;

	if ((r = store_begin(db->st)) != 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = deployment_one(db, &v[i], who, now);
	if (r == 0)
		r = store_commit(db->st);
	if (r != 0)
		store_rollback(db->st);
	return r;
}

int
db_deployment_list(struct db *db, const char *host, int64_t limit, db_deployment_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT id, at, who, run, method, host, port, user, status, reason,"
	                  " duration_ms, attempts, installer_sha256 FROM"
	                  " (SELECT * FROM deployments WHERE ?1 IS NULL OR host = ?1"
	                  "  ORDER BY id DESC LIMIT ?2) ORDER BY id",
	                  &s) != 0)
		return MUSTER_EDB;
	bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_deployment d = {
		        .id = sqlite3_column_int64(s, 0),
		        .at = (time_t)sqlite3_column_int64(s, 1),
		        .who = col_text(s, 2),
		        .run = col_text(s, 3),
		        .method = col_text(s, 4),
		        .host = col_text(s, 5),
		        .port = sqlite3_column_int(s, 6),
		        .user = col_text(s, 7),
		        .status = col_text(s, 8),
		        .reason = col_text(s, 9),
		        .duration_ms = sqlite3_column_int64(s, 10),
		        .attempts = sqlite3_column_int(s, 11),
		        .installer_sha256 = col_text(s, 12),
		};
		if ((r = cb(arg, &d)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

/* ---- groups ---- */

int
db_group_find(struct db *db, const char *path, int64_t *id)
{
	sqlite3_stmt *s = stmt(db, S_GROUP_FIND);
	int rc;

	*id = 0;
	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, path);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? MUSTER_ENOENT : check(db, rc);
}

/* Within a transaction: create every missing prefix of path. */
static int
group_ensure_tx(struct db *db, const char *path, time_t now, int64_t *id, bool *created)
{
	char prefix[GROUP_PATH_MAX];
	int64_t parent = 0, gid = 0;
	size_t len = strlen(path);
	int r;

	if (created)
		*created = false;
	for (size_t i = 0; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		r = db_group_find(db, prefix, &gid);
		if (r == MUSTER_ENOENT) {
			sqlite3_stmt *s = stmt(db, S_GROUP_ADD);
			const char *name = strrchr(prefix, '/');
			if (s == NULL)
				return MUSTER_EDB;
			if (parent == 0)
				return MUSTER_EINVAL; /* only "All" is a root */
			sqlite3_bind_int64(s, 1, parent);
			bind_text(s, 2, name ? name + 1 : prefix);
			bind_text(s, 3, prefix);
			sqlite3_bind_int64(s, 4, (int64_t)now);
			if ((r = step_done(db, s)) != 0)
				return r;
			gid = sqlite3_last_insert_rowid(store_db(db->st));
			if (created)
				*created = true;
		} else if (r != 0) {
			return r;
		}
		parent = gid;
	}
	*id = gid;
	return 0;
}

int
db_group_ensure(struct db *db, const char *path, time_t now, int64_t *id, bool *created)
{
	int r;

	if (store_in_transaction(db->st))
		return group_ensure_tx(db, path, now, id, created);
	if ((r = store_begin(db->st)) != 0)
		return r;
	if ((r = group_ensure_tx(db, path, now, id, created)) != 0 ||
	    (r = store_commit(db->st)) != 0)
		store_rollback(db->st);
	return r;
}

int
db_group_list(struct db *db, db_group_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT g.id, g.parent_id, g.path, (SELECT count(*) FROM computers c"
	                  " JOIN managed m ON m.id = c.managed_id WHERE m.group_id = g.id)"
	                  " FROM groups g ORDER BY g.path",
	                  &s) != 0)
		return MUSTER_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_group g = {
		        .id = sqlite3_column_int64(s, 0),
		        .parent_id = sqlite3_column_int64(s, 1),
		        .path = col_text(s, 2),
		        .computers = sqlite3_column_int64(s, 3),
		};
		if ((r = cb(arg, &g)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

/* ---- sensors ---- */

int
db_sensor_add(struct db *db, const char *name, const char *token_hash, time_t now, int64_t *id)
{
	sqlite3_stmt *s = stmt(db, S_SENSOR_ADD);
	int r;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, name);
	bind_text(s, 2, token_hash);
	sqlite3_bind_int64(s, 3, (int64_t)now);
	if ((r = step_done(db, s)) != 0)
		return r;
	if (id)
		*id = sqlite3_last_insert_rowid(store_db(db->st));
	return 0;
}

static void
sensor_row(sqlite3_stmt *s, struct db_sensor *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	snprintf(o->name, sizeof(o->name), "%s", col_text(s, 1));
	o->revoked = sqlite3_column_int(s, 2) != 0;
	o->created = (time_t)sqlite3_column_int64(s, 3);
	o->last_report = (time_t)sqlite3_column_int64(s, 4);
	o->reports = sqlite3_column_int64(s, 5);
	snprintf(o->reported_id, sizeof(o->reported_id), "%s", col_text(s, 6));
	snprintf(o->hostname, sizeof(o->hostname), "%s", col_text(s, 7));
	snprintf(o->version, sizeof(o->version), "%s", col_text(s, 8));
}

static int
sensor_get(struct db *db, enum stmt_id id, const char *key, struct db_sensor *out)
{
	sqlite3_stmt *s = stmt(db, id);
	int rc;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		sensor_row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? MUSTER_ENOENT : check(db, rc);
}

int
db_sensor_by_token(struct db *db, const char *token_hash, struct db_sensor *out)
{
	return sensor_get(db, S_SENSOR_BY_TOKEN, token_hash, out);
}

int
db_sensor_by_name(struct db *db, const char *name, struct db_sensor *out)
{
	return sensor_get(db, S_SENSOR_BY_NAME, name, out);
}

int
db_sensor_revoke(struct db *db, const char *name)
{
	sqlite3_stmt *s;
	int r;

	if (store_prepare(db->st, "UPDATE sensors SET revoked = 1 WHERE name = ?1", &s) != 0)
		return MUSTER_EDB;
	bind_text(s, 1, name);
	r = step_done(db, s);
	if (r == 0 && sqlite3_changes(store_db(db->st)) == 0)
		r = MUSTER_ENOENT;
	sqlite3_finalize(s);
	return r;
}

int
db_sensor_list(struct db *db, db_sensor_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT id, name, revoked, created, last_report, reports, reported_id,"
	                  " hostname, version FROM sensors ORDER BY id",
	                  &s) != 0)
		return MUSTER_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_sensor o;
		sensor_row(s, &o);
		if ((r = cb(arg, &o)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

/* ---- tokens ---- */

int
db_token_add(struct db *db, const char *token_hash, int64_t group_id, int64_t uses, time_t now,
             time_t expires, const char *note, int64_t *id)
{
	sqlite3_stmt *s;
	int r;

	if (store_prepare(
	            db->st,
	            "INSERT INTO enroll_tokens(hash, group_id, uses_total, uses_left, created,"
	            " expires, note) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
	            &s) != 0)
		return MUSTER_EDB;
	bind_text(s, 1, token_hash);
	sqlite3_bind_int64(s, 2, group_id);
	sqlite3_bind_int64(s, 3, uses);
	sqlite3_bind_int64(s, 4, (int64_t)now);
	sqlite3_bind_int64(s, 5, (int64_t)expires);
	bind_text(s, 6, note && note[0] ? note : NULL);
	r = step_done(db, s);
	if (r == 0 && id)
		*id = sqlite3_last_insert_rowid(store_db(db->st));
	sqlite3_finalize(s);
	return r;
}

int
db_token_revoke(struct db *db, int64_t id, time_t now)
{
	sqlite3_stmt *s;
	int r;

	if (store_prepare(db->st,
	                  "UPDATE enroll_tokens SET revoked = 1,"
	                  " revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
	                  &s) != 0)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (int64_t)now);
	r = step_done(db, s);
	if (r == 0 && sqlite3_changes(store_db(db->st)) == 0)
		r = MUSTER_ENOENT;
	sqlite3_finalize(s);
	return r;
}

static void
token_row(sqlite3_stmt *s, struct db_token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	t->group_id = sqlite3_column_int64(s, 1);
	snprintf(t->group, sizeof(t->group), "%s", col_text(s, 2));
	t->uses_total = sqlite3_column_int64(s, 3);
	t->uses_left = sqlite3_column_int64(s, 4);
	t->created = (time_t)sqlite3_column_int64(s, 5);
	t->expires = (time_t)sqlite3_column_int64(s, 6);
	t->revoked = sqlite3_column_int(s, 7) != 0;
	snprintf(t->note, sizeof(t->note), "%s", col_text(s, 8));
}

int
db_token_list(struct db *db, db_token_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT t.id, t.group_id, g.path, t.uses_total, t.uses_left, t.created,"
	                  " t.expires, t.revoked, t.note FROM enroll_tokens t"
	                  " JOIN groups g ON g.id = t.group_id ORDER BY t.id",
	                  &s) != 0)
		return MUSTER_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_token t;
		token_row(s, &t);
		if ((r = cb(arg, &t)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

static int
token_by_hash(struct db *db, const char *hash, struct db_token *t)
{
	sqlite3_stmt *s = stmt(db, S_TOKEN_BY_HASH);
	int rc;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, hash);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		token_row(s, t);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? MUSTER_ENOENT : check(db, rc);
}

/* ---- managed identities ---- */

static void
managed_row(sqlite3_stmt *s, struct db_managed *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	snprintf(m->display, sizeof(m->display), "%s", col_text(s, 1));
	snprintf(m->hostname, sizeof(m->hostname), "%s", col_text(s, 2));
	snprintf(m->domain, sizeof(m->domain), "%s", col_text(s, 3));
	snprintf(m->source, sizeof(m->source), "%s", col_text(s, 4));
	m->n_macs = sqlite3_column_int64(s, 5);
}

int
db_managed_by_mac(struct db *db, const char *mac, struct db_managed *out)
{
	sqlite3_stmt *s = stmt(db, S_MANAGED_BY_MAC);
	int rc;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, mac);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		managed_row(s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? MUSTER_ENOENT : check(db, rc);
}

int
db_managed_by_hostname(struct db *db, const char *shortname, db_managed_cb cb, void *arg)
{
	sqlite3_stmt *s = stmt(db, S_MANAGED_BY_HOSTNAME);
	int rc, r = 0;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, shortname);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_managed m;
		managed_row(s, &m);
		if ((r = cb(arg, &m)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_reset(s);
	return r < 0 ? r : 0;
}

int
db_managed_by_ip(struct db *db, const char *ip, struct db_managed *out)
{
	sqlite3_stmt *s = stmt(db, S_MANAGED_BY_IP);
	int rc;

	if (s == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, ip);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		managed_row(s, out);
		out->ip_seen = (time_t)sqlite3_column_int64(s, 6);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? MUSTER_ENOENT : check(db, rc);
}

static int64_t
scalar(struct db *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (store_prepare(db->st, sql, &s) != 0)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

int64_t
db_managed_count(struct db *db)
{
	return scalar(db, "SELECT count(*) FROM managed");
}

/* ---- reports ---- */

static time_t
clamp_time(time_t t, time_t now)
{
	/* Sensor clocks may be off; a time in the future is taken as now. */
	if (t <= 0 || t > now + 300)
		return now;
	return t;
}

static int64_t
count_computers(struct db *db)
{
	sqlite3_stmt *s = stmt(db, S_COUNT_COMPUTERS);
	int64_t n = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

static int
upsert_host(struct db *db, int64_t sensor_row, int64_t seq, const struct report_host *rh,
            time_t now, struct db_report_result *res)
{
	char names[512], domains[600], ipv4s[160];
	struct match_result mr;
	sqlite3_stmt *s;
	time_t first, last;
	int64_t cid;
	int rc, r;

	if ((r = match_host(db, &rh->mk, now, db->ip_recency, &mr)) != 0)
		return r;
	match_key_columns(&rh->mk, names, sizeof(names), domains, sizeof(domains), ipv4s,
	                  sizeof(ipv4s));
	last = clamp_time(rh->h.last_seen, now);
	first = clamp_time(rh->h.first_seen, now);
	if (first > last)
		first = last;
	if ((s = stmt(db, S_COMPUTER_UPSERT)) == NULL)
		return MUSTER_EDB;
	bind_text(s, 1, rh->key);
	bind_text(s, 2, rh->h.mac[0] ? rh->h.mac : NULL);
	bind_text(s, 3, rh->mk.n_ipv4 ? rh->mk.ipv4[0] : NULL);
	bind_text(s, 4, ipv4s);
	bind_text(s, 5, rh->mk.n_names ? rh->mk.names[0] : NULL);
	bind_text(s, 6, names);
	bind_text(s, 7, domains);
	bind_text(s, 8, rh->json);
	sqlite3_bind_int64(s, 9, (int64_t)first);
	sqlite3_bind_int64(s, 10, (int64_t)last);
	sqlite3_bind_int64(s, 11, (int64_t)now);
	bind_text(s, 12, mr.managed ? "managed" : "unmanaged");
	bind_text(s, 13, mr.reason);
	if (mr.managed)
		sqlite3_bind_int64(s, 14, mr.managed_id);
	else
		sqlite3_bind_null(s, 14);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return check(db, rc);
	}
	cid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);

	if ((s = stmt(db, S_SIGHTING_UPSERT)) == NULL)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, cid);
	sqlite3_bind_int64(s, 2, sensor_row);
	sqlite3_bind_int64(s, 3, (int64_t)first);
	sqlite3_bind_int64(s, 4, (int64_t)last);
	bind_text(s, 5, ipv4s);
	sqlite3_bind_int64(s, 6, seq);
	if ((r = step_done(db, s)) != 0)
		return r;
	res->upserted++;
	if (mr.managed)
		res->managed++;
	else
		res->unmanaged++;
	return 0;
}

int
db_report_apply(struct db *db, int64_t sensor_row, const struct report *rep, time_t now,
                struct db_report_result *res)
{
	char nets[2048] = "";
	sqlite3_stmt *s;
	int64_t before, after;
	size_t o = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = store_begin(db->st)) != 0)
		return r;
	if ((s = stmt(db, S_SEQ_ADD)) == NULL) {
		r = MUSTER_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, sensor_row);
	bind_text(s, 2, rep->sensor_id);
	sqlite3_bind_int64(s, 3, rep->seq);
	sqlite3_bind_int64(s, 4, (int64_t)now);
	sqlite3_bind_int64(s, 5, (int64_t)rep->n_hosts);
	if ((r = step_done(db, s)) != 0)
		goto out;
	if (sqlite3_changes(store_db(db->st)) == 0) {
		res->duplicate = true;
		goto out; /* rolled back below: nothing changes */
	}
	for (size_t i = 0; i < rep->n_networks; i++) {
		int n = snprintf(nets + o, sizeof(nets) - o, "%s%s", o ? "," : "",
		                 rep->networks[i]);
		if (n < 0 || (size_t)n >= sizeof(nets) - o) {
			nets[o] = '\0';
			break;
		}
		o += (size_t)n;
	}
	if ((s = stmt(db, S_SENSOR_SEEN)) == NULL) {
		r = MUSTER_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, sensor_row);
	bind_text(s, 2, rep->sensor_id);
	bind_text(s, 3, rep->sensor_hostname);
	bind_text(s, 4, rep->sensor_version);
	bind_text(s, 5, nets);
	sqlite3_bind_int64(s, 6, (int64_t)now);
	sqlite3_bind_int64(s, 7, rep->seq);
	if ((r = step_done(db, s)) != 0)
		goto out;
	before = count_computers(db);
	for (size_t i = 0; i < rep->n_hosts; i++)
		if ((r = upsert_host(db, sensor_row, rep->seq, &rep->hosts[i], now, res)) != 0)
			goto out;
	after = count_computers(db);
	if (before >= 0 && after >= before)
		res->created = (size_t)(after - before);
	r = store_commit(db->st);
out:
	if (r != 0 || res->duplicate)
		store_rollback(db->st);
	return r;
}

/* ---- re-matching after enrollment and import ---- */

struct idset {
	int64_t *v;
	size_t n, cap;
};

static int
idset_add(struct idset *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		int64_t *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return MUSTER_ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int
collect(struct db *db, enum stmt_id id, const char *text, int64_t num, struct idset *set)
{
	sqlite3_stmt *s = stmt(db, id);
	int rc, r = 0;

	if (s == NULL)
		return MUSTER_EDB;
	if (text)
		bind_text(s, 1, text);
	else
		sqlite3_bind_int64(s, 1, num);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((r = idset_add(set, sqlite3_column_int64(s, 0))) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_reset(s);
	return r;
}

/* Re-evaluate one computer; *now_managed_by is the identity it matches (0 none). */
static int
rematch_one(struct db *db, int64_t cid, time_t now, bool *changed, int64_t *now_managed_by)
{
	sqlite3_stmt *s = stmt(db, S_COMPUTER_GET);
	struct match_key k;
	struct match_result mr;
	char old_status[16], old_reason[MATCH_REASON_MAX];
	int64_t old_mid;
	int rc, r;

	*changed = false;
	*now_managed_by = 0;
	if (s == NULL)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, cid);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? 0 : check(db, rc);
	}
	match_key_from_columns(&k, sqlite3_column_type(s, 0) == SQLITE_NULL ? NULL : col_text(s, 0),
	                       col_text(s, 1), col_text(s, 2), col_text(s, 3));
	snprintf(old_status, sizeof(old_status), "%s", col_text(s, 4));
	snprintf(old_reason, sizeof(old_reason), "%s", col_text(s, 5));
	old_mid = sqlite3_column_int64(s, 6);
	sqlite3_reset(s);
	if ((r = match_host(db, &k, now, db->ip_recency, &mr)) != 0)
		return r;
	*now_managed_by = mr.managed ? mr.managed_id : 0;
	if (strcmp(old_status, mr.managed ? "managed" : "unmanaged") == 0 &&
	    strcmp(old_reason, mr.reason) == 0 && old_mid == (mr.managed ? mr.managed_id : 0))
		return 0;
	if ((s = stmt(db, S_COMPUTER_SET_STATUS)) == NULL)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, cid);
	bind_text(s, 2, mr.managed ? "managed" : "unmanaged");
	bind_text(s, 3, mr.reason);
	if (mr.managed)
		sqlite3_bind_int64(s, 4, mr.managed_id);
	else
		sqlite3_bind_null(s, 4);
	if ((r = step_done(db, s)) != 0)
		return r;
	*changed = true;
	return 0;
}

/* Re-match the computers an identity with these addresses and name may match. */
static int
rematch_for(struct db *db, int64_t mid, const char (*macs)[18], size_t n_macs,
            const char (*ips)[16], size_t n_ips, const char *shortname, time_t now, size_t *matched)
{
	struct idset set = {0};
	int r = 0;

	for (size_t i = 0; i < n_macs && r == 0; i++)
		r = collect(db, S_CAND_BY_KEY, macs[i], 0, &set);
	for (size_t i = 0; i < n_ips && r == 0; i++)
		r = collect(db, S_CAND_BY_IPV4, ips[i], 0, &set);
	if (r == 0 && shortname && shortname[0])
		r = collect(db, S_CAND_BY_HOSTNAME, shortname, 0, &set);
	if (r == 0)
		r = collect(db, S_CAND_BY_MANAGED, NULL, mid, &set);
	for (size_t i = 0; i < set.n && r == 0; i++) {
		bool changed;
		int64_t by;
		if ((r = rematch_one(db, set.v[i], now, &changed, &by)) == 0 && by == mid &&
		    matched)
			(*matched)++;
	}
	free(set.v);
	return r;
}

int
db_rematch_all(struct db *db, time_t now, size_t *changed)
{
	struct idset set = {0};
	sqlite3_stmt *s;
	int rc, r = 0;

	if (changed)
		*changed = 0;
	if ((r = store_begin(db->st)) != 0)
		return r;
	if (store_prepare(db->st, "SELECT id FROM computers", &s) != 0) {
		r = MUSTER_EDB;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((r = idset_add(&set, sqlite3_column_int64(s, 0))) != 0)
			break;
	sqlite3_finalize(s);
	for (size_t i = 0; i < set.n && r == 0; i++) {
		bool ch;
		int64_t by;
		if ((r = rematch_one(db, set.v[i], now, &ch, &by)) == 0 && ch && changed)
			(*changed)++;
	}
	if (r == 0)
		r = store_commit(db->st);
out:
	if (r != 0)
		store_rollback(db->st);
	free(set.v);
	return r;
}

/* Replace an identity's MACs (taking them from other identities unless keep_enrolled). */
static int
set_macs(struct db *db, int64_t mid, const char (*macs)[18], size_t n, bool keep_enrolled,
         size_t *kept_back)
{
	sqlite3_stmt *del = NULL, *ins = NULL, *owner = NULL;
	int r = 0;

	if (store_prepare(db->st, "DELETE FROM managed_macs WHERE managed_id = ?1", &del) != 0 ||
	    store_prepare(db->st,
	                  "INSERT INTO managed_macs(mac, managed_id) VALUES (?1, ?2)"
	                  " ON CONFLICT(mac) DO UPDATE SET managed_id = excluded.managed_id",
	                  &ins) != 0 ||
	    store_prepare(db->st,
	                  "SELECT m.source FROM managed_macs mm JOIN managed m"
	                  " ON m.id = mm.managed_id WHERE mm.mac = ?1 AND m.id != ?2",
	                  &owner) != 0) {
		r = MUSTER_EDB;
		goto out;
	}
	sqlite3_bind_int64(del, 1, mid);
	if ((r = step_done(db, del)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (keep_enrolled) {
			bool enrolled = false;
			sqlite3_reset(owner);
			bind_text(owner, 1, macs[i]);
			sqlite3_bind_int64(owner, 2, mid);
			if (sqlite3_step(owner) == SQLITE_ROW)
				enrolled = strcmp(col_text(owner, 0), "enroll") == 0;
			sqlite3_reset(owner);
			if (enrolled) {
				if (kept_back)
					(*kept_back)++;
				continue;
			}
		}
		sqlite3_reset(ins);
		bind_text(ins, 1, macs[i]);
		sqlite3_bind_int64(ins, 2, mid);
		if ((r = step_done(db, ins)) != 0)
			goto out;
	}
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(owner);
	return r;
}

static int
set_ips(struct db *db, int64_t mid, const char (*ips)[16], size_t n, time_t now)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int r = 0;

	if (store_prepare(db->st, "DELETE FROM managed_ips WHERE managed_id = ?1", &del) != 0 ||
	    store_prepare(db->st,
	                  "INSERT OR REPLACE INTO managed_ips(ip, managed_id, seen)"
	                  " VALUES (?1, ?2, ?3)",
	                  &ins) != 0) {
		r = MUSTER_EDB;
		goto out;
	}
	sqlite3_bind_int64(del, 1, mid);
	if ((r = step_done(db, del)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(ins);
		bind_text(ins, 1, ips[i]);
		sqlite3_bind_int64(ins, 2, mid);
		sqlite3_bind_int64(ins, 3, (int64_t)now);
		if ((r = step_done(db, ins)) != 0)
			goto out;
	}
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return r;
}

/* ---- enrollment ---- */

static int refuse(struct db_enroll_result *res, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
refuse(struct db_enroll_result *res, int status, const char *fmt, ...)
{
	va_list ap;

	res->http_status = status;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return MUSTER_EPERM;
}

/* An identity this token enrolled before with one of these MACs, or this name without MACs. */
static int
find_reenroll(struct db *db, const struct enroll_req *e, int64_t token_id, int64_t *mid)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	*mid = 0;
	if (e->n_macs > 0) {
		if (store_prepare(db->st,
		                  "SELECT m.id FROM managed_macs mm JOIN managed m"
		                  " ON m.id = mm.managed_id WHERE mm.mac = ?1 AND m.token_id = ?2",
		                  &s) != 0)
			return MUSTER_EDB;
		for (size_t i = 0; i < e->n_macs && *mid == 0; i++) {
			sqlite3_reset(s);
			bind_text(s, 1, e->macs[i]);
			sqlite3_bind_int64(s, 2, token_id);
			if ((rc = sqlite3_step(s)) == SQLITE_ROW)
				*mid = sqlite3_column_int64(s, 0);
			else if (rc != SQLITE_DONE)
				r = check(db, rc);
		}
		sqlite3_finalize(s);
		return r;
	}
	if (store_prepare(db->st,
	                  "SELECT id FROM managed WHERE token_id = ?1 AND hostname = ?2"
	                  " AND domain = ?3 AND NOT EXISTS (SELECT 1 FROM managed_macs x"
	                  " WHERE x.managed_id = managed.id)",
	                  &s) != 0)
		return MUSTER_EDB;
	sqlite3_bind_int64(s, 1, token_id);
	bind_text(s, 2, e->shortname);
	bind_text(s, 3, e->domain);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*mid = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

static void
os_text(const struct enroll_req *e, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s%s%s%s", e->os_family ? e->os_family : "", e->os_name ? " " : "",
	         e->os_name ? e->os_name : "", e->os_version ? " " : "",
	         e->os_version ? e->os_version : "");
}

static int
enroll_tx(struct db *db, const struct enroll_req *e, const char *token_hash, time_t now,
          struct db_enroll_result *res)
{
	struct db_token t;
	sqlite3_stmt *s = NULL;
	char os[400];
	int64_t mid = 0;
	int r;

	r = token_by_hash(db, token_hash, &t);
	if (r == MUSTER_ENOENT)
		return refuse(res, 401, "unknown enrollment token");
	if (r != 0)
		return r;
	res->token_id = t.id;
	snprintf(res->group, sizeof(res->group), "%s", t.group);
	if (t.revoked)
		return refuse(res, 403, "enrollment token %lld is revoked", (long long)t.id);
	if (t.expires <= now)
		return refuse(res, 403, "enrollment token %lld has expired", (long long)t.id);
	if (e->group != NULL && strcmp(e->group, t.group) != 0)
		return refuse(res, 403, "group does not match enrollment token %lld's group %s",
		              (long long)t.id, t.group);
	if ((r = find_reenroll(db, e, t.id, &mid)) != 0)
		return r;
	if (mid == 0 && t.uses_left <= 0)
		return refuse(res, 403, "enrollment token %lld is exhausted (all %lld uses spent)",
		              (long long)t.id, (long long)t.uses_total);
	os_text(e, os, sizeof(os));
	if (mid != 0) {
		res->reenrolled = true;
		r = store_prepare(
		        db->st,
		        "UPDATE managed SET display = ?2, hostname = ?3, domain = ?4,"
		        " group_id = ?5, os = ?6, installer = ?7, updated = ?8 WHERE id = ?1",
		        &s);
	} else {
		r = store_prepare(db->st,
		                  "INSERT INTO managed(source, display, hostname, domain, group_id,"
		                  " token_id, os, installer, created, updated)"
		                  " VALUES ('enroll', ?2, ?3, ?4, ?5, ?9, ?6, ?7, ?8, ?8)",
		                  &s);
	}
	if (r != 0)
		return MUSTER_EDB;
	if (mid != 0)
		sqlite3_bind_int64(s, 1, mid);
	bind_text(s, 2, e->hostname);
	bind_text(s, 3, e->shortname);
	bind_text(s, 4, e->domain);
	sqlite3_bind_int64(s, 5, t.group_id);
	bind_text(s, 6, os[0] ? os : NULL);
	bind_text(s, 7, e->installer);
	sqlite3_bind_int64(s, 8, (int64_t)now);
	if (mid == 0)
		sqlite3_bind_int64(s, 9, t.id);
	r = step_done(db, s);
	sqlite3_finalize(s);
	if (r != 0)
		return r;
	if (mid == 0) {
		mid = sqlite3_last_insert_rowid(store_db(db->st));
		if (store_prepare(db->st,
		                  "UPDATE enroll_tokens SET uses_left = uses_left - 1"
		                  " WHERE id = ?1 AND uses_left > 0",
		                  &s) != 0)
			return MUSTER_EDB;
		sqlite3_bind_int64(s, 1, t.id);
		r = step_done(db, s);
		sqlite3_finalize(s);
		if (r != 0)
			return r;
		t.uses_left--;
	}
	res->managed_id = mid;
	res->uses_left = t.uses_left;
	if ((r = set_macs(db, mid, e->macs, e->n_macs, false, NULL)) != 0 ||
	    (r = set_ips(db, mid, e->ipv4, e->n_ipv4, now)) != 0)
		return r;
	return rematch_for(db, mid, e->macs, e->n_macs, e->ipv4, e->n_ipv4, e->shortname, now,
	                   &res->matched);
}

int
db_enroll(struct db *db, const struct enroll_req *e, const char *token_hash, const char *who,
          time_t now, struct db_enroll_result *res)
{
	char target[TEXT_NAME_MAX + 48], detail[GROUP_PATH_MAX + 96];
	int r;

	memset(res, 0, sizeof(*res));
	res->http_status = 500;
	snprintf(target, sizeof(target), "computer %s%s%s", e->hostname, e->n_macs ? " mac " : "",
	         e->n_macs ? e->macs[0] : "");
	if ((r = store_begin(db->st)) != 0)
		return r;
	r = enroll_tx(db, e, token_hash, now, res);
	if (r == 0 && (r = store_commit(db->st)) == 0) {
		res->http_status = 200;
		snprintf(detail, sizeof(detail), "token %lld, group %s, %s, %lld uses left",
		         (long long)res->token_id, res->group,
		         res->reenrolled ? "re-enrolled" : "enrolled", (long long)res->uses_left);
		db_audit(db, now, who, "enroll", target, "ok", detail);
		return 0;
	}
	store_rollback(db->st);
	if (r == MUSTER_EPERM) {
		char result[200];
		snprintf(result, sizeof(result), "refused: %s", res->error);
		db_audit(db, now, who, "enroll", target, result, NULL);
	}
	return r;
}

/* ---- import ---- */

static int
import_find(struct db *db, const struct import_entry *e, int64_t *mid)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	*mid = 0;
	if (store_prepare(db->st,
	                  "SELECT m.id FROM managed_macs mm JOIN managed m ON m.id = mm.managed_id"
	                  " WHERE mm.mac = ?1 AND m.source = 'import'",
	                  &s) != 0)
		return MUSTER_EDB;
	for (size_t i = 0; i < e->n_macs && *mid == 0; i++) {
		sqlite3_reset(s);
		bind_text(s, 1, e->macs[i]);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW)
			*mid = sqlite3_column_int64(s, 0);
		else if (rc != SQLITE_DONE)
			r = check(db, rc);
	}
	sqlite3_finalize(s);
	if (*mid != 0 || r != 0 || e->shortname[0] == '\0')
		return r;
	if (store_prepare(db->st,
	                  "SELECT id FROM managed WHERE source = 'import' AND hostname = ?1"
	                  " AND domain = ?2",
	                  &s) != 0)
		return MUSTER_EDB;
	bind_text(s, 1, e->shortname);
	bind_text(s, 2, e->domain);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*mid = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

static int
import_one(struct db *db, const struct import_entry *e, time_t now, struct db_import_result *res)
{
	sqlite3_stmt *s;
	int64_t gid, mid;
	const char *display = e->hostname ? e->hostname : e->macs[0];
	int r;

	if ((r = group_ensure_tx(db, e->group ? e->group : "All", now, &gid, NULL)) != 0 ||
	    (r = import_find(db, e, &mid)) != 0)
		return r;
	if (mid != 0)
		r = store_prepare(db->st,
		                  "UPDATE managed SET display = ?2, hostname = ?3, domain = ?4,"
		                  " group_id = ?5, os = ?6, note = ?7, updated = ?8 WHERE id = ?1",
		                  &s);
	else
		r = store_prepare(
		        db->st,
		        "INSERT INTO managed(source, display, hostname, domain, group_id, os,"
		        " note, created, updated)"
		        " VALUES ('import', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
		        &s);
	if (r != 0)
		return MUSTER_EDB;
	if (mid != 0)
		sqlite3_bind_int64(s, 1, mid);
	bind_text(s, 2, display);
	bind_text(s, 3, e->shortname);
	bind_text(s, 4, e->domain);
	sqlite3_bind_int64(s, 5, gid);
	bind_text(s, 6, e->os);
	bind_text(s, 7, e->note);
	sqlite3_bind_int64(s, 8, (int64_t)now);
	r = step_done(db, s);
	sqlite3_finalize(s);
	if (r != 0)
		return r;
	if (mid == 0) {
		mid = sqlite3_last_insert_rowid(store_db(db->st));
		res->created++;
	} else {
		res->updated++;
	}
	if ((r = set_macs(db, mid, e->macs, e->n_macs, true, NULL)) != 0 ||
	    (r = set_ips(db, mid, e->ipv4, e->n_ipv4, now)) != 0)
		return r;
	return rematch_for(db, mid, e->macs, e->n_macs, e->ipv4, e->n_ipv4, e->shortname, now,
	                   &res->matched);
}

int
db_import(struct db *db, const struct import_list *l, const char *who, time_t now,
          struct db_import_result *res)
{
	char detail[160], result[160];
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = store_begin(db->st)) != 0)
		return r;
	for (size_t i = 0; i < l->n && r == 0; i++)
		r = import_one(db, &l->v[i], now, res);
	if (r == 0)
		r = store_commit(db->st);
	if (r != 0) {
		store_rollback(db->st);
		snprintf(result, sizeof(result), "failed: %s", muster_strerror(r));
		db_audit(db, now, who, "import", "managed computers", result, NULL);
		return r;
	}
	snprintf(detail, sizeof(detail),
	         "%zu lines, %zu created, %zu updated, %zu computers matched, %zu bad lines",
	         l->lines, res->created, res->updated, res->matched, l->n_errors);
	db_audit(db, now, who, "import", "managed computers", "ok", detail);
	return 0;
}

/* ---- computers ---- */

int
db_computers(struct db *db, enum db_status_filter f, db_computer_cb cb, void *arg)
{
	static const char *const filt[] = {NULL, "managed", "unmanaged"};
	sqlite3_stmt *s;
	int rc, r = 0;

	if (store_prepare(db->st,
	                  "SELECT c.record, c.first_seen, c.last_seen, c.status, c.status_reason,"
	                  " g.path FROM computers c LEFT JOIN managed m ON m.id = c.managed_id"
	                  " LEFT JOIN groups g ON g.id = m.group_id"
	                  " WHERE ?1 IS NULL OR c.status = ?1 ORDER BY c.id",
	                  &s) != 0)
		return MUSTER_EDB;
	bind_text(s, 1, filt[f]);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hostrec h = {0};
		const char *rec = col_text(s, 0);
		char err[128];

		if (hostrec_from_json_string(&h, rec, strlen(rec), false, err, sizeof(err)) != 0) {
			log_warn("db-record", "error=\"%s\"", err);
			hostrec_clear(&h);
			continue;
		}
		h.first_seen = (time_t)sqlite3_column_int64(s, 1);
		h.last_seen = (time_t)sqlite3_column_int64(s, 2);
		if ((r = hostrec_set_str(&h.status, col_text(s, 3))) == 0 &&
		    (r = hostrec_set_str(&h.status_reason, col_text(s, 4))) == 0 &&
		    sqlite3_column_type(s, 5) != SQLITE_NULL)
			r = hostrec_set_str(&h.group, col_text(s, 5));
		if (r == 0)
			r = cb(arg, &h);
		hostrec_clear(&h);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = check(db, rc);
	sqlite3_finalize(s);
	return r;
}

/* ---- metrics ---- */

int
db_stats(struct db *db, time_t now, struct db_stats *st)
{
	sqlite3_stmt *s;
	char sql[160];

	memset(st, 0, sizeof(*st));
	if (store_prepare(db->st, "SELECT status, count(*) FROM computers GROUP BY status", &s) !=
	    0)
		return MUSTER_EDB;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(s, 1);
		if (strcmp(col_text(s, 0), "managed") == 0)
			st->managed = n;
		else
			st->unmanaged = n;
	}
	sqlite3_finalize(s);
	st->computers = st->managed + st->unmanaged;
	st->identities = scalar(db, "SELECT count(*) FROM managed");
	st->groups = scalar(db, "SELECT count(*) FROM groups");
	st->sensors = scalar(db, "SELECT count(*) FROM sensors WHERE revoked = 0");
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM enroll_tokens WHERE revoked = 0 AND uses_left > 0"
	         " AND expires > %lld",
	         (long long)now);
	st->tokens_active = scalar(db, sql);
	st->reports = scalar(db, "SELECT count(*) FROM report_seqs");
	st->audit = scalar(db, "SELECT max(id) FROM audit");
	return 0;
}
