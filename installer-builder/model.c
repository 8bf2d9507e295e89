/* installer-builder/model.c: build and validate the installer configuration
 * model once (docs/installer.md "Configuration model"); every kind embeds it
 * through the encoders. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "common/grouppath.h"
#include "common/muster.h"
#include "common/text.h"
#include "installer-builder/model.h"
#include "installer-builder/tokenfetch.h"

#define PKG_NAME_MAX 128
#define CMD_MAX      1024
#define URL_MAX      2048

static bool
bad(char *err, size_t errlen, const char *why)
{
	muster_fail(err, errlen, MUSTER_EINVAL, "%s", why);
	return false;
}

/* Prefix err with "field: ". */
static int
field_fail(char *err, size_t errlen, int code, const char *field)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", err);
	return muster_fail(err, errlen, code, "%s: %s", field, tmp);
}

/* ---- field validators ---- */

bool
model_valid_host(const char *h, char *err, size_t errlen)
{
	unsigned char a[16];
	size_t len, lab = 0;

	if (h == NULL || (len = strlen(h)) == 0)
		return bad(err, errlen, "empty host");
	if (len > INST_HOST_MAX)
		return bad(err, errlen, "host longer than 253 bytes");
	if (inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1)
		return true;
	/* RFC 1123 host name: LDH labels of 1-63 bytes, no '-' at either end. */
	for (size_t i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			if (lab == 0 && !(c == '\0' && i == len && i > 0 && h[i - 1] == '.'))
				return bad(err, errlen, "empty label in host name");
			if (lab > 63)
				return bad(err, errlen, "host name label longer than 63 bytes");
			if (lab > 0 && (h[i - 1] == '-' || h[i - lab] == '-'))
				return bad(err, errlen, "host name label starts or ends with '-'");
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return bad(err, errlen,
			           "host must be an IP address or a DNS name (letters, digits, "
			           "'-', '.')");
		lab++;
	}
	if (h[len - 1] == '.')
		return bad(err, errlen, "host name ends with '.'");
	return true;
}

/*
 * The server's rule for group paths (common/grouppath.c), plus the
 * installer's own cap: every artifact carries the path, INST_GROUP_MAX bytes
 * at most. The model stores the full path.
 */
static int
group_normalize(const char *in, char **out, char *err, size_t errlen)
{
	char path[GROUP_PATH_MAX];
	int r;

	*out = NULL;
	if ((r = group_path_normalize(in, path, err, errlen)) != 0)
		return r;
	if (strlen(path) > INST_GROUP_MAX)
		return muster_fail(err, errlen, MUSTER_EINVAL, "group path longer than %d bytes",
		                   INST_GROUP_MAX);
	if ((*out = strdup(path)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	return 0;
}

bool
model_valid_group(const char *g, char *err, size_t errlen)
{
	char *n = NULL;
	int r = group_normalize(g, &n, err, errlen);

	free(n);
	return r == 0;
}

/* An enrollment token: "mse_" + base64url (docs/protocol.md). */
bool
model_valid_token(const char *t, char *err, size_t errlen)
{
	size_t len;

	if (t == NULL || strncmp(t, "mse_", 4) != 0)
		return bad(err, errlen, "not an enrollment token (must start with mse_)");
	len = strlen(t);
	if (len < 4 + 16 || len > INST_TOKEN_MAX)
		return bad(err, errlen, "enrollment token has the wrong length");
	for (size_t i = 4; i < len; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '-' && t[i] != '_')
			return bad(err, errlen,
			           "enrollment token has characters outside base64url");
	return true;
}

static const char *const known_arch[] = {"amd64",   "arm64",   "i386", "armhf", "x86_64",
                                         "aarch64", "x64",     "x86",  "i686",  "ppc64el",
                                         "s390x",   "riscv64", NULL};

bool
model_valid_arch(const char *a, char *err, size_t errlen)
{
	for (size_t i = 0; a != NULL && known_arch[i] != NULL; i++)
		if (strcmp(a, known_arch[i]) == 0)
			return true;
	return bad(err, errlen,
	           "unknown architecture (amd64, arm64, i386, armhf, x86_64, "
	           "aarch64, x64, x86, i686, ppc64el, s390x, riscv64)");
}

/* The text holds only PEM blocks (and blank lines between them). */
static bool
pem_only(const char *pem, const char *label, char *err, size_t errlen)
{
	size_t len = strlen(pem);

	if (len == 0)
		return bad(err, errlen, "empty");
	if (len > INST_PEM_MAX)
		return bad(err, errlen, "larger than 64 KiB");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pem[i];

		if (c >= 0x7f || (c < 0x20 && c != '\n' && c != '\r'))
			return bad(err, errlen, "not a PEM text (binary or non-ASCII bytes)");
	}
	if (strstr(pem, label) == NULL)
		return bad(err, errlen, "no PEM block of the expected type");
	return true;
}

bool
model_valid_ca_pem(const char *pem, char *err, size_t errlen)
{
	BIO *bio;
	X509 *x;
	int n = 0;

	if (pem == NULL || !pem_only(pem, "-----BEGIN CERTIFICATE-----", err, errlen))
		return false;
	if ((bio = BIO_new_mem_buf(pem, (int)strlen(pem))) == NULL)
		return bad(err, errlen, "out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	if (n == 0)
		return bad(err, errlen, "does not parse as an X.509 certificate");
	return true;
}

static bool
valid_key_pem(const char *pem, char *err, size_t errlen)
{
	BIO *bio;
	EVP_PKEY *k;

	if (!pem_only(pem, "PRIVATE KEY-----", err, errlen))
		return false;
	if ((bio = BIO_new_mem_buf(pem, (int)strlen(pem))) == NULL)
		return bad(err, errlen, "out of memory");
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (k == NULL)
		return bad(err, errlen, "does not parse as an unencrypted private key");
	EVP_PKEY_free(k);
	return true;
}

static bool
valid_pkg_name(const char *n, char *err, size_t errlen)
{
	size_t len = n != NULL ? strlen(n) : 0;

	if (len == 0 || len > PKG_NAME_MAX || n[0] == '.' || n[0] == '-')
		return bad(err, errlen,
		           "package file name must be 1-128 bytes, not starting with . or -");
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)n[i]) && strchr("._+~-", n[i]) == NULL)
			return bad(err, errlen, "package file name may hold only [A-Za-z0-9._+~-]");
	return true;
}

static bool
valid_cmd(const char *c, char *err, size_t errlen)
{
	size_t len = c != NULL ? strlen(c) : 0;

	if (len == 0 || len > CMD_MAX)
		return bad(err, errlen, "install command must be 1-1024 bytes");
	if (!text_utf8_valid(c, len))
		return bad(err, errlen, "install command is not valid UTF-8");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			return bad(err, errlen, "control character in install command");
	return true;
}

/* https://host[:port]/path with no blanks, quotes or controls. */
static bool
valid_url(const char *u, char *err, size_t errlen)
{
	size_t len = u != NULL ? strlen(u) : 0;

	if (len < 9 || len > URL_MAX || strncmp(u, "https://", 8) != 0)
		return bad(err, errlen, "must be an https:// URL of at most 2048 bytes");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"'`\\<>^{}|", c) != NULL)
			return bad(err, errlen,
			           "URL holds a blank, quote, control or non-ASCII byte");
	}
	return true;
}

/* ---- policy (docs/policy.md) ---- */

static const char *const policy_modules[] = {"inventory",    "discovery", "updates",
                                             "remote_shell", "antivirus", NULL};
static const char *const log_levels[] = {"error", "warning", "info", "debug", NULL};

static bool
in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static int
check_keys(struct json_object *o, const char *const *known, const char *where, char *err,
           size_t errlen)
{
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (!in_list(key, known))
			return muster_fail(err, errlen, MUSTER_EPARSE,
			                   "%s: unknown field \"%.64s\"", where, key);
	}
	return 0;
}

static int
get_int(struct json_object *o, const char *key, const char *where, int64_t lo, int64_t hi,
        bool *present, int64_t *v, char *err, size_t errlen)
{
	struct json_object *x;

	*present = json_object_object_get_ex(o, key, &x);
	if (!*present)
		return 0;
	if (!json_object_is_type(x, json_type_int))
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s%s: must be an integer", where,
		                   key);
	errno = 0;
	*v = json_object_get_int64(x);
	if (errno != 0 || *v < lo || *v > hi)
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s%s: must be %lld-%lld", where,
		                   key, (long long)lo, (long long)hi);
	return 0;
}

/* A JSON string without NUL, valid UTF-8, 1..max bytes, no C0 controls. */
static int
get_text(struct json_object *x, const char *what, size_t max, const char **s, char *err,
         size_t errlen)
{
	size_t len;

	if (!json_object_is_type(x, json_type_string))
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s: must be a string", what);
	*s = json_object_get_string(x);
	len = (size_t)json_object_get_string_len(x);
	if (len == 0 || len > max || strlen(*s) != len)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "%s: must be 1-%zu bytes without NUL", what, max);
	if (!text_utf8_valid(*s, len))
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s: not valid UTF-8", what);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)(*s)[i] < 0x20 || (*s)[i] == 0x7f)
			return muster_fail(err, errlen, MUSTER_EPARSE, "%s: control character",
			                   what);
	return 0;
}

static int
parse_json_text(const char *json, size_t len, struct json_object **out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;

	*out = NULL;
	if (len == 0)
		return muster_fail(err, errlen, MUSTER_EPARSE, "empty document");
	if (len > INST_POLICY_MAX * 8)
		return muster_fail(err, errlen, MUSTER_ETOOBIG, "document too large");
	if (memchr(json, '\0', len) != NULL)
		return muster_fail(err, errlen, MUSTER_EPARSE, "NUL byte in document");
	if (!text_utf8_valid(json, len))
		return muster_fail(err, errlen, MUSTER_EPARSE, "document is not valid UTF-8");
	if ((tok = json_tokener_new_ex(16)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		json_object_put(o);
		json_tokener_free(tok);
		return muster_fail(err, errlen, MUSTER_EPARSE, "malformed JSON (%s)",
		                   e == json_tokener_success ? "trailing data"
		                                             : json_tokener_error_desc(e));
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return muster_fail(err, errlen, MUSTER_EPARSE, "must be a JSON object");
	}
	*out = o;
	return 0;
}

/* Validate a parsed policy and build its canonical form (fixed key order). */
static struct json_object *
policy_canon(struct json_object *root, char *err, size_t errlen)
{
	static const char *const top[] = {"version", "log_level", "update_interval",
	                                  "modules", "tags",      NULL};
	static const char *const mod_keys[] = {"enabled", "interval", NULL};
	struct json_object *c = json_object_new_object(), *x;
	int64_t v = 0;
	bool has;
	const char *s;

	if (c == NULL) {
		muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		return NULL;
	}
	if (check_keys(root, top, "policy", err, errlen) != 0)
		goto bad;
	if (get_int(root, "version", "policy.", 1, 1, &has, &v, err, errlen) != 0)
		goto bad;
	if (!has) {
		muster_fail(err, errlen, MUSTER_EPARSE, "policy.version: required (1)");
		goto bad;
	}
	json_object_object_add(c, "version", json_object_new_int(1));
	if (json_object_object_get_ex(root, "log_level", &x)) {
		if (get_text(x, "policy.log_level", 16, &s, err, errlen) != 0)
			goto bad;
		if (!in_list(s, log_levels)) {
			muster_fail(err, errlen, MUSTER_EPARSE,
			            "policy.log_level: must be error, warning, info or debug");
			goto bad;
		}
		json_object_object_add(c, "log_level", json_object_new_string(s));
	}
	if (get_int(root, "update_interval", "policy.", 60, 86400, &has, &v, err, errlen) != 0)
		goto bad;
	if (has)
		json_object_object_add(c, "update_interval", json_object_new_int64(v));
	if (json_object_object_get_ex(root, "modules", &x)) {
		struct json_object *cm = json_object_new_object();

		json_object_object_add(c, "modules", cm);
		if (!json_object_is_type(x, json_type_object)) {
			muster_fail(err, errlen, MUSTER_EPARSE,
			            "policy.modules: must be an object");
			goto bad;
		}
		if (check_keys(x, policy_modules, "policy.modules", err, errlen) != 0)
			goto bad;
		for (size_t i = 0; policy_modules[i] != NULL; i++) {
			struct json_object *m, *e, *cmo;
			char where[64];

			if (!json_object_object_get_ex(x, policy_modules[i], &m))
				continue;
			snprintf(where, sizeof(where), "policy.modules.%s", policy_modules[i]);
			if (!json_object_is_type(m, json_type_object)) {
				muster_fail(err, errlen, MUSTER_EPARSE, "%s: must be an object",
				            where);
				goto bad;
			}
			if (check_keys(m, mod_keys, where, err, errlen) != 0)
				goto bad;
			if (!json_object_object_get_ex(m, "enabled", &e) ||
			    !json_object_is_type(e, json_type_boolean)) {
				muster_fail(err, errlen, MUSTER_EPARSE,
				            "%s.enabled: required boolean", where);
				goto bad;
			}
			cmo = json_object_new_object();
			json_object_object_add(cm, policy_modules[i], cmo);
			json_object_object_add(cmo, "enabled",
			                       json_object_new_boolean(json_object_get_boolean(e)));
			snprintf(where, sizeof(where), "policy.modules.%s.", policy_modules[i]);
			if (get_int(m, "interval", where, 60, 86400, &has, &v, err, errlen) != 0)
				goto bad;
			if (has)
				json_object_object_add(cmo, "interval", json_object_new_int64(v));
		}
	}
	if (json_object_object_get_ex(root, "tags", &x)) {
		struct json_object *ct = json_object_new_array();
		size_t n;

		json_object_object_add(c, "tags", ct);
		if (!json_object_is_type(x, json_type_array) ||
		    (n = json_object_array_length(x)) > 32) {
			muster_fail(err, errlen, MUSTER_EPARSE,
			            "policy.tags: must be an array of <= 32 strings");
			goto bad;
		}
		for (size_t i = 0; i < n; i++) {
			if (get_text(json_object_array_get_idx(x, i), "policy.tags[]", 64, &s, err,
			             errlen) != 0)
				goto bad;
			json_object_array_add(ct, json_object_new_string(s));
		}
	}
	return c;
bad:
	json_object_put(c);
	return NULL;
}

static const int json_flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

char *
policy_validate(const char *json, size_t len, char *err, size_t errlen)
{
	struct json_object *root = NULL, *c;
	char *out = NULL;

	if (json == NULL || len > INST_POLICY_MAX) {
		muster_fail(err, errlen, MUSTER_ETOOBIG, "policy: missing or larger than 64 KiB");
		return NULL;
	}
	if (parse_json_text(json, len, &root, err, errlen) != 0) {
		field_fail(err, errlen, MUSTER_EPARSE, "policy");
		return NULL;
	}
	if ((c = policy_canon(root, err, errlen)) != NULL) {
		out = strdup(json_object_to_json_string_ext(c, json_flags));
		if (out == NULL)
			muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		json_object_put(c);
	}
	json_object_put(root);
	return out;
}

/* ---- names ---- */

const char *
model_os_name(enum inst_os os)
{
	switch (os) {
	case OS_LINUX:
		return "linux";
	case OS_MACOS:
		return "macos";
	case OS_WINDOWS:
		return "windows";
	}
	return "?";
}

const char *
model_pkg_kind_name(enum inst_pkg_kind k)
{
	switch (k) {
	case PKG_DEB:
		return "deb";
	case PKG_RPM:
		return "rpm";
	case PKG_MSI:
		return "msi";
	case PKG_PKG:
		return "pkg";
	case PKG_TARGZ:
		return "tar.gz";
	}
	return "?";
}

static bool
os_parse(const char *s, enum inst_os *os)
{
	if (s == NULL)
		return false;
	if (strcmp(s, "linux") == 0)
		*os = OS_LINUX;
	else if (strcmp(s, "macos") == 0)
		*os = OS_MACOS;
	else if (strcmp(s, "windows") == 0)
		*os = OS_WINDOWS;
	else
		return false;
	return true;
}

static bool
kind_parse(const char *s, enum inst_pkg_kind *k)
{
	static const char *const names[] = {"deb", "rpm", "msi", "pkg", "tar.gz", NULL};

	for (int i = 0; names[i] != NULL; i++)
		if (s != NULL && strcmp(s, names[i]) == 0) {
			*k = (enum inst_pkg_kind)i;
			return true;
		}
	return false;
}

static bool
kind_from_name(const char *name, enum inst_pkg_kind *k)
{
	size_t n = strlen(name);

#define ENDS(x) (n > strlen(x) && strcmp(name + n - strlen(x), x) == 0)
	if (ENDS(".deb"))
		*k = PKG_DEB;
	else if (ENDS(".rpm"))
		*k = PKG_RPM;
	else if (ENDS(".msi"))
		*k = PKG_MSI;
	else if (ENDS(".pkg"))
		*k = PKG_PKG;
	else if (ENDS(".tar.gz") || ENDS(".tgz"))
		*k = PKG_TARGZ;
	else
		return false;
#undef ENDS
	return true;
}

static bool
kind_fits_os(enum inst_pkg_kind k, enum inst_os os)
{
	switch (os) {
	case OS_LINUX:
		return k == PKG_DEB || k == PKG_RPM || k == PKG_TARGZ;
	case OS_MACOS:
		return k == PKG_PKG || k == PKG_TARGZ;
	case OS_WINDOWS:
		return k == PKG_MSI;
	}
	return false;
}

/* ---- files ---- */

/* Read a whole small text file (no NUL bytes) into a malloc'd string. */
static int
read_text(const char *path, size_t max, char **out, char *err, size_t errlen)
{
	FILE *f;
	char *s;
	size_t n;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return muster_fail(err, errlen, MUSTER_EIO, "cannot open %s: %s", path,
		                   strerror(errno));
	if ((s = malloc(max + 2)) == NULL) {
		fclose(f);
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	}
	n = fread(s, 1, max + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(s);
		return muster_fail(err, errlen, MUSTER_EIO, "cannot read %s", path);
	}
	fclose(f);
	if (n > max) {
		free(s);
		return muster_fail(err, errlen, MUSTER_ETOOBIG, "%s is larger than %zu bytes", path,
		                   max);
	}
	s[n] = '\0';
	if (memchr(s, '\0', n) != NULL) {
		free(s);
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s holds a NUL byte", path);
	}
	*out = s;
	return 0;
}

/* The first line of a secret file, without its end of line. */
static int
read_secret_line(const char *path, char **out, char *err, size_t errlen)
{
	char *s;
	int r;

	if ((r = read_text(path, 4096, &s, err, errlen)) != 0)
		return r;
	s[strcspn(s, "\r\n")] = '\0';
	*out = strdup(s);
	explicit_bzero(s, strlen(s));
	free(s);
	if (*out == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	return 0;
}

static int
hash_file(const char *path, uint8_t sha[32], uint64_t *size, char *err, size_t errlen)
{
	unsigned char b[65536];
	EVP_MD_CTX *ctx;
	struct stat st;
	size_t n;
	int fd, r = 0;
	FILE *f;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return muster_fail(err, errlen, MUSTER_EIO, "cannot open %s: %s", path,
		                   strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return muster_fail(err, errlen, MUSTER_EIO, "%s is not a regular file", path);
	}
	if ((f = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return muster_fail(err, errlen, MUSTER_EIO, "cannot read %s", path);
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		r = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		goto out;
	}
	*size = 0;
	while ((n = fread(b, 1, sizeof(b), f)) > 0) {
		EVP_DigestUpdate(ctx, b, n);
		*size += n;
	}
	if (ferror(f)) {
		r = muster_fail(err, errlen, MUSTER_EIO, "cannot read %s", path);
		goto out;
	}
	EVP_DigestFinal_ex(ctx, sha, NULL);
	if (*size == 0)
		r = muster_fail(err, errlen, MUSTER_EINVAL, "%s is empty", path);
out:
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return r;
}

static bool
hex_parse(const char *s, uint8_t *out, size_t n)
{
	if (s == NULL || strlen(s) != n * 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = (char)tolower((unsigned char)s[2 * i + k]);

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

static bool
uuid_v4(char out[37])
{
	static const char hx[] = "0123456789abcdef";
	uint8_t r[16];
	size_t o = 0;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return false;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[r[i] >> 4];
		out[o++] = hx[r[i] & 15];
	}
	out[o] = '\0';
	return true;
}

static bool
valid_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "never", N[smhdw] from now, or @EPOCH. */
static int
parse_expires(const char *s, time_t now, time_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;
	unsigned long long mul = 1;

	if (s == NULL || strcmp(s, "never") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(s[0] == '@' ? s + 1 : s, &end, 10);
	if (errno != 0 || end == s || !isdigit((unsigned char)s[s[0] == '@']))
		return muster_fail(err, errlen, MUSTER_EINVAL, "must be never, N[smhdw] or @EPOCH");
	if (s[0] == '@') {
		if (*end != '\0' || v == 0 || v > 4102444800ULL)
			return muster_fail(err, errlen, MUSTER_EINVAL, "bad epoch time");
		*out = (time_t)v;
		return 0;
	}
	switch (*end) {
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return muster_fail(err, errlen, MUSTER_EINVAL, "must be never, N[smhdw] or @EPOCH");
	}
	if (end[1] != '\0' || v == 0 || v > 10ULL * 366 * 86400 / mul)
		return muster_fail(err, errlen, MUSTER_EINVAL, "duration must be 1s-10 years");
	*out = now + (time_t)(v * mul);
	return 0;
}

/* HOST:PORT or [V6]:PORT. */
static int
parse_server(const char *s, struct inst_model *m, char *err, size_t errlen)
{
	const char *colon, *hs = s;
	size_t hl;
	char *end;
	unsigned long port;

	if (s == NULL)
		return muster_fail(err, errlen, MUSTER_EINVAL, "required (HOST:PORT)");
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return muster_fail(err, errlen, MUSTER_EINVAL, "must be [IPV6]:PORT");
		hs = s + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || strchr(s, ':') != colon)
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "must be HOST:PORT (IPv6 as [ADDR]:PORT)");
		hl = (size_t)(colon - s);
	}
	if ((m->server_host = strndup(hs, hl)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	if (!model_valid_host(m->server_host, err, errlen))
		return MUSTER_EINVAL;
	if (s[0] == '[' && strchr(m->server_host, ':') == NULL)
		return muster_fail(err, errlen, MUSTER_EINVAL,
		                   "brackets are for IPv6 addresses only");
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || !isdigit((unsigned char)colon[1]) || *end != '\0' || port == 0 ||
	    port > 65535)
		return muster_fail(err, errlen, MUSTER_EINVAL, "port must be 1-65535");
	m->server_port = (uint16_t)port;
	return 0;
}

static int
load_pkg(struct inst_pkg *p, const char *path, const char *kind, const char *cmd,
         const char *sha_hex, enum inst_os os, const char *url, char *err, size_t errlen)
{
	const char *base;
	int r;

	if (path != NULL) {
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		if ((p->path = strdup(path)) == NULL || (p->name = strdup(base)) == NULL)
			return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		if ((r = hash_file(path, p->sha256, &p->size, err, errlen)) != 0)
			return r;
		if (sha_hex != NULL) {
			uint8_t want[32];

			if (!hex_parse(sha_hex, want, 32) || memcmp(want, p->sha256, 32) != 0)
				return muster_fail(err, errlen, MUSTER_EINVAL,
				                   "file does not match the given SHA-256");
		}
	} else {
		/* Live kinds may pin a download without the file at hand. */
		const char *slash = url != NULL ? strrchr(url, '/') : NULL;

		if (sha_hex == NULL || !hex_parse(sha_hex, p->sha256, 32))
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "give the package file, or its SHA-256 (64 hex digits)");
		if (slash == NULL || (p->name = strdup(slash + 1)) == NULL)
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "cannot name the package from the URL");
	}
	if (!valid_pkg_name(p->name, err, errlen))
		return MUSTER_EINVAL;
	if (kind != NULL) {
		if (!kind_parse(kind, &p->kind))
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "kind must be deb, rpm, msi, pkg or tar.gz");
	} else if (!kind_from_name(p->name, &p->kind)) {
		return muster_fail(
		        err, errlen, MUSTER_EINVAL,
		        "cannot tell the package kind from its name (.deb .rpm .msi .pkg "
		        ".tar.gz); give --agent-kind");
	}
	if (!kind_fits_os(p->kind, os))
		return muster_fail(err, errlen, MUSTER_EINVAL,
		                   "a %s package cannot be installed on %s",
		                   model_pkg_kind_name(p->kind), model_os_name(os));
	if (p->kind == PKG_TARGZ) {
		if (cmd == NULL)
			return muster_fail(err, errlen, MUSTER_EINVAL,
			                   "a tar.gz package needs an install command");
		if (!valid_cmd(cmd, err, errlen))
			return MUSTER_EINVAL;
		if ((p->install_cmd = strdup(cmd)) == NULL)
			return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	} else if (cmd != NULL) {
		return muster_fail(err, errlen, MUSTER_EINVAL,
		                   "an install command is for tar.gz packages only");
	}
	return 0;
}

static const char *
default_arch(enum inst_os os)
{
	return os == OS_WINDOWS ? "x64" : os == OS_MACOS ? "x86_64" : "amd64";
}

#define STEP(field, expr)                                                                          \
	do {                                                                                       \
		if ((r = (expr)) != 0) {                                                           \
			r = field_fail(err, errlen, r, field);                                     \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)
#define CHECK(field, cond)                                                                         \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			r = field_fail(err, errlen, MUSTER_EINVAL, field);                         \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

int
model_from_args(const struct inst_args *a, struct inst_model *m, char *err, size_t errlen)
{
	char *policy = NULL;
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->created = time(NULL);
	if (!uuid_v4(m->installer_id)) {
		r = muster_fail(err, errlen, MUSTER_EIO, "installer id: no random bytes");
		goto out;
	}
	if (!os_parse(a->os, &m->os)) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--os: must be linux, macos or windows");
		goto out;
	}
	m->arch = strdup(a->arch != NULL ? a->arch : default_arch(m->os));
	CHECK("--arch", m->arch != NULL && model_valid_arch(m->arch, err, errlen));
	STEP("--server", parse_server(a->server, m, err, errlen));
	if (a->ca == NULL) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--ca: required (the server's CA, PEM)");
		goto out;
	}
	STEP("--ca", read_text(a->ca, INST_PEM_MAX, &m->ca_pem, err, errlen));
	CHECK("--ca", model_valid_ca_pem(m->ca_pem, err, errlen));
	if ((a->client_cert == NULL) != (a->client_key == NULL)) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--client-cert and --client-key go together");
		goto out;
	}
	if (a->client_cert != NULL) {
		STEP("--client-cert",
		     read_text(a->client_cert, INST_PEM_MAX, &m->client_cert_pem, err, errlen));
		CHECK("--client-cert", model_valid_ca_pem(m->client_cert_pem, err, errlen));
		STEP("--client-key",
		     read_text(a->client_key, INST_PEM_MAX, &m->client_key_pem, err, errlen));
		CHECK("--client-key", valid_key_pem(m->client_key_pem, err, errlen));
	}
	if (a->group == NULL) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--group: required (e.g. All/HQ/Linux)");
		goto out;
	}
	STEP("--group", group_normalize(a->group, &m->group, err, errlen));
	if (a->policy == NULL) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--policy: required (JSON, docs/policy.md)");
		goto out;
	}
	STEP("--policy", read_text(a->policy, INST_POLICY_MAX, &policy, err, errlen));
	m->policy_json = policy_validate(policy, strlen(policy), err, errlen);
	CHECK("--policy", m->policy_json != NULL);
	STEP("--expires", parse_expires(a->expires, m->created, &m->expires, err, errlen));
	if (a->download_url != NULL) {
		CHECK("--download-url", valid_url(a->download_url, err, errlen));
		if ((m->download_url = strdup(a->download_url)) == NULL) {
			r = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (a->agent == NULL && (a->need_agent_file || a->agent_sha256 == NULL)) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--agent: required (the agent package)");
		goto out;
	}
	STEP("--agent", load_pkg(&m->agent, a->agent, a->agent_kind, a->agent_cmd, a->agent_sha256,
	                         m->os, a->download_url, err, errlen));
	if (a->product != NULL) {
		STEP("--product", load_pkg(&m->product, a->product, a->product_kind, a->product_cmd,
		                           NULL, m->os, NULL, err, errlen));
		m->has_product = true;
	}
	if (a->sign_key != NULL && (m->sign_key_path = strdup(a->sign_key)) == NULL) {
		r = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		goto out;
	}
	/* The token last: fetching one from the server spends nothing on a bad model. */
	if (a->token_file != NULL && a->token_from_server != NULL) {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--token-file and --token-from-server exclude each other");
		goto out;
	}
	if (a->token_file != NULL) {
		STEP("--token-file", read_secret_line(a->token_file, &m->token, err, errlen));
	} else if (a->token_from_server != NULL) {
		if (a->admin_token_file == NULL) {
			r = muster_fail(err, errlen, MUSTER_EINVAL,
			                "--token-from-server: needs --admin-token-file");
			goto out;
		}
		STEP("--token-from-server",
		     token_fetch(a->token_from_server, a->admin_token_file, m->ca_pem, m->group,
		                 a->token_uses, m->expires, &m->token, err, errlen));
	} else {
		r = muster_fail(err, errlen, MUSTER_EINVAL,
		                "--token-file or --token-from-server: required");
		goto out;
	}
	CHECK("token", model_valid_token(m->token, err, errlen));
out:
	free(policy);
	if (r != 0)
		model_free(m);
	return r;
}

/* ---- JSON form ---- */

static struct json_object *
pkg_json(const struct inst_pkg *p)
{
	struct json_object *o = json_object_new_object();
	char *hex = enc_hex(p->sha256, 32);

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "kind", json_object_new_string(model_pkg_kind_name(p->kind)));
	json_object_object_add(o, "sha256", json_object_new_string(hex != NULL ? hex : ""));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)p->size));
	if (p->install_cmd != NULL)
		json_object_object_add(o, "install_cmd", json_object_new_string(p->install_cmd));
	free(hex);
	return o;
}

static void
add_str(struct json_object *o, const char *k, const char *v, bool mask)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(mask ? "***" : v));
}

char *
model_to_json(const struct inst_model *m, bool mask)
{
	struct json_object *o = json_object_new_object(), *srv, *pol = NULL;
	char *out;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "format", json_object_new_string("muster-installer/1"));
	json_object_object_add(o, "installer_id", json_object_new_string(m->installer_id));
	json_object_object_add(o, "created", json_object_new_int64((int64_t)m->created));
	json_object_object_add(o, "expires", json_object_new_int64((int64_t)m->expires));
	json_object_object_add(o, "os", json_object_new_string(model_os_name(m->os)));
	add_str(o, "arch", m->arch, false);
	srv = json_object_new_object();
	add_str(srv, "host", m->server_host, false);
	json_object_object_add(srv, "port", json_object_new_int(m->server_port));
	json_object_object_add(o, "server", srv);
	add_str(o, "group", m->group, false);
	if (m->policy_json != NULL)
		pol = json_tokener_parse(m->policy_json);
	json_object_object_add(o, "policy", pol);
	add_str(o, "ca_pem", m->ca_pem, false);
	add_str(o, "client_cert_pem", m->client_cert_pem, false);
	add_str(o, "client_key_pem", m->client_key_pem, mask);
	add_str(o, "token", m->token, mask);
	json_object_object_add(o, "agent", pkg_json(&m->agent));
	if (m->has_product)
		json_object_object_add(o, "product", pkg_json(&m->product));
	add_str(o, "download_url", m->download_url, false);
	out = strdup(json_object_to_json_string_ext(o, json_flags));
	json_object_put(o);
	return out;
}

static int
dup_str(struct json_object *o, const char *key, bool required, size_t max, char **out, char *err,
        size_t errlen)
{
	struct json_object *x;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &x) || json_object_is_type(x, json_type_null)) {
		if (required)
			return muster_fail(err, errlen, MUSTER_EPARSE, "%s: required", key);
		return 0;
	}
	if (!json_object_is_type(x, json_type_string))
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s: must be a string", key);
	len = (size_t)json_object_get_string_len(x);
	if (len > max || strlen(json_object_get_string(x)) != len)
		return muster_fail(err, errlen, MUSTER_EPARSE, "%s: too long or holds NUL", key);
	if ((*out = strdup(json_object_get_string(x))) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	return 0;
}

static int
get_i64(struct json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *v, char *err,
        size_t errlen)
{
	bool has;
	int r = get_int(o, key, "", lo, hi, &has, v, err, errlen);

	if (r == 0 && !has)
		r = muster_fail(err, errlen, MUSTER_EPARSE, "%s: required", key);
	return r;
}

static int
pkg_load(struct json_object *o, struct inst_pkg *p, enum inst_os os, bool masked, char *err,
         size_t errlen)
{
	static const char *const keys[] = {"name", "kind", "sha256", "size", "install_cmd", NULL};
	char *kind = NULL, *hex = NULL;
	int64_t size = 0;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return muster_fail(err, errlen, MUSTER_EPARSE, "must be an object");
	if ((r = check_keys(o, keys, "package", err, errlen)) != 0 ||
	    (r = dup_str(o, "name", true, PKG_NAME_MAX, &p->name, err, errlen)) != 0 ||
	    (r = dup_str(o, "kind", true, 16, &kind, err, errlen)) != 0 ||
	    (r = dup_str(o, "sha256", true, 64, &hex, err, errlen)) != 0 ||
	    (r = get_i64(o, "size", 0, INT64_MAX, &size, err, errlen)) != 0 ||
	    (r = dup_str(o, "install_cmd", false, CMD_MAX, &p->install_cmd, err, errlen)) != 0)
		goto out;
	p->size = (uint64_t)size;
	r = MUSTER_EPARSE;
	if (!valid_pkg_name(p->name, err, errlen))
		goto out;
	if (!kind_parse(kind, &p->kind) || !kind_fits_os(p->kind, os)) {
		muster_fail(err, errlen, MUSTER_EPARSE, "kind: bad package kind for this os");
		goto out;
	}
	if (!hex_parse(hex, p->sha256, 32)) {
		muster_fail(err, errlen, MUSTER_EPARSE, "sha256: must be 64 hex digits");
		goto out;
	}
	if ((p->kind == PKG_TARGZ) != (p->install_cmd != NULL) ||
	    (p->install_cmd != NULL && !valid_cmd(p->install_cmd, err, errlen))) {
		muster_fail(err, errlen, MUSTER_EPARSE, "install_cmd: required for tar.gz only");
		goto out;
	}
	(void)masked;
	r = 0;
out:
	free(kind);
	free(hex);
	return r;
}

int
model_load(const char *json, size_t len, struct inst_model *m, char *err, size_t errlen)
{
	static const char *const keys[] = {
	        "format", "installer_id", "created",         "expires",
	        "os",     "arch",         "server",          "group",
	        "policy", "ca_pem",       "client_cert_pem", "client_key_pem",
	        "token",  "agent",        "product",         "download_url",
	        NULL};
	static const char *const srv_keys[] = {"host", "port", NULL};
	struct json_object *root = NULL, *x, *s;
	char *str = NULL;
	int64_t v = 0;
	bool masked;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = parse_json_text(json, len, &root, err, errlen)) != 0)
		return r;
	if ((r = check_keys(root, keys, "installer", err, errlen)) != 0)
		goto out;
	STEP("format", dup_str(root, "format", true, 32, &str, err, errlen));
	if (strcmp(str, "muster-installer/1") != 0) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "format: not muster-installer/1");
		goto out;
	}
	free(str);
	STEP("installer_id", dup_str(root, "installer_id", true, 36, &str, err, errlen));
	if (!valid_uuid(str)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "installer_id: not a UUID");
		goto out;
	}
	memcpy(m->installer_id, str, 37);
	free(str);
	str = NULL;
	STEP("created", get_i64(root, "created", 0, 4102444800LL, &v, err, errlen));
	m->created = (time_t)v;
	STEP("expires", get_i64(root, "expires", 0, 4102444800LL, &v, err, errlen));
	m->expires = (time_t)v;
	STEP("os", dup_str(root, "os", true, 16, &str, err, errlen));
	if (!os_parse(str, &m->os)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "os: must be linux, macos or windows");
		goto out;
	}
	free(str);
	str = NULL;
	STEP("arch", dup_str(root, "arch", true, INST_ARCH_MAX, &m->arch, err, errlen));
	CHECK("arch", model_valid_arch(m->arch, err, errlen));
	if (!json_object_object_get_ex(root, "server", &s) ||
	    !json_object_is_type(s, json_type_object)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "server: required object");
		goto out;
	}
	STEP("server", check_keys(s, srv_keys, "server", err, errlen));
	STEP("server.host", dup_str(s, "host", true, INST_HOST_MAX, &m->server_host, err, errlen));
	CHECK("server.host", model_valid_host(m->server_host, err, errlen));
	STEP("server.port", get_i64(s, "port", 1, 65535, &v, err, errlen));
	m->server_port = (uint16_t)v;
	STEP("group", dup_str(root, "group", true, INST_GROUP_MAX, &str, err, errlen));
	STEP("group", group_normalize(str, &m->group, err, errlen));
	free(str);
	str = NULL;
	if (!json_object_object_get_ex(root, "policy", &x)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "policy: required");
		goto out;
	}
	{
		const char *pj = json_object_to_json_string_ext(x, json_flags);

		m->policy_json = policy_validate(pj, strlen(pj), err, errlen);
		CHECK("policy", m->policy_json != NULL);
	}
	STEP("ca_pem", dup_str(root, "ca_pem", true, INST_PEM_MAX, &m->ca_pem, err, errlen));
	CHECK("ca_pem", model_valid_ca_pem(m->ca_pem, err, errlen));
	STEP("client_cert_pem", dup_str(root, "client_cert_pem", false, INST_PEM_MAX,
	                                &m->client_cert_pem, err, errlen));
	if (m->client_cert_pem != NULL)
		CHECK("client_cert_pem", model_valid_ca_pem(m->client_cert_pem, err, errlen));
	STEP("token", dup_str(root, "token", true, INST_TOKEN_MAX, &m->token, err, errlen));
	masked = strcmp(m->token, "***") == 0;
	if (!masked)
		CHECK("token", model_valid_token(m->token, err, errlen));
	STEP("client_key_pem",
	     dup_str(root, "client_key_pem", false, INST_PEM_MAX, &m->client_key_pem, err, errlen));
	if (m->client_key_pem != NULL && !masked)
		CHECK("client_key_pem", valid_key_pem(m->client_key_pem, err, errlen));
	if ((m->client_cert_pem == NULL) != (m->client_key_pem == NULL)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE,
		                "client_cert_pem and client_key_pem go together");
		goto out;
	}
	if (!json_object_object_get_ex(root, "agent", &x)) {
		r = muster_fail(err, errlen, MUSTER_EPARSE, "agent: required");
		goto out;
	}
	STEP("agent", pkg_load(x, &m->agent, m->os, masked, err, errlen));
	if (json_object_object_get_ex(root, "product", &x)) {
		STEP("product", pkg_load(x, &m->product, m->os, masked, err, errlen));
		m->has_product = true;
	}
	STEP("download_url",
	     dup_str(root, "download_url", false, URL_MAX, &m->download_url, err, errlen));
	if (m->download_url != NULL)
		CHECK("download_url", valid_url(m->download_url, err, errlen));
	r = 0;
out:
	free(str);
	json_object_put(root);
	if (r != 0)
		model_free(m);
	return r;
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
pkg_free(struct inst_pkg *p)
{
	free(p->path);
	free(p->name);
	free(p->install_cmd);
}

void
model_free(struct inst_model *m)
{
	if (m == NULL)
		return;
	free(m->server_host);
	free(m->ca_pem);
	free(m->client_cert_pem);
	free_secret(m->client_key_pem);
	free_secret(m->token);
	free(m->group);
	free(m->policy_json);
	pkg_free(&m->agent);
	pkg_free(&m->product);
	free(m->arch);
	free(m->download_url);
	free(m->sign_key_path);
	memset(m, 0, sizeof(*m));
}
