/*
 * hosts.c - the host table: MAC-keyed hash (linear probing, backward-shift
 * deletion) over a slot array, with an LRU list for eviction when full.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
/*
 * True when none of the 8 bytes of w is below 0x20, above 0x7e or a
 * backslash (the usual word-at-a-time tests: each flags a byte's top bit).
 */
static bool
plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t below = (w - 0x20 * ones) & ~w & high;
	uint64_t above = ((w + (0x7f - 0x7e) * ones) | w) & high;
	uint64_t bs = w ^ (0x5c * ones);

	bs = (bs - ones) & ~bs & high;
	return (below | above | bs) == 0;
}

#if defined(__SSE2__)
/* plain8() of 16 bytes. Signed bytes: 0x80 and above are negative, so they fail "above 0x1f". */
static inline bool
plain16(const uint8_t *p)
{
	const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f), bs = _mm_set1_epi8('\\');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, bs),
	                              _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));

	return _mm_movemask_epi8(ok) == 0xffff;
}
#endif

/*
 * True when text_sanitize() would give the len bytes at p back as they are
 * (given room): 16 bytes a step where SSE2 is there, else 8; a tail is
 * checked as the last whole step, overlapping bytes already seen.
 */
static inline bool
plain(const uint8_t *p, size_t len)
{
	size_t i = 0;
	uint64_t w;

#if defined(__SSE2__)
	if (len >= 16) {
		for (; i + 16 <= len; i += 16)
			if (!plain16(p + i))
				return false;
		return i == len || plain16(p + len - 16);
	}
#endif
	if (len >= 8) {
		for (; i + 8 <= len; i += 8) {
			memcpy(&w, p + i, 8);
			if (!plain8(w))
				return false;
		}
		if (i == len)
			return true;
		memcpy(&w, p + len - 8, 8);
		return plain8(w);
	}
	for (; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
			return false;
	return true;
}

static size_t
make_safe(const void *in, size_t len, char *out, size_t outsz)
{
	if (len < outsz && plain(in, len)) {
		memcpy(out, in, len);
		out[len] = 0;
		return len;
	}
	return text_sanitize(in, len, out, outsz);
}

/*
 * Recency order: a doubly linked list through the slots, kept apart from the
 * host records in an array of its own (8 bytes a host), so moving a host to
 * the front touches its neighbours' links and not their records: the links
 * of every host fit in a small fraction of the cache the records need.
 */
struct lru_link {
	uint32_t prev, next; /* next also chains free slots */
};

struct host_table {
	struct host *slots;  /* `used` entries live, free ones chained by links[].next */
	size_t slots_mapped; /* bytes mapped for all cap slots up front; 0: malloc'd, grown */
	struct lru_link *links;
	uint32_t used, cap, count, free_head;
	/* hash of the MAC -> slot; slot NIL when empty. The hash is kept so a
	 * probe compares a host's MAC only when the hashes agree. */
	struct index_ent {
		uint32_t hash;
		uint32_t slot;
	} * index;
	uint32_t index_mask;
	uint32_t lru_head, lru_tail; /* head: most recently seen */
	uint64_t changes, evictions;
	host_evict_fn evict_fn;
	host_restore_fn restore_fn;
	void *hook_arg;
};

/* The MAC as a 48-bit number, m[0] most significant. */
static uint64_t
mac_key(const uint8_t m[6])
{
	uint8_t b[8] = {0, 0, m[0], m[1], m[2], m[3], m[4], m[5]};
	uint64_t k;

	memcpy(&k, b, sizeof(k));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	k = __builtin_bswap64(k);
#endif
	return k;
}

/*
 * Room for every slot at once, in memory the kernel may back with huge pages:
 * a table of tens of thousands of hosts is looked up at random, and 4 KiB
 * pages make each lookup a TLB miss as well. Only touched pages count, and
 * the mapping ends where the slots do, so no huge page is half used. NULL
 * when the system will not map it (the slots are then malloc'd as they come).
 */
static struct host *
slots_reserve(uint32_t cap, size_t *mapped)
{
	const size_t huge = 2u << 20, page = 4096;
	size_t len = ((size_t)cap * sizeof(struct host) + page - 1) / page * page;
	uint8_t *p, *start;

#if defined(__SANITIZE_ADDRESS__)
	return NULL; /* sanitizer builds keep the slots on the heap, where overruns show */
#endif
	if (len < huge)
		return NULL; /* too small to gain anything */
	p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + len < p + len + huge)
		munmap(start + len, (size_t)(p + len + huge - (start + len)));
	(void)madvise(start, len, MADV_HUGEPAGE);
	*mapped = len;
	return (struct host *)(void *)start;
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
	t->slots = slots_reserve(cap, &t->slots_mapped);
	t->free_head = NIL;
	t->lru_head = t->lru_tail = NIL;
	return t;
}

/*
 * What a host owns beyond its record is one block (block_rebuild): this
 * header, then the names array (h->names points there), the services, the
 * IPv6 addresses, the text of the DHCP client id (when has_cid) and of the
 * names. Where each part starts follows from the counts in the record. The
 * header holds what is read rarely, so the record stays small; what only
 * the service uses (SMB facts, probe and store times) hangs off it.
 */
struct host_cold {
	struct host_smb *smb; /* owned; NULL until host_set_smb() */
	time_t probed_at, stored_seen;
};

struct host_blk {
	struct host_cold *cold; /* owned; NULL until needed */
	uint16_t dhcp_vendor_class, dhcp_prl;
	bool has_cid;
	uint8_t cap16;     /* (bytes allocated + 8) / 16; 0: unknown, never grown in place */
	uint16_t text_len; /* bytes of text (client id and names, each with its NUL) */
};

_Static_assert(sizeof(struct host_blk) == 16, "the block header is 16 bytes");
/* Text is at most HOST_MAX_NAMES names and a client id of TEXT_NAME_MAX + 1 bytes each. */
_Static_assert((HOST_MAX_NAMES + 1) * (TEXT_NAME_MAX + 1) <= UINT16_MAX, "text_len fits");

_Static_assert(sizeof(struct host) == 128, "a host record is two cache lines");
_Static_assert(sizeof(struct host_blk) % _Alignof(struct host_name) == 0,
               "the names array follows the header aligned");

static struct host_blk *
blk(const struct host *h)
{
	return h->names ? (struct host_blk *)(void *)((char *)h->names - sizeof(struct host_blk))
	                : NULL;
}

/* Where the parts of a block with these counts start, from its names array. */
static size_t
off_services(size_t nn)
{
	return nn * sizeof(struct host_name);
}

static size_t
off_v6(size_t nn, size_t ns)
{
	return off_services(nn) + ns * sizeof(struct host_service);
}

static size_t
off_text(size_t nn, size_t ns, size_t n6)
{
	return off_v6(nn, ns) + n6 * 16;
}

static struct host_service *
blk_services(const struct host *h)
{
	return h->n_services ? (struct host_service *)(void *)((char *)h->names +
	                                                       off_services(h->n_names))
	                     : NULL;
}

static uint8_t (*blk_v6(const struct host *h))[16]
{
	return h->n_v6 ? (uint8_t(*)[16])(void *)((char *)h->names +
	                                          off_v6(h->n_names, h->n_services))
	               : NULL;
}

static char *
blk_client_id(const struct host *h)
{
	const struct host_blk *b = blk(h);

	return b && b->has_cid ? (char *)h->names + off_text(h->n_names, h->n_services, h->n_v6)
	                       : NULL;
}

/* Fetch the block a host owns (its first line) into the cache. */
static void
prefetch_block(const struct host *h)
{
	if (h->names)
		__builtin_prefetch(blk(h));
}

static void
host_release(struct host *h)
{
	struct host_blk *b = blk(h);

	if (b == NULL)
		return;
	if (b->cold && b->cold->smb) {
		struct host_smb *smb = b->cold->smb;
		free(smb->netbios_name);
		free(smb->netbios_domain);
		free(smb->dns_name);
		free(smb->dns_domain);
		free(smb->forest);
		free(smb->dialect);
		free(smb);
	}
	free(b->cold);
	free(b);
}

void
host_table_free(struct host_table *t)
{
	if (t == NULL)
		return;
	/* In slot order (free slots have an all-zero MAC), fetching ahead what free() touches. */
	for (uint32_t i = 0; i < t->used; i++) {
		static const uint8_t zero[6];
		if (i + 8 < t->used)
			__builtin_prefetch(&t->slots[i + 8].names);
		if (i + 4 < t->used)
			prefetch_block(&t->slots[i + 4]);
		if (memcmp(t->slots[i].mac, zero, 6) != 0)
			host_release(&t->slots[i]);
	}
	if (t->slots_mapped)
		munmap(t->slots, t->slots_mapped);
	else
		free(t->slots);
	free(t->links);
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

uint16_t
host_shared_id(const void *val, size_t len, bool banner)
{
	char tmp[TEXT_BANNER_MAX + 1];

	if (val == NULL || len == 0)
		return 0;
	make_safe(val, len, tmp, banner ? TEXT_BANNER_MAX + 1 : TEXT_NAME_MAX + 1);
	return pool_intern(&shared, tmp);
}

bool
host_set_shared_id(struct host_table *t, struct host *h, uint16_t *field, uint16_t id)
{
	if (id == 0 || id == *field)
		return false;
	*field = id;
	mark_changed(t, h);
	return true;
}

bool
host_set_shared(struct host_table *t, struct host *h, uint16_t *field, const void *val, size_t len)
{
	return host_set_shared_id(t, h, field, host_shared_id(val, len, false));
}

static uint32_t
key_hash(const uint8_t mac[6])
{
	return (uint32_t)((mac_key(mac) * 0x9e3779b97f4a7c15ULL) >> 32);
}

static bool
mac_eq(const uint8_t a[6], const uint8_t b[6])
{
	return memcmp(a, b, 6) == 0;
}

/* The slot holding mac (NIL when absent); *pos is its index entry or the empty one ending the probe. */
static uint32_t
index_find(const struct host_table *t, const uint8_t mac[6], uint32_t *pos)
{
	uint32_t hash = key_hash(mac), i = hash & t->index_mask;

	for (;;) {
		const struct index_ent *e = &t->index[i];
		if (e->slot == NIL || (e->hash == hash && mac_eq(t->slots[e->slot].mac, mac))) {
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
		home = t->index[j].hash & t->index_mask;
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
	struct lru_link *l = &t->links[s];

	if (l->prev != NIL)
		t->links[l->prev].next = l->next;
	else
		t->lru_head = l->next;
	if (l->next != NIL)
		t->links[l->next].prev = l->prev;
	else
		t->lru_tail = l->prev;
	l->prev = l->next = NIL;
}

static void
lru_push_front(struct host_table *t, uint32_t s)
{
	struct lru_link *l = &t->links[s];

	l->prev = NIL;
	l->next = t->lru_head;
	if (t->lru_head != NIL)
		t->links[t->lru_head].prev = s;
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
	host_release(h);
	memset(h->mac, 0, sizeof(h->mac)); /* marks the slot free */
	lru_unlink(t, s);
	t->links[s].next = t->free_head;
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
		t->free_head = t->links[s].next;
		return s;
	}
	if (t->used == t->cap)
		return NIL;
	/* Grow the slot and link arrays geometrically; indexes stay valid. */
	if ((t->used & (t->used - 1)) == 0 || t->used < 64) {
		uint32_t ncap = t->used < 64 ? 64 : t->used * 2;
		struct host *n;
		struct lru_link *nl;
		if (ncap > t->cap)
			ncap = t->cap;
		if ((nl = realloc(t->links, sizeof(*nl) * ncap)) == NULL)
			return NIL;
		t->links = nl;
		if (t->slots_mapped == 0) {
			if ((n = realloc(t->slots, sizeof(*n) * ncap)) == NULL)
				return NIL;
			t->slots = n;
		}
	}
	return t->used++;
}

void
host_table_prefetch(const struct host_table *t, const uint8_t mac[6], int stage)
{
	uint32_t hash = key_hash(mac);
	const struct index_ent *e = &t->index[hash & t->index_mask];

	if (stage == 0) {
		__builtin_prefetch(e);
	} else if (stage >= 2) {
		/* The record is in by now: its block, where names and services are compared. */
		if (e->slot != NIL && e->hash == hash && t->slots[e->slot].names) {
			const char *b = (const char *)blk(&t->slots[e->slot]);
			__builtin_prefetch(b);
			__builtin_prefetch(b + 64);
		}
	} else if (e->slot != NIL && e->hash == hash) {
		/* What a sighting reads: the first line, the guesses on the second, the links. */
		__builtin_prefetch(&t->slots[e->slot]);
		__builtin_prefetch(&t->slots[e->slot].guesses);
		__builtin_prefetch(&t->links[e->slot]);
	}
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
		 * The recency order is kept to the second: a host seen again
		 * within the same second keeps its place, which spares the
		 * bookkeeping on every packet of a burst.
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
		t->index[pos].hash = key_hash(mac);
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

/* A change to a host's block (see struct host_blk). */
struct block_edit {
	int drop_name;                     /* name to leave out, -1 none */
	const char *add_name;              /* appended, NULL none */
	uint8_t add_src;                   /* of add_name */
	bool add_plain;                    /* of add_name (struct host_name's plain) */
	const struct host_service *add_sv; /* appended, NULL none */
	const uint8_t *add_v6;             /* appended, NULL none */
	bool set_client_id;
	const char *client_id; /* the new one when set_client_id (NULL clears) */
};

/*
 * Room left at the end of a new block for what comes next (a service, an
 * address, often a name), so most additions move the parts in place.
 */
#define BLOCK_SPARE 64

/*
 * A new block of at least size bytes with some spare room; *cap16 is its
 * size for the header (set it after copying an old header over the new
 * one). NULL when memory runs out.
 */
static struct host_blk *
block_alloc(size_t size, uint8_t *cap16)
{
	/* malloc hands out 16-byte steps less 8 bytes of its own; ask for that much. */
	size_t steps = (size + BLOCK_SPARE + 8 + 15) / 16;

	*cap16 = steps <= UINT8_MAX ? (uint8_t)steps : 0;
	return malloc(steps * 16 - 8);
}

/* Bytes a block may use: what block_alloc asked malloc for (0 when not noted). */
static size_t
block_cap(const struct host_blk *b)
{
	return b->cap16 ? (size_t)b->cap16 * 16 - 8 : 0;
}

/*
 * e when it only adds (no name dropped, no client id changed or cleared;
 * one may be set where there was none): the parts move up inside the block
 * when it has room, else into a new one, the text as one piece (after the
 * new client id, which comes first), and the names are pointed at where
 * their text went.
 */
static bool
block_append(struct host *h, const struct block_edit *e)
{
	struct host_blk *ob = blk(h), *b;
	size_t nn = (size_t)h->n_names + (e->add_name != NULL);
	size_t ns = (size_t)h->n_services + (e->add_sv != NULL);
	size_t n6 = (size_t)h->n_v6 + (e->add_v6 != NULL);
	size_t alen = e->add_name ? strlen(e->add_name) + 1 : 0;
	size_t clen = e->set_client_id ? strlen(e->client_id) + 1 : 0;
	size_t otext = ob ? ob->text_len : 0, need = off_text(nn, ns, n6) + clen + otext + alen;
	uint8_t *onb = ob ? (uint8_t *)(ob + 1) : NULL, *nb;
	const char *ot =
	        onb ? (const char *)onb + off_text(h->n_names, h->n_services, h->n_v6) : NULL;
	struct host_name *names;
	char *nt;

	if (ob && block_cap(ob) >= sizeof(*ob) + need) {
		/* In place, the last part first: each lands at or above where it was. */
		b = ob;
		nb = onb;
		nt = (char *)nb + off_text(nn, ns, n6);
		memmove(nt + clen, ot, otext);
		if (h->n_v6)
			memmove(nb + off_v6(nn, ns), blk_v6(h), 16 * (size_t)h->n_v6);
		if (h->n_services)
			memmove(nb + off_services(nn), blk_services(h),
			        sizeof(struct host_service) * h->n_services);
	} else {
		uint8_t cap16;
		if ((b = block_alloc(sizeof(*b) + need, &cap16)) == NULL)
			return false;
		*b = ob ? *ob : (struct host_blk){0};
		b->cap16 = cap16;
		nb = (uint8_t *)(b + 1);
		nt = (char *)nb + off_text(nn, ns, n6);
		if (otext)
			memcpy(nt + clen, ot, otext);
		if (h->n_v6)
			memcpy(nb + off_v6(nn, ns), blk_v6(h), 16 * (size_t)h->n_v6);
		if (h->n_services)
			memcpy(nb + off_services(nn), blk_services(h),
			       sizeof(struct host_service) * h->n_services);
		if (h->n_names)
			memcpy(nb, h->names, sizeof(struct host_name) * h->n_names);
	}
	names = (struct host_name *)(void *)nb;
	for (int i = 0; i < h->n_names; i++)
		names[i].name = nt + clen + (names[i].name - ot);
	if (clen) {
		memcpy(nt, e->client_id, clen);
		b->has_cid = true;
	}
	if (e->add_name) {
		memcpy(nt + clen + otext, e->add_name, alen);
		names[nn - 1].name = nt + clen + otext;
		names[nn - 1].src = e->add_src;
		names[nn - 1].plain = e->add_plain;
	}
	if (e->add_sv)
		memcpy(nb + off_services(nn) + sizeof(struct host_service) * h->n_services,
		       e->add_sv, sizeof(struct host_service));
	if (e->add_v6)
		memcpy(nb + off_v6(nn, ns) + 16 * (size_t)h->n_v6, e->add_v6, 16);
	b->text_len = (uint16_t)(clen + otext + alen);
	if (b != ob)
		free(ob);
	h->names = names;
	h->n_names = (uint8_t)nn;
	h->n_services = (uint8_t)ns;
	h->n_v6 = (uint8_t)n6;
	return true;
}

/* Build the block anew with e applied. False (nothing changed) when memory runs out. */
static bool
block_rebuild(struct host *h, const struct block_edit *e)
{
	size_t nn = (size_t)h->n_names - (e->drop_name >= 0) + (e->add_name != NULL);
	size_t ns = (size_t)h->n_services + (e->add_sv != NULL);
	size_t n6 = (size_t)h->n_v6 + (e->add_v6 != NULL);
	const char *cid = e->set_client_id ? e->client_id : blk_client_id(h);
	size_t text = 0, len, o_sv = off_services(nn), o_v6 = off_v6(nn, ns);
	struct host_blk *ob = blk(h), *b;
	struct host_name *names;
	uint8_t *nb, cap16;
	char *p, *t0;

	if (e->drop_name < 0 &&
	    (!e->set_client_id || (e->client_id != NULL && (ob == NULL || !ob->has_cid))))
		return block_append(h, e);
	for (int i = 0; i < h->n_names; i++)
		if (i != e->drop_name)
			text += strlen(h->names[i].name) + 1;
	if (e->add_name)
		text += strlen(e->add_name) + 1;
	if (cid)
		text += strlen(cid) + 1;
	if ((b = block_alloc(sizeof(*b) + off_text(nn, ns, n6) + text, &cap16)) == NULL)
		return false;
	if (ob)
		*b = *ob;
	else
		*b = (struct host_blk){0};
	b->cap16 = cap16;
	nb = (uint8_t *)(b + 1);
	names = (struct host_name *)(void *)nb;
	p = t0 = (char *)nb + off_text(nn, ns, n6);
	if (cid) {
		len = strlen(cid) + 1;
		memmove(p, cid, len);
		p += len;
	}
	b->has_cid = cid != NULL;
	nn = 0;
	for (int i = 0; i < h->n_names; i++) {
		if (i == e->drop_name)
			continue;
		len = strlen(h->names[i].name) + 1;
		memcpy(p, h->names[i].name, len);
		names[nn].name = p;
		names[nn].plain = h->names[i].plain;
		names[nn++].src = h->names[i].src;
		p += len;
	}
	if (e->add_name) {
		len = strlen(e->add_name) + 1;
		memcpy(p, e->add_name, len);
		names[nn].name = p;
		names[nn].plain = e->add_plain;
		names[nn++].src = e->add_src;
		p += len;
	}
	if (h->n_services)
		memcpy(nb + o_sv, blk_services(h), sizeof(struct host_service) * h->n_services);
	if (e->add_sv)
		memcpy(nb + o_sv + sizeof(struct host_service) * h->n_services, e->add_sv,
		       sizeof(struct host_service));
	if (h->n_v6)
		memcpy(nb + o_v6, blk_v6(h), 16 * (size_t)h->n_v6);
	if (e->add_v6)
		memcpy(nb + o_v6 + 16 * (size_t)h->n_v6, e->add_v6, 16);
	b->text_len = (uint16_t)(p - t0);
	free(ob);
	h->names = names;
	h->n_names = (uint8_t)nn;
	h->n_services = (uint8_t)ns;
	h->n_v6 = (uint8_t)n6;
	return true;
}

/* The host's block, made (empty) when it has none yet; NULL when memory runs out. */
static struct host_blk *
blk_need(struct host *h)
{
	if (h->names == NULL && !block_rebuild(h, &(struct block_edit){.drop_name = -1}))
		return NULL;
	return blk(h);
}

/* The host's rarely used part, made when it has none yet; NULL when memory runs out. */
static struct host_cold *
cold_need(struct host *h)
{
	struct host_blk *b = blk_need(h);

	if (b && b->cold == NULL)
		b->cold = calloc(1, sizeof(*b->cold));
	return b ? b->cold : NULL;
}

static const struct host_cold *
cold(const struct host *h)
{
	return h->names ? blk(h)->cold : NULL;
}

const uint8_t *
host_v6(const struct host *h, int i)
{
	return blk_v6(h)[i];
}

const struct host_service *
host_services(const struct host *h)
{
	return blk_services(h);
}

const char *
host_dhcp_client_id(const struct host *h)
{
	return blk_client_id(h);
}

uint16_t
host_dhcp_vendor_class(const struct host *h)
{
	return h->names ? blk(h)->dhcp_vendor_class : 0;
}

uint16_t
host_dhcp_prl(const struct host *h)
{
	return h->names ? blk(h)->dhcp_prl : 0;
}

const struct host_smb *
host_smb(const struct host *h)
{
	return cold(h) ? cold(h)->smb : NULL;
}

time_t
host_probed_at(const struct host *h)
{
	return cold(h) ? cold(h)->probed_at : 0;
}

bool
host_set_probed_at(struct host *h, time_t when)
{
	struct host_cold *c;

	if (when == host_probed_at(h))
		return true;
	if ((c = cold_need(h)) == NULL)
		return false;
	c->probed_at = when;
	return true;
}

time_t
host_stored_seen(const struct host *h)
{
	return cold(h) ? cold(h)->stored_seen : 0;
}

bool
host_set_stored_seen(struct host *h, time_t when)
{
	struct host_cold *c;

	if (when == host_stored_seen(h))
		return true;
	if ((c = cold_need(h)) == NULL)
		return false;
	c->stored_seen = when;
	return true;
}

/* Set a shared-pool id in the block: the DHCP options. */
static bool
blk_set_id(struct host_table *t, struct host *h, size_t off, uint16_t id)
{
	struct host_blk *b;
	uint16_t *field;

	if (id == 0)
		return false;
	if (h->names && *(uint16_t *)(void *)((char *)blk(h) + off) == id)
		return false;
	if ((b = blk_need(h)) == NULL)
		return false;
	field = (uint16_t *)(void *)((char *)b + off);
	*field = id;
	mark_changed(t, h);
	return true;
}

bool
host_set_dhcp_vendor_class(struct host_table *t, struct host *h, uint16_t id)
{
	return blk_set_id(t, h, offsetof(struct host_blk, dhcp_vendor_class), id);
}

bool
host_set_dhcp_prl(struct host_table *t, struct host *h, uint16_t id)
{
	return blk_set_id(t, h, offsetof(struct host_blk, dhcp_prl), id);
}

bool
host_add_v6(struct host_table *t, struct host *h, const uint8_t addr[16])
{
	static const uint8_t zero[16];
	uint8_t(*v6)[16] = blk_v6(h);

	if (memcmp(addr, zero, 16) == 0 || addr[0] == 0xff)
		return false;
	for (int i = 0; i < h->n_v6; i++)
		if (memcmp(v6[i], addr, 16) == 0)
			return false;
	if (h->n_v6 == HOST_MAX_V6) {
		/* Keep the newest: the oldest goes, in place. */
		memmove(&v6[0], &v6[1], 16 * (HOST_MAX_V6 - 1));
		memcpy(v6[HOST_MAX_V6 - 1], addr, 16);
	} else if (!block_rebuild(h, &(struct block_edit){.drop_name = -1, .add_v6 = addr})) {
		return false;
	}
	mark_changed(t, h);
	return true;
}

bool
host_add_name(struct host_table *t, struct host *h, const void *name, size_t len, enum host_src src)
{
	char tmp[TEXT_NAME_MAX + 1];
	int victim = -1;

	while (len > 0 && ((const char *)name)[len - 1] == '.')
		len--; /* "host.local." and "host.local" are one name */
	if (len == 0)
		return false;
	/* Made safe on the stack first: a name seen again costs no allocation. */
	bool was_plain = len < sizeof(tmp) && plain(name, len);

	if (was_plain) {
		memcpy(tmp, name, len);
		tmp[len] = 0;
	} else {
		len = text_sanitize(name, len, tmp, sizeof(tmp));
	}
	for (int i = 0; i < h->n_names; i++)
		if (h->names[i].src == src && strcasecmp(h->names[i].name, tmp) == 0)
			return false;
	if (h->n_names == HOST_MAX_NAMES) {
		/* Full: the oldest name of the same source makes room, else refuse. */
		for (int i = 0; i < h->n_names && victim < 0; i++)
			if (h->names[i].src == src)
				victim = i;
		if (victim < 0)
			return false;
	}
	/* Sanitized text may still need escaping when printed (a backslash). */
	if (!block_rebuild(h, &(struct block_edit){.drop_name = victim,
	                                           .add_name = tmp,
	                                           .add_src = (uint8_t)src,
	                                           .add_plain = was_plain ||
	                                                        plain((const uint8_t *)tmp, len)}))
		return false;
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
	uint16_t b, p;

	if (!host_service_room(h, proto, port))
		return false; /* nothing is interned for a service that is not kept */
	/* Banners and products repeat across hosts: they live in the shared pool. */
	b = banner ? host_shared_id(banner, strlen(banner), true) : 0;
	p = product ? host_shared_id(product, strlen(product), false) : 0;
	return host_add_service_ids(t, h, proto, port, b, p);
}

bool
host_service_room(const struct host *h, uint8_t proto, uint16_t port)
{
	const struct host_service *sv = blk_services(h);

	for (int i = 0; i < h->n_services; i++)
		if (sv[i].port == port && sv[i].proto == proto)
			return true;
	return h->n_services < HOST_MAX_SERVICES;
}

bool
host_add_service_ids(struct host_table *t, struct host *h, uint8_t proto, uint16_t port,
                     uint16_t banner, uint16_t product)
{
	struct host_service *sv = NULL, *have = blk_services(h), add;
	bool changed = false;

	for (int i = 0; i < h->n_services; i++)
		if (have[i].port == port && have[i].proto == proto)
			sv = &have[i];
	if (sv == NULL) {
		if (h->n_services == HOST_MAX_SERVICES)
			return false;
		memset(&add, 0, sizeof(add));
		add.port = port;
		add.proto = proto;
		if (!block_rebuild(h, &(struct block_edit){.drop_name = -1, .add_sv = &add}))
			return false;
		sv = &blk_services(h)[h->n_services - 1];
		changed = true;
	}
	if (banner != 0 && banner != sv->banner) {
		sv->banner = banner;
		changed = true;
	}
	if (product != 0 && product != sv->product) {
		sv->product = product;
		changed = true;
	}
	if (changed)
		mark_changed(t, h);
	return changed;
}

struct host_guess
host_guess_make(const char *family, const char *name, const char *version, int confidence,
                enum host_src src)
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
	return g;
}

bool
host_add_guess(struct host_table *t, struct host *h, const char *family, const char *name,
               const char *version, int confidence, enum host_src src)
{
	return host_put_guess(t, h, host_guess_make(family, name, version, confidence, src));
}

bool
host_put_guess(struct host_table *t, struct host *h, struct host_guess g)
{
	enum host_src src = (enum host_src)g.src;
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

bool
host_set_client_id(struct host_table *t, struct host *h, const void *val, size_t len)
{
	char tmp[TEXT_NAME_MAX + 1];
	const char *old = blk_client_id(h);

	if (val == NULL || len == 0)
		return false;
	make_safe(val, len, tmp, sizeof(tmp));
	if (old && strcmp(old, tmp) == 0)
		return false;
	if (!block_rebuild(h, &(struct block_edit){
	                              .drop_name = -1, .set_client_id = true, .client_id = tmp}))
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
	struct host_cold *c = cold_need(h);
	struct host_smb *hs;
	bool changed = false;

	if (c == NULL)
		return false;
	if (c->smb == NULL) {
		if ((c->smb = calloc(1, sizeof(*c->smb))) == NULL)
			return false;
		c->smb->signing_required = -1;
		changed = true;
	}
	hs = c->smb;
	changed |= smb_str(&hs->netbios_name, smb->netbios_name);
	changed |= smb_str(&hs->netbios_domain, smb->netbios_domain);
	changed |= smb_str(&hs->dns_name, smb->dns_name);
	changed |= smb_str(&hs->dns_domain, smb->dns_domain);
	changed |= smb_str(&hs->forest, smb->forest);
	changed |= smb_str(&hs->dialect, smb->dialect);
	if (smb->build && smb->build != hs->build) {
		hs->build = smb->build;
		changed = true;
	}
	if (smb->signing_required >= 0 && smb->signing_required != hs->signing_required) {
		hs->signing_required = smb->signing_required;
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
	uint32_t far = t->lru_head, near = t->lru_head;
	int r;

	/*
	 * Two cursors run ahead along the list: hosts 8 ahead are fetched,
	 * and the blocks of hosts 4 ahead (their records are in by then).
	 */
	for (int k = 0; k < 8 && far != NIL; k++)
		far = t->links[far].next;
	for (int k = 0; k < 4 && near != NIL; k++)
		near = t->links[near].next;
	for (uint32_t i = t->lru_head; i != NIL;) {
		uint32_t next = t->links[i].next;
		if (far != NIL) {
			__builtin_prefetch(&t->slots[far]);
			__builtin_prefetch(&t->slots[far].guesses);
			far = t->links[far].next;
		}
		if (near != NIL) {
			prefetch_block(&t->slots[near]);
			near = t->links[near].next;
		}
		if ((r = fn(&t->slots[i], arg)) != 0)
			return r;
		i = next;
	}
	return 0;
}

/*
 * fp_combine() of a host's guesses, remembered: the answer depends only on
 * the interned guesses, and few distinct sets of them exist (hosts of one
 * kind look alike: some thousands among 65,536 hosts of the benchmark). An
 * answer is kept small, as which guess each of its texts came from, and
 * rebuilt on use. Two-way set associative, process-wide like the label pool.
 */
#define OS_MEMO_SETS 8192
#define OS_NONE      0xff

struct os_memo {
	uint8_t n; /* OS_NONE: empty */
	bool ok;
	uint8_t nsources;
	uint8_t fam, name, ver, src; /* guesses the texts came from, OS_NONE for none */
	int16_t confidence;
	struct host_guess g[HOST_MAX_GUESSES];
};

static struct os_memo *os_memo;

static uint32_t
guesses_hash(const struct host_guess *g, unsigned n)
{
	uint32_t x = 2166136261u ^ n;

	for (unsigned i = 0; i < n; i++) {
		uint32_t w[2] = {(uint32_t)g[i].family | (uint32_t)g[i].name << 16,
		                 (uint32_t)g[i].version | (uint32_t)g[i].confidence << 16 |
		                         (uint32_t)g[i].src << 24};
		x = (x ^ w[0]) * 16777619u;
		x = (x ^ w[1]) * 16777619u;
	}
	return x ^ x >> 15;
}

static bool
guesses_eq(const struct host_guess *a, const struct host_guess *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i].family != b[i].family || a[i].name != b[i].name ||
		    a[i].version != b[i].version || a[i].confidence != b[i].confidence ||
		    a[i].src != b[i].src)
			return false;
	return true;
}

/* The guesses as fp_combine() takes them (texts cut to its fields). */
static void
guesses_expand(const struct host_guess *hg, unsigned n, struct fp_guess *g)
{
	memset(g, 0, sizeof(*g) * n);
	for (unsigned i = 0; i < n; i++) {
		const char *fam = host_label(hg[i].family), *name = host_label(hg[i].name),
		           *ver = host_label(hg[i].version);
		if (fam)
			fp_copy(g[i].family, sizeof(g[i].family), fam, strlen(fam));
		if (name)
			fp_copy(g[i].name, sizeof(g[i].name), name, strlen(name));
		if (ver)
			fp_copy(g[i].version, sizeof(g[i].version), ver, strlen(ver));
		g[i].confidence = hg[i].confidence;
		g[i].source = host_src_name((enum host_src)hg[i].src);
	}
}

/* The guess whose text (a field of size bytes at off) equals the answer's, or OS_NONE. */
static uint8_t
text_from(const struct fp_guess *g, unsigned n, size_t off, const char *text, size_t size)
{
	if (text[0] == '\0')
		return OS_NONE;
	for (unsigned i = 0; i < n; i++)
		if (memcmp((const char *)&g[i] + off, text, size) == 0)
			return (uint8_t)i;
	return OS_NONE - 1; /* not from a guess: never the case; not kept */
}

/* Compute the answer into out, and into m when it can be told as guesses' texts. */
static bool
best_os_compute(const struct host *h, struct fp_os *out, struct os_memo *m)
{
	struct fp_guess g[HOST_MAX_GUESSES];
	unsigned n = h->n_guesses;
	bool ok;

	guesses_expand(h->guesses, n, g);
	ok = fp_combine(g, n, out) && out->confidence > 0;
	m->n = OS_NONE;
	if (out->role[0] != '\0')
		return ok;
	m->fam = text_from(g, n, offsetof(struct fp_guess, family), out->family,
	                   sizeof(out->family));
	m->name = text_from(g, n, offsetof(struct fp_guess, name), out->name, sizeof(out->name));
	m->ver = text_from(g, n, offsetof(struct fp_guess, version), out->version,
	                   sizeof(out->version));
	m->src = OS_NONE;
	for (unsigned i = 0; i < n && out->source; i++)
		if (g[i].source == out->source) {
			m->src = (uint8_t)i;
			break;
		}
	if (m->fam == OS_NONE - 1 || m->name == OS_NONE - 1 || m->ver == OS_NONE - 1 ||
	    (out->source && m->src == OS_NONE) || out->confidence < INT16_MIN ||
	    out->confidence > INT16_MAX || out->nsources > 255)
		return ok;
	m->ok = ok;
	m->confidence = (int16_t)out->confidence;
	m->nsources = (uint8_t)out->nsources;
	memcpy(m->g, h->guesses, sizeof(m->g[0]) * n);
	m->n = (uint8_t)n;
	return ok;
}

/* A label cut to a field as guesses_expand() cuts it (the rest of the field zero). */
static void
label_into(char *dst, size_t size, uint16_t id)
{
	const char *s = host_label(id);

	if (s)
		fp_copy(dst, size, s, strlen(s));
}

/* The answer m keeps, as fp_combine() gave it. */
static bool
best_os_rebuild(const struct os_memo *m, struct fp_os *out)
{
	memset(out, 0, sizeof(*out));
	if (m->fam != OS_NONE)
		label_into(out->family, sizeof(out->family), m->g[m->fam].family);
	if (m->name != OS_NONE)
		label_into(out->name, sizeof(out->name), m->g[m->name].name);
	if (m->ver != OS_NONE)
		label_into(out->version, sizeof(out->version), m->g[m->ver].version);
	out->confidence = m->confidence;
	out->source = m->src != OS_NONE ? host_src_name((enum host_src)m->g[m->src].src) : NULL;
	out->nsources = m->nsources;
	return m->ok;
}

bool
host_best_os(const struct host *h, struct fp_os *out)
{
	struct os_memo *set, spare;
	uint32_t hash = guesses_hash(h->guesses, h->n_guesses);

	if (os_memo == NULL && (os_memo = malloc(sizeof(*os_memo) * 2 * OS_MEMO_SETS)) != NULL)
		for (unsigned i = 0; i < 2 * OS_MEMO_SETS; i++)
			os_memo[i].n = OS_NONE;
	if (os_memo == NULL)
		return best_os_compute(h, out, &spare);
	set = &os_memo[2 * (hash & (OS_MEMO_SETS - 1))];
	for (int w = 0; w < 2; w++)
		if (set[w].n == h->n_guesses && guesses_eq(set[w].g, h->guesses, h->n_guesses))
			return best_os_rebuild(&set[w], out);
	/* The newer answer goes first; the older of the two makes way. */
	set[1] = set[0];
	return best_os_compute(h, out, &set[0]);
}

/* "00" to "99": two decimal digits a step. */
static const char digits2[] = "0001020304050607080910111213141516171819202122232425262728293031"
                              "3233343536373839404142434445464748495051525354555657585960616263"
                              "6465666768697071727374757677787980818283848586878889909192939495"
                              "96979899";

/* inet_ntop() for IPv4 (dotted decimal, no leading zeros) without its sprintf. */
static void
format_v4(uint32_t a, char out[INET_ADDRSTRLEN])
{
	const uint8_t *b = (const uint8_t *)&a;
	char *p = out;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (i)
			*p++ = '.';
		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			memcpy(p, digits2 + 2 * v, 2);
			p += 2;
		} else if (v >= 10) {
			memcpy(p, digits2 + 2 * v, 2);
			p += 2;
		} else {
			*p++ = (char)('0' + v);
		}
	}
	*p = 0;
}

/* "00" to "ff": a byte's two hex digits. */
static const char hex2[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                           "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                           "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                           "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                           "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                           "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                           "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                           "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* net_mac_format() (lower-case hex, colons) two digits a step. */
static void
format_mac(const uint8_t b[6], char out[NET_MAC_STRLEN])
{
	for (int i = 0; i < 6; i++) {
		memcpy(out + 3 * i, hex2 + 2 * b[i], 2);
		out[3 * i + 2] = ':';
	}
	out[17] = 0;
}

static int
add_v4_str(struct hostrec *r, uint32_t a)
{
	char s[INET_ADDRSTRLEN];

	format_v4(a, s);
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
	const struct host_smb *hs;
	int rc = 0;

	memcpy(m.b, h->mac, 6);
	format_mac(h->mac, r->mac);
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
		if ((rc = add_v6_str(r, host_v6(h, i))) != 0)
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
		const struct host_service *s = &blk_services(h)[i];
		if ((rc = hostrec_add_service(r, s->proto == IPPROTO_UDP ? "udp" : "tcp", s->port,
		                              host_shared(s->banner), host_shared(s->product))) !=
		    0)
			return rc;
	}
	if ((rc = hostrec_set_str(&r->dhcp.vendor_class, host_shared(host_dhcp_vendor_class(h)))) !=
	            0 ||
	    (rc = hostrec_set_str(&r->dhcp.prl, host_shared(host_dhcp_prl(h)))) != 0 ||
	    (rc = hostrec_set_str(&r->dhcp.client_id, blk_client_id(h))) != 0)
		return rc;
	for (int i = 0; i < h->n_names; i++)
		if (h->names[i].src == HSRC_DHCP &&
		    (rc = hostrec_set_str(&r->dhcp.hostname, h->names[i].name)) != 0)
			return rc;
	if ((hs = host_smb(h)) != NULL) {
		if ((rc = hostrec_set_str(&r->smb.netbios_name, hs->netbios_name)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.netbios_domain, hs->netbios_domain)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dns_name, hs->dns_name)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dns_domain, hs->dns_domain)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.forest, hs->forest)) != 0 ||
		    (rc = hostrec_set_str(&r->smb.dialect, hs->dialect)) != 0)
			return rc;
		r->smb.build = hs->build;
		r->smb.signing_required = hs->signing_required;
	}
	r->first_seen = h->first_seen;
	r->last_seen = h->last_seen;
	for (int i = 0; i < HSRC__COUNT; i++)
		if ((h->sources & (1u << i)) &&
		    (rc = hostrec_add_source(r, host_src_name((enum host_src)i))) != 0)
			return rc;
	return 0;
}

/*
 * The record's form of a text: hostrec_set_str() and hostrec_add_name() make
 * what they are given safe again, at most 255 bytes of it (text_sanitize_dup).
 * The text itself when it would come out the same (it must outlive the use),
 * else its safe form in out.
 */
static const char *
record_text_ref(const char *in, char out[256])
{
	size_t len = strlen(in);

	if (len < 256 && plain((const uint8_t *)in, len))
		return in;
	make_safe(in, len, out, 256);
	return out;
}

void
host_summarize(const struct host *h, const struct oui_db *oui, struct host_summary *s)
{
	struct mac m;
	uint8_t src[HOST_MAX_NAMES];

	memcpy(m.b, h->mac, 6);
	format_mac(h->mac, s->s_mac);
	s->mac = s->s_mac;
	s->mac_local = net_mac_is_local(&m);
	s->vendor = NULL;
	if (oui && !s->mac_local) {
		const char *v = oui_lookup(oui, &m);
		if (v && *(v = record_text_ref(v, s->s_vendor)))
			s->vendor = v;
	}
	s->n_ipv4 = h->n_v4;
	s->ipv4 = NULL;
	if (h->n_v4) {
		format_v4(h->v4[0], s->s_ipv4);
		s->ipv4 = s->s_ipv4;
	}
	/* A record keeps one of each (name, source) pair, in order. */
	s->n_names = 0;
	for (int i = 0; i < h->n_names; i++) {
		const char *n = h->names[i].plain
		                        ? h->names[i].name
		                        : record_text_ref(h->names[i].name, s->s_names[s->n_names]);
		bool dup = false;
		for (size_t j = 0; j < s->n_names && !dup; j++)
			dup = src[j] == h->names[i].src && strcmp(s->names[j], n) == 0;
		if (!dup) {
			src[s->n_names] = h->names[i].src;
			s->names[s->n_names++] = n;
		}
	}
	s->os_name = s->os_family = NULL;
	s->os_confidence = 0;
	if (host_best_os(h, &s->s_os)) {
		const struct fp_os *os = &s->s_os;
		const char *v;
		if (os->family[0] && *(v = record_text_ref(os->family, s->s_os_family)))
			s->os_family = v;
		if (os->name[0] && *(v = record_text_ref(os->name, s->s_os_name)))
			s->os_name = v;
		s->os_confidence = os->confidence;
	}
	s->n_sources = 0;
	for (int i = 0; i < HSRC__COUNT; i++)
		if (h->sources & (1u << i))
			s->sources[s->n_sources++] = host_src_name((enum host_src)i);
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
		host_set_dhcp_vendor_class(
		        t, h,
		        host_shared_id(r->dhcp.vendor_class, strlen(r->dhcp.vendor_class), false));
	if (r->dhcp.prl)
		host_set_dhcp_prl(t, h, host_shared_id(r->dhcp.prl, strlen(r->dhcp.prl), false));
	if (r->dhcp.client_id)
		host_set_client_id(t, h, r->dhcp.client_id, strlen(r->dhcp.client_id));
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
	host_set_stored_seen(h, r->last_seen);
	return 0;
}
