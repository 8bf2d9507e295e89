/* httpfield.c - HTTP/1.x lines and field lines (RFC 9112 §2.2, §5.1, §5.2). */
#include <string.h>

#include "sensor/decode/httpfield.h"

bool
httpf_is_tchar(uint8_t ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

bool
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

int
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

bool
httpf_field(struct cursor l, const uint8_t **name, size_t *nlen, const uint8_t **val, size_t *vlen)
{
	const uint8_t *v;
	size_t k = 0, n;

	while (k < l.rem && httpf_is_tchar(l.p[k]))
		k++;
	/* §5.1: no whitespace between name and colon; §5.2: a folded line starts with SP/HT. */
	if (k == 0 || k == l.rem || l.p[k] != ':')
		return false;
	*name = l.p;
	*nlen = k;
	cursor_skip(&l, k + 1);
	v = l.p;
	n = l.rem;
	while (n > 0 && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*val = v;
	*vlen = n;
	return true;
}
