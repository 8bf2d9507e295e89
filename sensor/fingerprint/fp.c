/* fp.c - helpers shared by the fingerprint engines (fp.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor/fingerprint/fp.h"

void
fp_errors_init(struct fp_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
}

void
fp_errors_add(struct fp_errors *errs, const char *file, unsigned line, const char *fmt, ...)
{
	char *dst;
	va_list ap;
	int n;

	if (errs == NULL)
		return;
	errs->count++;
	if (errs->kept >= FP_ERRORS_KEEP)
		return;
	dst = errs->msg[errs->kept++];
	n = snprintf(dst, FP_ERROR_LEN, "%.120s:%u: ", file, line);
	if (n < 0 || n >= FP_ERROR_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + n, FP_ERROR_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
fold(int c, bool icase)
{
	if (icase && c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/*
 * Greedy glob with one backtrack point: on a mismatch, let the most recent
 * '*' swallow one more character. O(len(pat) * len(s)) at worst.
 */
bool
fp_glob(const char *pat, const char *s, bool icase)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = ++pat;
			resume = s;
		} else if (*pat != '\0' &&
		           (*pat == '?' ||
		            fold((unsigned char)*pat, icase) == fold((unsigned char)*s, icase))) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* Each family and the less specific one it belongs to (an index here, -1 none). */
static const struct {
	const char *family;
	int parent;
} families[] = {
        {"windows", -1}, {"unix", -1},     {"linux", 1},  {"android", 2},
        {"chromeos", 2}, {"bsd", 1},       {"macos", 1},  {"ios", 1},
        {"network", -1}, {"embedded", -1}, {"other", -1},
};

int
fp_family_id(const char *family)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family[0] == family[0] && strcmp(families[i].family, family) == 0)
			return (int)i;
	return -1;
}

int
fp_family_parent_id(int id)
{
	if (id < 0 || (size_t)id >= sizeof(families) / sizeof(families[0]))
		return -1;
	return families[id].parent;
}

bool
fp_family_known(const char *family)
{
	return family[0] == '\0' || fp_family_id(family) >= 0;
}

const char *
fp_family_parent(const char *family)
{
	int p = fp_family_parent_id(fp_family_id(family));

	return p >= 0 ? families[p].family : NULL;
}

void
fp_copy(char *dst, size_t size, const char *src, size_t len)
{
	if (size == 0)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

char *
fp_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f;
	char *data = NULL;
	size_t n = 0, cap = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		size_t got;
		if (n == cap) {
			char *p;
			if (cap >= max)
				goto fail;
			cap = cap ? cap * 2 : 16384;
			if (cap > max)
				cap = max;
			if ((p = realloc(data, cap + 1)) == NULL)
				goto fail;
			data = p;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
fail:
	fclose(f);
	free(data);
	return NULL;
}
