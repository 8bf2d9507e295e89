/*
 * smbhelper.h - libsmbclient in one helper process per host, driven by the
 * SMB method's worker thread over a socketpair.
 *
 * Why a process and not a context per thread: Debian 12's libsmbclient
 * (Samba 4.17) keeps its talloc stack, its loadparm and its debug state in
 * process globals, and does not export smbc_thread_posix() (declared in
 * libsmbclient.h, missing from the .so), so nothing can make those globals
 * per thread. Eight threads with a context each crash within a few dozen
 * sessions ("Bad talloc magic value", "access after free", SIGSEGV); one
 * mutex around every call is correct but makes one silent host stall every
 * other. A helper process per host keeps each SMBCCTX alone in its process,
 * and lets the worker enforce the job's deadline exactly: at the deadline
 * it kills the helper (libsmbclient's own timeout is fixed per connection
 * when the connection is made, and cannot be shortened later).
 * See deployer/README.md, "SMB".
 *
 * The helper is this program re-executed as "muster-deploy --smb-helper"
 * with the socket on fd 3 and a minimal environment (smbh_env()); nothing
 * secret is in its argv or environment: the password travels over the
 * socket in the INIT request.
 */
#ifndef MUSTER_DEPLOY_SMBHELPER_H
#define MUSTER_DEPLOY_SMBHELPER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"

#define SMBH_ARG       "--smb-helper"    /* argv[1] of the helper */
#define SMBH_FD        3                 /* its end of the socketpair */
#define SMBH_IO_MAX    ((size_t)1 << 20) /* bytes of one READ or WRITE */
#define SMBH_FRAME_MAX (SMBH_IO_MAX + 4096)
#define SMBH_STR_MAX   1024 /* one string of a request (URL, user, password) */
#define SMBH_FILES     16   /* open handles per helper */

/* Operations; each is one libsmbclient call (WRITE loops until all is written). */
enum smbh_op {
	SMBH_INIT =
	        1, /* s1 user, s2 domain, s3 password, flags SMBH_F_*, handle port, count timeout ms */
	SMBH_OPEN,    /* s1 url, flags O_*: value = handle */
	SMBH_READ,    /* handle, count (<= SMBH_IO_MAX): data = what was read */
	SMBH_WRITE,   /* handle, data: value = bytes written */
	SMBH_CLOSE,   /* handle */
	SMBH_MKDIR,   /* s1 url */
	SMBH_RMDIR,   /* s1 url */
	SMBH_UNLINK,  /* s1 url */
	SMBH_STAT,    /* s1 url: value = size, data = u64le mtime (Unix seconds), u64le st_mode */
	SMBH_STATVFS, /* s1 url: data = u64le bsize, frsize, bavail, blocks */
	SMBH_LIST,    /* s1 url of a directory: data = its files' (SMBH_F_DIRS: directories') names,
	              each NUL-terminated */
	SMBH_OP_MAX = SMBH_LIST,
};

#define SMBH_F_KERBEROS 0x1u /* INIT: try Kerberos first, NTLM after */
#define SMBH_F_DIRS     0x2u /* LIST: directories ("." and ".." left out), not files */
/*
 * INIT: SMB3 encryption, at most one of the two (neither: none asked for,
 * SMBC_ENCRYPTLEVEL_NONE). IF_POSSIBLE is SMBC_ENCRYPTLEVEL_REQUEST,
 * REQUIRED is SMBC_ENCRYPTLEVEL_REQUIRE; with either, libsmbclient also
 * requires signing. Both at once is refused (EINVAL).
 */
#define SMBH_F_ENCRYPT_IF_POSSIBLE 0x4u
#define SMBH_F_ENCRYPT_REQUIRED    0x8u

/* One request. The strings and data point into the frame they were decoded from. */
struct smbh_req {
	uint8_t op;
	uint32_t handle, count, flags;
	const char *s1, *s2, *s3; /* "" when absent; never NULL after decoding */
	const uint8_t *data;
	size_t len;
};

/* One reply: eno 0 on success, else the errno libsmbclient set. */
struct smbh_rep {
	int32_t eno;
	uint64_t value;
	const uint8_t *data;
	size_t len;
};

/* ---- pure codecs (no I/O), used by both ends, the tests and the fuzzer ---- */

/*
 * Append the body of a request to b (the frame's 4-byte length is not part
 * of it). Strings longer than SMBH_STR_MAX or holding a NUL, or data longer
 * than SMBH_IO_MAX, are refused with MUSTER_EINVAL.
 */
int smbh_encode_req(struct buf *b, const struct smbh_req *r);
/* Decode a request body p[0..n). 0 or MUSTER_EPARSE (also for an unknown op or trailing bytes). */
int smbh_decode_req(const uint8_t *p, size_t n, struct smbh_req *r);
int smbh_encode_rep(struct buf *b, const struct smbh_rep *r);
int smbh_decode_rep(const uint8_t *p, size_t n, struct smbh_rep *r);

/* ---- the worker's side ---- */

struct smbh {
	pid_t pid; /* 0 when there is no helper */
	int fd;
	int eno; /* errno of the last call that failed with MUSTER_ENET */
	/* When cut(cut_arg) says so, a wait ends as at the deadline (NULL: never). */
	bool (*cut)(const void *cut_arg);
	const void *cut_arg;
	char why[96]; /* how the helper ended, once it did */
};

/*
 * Start a helper: exe is this program (normally "/proc/self/exe"), with
 * the environment smbh_env() keeps. Its stdout goes to our stderr, where
 * libsmbclient's rare level-0 messages then land. It runs in its own
 * process group. cut (may be NULL) is asked during every wait whether to
 * give up now. 0, or MUSTER_EIO with err set.
 */
int smbh_spawn(struct smbh *h, const char *exe, bool (*cut)(const void *), const void *cut_arg,
               char *err, size_t errlen);

/*
 * The helper's environment: the entries of env (NAME=value strings, NULL
 * ended) that libsmbclient needs (HOME for ~/.smb/smb.conf, KRB5CCNAME and
 * KRB5_CONFIG for Kerberos, TMPDIR, LANG, LC_ALL, LC_CTYPE) and the
 * sanitizers' options; nothing else, so no password variable can reach it.
 * Pointers into env go to out (at most max - 1 of them), then a NULL.
 * Returns how many were kept.
 */
size_t smbh_env(char *const *env, char **out, size_t max);
/* True while the helper runs and its channel is in step. */
bool smbh_alive(const struct smbh *h);
/*
 * Close the channel (the helper then logs off and exits), wait at most
 * grace_ms, then kill it. Accepts a helper that never started or is gone.
 */
void smbh_stop(struct smbh *h, int64_t grace_ms);

/*
 * One request and its reply, by deadline (CLOCK_MONOTONIC ms). 0 when the
 * call succeeded: rep->data then points into reply (a buf the caller owns,
 * reset first). MUSTER_ENET when libsmbclient failed (h->eno holds its
 * errno); MUSTER_ETIMEOUT at the deadline or when h->cut says so, after
 * which the helper is killed; MUSTER_EIO when the helper died or answered
 * nonsense (h->why says how).
 */
int smbh_call(struct smbh *h, const struct smbh_req *req, struct smbh_rep *rep, struct buf *reply,
              int64_t deadline);

/* The helper's main loop on fd (SMBH_FD); ends the process with its exit status. */
_Noreturn void smbh_main(int fd);

#endif
