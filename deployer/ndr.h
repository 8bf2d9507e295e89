/*
 * ndr.h - NDR20 marshalling, little-endian only ([C706] ch.14, "Transfer
 * Syntax NDR"), for the small set of types [MS-SCMR] calls use: aligned
 * 16/32-bit integers, unique and ref pointers, [string] wchar_t* as a
 * conformant varying array of UTF-16LE with its terminator, and 20-byte
 * context handles.
 *
 * Encoding appends to a struct buf through a struct ndr_enc whose error is
 * sticky (a chain of puts needs one check at the end); decoding reads a
 * struct ndr_dec built on the cursor, whose failures are sticky too.
 * Alignment is relative to the start of the stub ([C706] 14.2.2).
 */
#ifndef MUSTER_DEPLOY_NDR_H
#define MUSTER_DEPLOY_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"

/* First referent ID of a stub; each further non-NULL unique pointer takes the next multiple of 4. */
#define NDR_REF_FIRST 0x00020000u
/* A context handle ([MS-SCMR] 2.2.4 SC_RPC_HANDLE): a 32-bit word and a GUID, 20 bytes. */
#define NDR_HANDLE_LEN 20
/* Longest string (in UTF-16 code units, terminator included) the encoder and decoder accept. */
#define NDR_WSTR_MAX 32769

struct ndr_enc {
	struct buf *b;
	size_t base;       /* offset in b where the stub starts: alignment is relative to it */
	uint32_t next_ref; /* referent ID the next non-NULL unique pointer gets */
	int err;           /* first error (0 or MUSTER_E*); later puts do nothing */
};

/* Start a stub at the current end of b. b stays owned by the caller. */
void ndr_enc_init(struct ndr_enc *e, struct buf *b);
/* Pad with zero bytes to a multiple of n (1, 2, 4 or 8) from the start of the stub. */
void ndr_put_align(struct ndr_enc *e, size_t n);
void ndr_put_u16(struct ndr_enc *e, uint16_t v); /* aligned to 2 */
void ndr_put_u32(struct ndr_enc *e, uint32_t v); /* aligned to 4 */
/* A context handle: 4-aligned, the 20 bytes as given (opaque to the client). */
void ndr_put_handle(struct ndr_enc *e, const uint8_t h[NDR_HANDLE_LEN]);
/*
 * The representation of a unique pointer: 0 for NULL, otherwise a fresh
 * referent ID. Returns whether the referent must follow (present).
 */
bool ndr_put_ptr(struct ndr_enc *e, bool present);
/*
 * A [string] wchar_t* referent: maximum count, offset 0, actual count (all in
 * UTF-16 code units including the terminating NUL), then the UTF-16LE units.
 * s is UTF-8; invalid UTF-8 or a string longer than NDR_WSTR_MAX units sets
 * MUSTER_EINVAL.
 */
void ndr_put_wstr(struct ndr_enc *e, const char *s);
/* A [unique, string] wchar_t*: pointer then, when s is not NULL, the string. */
void ndr_put_unique_wstr(struct ndr_enc *e, const char *s);
/* The encoder's first error: 0 or MUSTER_ENOMEM / MUSTER_ETOOBIG / MUSTER_EINVAL. */
static inline int
ndr_enc_err(const struct ndr_enc *e)
{
	return e->err;
}

/* Number of UTF-16 code units of UTF-8 s, terminator included; 0 when s is not valid UTF-8. */
size_t ndr_utf16_units(const char *s);

struct ndr_dec {
	struct cursor c;
	size_t len; /* length of the whole stub: offset = len - c.rem */
};

/* Decode the stub p[0..n), which stays owned by the caller. */
void ndr_dec_init(struct ndr_dec *d, const uint8_t *p, size_t n);
/* Skip the padding to a multiple of n from the start of the stub (its content is ignored). */
bool ndr_get_align(struct ndr_dec *d, size_t n);
bool ndr_get_u16(struct ndr_dec *d, uint16_t *v); /* aligned to 2 */
bool ndr_get_u32(struct ndr_dec *d, uint32_t *v); /* aligned to 4 */
bool ndr_get_handle(struct ndr_dec *d, uint8_t h[NDR_HANDLE_LEN]);
/* A unique pointer's representation: *present is false for a NULL (zero) referent ID. */
bool ndr_get_ptr(struct ndr_dec *d, bool *present);
/*
 * A [string] wchar_t* referent into out (UTF-8, NUL-terminated, outsz bytes).
 * Fails (sets the cursor bad) when the offset is not 0, the actual count
 * exceeds the maximum count or NDR_WSTR_MAX, the last unit is not NUL, a NUL
 * comes earlier, a surrogate is unpaired, or the text does not fit in out.
 */
bool ndr_get_wstr(struct ndr_dec *d, char *out, size_t outsz);
/* True when every read succeeded and the whole stub was consumed. */
bool ndr_dec_done(const struct ndr_dec *d);
/* True while every read has succeeded. */
static inline bool
ndr_dec_ok(const struct ndr_dec *d)
{
	return cursor_ok(&d->c);
}

#endif
