/*
 * smb.c - the SMB method: what an administrator's push-install tool does
 * to a Windows machine, as a struct deploy_method run by the engine.
 *
 *   connect       TCP to port 445 (closed port / no route: unreachable); a
 *                 helper process for libsmbclient (smbhelper.h)
 *   authenticate  SMB2+ session (NTLM, or Kerberos first with --kerberos or
 *                 user@REALM) and \PIPE\svcctl opened on IPC$
 *   precheck      DCE/RPC bind to svcctl, ROpenSCManagerW with the right to
 *                 create services (denied: not an administrator, or remote
 *                 UAC); a directory of a random name made in ADMIN$ (else
 *                 C$\Windows\Temp, or --share); beside it, what a failed
 *                 attempt left and our directories older than 48 hours
 *                 removed; free space from statvfs
 *   upload        the installer and muster-svc.exe into that directory
 *   verify        both read back through SMB: size and SHA-256
 *   run           a stale service of our name removed; RCreateServiceW
 *                 (own process, demand start, LocalSystem) whose binary
 *                 path runs muster-svc.exe on the installer; RStartServiceW;
 *                 RQueryServiceStatus and the result file polled; the
 *                 result file read; RControlService stop, RDeleteService,
 *                 RCloseServiceHandle
 *   cleanup       whatever is left: the service, the files, the directory
 *
 * Named pipes through libsmbclient, as measured against Samba 4.17: the
 * pipe opens as smbc_open("smb://HOST/IPC$/svcctl", O_RDWR). Reads are
 * message-mode: a read shorter than the pending message returns what was
 * asked and leaves the rest for the next read, but a read longer than what
 * is pending makes libsmbclient ask the server again for the remainder,
 * which blocks until its timeout and then loses the bytes already read.
 * The DCE/RPC layer therefore reads the 16-byte header and then exactly the
 * rest of the fragment, never more (deployer/dcerpc.c read_pdu).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/text.h"
#include "deployer/dcerpc.h"
#include "deployer/scmr.h"
#include "deployer/smb.h"
#include "deployer/smbhelper.h"
#include "sensor/decode/smb2.h"

#define HELPER_EXE      "/proc/self/exe"
#define REPLY_MAX       (SMBH_FRAME_MAX)
#define RESULT_MAX      ((size_t)(1u << 20) + 65536) /* muster-svc caps it at 1 MiB */
#define POLL_FIRST_MS   250                          /* first polls of a running service */
#define POLL_MS         1000
#define STOPPED_WAIT_MS 3000  /* a stopped service's result file may still be renamed */
#define STALE_STOP_MS   30000 /* for a stale service to stop */
#define SVC_MARGIN_S    15    /* muster-svc gives up this long before our deadline */
#define HELPER_GRACE_MS 1000  /* for the helper to log off */
#define URL_MAX         1024  /* host 254, share 80, sub 120 (spaces as %20), dir 23, name 64 */
#define WORKDIR_PREFIX  "muster-"
#define WORKDIR_HEX     16
/*
 * A working directory of ours older than this was left by a run that was
 * killed: no live run's host is older than --timeout (24 h at most), and
 * the margin covers an installer that outlived its timeout and clock skew.
 */
#define STALE_AGE_S (48 * 3600)

static const char uac_hint[] =
        "it needs an administrator; remote UAC strips a local account other than "
        "Administrator of its admin rights over the network unless LocalAccountTokenFilterPolicy "
        "is 1 (HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System); an unknown "
        "user let in as guest is refused too";

/* ---- pure helpers ---- */

static bool
share_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= SMB_SHARE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.$-", s[i]))
			return false;
	return true;
}

/*
 * One path component: [A-Za-z0-9_. -], no leading or trailing space, no
 * trailing dot (Windows drops it; muster-svc.exe refuses such paths).
 */
static bool
component_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_. -", s[i]))
			return false;
	return true;
}

/* Check a backslash-separated path of components; "" is fine. */
static bool
subpath_ok(const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\\");
		if (!component_ok(s, n))
			return false;
		s += n;
		if (*s == '\\' && *++s == '\0')
			return false;
	}
	return true;
}

bool
smb_share_parse(const char *spec, struct smb_share *out, char *why, size_t whylen)
{
	const char *eq = strchr(spec, '='), *end = eq ? eq : spec + strlen(spec);
	size_t n = strcspn(spec, "\\=");
	char base[SMB_WINPATH_MAX] = "";

	memset(out, 0, sizeof(*out));
	if (!share_name_ok(spec, n)) {
		snprintf(why, whylen, "share name must be 1-79 of [A-Za-z0-9_.$-]");
		return false;
	}
	memcpy(out->name, spec, n);
	if (spec[n] == '\\') {
		size_t sl = (size_t)(end - spec) - n - 1;
		if (sl == 0 || sl >= sizeof(out->sub)) {
			snprintf(why, whylen,
			         "the directory inside the share is empty or too long");
			return false;
		}
		memcpy(out->sub, spec + n + 1, sl);
		out->sub[sl] = '\0';
		if (!subpath_ok(out->sub)) {
			snprintf(why, whylen,
			         "the directory inside the share may hold [A-Za-z0-9_. -] and '\\' "
			         "between names, no '.' or '..'");
			return false;
		}
	}
	if (eq != NULL) {
		const char *p = eq + 1;
		if (!isalpha((unsigned char)p[0]) || p[1] != ':' ||
		    (p[2] != '\\' && p[2] != '\0') || strlen(p) >= sizeof(out->winpath) ||
		    !subpath_ok(p[2] ? p + 3 : "")) {
			snprintf(why, whylen,
			         "the path after '=' must be a local path like D:\\Deploy on the "
			         "target");
			return false;
		}
		/* The path given is the share's own directory. */
		snprintf(base, sizeof(base), "%c:%s%s", toupper((unsigned char)p[0]),
		         p[2] ? "\\" : "", p[2] ? p + 3 : "");
	} else if (strcasecmp(out->name, "ADMIN$") == 0) {
		snprintf(base, sizeof(base), "C:\\Windows");
	} else if (strlen(out->name) == 2 && isalpha((unsigned char)out->name[0]) &&
	           out->name[1] == '$') {
		snprintf(base, sizeof(base), "%c:", toupper((unsigned char)out->name[0]));
	} else {
		snprintf(why, whylen,
		         "cannot tell where share %s is on the target's disk: give it as "
		         "%s=X:\\PATH",
		         out->name, out->name);
		return false;
	}
	/* Remove a trailing backslash of the base ("D:\\" stays "D:"). */
	if (strlen(base) > 2 && base[strlen(base) - 1] == '\\')
		base[strlen(base) - 1] = '\0';
	if ((size_t)snprintf(out->winpath, sizeof(out->winpath), "%s%s%s", base,
	                     out->sub[0] ? "\\" : "", out->sub) >= sizeof(out->winpath)) {
		snprintf(why, whylen, "the local path is too long");
		return false;
	}
	return true;
}

static bool
user_chars_ok(const char *s, size_t n, bool at_ok)
{
	if (n == 0 || n >= SMB_USER_MAX || s[0] == '-' || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._$ -", s[i]) &&
		    !(at_ok && s[i] == '@'))
			return false;
	return true;
}

static bool
domain_chars_ok(const char *s, size_t n)
{
	if (n == 0 || n >= SMB_DOMAIN_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

bool
smb_user_parse(const char *spec, const char *domain_opt, char *user, size_t usersz, char *domain,
               size_t domainsz, char *why, size_t whylen)
{
	const char *bs = strchr(spec, '\\'), *at = strrchr(spec, '@');
	char dom[SMB_DOMAIN_MAX] = "";

	user[0] = domain[0] = '\0';
	if (domain_opt != NULL && domain_opt[0] != '\0') {
		if (!domain_chars_ok(domain_opt, strlen(domain_opt))) {
			snprintf(why, whylen, "--domain must be 1-127 of [A-Za-z0-9._-]");
			return false;
		}
		snprintf(dom, sizeof(dom), "%s", domain_opt);
	}
	if (bs != NULL) {
		size_t dl = (size_t)(bs - spec);
		if (!domain_chars_ok(spec, dl) || !user_chars_ok(bs + 1, strlen(bs + 1), false)) {
			snprintf(why, whylen,
			         "user must look like DOMAIN\\name, name@REALM or name (letters, "
			         "digits, . _ $ - and spaces)");
			return false;
		}
		if (dom[0] && (strlen(dom) != dl || strncasecmp(dom, spec, dl) != 0)) {
			snprintf(why, whylen, "--user names domain %.*s but --domain says %s",
			         (int)dl, spec, dom);
			return false;
		}
		snprintf(dom, sizeof(dom), "%.*s", (int)dl, spec);
		snprintf(user, usersz, "%s", bs + 1);
	} else if (at != NULL) {
		/* A user principal name: the realm travels inside the name. */
		if (!user_chars_ok(spec, (size_t)(at - spec), false) ||
		    !domain_chars_ok(at + 1, strlen(at + 1))) {
			snprintf(why, whylen, "user@REALM: bad user or realm");
			return false;
		}
		snprintf(user, usersz, "%s", spec);
	} else {
		if (!user_chars_ok(spec, strlen(spec), false)) {
			snprintf(why, whylen,
			         "user must look like DOMAIN\\name, name@REALM or name (letters, "
			         "digits, . _ $ - and spaces)");
			return false;
		}
		snprintf(user, usersz, "%s", spec);
	}
	if (strlen(user) >= usersz) {
		snprintf(why, whylen, "user name too long");
		return false;
	}
	snprintf(domain, domainsz, "%s", dom);
	return true;
}

int
smb_service_command(const char *winpath, const char *dir, const char *installer, unsigned timeout_s,
                    char *out, size_t outsz)
{
	int n = snprintf(out, outsz,
	                 "\"%s\\%s\\%s\" --run \"%s\\%s\\%s\" --result \"%s\\%s\\%s\" --timeout %u",
	                 winpath, dir, SMB_SVC_EXE_NAME, winpath, dir, installer, winpath, dir,
	                 SMB_RESULT_NAME, timeout_s);
	return n < 0 || (size_t)n >= outsz ? MUSTER_ETOOBIG : 0;
}

bool
smb_encrypt_parse(const char *s, enum smb_encrypt *out)
{
	static const enum smb_encrypt all[] = {SMB_ENCRYPT_OFF, SMB_ENCRYPT_IF_POSSIBLE,
	                                       SMB_ENCRYPT_REQUIRED};

	for (size_t i = 0; s != NULL && i < MUSTER_NELEM(all); i++) {
		if (strcmp(s, smb_encrypt_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	}
	return false;
}

const char *
smb_encrypt_name(enum smb_encrypt e)
{
	switch (e) {
	case SMB_ENCRYPT_OFF:
		return "off";
	case SMB_ENCRYPT_REQUIRED:
		return "required";
	case SMB_ENCRYPT_IF_POSSIBLE:
	default:
		return "if-possible";
	}
}

/* "3.1.1", or words for a dialect the codec does not name. */
static const char *
dialect_name(uint16_t d)
{
	const char *n = smb2_dialect_name(d);
	return n != NULL ? n : "of an unknown dialect";
}

bool
smb_negotiate_encrypts(uint16_t dialect, uint32_t capabilities, uint16_t cipher, char *why,
                       size_t whylen)
{
	if (dialect < SMB2_DIALECT_300 || dialect == SMB2_DIALECT_WILDCARD) {
		snprintf(why, whylen,
		         "the target speaks SMB %s at most, and encryption needs SMB 3",
		         dialect_name(dialect));
		return false;
	}
	/* 3.1.1 names its cipher in a negotiate context (0: none in common); 3.0.x has a flag. */
	if (dialect == SMB2_DIALECT_311 ? cipher == 0
	                                : (capabilities & SMB2_GLOBAL_CAP_ENCRYPTION) == 0) {
		snprintf(why, whylen,
		         "the target speaks SMB %s but offers no encryption (off on the server)",
		         dialect_name(dialect));
		return false;
	}
	why[0] = '\0';
	return true;
}

bool
smb_workdir_name_ok(const char *name)
{
	size_t n = strlen(WORKDIR_PREFIX);

	if (strncmp(name, WORKDIR_PREFIX, n) != 0 || strlen(name + n) != WORKDIR_HEX)
		return false;
	for (name += n; *name; name++)
		if (!((*name >= '0' && *name <= '9') || (*name >= 'a' && *name <= 'f')))
			return false;
	return true;
}

bool
smb_workdir_stale(uint64_t mtime, int64_t now)
{
	return mtime > 0 && now > 0 && (uint64_t)now > mtime &&
	       (uint64_t)now - mtime > (uint64_t)STALE_AGE_S;
}

/*
 * libsmbclient's statvfs (SMBC_statvfs_ctx) puts the bytes per sector in
 * f_bsize and the sectors per allocation unit in f_frsize, and counts
 * f_bavail in allocation units: Samba's 1 KiB units come back as 512 x 2.
 * The product of the three is the free space.
 */
uint64_t
smb_free_bytes(uint64_t bsize, uint64_t frsize, uint64_t bavail)
{
	uint64_t unit = (bsize ? bsize : 1) * (frsize ? frsize : 1);

	if (unit > 0 && bavail > UINT64_MAX / unit)
		return UINT64_MAX;
	return unit * bavail;
}

void
smb_default_svc_exe(char *out, size_t outsz)
{
	const char *env = getenv("MUSTER_SVC_EXE");
	char self[4096];
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, outsz, "%s", env);
		return;
	}
#ifdef MUSTER_SVC_EXE
	if (access(MUSTER_SVC_EXE, R_OK) == 0) {
		snprintf(out, outsz, "%s", MUSTER_SVC_EXE);
		return;
	}
#endif
	/* Installed: <prefix>/bin/muster-deploy and <prefix>/lib/muster/muster-svc.exe. */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		char *slash;
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((slash = strrchr(self, '/')) != NULL) {
				*slash = '\0';
				snprintf(out, outsz, "%s/lib/muster/%s", self, SMB_SVC_EXE_NAME);
				if (access(out, R_OK) == 0)
					return;
			}
		}
	}
#ifdef MUSTER_SVC_EXE
	snprintf(out, outsz, "%s", MUSTER_SVC_EXE);
#else
	snprintf(out, outsz, "/usr/lib/muster/%s", SMB_SVC_EXE_NAME);
#endif
}

/* ---- shared state ---- */

struct smb_global {
	struct smb_config cfg;
	struct smb_share shares[2];
	size_t n_shares;
	struct deploy_payload svc; /* muster-svc.exe */
	char svc_path[4096];
	char service[SCMR_NAME_MAX + 1];
};

struct smb_global *
smb_global_new(struct smb_config *cfg, char *err, size_t errlen)
{
	struct smb_global *g = calloc(1, sizeof(*g));
	char why[200];

	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->cfg = *cfg;
	memset(&cfg->password, 0, sizeof(cfg->password));
	snprintf(g->service, sizeof(g->service), "%s",
	         cfg->service_name ? cfg->service_name : SMB_SERVICE_NAME);
	if (!scmr_name_ok(g->service)) {
		snprintf(err, errlen, "--service-name: not a valid service name");
		goto fail;
	}
	if (cfg->share != NULL) {
		if (!smb_share_parse(cfg->share, &g->shares[0], why, sizeof(why))) {
			snprintf(err, errlen, "--share %s: %s", cfg->share, why);
			goto fail;
		}
		g->n_shares = 1;
	} else {
		smb_share_parse("ADMIN$", &g->shares[0], why, sizeof(why));
		smb_share_parse("C$\\Windows\\Temp", &g->shares[1], why, sizeof(why));
		g->n_shares = 2;
	}
	if (cfg->svc_exe != NULL)
		snprintf(g->svc_path, sizeof(g->svc_path), "%s", cfg->svc_exe);
	else
		smb_default_svc_exe(g->svc_path, sizeof(g->svc_path));
	if (deploy_payload_load(g->svc_path, &g->svc, why, sizeof(why)) != 0) {
		snprintf(
		        err, errlen,
		        "%s (muster-svc.exe is built with mingw-w64 as the muster-svc target; give "
		        "it with --svc-exe)",
		        why);
		goto fail;
	}
	if (g->svc.len < 2 || g->svc.data[0] != 'M' || g->svc.data[1] != 'Z') {
		snprintf(err, errlen, "%s is not a Windows program (no MZ header)", g->svc_path);
		goto fail;
	}
	snprintf(g->svc.name, sizeof(g->svc.name), "%s", SMB_SVC_EXE_NAME);
	return g;
fail:
	smb_global_free(g);
	return NULL;
}

void
smb_global_free(struct smb_global *g)
{
	if (g == NULL)
		return;
	secret_free(&g->cfg.password);
	deploy_payload_free(&g->svc);
	free(g);
}

/* ---- per host ---- */

struct smb_host {
	struct smbh w;
	struct buf reply; /* the helper's last reply */
	char user[SMB_USER_MAX], domain[SMB_DOMAIN_MAX];
	char who[SMB_USER_MAX + SMB_DOMAIN_MAX + 2]; /* "DOMAIN\\user" for reasons */
	bool session;                                /* INIT done in the current helper */
	int pipe;                                    /* helper handle of \PIPE\svcctl, or -1 */
	struct rpc_conn rpc;
	struct scmr_handle scm, svc;
	bool svc_created, svc_removed;
	int share;    /* index into g->shares, -1 before precheck chose one */
	char dir[32]; /* "muster-XXXXXXXXXXXXXXXX" */
	bool dir_made;
};

static struct smb_host *
H(struct deploy_job *j)
{
	return j->mctx;
}

static struct smb_global *
G(struct deploy_job *j)
{
	return j->mglobal;
}

/* The URL of a path on the target: share, then the chosen sub-directory, then parts. */
static int
url_of(struct deploy_job *j, const char *share, const char *sub, const char *a, const char *b,
       char *out, size_t outsz)
{
	struct buf u;
	const char *parts[] = {sub, a, b};
	int r;

	buf_init(&u, outsz - 1);
	r = buf_printf(&u, "smb://%s/%s", j->target->host, share);
	for (size_t i = 0; i < MUSTER_NELEM(parts) && r == 0; i++) {
		if (parts[i] == NULL || parts[i][0] == '\0')
			continue;
		r = buf_putc(&u, '/');
		for (const char *p = parts[i]; *p && r == 0; p++)
			r = *p == '\\'  ? buf_putc(&u, '/')
			    : *p == ' ' ? buf_puts(&u, "%20")
			                : buf_putc(&u, *p);
	}
	/* Too long cannot happen with the names we check; an empty URL fails harmlessly. */
	snprintf(out, outsz, "%s", r == 0 ? buf_cstr(&u) : "");
	buf_free(&u);
	return r;
}

static int
file_url(struct deploy_job *j, const char *name, char *out, size_t outsz)
{
	const struct smb_share *s = &G(j)->shares[H(j)->share];
	return url_of(j, s->name, s->sub, H(j)->dir, name, out, outsz);
}

static const char *
who(struct deploy_job *j)
{
	return H(j)->who;
}

static bool
handle_set(const struct scmr_handle *x)
{
	static const struct scmr_handle none;
	return memcmp(x->raw, none.raw, sizeof(x->raw)) != 0;
}

/* The helper is gone (killed at the deadline, or died): so are its session, pipe and handles. */
static void
lost(struct smb_host *h)
{
	h->session = false;
	h->pipe = -1;
	memset(&h->scm, 0, sizeof(h->scm));
	memset(&h->svc, 0, sizeof(h->svc));
}

/* A helper call; on a failure other than MUSTER_ENET, o says why (timeout, helper gone). */
static int
call(struct deploy_job *j, struct smbh_req *q, struct smbh_rep *rep, const char *what,
     struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	int r = smbh_call(&h->w, q, rep, &h->reply, j->deadline);

	if (r == MUSTER_ETIMEOUT || (r == MUSTER_EIO && deploy_timed_out(j))) {
		lost(h);
		deploy_fail_timeout(j, o, what);
	} else if (r == MUSTER_EIO) {
		lost(h);
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true, "lost the SMB session while %s: %s",
		            what, h->w.why[0] ? h->w.why : "the helper is gone");
	} else if (r == MUSTER_EINVAL) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "%s: a path or name is too long",
		            what);
	}
	return r;
}

/* errno from libsmbclient as a short reason. */
static const char *
eno_text(int eno)
{
	switch (eno) {
	case EACCES:
	case EPERM:
		return "access denied";
	case ENOENT:
		return "not found";
	case ENOSPC:
		return "disk full";
	case EEXIST:
		return "already exists";
	case EBUSY:
		return "in use (sharing violation)";
	case ETIMEDOUT:
		return "no answer in time";
	default:
		return strerror(eno);
	}
}

/* The helper's waits end with the job's (the engine decides, see deploy_timed_out()). */
static bool
job_cut(const void *arg)
{
	return deploy_timed_out(arg);
}

static int
helper_start(struct deploy_job *j, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	char err[200];

	if (smbh_alive(&h->w))
		return 0;
	smbh_stop(&h->w, 0);
	if (smbh_spawn(&h->w, HELPER_EXE, job_cut, j, err, sizeof(err)) != 0) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "%s", err);
		return MUSTER_EIO;
	}
	h->session = false;
	h->pipe = -1;
	return 0;
}

/* INIT the helper's context with our credentials. */
static int
session_init(struct deploy_job *j, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	struct smb_global *g = G(j);
	int64_t left = j->deadline - deploy_now_ms();
	struct smbh_req q = {.op = SMBH_INIT};
	struct smbh_rep rep;
	int r;

	if ((r = helper_start(j, o)) != 0)
		return r;
	if (h->session)
		return 0;
	q.s1 = h->user;
	q.s2 = h->domain;
	q.s3 = g->cfg.password.p ? g->cfg.password.p : "";
	q.flags = g->cfg.kerberos || strchr(h->user, '@') != NULL ? SMBH_F_KERBEROS : 0;
	if (g->cfg.encrypt == SMB_ENCRYPT_IF_POSSIBLE)
		q.flags |= SMBH_F_ENCRYPT_IF_POSSIBLE;
	else if (g->cfg.encrypt == SMB_ENCRYPT_REQUIRED)
		q.flags |= SMBH_F_ENCRYPT_REQUIRED;
	q.handle = j->port;
	q.count = left > 0 ? (uint32_t)(left < 86400000 ? left : 86400000) : 1000;
	r = call(j, &q, &rep, "starting the SMB client", o);
	if (r == MUSTER_ENET) {
		deploy_fail(o, DEPLOY_UNREACHABLE, false, "cannot set up the SMB client: %s",
		            strerror(h->w.eno));
		return r;
	}
	if (r == 0)
		h->session = true;
	return r;
}

/* Simple helper calls: open, close, unlink, ... Return 0, MUSTER_ENET (h->w.eno) or fail o. */
static int
h_open(struct deploy_job *j, const char *url, int flags, int *fh, const char *what,
       struct deploy_outcome *o)
{
	struct smbh_req q = {.op = SMBH_OPEN, .s1 = url, .flags = (uint32_t)flags};
	struct smbh_rep rep;
	int r = call(j, &q, &rep, what, o);

	*fh = r == 0 ? (int)rep.value : -1;
	return r;
}

static int
h_simple(struct deploy_job *j, uint8_t op, const char *url, uint32_t handle, const char *what,
         struct deploy_outcome *o)
{
	struct smbh_req q = {.op = op, .s1 = url, .handle = handle};
	struct smbh_rep rep;
	return call(j, &q, &rep, what, o);
}

/* ---- \PIPE\svcctl as the DCE/RPC transport ---- */

static int
pipe_write(void *ctx, const uint8_t *p, size_t n, int64_t deadline)
{
	struct deploy_job *j = ctx;
	struct smb_host *h = H(j);
	struct smbh_rep rep;

	while (n > 0) {
		size_t k = n < SMBH_IO_MAX ? n : SMBH_IO_MAX;
		struct smbh_req q = {
		        .op = SMBH_WRITE, .handle = (uint32_t)h->pipe, .data = p, .len = k};
		int r = smbh_call(&h->w, &q, &rep, &h->reply, deadline);
		if (r == MUSTER_ETIMEOUT || r == MUSTER_EIO)
			lost(h);
		if (r != 0)
			return r == MUSTER_ENET ? MUSTER_EIO : r;
		p += k;
		n -= k;
	}
	return 0;
}

/* Exactly one smbc_read of n bytes: dcerpc.c never asks for more than is owed (see above). */
static int
pipe_read(void *ctx, uint8_t *p, size_t n, int64_t deadline)
{
	struct deploy_job *j = ctx;
	struct smb_host *h = H(j);
	struct smbh_req q = {.op = SMBH_READ, .handle = (uint32_t)h->pipe};
	struct smbh_rep rep;
	int r;

	q.count = (uint32_t)(n < SMBH_IO_MAX ? n : SMBH_IO_MAX);
	if ((r = smbh_call(&h->w, &q, &rep, &h->reply, deadline)) == MUSTER_ETIMEOUT ||
	    r == MUSTER_EIO)
		lost(h);
	if (r != 0)
		return r == MUSTER_ENET ? MUSTER_EIO : r;
	if (rep.len > q.count)
		return MUSTER_EPARSE;
	memcpy(p, rep.data, rep.len);
	return (int)rep.len;
}

/* Why a session could not be opened, from libsmbclient's errno. */
static void
session_failure(struct deploy_job *j, int eno, struct deploy_outcome *o)
{
	switch (eno) {
	case EACCES:
	case EPERM:
		/*
		 * libsmbclient says EPERM for a refused logon, and (in releases
		 * that enforce SMBC_ENCRYPTLEVEL_REQUIRE; 4.17 does not) for a
		 * server that cannot encrypt: with "required" the reason names both.
		 */
		deploy_fail(o, DEPLOY_AUTH_FAILED, false,
		            "the target refused the logon of %s (wrong password, unknown user, or "
		            "the account is disabled or locked%s)",
		            who(j),
		            G(j)->cfg.encrypt == SMB_ENCRYPT_REQUIRED
		                    ? "; or, with --smb-encrypt required, no encryption"
		                    : "");
		break;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
		deploy_fail(o, DEPLOY_UNREACHABLE, false, "SMB connection to port %u failed: %s",
		            j->port, strerror(eno));
		break;
	case ECONNABORTED:
		/* What libsmbclient says when the negotiation finds no common dialect. */
		deploy_fail(
		        o, DEPLOY_UNREACHABLE, false,
		        "SMB negotiation failed (%s): the server offers no SMB2 or later dialect "
		        "(an SMB1-only server? muster-deploy does not use SMB1)",
		        strerror(eno));
		break;
	case ECONNRESET:
	case EPIPE:
	case ENOTCONN:
		deploy_fail(o, DEPLOY_UNREACHABLE, true,
		            "the target dropped the SMB connection (%s)", strerror(eno));
		break;
	case ETIMEDOUT:
		deploy_fail_timeout(j, o, "negotiating SMB and logging on");
		break;
	case ENOENT:
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "the target has no \\PIPE\\svcctl on IPC$ (no service control "
		            "manager: not Windows, or the Server service is off)");
		break;
	default:
		deploy_fail(o, DEPLOY_UNREACHABLE, false, "SMB session failed: %s", strerror(eno));
		break;
	}
}

/* Open \PIPE\svcctl (and with it the session) and bind svcctl. */
static int
pipe_open(struct deploy_job *j, bool bind, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	struct rpc_io io = {.ctx = j, .write = pipe_write, .read = pipe_read};
	char url[URL_MAX], err[300];
	int r;

	if ((r = session_init(j, o)) != 0)
		return r;
	if (h->pipe >= 0 && h->rpc.bound && !h->rpc.broken)
		return 0;
	if (h->pipe >= 0 && h->rpc.broken) {
		/* Out of step: a new pipe is a new association, and the old handles die with it. */
		h_simple(j, SMBH_CLOSE, NULL, (uint32_t)h->pipe, "reopening the pipe", o);
		h->pipe = -1;
		memset(&h->scm, 0, sizeof(h->scm));
		memset(&h->svc, 0, sizeof(h->svc));
		if ((r = session_init(j, o)) != 0)
			return r;
	}
	if (h->pipe < 0) {
		url_of(j, "IPC$", "svcctl", NULL, NULL, url, sizeof(url));
		r = h_open(j, url, O_RDWR, &h->pipe, "negotiating SMB and logging on", o);
		if (r == MUSTER_ENET)
			session_failure(j, h->w.eno, o);
		if (r != 0)
			return r;
	}
	rpc_conn_init(&h->rpc, &io);
	if (!bind)
		return 0;
	r = rpc_bind(&h->rpc, scmr_uuid, SCMR_VERS_MAJOR, SCMR_VERS_MINOR, j->deadline, err,
	             sizeof(err));
	if (r == MUSTER_ETIMEOUT || deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, "binding to the service control manager");
		return MUSTER_ETIMEOUT;
	}
	if (r != 0) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, r != MUSTER_ENET,
		            "cannot bind to the service control manager (svcctl): %s",
		            err[0] ? err : muster_strerror(r));
		return r;
	}
	return 0;
}

/* A failed SCM call: a timeout, else the status given with the call's message. */
static int
scm_failed(struct deploy_job *j, int r, const struct scmr_err *e, enum deploy_status st,
           const char *what, struct deploy_outcome *o)
{
	if (r == MUSTER_ETIMEOUT || deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, what);
		return MUSTER_ETIMEOUT;
	}
	deploy_fail(o, st, false, "%s", e->msg[0] ? e->msg : muster_strerror(r));
	return r;
}

/* Wait for fd to be ready for events until deadline (CLOCK_MONOTONIC ms): 0 or MUSTER_ETIMEOUT. */
static int
wait_ready(struct deploy_job *j, int fd, short events, int64_t deadline)
{
	struct pollfd p = {fd, events, 0};

	for (;;) {
		int64_t left = deadline - deploy_now_ms();
		int r;
		if (left <= 0 || deploy_timed_out(j))
			return MUSTER_ETIMEOUT;
		r = poll(&p, 1, left < 200 ? (int)left : 200);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return MUSTER_EIO;
	}
}

/*
 * --smb-encrypt required: a NEGOTIATE of our own on fd (the TCP check's
 * connection), before libsmbclient logs on, tells whether the server can
 * encrypt at all. libsmbclient 4.17 cannot be relied on for that: at
 * SMBC_ENCRYPTLEVEL_REQUIRE it goes on unencrypted when the server offers no
 * encryption (deployer/README.md, "SMB encryption").
 */
static int
check_encryption_offered(struct deploy_job *j, int fd, int64_t timeout_ms, struct deploy_outcome *o)
{
	uint8_t req[SMB2_NEGOTIATE_REQ_LEN], guid[16], salt[SMB2_SALT_LEN], rx[16384];
	size_t n, sent = 0, got = 0, want = SMB2_NB_HDR_LEN;
	int64_t deadline = deploy_now_ms() + timeout_ms;
	struct smb2_negotiate_resp nr;
	struct cursor c;
	char why[160];

	if (deadline > j->deadline)
		deadline = j->deadline;
	if (getrandom(guid, sizeof(guid), 0) != sizeof(guid) ||
	    getrandom(salt, sizeof(salt), 0) != sizeof(salt)) {
		deploy_fail(o, DEPLOY_UNREACHABLE, false, "no randomness for an SMB negotiation");
		return MUSTER_EIO;
	}
	n = smb2_build_negotiate(req, sizeof(req), guid, salt);
	while (sent < n) {
		ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			sent += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			goto dropped;
		else if (wait_ready(j, fd, POLLOUT, deadline) != 0)
			goto late;
	}
	while (got < want) {
		ssize_t r = recv(fd, rx + got, want - got, MSG_DONTWAIT);
		if (r > 0) {
			got += (size_t)r;
			if (got == SMB2_NB_HDR_LEN && want == SMB2_NB_HDR_LEN) {
				size_t len;
				if (!smb2_frame_len(rx, &len) ||
				    len > sizeof(rx) - SMB2_NB_HDR_LEN) {
					deploy_fail(o, DEPLOY_UNREACHABLE, false,
					            "port %u does not answer like an SMB server",
					            j->port);
					return MUSTER_EPARSE;
				}
				want += len;
			}
		} else if (r == 0) {
			errno = 0;
			goto dropped;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			goto dropped;
		} else if (wait_ready(j, fd, POLLIN, deadline) != 0) {
			goto late;
		}
	}
	c = cursor_init(rx, got);
	if (!smb2_parse_negotiate_response(&c, &nr)) {
		deploy_fail(
		        o, DEPLOY_UNREACHABLE, false,
		        "SMB negotiation failed (%s), so no encryption (--smb-encrypt required)",
		        nr.err == SMB2_ERR_SMB1 ? "the server speaks only SMB1"
		                                : smb2_err_str(nr.err));
		return MUSTER_EPARSE;
	}
	if (!smb_negotiate_encrypts(nr.dialect, nr.capabilities, nr.cipher, why, sizeof(why))) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "no SMB encryption with --smb-encrypt required: %s", why);
		return MUSTER_EPERM;
	}
	log_debug("smb-encryption-offered", "host=%s dialect=%s cipher=%u", j->target->host,
	          dialect_name(nr.dialect), nr.cipher);
	return 0;
late:
	if (deploy_timed_out(j)) {
		deploy_fail_timeout(j, o, "negotiating SMB");
		return MUSTER_ETIMEOUT;
	}
	deploy_fail(o, DEPLOY_UNREACHABLE, false,
	            "no answer to an SMB negotiation on port %u within %lld s", j->port,
	            (long long)(timeout_ms / 1000));
	return MUSTER_ETIMEOUT;
dropped:
	deploy_fail(o, DEPLOY_UNREACHABLE, true,
	            "the target dropped the connection during the SMB negotiation (%s)",
	            errno ? strerror(errno) : "end of stream");
	return MUSTER_ENET;
}

static int
smb_connect(struct deploy_job *j, struct deploy_outcome *o)
{
	struct smb_host *h = calloc(1, sizeof(*h));
	struct smb_global *g = G(j);
	char addr[64], why[160];
	int fd;

	if (h == NULL) {
		deploy_fail(o, DEPLOY_UNREACHABLE, true, "out of memory");
		return MUSTER_ENOMEM;
	}
	h->w.fd = -1;
	h->pipe = -1;
	h->share = -1;
	buf_init(&h->reply, REPLY_MAX);
	j->mctx = h;
	if (!smb_user_parse(j->user, g->cfg.domain, h->user, sizeof(h->user), h->domain,
	                    sizeof(h->domain), why, sizeof(why))) {
		deploy_fail(o, DEPLOY_AUTH_FAILED, false, "user %s: %s", j->user, why);
		return MUSTER_EINVAL;
	}
	snprintf(h->who, sizeof(h->who), "%s%s%s", h->domain, h->domain[0] ? "\\" : "", h->user);
	if (strchr(j->target->host, ':') != NULL) {
		deploy_fail(o, DEPLOY_UNREACHABLE, false,
		            "libsmbclient takes no IPv6 address in its URLs: give the host's name");
		return MUSTER_EINVAL;
	}
	/* Is port 445 open at all? (libsmbclient would say less, and later.) */
	if ((fd = deploy_tcp_connect(j, g->cfg.connect_timeout_ms, "SMB", addr, sizeof(addr), o)) <
	    0)
		return fd;
	if (g->cfg.encrypt == SMB_ENCRYPT_REQUIRED) {
		int r = check_encryption_offered(j, fd, g->cfg.connect_timeout_ms, o);
		if (r != 0) {
			close(fd);
			return r;
		}
	}
	close(fd);
	return helper_start(j, o);
}

static int
smb_authenticate(struct deploy_job *j, struct deploy_outcome *o)
{
	int r = pipe_open(j, false, o);

	if (r == 0)
		log_debug("smb-session", "host=%s user=\"%s\" kerberos=%d encrypt=%s",
		          j->target->host, who(j),
		          G(j)->cfg.kerberos || strchr(H(j)->user, '@') != NULL,
		          smb_encrypt_name(G(j)->cfg.encrypt));
	return r;
}

static void remove_stale(struct deploy_job *j, int si);

static int
smb_precheck(struct deploy_job *j, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	struct smb_global *g = G(j);
	struct scmr_err e;
	char url[URL_MAX], tried[400] = "";
	uint8_t rnd[8];
	uint64_t need = 2 * ((uint64_t)j->payload->len + g->svc.len) + (1u << 20);
	int r;

	if ((r = pipe_open(j, true, o)) != 0)
		return r;
	r = scmr_open_scmanager(&h->rpc, NULL,
	                        SCMR_SC_MANAGER_CONNECT | SCMR_SC_MANAGER_CREATE_SERVICE, &h->scm,
	                        j->deadline, &e);
	if (r == MUSTER_EPERM) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "access denied by the service control manager: %s may not create "
		            "services: %s",
		            who(j), uac_hint);
		return r;
	}
	if (r != 0)
		return scm_failed(j, r, &e, DEPLOY_PRECHECK_FAILED,
		                  "opening the service control manager", o);
	snprintf(j->facts.priv, sizeof(j->facts.priv), "admin");

	/* A directory of our own, in the first share that lets us make one. */
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false, "no randomness for a directory name");
		return MUSTER_EIO;
	}
	snprintf(h->dir, sizeof(h->dir), "muster-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
	         rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	for (size_t i = 0; i < g->n_shares; i++) {
		const struct smb_share *s = &g->shares[i];
		size_t used = strlen(tried);
		url_of(j, s->name, s->sub, h->dir, NULL, url, sizeof(url));
		r = h_simple(j, SMBH_MKDIR, url, 0, "making a directory on the target", o);
		if (r == 0) {
			h->share = (int)i;
			h->dir_made = true;
			log_info("smb-upload-dir", "host=%s share=%s path=\"%s\\%s\"",
			         j->target->host, s->name, s->winpath, h->dir);
			remove_stale(j, (int)i);
			break;
		}
		if (r != MUSTER_ENET)
			return r;
		snprintf(tried + used, sizeof(tried) - used, "%s%s%s%s: %s", used ? "; " : "",
		         s->name, s->sub[0] ? "\\" : "", s->sub, eno_text(h->w.eno));
	}
	if (h->share < 0) {
		deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
		            "no share to upload to: %s (%s needs write access to ADMIN$ or "
		            "C$\\Windows\\Temp, or give --share)",
		            tried, who(j));
		return MUSTER_EPERM;
	}
	/* Free space, when the server tells. */
	{
		const struct smb_share *s = &g->shares[h->share];
		struct smbh_req q = {.op = SMBH_STATVFS, .s1 = url};
		struct smbh_rep rep;
		url_of(j, s->name, NULL, NULL, NULL, url, sizeof(url));
		r = call(j, &q, &rep, "reading the free space", o);
		if (r == 0 && rep.len == 32) {
			uint64_t v[4];
			for (int k = 0; k < 4; k++) {
				v[k] = 0;
				for (int b = 7; b >= 0; b--)
					v[k] = v[k] << 8 | rep.data[8 * k + b];
			}
			uint64_t avail = smb_free_bytes(v[0], v[1], v[2]);
			j->facts.free_kb = avail / 1024;
			if (avail < need) {
				deploy_fail(
				        o, DEPLOY_PRECHECK_FAILED, false,
				        "disk full: only %llu KiB free on %s, the installer and "
				        "muster-svc.exe need %llu KiB",
				        (unsigned long long)(avail / 1024), s->name,
				        (unsigned long long)(need / 1024));
				return MUSTER_ETOOBIG;
			}
		} else if (r == MUSTER_ENET) {
			log_debug("smb-free-unknown", "host=%s share=%s error=\"%s\"",
			          j->target->host, s->name, eno_text(h->w.eno));
		} else if (r != 0) {
			return r;
		}
	}
	return 0;
}

/* Copy data[0..len) to a new file name in our directory. */
static int
put_file(struct deploy_job *j, const char *name, const uint8_t *data, size_t len,
         struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	char url[URL_MAX], what[96];
	size_t off = 0;
	int fh, r;

	snprintf(what, sizeof(what), "uploading %s", name);
	file_url(j, name, url, sizeof(url));
	r = h_open(j, url, O_WRONLY | O_CREAT | O_EXCL, &fh, what, o);
	if (r == MUSTER_ENET) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "cannot create %s on the target: %s",
		            name, eno_text(h->w.eno));
		return r;
	}
	if (r != 0)
		return r;
	while (off < len) {
		size_t k = len - off < SMBH_IO_MAX ? len - off : SMBH_IO_MAX;
		struct smbh_req q = {
		        .op = SMBH_WRITE, .handle = (uint32_t)fh, .data = data + off, .len = k};
		struct smbh_rep rep;
		if ((r = call(j, &q, &rep, what, o)) != 0)
			break;
		off += k;
		/* A stop request: end between two writes, where cleanup can follow. */
		if (off < len && deploy_stop_requested(j)) {
			h_simple(j, SMBH_CLOSE, NULL, (uint32_t)fh, what, o);
			deploy_fail(
			        o, DEPLOY_CANCELLED, false,
			        "stopped by a signal while uploading %s (%zu of %zu bytes sent)",
			        name, off, len);
			return MUSTER_ETIMEOUT;
		}
	}
	if (r == MUSTER_ENET) {
		int eno = h->w.eno;
		h_simple(j, SMBH_CLOSE, NULL, (uint32_t)fh, what, o);
		if (eno == ENOSPC)
			deploy_fail(o, DEPLOY_PRECHECK_FAILED, false,
			            "disk full: no space left on the target while uploading %s",
			            name);
		else
			deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
			            "upload of %s failed after %zu of %zu bytes: %s", name, off,
			            len, eno_text(eno));
		return r;
	}
	if (r != 0)
		return r;
	r = h_simple(j, SMBH_CLOSE, NULL, (uint32_t)fh, what, o);
	if (r == MUSTER_ENET)
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true, "upload of %s failed at the close: %s",
		            name, eno_text(h->w.eno));
	return r;
}

static int
smb_upload(struct deploy_job *j, struct deploy_outcome *o)
{
	const struct deploy_payload *svc = &G(j)->svc;
	int r = put_file(j, j->payload->name, j->payload->data, j->payload->len, o);

	return r ? r : put_file(j, svc->name, svc->data, svc->len, o);
}

/* Read a file of ours back: its size and SHA-256, and the head of its content into keep (may be NULL). */
static int
get_file(struct deploy_job *j, const char *name, size_t max, uint64_t *size, char sha[65],
         struct buf *keep, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	char url[URL_MAX], what[96];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int fh = -1, r;

	*size = 0;
	if (mc == NULL || EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(mc);
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "cannot hash (OpenSSL)");
		return MUSTER_EIO;
	}
	snprintf(what, sizeof(what), "reading %s back", name);
	file_url(j, name, url, sizeof(url));
	r = h_open(j, url, O_RDONLY, &fh, what, o);
	while (r == 0) {
		struct smbh_req q = {
		        .op = SMBH_READ, .handle = (uint32_t)fh, .count = (uint32_t)SMBH_IO_MAX};
		struct smbh_rep rep;
		if ((r = call(j, &q, &rep, what, o)) != 0 || rep.len == 0)
			break;
		*size += rep.len;
		EVP_DigestUpdate(mc, rep.data, rep.len);
		if (keep != NULL && keep->len < keep->max) {
			size_t room = keep->max - keep->len;
			buf_append(keep, rep.data, rep.len < room ? rep.len : room);
		}
		if (*size > max)
			break; /* larger than it can be: the size tells */
	}
	if (fh >= 0 && smbh_alive(&h->w))
		h_simple(j, SMBH_CLOSE, NULL, (uint32_t)fh, what, o);
	if (r == MUSTER_ENET)
		deploy_fail(o, DEPLOY_INSTALL_FAILED, true,
		            "cannot read %s back from the target: %s", name, eno_text(h->w.eno));
	if (r == 0) {
		EVP_DigestFinal_ex(mc, md, &mdlen);
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(mc);
	return r;
}

static int
smb_verify(struct deploy_job *j, struct deploy_outcome *o)
{
	const struct deploy_payload *files[2] = {j->payload, &G(j)->svc};

	for (size_t i = 0; i < MUSTER_NELEM(files); i++) {
		uint64_t size;
		char sha[65] = "";
		int r = get_file(j, files[i]->name, files[i]->len, &size, sha, NULL, o);
		if (r != 0)
			return r;
		log_debug("smb-verified", "host=%s file=%s bytes=%llu sha256=%s", j->target->host,
		          files[i]->name, (unsigned long long)size, sha);
		if (size != files[i]->len || strcmp(sha, files[i]->sha256) != 0) {
			deploy_fail(
			        o, DEPLOY_INSTALL_FAILED, true,
			        "%s on the target is %llu bytes with SHA-256 %.16s..., expected "
			        "%zu bytes with %.16s... (upload damaged)",
			        files[i]->name, (unsigned long long)size, sha, files[i]->len,
			        files[i]->sha256);
			return MUSTER_EIO;
		}
	}
	return 0;
}

/* Sleep ms (bounded by the deadline), waking when deploy_timed_out() says so. */
static void
nap(struct deploy_job *j, int64_t ms)
{
	int64_t until = deploy_now_ms() + ms;

	if (until > j->deadline)
		until = j->deadline;
	while (deploy_now_ms() < until && !deploy_timed_out(j)) {
		int64_t left = until - deploy_now_ms();
		struct timespec ts = {0, (long)(left < 100 ? left : 100) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* Stop (if it runs) and delete the service behind svc; close the handle. */
static int
remove_service(struct deploy_job *j, struct scmr_handle *svc, char *why, size_t whylen)
{
	struct smb_host *h = H(j);
	struct scmr_status st;
	struct scmr_err e;
	int64_t until = deploy_now_ms() + STALE_STOP_MS;
	int r;

	why[0] = '\0';
	r = scmr_query_status(&h->rpc, svc, &st, j->deadline, &e);
	if (r == 0 && st.state != SCMR_STATE_STOPPED) {
		r = scmr_control_stop(&h->rpc, svc, &st, j->deadline, &e);
		while (r == 0 && st.state != SCMR_STATE_STOPPED && deploy_now_ms() < until &&
		       !deploy_timed_out(j)) {
			nap(j, 500);
			r = scmr_query_status(&h->rpc, svc, &st, j->deadline, &e);
		}
	}
	if (r != 0) /* say so, and delete it anyway: deletion takes effect once it stops */
		snprintf(why, whylen, "%s; ", e.msg);
	r = scmr_delete_service(&h->rpc, svc, j->deadline, &e);
	if (r != 0 && e.werror != SCMR_ERROR_SERVICE_MARKED_FOR_DELETE) {
		size_t used = strlen(why);
		snprintf(why + used, whylen - used, "%s", e.msg);
	} else {
		r = 0;
	}
	scmr_close(&h->rpc, svc, j->deadline, &e);
	return r;
}

/* The result of the service's run: wait for result.txt (or the service stopping without it). */
static int
wait_result(struct deploy_job *j, struct scmr_status *st, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	struct scmr_err e;
	char url[URL_MAX];
	int64_t stopped_at = -1;
	int polls = 0, r;

	file_url(j, SMB_RESULT_NAME, url, sizeof(url));
	for (;;) {
		r = h_simple(j, SMBH_STAT, url, 0, "waiting for the installer", o);
		if (r == 0)
			return 0;
		if (r != MUSTER_ENET)
			return r;
		if (h->w.eno != ENOENT) {
			deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
			            "cannot look for the result file: %s", eno_text(h->w.eno));
			return r;
		}
		r = scmr_query_status(&h->rpc, &h->svc, st, j->deadline, &e);
		if (r != 0)
			return scm_failed(j, r, &e, DEPLOY_INSTALL_FAILED,
			                  "waiting for the installer", o);
		if (st->state == SCMR_STATE_STOPPED) {
			if (stopped_at < 0)
				stopped_at = deploy_now_ms();
			else if (deploy_now_ms() - stopped_at > STOPPED_WAIT_MS)
				return MUSTER_ENOENT;
		}
		if (deploy_timed_out(j)) {
			char what[80];
			snprintf(what, sizeof(what), "waiting for the installer (service %s)",
			         scmr_state_name(st->state));
			deploy_fail_timeout(j, o, what);
			return MUSTER_ETIMEOUT;
		}
		nap(j, polls++ < 8 ? POLL_FIRST_MS : POLL_MS);
	}
}

/*
 * Read result.txt: its first line is muster-svc's MUSTER-RESULT line, the
 * rest the installer's log. The log (its tail) goes to the job's output with
 * the MUSTER-RESULT line after it, where the judge looks for the last one:
 * a line of the same shape inside the log must not win.
 */
static int
take_result(struct deploy_job *j, struct deploy_outcome *o)
{
	struct installer_result res;
	struct buf file;
	uint64_t size;
	char sha[65];
	const char *text, *nl;
	size_t first;
	int r;

	buf_init(&file, RESULT_MAX);
	if ((r = get_file(j, SMB_RESULT_NAME, RESULT_MAX, &size, sha, &file, o)) != 0)
		goto out;
	text = (const char *)file.data;
	nl = file.len ? memchr(text, '\n', file.len) : NULL;
	first = nl ? (size_t)(nl - text) : file.len;
	if (!deploy_parse_result_line(text, first, &res)) {
		char head[80];
		text_sanitize(text, first < 60 ? first : 60, head, sizeof(head));
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
		            "the result file does not start with a MUSTER-RESULT line (\"%s\")",
		            head);
		r = MUSTER_EPARSE;
		goto out;
	}
	if (nl != NULL && file.len > first + 1) {
		deploy_tail_append(&j->out, nl + 1, file.len - first - 1, DEPLOY_OUTPUT_MAX);
		if (j->out.len > 0 && j->out.data[j->out.len - 1] != '\n')
			deploy_tail_append(&j->out, "\n", 1, DEPLOY_OUTPUT_MAX);
	}
	deploy_tail_append(&j->out, text, first, DEPLOY_OUTPUT_MAX);
	deploy_tail_append(&j->out, "\n", 1, DEPLOY_OUTPUT_MAX);
	j->exit_code = strcmp(res.status, "ok") == 0 ? 0 : (res.code > 0 ? res.code : 1);
out:
	buf_free(&file);
	return r;
}

static int
smb_run(struct deploy_job *j, struct deploy_outcome *o)
{
	struct smb_host *h = H(j);
	struct smb_global *g = G(j);
	const struct smb_share *s = &g->shares[h->share];
	struct scmr_handle stale = {{0}};
	struct scmr_status st = {0};
	struct scmr_err e;
	char cmd[1024], why[700];
	int64_t left_s = (j->deadline - deploy_now_ms()) / 1000 - SVC_MARGIN_S;
	int r;

	if ((r = pipe_open(j, true, o)) != 0)
		return r;
	/* A service of our name left by a run that could not clean up. */
	r = scmr_open_service(&h->rpc, &h->scm, g->service, SCMR_SERVICE_DEPLOY_ACCESS, &stale,
	                      j->deadline, &e);
	if (r == 0) {
		log_info("smb-stale-service", "host=%s service=%s", j->target->host, g->service);
		if (remove_service(j, &stale, why, sizeof(why)) != 0) {
			if (deploy_timed_out(j)) {
				deploy_fail_timeout(j, o, "removing a stale service");
				return MUSTER_ETIMEOUT;
			}
			deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
			            "a service named %s is already installed (left by an earlier "
			            "run?) and cannot be removed: %s",
			            g->service, why);
			return MUSTER_EEXIST;
		}
	} else if (r != MUSTER_ENOENT) {
		return scm_failed(j, r, &e, DEPLOY_INSTALL_FAILED, "looking for a stale service",
		                  o);
	}

	/* The last point where a stop request leaves nothing running. */
	if (deploy_stop_requested(j)) {
		deploy_fail(o, DEPLOY_CANCELLED, false,
		            "stopped by a signal before the service was created");
		return MUSTER_ETIMEOUT;
	}
	if (smb_service_command(s->winpath, h->dir, j->payload->name,
	                        (unsigned)(left_s > 10 ? left_s : 10), cmd, sizeof(cmd)) != 0) {
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false,
		            "the service command line is too long");
		return MUSTER_ETOOBIG;
	}
	for (int tries = 0;; tries++) {
		r = scmr_create_service(&h->rpc, &h->scm, g->service, "Muster deployment", cmd,
		                        &h->svc, j->deadline, &e);
		/* A stale service just deleted lingers until its last handle is closed. */
		if (r == 0 ||
		    (e.werror != SCMR_ERROR_SERVICE_MARKED_FOR_DELETE &&
		     e.werror != SCMR_ERROR_SERVICE_EXISTS) ||
		    tries == 10 || deploy_timed_out(j))
			break;
		nap(j, 1000);
	}
	if (r != 0) {
		if (r == MUSTER_ETIMEOUT || deploy_timed_out(j)) {
			deploy_fail_timeout(j, o, "creating the service");
			return MUSTER_ETIMEOUT;
		}
		deploy_fail(o, DEPLOY_INSTALL_FAILED, false, "cannot create service %s: %s%s",
		            g->service, e.msg, r == MUSTER_EPERM ? "; " : "");
		if (r == MUSTER_EPERM) {
			size_t used = strlen(o->reason);
			snprintf(o->reason + used, sizeof(o->reason) - used, "%s", uac_hint);
		}
		return r;
	}
	h->svc_created = true;
	log_info("smb-service-created", "host=%s service=%s dir=%s\\%s", j->target->host,
	         g->service, s->winpath, h->dir);
	r = scmr_start_service(&h->rpc, &h->svc, 0, NULL, j->deadline, &e);
	if (r != 0)
		return scm_failed(j, r, &e, DEPLOY_INSTALL_FAILED, "starting the service", o);

	r = wait_result(j, &st, o);
	if (r == MUSTER_ENOENT) {
		deploy_fail(
		        o, DEPLOY_INSTALL_FAILED, false,
		        "the service stopped without writing a result file (win32 exit code %u, "
		        "service exit code %u)",
		        st.win32_exit, st.svc_exit);
		return r;
	}
	if (r != 0)
		return r;
	if ((r = take_result(j, o)) != 0)
		return r;
	/* Done: the service goes now (cleanup would do it too). */
	if (remove_service(j, &h->svc, why, sizeof(why)) == 0)
		h->svc_removed = true;
	else
		log_warn("smb-service-left", "host=%s service=%s reason=\"%s\"", j->target->host,
		         g->service, why);
	return 0;
}

/*
 * Remove directory dir of share si and the files in it (only names we could
 * have made), trying up to tries times a second apart: files may stay locked
 * a moment after the service. 0, MUSTER_ENET (h->w.eno), MUSTER_EEXIST
 * when files stayed, or the failure of a helper call.
 */
static int
remove_dir_in(struct deploy_job *j, int si, const char *dir, int tries)
{
	struct smb_host *h = H(j);
	const struct smb_share *s = &G(j)->shares[si];
	struct deploy_outcome o;
	char url[URL_MAX];
	int r = MUSTER_EIO;

	for (int t = 0; t < tries && !deploy_timed_out(j); t++) {
		struct smbh_req q = {.op = SMBH_LIST, .s1 = url};
		struct smbh_rep rep;
		struct buf names;
		bool left = false;
		memset(&o, 0, sizeof(o));
		url_of(j, s->name, s->sub, dir, NULL, url, sizeof(url));
		if ((r = call(j, &q, &rep, "cleaning up", &o)) != 0)
			break;
		buf_init(&names, SMBH_IO_MAX);
		buf_append(&names, rep.data, rep.len);
		for (size_t off = 0; off < names.len;) {
			const char *name = (const char *)names.data + off;
			size_t n = strnlen(name, names.len - off);
			char fu[URL_MAX];
			off += n + 1;
			if (!component_ok(name, n))
				continue; /* not something we made */
			url_of(j, s->name, s->sub, dir, name, fu, sizeof(fu));
			if (h_simple(j, SMBH_UNLINK, fu, 0, "cleaning up", &o) != 0)
				left = true;
		}
		buf_free(&names);
		url_of(j, s->name, s->sub, dir, NULL, url, sizeof(url));
		if (!left && (r = h_simple(j, SMBH_RMDIR, url, 0, "cleaning up", &o)) == 0)
			return 0;
		if (left)
			r = MUSTER_EEXIST;
		if (!smbh_alive(&h->w))
			break;
		if (t + 1 < tries)
			nap(j, 1000);
	}
	return r;
}

/* Remove our directory and everything in it. */
static void
remove_dir(struct deploy_job *j)
{
	struct smb_host *h = H(j);
	int r = remove_dir_in(j, h->share, h->dir, 5);

	if (r == 0) {
		h->dir_made = false;
		return;
	}
	log_warn("cleanup-failed", "host=%s dir=\"%s\\%s\" reason=\"%s\"", j->target->host,
	         G(j)->shares[h->share].winpath, h->dir,
	         r == MUSTER_ENET ? eno_text(h->w.eno) : "files in use");
}

/*
 * Before making our directory in share si: remove what an earlier attempt
 * of this host left (j->leftover, "SHARE-INDEX/DIR"), and directories of
 * ours in the same parent older than STALE_AGE_S (a run that was killed).
 * Best effort: nothing here fails the precheck.
 */
static void
remove_stale(struct deploy_job *j, int si)
{
	struct smb_host *h = H(j);
	struct smb_global *g = G(j);
	const struct smb_share *s = &g->shares[si];
	struct deploy_outcome o;
	struct buf names;
	char url[URL_MAX], *slash;
	long li;
	int r;

	if (j->leftover[0] != '\0') {
		li = strtol(j->leftover, &slash, 10);
		if (*slash == '/' && li >= 0 && (size_t)li < g->n_shares &&
		    smb_workdir_name_ok(slash + 1)) {
			r = remove_dir_in(j, (int)li, slash + 1, 1);
			log_info("leftover-removed", "host=%s dir=\"%s\\%s\" ok=%d",
			         j->target->host, g->shares[li].winpath, slash + 1, r == 0);
		}
		j->leftover[0] = '\0';
	}
	{
		struct smbh_req q = {.op = SMBH_LIST, .flags = SMBH_F_DIRS, .s1 = url};
		struct smbh_rep rep;
		memset(&o, 0, sizeof(o));
		url_of(j, s->name, s->sub, NULL, NULL, url, sizeof(url));
		if (call(j, &q, &rep, "looking for stale directories", &o) != 0)
			return;
		buf_init(&names, SMBH_IO_MAX);
		buf_append(&names, rep.data, rep.len);
	}
	for (size_t off = 0; off < names.len && smbh_alive(&h->w);) {
		const char *name = (const char *)names.data + off;
		struct smbh_req q = {.op = SMBH_STAT, .s1 = url};
		struct smbh_rep rep;
		uint64_t mtime = 0;
		off += strnlen(name, names.len - off) + 1;
		if (!smb_workdir_name_ok(name) || strcmp(name, h->dir) == 0)
			continue;
		url_of(j, s->name, s->sub, name, NULL, url, sizeof(url));
		if (call(j, &q, &rep, "looking for stale directories", &o) != 0 || rep.len < 16)
			continue;
		for (int b = 7; b >= 0; b--)
			mtime = mtime << 8 | rep.data[b];
		if (!smb_workdir_stale(mtime, (int64_t)time(NULL)))
			continue;
		r = remove_dir_in(j, si, name, 1);
		log_info("stale-dir-removed", "host=%s dir=\"%s\\%s\" ok=%d", j->target->host,
		         s->winpath, name, r == 0);
	}
	buf_free(&names);
}

/* Our service, if it is still there: a fresh session for it after a timeout. */
static void
cleanup_service(struct deploy_job *j)
{
	struct smb_host *h = H(j);
	struct smb_global *g = G(j);
	struct deploy_outcome o;
	struct scmr_err e = {0};
	char why[700] = "";
	int r;

	memset(&o, 0, sizeof(o));
	if ((r = pipe_open(j, true, &o)) != 0) {
		snprintf(why, sizeof(why), "%s", o.reason);
	} else if (!handle_set(&h->svc)) {
		if (!handle_set(&h->scm))
			r = scmr_open_scmanager(&h->rpc, NULL, SCMR_SC_MANAGER_CONNECT, &h->scm,
			                        j->deadline, &e);
		if (r == 0)
			r = scmr_open_service(&h->rpc, &h->scm, g->service,
			                      SCMR_SERVICE_DEPLOY_ACCESS, &h->svc, j->deadline, &e);
		if (r == MUSTER_ENOENT) {
			h->svc_removed = true; /* gone already */
			return;
		}
		if (r != 0)
			snprintf(why, sizeof(why), "%s", e.msg);
	}
	if (r == 0 && (r = remove_service(j, &h->svc, why, sizeof(why))) == 0)
		h->svc_removed = true;
	if (r != 0)
		log_warn("cleanup-failed", "host=%s service=%s reason=\"%s\"", j->target->host,
		         g->service, why);
}

static void
smb_cleanup(struct deploy_job *j)
{
	struct smb_host *h = H(j);
	struct deploy_outcome o;
	struct scmr_err e;

	if (h == NULL)
		return;
	if (h->svc_created && !h->svc_removed)
		cleanup_service(j);
	if (smbh_alive(&h->w) && h->rpc.bound && !h->rpc.broken && handle_set(&h->scm))
		scmr_close(&h->rpc, &h->scm, j->deadline, &e);
	if (h->dir_made) {
		memset(&o, 0, sizeof(o));
		if (session_init(j, &o) == 0)
			remove_dir(j);
		else
			log_warn("cleanup-failed", "host=%s dir=%s reason=\"%s\"", j->target->host,
			         h->dir, o.reason);
	}
}

static void
smb_disconnect(struct deploy_job *j)
{
	struct smb_host *h = H(j);

	if (h == NULL)
		return;
	/* The next attempt (precheck) removes what cleanup could not. */
	if (h->dir_made && h->share >= 0)
		snprintf(j->leftover, sizeof(j->leftover), "%d/%s", h->share, h->dir);
	smbh_stop(&h->w, HELPER_GRACE_MS);
	buf_free(&h->reply);
	free(h);
	j->mctx = NULL;
}

const struct deploy_method smb_method = {
        .name = "smb",
        .default_port = SMB_DEFAULT_PORT,
        .connect = smb_connect,
        .authenticate = smb_authenticate,
        .precheck = smb_precheck,
        .upload = smb_upload,
        .verify = smb_verify,
        .run = smb_run,
        .cleanup = smb_cleanup,
        .disconnect = smb_disconnect,
};
