/*
 * test_deploy_engine.c - the deployment engine without a network: the
 * per-host state machine (every transition, retries only for transient
 * failures before the run, dry run), the MUSTER-RESULT line, the verdict on
 * a run, and whole runs of the pool with a scripted fake method (the same
 * vtable the SSH and SMB methods fill): retries (with the failed attempt's
 * cleanup first), and a run stopped by a signal (wind down, abort).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/muster.h"
#include "deployer/engine.h"

static struct deploy_outcome
ok(void)
{
	struct deploy_outcome o = {0};
	return o;
}

static struct deploy_outcome
bad(enum deploy_status st, bool transient)
{
	struct deploy_outcome o = {0};
	o.status = st;
	o.transient = transient;
	snprintf(o.reason, sizeof(o.reason), "because %s", deploy_status_name(st));
	return o;
}

static void
test_sm_happy_path(void **state)
{
	struct deploy_sm sm;
	struct deploy_outcome o = ok();
	static const enum deploy_state want[] = {
	        DEPLOY_ST_AUTH, DEPLOY_ST_PRECHECK, DEPLOY_ST_UPLOAD,  DEPLOY_ST_VERIFY,
	        DEPLOY_ST_RUN,  DEPLOY_ST_RESULT,   DEPLOY_ST_CLEANUP, DEPLOY_ST_DONE,
	};

	(void)state;
	deploy_sm_init(&sm, 3, false);
	assert_int_equal(sm.state, DEPLOY_ST_CONNECT);
	for (size_t i = 0; i < MUSTER_NELEM(want); i++)
		assert_int_equal(deploy_sm_step(&sm, &o), want[i]);
	assert_int_equal(sm.status, DEPLOY_OK);
	assert_int_equal(sm.attempt, 1);
	/* DONE stays DONE. */
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
}

static void
test_sm_dry_run(void **state)
{
	struct deploy_sm sm;
	struct deploy_outcome o = ok();

	(void)state;
	deploy_sm_init(&sm, 1, true);
	deploy_sm_step(&sm, &o);
	deploy_sm_step(&sm, &o);
	assert_int_equal(sm.state, DEPLOY_ST_PRECHECK);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CLEANUP);
	assert_int_equal(sm.status, DEPLOY_OK);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
}

static void
test_sm_failures(void **state)
{
	struct deploy_sm sm;
	struct deploy_outcome o;

	(void)state;
	/* A permanent failure at connect: done, nothing to clean. */
	deploy_sm_init(&sm, 3, false);
	o = bad(DEPLOY_UNREACHABLE, false);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_UNREACHABLE);
	assert_int_equal(sm.failed_in, DEPLOY_ST_CONNECT);
	assert_string_equal(sm.reason, "because unreachable");

	/* A permanent auth failure: done, no cleanup. */
	deploy_sm_init(&sm, 3, false);
	o = ok();
	deploy_sm_step(&sm, &o);
	o = bad(DEPLOY_AUTH_FAILED, false);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_AUTH_FAILED);

	/* Precheck failure: cleanup first (precheck may have made a directory). */
	deploy_sm_init(&sm, 3, false);
	o = ok();
	deploy_sm_step(&sm, &o);
	deploy_sm_step(&sm, &o);
	o = bad(DEPLOY_PRECHECK_FAILED, false);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CLEANUP);
	o = bad(DEPLOY_INSTALL_FAILED, false); /* a failed cleanup changes nothing */
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_PRECHECK_FAILED);
	assert_int_equal(sm.failed_in, DEPLOY_ST_PRECHECK);

	/* An install failure at the result: cleanup, then done. */
	deploy_sm_init(&sm, 3, false);
	o = ok();
	for (int i = 0; i < 6; i++)
		deploy_sm_step(&sm, &o);
	assert_int_equal(sm.state, DEPLOY_ST_RESULT);
	o = bad(DEPLOY_INSTALL_FAILED, false);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CLEANUP);
	o = ok();
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_INSTALL_FAILED);
}

static void
test_sm_retries(void **state)
{
	struct deploy_sm sm;
	struct deploy_outcome o;

	(void)state;
	/* Transient at connect: retry until the attempts are spent. */
	deploy_sm_init(&sm, 3, false);
	for (int a = 1; a <= 2; a++) {
		o = bad(DEPLOY_UNREACHABLE, true);
		assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_RETRY);
		o = ok();
		assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CONNECT);
		assert_int_equal(sm.attempt, a + 1);
		assert_int_equal(sm.status, DEPLOY_PENDING);
	}
	o = bad(DEPLOY_UNREACHABLE, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_UNREACHABLE);
	assert_int_equal(sm.attempt, 3);

	/* Transient during upload: retried (the installer has not started). */
	deploy_sm_init(&sm, 2, false);
	o = ok();
	for (int i = 0; i < 3; i++)
		deploy_sm_step(&sm, &o);
	assert_int_equal(sm.state, DEPLOY_ST_UPLOAD);
	o = bad(DEPLOY_INSTALL_FAILED, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_RETRY);

	/* Transient during the run: never retried (it may still be running). */
	deploy_sm_init(&sm, 3, false);
	o = ok();
	for (int i = 0; i < 5; i++)
		deploy_sm_step(&sm, &o);
	assert_int_equal(sm.state, DEPLOY_ST_RUN);
	o = bad(DEPLOY_INSTALL_FAILED, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CLEANUP);

	/* A timeout is never retried. */
	deploy_sm_init(&sm, 3, false);
	o = bad(DEPLOY_TIMEOUT, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_TIMEOUT);

	/* A stop request is never retried, and cleans up from the precheck on. */
	deploy_sm_init(&sm, 3, false);
	o = bad(DEPLOY_CANCELLED, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_CANCELLED);
	deploy_sm_init(&sm, 3, false);
	o = ok();
	for (int i = 0; i < 3; i++)
		deploy_sm_step(&sm, &o);
	assert_int_equal(sm.state, DEPLOY_ST_UPLOAD);
	o = bad(DEPLOY_CANCELLED, true);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_CLEANUP);
	assert_int_equal(sm.failed_in, DEPLOY_ST_UPLOAD);

	/* A backoff that runs out of time ends the host with its reason. */
	deploy_sm_init(&sm, 3, false);
	o = bad(DEPLOY_UNREACHABLE, true);
	deploy_sm_step(&sm, &o);
	o = bad(DEPLOY_TIMEOUT, false);
	assert_int_equal(deploy_sm_step(&sm, &o), DEPLOY_ST_DONE);
	assert_int_equal(sm.status, DEPLOY_TIMEOUT);
}

static void
test_result_line(void **state)
{
	struct installer_result r;
	const char *t;

	(void)state;
	t = "installing...\nMUSTER-RESULT status=ok code=0 reason=agent 1.2 installed\n";
	assert_true(deploy_parse_result_line(t, strlen(t), &r));
	assert_string_equal(r.status, "ok");
	assert_int_equal(r.code, 0);
	assert_string_equal(r.reason, "agent 1.2 installed");

	/* The last line wins; CR stripped; a field order of its own. */
	t = "MUSTER-RESULT status=ok code=0\nMUSTER-RESULT code=12 status=failed reason=disk "
	    "full\r\n";
	assert_true(deploy_parse_result_line(t, strlen(t), &r));
	assert_string_equal(r.status, "failed");
	assert_int_equal(r.code, 12);
	assert_string_equal(r.reason, "disk full");

	/* Control characters in the reason are escaped. */
	t = "MUSTER-RESULT status=failed code=1 reason=a\x1b[31mb";
	assert_true(deploy_parse_result_line(t, strlen(t), &r));
	assert_string_equal(r.reason, "a\\x1b[31mb");

	/* Not result lines. */
	static const char *const no[] = {
	        "",
	        "MUSTER-RESULT",
	        "MUSTER-RESULT ",
	        " MUSTER-RESULT status=ok code=0",
	        "MUSTER-RESULT code=0",
	        "MUSTER-RESULT status=ok code=x",
	        "MUSTER-RESULT status=ok code=",
	        "MUSTER-RESULT junk status=ok",
	        "MUSTER-RESULTstatus=ok",
	};
	for (size_t i = 0; i < MUSTER_NELEM(no); i++)
		assert_false(deploy_parse_result_line(no[i], strlen(no[i]), &r));
	assert_false(deploy_parse_result_line(NULL, 0, &r));
}

static void
judge(const char *out, const char *err, int code, struct deploy_outcome *o)
{
	struct deploy_job j;
	char note[DEPLOY_REASON_MAX];

	memset(&j, 0, sizeof(j));
	buf_init(&j.out, 1 << 20);
	buf_init(&j.err, 1 << 20);
	buf_puts(&j.out, out);
	buf_puts(&j.err, err);
	j.exit_code = code;
	deploy_judge(&j, o, note, sizeof(note));
	if (o->status == DEPLOY_PENDING)
		snprintf(o->reason, sizeof(o->reason), "%s", note);
	buf_free(&j.out);
	buf_free(&j.err);
}

static void
test_judge(void **state)
{
	struct deploy_outcome o;

	(void)state;
	judge("MUSTER-RESULT status=ok code=0 reason=done\n", "", 0, &o);
	assert_int_equal(o.status, DEPLOY_PENDING);
	assert_string_equal(o.reason, "installed: done");
	judge("MUSTER-RESULT status=failed code=5 reason=no network\n", "", 5, &o);
	assert_int_equal(o.status, DEPLOY_INSTALL_FAILED);
	assert_non_null(strstr(o.reason, "exit 5, code 5): no network"));
	judge("MUSTER-RESULT status=ok code=0\n", "", 2, &o);
	assert_int_equal(o.status, DEPLOY_INSTALL_FAILED);
	assert_non_null(strstr(o.reason, "but exited 2"));
	judge("", "sh: 1: ./x: not found\n\n", 127, &o);
	assert_int_equal(o.status, DEPLOY_INSTALL_FAILED);
	assert_non_null(strstr(o.reason, "exited 127 without a MUSTER-RESULT line; last output: "
	                                 "sh: 1: ./x: not found"));
	judge("plain script\n", "", 0, &o);
	assert_int_equal(o.status, DEPLOY_PENDING);
	judge("MUSTER-RESULT status=ok code=0\n", "", -1, &o);
	assert_int_equal(o.status, DEPLOY_INSTALL_FAILED);
	assert_non_null(strstr(o.reason, "unknown"));
}

static void
test_tail_and_status_names(void **state)
{
	struct buf b;
	char chunk[1000];
	enum deploy_status s;

	(void)state;
	buf_init(&b, 10001);
	for (int i = 0; i < 100; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		deploy_tail_append(&b, chunk, sizeof(chunk), 10000);
		assert_true(b.len <= 10000);
	}
	/* The newest bytes are kept. */
	assert_int_equal(b.data[b.len - 1], 'a' + 99 % 26);
	deploy_tail_append(&b, "xyz", 3, 10000);
	assert_memory_equal(b.data + b.len - 3, "xyz", 3);
	buf_free(&b);

	for (int i = DEPLOY_OK; i < DEPLOY_STATUS_N; i++) {
		assert_true(deploy_status_parse(deploy_status_name((enum deploy_status)i), &s));
		assert_int_equal(s, i);
	}
	assert_string_equal(deploy_status_name(DEPLOY_HOSTKEY_MISMATCH), "host-key-mismatch");
	assert_string_equal(deploy_status_name(DEPLOY_CANCELLED), "cancelled");
	assert_false(deploy_status_parse("fine", &s));
}

/* ---- a scripted method: what happens to each host is in its name ---- */

static atomic_int calls_connect, calls_cleanup, calls_disconnect, running, max_running;

struct fake_ctx {
	int dummy;
};

static void
fake_sleep(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static int
fake_connect(struct deploy_job *j, struct deploy_outcome *o)
{
	int now;

	atomic_fetch_add(&calls_connect, 1);
	now = atomic_fetch_add(&running, 1) + 1;
	for (int m = atomic_load(&max_running); now > m; m = atomic_load(&max_running))
		if (atomic_compare_exchange_weak(&max_running, &m, now))
			break;
	j->mctx = calloc(1, sizeof(struct fake_ctx));
	fake_sleep(5);
	if (strncmp(j->target->host, "down", 4) == 0) {
		deploy_fail(o, DEPLOY_UNREACHABLE, false, "connection refused");
		return MUSTER_ENET;
	}
	/* "flaky": the first attempt is dropped, the second works. */
	if (strncmp(j->target->host, "flaky", 5) == 0 && j->attempt == 1) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "connection reset");
		return MUSTER_ENET;
	}
	if (strncmp(j->target->host, "reset", 5) == 0) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "connection reset");
		return MUSTER_ENET;
	}
	return 0;
}

static int
fake_auth(struct deploy_job *j, struct deploy_outcome *o)
{
	if (strncmp(j->target->host, "nokey", 5) == 0) {
		deploy_fail(o, DEPLOY_AUTH_FAILED, false, "refused");
		return MUSTER_EPERM;
	}
	return 0;
}

static int
fake_precheck(struct deploy_job *j, struct deploy_outcome *o)
{
	snprintf(j->facts.os, sizeof(j->facts.os), "Linux");
	snprintf(j->facts.priv, sizeof(j->facts.priv), "root");
	if (strncmp(j->target->host, "full", 4) == 0) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false, "disk full");
		return MUSTER_EIO;
	}
	return 0;
}

static int
fake_upload(struct deploy_job *j, struct deploy_outcome *o)
{
	return 0;
}

static int
fake_verify(struct deploy_job *j, struct deploy_outcome *o)
{
	return 0;
}

static int
fake_run(struct deploy_job *j, struct deploy_outcome *o)
{
	if (strncmp(j->target->host, "slow", 4) == 0) {
		while (deploy_now_ms() < j->deadline)
			fake_sleep(5);
		deploy_fail(o, DEPLOY_TIMEOUT, false, "timed out while running the installer");
		return MUSTER_ETIMEOUT;
	}
	if (strncmp(j->target->host, "broken", 6) == 0) {
		buf_puts(&j->out, "MUSTER-RESULT status=failed code=7 reason=no disk\n");
		j->exit_code = 7;
		return 0;
	}
	buf_puts(&j->out, "MUSTER-RESULT status=ok code=0 reason=fine\n");
	j->exit_code = 0;
	return 0;
}

static void
fake_cleanup(struct deploy_job *j)
{
	atomic_fetch_add(&calls_cleanup, 1);
}

static void
fake_disconnect(struct deploy_job *j)
{
	if (j->mctx != NULL) {
		atomic_fetch_sub(&running, 1);
		free(j->mctx);
		j->mctx = NULL;
	}
	atomic_fetch_add(&calls_disconnect, 1);
}

static const struct deploy_method fake_method = {
        .name = "fake",
        .default_port = 9,
        .connect = fake_connect,
        .authenticate = fake_auth,
        .precheck = fake_precheck,
        .upload = fake_upload,
        .verify = fake_verify,
        .run = fake_run,
        .cleanup = fake_cleanup,
        .disconnect = fake_disconnect,
};

static int ticks;

static void
count_ticks(void *arg, const struct deploy_progress *p, struct deploy_host_result *res)
{
	(void)arg;
	(void)res;
	assert_true(p->finished <= p->total);
	ticks++;
}

static void
test_pool(void **state)
{
	static const char *const hosts[] = {"a1",     "a2",     "down1", "flaky1",
	                                    "reset1", "nokey1", "full1", "broken1",
	                                    "slow1",  "a3",     "a4",    "a5"};
	static const enum deploy_status want[] = {
	        DEPLOY_OK,
	        DEPLOY_OK,
	        DEPLOY_UNREACHABLE,
	        DEPLOY_OK,
	        DEPLOY_UNREACHABLE,
	        DEPLOY_AUTH_FAILED,
	        DEPLOY_PRECHECK_FAILED,
	        DEPLOY_INSTALL_FAILED,
	        DEPLOY_TIMEOUT,
	        DEPLOY_OK,
	        DEPLOY_OK,
	        DEPLOY_OK,
	};
	struct target_list tl = {0};
	struct deploy_payload p = {0};
	struct deploy_options o = {0};
	struct deploy_host_result *res = NULL;

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(hosts); i++) {
		struct target t = {0};
		snprintf(t.host, sizeof(t.host), "%s", hosts[i]);
		assert_int_equal(targets_append(&tl, &t), 0);
	}
	o.parallel = 3;
	o.timeout_ms = 400;
	o.connect_timeout_ms = 100;
	o.retries = 2;
	o.backoff_ms = 10;
	o.user = "root";
	o.tick = count_ticks;
	o.tick_ms = 20;
	assert_int_equal(deploy_engine_run(&fake_method, NULL, &tl, &p, &o, &res), 0);
	for (size_t i = 0; i < MUSTER_NELEM(hosts); i++) {
		if (res[i].status != want[i])
			fail_msg("%s: %s (%s), want %s", hosts[i],
			         deploy_status_name(res[i].status), res[i].reason,
			         deploy_status_name(want[i]));
		assert_true(atomic_load(&res[i].done));
	}
	assert_int_equal(res[3].attempts, 2); /* flaky: one retry */
	assert_int_equal(res[4].attempts, 3); /* reset: all attempts spent */
	assert_string_equal(res[0].reason, "installed: fine");
	assert_int_equal(res[7].exit_code, 7);
	assert_true(res[7].result.present);
	assert_int_equal(res[7].result.code, 7);
	assert_non_null(strstr(res[8].reason, "timed out"));
	assert_true(res[8].duration_ms >= 400);
	assert_int_equal(res[6].failed_in, DEPLOY_ST_PRECHECK);
	/* The pool never ran more hosts at once than asked. */
	assert_true(atomic_load(&max_running) <= 3);
	assert_int_equal(atomic_load(&running), 0);
	/* Every connect got its disconnect. */
	assert_int_equal(atomic_load(&calls_connect), (int)MUSTER_NELEM(hosts) + 1 + 2);
	assert_true(ticks > 0);
	deploy_results_free(res, tl.n);

	/* A dry run stops after the precheck. */
	o.dry_run = true;
	atomic_store(&calls_cleanup, 0);
	assert_int_equal(deploy_engine_run(&fake_method, NULL, &tl, &p, &o, &res), 0);
	assert_int_equal(res[0].status, DEPLOY_OK);
	assert_non_null(strstr(res[0].reason, "dry run"));
	assert_int_equal(res[7].status, DEPLOY_OK); /* its installer never ran */
	assert_int_equal(res[8].status, DEPLOY_OK);
	deploy_results_free(res, tl.n);
	targets_free(&tl);
}

/* ---- a run stopped by a signal, and retries that clean up first ---- */

static volatile sig_atomic_t stop_flag;
static int stop_level_to_set;
static int64_t stop_t0;
static atomic_int cleanups_cut, cleanups_seen, retry_cleanups, leftover_seen;
static _Atomic int64_t cleanup_grace_ms;

/* The tick sets the stop flag 100 ms into the run, as a signal handler would. */
static void
stop_tick(void *arg, const struct deploy_progress *p, struct deploy_host_result *res)
{
	(void)arg;
	(void)p;
	(void)res;
	if (stop_flag == 0 && deploy_now_ms() - stop_t0 >= 100)
		stop_flag = stop_level_to_set;
}

static bool
named(const struct deploy_job *j, const char *prefix)
{
	return strncmp(j->target->host, prefix, strlen(prefix)) == 0;
}

/* Wait like a method does: in slices, until deploy_timed_out() or ms passed. */
static bool
wait_cut(const struct deploy_job *j, int ms)
{
	int64_t until = deploy_now_ms() + ms;

	while (deploy_now_ms() < until) {
		if (deploy_timed_out(j))
			return true;
		fake_sleep(5);
	}
	return false;
}

static int
stop_connect(struct deploy_job *j, struct deploy_outcome *o)
{
	j->mctx = calloc(1, sizeof(struct fake_ctx));
	/* "hanger": a host that accepts and then says nothing. */
	if (named(j, "hanger") && wait_cut(j, 5000)) {
		deploy_fail_timeout(j, o, "connecting");
		return MUSTER_ETIMEOUT;
	}
	return 0;
}

static int
stop_precheck(struct deploy_job *j, struct deploy_outcome *o)
{
	(void)o;
	if (j->attempt == 2 && strcmp(j->leftover, "dir-1") == 0) {
		atomic_fetch_add(&leftover_seen, 1);
		j->leftover[0] = '\0';
	}
	return 0;
}

static int
stop_upload(struct deploy_job *j, struct deploy_outcome *o)
{
	/* "dropup": the session drops during the first attempt's upload. */
	if (named(j, "dropup") && j->attempt == 1) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true, "connection lost while uploading");
		return MUSTER_ENET;
	}
	/* "uploader": 20 chunks of 20 ms; a stop request ends it between two. */
	for (int i = 0; named(j, "uploader") && i < 20; i++) {
		if (deploy_stop_requested(j)) {
			deploy_fail(o, DEPLOY_CANCELLED, false,
			            "stopped by a signal while uploading (%d of 20 chunks)", i);
			return MUSTER_ETIMEOUT;
		}
		fake_sleep(20);
	}
	return 0;
}

static int
stop_run(struct deploy_job *j, struct deploy_outcome *o)
{
	/* "runner": an installer of 300 ms, waited for unless the wait is cut. */
	if (named(j, "runner") && wait_cut(j, 300)) {
		deploy_fail_timeout(j, o, "running the installer");
		return MUSTER_ETIMEOUT;
	}
	buf_puts(&j->out, "MUSTER-RESULT status=ok code=0 reason=fine\n");
	j->exit_code = 0;
	return 0;
}

static void
stop_cleanup(struct deploy_job *j)
{
	if (j->state == DEPLOY_ST_CLEANUP && j->attempt == 1 && named(j, "dropup") &&
	    j->deadline - deploy_now_ms() <= 5000)
		atomic_fetch_add(&retry_cleanups, 1);
	if (named(j, "uploader")) {
		atomic_fetch_add(&cleanups_seen, 1);
		if (deploy_timed_out(j))
			atomic_fetch_add(&cleanups_cut, 1);
		atomic_store(&cleanup_grace_ms, j->deadline - deploy_now_ms());
	}
}

static void
stop_disconnect(struct deploy_job *j)
{
	if (named(j, "dropup") && j->attempt == 1)
		snprintf(j->leftover, sizeof(j->leftover), "dir-1");
	free(j->mctx);
	j->mctx = NULL;
}

static const struct deploy_method stop_method = {
        .name = "stop",
        .default_port = 9,
        .connect = stop_connect,
        .authenticate = fake_auth,
        .precheck = stop_precheck,
        .upload = stop_upload,
        .verify = fake_verify,
        .run = stop_run,
        .cleanup = stop_cleanup,
        .disconnect = stop_disconnect,
};

static struct deploy_host_result *
stop_run_pool(const char *const *hosts, size_t n, unsigned parallel, int level,
              struct target_list *tl)
{
	struct deploy_payload p = {0};
	struct deploy_options o = {0};
	struct deploy_host_result *res = NULL;

	memset(tl, 0, sizeof(*tl));
	for (size_t i = 0; i < n; i++) {
		struct target t = {0};
		snprintf(t.host, sizeof(t.host), "%s", hosts[i]);
		assert_int_equal(targets_append(tl, &t), 0);
	}
	o.parallel = parallel;
	o.timeout_ms = 5000;
	o.connect_timeout_ms = 100;
	o.retries = 1;
	o.backoff_ms = 10;
	o.user = "root";
	o.tick = stop_tick;
	o.tick_ms = 5;
	o.stop = &stop_flag;
	stop_flag = 0;
	stop_level_to_set = level;
	atomic_store(&cleanups_seen, 0);
	atomic_store(&cleanups_cut, 0);
	stop_t0 = deploy_now_ms();
	assert_int_equal(deploy_engine_run(&stop_method, NULL, tl, &p, &o, &res), 0);
	return res;
}

/* The first signal: nothing new starts, steps end at their boundary, cleanups run. */
static void
test_stop_wind_down(void **state)
{
	static const char *const hosts[] = {"runner1", "runner2", "uploader", "hanger",
	                                    "later1",  "later2",  "later3",   "later4"};
	struct target_list tl;
	struct deploy_host_result *res;

	(void)state;
	res = stop_run_pool(hosts, MUSTER_NELEM(hosts), 4, DEPLOY_STOP_WIND_DOWN, &tl);
	for (size_t i = 0; i < tl.n; i++)
		assert_true(atomic_load(&res[i].done));
	/* An installer already running is waited for, and its result kept. */
	assert_int_equal(res[0].status, DEPLOY_OK);
	assert_int_equal(res[1].status, DEPLOY_OK);
	assert_string_equal(res[0].reason, "installed: fine");
	/* The upload ends between two chunks; the cleanup runs, not cut, with its grace. */
	assert_int_equal(res[2].status, DEPLOY_CANCELLED);
	assert_int_equal(res[2].failed_in, DEPLOY_ST_UPLOAD);
	assert_non_null(strstr(res[2].reason, "stopped by a signal while uploading"));
	assert_int_equal(atomic_load(&cleanups_seen), 1);
	assert_int_equal(atomic_load(&cleanups_cut), 0);
	assert_true(atomic_load(&cleanup_grace_ms) > DEPLOY_CLEANUP_GRACE_S * 1000 - 500);
	assert_true(atomic_load(&cleanup_grace_ms) <= DEPLOY_CLEANUP_GRACE_S * 1000);
	/* A host still connecting stops at once (nothing is on it yet). */
	assert_int_equal(res[3].status, DEPLOY_CANCELLED);
	assert_int_equal(res[3].failed_in, DEPLOY_ST_CONNECT);
	assert_string_equal(res[3].reason, "stopped by a signal while connecting");
	assert_true(res[3].duration_ms < 1000);
	/* The hosts not started yet: cancelled, no attempt. */
	for (size_t i = 4; i < tl.n; i++) {
		assert_int_equal(res[i].status, DEPLOY_CANCELLED);
		assert_int_equal(res[i].attempts, 0);
		assert_string_equal(res[i].reason, "not started: stopped by a signal");
		assert_int_equal(res[i].failed_in, DEPLOY_ST_DONE);
	}
	deploy_results_free(res, tl.n);
	targets_free(&tl);
}

/* The second signal: every wait ends at once, cleanups included. */
static void
test_stop_abort(void **state)
{
	static const char *const hosts[] = {"runner1", "uploader", "hanger", "later1"};
	struct target_list tl;
	struct deploy_host_result *res;

	(void)state;
	res = stop_run_pool(hosts, MUSTER_NELEM(hosts), 3, DEPLOY_STOP_ABORT, &tl);
	/* The installer's wait was cut (the wind-down above waits for it). */
	assert_int_equal(res[0].status, DEPLOY_CANCELLED);
	assert_string_equal(res[0].reason, "stopped by a signal while running the installer");
	assert_int_equal(res[1].status, DEPLOY_CANCELLED);
	assert_int_equal(atomic_load(&cleanups_cut), 1); /* its cleanup was cut as well */
	assert_int_equal(res[2].status, DEPLOY_CANCELLED);
	assert_int_equal(res[3].status, DEPLOY_CANCELLED);
	assert_int_equal(res[3].attempts, 0);
	deploy_results_free(res, tl.n);
	targets_free(&tl);
}

/* A retry first cleans up the failed attempt; what stayed is handed to the next one. */
static void
test_retry_cleans_up(void **state)
{
	static const char *const hosts[] = {"dropup"};
	struct target_list tl;
	struct deploy_host_result *res;

	(void)state;
	atomic_store(&retry_cleanups, 0);
	atomic_store(&leftover_seen, 0);
	res = stop_run_pool(hosts, 1, 1, 0, &tl);
	assert_int_equal(res[0].status, DEPLOY_OK);
	assert_int_equal(res[0].attempts, 2);
	assert_int_equal(atomic_load(&retry_cleanups), 1);
	assert_int_equal(atomic_load(&leftover_seen), 1);
	deploy_results_free(res, tl.n);
	targets_free(&tl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sm_happy_path),         cmocka_unit_test(test_sm_dry_run),
	        cmocka_unit_test(test_sm_failures),           cmocka_unit_test(test_sm_retries),
	        cmocka_unit_test(test_result_line),           cmocka_unit_test(test_judge),
	        cmocka_unit_test(test_tail_and_status_names), cmocka_unit_test(test_pool),
	        cmocka_unit_test(test_stop_wind_down),        cmocka_unit_test(test_stop_abort),
	        cmocka_unit_test(test_retry_cleans_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
