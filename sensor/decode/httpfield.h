/* httpfield.h - HTTP/1.x message framing shared by HTTP and SSDP: lines and field lines (RFC 9112 §2, §5). */
#ifndef MUSTER_DECODE_HTTPFIELD_H
#define MUSTER_DECODE_HTTPFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/cursor.h"

/* RFC 9110 §5.6.2 tchar: a character of a field name or token. */
bool httpf_is_tchar(uint8_t ch);

/* The n bytes at p equal upper-case s, ASCII case folded. (Inline: names are constants.) */
static inline bool
httpf_name_is(const uint8_t *p, size_t n, const char *upper)
{
	if (strlen(upper) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (uint8_t)(ch - 'a' + 'A');
		if (ch != (uint8_t)upper[i])
			return false;
	}
	return true;
}

/*
 * Split off the next line of c without its CR LF or bare LF (RFC 9112 §2.2
 * allows LF alone). Returns 1 for a line of at most max bytes, 0 when no
 * line end has arrived yet, -1 for a line longer than max. The line points
 * into c's buffer.
 *
 * Inline: it runs for every line of every SSDP packet, and a call costs
 * about as much as its work.
 */
static inline int
httpf_line_next(struct cursor *c, struct cursor *line, size_t max)
{
	size_t look = c->rem < max + 2 ? c->rem : max + 2;
	const uint8_t *nl = look ? memchr(c->p, '\n', look) : NULL;
	size_t n;

	if (nl == NULL)
		return look < c->rem || look == max + 2 ? -1 : 0;
	n = (size_t)(nl - c->p);
	cursor_sub(c, n, line);
	cursor_skip(c, 1);
	if (line->rem > 0 && line->p[line->rem - 1] == '\r')
		line->rem--;
	return line->rem <= max ? 1 : -1;
}

/*
 * Split a field line "name: value" (RFC 9112 §5): a token name right
 * before the colon (no whitespace, no obs-fold) and the value without
 * surrounding spaces and tabs. False when the line is not a field line.
 */
bool httpf_field(struct cursor line, const uint8_t **name, size_t *nlen, const uint8_t **val,
                 size_t *vlen);

#endif
