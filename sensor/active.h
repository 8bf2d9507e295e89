/* active.h - active detection: the policy an admin sets, and the scheduler that probes within it. */
#ifndef MUSTER_SENSOR_ACTIVE_H
#define MUSTER_SENSOR_ACTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"
#include "common/net.h"

struct host;
struct host_table;
struct fp_rules;

/*
 * The policy (docs/config.md, section [active]).
 *
 * Address and MAC filters: the most specific entry that matches decides
 * (longest prefix); an allow and a deny entry of the same length: deny wins.
 * An address no entry matches is allowed only when there are no allow
 * entries at all (of either family); likewise for MACs and the MAC allow
 * list. An address is probed only when allowed; a host is probed and
 * reported only when its MAC is allowed, none of its addresses is matched
 * by a deny entry, and - when there are allow entries - one of its
 * addresses is matched by an allow entry.
 */
#define ACTIVE_MAX_CIDRS 256
#define ACTIVE_MAX_MACS  256
#define ACTIVE_MAX_PORTS 64

#define ACTIVE_DEFAULT_PORTS      "22,80,135,139,443,445,3389,5985"
#define ACTIVE_DEFAULT_RATE       500      /* packets per second, all probes together */
#define ACTIVE_DEFAULT_RESCAN_MS  21600000 /* 6 h */
#define ACTIVE_DEFAULT_TIMEOUT_MS 5000     /* one TCP/UDP conversation */
#define ACTIVE_DEFAULT_SWEEP_MIN  16       /* widest attached subnet swept: /16 */

/* A MAC prefix: the first `bits` bits of b (1-48). */
struct active_mac_prefix {
	uint8_t b[6];
	uint8_t bits;
};

struct active_policy {
	bool enabled;
	bool sweep;                /* ARP-sweep the interface's attached IPv4 subnets */
	bool ipv6;                 /* all-nodes echo and neighbour solicitations */
	bool udp;                  /* NBSTAT, mDNS and SSDP unicast queries */
	int sweep_min_prefix;      /* attached subnets wider than /this are not swept (8-30) */
	uint32_t rate_pps;         /* global packet rate of every probe together */
	unsigned host_conc;        /* TCP connections open at once to one host */
	unsigned max_inflight;     /* TCP connections open at once in total */
	unsigned arp_retries;      /* extra ARP requests to an address that did not answer */
	uint64_t arp_timeout_ms;   /* wait for ARP replies before a retry */
	uint64_t probe_timeout_ms; /* one TCP conversation, and UDP replies */
	uint64_t rescan_ms;        /* no host is probed twice within this */
	size_t nports;
	uint16_t ports[ACTIVE_MAX_PORTS];
	size_t nallow, ndeny;
	struct config_cidr allow[ACTIVE_MAX_CIDRS], deny[ACTIVE_MAX_CIDRS];
	size_t nmac_allow, nmac_deny;
	struct active_mac_prefix mac_allow[ACTIVE_MAX_MACS], mac_deny[ACTIVE_MAX_MACS];
};

/* The [active] keys of sensor.conf, for config_new(). */
extern const struct config_key active_config_keys[];
extern const size_t active_config_nkeys;

/* The defaults: active off, default ports, rate, rescan, timeouts; no filters. */
void active_policy_defaults(struct active_policy *p);

/*
 * Fill *p from the [active] section of c (defaults for keys not set).
 * 0, or MUSTER_EINVAL with the reason(s) recorded in c (config_error()) or,
 * for MAC lists, written to err.
 */
int active_policy_from_config(struct config *c, struct active_policy *p, char *err, size_t errlen);

/*
 * Parse a MAC prefix: 1-12 hex digits with optional ':', '-' or '.'
 * separators ("00:50:56", "00-50-56", "005056", "70:b3:d5:4"), optionally
 * "/BITS" (1-48, no more than the digits given). Without /BITS, every
 * digit counts (4 bits each). False on bad input.
 */
bool active_mac_prefix_parse(const char *s, struct active_mac_prefix *out);
/* A comma/space separated list of prefixes; 0 or MUSTER_EINVAL (*why: static text). */
int active_mac_list_parse(const char *s, struct active_mac_prefix *out, size_t max, size_t *n,
                          const char **why);

/* Filters (see above). Pure; cheap enough for every packet. */
bool active_ip_allowed(const struct active_policy *p, const struct ipaddr *ip);
bool active_v4_allowed(const struct active_policy *p, uint32_t addr_be);
bool active_mac_allowed(const struct active_policy *p, const uint8_t mac[6]);
/* Whether the host may be probed and reported (the predicate main.c uses). */
bool active_host_allowed(const struct active_policy *p, const struct host *h);
/* Whether the policy filters anything at all. */
bool active_policy_filters(const struct active_policy *p);

/* Whether a host last probed at probed_at (0: never) may be probed again at now. */
bool active_rescan_due(const struct active_policy *p, time_t probed_at, time_t now);

/*
 * A token bucket: `rate` tokens per second, at most `burst` saved up.
 * Times are seconds on any monotonic clock.
 */
struct active_bucket {
	double rate, burst, tokens, last;
};
void active_bucket_init(struct active_bucket *b, double rate, double burst, double now);
/* Take n tokens if there are that many; false (nothing taken) otherwise. */
bool active_bucket_take(struct active_bucket *b, double now, double n);
/* Seconds until n tokens are there (0 when they are). */
double active_bucket_wait(struct active_bucket *b, double now, double n);

/* Counters of the engine, for --stats and the logs. */
enum active_counter {
	ACT_ARP_SWEEP,     /* ARP requests of the sweep */
	ACT_ARP_RECHECK,   /* unicast ARP re-checks */
	ACT_ARP_ANSWERED,  /* addresses that answered the sweep */
	ACT_NDP_ECHO,      /* ICMPv6 echo requests to all-nodes */
	ACT_NDP_NS,        /* neighbour solicitations */
	ACT_NDP_REPLIES,   /* echo replies read */
	ACT_TCP_CONNECT,   /* connections attempted */
	ACT_TCP_OPEN,      /* ... that connected */
	ACT_TCP_REFUSED,   /* ... refused or unreachable */
	ACT_TCP_TIMEOUT,   /* ... that hit the deadline */
	ACT_TCP_SKIPPED,   /* ports not tried: the host was silent */
	ACT_SSH_BANNER,    /* SSH banners parsed */
	ACT_SMB_CHALLENGE, /* NTLMSSP challenges parsed */
	ACT_HTTP_SERVER,   /* HTTP response heads parsed */
	ACT_BAD_REPLY,     /* replies that did not parse */
	ACT_UDP_SENT,      /* NBSTAT, mDNS, SSDP queries */
	ACT_UDP_REPLIES,   /* ... replies read */
	ACT_HOSTS_PROBED,  /* hosts whose probe round started */
	ACT_SEND_BLOCKED,  /* a send that would have blocked (retried later) */
	ACT__COUNT
};
const char *active_counter_name(enum active_counter c);

struct active;

/*
 * The engine on interface iface, probing hosts of t within policy p (copied).
 * rules (may be NULL) turn mDNS service types and NBSTAT facts into OS
 * guesses. Opens its sockets now (needs CAP_NET_RAW); NULL on failure with
 * the reason in err. Free with active_free().
 */
struct active *active_new(const struct active_policy *p, struct host_table *t,
                          const struct fp_rules *rules, const char *iface, char *err,
                          size_t errlen);
void active_free(struct active *a); /* accepts NULL */

/* One descriptor for poll(): readable or writable when the engine has I/O to do. */
int active_fd(const struct active *a);
/*
 * Do what is due at monotonic time now (seconds): read replies, time out
 * conversations, send what the rate allows, start probe rounds for hosts
 * that are due. Never blocks. wall is the wall clock (probed_at).
 */
void active_tick(struct active *a, double now, time_t wall);
/* Milliseconds the caller may sleep before the next tick is needed (0..1000). */
int active_timeout_ms(const struct active *a, double now);
/*
 * Show the engine a captured frame (the passive path's copy): ARP replies
 * mark sweep addresses as answered. Cheap; ignores everything else.
 */
void active_frame(struct active *a, int dlt, const uint8_t *data, size_t caplen);
/* Nothing left to do: sweep finished, no probe round running or waiting. */
bool active_idle(const struct active *a);
uint64_t active_counter(const struct active *a, enum active_counter c);

#endif
