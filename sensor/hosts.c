/*
 * hosts.c - the host table: MAC-keyed hash (linear probing, backward-shift
 * deletion) over a slot array, with an LRU list for eviction when full.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "common/net.h"
#include "common/oui.h"
#include "common/text.h"
#include "sensor/fingerprint/combine.h"
#include "sensor/fingerprint/fp.h"
#include "sensor/hosts.h"

#define NIL UINT32_MAX

static const char *const src_names[HSRC__COUNT] = {
        [HSRC_ARP] = "arp",   [HSRC_DHCP] = "dhcp",   [HSRC_DHCPV6] = "dhcpv6",
        [HSRC_MDNS] = "mdns", [HSRC_LLMNR] = "llmnr", [HSRC_NETBIOS] = "netbios",
        [HSRC_SSDP] = "ssdp", [HSRC_NDP] = "ndp",     [HSRC_TCP] = "tcp",
        [HSRC_LLDP] = "lldp", [HSRC_CDP] = "cdp",     [HSRC_SMB] = "smb",
        [HSRC_SSH] = "ssh",   [HSRC_HTTP] = "http",   [HSRC_P0F] = "p0f",
        [HSRC_IP] = "ip",
};

const char *
host_src_name(enum host_src s)
{
	return (unsigned)s < HSRC__COUNT ? src_names[s] : "unknown";
}

bool
host_src_parse(const char *name, enum host_src *out)
{
	for (int i = 0; i < HSRC__COUNT; i++) {
		if (strcmp(name, src_names[i]) == 0) {
			*out = (enum host_src)i;
			return true;
		}
	}
	return false;
}

/*
 * String pools: few distinct values exist of OS labels (rule and signature
 * names) and of DHCP request lists and vendor classes, so each is kept once
 * for the process and found through a small hash. A pool holds at most
 * HOST_MAX_LABELS strings; past that, new values are not kept (counted in
 * pool_full). Two pools, so that a flood of odd DHCP values can never crowd
 * out OS labels.
 */
struct strpool {
	char **v; /* v[0] unused: id 0 means none */
	uint32_t n, cap;
	uint16_t *hash; /* open addressing, 0 = empty */
	uint32_t hmask;
	uint64_t full;
};

static struct strpool labels, shared;

/*
 * text_sanitize() with a fast path: printable ASCII without a backslash
 * comes out as it went in, so it is only copied (most names and banners).
 */
static size_t
make_safe(const void *in, size_t len, char *out, size_t outsz)
{
	const uint8_t *p = in;
	size_t i;

	if (len < outsz) {
		for (i = 0; i < len; i++)
			if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
				break;
		if (i == len) {
			memcpy(out, in, len);
			out[len] = 0;
			return len;
		}
	}
	return text_sanitize(in, len, out, outsz);
}

struct host_table {
	struct host *slots; /* `used` entries live, free ones chained by lru_next */
	uint32_t used, cap, count, free_head;
	/* hash -> (MAC, slot); slot NIL when empty. The MAC is kept here so a
	 * probe does not touch the host records. */
	struct index_ent {
		uint64_t key;
		uint32_t slot;
	} * index;
	uint32_t index_mask;
	uint32_t lru_head, lru_tail; /* head: most recently seen */
	uint64_t changes, evictions;
	host_evict_fn evict_fn;
	host_restore_fn restore_fn;
	void *hook_arg;
};

static uint64_t
mac_key(const uint8_t m[6])
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | m[5];
}

struct host_table *
host_table_new(uint32_t cap)
{
	struct host_table *t;
	uint32_t isz = 16;

	if (cap == 0 || cap > (1u << 26))
		return NULL;
	while (isz < cap * 2)
		isz <<= 1;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->index = malloc(sizeof(*t->index) * isz)) == NULL) {
		free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < isz; i++)
		t->index[i].slot = NIL;
	t->index_mask = isz - 1;
	t->cap = cap;
	t->free_head = NIL;
	t->lru_head = t->lru_tail = NIL;
	return t;
}

static void
host_release(struct host *h)
{
	for (int i = 0; i < h->n_names; i++)
		free(h->names[i].name);
	free(h->names);
	for (int i = 0; i < h->n_services; i++) {
	}
	free(h->services);
	free(h->v6);
	free(h->dhcp_client_id);
	if (h->smb) {
		free(h->smb->netbios_name);
		free(h->smb->netbios_domain);
		free(h->smb->dns_name);
		free(h->smb->dns_domain);
		free(h->smb->forest);
		free(h->smb->dialect);
		free(h->smb);
	}
}

void
host_table_free(struct host_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = t->lru_head; i != NIL; i = t->slots[i].lru_next)
		host_release(&t->slots[i]);
	free(t->slots);
	free(t->index);
	free(t);
}

void
host_table_set_hooks(struct host_table *t, host_evict_fn ev, host_restore_fn rs, void *arg)
{
	t->evict_fn = ev;
	t->restore_fn = rs;
	t->hook_arg = arg;
}

static uint32_t
label_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool
pool_grow(struct strpool *p)
{
	uint32_t ncap = p->cap ? p->cap * 2 : 64, nmask = ncap * 2 - 1;
	char **nv = realloc(p->v, sizeof(*nv) * ncap);
	uint16_t *nh;

	if (nv == NULL)
		return false;
	p->v = nv;
	if ((nh = calloc((size_t)nmask + 1, sizeof(*nh))) == NULL)
		return false;
	for (uint32_t id = 1; id < p->n; id++) {
		uint32_t i = label_hash(p->v[id]) & nmask;
		while (nh[i])
			i = (i + 1) & nmask;
		nh[i] = (uint16_t)id;
	}
	free(p->hash);
	p->hash = nh;
	p->hmask = nmask;
	p->cap = ncap;
	return true;
}

/* The id of safe text s in p, adding it when new; 0 when p is full or on OOM. */
static uint16_t
pool_intern(struct strpool *p, const char *s)
{
	uint32_t i;
	char *d;

	if (s == NULL || *s == 0)
		return 0;
	if (p->n == 0)
		p->n = 1;
	if (p->hash) {
		for (i = label_hash(s) & p->hmask; p->hash[i]; i = (i + 1) & p->hmask)
			if (strcmp(p->v[p->hash[i]], s) == 0)
				return p->hash[i];
	}
	if (p->n > HOST_MAX_LABELS) {
		p->full++;
		return 0;
	}
	if (p->n >= p->cap && !pool_grow(p))
		return 0;
	if ((d = strdup(s)) == NULL)
		return 0;
	p->v[p->n] = d;
	for (i = label_hash(s) & p->hmask; p->hash[i]; i = (i + 1) & p->hmask)
		;
	p->hash[i] = (uint16_t)p->n;
	return (uint16_t)p->n++;
}

uint16_t
host_intern(const char *s)
{
	char tmp[TEXT_NAME_MAX + 1];

	if (s == NULL)
		return 0;
	make_safe(s, strlen(s), tmp, sizeof(tmp));
	return pool_intern(&labels, tmp);
}

const char *
host_label(uint16_t id)
{
	return id && id < labels.n ? labels.v[id] : NULL;
}

static void
mark_changed(struct host_table *t, struct host *h)
{
	h->changed = ++t->changes;
}

const char *
host_shared(uint16_t id)
{
	return id && id < shared.n ? shared.v[id] : NULL;
}

bool
host_set_shared(struct host_table *t, struct host *h, uint16_t *field, const void *val, size_t len)
{
	char tmp[TEXT_NAME_MAX + 1];
	uint16_t id;

	if (val == NULL || len == 0)
		return false;
	make_safe(val, len, tmp, sizeof(tmp));
	if ((id = pool_intern(&shared, tmp)) == 0 || id == *field)
		return false;
	*field = id;
	mark_changed(t, h);
	return true;
}

static uint32_t
key_hash(uint64_t k)
{
	return (uint32_t)((k * 0x9e3779b97f4a7c15ULL) >> 32);
}

static uint32_t
index_find(const struct host_table *t, const uint8_t mac[6], uint32_t *pos)
{
	uint64_t k = mac_key(mac);
	uint32_t i = key_hash(k) & t->index_mask;

	for (;;) {
		const struct index_ent *e = &t->index[i];
		if (e->slot == NIL || e->key == k) {
			*pos = i;
			return e->slot;
		}
		i = (i + 1) & t->index_mask;
	}
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void
index_remove(struct host_table *t, uint32_t pos)
{
	uint32_t i = pos, j = pos;

	t->index[i].slot = NIL;
	for (;;) {
		uint32_t home;
		j = (j + 1) & t->index_mask;
		if (t->index[j].slot == NIL)
			return;
		home = key_hash(t->index[j].key) & t->index_mask;
		/* Move j back to i when its home is not cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->index[i] = t->index[j];
			t->index[j].slot = NIL;
			i = j;
		}
	}
}

static void
lru_unlink(struct host_table *t, uint32_t s)
{
	struct host *h = &t->slots[s];

	if (h->lru_prev != NIL)
		t->slots[h->lru_prev].lru_next = h->lru_next;
	else
		t->lru_head = h->lru_next;
	if (h->lru_next != NIL)
		t->slots[h->lru_next].lru_prev = h->lru_prev;
	else
		t->lru_tail = h->lru_prev;
	h->lru_prev = h->lru_next = NIL;
}

static void
lru_push_front(struct host_table *t, uint32_t s)
{
	struct host *h = &t->slots[s];

	h->lru_prev = NIL;
	h->lru_next = t->lru_head;
	if (t->lru_head != NIL)
		t->slots[t->lru_head].lru_prev = s;
	t->lru_head = s;
	if (t->lru_tail == NIL)
		t->lru_tail = s;
}

static void
evict_one(struct host_table *t)
{
	uint32_t s = t->lru_tail, pos;
	struct host *h;

	if (s == NIL)
		return;
	h = &t->slots[s];
	if (t->evict_fn)
		t->evict_fn(h, t->hook_arg);
	index_find(t, h->mac, &pos);
	index_remove(t, pos);
	lru_unlink(t, s);
	host_release(h);
	memset(h, 0, sizeof(*h));
	h->lru_next = t->free_head;
	t->free_head = s;
	t->count--;
	t->evictions++;
}

static uint32_t
slot_alloc(struct host_table *t)
{
	uint32_t s;

	if (t->free_head != NIL) {
		s = t->free_head;
		t->free_head = t->slots[s].lru_next;
		return s;
	}
	if (t->used == t->cap)
		return NIL;
	/* Grow the slot array geometrically; indexes stay valid. */
	if ((t->used & (t->used - 1)) == 0 || t->used < 64) {
		uint32_t ncap = t->used < 64 ? 64 : t->used * 2;
		struct host *n;
		if (ncap > t->cap)
			ncap = t->cap;
		if ((n = realloc(t->slots, sizeof(*n) * ncap)) == NULL)
			return NIL;
		t->slots = n;
	}
	return t->used++;
}

struct host *
host_find(struct host_table *t, const uint8_t mac[6])
{
	uint32_t pos, s = index_find(t, mac, &pos);

	return s == NIL ? NULL : &t->slots[s];
}

struct host *
host_touch(struct host_table *t, const uint8_t mac[6], time_t now, enum host_src src)
{
	uint32_t pos, s;
	struct host *h;
	static const uint8_t zero[6];

	/* Group (multicast/broadcast) and all-zero MACs are never hosts. */
	if ((mac[0] & 1) || memcmp(mac, zero, 6) == 0)
		return NULL;
	s = index_find(t, mac, &pos);
	if (s != NIL) {
		h = &t->slots[s];
		/*
		 * The LRU order is kept to the second: a host seen again within
		 * the same second keeps its place, which spares the list walk
		 * (and its cache misses) on every packet of a burst.
		 */
		if (now > h->last_seen && t->lru_head != s) {
			lru_unlink(t, s);
			lru_push_front(t, s);
		}
	} else {
		if (t->count == t->cap)
			evict_one(t);
		if ((s = slot_alloc(t)) == NIL)
			return NULL;
		h = &t->slots[s];
		memset(h, 0, sizeof(*h));
		memcpy(h->mac, mac, 6);
		h->first_seen = now;
		/* Eviction may have moved entries: find the insert position again. */
		index_find(t, mac, &pos);
		t->index[pos].key = mac_key(mac);
		t->index[pos].slot = s;
		lru_push_front(t, s);
		t->count++;
		if (t->restore_fn)
			t->restore_fn(h, t->hook_arg);
		mark_changed(t, h);
	}
	if (now > h->last_seen)
		h->last_seen = now;
	if (h->first_seen == 0 || now < h->first_seen)
		h->first_seen = now;
	if (!(h->sources & (1u << src))) {
		h->sources |= 1u << src;
		mark_changed(t, h);
	}
	return h;
}

bool
host_add_v4(struct host_table *t, struct host *h, uint32_t addr_be)
{
	uint32_t a = ntohl(addr_be);

	/* Not a unicast host address: 0/8, 127/8, multicast, broadcast. */
	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) == 0xe || a == 0xffffffffu)
		return false;
	for (int i = 0; i < h->n_v4; i++)
		if (h->v4[i] == addr_be)
			return false;
	if (h->n_v4 == HOST_MAX_V4) {
		/* Keep the newest: drop the oldest address. */
		memmove(&h->v4[0], &h->v4[1], sizeof(h->v4[0]) * (HOST_MAX_V4 - 1));
		h->n_v4--;
	}
	h->v4[h->n_v4++] = addr_be;
	mark_changed(t, h);
	return true;
}

bool
host_add_v6(struct host_table *t, struct host *h, const uint8_t addr[16])
{
	static const uint8_t zero[16];
	uint8_t(*n)[16];

	if (memcmp(addr, zero, 16) == 0 || addr[0] == 0xff)
		return false;
	for (int i = 0; i < h->n_v6; i++)
		if (memcmp(h->v6[i], addr, 16) == 0)
			return false;
	if (h->n_v6 == HOST_MAX_V6) {
		memmove(&h->v6[0], &h->v6[1], 16 * (HOST_MAX_V6 - 1));
		h->n_v6--;
	} else {
		if ((n = realloc(h->v6, 16 * (size_t)(h->n_v6 + 1))) == NULL)
			return false;
		h->v6 = n;
	}
	memcpy(h->v6[h->n_v6++], addr, 16);
	mark_changed(t, h);
	return true;
}

bool
host_add_name(struct host_table *t, struct host *h, const void *name, size_t len, enum host_src src)
{
	char tmp[TEXT_NAME_MAX + 1], *s;
	struct host_name *n;

	while (len > 0 && ((const char *)name)[len - 1] == '.')
		len--; /* "host.local." and "host.local" are one name */
	if (len == 0)
		return false;
	/* Made safe on the stack first: a name seen again costs no allocation. */
	make_safe(name, len, tmp, sizeof(tmp));
	for (int i = 0; i < h->n_names; i++)
		if (h->names[i].src == src && strcasecmp(h->names[i].name, tmp) == 0)
			return false;
	if ((s = strdup(tmp)) == NULL)
		return false;
	if (h->n_names == HOST_MAX_NAMES) {
		/* Full: the oldest name of the same source makes room, else refuse. */
		int victim = -1;
		for (int i = 0; i < h->n_names && victim < 0; i++)
			if (h->names[i].src == src)
				victim = i;
		if (victim < 0) {
			free(s);
			return false;
		}
		free(h->names[victim].name);
		memmove(&h->names[victim], &h->names[victim + 1],
		        sizeof(*h->names) * (size_t)(h->n_names - victim - 1));
		h->n_names--;
	} else {
		if ((n = realloc(h->names, sizeof(*n) * (size_t)(h->n_names + 1))) == NULL) {
			free(s);
			return false;
		}
		h->names = n;
	}
	h->names[h->n_names].name = s;
	h->names[h->n_names].src = (uint8_t)src;
	h->n_names++;
	mark_changed(t, h);
	return true;
}

static bool
str_update(char **field, const char *val)
{
	if (val == NULL)
		return false;
	if (*field && strcmp(*field, val) == 0)
		return false;
	char *d = strdup(val);
	if (d == NULL)
		return false;
	free(*field);
	*field = d;
	return true;
}

bool
host_add_service(struct host_table *t, struct host *h, uint8_t proto, uint16_t port,
                 const char *banner, const char *product)
{
	struct host_service *n, *sv = NULL;
	bool changed = false;

	for (int i = 0; i < h->n_services; i++)
		if (h->services[i].port == port && h->services[i].proto == proto)
			sv = &h->services[i];
	if (sv == NULL) {
		if (h->n_services == HOST_MAX_SERVICES)
			return false;
		if ((n = realloc(h->services, sizeof(*n) * (size_t)(h->n_services + 1))) == NULL)
			return false;
		h->services = n;
		sv = &h->services[h->n_services++];
		memset(sv, 0, sizeof(*sv));
		sv->port = port;
		sv->proto = proto;
		changed = true;
	}
	/* Banners and products repeat across hosts: they live in the shared pool. */
	if (banner) {
		char b[TEXT_BANNER_MAX + 1];
		uint16_t id;
		make_safe(banner, strlen(banner), b, sizeof(b));
		if ((id = pool_intern(&shared, b)) != 0 && id != sv->banner) {
			sv->banner = id;
			changed = true;
		}
	}
	if (product) {
		char p[TEXT_NAME_MAX + 1];
		uint16_t id;
		make_safe(product, strlen(product), p, sizeof(p));
		if ((id = pool_intern(&shared, p)) != 0 && id != sv->product) {
			sv->product = id;
			changed = true;
		}
	}
	if (changed)
		mark_changed(t, h);
	return changed;
}

bool
host_add_guess(struct host_table *t, struct host *h, const char *family, const char *name,
               const char *version, int confidence, enum host_src src)
{
	struct host_guess g = {
	        .family = host_intern(family),
	        .name = host_intern(name),
	        .version = host_intern(version),
	        .confidence = (uint8_t)(confidence < 0     ? 0
	                                : confidence > 100 ? 100
	                                                   : confidence),
	        .src = (uint8_t)src,
	};
	int slot = -1;

	for (int i = 0; i < h->n_guesses; i++)
		if (h->guesses[i].src == src)
			slot = i;
	if (slot >= 0) {
		struct host_guess *o = &h->guesses[slot];
		/* Interned: id equality is string equality. */
		if (o->family == g.family && o->name == g.name && o->version == g.version &&
		    o->confidence == g.confidence)
			return false;
	} else {
		if (h->n_guesses == HOST_MAX_GUESSES)
			return false;
		slot = h->n_guesses++;
	}
	h->guesses[slot] = g;
	mark_changed(t, h);
	return true;
}

bool
host_set_str(struct host_table *t, struct host *h, char **field, const void *val, size_t len)
{
	char tmp[TEXT_NAME_MAX + 1];

	if (val == NULL || len == 0)
		return false;
	make_safe(val, len, tmp, sizeof(tmp));
	if (!str_update(field, tmp))
		return false;
	mark_changed(t, h);
	return true;
}

static bool
smb_str(char **dst, const char *src)
{
	char tmp[TEXT_NAME_MAX + 1];

	if (src == NULL || *src == 0)
		return false;
	make_safe(src, strlen(src), tmp, sizeof(tmp));
	return str_update(dst, tmp);
}

bool
host_set_smb(struct host_table *t, struct host *h, const struct host_smb *smb)
{
	bool changed = false;

	if (h->smb == NULL) {
		if ((h->smb = calloc(1, sizeof(*h->smb))) == NULL)
			return false;
		h->smb->signing_required = -1;
		changed = true;
	}
	changed |= smb_str(&h->smb->netbios_name, smb->netbios_name);
	changed |= smb_str(&h->smb->netbios_domain, smb->netbios_domain);
	changed |= smb_str(&h->smb->dns_name, smb->dns_name);
	changed |= smb_str(&h->smb->dns_domain, smb->dns_domain);
	changed |= smb_str(&h->smb->forest, smb->forest);
	changed |= smb_str(&h->smb->dialect, smb->dialect);
	if (smb->build && smb->build != h->smb->build) {
		h->smb->build = smb->build;
		changed = true;
	}
	if (smb->signing_required >= 0 && smb->signing_required != h->smb->signing_required) {
		h->smb->signing_required = smb->signing_required;
		changed = true;
	}
	if (changed)
		mark_changed(t, h);
	return changed;
}

uint32_t
host_table_count(const struct host_table *t)
{
	return t->count;
}

uint64_t
host_table_evictions(const struct host_table *t)
{
	return t->evictions;
}

uint64_t
host_table_changes(const struct host_table *t)
{
	return t->changes;
}

int
host_table_foreach(struct host_table *t, int (*fn)(struct host *, void *), void *arg)
{
	int r;

	for (uint32_t i = t->lru_head; i != NIL;) {
		uint32_t next = t->slots[i].lru_next;
		if ((r = fn(&t->slots[i], arg)) != 0)
			return r;
		i = next;
	}
	return 0;
}

bool
host_best_os(const struct host *h, struct fp_os *out)
{
	struct fp_guess g[HOST_MAX_GUESSES];

	memset(g, 0, sizeof(g));
	for (int i = 0; i < h->n_guesses; i++) {
		const struct host_guess *hg = &h->guesses[i];
		const char *fam = host_label(hg->family), *name = host_label(hg->name),
		           *ver = host_label(hg->version);
		if (fam)
			fp_copy(g[i].family, sizeof(g[i].family), fam, strlen(fam));
		if (name)
			fp_copy(g[i].name, sizeof(g[i].name), name, strlen(name));
		if (ver)
			fp_copy(g[i].version, sizeof(g[i].version), ver, strlen(ver));
		g[i].confidence = hg->confidence;
		g[i].source = host_src_name((enum host_src)hg->src);
	}
	return fp_combine(g, (size_t)h->n_guesses, out) && out->confidence > 0;
}

static int
add_v4_str(struct hostrec *r, uint32_t a)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	return hostrec_add_ipv4(r, s);
}

static int
add_v6_str(struct hostrec *r, const uint8_t a[16])
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, s, sizeof(s));
	return hostrec_add_ipv6(r, s);
}

int
host_to_hostrec(const struct host *h, const struct oui_db *oui, struct hostrec *r)
{
	struct fp_os os;
	struct mac m;
	int rc = 0;

	memcpy(m.b, h->mac, 6);
	net_mac_format(&m, r->mac);
	r->mac_local = net_mac_is_local(&m);
	if (oui && !r->mac_local) {
		const char *v = oui_lookup(oui, &m);
		if (v && (rc = hostrec_set_str(&r->vendor, v)) != 0)
			return rc;
	}
	for (int i = 0; i < h->n_v4; i++)
		if ((rc = add_v4_str(r, h->v4[i])) != 0)
			return rc;
	for (int i = 0; i < h->n_v6; i++)
		if ((rc = add_v6_str(r, h->v6[i])) != 0)
			return rc;
	for (int i = 0; i < h->n_names; i++)
		if ((rc = hostrec_add_name(r, h->names[i].name, host_src_name(h->names[i].src))) !=
		    0)
			return rc;
	if (host_best_os(h, &os)) {
		if ((rc = hostrec_set_str(&r->os.family, os.family[0] ? os.family : NULL)) != 0 ||
		    (rc = hostrec_set_str(&r->os.name, os.name[0] ? os.name : NULL)) != 0 ||
		    (rc = hostrec_set_str(&r->os.version, os.version[0] ? os.version : NULL)) !=
		            0 ||
		    (rc = hostrec_set_str(&r->os.source, os.source)) != 0)
			return rc;
		r->os.confidence = os.confidence;
	}
	for (int i = 0; i < h->n_services; i++) {
		const struct host_service *s = &h->services[i];
		if ((rc = hostrec_add_service(r, s->proto == IPPROTO_UDP ? "udp" : "tcp", s->port,
		                              host_shared(s->banner), host_shared(s->product))) !=
		    0)
			return rc;
	}
	if ((rc = hostrec_set_str(&r->dhcp.vendor_class, host_shared(h->dhcp_vendor_class))) != 0 ||
	    (rc = hostrec_set_str(&r->dhcp.prl, host_shared(h->dhcp_prl))) != 0 ||
	    (rc = hostrec_set_str(&r->dhcp.client_id, h->dhcp_client_id)) != 0)
		return rc;
	for (int i = 0; i < h->n_names; i++)
		if (h->names[i].src == HSRC_DHCP &&
		    (rc = hostrec_set_str(&r->dhcp.hostname, h->names[i].name)) != 0)
			return rc;
	if (h->smb) {
		if ((rc = hostrec_set_str(&r->smb.netbios_name, h->smb->netbios_name)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.netbios_domain, h->smb->netbios_domain)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dns_name, h->smb->dns_name)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dns_domain, h->smb->dns_domain)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.forest, h->smb->forest)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dialect, h->smb->dialect)) != 0)
			return rc;
		r->smb.build = h->smb->build;
		r->smb.signing_required = h->smb->signing_required;
	}
	r->first_seen = h->first_seen;
	r->last_seen = h->last_seen;
	for (int i = 0; i < HSRC__COUNT; i++)
		if ((h->sources & (1u << i)) &&
		    (rc = hostrec_add_source(r, host_src_name((enum host_src)i))) != 0)
			return rc;
	return 0;
}

int
host_merge_hostrec(struct host_table *t, struct host *h, const struct hostrec *r)
{
	struct in_addr a4;
	struct in6_addr a6;
	enum host_src src;

	for (size_t i = 0; i < r->n_ipv4; i++)
		if (inet_pton(AF_INET, r->ipv4[i], &a4) == 1)
			host_add_v4(t, h, a4.s_addr);
	for (size_t i = 0; i < r->n_ipv6; i++)
		if (inet_pton(AF_INET6, r->ipv6[i], &a6) == 1)
			host_add_v6(t, h, a6.s6_addr);
	for (size_t i = 0; i < r->n_names; i++)
		if (r->names[i].name && r->names[i].source &&
		    host_src_parse(r->names[i].source, &src))
			host_add_name(t, h, r->names[i].name, strlen(r->names[i].name), src);
	for (size_t i = 0; i < r->n_services; i++) {
		const struct hostrec_service *s = &r->services[i];
		host_add_service(t, h, strcmp(s->proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP,
		                 s->port, s->banner, s->product);
	}
	if ((r->os.family || r->os.name) && r->os.source && host_src_parse(r->os.source, &src))
		host_add_guess(t, h, r->os.family, r->os.name, r->os.version, r->os.confidence,
		               src);
	if (r->dhcp.vendor_class)
		host_set_shared(t, h, &h->dhcp_vendor_class, r->dhcp.vendor_class,
		                strlen(r->dhcp.vendor_class));
	if (r->dhcp.prl)
		host_set_shared(t, h, &h->dhcp_prl, r->dhcp.prl, strlen(r->dhcp.prl));
	if (r->dhcp.client_id)
		host_set_str(t, h, &h->dhcp_client_id, r->dhcp.client_id,
		             strlen(r->dhcp.client_id));
	if (r->smb.netbios_name || r->smb.netbios_domain || r->smb.dns_name || r->smb.build ||
	    r->smb.dialect) {
		struct host_smb smb = {
		        .netbios_name = r->smb.netbios_name,
		        .netbios_domain = r->smb.netbios_domain,
		        .dns_name = r->smb.dns_name,
		        .dns_domain = r->smb.dns_domain,
		        .forest = r->smb.forest,
		        .dialect = r->smb.dialect,
		        .build = r->smb.build,
		        .signing_required = r->smb.signing_required,
		};
		host_set_smb(t, h, &smb);
	}
	for (size_t i = 0; i < r->n_sources; i++)
		if (host_src_parse(r->sources[i], &src))
			h->sources |= 1u << src;
	if (r->first_seen && (h->first_seen == 0 || r->first_seen < h->first_seen))
		h->first_seen = r->first_seen;
	if (r->last_seen > h->last_seen)
		h->last_seen = r->last_seen;
	h->stored_seen = r->last_seen;
	return 0;
}
