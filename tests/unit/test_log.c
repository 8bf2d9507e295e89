/* test_log.c - event lines: format, levels, one line per event, rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"

/* Run fn with stderr redirected to a temp file; return what it wrote. */
static void
capture(void (*fn)(void), char *out, size_t outlen)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = 0;
	fclose(tmp);
}

static void
emit_info(void)
{
	log_info("capture-open", "iface=%s snaplen=%d", "eth0", 256);
}

static void
emit_newline(void)
{
	log_warn("bad", "text=%s", "a\nb\rc");
}

static void
emit_debug(void)
{
	log_debug("noise", "x=1");
}

static struct log_ratelimit rl = LOG_RATELIMIT(3600, 3);

static void
emit_burst(void)
{
	for (int i = 0; i < 10; i++)
		log_event_rl(&rl, LOG_WARN_, "malformed", "proto=dhcp");
}

static void
test_line_format(void **state)
{
	char out[512];

	log_init("t", false, LOG_INFO_);
	capture(emit_info, out, sizeof(out));
	assert_string_equal(out, "t: level=info event=capture-open iface=eth0 snaplen=256\n");
}

static void
test_one_line_per_event(void **state)
{
	char out[512];

	log_init("t", false, LOG_INFO_);
	capture(emit_newline, out, sizeof(out));
	assert_string_equal(out, "t: level=warn event=bad text=a b c\n");
}

static void
test_level_filter(void **state)
{
	char out[512];
	enum log_level l;

	log_init("t", false, LOG_INFO_);
	capture(emit_debug, out, sizeof(out));
	assert_string_equal(out, "");
	assert_true(log_level_parse("debug", &l));
	assert_int_equal(l, LOG_DEBUG_);
	assert_false(log_level_parse("loud", &l));
	log_set_level(LOG_DEBUG_);
	capture(emit_debug, out, sizeof(out));
	assert_string_equal(out, "t: level=debug event=noise x=1\n");
}

static void
test_rate_limit_counts(void **state)
{
	char out[1024];
	int lines = 0;

	log_init("t", false, LOG_INFO_);
	capture(emit_burst, out, sizeof(out));
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	assert_int_equal(rl.total, 10);
	assert_int_equal(rl.suppressed, 7);
	/* The next window reports what was held back. */
	rl.window_start -= 3601;
	capture(emit_burst, out, sizeof(out));
	assert_non_null(strstr(out, "suppressed=7"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_line_format),
	        cmocka_unit_test(test_one_line_per_event),
	        cmocka_unit_test(test_level_filter),
	        cmocka_unit_test(test_rate_limit_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
