/*
 * body.h - request bodies of protocol v1 (docs/protocol.md), parsed from
 * bytes into structs with every type checked and unknown fields refused.
 * Pure: no I/O, no database, no logging, so they can be fuzzed.
 */
#ifndef MUSTER_SERVER_BODY_H
#define MUSTER_SERVER_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hostrec.h"
#include "common/grouppath.h"
#include "server/match.h"

#define BODY_ERR_MAX      256
#define REPORT_MAX_HOSTS  20000
#define REPORT_MAX_NETS   256
#define SENSOR_ID_MAX     128
#define HOST_KEY_MAX      64 /* "ip:" + address, or a MAC */
#define ENROLL_MAX_ADDRS  16
#define IMPORT_MAX_ADDRS  8
#define IMPORT_MAX_LINES  100000
#define IMPORT_MAX_ERRORS 20
#define IMPORT_LINE_MAX   4096

/* One host of a report, with what the server derives from it. */
struct report_host {
	struct hostrec h;       /* status, status_reason and group cleared: the server decides */
	char *json;             /* h as compact JSON, as stored */
	char key[HOST_KEY_MAX]; /* the computer's key: its MAC, else "ip:" + first IPv4 */
	struct match_key mk;
};

/* POST /api/v1/reports. Owns everything; report_clear() releases it. */
struct report {
	char *sensor_id; /* the sensor's own id: with seq, the idempotency key */
	char *sensor_hostname;
	char *sensor_version;
	char **networks; /* normalised CIDR text */
	size_t n_networks;
	int64_t seq;
	struct report_host *hosts;
	size_t n_hosts;
};

/*
 * Parse a report body (JSON text, already inflated) into r, which must be
 * zeroed. Returns 0, MUSTER_EPARSE / MUSTER_ETOOBIG with a message naming
 * the problem in err, or MUSTER_ENOMEM. On failure r is cleared.
 */
int report_parse(const void *data, size_t len, struct report *r, char *err, size_t errlen);
void report_clear(struct report *r);

/* POST /api/v1/enroll. Fixed size except the strings; enroll_clear() frees them. */
struct enroll_req {
	char *token;    /* the secret: never log it */
	char *hostname; /* as given (sanitized) */
	char shortname[MATCH_NAME_MAX];
	char domain[MATCH_DOMAIN_MAX]; /* from "domain", else the hostname's suffix; lowercase */
	char macs[ENROLL_MAX_ADDRS][18];
	size_t n_macs;
	char ipv4[ENROLL_MAX_ADDRS][16];
	size_t n_ipv4;
	char *os_family, *os_name, *os_version;
	char *group; /* normalised path, NULL when absent */
	char *installer;
};

int enroll_parse(const void *data, size_t len, struct enroll_req *e, char *err, size_t errlen);
void enroll_clear(struct enroll_req *e);

/* POST /api/v1/groups: {"path": "All/HQ/Linux"}; path normalised. */
int group_req_parse(const void *data, size_t len, char path[GROUP_PATH_MAX], char *err,
                    size_t errlen);

/* POST /api/v1/tokens: {"group", "uses", "expires", "note"}. */
struct token_req {
	char group[GROUP_PATH_MAX];
	int64_t uses;
	int64_t expires_in; /* seconds */
	char note[128];
};
int token_req_parse(const void *data, size_t len, struct token_req *t, char *err, size_t errlen);

/* One line of a managed-computers CSV (POST /api/v1/managed/import). */
struct import_entry {
	unsigned line;
	char *hostname; /* as given, may be NULL when macs are given */
	char shortname[MATCH_NAME_MAX];
	char domain[MATCH_DOMAIN_MAX];
	char macs[IMPORT_MAX_ADDRS][18];
	size_t n_macs;
	char ipv4[IMPORT_MAX_ADDRS][16];
	size_t n_ipv4;
	char *group; /* normalised, NULL: "All" */
	char *os;
	char *note;
};

struct import_list {
	struct import_entry *v;
	size_t n;
	size_t lines;                    /* data lines read (comments and blanks excluded) */
	char *errors[IMPORT_MAX_ERRORS]; /* "line N: why", the first IMPORT_MAX_ERRORS */
	size_t n_errors;                 /* all bad lines, including those not kept */
};

/*
 * Parse a CSV (RFC 4180: quoted fields, "" inside quotes, CRLF or LF) whose
 * first non-comment line is a header naming columns among hostname, domain,
 * mac, ipv4, group, os, note (any order, case ignored; unknown columns are
 * an error). mac and ipv4 cells may hold several values separated by ';' or
 * spaces. A line needs a hostname or a mac. Lines starting with '#' and
 * blank lines are skipped. Bad lines are counted in errors and left out;
 * returns 0 then. Returns MUSTER_EPARSE (message in err) when the file as a
 * whole is unusable: no header, unknown column, neither hostname nor mac
 * column, too many lines; MUSTER_ENOMEM. Release with import_clear().
 */
int import_parse(const void *data, size_t len, struct import_list *l, char *err, size_t errlen);
void import_clear(struct import_list *l);

#endif
