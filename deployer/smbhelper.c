/*
 * smbhelper.c - the SMB method's helper process (see smbhelper.h): its
 * wire format, the worker's side (spawn, call with a deadline, stop) and
 * the helper's loop, which runs one libsmbclient context alone in its
 * process.
 *
 * Frames on the socketpair: a 4-byte little-endian length, then the body.
 * Request body: u8 op, u32 handle, u32 count, u32 flags, three strings
 * (u16 length counting a final NUL, the bytes, the NUL), u32 data length,
 * the data. Reply body: i32 errno, u64 value, u32 data length, the data.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libsmbclient.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "common/nodump.h"
#include "deployer/engine.h"
#include "deployer/smbhelper.h"

#define POLL_SLICE_MS 200

extern char **environ;

/* ---- codecs ---- */

static int
put_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return buf_append(b, x, 2);
}

static int
put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return buf_append(b, x, 4);
}

static int
put_u64(struct buf *b, uint64_t v)
{
	int r = put_u32(b, (uint32_t)v);
	return r ? r : put_u32(b, (uint32_t)(v >> 32));
}

static int
put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int r;

	if (n > SMBH_STR_MAX)
		return MUSTER_EINVAL;
	if ((r = put_u16(b, (uint16_t)(n + 1))) != 0 || (r = buf_append(b, s ? s : "", n)) != 0)
		return r;
	return buf_append(b, "", 1);
}

/* A string as put_str wrote it: its bytes end with the only NUL. */
static bool
get_str(struct cursor *c, const char **out)
{
	uint16_t n;
	const uint8_t *p;

	*out = "";
	if (!cursor_u16le(c, &n) || n == 0 || n > SMBH_STR_MAX + 1 || !cursor_ptr(c, &p, n))
		return cursor_fail_(c);
	if (p[n - 1] != '\0' || memchr(p, '\0', n - 1) != NULL)
		return cursor_fail_(c);
	*out = (const char *)p;
	return true;
}

int
smbh_encode_req(struct buf *b, const struct smbh_req *r)
{
	int e;

	if (r->len > SMBH_IO_MAX || (r->len > 0 && r->data == NULL))
		return MUSTER_EINVAL;
	if ((e = buf_append(b, &r->op, 1)) != 0 || (e = put_u32(b, r->handle)) != 0 ||
	    (e = put_u32(b, r->count)) != 0 || (e = put_u32(b, r->flags)) != 0 ||
	    (e = put_str(b, r->s1)) != 0 || (e = put_str(b, r->s2)) != 0 ||
	    (e = put_str(b, r->s3)) != 0 || (e = put_u32(b, (uint32_t)r->len)) != 0)
		return e;
	return r->len ? buf_append(b, r->data, r->len) : 0;
}

int
smbh_decode_req(const uint8_t *p, size_t n, struct smbh_req *r)
{
	struct cursor c = cursor_init(p, n);
	uint32_t len = 0;

	memset(r, 0, sizeof(*r));
	r->s1 = r->s2 = r->s3 = "";
	cursor_u8(&c, &r->op);
	cursor_u32le(&c, &r->handle);
	cursor_u32le(&c, &r->count);
	cursor_u32le(&c, &r->flags);
	get_str(&c, &r->s1);
	get_str(&c, &r->s2);
	get_str(&c, &r->s3);
	if (cursor_u32le(&c, &len) && (len > SMBH_IO_MAX || !cursor_ptr(&c, &r->data, len)))
		cursor_fail_(&c);
	if (!cursor_ok(&c) || c.rem != 0 || r->op < SMBH_INIT || r->op > SMBH_OP_MAX) {
		memset(r, 0, sizeof(*r));
		r->s1 = r->s2 = r->s3 = "";
		return MUSTER_EPARSE;
	}
	r->len = len;
	if (len == 0)
		r->data = NULL;
	return 0;
}

int
smbh_encode_rep(struct buf *b, const struct smbh_rep *r)
{
	int e;

	if (r->len > SMBH_IO_MAX || (r->len > 0 && r->data == NULL))
		return MUSTER_EINVAL;
	if ((e = put_u32(b, (uint32_t)r->eno)) != 0 || (e = put_u64(b, r->value)) != 0 ||
	    (e = put_u32(b, (uint32_t)r->len)) != 0)
		return e;
	return r->len ? buf_append(b, r->data, r->len) : 0;
}

int
smbh_decode_rep(const uint8_t *p, size_t n, struct smbh_rep *r)
{
	struct cursor c = cursor_init(p, n);
	uint32_t eno = 0, len = 0;

	memset(r, 0, sizeof(*r));
	cursor_u32le(&c, &eno);
	cursor_u64le(&c, &r->value);
	if (cursor_u32le(&c, &len) && (len > SMBH_IO_MAX || !cursor_ptr(&c, &r->data, len)))
		cursor_fail_(&c);
	/* errno values are small and positive; anything else is not ours. */
	if (!cursor_ok(&c) || c.rem != 0 || eno > 4095) {
		memset(r, 0, sizeof(*r));
		return MUSTER_EPARSE;
	}
	r->eno = (int32_t)eno;
	r->len = len;
	if (len == 0)
		r->data = NULL;
	return 0;
}

/* ---- frames on a socket ---- */

/* When to give up a wait early (the worker's side; NULL fn in the helper). */
struct cutter {
	bool (*fn)(const void *arg);
	const void *arg;
};

/* Wait for fd to be ready for events, by deadline (-1: no deadline) and the cutter. */
static int
wait_fd(int fd, short events, int64_t deadline, const struct cutter *cut)
{
	struct pollfd pfd = {fd, events, 0};

	for (;;) {
		int slice = POLL_SLICE_MS, r;
		if (deadline >= 0) {
			int64_t left = deadline - deploy_now_ms();
			if (left <= 0)
				return MUSTER_ETIMEOUT;
			if (left < slice)
				slice = (int)left;
		}
		if (cut != NULL && cut->fn != NULL && cut->fn(cut->arg))
			return MUSTER_ETIMEOUT;
		r = poll(&pfd, 1, deadline >= 0 || cut != NULL ? slice : -1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return MUSTER_EIO;
	}
}

static int
send_all(int fd, const uint8_t *p, size_t n, int64_t deadline, const struct cutter *cut)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_fd(fd, POLLOUT, deadline, cut);
			if (r != 0)
				return r;
			continue;
		}
		return MUSTER_EIO;
	}
	return 0;
}

/* Read exactly n bytes. MUSTER_ENOENT for an end of stream before the first byte. */
static int
recv_all(int fd, uint8_t *p, size_t n, int64_t deadline, const struct cutter *cut)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, MSG_DONTWAIT);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return got == 0 ? MUSTER_ENOENT : MUSTER_EIO;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int e = wait_fd(fd, POLLIN, deadline, cut);
			if (e != 0)
				return e;
			continue;
		}
		return MUSTER_EIO;
	}
	return 0;
}

static int
send_frame(int fd, const struct buf *body, int64_t deadline, const struct cutter *cut)
{
	uint8_t len[4] = {(uint8_t)body->len, (uint8_t)(body->len >> 8), (uint8_t)(body->len >> 16),
	                  (uint8_t)(body->len >> 24)};
	int r = send_all(fd, len, 4, deadline, cut);

	return r ? r : send_all(fd, body->data, body->len, deadline, cut);
}

/* Read one frame's body into b (reset first). */
static int
recv_frame(int fd, struct buf *b, int64_t deadline, const struct cutter *cut)
{
	uint8_t len[4];
	uint32_t n;
	int r;

	buf_reset(b);
	if ((r = recv_all(fd, len, 4, deadline, cut)) != 0)
		return r;
	n = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 |
	    (uint32_t)len[3] << 24;
	if (n > SMBH_FRAME_MAX || buf_reserve(b, n) != 0)
		return MUSTER_EPARSE;
	if ((r = recv_all(fd, b->data, n, deadline, cut)) != 0)
		return r == MUSTER_ENOENT ? MUSTER_EIO : r;
	b->len = n;
	b->data[n] = '\0';
	return 0;
}

/* ---- the worker's side ---- */

size_t
smbh_env(char *const *env, char **out, size_t max)
{
	static const char *const keep[] = {
	        "HOME",   "KRB5CCNAME", "KRB5_CONFIG",  "TMPDIR",        "LANG",
	        "LC_ALL", "LC_CTYPE",   "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
	};
	size_t n = 0;

	if (max == 0)
		return 0;
	for (; env != NULL && *env != NULL && n + 1 < max; env++) {
		const char *eq = strchr(*env, '=');
		if (eq == NULL)
			continue;
		for (size_t k = 0; k < MUSTER_NELEM(keep); k++) {
			if (strlen(keep[k]) == (size_t)(eq - *env) &&
			    memcmp(*env, keep[k], (size_t)(eq - *env)) == 0) {
				out[n++] = *env;
				break;
			}
		}
	}
	out[n] = NULL;
	return n;
}

int
smbh_spawn(struct smbh *h, const char *exe, bool (*cut)(const void *), const void *cut_arg,
           char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *argv[] = {(char *)"muster-deploy", (char *)SMBH_ARG, NULL};
	char *envp[16];
	int sv[2], r;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->cut = cut;
	h->cut_arg = cut_arg;
	smbh_env(environ, envp, MUSTER_NELEM(envp));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return muster_fail(err, errlen, MUSTER_EIO, "socketpair: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	/* dup2 onto fd 3 clears close-on-exec; stdout goes to our stderr. */
	posix_spawn_file_actions_adddup2(&fa, sv[1], SMBH_FD);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	/* Its own process group: a ^C on the terminal is ours to act on, not the helpers'. */
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	r = posix_spawn(&h->pid, exe, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (r != 0) {
		close(sv[0]);
		h->pid = 0;
		return muster_fail(err, errlen, MUSTER_EIO, "cannot start the SMB helper %s: %s",
		                   exe, strerror(r));
	}
	h->fd = sv[0];
	return 0;
}

bool
smbh_alive(const struct smbh *h)
{
	return h->pid > 0 && h->fd >= 0;
}

/* Reap the helper (waiting at most grace_ms, then killing it) and say how it ended. */
static void
reap(struct smbh *h, int64_t grace_ms)
{
	int64_t until = deploy_now_ms() + grace_ms;
	int st = 0;
	pid_t r;

	if (h->pid <= 0)
		return;
	while ((r = waitpid(h->pid, &st, WNOHANG)) == 0 && deploy_now_ms() < until) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (r == 0) {
		kill(h->pid, SIGKILL);
		while ((r = waitpid(h->pid, &st, 0)) < 0 && errno == EINTR)
			;
	}
	if (h->why[0] == '\0') {
		if (r > 0 && WIFSIGNALED(st))
			snprintf(h->why, sizeof(h->why), "the SMB helper was killed by signal %d",
			         WTERMSIG(st));
		else if (r > 0 && WIFEXITED(st))
			snprintf(h->why, sizeof(h->why), "the SMB helper exited with status %d",
			         WEXITSTATUS(st));
	}
	h->pid = 0;
}

void
smbh_stop(struct smbh *h, int64_t grace_ms)
{
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	reap(h, grace_ms);
}

int
smbh_call(struct smbh *h, const struct smbh_req *req, struct smbh_rep *rep, struct buf *reply,
          int64_t deadline)
{
	struct cutter cut = {h->cut, h->cut_arg};
	struct buf body;
	int r;

	memset(rep, 0, sizeof(*rep));
	h->eno = 0;
	if (!smbh_alive(h))
		return MUSTER_EIO;
	buf_init(&body, SMBH_FRAME_MAX);
	r = smbh_encode_req(&body, req);
	if (r == 0)
		r = send_frame(h->fd, &body, deadline, &cut);
	if (req->op == SMBH_INIT && body.data != NULL)
		explicit_bzero(body.data, body.len); /* it held the password */
	buf_free(&body);
	if (r == MUSTER_EINVAL)
		return r; /* nothing was sent: the channel is still in step */
	if (r == 0)
		r = recv_frame(h->fd, reply, deadline, &cut);
	if (r == 0 && smbh_decode_rep(reply->data, reply->len, rep) != 0)
		r = MUSTER_EPARSE;
	if (r == MUSTER_ETIMEOUT) {
		/* A call in flight cannot be taken back: the helper goes. */
		snprintf(h->why, sizeof(h->why), "the SMB helper was stopped at the deadline");
		kill(h->pid, SIGKILL);
		smbh_stop(h, 1000);
		return MUSTER_ETIMEOUT;
	}
	if (r != 0) {
		if (r == MUSTER_EPARSE)
			snprintf(h->why, sizeof(h->why), "the SMB helper answered nonsense");
		smbh_stop(h, 1000);
		return MUSTER_EIO;
	}
	if (rep->eno != 0) {
		h->eno = rep->eno;
		return MUSTER_ENET;
	}
	return 0;
}

/* ---- the helper ---- */

/* The helper's whole state: one context, the credentials for its callback, open files. */
static struct {
	SMBCCTX *ctx;
	char user[SMBH_STR_MAX + 1], domain[SMBH_STR_MAX + 1];
	char *password; /* locked, wiped at exit */
	size_t pwlen;
	SMBCFILE *files[SMBH_FILES];
} H;

/* libsmbclient asks for credentials for every server and share it connects to. */
static void
auth_fn(SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen, char *un, int unlen,
        char *pw, int pwlen)
{
	(void)c;
	(void)srv;
	(void)shr;
	snprintf(wg, (size_t)wglen, "%s", H.domain);
	snprintf(un, (size_t)unlen, "%s", H.user);
	if (H.password != NULL && (size_t)pwlen > H.pwlen)
		memcpy(pw, H.password, H.pwlen + 1);
	else if (pwlen > 0)
		pw[0] = '\0';
}

static void
wipe_password(void)
{
	if (H.password == NULL)
		return;
	explicit_bzero(H.password, H.pwlen);
	munlock(H.password, H.pwlen + 1);
	free(H.password);
	H.password = NULL;
}

static int
do_init(const struct smbh_req *q)
{
	if (H.ctx != NULL)
		return EBUSY;
	if ((q->flags & SMBH_F_ENCRYPT_IF_POSSIBLE) && (q->flags & SMBH_F_ENCRYPT_REQUIRED))
		return EINVAL;
	snprintf(H.user, sizeof(H.user), "%s", q->s1);
	snprintf(H.domain, sizeof(H.domain), "%s", q->s2);
	H.pwlen = strlen(q->s3);
	if ((H.password = malloc(H.pwlen + 1)) == NULL)
		return ENOMEM;
	mlock(H.password, H.pwlen + 1);
	memcpy(H.password, q->s3, H.pwlen + 1);
	if ((H.ctx = smbc_new_context()) == NULL)
		return errno ? errno : ENOMEM;
	smbc_setDebug(H.ctx, 0);
	smbc_setOptionDebugToStderr(H.ctx, 1);
	smbc_setFunctionAuthDataWithContext(H.ctx, auth_fn);
	smbc_setUser(H.ctx, H.user);
	if (H.domain[0])
		smbc_setWorkgroup(H.ctx, H.domain);
	/* No silent fallback to an anonymous session when ours is refused. */
	smbc_setOptionNoAutoAnonymousLogin(H.ctx, 1);
	smbc_setOptionUseKerberos(H.ctx, (q->flags & SMBH_F_KERBEROS) != 0);
	smbc_setOptionFallbackAfterKerberos(H.ctx, 1);
	/* Only the port given (445 by default): never NetBIOS on 139 as well. */
	smbc_setPort(H.ctx, (uint16_t)q->handle);
	/* Fixed per connection when it is made; the worker kills us at the deadline anyway. */
	smbc_setTimeout(H.ctx, q->count < 1000 ? 1000 : (int)q->count);
	/* SMB2 at least, SMB3 to encrypt (a process-wide setting: this process serves one host). */
	smbc_setOptionProtocols(H.ctx, (q->flags & SMBH_F_ENCRYPT_REQUIRED) ? "SMB3_00" : "SMB2_02",
	                        NULL);
	/*
	 * SMB3 encryption. Any level but NONE also makes libsmbclient require
	 * signing. Measured with Debian 12's 4.17 (deployer/README.md, "SMB
	 * encryption"): connections to a disk share are encrypted when the
	 * server can, the one to IPC$ (svcctl) never is, and REQUIRE goes on
	 * unencrypted like REQUEST when the server cannot: the worker checks
	 * the server's offer itself first.
	 */
	smbc_setOptionSmbEncryptionLevel(
	        H.ctx, (q->flags & SMBH_F_ENCRYPT_REQUIRED)      ? SMBC_ENCRYPTLEVEL_REQUIRE
	               : (q->flags & SMBH_F_ENCRYPT_IF_POSSIBLE) ? SMBC_ENCRYPTLEVEL_REQUEST
	                                                         : SMBC_ENCRYPTLEVEL_NONE);
	if (smbc_init_context(H.ctx) == NULL) {
		int e = errno ? errno : EINVAL;
		smbc_free_context(H.ctx, 1);
		H.ctx = NULL;
		return e;
	}
	return 0;
}

static int
file_slot(uint32_t h, SMBCFILE **f)
{
	if (h >= SMBH_FILES || H.files[h] == NULL)
		return EBADF;
	*f = H.files[h];
	return 0;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Run one request; fill rep (data in out). Returns 0 or the errno to report. */
static int
dispatch(const struct smbh_req *q, struct smbh_rep *rep, struct buf *out)
{
	SMBCFILE *f = NULL;
	int e;

	if (q->op == SMBH_INIT)
		return do_init(q);
	if (H.ctx == NULL)
		return EINVAL;
	errno = 0;
	switch (q->op) {
	case SMBH_OPEN: {
		uint32_t slot;
		for (slot = 0; slot < SMBH_FILES && H.files[slot] != NULL; slot++)
			;
		if (slot == SMBH_FILES)
			return EMFILE;
		f = smbc_getFunctionOpen(H.ctx)(H.ctx, q->s1, (int)q->flags, 0644);
		if (f == NULL)
			return errno ? errno : EIO;
		H.files[slot] = f;
		rep->value = slot;
		return 0;
	}
	case SMBH_READ: {
		ssize_t n;
		if ((e = file_slot(q->handle, &f)) != 0)
			return e;
		if (q->count == 0 || q->count > SMBH_IO_MAX || buf_reserve(out, q->count) != 0)
			return EINVAL;
		n = smbc_getFunctionRead(H.ctx)(H.ctx, f, out->data, q->count);
		if (n < 0)
			return errno ? errno : EIO;
		out->len = (size_t)n;
		out->data[n] = '\0';
		return 0;
	}
	case SMBH_WRITE: {
		size_t off = 0;
		if ((e = file_slot(q->handle, &f)) != 0)
			return e;
		while (off < q->len) {
			ssize_t n =
			        smbc_getFunctionWrite(H.ctx)(H.ctx, f, q->data + off, q->len - off);
			if (n <= 0)
				return errno ? errno : EIO;
			off += (size_t)n;
		}
		rep->value = off;
		return 0;
	}
	case SMBH_CLOSE:
		if ((e = file_slot(q->handle, &f)) != 0)
			return e;
		H.files[q->handle] = NULL;
		if (smbc_getFunctionClose(H.ctx)(H.ctx, f) != 0)
			return errno ? errno : EIO;
		return 0;
	case SMBH_MKDIR:
		return smbc_getFunctionMkdir(H.ctx)(H.ctx, q->s1, 0755) == 0
		               ? 0
		               : (errno ? errno : EIO);
	case SMBH_RMDIR:
		return smbc_getFunctionRmdir(H.ctx)(H.ctx, q->s1) == 0 ? 0 : (errno ? errno : EIO);
	case SMBH_UNLINK:
		return smbc_getFunctionUnlink(H.ctx)(H.ctx, q->s1) == 0 ? 0 : (errno ? errno : EIO);
	case SMBH_STAT: {
		struct stat st;
		uint8_t v[16];
		if (smbc_getFunctionStat(H.ctx)(H.ctx, q->s1, &st) != 0)
			return errno ? errno : EIO;
		rep->value = st.st_size > 0 ? (uint64_t)st.st_size : 0;
		put_le64(v, st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0);
		put_le64(v + 8, (uint64_t)st.st_mode);
		return buf_append(out, v, sizeof(v)) == 0 ? 0 : ENOMEM;
	}
	case SMBH_STATVFS: {
		struct statvfs st;
		uint8_t v[32];
		memset(&st, 0, sizeof(st));
		/* The URL is only read; the cast is libsmbclient's prototype. */
		if (smbc_getFunctionStatVFS(H.ctx)(H.ctx, (char *)q->s1, &st) != 0)
			return errno ? errno : EIO;
		put_le64(v, st.f_bsize);
		put_le64(v + 8, st.f_frsize);
		put_le64(v + 16, st.f_bavail);
		put_le64(v + 24, st.f_blocks);
		return buf_append(out, v, sizeof(v)) == 0 ? 0 : ENOMEM;
	}
	case SMBH_LIST: {
		struct smbc_dirent *d;
		SMBCFILE *dir = smbc_getFunctionOpendir(H.ctx)(H.ctx, q->s1);
		if (dir == NULL)
			return errno ? errno : EIO;
		e = 0;
		while ((d = smbc_getFunctionReaddir(H.ctx)(H.ctx, dir)) != NULL) {
			if (d->smbc_type != ((q->flags & SMBH_F_DIRS) ? SMBC_DIR : SMBC_FILE) ||
			    strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
				continue;
			if (buf_append(out, d->name, strnlen(d->name, d->namelen + 1)) != 0 ||
			    buf_append(out, "", 1) != 0) {
				e = E2BIG;
				break;
			}
		}
		smbc_getFunctionClosedir(H.ctx)(H.ctx, dir);
		return e;
	}
	default:
		return EINVAL;
	}
}

_Noreturn void
smbh_main(int fd)
{
	struct buf in, out, reply;
	struct stat st;
	int status = 0;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "muster-deploy: %s is internal to --method smb\n", SMBH_ARG);
		_exit(MUSTER_EXIT_USAGE);
	}
	/* It will hold a password: no core file, no ptrace by others; die with our worker. */
	muster_no_dumps();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	buf_init(&in, SMBH_FRAME_MAX);
	buf_init(&out, SMBH_IO_MAX);
	buf_init(&reply, SMBH_FRAME_MAX);
	for (;;) {
		struct smbh_req q;
		struct smbh_rep rep = {0};
		int r = recv_frame(fd, &in, -1, NULL);
		if (r == MUSTER_ENOENT)
			break; /* the worker closed the channel: log off and go */
		if (r != 0 || smbh_decode_req(in.data, in.len, &q) != 0) {
			status = 1;
			break;
		}
		buf_reset(&out);
		rep.eno = dispatch(&q, &rep, &out);
		if (q.op == SMBH_INIT)
			explicit_bzero(in.data, in.len);
		if (rep.eno == 0) {
			rep.data = out.len ? out.data : NULL;
			rep.len = out.len;
		} else {
			rep.value = 0;
		}
		buf_reset(&reply);
		if (smbh_encode_rep(&reply, &rep) != 0 || send_frame(fd, &reply, -1, NULL) != 0) {
			status = 1;
			break;
		}
	}
	wipe_password();
	if (H.ctx != NULL)
		smbc_free_context(H.ctx, 1);
	buf_free(&in);
	buf_free(&out);
	buf_free(&reply);
	close(fd);
	/*
	 * _exit: no atexit handlers. libsmbclient keeps a few talloc blocks for
	 * the life of the process, which LeakSanitizer would report at every
	 * helper's exit in a sanitizer build.
	 */
	_exit(status);
}
