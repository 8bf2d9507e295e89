/* cursor.c - the less frequent cursor reads (the per-packet ones are inline in cursor.h). */
#include <string.h>

#include "common/cursor.h"

bool
cursor_u16le(struct cursor *c, uint16_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 2)
		return cursor_fail_(c);
	*out = (uint16_t)(c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->rem -= 2;
	return true;
}

bool
cursor_u32le(struct cursor *c, uint32_t *out)
{
	*out = 0;
	if (c->bad || c->rem < 4)
		return cursor_fail_(c);
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
		return cursor_fail_(c);
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
		return cursor_fail_(c);
	for (int i = 7; i >= 0; i--)
		*out = *out << 8 | c->p[i];
	c->p += 8;
	c->rem -= 8;
	return true;
}

bool
cursor_seek(struct cursor *c, const struct cursor *base, size_t off)
{
	if (c->bad || base->bad || off > base->rem)
		return cursor_fail_(c);
	c->p = base->p + off;
	c->rem = base->rem - off;
	return true;
}
