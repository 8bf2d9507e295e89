/* installer-builder/encode.h: one encoder per target language. Values reach
 * generated installers only through these (docs/installer.md "Encoders"). */
#ifndef MUSTER_INSTALLER_ENCODE_H
#define MUSTER_INSTALLER_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Each returns malloc'd text (caller frees) that, placed in its language,
 * denotes exactly v; or NULL with a reason in err when v cannot be carried
 * safely (then the caller refuses, or falls back to base64). All reject
 * invalid UTF-8. */

/* POSIX sh: '...' with ' written as '\''. Output includes the quotes. */
char *enc_sh(const char *v, char *err, size_t errlen);
/* PowerShell: '...' with ', U+2018, U+2019, U+201A, U+201B doubled.
 * Output includes the quotes. */
char *enc_ps1(const char *v, char *err, size_t errlen);
/* cmd.exe: returns v unchanged when it is at most 8000 bytes and every byte
 * is in [A-Za-z0-9 ._:/=+,@#-]
 * (no quotes needed inside "set "X=v""), else NULL: the caller falls back to
 * base64 decoded by PowerShell. */
char *enc_cmd(const char *v, char *err, size_t errlen);
/* INI value: v unchanged; rejects CR, LF, NUL, more than 4000 bytes, ';' or
 * '#' first or after a blank, blanks at either end, a quoted value (INI
 * readers would strip or cut them). */
char *enc_ini(const char *v, char *err, size_t errlen);
/* XML text or attribute: escapes & < > " '; rejects every C0 control
 * (including TAB, LF, CR) and U+FFFE/U+FFFF, which XML 1.0 cannot carry. */
char *enc_xml(const char *v, char *err, size_t errlen);
/* Standard base64 with padding, no newlines; NULL only on ENOMEM. */
char *enc_base64(const void *p, size_t n);
/* Decode standard base64 (padding required). malloc'd, NUL-terminated
 * (*outlen excludes it), or NULL when malformed. */
unsigned char *dec_base64(const char *s, size_t *outlen);
/* Lower-case hex of n bytes; malloc'd. */
char *enc_hex(const uint8_t *p, size_t n);

#endif
