/* ssh_banner.h - SSH identification string parser and OS hints: RFC 4253 §4.2. */
#ifndef MUSTER_DECODE_SSH_BANNER_H
#define MUSTER_DECODE_SSH_BANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define SSH_BANNER_LINE_MAX     255  /* RFC 4253 §4.2: identification line, CR LF included */
#define SSH_BANNER_PREAMBLE_MAX 32   /* other lines accepted before it */
#define SSH_BANNER_BYTES_MAX    8192 /* bytes searched for it, preamble included */

/* Why ssh_banner_parse said no. */
enum ssh_banner_err {
	SSH_BANNER_OK = 0,
	SSH_BANNER_INCOMPLETE, /* no complete identification line yet: read more */
	SSH_BANNER_NOT_SSH,    /* too many lines or bytes before one: not SSH */
	SSH_BANNER_TOO_LONG,   /* the identification line exceeds 255 bytes */
	SSH_BANNER_MALFORMED,  /* "SSH-" without a valid protoversion-softwareversion */
};

/* Raw bytes inside the caller's buffer; escape before use. p is NULL when absent. */
struct ssh_str {
	const uint8_t *p;
	size_t len;
};

/*
 * What the banner tells about the operating system; all strings are static.
 * family: "linux", "windows", "freebsd", "openbsd", "netbsd", "solaris",
 * "network" (router/switch OS) or "embedded"; name e.g. "Debian", "Ubuntu",
 * "Raspbian", "Windows", "Cisco IOS", "MikroTik RouterOS"; version e.g. "12",
 * "22.04" or "" when unknown. confidence 0-100; 0 means no hint.
 */
struct ssh_os_hint {
	const char *family;
	const char *name;
	char version[16];
	uint8_t confidence;
};

struct ssh_banner {
	uint8_t err;             /* enum ssh_banner_err */
	uint8_t preamble;        /* lines before the identification line */
	bool bare_lf;            /* ended in LF without CR (tolerated, as OpenSSH does) */
	struct ssh_str line;     /* the identification line without CR LF */
	struct ssh_str proto;    /* protoversion: "2.0", "1.99", "1.5" */
	struct ssh_str software; /* softwareversion: "OpenSSH_9.2p1" */
	struct ssh_str comments; /* after the first SP, or absent */
	struct ssh_str product;  /* software split at the first '_' or '-' before a digit */
	struct ssh_str version;  /* "9.2p1", "2022.83"; absent when no digit follows */
	struct ssh_os_hint os;
};

/*
 * Find and parse the identification line in the first bytes a server sent
 * (c): lines not starting with "SSH-" before it are skipped (§4.2), at most
 * SSH_BANNER_PREAMBLE_MAX of them within SSH_BANNER_BYTES_MAX bytes. The line
 * ends in CR LF or LF, is at most 255 bytes with them, holds no NUL, and its
 * protoversion and softwareversion are printable US-ASCII without spaces or
 * '-' (softwareversion may contain '-', as Cisco's does). Comments are kept
 * raw. Returns false with out->err set; on success c is advanced past the
 * line, and out's views point into c's buffer.
 */
bool ssh_banner_parse(struct cursor *c, struct ssh_banner *out);

/* Fill *os from a software version and comments (raw bytes, may be NULL/0). */
void ssh_banner_os_hint(const uint8_t *sw, size_t swlen, const uint8_t *comments, size_t clen,
                        struct ssh_os_hint *os);

#endif
