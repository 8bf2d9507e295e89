/*
 * combine.c - one OS record from many guesses. The rule (docs/fingerprints.md,
 * "Combining"): each family named by some guess is a candidate; its score is
 * the best confidence among the guesses consistent with it (the same family
 * or a less specific one), plus 10 for each further independent source among
 * them (at most +20, never past 99 by agreement alone). The highest score
 * wins; ties go to the more specific of two related families, then to the stronger direct
 * evidence, then to the better-ranked source. A rival family within 15 points
 * costs the winner 10.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/muster.h"
#include "sensor/fingerprint/combine.h"

#define AGREE_BONUS  10
#define AGREE_MAX    20
#define AGREE_CAP    99
#define RIVAL_WINDOW 15
#define RIVAL_COST   10

static const struct {
	const char *source;
	int rank;
} ranks[] = {
        {"smb", 100},    {"ssh", 90},   {"snmp", 85}, {"lldp", 80}, {"cdp", 80},
        {"mdns", 70},    {"p0f", 60},   {"http", 55}, {"dhcp", 50}, {"ssdp", 40},
        {"netbios", 30}, {"llmnr", 20}, {"oui", 10},
};

int
fp_source_rank(const char *source)
{
	if (source == NULL)
		return 0;
	for (size_t i = 0; i < MUSTER_NELEM(ranks); i++)
		if (ranks[i].source[0] == source[0] && strcmp(ranks[i].source, source) == 0)
			return ranks[i].rank;
	return 0;
}

/*
 * What combining needs of one guess, worked out once per call: the family as
 * a number (string compares in the nested loops below cost more than the
 * rest), whether the guess counts, the rank of its source, and which earlier
 * guess (if any) has the same source.
 */
struct prep {
	int fam; /* fp_family_id(), valid when usable */
	int rank;
	unsigned src; /* the first guess with the same source text */
	bool usable;
};

/* True when a is f or one of the families f belongs to. */
static bool
covers(int a, int f)
{
	for (int p = f; p >= 0; p = fp_family_parent_id(p))
		if (p == a)
			return true;
	return false;
}

static bool
compatible(int a, int b)
{
	return covers(a, b) || covers(b, a);
}

static int
depth(int f)
{
	int d = 0;

	while ((f = fp_family_parent_id(f)) >= 0)
		d++;
	return d;
}

static void
prepare(const struct fp_guess *g, size_t n, struct prep *pr)
{
	for (size_t i = 0; i < n; i++) {
		pr[i].fam = g[i].family[0] != '\0' ? fp_family_id(g[i].family) : -1;
		pr[i].usable = g[i].source != NULL && pr[i].fam >= 0;
		pr[i].rank = fp_source_rank(g[i].source);
		pr[i].src = (unsigned)i;
		for (size_t k = 0; k < i && g[i].source != NULL; k++) {
			if (g[k].source != NULL && strcmp(g[k].source, g[i].source) == 0) {
				pr[i].src = (unsigned)k;
				break;
			}
		}
	}
}

struct cand {
	const char *family;
	int fam;
	int score;
	int depth;
	int direct; /* best confidence of guesses naming exactly this family */
	int rank;   /* best rank among supporting sources */
	unsigned nsources;
};

static void
score(const struct fp_guess *g, const struct prep *pr, size_t n, size_t fi, struct cand *c)
{
	int top = 0, fam = pr[fi].fam;

	memset(c, 0, sizeof(*c));
	c->family = g[fi].family;
	c->fam = fam;
	c->depth = depth(fam);
	c->direct = -1;
	for (size_t j = 0; j < n; j++) {
		bool seen = false;
		if (!pr[j].usable || !covers(pr[j].fam, fam))
			continue;
		if (g[j].confidence > top)
			top = g[j].confidence;
		if (pr[j].fam == fam && g[j].confidence > c->direct)
			c->direct = g[j].confidence;
		if (pr[j].rank > c->rank)
			c->rank = pr[j].rank;
		for (size_t i = 0; i < j && !seen; i++)
			seen = pr[i].usable && covers(pr[i].fam, fam) && pr[i].src == pr[j].src;
		if (!seen)
			c->nsources++;
	}
	c->score = top;
	if (c->nsources > 1) {
		int bonus = AGREE_BONUS * (int)(c->nsources - 1);
		int cap = top > AGREE_CAP ? top : AGREE_CAP;
		c->score = top + (bonus > AGREE_MAX ? AGREE_MAX : bonus);
		if (c->score > cap)
			c->score = cap;
	}
}

static bool
better(const struct cand *a, const struct cand *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	/* More specific wins only over a family it refines ("linux" over "unix"). */
	if (a->depth != b->depth && compatible(a->fam, b->fam))
		return a->depth > b->depth;
	if (a->direct != b->direct)
		return a->direct > b->direct;
	return a->rank > b->rank;
}

/* Is guess a a better source of a name for family than guess b? */
static bool
better_name(const struct fp_guess *a, const struct prep *pa, const struct fp_guess *b,
            const struct prep *pb, int fam)
{
	bool ea = pa->fam == fam, eb = pb->fam == fam;

	if (ea != eb)
		return ea;
	if (a->confidence != b->confidence)
		return a->confidence > b->confidence;
	return pa->rank > pb->rank;
}

static void
pick_role(const struct fp_guess *g, const struct prep *pr, size_t n, struct fp_os *out)
{
	size_t best = n;

	for (size_t i = 0; i < n; i++) {
		if (g[i].role[0] == '\0' || g[i].source == NULL)
			continue;
		if (best == n || g[i].confidence > g[best].confidence ||
		    (g[i].confidence == g[best].confidence && pr[i].rank > pr[best].rank))
			best = i;
	}
	if (best != n)
		memcpy(out->role, g[best].role, sizeof(out->role));
}

static bool
combine(const struct fp_guess *g, const struct prep *pr, size_t n, struct fp_os *out)
{
	struct cand win = {0}, c;
	size_t named = n, top = n, ver = n;
	bool have = false;
	int rival = -1;

	memset(out, 0, sizeof(*out));
	pick_role(g, pr, n, out);
	for (size_t i = 0; i < n; i++) {
		if (!pr[i].usable)
			continue;
		score(g, pr, n, i, &c);
		if (!have || better(&c, &win))
			win = c;
		have = true;
	}
	if (!have)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!pr[i].usable || compatible(pr[i].fam, win.fam))
			continue;
		score(g, pr, n, i, &c);
		if (c.score > rival)
			rival = c.score;
	}
	if (rival >= 0 && rival >= win.score - RIVAL_WINDOW) {
		win.score -= RIVAL_COST;
		if (win.score < 1)
			win.score = 1;
	}

	for (size_t i = 0; i < n; i++) {
		if (!pr[i].usable || !covers(pr[i].fam, win.fam))
			continue;
		if (top == n || g[i].confidence > g[top].confidence)
			top = i;
		if (g[i].name[0] != '\0' &&
		    (named == n || better_name(&g[i], &pr[i], &g[named], &pr[named], win.fam)))
			named = i;
	}
	/* The version comes with the name; else from the best guess not naming another OS. */
	if (named != n && g[named].version[0] != '\0') {
		ver = named;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (!pr[i].usable || !covers(pr[i].fam, win.fam) || g[i].version[0] == '\0')
				continue;
			if (named != n && g[i].name[0] != '\0' &&
			    strcasecmp(g[i].name, g[named].name) != 0)
				continue;
			if (ver == n || g[i].confidence > g[ver].confidence)
				ver = i;
		}
	}

	fp_copy(out->family, sizeof(out->family), win.family, strlen(win.family));
	if (named != n)
		memcpy(out->name, g[named].name, sizeof(out->name));
	if (ver != n)
		memcpy(out->version, g[ver].version, sizeof(out->version));
	out->confidence = win.score;
	out->source = named != n ? g[named].source : g[top].source;
	out->nsources = win.nsources;
	return true;
}

bool
fp_combine(const struct fp_guess *g, size_t n, struct fp_os *out)
{
	struct prep small[16], *pr = small;
	bool ok;

	if (n > MUSTER_NELEM(small) && (pr = calloc(n, sizeof(*pr))) == NULL) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	prepare(g, n, pr);
	ok = combine(g, pr, n, out);
	if (pr != small)
		free(pr);
	return ok;
}
