/*
 * db.h - the server's database: computers, what each sensor saw, managed
 * identities, static groups, enrollment tokens, sensors and the audit log
 * (SQLite through common/store.h, schema in db.c).
 *
 * A struct db is used by one thread at a time; the HTTP server serialises
 * calls with a mutex. Times are Unix seconds passed in by the caller so
 * tests can move the clock. Functions return 0 or a negative MUSTER_E*.
 */
#ifndef MUSTER_SERVER_DB_H
#define MUSTER_SERVER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/text.h"
#include "server/body.h"
#include "server/match.h"
#include "server/tokens.h"

struct db;
struct store;
struct hostrec;

#define DB_IP_RECENCY_DEFAULT (7 * 86400)
#define DB_WHO_MAX            128

/* Open (creating and migrating) the database at path. Free with db_close(). */
int db_open(const char *path, struct db **out);
void db_close(struct db *db);
struct store *db_store(struct db *db);
/* How long an IPv4 address declared by a managed identity counts for matching (rule 3). */
void db_set_ip_recency(struct db *db, int64_t secs);
int64_t db_get_ip_recency(const struct db *db);
/* The last SQLite error text (never NULL). */
const char *db_errmsg(struct db *db);

/* ---- audit log ---- */

struct db_audit_entry {
	int64_t id;
	time_t at;
	const char *who, *action, *target, *result, *detail; /* valid during the callback */
};
typedef int (*db_audit_cb)(void *arg, const struct db_audit_entry *e);

/* Append one line: who did what to which target, and how it ended ("ok" or "refused: ..."). */
int db_audit(struct db *db, time_t at, const char *who, const char *action, const char *target,
             const char *result, const char *detail);
/* The newest `limit` entries, oldest first (limit <= 0: all). */
int db_audit_list(struct db *db, int64_t limit, db_audit_cb cb, void *arg);

/* ---- deployments (POST /api/v1/deployments) ---- */

/* One attempt of muster-deploy on one host, as it reported it. */
struct db_deployment {
	int64_t id; /* set when listed */
	time_t at;  /* set when listed */
	const char *who;
	const char *run;    /* the deployer's run id */
	const char *method; /* "ssh", "smb" */
	const char *host;
	int port;
	const char *user; /* may be NULL */
	const char *status;
	const char *reason;
	int64_t duration_ms;
	int attempts;
	const char *installer_sha256; /* may be NULL */
};
typedef int (*db_deployment_cb)(void *arg, const struct db_deployment *d);

/*
 * Record n attempts in one transaction, each with its audit line (action
 * "deploy", target "user@host port N", result "ok" or "failed: STATUS").
 */
int db_deployments_add(struct db *db, const struct db_deployment *v, size_t n, const char *who,
                       time_t now);
/* The newest `limit` attempts (of host, or of all when NULL), oldest first. */
int db_deployment_list(struct db *db, const char *host, int64_t limit, db_deployment_cb cb,
                       void *arg);

/* ---- groups ---- */

struct db_group {
	int64_t id, parent_id; /* parent 0 for the root "All" */
	const char *path;
	int64_t computers; /* managed computers directly in the group */
};
typedef int (*db_group_cb)(void *arg, const struct db_group *g);

/* Find the group of a normalised path, creating it and its missing ancestors. */
int db_group_ensure(struct db *db, const char *path, time_t now, int64_t *id, bool *created);
/* The id of an existing group; MUSTER_ENOENT when there is none. */
int db_group_find(struct db *db, const char *path, int64_t *id);
int db_group_list(struct db *db, db_group_cb cb, void *arg);

/* ---- sensors ---- */

struct db_sensor {
	int64_t id;
	char name[TEXT_NAME_MAX + 1];
	bool revoked;
	time_t created, last_report;
	int64_t reports;
	char reported_id[SENSOR_ID_MAX + 1], hostname[TEXT_NAME_MAX + 1], version[65];
};
typedef int (*db_sensor_cb)(void *arg, const struct db_sensor *s);

/* Register a sensor with the hash of its token; MUSTER_EEXIST when the name is taken. */
int db_sensor_add(struct db *db, const char *name, const char *token_hash, time_t now, int64_t *id);
/* The sensor holding a token hash, or of a name (client certificates); MUSTER_ENOENT. */
int db_sensor_by_token(struct db *db, const char *token_hash, struct db_sensor *out);
int db_sensor_by_name(struct db *db, const char *name, struct db_sensor *out);
/* Revoke a sensor by name: its token stops working. MUSTER_ENOENT. */
int db_sensor_revoke(struct db *db, const char *name);
int db_sensor_list(struct db *db, db_sensor_cb cb, void *arg);

/* ---- enrollment tokens ---- */

struct db_token {
	int64_t id;
	int64_t group_id;
	char group[GROUP_PATH_MAX];
	int64_t uses_total, uses_left;
	time_t created, expires;
	bool revoked;
	char note[128];
};
typedef int (*db_token_cb)(void *arg, const struct db_token *t);

int db_token_add(struct db *db, const char *token_hash, int64_t group_id, int64_t uses, time_t now,
                 time_t expires, const char *note, int64_t *id);
/* MUSTER_ENOENT when there is no such token; revoking twice is fine. */
int db_token_revoke(struct db *db, int64_t id, time_t now);
int db_token_list(struct db *db, db_token_cb cb, void *arg);

/* ---- managed identities (used by match.c) ---- */

struct db_managed {
	int64_t id;
	char display[96]; /* the host name as given, for reasons */
	char hostname[MATCH_NAME_MAX];
	char domain[MATCH_DOMAIN_MAX];
	char source[8]; /* "enroll" or "import" */
	int64_t n_macs;
	time_t ip_seen; /* db_managed_by_ip: when the identity declared the address */
};
typedef int (*db_managed_cb)(void *arg, const struct db_managed *m); /* nonzero stops */

int db_managed_by_mac(struct db *db, const char *mac, struct db_managed *out);
int db_managed_by_hostname(struct db *db, const char *shortname, db_managed_cb cb, void *arg);
/* The identity that declared ip most recently; MUSTER_ENOENT. */
int db_managed_by_ip(struct db *db, const char *ip, struct db_managed *out);
int64_t db_managed_count(struct db *db);

/* ---- reports ---- */

struct db_report_result {
	bool duplicate; /* (sensor, id, seq) was applied before: nothing changed */
	size_t upserted, created, managed, unmanaged;
};

/*
 * Apply a parsed report from sensor sensor_row in one transaction: record
 * (sensor id, seq), upsert every host as a computer, its sighting by this
 * sensor, and its managed status. A (sensor id, seq) seen before changes
 * nothing and sets res->duplicate.
 */
int db_report_apply(struct db *db, int64_t sensor_row, const struct report *r, time_t now,
                    struct db_report_result *res);

/* ---- enrollment ---- */

struct db_enroll_result {
	int http_status; /* 200 on success; the refusal's status otherwise */
	char error[160]; /* the refusal, naming the problem */
	int64_t managed_id;
	int64_t token_id;
	int64_t uses_left;
	bool reenrolled; /* same machine, same token again: no use consumed */
	char group[GROUP_PATH_MAX];
	size_t matched; /* computers now matched to the identity */
};

/*
 * Enroll a machine with the enrollment token whose hash is token_hash.
 * The token must exist, not be revoked, not be expired and have a use
 * left; a group in e must equal the token's. Refusals return MUSTER_EPERM
 * with res->http_status / res->error set and change nothing but the audit
 * log; success consumes one use (not for a re-enrollment of the same MACs
 * with the same token) and re-matches the computers the identity matches.
 */
int db_enroll(struct db *db, const struct enroll_req *e, const char *token_hash, const char *who,
              time_t now, struct db_enroll_result *res);

/* ---- import ---- */

struct db_import_result {
	size_t created, updated, matched;
};

/*
 * Import managed identities in one transaction (source "import"): an entry
 * updates the imported identity with one of its MACs or its host name and
 * domain, or creates one. Groups are created as needed. Audited.
 */
int db_import(struct db *db, const struct import_list *l, const char *who, time_t now,
              struct db_import_result *res);

/* ---- computers ---- */

enum db_status_filter { DB_STATUS_ALL, DB_STATUS_MANAGED, DB_STATUS_UNMANAGED };

/* One computer: its last host record with server fields (status, reason, group, times) set. */
typedef int (*db_computer_cb)(void *arg, const struct hostrec *h);
int db_computers(struct db *db, enum db_status_filter f, db_computer_cb cb, void *arg);

/* Re-evaluate the status of every computer (after the recency setting changed). */
int db_rematch_all(struct db *db, time_t now, size_t *changed);

/* ---- metrics ---- */

struct db_stats {
	int64_t computers, managed, unmanaged;
	int64_t identities, groups, sensors, tokens_active;
	int64_t reports, audit;
};
int db_stats(struct db *db, time_t now, struct db_stats *st);

#endif
