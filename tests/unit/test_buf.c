/* test_buf.c - growable buffer: growth, the hard cap, NUL termination, steal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/muster.h"

static void
test_append_grows_and_terminates(void **state)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.data[b.len], 0);
	assert_int_equal(strlen(buf_cstr(&b)), 3000);
	buf_free(&b);
	assert_null(b.data);
	buf_free(NULL);
}

static void
test_cap_is_hard_and_leaves_contents(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_putc(&b, 'x'), MUSTER_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_cstr(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%d", 1), MUSTER_ETOOBIG);
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_free(&b);
}

static void
test_reserve_overflow(void **state)
{
	struct buf b;

	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_putc(&b, 'a'), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), MUSTER_ETOOBIG);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), MUSTER_ETOOBIG);
	buf_free(&b);
}

static void
test_printf_and_reset(void **state)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(buf_printf(&b, "k=%s n=%d", "v", 42), 0);
	assert_string_equal(buf_cstr(&b), "k=v n=42");
	buf_reset(&b);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_printf(&b, "%0200d", 7), 0);
	assert_int_equal(b.len, 200);
	buf_free(&b);
}

static void
test_steal(void **state)
{
	struct buf b;
	uint8_t *p;
	size_t len;

	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "\0\1\2", 3), 0);
	p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 3);
	assert_int_equal(p[1], 1);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append_grows_and_terminates),
	        cmocka_unit_test(test_cap_is_hard_and_leaves_contents),
	        cmocka_unit_test(test_reserve_overflow),
	        cmocka_unit_test(test_printf_and_reset),
	        cmocka_unit_test(test_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
