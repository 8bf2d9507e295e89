/* match.h - is a discovered computer managed? Match by MAC, then hostname+domain, then IP. */
#ifndef MUSTER_SERVER_MATCH_H
#define MUSTER_SERVER_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct hostrec;
struct db;

#define MATCH_MAX_NAMES   4
#define MATCH_MAX_DOMAINS 4
#define MATCH_MAX_IPS     8
#define MATCH_NAME_MAX    64 /* a DNS label (63) + NUL */
#define MATCH_DOMAIN_MAX  128
#define MATCH_REASON_MAX  256

/*
 * What matching looks at in a discovered computer, normalised: names are
 * short host names (the first DNS label, lowercase ASCII), domains are
 * lowercase (DNS domains and NetBIOS domains alike), addresses are
 * canonical dotted quads. Fixed size; nothing to free.
 */
struct match_key {
	char mac[18]; /* "" when unknown */
	char names[MATCH_MAX_NAMES][MATCH_NAME_MAX];
	size_t n_names;
	char domains[MATCH_MAX_DOMAINS][MATCH_DOMAIN_MAX];
	size_t n_domains;
	char ipv4[MATCH_MAX_IPS][16];
	size_t n_ipv4;
};

/* The verdict for one computer. */
struct match_result {
	bool managed;
	int64_t managed_id; /* 0 when unmanaged */
	char reason[MATCH_REASON_MAX];
};

/*
 * Fill k from a host record: the MAC; names from SMB (NetBIOS and DNS
 * name), DHCP and the names list; domains from SMB and from the suffixes
 * of fully qualified names (".local" mDNS names give no domain); IPv4
 * addresses. Pure; k is zeroed first.
 */
void match_key_from_hostrec(const struct hostrec *h, struct match_key *k);

/*
 * Split a host name as given (e.g. "WS-042.corp.example." or "WS-042") into
 * its short lowercase name and its lowercase domain ("" when none).
 * False when the name is unusable for matching (empty, too long, an IP
 * literal, or a generic name such as "localhost").
 */
bool match_split_name(const char *name, char shortname[MATCH_NAME_MAX],
                      char domain[MATCH_DOMAIN_MAX]);

/*
 * The key's lists as comma-separated text for the database columns, and
 * back. Writers truncate at a whole item; out is always NUL-terminated.
 */
void match_key_columns(const struct match_key *k, char *names, size_t namesz, char *domains,
                       size_t domainsz, char *ipv4s, size_t ipv4sz);
void match_key_from_columns(struct match_key *k, const char *mac, const char *names,
                            const char *domains, const char *ipv4s);

/*
 * Decide whether the computer described by k is managed, against the
 * managed identities in db (docs/protocol.md, "Managed or not"):
 *  1. its MAC is one a managed identity declared;
 *  2. one of its short names equals the identity's host name and the
 *     domains agree (equal, or unknown on one side);
 *  3. one of its IPv4 addresses was declared by an identity within
 *     ip_recency seconds of now, and no MAC contradicts it (the identity
 *     declared MACs and the computer's MAC is not among them).
 * Returns 0 with *out filled, or MUSTER_EDB.
 */
int match_host(struct db *db, const struct match_key *k, time_t now, int64_t ip_recency,
               struct match_result *out);

#endif
