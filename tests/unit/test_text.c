/* test_text.c - escaping untrusted text: hostile UTF-8, controls, caps that fall mid-sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/text.h"

#define L(s) s, sizeof(s) - 1 /* a literal with its length, NULs included */

struct san_case {
	const char *name;
	const char *in;
	size_t inlen;
	size_t outsz;
	const char *want;
};

static void
run_cases(const struct san_case *cases, size_t n)
{
	char out[256];

	for (size_t i = 0; i < n; i++) {
		const struct san_case *t = &cases[i];
		size_t got;

		memset(out, 'Z', sizeof(out));
		got = text_sanitize(t->in, t->inlen, out, t->outsz);
		if (strcmp(out, t->want) != 0 || got != strlen(t->want))
			fail_msg("case '%s': got '%s' (%zu), want '%s'", t->name, out, got,
			         t->want);
	}
}

static void
test_keeps_valid_text(void **state)
{
	static const struct san_case cases[] = {
	        {"empty", L(""), 64, ""},
	        {"ascii", L("SSH-2.0-OpenSSH_9.2p1 Debian"), 64, "SSH-2.0-OpenSSH_9.2p1 Debian"},
	        {"2-byte", L("caf\xc3\xa9"), 64, "caf\xc3\xa9"},
	        {"3-byte", L("\xe2\x82\xac 5"), 64, "\xe2\x82\xac 5"},
	        {"4-byte", L("\xf0\x9f\x98\x80"), 64, "\xf0\x9f\x98\x80"},
	        {"nbsp U+00A0", L("\xc2\xa0"), 64, "\xc2\xa0"},
	        {"U+D7FF", L("\xed\x9f\xbf"), 64, "\xed\x9f\xbf"},
	        {"U+E000", L("\xee\x80\x80"), 64, "\xee\x80\x80"},
	        {"U+10FFFF", L("\xf4\x8f\xbf\xbf"), 64, "\xf4\x8f\xbf\xbf"},
	        {"U+0800", L("\xe0\xa0\x80"), 64, "\xe0\xa0\x80"},
	        {"U+10000", L("\xf0\x90\x80\x80"), 64, "\xf0\x90\x80\x80"},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_escapes_controls(void **state)
{
	static const struct san_case cases[] = {
	        {"newline tab cr", L("a\nb\tc\r"), 64, "a\\x0ab\\x09c\\x0d"},
	        {"terminal escape", L("\x1b[31mred"), 64, "\\x1b[31mred"},
	        {"DEL", L("x\x7fy"), 64, "x\\x7fy"},
	        {"embedded NUL", L("a\0b"), 64, "a\\x00b"},
	        {"backslash", L("C:\\temp"), 64, "C:\\\\temp"},
	        {"looks like escape", L("\\x41"), 64, "\\\\x41"},
	        {"C1 NEL U+0085", L("\xc2\x85"), 64, "\\xc2\\x85"},
	        {"C1 CSI U+009B", L("\xc2\x9b"), 64, "\\xc2\\x9b"},
	        {"C1 U+0080", L("\xc2\x80"), 64, "\\xc2\\x80"},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_escapes_invalid_utf8(void **state)
{
	static const struct san_case cases[] = {
	        {"lone continuation", L("\x80"), 64, "\\x80"},
	        {"ff fe", L("\xff\xfe"), 64, "\\xff\\xfe"},
	        {"overlong slash 2", L("\xc0\xaf"), 64, "\\xc0\\xaf"},
	        {"overlong c1", L("\xc1\xbf"), 64, "\\xc1\\xbf"},
	        {"overlong 3", L("\xe0\x80\xaf"), 64, "\\xe0\\x80\\xaf"},
	        {"overlong 4", L("\xf0\x80\x80\xaf"), 64, "\\xf0\\x80\\x80\\xaf"},
	        {"overlong NUL", L("\xc0\x80"), 64, "\\xc0\\x80"},
	        {"surrogate D800", L("\xed\xa0\x80"), 64, "\\xed\\xa0\\x80"},
	        {"surrogate DFFF", L("\xed\xbf\xbf"), 64, "\\xed\\xbf\\xbf"},
	        {"above 10FFFF", L("\xf4\x90\x80\x80"), 64, "\\xf4\\x90\\x80\\x80"},
	        {"f5 lead", L("\xf5\x80\x80\x80"), 64, "\\xf5\\x80\\x80\\x80"},
	        {"truncated at end", L("ab\xe2\x82"), 64, "ab\\xe2\\x82"},
	        {"lead then ascii", L("\xe2("), 64, "\\xe2("},
	        {"bad then good", L("\xc3\xc3\xa9"), 64, "\\xc3\xc3\xa9"},
	        {"latin-1", L("Gr\xfc\xdf"), 64, "Gr\\xfc\\xdf"},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The cap takes whole units only: never half an escape or half a character. */
static void
test_cap_never_splits(void **state)
{
	static const struct san_case cases[] = {
	        {"plain cut", L("abcdef"), 4, "abc"},
	        {"only NUL fits", L("abc"), 1, ""},
	        {"escape does not fit", L("ab\n"), 5, "ab"},
	        {"escape just fits", L("ab\n"), 7, "ab\\x0a"},
	        {"backslash does not fit", L("a\\"), 3, "a"},
	        {"backslash fits", L("a\\"), 4, "a\\\\"},
	        {"3-byte does not fit", L("a\xe2\x82\xac"), 3, "a"},
	        {"3-byte fits", L("a\xe2\x82\xac"), 5, "a\xe2\x82\xac"},
	        {"4-byte does not fit", L("\xf0\x9f\x98\x80"), 4, ""},
	        {"C1 pair half fits", L("a\xc2\x85"), 8, "a"},
	        {"C1 pair fits", L("a\xc2\x85"), 10, "a\\xc2\\x85"},
	        {"stops at first misfit", L("ab\nc"), 5, "ab"},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_outsz_zero_and_null(void **state)
{
	char out[4] = "zzz";

	assert_int_equal(text_sanitize("abc", 3, out, 0), 0);
	assert_string_equal(out, "zzz");
	assert_int_equal(text_sanitize(NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_sanitize(NULL, 10, out, sizeof(out)), 0);
}

static void
test_dup(void **state)
{
	char *s;
	uint8_t all[256];

	s = text_sanitize_dup("a\nb", 3, TEXT_NAME_MAX);
	assert_non_null(s);
	assert_string_equal(s, "a\\x0ab");
	free(s);
	s = text_sanitize_dup("abcdef", 6, 3);
	assert_string_equal(s, "abc");
	free(s);
	s = text_sanitize_dup("abc", 3, 0);
	assert_string_equal(s, "");
	free(s);
	s = text_sanitize_dup(NULL, 0, 10);
	assert_string_equal(s, "");
	free(s);
	/* Worst case: every byte an escape, cap far above it. */
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)(0x80 + i % 0x40);
	s = text_sanitize_dup(all, sizeof(all), 10000);
	assert_int_equal(strlen(s), 4 * sizeof(all));
	free(s);
	s = text_sanitize_dup(all, sizeof(all), TEXT_BANNER_MAX);
	assert_int_equal(strlen(s), TEXT_BANNER_MAX);
	free(s);
	s = text_sanitize_dup(all, sizeof(all), TEXT_NAME_MAX);
	assert_int_equal(strlen(s), 252); /* 255 cut to whole escapes */
	free(s);
}

static void
test_is_safe(void **state)
{
	static const struct {
		const char *s;
		bool safe;
	} cases[] = {
	        {"", true},
	        {"ws-042.corp.example", true},
	        {"caf\xc3\xa9 \xf0\x9f\x98\x80", true},
	        {"a\\b", false},
	        {"a\tb", false},
	        {"\x7f", false},
	        {"\xc2\x85", false},
	        {"\xc2\xa0", true},
	        {"\xc0\xaf", false},
	        {"\xed\xa0\x80", false},
	        {"\xf4\x90\x80\x80", false},
	        {"\xe2\x82", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		if (text_is_safe(cases[i].s) != cases[i].safe)
			fail_msg("case %zu", i);
		/* Safe means unchanged. */
		text_sanitize(cases[i].s, strlen(cases[i].s), out, sizeof(out));
		assert_true((strcmp(out, cases[i].s) == 0) == cases[i].safe);
	}
	assert_false(text_is_safe(NULL));
}

static void
test_utf8_valid(void **state)
{
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid(NULL, 0));
	assert_false(text_utf8_valid(NULL, 1));
	assert_true(text_utf8_valid("a\0b\n\x7f", 5));       /* controls are valid UTF-8 */
	assert_true(text_utf8_valid("\xc2\x85", 2));         /* C1 too */
	assert_true(text_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(text_utf8_valid("\xed\xa0\x80", 3));
	assert_false(text_utf8_valid("\xc0\x80", 2));
	assert_false(text_utf8_valid("\xe0\x9f\xbf", 3)); /* overlong U+07FF */
	assert_false(text_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(text_utf8_valid("\xe2\x82\xac", 2)); /* length cuts the sequence */
	assert_false(text_utf8_valid("\xfe", 1));
}

/* Every input, every cap: output is valid one-line UTF-8 and a prefix of the uncapped output. */
static void
test_random_inputs(void **state)
{
	uint8_t in[64];
	char full[4 * sizeof(in) + 1], capped[4 * sizeof(in) + 1];
	uint32_t seed = 12345;

	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)round % sizeof(in), flen, clen, cap;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (uint8_t)(seed >> 16);
		}
		flen = text_sanitize(in, len, full, sizeof(full));
		assert_int_equal(flen, strlen(full));
		assert_true(text_utf8_valid(full, flen));
		for (size_t i = 0; i < flen; i++)
			assert_true((uint8_t)full[i] >= 0x20 && full[i] != 0x7f);
		cap = 1 + (size_t)round % 40;
		clen = text_sanitize(in, len, capped, cap);
		assert_true(clen < cap);
		assert_memory_equal(capped, full, clen);
		assert_true(text_utf8_valid(capped, clen));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keeps_valid_text),
	        cmocka_unit_test(test_escapes_controls),
	        cmocka_unit_test(test_escapes_invalid_utf8),
	        cmocka_unit_test(test_cap_never_splits),
	        cmocka_unit_test(test_outsz_zero_and_null),
	        cmocka_unit_test(test_dup),
	        cmocka_unit_test(test_is_safe),
	        cmocka_unit_test(test_utf8_valid),
	        cmocka_unit_test(test_random_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
