/*
 * observe.c - the passive decode chain: link layer, ARP / IPv4 / IPv6, then
 * NDP, DHCP, DHCPv6, mDNS, LLMNR, NetBIOS, SSDP, TCP SYN and LLDP/CDP, each
 * turned into facts about the host that sent it.
 *
 * Which host a fact belongs to: the frame's source MAC, except DHCP (the
 * client hardware address, since relays forward it) and NDP advertisements
 * (the target link-layer address option). An IPv4 address is credited to a
 * MAC only from link-local evidence (ARP, DHCP, mDNS, LLMNR, NetBIOS, SSDP)
 * or from a TCP SYN whose TTL shows it was not routed, so a router's MAC
 * does not collect the addresses of every host behind it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "common/text.h"
#include "sensor/decode/arp.h"
#include "sensor/decode/cdp.h"
#include "sensor/decode/dhcp.h"
#include "sensor/decode/dhcpv6.h"
#include "sensor/decode/dns.h"
#include "sensor/decode/ether.h"
#include "sensor/decode/icmpv6.h"
#include "sensor/decode/ipv4.h"
#include "sensor/decode/ipv6.h"
#include "sensor/decode/lldp.h"
#include "sensor/decode/nbns.h"
#include "sensor/decode/ssdp.h"
#include "sensor/decode/tcp.h"
#include "sensor/decode/udp.h"
#include "sensor/fingerprint/fp.h"
#include "sensor/fingerprint/p0f.h"
#include "sensor/fingerprint/rules.h"
#include "sensor/hosts.h"
#include "sensor/observe.h"

static const char *const counter_names[OBS__COUNT] = {
        [OBS_PACKETS] = "packets",
        [OBS_LINKTYPE_SKIPPED] = "linktype_skipped",
        [OBS_MALFORMED_L2] = "malformed_l2",
        [OBS_MALFORMED_ARP] = "malformed_arp",
        [OBS_MALFORMED_IP] = "malformed_ip",
        [OBS_MALFORMED_ICMPV6] = "malformed_icmpv6",
        [OBS_MALFORMED_UDP] = "malformed_udp",
        [OBS_MALFORMED_TCP] = "malformed_tcp",
        [OBS_MALFORMED_DHCP] = "malformed_dhcp",
        [OBS_MALFORMED_DHCPV6] = "malformed_dhcpv6",
        [OBS_MALFORMED_DNS] = "malformed_dns",
        [OBS_MALFORMED_NBNS] = "malformed_nbns",
        [OBS_MALFORMED_SSDP] = "malformed_ssdp",
        [OBS_MALFORMED_LLDP] = "malformed_lldp",
        [OBS_MALFORMED_CDP] = "malformed_cdp",
        [OBS_ARP] = "arp",
        [OBS_DHCP] = "dhcp",
        [OBS_DHCPV6] = "dhcpv6",
        [OBS_MDNS] = "mdns",
        [OBS_LLMNR] = "llmnr",
        [OBS_NBNS] = "nbns",
        [OBS_SSDP] = "ssdp",
        [OBS_NDP] = "ndp",
        [OBS_TCP_SYN] = "tcp_syn",
        [OBS_P0F_MATCH] = "p0f_match",
        [OBS_LLDP] = "lldp",
        [OBS_CDP] = "cdp",
};

/*
 * Rule-file and p0f answers, remembered with their labels interned: the same
 * values (a DHCP request list, an SSDP SERVER line, a p0f signature) come back
 * from many hosts, and matching or interning them again costs more than the
 * rest of the packet. Bounded: once full, answers are computed each time.
 */
#define MEMO_SIZE 4096 /* entries, a power of two; filled to 3/4 at most */
#define MEMO_KEY  255  /* rule_guess() hands rules at most this much of a value */

struct memo_ent {
	const void *ptr; /* a p0f label, or the key text (owned) */
	uint32_t hash;
	uint16_t len;
	uint8_t kind; /* enum fp_kind, or MEMO_P0F + match quality */
	bool matched; /* a rule matched (whether or not it names an OS) */
	bool has_guess;
	struct host_guess g; /* src is set where it is used */
	uint16_t id;         /* MEMO_SHARED: the value's host_shared_id() */
};

/* Kinds beside enum fp_kind: shared-pool ids of raw values, and p0f labels. */
enum {
	MEMO_SHARED = 32,
	MEMO_VENDOR_CLASS = MEMO_SHARED, /* DHCP option 60 as sent */
	MEMO_PRL,                        /* DHCP option 55 as sent */
	MEMO_BANNER,                     /* SSDP SERVER, as host_add_service() is given it */
	MEMO_PRODUCT,                    /* a service's product name */
};
#define MEMO_P0F 64

struct memo {
	struct memo_ent *e;
	uint32_t n;
};

struct observer {
	struct host_table *t;
	const struct p0f_db *p0f;
	const struct fp_rules *rules;
	FILE *p0f_log;
	uint64_t n[OBS__COUNT];
	time_t now;
	struct memo memo;
	/* Decoder outputs are large (DNS keeps 32 records): keep them here, not on the stack. */
	struct dns_msg dns;
	struct dhcp_msg dhcp;
	struct dhcpv6_msg dhcpv6;
	struct nbns_msg nbns;
	struct lldp_msg lldp;
	struct cdp_msg cdp;
};

/* What the IP layer knows, handed to the transport decoders. */
struct ipinfo {
	int ver;
	const uint8_t *src, *dst; /* 4 or 16 bytes */
	uint8_t ttl;
	uint16_t opt_len;
	uint32_t quirks; /* p0f bits */
};

struct observer *
observer_new(struct host_table *t, const struct p0f_db *p0f, const struct fp_rules *rules)
{
	struct observer *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->t = t;
	o->p0f = p0f;
	o->rules = rules;
	return o;
}

void
observer_free(struct observer *o)
{
	if (o == NULL)
		return;
	for (uint32_t i = 0; o->memo.e && i < MEMO_SIZE; i++)
		if (o->memo.e[i].kind < MEMO_P0F)
			free((void *)o->memo.e[i].ptr);
	free(o->memo.e);
	free(o);
}

void
observer_set_p0f_log(struct observer *o, FILE *f)
{
	o->p0f_log = f;
}

uint64_t
observer_counter(const struct observer *o, enum obs_counter c)
{
	return (unsigned)c < OBS__COUNT ? o->n[c] : 0;
}

const char *
observer_counter_name(enum obs_counter c)
{
	return (unsigned)c < OBS__COUNT ? counter_names[c] : "unknown";
}

uint64_t
observer_malformed(const struct observer *o)
{
	uint64_t sum = 0;

	for (int i = OBS_MALFORMED_L2; i <= OBS_MALFORMED_CDP; i++)
		sum += o->n[i];
	return sum;
}

static void
add_v4(struct observer *o, struct host *h, const uint8_t a[4])
{
	uint32_t v;

	memcpy(&v, a, 4);
	host_add_v4(o->t, h, v);
}

/*
 * A hash of a memo key, eight bytes a step (keys are banners and option
 * lists tens of bytes long), with a final mix so that the low bits the memo
 * indexes by depend on every byte.
 */
static uint32_t
memo_hash(const void *p, size_t len, unsigned kind)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	const uint8_t *b = p;
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)kind << 32) ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		x = (x ^ w) * k;
		x ^= x >> 29;
	}
	if (i < len) {
		w = 0;
		for (unsigned s = 0; i < len; i++, s += 8)
			w |= (uint64_t)b[i] << s;
		x = (x ^ w) * k;
		x ^= x >> 29;
	}
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/*
 * The slot for a key: the entry holding it, or the empty one where it would
 * go. NULL when the memo cannot be had (no memory).
 */
static struct memo_ent *
memo_slot(struct memo *m, unsigned kind, const void *key, size_t len, uint32_t hash, bool by_ptr)
{
	uint32_t i = hash & (MEMO_SIZE - 1);

	if (m->e == NULL && (m->e = calloc(MEMO_SIZE, sizeof(*m->e))) == NULL)
		return NULL;
	for (;; i = (i + 1) & (MEMO_SIZE - 1)) {
		struct memo_ent *e = &m->e[i];
		if (e->ptr == NULL)
			return e;
		if (e->hash == hash && e->kind == kind && e->len == len &&
		    (by_ptr ? e->ptr == key : memcmp(e->ptr, key, len) == 0))
			return e;
	}
}

/* Keep an answer in an empty slot, unless the memo is full (then it is not kept). */
static void
memo_fill(struct memo *m, struct memo_ent *e, const struct memo_ent *val, const void *key,
          bool by_ptr)
{
	if (e == NULL || m->n >= MEMO_SIZE / 4 * 3)
		return;
	*e = *val;
	if (!by_ptr) {
		char *k = malloc(val->len + 1u);
		if (k == NULL) {
			e->ptr = NULL;
			return;
		}
		memcpy(k, key, val->len);
		k[val->len] = 0;
		e->ptr = k;
	} else {
		e->ptr = key;
	}
	m->n++;
}

static struct host_guess
guess_of(const struct fp_guess *g, enum host_src src)
{
	return host_guess_make(g->family[0] ? g->family : NULL, g->name[0] ? g->name : NULL,
	                       g->version[0] ? g->version : NULL, g->confidence, src);
}

/*
 * What the rules say of the text s (NUL-terminated, len bytes): whether one
 * matched and the guess it makes, as fp_rules_match() would answer.
 */
static struct memo_ent
rule_lookup(struct observer *o, enum fp_kind kind, const char *s, size_t len)
{
	uint32_t hash = memo_hash(s, len, kind);
	struct memo_ent *e = memo_slot(&o->memo, kind, s, len, hash, false);
	struct memo_ent v = {.hash = hash, .len = (uint16_t)len, .kind = (uint8_t)kind};
	struct fp_guess g;

	if (e && e->ptr)
		return *e;
	if ((v.matched = fp_rules_match(o->rules, kind, s, &g))) {
		v.has_guess = g.family[0] || g.name[0];
		if (v.has_guess)
			v.g = guess_of(&g, HSRC_ARP);
	}
	memo_fill(&o->memo, e, &v, s, false);
	return v;
}

/*
 * The shared-pool id of a raw value as host_set_shared() or host_add_service()
 * would intern it (kind MEMO_*), remembered, so a value seen again costs a
 * hash instead of formatting, escaping and interning.
 */
static uint16_t
shared_lookup(struct observer *o, unsigned kind, const void *key, size_t len)
{
	uint32_t hash = memo_hash(key, len, kind);
	struct memo_ent *e = memo_slot(&o->memo, kind, key, len, hash, false);
	struct memo_ent v = {.hash = hash, .len = (uint16_t)len, .kind = (uint8_t)kind};
	char prl[DHCP_PRL_STR_MAX];
	size_t n;

	if (e && e->ptr)
		return e->id;
	switch (kind) {
	case MEMO_PRL:
		n = dhcp_prl_format(key, len, prl, sizeof(prl));
		v.id = host_shared_id(prl, n, false);
		break;
	case MEMO_BANNER:
		v.id = host_shared_id(key, len, true);
		break;
	default:
		v.id = host_shared_id(key, len, false);
		break;
	}
	memo_fill(&o->memo, e, &v, key, false);
	return v.id;
}

static void
memo_apply(struct observer *o, struct host *h, const struct memo_ent *v, enum host_src src)
{
	struct host_guess g = v->g;

	if (!v->has_guess)
		return;
	g.src = (uint8_t)src;
	host_put_guess(o->t, h, g);
}

/* Apply a rule-file guess for value (kind: what the value is). */
static void
rule_guess(struct observer *o, struct host *h, enum fp_kind kind, const void *val, size_t len,
           enum host_src src)
{
	char s[MEMO_KEY + 1];
	struct memo_ent v;

	if (o->rules == NULL || len == 0)
		return;
	if (len > MEMO_KEY)
		len = MEMO_KEY;
	memcpy(s, val, len);
	s[len] = 0;
	/* The rules see the text up to a NUL, like any C string. */
	v = rule_lookup(o, kind, s, strlen(s));
	if (v.matched)
		memo_apply(o, h, &v, src);
}

/* RFC 826: the sender of any ARP packet is a host; the target of a request is not. */
static void
on_arp(struct observer *o, const struct ether_frame *f)
{
	struct arp_packet a;
	struct host *h;

	if (!arp_decode(&f->payload, &a)) {
		o->n[OBS_MALFORMED_ARP]++;
		return;
	}
	o->n[OBS_ARP]++;
	if ((h = host_touch(o->t, a.sha, o->now, HSRC_ARP)) == NULL)
		return;
	/* A probe (RFC 5227 2.1.1) has sender 0.0.0.0: the host exists, its address is not yet its own. */
	if (!arp_is_probe(&a))
		add_v4(o, h, a.spa);
	/* A reply names its sender; nothing learned about the target beyond its own frames. */
}

/*
 * A DHCP client's OS: its vendor class (option 60) names it more surely
 * than its parameter request list (option 55), which is tried when the
 * vendor class is absent or matches no rule. The list's text is the shared
 * value prl_id stands for (dhcp_prl_format()'s output, made safe), so it is
 * formatted again only when that value may have been cut.
 */
static void
dhcp_guess(struct observer *o, struct host *h, const struct dhcp_msg *m, uint16_t prl_id)
{
	char vc[DHCP_OPT_MAX + 1], buf[DHCP_PRL_STR_MAX];
	const char *prl;
	size_t prl_len;

	if (o->rules == NULL)
		return;
	if (m->vendor_class.present) {
		memcpy(vc, m->vendor_class.v, m->vendor_class.len);
		vc[m->vendor_class.len] = 0;
		if (rule_lookup(o, FP_DHCP_VENDOR, vc, strlen(vc)).matched) {
			rule_guess(o, h, FP_DHCP_VENDOR, vc, m->vendor_class.len, HSRC_DHCP);
			return;
		}
	}
	if (!m->prl.present)
		return;
	prl = host_shared(prl_id);
	prl_len = prl ? strlen(prl) : 0;
	if (prl == NULL || prl_len >= TEXT_NAME_MAX) {
		prl_len = dhcp_prl_format(m->prl.v, m->prl.len, buf, sizeof(buf));
		prl = buf;
	}
	if (prl_len)
		rule_guess(o, h, FP_DHCP_PRL, prl, prl_len, HSRC_DHCP);
}

/* RFC 2131: facts about the client, keyed by chaddr (relays keep it). */
static void
on_dhcp(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip, struct cursor *c)
{
	struct dhcp_msg *m = &o->dhcp;
	struct host *h;

	if (!dhcp_decode(c, m)) {
		o->n[OBS_MALFORMED_DHCP]++;
		return;
	}
	o->n[OBS_DHCP]++;
	if (m->op == 2) {
		/* A reply: the server (or relay) that sent it is a host too. */
		if (f->has_src && (h = host_touch(o->t, f->src, o->now, HSRC_DHCP)) != NULL)
			add_v4(o, h, ip->src);
		/* DHCPACK (type 5) binds yiaddr to the client (RFC 2131 3.1 step 5). */
		if (m->msg_type == 5 && m->htype == 1 && m->hlen == 6 &&
		    (h = host_touch(o->t, m->chaddr, o->now, HSRC_DHCP)) != NULL)
			add_v4(o, h, m->yiaddr);
		return;
	}
	if (m->htype != 1 || m->hlen != 6)
		return;
	if ((h = host_touch(o->t, m->chaddr, o->now, HSRC_DHCP)) == NULL)
		return;
	/* ciaddr is filled only by a client that holds its address (RFC 2131 4.4.5). */
	add_v4(o, h, m->ciaddr);
	if (m->hostname.present)
		host_add_name(o->t, h, m->hostname.v, m->hostname.len, HSRC_DHCP);
	if (m->has_fqdn && m->fqdn.len)
		host_add_name(o->t, h, m->fqdn.text, m->fqdn.len, HSRC_DHCP);
	/*
	 * Rules run only when what they read changed: a chatty client costs no
	 * lookups, and (values remembered as sent) no formatting either.
	 */
	bool vc = m->vendor_class.present &&
	          host_set_dhcp_vendor_class(o->t, h,
	                                     shared_lookup(o, MEMO_VENDOR_CLASS, m->vendor_class.v,
	                                                   m->vendor_class.len));
	uint16_t prl_id = m->prl.present ? shared_lookup(o, MEMO_PRL, m->prl.v, m->prl.len) : 0;
	bool pl = m->prl.present && host_set_dhcp_prl(o->t, h, prl_id);
	if (vc || pl)
		dhcp_guess(o, h, m, prl_id);
	if (m->client_id.present && m->client_id.len > 1) {
		static const char hexd[] = "0123456789abcdef";
		char hex[3 * DHCP_OPT_MAX + 1];
		size_t k = 0;
		for (size_t i = 0; i < m->client_id.len; i++) {
			if (i)
				hex[k++] = ':';
			hex[k++] = hexd[m->client_id.v[i] >> 4];
			hex[k++] = hexd[m->client_id.v[i] & 15];
		}
		host_set_client_id(o->t, h, hex, k);
	}
}

/* RFC 8415: DHCPv6 clients; the DUID may carry the MAC, the FQDN a name. */
static void
on_dhcpv6(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip,
          struct cursor *c)
{
	struct dhcpv6_msg *m = &o->dhcpv6;
	struct host *h;

	if (!dhcpv6_decode(c, m)) {
		o->n[OBS_MALFORMED_DHCPV6]++;
		return;
	}
	o->n[OBS_DHCPV6]++;
	if (m->is_relay || !f->has_src)
		return;
	if ((h = host_touch(o->t, f->src, o->now, HSRC_DHCPV6)) == NULL)
		return;
	if (ip->ver == 6 && ip->src[0] == 0xfe && (ip->src[1] & 0xc0) == 0x80)
		host_add_v6(o->t, h, ip->src);
	if (m->has_fqdn && m->fqdn.len)
		host_add_name(o->t, h, m->fqdn.text, m->fqdn.len, HSRC_DHCPV6);
	if (m->has_vendor_class && m->nvendor_class)
		rule_guess(o, h, FP_DHCP_VENDOR, m->vendor_class[0].v, m->vendor_class[0].len,
		           HSRC_DHCPV6);
}

static bool
name_ends_with(const struct dns_name *n, const char *suffix)
{
	size_t sl = strlen(suffix);

	return n->len >= sl && strncasecmp((const char *)n->text + n->len - sl, suffix, sl) == 0;
}

/*
 * mDNS (RFC 6762) and LLMNR (RFC 4795) responses: the owner names of the
 * A/AAAA records that match the sender's address are its host names;
 * SRV records are its services; device-info TXT says what it is.
 */
static void
on_dns(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip, struct cursor *c,
       bool mdns)
{
	struct dns_msg *m = &o->dns;
	enum host_src src = mdns ? HSRC_MDNS : HSRC_LLMNR;
	struct host *h;

	if (!dns_decode(c, mdns, m)) {
		o->n[OBS_MALFORMED_DNS]++;
		return;
	}
	o->n[mdns ? OBS_MDNS : OBS_LLMNR]++;
	if (!f->has_src || (h = host_touch(o->t, f->src, o->now, src)) == NULL)
		return;
	if (ip->ver == 4)
		add_v4(o, h, ip->src);
	else if (ip->src[0] == 0xfe && (ip->src[1] & 0xc0) == 0x80)
		host_add_v6(o->t, h, ip->src);
	if (!m->qr)
		return; /* a query names what the sender looks for, not itself */
	for (unsigned i = 0; i < m->nrrs; i++) {
		const struct dns_rr *rr = &m->rr[i];
		const uint8_t *v;
		size_t vlen;

		switch (rr->type) {
		case DNS_T_A:
			if (ip->ver == 4 && memcmp(rr->u.a, ip->src, 4) == 0)
				host_add_name(o->t, h, rr->name.text, rr->name.len, src);
			else if (mdns && ip->ver == 6)
				host_add_name(o->t, h, rr->name.text, rr->name.len, src);
			if (mdns)
				add_v4(o, h, rr->u.a);
			break;
		case DNS_T_AAAA:
			if (ip->ver == 6 && memcmp(rr->u.aaaa, ip->src, 16) == 0)
				host_add_name(o->t, h, rr->name.text, rr->name.len, src);
			if (mdns)
				host_add_v6(o->t, h, rr->u.aaaa);
			break;
		case DNS_T_SRV:
			/* "Name._ssh._tcp.local" on port 22: a service of the sender. */
			if (mdns && name_ends_with(&rr->name, "._tcp.local")) {
				const char *svc = memchr(rr->name.text, '_', rr->name.len);
				char type[64] = "";
				if (svc) {
					size_t l = strcspn(svc, ".");
					if (l >= sizeof(type))
						l = sizeof(type) - 1;
					memcpy(type, svc + 1, l ? l - 1 : 0);
					type[l ? l - 1 : 0] = 0;
				}
				host_add_service(o->t, h, IPPROTO_TCP, rr->u.srv.port, NULL,
				                 type[0] ? type : NULL);
			}
			break;
		case DNS_T_PTR:
			/* "_workstation._tcp.local" and kin say what the host offers. */
			if (mdns) {
				/* Rules name the service type without the domain. */
				size_t n = rr->name.len;
				if (name_ends_with(&rr->name, ".local"))
					n -= 6;
				rule_guess(o, h, FP_MDNS_SERVICE, rr->name.text, n, src);
			}
			break;
		case DNS_T_TXT:
			if (mdns && dns_txt_find(rr, "model", &v, &vlen))
				rule_guess(o, h, FP_MDNS_MODEL, v, vlen, src);
			break;
		case DNS_T_HINFO:
			if (rr->u.hinfo.os_len)
				rule_guess(o, h, FP_MDNS_MODEL, rr->u.hinfo.os, rr->u.hinfo.os_len,
				           src);
			break;
		default:
			break;
		}
	}
}

/* RFC 1002 4.2: NetBIOS registrations and answers name their sender. */
static void
on_nbns(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip, struct cursor *c)
{
	struct nbns_msg *m = &o->nbns;
	struct host *h;

	if (!nbns_decode(c, m)) {
		o->n[OBS_MALFORMED_NBNS]++;
		return;
	}
	o->n[OBS_NBNS]++;
	if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_NETBIOS)) == NULL)
		return;
	if (ip->ver == 4)
		add_v4(o, h, ip->src);
	bool claims = (!m->response &&
	               (m->opcode == NBNS_OP_REGISTRATION || m->opcode == NBNS_OP_REFRESH ||
	                m->opcode == NBNS_OP_REFRESH_ALT || m->opcode == NBNS_OP_MULTIHOMED)) ||
	              (m->response && m->opcode == NBNS_OP_QUERY && m->rcode == 0 && m->nnb);
	if (claims && m->has_rr && m->rrname.len) {
		bool group = m->nnb && (m->nb[0].flags & 0x8000);
		/* Unique workstation (0x00) and server (0x20) names are the machine's name. */
		if (!group && (m->rrname.suffix == 0x00 || m->rrname.suffix == 0x20))
			host_add_name(o->t, h, m->rrname.name, m->rrname.len, HSRC_NETBIOS);
	}
	if (m->has_nbstat) {
		for (unsigned i = 0; i < m->nbstat.nnames; i++) {
			const struct nbns_node_name *nn = &m->nbstat.names[i];
			if (!nn->group && nn->suffix == 0x00)
				host_add_name(o->t, h, nn->name, nn->len, HSRC_NETBIOS);
		}
	}
}

/* UPnP DA 1.1 section 1: SSDP NOTIFY and M-SEARCH answers carry SERVER. */
static void
on_ssdp(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip, struct cursor *c)
{
	struct ssdp_msg m;
	struct host *h;
	char server[TEXT_BANNER_MAX + 1];

	if (!ssdp_decode(c, &m)) {
		o->n[OBS_MALFORMED_SSDP]++;
		return;
	}
	o->n[OBS_SSDP]++;
	if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_SSDP)) == NULL)
		return;
	if (ip->ver == 4)
		add_v4(o, h, ip->src);
	if (m.kind != SSDP_MSEARCH && m.server.len) {
		size_t n = m.server.len < sizeof(server) - 1 ? m.server.len : sizeof(server) - 1;
		memcpy(server, m.server.p, n);
		server[n] = 0;
		/* host_add_service(server, "ssdp"), the ids remembered (interned in that order). */
		if (host_service_room(h, IPPROTO_UDP, 1900)) {
			uint16_t banner = shared_lookup(o, MEMO_BANNER, server, strlen(server));
			uint16_t product = shared_lookup(o, MEMO_PRODUCT, "ssdp", 4);
			if (host_add_service_ids(o->t, h, IPPROTO_UDP, 1900, banner, product))
				rule_guess(o, h, FP_SSDP_SERVER, m.server.p, m.server.len,
				           HSRC_SSDP);
		}
	}
}

static void
on_udp(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip,
       const struct cursor *in)
{
	struct udp_datagram u;

	if (!udp_decode(in, &u)) {
		o->n[OBS_MALFORMED_UDP]++;
		return;
	}
	struct cursor c = u.payload;
	if ((u.sport == 68 && u.dport == 67) || (u.sport == 67 && u.dport == 68) ||
	    (u.sport == 67 && u.dport == 67))
		on_dhcp(o, f, ip, &c);
	else if (u.dport == 547 || u.sport == 547)
		on_dhcpv6(o, f, ip, &c);
	else if (u.sport == 5353 || u.dport == 5353)
		on_dns(o, f, ip, &c, true);
	else if (u.sport == 5355 || u.dport == 5355)
		on_dns(o, f, ip, &c, false);
	else if (u.sport == 137 || u.dport == 137)
		on_nbns(o, f, ip, &c);
	else if (u.dport == 1900 || u.sport == 1900)
		on_ssdp(o, f, ip, &c);
}

static uint32_t
p0f_quirks(const struct ipinfo *ip, const struct tcp_segment *t)
{
	uint32_t q = ip->quirks;
	static const struct {
		uint32_t tcp, p0f;
	} map[] = {
	        {TCP_Q_SEQ_MINUS, P0F_Q_SEQ_ZERO},  {TCP_Q_ACK_PLUS, P0F_Q_ACK_NZ},
	        {TCP_Q_ACK_MINUS, P0F_Q_ACK_ZERO},  {TCP_Q_UPTR_PLUS, P0F_Q_UPTR_NZ},
	        {TCP_Q_URGF_PLUS, P0F_Q_URG},       {TCP_Q_PUSHF_PLUS, P0F_Q_PUSH},
	        {TCP_Q_TS1_MINUS, P0F_Q_TS1_ZERO},  {TCP_Q_TS2_PLUS, P0F_Q_TS2_NZ},
	        {TCP_Q_OPT_PLUS, P0F_Q_OPT_NZ_PAD}, {TCP_Q_EXWS, P0F_Q_EXWS},
	        {TCP_Q_BAD, P0F_Q_BAD_OPT},         {TCP_Q_ECN, P0F_Q_ECN},
	};

	for (size_t i = 0; i < MUSTER_NELEM(map); i++)
		if (t->quirks & map[i].tcp)
			q |= map[i].p0f;
	return q;
}

static void
log_p0f(struct observer *o, const struct ipinfo *ip, const struct tcp_segment *t, bool synack,
        const struct p0f_match *m, bool matched)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = ip->ver == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, ip->src, s, sizeof(s));
	inet_ntop(af, ip->dst, d, sizeof(d));
	fprintf(o->p0f_log, "%s %s/%u -> %s/%u os=", synack ? "syn+ack" : "syn", s, t->sport, d,
	        t->dport);
	if (matched)
		fprintf(o->p0f_log, "%s:%s%s%s%s dist=%d\n", m->label->generic ? "g" : "s",
		        m->label->name, m->label->flavor[0] ? " " : "", m->label->flavor,
		        m->fuzzy ? " (fuzzy)" : "", m->distance);
	else
		fprintf(o->p0f_log, "???\n");
}

/* p0f_match_to_guess() of a match: it depends only on the label and the match quality. */
static struct memo_ent
p0f_lookup(struct observer *o, const struct p0f_match *m)
{
	unsigned kind = MEMO_P0F + (m->generic ? 2u : 0u) + (m->fuzzy ? 1u : 0u);
	uint32_t hash = memo_hash(&m->label, sizeof(m->label), kind);
	struct memo_ent *e = memo_slot(&o->memo, kind, m->label, 0, hash, true);
	struct memo_ent v = {.hash = hash, .kind = (uint8_t)kind, .matched = true};
	struct fp_guess g;

	if (e && e->ptr)
		return *e;
	if ((v.has_guess = p0f_match_to_guess(m, &g)))
		v.g = guess_of(&g, HSRC_P0F);
	memo_fill(&o->memo, e, &v, m->label, true);
	return v;
}

/* SYN and SYN+ACK: p0f signature matching (RFC 9293 3.1 header, RFC 7323 options). */
static void
on_tcp(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip,
       const struct cursor *in)
{
	struct tcp_segment t;
	struct p0f_tcp_obs obs = {0};
	struct p0f_match m;
	struct host *h;
	bool synack, matched;

	if (!tcp_decode(in, &t)) {
		o->n[OBS_MALFORMED_TCP]++;
		return;
	}
	synack = tcp_is_synack(&t);
	if (!synack && !tcp_is_syn(&t))
		return;
	o->n[OBS_TCP_SYN]++;
	obs.ip_ver = (uint8_t)ip->ver;
	obs.ttl = ip->ttl;
	obs.ip_opt_len = ip->opt_len;
	obs.has_mss = t.has_mss;
	obs.mss = t.mss;
	obs.win = t.window;
	obs.wscale = t.has_ws ? (int8_t)(t.ws > 127 ? 127 : t.ws) : -1;
	obs.olayout_len = t.n_opts > P0F_MAX_OPTS ? P0F_MAX_OPTS : t.n_opts;
	memcpy(obs.olayout, t.opt_kinds, obs.olayout_len);
	obs.eol_pad = t.eol_pad;
	obs.quirks = p0f_quirks(ip, &t);
	obs.payload = t.has_payload;
	obs.syn_ack = synack;
	matched = o->p0f && p0f_match_tcp(o->p0f, &obs, &m);
	if (matched)
		o->n[OBS_P0F_MATCH]++;
	if (o->p0f_log)
		log_p0f(o, ip, &t, synack, &m, matched);
	/*
	 * Only an unrouted sender (its TTL still at an initial value) owns the
	 * frame's source MAC; a SYN+ACK also says that port is open.
	 */
	if (!f->has_src || p0f_guess_ittl(ip->ttl) != ip->ttl)
		return;
	if ((h = host_touch(o->t, f->src, o->now, HSRC_TCP)) == NULL)
		return;
	if (ip->ver == 4)
		add_v4(o, h, ip->src);
	else
		host_add_v6(o->t, h, ip->src);
	if (synack)
		host_add_service(o->t, h, IPPROTO_TCP, t.sport, NULL, NULL);
	if (matched) {
		struct memo_ent v = p0f_lookup(o, &m);
		memo_apply(o, h, &v, HSRC_P0F);
	}
}

/* RFC 4861: solicitations and advertisements tell who holds which address. */
static void
on_icmpv6(struct observer *o, const struct ether_frame *f, const struct ipinfo *ip,
          const struct cursor *in)
{
	struct icmpv6_msg m;
	struct host *h;
	static const uint8_t unspec[16];
	bool dad;

	if (!icmpv6_decode(in, &m)) {
		o->n[OBS_MALFORMED_ICMPV6]++;
		return;
	}
	if (!icmpv6_is_ndp(&m))
		return;
	o->n[OBS_NDP]++;
	dad = memcmp(ip->src, unspec, 16) == 0;
	switch (m.type) {
	case ICMPV6_ND_NA:
		/* The advertiser owns the target; the option names its MAC (4.4). */
		if ((h = host_touch(o->t, m.has_tll ? m.tll : f->src, o->now, HSRC_NDP)) != NULL)
			host_add_v6(o->t, h, m.target);
		break;
	case ICMPV6_ND_NS:
		if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_NDP)) == NULL)
			break;
		/* A DAD probe (source ::) claims the target for the sender (RFC 4862 5.4.2). */
		host_add_v6(o->t, h, dad ? m.target : ip->src);
		break;
	case ICMPV6_ND_RS:
	case ICMPV6_ND_RA:
		if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_NDP)) == NULL)
			break;
		if (!dad)
			host_add_v6(o->t, h, ip->src);
		break;
	default:
		break;
	}
}

static void
on_ipv4(struct observer *o, const struct ether_frame *f)
{
	struct ipv4_packet p;
	struct ipinfo ip = {0};

	if (!ipv4_decode(&f->payload, &p)) {
		o->n[OBS_MALFORMED_IP]++;
		return;
	}
	if (!p.has_l4)
		return;
	ip.ver = 4;
	ip.src = p.src;
	ip.dst = p.dst;
	ip.ttl = p.ttl;
	ip.opt_len = p.opt_len;
	if (p.quirks & IPV4_Q_DF)
		ip.quirks |= P0F_Q_DF;
	if (p.quirks & IPV4_Q_ID_PLUS)
		ip.quirks |= P0F_Q_ID_NZ;
	if (p.quirks & IPV4_Q_ID_MINUS)
		ip.quirks |= P0F_Q_ID_ZERO;
	if (p.quirks & IPV4_Q_ECN)
		ip.quirks |= P0F_Q_ECN;
	if (p.quirks & IPV4_Q_ZERO_PLUS)
		ip.quirks |= P0F_Q_MBZ_NZ;
	if (p.proto == IPPROTO_UDP)
		on_udp(o, f, &ip, &p.payload);
	else if (p.proto == IPPROTO_TCP)
		on_tcp(o, f, &ip, &p.payload);
}

static void
on_ipv6(struct observer *o, const struct ether_frame *f)
{
	struct ipv6_packet p;
	struct ipinfo ip = {0};
	struct host *h;

	if (!ipv6_decode(&f->payload, &p)) {
		o->n[OBS_MALFORMED_IP]++;
		return;
	}
	/* Link-local sources are always on this link: credit them to the sender. */
	if (p.src[0] == 0xfe && (p.src[1] & 0xc0) == 0x80 && f->has_src &&
	    (h = host_find(o->t, f->src)) != NULL)
		host_add_v6(o->t, h, p.src);
	if (!p.has_l4)
		return;
	ip.ver = 6;
	ip.src = p.src;
	ip.dst = p.dst;
	ip.ttl = p.hop_limit;
	ip.opt_len = (uint16_t)(p.n_ext ? 8 * p.n_ext : 0);
	if (p.quirks & IPV6_Q_FLOW)
		ip.quirks |= P0F_Q_FLOW;
	if (p.quirks & IPV6_Q_ECN)
		ip.quirks |= P0F_Q_ECN;
	if (p.proto == IPPROTO_UDP)
		on_udp(o, f, &ip, &p.payload);
	else if (p.proto == IPPROTO_TCP)
		on_tcp(o, f, &ip, &p.payload);
	else if (p.proto == IPPROTO_ICMPV6)
		on_icmpv6(o, f, &ip, &p.payload);
}

/* IEEE 802.1AB: a switch or host announcing itself; its system name and description. */
static void
on_lldp(struct observer *o, const struct ether_frame *f)
{
	struct lldp_msg *l = &o->lldp;
	struct host *h;
	struct cursor c = f->payload;

	if (!lldp_decode(&c, l)) {
		o->n[OBS_MALFORMED_LLDP]++;
		return;
	}
	o->n[OBS_LLDP]++;
	if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_LLDP)) == NULL)
		return;
	if (l->sys_name.len)
		host_add_name(o->t, h, l->sys_name.v, l->sys_name.len, HSRC_LLDP);
	if (l->sys_desc.len)
		rule_guess(o, h, FP_LLDP_SYSDESC, l->sys_desc.v, l->sys_desc.len, HSRC_LLDP);
}

/* CDP over SNAP: device id, platform and software version. */
static void
on_cdp(struct observer *o, const struct ether_frame *f)
{
	struct cdp_msg *p = &o->cdp;
	struct host *h;
	struct cursor c = f->payload;

	if (!cdp_decode(&c, p)) {
		o->n[OBS_MALFORMED_CDP]++;
		return;
	}
	o->n[OBS_CDP]++;
	if (!f->has_src || (h = host_touch(o->t, f->src, o->now, HSRC_CDP)) == NULL)
		return;
	if (p->device_id.len)
		host_add_name(o->t, h, p->device_id.p, p->device_id.len, HSRC_CDP);
	if (p->software.len)
		rule_guess(o, h, FP_LLDP_SYSDESC, p->software.p, p->software.len, HSRC_CDP);
	else if (p->platform.len)
		rule_guess(o, h, FP_CDP_PLATFORM, p->platform.p, p->platform.len, HSRC_CDP);
}

void
observer_prefetch(void *arg, int dlt, const uint8_t *data, size_t caplen, int stage)
{
	struct observer *o = arg;

	/* Most frames concern their Ethernet source (DHCP's chaddr is usually the same). */
	if (dlt != DLT_EN10MB || caplen < 12 || (data[6] & 1))
		return;
	/*
	 * The host's block only for IPv4/IPv6 UDP (names, services, addresses
	 * come that way); a TCP SYN, ARP or the like needs only the record.
	 */
	if (stage >= 2 &&
	    !(caplen >= 24 && ((data[12] == 0x08 && data[13] == 0x00 && data[23] == 17) ||
	                       (data[12] == 0x86 && data[13] == 0xdd && data[20] == 17))))
		return;
	host_table_prefetch(o->t, data + 6, stage);
}

void
observer_packet(struct observer *o, int dlt, const struct timeval *ts, const uint8_t *data,
                size_t caplen)
{
	struct cursor in = cursor_init(data, caplen);
	struct ether_frame f;
	bool ok;

	o->n[OBS_PACKETS]++;
	o->now = ts->tv_sec;
	switch (dlt) {
	case DLT_EN10MB:
		ok = ether_decode(&in, &f);
		break;
	case DLT_LINUX_SLL:
		ok = ether_decode_sll(&in, &f);
		break;
	case DLT_LINUX_SLL2:
		ok = ether_decode_sll2(&in, &f);
		break;
	default:
		o->n[OBS_LINKTYPE_SKIPPED]++;
		return;
	}
	if (!ok) {
		o->n[OBS_MALFORMED_L2]++;
		return;
	}
	if (ether_is_lldp(&f)) {
		on_lldp(o, &f);
		return;
	}
	if (ether_is_cdp(&f)) {
		on_cdp(o, &f);
		return;
	}
	switch (f.ethertype) {
	case ETHER_TYPE_ARP:
		on_arp(o, &f);
		break;
	case ETHER_TYPE_IPV4:
		on_ipv4(o, &f);
		break;
	case ETHER_TYPE_IPV6:
		on_ipv6(o, &f);
		break;
	default:
		break;
	}
}
