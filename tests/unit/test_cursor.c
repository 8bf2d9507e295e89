/* test_cursor.c - the bounds-checked reader: every getter, truncated input, sticky errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cursor.h"

static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

static void
test_reads_big_and_little_endian(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof(bytes));
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	assert_true(cursor_u8(&c, &u8));
	assert_int_equal(u8, 0x01);
	assert_true(cursor_u16be(&c, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(cursor_u16le(&c, &u16));
	assert_int_equal(u16, 0x0504);
	assert_true(cursor_u32be(&c, &u32));
	assert_int_equal(u32, 0x06070809);
	assert_int_equal(c.rem, 0);
	assert_true(cursor_ok(&c));
}

static void
test_u64(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof(bytes));
	uint64_t v;

	assert_true(cursor_u64be(&c, &v));
	assert_true(v == 0x0102030405060708ULL);
	c = cursor_init(bytes, sizeof(bytes));
	assert_true(cursor_u64le(&c, &v));
	assert_true(v == 0x0807060504030201ULL);
	c = cursor_init(bytes, 4);
	assert_true(cursor_u32le(&c, (uint32_t *)&(uint32_t){0}));
}

/* Each getter on one byte too few: fails, consumes nothing, zeroes out, sets bad. */
static void
test_truncated_each_getter(void **state)
{
	struct cursor c;
	uint8_t u8 = 0xaa, blk[4] = {0xaa, 0xaa, 0xaa, 0xaa};
	uint16_t u16 = 0xaaaa;
	uint32_t u32 = 0xaaaaaaaa;
	uint64_t u64 = 1;
	const uint8_t *p = bytes;
	struct cursor sub;

	c = cursor_init(bytes, 0);
	assert_false(cursor_u8(&c, &u8));
	assert_int_equal(u8, 0);
	assert_false(cursor_ok(&c));

	c = cursor_init(bytes, 1);
	assert_false(cursor_u16be(&c, &u16));
	assert_int_equal(u16, 0);
	assert_int_equal(c.rem, 1);
	c = cursor_init(bytes, 1);
	assert_false(cursor_u16le(&c, &u16));
	assert_int_equal(c.rem, 1);
	c = cursor_init(bytes, 3);
	assert_false(cursor_u32be(&c, &u32));
	assert_int_equal(u32, 0);
	assert_int_equal(c.rem, 3);
	c = cursor_init(bytes, 3);
	assert_false(cursor_u32le(&c, &u32));
	assert_int_equal(c.rem, 3);
	c = cursor_init(bytes, 7);
	assert_false(cursor_u64be(&c, &u64));
	assert_true(u64 == 0);
	assert_int_equal(c.rem, 7);
	c = cursor_init(bytes, 7);
	assert_false(cursor_u64le(&c, &u64));
	c = cursor_init(bytes, 3);
	assert_false(cursor_bytes(&c, blk, 4));
	assert_int_equal(blk[0], 0);
	assert_int_equal(c.rem, 3);
	c = cursor_init(bytes, 3);
	assert_false(cursor_ptr(&c, &p, 4));
	assert_null(p);
	c = cursor_init(bytes, 3);
	assert_false(cursor_skip(&c, 4));
	assert_int_equal(c.rem, 3);
	c = cursor_init(bytes, 3);
	assert_false(cursor_sub(&c, 4, &sub));
	assert_false(cursor_ok(&sub));
	assert_int_equal(sub.rem, 0);
	assert_false(cursor_ok(&c));
}

/* After one failure every later read fails, even one that would fit. */
static void
test_sticky_error(void **state)
{
	struct cursor c = cursor_init(bytes, 2);
	uint32_t u32;
	uint8_t u8;

	assert_false(cursor_u32be(&c, &u32));
	assert_false(cursor_u8(&c, &u8));
	assert_int_equal(c.rem, 2);
	assert_false(cursor_ok(&c));
}

static void
test_sub_cursor_is_bounded(void **state)
{
	struct cursor c = cursor_init(bytes, sizeof(bytes)), sub;
	uint16_t v;
	uint8_t u8;

	assert_true(cursor_sub(&c, 3, &sub));
	assert_int_equal(c.rem, 6);
	assert_true(cursor_u16be(&sub, &v));
	assert_false(cursor_u16be(&sub, &v)); /* only one byte left in sub */
	assert_true(cursor_ok(&c));           /* parent unaffected */
	assert_true(cursor_u8(&c, &u8));
	assert_int_equal(u8, 0x04);
}

static void
test_seek_and_peek(void **state)
{
	struct cursor base = cursor_init(bytes, sizeof(bytes));
	struct cursor c = base;
	uint8_t u8;

	assert_true(cursor_seek(&c, &base, 8));
	assert_true(cursor_peek_u8(&c, &u8));
	assert_int_equal(u8, 0x09);
	assert_int_equal(c.rem, 1);
	assert_true(cursor_seek(&c, &base, 9)); /* end is a valid position */
	assert_false(cursor_peek_u8(&c, &u8));
	assert_true(cursor_ok(&c)); /* peek never sets bad */
	assert_false(cursor_seek(&c, &base, 10));
	assert_false(cursor_ok(&c));
}

static void
test_null_empty(void **state)
{
	struct cursor c = cursor_init(NULL, 5);
	uint8_t u8;

	assert_int_equal(c.rem, 0);
	assert_false(cursor_u8(&c, &u8));
	c = cursor_init(NULL, 0);
	assert_true(cursor_bytes(&c, NULL, 0));
	assert_true(cursor_skip(&c, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reads_big_and_little_endian),
	        cmocka_unit_test(test_u64),
	        cmocka_unit_test(test_truncated_each_getter),
	        cmocka_unit_test(test_sticky_error),
	        cmocka_unit_test(test_sub_cursor_is_bounded),
	        cmocka_unit_test(test_seek_and_peek),
	        cmocka_unit_test(test_null_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
