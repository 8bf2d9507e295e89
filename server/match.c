/*
 * match.c - managed or not: a discovered computer is matched to a managed
 * identity by MAC, then host name and domain, then IPv4 address with
 * recency (docs/protocol.md, "Managed or not").
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "common/net.h"
#include "server/db.h"
#include "server/match.h"

/* Names that many unrelated machines carry; they never identify one. */
static const char *const generic_names[] = {
        "localhost", "localhost.localdomain", "unknown", "android", "iphone", "ipad", "none",
        "(none)"};

/* Format a reason; text past the end of out is cut, which is fine for a reason. */
static void say(char *out, size_t outsz, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
say(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
}

static void
lower_copy(char *out, size_t outsz, const char *s, size_t len)
{
	size_t i;

	if (len >= outsz)
		len = outsz - 1;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* Host names are letters, digits, '-', '_' and '.' (NetBIOS names too, as we see them). */
static bool
name_chars_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

bool
match_split_name(const char *name, char shortname[MATCH_NAME_MAX], char domain[MATCH_DOMAIN_MAX])
{
	struct ipaddr ip;
	size_t len, dot;
	const char *d;

	shortname[0] = '\0';
	domain[0] = '\0';
	if (name == NULL)
		return false;
	len = strlen(name);
	while (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len >= MATCH_DOMAIN_MAX || !name_chars_ok(name, len))
		return false;
	{
		char tmp[MATCH_DOMAIN_MAX];
		memcpy(tmp, name, len);
		tmp[len] = '\0';
		if (net_ip_parse(tmp, &ip))
			return false;
	}
	d = memchr(name, '.', len);
	dot = d ? (size_t)(d - name) : len;
	if (dot == 0 || dot >= MATCH_NAME_MAX)
		return false;
	lower_copy(shortname, MATCH_NAME_MAX, name, dot);
	for (size_t i = 0; i < MUSTER_NELEM(generic_names); i++) {
		if (strcmp(shortname, generic_names[i]) == 0) {
			shortname[0] = '\0';
			return false;
		}
	}
	if (d != NULL && len - dot - 1 > 0) {
		lower_copy(domain, MATCH_DOMAIN_MAX, d + 1, len - dot - 1);
		/* mDNS names (RFC 6762) and "localdomain" carry no domain of their own. */
		if (strcmp(domain, "local") == 0 || strcmp(domain, "localdomain") == 0)
			domain[0] = '\0';
	}
	return true;
}

static void
add_name(struct match_key *k, const char *s)
{
	if (k->n_names >= MATCH_MAX_NAMES || s[0] == '\0')
		return;
	for (size_t i = 0; i < k->n_names; i++)
		if (strcmp(k->names[i], s) == 0)
			return;
	snprintf(k->names[k->n_names++], MATCH_NAME_MAX, "%s", s);
}

static void
add_domain(struct match_key *k, const char *s)
{
	if (k->n_domains >= MATCH_MAX_DOMAINS || s[0] == '\0')
		return;
	for (size_t i = 0; i < k->n_domains; i++)
		if (strcmp(k->domains[i], s) == 0)
			return;
	snprintf(k->domains[k->n_domains++], MATCH_DOMAIN_MAX, "%s", s);
}

static void
add_fqdn(struct match_key *k, const char *name, bool with_domain)
{
	char s[MATCH_NAME_MAX], d[MATCH_DOMAIN_MAX];

	if (!match_split_name(name, s, d))
		return;
	add_name(k, s);
	if (with_domain)
		add_domain(k, d);
}

static void
add_plain_domain(struct match_key *k, const char *dom)
{
	char tmp[MATCH_DOMAIN_MAX];
	size_t len;

	if (dom == NULL)
		return;
	len = strlen(dom);
	while (len > 0 && dom[len - 1] == '.')
		len--;
	if (len == 0 || len >= MATCH_DOMAIN_MAX || !name_chars_ok(dom, len))
		return;
	lower_copy(tmp, sizeof(tmp), dom, len);
	if (strcmp(tmp, "local") == 0 || strcmp(tmp, "workgroup") == 0)
		return;
	add_domain(k, tmp);
}

void
match_key_from_hostrec(const struct hostrec *h, struct match_key *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->mac, sizeof(k->mac), "%s", h->mac);
	/* Names in decreasing order of authority: SMB says what Windows calls itself. */
	if (h->smb.netbios_name)
		add_fqdn(k, h->smb.netbios_name, false);
	if (h->smb.dns_name)
		add_fqdn(k, h->smb.dns_name, true);
	if (h->dhcp.hostname)
		add_fqdn(k, h->dhcp.hostname, true);
	for (size_t i = 0; i < h->n_names; i++)
		add_fqdn(k, h->names[i].name, true);
	add_plain_domain(k, h->smb.dns_domain);
	add_plain_domain(k, h->smb.netbios_domain);
	for (size_t i = 0; i < h->n_ipv4 && k->n_ipv4 < MATCH_MAX_IPS; i++) {
		struct ipaddr ip;
		if (net_ip_parse(h->ipv4[i], &ip) && ip.family == AF_INET) {
			char s[NET_IP_STRLEN];
			net_ip_format(&ip, s);
			size_t len = strnlen(s, sizeof(k->ipv4[0]) - 1);
			memcpy(k->ipv4[k->n_ipv4], s, len);
			k->ipv4[k->n_ipv4++][len] = '\0';
		}
	}
}

/* Join n items of itemsz bytes each with commas, stopping before one that does not fit. */
static void
join_items(const char *items, size_t itemsz, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *s = items + i * itemsz;
		size_t len = strlen(s);
		if (o + len + (o > 0) + 1 > outsz)
			break;
		if (o > 0)
			out[o++] = ',';
		memcpy(out + o, s, len);
		o += len;
		out[o] = '\0';
	}
}

void
match_key_columns(const struct match_key *k, char *names, size_t namesz, char *domains,
                  size_t domainsz, char *ipv4s, size_t ipv4sz)
{
	join_items(&k->names[0][0], MATCH_NAME_MAX, k->n_names, names, namesz);
	join_items(&k->domains[0][0], MATCH_DOMAIN_MAX, k->n_domains, domains, domainsz);
	join_items(&k->ipv4[0][0], sizeof(k->ipv4[0]), k->n_ipv4, ipv4s, ipv4sz);
}

/* Split a comma list into items of itemsz bytes; items that do not fit are skipped. */
static size_t
split_items(const char *s, char *items, size_t itemsz, size_t max)
{
	size_t n = 0;

	while (s != NULL && *s != '\0' && n < max) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (len > 0 && len < itemsz) {
			memcpy(items + n * itemsz, s, len);
			items[n * itemsz + len] = '\0';
			n++;
		}
		s = c ? c + 1 : NULL;
	}
	return n;
}

void
match_key_from_columns(struct match_key *k, const char *mac, const char *names, const char *domains,
                       const char *ipv4s)
{
	memset(k, 0, sizeof(*k));
	if (mac != NULL)
		snprintf(k->mac, sizeof(k->mac), "%s", mac);
	k->n_names = split_items(names, &k->names[0][0], MATCH_NAME_MAX, MATCH_MAX_NAMES);
	k->n_domains = split_items(domains, &k->domains[0][0], MATCH_DOMAIN_MAX, MATCH_MAX_DOMAINS);
	k->n_ipv4 = split_items(ipv4s, &k->ipv4[0][0], sizeof(k->ipv4[0]), MATCH_MAX_IPS);
}

static const char *
how(const struct db_managed *m)
{
	return strcmp(m->source, "import") == 0 ? "imported" : "enrolled";
}

static void
ago(int64_t secs, char *out, size_t outsz)
{
	if (secs < 120)
		snprintf(out, outsz, "%llds", (long long)(secs < 0 ? 0 : secs));
	else if (secs < 2 * 3600)
		snprintf(out, outsz, "%lldm", (long long)(secs / 60));
	else if (secs < 2 * 86400)
		snprintf(out, outsz, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, outsz, "%lldd", (long long)(secs / 86400));
}

/*
 * Whether two lowercase domains name the same one: equal, or one is a
 * NetBIOS domain (no dot) equal to the first label of the other DNS domain
 * ("corp" and "corp.example"), as Active Directory names them by default.
 */
static bool
domains_agree(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');

	if (strcmp(a, b) == 0)
		return true;
	if (da == NULL && db != NULL)
		return strlen(a) == (size_t)(db - b) && strncmp(a, b, (size_t)(db - b)) == 0;
	if (db == NULL && da != NULL)
		return strlen(b) == (size_t)(da - a) && strncmp(a, b, (size_t)(da - a)) == 0;
	return false;
}

struct name_search {
	const struct match_key *k;
	struct db_managed best;
	int best_rank; /* 0 none, 1 domain unknown on a side, 2 domains equal */
	char domain[MATCH_DOMAIN_MAX];
};

static int
name_candidate(void *arg, const struct db_managed *m)
{
	struct name_search *ns = arg;
	int rank = 0;

	if (m->domain[0] == '\0' || ns->k->n_domains == 0) {
		rank = 1;
	} else {
		for (size_t i = 0; i < ns->k->n_domains; i++) {
			if (domains_agree(ns->k->domains[i], m->domain)) {
				rank = 2;
				break;
			}
		}
	}
	if (rank > ns->best_rank) {
		ns->best = *m;
		ns->best_rank = rank;
	}
	return rank == 2 ? 1 : 0; /* stop at an exact match */
}

int
match_host(struct db *db, const struct match_key *k, time_t now, int64_t ip_recency,
           struct match_result *out)
{
	struct db_managed m;
	char note[96] = "";
	int r;

	memset(out, 0, sizeof(*out));
	/* Rule 1: the MAC. */
	if (k->mac[0] != '\0') {
		r = db_managed_by_mac(db, k->mac, &m);
		if (r == 0) {
			out->managed = true;
			out->managed_id = m.id;
			say(out->reason, sizeof(out->reason), "mac %s belongs to managed %s (%s)",
			    k->mac, m.display, how(&m));
			return 0;
		}
		if (r != MUSTER_ENOENT)
			return r;
	}
	/* Rule 2: host name and domain. */
	for (size_t i = 0; i < k->n_names; i++) {
		struct name_search ns = {.k = k};
		if ((r = db_managed_by_hostname(db, k->names[i], name_candidate, &ns)) < 0)
			return r;
		if (ns.best_rank == 0)
			continue;
		out->managed = true;
		out->managed_id = ns.best.id;
		if (ns.best_rank == 2)
			say(out->reason, sizeof(out->reason),
			    "hostname %s and domain %s match managed %s (%s)", k->names[i],
			    ns.best.domain, ns.best.display, how(&ns.best));
		else
			say(out->reason, sizeof(out->reason),
			    "hostname %s matches managed %s (%s); no domain to compare",
			    k->names[i], ns.best.display, how(&ns.best));
		return 0;
	}
	/* Rule 3: an IPv4 address the identity declared recently, no MAC against it. */
	for (size_t i = 0; i < k->n_ipv4; i++) {
		char a[24];
		r = db_managed_by_ip(db, k->ipv4[i], &m);
		if (r == MUSTER_ENOENT)
			continue;
		if (r != 0)
			return r;
		ago(now - m.ip_seen, a, sizeof(a));
		if (k->mac[0] != '\0' && m.n_macs > 0) {
			say(note, sizeof(note),
			    "; ipv4 %s was declared by managed %s, whose macs differ", k->ipv4[i],
			    m.display);
			continue;
		}
		if (now - m.ip_seen > ip_recency) {
			say(note, sizeof(note),
			    "; ipv4 %s was declared by managed %s %s ago, too long", k->ipv4[i],
			    m.display, a);
			continue;
		}
		out->managed = true;
		out->managed_id = m.id;
		say(out->reason, sizeof(out->reason),
		    "ipv4 %s was declared by managed %s (%s) %s ago", k->ipv4[i], m.display,
		    how(&m), a);
		return 0;
	}
	say(out->reason, sizeof(out->reason), "no managed computer has its %s%s%s%s",
	    k->mac[0] ? "mac" : "", k->n_names ? (k->mac[0] ? ", hostname" : "hostname") : "",
	    k->n_ipv4 ? (k->mac[0] || k->n_names ? " or ipv4" : "ipv4") : "", note);
	if (k->mac[0] == '\0' && k->n_names == 0 && k->n_ipv4 == 0)
		say(out->reason, sizeof(out->reason), "nothing to match on");
	return 0;
}
