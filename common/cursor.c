/* cursor.c - bounds-checked reads; a failed read consumes nothing. */
#include <string.h>

#include "common/cursor.h"

static bool
fail(struct cursor *c)
{
	c->bad = true;
	return false;
}

bool
cursor_u8(struct cursor *c, uint8_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 1)
		return fail(c);
	*out = c->p[0];
	c->p++;
	c->rem--;
	return true;
}

bool
cursor_u16be(struct cursor *c, uint16_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 2)
		return fail(c);
	*out = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->rem -= 2;
	return true;
}

bool
cursor_u16le(struct cursor *c, uint16_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 2)
		return fail(c);
	*out = (uint16_t)(c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->rem -= 2;
	return true;
}

bool
cursor_u32be(struct cursor *c, uint32_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 4)
		return fail(c);
	*out = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->rem -= 4;
	return true;
}

bool
cursor_u32le(struct cursor *c, uint32_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 4)
		return fail(c);
	*out = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	c->rem -= 4;
	return true;
}

bool
cursor_u64be(struct cursor *c, uint64_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 8)
		return fail(c);
	for (int i = 0; i < 8; i++)
		*out = *out << 8 | c->p[i];
	c->p += 8;
	c->rem -= 8;
	return true;
}

bool
cursor_u64le(struct cursor *c, uint64_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 8)
		return fail(c);
	for (int i = 7; i >= 0; i--)
		*out = *out << 8 | c->p[i];
	c->p += 8;
	c->rem -= 8;
	return true;
}

bool
cursor_bytes(struct cursor *c, void *out, size_t len)
{
	if (c->bad || c->rem < len) {
		if (out && len)
			memset(out, 0, len);
		return fail(c);
	}
	if (len)
		memcpy(out, c->p, len);
	c->p += len;
	c->rem -= len;
	return true;
}

bool
cursor_ptr(struct cursor *c, const uint8_t **out, size_t len)
{
	*out = NULL;
	if (c->bad || c->rem < len)
		return fail(c);
	*out = c->p;
	c->p += len;
	c->rem -= len;
	return true;
}

bool
cursor_skip(struct cursor *c, size_t len)
{
	if (c->bad || c->rem < len)
		return fail(c);
	c->p += len;
	c->rem -= len;
	return true;
}

bool
cursor_sub(struct cursor *c, size_t len, struct cursor *out)
{
	out->p = NULL;
	out->rem = 0;
	out->bad = true;
	if (c->bad || c->rem < len)
		return fail(c);
	out->p = c->p;
	out->rem = len;
	out->bad = false;
	c->p += len;
	c->rem -= len;
	return true;
}

bool
cursor_seek(struct cursor *c, const struct cursor *base, size_t off)
{
	if (c->bad || base->bad || off > base->rem)
		return fail(c);
	c->p = base->p + off;
	c->rem = base->rem - off;
	return true;
}

bool
cursor_peek_u8(const struct cursor *c, uint8_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 1)
		return false;
	*out = c->p[0];
	return true;
}
