/* installer-builder/render.c: template placeholders -> encoded values.
 * A placeholder is @@NAME_ENC@@; ENC picks the encoder of encode.h. The
 * build refuses a template whose placeholder has no encoder (cmake/
 * embed_templates.cmake); this code refuses one at run time too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "installer-builder/encode.h"
#include "installer-builder/render.h"

#define OUT_MAX (8u * 1024 * 1024)

const char *
tmpl_get(const char *name)
{
	for (size_t i = 0; tmpl_files[i].name != NULL; i++)
		if (strcmp(tmpl_files[i].name, name) == 0)
			return tmpl_files[i].text;
	return NULL;
}

static char *
encode_as(const char *enc, const char *v, char *err, size_t errlen)
{
	if (strcmp(enc, "SH") == 0)
		return enc_sh(v, err, errlen);
	if (strcmp(enc, "PS1") == 0)
		return enc_ps1(v, err, errlen);
	if (strcmp(enc, "CMD") == 0)
		return enc_cmd(v, err, errlen);
	if (strcmp(enc, "INI") == 0)
		return enc_ini(v, err, errlen);
	if (strcmp(enc, "XML") == 0)
		return enc_xml(v, err, errlen);
	if (strcmp(enc, "B64") == 0) {
		char *s = enc_base64(v, strlen(v));

		if (s == NULL)
			snprintf(err, errlen, "out of memory");
		return s;
	}
	snprintf(err, errlen, "no encoder named %s", enc);
	return NULL;
}

/* Expand @@INCLUDE:file@@ (one level). */
static int
expand_includes(const char *t, struct buf *out, char *err, size_t errlen)
{
	const char *p = t, *q;

	while ((q = strstr(p, "@@INCLUDE:")) != NULL) {
		const char *end = strstr(q + 10, "@@"), *inc;
		char name[64];

		if (end == NULL || (size_t)(end - q - 10) >= sizeof(name)) {
			snprintf(err, errlen, "malformed @@INCLUDE@@");
			return -1;
		}
		memcpy(name, q + 10, (size_t)(end - q - 10));
		name[end - q - 10] = '\0';
		if ((inc = tmpl_get(name)) == NULL) {
			snprintf(err, errlen, "no template %s to include", name);
			return -1;
		}
		if (buf_append(out, p, (size_t)(q - p)) != 0 || buf_puts(out, inc) != 0)
			goto nomem;
		p = end + 2;
	}
	if (buf_puts(out, p) != 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "template output too large");
	return -1;
}

char *
tmpl_render(const char *name, const struct tvar *vars, size_t nvars, char *err, size_t errlen)
{
	struct buf src, out;
	const char *t = tmpl_get(name), *p, *q;
	char *res = NULL;

	if (t == NULL) {
		snprintf(err, errlen, "no template %s", name);
		return NULL;
	}
	buf_init(&src, OUT_MAX);
	buf_init(&out, OUT_MAX);
	if (expand_includes(t, &src, err, errlen) != 0)
		goto out;
	p = buf_cstr(&src);
	while ((q = strstr(p, "@@")) != NULL) {
		const char *end = strstr(q + 2, "@@"), *us;
		char ph[96], *enc, *val = NULL;
		size_t i, plen;

		if (end == NULL || (plen = (size_t)(end - q - 2)) == 0 || plen >= sizeof(ph)) {
			snprintf(err, errlen, "%s: malformed placeholder", name);
			goto out;
		}
		memcpy(ph, q + 2, plen);
		ph[plen] = '\0';
		if (strspn(ph, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != plen ||
		    (us = strrchr(ph, '_')) == NULL) {
			snprintf(err, errlen, "%s: placeholder @@%s@@ has no encoder", name, ph);
			goto out;
		}
		enc = ph + (us - ph) + 1;
		ph[us - ph] = '\0';
		for (i = 0; i < nvars; i++)
			if (strcmp(vars[i].name, ph) == 0)
				break;
		if (i == nvars || vars[i].value == NULL) {
			snprintf(err, errlen, "%s: no value for placeholder %s", name, ph);
			goto out;
		}
		{
			char why[200] = "";

			if ((val = encode_as(enc, vars[i].value, why, sizeof(why))) == NULL) {
				snprintf(err, errlen, "%s: %s", ph, why);
				goto out;
			}
		}
		if (buf_append(&out, p, (size_t)(q - p)) != 0 || buf_puts(&out, val) != 0) {
			free(val);
			snprintf(err, errlen, "template output too large");
			goto out;
		}
		free(val);
		p = end + 2;
	}
	if (buf_puts(&out, p) != 0) {
		snprintf(err, errlen, "template output too large");
		goto out;
	}
	res = (char *)buf_steal(&out, NULL);
	if (res == NULL)
		res = strdup("");
out:
	buf_free(&src);
	buf_free(&out);
	return res;
}
