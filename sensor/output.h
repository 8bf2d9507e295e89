/* output.h - host records as a terminal table, JSON lines or CSV. */
#ifndef MUSTER_SENSOR_OUTPUT_H
#define MUSTER_SENSOR_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct hostrec;
struct host_summary;

enum output_format { OUTPUT_TABLE, OUTPUT_JSON, OUTPUT_CSV };

struct output {
	FILE *f;
	enum output_format fmt;
	unsigned rows;
};

/* Start output (prints the table or CSV header). */
void output_begin(struct output *o, FILE *f, enum output_format fmt);
/* One host. 0, or MUSTER_ENOMEM/MUSTER_EIO. */
int output_host(struct output *o, const struct hostrec *r);
/*
 * True when the format shows only a summary of a host (the table: MAC,
 * vendor, IPv4, names, OS, sources): output_summary() prints it.
 */
bool output_brief(const struct output *o);
/* One host from its summary (host_summarize); brief formats only, else MUSTER_EINVAL. */
int output_summary(struct output *o, const struct host_summary *s);
/* Finish (the table's footer line). */
void output_end(struct output *o);

/* Quote a field for CSV (RFC 4180) into f. */
void output_csv_field(FILE *f, const char *s);

#endif
