/*
 * engine.c - the method-independent part of muster-deploy: the per-host
 * state machine, a pool of worker threads (one host per thread at a time,
 * each method step blocking until the host's deadline), retries with
 * exponential backoff for transient failures, and judging the installer's
 * MUSTER-RESULT line.
 *
 * Why threads and not one poll loop: a method is then plain sequential code
 * (connect, authenticate, ... each a function), which keeps the SMB method
 * of issue 9 (libsmbclient is blocking) a vtable like SSH's. The threads
 * sleep in poll() on their own socket; CPU goes to crypto, not to threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/text.h"
#include "deployer/engine.h"

#define PAYLOAD_MAX     ((size_t)2 << 30)
#define BACKOFF_MAX_MS  10000
#define CLEANUP_GRACE   (DEPLOY_CLEANUP_GRACE_S * 1000) /* ms after a timeout or stop */
#define RETRY_CLEANUP   5000 /* ms to remove a failed attempt's files before a retry */
#define WORKER_STACK    (1u << 20)
#define DEPLOY_PARALLEL 1024

static const char *const status_names[DEPLOY_STATUS_N] = {
        "pending",           "ok",
        "unreachable",       "auth-failed",
        "host-key-mismatch", "precheck-failed",
        "install-failed",    "timeout",
        "cancelled",
};

const char *
deploy_status_name(enum deploy_status s)
{
	return (unsigned)s < DEPLOY_STATUS_N ? status_names[s] : "unknown";
}

bool
deploy_status_parse(const char *s, enum deploy_status *out)
{
	for (int i = 0; i < DEPLOY_STATUS_N; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum deploy_status)i;
			return true;
		}
	}
	return false;
}

static const char *const state_names[] = {
        "connect", "authenticate", "precheck", "upload", "verify",
        "run",     "result",       "cleanup",  "retry",  "done",
};

const char *
deploy_state_name(enum deploy_state s)
{
	return (unsigned)s < MUSTER_NELEM(state_names) ? state_names[s] : "unknown";
}

int64_t
deploy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
stop_level(const struct deploy_options *o)
{
	return o->stop != NULL ? (int)*o->stop : 0;
}

bool
deploy_stop_requested(const struct deploy_job *j)
{
	return stop_level(j->opts) >= DEPLOY_STOP_WIND_DOWN;
}

bool
deploy_timed_out(const struct deploy_job *j)
{
	int s = stop_level(j->opts);

	if (deploy_now_ms() >= j->deadline || s >= DEPLOY_STOP_ABORT)
		return true;
	/* Winding down: cut only what has left nothing on the target yet. */
	return s >= DEPLOY_STOP_WIND_DOWN &&
	       (j->state == DEPLOY_ST_CONNECT || j->state == DEPLOY_ST_AUTH ||
	        j->state == DEPLOY_ST_RETRY);
}

void
deploy_fail_timeout(const struct deploy_job *j, struct deploy_outcome *o, const char *what)
{
	if (deploy_now_ms() < j->deadline && stop_level(j->opts) > 0)
		deploy_fail(o, DEPLOY_CANCELLED, false, "stopped by a signal while %s", what);
	else
		deploy_fail(o, DEPLOY_TIMEOUT, false, "timed out after %lld s while %s",
		            (long long)(j->opts->timeout_ms / 1000), what);
}

void
deploy_fail(struct deploy_outcome *o, enum deploy_status st, bool transient, const char *fmt, ...)
{
	va_list ap;

	o->status = st;
	o->transient = transient;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
}

void
deploy_tail_append(struct buf *b, const void *p, size_t len, size_t cap)
{
	if (len >= cap) {
		p = (const uint8_t *)p + (len - cap / 2);
		len = cap / 2;
	}
	if (b->len + len > cap) {
		/* Drop the oldest half of what we hold (or more) to make room. */
		size_t drop = b->len + len - cap / 2;
		if (drop > b->len)
			drop = b->len;
		memmove(b->data, b->data + drop, b->len - drop);
		b->len -= drop;
		b->data[b->len] = '\0';
	}
	buf_append(b, p, len);
}

/* ---- payload ---- */

/* Take the interpreter of a "#!" first line when it is plainly safe to pass to a shell. */
static void
payload_interp(struct deploy_payload *p)
{
	size_t n = 0;

	p->interp[0] = '\0';
	if (p->len < 3 || p->data[0] != '#' || p->data[1] != '!')
		return;
	const uint8_t *s = p->data + 2, *end = p->data + p->len;
	while (s < end && *s == ' ')
		s++;
	while (s + n < end && s[n] != '\n' && n < sizeof(p->interp) - 1) {
		uint8_t c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '_' || c == '-' || c == ' ' || c == '\r'))
			return; /* unusual: execute the file itself */
		n++;
	}
	if (s[0] != '/')
		return;
	memcpy(p->interp, s, n);
	p->interp[n] = '\0';
	while (n > 0 && (p->interp[n - 1] == ' ' || p->interp[n - 1] == '\r'))
		p->interp[--n] = '\0';
}

int
deploy_payload_load(const char *path, struct deploy_payload *p, char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct stat st;
	size_t got = 0;
	int fd;

	memset(p, 0, sizeof(*p));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open installer %s: %s", path, strerror(errno));
		return MUSTER_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "installer %s is not a regular file", path);
		close(fd);
		return MUSTER_EIO;
	}
	if ((size_t)st.st_size > PAYLOAD_MAX || st.st_size == 0) {
		snprintf(err, errlen, "installer %s is empty or larger than 2 GiB", path);
		close(fd);
		return MUSTER_ETOOBIG;
	}
	if ((p->data = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return MUSTER_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p->data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		snprintf(err, errlen, "short read of installer %s", path);
		deploy_payload_free(p);
		return MUSTER_EIO;
	}
	p->len = got;
	if (EVP_Digest(p->data, p->len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		snprintf(err, errlen, "cannot hash the installer");
		deploy_payload_free(p);
		return MUSTER_EIO;
	}
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(p->sha256 + 2 * i, 3, "%02x", md[i]);
	/* A fixed name with the original suffix (".sh", ".run", ...) when it is safe. */
	{
		const char *base = strrchr(path, '/'), *dot;
		base = base ? base + 1 : path;
		dot = strrchr(base, '.');
		bool safe = dot != NULL && strlen(dot) <= 8;
		for (const char *c = dot; safe && *c; c++)
			safe = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.';
		snprintf(p->name, sizeof(p->name), "muster-installer%s", safe ? dot : "");
	}
	payload_interp(p);
	return 0;
}

void
deploy_payload_free(struct deploy_payload *p)
{
	if (p == NULL)
		return;
	free(p->data);
	memset(p, 0, sizeof(*p));
}

/* ---- the installer's result line ---- */

bool
deploy_parse_result_line(const char *text, size_t len, struct installer_result *r)
{
	static const char tag[] = "MUSTER-RESULT ";
	const char *end = text + len, *p = text;
	const char *best = NULL, *best_end = NULL;

	memset(r, 0, sizeof(*r));
	r->code = -1;
	if (text == NULL)
		return false;
	/* The last line that starts with the tag. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		if ((size_t)(le - p) >= sizeof(tag) - 1 && memcmp(p, tag, sizeof(tag) - 1) == 0) {
			best = p + sizeof(tag) - 1;
			best_end = le;
		}
		p = nl ? nl + 1 : end;
	}
	if (best == NULL)
		return false;
	while (best_end > best && (best_end[-1] == '\r' || best_end[-1] == ' '))
		best_end--;
	/* key=value fields; reason= takes the rest of the line. */
	for (p = best; p < best_end;) {
		const char *k = p, *eq, *ve;
		while (p < best_end && *p != ' ' && *p != '=')
			p++;
		if (p >= best_end || *p != '=')
			return false;
		eq = p;
		if ((size_t)(eq - k) == 6 && memcmp(k, "reason", 6) == 0) {
			text_sanitize(eq + 1, (size_t)(best_end - eq - 1), r->reason,
			              sizeof(r->reason));
			break;
		}
		ve = eq + 1;
		while (ve < best_end && *ve != ' ')
			ve++;
		if ((size_t)(eq - k) == 6 && memcmp(k, "status", 6) == 0) {
			text_sanitize(eq + 1, (size_t)(ve - eq - 1), r->status, sizeof(r->status));
		} else if ((size_t)(eq - k) == 4 && memcmp(k, "code", 4) == 0) {
			long v = 0;
			const char *d = eq + 1;
			if (d == ve)
				return false;
			for (; d < ve; d++) {
				if (*d < '0' || *d > '9' || v > 100000)
					return false;
				v = v * 10 + (*d - '0');
			}
			r->code = (int)v;
		}
		p = ve;
		while (p < best_end && *p == ' ')
			p++;
	}
	if (r->status[0] == '\0')
		return false;
	r->present = true;
	return true;
}

/* Last non-empty line of a buffer, sanitized, for reasons. */
static void
last_line(const struct buf *b, char *out, size_t outsz)
{
	const char *s = (const char *)b->data, *e = s + b->len, *ls;

	out[0] = '\0';
	if (b->len == 0)
		return;
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	ls = e;
	while (ls > s && ls[-1] != '\n')
		ls--;
	text_sanitize(ls, (size_t)(e - ls), out, outsz);
}

void
deploy_judge(const struct deploy_job *j, struct deploy_outcome *o, char *note, size_t notesz)
{
	struct installer_result r;
	char tail[160];

	o->status = DEPLOY_PENDING;
	o->transient = false;
	o->reason[0] = '\0';
	note[0] = '\0';
	deploy_parse_result_line((const char *)j->out.data, j->out.len, &r);
	if (j->exit_code < 0) {
		deploy_fail(
		        o, DEPLOY_INSTALL_FAILED, false,
		        "the installer's exit status is unknown (connection lost while it ran)");
		return;
	}
	if (r.present && strcmp(r.status, "ok") == 0 && j->exit_code == 0) {
		snprintf(note, notesz, "installed%s%s", r.reason[0] ? ": " : "", r.reason);
		return;
	}
	if (r.present && strcmp(r.status, "ok") == 0) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
		            "installer printed status=ok but exited %d", j->exit_code);
		return;
	}
	if (r.present) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "installer %s (exit %d, code %d): %s",
		            r.status, j->exit_code, r.code,
		            r.reason[0] ? r.reason : "no reason given");
		return;
	}
	if (j->exit_code == 0) {
		snprintf(note, notesz, "installer exited 0 (it printed no MUSTER-RESULT line)");
		return;
	}
	last_line(&j->err, tail, sizeof(tail));
	if (tail[0] == '\0')
		last_line(&j->out, tail, sizeof(tail));
	deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
	            "installer exited %d without a MUSTER-RESULT line%s%s", j->exit_code,
	            tail[0] ? "; last output: " : "", tail);
}

/* ---- the state machine ---- */

void
deploy_sm_init(struct deploy_sm *sm, int max_attempts, bool dry_run)
{
	memset(sm, 0, sizeof(*sm));
	sm->state = DEPLOY_ST_CONNECT;
	sm->status = DEPLOY_PENDING;
	sm->attempt = 1;
	sm->max_attempts = max_attempts < 1 ? 1 : max_attempts;
	sm->dry_run = dry_run;
	sm->failed_in = DEPLOY_ST_DONE;
}

enum deploy_state
deploy_sm_step(struct deploy_sm *sm, const struct deploy_outcome *o)
{
	enum deploy_state s = sm->state;

	if (s == DEPLOY_ST_DONE)
		return s;
	if (s == DEPLOY_ST_CLEANUP) {
		/* Cleanup problems never change the verdict. */
		if (sm->status == DEPLOY_PENDING)
			sm->status = DEPLOY_OK;
		return sm->state = DEPLOY_ST_DONE;
	}
	if (s == DEPLOY_ST_RETRY) {
		if (o->status != DEPLOY_PENDING) {
			/* The backoff itself ran out of time or was stopped. */
			sm->status = o->status;
			snprintf(sm->reason, sizeof(sm->reason), "%s", o->reason);
			return sm->state = DEPLOY_ST_DONE;
		}
		sm->attempt++;
		sm->status = DEPLOY_PENDING;
		sm->reason[0] = '\0';
		sm->failed_in = DEPLOY_ST_DONE;
		return sm->state = DEPLOY_ST_CONNECT;
	}
	if (o->status == DEPLOY_PENDING) {
		if (s == DEPLOY_ST_PRECHECK && sm->dry_run) {
			sm->status = DEPLOY_OK;
			return sm->state = DEPLOY_ST_CLEANUP;
		}
		if (s == DEPLOY_ST_RESULT) {
			sm->status = DEPLOY_OK;
			return sm->state = DEPLOY_ST_CLEANUP;
		}
		return sm->state = (enum deploy_state)(s + 1);
	}
	sm->status = o->status;
	sm->failed_in = s;
	snprintf(sm->reason, sizeof(sm->reason), "%s", o->reason);
	if (o->transient && o->status != DEPLOY_TIMEOUT && o->status != DEPLOY_CANCELLED &&
	    s < DEPLOY_ST_RUN && sm->attempt < sm->max_attempts)
		return sm->state = DEPLOY_ST_RETRY;
	/* Before precheck nothing was made on the target. */
	if (s >= DEPLOY_ST_PRECHECK)
		return sm->state = DEPLOY_ST_CLEANUP;
	return sm->state = DEPLOY_ST_DONE;
}

/* ---- the pool ---- */

struct pool {
	const struct deploy_method *m;
	void *mglobal;
	const struct target_list *tl;
	const struct deploy_payload *p;
	const struct deploy_options *o;
	struct deploy_host_result *res;
	atomic_size_t next, started, finished;
	atomic_size_t by_status[DEPLOY_STATUS_N];
};

static bool
stopping(const struct deploy_options *o)
{
	return stop_level(o) > 0;
}

/* Sleep for the backoff of this attempt, bounded by the deadline and a stop request. */
static void
backoff(const struct deploy_job *j, int attempt, unsigned *seed, struct deploy_outcome *o)
{
	int64_t ms = j->opts->backoff_ms, until;

	for (int i = 1; i < attempt && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	/* +-25% jitter so retries against one network do not march in step. */
	ms = ms * 3 / 4 + (ms > 0 ? (int64_t)(rand_r(seed) % (unsigned)(ms / 2 + 1)) : 0);
	until = deploy_now_ms() + ms;
	o->status = DEPLOY_PENDING;
	if (until >= j->deadline) {
		deploy_fail(o, DEPLOY_TIMEOUT, false,
		            "timed out: no time left for another attempt after: %s", o->reason);
		return;
	}
	while (deploy_now_ms() < until) {
		if (stopping(j->opts)) {
			deploy_fail(o, DEPLOY_CANCELLED, false,
			            "stopped by a signal before a retry");
			return;
		}
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* The report's tail of a stream: safe text, line by line, newlines kept. */
static char *
tail_text(const struct buf *b)
{
	size_t n = b->len < DEPLOY_TAIL_REPORT ? b->len : DEPLOY_TAIL_REPORT;
	const char *p = (const char *)b->data + b->len - n, *end = (const char *)b->data + b->len;
	struct buf out;

	if (n == 0)
		return NULL;
	buf_init(&out, DEPLOY_TAIL_REPORT * 4 + 64);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		char line[DEPLOY_TAIL_REPORT * 4 + 1];
		size_t ll = (size_t)(le - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		text_sanitize(p, ll, line, sizeof(line));
		if (buf_puts(&out, line) != 0 || (nl && buf_putc(&out, '\n') != 0))
			break;
		p = nl ? nl + 1 : end;
	}
	return (char *)buf_steal(&out, &n);
}

/* A host the run never started (a stop request came first): cancelled, nothing touched. */
static void
not_started(struct pool *pl, size_t idx)
{
	struct deploy_host_result *r = &pl->res[idx];

	atomic_fetch_add(&pl->started, 1);
	r->status = DEPLOY_CANCELLED;
	snprintf(r->reason, sizeof(r->reason), "not started: stopped by a signal");
	r->failed_in = DEPLOY_ST_DONE;
	r->attempts = 0;
	r->exit_code = -1;
	r->result.code = -1;
	log_info("host-done", "host=%s status=%s attempts=0 ms=0 reason=\"%s\"",
	         pl->tl->v[idx].host, deploy_status_name(r->status), r->reason);
	atomic_fetch_add(&pl->by_status[r->status], 1);
	atomic_store_explicit(&r->done, true, memory_order_release);
	atomic_fetch_add(&pl->finished, 1);
}

/*
 * Before a retry: remove what the failed attempt made, in a few seconds at
 * most (its session may be gone; the method then notes it in j->leftover
 * at disconnect and tries again on the next attempt).
 */
static void
cleanup_before_retry(const struct deploy_method *m, struct deploy_job *j)
{
	int64_t saved = j->deadline, now = deploy_now_ms();

	if (j->mctx == NULL)
		return;
	j->state = DEPLOY_ST_CLEANUP;
	if (j->deadline > now + RETRY_CLEANUP)
		j->deadline = now + RETRY_CLEANUP;
	m->cleanup(j);
	j->deadline = saved;
	j->state = DEPLOY_ST_RETRY;
}

static void
run_host(struct pool *pl, size_t idx, unsigned *seed)
{
	const struct target *t = &pl->tl->v[idx];
	const struct deploy_method *m = pl->m;
	struct deploy_host_result *r = &pl->res[idx];
	struct deploy_job j;
	struct deploy_sm sm;
	struct deploy_outcome o;
	char note[DEPLOY_REASON_MAX] = "";
	int64_t t0 = deploy_now_ms();
	bool connected = false;

	if (stopping(pl->o)) {
		not_started(pl, idx);
		return;
	}
	memset(&j, 0, sizeof(j));
	j.target = t;
	j.user = t->user[0] ? t->user : pl->o->user;
	j.port = t->port ? t->port : m->default_port;
	j.payload = pl->p;
	j.opts = pl->o;
	j.deadline = t0 + pl->o->timeout_ms;
	j.exit_code = -1;
	j.mglobal = pl->mglobal;
	buf_init(&j.out, DEPLOY_OUTPUT_MAX + 1);
	buf_init(&j.err, DEPLOY_OUTPUT_MAX + 1);
	deploy_sm_init(&sm, 1 + pl->o->retries, pl->o->dry_run);
	atomic_fetch_add(&pl->started, 1);

	while (sm.state != DEPLOY_ST_DONE) {
		enum deploy_state s = sm.state;
		memset(&o, 0, sizeof(o));
		if (s != DEPLOY_ST_CLEANUP && s != DEPLOY_ST_RETRY && s != DEPLOY_ST_RESULT) {
			if (deploy_now_ms() >= j.deadline) {
				deploy_fail(&o, DEPLOY_TIMEOUT, false,
				            "timed out after %lld s (in %s)",
				            (long long)(pl->o->timeout_ms / 1000),
				            deploy_state_name(s));
				deploy_sm_step(&sm, &o);
				continue;
			}
			/* A stop request ends the host at this step boundary. */
			if (stopping(pl->o)) {
				deploy_fail(&o, DEPLOY_CANCELLED, false,
				            "stopped by a signal before %s", deploy_state_name(s));
				deploy_sm_step(&sm, &o);
				continue;
			}
		}
		j.attempt = sm.attempt;
		j.state = s;
		log_debug("host-state", "host=%s state=%s attempt=%d ms=%lld", t->host,
		          deploy_state_name(s), sm.attempt, (long long)(deploy_now_ms() - t0));
		switch (s) {
		case DEPLOY_ST_CONNECT:
			connected = true;
			m->connect(&j, &o);
			break;
		case DEPLOY_ST_AUTH:
			m->authenticate(&j, &o);
			break;
		case DEPLOY_ST_PRECHECK:
			m->precheck(&j, &o);
			break;
		case DEPLOY_ST_UPLOAD:
			m->upload(&j, &o);
			break;
		case DEPLOY_ST_VERIFY:
			m->verify(&j, &o);
			break;
		case DEPLOY_ST_RUN:
			m->run(&j, &o);
			break;
		case DEPLOY_ST_RESULT:
			deploy_judge(&j, &o, note, sizeof(note));
			break;
		case DEPLOY_ST_CLEANUP:
			/* After a stop request, a short grace of its own; else what is left. */
			if (stopping(pl->o) || j.deadline < deploy_now_ms() + 1000)
				j.deadline = deploy_now_ms() + CLEANUP_GRACE;
			m->cleanup(&j);
			break;
		case DEPLOY_ST_RETRY:
			log_info("host-retry", "host=%s attempt=%d reason=\"%s\"", t->host,
			         sm.attempt + 1, sm.reason);
			if (sm.failed_in >= DEPLOY_ST_PRECHECK)
				cleanup_before_retry(m, &j);
			m->disconnect(&j);
			connected = false;
			snprintf(o.reason, sizeof(o.reason), "%s", sm.reason);
			backoff(&j, sm.attempt, seed, &o);
			buf_reset(&j.out);
			buf_reset(&j.err);
			j.exit_code = -1;
			memset(&j.facts, 0, sizeof(j.facts));
			break;
		default:
			break;
		}
		if (o.status != DEPLOY_PENDING && o.reason[0] == '\0')
			snprintf(o.reason, sizeof(o.reason), "%s failed", deploy_state_name(s));
		deploy_sm_step(&sm, &o);
	}
	j.state = DEPLOY_ST_DONE;
	if (connected)
		m->disconnect(&j);
	if (j.leftover[0] != '\0')
		log_warn("left-on-target", "host=%s what=\"%s\"", t->host, j.leftover);

	r->status = sm.status;
	if (sm.status == DEPLOY_OK) {
		if (pl->o->dry_run)
			/* A method may not know the OS (SMB): leave out what is unknown. */
			snprintf(r->reason, sizeof(r->reason),
			         "dry run: precheck passed (%s%s%s%s%llu MiB free, %s)", j.facts.os,
			         j.facts.arch[0] ? " " : "", j.facts.arch,
			         j.facts.os[0] || j.facts.arch[0] ? ", " : "",
			         (unsigned long long)(j.facts.free_kb / 1024), j.facts.priv);
		else
			snprintf(r->reason, sizeof(r->reason), "%s", note);
	} else {
		snprintf(r->reason, sizeof(r->reason), "%s", sm.reason);
	}
	r->failed_in = sm.failed_in;
	r->attempts = sm.attempt;
	r->exit_code = j.exit_code;
	r->facts = j.facts;
	deploy_parse_result_line((const char *)j.out.data, j.out.len, &r->result);
	r->out_tail = tail_text(&j.out);
	r->err_tail = tail_text(&j.err);
	r->duration_ms = deploy_now_ms() - t0;
	buf_free(&j.out);
	buf_free(&j.err);
	log_info("host-done", "host=%s port=%u status=%s attempts=%d ms=%lld reason=\"%s\"",
	         t->host, j.port, deploy_status_name(r->status), r->attempts,
	         (long long)r->duration_ms, r->reason);
	atomic_fetch_add(&pl->by_status[r->status], 1);
	atomic_store_explicit(&r->done, true, memory_order_release);
	atomic_fetch_add(&pl->finished, 1);
}

static void *
worker(void *arg)
{
	struct pool *pl = arg;
	unsigned seed;
	size_t i;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (unsigned)deploy_now_ms();
	while ((i = atomic_fetch_add(&pl->next, 1)) < pl->tl->n)
		run_host(pl, i, &seed);
	return NULL;
}

static void
progress_of(struct pool *pl, struct deploy_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->total = pl->tl->n;
	p->started = atomic_load(&pl->started);
	p->finished = atomic_load(&pl->finished);
	for (int s = 0; s < DEPLOY_STATUS_N; s++)
		p->by_status[s] = atomic_load(&pl->by_status[s]);
}

int
deploy_engine_run(const struct deploy_method *m, void *mglobal, const struct target_list *tl,
                  const struct deploy_payload *p, const struct deploy_options *o,
                  struct deploy_host_result **out)
{
	struct pool pl;
	pthread_t *th = NULL;
	pthread_attr_t attr;
	struct deploy_progress prog;
	size_t nth, started = 0;
	int r = 0;

	*out = NULL;
	memset(&pl, 0, sizeof(pl));
	pl.m = m;
	pl.mglobal = mglobal;
	pl.tl = tl;
	pl.p = p;
	pl.o = o;
	if ((pl.res = calloc(tl->n ? tl->n : 1, sizeof(*pl.res))) == NULL)
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < tl->n; i++)
		pl.res[i].exit_code = -1;
	nth = o->parallel ? o->parallel : 1;
	if (nth > DEPLOY_PARALLEL)
		nth = DEPLOY_PARALLEL;
	if (nth > tl->n)
		nth = tl->n;
	if (nth > 0 && (th = calloc(nth, sizeof(*th))) == NULL) {
		free(pl.res);
		return MUSTER_ENOMEM;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (size_t i = 0; i < nth; i++) {
		if (pthread_create(&th[i], &attr, worker, &pl) != 0) {
			log_warn("engine-threads", "wanted=%zu started=%zu error=\"%s\"", nth, i,
			         strerror(errno));
			break;
		}
		started++;
	}
	pthread_attr_destroy(&attr);
	if (started == 0 && tl->n > 0) {
		r = MUSTER_EIO;
		goto out;
	}
	/* The calling thread reports progress until every host is done. */
	while (atomic_load(&pl.finished) < tl->n) {
		struct timespec ts = {0, (long)(o->tick_ms ? o->tick_ms : 250) * 1000000L};
		nanosleep(&ts, NULL);
		if (o->tick) {
			progress_of(&pl, &prog);
			o->tick(o->tick_arg, &prog, pl.res);
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (o->tick) {
		progress_of(&pl, &prog);
		o->tick(o->tick_arg, &prog, pl.res);
	}
out:
	free(th);
	if (r != 0) {
		free(pl.res);
		return r;
	}
	*out = pl.res;
	return 0;
}

void
deploy_results_free(struct deploy_host_result *r, size_t n)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].out_tail);
		free(r[i].err_tail);
	}
	free(r);
}
