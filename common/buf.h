/* buf.h - growable byte and text buffer with a hard size cap. */
#ifndef MUSTER_BUF_H
#define MUSTER_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A buf owns its storage. Its contents are always followed by a NUL byte
 * (not counted in len) so text can be used as a C string. Appends that would
 * take len past max fail with MUSTER_ETOOBIG and leave the buffer unchanged.
 */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
};

/* Empty buffer that may grow to max bytes; allocates nothing yet. */
void buf_init(struct buf *b, size_t max);
/* Release the storage; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Forget the contents, keep the storage. */
void buf_reset(struct buf *b);
/* Make room for `more` bytes beyond len. 0 or MUSTER_ENOMEM/ETOOBIG. */
int buf_reserve(struct buf *b, size_t more);
int buf_append(struct buf *b, const void *p, size_t len);
int buf_putc(struct buf *b, char ch);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The contents as a NUL-terminated string ("" when empty); owned by b. */
const char *buf_cstr(const struct buf *b);
/* Hand the storage to the caller (free() it); b is left empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

#endif
