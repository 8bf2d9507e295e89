/* ssh_banner.c - SSH identification string parser and OS hints: RFC 4253 §4.2. */
#include <stdio.h>
#include <string.h>

#include "sensor/decode/ssh_banner.h"

static bool
starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && memcmp(p, s, k) == 0;
}

static bool
is_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/* Position of s in p[0..n), or -1. */
static long
find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(p + i, s, k) == 0)
			return (long)i;
	return -1;
}

static void
hint(struct ssh_os_hint *os, const char *family, const char *name, uint8_t conf)
{
	os->family = family;
	os->name = name;
	os->version[0] = '\0';
	os->confidence = conf;
}

/* Copy the 1-3 digits after marker in comments into os->version. */
static bool
digits_after(const uint8_t *p, size_t n, const char *marker, struct ssh_os_hint *os)
{
	long at = find(p, n, marker);
	size_t i, k = 0;

	if (at < 0)
		return false;
	i = (size_t)at + strlen(marker);
	while (i < n && k < 3 && is_digit(p[i]))
		os->version[k++] = (char)p[i++];
	os->version[k] = '\0';
	return k > 0;
}

/*
 * The upstream OpenSSH version each release shipped (Debian: jessie to
 * bookworm; Ubuntu: the LTS releases 16.04 to 24.04, each the only release
 * with that version). Point releases and security updates keep the upstream
 * version; Debian's "+debNN" suffix, where present, is preferred.
 */
static const struct {
	const char *distro, *openssh, *release;
} shipped[] = {
        {"Debian", "6.7p1", "8"},     {"Debian", "7.4p1", "9"},     {"Debian", "7.9p1", "10"},
        {"Debian", "8.4p1", "11"},    {"Debian", "9.2p1", "12"},    {"Ubuntu", "7.2p2", "16.04"},
        {"Ubuntu", "7.6p1", "18.04"}, {"Ubuntu", "8.2p1", "20.04"}, {"Ubuntu", "8.9p1", "22.04"},
        {"Ubuntu", "9.6p1", "24.04"},
};

static void
release_by_openssh(const uint8_t *sw, size_t swlen, const char *distro, struct ssh_os_hint *os)
{
	if (!starts(sw, swlen, "OpenSSH_"))
		return;
	sw += 8;
	swlen -= 8;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		if (strcmp(shipped[i].distro, distro) == 0 && swlen == strlen(shipped[i].openssh) &&
		    memcmp(sw, shipped[i].openssh, swlen) == 0) {
			snprintf(os->version, sizeof(os->version), "%s", shipped[i].release);
			return;
		}
	}
}

void
ssh_banner_os_hint(const uint8_t *sw, size_t swlen, const uint8_t *cm, size_t clen,
                   struct ssh_os_hint *os)
{
	memset(os, 0, sizeof(*os));
	if (sw == NULL)
		swlen = 0;
	if (cm == NULL)
		clen = 0;
	/* Distribution builds of OpenSSH name themselves in the comment. */
	if (starts(cm, clen, "Debian-") || starts(cm, clen, "Raspbian-")) {
		bool rasp = cm[0] == 'R';

		hint(os, "linux", rasp ? "Raspbian" : "Debian", 80);
		/* "Debian-2+deb12u3": stable update; "~bpo11+1": backport to 11. */
		if (digits_after(cm, clen, "+deb", os) || digits_after(cm, clen, "~deb", os) ||
		    digits_after(cm, clen, "~bpo", os))
			os->confidence = 90;
		else
			release_by_openssh(sw, swlen, "Debian", os);
		return;
	}
	if (starts(cm, clen, "Ubuntu-")) {
		hint(os, "linux", "Ubuntu", 80);
		release_by_openssh(sw, swlen, "Ubuntu", os);
		return;
	}
	if (starts(cm, clen, "FreeBSD-")) {
		hint(os, "freebsd", "FreeBSD", 80);
		return;
	}
	if (starts(cm, clen, "NetBSD")) {
		hint(os, "netbsd", "NetBSD", 80);
		return;
	}
	/* Vendors known by their software version alone. */
	if (starts(sw, swlen, "OpenSSH_for_Windows"))
		hint(os, "windows", "Windows", 80);
	else if (starts(sw, swlen, "dropbear"))
		hint(os, "embedded", "embedded Linux", 50); /* routers, NAS, IoT */
	else if (starts(sw, swlen, "Cisco-"))
		hint(os, "network", "Cisco IOS", 70);
	else if (swlen == 6 && starts(sw, swlen, "ROSSSH"))
		hint(os, "network", "MikroTik RouterOS", 80);
	else if (starts(sw, swlen, "HUAWEI-"))
		hint(os, "network", "Huawei VRP", 70);
	else if (starts(sw, swlen, "Comware-"))
		hint(os, "network", "H3C Comware", 70);
	else if (starts(sw, swlen, "Sun_SSH"))
		hint(os, "solaris", "Solaris", 70);
}

/* RFC 4253 §4.2: printable US-ASCII, no whitespace; '-' only where allowed. */
static bool
token_ok(const uint8_t *p, size_t n, bool dash_ok)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || (!dash_ok && p[i] == '-'))
			return false;
	return true;
}

static bool
fail(struct ssh_banner *out, enum ssh_banner_err e)
{
	const uint8_t pre = out->preamble;

	memset(out, 0, sizeof(*out));
	out->preamble = pre;
	out->err = (uint8_t)e;
	return false;
}

/* Split "SSH-protoversion-softwareversion SP comments" (the line, without CR LF). */
static bool
ident(const uint8_t *p, size_t n, struct ssh_banner *out)
{
	const uint8_t *dash, *sp;
	size_t plen, slen;

	if (memchr(p, 0, n) != NULL)
		return false;
	p += 4;
	n -= 4;
	if ((dash = memchr(p, '-', n)) == NULL)
		return false;
	plen = (size_t)(dash - p);
	if (!token_ok(p, plen, false))
		return false;
	out->proto.p = p;
	out->proto.len = plen;
	p += plen + 1;
	n -= plen + 1;
	sp = memchr(p, ' ', n);
	slen = sp ? (size_t)(sp - p) : n;
	if (!token_ok(p, slen, true))
		return false;
	out->software.p = p;
	out->software.len = slen;
	if (sp) {
		out->comments.p = sp + 1;
		out->comments.len = n - slen - 1;
	}
	/* Product and version: the first '_' or '-' followed by a digit splits them. */
	out->product = out->software;
	for (size_t i = 1; i + 1 < slen; i++) {
		if ((p[i] == '_' || p[i] == '-') && is_digit(p[i + 1])) {
			out->product.len = i;
			out->version.p = p + i + 1;
			out->version.len = slen - i - 1;
			break;
		}
	}
	ssh_banner_os_hint(out->software.p, out->software.len, out->comments.p, out->comments.len,
	                   &out->os);
	return true;
}

bool
ssh_banner_parse(struct cursor *c, struct ssh_banner *out)
{
	struct cursor t = *c;
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t avail, n, full;
		const uint8_t *nl;
		bool id;

		if (t.bad || used >= SSH_BANNER_BYTES_MAX)
			return fail(out, SSH_BANNER_NOT_SSH);
		avail = t.rem < SSH_BANNER_BYTES_MAX - used ? t.rem : SSH_BANNER_BYTES_MAX - used;
		nl = avail ? memchr(t.p, '\n', avail) : NULL;
		id = starts(t.p, avail, "SSH-");
		if (nl == NULL) {
			/* A partial line: more may come, unless it is already too long. */
			if (id && avail > SSH_BANNER_LINE_MAX)
				return fail(out, SSH_BANNER_TOO_LONG);
			if (avail < t.rem)
				return fail(out, SSH_BANNER_NOT_SSH);
			return fail(out, SSH_BANNER_INCOMPLETE);
		}
		n = (size_t)(nl - t.p);
		full = n + 1;
		if (!id) {
			/* §4.2: other lines before the version string; they must not start "SSH-". */
			if (out->preamble >= SSH_BANNER_PREAMBLE_MAX)
				return fail(out, SSH_BANNER_NOT_SSH);
			out->preamble++;
			cursor_skip(&t, full);
			used += full;
			continue;
		}
		if (full > SSH_BANNER_LINE_MAX)
			return fail(out, SSH_BANNER_TOO_LONG);
		if (n > 0 && t.p[n - 1] == '\r')
			n--;
		else
			out->bare_lf = true;
		out->line.p = t.p;
		out->line.len = n;
		if (!ident(t.p, n, out))
			return fail(out, SSH_BANNER_MALFORMED);
		cursor_skip(&t, full);
		*c = t;
		out->err = SSH_BANNER_OK;
		return true;
	}
}
