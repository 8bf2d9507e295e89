/* log.h - one line per event, key=value fields, stderr or syslog. */
#ifndef MUSTER_LOG_H
#define MUSTER_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum log_level { LOG_ERR_ = 0, LOG_WARN_ = 1, LOG_INFO_ = 2, LOG_DEBUG_ = 3 };

/*
 * Set the program name and where lines go: stderr in the foreground, syslog
 * (daemon facility) when to_syslog. Lines above `level` are dropped.
 */
void log_init(const char *prog, bool to_syslog, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; false when unknown. */
bool log_level_parse(const char *s, enum log_level *out);

/*
 * Log one event: `event` is a short word (e.g. "capture-open"), fmt the
 * key=value fields. Never pass secrets. Values from the wire must be made
 * safe with text_sanitize() first.
 */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_error(ev, ...) log_event(LOG_ERR_, ev, __VA_ARGS__)
#define log_warn(ev, ...)  log_event(LOG_WARN_, ev, __VA_ARGS__)
#define log_info(ev, ...)  log_event(LOG_INFO_, ev, __VA_ARGS__)
#define log_debug(ev, ...) log_event(LOG_DEBUG_, ev, __VA_ARGS__)

/*
 * A rate limit for one kind of repeated warning (e.g. malformed packets):
 * at most `burst` lines per `interval` seconds; the lines held back are
 * counted and their number is reported on the next line let through.
 * Zero-initialise with LOG_RATELIMIT(interval, burst).
 */
struct log_ratelimit {
	unsigned interval;
	unsigned burst;
	time_t window_start;
	unsigned in_window;
	uint64_t suppressed;
	uint64_t total;
};
#define LOG_RATELIMIT(iv, b)                                                                       \
	{                                                                                          \
		(iv), (b), 0, 0, 0, 0                                                              \
	}

void log_event_rl(struct log_ratelimit *rl, enum log_level level, const char *event,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Print a start-up error and exit(MUSTER_EXIT_RUNTIME). Only in main(). */
void fatal(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
