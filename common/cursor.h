/* cursor.h - bounds-checked reader for untrusted bytes (STYLE.md). */
#ifndef MUSTER_CURSOR_H
#define MUSTER_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

bool cursor_u8(struct cursor *c, uint8_t *out);
bool cursor_u16be(struct cursor *c, uint16_t *out);
bool cursor_u16le(struct cursor *c, uint16_t *out);
bool cursor_u32be(struct cursor *c, uint32_t *out);
bool cursor_u32le(struct cursor *c, uint32_t *out);
bool cursor_u64be(struct cursor *c, uint64_t *out);
bool cursor_u64le(struct cursor *c, uint64_t *out);
/* Copy len bytes into out (out may be NULL only when len is 0). */
bool cursor_bytes(struct cursor *c, void *out, size_t len);
/* Point *out at the next len bytes without copying; they stay owned by the buffer. */
bool cursor_ptr(struct cursor *c, const uint8_t **out, size_t len);
bool cursor_skip(struct cursor *c, size_t len);
/* Split off the next len bytes as their own cursor and advance past them. */
bool cursor_sub(struct cursor *c, size_t len, struct cursor *out);
/* Move to an absolute offset within base (for DNS compression pointers). */
bool cursor_seek(struct cursor *c, const struct cursor *base, size_t off);
/* Peek a byte without consuming it. */
bool cursor_peek_u8(const struct cursor *c, uint8_t *out);

#endif
