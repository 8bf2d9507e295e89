/*
 * main.c - muster-deploy: push an installer to many hosts at once and say,
 * per host, how it ended (DESIGN.md, "Deployment"; docs in deployer/README.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libssh2.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/nodump.h"
#include "deployer/ansible.h"
#include "deployer/engine.h"
#include "deployer/results.h"
#include "deployer/server.h"
#include "deployer/ssh.h"
#include "deployer/targets.h"
#ifdef MUSTER_HAVE_SMB
#include <libsmbclient.h>

#include "deployer/smb.h"
#include "deployer/smbhelper.h"
#endif

#define MAX_INPUTS 64

#define STR_(x) #x
#define STR(x)  STR_(x)
#define GRACE_S STR(DEPLOY_CLEANUP_GRACE_S)

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t stderr_tty;

/*
 * SIGINT, SIGTERM: the first winds the run down (engine.h, DEPLOY_STOP_*),
 * the second aborts it, a third is not caught any more. Only
 * async-signal-safe calls here.
 */
static void
on_signal(int sig)
{
	static const char first[] =
	        "muster-deploy: stopping: no new hosts; hosts under way stop after the step "
	        "they are in (an installer already started is waited for), then clean up "
	        "(at most " GRACE_S " s each); the report is written as usual. Signal again "
	        "(Ctrl-C) to abort at once\n";
	static const char second[] =
	        "muster-deploy: aborting: hosts under way are cut off without cleaning up\n";
	int saved = errno;
	ssize_t w;

	(void)sig;
	if (stderr_tty) {
		w = write(STDERR_FILENO, "\n", 1);
		(void)w;
	}
	if (stop_flag < DEPLOY_STOP_WIND_DOWN) {
		stop_flag = DEPLOY_STOP_WIND_DOWN;
		w = write(STDERR_FILENO, first, sizeof(first) - 1);
	} else {
		struct sigaction dfl = {0};
		stop_flag = DEPLOY_STOP_ABORT;
		w = write(STDERR_FILENO, second, sizeof(second) - 1);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
	}
	(void)w;
	errno = saved;
}

/* The secret variables: read and removed from the environment first thing. */
struct env_secrets {
	struct secret ssh_password, ssh_passphrase, sudo_password, smb_password;
};

static void
take_env_secrets(struct env_secrets *e)
{
	secret_from_env("MUSTER_SSH_PASSWORD", &e->ssh_password);
	secret_from_env("MUSTER_SSH_PASSPHRASE", &e->ssh_passphrase);
	secret_from_env("MUSTER_SUDO_PASSWORD", &e->sudo_password);
	secret_from_env("MUSTER_SMB_PASSWORD", &e->smb_password);
}

static void
free_env_secrets(struct env_secrets *e)
{
	secret_free(&e->ssh_password);
	secret_free(&e->ssh_passphrase);
	secret_free(&e->sudo_password);
	secret_free(&e->smb_password);
}

/* Move a secret (dst takes it over, src is left empty). */
static void
secret_move(struct secret *dst, struct secret *src)
{
	secret_free(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static void
usage(FILE *f)
{
	fputs("usage: muster-deploy --method ssh|smb --targets FILE --installer FILE [options]\n"
	      "\n"
	      "Targets (any mix; de-duplicated):\n"
	      "  --targets FILE            host, host:port, user@host:port per line; CSV with a\n"
	      "                            header; host-record JSON lines; Ansible INI inventory\n"
	      "  --targets-format F        auto (default), lines, csv, jsonl, ansible\n"
	      "  --cidr CIDR               every host of an IPv4 block\n"
	      "  --from-server URL         the server's unmanaged computers; attempts are "
	      "recorded\n"
	      "  --server-token-file FILE  admin or sensor token for --from-server\n"
	      "  --server-ca FILE          CA certificate of the server\n"
	      "  --retry-from FILE         the failed-hosts file (or JSON report) of an earlier "
	      "run\n"
	      "  --os LIST                 keep OS families (linux,macos,...; 'unknown' for "
	      "unknown)\n"
	      "Login (both methods):\n"
	      "  --method M                ssh (default) or smb (Windows: ADMIN$ and a service)\n"
	      "  --user NAME               login user (ssh: default root; smb: default\n"
	      "                            Administrator, DOMAIN\\user or user@REALM; user@host\n"
	      "                            in the targets overrides)\n"
	      "  --port N                  default port (ssh 22, smb 445)\n"
	      "  --password-file FILE      login password (or env MUSTER_SSH_PASSWORD, for smb\n"
	      "                            MUSTER_SMB_PASSWORD)\n"
	      "SSH:\n"
	      "  --identity KEYFILE        private key (ed25519 or ECDSA)\n"
	      "  --passphrase-file FILE    its passphrase (or env MUSTER_SSH_PASSPHRASE)\n"
	      "  --agent                   try the keys of ssh-agent ($SSH_AUTH_SOCK)\n"
	      "  --sudo-password-file FILE sudo password for non-root users (or env\n"
	      "                            MUSTER_SUDO_PASSWORD)\n"
	      "  --known-hosts FILE        default ~/.ssh/known_hosts\n"
	      "  --host-key-policy P       strict (default) or accept-new\n"
	      "  --remote-dir DIR          where to upload on the target (default /tmp)\n"
	      "SMB (Windows):\n"
	      "  --domain NAME             NTLM domain of --user (or DOMAIN\\user)\n"
	      "  --kerberos                Kerberos first (password, or the ccache of\n"
	      "                            $KRB5CCNAME), NTLM after; also for user@REALM\n"
	      "  --share SPEC              upload there, not to ADMIN$ then C$\\Windows\\Temp:\n"
	      "                            NAME[\\DIR][=X:\\LOCAL\\PATH] (the path of NAME on the\n"
	      "                            target; known for ADMIN$ and C$, D$, ...)\n"
	      "  --svc-exe FILE            muster-svc.exe to upload (default: $MUSTER_SVC_EXE,\n"
	      "                            else the build's, else PREFIX/lib/muster/)\n"
	      "  --service-name NAME       name of the temporary service (default MusterDeploy;\n"
	      "                            must start with Muster)\n"
	      "  --smb-encrypt L           SMB3 encryption: off, if-possible (default) or\n"
	      "                            required (fail hosts that cannot encrypt)\n"
	      "Run:\n"
	      "  --installer FILE          what to run on every host (prints MUSTER-RESULT;\n"
	      "                            smb: an .msi or .exe)\n"
	      "  --parallel N              hosts at once (default 16, at most 1024)\n"
	      "  --timeout SECS            per host, all attempts (default 300)\n"
	      "  --connect-timeout SECS    TCP connect (default 10)\n"
	      "  --retries N               extra attempts after transient failures (default 2)\n"
	      "  --dry-run                 stop after the precheck\n"
	      "Output:\n"
	      "  --report FILE.json        JSON report (an array, one object per host)\n"
	      "  --report-csv FILE         CSV report\n"
	      "  --failed-file FILE        hosts not ok (default: the report's name + .failed)\n"
	      "  --export-ansible DIR      write an Ansible inventory and playbook instead\n"
	      "  --log-level L             error, warn, info (default; warn on a terminal), debug\n"
	      "  --quiet                   no progress line or summary\n"
	      "  --help, --version\n"
	      "Exit: 0 all ok, 1 some hosts failed, 2 usage, 3 nothing could run.\n"
	      "Secrets are read from files, the environment or the agent, never from arguments.\n",
	      f);
}

enum {
	OPT_METHOD = 256,
	OPT_TARGETS,
	OPT_TARGETS_FORMAT,
	OPT_CIDR,
	OPT_FROM_SERVER,
	OPT_SERVER_TOKEN,
	OPT_SERVER_CA,
	OPT_RETRY_FROM,
	OPT_OS,
	OPT_USER,
	OPT_PORT,
	OPT_IDENTITY,
	OPT_PASSPHRASE_FILE,
	OPT_AGENT,
	OPT_PASSWORD_FILE,
	OPT_SUDO_PASSWORD_FILE,
	OPT_KNOWN_HOSTS,
	OPT_POLICY,
	OPT_INSTALLER,
	OPT_REMOTE_DIR,
	OPT_PARALLEL,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRIES,
	OPT_DRY_RUN,
	OPT_REPORT,
	OPT_REPORT_CSV,
	OPT_FAILED_FILE,
	OPT_EXPORT_ANSIBLE,
	OPT_LOG_LEVEL,
	OPT_QUIET,
	OPT_DOMAIN,
	OPT_KERBEROS,
	OPT_SHARE,
	OPT_SVC_EXE,
	OPT_SERVICE_NAME,
	OPT_SMB_ENCRYPT,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option longopts[] = {
        {"method", required_argument, NULL, OPT_METHOD},
        {"targets", required_argument, NULL, OPT_TARGETS},
        {"targets-format", required_argument, NULL, OPT_TARGETS_FORMAT},
        {"cidr", required_argument, NULL, OPT_CIDR},
        {"from-server", required_argument, NULL, OPT_FROM_SERVER},
        {"server-token-file", required_argument, NULL, OPT_SERVER_TOKEN},
        {"server-ca", required_argument, NULL, OPT_SERVER_CA},
        {"retry-from", required_argument, NULL, OPT_RETRY_FROM},
        {"os", required_argument, NULL, OPT_OS},
        {"user", required_argument, NULL, OPT_USER},
        {"port", required_argument, NULL, OPT_PORT},
        {"identity", required_argument, NULL, OPT_IDENTITY},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {"agent", no_argument, NULL, OPT_AGENT},
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"sudo-password-file", required_argument, NULL, OPT_SUDO_PASSWORD_FILE},
        {"known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS},
        {"host-key-policy", required_argument, NULL, OPT_POLICY},
        {"installer", required_argument, NULL, OPT_INSTALLER},
        {"remote-dir", required_argument, NULL, OPT_REMOTE_DIR},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"report", required_argument, NULL, OPT_REPORT},
        {"report-csv", required_argument, NULL, OPT_REPORT_CSV},
        {"failed-file", required_argument, NULL, OPT_FAILED_FILE},
        {"export-ansible", required_argument, NULL, OPT_EXPORT_ANSIBLE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"kerberos", no_argument, NULL, OPT_KERBEROS},
        {"share", required_argument, NULL, OPT_SHARE},
        {"svc-exe", required_argument, NULL, OPT_SVC_EXE},
        {"service-name", required_argument, NULL, OPT_SERVICE_NAME},
        {"smb-encrypt", required_argument, NULL, OPT_SMB_ENCRYPT},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
};

static bool
parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

struct cli {
	const char *method;
	const char *targets[MAX_INPUTS];
	size_t n_targets;
	const char *cidrs[MAX_INPUTS];
	size_t n_cidrs;
	enum targets_format fmt;
	const char *from_server, *server_token, *server_ca, *retry_from, *os;
	const char *user;
	long port;
	const char *identity, *passphrase_file, *password_file, *sudo_password_file;
	bool agent;
	const char *known_hosts;
	enum ssh_hostkey_policy policy;
	const char *installer, *remote_dir;
	long parallel, timeout, connect_timeout, retries;
	bool dry_run, quiet;
	const char *report, *report_csv, *failed_file, *export_ansible;
	bool log_level_set;
	/* smb */
	const char *domain, *share, *svc_exe, *service_name;
	bool kerberos;
	const char *smb_encrypt; /* --smb-encrypt, or NULL for if-possible */
	bool user_set, port_set;
	const char *ssh_only; /* the first SSH-only option given, for a usage error with smb */
	const char *smb_only;
};

/* State for the tick callback. */
struct tick_state {
	bool tty;
	int64_t t0, last_post;
	struct server_client *sc;
	struct report_ctx *rc;
	const char *run;
	bool post_failed;
};

static void
on_tick(void *arg, const struct deploy_progress *p, struct deploy_host_result *res)
{
	struct tick_state *ts = arg;
	int64_t now = deploy_now_ms();
	bool final = p->finished == p->total;

	if (ts->tty)
		results_progress(stderr, p, now - ts->t0, final);
	if (ts->sc != NULL && !ts->post_failed && (final || now - ts->last_post >= 2000)) {
		char err[256];
		ts->rc->res = res;
		if (server_post_attempts(ts->sc, ts->rc, res, ts->run, err, sizeof(err)) != 0) {
			log_error("server-record", "error=\"%s\"", err);
			ts->post_failed = true;
		}
		ts->last_post = now;
	}
}

/* A secret from its file when given, else the one its variable held (taken over). */
static int
secret_opt(const char *file, struct secret *env, struct secret *s, const char *what)
{
	char err[256];

	if (file != NULL) {
		if (secret_from_file(file, s, err, sizeof(err)) != 0) {
			log_error("secret", "what=%s error=\"%s\"", what, err);
			return MUSTER_EIO;
		}
		return 0;
	}
	secret_move(s, env);
	return 0;
}

/* A random id for this run (32 hex digits), shared by its records on the server. */
static void
run_id(char run[33])
{
	uint8_t rnd[16];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (int i = 0; i < 16; i++)
		snprintf(run + 2 * i, 3, "%02x", rnd[i]);
}

/* --user for the method: a login name for ssh; DOMAIN\\user, user@REALM or user for smb. */
static bool
user_ok(const struct cli *c, char *why, size_t whylen)
{
	if (strcmp(c->method, "smb") == 0) {
#ifdef MUSTER_HAVE_SMB
		char u[SMB_USER_MAX], d[SMB_DOMAIN_MAX];
		return smb_user_parse(c->user, c->domain, u, sizeof(u), d, sizeof(d), why, whylen);
#else
		return false;
#endif
	}
	{
		struct target t;
		char probe[80];
		snprintf(probe, sizeof(probe), "%s@h", c->user);
		if (strlen(c->user) >= TARGET_USER_MAX ||
		    !targets_parse_spec(probe, &t, why, whylen)) {
			snprintf(why, whylen, "not a valid user name");
			return false;
		}
	}
	return true;
}

#ifdef MUSTER_HAVE_SMB
/* The SMB method's shared state from the options. MUSTER_EINVAL for a usage error. */
static int
setup_smb(const struct cli *c, struct env_secrets *env, struct smb_config *mcfg,
          struct smb_global **mg, char *err, size_t errlen)
{
	mcfg->encrypt = SMB_ENCRYPT_IF_POSSIBLE;
	if (c->smb_encrypt != NULL && !smb_encrypt_parse(c->smb_encrypt, &mcfg->encrypt)) {
		snprintf(err, errlen, "--smb-encrypt: off, if-possible or required");
		return MUSTER_EINVAL;
	}
	if (c->service_name != NULL && strncasecmp(c->service_name, "Muster", 6) != 0) {
		/* A stale service of that name is deleted: never someone else's. */
		snprintf(err, errlen, "--service-name must start with \"Muster\"");
		return MUSTER_EINVAL;
	}
	if (c->password_file != NULL) {
		if (secret_from_file(c->password_file, &mcfg->password, err, errlen) != 0)
			return MUSTER_EIO;
	} else {
		secret_move(&mcfg->password, &env->smb_password);
	}
	if (mcfg->password.p == NULL && !c->kerberos) {
		snprintf(err, errlen,
		         "no credential: give --password-file (or MUSTER_SMB_PASSWORD), or "
		         "--kerberos with a ticket in $KRB5CCNAME");
		return MUSTER_EINVAL;
	}
	mcfg->domain = c->domain;
	mcfg->kerberos = c->kerberos;
	mcfg->share = c->share;
	mcfg->svc_exe = c->svc_exe;
	mcfg->service_name = c->service_name;
	mcfg->connect_timeout_ms = c->connect_timeout * 1000;
	if ((*mg = smb_global_new(mcfg, err, errlen)) == NULL)
		return strncmp(err, "--", 2) == 0 ? MUSTER_EINVAL : MUSTER_EIO;
	return 0;
}
#endif

int
main(int argc, char **argv)
{
	struct cli c = {.method = "ssh",
	                .user = "root",
	                .port = 0,
	                .policy = SSH_HOSTKEY_STRICT,
	                .parallel = 16,
	                .timeout = 300,
	                .connect_timeout = 10,
	                .retries = 2};
	struct target_list tl = {0};
	struct targets_diag diag;
	struct deploy_payload payload = {0};
	struct ssh_config scfg = {0};
	struct ssh_global *sg = NULL;
#ifdef MUSTER_HAVE_SMB
	struct smb_config mcfg = {0};
	struct smb_global *mg = NULL;
#endif
	const struct deploy_method *method = &ssh_method;
	void *mglobal = NULL;
	bool smb = false;
	struct server_client *sc = NULL;
	struct deploy_host_result *res = NULL;
	struct deploy_options o = {0};
	struct report_ctx rc = {0};
	struct tick_state ts = {0};
	struct env_secrets env = {0};
	enum log_level lvl = LOG_INFO_;
	char err[512], khdefault[4096], failed_default[4096], run[33];
	int ch, ex = MUSTER_EXIT_RUNTIME, r;

#ifdef MUSTER_HAVE_SMB
	/* The SMB method's helper process (smbhelper.h): nothing else to do. */
	if (argc == 2 && strcmp(argv[1], SMBH_ARG) == 0)
		smbh_main(SMBH_FD);
#endif
	/* Before any secret is read: no core file, not dumpable. */
	muster_no_dumps();
	memset(&diag, 0, sizeof(diag));
	log_init("muster-deploy", false, LOG_INFO_);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_METHOD:
			c.method = optarg;
			break;
		case OPT_TARGETS:
			if (c.n_targets == MAX_INPUTS)
				goto usage_err;
			c.targets[c.n_targets++] = optarg;
			break;
		case OPT_TARGETS_FORMAT:
			if (strcmp(optarg, "auto") == 0)
				c.fmt = TARGETS_AUTO;
			else if (strcmp(optarg, "lines") == 0)
				c.fmt = TARGETS_LINES;
			else if (strcmp(optarg, "csv") == 0)
				c.fmt = TARGETS_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				c.fmt = TARGETS_JSONL;
			else if (strcmp(optarg, "ansible") == 0)
				c.fmt = TARGETS_ANSIBLE;
			else {
				fprintf(stderr,
				        "muster-deploy: --targets-format: auto, lines, csv, "
				        "jsonl or ansible\n");
				return MUSTER_EXIT_USAGE;
			}
			break;
		case OPT_CIDR:
			if (c.n_cidrs == MAX_INPUTS)
				goto usage_err;
			c.cidrs[c.n_cidrs++] = optarg;
			break;
		case OPT_FROM_SERVER:
			c.from_server = optarg;
			break;
		case OPT_SERVER_TOKEN:
			c.server_token = optarg;
			break;
		case OPT_SERVER_CA:
			c.server_ca = optarg;
			break;
		case OPT_RETRY_FROM:
			c.retry_from = optarg;
			break;
		case OPT_OS:
			c.os = optarg;
			break;
		case OPT_USER: {
			c.user = optarg;
			c.user_set = true;
			break;
		}
		case OPT_PORT:
			if (!parse_num(optarg, 1, 65535, &c.port))
				goto usage_err;
			c.port_set = true;
			break;
		case OPT_IDENTITY:
			c.identity = optarg;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--identity";
			break;
		case OPT_PASSPHRASE_FILE:
			c.passphrase_file = optarg;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--passphrase-file";
			break;
		case OPT_AGENT:
			c.agent = true;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--agent";
			break;
		case OPT_PASSWORD_FILE:
			c.password_file = optarg;
			break;
		case OPT_SUDO_PASSWORD_FILE:
			c.sudo_password_file = optarg;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--sudo-password-file";
			break;
		case OPT_KNOWN_HOSTS:
			c.known_hosts = optarg;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--known-hosts";
			break;
		case OPT_DOMAIN:
			c.domain = optarg;
			c.smb_only = c.smb_only ? c.smb_only : "--domain";
			break;
		case OPT_KERBEROS:
			c.kerberos = true;
			c.smb_only = c.smb_only ? c.smb_only : "--kerberos";
			break;
		case OPT_SHARE:
			c.share = optarg;
			c.smb_only = c.smb_only ? c.smb_only : "--share";
			break;
		case OPT_SVC_EXE:
			c.svc_exe = optarg;
			c.smb_only = c.smb_only ? c.smb_only : "--svc-exe";
			break;
		case OPT_SERVICE_NAME:
			c.service_name = optarg;
			c.smb_only = c.smb_only ? c.smb_only : "--service-name";
			break;
		case OPT_SMB_ENCRYPT:
			c.smb_encrypt = optarg;
			c.smb_only = c.smb_only ? c.smb_only : "--smb-encrypt";
			break;
		case OPT_POLICY:
			c.ssh_only = c.ssh_only ? c.ssh_only : "--host-key-policy";
			if (strcmp(optarg, "strict") == 0)
				c.policy = SSH_HOSTKEY_STRICT;
			else if (strcmp(optarg, "accept-new") == 0)
				c.policy = SSH_HOSTKEY_ACCEPT_NEW;
			else {
				fprintf(stderr,
				        "muster-deploy: --host-key-policy: strict or accept-new\n");
				return MUSTER_EXIT_USAGE;
			}
			break;
		case OPT_INSTALLER:
			c.installer = optarg;
			break;
		case OPT_REMOTE_DIR:
			c.remote_dir = optarg;
			c.ssh_only = c.ssh_only ? c.ssh_only : "--remote-dir";
			break;
		case OPT_PARALLEL:
			if (!parse_num(optarg, 1, 1024, &c.parallel))
				goto usage_err;
			break;
		case OPT_TIMEOUT:
			if (!parse_num(optarg, 1, 86400, &c.timeout))
				goto usage_err;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (!parse_num(optarg, 1, 3600, &c.connect_timeout))
				goto usage_err;
			break;
		case OPT_RETRIES:
			if (!parse_num(optarg, 0, 10, &c.retries))
				goto usage_err;
			break;
		case OPT_DRY_RUN:
			c.dry_run = true;
			break;
		case OPT_REPORT:
			c.report = optarg;
			break;
		case OPT_REPORT_CSV:
			c.report_csv = optarg;
			break;
		case OPT_FAILED_FILE:
			c.failed_file = optarg;
			break;
		case OPT_EXPORT_ANSIBLE:
			c.export_ansible = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (!log_level_parse(optarg, &lvl)) {
				fprintf(stderr,
				        "muster-deploy: --log-level: error, warn, info, debug\n");
				return MUSTER_EXIT_USAGE;
			}
			c.log_level_set = true;
			break;
		case OPT_QUIET:
			c.quiet = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return MUSTER_EXIT_OK;
		case OPT_VERSION:
#ifdef MUSTER_HAVE_SMB
			printf("muster-deploy %s (libssh2 %s, libsmbclient %s)\n", MUSTER_VERSION,
			       libssh2_version(0), smbc_version());
#else
			printf("muster-deploy %s (libssh2 %s)\n", MUSTER_VERSION,
			       libssh2_version(0));
#endif
			return MUSTER_EXIT_OK;
		default:
			goto usage_err;
		}
	}
	if (optind != argc) {
		fprintf(stderr,
		        "muster-deploy: unexpected argument (secrets never go on the command "
		        "line; see --help)\n");
		return MUSTER_EXIT_USAGE;
	}
	if (strcmp(c.method, "smb") == 0) {
#ifdef MUSTER_HAVE_SMB
		smb = true;
		method = &smb_method;
#else
		fprintf(stderr, "muster-deploy: --method smb: built without libsmbclient\n");
		return MUSTER_EXIT_USAGE;
#endif
	} else if (strcmp(c.method, "ssh") != 0) {
		fprintf(stderr, "muster-deploy: --method: ssh or smb\n");
		return MUSTER_EXIT_USAGE;
	}
	if (smb && c.ssh_only != NULL) {
		fprintf(stderr, "muster-deploy: %s is for --method ssh\n", c.ssh_only);
		return MUSTER_EXIT_USAGE;
	}
	if (!smb && c.smb_only != NULL) {
		fprintf(stderr, "muster-deploy: %s is for --method smb\n", c.smb_only);
		return MUSTER_EXIT_USAGE;
	}
	if (!c.port_set)
		c.port = method->default_port;
	if (smb && !c.user_set)
		c.user = "Administrator";
	if (!user_ok(&c, err, sizeof(err))) {
		fprintf(stderr, "muster-deploy: --user: %s\n", err);
		return MUSTER_EXIT_USAGE;
	}
	if (c.installer == NULL) {
		fprintf(stderr, "muster-deploy: --installer FILE is required\n");
		return MUSTER_EXIT_USAGE;
	}
	if (c.n_targets == 0 && c.n_cidrs == 0 && c.from_server == NULL && c.retry_from == NULL) {
		fprintf(stderr,
		        "muster-deploy: no targets: give --targets, --cidr, --from-server or "
		        "--retry-from\n");
		return MUSTER_EXIT_USAGE;
	}
	if (c.from_server != NULL && server_url_check(c.from_server, err, sizeof(err)) != 0) {
		fprintf(stderr, "muster-deploy: %s\n", err);
		return MUSTER_EXIT_USAGE;
	}
	/*
	 * Before any thread or helper starts: every secret variable out of the
	 * environment (and wiped where /proc/PID/environ shows it), used or
	 * not. From here on every exit passes "out", which wipes them.
	 */
	take_env_secrets(&env);
	ts.tty = !c.quiet && isatty(STDERR_FILENO);
	if (!c.log_level_set && ts.tty)
		lvl = LOG_WARN_; /* the progress line and the summary say it on a terminal */
	log_set_level(lvl);

	/* ---- targets ---- */
	for (size_t i = 0; i < c.n_targets; i++) {
		if (targets_load_file(c.targets[i], c.fmt, &tl, &diag) == MUSTER_ENOMEM)
			break;
	}
	for (size_t i = 0; i < c.n_cidrs; i++)
		targets_add_cidr(c.cidrs[i], &tl, &diag, c.cidrs[i]);
	if (c.retry_from != NULL)
		results_load_retry(c.retry_from, &tl, &diag);
	if (diag.n_errors > 0) {
		for (size_t i = 0; i < diag.n_errors && i < TARGETS_ERRORS_MAX; i++)
			fprintf(stderr, "muster-deploy: %s\n", diag.errors[i]);
		if (diag.n_errors > TARGETS_ERRORS_MAX)
			fprintf(stderr, "muster-deploy: ... %zu problems in all\n", diag.n_errors);
		fprintf(stderr, "muster-deploy: fix the targets; nothing was deployed\n");
		ex = MUSTER_EXIT_USAGE;
		goto out;
	}
	if (c.from_server != NULL) {
		sc = server_client_new(c.from_server, c.server_token, c.server_ca, err,
		                       sizeof(err));
		if (sc == NULL) {
			fprintf(stderr, "muster-deploy: %s\n", err);
			goto out;
		}
		if (server_fetch_unmanaged(sc, &tl, &diag, err, sizeof(err)) != 0) {
			fprintf(stderr, "muster-deploy: cannot get the unmanaged computers: %s\n",
			        err);
			goto out;
		}
		for (size_t i = 0; i < diag.n_errors && i < TARGETS_ERRORS_MAX; i++)
			log_warn("server-record-skipped", "problem=\"%s\"", diag.errors[i]);
	}
	if (tl.over > 0) {
		fprintf(stderr,
		        "muster-deploy: too many hosts: %zu given (before de-duplication), at most "
		        "%d in one run; split them into several runs; nothing was deployed\n",
		        tl.n + tl.over, TARGETS_MAX);
		ex = MUSTER_EXIT_USAGE;
		goto out;
	}
	targets_filter_os(&tl, c.os);
	targets_dedup(&tl, (uint16_t)c.port);
	/* --port is the default of every target that names none. */
	for (size_t i = 0; i < tl.n; i++)
		if (tl.v[i].port == 0 && c.port != method->default_port)
			tl.v[i].port = (uint16_t)c.port;
	if (tl.n == 0) {
		fprintf(stderr, "muster-deploy: no hosts to deploy to\n");
		goto out;
	}

	/* ---- installer ---- */
	if (deploy_payload_load(c.installer, &payload, err, sizeof(err)) != 0) {
		fprintf(stderr, "muster-deploy: %s\n", err);
		goto out;
	}
	if (smb && strcmp(payload.name, "muster-installer.msi") != 0 &&
	    strcmp(payload.name, "muster-installer.exe") != 0) {
		/* muster-svc.exe runs an .msi through msiexec or an .exe directly: nothing else. */
		fprintf(stderr,
		        "muster-deploy: --method smb installs an .msi or an .exe (lowercase "
		        "suffix), not %s\n",
		        c.installer);
		ex = MUSTER_EXIT_USAGE;
		goto out;
	}
	if (c.known_hosts == NULL) {
		const char *home = getenv("HOME");
		snprintf(khdefault, sizeof(khdefault), "%s/.ssh/known_hosts", home ? home : "");
		c.known_hosts = khdefault;
	}
	if (c.export_ansible != NULL && smb) {
		fprintf(stderr, "muster-deploy: --export-ansible is for --method ssh\n");
		ex = MUSTER_EXIT_USAGE;
		goto out;
	}
	if (c.export_ansible != NULL) {
		struct ansible_export ae = {.tl = &tl,
		                            .payload = &payload,
		                            .installer_path = c.installer,
		                            .user = c.user,
		                            .default_port = 22,
		                            .known_hosts = c.known_hosts,
		                            .identity = c.identity,
		                            .remote_dir = c.remote_dir,
		                            .forks = (unsigned)c.parallel};
		if (ansible_export(c.export_ansible, &ae, err, sizeof(err)) != 0) {
			fprintf(stderr, "muster-deploy: %s\n", err);
			goto out;
		}
		if (!c.quiet)
			printf("muster-deploy: wrote %s/inventory.ini (%zu hosts), deploy.yml, "
			       "ansible.cfg "
			       "and files/%s; run: cd %s && ansible-playbook deploy.yml\n",
			       c.export_ansible, tl.n, payload.name, c.export_ansible);
		ex = MUSTER_EXIT_OK;
		goto out;
	}

#ifdef MUSTER_HAVE_SMB
	if (smb) {
		if ((r = setup_smb(&c, &env, &mcfg, &mg, err, sizeof(err))) != 0) {
			fprintf(stderr, "muster-deploy: %s\n", err);
			ex = r == MUSTER_EINVAL ? MUSTER_EXIT_USAGE : MUSTER_EXIT_RUNTIME;
			goto out;
		}
		mglobal = mg;
		goto run;
	}
#endif
	/* ---- the SSH method ---- */
	if (c.identity == NULL && !c.agent && c.password_file == NULL &&
	    env.ssh_password.p == NULL) {
		if (getenv("SSH_AUTH_SOCK") != NULL) {
			c.agent = true;
		} else {
			fprintf(stderr, "muster-deploy: no credential: give --identity, --agent or "
			                "--password-file\n");
			ex = MUSTER_EXIT_USAGE;
			goto out;
		}
	}
	scfg.identity = c.identity;
	scfg.agent = c.agent;
	scfg.known_hosts = c.known_hosts;
	scfg.policy = c.policy;
	scfg.remote_dir = c.remote_dir;
	scfg.connect_timeout_ms = c.connect_timeout * 1000;
	if (secret_opt(c.passphrase_file, &env.ssh_passphrase, &scfg.passphrase, "passphrase") ||
	    secret_opt(c.password_file, &env.ssh_password, &scfg.password, "password") ||
	    secret_opt(c.sudo_password_file, &env.sudo_password, &scfg.sudo_password,
	               "sudo password"))
		goto out;
	if (libssh2_init(0) != 0) {
		fprintf(stderr, "muster-deploy: libssh2_init failed\n");
		goto out;
	}
	if ((sg = ssh_global_new(&scfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "muster-deploy: %s\n", err);
		goto out;
	}
	mglobal = sg;

	/* ---- run ---- */
run:
	run_id(run);
	signal(SIGPIPE, SIG_IGN);
	{
		/* One socket per worker, and a few more: take the hard file limit. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	{
		struct sigaction sa = {0};
		stderr_tty = isatty(STDERR_FILENO);
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	free_env_secrets(&env); /* what no method took */
	rc.tl = &tl;
	rc.method = method->name;
	rc.default_port = (uint16_t)c.port;
	rc.default_user = c.user;
	rc.installer_sha256 = payload.sha256;
	rc.dry_run = c.dry_run;
	ts.t0 = deploy_now_ms();
	ts.sc = sc;
	ts.rc = &rc;
	ts.run = run;
	o.parallel = (unsigned)c.parallel;
	o.timeout_ms = c.timeout * 1000;
	o.connect_timeout_ms = c.connect_timeout * 1000;
	o.retries = (int)c.retries;
	o.backoff_ms = 500;
	o.dry_run = c.dry_run;
	o.user = c.user;
	o.remote_dir = c.remote_dir;
	o.tick = (ts.tty || sc) ? on_tick : NULL;
	o.tick_arg = &ts;
	o.tick_ms = 200;
	o.stop = &stop_flag;
	log_info("deploy-start", "run=%s hosts=%zu parallel=%ld installer_sha256=%s dry_run=%d",
	         run, tl.n, c.parallel, payload.sha256, c.dry_run);
	if ((r = deploy_engine_run(method, mglobal, &tl, &payload, &o, &res)) != 0) {
		fprintf(stderr, "muster-deploy: cannot start the workers: %s\n",
		        muster_strerror(r));
		goto out;
	}
	rc.res = res;

	/* ---- report ---- */
	{
		struct buf b;
		size_t ok = 0;
		buf_init(&b, (size_t)1 << 30);
		ex = MUSTER_EXIT_OK;
		if (c.report != NULL) {
			if (results_json(&rc, &b) != 0 || results_write_file(c.report, &b) != 0) {
				fprintf(stderr, "muster-deploy: cannot write %s: %s\n", c.report,
				        strerror(errno));
				ex = MUSTER_EXIT_RUNTIME;
			}
			if (c.failed_file == NULL) {
				size_t n = strlen(c.report);
				if (n > 5 && strcmp(c.report + n - 5, ".json") == 0)
					n -= 5;
				snprintf(failed_default, sizeof(failed_default), "%.*s.failed",
				         (int)n, c.report);
				c.failed_file = failed_default;
			}
		}
		if (c.report_csv != NULL) {
			buf_reset(&b);
			if (results_csv(&rc, &b) != 0 ||
			    results_write_file(c.report_csv, &b) != 0) {
				fprintf(stderr, "muster-deploy: cannot write %s\n", c.report_csv);
				ex = MUSTER_EXIT_RUNTIME;
			}
		}
		if (c.failed_file != NULL) {
			buf_reset(&b);
			if (results_failed(&rc, &b) != 0 ||
			    results_write_file(c.failed_file, &b) != 0) {
				fprintf(stderr, "muster-deploy: cannot write %s\n", c.failed_file);
				ex = MUSTER_EXIT_RUNTIME;
			}
		}
		buf_free(&b);
		for (size_t i = 0; i < tl.n; i++)
			ok += res[i].status == DEPLOY_OK;
		if (!c.quiet) {
			results_summary(stdout, &rc, deploy_now_ms() - ts.t0, 50);
			if (ok < tl.n && c.failed_file)
				printf("failed hosts: %s (rerun with --retry-from %s)\n",
				       c.failed_file, c.failed_file);
			fflush(stdout);
		}
		if (ex == MUSTER_EXIT_OK && ok < tl.n)
			ex = MUSTER_EXIT_PARTIAL;
	}
out:
	deploy_results_free(res, tl.n);
	ssh_global_free(sg);
#ifdef MUSTER_HAVE_SMB
	smb_global_free(mg);
	secret_free(&mcfg.password);
#endif
	secret_free(&scfg.passphrase);
	secret_free(&scfg.password);
	secret_free(&scfg.sudo_password);
	free_env_secrets(&env);
	server_client_free(sc);
	deploy_payload_free(&payload);
	targets_free(&tl);
	libssh2_exit();
	return ex;
usage_err:
	usage(stderr);
	return MUSTER_EXIT_USAGE;
}
