/* testutil.h - helpers the decoder tests share (each test is its own program). */
#ifndef MUSTER_TESTUTIL_H
#define MUSTER_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"

/* An exact-size heap copy of the first n bytes, so ASan catches any overread. */
static inline uint8_t *
dup_prefix(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	assert_non_null(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

/* A sub-cursor a decoder hands out must lie within its input. */
static inline void
assert_within(const struct cursor *sub, const uint8_t *buf, size_t n)
{
	assert_true(sub->rem == 0 || (sub->p >= buf && sub->p + sub->rem <= buf + n));
}

#endif
