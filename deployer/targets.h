/*
 * targets.h - the hosts muster-deploy works on: read from a file (one host
 * a line, CSV with a header, host-record JSON lines, an Ansible INI
 * inventory), a CIDR block, or the server's list of unmanaged computers;
 * filtered by OS family and de-duplicated.
 */
#ifndef MUSTER_DEPLOY_TARGETS_H
#define MUSTER_DEPLOY_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_HOST_MAX    254 /* a DNS name (253) or an address */
#define TARGET_USER_MAX    33
#define TARGET_OS_MAX      16
#define TARGET_NAME_MAX    128
#define TARGETS_MAX        100000 /* hosts in one run */
#define TARGETS_CIDR_MAX   65536  /* hosts one CIDR line may expand to */
#define TARGETS_ERRORS_MAX 20     /* messages kept; all are counted */
#define TARGETS_LINE_MAX   8192

/* One host to deploy to. Strings are NUL-terminated and safe to log. */
struct target {
	char host[TARGET_HOST_MAX + 1]; /* IPv4, IPv6 (no brackets) or a DNS name */
	uint16_t port;                  /* 0: the method's default (22 for ssh) */
	char user[TARGET_USER_MAX];     /* "" : --user */
	char os_family[TARGET_OS_MAX];  /* "linux", "macos", ... or "" when unknown */
	char name[TARGET_NAME_MAX];     /* a display name (inventory alias, host name) or "" */
};

struct target_list {
	struct target *v;
	size_t n, cap;
	size_t over; /* hosts given beyond TARGETS_MAX: counted, not kept */
};

/* Problems found while reading: every bad line is counted, the first few kept as text. */
struct targets_diag {
	size_t n_errors;
	char errors[TARGETS_ERRORS_MAX][160]; /* "FILE:LINE: why" */
};

enum targets_format {
	TARGETS_AUTO = 0, /* decided from the content, see targets_parse() */
	TARGETS_LINES,    /* host, host:port, user@host:port, [v6]:port, CIDR, or a JSON line */
	TARGETS_CSV,      /* a header naming host (or ip/address), port, user, os, name */
	TARGETS_JSONL,    /* host records (muster-sensor --json, GET /computers?format=jsonl) */
	TARGETS_ANSIBLE,  /* an Ansible INI inventory */
};

/*
 * Parse data[0..len) and append its hosts to out. origin names the source in
 * messages. With TARGETS_AUTO the format is the first that fits: a first
 * significant line "[group]" is an Ansible inventory, "{" JSON lines, a line
 * with a comma naming a host column a CSV; otherwise one host per line (where
 * a line starting with "{" is still read as a host record). '#' starts a
 * comment line; blank lines are skipped. Bad lines are counted in diag and
 * left out. Pure (no I/O). Returns 0, MUSTER_ETOOBIG (out holds TARGETS_MAX
 * hosts and more were given: the rest is read and counted in out->over) or
 * MUSTER_ENOMEM.
 */
int targets_parse(const char *data, size_t len, enum targets_format fmt, const char *origin,
                  struct target_list *out, struct targets_diag *diag);

/* Read a file (at most 64 MiB) and targets_parse() it. MUSTER_EIO when it cannot be read. */
int targets_load_file(const char *path, enum targets_format fmt, struct target_list *out,
                      struct targets_diag *diag);

/*
 * Append the hosts of an IPv4 block (at most TARGETS_CIDR_MAX) or one IPv6
 * /128. MUSTER_ETOOBIG as targets_parse() when the list is over TARGETS_MAX.
 */
int targets_add_cidr(const char *cidr, struct target_list *out, struct targets_diag *diag,
                     const char *origin);

/* Append one parsed target (copied). MUSTER_ETOOBIG (and l->over counts it) when full. */
int targets_append(struct target_list *l, const struct target *t);

/*
 * Parse one "host", "host:port", "user@host:port", "[v6]:port" or bare IPv6
 * into t (zeroed first). false with the reason in why.
 */
bool targets_parse_spec(const char *s, struct target *t, char *why, size_t whylen);

/*
 * Keep only hosts whose OS family is in the comma-separated list (case
 * ignored; "unknown" keeps hosts whose family is not known). NULL or ""
 * keeps all. Returns how many were dropped.
 */
size_t targets_filter_os(struct target_list *l, const char *families);

/* Drop repeated (host, port) pairs, keeping the first. Returns how many were dropped. */
size_t targets_dedup(struct target_list *l, uint16_t default_port);

/* "user@host:port" (brackets for IPv6, port and user only when set) into out. */
void targets_format_spec(const struct target *t, char *out, size_t outsz);

void targets_free(struct target_list *l);

/* Record one problem in diag. */
void targets_diag_add(struct targets_diag *d, const char *origin, unsigned line, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

#endif
