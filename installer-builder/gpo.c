/* installer-builder/gpo.c: the gpo-sccm kind - what Active Directory admins
 * deploy with Group Policy software installation or SCCM: the agent MSI,
 * install_config.ini beside it, a configuration MSI built with wixl, a GPO
 * startup script, an SCCM install program and detection script, a README.
 * Every value reaches an artifact through one encoder (encode.h); the
 * configuration MSI is read back with msiinfo and refused unless it carries
 * each value exactly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/muster.h"
#include "installer-builder/encode.h"
#include "installer-builder/gpo.h"
#include "installer-builder/render.h"
#include "installer-builder/win/payload.h"

#define CAPTURE_MAX (1024 * 1024)
#define CONFIG_MSI  "muster-config.msi"
/* Constant, so a later configuration MSI is recognised as the same family. */
#define CONFIG_UPGRADE "6F0D8A52-3C1B-4E8A-9B57-2D4C8E1F0A93"

int
gpo_write_file(const char *path, const void *p, size_t len, int mode, char *err, size_t errlen)
{
	const char *c = p;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", path, strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, c, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", path, strerror(e));
		}
		c += w, len -= (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || close(fd) != 0)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* One "key=value" line, the value through enc_ini. */
static int
ini_kv(struct buf *b, const char *key, const char *v, char *err, size_t errlen)
{
	char why[128];
	char *e = enc_ini(v, why, sizeof(why));
	int r;

	if (e == NULL)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", key, why);
	r = buf_printf(b, "%s=%s\n", key, e);
	free(e);
	return r;
}

int
gpo_config_ini(const struct inst_model *m, struct buf *b, char *err, size_t errlen)
{
	char port[8], expires[24];
	int r = 0;

	snprintf(port, sizeof(port), "%u", (unsigned)m->server_port);
	snprintf(expires, sizeof(expires), "%lld", (long long)m->expires);
	r |= buf_puts(b, "; Muster agent configuration, written by muster-installer.\n"
	                 "; Secrets inside: readable by SYSTEM and Administrators only.\n"
	                 "[server]\n");
	if (r == 0 && (r = ini_kv(b, "host", m->server_host, err, errlen)) != 0)
		return r;
	r |= buf_printf(b, "port=%s\nca_file=ca.pem\n", port);
	if (m->client_cert_pem != NULL && m->client_key_pem != NULL)
		r |= buf_puts(b, "client_cert_file=client.pem\nclient_key_file=client.key\n");
	r |= buf_puts(b, "[enrollment]\n");
	if (r == 0 && (r = ini_kv(b, "token", m->token, err, errlen)) != 0)
		return r;
	if (r == 0 && (r = ini_kv(b, "group", m->group, err, errlen)) != 0)
		return r;
	r |= buf_printf(b, "installer_id=%s\nexpires=%s\n[policy]\nfile=policy.json\n",
	                m->installer_id, expires);
	if (r != 0)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "%s: %s", "install_config.ini",
		                   "out of memory");
	return 0;
}

/* Run argv (no shell) in cwd (NULL: ours), capturing stdout and stderr into out. Returns the
 * exit status, or -1 when it could not run or was killed. */
static int
run_capture(char *const argv[], const char *cwd, struct buf *out)
{
	int pfd[2], status;
	pid_t pid;
	char chunk[4096];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (cwd != NULL && chdir(cwd) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		(void)buf_append(out, chunk, (size_t)n); /* capped: keep the start */
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Parse "Name\tValue" lines of `msiinfo export X Property`; the value of
 * name, malloc'd, or NULL. */
static char *
msi_property(const char *export, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = export;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '\t')
			return strndup(p + nlen + 1, len - nlen - 1);
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return NULL;
}

static bool
guid_ok(const char *g)
{
	if (strlen(g) != 38 || g[0] != '{' || g[37] != '}')
		return false;
	for (int i = 1; i < 37; i++) {
		char c = g[i];
		bool dash = i == 9 || i == 14 || i == 19 || i == 24;
		if (dash ? c != '-'
		         : !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
		             (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* The ProductCode of an MSI, as "{GUID}", read with msiinfo. */
static int
msi_product_code(const char *msi, char code[39], char *err, size_t errlen)
{
	char *argv[] = {"msiinfo", "export", (char *)msi, "Property", NULL};
	struct buf out;
	char *v;
	int st;

	buf_init(&out, CAPTURE_MAX);
	st = run_capture(argv, NULL, &out);
	v = st == 0 ? msi_property(buf_cstr(&out), "ProductCode") : NULL;
	buf_free(&out);
	if (v == NULL || !guid_ok(v)) {
		free(v);
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", msi,
		                   st == 127 ? "msiinfo not found (apt-get install msitools)"
		                             : "no ProductCode (is it an MSI?)");
	}
	for (int i = 0; i < 38; i++)
		code[i] = (char)(v[i] >= 'a' && v[i] <= 'f' ? v[i] - 32 : v[i]);
	code[38] = '\0';
	free(v);
	return 0;
}

/* A GUID derived from the installer id and a purpose, so rebuilding the same
 * installer gives the same component codes (RFC 4122 §4.1.3 version 4 bits). */
static void
derived_guid(const char *installer_id, const char *purpose, bool braces, char out[39])
{
	static const char hex[] = "0123456789ABCDEF";
	struct sha256_ctx c;
	uint8_t h[32];
	size_t o = 0;

	sha256_init(&c);
	sha256_update(&c, purpose, strlen(purpose));
	sha256_update(&c, ":", 1);
	sha256_update(&c, installer_id, strlen(installer_id));
	sha256_final(&c, h);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x40);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	if (braces)
		out[o++] = '{';
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	if (braces)
		out[o++] = '}';
	out[o] = '\0';
}

/* The installer id (a UUID) as an MSI ProductCode. */
static void
config_product_code(const char *id, bool braces, char out[39])
{
	size_t o = 0;
	if (braces)
		out[o++] = '{';
	for (size_t i = 0; i < 36; i++)
		out[o++] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
	if (braces)
		out[o++] = '}';
	out[o] = '\0';
}

/* Copy a package into dir, checking it still has the SHA-256 the model
 * validated. */
static int
copy_pkg(const struct inst_pkg *pkg, const char *dir, char *err, size_t errlen)
{
	char dst[4096], chunk[65536];
	struct sha256_ctx c;
	uint8_t h[32];
	int in, outfd, r = 0;
	ssize_t n;

	if (pkg->path == NULL || pkg->kind != PKG_MSI)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s",
		                   pkg->name != NULL ? pkg->name : "package",
		                   "gpo-sccm needs an .msi package file");
	n = snprintf(dst, sizeof(dst), "%s/%s", dir, pkg->name);
	if (n < 0 || (size_t)n >= sizeof(dst))
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", pkg->name,
		                   "path too long");
	if ((in = open(pkg->path, O_RDONLY | O_CLOEXEC)) < 0)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", pkg->path, strerror(errno));
	outfd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (outfd < 0) {
		close(in);
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", dst, strerror(errno));
	}
	sha256_init(&c);
	while (r == 0 && (n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(outfd, chunk, (size_t)n) != n)
			r = muster_fail(err, errlen, MUSTER_EIO, "%s: %s", dst, strerror(errno));
		else
			sha256_update(&c, chunk, (size_t)n);
	}
	close(in);
	if (close(outfd) != 0 && r == 0)
		r = muster_fail(err, errlen, MUSTER_EIO, "%s: %s", dst, strerror(errno));
	sha256_final(&c, h);
	if (r == 0 && memcmp(h, pkg->sha256, 32) != 0)
		r = muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", pkg->path,
		                "changed since it was validated");
	if (r != 0)
		unlink(dst);
	return r;
}

/* wixl's preprocessor expands or drops '$' ($(var.X), $(env.X)) even when
 * escaped, so no value with one can reach a .wxs. */
static int
wxs_ok(const char *field, const char *v, char *err, size_t errlen)
{
	if (v != NULL && strchr(v, '$') != NULL)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", field,
		                   "'$' cannot be carried into an MSI built by wixl");
	return 0;
}

static int
path_in(char *dst, size_t cap, const char *dir, const char *name, char *err, size_t errlen)
{
	int n = snprintf(dst, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", name, "path too long");
	return 0;
}

/* Render templates/<tmpl> (each placeholder through the encoder it names)
 * into dir/<name>. */
static int
render_to(const char *tmpl, const struct tvar *vars, size_t n, const char *dir, const char *name,
          int mode, char *err, size_t errlen)
{
	char path[4096], why[256];
	char *text;
	int r;

	if ((r = path_in(path, sizeof(path), dir, name, err, errlen)) != 0)
		return r;
	if ((text = tmpl_render(tmpl, vars, n, why, sizeof(why))) == NULL)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", tmpl, why);
	r = gpo_write_file(path, text, strlen(text), mode, err, errlen);
	free(text);
	return r;
}

/* Build muster-config.msi from templates/config.wxs in a private staging dir,
 * then read its Property table back and require every value exactly. */
static int
build_config_msi(const struct inst_model *m, const char *outdir, const char *ini, size_t inilen,
                 char *err, size_t errlen)
{
	char stage[] = "/tmp/muster-gpo-XXXXXX", path[4096], wxs[4096], msi[4096];
	char pcode[39], comp[39], client[39], port[8], expires[24];
	const char *tmpdir_names[] = {"install_config.ini", "ca.pem",     "policy.json",
	                              "enroll.ps1",         "client.pem", "client.key",
	                              "config.wxs"};
	struct buf export;
	int r = 0, st;

	if (mkdtemp(stage) == NULL)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", "mkdtemp", strerror(errno));
	config_product_code(m->installer_id, false, pcode);
	derived_guid(m->installer_id, "config-component", false, comp);
	derived_guid(m->installer_id, "client-component", false, client);
	snprintf(port, sizeof(port), "%u", (unsigned)m->server_port);
	snprintf(expires, sizeof(expires), "%lld", (long long)m->expires);

	/* The files the MSI carries. */
	if ((r = path_in(path, sizeof(path), stage, "install_config.ini", err, errlen)) == 0)
		r = gpo_write_file(path, ini, inilen, 0600, err, errlen);
	if (r == 0 && (r = path_in(path, sizeof(path), stage, "ca.pem", err, errlen)) == 0)
		r = gpo_write_file(path, m->ca_pem, strlen(m->ca_pem), 0600, err, errlen);
	if (r == 0 && (r = path_in(path, sizeof(path), stage, "policy.json", err, errlen)) == 0)
		r = gpo_write_file(path, m->policy_json, strlen(m->policy_json), 0600, err, errlen);
	if (r == 0 && m->client_cert_pem != NULL && m->client_key_pem != NULL) {
		if ((r = path_in(path, sizeof(path), stage, "client.pem", err, errlen)) == 0)
			r = gpo_write_file(path, m->client_cert_pem, strlen(m->client_cert_pem),
			                   0600, err, errlen);
		if (r == 0 &&
		    (r = path_in(path, sizeof(path), stage, "client.key", err, errlen)) == 0)
			r = gpo_write_file(path, m->client_key_pem, strlen(m->client_key_pem), 0600,
			                   err, errlen);
	}
	if (r == 0) {
		struct tvar ev[] = {{"INSTALLER_ID", m->installer_id}};
		r = render_to("win-enroll.ps1", ev, 1, stage, "enroll.ps1", 0600, err, errlen);
	}
	if (r == 0) {
		struct tvar v[] = {
		        {"PRODUCT_CODE", pcode},
		        {"UPGRADE_CODE", CONFIG_UPGRADE},
		        {"COMPONENT_GUID", comp},
		        {"CLIENT_GUID", client},
		        {"INSTALLER_ID", m->installer_id},
		        {"SERVER_HOST", m->server_host},
		        {"SERVER_PORT", port},
		        {"GROUP", m->group},
		        {"EXPIRES", expires},
		        {"HAS_CLIENT",
		         m->client_cert_pem != NULL && m->client_key_pem != NULL ? "1" : "0"},
		};
		for (size_t i = 0; r == 0 && i < MUSTER_NELEM(v); i++)
			r = wxs_ok(v[i].name, v[i].value, err, errlen);
		if (r == 0 &&
		    (r = path_in(wxs, sizeof(wxs), stage, "config.wxs", err, errlen)) == 0)
			r = render_to("config.wxs", v, MUSTER_NELEM(v), stage, "config.wxs", 0600,
			              err, errlen);
	}
	if (r == 0) {
		/* wixl runs in the staging dir: the output path must be absolute. */
		char *abs = realpath(outdir, NULL);
		r = abs != NULL ? path_in(msi, sizeof(msi), abs, CONFIG_MSI, err, errlen)
		                : muster_fail(err, errlen, MUSTER_EIO, "%s: %s", outdir,
		                              strerror(errno));
		free(abs);
	}
	if (r == 0) {
		char has_client[] = "HasClient=0";
		char *argv[] = {"wixl", "-a", "x64",        "-D", has_client,
		                "-o",   msi,  "config.wxs", NULL};
		if (m->client_cert_pem != NULL && m->client_key_pem != NULL)
			has_client[sizeof(has_client) - 2] = '1';
		struct buf log;
		buf_init(&log, CAPTURE_MAX);
		st = run_capture(argv, stage, &log);
		if (st != 0) {
			const char *l = buf_cstr(&log);
			size_t len = strlen(l);
			while (len > 0 && (l[len - 1] == '\n' || l[len - 1] == '\r'))
				len--;
			snprintf(err, errlen, "wixl %s: %.*s",
			         st == 127 ? "not found (apt-get install wixl)" : "failed",
			         (int)(len > 300 ? 300 : len), len > 300 ? l + len - 300 : l);
			r = MUSTER_EIO;
			unlink(msi);
		}
		buf_free(&log);
	}
	/* Read back: the MSI must say exactly what the model says. */
	if (r == 0) {
		char *argv[] = {"msiinfo", "export", msi, "Property", NULL};
		const char *want[][2] = {{"MUSTER_INSTALLER_ID", m->installer_id},
		                         {"MUSTER_SERVER_HOST", m->server_host},
		                         {"MUSTER_SERVER_PORT", port},
		                         {"MUSTER_GROUP", m->group},
		                         {"MUSTER_EXPIRES", expires}};
		buf_init(&export, CAPTURE_MAX);
		st = run_capture(argv, NULL, &export);
		for (size_t i = 0; r == 0 && i < MUSTER_NELEM(want); i++) {
			char *got = st == 0 ? msi_property(buf_cstr(&export), want[i][0]) : NULL;
			if (got == NULL || strcmp(got, want[i][1]) != 0)
				r = muster_fail(
				        err, errlen, MUSTER_EINVAL, "%s: %s", want[i][0],
				        st != 0 ? "msiinfo could not read the configuration MSI"
				                : "wixl did not carry the value exactly; refused");
			free(got);
		}
		buf_free(&export);
		if (r != 0)
			unlink(msi);
	}
	for (size_t i = 0; i < MUSTER_NELEM(tmpdir_names); i++)
		if (path_in(path, sizeof(path), stage, tmpdir_names[i], err, errlen) == 0)
			unlink(path);
	rmdir(stage);
	return r;
}

static int
sums_add(struct buf *sums, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096], chunk[65536], *hex;
	struct sha256_ctx c;
	uint8_t h[32];
	ssize_t n;
	int fd, r;

	if ((r = path_in(path, sizeof(path), dir, name, err, errlen)) != 0)
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", path, strerror(errno));
	sha256_init(&c);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sha256_update(&c, chunk, (size_t)n);
	close(fd);
	if (n < 0)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", path, strerror(errno));
	sha256_final(&c, h);
	if ((hex = enc_hex(h, 32)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "%s: %s", name, "out of memory");
	r = buf_printf(sums, "%s  %s\n", hex, name);
	free(hex);
	return r;
}

int
kind_gpo_build(const struct inst_model *m, const char *outdir, char *err, size_t errlen)
{
	char path[4096], agent_code[39], product_code[39] = "", config_code[39];
	char port[8], expires_text[64];
	struct buf ini, sums;
	struct stat st;
	int r = 0;

	err[0] = '\0';
	if (m->os != OS_WINDOWS)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", "--os",
		                   "gpo-sccm is for windows");
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		return muster_fail(err, errlen, MUSTER_EIO, "%s: %s", outdir, strerror(errno));
	if (lstat(outdir, &st) != 0 || !S_ISDIR(st.st_mode))
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: %s", outdir, "not a directory");

	/* Refuse before writing anything: every value must fit every artifact. */
	buf_init(&ini, 1024 * 1024);
	buf_init(&sums, 64 * 1024);
	if ((r = gpo_config_ini(m, &ini, err, errlen)) != 0)
		goto out;
	if ((r = copy_pkg(&m->agent, outdir, err, errlen)) != 0)
		goto out;
	if ((r = path_in(path, sizeof(path), outdir, m->agent.name, err, errlen)) != 0 ||
	    (r = msi_product_code(path, agent_code, err, errlen)) != 0)
		goto out;
	if (m->has_product) {
		if ((r = copy_pkg(&m->product, outdir, err, errlen)) != 0)
			goto out;
		if ((r = path_in(path, sizeof(path), outdir, m->product.name, err, errlen)) != 0 ||
		    (r = msi_product_code(path, product_code, err, errlen)) != 0)
			goto out;
	}
	config_product_code(m->installer_id, true, config_code);
	if ((r = build_config_msi(m, outdir, buf_cstr(&ini), ini.len, err, errlen)) != 0)
		goto out;
	if ((r = path_in(path, sizeof(path), outdir, "install_config.ini", err, errlen)) != 0 ||
	    (r = gpo_write_file(path, ini.data, ini.len, 0600, err, errlen)) != 0)
		goto out;

	snprintf(port, sizeof(port), "%u", (unsigned)m->server_port);
	if (m->expires == 0) {
		snprintf(expires_text, sizeof(expires_text), "never");
	} else {
		struct tm tm;
		time_t t = m->expires;
		gmtime_r(&t, &tm);
		strftime(expires_text, sizeof(expires_text), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	{
		char ptext[256];
		snprintf(ptext, sizeof(ptext), "%s%s", m->has_product ? m->product.name : "",
		         m->has_product ? "   the security product (installed after the agent)"
		                        : "(no product MSI)");
		/* cmd: enc_cmd's whitelist only; MSI names and GUIDs fit it. */
		/* Braces are outside enc_cmd's whitelist: the template adds them. */
		char agent_guid[37], product_guid[37] = "", config_guid[37];
		memcpy(agent_guid, agent_code + 1, 36);
		agent_guid[36] = '\0';
		memcpy(config_guid, config_code + 1, 36);
		config_guid[36] = '\0';
		if (m->has_product) {
			memcpy(product_guid, product_code + 1, 36);
			product_guid[36] = '\0';
		}
		struct tvar cmd[] = {
		        {"INSTALLER_ID", m->installer_id},
		        {"AGENT_MSI", m->agent.name},
		        {"AGENT_GUID", agent_guid},
		        {"PRODUCT_MSI", m->has_product ? m->product.name : ""},
		        {"PRODUCT_GUID", product_guid},
		        {"CONFIG_MSI", CONFIG_MSI},
		        {"CONFIG_GUID", config_guid},
		};
		struct tvar ps[] = {
		        {"INSTALLER_ID", m->installer_id},
		        {"AGENT_CODE", agent_code},
		        {"CONFIG_CODE", config_code},
		        {"GROUP", m->group},
		};
		/* README: plain text, one line per value: the INI encoder's rules. */
		struct tvar txt[] = {
		        {"INSTALLER_ID", m->installer_id},
		        {"SERVER_HOST", m->server_host},
		        {"SERVER_PORT", port},
		        {"GROUP", m->group},
		        {"EXPIRES_TEXT", expires_text},
		        {"AGENT_MSI", m->agent.name},
		        {"PRODUCT_MSI_TEXT", ptext},
		        {"CONFIG_MSI", CONFIG_MSI},
		};
		if ((r = render_to("gpo-startup.cmd", cmd, MUSTER_NELEM(cmd), outdir,
		                   "gpo-startup.cmd", 0644, err, errlen)) != 0 ||
		    (r = render_to("sccm-install.cmd", cmd, MUSTER_NELEM(cmd), outdir,
		                   "sccm-install.cmd", 0644, err, errlen)) != 0 ||
		    (r = render_to("sccm-detect.ps1", ps, MUSTER_NELEM(ps), outdir,
		                   "sccm-detect.ps1", 0644, err, errlen)) != 0 ||
		    (r = render_to("gpo-README.txt", txt, MUSTER_NELEM(txt), outdir, "README.txt",
		                   0644, err, errlen)) != 0)
			goto out;
	}
	{
		const char *files[] = {m->agent.name,     m->has_product ? m->product.name : NULL,
		                       CONFIG_MSI,        "install_config.ini",
		                       "gpo-startup.cmd", "sccm-install.cmd",
		                       "sccm-detect.ps1", "README.txt"};
		for (size_t i = 0; r == 0 && i < MUSTER_NELEM(files); i++)
			if (files[i] != NULL)
				r = sums_add(&sums, outdir, files[i], err, errlen);
		if (r == 0 &&
		    (r = path_in(path, sizeof(path), outdir, "SHA256SUMS", err, errlen)) == 0)
			r = gpo_write_file(path, sums.data, sums.len, 0644, err, errlen);
	}
out:
	if (r != 0 && err[0] == '\0')
		snprintf(err, errlen, "gpo-sccm: %s", muster_strerror(r));
	buf_free(&ini);
	buf_free(&sums);
	return r;
}
