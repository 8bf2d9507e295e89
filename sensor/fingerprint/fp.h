/* fp.h - types shared by the fingerprint engines: a guess, load errors, glob matching. */
#ifndef MUSTER_FP_H
#define MUSTER_FP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One piece of OS evidence. family is one of the words of docs/fingerprints.md
 * ("windows", "linux", "android", "chromeos", "macos", "ios", "bsd", "unix",
 * "network", "embedded", "other") or "" when the evidence names only a role;
 * role is a device role ("printer", "file-server", ...) or "". source is a
 * static string naming where the evidence came from ("p0f", "dhcp", "smb", ...).
 */
struct fp_guess {
	char family[16];
	char name[64];
	char version[32];
	char role[24];
	int confidence; /* 0-100 */
	const char *source;
};

/*
 * Problems found while loading a data file, as "file:line: message". Every
 * problem is counted; the first FP_ERRORS_KEEP messages are kept. Owned by the
 * caller (usually on the stack); zero it or call fp_errors_init() first.
 */
#define FP_ERRORS_KEEP 8
#define FP_ERROR_LEN   200

struct fp_errors {
	unsigned count;
	unsigned kept;
	char msg[FP_ERRORS_KEEP][FP_ERROR_LEN];
};

void fp_errors_init(struct fp_errors *errs);
/* Count one problem at file:line and keep its message; errs may be NULL. */
void fp_errors_add(struct fp_errors *errs, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/*
 * Shell-style match of s against pat: '*' any run of characters, '?' one
 * character, everything else literal (ASCII case folded when icase).
 */
bool fp_glob(const char *pat, const char *s, bool icase);

/* True when family is one of the known family words (or ""). */
bool fp_family_known(const char *family);
/* The less specific family that family belongs to ("android" -> "linux"), or NULL. */
const char *fp_family_parent(const char *family);
/* A known family word's number (0, 1, ...), -1 for "" or an unknown word. */
int fp_family_id(const char *family);
/* The number of the family that family number id belongs to, -1 for none. */
int fp_family_parent_id(int id);

/* Copy at most len bytes of src into dst[size], always NUL-terminated. */
void fp_copy(char *dst, size_t size, const char *src, size_t len);

/* Read a whole file (smaller than max bytes) into a malloc'd buffer the caller frees; NULL on error. */
char *fp_read_file(const char *path, size_t max, size_t *len);

#endif
