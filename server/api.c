/*
 * api.c - the routes of protocol v1 (docs/protocol.md): who may call what,
 * request bodies to database calls, JSON answers, /healthz and /metrics.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/text.h"
#include "server/api.h"
#include "server/body.h"
#include "server/db.h"

enum route {
	R_HEALTHZ,
	R_METRICS,
	R_REPORTS,
	R_COMPUTERS,
	R_ENROLL,
	R_GROUPS,
	R_IMPORT,
	R_TOKENS,
	R_AUDIT,
	R_SENSORS,
	R_DEPLOYMENTS,
	R_OTHER,
	R_N
};
static const char *const route_names[R_N] = {"healthz", "metrics", "reports",     "computers",
                                             "enroll",  "groups",  "import",      "tokens",
                                             "audit",   "sensors", "deployments", "other"};

struct metrics {
	atomic_uint_fast64_t requests[R_N][5]; /* by status class 1xx..5xx */
	atomic_uint_fast64_t reports_applied, reports_duplicate, reports_invalid, reports_refused;
	atomic_uint_fast64_t hosts_upserted, hosts_created;
	atomic_uint_fast64_t report_usec; /* time spent applying reports, under the lock */
	atomic_uint_fast64_t enroll_ok, enroll_refused, enroll_invalid;
	atomic_uint_fast64_t auth_fail_sensor, auth_fail_admin;
	atomic_uint_fast64_t body_bytes, gzip_bodies;
	atomic_uint_fast64_t audit_suppressed;
};

struct api {
	struct db *db;
	pthread_mutex_t lock; /* one database connection: one caller at a time */
	struct api_config cfg;
	struct metrics m;
	/* Refusals written to the audit log: at most AUDIT_BURST per AUDIT_WINDOW seconds. */
	pthread_mutex_t rl_lock;
	time_t rl_window;
	unsigned rl_count;
};

#define AUDIT_WINDOW 60
#define AUDIT_BURST  120

static struct log_ratelimit rl_refused = LOG_RATELIMIT(10, 5);

struct api *
api_new(struct db *db, const struct api_config *cfg)
{
	struct api *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->db = db;
	a->cfg = *cfg;
	if (a->cfg.max_report_body == 0)
		a->cfg.max_report_body = API_REPORT_BODY_MAX;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->rl_lock, NULL);
	return a;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->rl_lock);
	free(a);
}

static enum route
route_of(const char *path)
{
	if (strcmp(path, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(path, "/metrics") == 0)
		return R_METRICS;
	if (strcmp(path, "/api/v1/reports") == 0)
		return R_REPORTS;
	if (strcmp(path, "/api/v1/computers") == 0)
		return R_COMPUTERS;
	if (strcmp(path, "/api/v1/enroll") == 0)
		return R_ENROLL;
	if (strcmp(path, "/api/v1/groups") == 0)
		return R_GROUPS;
	if (strcmp(path, "/api/v1/managed/import") == 0)
		return R_IMPORT;
	if (strcmp(path, "/api/v1/tokens") == 0 || strncmp(path, "/api/v1/tokens/", 15) == 0)
		return R_TOKENS;
	if (strcmp(path, "/api/v1/audit") == 0)
		return R_AUDIT;
	if (strcmp(path, "/api/v1/sensors") == 0)
		return R_SENSORS;
	if (strcmp(path, "/api/v1/deployments") == 0)
		return R_DEPLOYMENTS;
	return R_OTHER;
}

size_t
api_body_limit(void *arg, const char *method, const char *path)
{
	struct api *a = arg;

	if (strcmp(method, "POST") != 0)
		return 0;
	switch (route_of(path)) {
	case R_REPORTS:
		return a->cfg.max_report_body;
	case R_IMPORT:
		return API_IMPORT_BODY_MAX;
	case R_DEPLOYMENTS:
		return API_DEPLOY_BODY_MAX;
	default:
		/* Small bodies; a call that takes none (or no such call) answers for itself. */
		return API_SMALL_BODY_MAX;
	}
}

/* Write a refusal to the audit log, unless refusals are flooding in. */
static void
audit_refusal(struct api *a, time_t now, const char *who, const char *action, const char *target,
              const char *why)
{
	char result[TEXT_NAME_MAX + 128];
	bool ok;

	pthread_mutex_lock(&a->rl_lock);
	if (now - a->rl_window >= AUDIT_WINDOW) {
		a->rl_window = now;
		a->rl_count = 0;
	}
	ok = a->rl_count++ < AUDIT_BURST;
	pthread_mutex_unlock(&a->rl_lock);
	if (!ok) {
		atomic_fetch_add(&a->m.audit_suppressed, 1);
		return;
	}
	snprintf(result, sizeof(result), "refused: %s", why);
	pthread_mutex_lock(&a->lock);
	db_audit(a->db, now, who, action, target, result, NULL);
	pthread_mutex_unlock(&a->lock);
}

/* The token of an "Authorization: Bearer TOKEN" header, or NULL. */
static const char *
bearer(const struct http_req *req, size_t *len)
{
	const char *h = req->authorization;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	*len = strlen(h);
	while (*len > 0 && h[*len - 1] == ' ')
		(*len)--;
	return *len > 0 ? h : NULL;
}

/* Admin calls: the bearer token must be the admin token. Answers the refusal itself. */
static bool
require_admin(struct api *a, const struct http_req *req, struct http_resp *resp, const char *action,
              time_t now)
{
	char who[DB_WHO_MAX], hash[TOKEN_HASHLEN];
	const char *tok;
	size_t len;

	snprintf(who, sizeof(who), "%s", req->remote);
	if (a->cfg.admin_token_hash[0] == '\0') {
		http_error(resp, 403,
		           "admin calls are disabled: start the server with "
		           "--admin-token-file");
		return false;
	}
	if ((tok = bearer(req, &len)) == NULL) {
		http_error(resp, 401, "missing admin token (Authorization: Bearer ...)");
		resp->www_authenticate = true;
		atomic_fetch_add(&a->m.auth_fail_admin, 1);
		audit_refusal(a, now, who, action, "admin api", "missing admin token");
		return false;
	}
	token_hash(tok, len, hash);
	if (!token_hash_equal(hash, a->cfg.admin_token_hash)) {
		http_error(resp, 401, "wrong admin token");
		resp->www_authenticate = true;
		atomic_fetch_add(&a->m.auth_fail_admin, 1);
		audit_refusal(a, now, who, action, "admin api", "wrong admin token");
		return false;
	}
	return true;
}

/*
 * Sensor calls: a bearer token that names a registered sensor, a client
 * certificate whose CN names one, or both (then the same one).
 */
static bool
require_sensor(struct api *a, const struct http_req *req, struct http_resp *resp,
               const char *action, time_t now, struct db_sensor *out)
{
	struct db_sensor by_tok, by_cert;
	char hash[TOKEN_HASHLEN], why[TEXT_NAME_MAX + 64];
	const char *tok;
	size_t len;
	bool have_tok = false, have_cert = false;
	int status = 401, r;

	tok = bearer(req, &len);
	if (tok == NULL && !req->peer_cert) {
		snprintf(why, sizeof(why), "missing sensor token or client certificate");
		goto refuse;
	}
	if (req->peer_cert && !req->peer_verified) {
		snprintf(why, sizeof(why), "%s",
		         req->peer_error[0] ? req->peer_error : "client certificate refused");
		goto refuse;
	}
	pthread_mutex_lock(&a->lock);
	r = 0;
	if (tok != NULL) {
		token_hash(tok, len, hash);
		r = db_sensor_by_token(a->db, hash, &by_tok);
		have_tok = r == 0;
	}
	if ((r == 0 || r == MUSTER_ENOENT) && req->peer_verified) {
		int r2 = db_sensor_by_name(a->db, req->peer_cn, &by_cert);
		have_cert = r2 == 0;
		if (r2 != 0 && r2 != MUSTER_ENOENT)
			r = r2;
	}
	pthread_mutex_unlock(&a->lock);
	if (r != 0 && r != MUSTER_ENOENT) {
		http_error(resp, 500, "database error");
		return false;
	}
	if (tok != NULL && !have_tok) {
		snprintf(why, sizeof(why), "unknown sensor token");
		goto refuse;
	}
	if (req->peer_verified && !have_cert) {
		snprintf(why, sizeof(why),
		         "client certificate CN \"%s\" is not a registered sensor", req->peer_cn);
		status = 403;
		goto refuse;
	}
	if (have_tok && have_cert && by_tok.id != by_cert.id) {
		snprintf(why, sizeof(why), "token and client certificate name different sensors");
		status = 403;
		goto refuse;
	}
	*out = have_tok ? by_tok : by_cert;
	if (out->revoked) {
		snprintf(why, sizeof(why), "sensor \"%s\" is revoked", out->name);
		status = 403;
		goto refuse;
	}
	return true;
refuse:
	atomic_fetch_add(&a->m.auth_fail_sensor, 1);
	atomic_fetch_add(&a->m.reports_refused, 1);
	log_event_rl(&rl_refused, LOG_WARN_, "sensor-refused", "remote=%s reason=\"%s\"",
	             req->remote, why);
	audit_refusal(a, now, req->remote, action, "sensor", why);
	http_error(resp, status, "%s", why);
	resp->www_authenticate = status == 401;
	return false;
}

/*
 * The admin token, or a sensor's credential (the deployer may run with
 * either). who gets "admin@ADDR" or "sensor:NAME@ADDR" when not NULL.
 */
static bool
require_admin_or_sensor(struct api *a, const struct http_req *req, struct http_resp *resp,
                        const char *action, time_t now, char *who)
{
	struct db_sensor sensor;
	char hash[TOKEN_HASHLEN];
	size_t len;
	const char *tok = bearer(req, &len);

	if (tok != NULL && a->cfg.admin_token_hash[0] != '\0') {
		token_hash(tok, len, hash);
		if (token_hash_equal(hash, a->cfg.admin_token_hash)) {
			if (who)
				snprintf(who, DB_WHO_MAX, "admin@%s", req->remote);
			return true;
		}
	}
	if (!require_sensor(a, req, resp, action, now, &sensor))
		return false;
	if (who)
		snprintf(who, DB_WHO_MAX, "sensor:%.56s@%.60s", sensor.name, req->remote);
	return true;
}

static bool
is_json(const struct http_req *req, struct http_resp *resp)
{
	const char *ct = req->content_type;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) == 0)
		return true;
	http_error(resp, 415, "Content-Type must be application/json");
	return false;
}

static void
method_not_allowed(struct http_resp *resp, const char *allow)
{
	http_error(resp, 405, "method not allowed (allowed: %s)", allow);
	resp->allow = allow;
}

void
api_precheck(void *arg, const struct http_req *req, struct http_resp *resp)
{
	struct api *a = arg;
	struct db_sensor sensor;
	time_t now = time(NULL);

	if (strcmp(req->method, "POST") != 0)
		return;
	switch (route_of(req->path)) {
	case R_REPORTS:
		require_sensor(a, req, resp, "report", now, &sensor);
		break;
	case R_IMPORT:
		require_admin(a, req, resp, "import", now);
		break;
	case R_GROUPS:
		require_admin(a, req, resp, "group add", now);
		break;
	case R_DEPLOYMENTS:
		require_admin_or_sensor(a, req, resp, "deploy", now, NULL);
		break;
	case R_TOKENS:
		require_admin(a, req, resp,
		              strcmp(req->path, "/api/v1/tokens") == 0 ? "token create"
		                                                       : "token revoke",
		              now);
		break;
	default:
		break;
	}
	if (resp->status != 0) {
		int cls = resp->status / 100 - 1;
		if (cls >= 0 && cls < 5)
			atomic_fetch_add(&a->m.requests[route_of(req->path)][cls], 1);
	}
}

/* ---- POST /api/v1/reports ---- */

static double
elapsed_usec(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e6 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e3;
}

static void
do_report(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	struct db_sensor sensor;
	struct report rep;
	struct db_report_result res;
	struct timespec t0;
	char err[BODY_ERR_MAX];
	struct json_object *o;
	double usec;
	int r;

	if (strcmp(req->method, "POST") != 0)
		return method_not_allowed(resp, "POST");
	if (!require_sensor(a, req, resp, "report", now, &sensor))
		return;
	if (!is_json(req, resp))
		return;
	/* Parse outside the lock: the costly part runs on every worker thread at once. */
	if ((r = report_parse(req->body, req->body_len, &rep, err, sizeof(err))) != 0) {
		atomic_fetch_add(&a->m.reports_invalid, 1);
		log_event_rl(&rl_refused, LOG_WARN_, "report-invalid", "sensor=%s error=\"%s\"",
		             sensor.name, err);
		if (r == MUSTER_ENOMEM)
			return http_error(resp, 503, "out of memory");
		return http_error(resp, r == MUSTER_ETOOBIG ? 413 : 400, "%s", err);
	}
	pthread_mutex_lock(&a->lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = db_report_apply(a->db, sensor.id, &rep, now, &res);
	usec = elapsed_usec(&t0);
	pthread_mutex_unlock(&a->lock);
	if (r != 0) {
		log_error("report-apply", "sensor=%s seq=%lld error=\"%s\"", sensor.name,
		          (long long)rep.seq, muster_strerror(r));
		report_clear(&rep);
		return http_error(resp, r == MUSTER_EDB ? 503 : 500,
		                  "the report could not be stored; retry later");
	}
	atomic_fetch_add(&a->m.report_usec, (uint_fast64_t)usec);
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(rep.seq));
	if (res.duplicate) {
		atomic_fetch_add(&a->m.reports_duplicate, 1);
		json_object_object_add(o, "status", json_object_new_string("duplicate"));
		log_info("report", "sensor=%s seq=%lld status=duplicate", sensor.name,
		         (long long)rep.seq);
	} else {
		atomic_fetch_add(&a->m.reports_applied, 1);
		atomic_fetch_add(&a->m.hosts_upserted, res.upserted);
		atomic_fetch_add(&a->m.hosts_created, res.created);
		json_object_object_add(o, "status", json_object_new_string("applied"));
		json_object_object_add(o, "hosts", json_object_new_int64((int64_t)res.upserted));
		json_object_object_add(o, "created", json_object_new_int64((int64_t)res.created));
		json_object_object_add(o, "managed", json_object_new_int64((int64_t)res.managed));
		json_object_object_add(o, "unmanaged",
		                       json_object_new_int64((int64_t)res.unmanaged));
		log_info("report",
		         "sensor=%s seq=%lld hosts=%zu created=%zu unmanaged=%zu gzip=%d ms=%.1f",
		         sensor.name, (long long)rep.seq, res.upserted, res.created, res.unmanaged,
		         req->gzip, usec / 1000.0);
	}
	report_clear(&rep);
	http_json(resp, 200, o);
}

/* ---- GET /api/v1/computers ---- */

struct list_ctx {
	enum api_format fmt;
	struct buf *out;
	struct json_object *arr;
	size_t n;
};

static int
list_one(void *arg, const struct hostrec *h)
{
	struct list_ctx *c = arg;
	struct json_object *o;

	c->n++;
	if (c->arr == NULL)
		return api_format_computer(c->fmt, h, c->out);
	if ((o = hostrec_to_json(h)) == NULL)
		return MUSTER_ENOMEM;
	json_object_array_add(c->arr, o);
	return 0;
}

static bool
parse_status(const char *s, enum db_status_filter *f)
{
	if (s == NULL || strcmp(s, "all") == 0)
		*f = DB_STATUS_ALL;
	else if (strcmp(s, "managed") == 0)
		*f = DB_STATUS_MANAGED;
	else if (strcmp(s, "unmanaged") == 0)
		*f = DB_STATUS_UNMANAGED;
	else
		return false;
	return true;
}

static void
do_computers(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	static const char *const args[] = {"status", "format", NULL};
	struct db_sensor sensor;
	struct list_ctx c = {0};
	enum db_status_filter f;
	const char *fmt = http_req_arg(req, "format");
	char bad[48];
	int r;

	if (strcmp(req->method, "GET") != 0)
		return method_not_allowed(resp, "GET");
	/* The admin, or a sensor (it asks which of its hosts are managed). */
	if (bearer(req, &(size_t){0}) != NULL && a->cfg.admin_token_hash[0] != '\0') {
		char hash[TOKEN_HASHLEN];
		size_t len;
		const char *tok = bearer(req, &len);
		token_hash(tok, len, hash);
		if (!token_hash_equal(hash, a->cfg.admin_token_hash) &&
		    !require_sensor(a, req, resp, "computers", now, &sensor))
			return;
	} else if (!require_sensor(a, req, resp, "computers", now, &sensor)) {
		return;
	}
	if (!http_req_args_only(req, args, bad, sizeof(bad)))
		return http_error(resp, 400, "unknown query parameter \"%s\"", bad);
	if (!parse_status(http_req_arg(req, "status"), &f))
		return http_error(resp, 400, "status must be managed, unmanaged or all");
	if (fmt == NULL || strcmp(fmt, "json") == 0) {
		c.arr = json_object_new_array();
		if (c.arr == NULL)
			return http_error(resp, 503, "out of memory");
	} else if (strcmp(fmt, "jsonl") == 0) {
		c.fmt = API_FMT_JSONL;
	} else if (strcmp(fmt, "csv") == 0) {
		c.fmt = API_FMT_CSV;
	} else {
		return http_error(resp, 400, "format must be json, jsonl or csv");
	}
	c.out = &resp->body;
	if (c.arr == NULL)
		api_format_header(c.fmt, c.out);
	pthread_mutex_lock(&a->lock);
	r = db_computers(a->db, f, list_one, &c);
	pthread_mutex_unlock(&a->lock);
	if (r != 0) {
		json_object_put(c.arr);
		return http_error(resp, 503, "cannot list computers: %s", muster_strerror(r));
	}
	if (c.arr != NULL) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "count", json_object_new_int64((int64_t)c.n));
		json_object_object_add(o, "computers", c.arr);
		return http_json(resp, 200, o);
	}
	resp->status = 200;
	resp->content_type =
	        c.fmt == API_FMT_CSV ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

/* ---- POST /api/v1/enroll ---- */

static void
do_enroll(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	struct enroll_req e;
	struct db_enroll_result res;
	char err[BODY_ERR_MAX], hash[TOKEN_HASHLEN], who[DB_WHO_MAX];
	struct json_object *o;
	int r;

	if (strcmp(req->method, "POST") != 0)
		return method_not_allowed(resp, "POST");
	if (!is_json(req, resp))
		return;
	snprintf(who, sizeof(who), "enroll@%s", req->remote);
	if ((r = enroll_parse(req->body, req->body_len, &e, err, sizeof(err))) != 0) {
		atomic_fetch_add(&a->m.enroll_invalid, 1);
		audit_refusal(a, now, who, "enroll", "bad request", err);
		if (r == MUSTER_ENOMEM)
			return http_error(resp, 503, "out of memory");
		return http_error(resp, 400, "%s", err);
	}
	token_hash(e.token, strlen(e.token), hash);
	pthread_mutex_lock(&a->lock);
	r = db_enroll(a->db, &e, hash, who, now, &res);
	pthread_mutex_unlock(&a->lock);
	if (r == MUSTER_EPERM) {
		atomic_fetch_add(&a->m.enroll_refused, 1);
		log_warn("enroll-refused", "remote=%s host=%s reason=\"%s\"", req->remote,
		         e.hostname, res.error);
		enroll_clear(&e);
		return http_error(resp, res.http_status, "%s", res.error);
	}
	if (r != 0) {
		log_error("enroll", "remote=%s error=\"%s\"", req->remote, muster_strerror(r));
		enroll_clear(&e);
		return http_error(resp, 503, "enrollment could not be stored; retry later");
	}
	atomic_fetch_add(&a->m.enroll_ok, 1);
	log_info("enroll", "remote=%s host=%s group=%s token=%lld matched=%zu reenrolled=%d",
	         req->remote, e.hostname, res.group, (long long)res.token_id, res.matched,
	         res.reenrolled);
	o = json_object_new_object();
	json_object_object_add(o, "status",
	                       json_object_new_string(res.reenrolled ? "re-enrolled" : "enrolled"));
	json_object_object_add(o, "managed_id", json_object_new_int64(res.managed_id));
	json_object_object_add(o, "group", json_object_new_string(res.group));
	json_object_object_add(o, "computers_matched", json_object_new_int64((int64_t)res.matched));
	enroll_clear(&e);
	http_json(resp, 200, o);
}

/* ---- groups ---- */

static int
group_json(void *arg, const struct db_group *g)
{
	struct json_object *arr = arg, *o = json_object_new_object();

	if (o == NULL)
		return MUSTER_ENOMEM;
	json_object_object_add(o, "id", json_object_new_int64(g->id));
	json_object_object_add(o, "path", json_object_new_string(g->path));
	json_object_object_add(o, "parent",
	                       g->parent_id ? json_object_new_int64(g->parent_id) : NULL);
	json_object_object_add(o, "computers", json_object_new_int64(g->computers));
	json_object_array_add(arr, o);
	return 0;
}

static void
do_groups(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	char path[GROUP_PATH_MAX], err[BODY_ERR_MAX], who[DB_WHO_MAX];
	struct json_object *o, *arr;
	int64_t id;
	bool created;
	int r;

	if (strcmp(req->method, "GET") == 0) {
		if (!require_admin(a, req, resp, "group list", now))
			return;
		arr = json_object_new_array();
		pthread_mutex_lock(&a->lock);
		r = db_group_list(a->db, group_json, arr);
		pthread_mutex_unlock(&a->lock);
		if (r != 0) {
			json_object_put(arr);
			return http_error(resp, 503, "cannot list groups");
		}
		o = json_object_new_object();
		json_object_object_add(o, "groups", arr);
		return http_json(resp, 200, o);
	}
	if (strcmp(req->method, "POST") != 0)
		return method_not_allowed(resp, "GET, POST");
	if (!require_admin(a, req, resp, "group add", now) || !is_json(req, resp))
		return;
	if ((r = group_req_parse(req->body, req->body_len, path, err, sizeof(err))) != 0)
		return http_error(resp, r == MUSTER_ENOMEM ? 503 : 400, "%s", err);
	snprintf(who, sizeof(who), "admin@%s", req->remote);
	pthread_mutex_lock(&a->lock);
	r = db_group_ensure(a->db, path, now, &id, &created);
	if (r == 0)
		db_audit(a->db, now, who, "group add", path, "ok", created ? "created" : "existed");
	pthread_mutex_unlock(&a->lock);
	if (r != 0)
		return http_error(resp, 503, "cannot add the group");
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "created", json_object_new_boolean(created));
	http_json(resp, created ? 201 : 200, o);
}

/* ---- POST /api/v1/managed/import ---- */

static void
do_import(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	struct import_list l;
	struct db_import_result res;
	char err[BODY_ERR_MAX], who[DB_WHO_MAX];
	struct json_object *o, *errs;
	bool partial = http_req_arg(req, "partial") != NULL &&
	               strcmp(http_req_arg(req, "partial"), "1") == 0;
	static const char *const args[] = {"partial", NULL};
	char bad[48];
	int r;

	if (strcmp(req->method, "POST") != 0)
		return method_not_allowed(resp, "POST");
	if (!require_admin(a, req, resp, "import", now))
		return;
	if (!http_req_args_only(req, args, bad, sizeof(bad)))
		return http_error(resp, 400, "unknown query parameter \"%s\"", bad);
	if (req->content_type != NULL && strncasecmp(req->content_type, "text/csv", 8) != 0)
		return http_error(resp, 415, "Content-Type must be text/csv");
	snprintf(who, sizeof(who), "admin@%s", req->remote);
	if ((r = import_parse(req->body, req->body_len, &l, err, sizeof(err))) != 0) {
		audit_refusal(a, now, who, "import", "managed computers", err);
		return http_error(resp,
		                  r == MUSTER_ENOMEM    ? 503
		                  : r == MUSTER_ETOOBIG ? 413
		                                        : 400,
		                  "%s", err);
	}
	if (l.n_errors > 0 && !partial) {
		errs = json_object_new_array();
		for (size_t i = 0; i < l.n_errors && i < IMPORT_MAX_ERRORS; i++)
			json_object_array_add(errs, json_object_new_string(l.errors[i]));
		o = json_object_new_object();
		json_object_object_add(
		        o, "error",
		        json_object_new_string("malformed lines; nothing imported "
		                               "(add ?partial=1 to import the rest)"));
		json_object_object_add(o, "bad_lines", json_object_new_int64((int64_t)l.n_errors));
		json_object_object_add(o, "errors", errs);
		snprintf(err, sizeof(err), "%zu malformed lines", l.n_errors);
		audit_refusal(a, now, who, "import", "managed computers", err);
		import_clear(&l);
		return http_json(resp, 400, o);
	}
	pthread_mutex_lock(&a->lock);
	r = db_import(a->db, &l, who, now, &res);
	pthread_mutex_unlock(&a->lock);
	if (r != 0) {
		import_clear(&l);
		return http_error(resp, 503, "import failed: %s", muster_strerror(r));
	}
	o = json_object_new_object();
	json_object_object_add(o, "created", json_object_new_int64((int64_t)res.created));
	json_object_object_add(o, "updated", json_object_new_int64((int64_t)res.updated));
	json_object_object_add(o, "computers_matched", json_object_new_int64((int64_t)res.matched));
	json_object_object_add(o, "bad_lines", json_object_new_int64((int64_t)l.n_errors));
	import_clear(&l);
	http_json(resp, 200, o);
}

/* ---- tokens ---- */

static int
token_json(void *arg, const struct db_token *t)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char ts[21];

	if (o == NULL)
		return MUSTER_ENOMEM;
	json_object_object_add(o, "id", json_object_new_int64(t->id));
	json_object_object_add(o, "group", json_object_new_string(t->group));
	json_object_object_add(o, "uses", json_object_new_int64(t->uses_total));
	json_object_object_add(o, "uses_left", json_object_new_int64(t->uses_left));
	hostrec_format_time(t->created, ts);
	json_object_object_add(o, "created", json_object_new_string(ts));
	hostrec_format_time(t->expires, ts);
	json_object_object_add(o, "expires", json_object_new_string(ts));
	json_object_object_add(o, "revoked", json_object_new_boolean(t->revoked));
	if (t->note[0])
		json_object_object_add(o, "note", json_object_new_string(t->note));
	json_object_array_add(arr, o);
	return 0;
}

static void
do_tokens(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	char who[DB_WHO_MAX], err[BODY_ERR_MAX], target[64];
	struct json_object *o;
	int r;

	snprintf(who, sizeof(who), "admin@%s", req->remote);
	if (strcmp(req->path, "/api/v1/tokens") == 0) {
		if (strcmp(req->method, "GET") == 0) {
			struct json_object *arr;
			if (!require_admin(a, req, resp, "token list", now))
				return;
			arr = json_object_new_array();
			pthread_mutex_lock(&a->lock);
			r = db_token_list(a->db, token_json, arr);
			pthread_mutex_unlock(&a->lock);
			if (r != 0) {
				json_object_put(arr);
				return http_error(resp, 503, "cannot list tokens");
			}
			o = json_object_new_object();
			json_object_object_add(o, "tokens", arr);
			return http_json(resp, 200, o);
		}
		if (strcmp(req->method, "POST") == 0) {
			struct token_req t;
			char tok[TOKEN_STRLEN], hash[TOKEN_HASHLEN], ts[21];
			int64_t gid, id;

			if (!require_admin(a, req, resp, "token create", now) ||
			    !is_json(req, resp))
				return;
			if ((r = token_req_parse(req->body, req->body_len, &t, err, sizeof(err))) !=
			    0)
				return http_error(resp, 400, "%s", err);
			if (token_generate(TOKEN_ENROLL, tok) != 0)
				return http_error(resp, 503, "no random bytes");
			token_hash(tok, strlen(tok), hash);
			pthread_mutex_lock(&a->lock);
			r = db_group_find(a->db, t.group, &gid);
			if (r == 0)
				r = db_token_add(a->db, hash, gid, t.uses, now, now + t.expires_in,
				                 t.note, &id);
			if (r == 0) {
				snprintf(target, sizeof(target), "token %lld", (long long)id);
				char detail[GROUP_PATH_MAX + 64];
				snprintf(detail, sizeof(detail),
				         "group %s, %lld uses, expires in %llds", t.group,
				         (long long)t.uses, (long long)t.expires_in);
				db_audit(a->db, now, who, "token create", target, "ok", detail);
			}
			pthread_mutex_unlock(&a->lock);
			if (r == MUSTER_ENOENT) {
				OPENSSL_cleanse(tok, sizeof(tok));
				return http_error(resp, 404, "no group %s (create it first)",
				                  t.group);
			}
			if (r != 0) {
				OPENSSL_cleanse(tok, sizeof(tok));
				return http_error(resp, 503, "cannot create the token");
			}
			o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_int64(id));
			json_object_object_add(o, "token", json_object_new_string(tok));
			json_object_object_add(o, "group", json_object_new_string(t.group));
			json_object_object_add(o, "uses", json_object_new_int64(t.uses));
			hostrec_format_time(now + t.expires_in, ts);
			json_object_object_add(o, "expires", json_object_new_string(ts));
			OPENSSL_cleanse(tok, sizeof(tok));
			return http_json(resp, 201, o);
		}
		return method_not_allowed(resp, "GET, POST");
	}
	/* /api/v1/tokens/ID/revoke */
	{
		const char *p = req->path + 15;
		char *end;
		long long id = strtoll(p, &end, 10);

		if (end == p || id <= 0 || strcmp(end, "/revoke") != 0)
			return http_error(resp, 404, "no such call");
		if (strcmp(req->method, "POST") != 0)
			return method_not_allowed(resp, "POST");
		if (!require_admin(a, req, resp, "token revoke", now))
			return;
		snprintf(target, sizeof(target), "token %lld", id);
		pthread_mutex_lock(&a->lock);
		r = db_token_revoke(a->db, id, now);
		db_audit(a->db, now, who, "token revoke", target,
		         r == 0               ? "ok"
		         : r == MUSTER_ENOENT ? "refused: no such token"
		                              : "failed",
		         NULL);
		pthread_mutex_unlock(&a->lock);
		if (r == MUSTER_ENOENT)
			return http_error(resp, 404, "no token %lld", id);
		if (r != 0)
			return http_error(resp, 503, "cannot revoke the token");
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(id));
		json_object_object_add(o, "revoked", json_object_new_boolean(1));
		http_json(resp, 200, o);
	}
}

/* ---- deployments ---- */

#define DEPLOY_MAX_ATTEMPTS 1000
#define DEPLOY_REASON_CAP   512

static const char *const deploy_statuses[] = {"ok",
                                              "unreachable",
                                              "auth-failed",
                                              "host-key-mismatch",
                                              "precheck-failed",
                                              "install-failed",
                                              "timeout"};

/* A string member: required or not, 1..cap bytes of safe text. NULL when absent. */
static bool
dep_str(struct json_object *o, const char *key, bool required, size_t cap, const char **out,
        const char *where, char *err, size_t errlen)
{
	struct json_object *v;
	const char *sv;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			snprintf(err, errlen, "%s: missing \"%s\"", where, key);
		return !required;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: \"%s\" must be a string", where, key);
		return false;
	}
	sv = json_object_get_string(v);
	if (strlen(sv) > cap || (required && sv[0] == '\0') || !text_is_safe(sv)) {
		snprintf(err, errlen, "%s: \"%s\" must be 1..%zu bytes of printable text", where,
		         key, cap);
		return false;
	}
	*out = sv;
	return true;
}

static bool
dep_int(struct json_object *o, const char *key, bool required, int64_t min, int64_t max,
        int64_t *out, const char *where, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			snprintf(err, errlen, "%s: missing \"%s\"", where, key);
		return !required;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max) {
		snprintf(err, errlen, "%s: \"%s\" must be an integer %lld..%lld", where, key,
		         (long long)min, (long long)max);
		return false;
	}
	*out = json_object_get_int64(v);
	return true;
}

static bool
dep_keys(struct json_object *o, const char *const *known, const char *where, char *err,
         size_t errlen)
{
	json_object_object_foreach(o, k, v)
	{
		bool ok = false;
		(void)v;
		for (const char *const *p = known; *p && !ok; p++)
			ok = strcmp(*p, k) == 0;
		if (!ok) {
			char safe[64];
			text_sanitize(k, strlen(k), safe, sizeof(safe));
			snprintf(err, errlen, "%s: unknown field \"%s\"", where, safe);
			return false;
		}
	}
	return true;
}

/*
 * Parse a POST /api/v1/deployments body into v (which points into root:
 * valid while root lives). Returns the number of attempts, or -1 with err.
 */
static long
deployments_parse(struct json_object *root, struct db_deployment *v, char *err, size_t errlen)
{
	static const char *const top_keys[] = {"run", "method", "installer_sha256", "attempts",
	                                       NULL};
	static const char *const att_keys[] = {"host",   "port",        "user",     "status",
	                                       "reason", "duration_ms", "attempts", NULL};
	struct json_object *arr;
	const char *run, *method, *sha;
	size_t n;

	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return -1;
	}
	if (!dep_keys(root, top_keys, "body", err, errlen) ||
	    !dep_str(root, "run", true, 64, &run, "body", err, errlen) ||
	    !dep_str(root, "method", true, 16, &method, "body", err, errlen) ||
	    !dep_str(root, "installer_sha256", false, 64, &sha, "body", err, errlen))
		return -1;
	for (const char *c = run; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
			snprintf(err, errlen,
			         "body: \"run\" may hold letters, digits, '-' and '_'");
			return -1;
		}
	}
	if (strcmp(method, "ssh") != 0 && strcmp(method, "smb") != 0) {
		snprintf(err, errlen, "body: \"method\" must be ssh or smb");
		return -1;
	}
	if (sha != NULL) {
		bool hex = strlen(sha) == 64;
		for (const char *c = sha; *c && hex; c++)
			hex = isxdigit((unsigned char)*c) && !isupper((unsigned char)*c);
		if (!hex) {
			snprintf(err, errlen,
			         "body: \"installer_sha256\" must be 64 lowercase hex digits");
			return -1;
		}
	}
	if (!json_object_object_get_ex(root, "attempts", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "body: \"attempts\" must be an array");
		return -1;
	}
	n = json_object_array_length(arr);
	if (n == 0 || n > DEPLOY_MAX_ATTEMPTS) {
		snprintf(err, errlen, "body: \"attempts\" must hold 1..%d entries",
		         DEPLOY_MAX_ATTEMPTS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct db_deployment *d = &v[i];
		char where[32];
		int64_t port = 22, ms = 0, tries = 1;
		bool known = false;

		snprintf(where, sizeof(where), "attempts[%zu]", i);
		memset(d, 0, sizeof(*d));
		if (!json_object_is_type(o, json_type_object)) {
			snprintf(err, errlen, "%s: must be an object", where);
			return -1;
		}
		if (!dep_keys(o, att_keys, where, err, errlen) ||
		    !dep_str(o, "host", true, TEXT_NAME_MAX, &d->host, where, err, errlen) ||
		    !dep_str(o, "user", false, 64, &d->user, where, err, errlen) ||
		    !dep_str(o, "status", true, 32, &d->status, where, err, errlen) ||
		    !dep_str(o, "reason", false, DEPLOY_REASON_CAP, &d->reason, where, err,
		             errlen) ||
		    !dep_int(o, "port", false, 1, 65535, &port, where, err, errlen) ||
		    !dep_int(o, "duration_ms", true, 0, INT64_C(86400000) * 30, &ms, where, err,
		             errlen) ||
		    !dep_int(o, "attempts", false, 1, 100, &tries, where, err, errlen))
			return -1;
		for (size_t k = 0; k < MUSTER_NELEM(deploy_statuses) && !known; k++)
			known = strcmp(d->status, deploy_statuses[k]) == 0;
		if (!known) {
			snprintf(err, errlen,
			         "%s: unknown status (ok, unreachable, auth-failed, "
			         "host-key-mismatch, precheck-failed, install-failed, timeout)",
			         where);
			return -1;
		}
		d->run = run;
		d->method = method;
		d->installer_sha256 = sha;
		d->port = (int)port;
		d->duration_ms = ms;
		d->attempts = (int)tries;
	}
	return (long)n;
}

static int
deployment_json(void *arg, const struct db_deployment *d)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char ts[21];

	if (o == NULL)
		return MUSTER_ENOMEM;
	hostrec_format_time(d->at, ts);
	json_object_object_add(o, "id", json_object_new_int64(d->id));
	json_object_object_add(o, "at", json_object_new_string(ts));
	json_object_object_add(o, "who", json_object_new_string(d->who));
	json_object_object_add(o, "run", json_object_new_string(d->run));
	json_object_object_add(o, "method", json_object_new_string(d->method));
	json_object_object_add(o, "host", json_object_new_string(d->host));
	json_object_object_add(o, "port", json_object_new_int(d->port));
	if (d->user[0])
		json_object_object_add(o, "user", json_object_new_string(d->user));
	json_object_object_add(o, "status", json_object_new_string(d->status));
	json_object_object_add(o, "reason", json_object_new_string(d->reason));
	json_object_object_add(o, "duration_ms", json_object_new_int64(d->duration_ms));
	json_object_object_add(o, "attempts", json_object_new_int(d->attempts));
	if (d->installer_sha256[0])
		json_object_object_add(o, "installer_sha256",
		                       json_object_new_string(d->installer_sha256));
	json_object_array_add(arr, o);
	return 0;
}

static void
do_deployments(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	char who[DB_WHO_MAX], err[BODY_ERR_MAX];
	struct json_object *root = NULL, *o;
	struct json_tokener *tok;
	struct db_deployment *v;
	long n;
	int r;

	if (strcmp(req->method, "GET") == 0) {
		static const char *const args[] = {"host", "limit", NULL};
		const char *ls = http_req_arg(req, "limit");
		long long limit = 1000;
		char bad[48];
		struct json_object *arr;
		if (!require_admin(a, req, resp, "deploy list", now))
			return;
		if (!http_req_args_only(req, args, bad, sizeof(bad)))
			return http_error(resp, 400, "unknown query parameter \"%s\"", bad);
		if (ls != NULL) {
			char *end;
			limit = strtoll(ls, &end, 10);
			if (end == ls || *end != '\0' || limit <= 0 || limit > 100000)
				return http_error(resp, 400, "limit must be 1..100000");
		}
		arr = json_object_new_array();
		pthread_mutex_lock(&a->lock);
		r = db_deployment_list(a->db, http_req_arg(req, "host"), limit, deployment_json,
		                       arr);
		pthread_mutex_unlock(&a->lock);
		if (r != 0) {
			json_object_put(arr);
			return http_error(resp, 503, "cannot list deployments");
		}
		o = json_object_new_object();
		json_object_object_add(o, "deployments", arr);
		return http_json(resp, 200, o);
	}
	if (strcmp(req->method, "POST") != 0)
		return method_not_allowed(resp, "GET, POST");
	if (!require_admin_or_sensor(a, req, resp, "deploy", now, who) || !is_json(req, resp))
		return;
	if (req->body_len == 0 || req->body_len > INT32_MAX ||
	    memchr(req->body, '\0', req->body_len) != NULL)
		return http_error(resp, 400, "the body must be JSON text");
	if ((tok = json_tokener_new_ex(8)) == NULL)
		return http_error(resp, 503, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, (const char *)req->body, (int)req->body_len);
	if (root == NULL || json_tokener_get_parse_end(tok) != req->body_len) {
		json_tokener_free(tok);
		json_object_put(root);
		audit_refusal(a, now, who, "deploy", "deployments", "malformed JSON");
		return http_error(resp, 400, "malformed JSON");
	}
	json_tokener_free(tok);
	if ((v = calloc(DEPLOY_MAX_ATTEMPTS, sizeof(*v))) == NULL) {
		json_object_put(root);
		return http_error(resp, 503, "out of memory");
	}
	if ((n = deployments_parse(root, v, err, sizeof(err))) < 0) {
		audit_refusal(a, now, who, "deploy", "deployments", err);
		free(v);
		json_object_put(root);
		return http_error(resp, 400, "%s", err);
	}
	pthread_mutex_lock(&a->lock);
	r = db_deployments_add(a->db, v, (size_t)n, who, now);
	pthread_mutex_unlock(&a->lock);
	free(v);
	json_object_put(root);
	if (r != 0)
		return http_error(resp, 503, "deployments could not be stored; retry later");
	log_info("deployments", "remote=%s who=%s recorded=%ld", req->remote, who, n);
	o = json_object_new_object();
	json_object_object_add(o, "recorded", json_object_new_int64(n));
	http_json(resp, 200, o);
}

/* ---- audit, sensors ---- */

static int
audit_json(void *arg, const struct db_audit_entry *e)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char ts[21];

	if (o == NULL)
		return MUSTER_ENOMEM;
	hostrec_format_time(e->at, ts);
	json_object_object_add(o, "id", json_object_new_int64(e->id));
	json_object_object_add(o, "at", json_object_new_string(ts));
	json_object_object_add(o, "who", json_object_new_string(e->who));
	json_object_object_add(o, "action", json_object_new_string(e->action));
	json_object_object_add(o, "target", json_object_new_string(e->target));
	json_object_object_add(o, "result", json_object_new_string(e->result));
	if (e->detail[0])
		json_object_object_add(o, "detail", json_object_new_string(e->detail));
	json_object_array_add(arr, o);
	return 0;
}

static void
do_audit(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	static const char *const args[] = {"limit", NULL};
	const char *ls = http_req_arg(req, "limit");
	struct json_object *arr, *o;
	long long limit = 1000;
	char bad[48];
	int r;

	if (strcmp(req->method, "GET") != 0)
		return method_not_allowed(resp, "GET");
	if (!require_admin(a, req, resp, "audit list", now))
		return;
	if (!http_req_args_only(req, args, bad, sizeof(bad)))
		return http_error(resp, 400, "unknown query parameter \"%s\"", bad);
	if (ls != NULL) {
		char *end;
		limit = strtoll(ls, &end, 10);
		if (end == ls || *end != '\0' || limit <= 0 || limit > 100000)
			return http_error(resp, 400, "limit must be 1..100000");
	}
	arr = json_object_new_array();
	pthread_mutex_lock(&a->lock);
	r = db_audit_list(a->db, limit, audit_json, arr);
	pthread_mutex_unlock(&a->lock);
	if (r != 0) {
		json_object_put(arr);
		return http_error(resp, 503, "cannot read the audit log");
	}
	o = json_object_new_object();
	json_object_object_add(o, "audit", arr);
	http_json(resp, 200, o);
}

static int
sensor_json(void *arg, const struct db_sensor *s)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char ts[21];

	if (o == NULL)
		return MUSTER_ENOMEM;
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "revoked", json_object_new_boolean(s->revoked));
	json_object_object_add(o, "reports", json_object_new_int64(s->reports));
	if (s->last_report) {
		hostrec_format_time(s->last_report, ts);
		json_object_object_add(o, "last_report", json_object_new_string(ts));
	}
	if (s->reported_id[0])
		json_object_object_add(o, "id", json_object_new_string(s->reported_id));
	if (s->hostname[0])
		json_object_object_add(o, "hostname", json_object_new_string(s->hostname));
	if (s->version[0])
		json_object_object_add(o, "version", json_object_new_string(s->version));
	json_object_array_add(arr, o);
	return 0;
}

static void
do_sensors(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	struct json_object *arr, *o;
	int r;

	if (strcmp(req->method, "GET") != 0)
		return method_not_allowed(resp, "GET");
	if (!require_admin(a, req, resp, "sensor list", now))
		return;
	arr = json_object_new_array();
	pthread_mutex_lock(&a->lock);
	r = db_sensor_list(a->db, sensor_json, arr);
	pthread_mutex_unlock(&a->lock);
	if (r != 0) {
		json_object_put(arr);
		return http_error(resp, 503, "cannot list sensors");
	}
	o = json_object_new_object();
	json_object_object_add(o, "sensors", arr);
	http_json(resp, 200, o);
}

/* ---- /healthz, /metrics ---- */

static void
do_healthz(struct api *a, const struct http_req *req, struct http_resp *resp)
{
	struct json_object *o;

	(void)a;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return method_not_allowed(resp, "GET");
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	json_object_object_add(o, "version", json_object_new_string(MUSTER_VERSION));
	http_json(resp, 200, o);
}

static void
metric(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
do_metrics(struct api *a, const struct http_req *req, struct http_resp *resp, time_t now)
{
	struct db_stats st;
	struct buf *b = &resp->body;
	struct metrics *m = &a->m;
	int r;

	if (strcmp(req->method, "GET") != 0)
		return method_not_allowed(resp, "GET");
	pthread_mutex_lock(&a->lock);
	r = db_stats(a->db, now, &st);
	pthread_mutex_unlock(&a->lock);
	if (r != 0)
		return http_error(resp, 503, "cannot read the database");
	metric(b, "muster_http_requests_total", "counter",
	       "HTTP requests by route and status class.");
	for (int i = 0; i < R_N; i++)
		for (int c = 0; c < 5; c++)
			buf_printf(b,
			           "muster_http_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n",
			           route_names[i], c + 1,
			           (unsigned long long)atomic_load(&m->requests[i][c]));
	metric(b, "muster_reports_total", "counter", "Sensor reports by outcome.");
	buf_printf(b, "muster_reports_total{result=\"applied\"} %llu\n",
	           (unsigned long long)atomic_load(&m->reports_applied));
	buf_printf(b, "muster_reports_total{result=\"duplicate\"} %llu\n",
	           (unsigned long long)atomic_load(&m->reports_duplicate));
	buf_printf(b, "muster_reports_total{result=\"invalid\"} %llu\n",
	           (unsigned long long)atomic_load(&m->reports_invalid));
	buf_printf(b, "muster_reports_total{result=\"refused\"} %llu\n",
	           (unsigned long long)atomic_load(&m->reports_refused));
	metric(b, "muster_hosts_upserted_total", "counter", "Hosts written from reports.");
	buf_printf(b, "muster_hosts_upserted_total %llu\n",
	           (unsigned long long)atomic_load(&m->hosts_upserted));
	metric(b, "muster_hosts_created_total", "counter", "Computers first seen in a report.");
	buf_printf(b, "muster_hosts_created_total %llu\n",
	           (unsigned long long)atomic_load(&m->hosts_created));
	metric(b, "muster_report_apply_seconds_total", "counter",
	       "Time spent writing reports to the database.");
	buf_printf(b, "muster_report_apply_seconds_total %.6f\n",
	           (double)atomic_load(&m->report_usec) / 1e6);
	metric(b, "muster_enrollments_total", "counter", "Enrollments by outcome.");
	buf_printf(b, "muster_enrollments_total{result=\"ok\"} %llu\n",
	           (unsigned long long)atomic_load(&m->enroll_ok));
	buf_printf(b, "muster_enrollments_total{result=\"refused\"} %llu\n",
	           (unsigned long long)atomic_load(&m->enroll_refused));
	buf_printf(b, "muster_enrollments_total{result=\"invalid\"} %llu\n",
	           (unsigned long long)atomic_load(&m->enroll_invalid));
	metric(b, "muster_auth_failures_total", "counter", "Refused credentials by kind.");
	buf_printf(b, "muster_auth_failures_total{kind=\"sensor\"} %llu\n",
	           (unsigned long long)atomic_load(&m->auth_fail_sensor));
	buf_printf(b, "muster_auth_failures_total{kind=\"admin\"} %llu\n",
	           (unsigned long long)atomic_load(&m->auth_fail_admin));
	metric(b, "muster_request_body_bytes_total", "counter", "Request body bytes (inflated).");
	buf_printf(b, "muster_request_body_bytes_total %llu\n",
	           (unsigned long long)atomic_load(&m->body_bytes));
	metric(b, "muster_gzip_bodies_total", "counter", "Request bodies sent gzip-encoded.");
	buf_printf(b, "muster_gzip_bodies_total %llu\n",
	           (unsigned long long)atomic_load(&m->gzip_bodies));
	metric(b, "muster_audit_suppressed_total", "counter",
	       "Refusals not written to the audit log because they came too fast.");
	buf_printf(b, "muster_audit_suppressed_total %llu\n",
	           (unsigned long long)atomic_load(&m->audit_suppressed));
	metric(b, "muster_computers", "gauge", "Computers by status.");
	buf_printf(b, "muster_computers{status=\"managed\"} %lld\n", (long long)st.managed);
	buf_printf(b, "muster_computers{status=\"unmanaged\"} %lld\n", (long long)st.unmanaged);
	metric(b, "muster_managed_identities", "gauge", "Enrolled or imported computers.");
	buf_printf(b, "muster_managed_identities %lld\n", (long long)st.identities);
	metric(b, "muster_groups", "gauge", "Static groups.");
	buf_printf(b, "muster_groups %lld\n", (long long)st.groups);
	metric(b, "muster_sensors", "gauge", "Registered sensors not revoked.");
	buf_printf(b, "muster_sensors %lld\n", (long long)st.sensors);
	metric(b, "muster_enroll_tokens_active", "gauge",
	       "Enrollment tokens neither revoked, expired nor exhausted.");
	buf_printf(b, "muster_enroll_tokens_active %lld\n", (long long)st.tokens_active);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void
api_handle(void *arg, const struct http_req *req, struct http_resp *resp)
{
	struct api *a = arg;
	enum route rt = route_of(req->path);
	time_t now = time(NULL);
	int cls;

	atomic_fetch_add(&a->m.body_bytes, req->body_len);
	if (req->gzip)
		atomic_fetch_add(&a->m.gzip_bodies, 1);
	switch (rt) {
	case R_HEALTHZ:
		do_healthz(a, req, resp);
		break;
	case R_METRICS:
		do_metrics(a, req, resp, now);
		break;
	case R_REPORTS:
		do_report(a, req, resp, now);
		break;
	case R_COMPUTERS:
		do_computers(a, req, resp, now);
		break;
	case R_ENROLL:
		do_enroll(a, req, resp, now);
		break;
	case R_GROUPS:
		do_groups(a, req, resp, now);
		break;
	case R_IMPORT:
		do_import(a, req, resp, now);
		break;
	case R_TOKENS:
		do_tokens(a, req, resp, now);
		break;
	case R_AUDIT:
		do_audit(a, req, resp, now);
		break;
	case R_SENSORS:
		do_sensors(a, req, resp, now);
		break;
	case R_DEPLOYMENTS:
		do_deployments(a, req, resp, now);
		break;
	default:
		http_error(resp, 404, "no such call");
		break;
	}
	cls = resp->status / 100 - 1;
	if (cls >= 0 && cls < 5)
		atomic_fetch_add(&a->m.requests[rt][cls], 1);
}

/* ---- computer list formats ---- */

/* CSV cell (RFC 4180), with a leading quote against spreadsheet formulas (=, +, -, @). */
static int
csv_cell(struct buf *b, const char *s, bool last)
{
	bool quote = false;
	int r = 0;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ')
		quote = true;
	if (quote)
		r |= buf_putc(b, '"');
	if (strchr("=+-@\t", s[0]) != NULL && s[0] != '\0')
		r |= buf_putc(b, '\'');
	for (const char *p = s; *p && r == 0; p++) {
		if (*p == '"')
			r |= buf_putc(b, '"');
		r |= buf_putc(b, *p);
	}
	if (quote)
		r |= buf_putc(b, '"');
	r |= buf_putc(b, last ? '\n' : ',');
	return r ? MUSTER_ETOOBIG : 0;
}

static const char *
first_name(const struct hostrec *h)
{
	if (h->smb.netbios_name)
		return h->smb.netbios_name;
	if (h->smb.dns_name)
		return h->smb.dns_name;
	if (h->dhcp.hostname)
		return h->dhcp.hostname;
	return h->n_names ? h->names[0].name : "";
}

int
api_format_header(enum api_format f, struct buf *out)
{
	switch (f) {
	case API_FMT_CSV:
		return buf_puts(out, "mac,ipv4,hostname,domain,vendor,os_family,os_name,status,"
		                     "status_reason,group,first_seen,last_seen\n");
	case API_FMT_TABLE:
		return buf_printf(out, "%-17s  %-15s  %-24s  %-9s  %-20s  %s\n", "MAC", "IPV4",
		                  "HOSTNAME", "STATUS", "GROUP", "REASON");
	default:
		return 0;
	}
}

int
api_format_computer(enum api_format f, const struct hostrec *h, struct buf *out)
{
	char first[21], last[21], ips[160] = "";
	size_t o = 0;
	int r = 0;

	for (size_t i = 0; i < h->n_ipv4; i++) {
		int n = snprintf(ips + o, sizeof(ips) - o, "%s%s", i ? ";" : "", h->ipv4[i]);
		if (n < 0 || (size_t)n >= sizeof(ips) - o) {
			ips[o] = '\0';
			break;
		}
		o += (size_t)n;
	}
	switch (f) {
	case API_FMT_JSONL: {
		char *line = hostrec_to_json_string(h);
		if (line == NULL)
			return MUSTER_ENOMEM;
		r = buf_puts(out, line);
		if (r == 0)
			r = buf_putc(out, '\n');
		free(line);
		return r;
	}
	case API_FMT_CSV:
		hostrec_format_time(h->first_seen, first);
		hostrec_format_time(h->last_seen, last);
		r |= csv_cell(out, h->mac, false);
		r |= csv_cell(out, ips, false);
		r |= csv_cell(out, first_name(h), false);
		r |= csv_cell(out, h->smb.dns_domain ? h->smb.dns_domain : h->smb.netbios_domain,
		              false);
		r |= csv_cell(out, h->vendor, false);
		r |= csv_cell(out, h->os.family, false);
		r |= csv_cell(out, h->os.name, false);
		r |= csv_cell(out, h->status, false);
		r |= csv_cell(out, h->status_reason, false);
		r |= csv_cell(out, h->group, false);
		r |= csv_cell(out, first, false);
		r |= csv_cell(out, last, true);
		return r ? MUSTER_ETOOBIG : 0;
	case API_FMT_TABLE:
		return buf_printf(out, "%-17s  %-15s  %-24s  %-9s  %-20s  %s\n",
		                  h->mac[0] ? h->mac : "-", h->n_ipv4 ? h->ipv4[0] : "-",
		                  first_name(h)[0] ? first_name(h) : "-",
		                  h->status ? h->status : "-", h->group ? h->group : "-",
		                  h->status_reason ? h->status_reason : "");
	}
	return MUSTER_EINVAL;
}
