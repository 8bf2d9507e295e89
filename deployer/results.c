/*
 * results.c - reports of a deployment run: JSON array, CSV (RFC 4180, with
 * spreadsheet formula cells defused), the failed-hosts file, the summary and
 * the progress line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/muster.h"
#include "common/text.h"
#include "deployer/results.h"

static struct json_object *
host_json(const struct report_ctx *c, size_t i)
{
	const struct target *t = &c->tl->v[i];
	const struct deploy_host_result *r = &c->res[i];
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "host", json_object_new_string(t->host));
	json_object_object_add(o, "port", json_object_new_int(t->port ? t->port : c->default_port));
	json_object_object_add(o, "user",
	                       json_object_new_string(t->user[0] ? t->user : c->default_user));
	if (t->name[0])
		json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "method", json_object_new_string(c->method));
	json_object_object_add(o, "status", json_object_new_string(deploy_status_name(r->status)));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(o, "duration_ms", json_object_new_int64(r->duration_ms));
	json_object_object_add(o, "attempts", json_object_new_int(r->attempts));
	if (r->status != DEPLOY_OK && r->failed_in != DEPLOY_ST_DONE)
		json_object_object_add(o, "failed_in",
		                       json_object_new_string(deploy_state_name(r->failed_in)));
	if (r->facts.os[0])
		json_object_object_add(o, "os", json_object_new_string(r->facts.os));
	if (r->facts.arch[0])
		json_object_object_add(o, "arch", json_object_new_string(r->facts.arch));
	if (r->facts.priv[0])
		json_object_object_add(o, "privilege", json_object_new_string(r->facts.priv));
	if (r->exit_code >= 0)
		json_object_object_add(o, "exit_code", json_object_new_int(r->exit_code));
	if (r->result.present) {
		struct json_object *ir = json_object_new_object();
		json_object_object_add(ir, "status", json_object_new_string(r->result.status));
		json_object_object_add(ir, "code", json_object_new_int(r->result.code));
		json_object_object_add(ir, "reason", json_object_new_string(r->result.reason));
		json_object_object_add(o, "installer_result", ir);
	}
	if (r->out_tail)
		json_object_object_add(o, "stdout", json_object_new_string(r->out_tail));
	if (r->err_tail)
		json_object_object_add(o, "stderr", json_object_new_string(r->err_tail));
	return o;
}

int
results_json(const struct report_ctx *c, struct buf *out)
{
	int r = buf_puts(out, "[");

	for (size_t i = 0; i < c->tl->n && r == 0; i++) {
		struct json_object *o = host_json(c, i);
		if (o == NULL)
			return MUSTER_ENOMEM;
		r = buf_printf(out, "%s\n  %s", i ? "," : "",
		               json_object_to_json_string_ext(
		                       o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (r == 0)
		r = buf_puts(out, c->tl->n ? "\n]\n" : "]\n");
	return r;
}

/* An RFC 4180 cell; a leading = + - @ or tab gets a ' so spreadsheets do not run it. */
static int
csv_cell(struct buf *b, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int r = 0;

	if (quote)
		r = buf_putc(b, '"');
	if (r == 0 && strchr("=+-@\t", s[0]) != NULL && s[0] != '\0')
		r = buf_putc(b, '\'');
	for (const char *p = s; *p && r == 0; p++)
		r = *p == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *p);
	if (r == 0 && quote)
		r = buf_putc(b, '"');
	if (r == 0)
		r = last ? buf_puts(b, "\r\n") : buf_putc(b, ',');
	return r;
}

int
results_csv(const struct report_ctx *c, struct buf *out)
{
	int r = buf_puts(out, "host,port,user,status,reason,duration_ms,attempts,exit_code\r\n");

	for (size_t i = 0; i < c->tl->n && r == 0; i++) {
		const struct target *t = &c->tl->v[i];
		const struct deploy_host_result *res = &c->res[i];
		char num[32];
		r = csv_cell(out, t->host, false);
		snprintf(num, sizeof(num), "%u", t->port ? t->port : c->default_port);
		r = r ? r : csv_cell(out, num, false);
		r = r ? r : csv_cell(out, t->user[0] ? t->user : c->default_user, false);
		r = r ? r : csv_cell(out, deploy_status_name(res->status), false);
		r = r ? r : csv_cell(out, res->reason, false);
		snprintf(num, sizeof(num), "%lld", (long long)res->duration_ms);
		r = r ? r : csv_cell(out, num, false);
		snprintf(num, sizeof(num), "%d", res->attempts);
		r = r ? r : csv_cell(out, num, false);
		if (res->exit_code >= 0)
			snprintf(num, sizeof(num), "%d", res->exit_code);
		else
			num[0] = '\0';
		r = r ? r : csv_cell(out, num, true);
	}
	return r;
}

int
results_failed(const struct report_ctx *c, struct buf *out)
{
	int r = buf_printf(out, "# muster-deploy: hosts that did not end ok; rerun with "
	                        "--retry-from THIS_FILE\n");

	for (size_t i = 0; i < c->tl->n && r == 0; i++) {
		char spec[TARGET_HOST_MAX + 48];
		struct target t = c->tl->v[i];
		if (c->res[i].status == DEPLOY_OK)
			continue;
		if (t.port == 0)
			t.port = c->default_port;
		targets_format_spec(&t, spec, sizeof(spec));
		r = buf_printf(out, "%s  # %s\n", spec, deploy_status_name(c->res[i].status));
	}
	return r;
}

int
results_write_file(const char *path, const struct buf *b)
{
	char tmp[4096];
	int fd, saved;
	size_t off = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return MUSTER_EINVAL;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return MUSTER_EIO;
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off != b->len || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return MUSTER_EIO;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return MUSTER_EIO;
	}
	return 0;
}

int
results_load_retry(const char *path, struct target_list *out, struct targets_diag *d)
{
	struct json_object *arr;
	FILE *f = fopen(path, "re");
	int ch, r = 0;

	if (f == NULL) {
		targets_diag_add(d, path, 0, "cannot open: %s", strerror(errno));
		return MUSTER_EIO;
	}
	do
		ch = fgetc(f);
	while (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t');
	fclose(f);
	if (ch != '[')
		return targets_load_file(path, TARGETS_LINES, out, d);
	/* A JSON report: the hosts that did not end ok. */
	if ((arr = json_object_from_file(path)) == NULL ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		targets_diag_add(d, path, 0, "not a muster-deploy JSON report");
		return MUSTER_EPARSE;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && r == 0; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;
		struct target t;
		char why[128];
		const char *host;
		if (!json_object_object_get_ex(o, "status", &v) ||
		    strcmp(json_object_get_string(v), "ok") == 0)
			continue;
		if (!json_object_object_get_ex(o, "host", &v) ||
		    (host = json_object_get_string(v)) == NULL) {
			targets_diag_add(d, path, 0, "entry %zu has no host", i);
			continue;
		}
		if (strchr(host, ':') != NULL) {
			char b[TARGET_HOST_MAX + 4];
			snprintf(b, sizeof(b), "[%s]", host);
			if (!targets_parse_spec(b, &t, why, sizeof(why))) {
				targets_diag_add(d, path, 0, "entry %zu: %s", i, why);
				continue;
			}
		} else if (!targets_parse_spec(host, &t, why, sizeof(why))) {
			targets_diag_add(d, path, 0, "entry %zu: %s", i, why);
			continue;
		}
		if (json_object_object_get_ex(o, "port", &v)) {
			int p = json_object_get_int(v);
			if (p > 0 && p < 65536)
				t.port = (uint16_t)p;
		}
		if (json_object_object_get_ex(o, "user", &v))
			text_sanitize(json_object_get_string(v), strlen(json_object_get_string(v)),
			              t.user, sizeof(t.user));
		/* Over TARGETS_MAX: counted in out->over, the caller says so. */
		if ((r = targets_append(out, &t)) == MUSTER_ETOOBIG)
			r = 0;
	}
	json_object_put(arr);
	return r;
}

void
results_summary(FILE *f, const struct report_ctx *c, int64_t wall_ms, size_t max_list)
{
	size_t count[DEPLOY_STATUS_N] = {0}, listed = 0, failed = 0;

	for (size_t i = 0; i < c->tl->n; i++)
		count[c->res[i].status]++;
	fprintf(f, "muster-deploy: %zu host%s in %.1f s%s:", c->tl->n, c->tl->n == 1 ? "" : "s",
	        (double)wall_ms / 1000.0, c->dry_run ? " (dry run)" : "");
	for (int s = DEPLOY_OK; s < DEPLOY_STATUS_N; s++) {
		if (count[s] || s == DEPLOY_OK)
			fprintf(f, "%s %s %zu", s == DEPLOY_OK ? "" : ",",
			        deploy_status_name((enum deploy_status)s), count[s]);
		if (s != DEPLOY_OK)
			failed += count[s];
	}
	fputc('\n', f);
	for (size_t i = 0; i < c->tl->n && failed; i++) {
		char spec[TARGET_HOST_MAX + 48];
		if (c->res[i].status == DEPLOY_OK)
			continue;
		if (listed++ == max_list) {
			fprintf(f, "  ... and %zu more (see the report)\n", failed - max_list);
			break;
		}
		targets_format_spec(&c->tl->v[i], spec, sizeof(spec));
		fprintf(f, "  %-24s %-17s %s\n", spec, deploy_status_name(c->res[i].status),
		        c->res[i].reason);
	}
}

void
results_progress(FILE *f, const struct deploy_progress *p, int64_t elapsed_ms, bool final)
{
	fprintf(f, "\r\033[K[%zu/%zu] %.0fs ok %zu", p->finished, p->total,
	        (double)elapsed_ms / 1000.0, p->by_status[DEPLOY_OK]);
	for (int s = DEPLOY_UNREACHABLE; s < DEPLOY_STATUS_N; s++)
		if (p->by_status[s])
			fprintf(f, ", %s %zu", deploy_status_name((enum deploy_status)s),
			        p->by_status[s]);
	if (!final)
		fprintf(f, ", running %zu", p->started - p->finished);
	fputs(final ? "\n" : "", f);
	fflush(f);
}
