/* tokens.h - secret tokens: generation, SHA-256 hashing, durations, secret files. */
#ifndef MUSTER_SERVER_TOKENS_H
#define MUSTER_SERVER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A token is a prefix naming its kind and 32 random bytes in base64url
 * without padding ("mse_" + 43 characters). The server stores only the
 * SHA-256 of the whole token string, as 64 lowercase hex digits.
 */
enum token_kind {
	TOKEN_ENROLL, /* "mse_": enrolls up to N machines into one group */
	TOKEN_SENSOR, /* "mss_": authenticates one sensor */
};

#define TOKEN_STRLEN  48 /* 4 + 43 + NUL */
#define TOKEN_HASHLEN 65 /* 64 hex digits + NUL */
#define TOKEN_MIN     16 /* shortest token we accept (admin tokens are the admin's choice) */
#define TOKEN_MAX     256

/* A new random token of `kind` into out. 0, or MUSTER_EIO when the RNG fails. */
int token_generate(enum token_kind kind, char out[TOKEN_STRLEN]);

/* SHA-256 of tok[0..len) as lowercase hex into out. */
void token_hash(const char *tok, size_t len, char out[TOKEN_HASHLEN]);

/* Compare two hex hashes in constant time. */
bool token_hash_equal(const char *a, const char *b);

/* Whether tok[0..len) may be a token at all: TOKEN_MIN..TOKEN_MAX printable ASCII, no spaces. */
bool token_well_formed(const char *tok, size_t len);

/*
 * Parse a duration: a positive integer and a unit, "45s", "90m", "12h",
 * "30d", "2w" (a bare number is seconds). At most 10 years. False when
 * malformed.
 */
bool token_parse_duration(const char *s, int64_t *secs);

/*
 * Read a secret (an admin token) from the first line of path, without the
 * line end and surrounding blanks, into out. Warns when the file is
 * readable by group or others. 0, MUSTER_EIO (errno kept), MUSTER_EINVAL
 * (empty or not well formed) or MUSTER_ETOOBIG.
 */
int token_read_file(const char *path, char *out, size_t outsz);

#endif
