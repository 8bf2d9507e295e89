/*
 * ssh.h - the SSH deployment method on libssh2: host keys checked against
 * known_hosts, public key (file or agent), password and keyboard-interactive
 * authentication, SFTP upload (SCP fallback), sudo with or without a
 * password, exit status through a sentinel line.
 */
#ifndef MUSTER_DEPLOY_SSH_H
#define MUSTER_DEPLOY_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deployer/engine.h"
#include "deployer/secret.h"

enum ssh_hostkey_policy { SSH_HOSTKEY_STRICT, SSH_HOSTKEY_ACCEPT_NEW };

struct ssh_config {
	const char *identity;     /* private key file (ed25519, ECDSA; RSA see README), or NULL */
	struct secret passphrase; /* of the identity */
	bool agent;               /* try the keys of ssh-agent ($SSH_AUTH_SOCK) */
	struct secret password;   /* login password: password and keyboard-interactive */
	struct secret sudo_password;
	const char *known_hosts; /* file; missing means empty */
	enum ssh_hostkey_policy policy;
	const char *remote_dir; /* where to make the working directory (default /tmp) */
	int64_t connect_timeout_ms;
};

struct ssh_global;

/*
 * Shared state of the SSH method: reads the identity and known_hosts once.
 * Takes over the secrets in cfg (they are zeroed there). NULL with err set.
 */
struct ssh_global *ssh_global_new(struct ssh_config *cfg, char *err, size_t errlen);
void ssh_global_free(struct ssh_global *g);

extern const struct deploy_method ssh_method;

/* ---- pure helpers, exported for the unit tests ---- */

/*
 * Find the sentinel line "MARK CODE" that ends a command's output (the last
 * one at the start of a line) and parse CODE. content_len is set to where the
 * command's own output ends (without the newline put before the sentinel).
 * false when there is none or CODE is not a number 0-255.
 */
bool ssh_sentinel_parse(const char *out, size_t len, const char *mark, int *code,
                        size_t *content_len);

/* What the precheck script prints, one key=value a line. */
struct ssh_precheck {
	char os[32], arch[32];
	long uid; /* -1 unknown */
	bool have_free;
	uint64_t free_kb;
	char sudo[16];     /* "", "nopasswd", "password", "none" */
	char dir[160];     /* the working directory it made, or "" */
	char dir_err[128]; /* why it could not */
	long stale;        /* stale working directories it removed, -1 unknown */
};
bool ssh_precheck_parse(const char *out, size_t len, struct ssh_precheck *p);

/* A remote path or directory we are willing to put in a command line: [A-Za-z0-9/._-]. */
bool ssh_path_safe(const char *s);

/*
 * path is a working directory of ours in remote_dir (given without a
 * trailing '/'): exactly REMOTE_DIR/muster-deploy. and mktemp's 8 letters
 * or digits.
 */
bool ssh_workdir_ok(const char *remote_dir, const char *path);

/* "OpenSSH_8.8" or later in a server banner (which refuses SHA-1 RSA signatures). */
bool ssh_banner_refuses_sha1_rsa(const char *banner);

#endif
