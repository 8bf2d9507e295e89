/* httpfield.c - HTTP/1.x lines and field lines (RFC 9112 §2.2, §5.1, §5.2). */
#include <string.h>

#include "sensor/decode/httpfield.h"

/* RFC 9110 §5.6.2: tchar is "!#$%&'*+-.^_`|~", DIGIT or ALPHA. */
static const uint8_t tchar[256] = {
        ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
        ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
        ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
        ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
        ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
        ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
        ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
        ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
        ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
        ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

bool
httpf_is_tchar(uint8_t ch)
{
	return tchar[ch] != 0;
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
