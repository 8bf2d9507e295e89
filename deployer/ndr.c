/*
 * ndr.c - NDR20 little-endian marshalling for the deployer's DCE/RPC calls
 * ([C706] ch.14: primitive types and their alignment in 14.2, strings,
 * arrays and pointers in 14.3).
 */
#include <string.h>

#include "common/muster.h"
#include "common/text.h"
#include "deployer/ndr.h"

void
ndr_enc_init(struct ndr_enc *e, struct buf *b)
{
	e->b = b;
	e->base = b->len;
	e->next_ref = NDR_REF_FIRST;
	e->err = 0;
}

static void
put(struct ndr_enc *e, const void *p, size_t n)
{
	int r;

	if (e->err == 0 && (r = buf_append(e->b, p, n)) != 0)
		e->err = r;
}

void
ndr_put_align(struct ndr_enc *e, size_t n)
{
	static const uint8_t zero[8];
	size_t off = e->b->len - e->base;
	size_t pad = (n - off % n) % n;

	put(e, zero, pad);
}

void
ndr_put_u16(struct ndr_enc *e, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	ndr_put_align(e, 2);
	put(e, le, sizeof(le));
}

void
ndr_put_u32(struct ndr_enc *e, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	ndr_put_align(e, 4);
	put(e, le, sizeof(le));
}

void
ndr_put_handle(struct ndr_enc *e, const uint8_t h[NDR_HANDLE_LEN])
{
	ndr_put_align(e, 4);
	put(e, h, NDR_HANDLE_LEN);
}

bool
ndr_put_ptr(struct ndr_enc *e, bool present)
{
	if (!present) {
		ndr_put_u32(e, 0);
		return false;
	}
	ndr_put_u32(e, e->next_ref);
	e->next_ref += 4;
	return true;
}

size_t
ndr_utf16_units(const char *s)
{
	size_t units = 1; /* the terminator */

	if (!text_utf8_valid(s, strlen(s)))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;            /* continuation byte */
		units += *p >= 0xf0 ? 2 : 1; /* four-byte sequences need a surrogate pair */
	}
	return units;
}

/* Decode one code point of valid UTF-8 (checked by ndr_utf16_units) and advance. */
static uint32_t
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t cp;
	int more;

	if (p[0] < 0x80) {
		cp = p[0];
		more = 0;
	} else if (p[0] < 0xe0) {
		cp = p[0] & 0x1f;
		more = 1;
	} else if (p[0] < 0xf0) {
		cp = p[0] & 0x0f;
		more = 2;
	} else {
		cp = p[0] & 0x07;
		more = 3;
	}
	for (int i = 1; i <= more; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	*pp = p + 1 + more;
	return cp;
}

static void
put_unit(struct ndr_enc *e, uint32_t u)
{
	uint8_t le[2] = {(uint8_t)u, (uint8_t)(u >> 8)};

	put(e, le, sizeof(le));
}

void
ndr_put_wstr(struct ndr_enc *e, const char *s)
{
	size_t units = ndr_utf16_units(s);
	const unsigned char *p = (const unsigned char *)s;
	int r;

	if (units == 0 || units > NDR_WSTR_MAX) {
		if (e->err == 0)
			e->err = MUSTER_EINVAL;
		return;
	}
	/* Conformant varying array: maximum count, offset, actual count ([C706] 14.3). */
	ndr_put_u32(e, (uint32_t)units);
	ndr_put_u32(e, 0);
	ndr_put_u32(e, (uint32_t)units);
	if (e->err == 0 && (r = buf_reserve(e->b, units * 2)) != 0)
		e->err = r;
	if (e->err != 0)
		return;
	while (*p) {
		uint32_t cp = utf8_next(&p);

		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_unit(e, 0xd800 | cp >> 10);
			put_unit(e, 0xdc00 | (cp & 0x3ff));
		} else {
			put_unit(e, cp);
		}
	}
	put_unit(e, 0);
}

void
ndr_put_unique_wstr(struct ndr_enc *e, const char *s)
{
	if (ndr_put_ptr(e, s != NULL))
		ndr_put_wstr(e, s);
}

void
ndr_dec_init(struct ndr_dec *d, const uint8_t *p, size_t n)
{
	d->c = cursor_init(p, n);
	d->len = d->c.rem;
}

bool
ndr_get_align(struct ndr_dec *d, size_t n)
{
	size_t off = d->len - d->c.rem;

	return cursor_skip(&d->c, (n - off % n) % n);
}

bool
ndr_get_u16(struct ndr_dec *d, uint16_t *v)
{
	*v = 0;
	return ndr_get_align(d, 2) && cursor_u16le(&d->c, v);
}

bool
ndr_get_u32(struct ndr_dec *d, uint32_t *v)
{
	*v = 0;
	return ndr_get_align(d, 4) && cursor_u32le(&d->c, v);
}

bool
ndr_get_handle(struct ndr_dec *d, uint8_t h[NDR_HANDLE_LEN])
{
	memset(h, 0, NDR_HANDLE_LEN);
	return ndr_get_align(d, 4) && cursor_bytes(&d->c, h, NDR_HANDLE_LEN);
}

bool
ndr_get_ptr(struct ndr_dec *d, bool *present)
{
	uint32_t ref;
	bool ok = ndr_get_u32(d, &ref);

	*present = ok && ref != 0;
	return ok;
}

/* Append code point cp as UTF-8 to out[*len..outsz-1); false when it does not fit. */
static bool
utf8_put(char *out, size_t outsz, size_t *len, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | cp >> 6);
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | cp >> 12);
		tmp[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | cp >> 18);
		tmp[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		tmp[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (outsz - *len <= n) /* keep room for the NUL */
		return false;
	memcpy(out + *len, tmp, n);
	*len += n;
	return true;
}

static bool
dec_fail(struct ndr_dec *d)
{
	d->c.bad = true;
	return false;
}

/* A string that cannot be decoded leaves out empty. */
static bool
wstr_fail(struct ndr_dec *d, char *out)
{
	out[0] = 0;
	return dec_fail(d);
}

bool
ndr_get_wstr(struct ndr_dec *d, char *out, size_t outsz)
{
	uint32_t max, off, actual;
	const uint8_t *p;
	size_t len = 0;

	if (outsz == 0)
		return dec_fail(d);
	out[0] = 0;
	if (!ndr_get_u32(d, &max) || !ndr_get_u32(d, &off) || !ndr_get_u32(d, &actual))
		return false;
	/* A [string] is sent whole and ends in its NUL ([C706] 14.3, strings). */
	if (off != 0 || actual == 0 || actual > max || actual > NDR_WSTR_MAX)
		return wstr_fail(d, out);
	if (!cursor_ptr(&d->c, &p, (size_t)actual * 2))
		return false;
	for (size_t i = 0; i < actual; i++) {
		uint32_t u = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;

		if (u == 0) {
			if (i != actual - 1)
				return wstr_fail(d, out); /* a NUL before the end */
			out[len] = 0;
			return true;
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			return wstr_fail(d, out); /* low surrogate without its high one */
		if (u >= 0xd800 && u <= 0xdbff) {
			uint32_t lo;

			if (i + 1 >= actual)
				return wstr_fail(d, out);
			lo = (uint32_t)p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return wstr_fail(d, out);
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		}
		if (!utf8_put(out, outsz, &len, u))
			return wstr_fail(d, out);
	}
	return wstr_fail(d, out); /* no terminator */
}

bool
ndr_dec_done(const struct ndr_dec *d)
{
	return cursor_ok(&d->c) && d->c.rem == 0;
}
