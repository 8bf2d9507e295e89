/*
 * smb.h - the SMB deployment method for Windows (issue 9): the installer
 * and muster-svc.exe uploaded to ADMIN$ (or C$\Windows\Temp, or a share
 * given with --share) through libsmbclient, read back and hashed; a
 * service created through the service control manager over \PIPE\svcctl
 * ([MS-SCMR] on DCE/RPC, deployer/scmr.h) runs the installer; its result
 * file is read back; service and files are removed.
 *
 * libsmbclient runs in one helper process per host (smbhelper.h says why).
 */
#ifndef MUSTER_DEPLOY_SMB_H
#define MUSTER_DEPLOY_SMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deployer/engine.h"
#include "deployer/secret.h"

#define SMB_USER_MAX     128
#define SMB_DOMAIN_MAX   128
#define SMB_SHARE_MAX    80
#define SMB_SUBDIR_MAX   120
#define SMB_WINPATH_MAX  160
#define SMB_SERVICE_NAME "MusterDeploy"
#define SMB_DEFAULT_PORT 445
#define SMB_SVC_EXE_NAME "muster-svc.exe"
#define SMB_RESULT_NAME  "result.txt"

/* Where the files go: a share, a directory inside it, and what that is on the target's disk. */
struct smb_share {
	char name[SMB_SHARE_MAX];      /* "ADMIN$" */
	char sub[SMB_SUBDIR_MAX];      /* "Windows\\Temp" inside the share, or "" */
	char winpath[SMB_WINPATH_MAX]; /* "C:\\Windows\\Temp": share + sub on the target */
};

/*
 * Parse --share: "NAME[\SUB...][=X:\PATH]". Without "=PATH" the local path
 * is known only for ADMIN$ (C:\Windows) and drive shares ("D$" -> D:\),
 * followed by SUB. Share names: [A-Za-z0-9_.$-], 1-79 bytes; SUB
 * components: [A-Za-z0-9_. -], no leading or trailing space, no trailing
 * dot; PATH: a drive letter path of the same characters. false with why
 * set otherwise.
 */
bool smb_share_parse(const char *spec, struct smb_share *out, char *why, size_t whylen);

/*
 * Split --user: "DOMAIN\user", "user@REALM" (kept whole: NTLM and Kerberos
 * both take a user principal name) or "user". domain_opt (--domain, may be
 * NULL) is used when the spec names none; naming two different domains is
 * refused. User: [A-Za-z0-9._$ -] (and '@' before a realm), 1-127 bytes;
 * domain and realm: [A-Za-z0-9._-]. false with why set otherwise.
 */
bool smb_user_parse(const char *spec, const char *domain_opt, char *user, size_t usersz,
                    char *domain, size_t domainsz, char *why, size_t whylen);

/* The binary path of the service: "\"W\\D\\muster-svc.exe\" --run \"W\\D\\I\" --result ...". */
int smb_service_command(const char *winpath, const char *dir, const char *installer,
                        unsigned timeout_s, char *out, size_t outsz);

/* name is a working directory name of ours: "muster-" and 16 lowercase hex digits. */
bool smb_workdir_name_ok(const char *name);

/*
 * A working directory of ours last modified at mtime (Unix seconds, from
 * the target) is a stale leftover at now (ours): older than 48 hours.
 */
bool smb_workdir_stale(uint64_t mtime, int64_t now);

/* Free bytes from libsmbclient's statvfs (see smb.c: its f_bsize holds bytes per sector). */
uint64_t smb_free_bytes(uint64_t bsize, uint64_t frsize, uint64_t bavail);

/* --smb-encrypt: SMB3 encryption of the session (the zero value is the default). */
enum smb_encrypt {
	SMB_ENCRYPT_IF_POSSIBLE = 0, /* encrypt when the server can, else go on without */
	SMB_ENCRYPT_OFF,             /* never ask for it */
	SMB_ENCRYPT_REQUIRED,        /* fail the host when the server cannot encrypt */
};

/* "off", "if-possible" or "required" into *out; false for anything else. */
bool smb_encrypt_parse(const char *s, enum smb_encrypt *out);
/* The option's word for e. */
const char *smb_encrypt_name(enum smb_encrypt e);
/*
 * Whether an SMB2 NEGOTIATE response (its dialect, capabilities and, for
 * 3.1.1, the cipher of its encryption context, 0 when none) lets the
 * session be encrypted. When not, why says so in a sentence.
 */
bool smb_negotiate_encrypts(uint16_t dialect, uint32_t capabilities, uint16_t cipher, char *why,
                            size_t whylen);

/* What the method needs for the whole run. */
struct smb_config {
	const char *domain;       /* --domain, or NULL */
	bool kerberos;            /* --kerberos: Kerberos first (ccache or password), NTLM after */
	enum smb_encrypt encrypt; /* --smb-encrypt */
	const char *share;        /* --share spec, or NULL for ADMIN$ then C$\Windows\Temp */
	const char *svc_exe;      /* --svc-exe, or NULL for the default (smb_default_svc_exe) */
	const char *service_name; /* NULL: SMB_SERVICE_NAME */
	struct secret password;   /* --password-file or MUSTER_SMB_PASSWORD */
	int64_t connect_timeout_ms;
};

struct smb_global;

/*
 * Shared state of the SMB method: the parsed share, muster-svc.exe read and
 * hashed once. Takes over cfg->password (zeroed there). NULL with err set.
 */
struct smb_global *smb_global_new(struct smb_config *cfg, char *err, size_t errlen);
void smb_global_free(struct smb_global *g);

/*
 * The muster-svc.exe to upload when --svc-exe is not given: $MUSTER_SVC_EXE,
 * else the build tree's, else <prefix>/lib/muster/ beside the installed
 * muster-deploy. Writes the first that exists (or the build tree's) to out.
 */
void smb_default_svc_exe(char *out, size_t outsz);

extern const struct deploy_method smb_method;

#endif
