/* arp.c - ARP requests sent through libnet (RFC 826 "Packet Generation"), and subnet sweeps. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libnet.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/muster.h"
#include "sensor/probe/arp.h"

/* An attached subnet: host-order base and mask, and our own address in it. */
struct arp_subnet {
	uint32_t net, mask, self;
};

struct arp_sender {
	libnet_t *l;
	libnet_ptag_t arp_tag, eth_tag;
	uint8_t mac[6];
	size_t nsub;
	struct arp_subnet sub[NET_IFACE_MAX_ADDRS];
};

static uint32_t
prefix_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

struct arp_sender *
arp_sender_new(const struct net_iface *ifc, char *err, size_t errlen)
{
	char ebuf[LIBNET_ERRBUF_SIZE] = "";
	struct arp_sender *s;
	int fl;

	if (!ifc->has_mac || ifc->hatype != ARPHRD_ETHER) {
		snprintf(err, errlen, "%s: not an Ethernet interface, no ARP", ifc->name);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(s->mac, ifc->mac.b, 6);
	for (size_t i = 0; i < ifc->naddrs; i++) {
		const struct cidr *c = &ifc->addrs[i];
		if (c->addr.family != AF_INET || c->prefix < 1 || c->prefix > 32)
			continue;
		s->sub[s->nsub].mask = prefix_mask(c->prefix);
		s->sub[s->nsub].self = net_ip_v4(&c->addr);
		s->sub[s->nsub].net = s->sub[s->nsub].self & s->sub[s->nsub].mask;
		s->nsub++;
	}
	if (s->nsub == 0) {
		snprintf(err, errlen, "%s: no IPv4 address, no attached subnet to ask in",
		         ifc->name);
		goto fail;
	}
	if ((s->l = libnet_init(LIBNET_LINK, ifc->name, ebuf)) == NULL) {
		snprintf(err, errlen, "libnet: %s", ebuf);
		goto fail;
	}
	/* Never block the capture loop: a full socket buffer is retried later. */
	fl = fcntl(libnet_getfd(s->l), F_GETFL);
	if (fl < 0 || fcntl(libnet_getfd(s->l), F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "libnet socket: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	arp_sender_free(s);
	return NULL;
}

void
arp_sender_free(struct arp_sender *s)
{
	if (s == NULL)
		return;
	if (s->l)
		libnet_destroy(s->l);
	free(s);
}

static const struct arp_subnet *
subnet_of(const struct arp_sender *s, uint32_t a)
{
	for (size_t i = 0; i < s->nsub; i++)
		if ((a & s->sub[i].mask) == s->sub[i].net)
			return &s->sub[i];
	return NULL;
}

bool
arp_sender_covers(const struct arp_sender *s, uint32_t addr_be)
{
	uint32_t a = ntohl(addr_be);

	for (size_t i = 0; i < s->nsub; i++)
		if (a == s->sub[i].self)
			return false;
	return subnet_of(s, a) != NULL;
}

int
arp_send_request(struct arp_sender *s, uint32_t tpa_be, const uint8_t *dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t unknown[6];
	const struct arp_subnet *sub;
	uint32_t spa_be;

	if (!arp_sender_covers(s, tpa_be) || (sub = subnet_of(s, ntohl(tpa_be))) == NULL)
		return MUSTER_EPERM;
	spa_be = htonl(sub->self);
	/* RFC 826: a request carries our pair and the wanted protocol address; tha unknown. */
	s->arp_tag = libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, ARPOP_REQUEST, s->mac,
	                              (const uint8_t *)&spa_be, unknown, (const uint8_t *)&tpa_be,
	                              NULL, 0, s->l, s->arp_tag);
	if (s->arp_tag == -1)
		return MUSTER_EIO;
	s->eth_tag = libnet_build_ethernet(dst ? dst : bcast, s->mac, ETHERTYPE_ARP, NULL, 0, s->l,
	                                   s->eth_tag);
	if (s->eth_tag == -1)
		return MUSTER_EIO;
	errno = 0;
	if (libnet_write(s->l) < 0) {
		if (errno == 0)
			errno = EIO;
		return MUSTER_EIO;
	}
	return 0;
}

/* --- the sweep ------------------------------------------------------------- */

#define SWEEP_BLOCK 256

struct sweep_range {
	uint32_t first, count; /* host order; hosts first .. first + count - 1 */
	uint64_t bit0;         /* index of its first bit in the answered map */
};

struct arp_sweep {
	size_t nrange;
	struct sweep_range range[NET_IFACE_MAX_ADDRS];
	uint32_t self[NET_IFACE_MAX_ADDRS];
	size_t nself;
	uint64_t size, nanswered, nself_in; /* own addresses inside the ranges */
	uint8_t *answered;                  /* one bit per address */
	unsigned retries, pass;
	double timeout;
	size_t r;   /* range of the next address */
	uint32_t i; /* its index in the range */
	/*
	 * When each block of SWEEP_BLOCK addresses was last asked, in the
	 * previous and the current pass: a retry waits until its block's
	 * previous ask is `timeout` old, so passes follow each other without a
	 * gap and no address is asked again before its timeout ran out.
	 */
	double *asked_prev, *asked_cur;
	size_t nblocks;
	double wait_until; /* the next address is due then */
	bool started, sent_all;
	double done_at; /* when the last pass's timeout runs out */
	size_t last_r;  /* position of the address last handed out */
	uint32_t last_i;
};

struct arp_sweep *
arp_sweep_new(const struct net_iface *ifc, int min_prefix, unsigned retries, double timeout)
{
	struct arp_sweep *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->retries = retries;
	w->timeout = timeout;
	for (size_t k = 0; k < ifc->naddrs; k++) {
		struct cidr c = ifc->addrs[k];
		char txt[NET_CIDR_STRLEN];
		struct ipaddr first;
		bool dup = false;

		if (c.addr.family != AF_INET)
			continue;
		w->self[w->nself++] = net_ip_v4(&c.addr);
		net_cidr_normalize(&c);
		net_cidr_format(&c, txt);
		if (c.prefix < min_prefix) {
			log_warn("sweep-refused",
			         "iface=%s subnet=%s reason=\"wider than /%d (sweep_min_prefix)\"",
			         ifc->name, txt, min_prefix);
			continue;
		}
		if (c.prefix >= 32 || !net_cidr_v4_first(&c, &first))
			continue;
		for (size_t j = 0; j < w->nrange; j++)
			if (w->range[j].first == net_ip_v4(&first))
				dup = true;
		if (dup)
			continue;
		w->range[w->nrange].first = net_ip_v4(&first);
		w->range[w->nrange].count = (uint32_t)net_cidr_v4_hosts(&c);
		w->range[w->nrange].bit0 = w->size;
		w->size += w->range[w->nrange].count;
		w->nrange++;
		log_info("sweep-subnet", "iface=%s subnet=%s addresses=%u", ifc->name, txt,
		         (unsigned)net_cidr_v4_hosts(&c));
	}
	w->nblocks = (size_t)((w->size + SWEEP_BLOCK - 1) / SWEEP_BLOCK);
	if (w->size == 0 || (w->answered = calloc((size_t)(w->size + 7) / 8, 1)) == NULL ||
	    (w->asked_prev = calloc(w->nblocks, sizeof(double))) == NULL ||
	    (w->asked_cur = calloc(w->nblocks, sizeof(double))) == NULL) {
		if (w->size == 0)
			log_warn("sweep-empty",
			         "iface=%s reason=\"no attached IPv4 subnet to sweep\"", ifc->name);
		arp_sweep_free(w);
		return NULL;
	}
	return w;
}

void
arp_sweep_free(struct arp_sweep *w)
{
	if (w == NULL)
		return;
	free(w->answered);
	free(w->asked_prev);
	free(w->asked_cur);
	free(w);
}

static bool
bit_get(const struct arp_sweep *w, uint64_t b)
{
	return w->answered[b >> 3] & (1u << (b & 7));
}

static bool
find_bit(const struct arp_sweep *w, uint32_t a, uint64_t *bit)
{
	for (size_t j = 0; j < w->nrange; j++) {
		const struct sweep_range *rg = &w->range[j];
		if (a >= rg->first && a - rg->first < rg->count) {
			*bit = rg->bit0 + (a - rg->first);
			return true;
		}
	}
	return false;
}

void
arp_sweep_start(struct arp_sweep *w, double now)
{
	uint64_t b;

	memset(w->answered, 0, (size_t)(w->size + 7) / 8);
	w->nanswered = 0;
	w->nself_in = 0;
	/* Our own addresses count as answered: never asked, never waited for. */
	for (size_t j = 0; j < w->nself; j++) {
		if (find_bit(w, w->self[j], &b) && !bit_get(w, b)) {
			w->answered[b >> 3] |= (uint8_t)(1u << (b & 7));
			w->nself_in++;
		}
	}
	w->pass = 0;
	w->r = 0;
	w->i = 0;
	w->wait_until = 0;
	memset(w->asked_prev, 0, w->nblocks * sizeof(double));
	memset(w->asked_cur, 0, w->nblocks * sizeof(double));
	w->started = true;
	w->sent_all = false;
	w->done_at = 0;
}

static bool
all_answered(const struct arp_sweep *w)
{
	return w->nanswered + w->nself_in >= w->size;
}

bool
arp_sweep_next(struct arp_sweep *w, double now, uint32_t *addr_be)
{
	if (!w->started || w->sent_all || now < w->wait_until)
		return false;
	for (;;) {
		if (w->r >= w->nrange || all_answered(w)) {
			/* End of a pass. */
			if (w->pass >= w->retries || all_answered(w)) {
				w->sent_all = true;
				w->done_at = all_answered(w) ? now : now + w->timeout;
				return false;
			}
			double *t = w->asked_prev;
			w->asked_prev = w->asked_cur;
			w->asked_cur = t;
			memset(w->asked_cur, 0, w->nblocks * sizeof(double));
			w->pass++;
			w->r = 0;
			w->i = 0;
			continue;
		}
		const struct sweep_range *rg = &w->range[w->r];
		if (w->i >= rg->count) {
			w->r++;
			w->i = 0;
			continue;
		}
		uint64_t b = rg->bit0 + w->i;
		if (bit_get(w, b)) {
			w->i++;
			continue;
		}
		/* A retry: not before the timeout of its previous ask ran out. */
		double due = w->asked_prev[b / SWEEP_BLOCK] + w->timeout;
		if (w->pass > 0 && now < due) {
			w->wait_until = due;
			return false;
		}
		w->asked_cur[b / SWEEP_BLOCK] = now;
		w->last_r = w->r;
		w->last_i = w->i;
		w->i++;
		*addr_be = htonl(rg->first + (uint32_t)(b - rg->bit0));
		return true;
	}
}

void
arp_sweep_unget(struct arp_sweep *w)
{
	w->r = w->last_r;
	w->i = w->last_i;
}

bool
arp_sweep_answered(struct arp_sweep *w, uint32_t addr_be)
{
	uint64_t b;

	if (!find_bit(w, ntohl(addr_be), &b) || bit_get(w, b))
		return false;
	w->answered[b >> 3] |= (uint8_t)(1u << (b & 7));
	w->nanswered++;
	return true;
}

bool
arp_sweep_is_answered(const struct arp_sweep *w, uint32_t addr_be)
{
	uint64_t b;

	return find_bit(w, ntohl(addr_be), &b) && bit_get(w, b);
}

bool
arp_sweep_done(const struct arp_sweep *w, double now)
{
	return !w->started || all_answered(w) || (w->sent_all && now >= w->done_at);
}

double
arp_sweep_wake(const struct arp_sweep *w, double now)
{
	if (!w->started || all_answered(w))
		return 0;
	if (w->sent_all)
		return now < w->done_at ? w->done_at : 0;
	return now < w->wait_until ? w->wait_until : 0;
}

uint64_t
arp_sweep_size(const struct arp_sweep *w)
{
	return w->size - w->nself_in;
}

uint64_t
arp_sweep_nanswered(const struct arp_sweep *w)
{
	return w->nanswered;
}
