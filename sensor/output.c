/* output.c - render host records for people (table) and programs (JSON lines, CSV). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hostrec.h"
#include "common/muster.h"
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

static void
fit(char *s, size_t width)
{
	/* Cut a cell to its column on a UTF-8 boundary, marking the cut. */
	if (strlen(s) <= width)
		return;
	size_t n = width - 1;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	s[n] = '~';
	s[n + 1] = 0;
}

static int
table_row(struct output *o, const struct hostrec *r)
{
	char *names = join_names(r, false), *srcs = join(r->sources, r->n_sources, ",");
	char vendor[64], ipv4[64], os[96], namecol[256];

	if (names == NULL || srcs == NULL) {
		free(names);
		free(srcs);
		return MUSTER_ENOMEM;
	}
	snprintf(vendor, sizeof(vendor), "%s",
	         r->vendor      ? r->vendor
	         : r->mac_local ? "(local/random)"
	                        : "-");
	fit(vendor, 22);
	snprintf(ipv4, sizeof(ipv4), "%s%s", r->n_ipv4 ? r->ipv4[0] : "-",
	         r->n_ipv4 > 1 ? "+" : "");
	if (r->os.name || r->os.family)
		snprintf(os, sizeof(os), "%s (%d%%)", r->os.name ? r->os.name : r->os.family,
		         r->os.confidence);
	else
		snprintf(os, sizeof(os), "-");
	fit(os, 28);
	snprintf(namecol, sizeof(namecol), "%s", names[0] ? names : "-");
	fit(namecol, 34);
	fprintf(o->f, "%-17s  %-22s  %-15s  %-34s  %-28s  %s\n", r->mac[0] ? r->mac : "-", vendor,
	        ipv4, namecol, os, srcs);
	free(names);
	free(srcs);
	return 0;
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
	case OUTPUT_TABLE:
		rc = table_row(o, r);
		break;
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

void
output_end(struct output *o)
{
	if (o->fmt == OUTPUT_TABLE)
		fprintf(o->f, "%u host%s\n", o->rows, o->rows == 1 ? "" : "s");
	fflush(o->f);
}
