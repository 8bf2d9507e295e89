/*
 * ssh.c - the SSH method (RFC 4251-4254) on libssh2: TCP connect with a
 * deadline, handshake with host-key methods ordered by what known_hosts
 * holds, host key verification (strict / accept-new), user authentication
 * (RFC 4252 publickey and password, RFC 4256 keyboard-interactive, agent),
 * SFTP upload (draft-ietf-secsh-filexfer-02) with SCP as fallback, and
 * commands on exec channels (RFC 4254 §6.5) whose exit status is read from
 * a sentinel line.
 *
 * Every libssh2 call runs in non-blocking mode and waits in poll() on the
 * host's socket until the job's deadline, so a silent host costs exactly
 * its timeout and nothing else.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/text.h"
#include "deployer/knownhosts.h"
#include "deployer/ssh.h"

#define KEYFILE_MAX   (64 << 10)
#define SFTP_CHUNK    ((size_t)256 << 10) /* bytes handed to one sftp_write: pipelined inside */
#define POLL_SLICE_MS 200
#define CMD_MAX       4096
#define WORKDIR_STEM  "muster-deploy."
#define WORKDIR_RAND  8 /* mktemp's XXXXXXXX */
/*
 * A working directory of ours older than this is a leftover of a run that
 * was killed: no host of a live run is older than --timeout (24 h at most),
 * and an installer that outlived its timeout gets a day more.
 */
#define STALE_DAYS "+1" /* find -mtime: 48 hours or more */

/* libssh2 1.10 host key methods, in our order of preference. */
static const char *const hostkey_methods[] = {
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-rsa",
};

/* ---- shared state ---- */

struct ssh_global {
	struct ssh_config cfg;
	struct knownhosts *kh;
	char *key; /* the private key file's content */
	size_t key_len;
	char *pub; /* the .pub beside it, if any */
	size_t pub_len;
	bool key_is_rsa;
	char key_desc[96]; /* "ed25519 key /path" for reasons */
	char remote_dir[128];
};

static char *
slurp(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *d;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size <= 0 || (size_t)st.st_size > max ||
	    (d = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	n = read(fd, d, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(d);
		errno = EIO;
		return NULL;
	}
	d[n] = '\0';
	*len = (size_t)n;
	return d;
}

/* The key type of a private key file: "rsa", "ed25519", "ecdsa", or "" when unknown. */
static void
key_type(const char *key, size_t len, const char *pub, char *out, size_t outsz)
{
	static const char ossh[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	snprintf(out, outsz, "%s", "");
	if (pub != NULL) {
		if (strncmp(pub, "ssh-rsa ", 8) == 0)
			snprintf(out, outsz, "rsa");
		else if (strncmp(pub, "ssh-ed25519 ", 12) == 0)
			snprintf(out, outsz, "ed25519");
		else if (strncmp(pub, "ecdsa-", 6) == 0)
			snprintf(out, outsz, "ecdsa");
		if (out[0])
			return;
	}
	if (memmem(key, len, "BEGIN RSA PRIVATE KEY", 21) != NULL) {
		snprintf(out, outsz, "rsa");
		return;
	}
	if (memmem(key, len, "BEGIN EC PRIVATE KEY", 20) != NULL) {
		snprintf(out, outsz, "ecdsa");
		return;
	}
	/* openssh-key-v1: the public key's type is readable without the passphrase. */
	const char *b = memmem(key, len, ossh, sizeof(ossh) - 1);
	if (b == NULL)
		return;
	b += sizeof(ossh) - 1;
	{
		char b64[2048];
		uint8_t raw[1600];
		size_t n = 0;
		const char *e = key + len;
		for (; b < e && n < sizeof(b64) - 1 && *b != '-'; b++)
			if (!isspace((unsigned char)*b))
				b64[n++] = *b;
		n -= n % 4;
		int r = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n);
		/* "openssh-key-v1\0", cipher, kdf, kdfopts, nkeys, then the public key blob. */
		size_t off = 15;
		for (int k = 0; k < 3 && r > 0; k++) {
			if (off + 4 > (size_t)r)
				return;
			uint32_t l = (uint32_t)raw[off] << 24 | (uint32_t)raw[off + 1] << 16 |
			             (uint32_t)raw[off + 2] << 8 | raw[off + 3];
			off += 4 + l;
		}
		off += 4 + 4; /* nkeys, public key length */
		if (r > 0 && off + 4 < (size_t)r) {
			char t[48];
			if (knownhosts_blob_type(raw + off, (size_t)r - off, t, sizeof(t))) {
				if (strcmp(t, "ssh-rsa") == 0)
					snprintf(out, outsz, "rsa");
				else if (strcmp(t, "ssh-ed25519") == 0)
					snprintf(out, outsz, "ed25519");
				else if (strncmp(t, "ecdsa-", 6) == 0)
					snprintf(out, outsz, "ecdsa");
			}
		}
	}
}

bool
ssh_path_safe(const char *s)
{
	if (s == NULL || s[0] != '/' || strlen(s) > 120 || strstr(s, "..") != NULL)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '/' && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

bool
ssh_workdir_ok(const char *remote_dir, const char *path)
{
	size_t n = strlen(remote_dir), stem = strlen(WORKDIR_STEM);

	if (!ssh_path_safe(path))
		return false;
	if (strcmp(remote_dir, "/") == 0)
		n = 0; /* "/muster-deploy.X" */
	else if (strncmp(path, remote_dir, n) != 0)
		return false;
	path += n;
	if (path[0] != '/' || strncmp(path + 1, WORKDIR_STEM, stem) != 0)
		return false;
	path += 1 + stem;
	if (strlen(path) != WORKDIR_RAND)
		return false;
	for (; *path; path++)
		if (!isalnum((unsigned char)*path))
			return false;
	return true;
}

struct ssh_global *
ssh_global_new(struct ssh_config *cfg, char *err, size_t errlen)
{
	struct ssh_global *g = calloc(1, sizeof(*g));
	char ktype[16];

	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->cfg = *cfg;
	memset(&cfg->passphrase, 0, sizeof(cfg->passphrase));
	memset(&cfg->password, 0, sizeof(cfg->password));
	memset(&cfg->sudo_password, 0, sizeof(cfg->sudo_password));
	snprintf(g->remote_dir, sizeof(g->remote_dir), "%s",
	         cfg->remote_dir ? cfg->remote_dir : "/tmp");
	if (!ssh_path_safe(g->remote_dir)) {
		snprintf(err, errlen, "--remote-dir must be an absolute path of [A-Za-z0-9/._-]");
		goto fail;
	}
	/* "/tmp/" is "/tmp": the working directory's path is compared with it. */
	for (size_t n = strlen(g->remote_dir); n > 1 && g->remote_dir[n - 1] == '/'; n--)
		g->remote_dir[n - 1] = '\0';
	if (cfg->identity != NULL) {
		char pubpath[4096];
		if ((g->key = slurp(cfg->identity, KEYFILE_MAX, &g->key_len)) == NULL) {
			snprintf(err, errlen, "cannot read identity %s: %s", cfg->identity,
			         strerror(errno));
			goto fail;
		}
		mlock(g->key, g->key_len);
		snprintf(pubpath, sizeof(pubpath), "%s.pub", cfg->identity);
		g->pub = slurp(pubpath, KEYFILE_MAX, &g->pub_len);
		key_type(g->key, g->key_len, g->pub, ktype, sizeof(ktype));
		g->key_is_rsa = strcmp(ktype, "rsa") == 0;
		snprintf(g->key_desc, sizeof(g->key_desc), "%s%skey %s", ktype, ktype[0] ? " " : "",
		         cfg->identity);
	}
	if ((g->kh = knownhosts_load(cfg->known_hosts, err, errlen)) == NULL)
		goto fail;
	return g;
fail:
	ssh_global_free(g);
	return NULL;
}

void
ssh_global_free(struct ssh_global *g)
{
	if (g == NULL)
		return;
	if (g->key) {
		explicit_bzero(g->key, g->key_len);
		munlock(g->key, g->key_len);
		free(g->key);
	}
	free(g->pub);
	secret_free(&g->cfg.passphrase);
	secret_free(&g->cfg.password);
	secret_free(&g->cfg.sudo_password);
	knownhosts_free(g->kh);
	free(g);
}

/* ---- pure helpers ---- */

bool
ssh_sentinel_parse(const char *out, size_t len, const char *mark, int *code, size_t *content_len)
{
	size_t mlen = strlen(mark);
	const char *p = out, *end = out + len, *hit = NULL;

	if (out == NULL || mlen == 0)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		if ((size_t)(le - p) > mlen + 1 && memcmp(p, mark, mlen) == 0 && p[mlen] == ' ')
			hit = p;
		p = nl ? nl + 1 : end;
	}
	if (hit == NULL)
		return false;
	{
		const char *d = hit + mlen + 1;
		int v = 0, nd = 0;
		for (; d < end && *d != '\n' && *d != '\r'; d++, nd++) {
			if (*d < '0' || *d > '9' || nd >= 3)
				return false;
			v = v * 10 + (*d - '0');
		}
		if (nd == 0 || v > 255)
			return false;
		*code = v;
	}
	/* We print "\n" before the sentinel so it starts a line; that newline is ours. */
	*content_len = (size_t)(hit - out);
	if (*content_len > 0 && out[*content_len - 1] == '\n')
		(*content_len)--;
	return true;
}

bool
ssh_precheck_parse(const char *out, size_t len, struct ssh_precheck *p)
{
	const char *s = out, *end = out + len;

	memset(p, 0, sizeof(*p));
	p->uid = -1;
	p->stale = -1;
	if (out == NULL)
		return false;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *le = nl ? nl : end;
		const char *eq = memchr(s, '=', (size_t)(le - s));
		if (eq != NULL) {
			size_t klen = (size_t)(eq - s), vlen = (size_t)(le - eq - 1);
			const char *v = eq + 1;
			if (vlen > 0 && v[vlen - 1] == '\r')
				vlen--;
#define IS(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
			if (IS("os"))
				text_sanitize(v, vlen, p->os, sizeof(p->os));
			else if (IS("arch"))
				text_sanitize(v, vlen, p->arch, sizeof(p->arch));
			else if (IS("uid") || IS("free_kb") || IS("stale")) {
				uint64_t x = 0;
				size_t i;
				for (i = 0; i < vlen && i < 19 && isdigit((unsigned char)v[i]); i++)
					x = x * 10 + (uint64_t)(v[i] - '0');
				if (i == vlen && vlen > 0) {
					if (IS("uid"))
						p->uid = (long)x;
					else if (IS("stale"))
						p->stale = (long)(x > 1000000 ? 1000000 : x);
					else
						p->free_kb = x, p->have_free = true;
				}
			} else if (IS("sudo"))
				text_sanitize(v, vlen, p->sudo, sizeof(p->sudo));
			else if (IS("dir")) {
				if (vlen < sizeof(p->dir)) {
					memcpy(p->dir, v, vlen);
					p->dir[vlen] = '\0';
				}
			} else if (IS("dir_error"))
				text_sanitize(v, vlen, p->dir_err, sizeof(p->dir_err));
#undef IS
		}
		s = nl ? nl + 1 : end;
	}
	return p->os[0] != '\0' && p->uid >= 0;
}

bool
ssh_banner_refuses_sha1_rsa(const char *banner)
{
	const char *v = banner ? strstr(banner, "OpenSSH_") : NULL;
	long maj, min = 0;
	char *e;

	if (v == NULL)
		return false;
	maj = strtol(v + 8, &e, 10);
	if (*e == '.')
		min = strtol(e + 1, NULL, 10);
	return maj > 8 || (maj == 8 && min >= 8);
}

/* ---- per host ---- */

struct ssh_host {
	int fd;
	LIBSSH2_SESSION *s;
	LIBSSH2_SFTP *sftp;
	char addr[64];    /* the address connected to, for reasons */
	char banner[128]; /* the server's identification string */
	char dir[160];    /* the working directory precheck made */
	char path[240];   /* the uploaded installer */
	bool cleaned;     /* the run removed dir */
	char mark[40];    /* random per host: sentinel and markers */
	char auth_note[160];
};

static struct ssh_host *
H(struct deploy_job *j)
{
	return j->mctx;
}

static struct ssh_global *
G(struct deploy_job *j)
{
	return j->mglobal;
}

static const char *
last_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	int len = 0;

	if (s == NULL)
		return "no session";
	libssh2_session_last_error(s, &msg, &len, 0);
	return msg && *msg ? msg : "unknown error";
}

/* Wait until the socket is ready in the directions libssh2 needs, or the deadline. */
static int
wait_io(struct deploy_job *j)
{
	struct ssh_host *h = H(j);
	struct pollfd pfd = {h->fd, 0, 0};
	int dir = libssh2_session_block_directions(h->s);
	int64_t left = j->deadline - deploy_now_ms();

	if (left <= 0 || deploy_timed_out(j))
		return MUSTER_ETIMEOUT;
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		pfd.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		pfd.events |= POLLOUT;
	if (pfd.events == 0)
		pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS)) < 0 && errno != EINTR)
		return MUSTER_EIO;
	return 0;
}

/* Run a libssh2 call returning int until it stops saying EAGAIN or time runs out. */
#define SSH_CALL(j, rc, call)                                                                      \
	do {                                                                                       \
		while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN)                                    \
			if (wait_io(j) != 0)                                                       \
				break;                                                             \
	} while (0)

/* Same for a call returning a pointer (NULL with EAGAIN as the session's last error). */
#define SSH_CALLP(j, p, call)                                                                      \
	do {                                                                                       \
		while (((p) = (call)) == NULL &&                                                   \
		       libssh2_session_last_errno(H(j)->s) == LIBSSH2_ERROR_EAGAIN)                \
			if (wait_io(j) != 0)                                                       \
				break;                                                             \
	} while (0)

/* TCP connect with the connect timeout (and the job's deadline). */
static int
tcp_connect(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	int fd = deploy_tcp_connect(j, G(j)->cfg.connect_timeout_ms, "SSH", h->addr,
	                            sizeof(h->addr), o);

	if (fd < 0)
		return fd;
	h->fd = fd;
	return 0;
}

/* Host key methods: those known_hosts holds for this host first, then ours. */
static void
hostkey_pref(struct deploy_job *j, char *out, size_t outsz)
{
	char known[256], probe[64], cur[600];
	size_t used;

	knownhosts_types(G(j)->kh, j->target->host, j->port, known, sizeof(known));
	out[0] = '\0';
	/* Only the types libssh2 knows, or method_pref fails. */
	for (const char *p = known; *p;) {
		size_t n = strcspn(p, ",");
		for (size_t i = 0; i < MUSTER_NELEM(hostkey_methods); i++) {
			if (strlen(hostkey_methods[i]) == n &&
			    strncmp(p, hostkey_methods[i], n) == 0) {
				used = strlen(out);
				snprintf(out + used, outsz - used, "%s%s", used ? "," : "",
				         hostkey_methods[i]);
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	for (size_t i = 0; i < MUSTER_NELEM(hostkey_methods); i++) {
		snprintf(probe, sizeof(probe), ",%s,", hostkey_methods[i]);
		snprintf(cur, sizeof(cur), ",%s,", out);
		if (strstr(cur, probe) != NULL)
			continue;
		used = strlen(out);
		snprintf(out + used, outsz - used, "%s%s", used ? "," : "", hostkey_methods[i]);
	}
}

/*
 * Set a method preference, keeping only what this libssh2 supports: 1.10's
 * libssh2_session_method_pref() strips unknown names with an overlapping
 * memcpy, so it must never see one.
 */
static void
set_pref(LIBSSH2_SESSION *s, int type, const char *wanted)
{
	const char **algs = NULL;
	char out[700] = "";
	size_t used = 0;
	int n = libssh2_session_supported_algs(s, type, &algs);

	for (const char *p = wanted; *p && n > 0;) {
		size_t len = strcspn(p, ",");
		for (int i = 0; i < n; i++) {
			if (strlen(algs[i]) == len && strncmp(algs[i], p, len) == 0 &&
			    used + len + 2 < sizeof(out)) {
				if (used)
					out[used++] = ',';
				memcpy(out + used, p, len);
				used += len;
				out[used] = '\0';
				break;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (algs != NULL)
		libssh2_free(s, algs);
	if (used > 0)
		libssh2_session_method_pref(s, type, out);
}

/*
 * recv() that acknowledges at once. sshd does not set TCP_NODELAY on
 * non-interactive sessions, so its small packets after a larger one
 * (exit-status, EOF, close) wait for our ACK under Nagle; Linux's delayed
 * ACK would hold that back ~40 ms each time, several times per command.
 */
static LIBSSH2_RECV_FUNC(quickack_recv)
{
	ssize_t n = recv(socket, buffer, length, flags);
	int one = 1;

	(void)abstract;
	if (n < 0)
		return -errno;
	setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return n;
}

static void
kbd_callback(const char *name, int name_len, const char *instruction, int instruction_len,
             int num_prompts, const LIBSSH2_USERAUTH_KBDINT_PROMPT *prompts,
             LIBSSH2_USERAUTH_KBDINT_RESPONSE *responses, void **abstract)
{
	struct deploy_job *j = *abstract;
	const struct secret *pw = &G(j)->cfg.password;

	for (int i = 0; i < num_prompts; i++) {
		/* Answer with the password; libssh2 frees the response with free(). */
		responses[i].text = pw->p ? strndup(pw->p, pw->len) : NULL;
		responses[i].length = responses[i].text ? (unsigned)pw->len : 0;
	}
}

static int
ssh_connect(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = calloc(1, sizeof(*h));
	struct ssh_global *g = G(j);
	const char *key, *banner;
	char pref[600], fp[64], type[48];
	size_t klen;
	int ktype, rc;
	unsigned line;
	uint8_t rnd[12];

	if (h == NULL) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "out of memory");
		return MUSTER_ENOMEM;
	}
	h->fd = -1;
	j->mctx = h;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "no randomness for the markers");
		return MUSTER_EIO;
	}
	snprintf(h->mark, sizeof(h->mark),
	         "MUSTER-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
	         rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10], rnd[11]);
	if (tcp_connect(j, o) != 0)
		return MUSTER_ENET;
	if ((h->s = libssh2_session_init_ex(NULL, NULL, NULL, j)) == NULL) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true,
		            "cannot make an SSH session (out of memory)");
		return MUSTER_ENOMEM;
	}
	libssh2_session_set_blocking(h->s, 0);
	libssh2_session_callback_set(h->s, LIBSSH2_CALLBACK_RECV, (void *)quickack_recv);
	libssh2_session_flag(h->s, LIBSSH2_FLAG_COMPRESS, 0);
	/* Fast and sound: X25519 key exchange, AES-CTR (AES-NI), SHA-2 MACs. */
	set_pref(h->s, LIBSSH2_METHOD_KEX,
	         "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	         "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	         "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	         "diffie-hellman-group14-sha256");
	set_pref(h->s, LIBSSH2_METHOD_CRYPT_CS, "aes128-ctr,aes256-ctr,aes192-ctr");
	set_pref(h->s, LIBSSH2_METHOD_CRYPT_SC, "aes128-ctr,aes256-ctr,aes192-ctr");
	set_pref(h->s, LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256,hmac-sha2-512,hmac-sha1");
	set_pref(h->s, LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256,hmac-sha2-512,hmac-sha1");
	hostkey_pref(j, pref, sizeof(pref));
	set_pref(h->s, LIBSSH2_METHOD_HOSTKEY, pref);

	SSH_CALL(j, rc, libssh2_session_handshake(h->s, h->fd));
	if (rc != 0) {
		if (rc == LIBSSH2_ERROR_EAGAIN || deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "waiting for the SSH handshake");
			return MUSTER_ETIMEOUT;
		}
		/* A server that drops us at once (MaxStartups, a restart) may take us later. */
		bool transient = rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
		                 rc == LIBSSH2_ERROR_SOCKET_RECV ||
		                 rc == LIBSSH2_ERROR_BANNER_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND;
		deploy_fail(o, DEPLOY_UNREACHABLE, transient, "SSH handshake with %s failed: %s",
		            h->addr, last_error(h->s));
		return MUSTER_ENET;
	}
	if ((banner = libssh2_session_banner_get(h->s)) != NULL)
		text_sanitize(banner, strlen(banner), h->banner, sizeof(h->banner));

	key = libssh2_session_hostkey(h->s, &klen, &ktype);
	if (key == NULL || !knownhosts_blob_type((const uint8_t *)key, klen, type, sizeof(type))) {
		deploy_fail(o, DEPLOY_HOSTKEY_MISMATCH, false,
		            "the server sent no usable host key");
		return MUSTER_EPERM;
	}
	knownhosts_fingerprint((const uint8_t *)key, klen, fp, sizeof(fp));
	switch (knownhosts_check(g->kh, j->target->host, j->port, (const uint8_t *)key, klen,
	                         &line)) {
	case KH_MATCH:
		return 0;
	case KH_REVOKED:
		deploy_fail(o, DEPLOY_HOSTKEY_MISMATCH, false,
		            "host key %s %s is marked @revoked in %s line %u", type, fp,
		            g->cfg.known_hosts, line);
		return MUSTER_EPERM;
	case KH_MISMATCH:
		deploy_fail(
		        o, DEPLOY_HOSTKEY_MISMATCH, false,
		        "host key changed: the server offered %s %s, which differs from %s line %u "
		        "(a reinstalled host, or someone in between); check it, then remove the "
		        "old line (ssh-keygen -R)",
		        type, fp, g->cfg.known_hosts, line);
		return MUSTER_EPERM;
	case KH_OTHER_TYPES:
		deploy_fail(o, DEPLOY_HOSTKEY_MISMATCH, false,
		            "the server offered a %s key (%s) but %s line %u holds only other key "
		            "types for it",
		            type, fp, g->cfg.known_hosts, line);
		return MUSTER_EPERM;
	case KH_UNKNOWN:
		break;
	}
	if (g->cfg.policy != SSH_HOSTKEY_ACCEPT_NEW) {
		deploy_fail(
		        o, DEPLOY_HOSTKEY_MISMATCH, false,
		        "host key %s %s is not in %s (policy strict: add it after checking, or use "
		        "--host-key-policy accept-new)",
		        type, fp, g->cfg.known_hosts);
		return MUSTER_EPERM;
	}
	if (knownhosts_add(g->kh, j->target->host, j->port, (const uint8_t *)key, klen) != 0) {
		deploy_fail(o, DEPLOY_HOSTKEY_MISMATCH, false,
		            "cannot record the new host key in %s", g->cfg.known_hosts);
		return MUSTER_EIO;
	}
	log_info("host-key-added", "host=%s port=%u type=%s fingerprint=%s", j->target->host,
	         j->port, type, fp);
	return 0;
}

/* Why an RSA key fails with libssh2 < 1.11 against OpenSSH >= 8.8: say so plainly. */
static bool
rsa_sha1_problem(struct deploy_job *j)
{
	return libssh2_version(0x010b00) == NULL && ssh_banner_refuses_sha1_rsa(H(j)->banner);
}

static int
ssh_authenticate(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	struct ssh_global *g = G(j);
	const char *user = j->user;
	unsigned ulen = (unsigned)strlen(user);
	char *methods = NULL, tried[200] = "", allowed[128] = "";
	bool key_failed_decrypt = false, agent_rsa = false;
	int rc;

	SSH_CALLP(j, methods, libssh2_userauth_list(h->s, user, ulen));
	if (methods == NULL) {
		if (libssh2_userauth_authenticated(h->s))
			return 0;
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "authenticating");
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_UNREACHABLE, true,
		            "the server closed the connection before "
		            "authentication: %s",
		            last_error(h->s));
		return MUSTER_ENET;
	}
	text_sanitize(methods, strlen(methods), allowed, sizeof(allowed));

	if (g->cfg.agent && strstr(methods, "publickey") != NULL) {
		LIBSSH2_AGENT *agent = libssh2_agent_init(h->s);
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;
		int n = 0;
		if (agent != NULL && libssh2_agent_connect(agent) == 0 &&
		    libssh2_agent_list_identities(agent) == 0) {
			while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
				n++;
				if (id->blob_len > 11 && memcmp(id->blob + 4, "ssh-rsa", 7) == 0)
					agent_rsa = true;
				SSH_CALL(j, rc, libssh2_agent_userauth(agent, user, id));
				if (rc == 0) {
					libssh2_agent_disconnect(agent);
					libssh2_agent_free(agent);
					return 0;
				}
				if (deploy_timed_out(j))
					break;
				prev = id;
			}
			snprintf(tried, sizeof(tried), "agent (%d key%s)", n, n == 1 ? "" : "s");
		} else {
			snprintf(tried, sizeof(tried),
			         "agent (not reachable: is SSH_AUTH_SOCK set?)");
		}
		if (agent) {
			libssh2_agent_disconnect(agent);
			libssh2_agent_free(agent);
		}
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "authenticating with the agent");
			return MUSTER_ETIMEOUT;
		}
	}
	if (g->key != NULL && strstr(methods, "publickey") != NULL) {
		SSH_CALL(j, rc,
		         libssh2_userauth_publickey_frommemory(h->s, user, ulen, g->pub,
		                                               g->pub ? g->pub_len : 0, g->key,
		                                               g->key_len, g->cfg.passphrase.p));
		if (rc == 0)
			return 0;
		if (rc == LIBSSH2_ERROR_EAGAIN || deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "authenticating with the key");
			return MUSTER_ETIMEOUT;
		}
		if (rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED ||
		    rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED)
			key_failed_decrypt = rc == LIBSSH2_ERROR_FILE;
		size_t used = strlen(tried);
		snprintf(tried + used, sizeof(tried) - used, "%s%s", used ? ", " : "", g->key_desc);
		if (key_failed_decrypt) {
			deploy_fail(o, DEPLOY_AUTH_FAILED, false,
			            "cannot use %s: %s (wrong or missing passphrase? give it with "
			            "--passphrase-file or MUSTER_SSH_PASSPHRASE)",
			            g->key_desc, last_error(h->s));
			return MUSTER_EPERM;
		}
	}
	if (g->cfg.password.p != NULL && strstr(methods, "password") != NULL) {
		SSH_CALL(j, rc,
		         libssh2_userauth_password_ex(h->s, user, ulen, g->cfg.password.p,
		                                      (unsigned)g->cfg.password.len, NULL));
		if (rc == 0)
			return 0;
		size_t used = strlen(tried);
		snprintf(tried + used, sizeof(tried) - used, "%spassword", used ? ", " : "");
	}
	if (g->cfg.password.p != NULL && strstr(methods, "keyboard-interactive") != NULL &&
	    !deploy_timed_out(j)) {
		SSH_CALL(j, rc,
		         libssh2_userauth_keyboard_interactive_ex(h->s, user, ulen, kbd_callback));
		if (rc == 0)
			return 0;
		size_t used = strlen(tried);
		snprintf(tried + used, sizeof(tried) - used, "%skeyboard-interactive",
		         used ? ", " : "");
	}
	if (deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, "authenticating");
		return MUSTER_ETIMEOUT;
	}
	if (tried[0] == '\0') {
		deploy_fail(
		        o, DEPLOY_AUTH_FAILED, false,
		        "no credential we have is accepted by the server for user %s (it allows: "
		        "%s)",
		        user, allowed);
		return MUSTER_EPERM;
	}
	if ((g->key_is_rsa || agent_rsa) && rsa_sha1_problem(j)) {
		deploy_fail(
		        o, DEPLOY_AUTH_FAILED, false,
		        "RSA key refused: libssh2 %s signs RSA only with SHA-1 (ssh-rsa), which "
		        "%s refuses (OpenSSH 8.8 and later); use an ed25519 or ECDSA key "
		        "(ssh-keygen -t ed25519) or build muster-deploy with libssh2 1.11 or later",
		        libssh2_version(0), h->banner[0] ? h->banner : "the server");
		return MUSTER_EPERM;
	}
	deploy_fail(o, DEPLOY_AUTH_FAILED, false,
	            "the server refused user %s with %s (it allows: %s)", user, tried, allowed);
	return MUSTER_EPERM;
}

/* ---- exec channels ---- */

struct exec_req {
	const char *cmd;
	bool eof_now;           /* no stdin: send EOF at once */
	const char *start_mark; /* send EOF once this appears on stdout */
	const char *prompt;     /* answer this prompt on stderr with the sudo password */
	int prompts;            /* out: how many times it was asked */
	int exit_status;        /* out: from the channel (-1 unknown) */
	const char *what;       /* for reasons: "running the installer" */
};

/* Quote s for a POSIX shell between single quotes into out. */
static bool
shq(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz < 3)
		return false;
	out[n++] = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			if (n + 4 >= outsz)
				return false;
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			if (n + 1 >= outsz)
				return false;
			out[n++] = *s;
		}
	}
	if (n + 2 > outsz)
		return false;
	out[n++] = '\'';
	out[n] = '\0';
	return true;
}

static int
write_all(struct deploy_job *j, LIBSSH2_CHANNEL *ch, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n;
		while ((n = libssh2_channel_write(ch, p, len)) == LIBSSH2_ERROR_EAGAIN)
			if (wait_io(j) != 0)
				return MUSTER_ETIMEOUT;
		if (n < 0)
			return MUSTER_ENET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Run req->cmd on a new exec channel; collect stdout and stderr (tails) into
 * out and err. Returns 0 once the channel closed, MUSTER_ETIMEOUT, or
 * MUSTER_ENET with o filled in.
 */
static int
ssh_exec(struct deploy_job *j, struct exec_req *req, struct buf *out, struct buf *err,
         struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	LIBSSH2_CHANNEL *ch;
	char chunk[32768];
	bool eof_sent = false, started = req->start_mark == NULL;
	size_t prompt_scan = 0, start_scan = 0;
	int rc, r = 0;

	req->prompts = 0;
	req->exit_status = -1;
	SSH_CALLP(j, ch, libssh2_channel_open_session(h->s));
	if (ch == NULL) {
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, req->what);
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true, "cannot open a session channel: %s",
		            last_error(h->s));
		return MUSTER_ENET;
	}
	SSH_CALL(j, rc, libssh2_channel_exec(ch, req->cmd));
	if (rc != 0) {
		if (deploy_timed_out(j))
			deploy_fail_timeout(j, o, req->what);
		else
			deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
			            "the server refused to run a command: %s", last_error(h->s));
		r = deploy_timed_out(j) ? MUSTER_ETIMEOUT : MUSTER_ENET;
		goto out;
	}
	if (req->eof_now) {
		SSH_CALL(j, rc, libssh2_channel_send_eof(ch));
		eof_sent = true;
	}
	for (;;) {
		bool progress = false;
		ssize_t n;

		while ((n = libssh2_channel_read(ch, chunk, sizeof(chunk))) > 0) {
			deploy_tail_append(out, chunk, (size_t)n, DEPLOY_OUTPUT_MAX);
			progress = true;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			break; /* the channel is gone: what we have is what there is */
		while ((n = libssh2_channel_read_stderr(ch, chunk, sizeof(chunk))) > 0) {
			deploy_tail_append(err, chunk, (size_t)n, DEPLOY_OUTPUT_MAX);
			progress = true;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			break;
		/* sudo -S asks on stderr; the prompt is our random marker, never output. */
		if (req->prompt != NULL && err->len > prompt_scan) {
			const char *hit;
			if (prompt_scan > err->len)
				prompt_scan = 0;
			while ((hit = memmem(err->data + prompt_scan, err->len - prompt_scan,
			                     req->prompt, strlen(req->prompt))) != NULL) {
				prompt_scan = (size_t)(hit - (const char *)err->data) +
				              strlen(req->prompt);
				req->prompts++;
				const struct secret *pw = &G(j)->cfg.sudo_password;
				if (req->prompts == 1 && pw->p != NULL && !eof_sent) {
					if ((r = write_all(j, ch, pw->p, pw->len)) != 0 ||
					    (r = write_all(j, ch, "\n", 1)) != 0)
						break;
				} else if (!eof_sent) {
					/* Asked again: the password was wrong. Let sudo fail. */
					SSH_CALL(j, rc, libssh2_channel_send_eof(ch));
					eof_sent = true;
				}
			}
			if (r != 0)
				break;
		}
		if (!started && out->len > start_scan) {
			if (memmem(out->data, out->len, req->start_mark, strlen(req->start_mark)) !=
			    NULL)
				started = true;
			start_scan = out->len;
		}
		if (started && !eof_sent) {
			SSH_CALL(j, rc, libssh2_channel_send_eof(ch));
			eof_sent = true;
		}
		if (libssh2_channel_eof(ch))
			break;
		if (!progress && wait_io(j) != 0) {
			r = MUSTER_ETIMEOUT;
			break;
		}
	}
	if (r == MUSTER_ETIMEOUT || deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, req->what);
		r = MUSTER_ETIMEOUT;
		goto out;
	}
	SSH_CALL(j, rc, libssh2_channel_close(ch));
	SSH_CALL(j, rc, libssh2_channel_wait_closed(ch));
	if (rc == 0)
		req->exit_status = libssh2_channel_get_exit_status(ch);
	r = 0;
out:
	/* A free that would block is left to the session's end. */
	if (ch != NULL && libssh2_channel_free(ch) == LIBSSH2_ERROR_EAGAIN &&
	    !deploy_timed_out(j)) {
		SSH_CALL(j, rc, libssh2_channel_free(ch));
	}
	return r;
}

/* The privilege wrapper of a command: nothing as root, sudo -n, or sudo -S with our prompt. */
static bool
privileged(struct deploy_job *j, const char *inner, char *prompt, size_t promptsz, char *out,
           size_t outsz)
{
	char q[CMD_MAX];

	prompt[0] = '\0';
	if (!shq(inner, q, sizeof(q)))
		return false;
	if (strcmp(j->facts.priv, "root") == 0)
		return (size_t)snprintf(out, outsz, "sh -c %s", q) < outsz;
	if (strcmp(j->facts.priv, "sudo") == 0)
		return (size_t)snprintf(out, outsz, "sudo -n -- sh -c %s", q) < outsz;
	snprintf(prompt, promptsz, "[%s-sudo]", H(j)->mark);
	return (size_t)snprintf(out, outsz, "sudo -S -p '%s' -- sh -c %s", prompt, q) < outsz;
}

static int
ssh_precheck(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	struct ssh_global *g = G(j);
	struct ssh_precheck pc;
	struct buf out, err;
	char script[2048], cmd[CMD_MAX];
	/* Room for the installer and for what an all-in-one unpacks next to it. */
	uint64_t need_kb = (2 * (uint64_t)j->payload->len + (1u << 20)) / 1024;
	struct exec_req req = {.eof_now = true, .what = "checking the target"};
	char leftover[DEPLOY_LEFTOVER_MAX + 16] = "";
	int n, r;

	/* What an earlier attempt could not remove (its session was gone). */
	if (j->leftover[0] != '\0' && ssh_workdir_ok(g->remote_dir, j->leftover))
		snprintf(leftover, sizeof(leftover), "rm -rf %s\n", j->leftover);
	/*
	 * Working directories of ours (the exact name mktemp gives them, a
	 * directory, the login user's) older than STALE_DAYS: left by a run that
	 * was killed. POSIX find: "! -name . -prune" keeps it to d itself.
	 */
	n = snprintf(
	        script, sizeof(script),
	        "LC_ALL=C; export LC_ALL\n"
	        "set -- $(uname -sm 2>/dev/null)\n"
	        "echo \"os=$1\"; echo \"arch=$2\"\n"
	        "u=$(id -u 2>/dev/null); echo \"uid=$u\"\n"
	        "d=%s\n"
	        "%s"
	        "n=$(find \"$d/.\" ! -name . -prune -type d -name '" WORKDIR_STEM
	        "\?\?\?\?\?\?\?\?' "
	        "-user \"$u\" -mtime " STALE_DAYS " -print -exec rm -rf {} + 2>/dev/null | wc -l)\n"
	        "echo \"stale=$n\"\n"
	        "f=$(df -Pk \"$d\" 2>/dev/null | { read -r _; read -r _ _ _ f _; echo \"$f\"; })\n"
	        "echo \"free_kb=$f\"\n"
	        "if [ \"$u\" != 0 ]; then\n"
	        " if command -v sudo >/dev/null 2>&1; then\n"
	        "  if sudo -n true >/dev/null 2>&1; then echo sudo=nopasswd; else echo "
	        "sudo=password; fi\n"
	        " else echo sudo=none; fi\n"
	        "fi\n"
	        "if [ -n \"$f\" ] && [ \"$f\" -ge %llu ]; then\n"
	        " t=$(mktemp -d \"%s/" WORKDIR_STEM "XXXXXXXX\" 2>&1) && echo \"dir=$t\" || echo "
	        "\"dir_error=$t\"\n"
	        "fi\n",
	        g->remote_dir, leftover, (unsigned long long)need_kb,
	        strcmp(g->remote_dir, "/") == 0 ? "" : g->remote_dir);
	if (n < 0 || (size_t)n >= sizeof(script) || !shq(script, cmd + 6, sizeof(cmd) - 6)) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false, "precheck command too long");
		return MUSTER_EINVAL;
	}
	memcpy(cmd, "sh -c ", 6);
	req.cmd = cmd;
	buf_init(&out, 65536);
	buf_init(&err, 65536);
	if ((r = ssh_exec(j, &req, &out, &err, o)) != 0)
		goto out;
	if (leftover[0] != '\0') {
		log_info("leftover-removed", "host=%s dir=%s", j->target->host, j->leftover);
		j->leftover[0] = '\0';
	}
	if (!ssh_precheck_parse((const char *)out.data, out.len, &pc)) {
		char tail[120];
		text_sanitize(err.data, err.len < 100 ? err.len : 100, tail, sizeof(tail));
		deploy_fail(
		        o, DEPLOY_PRECHECK_FAILED, false,
		        "the target's shell did not answer the precheck (not a POSIX system?)%s%s",
		        tail[0] ? ": " : "", tail);
		r = MUSTER_EPARSE;
		goto out;
	}
	if (pc.stale > 0)
		log_info("stale-dirs-removed", "host=%s dir=%s count=%ld", j->target->host,
		         g->remote_dir, pc.stale);
	snprintf(j->facts.os, sizeof(j->facts.os), "%s", pc.os);
	snprintf(j->facts.arch, sizeof(j->facts.arch), "%s", pc.arch);
	j->facts.free_kb = pc.free_kb;
	if (pc.dir[0] && ssh_workdir_ok(g->remote_dir, pc.dir))
		snprintf(h->dir, sizeof(h->dir), "%s", pc.dir);
	if (strcmp(pc.os, "Linux") != 0 && strcmp(pc.os, "Darwin") != 0 &&
	    strstr(pc.os, "BSD") == NULL && strcmp(pc.os, "SunOS") != 0) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "unsupported OS \"%s\" (need Linux, "
		            "macOS or a BSD)",
		            pc.os);
		r = MUSTER_EINVAL;
		goto out;
	}
	if (!pc.have_free) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false, "cannot read the free space of %s",
		            g->remote_dir);
		r = MUSTER_EINVAL;
		goto out;
	}
	if (pc.free_kb < need_kb) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "disk full: only %llu KiB free in %s, the installer needs %llu KiB",
		            (unsigned long long)pc.free_kb, g->remote_dir,
		            (unsigned long long)need_kb);
		r = MUSTER_EINVAL;
		goto out;
	}
	if (pc.uid == 0) {
		snprintf(j->facts.priv, sizeof(j->facts.priv), "root");
	} else if (strcmp(pc.sudo, "nopasswd") == 0) {
		snprintf(j->facts.priv, sizeof(j->facts.priv), "sudo");
	} else if (strcmp(pc.sudo, "password") == 0) {
		char prompt[64], wrapped[512];
		if (g->cfg.sudo_password.p == NULL) {
			deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
			            "user %s is not root and sudo wants a password: give it with "
			            "--sudo-password-file FILE (or MUSTER_SUDO_PASSWORD)",
			            j->user);
			r = MUSTER_EPERM;
			goto out;
		}
		/* Try the password now, so a wrong one fails the precheck, not the install. */
		snprintf(j->facts.priv, sizeof(j->facts.priv), "sudo-password");
		struct exec_req sreq = {.what = "checking the sudo password"};
		char marker[64];
		snprintf(marker, sizeof(marker), "%s-ok", h->mark);
		char inner[128];
		snprintf(inner, sizeof(inner), "echo %s", marker);
		if (!privileged(j, inner, prompt, sizeof(prompt), wrapped, sizeof(wrapped))) {
			r = MUSTER_EINVAL;
			goto out;
		}
		sreq.cmd = wrapped;
		sreq.prompt = prompt;
		sreq.start_mark = marker;
		buf_reset(&out);
		buf_reset(&err);
		if ((r = ssh_exec(j, &sreq, &out, &err, o)) != 0)
			goto out;
		if (memmem(out.data, out.len, marker, strlen(marker)) == NULL) {
			char why[160];
			/* sudo's own complaint, without our prompt. */
			const char *e = (const char *)err.data;
			size_t elen = err.len;
			const char *last = e;
			for (const char *p = e; p < e + elen; p++)
				if (*p == '\n' && p + 1 < e + elen)
					last = p + 1;
			text_sanitize(last, (size_t)(e + elen - last), why, sizeof(why));
			char *pm = strstr(why, prompt);
			if (pm)
				*pm = '\0';
			deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
			            "sudo refused the password for user %s%s%s", j->user,
			            why[0] ? ": " : "", why);
			r = MUSTER_EPERM;
			goto out;
		}
	} else {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "user %s is not root and sudo is not installed on the target", j->user);
		r = MUSTER_EPERM;
		goto out;
	}
	if (h->dir[0] == '\0') {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "cannot make a working directory in %s%s%s", g->remote_dir,
		            pc.dir_err[0] ? ": " : "", pc.dir_err);
		r = MUSTER_EIO;
		goto out;
	}
	snprintf(h->path, sizeof(h->path), "%s/%s", h->dir, j->payload->name);
	r = 0;
out:
	buf_free(&out);
	buf_free(&err);
	return r;
}

static int
upload_scp(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	LIBSSH2_CHANNEL *ch;
	int rc, r;

	SSH_CALLP(j, ch,
	          libssh2_scp_send64(h->s, h->path, 0700, (libssh2_int64_t)j->payload->len, 0, 0));
	if (ch == NULL) {
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "uploading (scp)");
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
		            "upload failed: neither SFTP nor SCP "
		            "works: %s",
		            last_error(h->s));
		return MUSTER_ENET;
	}
	r = write_all(j, ch, (const char *)j->payload->data, j->payload->len);
	if (r == 0) {
		SSH_CALL(j, rc, libssh2_channel_send_eof(ch));
		SSH_CALL(j, rc, libssh2_channel_wait_eof(ch));
		SSH_CALL(j, rc, libssh2_channel_wait_closed(ch));
	}
	SSH_CALL(j, rc, libssh2_channel_free(ch));
	if (r == MUSTER_ETIMEOUT || deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, "uploading (scp)");
		return MUSTER_ETIMEOUT;
	}
	if (r != 0) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true, "upload (scp) failed: %s",
		            last_error(h->s));
		return r;
	}
	return 0;
}

static int
ssh_upload(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	LIBSSH2_SFTP_HANDLE *fh;
	const uint8_t *data = j->payload->data;
	size_t len = j->payload->len, off = 0;
	int rc;

	SSH_CALLP(j, h->sftp, libssh2_sftp_init(h->s));
	if (h->sftp == NULL) {
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "starting SFTP");
			return MUSTER_ETIMEOUT;
		}
		log_debug("sftp-unavailable", "host=%s error=\"%s\"", j->target->host,
		          last_error(h->s));
		return upload_scp(j, o);
	}
	SSH_CALLP(j, fh,
	          libssh2_sftp_open_ex(h->sftp, h->path, (unsigned)strlen(h->path),
	                               LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL,
	                               0700, LIBSSH2_SFTP_OPENFILE));
	if (fh == NULL) {
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "uploading");
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
		            "cannot create %s on the target (SFTP "
		            "error %lu)",
		            h->path, libssh2_sftp_last_error(h->sftp));
		return MUSTER_EIO;
	}
	while (off < len) {
		size_t n = len - off < SFTP_CHUNK ? len - off : SFTP_CHUNK;
		ssize_t w = libssh2_sftp_write(fh, (const char *)data + off, n);
		if (w == LIBSSH2_ERROR_EAGAIN) {
			if (wait_io(j) != 0)
				break;
			continue;
		}
		if (w < 0) {
			unsigned long fx = libssh2_sftp_last_error(h->sftp);
			SSH_CALL(j, rc, libssh2_sftp_close_handle(fh));
			if (fx == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ||
			    fx == LIBSSH2_FX_QUOTA_EXCEEDED)
				deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
				            "disk full: no space left on the target while "
				            "uploading to %s",
				            h->dir);
			else
				deploy_fail(
				        o, DEPLOY_INSTALL_FAILED, true,
				        "upload failed after %zu of %zu bytes: %s (SFTP error %lu)",
				        off, len, last_error(h->s), fx);
			return MUSTER_EIO;
		}
		off += (size_t)w;
		/* A stop request: end here, where the session can still clean up. */
		if (off < len && deploy_stop_requested(j)) {
			SSH_CALL(j, rc, libssh2_sftp_close_handle(fh));
			deploy_fail(o, DEPLOY_CANCELLED, false,
			            "stopped by a signal while uploading (%zu of %zu bytes sent)",
			            off, len);
			return MUSTER_ETIMEOUT;
		}
	}
	if (off < len) {
		deploy_fail_timeout(j, o, "uploading");
		return MUSTER_ETIMEOUT;
	}
	SSH_CALL(j, rc, libssh2_sftp_close_handle(fh));
	if (rc != 0) {
		if (deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "uploading");
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
		            "upload failed when closing the file: %s", last_error(h->s));
		return MUSTER_EIO;
	}
	/* Done with SFTP: its channel goes, the session stays. */
	SSH_CALL(j, rc, libssh2_sftp_shutdown(h->sftp));
	h->sftp = NULL;
	return 0;
}

static int
ssh_verify(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	struct buf out, err;
	char cmd[1024], got[65];
	struct exec_req req = {.eof_now = true, .what = "checking the SHA-256 on the target"};
	int r;

	snprintf(cmd, sizeof(cmd),
	         "sha256sum %s 2>/dev/null || shasum -a 256 %s 2>/dev/null || "
	         "openssl dgst -sha256 -r %s",
	         h->path, h->path, h->path);
	req.cmd = cmd;
	buf_init(&out, 65536);
	buf_init(&err, 65536);
	if ((r = ssh_exec(j, &req, &out, &err, o)) != 0)
		goto out;
	got[0] = '\0';
	if (out.len >= 64) {
		bool hex = true;
		for (int i = 0; i < 64; i++)
			hex &= isxdigit(out.data[i]) != 0;
		if (hex) {
			for (int i = 0; i < 64; i++)
				got[i] = (char)tolower(out.data[i]);
			got[64] = '\0';
		}
	}
	if (got[0] == '\0') {
		deploy_fail(
		        o, DEPLOY_PRECHECK_FAILED, false,
		        "cannot hash the upload on the target (no sha256sum, shasum or openssl)");
		r = MUSTER_EINVAL;
	} else if (strcmp(got, j->payload->sha256) != 0) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
		            "SHA-256 on the target is %.16s..., expected %.16s... (upload damaged)",
		            got, j->payload->sha256);
		r = MUSTER_EIO;
	}
out:
	buf_free(&out);
	buf_free(&err);
	return r;
}

static int
ssh_run(struct deploy_job *j, struct deploy_outcome *o)
{
	struct ssh_host *h = H(j);
	const struct deploy_payload *p = j->payload;
	char inner[1024], wrapped[CMD_MAX], cmd[CMD_MAX + 128], prompt[64], start[64], end[64];
	struct exec_req req = {.what = "running the installer"};
	size_t content;
	int code, r;

	snprintf(start, sizeof(start), "%s-start", h->mark);
	snprintf(end, sizeof(end), "%s-exit", h->mark);
	/* Run from its directory, then remove the directory whatever happened. */
	snprintf(inner, sizeof(inner),
	         "cd %s || exit 97; echo %s; %s%s./%s; rc=$?; cd /; rm -rf %s; exit $rc", h->dir,
	         start, p->interp, p->interp[0] ? " " : "", p->name, h->dir);
	if (!privileged(j, inner, prompt, sizeof(prompt), wrapped, sizeof(wrapped))) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "command too long");
		return MUSTER_EINVAL;
	}
	/* The sentinel carries the exit status even where exit-status messages get lost. */
	snprintf(cmd, sizeof(cmd), "%s; printf '\\n%s %%d\\n' \"$?\"", wrapped, end);
	req.cmd = cmd;
	req.prompt = prompt[0] ? prompt : NULL;
	req.start_mark = start;
	r = ssh_exec(j, &req, &j->out, &j->err, o);
	if (memmem(j->out.data, j->out.len, start, strlen(start)) != NULL)
		h->cleaned = true; /* the command got as far as owning the directory */
	if (r != 0)
		return r;
	if (ssh_sentinel_parse((const char *)j->out.data, j->out.len, end, &code, &content)) {
		j->exit_code = code;
		j->out.len = content;
		j->out.data[content] = '\0';
	} else {
		/* No sentinel: trust a nonzero channel status; 0 may mean "never sent". */
		j->exit_code = req.exit_status > 0 ? req.exit_status : -1;
	}
	if (memmem(j->out.data, j->out.len, start, strlen(start)) == NULL) {
		/* sudo or cd failed before the installer started. */
		char why[200];
		const char *e = (const char *)j->err.data;
		text_sanitize(e, j->err.len < 150 ? j->err.len : 150, why, sizeof(why));
		if (prompt[0] && strstr(why, prompt))
			*strstr(why, prompt) = '\0';
		h->cleaned = false;
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
		            "the installer did not start (exit %d)%s%s", j->exit_code,
		            why[0] ? ": " : "", why);
		return MUSTER_EIO;
	}
	/* Drop our start marker from what the report shows. */
	{
		char *s = memmem(j->out.data, j->out.len, start, strlen(start));
		size_t skip =
		        strlen(start) + (s + strlen(start) < (char *)j->out.data + j->out.len &&
		                                         s[strlen(start)] == '\n'
		                                 ? 1
		                                 : 0);
		memmove(s, s + skip, j->out.len - (size_t)(s - (char *)j->out.data) - skip);
		j->out.len -= skip;
		j->out.data[j->out.len] = '\0';
	}
	return 0;
}

static void
ssh_cleanup(struct deploy_job *j)
{
	struct ssh_host *h = H(j);
	struct deploy_outcome o;
	struct buf out, err;
	char cmd[300];
	struct exec_req req = {.eof_now = true, .what = "cleaning up"};

	if (h == NULL || h->s == NULL || h->dir[0] == '\0' || h->cleaned)
		return;
	if (h->sftp != NULL) {
		int rc;
		SSH_CALL(j, rc, libssh2_sftp_shutdown(h->sftp));
		h->sftp = NULL;
	}
	/* The directory is the login user's until the installer ran: no sudo needed. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->dir);
	req.cmd = cmd;
	buf_init(&out, 4096);
	buf_init(&err, 4096);
	memset(&o, 0, sizeof(o));
	if (ssh_exec(j, &req, &out, &err, &o) != 0 || req.exit_status != 0)
		log_warn("cleanup-failed", "host=%s dir=%s reason=\"%s\"", j->target->host, h->dir,
		         o.reason[0] ? o.reason : "rm failed");
	else
		h->cleaned = true;
	buf_free(&out);
	buf_free(&err);
}

static void
ssh_disconnect(struct deploy_job *j)
{
	struct ssh_host *h = H(j);

	if (h == NULL)
		return;
	/* The next attempt (precheck) removes what cleanup could not. */
	if (h->dir[0] != '\0' && !h->cleaned)
		snprintf(j->leftover, sizeof(j->leftover), "%s", h->dir);
	if (h->s != NULL) {
		/* A polite goodbye if it goes quickly; never wait for a dead peer. */
		int64_t saved = j->deadline;
		int rc;
		j->deadline = deploy_now_ms() + 1000;
		if (h->sftp != NULL) {
			SSH_CALL(j, rc, libssh2_sftp_shutdown(h->sftp));
			h->sftp = NULL;
		}
		SSH_CALL(j, rc, libssh2_session_disconnect(h->s, "muster-deploy done"));
		SSH_CALL(j, rc, libssh2_session_free(h->s));
		if (rc == LIBSSH2_ERROR_EAGAIN) {
			libssh2_session_set_blocking(h->s, 1);
			libssh2_session_set_timeout(h->s, 1000);
			libssh2_session_free(h->s);
		}
		j->deadline = saved;
	}
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	j->mctx = NULL;
}

const struct deploy_method ssh_method = {
        .name = "ssh",
        .default_port = 22,
        .connect = ssh_connect,
        .authenticate = ssh_authenticate,
        .precheck = ssh_precheck,
        .upload = ssh_upload,
        .verify = ssh_verify,
        .run = ssh_run,
        .cleanup = ssh_cleanup,
        .disconnect = ssh_disconnect,
};
