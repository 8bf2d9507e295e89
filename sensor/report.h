/*
 * report.h - the sensor's reporter: sends the outbox (sensor/outbox.h) to
 * muster-server and fetches the managed status back, without ever blocking
 * the daemon's poll loop (libcurl multi interface). docs/protocol.md,
 * docs/config.md [report].
 */
#ifndef MUSTER_SENSOR_REPORT_H
#define MUSTER_SENSOR_REPORT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"

struct hostrec;
struct store;

/*
 * Settings, as in sensor.conf [report]. Strings are copied by report_new();
 * durations are milliseconds. Zero means the default for every number.
 */
struct report_config {
	const char *server;          /* base URL "https://host:port"; http:// only to loopback */
	const char *ca_file;         /* PEM CAs to verify the server; NULL: the system's */
	const char *client_cert;     /* PEM client certificate (optional) */
	const char *client_key;      /* its PEM key (optional; default: in client_cert) */
	const char *token_file;      /* first line: the sensor's bearer token mss_... */
	unsigned batch_size;         /* hosts per report (1000; 1..20000) */
	int64_t reannounce_ms;       /* resend unchanged hosts after (24h); <0: never */
	int64_t status_ms;           /* fetch the managed status every (5m); <0: never */
	int64_t connect_timeout_ms;  /* (10s) */
	int64_t timeout_ms;          /* whole request (60s) */
	int64_t retry_min_ms;        /* first retry delay (1s) */
	int64_t retry_max_ms;        /* retry delay cap (5m) */
	const char *hostname;        /* sensor.hostname; NULL: gethostname() */
	const char *const *networks; /* sensor.networks: the segments watched, CIDR text */
	size_t n_networks;
};

/* The [report] keys for a config schema (docs/config.md), and how many. */
extern const struct config_key report_config_keys[];
extern const size_t report_config_nkeys;

/*
 * Fill *out from the [report] section of a loaded config (strings stay owned
 * by c). Returns 0, MUSTER_ENOENT when there is no `server` (reporting off),
 * or MUSTER_EINVAL with the problem recorded in c.
 */
int report_config_from(struct config *c, struct report_config *out);

struct reporter;

/*
 * A reporter on the sensor's store (hoststore_store(); it must outlive the
 * reporter and be used by the same thread). Reads the token file now, so
 * call it before dropping privileges if only root can read it. Checks the
 * URL (https, or http to a loopback address) and that CA, certificate and key
 * files are readable. 0 and *out, or MUSTER_E* with err filled (no secret
 * in it). Nothing is sent until report_tick().
 */
int report_new(struct store *st, const struct report_config *cfg, struct reporter **out, char *err,
               size_t errlen);
/* Abort transfers and free; the outbox stays in the store. Accepts NULL. */
void report_free(struct reporter *r);

/*
 * Do whatever is due, without blocking: move written hosts into the outbox,
 * start or continue the report POST and the status GET, handle answers.
 * `now` is the wall clock (acknowledgement times, re-announce). Call it on
 * every turn of the poll loop, or at least when report_timeout_ms() expires
 * or one of report_pollfds() is ready. Returns 0, or MUSTER_EDB when the
 * store failed (logged; the reporter keeps going and tries again).
 */
int report_tick(struct reporter *r, time_t now);

/*
 * The sockets of the transfers in progress, for the caller's poll(): writes
 * at most max entries (events set, revents 0) and returns how many.
 */
size_t report_pollfds(struct reporter *r, struct pollfd *fds, size_t max);

/* Milliseconds until report_tick() wants to run again (0..1000). */
int report_timeout_ms(struct reporter *r);

/* True when nothing is queued, in flight or being fetched (tests, shutdown). */
bool report_idle(struct reporter *r);

struct report_counters {
	uint64_t posts, acked, rejected, retries, hosts_acked;
	uint64_t status_fetches, status_failures;
};
void report_get_counters(const struct reporter *r, struct report_counters *out);

/* ---- managed status, answered from the store (muster-sensor hosts) ---- */

#define REPORT_ST_MANAGED   0x1 /* the server says managed */
#define REPORT_ST_UNMANAGED 0x2 /* the server says unmanaged */
#define REPORT_ST_UNKNOWN   0x4 /* the server has not said (not reported or not fetched yet) */
#define REPORT_ST_ALL       0x7

/*
 * Call fn for every stored host whose status is in `which`, most recently
 * seen first, with status, status_reason and group of the record filled
 * from the last status fetch (NULL when unknown). `muster-sensor hosts
 * --unmanaged` is REPORT_ST_UNMANAGED | REPORT_ST_UNKNOWN. Records that do
 * not parse are counted in *bad (may be NULL). fn returning non-zero stops
 * the walk and is returned. 0 or MUSTER_E*.
 */
int report_status_foreach(struct store *st, unsigned which,
                          int (*fn)(const struct hostrec *, void *), void *arg, unsigned *bad);

/* When the status was last fetched (0: never). 0 or MUSTER_E*. */
int report_status_fetched_at(struct store *st, time_t *out);

#endif
