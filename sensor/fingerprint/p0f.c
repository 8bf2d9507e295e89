/*
 * p0f.c - our reader of p0f v3's signature database (p0f.fp) and a matcher
 * for TCP SYN / SYN+ACK observations, following the format and the fuzzy
 * matching rules documented in p0f's README section 5 ("Fingerprint database").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/muster.h"
#include "sensor/fingerprint/p0f.h"

#define MAX_FILE    (4u << 20) /* p0f.fp is ~60 KiB; refuse anything silly */
#define MAX_LINE    1024
#define MAX_CLASSES 16
#define NBUCKETS    64 /* signatures are indexed by a hash of their option layout */

enum win_type { WIN_ANY, WIN_FIXED, WIN_MSS, WIN_MTU, WIN_MOD };

struct sig {
	uint32_t hash;  /* of olayout + eol_pad: the bucket key */
	uint32_t label; /* index into db->labels */
	uint32_t line;
	uint32_t quirks;
	uint32_t win; /* value or multiplier, by win_type */
	int32_t mss;  /* -1 any */
	uint16_t olen;
	uint8_t win_type;
	uint8_t ittl;
	int8_t ver;    /* 4, 6 or -1 any */
	int8_t scale;  /* -1 any */
	int8_t pclass; /* 0 none, 1 some, -1 any */
	bool bad_ttl;  /* "64-": tool with random TTLs, only an upper bound */
	bool generic;
	uint8_t nopt;
	uint8_t eol_pad;
	uint8_t opt[P0F_MAX_OPTS];
};

/* Signatures with one option layout: idx[start .. end), in file order. */
struct layout_group {
	uint32_t start, end;
};

/*
 * The fields a signature requires exactly (IP version, IP option length,
 * MSS, window scale, payload class), packed as an observation packs them
 * (obs_key): the signature can match only when (obs ^ val) & mask is 0.
 * A field the signature leaves open ("*") has no bits in mask.
 */
struct sigkey {
	uint64_t val, mask;
};

struct sigset {
	struct sig *sig;
	size_t n, cap;
	uint32_t start[NBUCKETS + 1]; /* bucket b is idx[start[b] .. start[b+1]) */
	uint32_t *idx;
	struct sigkey *key; /* key[i] is that of sig[idx[i]]: a layout's keys lie together */
	/* Bucket b's layouts are group[gstart[b] .. gstart[b+1]): a match looks at one. */
	uint32_t gstart[NBUCKETS + 1];
	struct layout_group *group;
};

struct mtu_sig {
	uint16_t mtu;
	uint32_t name; /* index into mtu_names */
};

struct p0f_db {
	struct p0f_label *labels;
	size_t nlabels, caplabels;
	struct sigset set[2]; /* [0] SYN, [1] SYN+ACK */
	struct mtu_sig *mtus;
	size_t nmtus, capmtus;
	char (*mtu_names)[48];
	size_t nmtu_names, capmtu_names;
};

enum section { SEC_NONE, SEC_TCP_REQ, SEC_TCP_RESP, SEC_MTU, SEC_SKIP };

struct loader {
	struct p0f_db *db;
	const char *file;
	unsigned line;
	struct fp_errors *errs;
	enum section sec;
	long label;     /* current label index, -1 none */
	bool label_bad; /* the current label was rejected: skip its sigs quietly */
	char classes[MAX_CLASSES][8];
	unsigned nclasses;
	bool oom;
};

/* A piece of a line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static bool
span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static struct span
span_trim(struct span s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* Split s at the first sep: *head before it, s becomes what follows; false when absent. */
static bool
span_split(struct span *s, char sep, struct span *head)
{
	const char *q = memchr(s->p, sep, s->n);

	if (q == NULL) {
		*head = *s;
		s->p += s->n;
		s->n = 0;
		return false;
	}
	head->p = s->p;
	head->n = (size_t)(q - s->p);
	s->n -= head->n + 1;
	s->p = q + 1;
	return true;
}

/* Decimal number of 1..9 digits not above max. */
static bool
parse_num(struct span s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (s.n == 0 || s.n > 9)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Report "<msg> '<offending text>'" for the current line. */
static void
bad(struct loader *l, const char *msg, struct span what)
{
	int n = what.n > 60 ? 60 : (int)what.n;
	fp_errors_add(l->errs, l->file, l->line, "%s '%.*s'", msg, n, what.p);
}

static bool
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * elem)) == NULL)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

static uint32_t
layout_hash(const uint8_t *opt, unsigned n, unsigned eol_pad)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (unsigned i = 0; i < n; i++)
		h = (h ^ opt[i]) * 16777619u;
	h = (h ^ n) * 16777619u;
	return (h ^ eol_pad) * 16777619u;
}

static const struct {
	const char *name;
	uint32_t bit;
} quirk_names[] = {
        {"df", P0F_Q_DF},         {"id+", P0F_Q_ID_NZ},   {"id-", P0F_Q_ID_ZERO},
        {"ecn", P0F_Q_ECN},       {"0+", P0F_Q_MBZ_NZ},   {"flow", P0F_Q_FLOW},
        {"seq-", P0F_Q_SEQ_ZERO}, {"ack+", P0F_Q_ACK_NZ}, {"ack-", P0F_Q_ACK_ZERO},
        {"uptr+", P0F_Q_UPTR_NZ}, {"urgf+", P0F_Q_URG},   {"pushf+", P0F_Q_PUSH},
        {"ts1-", P0F_Q_TS1_ZERO}, {"ts2+", P0F_Q_TS2_NZ}, {"opt+", P0F_Q_OPT_NZ_PAD},
        {"exws", P0F_Q_EXWS},     {"bad", P0F_Q_BAD_OPT},
};

static const struct {
	const char *name;
	uint8_t kind;
} opt_names[] = {
        {"nop", P0F_OPT_NOP}, {"mss", P0F_OPT_MSS},   {"ws", P0F_OPT_WS},
        {"sok", P0F_OPT_SOK}, {"sack", P0F_OPT_SACK}, {"ts", P0F_OPT_TS},
};

/* "64", "54+10" (observed + distance), "64-" (random TTL, upper bound), "64+?". */
static bool
parse_ttl(struct span f, struct sig *s)
{
	struct span a, b;
	unsigned v, d;

	if (f.n > 0 && f.p[f.n - 1] == '-') {
		f.n--;
		s->bad_ttl = true;
		if (!parse_num(f, 255, &v) || v == 0)
			return false;
		s->ittl = (uint8_t)v;
		return true;
	}
	b = f;
	if (!span_split(&b, '+', &a)) {
		if (!parse_num(a, 255, &v) || v == 0)
			return false;
		s->ittl = (uint8_t)v;
		return true;
	}
	if (!parse_num(a, 255, &v) || v == 0)
		return false;
	if (span_eq(b, "?"))
		d = 0; /* distance unknown: take the observed TTL as the initial one */
	else if (!parse_num(b, 255, &d))
		return false;
	if (v + d > 255)
		return false;
	s->ittl = (uint8_t)(v + d);
	return true;
}

static bool
parse_wsize(struct loader *l, struct span f, struct sig *s)
{
	unsigned v;

	if (span_eq(f, "*")) {
		s->win_type = WIN_ANY;
		return true;
	}
	if (f.n > 4 && memcmp(f.p, "mss*", 4) == 0) {
		s->win_type = WIN_MSS;
		f.p += 4, f.n -= 4;
	} else if (f.n > 4 && memcmp(f.p, "mtu*", 4) == 0) {
		s->win_type = WIN_MTU;
		f.p += 4, f.n -= 4;
	} else if (f.n > 1 && f.p[0] == '%') {
		s->win_type = WIN_MOD;
		f.p++, f.n--;
	} else {
		s->win_type = WIN_FIXED;
	}
	if (!parse_num(f, 65535, &v) || (s->win_type != WIN_FIXED && v == 0)) {
		bad(l, "bad window size", f);
		return false;
	}
	s->win = v;
	return true;
}

static bool
parse_olayout(struct loader *l, struct span f, struct sig *s)
{
	struct span item;
	bool more = f.n > 0;

	while (more) {
		unsigned v;
		size_t i;

		more = span_split(&f, ',', &item);
		if (s->nopt >= P0F_MAX_OPTS) {
			bad(l, "too many options at", item);
			return false;
		}
		if (s->nopt > 0 && s->opt[s->nopt - 1] == P0F_OPT_EOL) {
			bad(l, "option after eol", item);
			return false;
		}
		if (item.n > 4 && memcmp(item.p, "eol+", 4) == 0) {
			struct span num = {item.p + 4, item.n - 4};
			if (!parse_num(num, P0F_MAX_OPTS, &v)) {
				bad(l, "bad eol padding", item);
				return false;
			}
			s->eol_pad = (uint8_t)v;
			s->opt[s->nopt++] = P0F_OPT_EOL;
			continue;
		}
		if (item.n > 1 && item.p[0] == '?') {
			struct span num = {item.p + 1, item.n - 1};
			if (!parse_num(num, 255, &v)) {
				bad(l, "bad option kind", item);
				return false;
			}
			s->opt[s->nopt++] = (uint8_t)v;
			continue;
		}
		for (i = 0; i < MUSTER_NELEM(opt_names); i++)
			if (span_eq(item, opt_names[i].name))
				break;
		if (i == MUSTER_NELEM(opt_names)) {
			bad(l, "unknown TCP option", item);
			return false;
		}
		s->opt[s->nopt++] = opt_names[i].kind;
	}
	return true;
}

static bool
parse_quirks(struct loader *l, struct span f, struct sig *s)
{
	struct span item;
	bool more = f.n > 0;

	while (more) {
		size_t i;

		more = span_split(&f, ',', &item);
		for (i = 0; i < MUSTER_NELEM(quirk_names); i++)
			if (span_eq(item, quirk_names[i].name))
				break;
		if (i == MUSTER_NELEM(quirk_names)) {
			bad(l, "unknown quirk", item);
			return false;
		}
		s->quirks |= quirk_names[i].bit;
	}
	return true;
}

/* sig = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass */
static void
parse_tcp_sig(struct loader *l, struct span v)
{
	struct span f[8], ws, sc;
	struct sig s;
	struct sigset *set = &l->db->set[l->sec == SEC_TCP_RESP];
	unsigned n, nf = 0;
	bool more;

	if (l->label < 0) {
		if (!l->label_bad)
			fp_errors_add(l->errs, l->file, l->line, "sig before any label");
		return;
	}
	memset(&s, 0, sizeof(s));
	do
		more = span_split(&v, ':', &f[nf++]);
	while (more && nf < 8);
	if (nf != 8 || more) {
		fp_errors_add(l->errs, l->file, l->line, "sig needs 8 fields, has %s",
		              nf < 8 ? "fewer" : "more");
		return;
	}
	if (span_eq(f[0], "*"))
		s.ver = -1;
	else if (span_eq(f[0], "4") || span_eq(f[0], "6"))
		s.ver = (int8_t)(f[0].p[0] - '0');
	else {
		bad(l, "bad IP version", f[0]);
		return;
	}
	if (!parse_ttl(f[1], &s)) {
		bad(l, "bad TTL", f[1]);
		return;
	}
	if (!parse_num(f[2], 255, &n)) {
		bad(l, "bad IP options length", f[2]);
		return;
	}
	s.olen = (uint16_t)n;
	if (span_eq(f[3], "*"))
		s.mss = -1;
	else if (parse_num(f[3], 65535, &n))
		s.mss = (int32_t)n;
	else {
		bad(l, "bad MSS", f[3]);
		return;
	}
	sc = f[4];
	if (!span_split(&sc, ',', &ws)) {
		bad(l, "window needs size,scale, not", f[4]);
		return;
	}
	if (!parse_wsize(l, ws, &s))
		return;
	if (span_eq(sc, "*"))
		s.scale = -1;
	else if (parse_num(sc, 255, &n))
		s.scale = (int8_t)(n > 127 ? 127 : n);
	else {
		bad(l, "bad window scale", sc);
		return;
	}
	if (!parse_olayout(l, f[5], &s) || !parse_quirks(l, f[6], &s))
		return;
	if (span_eq(f[7], "0"))
		s.pclass = 0;
	else if (span_eq(f[7], "+"))
		s.pclass = 1;
	else if (span_eq(f[7], "*"))
		s.pclass = -1;
	else {
		bad(l, "bad payload class", f[7]);
		return;
	}

	s.label = (uint32_t)l->label;
	s.line = l->line;
	s.generic = l->db->labels[l->label].generic;
	s.hash = layout_hash(s.opt, s.nopt, s.eol_pad);
	if (!grow((void **)&set->sig, &set->cap, set->n + 1, sizeof(s))) {
		l->oom = true;
		return;
	}
	set->sig[set->n++] = s;
}

/* label = type:class:name:flavor (TCP); label = name (MTU). */
static void
parse_label(struct loader *l, struct span v)
{
	struct p0f_db *db = l->db;
	struct span type, cls, name;
	struct p0f_label lab;
	unsigned i;

	l->label = -1;
	l->label_bad = true;
	if (l->sec == SEC_MTU) {
		if (v.n == 0) {
			fp_errors_add(l->errs, l->file, l->line, "empty MTU label");
			return;
		}
		if (!grow((void **)&db->mtu_names, &db->capmtu_names, db->nmtu_names + 1,
		          sizeof(db->mtu_names[0]))) {
			l->oom = true;
			return;
		}
		fp_copy(db->mtu_names[db->nmtu_names], sizeof(db->mtu_names[0]), v.p, v.n);
		l->label = (long)db->nmtu_names++;
		l->label_bad = false;
		return;
	}
	memset(&lab, 0, sizeof(lab));
	if (!span_split(&v, ':', &type) || !span_split(&v, ':', &cls) ||
	    !span_split(&v, ':', &name)) {
		fp_errors_add(l->errs, l->file, l->line, "label needs type:class:name:flavor");
		return;
	}
	if (span_eq(type, "g"))
		lab.generic = true;
	else if (!span_eq(type, "s")) {
		bad(l, "label type must be s or g, not", type);
		return;
	}
	if (span_eq(cls, "!")) {
		lab.app = true;
	} else {
		for (i = 0; i < l->nclasses; i++)
			if (span_eq(cls, l->classes[i]))
				break;
		if (l->nclasses > 0 && i == l->nclasses) {
			bad(l, "unknown class", cls);
			return;
		}
		if (cls.n == 0 || cls.n >= sizeof(lab.cls)) {
			bad(l, "bad class", cls);
			return;
		}
	}
	if (name.n == 0) {
		fp_errors_add(l->errs, l->file, l->line, "empty label name");
		return;
	}
	fp_copy(lab.cls, sizeof(lab.cls), cls.p, cls.n);
	fp_copy(lab.name, sizeof(lab.name), name.p, name.n);
	fp_copy(lab.flavor, sizeof(lab.flavor), v.p, v.n);
	if (!grow((void **)&db->labels, &db->caplabels, db->nlabels + 1, sizeof(lab))) {
		l->oom = true;
		return;
	}
	db->labels[db->nlabels] = lab;
	l->label = (long)db->nlabels++;
	l->label_bad = false;
}

static void
parse_mtu_sig(struct loader *l, struct span v)
{
	struct p0f_db *db = l->db;
	unsigned n;

	if (l->label < 0) {
		if (!l->label_bad)
			fp_errors_add(l->errs, l->file, l->line, "sig before any label");
		return;
	}
	if (!parse_num(v, 65535, &n) || n == 0) {
		bad(l, "bad MTU", v);
		return;
	}
	if (!grow((void **)&db->mtus, &db->capmtus, db->nmtus + 1, sizeof(db->mtus[0]))) {
		l->oom = true;
		return;
	}
	db->mtus[db->nmtus].mtu = (uint16_t)n;
	db->mtus[db->nmtus++].name = (uint32_t)l->label;
}

/* classes = win,unix,other: the only classes labels may use. */
static void
parse_classes(struct loader *l, struct span v)
{
	struct span item;
	bool more = true;

	l->nclasses = 0;
	while (more) {
		more = span_split(&v, ',', &item);
		item = span_trim(item);
		if (item.n == 0 || item.n >= sizeof(l->classes[0])) {
			bad(l, "bad class", item);
			return;
		}
		if (l->nclasses == MAX_CLASSES) {
			fp_errors_add(l->errs, l->file, l->line, "too many classes");
			return;
		}
		fp_copy(l->classes[l->nclasses++], sizeof(l->classes[0]), item.p, item.n);
	}
}

static void
parse_section(struct loader *l, struct span s)
{
	l->label = -1;
	l->label_bad = false;
	if (s.n < 2 || s.p[s.n - 1] != ']') {
		l->sec = SEC_SKIP;
		{
			bad(l, "bad section header", s);
			return;
		}
	}
	s.p++;
	s.n -= 2;
	if (span_eq(s, "tcp:request"))
		l->sec = SEC_TCP_REQ;
	else if (span_eq(s, "tcp:response"))
		l->sec = SEC_TCP_RESP;
	else if (span_eq(s, "mtu"))
		l->sec = SEC_MTU;
	else if (span_eq(s, "http:request") || span_eq(s, "http:response"))
		l->sec = SEC_SKIP; /* known to p0f, not used by us */
	else {
		l->sec = SEC_SKIP;
		bad(l, "unknown section", s);
	}
}

static void
parse_line(struct loader *l, struct span s)
{
	struct span key, val;
	size_t k = 0;

	s = span_trim(s);
	if (s.n == 0 || s.p[0] == ';')
		return;
	if (memchr(s.p, '\0', s.n) != NULL) {
		fp_errors_add(l->errs, l->file, l->line, "NUL byte in line");
		return;
	}
	if (s.p[0] == '[') {
		parse_section(l, s);
		return;
	}
	while (k < s.n && s.p[k] != '=' && s.p[k] != ' ' && s.p[k] != '\t')
		k++;
	key.p = s.p;
	key.n = k;
	val.p = s.p + k;
	val.n = s.n - k;
	val = span_trim(val);
	if (val.n == 0 || val.p[0] != '=') {
		bad(l, "expected key = value, got", s);
		return;
	}
	val.p++;
	val.n--;
	val = span_trim(val);

	if (span_eq(key, "classes")) {
		parse_classes(l, val);
		return;
	}
	if (l->sec == SEC_SKIP)
		return;
	if (l->sec == SEC_NONE) {
		bad(l, "key outside any section:", key);
		return;
	}
	if (span_eq(key, "label")) {
		parse_label(l, val);
		return;
	}
	if (span_eq(key, "sys"))
		return; /* OS list of an application label: not needed here */
	if (span_eq(key, "sig")) {
		if (l->sec == SEC_MTU) {
			parse_mtu_sig(l, val);
			return;
		}
		{
			parse_tcp_sig(l, val);
			return;
		}
	}
	bad(l, "unknown key", key);
}

static bool
same_layout(const struct sig *a, const struct sig *b)
{
	return a->hash == b->hash && a->nopt == b->nopt && a->eol_pad == b->eol_pad &&
	       memcmp(a->opt, b->opt, a->nopt) == 0;
}

/* Where each field sits in a key: MSS, IP option length, version, scale, payload class. */
#define K_MSS    0
#define K_OLEN   16
#define K_VER    32
#define K_SCALE  40
#define K_PCLASS 48

static struct sigkey
sig_key(const struct sig *s)
{
	struct sigkey k = {(uint64_t)s->olen << K_OLEN, (uint64_t)0xffff << K_OLEN};

	if (s->mss >= 0) {
		k.val |= (uint64_t)(uint16_t)s->mss << K_MSS;
		k.mask |= (uint64_t)0xffff << K_MSS;
	}
	if (s->ver >= 0) {
		k.val |= (uint64_t)(uint8_t)s->ver << K_VER;
		k.mask |= (uint64_t)0xff << K_VER;
	}
	if (s->scale >= 0) {
		k.val |= (uint64_t)(uint8_t)s->scale << K_SCALE;
		k.mask |= (uint64_t)0xff << K_SCALE;
	}
	if (s->pclass >= 0) {
		k.val |= (uint64_t)(uint8_t)s->pclass << K_PCLASS;
		k.mask |= (uint64_t)0xff << K_PCLASS;
	}
	return k;
}

/* An observation's fields as sig_key() places them (scale 0 when absent, as p0f counts it). */
static uint64_t
obs_key(const struct p0f_tcp_obs *o)
{
	uint64_t mss = o->has_mss ? o->mss : 0, scale = o->wscale < 0 ? 0 : (uint8_t)o->wscale;

	return mss << K_MSS | (uint64_t)o->ip_opt_len << K_OLEN | (uint64_t)o->ip_ver << K_VER |
	       scale << K_SCALE | (uint64_t)(o->payload ? 1 : 0) << K_PCLASS;
}

/*
 * Index each set's signatures by layout hash, then inside a bucket by the
 * layout itself: the signatures of one layout together, in file order, so a
 * match compares the layout once and then only the other fields.
 */
static bool
build_index(struct sigset *set)
{
	uint32_t fill[NBUCKETS], *tmp, ng = 0;

	memset(set->start, 0, sizeof(set->start));
	for (size_t i = 0; i < set->n; i++)
		set->start[(set->sig[i].hash % NBUCKETS) + 1]++;
	for (unsigned b = 0; b < NBUCKETS; b++)
		set->start[b + 1] += set->start[b];
	if ((set->idx = malloc((set->n ? set->n : 1) * sizeof(*set->idx))) == NULL)
		return false;
	if ((set->group = malloc((set->n ? set->n : 1) * sizeof(*set->group))) == NULL ||
	    (tmp = malloc((set->n ? set->n : 1) * sizeof(*tmp))) == NULL)
		return false;
	memcpy(fill, set->start, sizeof(fill));
	for (size_t i = 0; i < set->n; i++)
		tmp[fill[set->sig[i].hash % NBUCKETS]++] = (uint32_t)i;
	for (unsigned b = 0; b < NBUCKETS; b++) {
		uint32_t out = set->start[b];
		set->gstart[b] = ng;
		for (uint32_t i = set->start[b]; i < set->start[b + 1]; i++) {
			const struct sig *first;
			if (tmp[i] == UINT32_MAX)
				continue; /* placed with an earlier signature of its layout */
			first = &set->sig[tmp[i]];
			set->group[ng].start = out;
			for (uint32_t j = i; j < set->start[b + 1]; j++) {
				if (tmp[j] != UINT32_MAX && same_layout(first, &set->sig[tmp[j]])) {
					set->idx[out++] = tmp[j];
					if (j != i)
						tmp[j] = UINT32_MAX;
				}
			}
			tmp[i] = UINT32_MAX;
			set->group[ng++].end = out;
		}
	}
	set->gstart[NBUCKETS] = ng;
	free(tmp);
	if ((set->key = malloc((set->n ? set->n : 1) * sizeof(*set->key))) == NULL)
		return false;
	for (size_t i = 0; i < set->n; i++)
		set->key[i] = sig_key(&set->sig[set->idx[i]]);
	return true;
}

struct p0f_db *
p0f_load_buf(const char *name, const void *data, size_t len, struct fp_errors *errs)
{
	struct loader l;
	const char *p = data, *end = p + len;

	memset(&l, 0, sizeof(l));
	l.file = name;
	l.errs = errs;
	l.label = -1;
	if ((l.db = calloc(1, sizeof(*l.db))) == NULL)
		return NULL;
	while (p < end && !l.oom) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct span line = {p, nl ? (size_t)(nl - p) : (size_t)(end - p)};

		p = nl ? nl + 1 : end;
		l.line++;
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n > MAX_LINE) {
			fp_errors_add(errs, name, l.line, "line longer than %d bytes", MAX_LINE);
			continue;
		}
		parse_line(&l, line);
	}
	if (l.oom || !build_index(&l.db->set[0]) || !build_index(&l.db->set[1])) {
		p0f_free(l.db);
		return NULL;
	}
	return l.db;
}

struct p0f_db *
p0f_load(const char *path, struct fp_errors *errs)
{
	struct p0f_db *db;
	size_t len;
	char *data;

	if ((data = fp_read_file(path, MAX_FILE, &len)) == NULL)
		return NULL;
	db = p0f_load_buf(path, data, len, errs);
	free(data);
	return db;
}

void
p0f_free(struct p0f_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		free(db->set[i].sig);
		free(db->set[i].idx);
		free(db->set[i].group);
		free(db->set[i].key);
	}
	free(db->labels);
	free(db->mtus);
	free(db->mtu_names);
	free(db);
}

size_t
p0f_sig_count(const struct p0f_db *db, bool syn_ack)
{
	return db->set[syn_ack].n;
}

unsigned
p0f_guess_ittl(unsigned ttl)
{
	if (ttl <= 32)
		return 32;
	if (ttl <= 64)
		return 64;
	if (ttl <= 128)
		return 128;
	return 255;
}

/* The window as a multiple of some MSS or MTU: n 0 when it is none. */
struct win_multi {
	uint32_t n;
	bool mtu; /* a multiple of an MTU ("mtu*N"), else of an MSS ("mss*N") */
};

/*
 * p0f (fp_tcp.c, detect_win_multi) takes the first of these bases that
 * divides the window, and an "mss*N" or "mtu*N" signature matches only that
 * N: the MSS; the MSS less the 12 bytes of a timestamp option (when the own
 * timestamp is non-zero); 1460 and 1448, an MSS from an interface with a
 * 1500-byte MTU (IPv6 also 1440 and 1428); as MTUs, the MSS plus 40 (plus 60
 * on IPv6) and 1500; on a SYN+ACK, the MSS of the SYN it answers and that
 * less 12. No multiple when the window is 0 or the MSS is absent or below
 * 100. p0f also tries the MSS plus the actual header lengths as an MTU,
 * which an observation does not carry; the link MTU (o->mtu), when known,
 * is tried last.
 */
/* If base divides the window: the multiple, and true. */
static inline bool
win_base(uint32_t win, uint32_t base, bool mtu, struct win_multi *w)
{
	if (win % base != 0)
		return false;
	w->n = win / base;
	w->mtu = mtu;
	return true;
}

static struct win_multi
win_multi(const struct p0f_tcp_obs *o)
{
	bool v6 = o->ip_ver == 6;
	uint32_t win = o->win, mss = o->has_mss ? o->mss : 0, peer = o->syn_ack ? o->syn_mss : 0;
	struct win_multi w = {0, false};

	if (win == 0 || mss < 100)
		return w;
	/* The first of the bases above (in that order) that divides the window. */
	(void)(win_base(win, mss, false, &w) ||
	       (!(o->quirks & P0F_Q_TS1_ZERO) && memchr(o->olayout, P0F_OPT_TS, o->olayout_len) &&
	        win_base(win, mss - 12, false, &w)) ||
	       win_base(win, 1460, false, &w) || win_base(win, 1448, false, &w) ||
	       (v6 && win_base(win, 1440, false, &w)) || (v6 && win_base(win, 1428, false, &w)) ||
	       win_base(win, mss + 40, true, &w) || (v6 && win_base(win, mss + 60, true, &w)) ||
	       win_base(win, 1500, true, &w) || (peer > 0 && win_base(win, peer, false, &w)) ||
	       (peer > 12 && win_base(win, peer - 12, false, &w)) ||
	       (o->mtu > 0 && win_base(win, o->mtu, true, &w)));
	return w;
}

static bool
win_ok(const struct sig *s, const struct p0f_tcp_obs *o, const struct win_multi *w)
{
	switch (s->win_type) {
	case WIN_ANY:
		return true;
	case WIN_FIXED:
		return o->win == s->win;
	case WIN_MOD:
		return o->win % s->win == 0;
	case WIN_MSS:
		return !w->mtu && w->n == s->win;
	case WIN_MTU:
		return w->mtu && w->n == s->win;
	}
	return false;
}

/* Quirks that exist only in one IP version are ignored on the other (README 5). */
#define Q_V4_ONLY (P0F_Q_DF | P0F_Q_ID_NZ | P0F_Q_ID_ZERO | P0F_Q_MBZ_NZ)
#define Q_V6_ONLY (P0F_Q_FLOW)
/* A fuzzy match lets 'df' and 'id+' disappear and 'id-' and 'ecn' appear. */
#define Q_MAY_GO   (P0F_Q_DF | P0F_Q_ID_NZ)
#define Q_MAY_COME (P0F_Q_ID_ZERO | P0F_Q_ECN)

static void
fill(const struct p0f_db *db, const struct sig *s, const struct p0f_tcp_obs *o, bool fuzzy,
     struct p0f_match *out)
{
	out->label = &db->labels[s->label];
	out->generic = s->generic;
	out->fuzzy = fuzzy;
	out->line = s->line;
	if (s->ittl >= o->ttl && s->ittl - o->ttl <= P0F_MAX_DIST)
		out->distance = s->ittl - o->ttl;
	else
		out->distance = (int)p0f_guess_ittl(o->ttl) - o->ttl;
}

bool
p0f_match_tcp(const struct p0f_db *db, const struct p0f_tcp_obs *o, struct p0f_match *out)
{
	const struct sigset *set = &db->set[o->syn_ack ? 1 : 0];
	const struct sig *gmatch = NULL, *fmatch = NULL;
	uint32_t nopt = o->olayout_len > P0F_MAX_OPTS ? P0F_MAX_OPTS : o->olayout_len;
	uint32_t h = layout_hash(o->olayout, nopt, o->eol_pad);
	uint32_t mask = o->ip_ver == 6 ? ~(uint32_t)Q_V4_ONLY : ~(uint32_t)Q_V6_ONLY;
	uint32_t oq = o->quirks & mask;
	uint64_t okey = obs_key(o);
	struct win_multi w;
	bool have_w = false;

	const struct layout_group *grp = NULL;

	for (uint32_t g = set->gstart[h % NBUCKETS]; g < set->gstart[h % NBUCKETS + 1]; g++) {
		const struct sig *s = &set->sig[set->idx[set->group[g].start]];
		if (s->hash == h && s->nopt == nopt && s->eol_pad == o->eol_pad &&
		    memcmp(s->opt, o->olayout, nopt) == 0) {
			grp = &set->group[g];
			break;
		}
	}
	for (uint32_t i = grp ? grp->start : 0; grp && i < grp->end; i++) {
		const struct sig *s;
		uint32_t sq;
		bool fuzzy = false;

		/* Version, option length, MSS, scale and payload class in one test. */
		if (((okey ^ set->key[i].val) & set->key[i].mask) != 0)
			continue;
		s = &set->sig[set->idx[i]];
		sq = s->quirks & mask;
		if (sq != oq) {
			if ((sq & ~oq & ~Q_MAY_GO) != 0 || (oq & ~sq & ~Q_MAY_COME) != 0)
				continue;
			fuzzy = true;
		}
		if (s->bad_ttl) {
			if (s->ittl < o->ttl)
				continue;
		} else if (s->ittl < o->ttl || s->ittl - o->ttl > P0F_MAX_DIST) {
			fuzzy = true;
		}
		if (!have_w) {
			w = win_multi(o);
			have_w = true;
		}
		if (!win_ok(s, o, &w))
			continue;
		if (!fuzzy) {
			if (!s->generic) {
				fill(db, s, o, false, out);
				return true;
			}
			if (gmatch == NULL)
				gmatch = s;
		} else if (fmatch == NULL) {
			fmatch = s;
		}
	}
	if (gmatch != NULL) {
		fill(db, gmatch, o, false, out);
		return true;
	}
	/* Tools that randomise their TTL get no fuzzy matches. */
	if (fmatch != NULL && !fmatch->bad_ttl) {
		fill(db, fmatch, o, true, out);
		return true;
	}
	return false;
}

const char *
p0f_match_mtu(const struct p0f_db *db, unsigned mtu)
{
	for (size_t i = 0; i < db->nmtus; i++)
		if (db->mtus[i].mtu == mtu)
			return db->mtu_names[db->mtus[i].name];
	return NULL;
}

/* p0f's OS names and the family word each stands for. */
static const struct {
	const char *name;
	const char *family;
} p0f_families[] = {
        {"Linux", "linux"},   {"Windows", "windows"}, {"Mac OS X", "macos"},
        {"MacOS X", "macos"}, {"iOS", "ios"},         {"FreeBSD", "bsd"},
        {"OpenBSD", "bsd"},   {"NetBSD", "bsd"},      {"Android", "android"},
};

bool
p0f_match_to_guess(const struct p0f_match *m, struct fp_guess *out)
{
	const struct p0f_label *lab = m->label;
	const char *family = NULL;

	memset(out, 0, sizeof(*out));
	if (lab == NULL || lab->app)
		return false;
	for (size_t i = 0; i < MUSTER_NELEM(p0f_families); i++)
		if (strcmp(lab->name, p0f_families[i].name) == 0)
			family = p0f_families[i].family;
	if (family == NULL)
		family = strcmp(lab->cls, "win") == 0    ? "windows"
		         : strcmp(lab->cls, "unix") == 0 ? "unix"
		                                         : "other";
	if (strcmp(family, "linux") == 0 && strstr(lab->flavor, "Android") != NULL)
		family = "android";
	snprintf(out->family, sizeof(out->family), "%s", family);
	if (lab->flavor[0] != '\0')
		snprintf(out->name, sizeof(out->name), "%.31s %.30s", lab->name, lab->flavor);
	else
		snprintf(out->name, sizeof(out->name), "%s", lab->name);
	/* Exact 60, fuzzy 45, generic 40, generic and fuzzy 30 (docs/fingerprints.md). */
	out->confidence = m->generic ? (m->fuzzy ? 30 : 40) : (m->fuzzy ? 45 : 60);
	out->source = "p0f";
	return true;
}
