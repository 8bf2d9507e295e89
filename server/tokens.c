/* tokens.c - secret tokens: random generation (RAND_bytes), SHA-256 hashes, durations. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/log.h"
#include "common/muster.h"
#include "server/tokens.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* RFC 4648 section 5, without padding. out must hold 4 * ceil(n / 3) + 1 bytes. */
static size_t
base64url(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

int
token_generate(enum token_kind kind, char out[TOKEN_STRLEN])
{
	uint8_t rnd[32];
	const char *prefix = kind == TOKEN_SENSOR ? "mss_" : "mse_";

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return MUSTER_EIO;
	memcpy(out, prefix, 4);
	base64url(rnd, sizeof(rnd), out + 4);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

void
token_hash(const char *tok, size_t len, char out[TOKEN_HASHLEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)tok, len, md);
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

bool
token_hash_equal(const char *a, const char *b)
{
	if (strlen(a) != 64 || strlen(b) != 64)
		return false;
	return CRYPTO_memcmp(a, b, 64) == 0;
}

bool
token_well_formed(const char *tok, size_t len)
{
	if (tok == NULL || len < TOKEN_MIN || len > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tok[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

bool
token_parse_duration(const char *s, int64_t *secs)
{
	int64_t v = 0, mul = 1;
	const char *p = s;

	*secs = 0;
	if (s == NULL || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (v > 100000000000LL)
			return false;
		v = v * 10 + (*p++ - '0');
	}
	switch (*p) {
	case '\0':
		break;
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
		return false;
	}
	if (*p != '\0' && p[1] != '\0')
		return false;
	if (v == 0 || v > 10LL * 366 * 86400 / mul)
		return false;
	*secs = v * mul;
	return true;
}

int
token_read_file(const char *path, char *out, size_t outsz)
{
	FILE *f;
	struct stat st;
	char line[TOKEN_MAX + 8];
	size_t len, start = 0;
	int r = 0;

	out[0] = '\0';
	if ((f = fopen(path, "re")) == NULL)
		return MUSTER_EIO;
	/* root:muster-server 0640 is the packaged layout: group access is fine
	 * when the group is ours, anyone else's is worth a warning. */
	if (fstat(fileno(f), &st) == 0 &&
	    ((st.st_mode & 007) != 0 || ((st.st_mode & 070) != 0 && st.st_gid != getegid())))
		log_warn("secret-file-mode", "path=%s mode=%04o note=readable-by-others", path,
		         (unsigned)(st.st_mode & 07777));
	if (fgets(line, sizeof(line), f) == NULL) {
		r = ferror(f) ? MUSTER_EIO : MUSTER_EINVAL;
		goto out;
	}
	len = strlen(line);
	if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
		r = MUSTER_ETOOBIG;
		goto out;
	}
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	while (start < len && isspace((unsigned char)line[start]))
		start++;
	if (!token_well_formed(line + start, len - start)) {
		r = MUSTER_EINVAL;
		goto out;
	}
	if (len - start >= outsz) {
		r = MUSTER_ETOOBIG;
		goto out;
	}
	memcpy(out, line + start, len - start);
	out[len - start] = '\0';
out:
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	return r;
}
