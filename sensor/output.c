/* output.c - render host records for people (table) and programs (JSON lines, CSV). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hostrec.h"
#include "common/muster.h"
#include "sensor/hosts.h"
#include "sensor/output.h"

void
output_begin(struct output *o, FILE *f, enum output_format fmt)
{
	o->f = f;
	o->fmt = fmt;
	o->rows = 0;
	if (fmt == OUTPUT_TABLE)
		fprintf(f, "%-17s  %-22s  %-15s  %-34s  %-28s  %s\n", "MAC", "VENDOR", "IPV4",
		        "NAMES", "OS", "SOURCES");
	else if (fmt == OUTPUT_CSV)
		fprintf(f, "mac,vendor,ipv4,ipv6,names,os_family,os_name,os_version,"
		           "os_confidence,os_source,services,first_seen,last_seen,sources\n");
}

void
output_csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	/* Cells starting with = + - @ are spreadsheet formulas: defuse them. */
	bool quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (s[0] && strchr("=+-@", s[0]))
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Join a string list with sep; "" when empty. Caller frees. */
static char *
join(char **v, size_t n, const char *sep)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < n; i++)
		if (buf_puts(&b, i ? sep : "") != 0 || buf_puts(&b, v[i]) != 0)
			break;
	if (b.data == NULL)
		return strdup("");
	return (char *)buf_steal(&b, NULL);
}

static char *
join_names(const struct hostrec *r, bool with_source)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < r->n_names; i++) {
		/* The table shows each distinct name once. */
		bool dup = false;
		for (size_t j = 0; j < i && !with_source; j++)
			dup |= strcasecmp(r->names[j].name, r->names[i].name) == 0;
		if (dup)
			continue;
		if (b.len)
			buf_puts(&b, with_source ? ";" : ", ");
		buf_puts(&b, r->names[i].name);
		if (with_source)
			buf_printf(&b, "(%s)", r->names[i].source);
	}
	if (b.data == NULL)
		return strdup("");
	return (char *)buf_steal(&b, NULL);
}

/* Cut a cell of len bytes to its column on a UTF-8 boundary, marking the cut; its new length. */
static size_t
fit_len(char *s, size_t len, size_t width)
{
	size_t n;

	if (len <= width)
		return len;
	n = width - 1;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	s[n] = '~';
	s[n + 1] = 0;
	return n + 1;
}

/* snprintf(dst, size, "%s", s): s cut to size - 1 bytes. */
static size_t
copy_cut(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
	return n;
}

/* Append s at dst[*n] (size bytes in all), cut as snprintf would. */
static void
append_cut(char *dst, size_t size, size_t *n, const char *s)
{
	*n += copy_cut(dst + *n, size - *n, s);
}

/* printf's "%d" of v into buf[12]; returns buf. */
static const char *
format_int(int v, char buf[12])
{
	char *p = buf + 11;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

	*p = 0;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}

/* The distinct names (ASCII case folded), ", "-joined, cut to size - 1 bytes; its length. */
static size_t
names_cell(const struct host_summary *r, char *dst, size_t size)
{
	size_t n = 0;

	dst[0] = 0;
	for (size_t i = 0; i < r->n_names && n < size - 1; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcasecmp(r->names[j], r->names[i]) == 0;
		if (dup)
			continue;
		if (n)
			append_cut(dst, size, &n, ", ");
		append_cut(dst, size, &n, r->names[i]);
	}
	return n;
}

/* A row assembled in memory and written with one fwrite (stdio formatting costs more). */
struct line {
	FILE *f;
	size_t n;
	char b[2048];
};

static void
line_put_slow(struct line *l, const char *s, size_t len)
{
	fwrite(l->b, 1, l->n, l->f);
	l->n = 0;
	if (len > sizeof(l->b)) {
		fwrite(s, 1, len, l->f);
		return;
	}
	memcpy(l->b, s, len);
	l->n = len;
}

static inline void
line_put(struct line *l, const char *s, size_t len)
{
	if (l->n + len > sizeof(l->b)) {
		line_put_slow(l, s, len);
		return;
	}
	memcpy(l->b + l->n, s, len);
	l->n += len;
}

/* Room a row needs in the line after its MAC cell: every cell up to SOURCES is bounded. */
#define ROW_CELLS_ROOM 640

/*
 * Close the cell that began at start and ends at p: spaces up to width
 * bytes, then the two-space gap; where the next cell begins. Writes 36
 * spaces whatever the cell's length (one fixed-size copy), so p needs that
 * much room after it.
 */
static inline char *
cell_end(char *start, char *p, size_t width)
{
	static const char spaces[36] = "                                    ";
	size_t len = (size_t)(p - start);

	memcpy(p, spaces, sizeof(spaces));
	return start + (len < width ? width : len) + 2;
}

/* s as copy_cut() to a 64-byte buffer and fit_len() to width (< 63) leave it, at p; its end. */
static inline char *
cell_text(char *p, const char *s, size_t width)
{
	size_t n = strnlen(s, width + 1);

	memcpy(p, s, n);
	return p + fit_len(p, n, width);
}

static int
table_row(struct output *o, const struct host_summary *r)
{
	char num[12];
	const char *mac = r->mac && r->mac[0] ? r->mac : "-", *v4;
	struct line l; /* not zeroed: 2 KiB a row for nothing */
	char *p, *c;
	size_t n;

	l.f = o->f;
	l.n = 0;
	n = strlen(mac);
	if (n > sizeof(l.b) - ROW_CELLS_ROOM) { /* a MAC text that long: not from a host */
		fwrite(mac, 1, n, l.f);
		memcpy(l.b, "  ", 2);
		c = l.b + 2;
	} else {
		memcpy(l.b, mac, n);
		c = cell_end(l.b, l.b + n, 17);
	}

	p = cell_text(c, r->vendor ? r->vendor : r->mac_local ? "(local/random)" : "-", 22);
	c = cell_end(c, p, 22);

	v4 = r->n_ipv4 && r->ipv4 ? r->ipv4 : "-";
	n = strnlen(v4, 63);
	memcpy(c, v4, n);
	if (r->n_ipv4 > 1 && n < 63)
		c[n++] = '+';
	c = cell_end(c, c + n, 15);

	/* Names: built in place (up to 255 bytes, the line has room), then cut to the column. */
	if ((n = names_cell(r, c, 256)) == 0)
		n = copy_cut(c, 256, "-");
	c = cell_end(c, c + fit_len(c, n, 34), 34);

	if (r->os_name || r->os_family) {
		n = copy_cut(c, 96, r->os_name ? r->os_name : r->os_family);
		append_cut(c, 96, &n, " (");
		append_cut(c, 96, &n, format_int(r->os_confidence, num));
		append_cut(c, 96, &n, "%)");
	} else {
		n = copy_cut(c, 96, "-");
	}
	c = cell_end(c, c + fit_len(c, n, 28), 28);

	l.n = (size_t)(c - l.b);
	for (size_t i = 0; i < r->n_sources; i++) {
		if (i)
			line_put(&l, ",", 1);
		line_put(&l, r->sources[i], strlen(r->sources[i]));
	}
	line_put(&l, "\n", 1);
	fwrite_unlocked(l.b, 1, l.n, l.f);
	return 0;
}

/* A record's summary (pointers into it). */
static void
summary_of(const struct hostrec *r, struct host_summary *s)
{
	s->mac = r->mac;
	s->vendor = r->vendor;
	s->mac_local = r->mac_local;
	s->ipv4 = r->n_ipv4 ? r->ipv4[0] : NULL;
	s->n_ipv4 = r->n_ipv4;
	s->n_names = 0;
	for (size_t i = 0; i < r->n_names && i < HOST_SUMMARY_NAMES; i++)
		s->names[s->n_names++] = r->names[i].name;
	s->os_name = r->os.name;
	s->os_family = r->os.family;
	s->os_confidence = r->os.confidence;
	s->n_sources = 0;
	for (size_t i = 0; i < r->n_sources && i < HOST_SUMMARY_SOURCES; i++)
		s->sources[s->n_sources++] = r->sources[i];
}

static int
csv_row(struct output *o, const struct hostrec *r)
{
	char *v4 = join(r->ipv4, r->n_ipv4, " "), *v6 = join(r->ipv6, r->n_ipv6, " ");
	char *names = join_names(r, true), *srcs = join(r->sources, r->n_sources, " ");
	char t1[21] = "", t2[21] = "", conf[8] = "";
	struct buf svc;
	FILE *f = o->f;
	int rc = 0;

	buf_init(&svc, 1 << 16);
	for (size_t i = 0; i < r->n_services; i++)
		buf_printf(&svc, "%s%s/%u", i ? " " : "", r->services[i].proto,
		           r->services[i].port);
	if (!v4 || !v6 || !names || !srcs) {
		rc = MUSTER_ENOMEM;
		goto out;
	}
	if (r->first_seen)
		hostrec_format_time(r->first_seen, t1);
	if (r->last_seen)
		hostrec_format_time(r->last_seen, t2);
	if (r->os.family || r->os.name)
		snprintf(conf, sizeof(conf), "%d", r->os.confidence);
	const char *cells[] = {
	        r->mac,     r->vendor,     v4,   v6,           names,          r->os.family,
	        r->os.name, r->os.version, conf, r->os.source, buf_cstr(&svc), t1,
	        t2,         srcs};
	for (size_t i = 0; i < MUSTER_NELEM(cells); i++) {
		if (i)
			fputc(',', f);
		output_csv_field(f, cells[i]);
	}
	fputc('\n', f);
out:
	free(v4);
	free(v6);
	free(names);
	free(srcs);
	buf_free(&svc);
	return rc;
}

int
output_host(struct output *o, const struct hostrec *r)
{
	char *json;
	int rc = 0;

	switch (o->fmt) {
	case OUTPUT_TABLE: {
		struct host_summary sum;
		summary_of(r, &sum);
		rc = table_row(o, &sum);
		break;
	}
	case OUTPUT_CSV:
		rc = csv_row(o, r);
		break;
	case OUTPUT_JSON:
		if ((json = hostrec_to_json_string(r)) == NULL)
			return MUSTER_ENOMEM;
		fprintf(o->f, "%s\n", json);
		free(json);
		break;
	}
	if (rc == 0)
		o->rows++;
	if (ferror(o->f))
		return MUSTER_EIO;
	return rc;
}

int
output_summary(struct output *o, const struct host_summary *s)
{
	if (o->fmt != OUTPUT_TABLE)
		return MUSTER_EINVAL;
	table_row(o, s);
	o->rows++;
	return ferror(o->f) ? MUSTER_EIO : 0;
}

bool
output_brief(const struct output *o)
{
	return o->fmt == OUTPUT_TABLE;
}

void
output_end(struct output *o)
{
	if (o->fmt == OUTPUT_TABLE)
		fprintf(o->f, "%u host%s\n", o->rows, o->rows == 1 ? "" : "s");
	fflush(o->f);
}
