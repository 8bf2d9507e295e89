/* installer-builder/artifact.c: what every kind writes besides its script:
 * configuration text, the payload archive (libarchive, tar.gz), Ed25519
 * signatures (OpenSSL EVP) and atomic output files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/muster.h"
#include "installer-builder/artifact.h"
#include "installer-builder/encode.h"
#include "installer-builder/render.h"

#define PAYLOAD_MAX ((size_t)2 << 30)

char *
art_agent_conf(const struct inst_model *m, char *err, size_t errlen)
{
	char port[8];
	struct tvar v[] = {{"INSTALLER_ID", m->installer_id},
	                   {"SERVER_HOST", m->server_host},
	                   {"SERVER_PORT", port},
	                   {"GROUP", m->group}};

	snprintf(port, sizeof(port), "%u", m->server_port);
	return tmpl_render("agent.conf", v, sizeof(v) / sizeof(v[0]), err, errlen);
}

char *
art_enroll_prefix(const struct inst_model *m)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	char *out = NULL;
	size_t n;

	json_object_object_add(o, "token", json_object_new_string(m->token));
	json_object_object_add(o, "group", json_object_new_string(m->group));
	json_object_object_add(o, "installer", json_object_new_string(m->installer_id));
	s = json_object_to_json_string_ext(o,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	if (n > 2 && s[n - 1] == '}')
		out = strndup(s, n - 1);
	explicit_bzero((void *)s, n);
	json_object_put(o);
	return out;
}

uint64_t
art_disk_kb(const struct inst_model *m)
{
	uint64_t b = m->agent.size + (m->has_product ? m->product.size : 0);

	return b * 3 / 1024 + 10240; /* payload, unpacked copy, installed files */
}

void
art_sha256(const void *data, size_t len, uint8_t out[32])
{
	EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

/* ---- payload ---- */

static la_ssize_t
to_buf(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	if (buf_append(arg, p, n) != 0)
		return -1;
	return (la_ssize_t)n;
}

static int
add_mem(struct archive *a, const char *name, const void *data, size_t len, unsigned mode,
        time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
		r = MUSTER_EIO;
	archive_entry_free(e);
	return r;
}

static int
add_dir(struct archive *a, const char *name, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_mtime(e, mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = MUSTER_EIO;
	archive_entry_free(e);
	return r;
}

/* Stream a package file into the archive, checking it is still the file
 * the model hashed. */
static int
add_pkg(struct archive *a, const struct inst_pkg *p, time_t mtime, char *err, size_t errlen)
{
	unsigned char b[65536];
	struct archive_entry *e;
	char name[160];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sha[32];
	uint64_t total = 0;
	size_t n;
	FILE *f;
	int r = 0;

	if (ctx == NULL)
		return MUSTER_ENOMEM;
	if ((f = fopen(p->path, "rb")) == NULL) {
		EVP_MD_CTX_free(ctx);
		snprintf(err, errlen, "%s: %s", p->path, strerror(errno));
		return MUSTER_EIO;
	}
	snprintf(name, sizeof(name), "packages/%s", p->name);
	e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)p->size);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = MUSTER_EIO;
	while (r == 0 && total < p->size && (n = fread(b, 1, sizeof(b), f)) > 0) {
		if (total + n > p->size)
			n = (size_t)(p->size - total);
		EVP_DigestUpdate(ctx, b, n);
		if (archive_write_data(a, b, n) != (la_ssize_t)n)
			r = MUSTER_EIO;
		total += n;
	}
	EVP_DigestFinal_ex(ctx, sha, NULL);
	if (r == 0 && (total != p->size || memcmp(sha, p->sha256, 32) != 0)) {
		snprintf(err, errlen, "%s changed while the installer was built", p->path);
		r = MUSTER_EIO;
	} else if (r != 0) {
		snprintf(err, errlen, "payload: %s", archive_error_string(a));
	}
	archive_entry_free(e);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return r;
}

int
art_payload(const struct inst_model *m, struct buf *out, char *err, size_t errlen)
{
	struct archive *a = archive_write_new();
	char *conf = NULL, *prefix = NULL, *cfg = NULL;
	time_t t = m->created;
	int r = MUSTER_EIO;

	buf_init(out, PAYLOAD_MAX);
	if (a == NULL)
		return MUSTER_ENOMEM;
	if ((conf = art_agent_conf(m, err, errlen)) == NULL) {
		r = MUSTER_EINVAL;
		goto out;
	}
	if ((prefix = art_enroll_prefix(m)) == NULL || (cfg = model_to_json(m, true)) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = MUSTER_ENOMEM;
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, out, NULL, to_buf, NULL) != ARCHIVE_OK) {
		snprintf(err, errlen, "payload: %s", archive_error_string(a));
		goto out;
	}
	if (add_dir(a, "packages/", t) != 0 || add_dir(a, "config/", t) != 0 ||
	    add_mem(a, "config/agent.conf", conf, strlen(conf), 0644, t) != 0 ||
	    add_mem(a, "config/ca.pem", m->ca_pem, strlen(m->ca_pem), 0644, t) != 0 ||
	    add_mem(a, "config/policy.json", m->policy_json, strlen(m->policy_json), 0644, t) !=
	            0 ||
	    add_mem(a, "config/installer.json", cfg, strlen(cfg), 0644, t) != 0 ||
	    add_mem(a, "config/enroll-prefix.json", prefix, strlen(prefix), 0600, t) != 0) {
		snprintf(err, errlen, "payload: %s", archive_error_string(a));
		goto out;
	}
	if (m->client_cert_pem != NULL && (add_mem(a, "config/client.pem", m->client_cert_pem,
	                                           strlen(m->client_cert_pem), 0644, t) != 0 ||
	                                   add_mem(a, "config/client.key", m->client_key_pem,
	                                           strlen(m->client_key_pem), 0600, t) != 0)) {
		snprintf(err, errlen, "payload: %s", archive_error_string(a));
		goto out;
	}
	if ((r = add_pkg(a, &m->agent, t, err, errlen)) != 0)
		goto out;
	if (m->has_product && (r = add_pkg(a, &m->product, t, err, errlen)) != 0)
		goto out;
	r = MUSTER_EIO;
	if (archive_write_close(a) != ARCHIVE_OK) {
		snprintf(err, errlen, "payload: %s", archive_error_string(a));
		goto out;
	}
	r = 0;
out:
	archive_write_free(a);
	free(conf);
	if (prefix != NULL) {
		explicit_bzero(prefix, strlen(prefix));
		free(prefix);
	}
	free(cfg);
	if (r != 0)
		buf_free(out);
	return r;
}

int
art_write_file(const char *path, const void *data, size_t len, unsigned mode, char *err,
               size_t errlen)
{
	struct buf tmp;
	const uint8_t *p = data;
	int fd, r = MUSTER_EIO;

	buf_init(&tmp, 4200);
	if (buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) != 0) {
		snprintf(err, errlen, "%s: path too long", path);
		return MUSTER_EINVAL;
	}
	fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(buf_cstr(&tmp));
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(buf_cstr(&tmp), path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(buf_cstr(&tmp));
		goto out;
	}
	r = 0;
out:
	buf_free(&tmp);
	return r;
}

/* ---- signatures ---- */

int
art_sign_load(const char *path, void **key, char **pub_pem, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	BIO *bio = NULL, *mem = NULL;
	BUF_MEM *bm;
	FILE *f;
	int r = MUSTER_EINVAL;

	*key = NULL;
	*pub_pem = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "--sign-key: %s: %s", path, strerror(errno));
		return MUSTER_EIO;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	fclose(f);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "--sign-key: not an unencrypted Ed25519 private key (PEM)");
		goto out;
	}
	if ((mem = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(mem, k) != 1) {
		snprintf(err, errlen, "--sign-key: cannot write the public key");
		goto out;
	}
	BIO_get_mem_ptr(mem, &bm);
	if ((*pub_pem = strndup(bm->data, bm->length)) == NULL)
		goto out;
	*key = k;
	k = NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	BIO_free(mem);
	BIO_free(bio);
	return r;
}

void
art_sig_message(const void *data, size_t len, char *msg, size_t msgsz)
{
	uint8_t sha[32];
	char *hex;

	art_sha256(data, len, sha);
	hex = enc_hex(sha, 32);
	snprintf(msg, msgsz, "muster-installer-sig-v1 %s\n", hex != NULL ? hex : "");
	free(hex);
}

char *
art_sign(void *key, const char *msg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t siglen = sizeof(sig);
	char *out = NULL;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg, strlen(msg)) == 1)
		out = enc_base64(sig, siglen);
	EVP_MD_CTX_free(ctx);
	return out;
}

bool
art_verify(const char *pub_pem, const char *msg, const char *sig_b64)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	unsigned char *sig;
	size_t siglen = 0;
	BIO *bio;
	bool ok = false;

	if ((sig = dec_base64(sig_b64, &siglen)) == NULL)
		return false;
	if ((bio = BIO_new_mem_buf(pub_pem, (int)strlen(pub_pem))) == NULL)
		goto out;
	k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 || siglen != 64)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg, strlen(msg)) == 1)
		ok = true;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	free(sig);
	return ok;
}

void
art_key_free(void *key)
{
	EVP_PKEY_free(key);
}
