/*
 * knownhosts.c - OpenSSH known_hosts: host patterns (sshd(8), "SSH_KNOWN_HOSTS
 * FILE FORMAT"), hashed names (HMAC-SHA1 of the name keyed with the salt),
 * key blobs in base64 (RFC 4253 §6.6), @revoked markers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "deployer/knownhosts.h"

#define KH_FILE_MAX ((size_t)16 << 20)
#define KH_BLOB_MAX 16384

struct kh_entry {
	char *patterns; /* comma-separated, NULL when hashed */
	bool hashed;
	uint8_t salt[SHA_DIGEST_LENGTH], hash[SHA_DIGEST_LENGTH];
	bool revoked;
	char type[48];
	uint8_t *blob;
	size_t blob_len;
	unsigned line;
};

struct knownhosts {
	struct kh_entry *v;
	size_t n, cap;
	unsigned last_line;
	char *path;
	pthread_mutex_t lock;
};

static void
entry_free(struct kh_entry *e)
{
	free(e->patterns);
	free(e->blob);
}

void
knownhosts_free(struct knownhosts *kh)
{
	if (kh == NULL)
		return;
	for (size_t i = 0; i < kh->n; i++)
		entry_free(&kh->v[i]);
	free(kh->v);
	free(kh->path);
	pthread_mutex_destroy(&kh->lock);
	free(kh);
}

/* Decode standard base64 (with or without padding) into out; -1 when malformed. */
static long
b64_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	size_t pad = 0, n;
	int r;

	if (len == 0 || len % 4 == 1 || len > 4 * (outsz / 3))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '=') {
			if (i + 2 < len || (i + 2 == len && in[i + 1] != '='))
				return -1;
			pad++;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '+' && c != '/')
			return -1;
	}
	if (len % 4 != 0) {
		/* Add the padding EVP_DecodeBlock wants. */
		char tmp[4 * (KH_BLOB_MAX / 3 + 2)];
		if (len + 4 > sizeof(tmp) || pad)
			return -1;
		memcpy(tmp, in, len);
		while (len % 4 != 0)
			tmp[len++] = '=', pad++;
		r = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)len);
	} else {
		r = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	}
	if (r < 0 || (size_t)r < pad)
		return -1;
	n = (size_t)r - pad;
	return (long)n;
}

bool
knownhosts_blob_type(const uint8_t *blob, size_t len, char *out, size_t outsz)
{
	struct cursor c = cursor_init(blob, len);
	uint32_t n;
	const uint8_t *p;

	if (outsz == 0)
		return false;
	out[0] = '\0';
	if (!cursor_u32be(&c, &n) || n == 0 || n >= outsz || !cursor_ptr(&c, &p, n))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!isgraph(p[i]))
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

void
knownhosts_fingerprint(const uint8_t *blob, size_t len, char *out, size_t outsz)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	unsigned char b64[64];
	int n;

	SHA256(blob, len, md);
	n = EVP_EncodeBlock(b64, md, sizeof(md));
	while (n > 0 && b64[n - 1] == '=')
		n--;
	snprintf(out, outsz, "SHA256:%.*s", n, (const char *)b64);
}

static int
push(struct knownhosts *kh, struct kh_entry *e)
{
	if (kh->n == kh->cap) {
		size_t cap = kh->cap ? kh->cap * 2 : 32;
		struct kh_entry *v = reallocarray(kh->v, cap, sizeof(*v));
		if (v == NULL)
			return MUSTER_ENOMEM;
		kh->v = v;
		kh->cap = cap;
	}
	kh->v[kh->n++] = *e;
	return 0;
}

/* Next blank-separated field of [*p, end); false when none. */
static bool
field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return false;
	*f = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*flen = (size_t)(s - *f);
	*p = s;
	return true;
}

/* One line into e; false when it is not a usable host key line. */
static bool
parse_line(const char *s, const char *end, struct kh_entry *e)
{
	const char *f, *hosts, *type, *key;
	size_t flen, hlen, tlen, klen;
	uint8_t *blob;
	long n;
	char inner[sizeof(e->type)];

	memset(e, 0, sizeof(*e));
	if (!field(&s, end, &f, &flen))
		return false;
	if (f[0] == '@') {
		if (flen == 8 && memcmp(f, "@revoked", 8) == 0)
			e->revoked = true;
		else
			return false; /* @cert-authority: certificates are not supported */
		if (!field(&s, end, &f, &flen))
			return false;
	}
	hosts = f;
	hlen = flen;
	if (!field(&s, end, &type, &tlen) || !field(&s, end, &key, &klen))
		return false;
	if (tlen >= sizeof(e->type))
		return false;
	memcpy(e->type, type, tlen);
	e->type[tlen] = '\0';
	if ((blob = malloc(KH_BLOB_MAX)) == NULL)
		return false;
	n = b64_decode(key, klen, blob, KH_BLOB_MAX);
	/* The blob must name the same type as the line. */
	if (n <= 0 || !knownhosts_blob_type(blob, (size_t)n, inner, sizeof(inner)) ||
	    strcmp(inner, e->type) != 0) {
		free(blob);
		return false;
	}
	e->blob = blob;
	e->blob_len = (size_t)n;
	if (hlen > 3 && memcmp(hosts, "|1|", 3) == 0) {
		const char *salt = hosts + 3, *bar = memchr(salt, '|', hlen - 3);
		uint8_t tmp[64];
		if (bar == NULL ||
		    b64_decode(salt, (size_t)(bar - salt), tmp, sizeof(tmp)) != SHA_DIGEST_LENGTH)
			goto bad;
		memcpy(e->salt, tmp, SHA_DIGEST_LENGTH);
		if (b64_decode(bar + 1, (size_t)(hosts + hlen - bar - 1), tmp, sizeof(tmp)) !=
		    SHA_DIGEST_LENGTH)
			goto bad;
		memcpy(e->hash, tmp, SHA_DIGEST_LENGTH);
		e->hashed = true;
		return true;
	}
	if ((e->patterns = strndup(hosts, hlen)) == NULL)
		goto bad;
	return true;
bad:
	free(e->blob);
	e->blob = NULL;
	return false;
}

struct knownhosts *
knownhosts_parse(const char *data, size_t len, size_t *skipped)
{
	struct knownhosts *kh = calloc(1, sizeof(*kh));
	const char *p = data, *end = data + len;
	unsigned line = 0;

	if (skipped)
		*skipped = 0;
	if (kh == NULL)
		return NULL;
	pthread_mutex_init(&kh->lock, NULL);
	if (data == NULL)
		p = end = "";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *s = p;
		struct kh_entry ent;
		line++;
		p = nl ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (memchr(s, '\0', (size_t)(e - s)) != NULL || !parse_line(s, e, &ent)) {
			if (skipped)
				(*skipped)++;
			continue;
		}
		ent.line = line;
		if (push(kh, &ent) != 0) {
			entry_free(&ent);
			knownhosts_free(kh);
			return NULL;
		}
	}
	kh->last_line = line;
	return kh;
}

struct knownhosts *
knownhosts_load(const char *path, char *err, size_t errlen)
{
	struct knownhosts *kh;
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fd >= 0) {
		if (fstat(fd, &st) != 0 || (size_t)st.st_size > KH_FILE_MAX ||
		    (data = malloc((size_t)st.st_size + 1)) == NULL) {
			snprintf(err, errlen, "cannot read %s (larger than 16 MiB?)", path);
			close(fd);
			return NULL;
		}
		while (got < (size_t)st.st_size) {
			ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(fd);
	}
	kh = knownhosts_parse(data, got, NULL);
	free(data);
	if (kh == NULL || (kh->path = strdup(path)) == NULL) {
		knownhosts_free(kh);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return kh;
}

/*
 * Shell-style glob with '*' and '?', case-insensitive (host names). Greedy
 * with one backtrack point (the last '*'), so O(len(pat) * len(s)) even for
 * "*a*a*a*..." patterns a hostile known_hosts might hold.
 */
static bool
glob_match(const char *pat, size_t plen, const char *s)
{
	size_t p = 0, star = (size_t)-1;
	const char *mark = NULL;

	while (*s) {
		if (p < plen &&
		    (pat[p] == '?' || (pat[p] != '*' && tolower((unsigned char)pat[p]) ==
		                                                tolower((unsigned char)*s)))) {
			p++;
			s++;
		} else if (p < plen && pat[p] == '*') {
			star = p++;
			mark = s;
		} else if (star != (size_t)-1) {
			p = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* Does the entry name this host? name is "host" or "[host]:port". */
static bool
entry_names(const struct kh_entry *e, const char *name)
{
	bool hit = false;

	if (e->hashed) {
		uint8_t md[SHA_DIGEST_LENGTH];
		unsigned mdlen = sizeof(md);
		HMAC(EVP_sha1(), e->salt, sizeof(e->salt), (const unsigned char *)name,
		     strlen(name), md, &mdlen);
		return memcmp(md, e->hash, sizeof(md)) == 0;
	}
	for (const char *p = e->patterns; *p;) {
		size_t n = strcspn(p, ",");
		bool neg = *p == '!';
		if (glob_match(p + neg, n - neg, name)) {
			if (neg)
				return false; /* a negated match excludes the host outright */
			hit = true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return hit;
}

static void
host_name(const char *host, uint16_t port, char *out, size_t outsz)
{
	if (port == 0 || port == 22)
		snprintf(out, outsz, "%s", host);
	else
		snprintf(out, outsz, "[%s]:%u", host, port);
}

enum kh_result
knownhosts_check(struct knownhosts *kh, const char *host, uint16_t port, const uint8_t *blob,
                 size_t len, unsigned *line)
{
	char name[300], type[48];
	enum kh_result res = KH_UNKNOWN;
	unsigned first_other = 0, first_mismatch = 0;

	*line = 0;
	if (!knownhosts_blob_type(blob, len, type, sizeof(type)))
		return KH_MISMATCH;
	host_name(host, port, name, sizeof(name));
	pthread_mutex_lock(&kh->lock);
	for (size_t i = 0; i < kh->n; i++) {
		const struct kh_entry *e = &kh->v[i];
		bool same = e->blob_len == len && memcmp(e->blob, blob, len) == 0;
		/* A revoked key is refused whoever it is presented for. */
		if (e->revoked) {
			if (same) {
				*line = e->line;
				res = KH_REVOKED;
				goto out;
			}
			continue;
		}
		if (!entry_names(e, name))
			continue;
		if (same) {
			res = KH_MATCH;
			*line = e->line;
			/* Keep looking: a later @revoked line still wins. */
			continue;
		}
		if (strcmp(e->type, type) == 0) {
			if (!first_mismatch)
				first_mismatch = e->line;
		} else if (!first_other) {
			first_other = e->line;
		}
	}
	if (res != KH_MATCH) {
		if (first_mismatch) {
			res = KH_MISMATCH;
			*line = first_mismatch;
		} else if (first_other) {
			res = KH_OTHER_TYPES;
			*line = first_other;
		}
	}
out:
	pthread_mutex_unlock(&kh->lock);
	return res;
}

void
knownhosts_types(struct knownhosts *kh, const char *host, uint16_t port, char *out, size_t outsz)
{
	char name[300];
	size_t used = 0;

	out[0] = '\0';
	host_name(host, port, name, sizeof(name));
	pthread_mutex_lock(&kh->lock);
	for (size_t i = 0; i < kh->n; i++) {
		const struct kh_entry *e = &kh->v[i];
		size_t tl = strlen(e->type);
		char probe[52];
		if (e->revoked || !entry_names(e, name))
			continue;
		snprintf(probe, sizeof(probe), ",%s,", e->type);
		{
			/* Already listed? */
			char cur[512];
			snprintf(cur, sizeof(cur), ",%s,", out);
			if (strstr(cur, probe) != NULL)
				continue;
		}
		if (used + tl + 2 > outsz)
			break;
		if (used)
			out[used++] = ',';
		memcpy(out + used, e->type, tl + 1);
		used += tl;
	}
	pthread_mutex_unlock(&kh->lock);
}

int
knownhosts_add(struct knownhosts *kh, const char *host, uint16_t port, const uint8_t *blob,
               size_t len)
{
	struct kh_entry e;
	char name[300], *line = NULL;
	unsigned char *b64 = NULL;
	int fd = -1, r = MUSTER_ENOMEM, n;
	size_t linelen;

	memset(&e, 0, sizeof(e));
	if (len > KH_BLOB_MAX || !knownhosts_blob_type(blob, len, e.type, sizeof(e.type)))
		return MUSTER_EINVAL;
	host_name(host, port, name, sizeof(name));
	if ((b64 = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return MUSTER_ENOMEM;
	n = EVP_EncodeBlock(b64, blob, (int)len);
	linelen = strlen(name) + strlen(e.type) + (size_t)n + 4;
	if ((line = malloc(linelen)) == NULL)
		goto out;
	snprintf(line, linelen, "%s %s %s\n", name, e.type, (const char *)b64);
	if ((e.patterns = strdup(name)) == NULL || (e.blob = malloc(len)) == NULL)
		goto out;
	memcpy(e.blob, blob, len);
	e.blob_len = len;
	pthread_mutex_lock(&kh->lock);
	r = 0;
	if (kh->path != NULL) {
		struct stat st;
		char last = '\n';
		fd = open(kh->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		/* A file whose last line has no newline must not swallow ours. */
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
		    pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
		    write(fd, "\n", 1) != 1)
			r = MUSTER_EIO;
		if (r == 0 && (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line)))
			r = MUSTER_EIO;
		if (fd >= 0)
			close(fd);
	}
	if (r == 0) {
		e.line = ++kh->last_line;
		r = push(kh, &e);
		if (r == 0)
			memset(&e, 0, sizeof(e));
	}
	pthread_mutex_unlock(&kh->lock);
out:
	entry_free(&e);
	free(line);
	free(b64);
	return r;
}
