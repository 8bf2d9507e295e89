/* ntlmssp.h - NTLMSSP NEGOTIATE builder and CHALLENGE parser: [MS-NLMP] 2.2.1.1, 2.2.1.2, 2.2.2. */
#ifndef MUSTER_DECODE_NTLMSSP_H
#define MUSTER_DECODE_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

/* NegotiateFlags ([MS-NLMP] 2.2.2.5). */
#define NTLMSSP_NEGOTIATE_UNICODE                  0x00000001u
#define NTLMSSP_NEGOTIATE_OEM                      0x00000002u
#define NTLMSSP_REQUEST_TARGET                     0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN                     0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL                     0x00000020u
#define NTLMSSP_NEGOTIATE_LM_KEY                   0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM                     0x00000200u
#define NTLMSSP_NEGOTIATE_ANONYMOUS                0x00000800u
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED      0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN              0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN                 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER                 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_IDENTIFY                 0x00100000u
#define NTLMSSP_REQUEST_NON_NT_SESSION_KEY         0x00400000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO              0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION                  0x02000000u
#define NTLMSSP_NEGOTIATE_128                      0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH                 0x40000000u
#define NTLMSSP_NEGOTIATE_56                       0x80000000u

/*
 * What the prober offers: Unicode, the target name and target info, NTLM with
 * extended session security, always-sign, 128/56-bit keys and key exchange as
 * a Windows client does, and VERSION — without it neither Windows nor Samba
 * put their VERSION in the CHALLENGE. No SIGN/SEAL: we never authenticate.
 */
#define NTLMSSP_PROBE_FLAGS                                                                        \
	(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_NTLM |             \
	 NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |              \
	 NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 |       \
	 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)

#define NTLMSSP_NEGOTIATE_LEN  40  /* bytes ntlmssp_build_negotiate writes with VERSION set */
#define NTLMSSP_NEGOTIATE_LEN0 32  /* ... and without it */
#define NTLMSSP_NAME_MAX       256 /* bytes of UTF-8 kept per name, NUL included */

/* AvId values of an AV_PAIR ([MS-NLMP] 2.2.2.1). */
enum ntlmssp_av_id {
	MSV_AV_EOL = 0x0000,
	MSV_AV_NB_COMPUTER_NAME = 0x0001,
	MSV_AV_NB_DOMAIN_NAME = 0x0002,
	MSV_AV_DNS_COMPUTER_NAME = 0x0003,
	MSV_AV_DNS_DOMAIN_NAME = 0x0004,
	MSV_AV_DNS_TREE_NAME = 0x0005,
	MSV_AV_FLAGS = 0x0006,
	MSV_AV_TIMESTAMP = 0x0007,
	MSV_AV_SINGLE_HOST = 0x0008,
	MSV_AV_TARGET_NAME = 0x0009,
	MSV_AV_CHANNEL_BINDINGS = 0x000a,
};

/*
 * A name from the CHALLENGE converted to UTF-8 (UTF-16LE input; unpaired
 * surrogates and a trailing odd byte become U+FFFD). Still untrusted: it may
 * hold NULs and control characters, so escape it (text_sanitize) before use.
 * s is NUL-terminated for convenience; len excludes that NUL.
 */
struct ntlmssp_str {
	bool present;
	bool truncated; /* longer than NTLMSSP_NAME_MAX - 1 bytes: cut at a code point */
	uint16_t len;
	char s[NTLMSSP_NAME_MAX];
};

/* VERSION ([MS-NLMP] 2.2.2.10). */
struct ntlmssp_version {
	bool present;
	uint8_t major, minor;
	uint16_t build;
	uint8_t revision; /* NTLMRevisionCurrent, 0x0F for W2K3 and later */
};

struct ntlmssp_challenge {
	uint32_t flags;              /* NegotiateFlags */
	uint8_t server_challenge[8]; /* the nonce */
	struct ntlmssp_str target_name;
	/* Target info AV_PAIRs (2.2.2.1); the first of each AvId counts. */
	bool has_target_info;
	struct ntlmssp_str nb_computer, nb_domain, dns_computer, dns_domain, dns_tree;
	bool has_timestamp;
	uint64_t timestamp; /* MsvAvTimestamp: FILETIME, 100 ns since 1601 (server clock) */
	bool has_av_flags;
	uint32_t av_flags;
	uint16_t av_pairs;      /* AV_PAIRs read, MsvAvEOL excluded */
	uint16_t av_duplicates; /* AvIds seen more than once (later ones ignored) */
	bool av_eol;            /* the list ended with MsvAvEOL (it should) */
	bool av_odd;            /* a name had an odd length or a fixed field the wrong one */
	struct ntlmssp_version version;
};

/*
 * Write a NEGOTIATE_MESSAGE (2.2.1.1) with the given NegotiateFlags
 * (NTLMSSP_PROBE_FLAGS normally) and no domain or workstation: 40 bytes with
 * a VERSION field when NTLMSSP_NEGOTIATE_VERSION is set (all zero but
 * NTLMRevisionCurrent = 0x0F: we are not Windows and do not claim a version),
 * 32 bytes without. The empty fields' offsets point at the end of the message,
 * where the payload would start (2.2.1.1: "SHOULD be set to the offset ...").
 * Returns the bytes written, or 0 when outlen is too small or out is NULL.
 */
size_t ntlmssp_build_negotiate(uint8_t *out, size_t outlen, uint32_t flags);

/*
 * Parse a CHALLENGE_MESSAGE (2.2.1.2) from c, whose bytes are exactly the
 * NTLMSSP token (offsets inside it are relative to its start). Every payload
 * field is bounds-checked against the token; the target info is walked one
 * AV_PAIR at a time through a sub-cursor. Messages without target info or
 * VERSION (older servers) are accepted with those fields absent.
 * Returns false when the signature, the message type or a field is bad; on
 * success c is advanced to its end.
 */
bool ntlmssp_parse_challenge(struct cursor *c, struct ntlmssp_challenge *out);

/*
 * Convert UTF-16LE in[0..inlen) to UTF-8 in out (NUL-terminated, at most
 * outsz - 1 bytes, never splitting a sequence). Unpaired surrogates and an
 * odd trailing byte become U+FFFD; U+0000 is kept as a 0 byte. Returns the
 * bytes written, excluding the NUL; *truncated (may be NULL) tells whether
 * input was left over.
 */
size_t ntlmssp_utf16le_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz,
                               bool *truncated);

/*
 * The Windows release a VERSION names, e.g. "Windows 10 22H2" or
 * "Windows 10 1607 / Server 2016"; a family ("Windows 10/11 or Server
 * 2016+") for an unknown build of a known major.minor; NULL otherwise.
 * A static string.
 */
const char *ntlmssp_windows_release(uint8_t major, uint8_t minor, uint16_t build);

/*
 * True when the CHALLENGE carries Samba's VERSION rather than a Windows one:
 * Samba fills it with 6.1, build 0 (verified with 4.17 in the lab), a build
 * no Windows release has. See ntlmssp.c.
 */
bool ntlmssp_is_samba(const struct ntlmssp_challenge *ch);

#endif
