/* log.c - key=value event lines to stderr or syslog, with rate limits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"
#include "common/muster.h"

static const char *log_prog = "muster";
static bool log_syslog;
static enum log_level log_level = LOG_INFO_;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
log_init(const char *prog, bool to_syslog, enum log_level level)
{
	log_prog = prog;
	log_syslog = to_syslog;
	log_level = level;
	if (to_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

bool
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < MUSTER_NELEM(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

static void log_emit(enum log_level level, const char *event, const char *extra, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));

static void
log_emit(enum log_level level, const char *event, const char *extra, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	n = snprintf(line, sizeof(line), "level=%s event=%s", level_names[level], event);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)strlen(line);
	if (fmt && *fmt) {
		line[n++] = ' ';
		line[n] = 0;
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	}
	if (extra) {
		n = (int)strlen(line);
		snprintf(line + n, sizeof(line) - (size_t)n, "%s", extra);
	}
	/* One event is one line, whatever a caller passed in. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_syslog) {
		static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
		syslog(prio[level], "%s", line);
	} else {
		fprintf(stderr, "%s: %s\n", log_prog, line);
	}
}

void
log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_emit(level, event, NULL, fmt, ap);
	va_end(ap);
}

void
log_event_rl(struct log_ratelimit *rl, enum log_level level, const char *event, const char *fmt,
             ...)
{
	char extra[64] = "";
	time_t now = time(NULL);
	va_list ap;

	rl->total++;
	if (now - rl->window_start >= (time_t)rl->interval) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->in_window++;
	if (level > log_level)
		return;
	if (rl->suppressed) {
		snprintf(extra, sizeof(extra), " suppressed=%llu",
		         (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	}
	va_start(ap, fmt);
	log_emit(level, event, extra[0] ? extra : NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR_, event, NULL, fmt, ap);
	va_end(ap);
	exit(MUSTER_EXIT_RUNTIME);
}
