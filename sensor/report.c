/*
 * report.c - POST /api/v1/reports and GET /api/v1/computers (docs/protocol.md)
 * through the libcurl multi interface, driven from the daemon's poll loop:
 * gzip bodies, TLS verified against the configured CA, bearer token from a
 * file, retries with jittered exponential backoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/net.h"
#include "common/store.h"
#include "common/text.h"
#include "sensor/curlfn.h"
#include "sensor/outbox.h"
#include "sensor/report.h"

#define DEF_BATCH         1000
#define DEF_REANNOUNCE_MS (24LL * 3600 * 1000)
#define DEF_STATUS_MS     (5LL * 60 * 1000)
#define DEF_CONNECT_MS    (10LL * 1000)
#define DEF_TIMEOUT_MS    (60LL * 1000)
#define DEF_RETRY_MIN_MS  1000LL
#define DEF_RETRY_MAX_MS  (5LL * 60 * 1000)
#define COLLECT_EVERY_MS  500
#define COLLECT_MAX       2000
#define TOKEN_MAX         512
#define RESP_MAX          (64 * 1024)  /* answer to a POST, error bodies */
#define STATUS_LINE_MAX   (256 * 1024) /* one host record of the status list */
#define STATUS_ROWS_MAX   (4u << 20)
#define MAX_SOCKS         16
#define URL_MAX           2048

const struct config_key report_config_keys[] = {
        {"report", "server", CONFIG_STRING, 0, 1024, 0, NULL,
         "muster-server base URL, https://HOST:PORT (http:// only to loopback); unset: no "
         "reporting"},
        {"report", "ca_file", CONFIG_PATH, 0, 4096, CONFIG_F_EXISTS, NULL,
         "PEM CA certificates that verify the server (default: the system's)"},
        {"report", "client_cert", CONFIG_PATH, 0, 4096, CONFIG_F_EXISTS, NULL,
         "PEM client certificate (CN = the sensor's name on the server)"},
        {"report", "client_key", CONFIG_PATH, 0, 4096, CONFIG_F_EXISTS, NULL,
         "PEM key of client_cert (default: in client_cert)"},
        {"report", "token_file", CONFIG_PATH, 0, 4096, CONFIG_F_EXISTS, NULL,
         "file whose first line is the sensor token (mss_...)"},
        {"report", "batch_size", CONFIG_INT, 1, 20000, 0, "1000", "hosts per report"},
        {"report", "reannounce_interval", CONFIG_DURATION, 0, 0, 0, "24h",
         "resend a host that did not change after this long (0: never)"},
        {"report", "status_interval", CONFIG_DURATION, 0, 0, 0, "5m",
         "fetch the managed status from the server this often (0: never)"},
        {"report", "connect_timeout", CONFIG_DURATION, 100, 600000, 0, "10s",
         "TCP and TLS connection set-up"},
        {"report", "timeout", CONFIG_DURATION, 100, 3600000, 0, "60s",
         "whole request, including the answer"},
        {"report", "retry_min", CONFIG_DURATION, 10, 3600000, 0, "1s", "first retry delay"},
        {"report", "retry_max", CONFIG_DURATION, 10, 86400000, 0, "5m", "retry delay cap"},
        {"report", "networks", CONFIG_CIDRS, 0, 256, 0, NULL,
         "segments reported as sensor.networks (default: the interfaces' networks)"},
};
const size_t report_config_nkeys = MUSTER_NELEM(report_config_keys);

enum xfer_kind { XF_POST, XF_STATUS };

struct xfer {
	CURL *e;
	bool active;
	struct buf resp;              /* POST answer or error body, capped */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's words for a failure */
	struct reporter *r;
	enum xfer_kind kind;
};

struct status_row {
	char mac[NET_MAC_STRLEN];
	char *status, *reason, *group;
};

struct reporter {
	struct store *st;
	struct outbox *ob;
	CURLM *multi;
	char base[URL_MAX];
	char *ca_file, *client_cert, *client_key;
	char token[TOKEN_MAX + 1];
	struct curl_slist *hdr_post, *hdr_get;
	int64_t reannounce_ms, status_ms, connect_ms, timeout_ms, retry_min, retry_max;

	struct pollfd socks[MAX_SOCKS];
	size_t n_socks;
	int64_t curl_at; /* monotonic ms of libcurl's timer; -1: none */

	struct xfer post, get;
	struct outbox_batch batch; /* the batch being posted */
	unsigned post_attempts;
	int64_t post_at; /* next POST attempt not before (monotonic ms) */
	int64_t collect_at;
	unsigned get_attempts;
	int64_t status_at;
	time_t now; /* wall clock of the current tick */

	/* status list being received */
	struct buf line;
	struct status_row *rows;
	size_t n_rows, cap_rows;
	bool status_bad;
	sqlite3_stmt *has_host;

	struct report_counters c;
};

static struct log_ratelimit rl_retry = LOG_RATELIMIT(60, 10);

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- configuration ---- */

static int64_t
dur_or_never(uint64_t ms)
{
	return ms == 0 ? -1 : (int64_t)ms;
}

int
report_config_from(struct config *c, struct report_config *out)
{
	static char *nets_text[256];
	static char nets_buf[256][64];
	struct config_cidr cidrs[256];
	const char *s;
	long long n;
	uint64_t ms;
	size_t nn = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (config_get_string(c, "report", "server", &s) != 0)
		return MUSTER_ENOENT;
	out->server = s;
	if ((r = config_get_path(c, "report", "ca_file", &s)) == 0)
		out->ca_file = s;
	else if (r != MUSTER_ENOENT)
		return MUSTER_EINVAL;
	if ((r = config_get_path(c, "report", "client_cert", &s)) == 0)
		out->client_cert = s;
	else if (r != MUSTER_ENOENT)
		return MUSTER_EINVAL;
	if ((r = config_get_path(c, "report", "client_key", &s)) == 0)
		out->client_key = s;
	else if (r != MUSTER_ENOENT)
		return MUSTER_EINVAL;
	if ((r = config_get_path(c, "report", "token_file", &s)) == 0)
		out->token_file = s;
	else if (r != MUSTER_ENOENT)
		return MUSTER_EINVAL;
	if (config_get_int(c, "report", "batch_size", &n) != 0)
		return MUSTER_EINVAL;
	out->batch_size = (unsigned)n;
	if (config_get_duration_ms(c, "report", "reannounce_interval", &ms) != 0)
		return MUSTER_EINVAL;
	out->reannounce_ms = dur_or_never(ms);
	if (config_get_duration_ms(c, "report", "status_interval", &ms) != 0)
		return MUSTER_EINVAL;
	out->status_ms = dur_or_never(ms);
	if (config_get_duration_ms(c, "report", "connect_timeout", &ms) != 0)
		return MUSTER_EINVAL;
	out->connect_timeout_ms = (int64_t)ms;
	if (config_get_duration_ms(c, "report", "timeout", &ms) != 0)
		return MUSTER_EINVAL;
	out->timeout_ms = (int64_t)ms;
	if (config_get_duration_ms(c, "report", "retry_min", &ms) != 0)
		return MUSTER_EINVAL;
	out->retry_min_ms = (int64_t)ms;
	if (config_get_duration_ms(c, "report", "retry_max", &ms) != 0)
		return MUSTER_EINVAL;
	out->retry_max_ms = (int64_t)ms;
	r = config_get_cidrs(c, "report", "networks", cidrs, MUSTER_NELEM(cidrs), &nn);
	if (r == 0) {
		/* Formatted once per load; the daemon loads configs on one thread. */
		for (size_t i = 0; i < nn; i++) {
			struct cidr k = {0};
			char txt[NET_CIDR_STRLEN];
			k.addr.family = cidrs[i].family;
			memcpy(k.addr.a, cidrs[i].addr, sizeof(k.addr.a));
			k.prefix = cidrs[i].prefix;
			net_cidr_format(&k, txt);
			snprintf(nets_buf[i], sizeof(nets_buf[i]), "%s", txt);
			nets_text[i] = nets_buf[i];
		}
		out->networks = (const char *const *)nets_text;
		out->n_networks = nn;
	} else if (r != MUSTER_ENOENT) {
		return MUSTER_EINVAL;
	}
	return 0;
}

/* ---- set-up ---- */

/* https://..., or http://... to a loopback address only (the token would travel in clear). */
static int
check_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	int r = MUSTER_EINVAL;

	if (u == NULL)
		return MUSTER_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "report server: not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		/* Credentials in the URL would end up in logs: use token_file. */
		snprintf(err, errlen,
		         "report server: no user or password in the URL; use token_file");
		goto out;
	}
	r = net_url_secret_ok(scheme, host, "report server", err, errlen);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return r;
}

/* First line of the token file: printable ASCII without blanks. Never logged. */
static int
read_token(const char *path, char *out, size_t outsz, char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 64];
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd, r = MUSTER_EINVAL;

	out[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
		return MUSTER_EIO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "token file %s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & S_IROTH)
		log_warn("report-token-mode", "file=%s problem=\"readable by every user\"", path);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
		r = MUSTER_EIO;
		goto out;
	}
	buf[len] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0 || len > TOKEN_MAX || len >= outsz) {
		snprintf(err, errlen, "token file %s: first line empty or longer than %d", path,
		         TOKEN_MAX);
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] <= ' ' || buf[i] > '~') {
			snprintf(err, errlen,
			         "token file %s: the token has a blank or control byte", path);
			goto out;
		}
	}
	memcpy(out, buf, len + 1);
	r = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return r;
}

static int
check_readable(const char *what, const char *path, char *err, size_t errlen)
{
	if (path != NULL && access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return MUSTER_EIO;
	}
	return 0;
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct reporter *r = userp;
	size_t i;

	(void)e;
	(void)socketp;
	for (i = 0; i < r->n_socks; i++)
		if (r->socks[i].fd == s)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < r->n_socks)
			r->socks[i] = r->socks[--r->n_socks];
		return 0;
	}
	if (i == r->n_socks) {
		if (r->n_socks == MAX_SOCKS)
			return -1;
		r->n_socks++;
	}
	r->socks[i].fd = s;
	r->socks[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
	                             ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	r->socks[i].revents = 0;
	return 0;
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct reporter *r = userp;

	(void)m;
	r->curl_at = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
report_new(struct store *st, const struct report_config *cfg, struct reporter **out, char *err,
           size_t errlen)
{
	static bool curl_ready;
	struct outbox_config oc = {0};
	struct reporter *r;
	size_t len;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (st == NULL || cfg == NULL || cfg->server == NULL) {
		snprintf(err, errlen, "report: no server configured");
		return MUSTER_EINVAL;
	}
	if (!curl_ready) {
		if (!curlfn_load(err, errlen))
			return MUSTER_EINVAL;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "report: libcurl initialisation failed");
			return MUSTER_ENOMEM;
		}
		curl_ready = true;
	}
	if ((rc = check_url(cfg->server, err, errlen)) != 0)
		return rc;
	if (cfg->token_file == NULL && cfg->client_cert == NULL) {
		snprintf(err, errlen, "report: needs token_file or client_cert (or both)");
		return MUSTER_EINVAL;
	}
	if ((rc = check_readable("ca_file", cfg->ca_file, err, errlen)) != 0 ||
	    (rc = check_readable("client_cert", cfg->client_cert, err, errlen)) != 0 ||
	    (rc = check_readable("client_key", cfg->client_key, err, errlen)) != 0)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MUSTER_ENOMEM;
	r->st = st;
	r->curl_at = -1;
	r->post.r = r->get.r = r;
	r->post.kind = XF_POST;
	r->get.kind = XF_STATUS;
	buf_init(&r->post.resp, RESP_MAX);
	buf_init(&r->get.resp, RESP_MAX);
	buf_init(&r->line, STATUS_LINE_MAX);
	snprintf(r->base, sizeof(r->base), "%s", cfg->server);
	len = strlen(r->base);
	while (len > 0 && r->base[len - 1] == '/')
		r->base[--len] = '\0';
	r->reannounce_ms = cfg->reannounce_ms ? cfg->reannounce_ms : DEF_REANNOUNCE_MS;
	r->status_ms = cfg->status_ms ? cfg->status_ms : DEF_STATUS_MS;
	r->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEF_CONNECT_MS;
	r->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEF_TIMEOUT_MS;
	r->retry_min = cfg->retry_min_ms > 0 ? cfg->retry_min_ms : DEF_RETRY_MIN_MS;
	r->retry_max = cfg->retry_max_ms > 0 ? cfg->retry_max_ms : DEF_RETRY_MAX_MS;
	if (r->retry_max < r->retry_min)
		r->retry_max = r->retry_min;
	if ((cfg->ca_file && (r->ca_file = strdup(cfg->ca_file)) == NULL) ||
	    (cfg->client_cert && (r->client_cert = strdup(cfg->client_cert)) == NULL) ||
	    (cfg->client_key && (r->client_key = dup_or_null(cfg->client_key)) == NULL)) {
		rc = MUSTER_ENOMEM;
		goto fail;
	}
	if (cfg->token_file != NULL &&
	    (rc = read_token(cfg->token_file, r->token, sizeof(r->token), err, errlen)) != 0)
		goto fail;
	oc.batch_size = cfg->batch_size ? cfg->batch_size : DEF_BATCH;
	oc.reannounce_s = r->reannounce_ms < 0 ? 0 : (r->reannounce_ms + 999) / 1000;
	oc.hostname = cfg->hostname;
	oc.networks = cfg->networks;
	oc.n_networks = cfg->n_networks;
	if ((rc = outbox_open(st, &oc, &r->ob, err, errlen)) != 0)
		goto fail;
	if ((rc = store_prepare(st, "SELECT 1 FROM hosts WHERE mac = ?1", &r->has_host)) != 0) {
		snprintf(err, errlen, "report: %s", store_errmsg(st));
		goto fail;
	}
	r->hdr_post = curl_slist_append(NULL, "Content-Type: application/json");
	r->hdr_post = curl_slist_append(r->hdr_post, "Content-Encoding: gzip");
	r->hdr_post = curl_slist_append(r->hdr_post, "Expect:"); /* no 100-continue round trip */
	r->hdr_get = curl_slist_append(NULL, "Accept: application/x-ndjson");
	if (r->hdr_post == NULL || r->hdr_get == NULL || (r->multi = curl_multi_init()) == NULL) {
		rc = MUSTER_ENOMEM;
		goto fail;
	}
	curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
	curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
	r->post_at = r->collect_at = r->status_at = mono_ms();
	log_info("report-start", "server=%s sensor_id=%s batch=%u token=%s client_cert=%s", r->base,
	         outbox_sensor_id(r->ob), oc.batch_size, r->token[0] ? "yes" : "no",
	         r->client_cert ? "yes" : "no");
	*out = r;
	return 0;
fail:
	report_free(r);
	return rc;
}

static void
status_rows_clear(struct reporter *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		free(r->rows[i].status);
		free(r->rows[i].reason);
		free(r->rows[i].group);
	}
	r->n_rows = 0;
}

static void
xfer_stop(struct reporter *r, struct xfer *x)
{
	if (x->e != NULL) {
		curl_multi_remove_handle(r->multi, x->e);
		curl_easy_cleanup(x->e);
		x->e = NULL;
	}
	x->active = false;
	buf_reset(&x->resp);
}

void
report_free(struct reporter *r)
{
	if (r == NULL)
		return;
	xfer_stop(r, &r->post);
	xfer_stop(r, &r->get);
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	curl_slist_free_all(r->hdr_post);
	curl_slist_free_all(r->hdr_get);
	outbox_batch_clear(&r->batch);
	outbox_free(r->ob);
	sqlite3_finalize(r->has_host);
	status_rows_clear(r);
	free(r->rows);
	buf_free(&r->post.resp);
	buf_free(&r->get.resp);
	buf_free(&r->line);
	free(r->ca_file);
	free(r->client_cert);
	free(r->client_key);
	OPENSSL_cleanse(r->token, sizeof(r->token));
	free(r);
}

/* ---- transfers ---- */

static size_t
write_capped(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	/* Past the cap the answer is cut, not refused: only its start is logged. */
	if (x->resp.len < RESP_MAX)
		buf_append(&x->resp, p,
		           len < RESP_MAX - x->resp.len ? len : RESP_MAX - x->resp.len);
	return len;
}

static CURL *
easy_new(struct reporter *r, struct xfer *x, const char *url)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* the token goes nowhere else */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (r->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
	if (r->client_cert != NULL) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, r->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLKEY, r->client_key ? r->client_key : r->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (r->token[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, r->token);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)r->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "muster-sensor/" MUSTER_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_capped);
	x->errbuf[0] = '\0';
	buf_reset(&x->resp);
	return e;
}

static int64_t
backoff_ms(struct reporter *r, unsigned attempt, long retry_after_s)
{
	int64_t d = r->retry_min;
	int64_t half;

	for (unsigned i = 1; i < attempt && d < r->retry_max; i++)
		d *= 2;
	if (d > r->retry_max)
		d = r->retry_max;
	/* "Equal jitter": between half and all of the exponential delay. */
	half = d / 2;
	d = half + (half > 0 ? (int64_t)arc4random_uniform((uint32_t)(half + 1)) : 0);
	if (retry_after_s > 0 && retry_after_s * 1000 > d)
		d = retry_after_s * 1000 < r->retry_max ? retry_after_s * 1000 : r->retry_max;
	return d;
}

static void
start_post(struct reporter *r)
{
	char url[URL_MAX + 32];
	int rc;

	if (r->batch.body == NULL) {
		rc = outbox_next_batch(r->ob, r->now, &r->batch);
		if (rc == MUSTER_ENOENT) {
			r->post_at = mono_ms() + COLLECT_EVERY_MS;
			return;
		}
		if (rc != 0) {
			log_error("report-outbox", "error=\"%s\"", store_errmsg(r->st));
			r->post_at = mono_ms() + r->retry_min;
			return;
		}
	}
	snprintf(url, sizeof(url), "%s/api/v1/reports", r->base);
	if ((r->post.e = easy_new(r, &r->post, url)) == NULL)
		goto fail;
	curl_easy_setopt(r->post.e, CURLOPT_POST, 1L);
	curl_easy_setopt(r->post.e, CURLOPT_POSTFIELDS, (const char *)r->batch.body);
	curl_easy_setopt(r->post.e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->batch.len);
	curl_easy_setopt(r->post.e, CURLOPT_HTTPHEADER, r->hdr_post);
	if (curl_multi_add_handle(r->multi, r->post.e) != CURLM_OK)
		goto fail;
	r->post.active = true;
	r->c.posts++;
	log_debug("report-post", "seq=%lld hosts=%u bytes=%zu attempt=%u", (long long)r->batch.seq,
	          r->batch.hosts, r->batch.len, r->post_attempts + 1);
	return;
fail:
	xfer_stop(r, &r->post);
	r->post_at = mono_ms() + r->retry_min;
}

/* The "error" of a JSON error body, made safe for the log. */
static void
error_text(const struct buf *b, char *out, size_t outsz)
{
	struct json_object *o = NULL, *e;
	struct json_tokener *tok = json_tokener_new();

	out[0] = '\0';
	if (tok != NULL && b->len > 0 && b->len < INT32_MAX)
		o = json_tokener_parse_ex(tok, (const char *)b->data, (int)b->len);
	if (o != NULL && json_object_object_get_ex(o, "error", &e) &&
	    json_object_is_type(e, json_type_string))
		text_sanitize(json_object_get_string(e), (size_t)json_object_get_string_len(e), out,
		              outsz);
	else
		text_sanitize(b->data, b->len < 200 ? b->len : 200, out, outsz);
	json_object_put(o);
	json_tokener_free(tok);
}

static void
post_done(struct reporter *r, CURLcode res)
{
	long code = 0, retry_after = 0;
	char why[300];
	int64_t seq = r->batch.seq;
	unsigned hosts = r->batch.hosts;
	int rc;

	curl_easy_getinfo(r->post.e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(r->post.e, CURLINFO_RETRY_AFTER, &retry_after);
	if (res == CURLE_OK && code >= 200 && code < 300) {
		if ((rc = outbox_ack(r->ob, seq, r->now)) != 0 && rc != MUSTER_ENOENT) {
			/* Not recorded: the same seq goes again and the server answers "duplicate". */
			log_error("report-ack", "seq=%lld error=\"%s\"", (long long)seq,
			          store_errmsg(r->st));
			r->post_at = mono_ms() + r->retry_min;
		} else {
			log_info("report-acked", "seq=%lld hosts=%u attempts=%u", (long long)seq,
			         hosts, r->post_attempts + 1);
			r->c.acked++;
			r->c.hosts_acked += hosts;
			r->post_attempts = 0;
			outbox_set_batch_size(r->ob, 0);
			r->post_at = mono_ms();
			outbox_batch_clear(&r->batch);
		}
		xfer_stop(r, &r->post);
		return;
	}
	if (res == CURLE_OK && code == 413 && hosts > 1) {
		/* Too big for this server: nothing was applied; send the hosts in halves. */
		error_text(&r->post.resp, why, sizeof(why));
		log_warn("report-too-big", "seq=%lld hosts=%u error=\"%s\"", (long long)seq, hosts,
		         why);
		if (outbox_release(r->ob, seq) == 0) {
			outbox_set_batch_size(r->ob, hosts / 2);
			outbox_batch_clear(&r->batch);
			r->post_attempts = 0;
		}
		r->post_at = mono_ms();
		xfer_stop(r, &r->post);
		return;
	}
	if (res == CURLE_OK && code >= 400 && code < 500 && code != 408 && code != 429 &&
	    code != 401 && code != 403 && code != 404 && code != 405 && code != 415) {
		/* The server refuses this batch for good: its hosts wait for a change. */
		error_text(&r->post.resp, why, sizeof(why));
		log_error("report-refused", "seq=%lld hosts=%u status=%ld error=\"%s\"",
		          (long long)seq, hosts, code, why);
		if (outbox_reject(r->ob, seq) != 0)
			log_error("report-outbox", "error=\"%s\"", store_errmsg(r->st));
		r->c.rejected++;
		r->post_attempts = 0;
		outbox_batch_clear(&r->batch);
		r->post_at = mono_ms();
		xfer_stop(r, &r->post);
		return;
	}
	/*
	 * Try again later with the same seq and body: connection errors, timeouts,
	 * 408, 429, 5xx — and 401/403/404/405/415, which are about the sensor's
	 * credentials or the URL, not the batch (fix the configuration; nothing is lost).
	 */
	r->post_attempts++;
	r->c.retries++;
	{
		int64_t d = backoff_ms(r, r->post_attempts, retry_after);
		enum log_level lvl =
		        (res == CURLE_OK && code >= 400 && code < 500 && code != 408 && code != 429)
		                ? LOG_ERR_
		                : LOG_WARN_;
		if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s",
			         r->post.errbuf[0] ? r->post.errbuf : curl_easy_strerror(res));
		else
			error_text(&r->post.resp, why, sizeof(why));
		log_event_rl(&rl_retry, lvl, "report-retry",
		             "seq=%lld hosts=%u status=%ld attempt=%u delay_ms=%lld error=\"%s\"",
		             (long long)seq, hosts, code, r->post_attempts, (long long)d, why);
		r->post_at = mono_ms() + d;
	}
	xfer_stop(r, &r->post);
}

/* ---- status back ---- */

static char *
safe_dup(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return text_sanitize_dup(json_object_get_string(v), (size_t)json_object_get_string_len(v),
	                         512);
}

/* One line of the jsonl list: keep it when the host is one of ours. */
static void
status_line(struct reporter *r, const char *p, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *v;
	struct status_row *row;
	struct mac m;
	char mac[NET_MAC_STRLEN];
	const char *st;
	int rc;

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	if ((tok = json_tokener_new()) == NULL) {
		r->status_bad = true;
		return;
	}
	o = json_tokener_parse_ex(tok, p, (int)len);
	json_tokener_free(tok);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "mac", &v) || !json_object_is_type(v, json_type_string) ||
	    !net_mac_parse(json_object_get_string(v), &m))
		goto out; /* computers without a MAC are not the sensor's hosts */
	net_mac_format(&m, mac);
	if (!json_object_object_get_ex(o, "status", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto out;
	st = json_object_get_string(v);
	if (strcmp(st, "managed") != 0 && strcmp(st, "unmanaged") != 0)
		goto out;
	sqlite3_bind_text(r->has_host, 1, mac, -1, SQLITE_STATIC);
	rc = sqlite3_step(r->has_host);
	sqlite3_reset(r->has_host);
	if (rc != SQLITE_ROW)
		goto out;
	if (r->n_rows == r->cap_rows) {
		size_t nc = r->cap_rows ? r->cap_rows * 2 : 256;
		struct status_row *nr;
		if (nc > STATUS_ROWS_MAX || (nr = realloc(r->rows, nc * sizeof(*nr))) == NULL) {
			r->status_bad = true;
			goto out;
		}
		r->rows = nr;
		r->cap_rows = nc;
	}
	row = &r->rows[r->n_rows++];
	memcpy(row->mac, mac, sizeof(row->mac));
	row->status = strdup(st);
	row->reason = safe_dup(o, "status_reason");
	row->group = safe_dup(o, "group");
	if (row->status == NULL)
		r->status_bad = true;
out:
	json_object_put(o);
}

static size_t
write_status(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct reporter *r = x->r;
	size_t len = size * n, off = 0;
	long code = 0;

	curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return write_capped(p, size, n, arg);
	while (off < len) {
		const char *nl = memchr(p + off, '\n', len - off);
		size_t chunk = nl ? (size_t)(nl - (p + off)) : len - off;
		if (buf_append(&r->line, p + off, chunk) != 0) {
			r->status_bad = true;
			return 0; /* a line over STATUS_LINE_MAX: abort the transfer */
		}
		off += chunk;
		if (nl != NULL) {
			status_line(r, (const char *)r->line.data, r->line.len);
			buf_reset(&r->line);
			off++;
		}
	}
	return len;
}

static void
start_status(struct reporter *r)
{
	char url[URL_MAX + 64];

	snprintf(url, sizeof(url), "%s/api/v1/computers?status=all&format=jsonl", r->base);
	status_rows_clear(r);
	buf_reset(&r->line);
	r->status_bad = false;
	if ((r->get.e = easy_new(r, &r->get, url)) == NULL)
		goto fail;
	curl_easy_setopt(r->get.e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(r->get.e, CURLOPT_HTTPHEADER, r->hdr_get);
	curl_easy_setopt(r->get.e, CURLOPT_WRITEFUNCTION, write_status);
	curl_easy_setopt(r->get.e, CURLOPT_ACCEPT_ENCODING, ""); /* whatever curl can inflate */
	if (curl_multi_add_handle(r->multi, r->get.e) != CURLM_OK)
		goto fail;
	r->get.active = true;
	r->c.status_fetches++;
	return;
fail:
	xfer_stop(r, &r->get);
	r->status_at = mono_ms() + r->retry_min;
}

/* Replace the status table with what was received, in one transaction. */
static int
status_store(struct reporter *r)
{
	sqlite3_stmt *ins = NULL, *meta = NULL;
	int rc;

	if ((rc = store_begin(r->st)) != 0)
		return rc;
	if ((rc = store_exec(r->st, "DELETE FROM status")) != 0 ||
	    (rc = store_prepare(
	             r->st,
	             "INSERT OR REPLACE INTO status(mac, status, reason, grp, fetched_at)"
	             " VALUES (?1, ?2, ?3, ?4, ?5)",
	             &ins)) != 0 ||
	    (rc = store_prepare(r->st,
	                        "INSERT OR REPLACE INTO report_meta(key, value)"
	                        " VALUES ('status_fetched_at', ?1)",
	                        &meta)) != 0)
		goto rollback;
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct status_row *s = &r->rows[i];
		sqlite3_bind_text(ins, 1, s->mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, s->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, s->reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, s->group, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, (sqlite3_int64)r->now);
		rc = store_check(r->st, sqlite3_step(ins));
		sqlite3_reset(ins);
		if (rc != 0)
			goto rollback;
	}
	sqlite3_bind_int64(meta, 1, (sqlite3_int64)r->now);
	if ((rc = store_check(r->st, sqlite3_step(meta))) != 0)
		goto rollback;
	sqlite3_finalize(ins);
	sqlite3_finalize(meta);
	if ((rc = store_commit(r->st)) != 0)
		store_rollback(r->st);
	return rc;
rollback:
	sqlite3_finalize(ins);
	sqlite3_finalize(meta);
	store_rollback(r->st);
	return rc;
}

static void
status_done(struct reporter *r, CURLcode res)
{
	long code = 0;
	char why[300];

	curl_easy_getinfo(r->get.e, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK && code == 200 && r->line.len > 0) {
		status_line(r, (const char *)r->line.data, r->line.len);
		buf_reset(&r->line);
	}
	if (res == CURLE_OK && code == 200 && !r->status_bad) {
		if (status_store(r) == 0) {
			log_info("report-status", "hosts=%zu", r->n_rows);
			r->get_attempts = 0;
			r->status_at = mono_ms() + r->status_ms;
		} else {
			log_error("report-status-store", "error=\"%s\"", store_errmsg(r->st));
			r->status_at = mono_ms() + r->retry_min;
		}
	} else {
		int64_t d;
		r->get_attempts++;
		r->c.status_failures++;
		d = backoff_ms(r, r->get_attempts, 0);
		if (d > r->status_ms)
			d = r->status_ms;
		if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s",
			         r->get.errbuf[0] ? r->get.errbuf : curl_easy_strerror(res));
		else if (r->status_bad)
			snprintf(why, sizeof(why), "list too large or out of memory");
		else
			error_text(&r->get.resp, why, sizeof(why));
		log_event_rl(&rl_retry, LOG_WARN_, "report-status-failed",
		             "status=%ld attempt=%u delay_ms=%lld error=\"%s\"", code,
		             r->get_attempts, (long long)d, why);
		r->status_at = mono_ms() + d;
	}
	status_rows_clear(r);
	xfer_stop(r, &r->get);
}

/* ---- the loop ---- */

static void
drive(struct reporter *r)
{
	struct pollfd fds[MAX_SOCKS];
	size_t n = r->n_socks;
	int running;

	memcpy(fds, r->socks, n * sizeof(fds[0]));
	if (n > 0 && poll(fds, (nfds_t)n, 0) > 0) {
		for (size_t i = 0; i < n; i++) {
			int ev = 0;
			if (fds[i].revents == 0)
				continue;
			if (fds[i].revents & (POLLIN | POLLHUP))
				ev |= CURL_CSELECT_IN;
			if (fds[i].revents & POLLOUT)
				ev |= CURL_CSELECT_OUT;
			if (fds[i].revents & (POLLERR | POLLNVAL))
				ev |= CURL_CSELECT_ERR;
			curl_multi_socket_action(r->multi, fds[i].fd, ev, &running);
		}
	}
	if (r->curl_at >= 0 && mono_ms() >= r->curl_at) {
		r->curl_at = -1;
		curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

static void
reap(struct reporter *r)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x == &r->post)
			post_done(r, m->data.result);
		else if (x == &r->get)
			status_done(r, m->data.result);
	}
}

int
report_tick(struct reporter *r, time_t now)
{
	int64_t t;
	int n, rc = 0;

	r->now = now;
	drive(r);
	reap(r);
	t = mono_ms();
	if (t >= r->collect_at) {
		n = outbox_collect(r->ob, now, COLLECT_MAX);
		if (n < 0) {
			log_error("report-collect", "error=\"%s\"", store_errmsg(r->st));
			rc = MUSTER_EDB;
			r->collect_at = t + COLLECT_EVERY_MS;
		} else {
			r->collect_at = n >= COLLECT_MAX ? t : t + COLLECT_EVERY_MS;
		}
	}
	if (!r->post.active && t >= r->post_at)
		start_post(r);
	if (r->status_ms > 0 && !r->get.active && t >= r->status_at)
		start_status(r);
	drive(r);
	reap(r);
	return rc;
}

size_t
report_pollfds(struct reporter *r, struct pollfd *fds, size_t max)
{
	size_t n = r->n_socks < max ? r->n_socks : max;

	for (size_t i = 0; i < n; i++) {
		fds[i] = r->socks[i];
		fds[i].revents = 0;
	}
	return n;
}

int
report_timeout_ms(struct reporter *r)
{
	int64_t t = mono_ms(), best = t + 1000;

	if (r->curl_at >= 0 && r->curl_at < best)
		best = r->curl_at;
	if (r->collect_at < best)
		best = r->collect_at;
	if (!r->post.active && r->post_at < best)
		best = r->post_at;
	if (r->status_ms > 0 && !r->get.active && r->status_at < best)
		best = r->status_at;
	return best <= t ? 0 : (int)(best - t);
}

bool
report_idle(struct reporter *r)
{
	struct outbox_stats s;

	if (r->post.active || r->get.active || r->batch.body != NULL)
		return false;
	if (outbox_get_stats(r->ob, &s) != 0)
		return false;
	return s.dirty == 0 && s.pending == 0 && s.inflight == 0 && s.batches == 0;
}

void
report_get_counters(const struct reporter *r, struct report_counters *out)
{
	*out = r->c;
}

/* ---- status queries ---- */

int
report_status_foreach(struct store *st, unsigned which, int (*fn)(const struct hostrec *, void *),
                      void *arg, unsigned *bad)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;
	char err[128];

	if (bad)
		*bad = 0;
	if ((rc = store_prepare(st,
	                        "SELECT h.record, s.status, s.reason, s.grp FROM hosts h"
	                        " LEFT JOIN status s ON s.mac = h.mac"
	                        " WHERE (s.status = 'managed' AND (?1 & 1))"
	                        " OR (s.status = 'unmanaged' AND (?1 & 2))"
	                        " OR (s.status IS NULL AND (?1 & 4))"
	                        " ORDER BY h.last_seen DESC, h.mac",
	                        &q)) != 0)
		return rc;
	sqlite3_bind_int(q, 1, (int)which);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct hostrec h = {0};
		const char *json = (const char *)sqlite3_column_text(q, 0);
		size_t len = (size_t)sqlite3_column_bytes(q, 0);

		if (json == NULL ||
		    hostrec_from_json_string(&h, json, len, false, err, sizeof(err)) != 0 ||
		    hostrec_set_str(&h.status, (const char *)sqlite3_column_text(q, 1)) != 0 ||
		    hostrec_set_str(&h.status_reason, (const char *)sqlite3_column_text(q, 2)) !=
		            0 ||
		    hostrec_set_str(&h.group, (const char *)sqlite3_column_text(q, 3)) != 0) {
			if (bad)
				(*bad)++;
			hostrec_clear(&h);
			continue;
		}
		rc = fn(&h, arg);
		hostrec_clear(&h);
		if (rc != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_check(st, step);
	sqlite3_finalize(q);
	return rc;
}

int
report_status_fetched_at(struct store *st, time_t *out)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = 0;
	if ((rc = store_prepare(st, "SELECT value FROM report_meta WHERE key = 'status_fetched_at'",
	                        &q)) != 0)
		return rc;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = (time_t)sqlite3_column_int64(q, 0);
	else if (step != SQLITE_DONE)
		rc = store_check(st, step);
	sqlite3_finalize(q);
	return rc;
}
