/* hosts.h - the sensor's in-memory host table, keyed by MAC, bounded. */
#ifndef MUSTER_SENSOR_HOSTS_H
#define MUSTER_SENSOR_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sensor/fingerprint/combine.h"

struct hostrec;
struct oui_db;

/* Kinds of evidence; one bit each in host.sources. */
enum host_src {
	HSRC_ARP,
	HSRC_DHCP,
	HSRC_DHCPV6,
	HSRC_MDNS,
	HSRC_LLMNR,
	HSRC_NETBIOS,
	HSRC_SSDP,
	HSRC_NDP,
	HSRC_TCP,
	HSRC_LLDP,
	HSRC_CDP,
	HSRC_SMB,
	HSRC_SSH,
	HSRC_HTTP,
	HSRC_P0F,
	HSRC_IP,
	HSRC__COUNT
};

/* The JSON word for a source ("arp", "dhcp", ...). */
const char *host_src_name(enum host_src s);
bool host_src_parse(const char *name, enum host_src *out);

#define HOST_MAX_V4       8
#define HOST_MAX_V6       8
#define HOST_MAX_NAMES    8
#define HOST_MAX_SERVICES 16
#define HOST_MAX_GUESSES  6

struct host_name {
	char *name; /* already sanitized; in the host's block */
	uint8_t src;
	bool plain; /* printable ASCII without a backslash: printed as it is */
};

struct host_service {
	uint16_t port;
	uint8_t proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t banner;  /* host_shared() id, 0 none */
	uint16_t product; /* host_shared() id, 0 none */
};

/*
 * One OS guess from one kind of evidence. Its strings are interned
 * (host_label()): a guess costs 8 bytes, whatever its labels.
 */
struct host_guess {
	uint16_t family, name, version; /* host_label() indexes, 0 = none */
	uint8_t confidence;
	uint8_t src;
};

/* What an SMB2 NTLMSSP challenge (or NBSTAT) said about a host: the "smb" object. */
struct host_smb {
	char *netbios_name, *netbios_domain, *dns_name, *dns_domain, *forest, *dialect;
	uint32_t build;       /* OS build number, 0 unknown */
	int signing_required; /* -1 unknown, 0, 1 */
};

/*
 * 128 bytes, so that a record is two cache lines of the slot array: what
 * every sighting reads or writes on the first, the guesses on the second.
 * What is read rarely (IPv6 addresses, services, DHCP client id and
 * options, SMB facts, probe and store times) lives in the host's block
 * (hosts.c) and is reached through the functions below.
 */
struct host {
	uint8_t mac[6];
	uint8_t n_v4, n_v6, n_names, n_services, n_guesses;
	uint32_t sources; /* bit per enum host_src */
	time_t first_seen, last_seen;
	uint64_t changed;         /* table change counter value of the last real change */
	uint32_t v4[HOST_MAX_V4]; /* network byte order */
	struct host_guess guesses[HOST_MAX_GUESSES];
	/* The names array of the host's block, which holds the rest; NULL until it has one. */
	struct host_name *names;
};

/* The i-th IPv6 address (i < n_v6), the services (n_services of them; NULL none). */
const uint8_t *host_v6(const struct host *h, int i);
const struct host_service *host_services(const struct host *h);
/* The DHCP client id (NULL none) and the DHCP options kept as host_shared() ids (0 none). */
const char *host_dhcp_client_id(const struct host *h);
uint16_t host_dhcp_vendor_class(const struct host *h);
uint16_t host_dhcp_prl(const struct host *h);
/* What SMB/NTLMSSP told (host_set_smb), NULL until then. */
const struct host_smb *host_smb(const struct host *h);
/*
 * The last active probe round (active.c; 0 never) and the last_seen value
 * last written to the store (0 never). The setters return false when the
 * value could not be kept (out of memory): it then reads as before.
 */
time_t host_probed_at(const struct host *h);
bool host_set_probed_at(struct host *h, time_t when);
time_t host_stored_seen(const struct host *h);
bool host_set_stored_seen(struct host *h, time_t when);

/*
 * Callback run before a host leaves memory (evicted to make room), so its
 * state can be written to the store first. Return 0 to allow eviction.
 */
typedef int (*host_evict_fn)(const struct host *h, void *arg);

/*
 * Callback run when a MAC that is not in memory is about to be added, to
 * restore its earlier state from the store into the new entry.
 */
typedef void (*host_restore_fn)(struct host *h, void *arg);

struct host_table;

/*
 * A table holding at most `cap` hosts. When full, the host seen least
 * recently is evicted (after evict_fn). NULL on allocation failure.
 */
struct host_table *host_table_new(uint32_t cap);
void host_table_free(struct host_table *t);
void host_table_set_hooks(struct host_table *t, host_evict_fn ev, host_restore_fn rs, void *arg);

/*
 * A hint that mac will be looked up soon: stage 0 fetches its index entry
 * into the cache, stage 1 (later) its host record, stage 2 (later still)
 * the start of what the host owns beyond its record (its names, services,
 * addresses). Changes nothing.
 */
void host_table_prefetch(const struct host_table *t, const uint8_t mac[6], int stage);
/* Find a host, or NULL. */
struct host *host_find(struct host_table *t, const uint8_t mac[6]);
/*
 * Find or create the host for mac, mark it seen at `now` through evidence
 * `src`. NULL only on allocation failure or for MACs that are not hosts
 * (multicast, broadcast, all zero).
 */
struct host *host_touch(struct host_table *t, const uint8_t mac[6], time_t now, enum host_src src);

/* Add facts; each returns true when the host changed (and marks it changed). */
bool host_add_v4(struct host_table *t, struct host *h, uint32_t addr_be);
bool host_add_v6(struct host_table *t, struct host *h, const uint8_t addr[16]);
/* name: raw bytes from the wire, sanitized here; empty names are ignored. */
bool host_add_name(struct host_table *t, struct host *h, const void *name, size_t len,
                   enum host_src src);
bool host_add_service(struct host_table *t, struct host *h, uint8_t proto, uint16_t port,
                      const char *banner, const char *product);
/* Whether host_add_service() would keep (proto, port): known already, or room for it. */
bool host_service_room(const struct host *h, uint8_t proto, uint16_t port);
/* host_add_service() with banner and product given as host_shared_id()s (0: none). */
bool host_add_service_ids(struct host_table *t, struct host *h, uint8_t proto, uint16_t port,
                          uint16_t banner, uint16_t product);
/* Record a guess; one per source kind, a newer one from the same source replaces it. */
bool host_add_guess(struct host_table *t, struct host *h, const char *family, const char *name,
                    const char *version, int confidence, enum host_src src);
/*
 * The guess host_add_guess() would record (labels interned, confidence
 * clamped to 0-100), to keep and record later with host_put_guess(): a
 * caller that sees the same evidence often interns its labels once.
 */
struct host_guess host_guess_make(const char *family, const char *name, const char *version,
                                  int confidence, enum host_src src);
bool host_put_guess(struct host_table *t, struct host *h, struct host_guess g);
/* Replace a string field of its own (sanitized, strdup'd); true when it changed. */
bool host_set_str(struct host_table *t, struct host *h, char **field, const void *val, size_t len);
/* Set the DHCP client id (raw, sanitized here); true when it changed. */
bool host_set_client_id(struct host_table *t, struct host *h, const void *val, size_t len);
/* Set the DHCP vendor class or request list to a host_shared_id(); true when it changed. */
bool host_set_dhcp_vendor_class(struct host_table *t, struct host *h, uint16_t id);
bool host_set_dhcp_prl(struct host_table *t, struct host *h, uint16_t id);

struct fp_os;
/*
 * Replace the host's SMB facts with a copy of *smb (strings sanitized, NULL
 * fields keep their old value). True when something changed.
 */
bool host_set_smb(struct host_table *t, struct host *h, const struct host_smb *smb);

/* The OS after combining every guess (docs/fingerprints.md); false when none. */
bool host_best_os(const struct host *h, struct fp_os *out);

/* Number of hosts, evictions, and the change counter. */
uint32_t host_table_count(const struct host_table *t);
uint64_t host_table_evictions(const struct host_table *t);
uint64_t host_table_changes(const struct host_table *t);

/* Visit every host, most recently seen first. Stops when fn returns non-zero. */
int host_table_foreach(struct host_table *t, int (*fn)(struct host *, void *), void *arg);

/*
 * Intern a label (OS family, name, version) process-wide; 0 for NULL or
 * when the pool is full (HOST_MAX_LABELS). host_label() turns it back.
 */
#define HOST_MAX_LABELS 65535
uint16_t host_intern(const char *s);
const char *host_label(uint16_t id);

/*
 * Set a field held in the shared pool (values many hosts have in common:
 * DHCP request lists and vendor classes); val is raw and made safe here.
 * True when the field changed. host_shared() gives the text back.
 */
bool host_set_shared(struct host_table *t, struct host *h, uint16_t *field, const void *val,
                     size_t len);
/*
 * The two steps of host_set_shared(): the shared-pool id of raw val made safe
 * (cut to TEXT_BANNER_MAX when banner, else TEXT_NAME_MAX; 0 for nothing or
 * a full pool), and setting a field to an id. A caller that sees the same
 * raw value often can keep its id.
 */
uint16_t host_shared_id(const void *val, size_t len, bool banner);
bool host_set_shared_id(struct host_table *t, struct host *h, uint16_t *field, uint16_t id);
const char *host_shared(uint16_t id);

/*
 * Fill a zeroed host record from a host (vendor from oui, may be NULL).
 * 0 or MUSTER_ENOMEM; the caller clears the record.
 */
int host_to_hostrec(const struct host *h, const struct oui_db *oui, struct hostrec *out);
/*
 * What a summary of a host shows (the table of output.c): the texts exactly
 * as a host record made by host_to_hostrec() would hold them, without
 * building one. From a record the pointers point into it; from a host
 * (host_summarize) into the summary's own storage, the host's block or the
 * registry: valid while the host is not changed.
 */
#define HOST_SUMMARY_NAMES   64 /* a record holds no more (hostrec.c) */
#define HOST_SUMMARY_SOURCES 32

struct host_summary {
	const char *mac;    /* "" unknown */
	const char *vendor; /* NULL unknown */
	bool mac_local;
	const char *ipv4; /* the first address, NULL none */
	size_t n_ipv4;
	const char *names[HOST_SUMMARY_NAMES]; /* in record order */
	size_t n_names;
	const char *os_name, *os_family; /* NULL unknown */
	int os_confidence;
	const char *sources[HOST_SUMMARY_SOURCES];
	size_t n_sources;
	/* Storage for host_summarize(). */
	char s_mac[18], s_ipv4[16], s_vendor[256], s_os_name[256], s_os_family[256];
	struct fp_os s_os; /* the best guess; os_name and os_family may point into it */
	char s_names[HOST_MAX_NAMES][256];
};

/* Fill s from a host (vendor from oui, may be NULL). */
void host_summarize(const struct host *h, const struct oui_db *oui, struct host_summary *s);

/* Merge a stored host record into a host (used to restore from the store). */
int host_merge_hostrec(struct host_table *t, struct host *h, const struct hostrec *r);

#endif
