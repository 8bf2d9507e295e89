/*
 * engine.h - the deployment engine every method shares (DESIGN.md,
 * "Deployment"): a bounded pool of worker threads, one state machine per
 * host (connect -> authenticate -> precheck -> upload -> verify -> run ->
 * result -> cleanup), per-host deadlines, retries with backoff for
 * transient errors only, and one final status with a reason per host.
 *
 * A method (SSH, SMB) is a small vtable of blocking steps, each
 * bounded by the job's deadline; the engine owns ordering, retries,
 * timeouts, results and counters. See deployer/README.md.
 */
#ifndef MUSTER_DEPLOY_ENGINE_H
#define MUSTER_DEPLOY_ENGINE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "deployer/targets.h"

#define DEPLOY_REASON_MAX  400
#define DEPLOY_OUTPUT_MAX  ((size_t)256 << 10) /* per stream and host: the tail is kept */
#define DEPLOY_TAIL_REPORT 2048                /* bytes of each stream in the report */

/* Final status of a host (the report's "status"). */
enum deploy_status {
	DEPLOY_PENDING = 0, /* not decided yet; in an outcome: the step succeeded */
	DEPLOY_OK,
	DEPLOY_UNREACHABLE,
	DEPLOY_AUTH_FAILED,
	DEPLOY_HOSTKEY_MISMATCH,
	DEPLOY_PRECHECK_FAILED,
	DEPLOY_INSTALL_FAILED,
	DEPLOY_TIMEOUT,
	DEPLOY_CANCELLED, /* stopped by SIGINT/SIGTERM, or never started because of one */
	DEPLOY_STATUS_N
};

/* "ok", "unreachable", "auth-failed", ..., "cancelled"; "pending" for DEPLOY_PENDING. */
const char *deploy_status_name(enum deploy_status s);
bool deploy_status_parse(const char *s, enum deploy_status *out);

/* The installer, read once and shared read-only by every worker. */
struct deploy_payload {
	uint8_t *data;
	size_t len;
	char sha256[65]; /* lowercase hex */
	char name[64];   /* file name on the target: "muster-installer" + safe suffix */
	char interp[96]; /* "#!" line's interpreter and argument, or "" to execute it directly */
};

/* Read path (at most 2 GiB) and hash it. 0, or MUSTER_EIO/ENOMEM/ETOOBIG with err set. */
int deploy_payload_load(const char *path, struct deploy_payload *p, char *err, size_t errlen);
void deploy_payload_free(struct deploy_payload *p);

/* What one step reports back. */
struct deploy_outcome {
	enum deploy_status status; /* DEPLOY_PENDING: the step succeeded */
	bool transient;            /* a retry may help (connection dropped, ...) */
	char reason[DEPLOY_REASON_MAX];
};

/* Set o to a failure. */
void deploy_fail(struct deploy_outcome *o, enum deploy_status st, bool transient, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/* The installer's "MUSTER-RESULT status=ok|failed code=N reason=..." line (issue 7). */
struct installer_result {
	bool present;
	char status[16]; /* "ok", "failed", ... as printed (sanitized) */
	int code;
	char reason[256];
};

/* Find the last MUSTER-RESULT line in text[0..len) and parse it; false when none parses. */
bool deploy_parse_result_line(const char *text, size_t len, struct installer_result *r);

/* What the precheck found out about the target. */
struct deploy_facts {
	char os[32];   /* "Linux", "Darwin", ... as the target names itself */
	char arch[32]; /* "x86_64", ... */
	uint64_t free_kb;
	char priv[24]; /* "root", "sudo", "sudo-password" */
};

/* The per-host state machine, pure so it can be tested without a network. */
enum deploy_state {
	DEPLOY_ST_CONNECT,
	DEPLOY_ST_AUTH,
	DEPLOY_ST_PRECHECK,
	DEPLOY_ST_UPLOAD,
	DEPLOY_ST_VERIFY,
	DEPLOY_ST_RUN,
	DEPLOY_ST_RESULT, /* judge the exit code and MUSTER-RESULT line */
	DEPLOY_ST_CLEANUP,
	DEPLOY_ST_RETRY, /* disconnect, back off, reconnect */
	DEPLOY_ST_DONE,
};

struct deploy_options;

#define DEPLOY_LEFTOVER_MAX 256

/* One host's attempt, handed to every step of a method. */
struct deploy_job {
	const struct target *target;
	const char *user; /* target's, else --user */
	uint16_t port;    /* target's, else the method's default */
	const struct deploy_payload *payload;
	const struct deploy_options *opts;
	int64_t deadline; /* CLOCK_MONOTONIC milliseconds; steps must return by then */
	int attempt;      /* 1, 2, ... */
	struct deploy_facts facts;
	int exit_code;  /* the installer's, -1 while unknown */
	struct buf out; /* the installer's stdout and stderr, tails capped at DEPLOY_OUTPUT_MAX */
	struct buf err;
	void *mglobal; /* the method's shared state (deploy_engine_run's argument) */
	void *mctx;    /* the method's per-host state: set by connect, freed by disconnect */
	enum deploy_state state; /* the step running now (set by the engine) */
	/*
	 * What an earlier attempt of this host left on the target, in the
	 * method's own notation ("" when nothing): set by disconnect when the
	 * cleanup could not remove it, removed by the method on the next
	 * attempt. Kept across attempts.
	 */
	char leftover[DEPLOY_LEFTOVER_MAX];
};

/*
 * A deployment method. Every step blocks until done or job->deadline and
 * returns 0 on success or a negative MUSTER_E* with o filled in (the status
 * and reason the host gets if this is final; transient when a fresh
 * connection may do better). Steps run in worker threads, one job per
 * thread; mglobal is shared and must be used thread-safely.
 */
struct deploy_method {
	const char *name;
	uint16_t default_port;
	/* Reach the host and establish a session; verifies the host's identity. */
	int (*connect)(struct deploy_job *j, struct deploy_outcome *o);
	int (*authenticate)(struct deploy_job *j, struct deploy_outcome *o);
	/* OS, free disk, privilege; fill j->facts; prepare a place to upload to. */
	int (*precheck)(struct deploy_job *j, struct deploy_outcome *o);
	int (*upload)(struct deploy_job *j, struct deploy_outcome *o);
	/* Hash the uploaded file on the target and compare with payload->sha256. */
	int (*verify)(struct deploy_job *j, struct deploy_outcome *o);
	/* Run the installer with privilege; fill exit_code, out, err. */
	int (*run)(struct deploy_job *j, struct deploy_outcome *o);
	/*
	 * Remove what is left on the target; best effort, by the deadline. Also
	 * called before a retry when the failed attempt got as far as the
	 * precheck (with a short deadline; the session may be gone).
	 */
	void (*cleanup)(struct deploy_job *j);
	/*
	 * Close the session and free mctx; must accept a job that never
	 * connected. What cleanup could not remove goes to j->leftover.
	 */
	void (*disconnect)(struct deploy_job *j);
};

const char *deploy_state_name(enum deploy_state s);

struct deploy_sm {
	enum deploy_state state;
	enum deploy_status status; /* the final status once decided */
	char reason[DEPLOY_REASON_MAX];
	enum deploy_state failed_in; /* where the deciding failure happened */
	int attempt, max_attempts;
	bool dry_run;
};

void deploy_sm_init(struct deploy_sm *sm, int max_attempts, bool dry_run);

/*
 * Feed the outcome of the current state's step and move on. Success goes
 * to the next state (precheck -> cleanup on a dry run). A failure decides
 * the status; it is retried (-> RETRY) only when transient, before the
 * installer has been started, and with attempts left; otherwise -> CLEANUP
 * when something may be left on the target (precheck onwards), else DONE.
 * CLEANUP always ends in DONE. A TIMEOUT or CANCELLED is never retried.
 * Returns the new state.
 */
enum deploy_state deploy_sm_step(struct deploy_sm *sm, const struct deploy_outcome *o);

/* Judge a finished run: exit code and result line into an outcome (DEPLOY_PENDING = ok). */
void deploy_judge(const struct deploy_job *j, struct deploy_outcome *o, char *note, size_t notesz);

struct deploy_host_result {
	enum deploy_status status;
	char reason[DEPLOY_REASON_MAX];
	enum deploy_state failed_in;
	int64_t duration_ms;
	int attempts;
	int exit_code;
	struct deploy_facts facts;
	struct installer_result result;
	char *out_tail, *err_tail; /* sanitized tails, may be NULL */
	atomic_bool done;          /* set (release) once the fields above are final */
	bool posted;               /* for the caller: recorded on the server */
};

struct deploy_progress {
	size_t total, started, finished;
	size_t by_status[DEPLOY_STATUS_N];
};

struct deploy_options {
	unsigned parallel;          /* worker threads (1..1024) */
	int64_t timeout_ms;         /* per host, all attempts together */
	int64_t connect_timeout_ms; /* TCP connect */
	int retries;                /* extra attempts for transient failures */
	int64_t backoff_ms;         /* first backoff; doubles, with jitter, capped at 10 s */
	bool dry_run;
	const char *user;       /* default login */
	const char *remote_dir; /* where the method may create its working directory */
	/* Called about every tick_ms from the thread that runs the engine. */
	void (*tick)(void *arg, const struct deploy_progress *p, struct deploy_host_result *res);
	void *tick_arg;
	unsigned tick_ms;
	volatile sig_atomic_t *stop; /* set by a signal handler: DEPLOY_STOP_* */
};

/*
 * *deploy_options.stop. WIND_DOWN (the first SIGINT/SIGTERM): no host is
 * started any more (those left end "cancelled"); a host that is connecting
 * or waiting for a retry stops at once; a host further on stops at the end
 * of the step it is in (an upload between two chunks; an installer already
 * started is waited for), and its cleanup then runs with
 * DEPLOY_CLEANUP_GRACE_S. ABORT (the second): every wait ends at once,
 * cleanups included.
 */
#define DEPLOY_STOP_WIND_DOWN  1
#define DEPLOY_STOP_ABORT      2
#define DEPLOY_CLEANUP_GRACE_S 10 /* a cleanup after a timeout or a stop request */

/*
 * Deploy payload to every target with method m, at most o->parallel at a
 * time, and block until all are done. *out gets one result per target, in
 * target order; free with deploy_results_free(). Returns 0, or
 * MUSTER_ENOMEM / MUSTER_EIO when the workers could not be started.
 */
int deploy_engine_run(const struct deploy_method *m, void *mglobal, const struct target_list *tl,
                      const struct deploy_payload *p, const struct deploy_options *o,
                      struct deploy_host_result **out);
void deploy_results_free(struct deploy_host_result *r, size_t n);

/* Monotonic clock in milliseconds. */
int64_t deploy_now_ms(void);

/* ---- helpers every method uses ---- */

/*
 * Must the current wait end now? The job's deadline has passed, an abort
 * was requested, or a wind-down was and the job is in a step that leaves
 * nothing on the target (connect, authenticate, the backoff of a retry).
 */
bool deploy_timed_out(const struct deploy_job *j);

/*
 * A stop was requested (DEPLOY_STOP_WIND_DOWN or more): a method may end a
 * long step at a point where it can still clean up (between two chunks of
 * an upload), failing it with DEPLOY_CANCELLED.
 */
bool deploy_stop_requested(const struct deploy_job *j);

/*
 * Fail o for a wait that deploy_timed_out() ended: DEPLOY_TIMEOUT "timed
 * out after N s while WHAT" at the deadline, else DEPLOY_CANCELLED "stopped
 * by a signal while WHAT".
 */
void deploy_fail_timeout(const struct deploy_job *j, struct deploy_outcome *o, const char *what);

/*
 * Connect over TCP to the job's host and port within connect_timeout_ms
 * (and the job's deadline), trying each address the name resolves to.
 * Returns a connected non-blocking socket (O_CLOEXEC, TCP_NODELAY), or a
 * negative MUSTER_E* with o filled in: unreachable for a refused
 * connection, no route or no answer (service names the server expected in
 * the reason: "SSH", "SMB"), timeout at the deadline. addr (may be NULL)
 * gets the numeric address of the last address tried.
 */
int deploy_tcp_connect(const struct deploy_job *j, int64_t connect_timeout_ms, const char *service,
                       char *addr, size_t addrlen, struct deploy_outcome *o);

/* Append to a capped tail buffer: when full, the oldest bytes are dropped. */
void deploy_tail_append(struct buf *b, const void *p, size_t len, size_t cap);

#endif
