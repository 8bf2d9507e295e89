/* installer-builder/win_allinone.c: the Windows all-in-one installer - a copy
 * of the prebuilt muster-bootstrap.exe (installer-builder/win/bootstrap.c)
 * with a verified payload appended (installer-builder/win/payload.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/muster.h"
#include "installer-builder/encode.h"
#include "installer-builder/gpo.h"
#include "installer-builder/render.h"
#include "installer-builder/win/payload.h"

#ifndef MUSTER_BOOTSTRAP_EXE
#define MUSTER_BOOTSTRAP_EXE "/usr/lib/muster/muster-bootstrap.exe"
#endif

const char *
gpo_bootstrap_exe_default(void)
{
	const char *e = getenv("MUSTER_BOOTSTRAP_EXE");
	return e != NULL && *e != '\0' ? e : MUSTER_BOOTSTRAP_EXE;
}

static int
wfail(char *err, size_t errlen, int code, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s", what, why);
	return code;
}

/* The output being written: fd, bytes so far, their digest, records. */
struct wout {
	int fd;
	uint64_t off;
	struct sha256_ctx sum;
	uint32_t count;
};

static int
wout_write(struct wout *o, const void *p, size_t len, char *err, size_t errlen)
{
	const char *c = p;

	sha256_update(&o->sum, p, len);
	o->off += len;
	while (len > 0) {
		ssize_t w = write(o->fd, c, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return wfail(err, errlen, MUSTER_EIO, "write", strerror(errno));
		c += w, len -= (size_t)w;
	}
	return 0;
}

static int
record_head(struct wout *o, uint32_t type, const char *name, uint64_t len, char *err, size_t errlen)
{
	uint8_t h[16];
	int r;

	if (!wpl_name_ok(name, strlen(name)) || o->count == WPL_RECORDS_MAX)
		return wfail(err, errlen, MUSTER_EINVAL, name, "bad payload record name");
	wpl_put_u32(h, type);
	wpl_put_u32(h + 4, (uint32_t)strlen(name));
	wpl_put_u64(h + 8, len);
	if ((r = wout_write(o, h, sizeof(h), err, errlen)) != 0 ||
	    (r = wout_write(o, name, strlen(name), err, errlen)) != 0)
		return r;
	o->count++;
	return 0;
}

static int
record_mem(struct wout *o, uint32_t type, const char *name, const void *p, size_t len, char *err,
           size_t errlen)
{
	int r = record_head(o, type, name, len, err, errlen);
	return r != 0 ? r : wout_write(o, p, len, err, errlen);
}

/* Copy a file into the output (as a record when type != 0), checking its
 * SHA-256 when want is given. */
static int
record_file(struct wout *o, uint32_t type, const char *name, const char *path, const uint8_t *want,
            char *err, size_t errlen)
{
	char chunk[65536];
	struct sha256_ctx c;
	struct stat st;
	uint8_t h[32];
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		r = wfail(err, errlen, MUSTER_EIO, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (type != 0 && (r = record_head(o, type, name, (uint64_t)st.st_size, err, errlen)) != 0)
		goto out;
	sha256_init(&c);
	uint64_t left = (uint64_t)st.st_size;
	while (r == 0 && left > 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = wfail(err, errlen, MUSTER_EIO, path, strerror(errno));
			break;
		}
		if ((uint64_t)n > left)
			n = (ssize_t)left;
		sha256_update(&c, chunk, (size_t)n);
		r = wout_write(o, chunk, (size_t)n, err, errlen);
		left -= (uint64_t)n;
	}
	if (r == 0 && left != 0)
		r = wfail(err, errlen, MUSTER_EIO, path, "file shrank while being read");
	sha256_final(&c, h);
	if (r == 0 && want != NULL && memcmp(h, want, 32) != 0)
		r = wfail(err, errlen, MUSTER_EINVAL, path, "changed since it was validated");
out:
	close(fd);
	return r;
}

/* "key=value\n" metadata the .exe checks before installing. Values are
 * single lines (enc_ini's rules). */
static int
meta_text(const struct inst_model *m, struct buf *b, char *err, size_t errlen)
{
	const char *kv[][2] = {{"installer_id", m->installer_id},
	                       {"arch", m->arch},
	                       {"group", m->group},
	                       {"server", m->server_host}};
	char why[160];
	int r = 0;

	for (size_t i = 0; r == 0 && i < MUSTER_NELEM(kv); i++) {
		char *e = enc_ini(kv[i][1], why, sizeof(why));
		if (e == NULL)
			return wfail(err, errlen, MUSTER_EINVAL, kv[i][0], why);
		r = buf_printf(b, "%s=%s\n", kv[i][0], e);
		free(e);
	}
	if (r == 0)
		r = buf_printf(b, "expires=%lld\n", (long long)m->expires);
	if (r == 0 && b->len > WPL_META_MAX)
		return wfail(err, errlen, MUSTER_ETOOBIG, "metadata", "too long");
	return r != 0 ? wfail(err, errlen, r, "metadata", muster_strerror(r)) : 0;
}

int
kind_win_allinone_build(const struct inst_model *m, const char *bootstrap_exe, const char *out,
                        char *err, size_t errlen)
{
	char tmp[4096], why[256];
	uint8_t trailer[WPL_TRAILER_LEN];
	struct wout o = {.fd = -1};
	struct buf ini, meta;
	char *enroll = NULL;
	uint64_t payload_off;
	int n, r;

	err[0] = '\0';
	if (m->os != OS_WINDOWS)
		return wfail(err, errlen, MUSTER_EINVAL, "--os",
		             "the .exe all-in-one is for windows");
	if (m->agent.path == NULL || m->agent.kind != PKG_MSI ||
	    (m->has_product && (m->product.path == NULL || m->product.kind != PKG_MSI)))
		return wfail(err, errlen, MUSTER_EINVAL, "--agent/--product",
		             "the Windows all-in-one carries .msi files");
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return wfail(err, errlen, MUSTER_EINVAL, out, "path too long");

	/* Everything that can be refused is refused before the file exists. */
	buf_init(&ini, 1024 * 1024);
	buf_init(&meta, WPL_META_MAX + 1);
	if ((r = gpo_config_ini(m, &ini, err, errlen)) != 0 ||
	    (r = meta_text(m, &meta, err, errlen)) != 0)
		goto out;
	{
		struct tvar ev[] = {{"INSTALLER_ID", m->installer_id}};
		if ((enroll = tmpl_render("win-enroll.ps1", ev, 1, why, sizeof(why))) == NULL) {
			r = wfail(err, errlen, MUSTER_EINVAL, "win-enroll.ps1", why);
			goto out;
		}
	}

	o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o.fd < 0) {
		r = wfail(err, errlen, MUSTER_EIO, tmp, strerror(errno));
		goto out;
	}
	sha256_init(&o.sum); /* the digest covers the bootstrapper too */
	if ((r = record_file(&o, 0, NULL, bootstrap_exe, NULL, err, errlen)) != 0)
		goto out;
	if (o.off < 2) {
		r = wfail(err, errlen, MUSTER_EINVAL, bootstrap_exe, "not a bootstrapper .exe");
		goto out;
	}
	payload_off = o.off;
	if ((r = record_mem(&o, WPL_META, "meta", meta.data, meta.len, err, errlen)) != 0 ||
	    (r = record_file(&o, WPL_AGENT_MSI, "agent.msi", m->agent.path, m->agent.sha256, err,
	                     errlen)) != 0)
		goto out;
	if (m->has_product && (r = record_file(&o, WPL_PRODUCT_MSI, "product.msi", m->product.path,
	                                       m->product.sha256, err, errlen)) != 0)
		goto out;
	if ((r = record_mem(&o, WPL_CONFIG, "install_config.ini", ini.data, ini.len, err,
	                    errlen)) != 0 ||
	    (r = record_mem(&o, WPL_CONFIG, "ca.pem", m->ca_pem, strlen(m->ca_pem), err, errlen)) !=
	            0 ||
	    (r = record_mem(&o, WPL_CONFIG, "policy.json", m->policy_json, strlen(m->policy_json),
	                    err, errlen)) != 0)
		goto out;
	if (m->client_cert_pem != NULL && m->client_key_pem != NULL &&
	    ((r = record_mem(&o, WPL_CONFIG, "client.pem", m->client_cert_pem,
	                     strlen(m->client_cert_pem), err, errlen)) != 0 ||
	     (r = record_mem(&o, WPL_CONFIG, "client.key", m->client_key_pem,
	                     strlen(m->client_key_pem), err, errlen)) != 0))
		goto out;
	if ((r = record_mem(&o, WPL_SCRIPT, "enroll.ps1", enroll, strlen(enroll), err, errlen)) !=
	    0)
		goto out;
	wpl_trailer_finish(trailer, o.count, payload_off, o.off - payload_off, &o.sum);
	if ((r = wout_write(&o, trailer, sizeof(trailer), err, errlen)) != 0)
		goto out;
	if (fsync(o.fd) != 0 || close(o.fd) != 0) {
		o.fd = -1;
		r = wfail(err, errlen, MUSTER_EIO, tmp, strerror(errno));
		goto out;
	}
	o.fd = -1;
	if (rename(tmp, out) != 0)
		r = wfail(err, errlen, MUSTER_EIO, out, strerror(errno));
out:
	if (o.fd >= 0)
		close(o.fd);
	if (r != 0)
		unlink(tmp);
	if (enroll != NULL) {
		memset(enroll, 0, strlen(enroll));
		free(enroll);
	}
	if (ini.data != NULL)
		memset(ini.data, 0, ini.len); /* holds the token */
	buf_free(&ini);
	buf_free(&meta);
	return r;
}
