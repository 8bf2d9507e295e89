/* text.h - make untrusted text (names, banners from the wire) safe to store, log and show. */
#ifndef MUSTER_TEXT_H
#define MUSTER_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Caps for text taken from the wire (DESIGN.md, "The host record"). */
#define TEXT_NAME_MAX   255 /* host names, NetBIOS/mDNS/DHCP names */
#define TEXT_BANNER_MAX 512 /* service banners */

/*
 * Safe text is valid UTF-8 on one line with no control characters:
 *
 *  - valid UTF-8 sequences are kept as they are; overlong encodings,
 *    UTF-16 surrogates (U+D800-U+DFFF) and code points above U+10FFFF are
 *    invalid;
 *  - every byte that does not start a valid sequence becomes "\xNN"
 *    (lowercase hex) and decoding resumes at the next byte;
 *  - C0 controls (including NUL, \t, \n, \r), DEL, and C1 controls
 *    (U+0080-U+009F, each byte of their two-byte encoding) become "\xNN";
 *  - a backslash becomes "\\", so the escapes are unambiguous.
 *
 * Cutting to a cap never splits an escape or a UTF-8 sequence: the output is
 * the longest whole prefix that fits.
 */

/*
 * Write the safe form of in[0..inlen) to out as a NUL-terminated string of
 * at most outsz - 1 bytes. Embedded NULs are escaped; input stops at inlen.
 * Returns the length written, excluding the NUL. With outsz == 0 nothing is
 * written and 0 is returned. in may be NULL when inlen is 0.
 */
size_t text_sanitize(const void *in, size_t inlen, char *out, size_t outsz);

/*
 * As text_sanitize(), into a new string of at most maxout bytes of text
 * (plus the NUL). The caller frees it. NULL only when allocation fails.
 */
char *text_sanitize_dup(const void *in, size_t inlen, size_t maxout);

/* True when s would come through text_sanitize() unchanged; false for NULL. */
bool text_is_safe(const char *s);

/* True when in[0..len) is entirely valid UTF-8 (controls are valid UTF-8). */
bool text_utf8_valid(const void *in, size_t len);

#endif
