/* text.c - escape untrusted text: UTF-8 validation per RFC 3629 section 4, controls as \xNN. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

/*
 * Length of the valid UTF-8 sequence at p (1-4), or 0 when p[0] does not
 * start one. The byte ranges are the table of RFC 3629 section 4, which
 * excludes overlong forms, surrogates and code points above U+10FFFF.
 */
static size_t
utf8_seq(const uint8_t *p, size_t rem)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF */
	if (rem < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong 3-byte */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong 4-byte */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* True for a byte kept as it is when it stands alone (printable ASCII but backslash). */
static bool
ascii_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/* C1 controls U+0080-U+009F are encoded as C2 80 .. C2 9F. */
static bool
is_c1(const uint8_t *p, size_t n)
{
	return n == 2 && p[0] == 0xc2 && p[1] <= 0x9f;
}

size_t
text_sanitize(const void *in, size_t inlen, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = in;
	size_t i = 0, o = 0, n, need, esc;

	if (outsz == 0)
		return 0;
	if (p == NULL)
		inlen = 0;
	/* Most text is printable ASCII, which comes out as it went in. */
	while (i < inlen && o < outsz - 1 && ascii_plain(p[i]))
		out[o++] = (char)p[i++];
	while (i < inlen) {
		n = utf8_seq(p + i, inlen - i);
		if (n == 1 && ascii_plain(p[i])) {
			need = 1;
			esc = 0;
		} else if (n == 1 && p[i] == '\\') {
			need = 2;
			esc = 0;
		} else if (n == 0 || n == 1 || is_c1(p + i, n)) {
			/* One \xNN per byte: invalid lead, control, or C1. */
			esc = n ? n : 1;
			need = 4 * esc;
		} else {
			need = n;
			esc = 0;
		}
		if (need > outsz - 1 - o)
			break;
		if (esc) {
			for (size_t k = 0; k < esc; k++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i + k] >> 4];
				out[o++] = hex[p[i + k] & 0x0f];
			}
			i += esc;
		} else if (need == 2 && n == 1) {
			out[o++] = '\\';
			out[o++] = '\\';
			i++;
		} else {
			memcpy(out + o, p + i, need);
			o += need;
			i += need;
		}
	}
	out[o] = '\0';
	return o;
}

char *
text_sanitize_dup(const void *in, size_t inlen, size_t maxout)
{
	size_t cap;
	char *s, *shrunk;

	if (in == NULL)
		inlen = 0;
	/* Printable ASCII without a backslash is its own safe form: copy it. */
	if (inlen <= maxout) {
		const uint8_t *p = in;
		size_t i = 0;
		while (i < inlen && ascii_plain(p[i]))
			i++;
		if (i == inlen) {
			if ((s = malloc(inlen + 1)) == NULL)
				return NULL;
			if (inlen)
				memcpy(s, in, inlen);
			s[inlen] = '\0';
			return s;
		}
	}
	/* Each input byte becomes at most 4 output bytes. */
	cap = inlen > maxout / 4 ? maxout : inlen * 4;
	if ((s = malloc(cap + 1)) == NULL)
		return NULL;
	cap = text_sanitize(in, inlen, s, cap + 1);
	if ((shrunk = realloc(s, cap + 1)) != NULL)
		s = shrunk;
	return s;
}

bool
text_is_safe(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len, i = 0, n;

	if (s == NULL)
		return false;
	len = strlen(s);
	while (i < len) {
		n = utf8_seq(p + i, len - i);
		if (n == 0 || (n == 1 && !ascii_plain(p[i])) || is_c1(p + i, n))
			return false;
		i += n;
	}
	return true;
}

bool
text_utf8_valid(const void *in, size_t len)
{
	const uint8_t *p = in;
	size_t i = 0, n;

	if (p == NULL)
		return len == 0;
	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}
