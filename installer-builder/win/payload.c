/* installer-builder/win/payload.c: SHA-256 (FIPS 180-4 §6.2) and the
 * bootstrapper payload trailer and records (see payload.h). Pure: no I/O,
 * no allocation, so it builds unchanged for mingw-w64 and for Linux. */
#include <string.h>

#include "payload.h"

static const uint32_t K[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
};

static uint32_t
ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
get_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
get_u32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t
get_u64le(const uint8_t *p)
{
	return (uint64_t)get_u32le(p + 4) << 32 | get_u32le(p);
}

void
wpl_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void
wpl_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* FIPS 180-4 §6.2.2: one 512-bit block. */
static void
sha256_block(struct sha256_ctx *c, const uint8_t *blk)
{
	uint32_t w[64], a, b, d, e, f, g, h, cc, t1, t2;

	for (int i = 0; i < 16; i++)
		w[i] = get_u32be(blk + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (int i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

void
sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->fill = 0;
}

void
sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	c->bytes += n;
	if (c->fill > 0) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;
		memcpy(c->block + c->fill, p, take);
		c->fill += take, p += take, n -= take;
		if (c->fill < 64)
			return;
		sha256_block(c, c->block);
		c->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		sha256_block(c, p);
	memcpy(c->block, p, n);
	c->fill = n;
}

void
sha256_final(struct sha256_ctx *c, uint8_t out[32])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad = 0x80, zero = 0, len[8];

	sha256_update(c, &pad, 1);
	while (c->fill != 56)
		sha256_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

static void
trailer_digest(const uint8_t *p, uint64_t len, const uint8_t head[32], uint8_t out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	/* size_t may be 32 bits on some target: feed in bounded chunks. */
	while (len > 0) {
		size_t n = len > (1u << 30) ? (size_t)1 << 30 : (size_t)len;
		sha256_update(&c, p, n);
		p += n, len -= n;
	}
	sha256_update(&c, head, 32);
	sha256_final(&c, out);
}

void
wpl_trailer_finish(uint8_t out[WPL_TRAILER_LEN], uint32_t count, uint64_t offset, uint64_t len,
                   struct sha256_ctx *ctx)
{
	memcpy(out, WPL_MAGIC, WPL_MAGIC_LEN);
	wpl_put_u32(out + 8, WPL_VERSION);
	wpl_put_u32(out + 12, count);
	wpl_put_u64(out + 16, offset);
	wpl_put_u64(out + 24, len);
	sha256_update(ctx, out, 32);
	sha256_final(ctx, out + 32);
}

int
wpl_trailer_parse(const uint8_t tail[WPL_TRAILER_LEN], uint64_t file_len, struct wpl_trailer *t)
{
	if (file_len < WPL_TRAILER_LEN || memcmp(tail, WPL_MAGIC, WPL_MAGIC_LEN) != 0)
		return WPL_ENOTRAILER;
	t->version = get_u32le(tail + 8);
	t->count = get_u32le(tail + 12);
	t->offset = get_u64le(tail + 16);
	t->length = get_u64le(tail + 24);
	memcpy(t->sha256, tail + 32, 32);
	/* The payload must end exactly where the trailer starts. */
	if (t->version != WPL_VERSION || t->count == 0 || t->count > WPL_RECORDS_MAX ||
	    t->offset > file_len - WPL_TRAILER_LEN ||
	    t->length != file_len - WPL_TRAILER_LEN - t->offset)
		return WPL_EBADTRAILER;
	return WPL_OK;
}

bool
wpl_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > WPL_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

int
wpl_verify(const uint8_t *file, uint64_t file_len, struct wpl_trailer *t,
           struct wpl_record rec[WPL_RECORDS_MAX], size_t *nrec)
{
	uint8_t digest[32];
	const uint8_t *p;
	uint64_t rem;
	int r;

	*nrec = 0;
	if (file_len < WPL_TRAILER_LEN)
		return WPL_ENOTRAILER;
	const uint8_t *tail = file + (file_len - WPL_TRAILER_LEN);
	if ((r = wpl_trailer_parse(tail, file_len, t)) != WPL_OK)
		return r;
	trailer_digest(file, t->offset + t->length, tail, digest);
	if (memcmp(digest, t->sha256, 32) != 0)
		return WPL_EDIGEST;

	/* Records: each header read only when all of it is there. */
	p = file + t->offset;
	rem = t->length;
	for (uint32_t i = 0; i < t->count; i++) {
		struct wpl_record *rc = &rec[i];
		uint32_t name_len;
		uint64_t dlen;

		if (rem < 16)
			return WPL_ERECORD;
		rc->type = get_u32le(p);
		name_len = get_u32le(p + 4);
		dlen = get_u64le(p + 8);
		p += 16, rem -= 16;
		if (rc->type < WPL_AGENT_MSI || rc->type > WPL_META || name_len > rem ||
		    !wpl_name_ok((const char *)p, name_len))
			return WPL_ERECORD;
		memcpy(rc->name, p, name_len);
		rc->name[name_len] = '\0';
		p += name_len, rem -= name_len;
		if (dlen > rem || (rc->type == WPL_META && dlen > WPL_META_MAX))
			return WPL_ERECORD;
		rc->data = p;
		rc->len = dlen;
		p += dlen, rem -= dlen;
	}
	if (rem != 0)
		return WPL_ERECORD;
	*nrec = t->count;
	return WPL_OK;
}

bool
wpl_meta_get(const uint8_t *meta, size_t len, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && meta[end] != '\n')
			end++;
		if (end - i > klen && memcmp(meta + i, key, klen) == 0 && meta[i + klen] == '=') {
			size_t vlen = end - (i + klen + 1);
			if (vlen >= outlen || memchr(meta + i + klen + 1, '\0', vlen) != NULL)
				return false;
			memcpy(out, meta + i + klen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		i = end + 1;
	}
	return false;
}

const char *
wpl_strerror(int err)
{
	switch (err) {
	case WPL_OK:
		return "ok";
	case WPL_ENOTRAILER:
		return "no payload trailer (not a Muster installer, or truncated)";
	case WPL_EBADTRAILER:
		return "payload trailer does not fit the file";
	case WPL_EDIGEST:
		return "payload SHA-256 mismatch (tampered or corrupt)";
	case WPL_ERECORD:
		return "malformed payload record";
	}
	return "unknown payload error";
}
