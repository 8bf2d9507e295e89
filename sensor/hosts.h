/* hosts.h - the sensor's in-memory host table, keyed by MAC, bounded. */
#ifndef MUSTER_SENSOR_HOSTS_H
#define MUSTER_SENSOR_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
	char *name; /* owned, already sanitized */
	uint8_t src;
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

struct host {
	uint8_t mac[6];
	uint8_t n_v4, n_v6, n_names, n_services, n_guesses;
	uint32_t sources;         /* bit per enum host_src */
	uint32_t v4[HOST_MAX_V4]; /* network byte order */
	uint8_t (*v6)[16];        /* n_v6 entries, owned */
	struct host_name *names;
	struct host_service *services;
	struct host_guess guesses[HOST_MAX_GUESSES];
	uint16_t dhcp_vendor_class; /* host_shared() ids, 0 unknown */
	uint16_t dhcp_prl;
	char *dhcp_client_id;
	struct host_smb *smb; /* what SMB/NTLMSSP told; NULL until then; owned */
	time_t probed_at;     /* last active probe round (active.c); 0 never */
	time_t first_seen, last_seen;
	uint64_t changed;   /* table change counter value of the last real change */
	time_t stored_seen; /* last_seen value last written to the store */
	/* LRU links and hash bookkeeping: indexes into the table's slots. */
	uint32_t lru_prev, lru_next;
};

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
/* Record a guess; one per source kind, a newer one from the same source replaces it. */
bool host_add_guess(struct host_table *t, struct host *h, const char *family, const char *name,
                    const char *version, int confidence, enum host_src src);
/* Replace an owned string field (sanitized); true when it changed. */
bool host_set_str(struct host_table *t, struct host *h, char **field, const void *val, size_t len);

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
const char *host_shared(uint16_t id);

/*
 * Fill a zeroed host record from a host (vendor from oui, may be NULL).
 * 0 or MUSTER_ENOMEM; the caller clears the record.
 */
int host_to_hostrec(const struct host *h, const struct oui_db *oui, struct hostrec *out);
/* Merge a stored host record into a host (used to restore from the store). */
int host_merge_hostrec(struct host_table *t, struct host *h, const struct hostrec *r);

#endif
