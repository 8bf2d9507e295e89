/*
 * knownhosts.h - OpenSSH known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT"): plain and hashed (|1|salt|hash) host patterns, "[host]:port",
 * wildcards and negation, @revoked; read once, checked by many threads,
 * appended to under accept-new.
 */
#ifndef MUSTER_DEPLOY_KNOWNHOSTS_H
#define MUSTER_DEPLOY_KNOWNHOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct knownhosts;

enum kh_result {
	KH_MATCH,       /* a line for this host holds this very key */
	KH_MISMATCH,    /* lines for this host hold another key of the same type */
	KH_OTHER_TYPES, /* lines for this host hold only keys of other types */
	KH_REVOKED,     /* the key is marked @revoked */
	KH_UNKNOWN,     /* no line names this host */
};

/*
 * Parse known_hosts text. Lines that do not parse (and @cert-authority
 * lines, which need certificates) are skipped and counted in *skipped (may
 * be NULL). Pure. NULL on allocation failure. Free with knownhosts_free().
 */
struct knownhosts *knownhosts_parse(const char *data, size_t len, size_t *skipped);

/*
 * Read path (a missing file is an empty list) and remember it for
 * knownhosts_add(). NULL with the reason in err when it cannot be read.
 */
struct knownhosts *knownhosts_load(const char *path, char *err, size_t errlen);
void knownhosts_free(struct knownhosts *kh);

/*
 * Check the host key blob (RFC 4253 §6.6 encoding) that host:port offered.
 * host is matched as "host" for port 22 and "[host]:port" otherwise. When
 * not KH_MATCH, line is set to the first line that decided (0 if none).
 * Thread-safe.
 */
enum kh_result knownhosts_check(struct knownhosts *kh, const char *host, uint16_t port,
                                const uint8_t *blob, size_t len, unsigned *line);

/*
 * The key types recorded for host:port, comma-separated, in file order, into
 * out ("" when none). Thread-safe.
 */
void knownhosts_types(struct knownhosts *kh, const char *host, uint16_t port, char *out,
                      size_t outsz);

/*
 * Record a key for host:port (accept-new): appended to the file given to
 * knownhosts_load() and to the list. Thread-safe. 0 or MUSTER_EIO/ENOMEM.
 */
int knownhosts_add(struct knownhosts *kh, const char *host, uint16_t port, const uint8_t *blob,
                   size_t len);

/* The key type named inside a key blob ("ssh-ed25519", ...) into out; false when malformed. */
bool knownhosts_blob_type(const uint8_t *blob, size_t len, char *out, size_t outsz);

/* "SHA256:base64" fingerprint of a key blob, as ssh-keygen -l prints it. */
void knownhosts_fingerprint(const uint8_t *blob, size_t len, char *out, size_t outsz);

#endif
