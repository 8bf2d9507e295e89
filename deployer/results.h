/*
 * results.h - what muster-deploy tells people and tools: a live progress
 * line on a terminal, a summary by status, the JSON and CSV reports, the
 * failed-hosts file for --retry-from.
 */
#ifndef MUSTER_DEPLOY_RESULTS_H
#define MUSTER_DEPLOY_RESULTS_H

#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "deployer/engine.h"
#include "deployer/targets.h"

/* Everything a report needs; nothing in it is secret. */
struct report_ctx {
	const struct target_list *tl;
	const struct deploy_host_result *res; /* tl->n of them */
	const char *method;
	uint16_t default_port;
	const char *default_user;
	const char *installer_sha256;
	bool dry_run;
};

/*
 * The JSON report: an array with one object per host, in target order:
 * host, port, user, status, reason, duration_ms, attempts, and when known
 * name, failed_in, os, arch, privilege, exit_code, installer_result,
 * stdout, stderr (tails). Appended to out.
 */
int results_json(const struct report_ctx *c, struct buf *out);
/* CSV (RFC 4180): host,port,user,status,reason,duration_ms,attempts,exit_code. */
int results_csv(const struct report_ctx *c, struct buf *out);
/* One "user@host:port" line per host that is not ok (the --retry-from format). */
int results_failed(const struct report_ctx *c, struct buf *out);

/* Write b to path through a temporary file and rename. 0 or MUSTER_EIO. */
int results_write_file(const char *path, const struct buf *b);

/*
 * Hosts to retry from a failed-hosts file, or from a JSON report (those
 * whose status is not ok). Appends to out. 0, MUSTER_EIO, MUSTER_EPARSE.
 */
int results_load_retry(const char *path, struct target_list *out, struct targets_diag *d);

/* The summary: counts by status, then each failed host with its reason (at most max_list). */
void results_summary(FILE *f, const struct report_ctx *c, int64_t wall_ms, size_t max_list);

/* One progress line ("\r" + erase) for a terminal; final ends it with a newline. */
void results_progress(FILE *f, const struct deploy_progress *p, int64_t elapsed_ms, bool final);

#endif
