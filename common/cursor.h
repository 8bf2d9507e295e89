/* cursor.h - bounds-checked reader for untrusted bytes (STYLE.md). */
#ifndef MUSTER_CURSOR_H
#define MUSTER_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A cursor reads forward through a byte range it does not own. Every read
 * checks what remains; a read that does not fit consumes nothing, sets the
 * sticky `bad` flag and returns false, so a chain of reads may be checked once
 * at the end with cursor_ok(). Output arguments are zeroed on failure.
 */
struct cursor {
	const uint8_t *p;
	size_t rem;
	bool bad;
};

/* A cursor over [p, p + len). p may be NULL when len is 0. */
static inline struct cursor
cursor_init(const void *p, size_t len)
{
	struct cursor c = {(const uint8_t *)p, p ? len : 0, false};
	return c;
}

/* True while no read has failed. */
static inline bool
cursor_ok(const struct cursor *c)
{
	return !c->bad;
}

/*
 * The reads the decoders make for every packet are inline: a call each
 * would cost more than the read (bench/passive). The rest are in cursor.c.
 */

/* Mark a failed read; always false. */
static inline bool
cursor_fail_(struct cursor *c)
{
	c->bad = true;
	return false;
}

/* True when len more bytes can be read. */
static inline bool
cursor_has_(const struct cursor *c, size_t len)
{
	return !c->bad && c->rem >= len;
}

static inline bool
cursor_u8(struct cursor *c, uint8_t *out)
{
	*out = 0;
	if (!cursor_has_(c, 1))
		return cursor_fail_(c);
	*out = c->p[0];
	c->p++;
	c->rem--;
	return true;
}

static inline bool
cursor_u16be(struct cursor *c, uint16_t *out)
{
	*out = 0;
	if (!cursor_has_(c, 2))
		return cursor_fail_(c);
	*out = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->rem -= 2;
	return true;
}

static inline bool
cursor_u32be(struct cursor *c, uint32_t *out)
{
	*out = 0;
	if (!cursor_has_(c, 4))
		return cursor_fail_(c);
	*out = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->rem -= 4;
	return true;
}

bool cursor_u16le(struct cursor *c, uint16_t *out);
bool cursor_u32le(struct cursor *c, uint32_t *out);
bool cursor_u64be(struct cursor *c, uint64_t *out);
bool cursor_u64le(struct cursor *c, uint64_t *out);

/* Copy len bytes into out (out may be NULL only when len is 0). */
static inline bool
cursor_bytes(struct cursor *c, void *out, size_t len)
{
	if (!cursor_has_(c, len)) {
		if (out && len)
			memset(out, 0, len);
		return cursor_fail_(c);
	}
	if (len)
		memcpy(out, c->p, len);
	c->p += len;
	c->rem -= len;
	return true;
}

/* Point *out at the next len bytes without copying; they stay owned by the buffer. */
static inline bool
cursor_ptr(struct cursor *c, const uint8_t **out, size_t len)
{
	*out = NULL;
	if (!cursor_has_(c, len))
		return cursor_fail_(c);
	*out = c->p;
	c->p += len;
	c->rem -= len;
	return true;
}

static inline bool
cursor_skip(struct cursor *c, size_t len)
{
	if (!cursor_has_(c, len))
		return cursor_fail_(c);
	c->p += len;
	c->rem -= len;
	return true;
}

/* Split off the next len bytes as their own cursor and advance past them. */
static inline bool
cursor_sub(struct cursor *c, size_t len, struct cursor *out)
{
	out->p = NULL;
	out->rem = 0;
	out->bad = true;
	if (!cursor_has_(c, len))
		return cursor_fail_(c);
	out->p = c->p;
	out->rem = len;
	out->bad = false;
	c->p += len;
	c->rem -= len;
	return true;
}

/*
 * Big-endian values in bytes already taken with cursor_ptr(): a fixed-size
 * header read at once, its fields picked out after one length check.
 */
static inline uint16_t
cursor_get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
cursor_get32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Move to an absolute offset within base (for DNS compression pointers). */
bool cursor_seek(struct cursor *c, const struct cursor *base, size_t off);

/* Peek a byte without consuming it. */
static inline bool
cursor_peek_u8(const struct cursor *c, uint8_t *out)
{
	*out = 0;
	if (!cursor_has_(c, 1))
		return false;
	*out = c->p[0];
	return true;
}

#endif
