/* installer-builder/win/payload.h: the payload appended to the Windows
 * all-in-one bootstrapper (muster-bootstrap.exe), FIPS 180-4 SHA-256.
 *
 * Portable C17 with no I/O: the same file is cross-compiled into the .exe
 * (mingw-w64) and compiled natively for the builder, the verify tool and the
 * tests, so the check the target runs is the check the tests run.
 *
 * Layout of an installer .exe:
 *
 *	[ muster-bootstrap.exe ][ payload ][ trailer, 64 bytes ]
 *
 * payload := record*; record := u32le type, u32le name_len, u64le data_len,
 * name (name_len bytes, [A-Za-z0-9._-], no leading dot), data.
 *
 * trailer := "MUSTRWPL", u32le version (1), u32le record count,
 * u64le payload offset (from the start of the file), u64le payload length,
 * SHA-256 (32 bytes) of everything before the trailer - the bootstrapper's
 * own code and the payload - followed by the trailer's first 32 bytes.
 */
#ifndef MUSTER_WIN_PAYLOAD_H
#define MUSTER_WIN_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WPL_MAGIC       "MUSTRWPL"
#define WPL_MAGIC_LEN   8
#define WPL_VERSION     1
#define WPL_TRAILER_LEN 64
#define WPL_NAME_MAX    64
#define WPL_RECORDS_MAX 16
#define WPL_META_MAX    4096

/* Record types. Unknown types make the payload invalid. */
enum wpl_type {
	WPL_AGENT_MSI = 1,   /* installed first */
	WPL_PRODUCT_MSI = 2, /* installed second, optional */
	WPL_CONFIG = 3,      /* written to %ProgramData%\Muster\<name> */
	WPL_SCRIPT = 4,      /* enroll.ps1, run after the MSIs */
	WPL_META = 5,        /* "key=value\n" lines: installer_id, expires, arch, group */
};

struct sha256_ctx {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[32]);

struct wpl_trailer {
	uint32_t version;
	uint32_t count;
	uint64_t offset;
	uint64_t length;
	uint8_t sha256[32];
};

/* One record, pointing into the payload bytes it was parsed from. */
struct wpl_record {
	uint32_t type;
	char name[WPL_NAME_MAX + 1];
	const uint8_t *data;
	uint64_t len;
};

enum wpl_err {
	WPL_OK = 0,
	WPL_ENOTRAILER = -1,  /* no trailer: not an installer, or truncated */
	WPL_EBADTRAILER = -2, /* version, offset or length do not fit the file */
	WPL_EDIGEST = -3,     /* SHA-256 mismatch: tampered or corrupt */
	WPL_ERECORD = -4,     /* a record is malformed or of unknown type */
};

/* Serialise a trailer into out (WPL_TRAILER_LEN bytes); the digest is
 * computed here over payload (len bytes) and the trailer head. */
void wpl_trailer_write(uint8_t out[WPL_TRAILER_LEN], uint32_t count, uint64_t offset,
                       const uint8_t *payload, uint64_t len);

/* The same for a payload hashed as it was written: ctx holds the SHA-256
 * state over the len payload bytes (it is finished here). */
void wpl_trailer_finish(uint8_t out[WPL_TRAILER_LEN], uint32_t count, uint64_t offset, uint64_t len,
                        struct sha256_ctx *ctx);

/* Parse the trailer at the end of file bytes [0, file_len) (only the last
 * WPL_TRAILER_LEN bytes are read, from tail) and check it fits the file. */
int wpl_trailer_parse(const uint8_t tail[WPL_TRAILER_LEN], uint64_t file_len,
                      struct wpl_trailer *t);

/* Verify the whole file image (mapped or read): trailer, digest, records.
 * On success fills rec[0..*nrec) (at most WPL_RECORDS_MAX). Nothing is
 * trusted before the digest matches. Returns WPL_OK or a wpl_err. */
int wpl_verify(const uint8_t *file, uint64_t file_len, struct wpl_trailer *t,
               struct wpl_record rec[WPL_RECORDS_MAX], size_t *nrec);

/* Find key in META bytes ("k=v\n" lines); copy its value into out.
 * false when absent, malformed or longer than outlen - 1. */
bool wpl_meta_get(const uint8_t *meta, size_t len, const char *key, char *out, size_t outlen);

/* true when name is a safe file name: 1..WPL_NAME_MAX bytes of
 * [A-Za-z0-9._-], not starting with '.'. */
bool wpl_name_ok(const char *name, size_t len);

/* A static English message for a wpl_err. */
const char *wpl_strerror(int err);

/* Little-endian stores, for the writer. */
void wpl_put_u32(uint8_t *p, uint32_t v);
void wpl_put_u64(uint8_t *p, uint64_t v);

#endif
