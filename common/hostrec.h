/* hostrec.h - the host record of DESIGN.md, shared by sensor, server and deployer. */
#ifndef MUSTER_HOSTREC_H
#define MUSTER_HOSTREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * One host as the programs exchange it (JSON shape in DESIGN.md). Every
 * string is owned by the record, NUL-terminated, valid UTF-8 and already
 * made safe (text_sanitize); NULL or 0 means "unknown" and is left out of
 * the JSON. hostrec_free() releases everything.
 */
struct hostrec_name {
	char *name;
	char *source; /* "netbios", "mdns", "dhcp", "llmnr", "smb", "lldp", ... */
};

struct hostrec_service {
	char proto[4]; /* "tcp" or "udp" */
	uint16_t port;
	char *banner;  /* may be NULL */
	char *product; /* may be NULL */
};

struct hostrec_os {
	char *family; /* "windows", "linux", "macos", "bsd", "ios", "android", "network", ... */
	char *name;
	char *version;
	int confidence; /* 0-100 */
	char *source;   /* which evidence decided it: "p0f", "dhcp", "smb", "ssh", ... */
};

struct hostrec_smb {
	char *netbios_name;
	char *netbios_domain;
	char *dns_name;
	char *dns_domain;
	char *forest;
	char *dialect;
	uint32_t build;       /* 0 unknown */
	int signing_required; /* -1 unknown, 0, 1 */
};

struct hostrec_dhcp {
	char *hostname;
	char *vendor_class;
	char *prl; /* option 55 as "1,3,6,..." */
	char *client_id;
};

struct hostrec {
	char mac[18]; /* "aa:bb:cc:dd:ee:ff", "" when unknown */
	char *vendor;
	bool mac_local; /* locally administered (often randomised) */
	char **ipv4;
	size_t n_ipv4;
	char **ipv6;
	size_t n_ipv6;
	struct hostrec_name *names;
	size_t n_names;
	struct hostrec_os os; /* os.family == NULL and os.name == NULL: unknown */
	struct hostrec_service *services;
	size_t n_services;
	struct hostrec_smb smb; /* all NULL/0/-1: unknown */
	struct hostrec_dhcp dhcp;
	time_t first_seen; /* 0 unknown */
	time_t last_seen;
	char **sources; /* evidence kinds: "arp", "dhcp", "mdns", ... */
	size_t n_sources;
	/* Server side only (absent in sensor output). */
	char *status; /* "managed" or "unmanaged" */
	char *status_reason;
	char *group;
};

struct json_object;

/* A zeroed record; NULL on allocation failure. Free with hostrec_free(). */
struct hostrec *hostrec_new(void);
/* Release a record and all it owns; accepts NULL. */
void hostrec_free(struct hostrec *h);
/* Release what a stack record owns and zero it. */
void hostrec_clear(struct hostrec *h);

/*
 * Adders copy (and sanitize) their strings and ignore duplicates.
 * Return 0, MUSTER_EINVAL for an address that does not parse, or MUSTER_ENOMEM.
 */
int hostrec_add_ipv4(struct hostrec *h, const char *addr);
int hostrec_add_ipv6(struct hostrec *h, const char *addr);
int hostrec_add_name(struct hostrec *h, const char *name, const char *source);
int hostrec_add_source(struct hostrec *h, const char *source);
int hostrec_add_service(struct hostrec *h, const char *proto, uint16_t port, const char *banner,
                        const char *product);
/* Replace *dst with a sanitized copy of src (NULL clears). */
int hostrec_set_str(char **dst, const char *src);

/* Build the JSON object of DESIGN.md; NULL on allocation failure. Caller puts it. */
struct json_object *hostrec_to_json(const struct hostrec *h);
/* One line of compact JSON (no trailing newline); caller frees. NULL on failure. */
char *hostrec_to_json_string(const struct hostrec *h);

/*
 * Fill h (which must be zeroed) from a parsed JSON object, checking every
 * type. Unknown fields are ignored unless strict. On error returns
 * MUSTER_EPARSE and writes a message naming the field to err (errlen bytes).
 */
int hostrec_from_json(struct hostrec *h, struct json_object *obj, bool strict, char *err,
                      size_t errlen);
/* Same, from text. */
int hostrec_from_json_string(struct hostrec *h, const char *text, size_t len, bool strict,
                             char *err, size_t errlen);

/* RFC 3339 UTC ("2026-11-25T17:00:00Z") to and from time_t. */
void hostrec_format_time(time_t t, char out[21]);
bool hostrec_parse_time(const char *s, time_t *out);

#endif
