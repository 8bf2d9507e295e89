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
		if (strcmp(ranks[i].source, source) == 0)
			return ranks[i].rank;
	return 0;
}

/* True when a is f or one of the families f belongs to. */
static bool
covers(const char *a, const char *f)
{
	for (const char *p = f; p != NULL; p = fp_family_parent(p))
		if (strcmp(p, a) == 0)
			return true;
	return false;
}

static bool
compatible(const char *a, const char *b)
{
	return covers(a, b) || covers(b, a);
}

static int
depth(const char *f)
{
	int d = 0;

	while ((f = fp_family_parent(f)) != NULL)
		d++;
	return d;
}

static bool
usable(const struct fp_guess *g)
{
	return g->source != NULL && g->family[0] != '\0' && fp_family_known(g->family);
}

struct cand {
	const char *family;
	int score;
	int depth;
	int direct; /* best confidence of guesses naming exactly this family */
	int rank;   /* best rank among supporting sources */
	unsigned nsources;
};

static void
score(const struct fp_guess *g, size_t n, const char *family, struct cand *c)
{
	int top = 0;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->depth = depth(family);
	c->direct = -1;
	for (size_t j = 0; j < n; j++) {
		bool seen = false;
		if (!usable(&g[j]) || !covers(g[j].family, family))
			continue;
		if (g[j].confidence > top)
			top = g[j].confidence;
		if (strcmp(g[j].family, family) == 0 && g[j].confidence > c->direct)
			c->direct = g[j].confidence;
		if (fp_source_rank(g[j].source) > c->rank)
			c->rank = fp_source_rank(g[j].source);
		for (size_t i = 0; i < j && !seen; i++)
			seen = usable(&g[i]) && covers(g[i].family, family) &&
			       strcmp(g[i].source, g[j].source) == 0;
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
	if (a->depth != b->depth && compatible(a->family, b->family))
		return a->depth > b->depth;
	if (a->direct != b->direct)
		return a->direct > b->direct;
	return a->rank > b->rank;
}

/* Is guess a a better source of a name for family than guess b? */
static bool
better_name(const struct fp_guess *a, const struct fp_guess *b, const char *family)
{
	bool ea = strcmp(a->family, family) == 0, eb = strcmp(b->family, family) == 0;

	if (ea != eb)
		return ea;
	if (a->confidence != b->confidence)
		return a->confidence > b->confidence;
	return fp_source_rank(a->source) > fp_source_rank(b->source);
}

static void
pick_role(const struct fp_guess *g, size_t n, struct fp_os *out)
{
	const struct fp_guess *best = NULL;

	for (size_t i = 0; i < n; i++) {
		if (g[i].role[0] == '\0' || g[i].source == NULL)
			continue;
		if (best == NULL || g[i].confidence > best->confidence ||
		    (g[i].confidence == best->confidence &&
		     fp_source_rank(g[i].source) > fp_source_rank(best->source)))
			best = &g[i];
	}
	if (best != NULL)
		memcpy(out->role, best->role, sizeof(out->role));
}

bool
fp_combine(const struct fp_guess *g, size_t n, struct fp_os *out)
{
	struct cand win = {0}, c;
	const struct fp_guess *named = NULL, *top = NULL, *ver = NULL;
	bool have = false;
	int rival = -1;

	memset(out, 0, sizeof(*out));
	pick_role(g, n, out);
	for (size_t i = 0; i < n; i++) {
		if (!usable(&g[i]))
			continue;
		score(g, n, g[i].family, &c);
		if (!have || better(&c, &win))
			win = c;
		have = true;
	}
	if (!have)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!usable(&g[i]) || compatible(g[i].family, win.family))
			continue;
		score(g, n, g[i].family, &c);
		if (c.score > rival)
			rival = c.score;
	}
	if (rival >= 0 && rival >= win.score - RIVAL_WINDOW) {
		win.score -= RIVAL_COST;
		if (win.score < 1)
			win.score = 1;
	}

	for (size_t i = 0; i < n; i++) {
		if (!usable(&g[i]) || !covers(g[i].family, win.family))
			continue;
		if (top == NULL || g[i].confidence > top->confidence)
			top = &g[i];
		if (g[i].name[0] != '\0' &&
		    (named == NULL || better_name(&g[i], named, win.family)))
			named = &g[i];
	}
	/* The version comes with the name; else from the best guess not naming another OS. */
	if (named != NULL && named->version[0] != '\0') {
		ver = named;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (!usable(&g[i]) || !covers(g[i].family, win.family) ||
			    g[i].version[0] == '\0')
				continue;
			if (named != NULL && g[i].name[0] != '\0' &&
			    strcasecmp(g[i].name, named->name) != 0)
				continue;
			if (ver == NULL || g[i].confidence > ver->confidence)
				ver = &g[i];
		}
	}

	snprintf(out->family, sizeof(out->family), "%s", win.family);
	if (named != NULL)
		memcpy(out->name, named->name, sizeof(out->name));
	if (ver != NULL)
		memcpy(out->version, ver->version, sizeof(out->version));
	out->confidence = win.score;
	out->source = named != NULL ? named->source : top->source;
	out->nsources = win.nsources;
	return true;
}
