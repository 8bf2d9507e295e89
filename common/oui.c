/*
 * oui.c - MAC vendor lookup from the IEEE Registration Authority listings
 * (MA-L, MA-M, MA-S, IAB) as Debian's ieee-data ships them: CSV (RFC 4180)
 * "Registry,Assignment,Organization Name,Organization Address".
 *
 * Each prefix length has one sorted array of uint64_t entries, the prefix in
 * the high bits and the offset of the vendor name in one string pool in the
 * low OFF_BITS, so an entry is 8 bytes and equal names are stored once.
 */
#include "common/oui.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/muster.h"
#include "common/text.h"

#define OUI_FILE_MAX    (64u << 20) /* the real oui.csv is about 3 MB */
#define OUI_RECORD_MAX  4096        /* a longer record is malformed (runaway quote) */
#define OUI_ENTRIES_MAX (1u << 22)  /* per prefix length */
#define OFF_BITS        28
#define OFF_MASK        ((UINT64_C(1) << OFF_BITS) - 1)
#define POOL_MAX        ((size_t)1 << OFF_BITS)

/* Records keep only their first three fields; the address is not needed. */
#define CSV_FIELDS    3
#define CSV_FIELD_MAX 512

enum { T24, T28, T36, NTABLES };

struct oui_table {
	uint64_t *v; /* prefix << OFF_BITS | pool offset, sorted */
	size_t n, cap;
	/*
	 * A first-level index over the top ibits of the prefix: the entries
	 * starting with top bits b are v[first[b] .. first[b+1]), so a lookup
	 * searches a few entries, and none when no prefix starts that way
	 * (most MACs for the MA-M and MA-S tables). NULL: search all of v.
	 */
	uint32_t *first;
	unsigned ibits;
};

/* The prefix length of each table's keys, and the most bits its index takes. */
static const unsigned key_bits[NTABLES] = {[T24] = 24, [T28] = 28, [T36] = 36};
#define INDEX_BITS_MAX 16

struct oui_db {
	struct oui_table t[NTABLES];
	char *pool;
	size_t pool_len, pool_cap;
	size_t malformed, duplicates;
	/* Load time only: open-addressing set of pool offsets + 1 (0 = empty). */
	uint32_t *names;
	size_t names_n, names_cap;
};

struct csv_rec {
	size_t nfields;
	size_t len[CSV_FIELDS];
	char f[CSV_FIELDS][CSV_FIELD_MAX];
};

enum csv_result { CSV_OK, CSV_BLANK, CSV_BAD };

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
csv_put(struct csv_rec *rec, size_t fi, uint8_t c)
{
	if (fi < CSV_FIELDS && rec->len[fi] < CSV_FIELD_MAX - 1)
		rec->f[fi][rec->len[fi]++] = (char)c;
}

/* csv_put() of each of the n bytes at p. */
static void
csv_put_run(struct csv_rec *rec, size_t fi, const uint8_t *p, size_t n)
{
	size_t room;

	if (fi >= CSV_FIELDS)
		return;
	room = CSV_FIELD_MAX - 1 - rec->len[fi];
	if (n > room)
		n = room;
	memcpy(rec->f[fi] + rec->len[fi], p, n);
	rec->len[fi] += n;
}

/* The bytes that end a run of plain bytes in an unquoted field. */
static const uint8_t csv_stop[256] = {[','] = 1, ['\n'] = 1, ['"'] = 1};

/* The first position from i on (len if none) holding a csv_stop byte: 16 bytes a step with SSE2. */
static size_t
csv_field_end(const uint8_t *d, size_t len, size_t i)
{
#if defined(__SSE2__)
	const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'),
	              quote = _mm_set1_epi8('"');

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
		                     _mm_cmpeq_epi8(v, quote)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < len && !csv_stop[d[i]])
		i++;
	return i;
}

/*
 * Parse one record starting at *pos into rec (fields NUL-terminated,
 * truncated to CSV_FIELD_MAX - 1 bytes). A quoted field may hold commas,
 * doubled quotes and line breaks (the address fields do). A record ends at LF
 * or CRLF outside quotes. On CSV_BAD (unterminated quote, text after a closing
 * quote, a quote inside an unquoted field, a record over OUI_RECORD_MAX) *pos
 * moves to the line after the record's first one, so one bad line costs one
 * line.
 */
static enum csv_result
csv_next(const uint8_t *d, size_t len, size_t *pos, struct csv_rec *rec)
{
	size_t i = *pos, start = *pos, fi, lim, end;
	const uint8_t *nl, *q;

	rec->nfields = 0;
	memset(rec->len, 0, sizeof(rec->len));
	if (d[i] == '\n' || (d[i] == '\r' && i + 1 < len && d[i + 1] == '\n')) {
		*pos = i + (d[i] == '\n' ? 1 : 2);
		return CSV_BLANK;
	}
	/* A byte the record reaches at lim or beyond makes it too long. */
	lim = len - start > OUI_RECORD_MAX ? start + OUI_RECORD_MAX + 1 : len;
	for (;;) {
		fi = rec->nfields++;
		if (i < len && d[i] == '"') {
			/* Runs up to each quote are copied whole; "" is one quote. */
			for (i++;;) {
				if (i >= lim || (q = memchr(d + i, '"', lim - i)) == NULL)
					goto bad;
				csv_put_run(rec, fi, d + i, (size_t)(q - d) - i);
				i = (size_t)(q - d);
				if (i + 1 < len && d[i + 1] == '"') {
					csv_put(rec, fi, '"');
					i += 2;
					continue;
				}
				break;
			}
			i++; /* the closing quote */
		} else {
			end = csv_field_end(d, len, i);
			if ((end < len && d[end] == '"') ||
			    (end > i && end - start > OUI_RECORD_MAX + 1))
				goto bad;
			csv_put_run(rec, fi, d + i, end - i);
			i = end;
			/* The CR of a CRLF belongs to no field. */
			if (fi < CSV_FIELDS && rec->len[fi] > 0 &&
			    rec->f[fi][rec->len[fi] - 1] == '\r')
				rec->len[fi]--;
		}
		if (i >= len) {
			*pos = len;
			break;
		}
		if (d[i] == ',') {
			i++;
			continue;
		}
		if (d[i] == '\r' && (i + 1 == len || d[i + 1] == '\n'))
			i++; /* CRLF, or a CR ending the file */
		if (i < len && d[i] != '\n')
			goto bad;
		*pos = i < len ? i + 1 : len;
		break;
	}
	for (size_t k = 0; k < CSV_FIELDS; k++)
		rec->f[k][rec->len[k]] = '\0';
	return CSV_OK;
bad:
	nl = memchr(d + start, '\n', len - start);
	*pos = nl ? (size_t)(nl - d) + 1 : len;
	return CSV_BAD;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t
utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < need; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return need;
}

/*
 * Whether the name at s comes out of sanitize_name() as it is: it fits,
 * and holds only printable ASCII other than the backslash, with single
 * spaces between words (most names in the registry).
 */
static bool
name_is_clean(const uint8_t *s, size_t n)
{
	if (n == 0 || n > OUI_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c > 0x20 && c < 0x7f && c != '\\')
			continue;
		if (c != ' ' || s[i + 1] == ' ')
			return false; /* s[n - 1] is not a space, so s[i + 1] is in the name */
	}
	return true;
}

/*
 * Make a vendor name safe into out[OUI_NAME_MAX + 1]: control characters (C0,
 * DEL, C1) become spaces, runs of spaces one, leading and trailing spaces go;
 * then text_sanitize() escapes invalid UTF-8 and backslashes and cuts at a
 * character boundary.
 */
static size_t
sanitize_name(const char *in, size_t n, char *out)
{
	const uint8_t *s = (const uint8_t *)in;
	char tmp[CSV_FIELD_MAX];
	size_t o = 0, i = 0, k;
	bool space = false;

	if (name_is_clean(s, n)) {
		memcpy(out, in, n);
		out[n] = '\0';
		return n;
	}
	while (i < n && o < sizeof(tmp)) {
		if (s[i] > 0x20 && s[i] < 0x7f) {
			/* Printable ASCII other than space, most of any name: as below, quicker. */
			if (o + (space && o > 0) + 1 > sizeof(tmp))
				break;
			if (space && o > 0)
				tmp[o++] = ' ';
			space = false;
			tmp[o++] = (char)s[i++];
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (k == 1 && (s[i] < 0x20 || s[i] == 0x7f || s[i] == ' ')) {
			space = true;
			i++;
			continue;
		}
		if (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) { /* U+0080..U+009F */
			space = true;
			i += 2;
			continue;
		}
		if (k == 0)
			k = 1; /* an invalid byte: text_sanitize() escapes it */
		if (o + (space && o > 0) + k > sizeof(tmp))
			break;
		if (space && o > 0)
			tmp[o++] = ' ';
		space = false;
		memcpy(tmp + o, s + i, k);
		o += k;
		i += k;
	}
	o = text_sanitize(tmp, o, out, OUI_NAME_MAX + 1);
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0'; /* a cut may end on a space */
	return o;
}

static uint32_t
name_hash(const char *s)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	size_t len = strlen(s), i = 0;
	uint64_t x = len, w;

	/* Eight bytes a step, then a final mix: the set indexes by the low bits. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		x = (x ^ w) * k;
		x ^= x >> 29;
	}
	for (w = 0; i < len; i++)
		w = w << 8 | (uint8_t)s[i];
	x = (x ^ w) * k;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static int
names_grow(struct oui_db *db)
{
	size_t cap = db->names_cap ? db->names_cap * 2 : 4096;
	uint32_t *n = calloc(cap, sizeof(*n));

	if (n == NULL)
		return MUSTER_ENOMEM;
	for (size_t i = 0; i < db->names_cap; i++) {
		uint32_t v = db->names[i];
		size_t j;

		if (v == 0)
			continue;
		j = name_hash(db->pool + v - 1) & (cap - 1);
		while (n[j] != 0)
			j = (j + 1) & (cap - 1);
		n[j] = v;
	}
	free(db->names);
	db->names = n;
	db->names_cap = cap;
	return 0;
}

/* The pool offset of name (len bytes), added once. */
static int
pool_intern(struct oui_db *db, const char *name, size_t len, uint32_t *off)
{
	size_t j;
	int r;

	if (db->names_n * 2 >= db->names_cap && (r = names_grow(db)) != 0)
		return r;
	j = name_hash(name) & (db->names_cap - 1);
	for (; db->names[j] != 0; j = (j + 1) & (db->names_cap - 1)) {
		if (strcmp(db->pool + db->names[j] - 1, name) == 0) {
			*off = db->names[j] - 1;
			return 0;
		}
	}
	if (db->pool_len + len + 1 > db->pool_cap) {
		size_t cap = db->pool_cap ? db->pool_cap * 2 : 65536;
		char *p;

		while (cap < db->pool_len + len + 1)
			cap *= 2;
		if (cap > POOL_MAX)
			cap = POOL_MAX;
		if (db->pool_len + len + 1 > cap)
			return MUSTER_ETOOBIG;
		if ((p = realloc(db->pool, cap)) == NULL)
			return MUSTER_ENOMEM;
		db->pool = p;
		db->pool_cap = cap;
	}
	*off = (uint32_t)db->pool_len;
	memcpy(db->pool + db->pool_len, name, len + 1);
	db->pool_len += len + 1;
	db->names[j] = *off + 1;
	db->names_n++;
	return 0;
}

static int
table_push(struct oui_table *t, uint64_t v)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint64_t *p;

		if (t->n >= OUI_ENTRIES_MAX)
			return MUSTER_ETOOBIG;
		if ((p = realloc(t->v, cap * sizeof(*p))) == NULL)
			return MUSTER_ENOMEM;
		t->v = p;
		t->cap = cap;
	}
	t->v[t->n++] = v;
	return 0;
}

/* Exactly ndigits hex digits. */
static bool
parse_hex(const char *s, size_t len, size_t ndigits, uint64_t *out)
{
	uint64_t v = 0;

	if (len != ndigits)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int h;

		if (c >= '0' && c <= '9')
			h = c - '0';
		else if (c >= 'a' && c <= 'f')
			h = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			h = c - 'A' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)h;
	}
	*out = v;
	return true;
}

/* Add one parsed record; a malformed one is counted, not an error. */
static int
add_record(struct oui_db *db, const struct csv_rec *rec)
{
	static const struct {
		const char *name;
		int table;
		size_t digits;
	} regs[] = {{"MA-L", T24, 6}, {"MA-M", T28, 7}, {"MA-S", T36, 9}, {"IAB", T36, 9}};
	char name[OUI_NAME_MAX + 1];
	uint64_t key;
	uint32_t off;
	size_t i, nlen;
	int r;

	if (rec->nfields < CSV_FIELDS)
		goto malformed;
	if (strcasecmp(rec->f[0], "Registry") == 0)
		return 0; /* the header line */
	for (i = 0; i < MUSTER_NELEM(regs); i++)
		if (strcmp(rec->f[0], regs[i].name) == 0)
			break;
	if (i == MUSTER_NELEM(regs) || !parse_hex(rec->f[1], rec->len[1], regs[i].digits, &key))
		goto malformed;
	if ((nlen = sanitize_name(rec->f[2], rec->len[2], name)) == 0)
		goto malformed;
	if ((r = pool_intern(db, name, nlen, &off)) != 0)
		return r;
	return table_push(&db->t[regs[i].table], key << OFF_BITS | off);
malformed:
	db->malformed++;
	return 0;
}

static int
parse_buffer(struct oui_db *db, const uint8_t *d, size_t len)
{
	struct csv_rec *rec;
	size_t pos = 0;
	int r = 0;

	if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* UTF-8 byte order mark */
	if ((rec = malloc(sizeof(*rec))) == NULL)
		return MUSTER_ENOMEM;
	while (pos < len) {
		switch (csv_next(d, len, &pos, rec)) {
		case CSV_OK:
			r = add_record(db, rec);
			break;
		case CSV_BAD:
			db->malformed++;
			break;
		case CSV_BLANK:
			break;
		}
		if (r != 0)
			break;
	}
	free(rec);
	return r;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort v[0..n) ascending: a byte-wise radix sort, or qsort() when no scratch memory is had. */
static void
sort_u64(uint64_t *v, size_t n)
{
	uint64_t *tmp = malloc(n * sizeof(*tmp)), *src = v, *dst = tmp;

	if (tmp == NULL) {
		qsort(v, n, sizeof(*v), cmp_u64);
		return;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		if (count[((src[0] >> shift) & 0xff) + 1] == n)
			continue; /* every key has the same byte here */
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

/* Build t's first-level index (left out when memory runs out: lookups search all of v). */
static void
index_build(struct oui_table *t, unsigned kbits)
{
	unsigned bits = 1;
	uint32_t *f;
	size_t b = 0;

	while (bits < INDEX_BITS_MAX && ((size_t)1 << bits) < t->n)
		bits++;
	if ((f = malloc((((size_t)1 << bits) + 1) * sizeof(*f))) == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		size_t top = (size_t)((t->v[i] >> OFF_BITS) >> (kbits - bits));
		while (b <= top)
			f[b++] = (uint32_t)i;
	}
	while (b <= ((size_t)1 << bits))
		f[b++] = (uint32_t)t->n;
	t->first = f;
	t->ibits = bits;
}

/* Sort, drop repeated prefixes, give back spare memory, forget the name set. */
static void
finish(struct oui_db *db)
{
	for (int k = 0; k < NTABLES; k++) {
		struct oui_table *t = &db->t[k];
		size_t o = 0;

		if (t->n == 0)
			continue;
		sort_u64(t->v, t->n);
		for (size_t i = 0; i < t->n; i++) {
			if (o > 0 && (t->v[o - 1] >> OFF_BITS) == (t->v[i] >> OFF_BITS)) {
				db->duplicates++;
				continue;
			}
			t->v[o++] = t->v[i];
		}
		t->n = o;
		if (t->n < t->cap) {
			uint64_t *p = realloc(t->v, t->n * sizeof(*p));

			if (p != NULL) {
				t->v = p;
				t->cap = t->n;
			}
		}
		index_build(t, key_bits[k]);
	}
	if (db->pool_len > 0 && db->pool_len < db->pool_cap) {
		char *p = realloc(db->pool, db->pool_len);

		if (p != NULL) {
			db->pool = p;
			db->pool_cap = db->pool_len;
		}
	}
	free(db->names);
	db->names = NULL;
	db->names_n = db->names_cap = 0;
}

/* Read a whole file into *out (free() it). 0, MUSTER_ENOENT, EIO, ETOOBIG or ENOMEM. */
static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t len, got = 0;
	int fd, r;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? MUSTER_ENOENT : MUSTER_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = MUSTER_EIO;
		goto out_close;
	}
	if ((uint64_t)st.st_size > OUI_FILE_MAX) {
		r = MUSTER_ETOOBIG;
		goto out_close;
	}
	len = (size_t)st.st_size;
	if ((data = malloc(len ? len : 1)) == NULL) {
		r = MUSTER_ENOMEM;
		goto out_close;
	}
	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = MUSTER_EIO;
			goto out_free;
		}
		if (n == 0)
			break; /* a file that shrank is read as far as it goes */
		got += (size_t)n;
	}
	*out = data;
	*outlen = got;
	data = NULL;
	r = 0;
out_free:
	free(data);
out_close:
	close(fd);
	return r;
}

static struct oui_db *
db_new(void)
{
	return calloc(1, sizeof(struct oui_db));
}

/* Parse one file into db; ENOENT is returned to the caller to decide. */
static int
load_path(struct oui_db *db, const char *path, char *err, size_t errlen)
{
	uint8_t *data;
	size_t len;
	int r;

	if ((r = read_file(path, &data, &len)) != 0) {
		if (r == MUSTER_EIO)
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		else
			set_err(err, errlen, "%s: %s", path, muster_strerror(r));
		return r;
	}
	if ((r = parse_buffer(db, data, len)) != 0)
		set_err(err, errlen, "%s: %s", path, muster_strerror(r));
	free(data);
	return r;
}

struct oui_db *
oui_load_files(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
	struct oui_db *db;

	if ((db = db_new()) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < npaths; i++) {
		if (load_path(db, paths[i], err, errlen) != 0) {
			oui_free(db);
			return NULL;
		}
	}
	finish(db);
	return db;
}

struct oui_db *
oui_load(const char *dir, char *err, size_t errlen)
{
	static const char *const files[] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};
	struct oui_db *db;
	char path[4096];
	int n, r;

	if (dir == NULL)
		dir = OUI_DEFAULT_DIR;
	if ((db = db_new()) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < MUSTER_NELEM(files); i++) {
		n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			set_err(err, errlen, "%s: path too long", dir);
			goto fail;
		}
		r = load_path(db, path, err, errlen);
		if (r == MUSTER_ENOENT && i > 0)
			continue; /* only oui.csv is required */
		if (r != 0)
			goto fail;
	}
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	finish(db);
	return db;
fail:
	oui_free(db);
	return NULL;
}

struct oui_db *
oui_load_buffer(const void *data, size_t len, char *err, size_t errlen)
{
	struct oui_db *db;
	int r;

	if ((db = db_new()) == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (len > OUI_FILE_MAX)
		r = MUSTER_ETOOBIG;
	else
		r = data ? parse_buffer(db, data, len) : 0;
	if (r != 0) {
		set_err(err, errlen, "buffer: %s", muster_strerror(r));
		oui_free(db);
		return NULL;
	}
	finish(db);
	return db;
}

void
oui_free(struct oui_db *db)
{
	if (db == NULL)
		return;
	for (int k = 0; k < NTABLES; k++) {
		free(db->t[k].v);
		free(db->t[k].first);
	}
	free(db->pool);
	free(db->names);
	free(db);
}

static const char *
table_find(const struct oui_db *db, const struct oui_table *t, unsigned kbits, uint64_t key)
{
	size_t lo = 0, hi = t->n;

	if (t->first) {
		size_t top = (size_t)(key >> (kbits - t->ibits));
		lo = t->first[top];
		hi = t->first[top + 1];
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((t->v[mid] >> OFF_BITS) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && (t->v[lo] >> OFF_BITS) == key)
		return db->pool + (t->v[lo] & OFF_MASK);
	return NULL;
}

const char *
oui_lookup(const struct oui_db *db, const struct mac *m)
{
	uint64_t v;
	const char *name;

	if (db == NULL || net_mac_is_multicast(m) || net_mac_is_local(m))
		return NULL;
	v = net_mac_u64(m);
	if ((name = table_find(db, &db->t[T36], 36, v >> 12)) != NULL)
		return name;
	if ((name = table_find(db, &db->t[T28], 28, v >> 20)) != NULL)
		return name;
	return table_find(db, &db->t[T24], 24, v >> 24);
}

void
oui_get_stats(const struct oui_db *db, struct oui_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return;
	out->entries24 = db->t[T24].n;
	out->entries28 = db->t[T28].n;
	out->entries36 = db->t[T36].n;
	out->malformed = db->malformed;
	out->duplicates = db->duplicates;
	out->pool_bytes = db->pool_len;
}
