/* active.c - active detection: the admin's policy (filters, ports, rates, rescan) and the probe scheduler. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "common/muster.h"
#include "sensor/active.h"
#include "sensor/decode/arp.h"
#include "sensor/decode/ether.h"
#include "sensor/hosts.h"
#include "sensor/probe/arp.h"
#include "sensor/probe/ndp.h"
#include "sensor/probe/tcp.h"
#include "sensor/probe/udp.h"

/* --- configuration ----------------------------------------------------------------- */

#define S "active"
const struct config_key active_config_keys[] = {
        {S, "enabled", CONFIG_BOOL, 0, 0, 0, "no", "probe actively (ARP, NDP, ports, UDP)"},
        {S, "sweep", CONFIG_BOOL, 0, 0, 0, "no", "ARP-sweep the interface's attached subnets"},
        {S, "sweep_min_prefix", CONFIG_INT, 8, 30, 0, "16",
         "attached subnets wider than this prefix are not swept"},
        {S, "ipv6", CONFIG_BOOL, 0, 0, 0, "yes",
         "ICMPv6 echo to all-nodes and neighbour solicitations"},
        {S, "udp", CONFIG_BOOL, 0, 0, 0, "yes", "NBSTAT, mDNS and SSDP unicast queries"},
        {S, "ports", CONFIG_STRING, 0, 1024, 0, ACTIVE_DEFAULT_PORTS,
         "TCP ports probed (OS-detection ports); none: no TCP probes"},
        {S, "rate", CONFIG_INT, 1, 1000000, 0, "500", "packets per second, all probes together"},
        {S, "host_concurrency", CONFIG_INT, 1, 64, 0, "8",
         "TCP connections open at once to one host"},
        {S, "max_connections", CONFIG_INT, 1, 4096, 0, "256",
         "TCP connections open at once in total"},
        {S, "arp_retries", CONFIG_INT, 0, 10, 0, "2",
         "extra ARP requests to an address that did not answer"},
        {S, "arp_timeout", CONFIG_DURATION, 10, 60000, 0, "500ms",
         "wait for ARP replies before a retry"},
        {S, "probe_timeout", CONFIG_DURATION, 100, 120000, 0, "5s",
         "one TCP conversation; UDP replies"},
        {S, "rescan", CONFIG_DURATION, 1000, 30LL * 86400 * 1000, 0, "6h",
         "no host is probed twice within this"},
        {S, "allow", CONFIG_CIDRS, 0, ACTIVE_MAX_CIDRS, 0, NULL,
         "only these addresses are probed and reported"},
        {S, "deny", CONFIG_CIDRS, 0, ACTIVE_MAX_CIDRS, 0, NULL,
         "these addresses are neither probed nor reported"},
        {S, "allow_mac", CONFIG_STRING, 0, CONFIG_LINE_MAX, 0, NULL,
         "only hosts with these MAC prefixes are probed and reported"},
        {S, "deny_mac", CONFIG_STRING, 0, CONFIG_LINE_MAX, 0, NULL,
         "hosts with these MAC prefixes are neither probed nor reported"},
};
#undef S
const size_t active_config_nkeys = MUSTER_NELEM(active_config_keys);

void
active_policy_defaults(struct active_policy *p)
{
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	p->ipv6 = true;
	p->udp = true;
	p->sweep_min_prefix = ACTIVE_DEFAULT_SWEEP_MIN;
	p->rate_pps = ACTIVE_DEFAULT_RATE;
	p->host_conc = 8;
	p->max_inflight = 256;
	p->arp_retries = 2;
	p->arp_timeout_ms = 500;
	p->probe_timeout_ms = ACTIVE_DEFAULT_TIMEOUT_MS;
	p->rescan_ms = ACTIVE_DEFAULT_RESCAN_MS;
	if (config_parse_ports(ACTIVE_DEFAULT_PORTS, p->ports, ACTIVE_MAX_PORTS, &n, NULL) == 0)
		p->nports = n;
}

static int
get_int(struct config *c, const char *key, long long *v)
{
	int r = config_get_int(c, "active", key, v);
	return r == MUSTER_ENOENT ? 0 : r;
}

int
active_policy_from_config(struct config *c, struct active_policy *p, char *err, size_t errlen)
{
	const char *s, *why = NULL;
	long long v;
	uint64_t ms;
	bool b;
	int rc = 0;

	active_policy_defaults(p);
	if (err && errlen)
		err[0] = 0;
#define BOOL(key, field)                                                                           \
	if (config_get_bool(c, "active", key, &b) == 0)                                            \
		p->field = b;                                                                      \
	else                                                                                       \
		rc = MUSTER_EINVAL;
	BOOL("enabled", enabled)
	BOOL("sweep", sweep)
	BOOL("ipv6", ipv6)
	BOOL("udp", udp)
#undef BOOL
#define INT(key, field)                                                                            \
	if (get_int(c, key, &v) == 0)                                                              \
		p->field = (typeof(p->field))v;                                                    \
	else                                                                                       \
		rc = MUSTER_EINVAL;
	INT("sweep_min_prefix", sweep_min_prefix)
	INT("rate", rate_pps)
	INT("host_concurrency", host_conc)
	INT("max_connections", max_inflight)
	INT("arp_retries", arp_retries)
#undef INT
#define DUR(key, field)                                                                            \
	if (config_get_duration_ms(c, "active", key, &ms) == 0)                                    \
		p->field = ms;                                                                     \
	else                                                                                       \
		rc = MUSTER_EINVAL;
	DUR("arp_timeout", arp_timeout_ms)
	DUR("probe_timeout", probe_timeout_ms)
	DUR("rescan", rescan_ms)
#undef DUR
	if (config_get_string(c, "active", "ports", &s) == 0) {
		if (strcmp(s, "none") == 0 || s[0] == 0)
			p->nports = 0;
		else if (config_parse_ports(s, p->ports, ACTIVE_MAX_PORTS, &p->nports, &why) != 0) {
			snprintf(err, errlen, "[active] ports: %s (at most %d ports)",
			         why ? why : "bad list", ACTIVE_MAX_PORTS);
			rc = MUSTER_EINVAL;
		}
	}
	if (config_get_cidrs(c, "active", "allow", p->allow, ACTIVE_MAX_CIDRS, &p->nallow) ==
	    MUSTER_EINVAL)
		rc = MUSTER_EINVAL;
	if (config_get_cidrs(c, "active", "deny", p->deny, ACTIVE_MAX_CIDRS, &p->ndeny) ==
	    MUSTER_EINVAL)
		rc = MUSTER_EINVAL;
	if (config_get_string(c, "active", "allow_mac", &s) == 0 &&
	    active_mac_list_parse(s, p->mac_allow, ACTIVE_MAX_MACS, &p->nmac_allow, &why) != 0) {
		snprintf(err, errlen, "[active] allow_mac: %s", why);
		rc = MUSTER_EINVAL;
	}
	if (config_get_string(c, "active", "deny_mac", &s) == 0 &&
	    active_mac_list_parse(s, p->mac_deny, ACTIVE_MAX_MACS, &p->nmac_deny, &why) != 0) {
		snprintf(err, errlen, "[active] deny_mac: %s", why);
		rc = MUSTER_EINVAL;
	}
	if (p->host_conc > p->max_inflight)
		p->host_conc = p->max_inflight;
	return rc;
}

/* --- filters ---------------------------------------------------------------------------- */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static bool
mac_prefix_parse_n(const char *s, size_t len, struct active_mac_prefix *out)
{
	size_t i = 0, digits = 0;
	char sep = 0;
	long bits = -1;

	memset(out, 0, sizeof(*out));
	for (; i < len && s[i] != '/'; i++) {
		int v = hexval((unsigned char)s[i]);
		if (v >= 0) {
			if (digits == 12)
				return false;
			out->b[digits / 2] |= (uint8_t)(digits % 2 ? v : v << 4);
			digits++;
			continue;
		}
		/* One kind of separator, never leading, trailing or doubled. */
		if ((s[i] != ':' && s[i] != '-' && s[i] != '.') || (sep && s[i] != sep) || i == 0 ||
		    i + 1 >= len || hexval((unsigned char)s[i + 1]) < 0)
			return false;
		sep = s[i];
	}
	if (digits == 0)
		return false;
	if (i < len) {
		char num[4] = "";
		size_t nl = len - i - 1;
		char *end;
		if (nl == 0 || nl >= sizeof(num))
			return false;
		memcpy(num, s + i + 1, nl);
		if (!isdigit((unsigned char)num[0]) || (num[0] == '0' && nl > 1))
			return false;
		bits = strtol(num, &end, 10);
		if (*end || bits < 1 || bits > (long)(digits * 4))
			return false;
	}
	out->bits = (uint8_t)(bits > 0 ? bits : (long)(digits * 4));
	/* Clear what lies beyond the prefix so equal prefixes compare equal. */
	for (unsigned k = out->bits; k < 48; k++)
		out->b[k / 8] &= (uint8_t) ~(0x80u >> (k % 8));
	return true;
}

bool
active_mac_prefix_parse(const char *s, struct active_mac_prefix *out)
{
	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return mac_prefix_parse_n(s, strlen(s), out);
}

int
active_mac_list_parse(const char *s, struct active_mac_prefix *out, size_t max, size_t *n,
                      const char **why)
{
	size_t count = 0;
	const char *p = s;

	if (s == NULL)
		goto bad_syntax;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == 0)
			break;
		size_t len = strcspn(p, ", \t");
		struct active_mac_prefix one;
		if (!mac_prefix_parse_n(p, len, &one))
			goto bad_syntax;
		if (count >= max) {
			if (why)
				*why = "too many MAC prefixes";
			return MUSTER_EINVAL;
		}
		out[count++] = one;
		p += len;
	}
	*n = count;
	return 0;
bad_syntax:
	if (why)
		*why = "expected MAC prefixes like 00:50:56, 00-1b-21, 001b21 or 70:b3:d5:4/28";
	return MUSTER_EINVAL;
}

static bool
mac_prefix_match(const struct active_mac_prefix *m, const uint8_t mac[6])
{
	unsigned full = m->bits / 8, rest = m->bits % 8;

	if (memcmp(m->b, mac, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (mac[full] & mask) == (m->b[full] & mask);
}

/* Longest match in list, -1 when none. */
static int
mac_best(const struct active_mac_prefix *list, size_t n, const uint8_t mac[6])
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (list[i].bits > best && mac_prefix_match(&list[i], mac))
			best = list[i].bits;
	return best;
}

bool
active_mac_allowed(const struct active_policy *p, const uint8_t mac[6])
{
	int a = mac_best(p->mac_allow, p->nmac_allow, mac);
	int d = mac_best(p->mac_deny, p->nmac_deny, mac);

	if (a < 0 && d < 0)
		return p->nmac_allow == 0;
	return a > d; /* the longer prefix decides; a tie goes to deny */
}

static bool
cidr_match(const struct config_cidr *c, const struct ipaddr *ip)
{
	int n = c->prefix, full = n / 8, rest = n % 8;

	if ((c->family == AF_INET) != (ip->family == AF_INET))
		return false;
	if (memcmp(c->addr, ip->a, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (ip->a[full] & mask) == (c->addr[full] & mask);
}

static int
cidr_best(const struct config_cidr *list, size_t n, const struct ipaddr *ip)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (list[i].prefix > best && cidr_match(&list[i], ip))
			best = list[i].prefix;
	return best;
}

/* 1 allowed by an allow entry, -1 denied by a deny entry, 0 no entry matches. */
static int
ip_verdict(const struct active_policy *p, const struct ipaddr *ip)
{
	int a = cidr_best(p->allow, p->nallow, ip);
	int d = cidr_best(p->deny, p->ndeny, ip);

	if (a < 0 && d < 0)
		return 0;
	return a > d ? 1 : -1;
}

bool
active_ip_allowed(const struct active_policy *p, const struct ipaddr *ip)
{
	int v = ip_verdict(p, ip);

	return v > 0 || (v == 0 && p->nallow == 0);
}

bool
active_v4_allowed(const struct active_policy *p, uint32_t addr_be)
{
	struct ipaddr ip;

	if (p->nallow == 0 && p->ndeny == 0)
		return true;
	net_ip_set_v4(&ip, ntohl(addr_be));
	return active_ip_allowed(p, &ip);
}

bool
active_policy_filters(const struct active_policy *p)
{
	return p->nallow || p->ndeny || p->nmac_allow || p->nmac_deny;
}

bool
active_host_allowed(const struct active_policy *p, const struct host *h)
{
	struct ipaddr ip;
	bool allowed_one = false;
	int v;

	if (!active_mac_allowed(p, h->mac))
		return false;
	if (p->nallow == 0 && p->ndeny == 0)
		return true;
	for (int i = 0; i < h->n_v4; i++) {
		net_ip_set_v4(&ip, ntohl(h->v4[i]));
		if ((v = ip_verdict(p, &ip)) < 0)
			return false;
		allowed_one |= v > 0;
	}
	for (int i = 0; i < h->n_v6; i++) {
		memset(&ip, 0, sizeof(ip));
		ip.family = AF_INET6;
		memcpy(ip.a, host_v6(h, i), 16);
		if ((v = ip_verdict(p, &ip)) < 0)
			return false;
		allowed_one |= v > 0;
	}
	return p->nallow == 0 || allowed_one;
}

bool
active_rescan_due(const struct active_policy *p, time_t probed_at, time_t now)
{
	time_t iv = (time_t)(p->rescan_ms / 1000);

	if (probed_at == 0)
		return true;
	if (now < probed_at)
		return probed_at - now > iv; /* the clock went back a long way */
	return now - probed_at >= iv;
}

/* --- token bucket --------------------------------------------------------------------- */

void
active_bucket_init(struct active_bucket *b, double rate, double burst, double now)
{
	b->rate = rate > 0 ? rate : 1;
	b->burst = burst >= 1 ? burst : 1;
	b->tokens = b->burst;
	b->last = now;
}

static void
refill(struct active_bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last = now;
}

bool
active_bucket_take(struct active_bucket *b, double now, double n)
{
	refill(b, now);
	if (b->tokens + 1e-9 < n)
		return false;
	b->tokens -= n;
	return true;
}

double
active_bucket_wait(struct active_bucket *b, double now, double n)
{
	refill(b, now);
	if (b->tokens + 1e-9 >= n)
		return 0;
	return (n - b->tokens) / b->rate;
}

static const char *const counter_names[ACT__COUNT] = {
        [ACT_ARP_SWEEP] = "arp_sweep_sent",
        [ACT_ARP_RECHECK] = "arp_recheck_sent",
        [ACT_ARP_ANSWERED] = "arp_sweep_answered",
        [ACT_NDP_ECHO] = "ndp_echo_sent",
        [ACT_NDP_NS] = "ndp_ns_sent",
        [ACT_NDP_REPLIES] = "ndp_echo_replies",
        [ACT_TCP_CONNECT] = "tcp_connects",
        [ACT_TCP_OPEN] = "tcp_open",
        [ACT_TCP_REFUSED] = "tcp_refused",
        [ACT_TCP_TIMEOUT] = "tcp_timeouts",
        [ACT_TCP_SKIPPED] = "tcp_skipped",
        [ACT_SSH_BANNER] = "ssh_banners",
        [ACT_SMB_CHALLENGE] = "smb_challenges",
        [ACT_HTTP_SERVER] = "http_heads",
        [ACT_BAD_REPLY] = "bad_replies",
        [ACT_UDP_SENT] = "udp_sent",
        [ACT_UDP_REPLIES] = "udp_replies",
        [ACT_HOSTS_PROBED] = "hosts_probed",
        [ACT_SEND_BLOCKED] = "send_blocked",
};

const char *
active_counter_name(enum active_counter c)
{
	return (unsigned)c < ACT__COUNT ? counter_names[c] : "?";
}

/* --- the engine ---------------------------------------------------------------------------- */

#define EV_UDP  1
#define EV_NDP  2
#define NS_QCAP 4096 /* neighbour solicitations waiting */
#define NS_SEEN 8192 /* addresses solicited in this round (hash set) */
#define QCAP    65536

/* One host's probe round. */
struct job {
	bool used;
	bool arp_done, udp_done, silent;
	uint8_t mac[6];
	uint32_t addr; /* network order */
	uint32_t cookie;
	uint8_t next_port, inflight;
	uint8_t udp_step; /* UDP queries sent: NBSTAT, mDNS, SSDP */
	double udp_until; /* UDP answers are awaited until then */
	double arp_until; /* the re-check's answer is awaited until then */
};

struct target {
	uint8_t mac[6];
	uint32_t addr;
};

struct active {
	struct active_policy p;
	struct host_table *t;
	const struct fp_rules *rules;
	struct net_iface ifc;
	int epfd;
	struct arp_sender *arp;
	struct arp_sweep *sweep;
	struct ndp_prober *ndp;
	struct udp_prober *udp;
	struct tcp_engine *tcp;
	struct active_bucket bucket;
	uint64_t ctr[ACT__COUNT];

	struct job *jobs;
	unsigned njobs_max, njobs;
	uint32_t next_cookie;
	uint16_t txid;

	struct target *queue; /* hosts whose round is due, waiting for a job */
	size_t qhead, qlen;

	uint64_t scanned_changes;
	double next_scan, next_full_scan, next_round;
	bool scan_pending;
	double retry_at; /* after a send would have blocked */

	size_t echo_next; /* our IPv6 address to send the next all-nodes echo from */
	double ndp_last;  /* last echo or solicitation sent */
	uint8_t (*nsq)[16];
	size_t nsq_head, nsq_len;
	uint8_t (*ns_seen)[16];
	uint8_t *ns_used;
};

static void on_tcp_done(void *arg, uint32_t cookie, uint16_t port, enum tcp_outcome out);

struct active *
active_new(const struct active_policy *p, struct host_table *t, const struct fp_rules *rules,
           const char *iface, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	char why[256];
	struct active *a;
	int r;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->epfd = -1;
	a->p = *p;
	a->t = t;
	a->rules = rules;
	if ((r = net_iface_addrs(iface, &a->ifc)) != 0) {
		snprintf(err, errlen, "%s: %s", iface, muster_strerror(r));
		goto fail;
	}
	if ((a->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto fail;
	}
	if ((a->arp = arp_sender_new(&a->ifc, err, errlen)) == NULL)
		goto fail;
	if (a->p.sweep)
		a->sweep = arp_sweep_new(&a->ifc, a->p.sweep_min_prefix, a->p.arp_retries,
		                         (double)a->p.arp_timeout_ms / 1000.0);
	if (a->p.ipv6) {
		if ((a->ndp = ndp_prober_new(&a->ifc, why, sizeof(why))) == NULL) {
			log_warn("ndp-unavailable", "reason=\"%s\" effect=\"no IPv6 probes\"", why);
		} else {
			ev.data.u64 = EV_NDP;
			if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, ndp_prober_fd(a->ndp), &ev) < 0) {
				snprintf(err, errlen, "epoll: %s", strerror(errno));
				goto fail;
			}
		}
	}
	if (a->p.udp) {
		if ((a->udp = udp_prober_new(iface, err, errlen)) == NULL)
			goto fail;
		ev.data.u64 = EV_UDP;
		if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, udp_prober_fd(a->udp), &ev) < 0) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
	}
	a->njobs_max = a->p.max_inflight > 16 ? a->p.max_inflight : 16;
	a->jobs = calloc(a->njobs_max, sizeof(*a->jobs));
	a->queue = calloc(QCAP, sizeof(*a->queue));
	a->nsq = calloc(NS_QCAP, sizeof(*a->nsq));
	a->ns_seen = calloc(NS_SEEN, sizeof(*a->ns_seen));
	a->ns_used = calloc(NS_SEEN, 1);
	a->tcp = tcp_engine_new(a->epfd, a->p.max_inflight, t, a->ctr, on_tcp_done, a);
	if (!a->jobs || !a->queue || !a->nsq || !a->ns_seen || !a->ns_used || !a->tcp) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	a->next_cookie = 1;
	a->txid = (uint16_t)(getpid() * 2654435761u >> 16);
	a->scan_pending = true;
	log_info("active-start",
	         "iface=%s rate=%u ports=%zu sweep=%s ipv6=%s udp=%s rescan=%llus filters=%s",
	         iface, a->p.rate_pps, a->p.nports, a->sweep ? "yes" : "no", a->ndp ? "yes" : "no",
	         a->udp ? "yes" : "no", (unsigned long long)(a->p.rescan_ms / 1000),
	         active_policy_filters(&a->p) ? "yes" : "no");
	return a;
fail:
	active_free(a);
	return NULL;
}

void
active_free(struct active *a)
{
	if (a == NULL)
		return;
	tcp_engine_free(a->tcp);
	udp_prober_free(a->udp);
	ndp_prober_free(a->ndp);
	arp_sweep_free(a->sweep);
	arp_sender_free(a->arp);
	if (a->epfd >= 0)
		close(a->epfd);
	free(a->jobs);
	free(a->queue);
	free(a->nsq);
	free(a->ns_seen);
	free(a->ns_used);
	free(a);
}

int
active_fd(const struct active *a)
{
	return a->epfd;
}

uint64_t
active_counter(const struct active *a, enum active_counter c)
{
	return (unsigned)c < ACT__COUNT ? a->ctr[c] : 0;
}

static struct job *
job_by_cookie(struct active *a, uint32_t cookie)
{
	for (unsigned i = 0; i < a->njobs_max; i++)
		if (a->jobs[i].used && a->jobs[i].cookie == cookie)
			return &a->jobs[i];
	return NULL;
}

static struct job *
job_by_addr(struct active *a, uint32_t addr)
{
	for (unsigned i = 0; i < a->njobs_max; i++)
		if (a->jobs[i].used && a->jobs[i].addr == addr)
			return &a->jobs[i];
	return NULL;
}

static void
on_tcp_done(void *arg, uint32_t cookie, uint16_t port, enum tcp_outcome out)
{
	struct active *a = arg;
	struct job *j = job_by_cookie(a, cookie);

	(void)port;
	if (j == NULL)
		return;
	if (j->inflight)
		j->inflight--;
	/*
	 * A host that let a connection attempt run out without any answer
	 * (no SYN+ACK, no reset) drops packets: its other ports would cost
	 * the same timeout, so they are skipped.
	 */
	if (out == TCP_OUT_SILENT)
		j->silent = true;
}

/* --- neighbour solicitations ------------------------------------------------------------ */

static uint32_t
hash16(const uint8_t a[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

/* Queue a solicitation for addr unless it was asked for in this round. */
static void
ns_enqueue(struct active *a, const uint8_t addr[16])
{
	uint32_t h = hash16(addr) % NS_SEEN;
	struct ipaddr ip = {.family = AF_INET6};

	memcpy(ip.a, addr, 16);
	if (net_ip_is_multicast(&ip) || net_ip_is_unspecified(&ip) || net_ip_is_loopback(&ip) ||
	    !active_ip_allowed(&a->p, &ip))
		return;
	for (unsigned k = 0; k < NS_SEEN; k++, h = (h + 1) % NS_SEEN) {
		if (!a->ns_used[h])
			break;
		if (memcmp(a->ns_seen[h], addr, 16) == 0)
			return;
	}
	if (a->ns_used[h] || a->nsq_len == NS_QCAP)
		return; /* full: asked for in a later round */
	a->ns_used[h] = 1;
	memcpy(a->ns_seen[h], addr, 16);
	memcpy(a->nsq[(a->nsq_head + a->nsq_len) % NS_QCAP], addr, 16);
	a->nsq_len++;
}

/* --- I/O ----------------------------------------------------------------------------------- */

static void
read_udp(struct active *a, time_t wall)
{
	uint8_t buf[2048];
	uint32_t from;
	uint16_t port;
	size_t len;
	struct job *j;

	while (udp_recv(a->udp, &from, &port, buf, sizeof(buf), &len) == 1) {
		a->ctr[ACT_UDP_REPLIES]++;
		if ((j = job_by_addr(a, from)) == NULL)
			continue; /* late, or not asked by us */
		if (!udp_apply_reply(a->udp, a->t, j->mac, wall, from, port, buf, len, a->rules))
			a->ctr[ACT_BAD_REPLY]++;
	}
}

static void
read_ndp(struct active *a)
{
	uint8_t from[16];

	while (ndp_recv_reply(a->ndp, from) == 1) {
		a->ctr[ACT_NDP_REPLIES]++;
		ns_enqueue(a, from);
	}
}

static void
drain_events(struct active *a, double now, time_t wall)
{
	struct epoll_event ev[64];
	int n;

	do {
		n = epoll_wait(a->epfd, ev, 64, 0);
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;
			if (tag & TCP_EV_TAG)
				tcp_engine_event(a->tcp, tag, ev[i].events, now, wall);
			else if (tag == EV_UDP)
				read_udp(a, wall);
			else if (tag == EV_NDP)
				read_ndp(a);
		}
	} while (n == 64);
}

/* A send failed: "would block" waits a little, anything else is logged (rate-limited). */
static void
send_failed(struct active *a, double now, const char *what)
{
	static struct log_ratelimit rl = LOG_RATELIMIT(60, 5);

	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		a->ctr[ACT_SEND_BLOCKED]++;
		a->retry_at = now + 0.002;
		return;
	}
	log_event_rl(&rl, LOG_WARN_, "probe-send-failed", "what=%s error=\"%s\"", what,
	             strerror(errno));
}

/* --- choosing what to probe ---------------------------------------------------------------- */

struct scan_ctx {
	struct active *a;
	time_t wall;
};

static int
scan_host(struct host *h, void *arg)
{
	struct scan_ctx *sc = arg;
	struct active *a = sc->a;
	uint32_t addr = 0;

	if (a->qlen >= QCAP)
		return 1;
	if (!active_rescan_due(&a->p, host_probed_at(h), sc->wall))
		return 0;
	if (a->ifc.has_mac && memcmp(h->mac, a->ifc.mac.b, 6) == 0)
		return 0; /* ourselves */
	if (!active_host_allowed(&a->p, h))
		return 0;
	/* The newest allowed address inside an attached subnet: reachable without a router. */
	for (int i = h->n_v4 - 1; i >= 0 && addr == 0; i--)
		if (active_v4_allowed(&a->p, h->v4[i]) && arp_sender_covers(a->arp, h->v4[i]))
			addr = h->v4[i];
	/* IPv6 addresses: solicited once per round (ns_enqueue remembers). */
	if (a->ndp)
		for (int i = 0; i < h->n_v6; i++)
			ns_enqueue(a, host_v6(h, i));
	if (addr == 0)
		return 0; /* no round yet: looked at again when it gains an IPv4 address */
	(void)host_set_probed_at(h, sc->wall); /* out of memory: probed again next round */
	struct target *tg = &a->queue[(a->qhead + a->qlen) % QCAP];
	memcpy(tg->mac, h->mac, 6);
	tg->addr = addr;
	a->qlen++;
	return 0;
}

static void
scan_table(struct active *a, double now, time_t wall)
{
	struct scan_ctx sc = {a, wall};
	uint64_t ch = host_table_changes(a->t);

	if (now < a->next_scan)
		return;
	/* New facts are looked at within 0.2 s; rescans come due within 10 s. */
	if (ch == a->scanned_changes && now < a->next_full_scan && !a->scan_pending)
		return;
	a->scanned_changes = ch;
	a->scan_pending = false;
	a->next_scan = now + 0.2;
	a->next_full_scan = now + 10;
	host_table_foreach(a->t, scan_host, &sc);
}

static struct job *
job_start(struct active *a, double now)
{
	struct job *j = NULL;
	struct target tg;

	if (a->qlen == 0 || a->njobs >= a->njobs_max)
		return NULL;
	for (unsigned i = 0; i < a->njobs_max; i++) {
		if (!a->jobs[i].used) {
			j = &a->jobs[i];
			break;
		}
	}
	if (j == NULL)
		return NULL;
	tg = a->queue[a->qhead];
	a->qhead = (a->qhead + 1) % QCAP;
	a->qlen--;
	memset(j, 0, sizeof(*j));
	j->used = true;
	memcpy(j->mac, tg.mac, 6);
	j->addr = tg.addr;
	j->cookie = a->next_cookie++;
	if (a->next_cookie == 0)
		a->next_cookie = 1;
	/* Sweep answers already re-checked the address; no UDP probes when off. */
	j->arp_done = a->sweep && arp_sweep_is_answered(a->sweep, tg.addr);
	j->udp_done = a->udp == NULL;
	j->udp_until = now;
	a->njobs++;
	a->ctr[ACT_HOSTS_PROBED]++;
	return j;
}

static bool
job_finished(const struct active *a, const struct job *j, double now)
{
	return j->arp_done && j->udp_done && now >= j->udp_until && now >= j->arp_until &&
	       j->inflight == 0 && (j->next_port >= a->p.nports || j->silent);
}

/* Send the job's next packet if the rate allows; false when it has nothing to send now. */
static bool
job_send(struct active *a, struct job *j, double now)
{
	int r;

	if (!j->arp_done) {
		if (!active_bucket_take(&a->bucket, now, 1))
			return false;
		/* The unicast re-check: to the host's MAC, asking for its address. */
		if ((r = arp_send_request(a->arp, j->addr, j->mac)) != 0 && r != MUSTER_EPERM) {
			a->bucket.tokens += 1;
			send_failed(a, now, "arp");
			return false;
		}
		a->ctr[ACT_ARP_RECHECK]++;
		j->arp_done = true;
		j->arp_until = now + (double)a->p.arp_timeout_ms / 1000.0;
		return true;
	}
	if (!j->udp_done) {
		if (!active_bucket_take(&a->bucket, now, 1))
			return false;
		/* One query a token; a failed send is not retried (UDP is lossy anyway). */
		switch (j->udp_step++) {
		case 0:
			a->txid++;
			udp_send_nbstat(a->udp, j->addr, a->txid);
			break;
		case 1:
			udp_send_mdns(a->udp, j->addr, a->txid);
			break;
		default:
			udp_send_ssdp(a->udp, j->addr);
			j->udp_done = true;
			j->udp_until = now + (double)a->p.probe_timeout_ms / 1000.0;
			break;
		}
		a->ctr[ACT_UDP_SENT]++;
		return true;
	}
	if (j->silent && j->next_port < a->p.nports) {
		a->ctr[ACT_TCP_SKIPPED] += a->p.nports - j->next_port;
		j->next_port = (uint8_t)a->p.nports;
	}
	if (j->next_port < a->p.nports && j->inflight < a->p.host_conc &&
	    tcp_engine_active(a->tcp) < a->p.max_inflight) {
		if (!active_bucket_take(&a->bucket, now, 1))
			return false;
		r = tcp_probe_start(a->tcp, j->mac, j->addr, a->p.ports[j->next_port], now,
		                    (double)a->p.probe_timeout_ms / 1000.0, j->cookie);
		if (r == MUSTER_ETOOBIG) {
			a->bucket.tokens += 1;
			return false;
		}
		if (r == 0)
			j->inflight++;
		else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		         errno == EAGAIN) {
			a->bucket.tokens += 1;
			send_failed(a, now, "tcp");
			return false;
		}
		j->next_port++;
		return true;
	}
	return false;
}

/* Whether some packet is waiting only for tokens. */
static bool
want_send(const struct active *a, double now)
{
	if (now < a->retry_at)
		return false;
	if (a->ndp && (a->echo_next < ndp_prober_naddrs(a->ndp) || a->nsq_len))
		return true;
	if (a->sweep && !arp_sweep_done(a->sweep, now) && arp_sweep_wake(a->sweep, now) == 0)
		return true;
	if (a->qlen && a->njobs < a->njobs_max)
		return true;
	for (unsigned i = 0; i < a->njobs_max; i++) {
		const struct job *j = &a->jobs[i];
		if (!j->used)
			continue;
		if (!j->arp_done || !j->udp_done)
			return true;
		if (!j->silent && j->next_port < a->p.nports && j->inflight < a->p.host_conc &&
		    tcp_engine_active(a->tcp) < a->p.max_inflight)
			return true;
	}
	return false;
}

static void
send_some(struct active *a, double now)
{
	bool progress = true;
	uint32_t addr;
	int r;

	if (now < a->retry_at)
		return;
	/* IPv6: the all-nodes echo from each of our addresses, then solicitations. */
	while (a->ndp && a->echo_next < ndp_prober_naddrs(a->ndp) &&
	       active_bucket_take(&a->bucket, now, 1)) {
		if (ndp_send_echo_all(a->ndp, a->echo_next) != 0 &&
		    (errno == EAGAIN || errno == ENOBUFS)) {
			a->bucket.tokens += 1;
			send_failed(a, now, "icmpv6-echo");
			return;
		}
		a->ctr[ACT_NDP_ECHO]++;
		a->echo_next++;
		a->ndp_last = now;
	}
	while (a->ndp && a->nsq_len && active_bucket_take(&a->bucket, now, 1)) {
		if (ndp_send_ns(a->ndp, a->nsq[a->nsq_head]) != 0 &&
		    (errno == EAGAIN || errno == ENOBUFS)) {
			a->bucket.tokens += 1;
			send_failed(a, now, "ndp-ns");
			return;
		}
		a->ctr[ACT_NDP_NS]++;
		a->ndp_last = now;
		a->nsq_head = (a->nsq_head + 1) % NS_QCAP;
		a->nsq_len--;
	}
	/* Probe rounds of known hosts first: few packets, most of the value. */
	while (a->qlen && job_start(a, now) != NULL)
		;
	while (progress && now >= a->retry_at) {
		progress = false;
		for (unsigned i = 0; i < a->njobs_max && now >= a->retry_at; i++)
			if (a->jobs[i].used && job_send(a, &a->jobs[i], now))
				progress = true;
	}
	/* The sweep takes what the rate leaves. */
	while (a->sweep && now >= a->retry_at && arp_sweep_wake(a->sweep, now) == 0 &&
	       active_bucket_wait(&a->bucket, now, 1) == 0) {
		if (!arp_sweep_next(a->sweep, now, &addr))
			break;
		if (!active_v4_allowed(&a->p, addr))
			continue;
		active_bucket_take(&a->bucket, now, 1);
		if ((r = arp_send_request(a->arp, addr, NULL)) != 0) {
			if (r == MUSTER_EPERM)
				continue;
			a->bucket.tokens += 1;
			arp_sweep_unget(a->sweep);
			send_failed(a, now, "arp-sweep");
			break;
		}
		a->ctr[ACT_ARP_SWEEP]++;
	}
}

static void
reap_jobs(struct active *a, double now)
{
	for (unsigned i = 0; i < a->njobs_max; i++) {
		struct job *j = &a->jobs[i];
		if (j->used && job_finished(a, j, now)) {
			j->used = false;
			a->njobs--;
		}
	}
}

/* Start a new round (sweep, all-nodes echo) every rescan interval. */
static void
start_round(struct active *a, double now)
{
	if (a->next_round != 0 && now < a->next_round)
		return;
	if (a->sweep && a->next_round != 0 && !arp_sweep_done(a->sweep, now))
		return;
	a->next_round = now + (double)a->p.rescan_ms / 1000.0;
	if (a->sweep) {
		arp_sweep_start(a->sweep, now);
		log_info("sweep-start", "addresses=%llu rate=%u retries=%u",
		         (unsigned long long)arp_sweep_size(a->sweep), a->p.rate_pps,
		         a->p.arp_retries);
	}
	if (a->ndp) {
		a->echo_next = 0;
		memset(a->ns_used, 0, NS_SEEN);
	}
}

void
active_tick(struct active *a, double now, time_t wall)
{
	bool sweeping;

	if (a->bucket.rate == 0) {
		double burst = a->p.rate_pps / 100.0; /* 10 ms worth */
		active_bucket_init(&a->bucket, a->p.rate_pps, burst < 1 ? 1 : burst, now);
	}
	sweeping = a->sweep && a->next_round != 0 && !arp_sweep_done(a->sweep, now);
	start_round(a, now);
	drain_events(a, now, wall);
	tcp_engine_expire(a->tcp, now, wall);
	reap_jobs(a, now);
	scan_table(a, now, wall);
	send_some(a, now);
	if (sweeping && arp_sweep_done(a->sweep, now))
		log_info("sweep-done", "addresses=%llu answered=%llu sent=%llu",
		         (unsigned long long)arp_sweep_size(a->sweep),
		         (unsigned long long)arp_sweep_nanswered(a->sweep),
		         (unsigned long long)a->ctr[ACT_ARP_SWEEP]);
}

int
active_timeout_ms(const struct active *a, double now)
{
	double next = now + 1.0, t;

	if (want_send(a, now)) {
		struct active_bucket b = a->bucket;
		t = now + active_bucket_wait(&b, now, 1);
		if (a->retry_at > t)
			t = a->retry_at;
		if (t < next)
			next = t;
	}
	if ((t = tcp_engine_next_deadline(a->tcp)) != 0 && t < next)
		next = t;
	if (a->sweep && (t = arp_sweep_wake(a->sweep, now)) != 0 && t < next)
		next = t;
	for (unsigned i = 0; i < a->njobs_max; i++)
		if (a->jobs[i].used && a->jobs[i].udp_until > now && a->jobs[i].udp_until < next)
			next = a->jobs[i].udp_until;
	if (host_table_changes(a->t) != a->scanned_changes && a->next_scan < next)
		next = a->next_scan;
	if (a->next_round != 0 && a->next_round < next)
		next = a->next_round;
	if (next <= now)
		return 0;
	return (int)ceil((next - now) * 1000.0);
}

void
active_frame(struct active *a, int dlt, const uint8_t *data, size_t caplen)
{
	struct cursor c = cursor_init(data, caplen);
	struct ether_frame f;
	struct arp_packet ap;
	uint32_t spa;
	bool ok;

	if (a->sweep == NULL)
		return;
	/* DLT_EN10MB 1, DLT_LINUX_SLL 113, DLT_LINUX_SLL2 276. */
	if (dlt == 1)
		ok = ether_decode(&c, &f);
	else if (dlt == 113)
		ok = ether_decode_sll(&c, &f);
	else if (dlt == 276)
		ok = ether_decode_sll2(&c, &f);
	else
		return;
	if (!ok || f.ethertype != ETHER_TYPE_ARP || !arp_decode(&f.payload, &ap) ||
	    arp_is_probe(&ap))
		return;
	/* Any ARP from an address (an answer, or its own request) shows it is there. */
	memcpy(&spa, ap.spa, 4);
	if (arp_sweep_answered(a->sweep, spa)) {
		a->ctr[ACT_ARP_ANSWERED]++;
		if (log_get_level() >= LOG_DEBUG_) {
			char ip[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, ap.spa, ip, sizeof(ip));
			log_debug("sweep-answer", "ip=%s", ip);
		}
	}
}

bool
active_idle(const struct active *a)
{
	double now;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (a->next_round == 0 || a->scan_pending)
		return false;
	if (a->sweep && !arp_sweep_done(a->sweep, now))
		return false;
	/* Echo replies (which lead to solicitations) and advertisements: a moment. */
	if (a->ndp &&
	    (a->echo_next < ndp_prober_naddrs(a->ndp) || a->nsq_len || now - a->ndp_last < 0.25))
		return false;
	if (a->qlen || a->njobs || tcp_engine_active(a->tcp))
		return false;
	return host_table_changes(a->t) == a->scanned_changes;
}
