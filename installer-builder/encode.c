/* installer-builder/encode.c: the only way a value reaches a generated
 * installer. One encoder per target language; each either carries the value
 * exactly or refuses it (docs/installer.md "Encoders"). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/text.h"
#include "installer-builder/encode.h"

#define ENC_MAX (4u * 1024 * 1024) /* no embedded value is bigger */

static char *
refuse(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return NULL;
}

/* Common checks: present, bounded, valid UTF-8. */
static bool
precheck(const char *v, size_t *len, char *err, size_t errlen)
{
	if (v == NULL) {
		refuse(err, errlen, "no value");
		return false;
	}
	*len = strlen(v);
	if (*len > ENC_MAX) {
		refuse(err, errlen, "value longer than 4 MiB");
		return false;
	}
	if (!text_utf8_valid(v, *len)) {
		refuse(err, errlen, "value is not valid UTF-8");
		return false;
	}
	return true;
}

static char *
finish(struct buf *b, char *err, size_t errlen)
{
	char *s;

	s = (char *)buf_steal(b, NULL);
	if (s == NULL)
		s = strdup("");
	if (s == NULL)
		return refuse(err, errlen, "out of memory");
	return s;
}

char *
enc_sh(const char *v, char *err, size_t errlen)
{
	struct buf b;
	size_t len;
	int r = 0;

	if (!precheck(v, &len, err, errlen))
		return NULL;
	buf_init(&b, ENC_MAX * 4 + 16);
	r |= buf_putc(&b, '\'');
	for (size_t i = 0; i < len && r == 0; i++) {
		if (v[i] == '\'')
			r |= buf_puts(&b, "'\\''");
		else
			r |= buf_putc(&b, v[i]);
	}
	r |= buf_putc(&b, '\'');
	if (r != 0) {
		buf_free(&b);
		return refuse(err, errlen, "out of memory");
	}
	return finish(&b, err, errlen);
}

/* U+2018..U+201B are E2 80 98..9B in UTF-8; PowerShell treats them as '. */
static bool
ps_quote_at(const char *v, size_t len, size_t i, size_t *qlen)
{
	if (v[i] == '\'') {
		*qlen = 1;
		return true;
	}
	if (i + 2 < len && (unsigned char)v[i] == 0xe2 && (unsigned char)v[i + 1] == 0x80 &&
	    (unsigned char)v[i + 2] >= 0x98 && (unsigned char)v[i + 2] <= 0x9b) {
		*qlen = 3;
		return true;
	}
	return false;
}

char *
enc_ps1(const char *v, char *err, size_t errlen)
{
	struct buf b;
	size_t len, q;
	int r = 0;

	if (!precheck(v, &len, err, errlen))
		return NULL;
	buf_init(&b, ENC_MAX * 2 + 16);
	r |= buf_putc(&b, '\'');
	for (size_t i = 0; i < len && r == 0;) {
		if (ps_quote_at(v, len, i, &q)) {
			/* A quote character inside '...' is written twice. */
			r |= buf_append(&b, v + i, q);
			r |= buf_append(&b, v + i, q);
			i += q;
		} else {
			r |= buf_putc(&b, v[i]);
			i++;
		}
	}
	r |= buf_putc(&b, '\'');
	if (r != 0) {
		buf_free(&b);
		return refuse(err, errlen, "out of memory");
	}
	return finish(&b, err, errlen);
}

char *
enc_cmd(const char *v, char *err, size_t errlen)
{
	size_t len;
	char *s;

	if (!precheck(v, &len, err, errlen))
		return NULL;
	if (len > 8000)
		return refuse(err, errlen, "value too long for a cmd.exe line (8191)");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (strchr(" ._:/=+,@#-", c) != NULL && c != '\0')
			continue;
		return refuse(err, errlen,
		              "character outside the cmd.exe whitelist [A-Za-z0-9 ._:/=+,@#-]");
	}
	if ((s = strdup(v)) == NULL)
		return refuse(err, errlen, "out of memory");
	return s;
}

char *
enc_ini(const char *v, char *err, size_t errlen)
{
	size_t len;
	char *s;

	if (!precheck(v, &len, err, errlen))
		return NULL;
	if (len > 4000)
		return refuse(err, errlen, "longer than an INI line holds (4096 bytes)");
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			return refuse(err, errlen, "CR or LF cannot be carried in an INI value");
		/* inih and GetPrivateProfileString strip an inline comment:
		 * ';' or '#' after a blank. */
		if ((v[i] == ';' || v[i] == '#') && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			return refuse(err, errlen, "blank before ';' or '#' starts an INI comment");
	}
	if (len > 0 && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' || v[len - 1] == '\t'))
		return refuse(err, errlen, "INI readers strip blanks at either end of a value");
	if (len > 0 && (v[0] == ';' || v[0] == '#'))
		return refuse(err, errlen, "INI value cannot start with ';' or '#'");
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
		return refuse(err, errlen, "Windows strips quotes around an INI value");
	if ((s = strdup(v)) == NULL)
		return refuse(err, errlen, "out of memory");
	return s;
}

char *
enc_xml(const char *v, char *err, size_t errlen)
{
	struct buf b;
	size_t len;
	int r = 0;

	if (!precheck(v, &len, err, errlen))
		return NULL;
	buf_init(&b, ENC_MAX * 6 + 16);
	for (size_t i = 0; i < len && r == 0; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20) {
			buf_free(&b);
			return refuse(err, errlen, "control character cannot be carried in XML");
		}
		/* U+FFFE, U+FFFF (EF BF BE/BF) are not XML characters. */
		if (c == 0xef && i + 2 < len && (unsigned char)v[i + 1] == 0xbf &&
		    ((unsigned char)v[i + 2] == 0xbe || (unsigned char)v[i + 2] == 0xbf)) {
			buf_free(&b);
			return refuse(err, errlen, "U+FFFE/U+FFFF are not XML characters");
		}
		switch (c) {
		case '&':
			r |= buf_puts(&b, "&amp;");
			break;
		case '<':
			r |= buf_puts(&b, "&lt;");
			break;
		case '>':
			r |= buf_puts(&b, "&gt;");
			break;
		case '"':
			r |= buf_puts(&b, "&quot;");
			break;
		case '\'':
			r |= buf_puts(&b, "&apos;");
			break;
		default:
			r |= buf_putc(&b, (char)c);
		}
	}
	if (r != 0) {
		buf_free(&b);
		return refuse(err, errlen, "out of memory");
	}
	return finish(&b, err, errlen);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
enc_base64(const void *p, size_t n)
{
	const uint8_t *in = p;
	size_t olen, o = 0;
	char *out;

	if (n > SIZE_MAX / 4 - 4)
		return NULL;
	olen = (n + 2) / 3 * 4;
	if ((out = malloc(olen + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			w |= in[i + 2];
		out[o++] = b64[(w >> 18) & 63];
		out[o++] = b64[(w >> 12) & 63];
		out[o++] = left > 1 ? b64[(w >> 6) & 63] : '=';
		out[o++] = left > 2 ? b64[w & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static int
b64val(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

unsigned char *
dec_base64(const char *s, size_t *outlen)
{
	size_t n = strlen(s), o = 0;
	unsigned char *out;

	if (n % 4 != 0)
		return NULL;
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64val(c)) < 0)
				goto bad;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		/* Canonical: the bits under padding are zero. */
		if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
			goto bad;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}

char *
enc_hex(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s;

	if (n > SIZE_MAX / 2 - 1 || (s = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	s[n * 2] = '\0';
	return s;
}
