/*
 * hostrec.c - the host record of DESIGN.md ("The host record"): adders that
 * make wire text safe, JSON out, and a type-checking JSON reader (json-c).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hostrec.h"
#include "common/muster.h"
#include "common/text.h"

/* Caps on what one record may hold; a longer list in JSON is refused. */
#define HR_MAX_IPV4     64
#define HR_MAX_IPV6     64
#define HR_MAX_NAMES    64
#define HR_MAX_SERVICES 256
#define HR_MAX_SOURCES  32

/* Caps on text, in bytes of safe text. */
#define HR_NAME_MAX   TEXT_NAME_MAX   /* names and every other free-text field */
#define HR_BANNER_MAX TEXT_BANNER_MAX /* service banners */
#define HR_WORD_MAX   32              /* labels: sources, os family, status */

/* Limits on JSON text given to hostrec_from_json_string(). */
#define HR_JSON_MAX   (1024 * 1024)
#define HR_JSON_DEPTH 16

/*
 * True when s[0..len) is already in the form text_sanitize() produces: at
 * most cap bytes of valid UTF-8 without NUL, C0, DEL or C1 controls. A
 * backslash is allowed, since in stored text it introduces an escape; that
 * keeps text read back from JSON (already sanitized by whoever wrote it)
 * from being escaped a second time.
 */
static bool
stored_text_ok(const char *s, size_t len, size_t cap)
{
	const uint8_t *p = (const uint8_t *)s;

	if (len > cap || !text_utf8_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		/* Valid UTF-8, so C2 is a lead byte: C2 80..C2 9F are the C1 controls. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] <= 0x9f)
			return false;
	}
	return true;
}

/*
 * A new safe copy of src[0..len) of at most cap bytes. Text from the wire
 * (imported false) always goes through text_sanitize; text read back from a
 * record (imported true) is kept when it is already safe. NULL on ENOMEM.
 */
static char *
safe_dup(const char *src, size_t len, size_t cap, bool imported)
{
	char *s;

	if (imported && stored_text_ok(src, len, cap)) {
		if ((s = malloc(len + 1)) == NULL)
			return NULL;
		memcpy(s, src, len);
		s[len] = '\0';
		return s;
	}
	return text_sanitize_dup(src, len, cap);
}

/* Replace *dst with a safe copy; NULL or empty text clears it. */
static int
set_text(char **dst, const char *src, size_t len, size_t cap, bool imported)
{
	char *n = NULL;

	if (src != NULL && len > 0) {
		if ((n = safe_dup(src, len, cap, imported)) == NULL)
			return MUSTER_ENOMEM;
		if (n[0] == '\0') {
			free(n);
			n = NULL;
		}
	}
	free(*dst);
	*dst = n;
	return 0;
}

int
hostrec_set_str(char **dst, const char *src)
{
	if (dst == NULL)
		return MUSTER_EINVAL;
	return set_text(dst, src, src ? strlen(src) : 0, HR_NAME_MAX, false);
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Append s (taking ownership) to a list unless it is there already. */
static int
list_add(char ***v, size_t *n, size_t max, char *s)
{
	char **nv;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return 0;
		}
	}
	if (*n >= max) {
		free(s);
		return MUSTER_ETOOBIG;
	}
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL) {
		free(s);
		return MUSTER_ENOMEM;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static void
list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Store the inet_ntop form of a valid address; MUSTER_EINVAL when it does not parse. */
static int
add_addr(char ***v, size_t *n, int af, const char *addr)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN], *s;

	if (addr == NULL || inet_pton(af, addr, bin) != 1)
		return MUSTER_EINVAL;
	if (inet_ntop(af, bin, text, sizeof(text)) == NULL)
		return MUSTER_EINVAL;
	if ((s = strdup(text)) == NULL)
		return MUSTER_ENOMEM;
	return list_add(v, n, af == AF_INET ? HR_MAX_IPV4 : HR_MAX_IPV6, s);
}

int
hostrec_add_ipv4(struct hostrec *h, const char *addr)
{
	if (h == NULL)
		return MUSTER_EINVAL;
	return add_addr(&h->ipv4, &h->n_ipv4, AF_INET, addr);
}

int
hostrec_add_ipv6(struct hostrec *h, const char *addr)
{
	if (h == NULL)
		return MUSTER_EINVAL;
	return add_addr(&h->ipv6, &h->n_ipv6, AF_INET6, addr);
}

static int
add_source(struct hostrec *h, const char *src, size_t len, bool imported)
{
	char *s;

	if (src == NULL || len == 0)
		return MUSTER_EINVAL;
	if ((s = safe_dup(src, len, HR_WORD_MAX, imported)) == NULL)
		return MUSTER_ENOMEM;
	return list_add(&h->sources, &h->n_sources, HR_MAX_SOURCES, s);
}

int
hostrec_add_source(struct hostrec *h, const char *source)
{
	if (h == NULL || source == NULL)
		return MUSTER_EINVAL;
	return add_source(h, source, strlen(source), false);
}

/* A name with an optional source; the pair is the identity for duplicates. */
static int
add_name(struct hostrec *h, const char *name, size_t nlen, const char *source, size_t slen,
         bool imported)
{
	struct hostrec_name *nv;
	char *n = NULL, *s = NULL;
	int r;

	if (name == NULL || nlen == 0)
		return MUSTER_EINVAL;
	if ((n = safe_dup(name, nlen, HR_NAME_MAX, imported)) == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	if ((r = set_text(&s, source, slen, HR_WORD_MAX, imported)) != 0)
		goto out;
	for (size_t i = 0; i < h->n_names; i++) {
		if (strcmp(h->names[i].name, n) == 0 && str_eq(h->names[i].source, s)) {
			r = 0;
			goto out;
		}
	}
	if (h->n_names >= HR_MAX_NAMES) {
		r = MUSTER_ETOOBIG;
		goto out;
	}
	if ((nv = reallocarray(h->names, h->n_names + 1, sizeof(*nv))) == NULL) {
		r = MUSTER_ENOMEM;
		goto out;
	}
	h->names = nv;
	nv[h->n_names].name = n;
	nv[h->n_names].source = s;
	h->n_names++;
	return 0;
out:
	free(n);
	free(s);
	return r;
}

int
hostrec_add_name(struct hostrec *h, const char *name, const char *source)
{
	if (h == NULL || name == NULL)
		return MUSTER_EINVAL;
	return add_name(h, name, strlen(name), source, source ? strlen(source) : 0, false);
}

static bool
proto_ok(const char *proto)
{
	return proto != NULL && (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0);
}

/*
 * A service is identified by (proto, port). A second report of the same one
 * fills in a banner or product the first did not have.
 */
static int
add_service(struct hostrec *h, const char *proto, uint16_t port, const char *banner, size_t blen,
            const char *product, size_t plen, bool imported)
{
	struct hostrec_service *sv, *svc = NULL;
	char *b = NULL, *p = NULL;
	int r;

	if (!proto_ok(proto) || port == 0)
		return MUSTER_EINVAL;
	if ((r = set_text(&b, banner, blen, HR_BANNER_MAX, imported)) != 0)
		goto out;
	if ((r = set_text(&p, product, plen, HR_NAME_MAX, imported)) != 0)
		goto out;
	for (size_t i = 0; i < h->n_services; i++) {
		if (h->services[i].port == port && strcmp(h->services[i].proto, proto) == 0) {
			svc = &h->services[i];
			break;
		}
	}
	if (svc == NULL) {
		if (h->n_services >= HR_MAX_SERVICES) {
			r = MUSTER_ETOOBIG;
			goto out;
		}
		if ((sv = reallocarray(h->services, h->n_services + 1, sizeof(*sv))) == NULL) {
			r = MUSTER_ENOMEM;
			goto out;
		}
		h->services = sv;
		svc = &sv[h->n_services++];
		memset(svc, 0, sizeof(*svc));
		memcpy(svc->proto, proto, 4); /* "tcp" or "udp" with its NUL */
		svc->port = port;
	}
	if (svc->banner == NULL) {
		svc->banner = b;
		b = NULL;
	}
	if (svc->product == NULL) {
		svc->product = p;
		p = NULL;
	}
	r = 0;
out:
	free(b);
	free(p);
	return r;
}

int
hostrec_add_service(struct hostrec *h, const char *proto, uint16_t port, const char *banner,
                    const char *product)
{
	if (h == NULL)
		return MUSTER_EINVAL;
	return add_service(h, proto, port, banner, banner ? strlen(banner) : 0, product,
	                   product ? strlen(product) : 0, false);
}

struct hostrec *
hostrec_new(void)
{
	struct hostrec *h = calloc(1, sizeof(*h));

	if (h != NULL)
		h->smb.signing_required = -1;
	return h;
}

void
hostrec_clear(struct hostrec *h)
{
	if (h == NULL)
		return;
	free(h->vendor);
	list_free(h->ipv4, h->n_ipv4);
	list_free(h->ipv6, h->n_ipv6);
	for (size_t i = 0; i < h->n_names; i++) {
		free(h->names[i].name);
		free(h->names[i].source);
	}
	free(h->names);
	free(h->os.family);
	free(h->os.name);
	free(h->os.version);
	free(h->os.source);
	for (size_t i = 0; i < h->n_services; i++) {
		free(h->services[i].banner);
		free(h->services[i].product);
	}
	free(h->services);
	free(h->smb.netbios_name);
	free(h->smb.netbios_domain);
	free(h->smb.dns_name);
	free(h->smb.dns_domain);
	free(h->smb.forest);
	free(h->smb.dialect);
	free(h->dhcp.hostname);
	free(h->dhcp.vendor_class);
	free(h->dhcp.prl);
	free(h->dhcp.client_id);
	list_free(h->sources, h->n_sources);
	free(h->status);
	free(h->status_reason);
	free(h->group);
	memset(h, 0, sizeof(*h));
	h->smb.signing_required = -1;
}

void
hostrec_free(struct hostrec *h)
{
	if (h == NULL)
		return;
	hostrec_clear(h);
	free(h);
}

/* ---- time ---- */

void
hostrec_format_time(time_t t, char out[21])
{
	struct tm tm;

	out[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return;
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		out[0] = '\0';
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Read exactly n decimal digits at *s and advance. */
static bool
take_digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool
take_char(const char **s, const char *set)
{
	if (**s == '\0' || strchr(set, **s) == NULL)
		return false;
	(*s)++;
	return true;
}

/*
 * RFC 3339 section 5.6 date-time: "T"/"t" between date and time, optional
 * fraction (dropped), "Z"/"z" or a numeric offset, converted to UTC. Section
 * 5.7 limits: day within its month, second 60 only as a leap second.
 */
bool
hostrec_parse_time(const char *s, time_t *out)
{
	int y, mo, d, hh, mm, ss, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (s == NULL)
		return false;
	if (!take_digits(&s, 4, &y) || !take_char(&s, "-") || !take_digits(&s, 2, &mo) ||
	    !take_char(&s, "-") || !take_digits(&s, 2, &d) || !take_char(&s, "Tt") ||
	    !take_digits(&s, 2, &hh) || !take_char(&s, ":") || !take_digits(&s, 2, &mm) ||
	    !take_char(&s, ":") || !take_digits(&s, 2, &ss))
		return false;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (take_char(&s, "Zz")) {
		sign = 0;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (!take_digits(&s, 2, &oh) || !take_char(&s, ":") || !take_digits(&s, 2, &om))
			return false;
	} else {
		return false;
	}
	if (*s != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || hh > 23 || mm > 59 ||
	    ss > 60 || oh > 23 || om > 59)
		return false;
	t = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	if ((int64_t)(time_t)t != t)
		return false;
	*out = (time_t)t;
	return true;
}

/* ---- JSON out ---- */

/* Add v under key, releasing v when that fails. */
static int
put(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/*
 * A JSON string of s. Strings in a record are safe already; one a caller
 * assigned directly without sanitizing is made safe here, so the output
 * is always valid JSON text.
 */
static struct json_object *
jstr(const char *s)
{
	struct json_object *v;
	size_t len = strlen(s);
	char *safe;

	if (stored_text_ok(s, len, SIZE_MAX))
		return json_object_new_string_len(s, (int)len);
	if ((safe = text_sanitize_dup(s, len, len > SIZE_MAX / 4 ? SIZE_MAX / 4 : len * 4)) == NULL)
		return NULL;
	v = json_object_new_string(safe);
	free(safe);
	return v;
}

static int
put_str(struct json_object *o, const char *key, const char *s)
{
	return s == NULL ? 0 : put(o, key, jstr(s));
}

static int
put_list(struct json_object *o, const char *key, char *const *v, size_t n)
{
	struct json_object *a;

	if (n == 0)
		return 0;
	if ((a = json_object_new_array_ext((int)n)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = jstr(v[i]);
		if (e == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(a);
			return -1;
		}
	}
	return put(o, key, a);
}

static struct json_object *
names_json(const struct hostrec *h)
{
	struct json_object *a, *e = NULL;

	if ((a = json_object_new_array_ext((int)h->n_names)) == NULL)
		return NULL;
	for (size_t i = 0; i < h->n_names; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto fail;
		if (put_str(e, "name", h->names[i].name) != 0 ||
		    put_str(e, "source", h->names[i].source) != 0)
			goto fail;
		if (json_object_array_add(a, e) != 0)
			goto fail;
	}
	return a;
fail:
	json_object_put(e);
	json_object_put(a);
	return NULL;
}

static struct json_object *
services_json(const struct hostrec *h)
{
	struct json_object *a, *e = NULL;
	char proto[sizeof(h->services[0].proto) + 1];

	if ((a = json_object_new_array_ext((int)h->n_services)) == NULL)
		return NULL;
	for (size_t i = 0; i < h->n_services; i++) {
		const struct hostrec_service *sv = &h->services[i];

		memcpy(proto, sv->proto, sizeof(sv->proto));
		proto[sizeof(sv->proto)] = '\0';
		if ((e = json_object_new_object()) == NULL)
			goto fail;
		if (put_str(e, "proto", proto) != 0 ||
		    put(e, "port", json_object_new_int(sv->port)) != 0 ||
		    put_str(e, "banner", sv->banner) != 0 ||
		    put_str(e, "product", sv->product) != 0)
			goto fail;
		if (json_object_array_add(a, e) != 0)
			goto fail;
	}
	return a;
fail:
	json_object_put(e);
	json_object_put(a);
	return NULL;
}

static bool
os_known(const struct hostrec_os *os)
{
	return os->family || os->name || os->version || os->source || os->confidence > 0;
}

static struct json_object *
os_json(const struct hostrec_os *os)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (put_str(o, "family", os->family) != 0 || put_str(o, "name", os->name) != 0 ||
	    put_str(o, "version", os->version) != 0)
		goto fail;
	if (os->confidence > 0 &&
	    put(o, "confidence", json_object_new_int(os->confidence > 100 ? 100 : os->confidence)))
		goto fail;
	if (put_str(o, "source", os->source) != 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* Any SMB fact besides signing; signing alone (false) says nothing useful. */
static bool
smb_known(const struct hostrec_smb *smb)
{
	return smb->netbios_name || smb->netbios_domain || smb->dns_name || smb->dns_domain ||
	       smb->forest || smb->dialect || smb->build != 0;
}

static struct json_object *
smb_json(const struct hostrec_smb *smb)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (put_str(o, "netbios_name", smb->netbios_name) != 0 ||
	    put_str(o, "netbios_domain", smb->netbios_domain) != 0 ||
	    put_str(o, "dns_name", smb->dns_name) != 0 ||
	    put_str(o, "dns_domain", smb->dns_domain) != 0 || put_str(o, "forest", smb->forest) ||
	    put_str(o, "dialect", smb->dialect) != 0)
		goto fail;
	if (smb->build != 0 && put(o, "build", json_object_new_int64(smb->build)) != 0)
		goto fail;
	if ((smb->signing_required > 0 || (smb->signing_required == 0 && smb_known(smb))) &&
	    put(o, "signing_required", json_object_new_boolean(smb->signing_required > 0)) != 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

static struct json_object *
dhcp_json(const struct hostrec_dhcp *d)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (put_str(o, "hostname", d->hostname) != 0 ||
	    put_str(o, "vendor_class", d->vendor_class) != 0 || put_str(o, "prl", d->prl) != 0 ||
	    put_str(o, "client_id", d->client_id) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
put_time(struct json_object *o, const char *key, time_t t)
{
	char text[21];

	if (t == 0)
		return 0;
	hostrec_format_time(t, text);
	if (text[0] == '\0')
		return 0;
	return put(o, key, json_object_new_string(text));
}

struct json_object *
hostrec_to_json(const struct hostrec *h)
{
	struct json_object *o;
	char mac[sizeof(h->mac)];

	if (h == NULL || (o = json_object_new_object()) == NULL)
		return NULL;
	memcpy(mac, h->mac, sizeof(mac));
	mac[sizeof(mac) - 1] = '\0';
	if (put_str(o, "mac", mac[0] ? mac : NULL) != 0 || put_str(o, "vendor", h->vendor) != 0)
		goto fail;
	if (h->mac_local && put(o, "mac_local", json_object_new_boolean(1)) != 0)
		goto fail;
	if (put_list(o, "ipv4", h->ipv4, h->n_ipv4) != 0 ||
	    put_list(o, "ipv6", h->ipv6, h->n_ipv6) != 0)
		goto fail;
	if (h->n_names > 0 && put(o, "names", names_json(h)) != 0)
		goto fail;
	if (os_known(&h->os) && put(o, "os", os_json(&h->os)) != 0)
		goto fail;
	if (h->n_services > 0 && put(o, "services", services_json(h)) != 0)
		goto fail;
	if ((smb_known(&h->smb) || h->smb.signing_required > 0) &&
	    put(o, "smb", smb_json(&h->smb)) != 0)
		goto fail;
	if ((h->dhcp.hostname || h->dhcp.vendor_class || h->dhcp.prl || h->dhcp.client_id) &&
	    put(o, "dhcp", dhcp_json(&h->dhcp)) != 0)
		goto fail;
	if (put_time(o, "first_seen", h->first_seen) != 0 ||
	    put_time(o, "last_seen", h->last_seen) != 0)
		goto fail;
	if (put_list(o, "sources", h->sources, h->n_sources) != 0)
		goto fail;
	if (put_str(o, "status", h->status) != 0 ||
	    put_str(o, "status_reason", h->status_reason) != 0 ||
	    put_str(o, "group", h->group) != 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

char *
hostrec_to_json_string(const struct hostrec *h)
{
	struct json_object *o;
	const char *text;
	char *out = NULL;

	if ((o = hostrec_to_json(h)) == NULL)
		return NULL;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL)
		out = strdup(text);
	json_object_put(o);
	return out;
}

/* ---- JSON in ---- */

struct pctx {
	bool strict;
	char *err;
	size_t errlen;
};

/* Write "field 'path': why" (or just why without a path) and return code. */
static int perr(struct pctx *c, int code, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int
perr(struct pctx *c, int code, const char *path, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (path != NULL)
		snprintf(c->err, c->errlen, "field '%s': %s", path, why);
	else
		snprintf(c->err, c->errlen, "%s", why);
	return code;
}

static int
oom(struct pctx *c)
{
	return perr(c, MUSTER_ENOMEM, NULL, "out of memory");
}

/* "prefix.key", or key alone at the top level. */
static void
join(char *out, size_t outsz, const char *prefix, const char *key)
{
	if (prefix != NULL)
		snprintf(out, outsz, "%s.%s", prefix, key);
	else
		snprintf(out, outsz, "%s", key);
}

/* In strict mode, refuse any key not in known (NULL-terminated). */
static int
check_keys(struct pctx *c, struct json_object *o, const char *const *known, const char *prefix)
{
	struct json_object_iterator it, end;
	char key[48], path[96];

	if (!c->strict)
		return 0;
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		bool found = false;

		for (size_t i = 0; known[i] != NULL && !found; i++)
			found = strcmp(k, known[i]) == 0;
		if (found)
			continue;
		/* The key is untrusted text that may end up in a log line. */
		text_sanitize(k, strlen(k), key, sizeof(key));
		join(path, sizeof(path), prefix, key);
		return perr(c, MUSTER_EPARSE, path, "unknown field");
	}
	return 0;
}

/* The value of key, or NULL when it is absent or JSON null (both mean "unknown"). */
static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string value: 0 with its text and length, or a type error naming path. */
static int
want_str(struct pctx *c, struct json_object *v, const char *path, const char **s, size_t *len)
{
	*s = NULL;
	*len = 0;
	if (!json_object_is_type(v, json_type_string))
		return perr(c, MUSTER_EPARSE, path, "must be a string");
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return 0;
}

/* Optional string member into *dst (sanitized unless already safe). */
static int
get_text(struct pctx *c, struct json_object *o, const char *prefix, const char *key, size_t cap,
         char **dst)
{
	struct json_object *v = member(o, key);
	char path[96];
	const char *s;
	size_t len;
	int r;

	if (v == NULL)
		return 0;
	join(path, sizeof(path), prefix, key);
	if ((r = want_str(c, v, path, &s, &len)) != 0)
		return r;
	if (set_text(dst, s, len, cap, true) != 0)
		return oom(c);
	return 0;
}

/* Optional integer member in [lo, hi]; *present tells whether it was there. */
static int
get_int(struct pctx *c, struct json_object *o, const char *prefix, const char *key, int64_t lo,
        int64_t hi, int64_t *out, bool *present)
{
	struct json_object *v = member(o, key);
	char path[96];
	int64_t x;

	*present = false;
	*out = 0;
	if (v == NULL)
		return 0;
	join(path, sizeof(path), prefix, key);
	if (!json_object_is_type(v, json_type_int))
		return perr(c, MUSTER_EPARSE, path, "must be an integer");
	/* json-c clamps larger values to INT64_MIN/MAX, which the range refuses. */
	x = json_object_get_int64(v);
	if (x < lo || x > hi)
		return perr(c, MUSTER_EPARSE, path, "must be between %lld and %lld", (long long)lo,
		            (long long)hi);
	*out = x;
	*present = true;
	return 0;
}

static int
get_bool(struct pctx *c, struct json_object *o, const char *prefix, const char *key, int *out,
         bool *present)
{
	struct json_object *v = member(o, key);
	char path[96];

	*present = false;
	if (v == NULL)
		return 0;
	join(path, sizeof(path), prefix, key);
	if (!json_object_is_type(v, json_type_boolean))
		return perr(c, MUSTER_EPARSE, path, "must be true or false");
	*out = json_object_get_boolean(v) ? 1 : 0;
	*present = true;
	return 0;
}

/* An optional member that must be an object; *out NULL when absent. */
static int
get_object(struct pctx *c, struct json_object *o, const char *key, struct json_object **out)
{
	struct json_object *v = member(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return perr(c, MUSTER_EPARSE, key, "must be an object");
	*out = v;
	return 0;
}

/* An optional member that must be an array of at most max entries. */
static int
get_array(struct pctx *c, struct json_object *o, const char *key, size_t max,
          struct json_object **out, size_t *n)
{
	struct json_object *v = member(o, key);

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return perr(c, MUSTER_EPARSE, key, "must be an array");
	*n = json_object_array_length(v);
	if (*n > max)
		return perr(c, MUSTER_EPARSE, key, "more than %zu entries", max);
	*out = v;
	return 0;
}

/* MAC as six hex pairs split by ':' or '-' (one kind), stored as lowercase "aa:bb:...". */
static bool
parse_mac(const char *s, size_t len, char out[18])
{
	static const char hex[] = "0123456789abcdef";
	char sep;

	if (len != 17)
		return false;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return false;
	for (size_t i = 0; i < 17; i++) {
		char ch = s[i];

		if (i % 3 == 2) {
			if (ch != sep)
				return false;
			out[i] = ':';
			continue;
		}
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (strchr(hex, ch) == NULL || ch == '\0')
			return false;
		out[i] = ch;
	}
	out[17] = '\0';
	return true;
}

static int
parse_addrs(struct pctx *c, struct hostrec *h, struct json_object *o, bool v6)
{
	const char *key = v6 ? "ipv6" : "ipv4";
	struct json_object *a;
	char path[32];
	const char *s;
	size_t n, len;
	int r;

	if ((r = get_array(c, o, key, v6 ? HR_MAX_IPV6 : HR_MAX_IPV4, &a, &n)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if ((r = want_str(c, json_object_array_get_idx(a, i), path, &s, &len)) != 0)
			return r;
		r = len != strlen(s) ? MUSTER_EINVAL
		    : v6             ? hostrec_add_ipv6(h, s)
		                     : hostrec_add_ipv4(h, s);
		if (r == MUSTER_ENOMEM)
			return oom(c);
		if (r != 0)
			return perr(c, MUSTER_EPARSE, path, "not a valid %s address",
			            v6 ? "IPv6" : "IPv4");
	}
	return 0;
}

static int
parse_names(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {"name", "source", NULL};
	struct json_object *a, *e, *v;
	char prefix[32], path[48];
	const char *name, *src = NULL;
	size_t n, nlen, slen = 0;
	int r;

	if ((r = get_array(c, o, "names", HR_MAX_NAMES, &a, &n)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "names[%zu]", i);
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object))
			return perr(c, MUSTER_EPARSE, prefix, "must be an object");
		if ((r = check_keys(c, e, known, prefix)) != 0)
			return r;
		join(path, sizeof(path), prefix, "name");
		if ((v = member(e, "name")) == NULL)
			return perr(c, MUSTER_EPARSE, path, "missing");
		if ((r = want_str(c, v, path, &name, &nlen)) != 0)
			return r;
		if (nlen == 0)
			return perr(c, MUSTER_EPARSE, path, "must not be empty");
		src = NULL;
		slen = 0;
		if ((v = member(e, "source")) != NULL) {
			join(path, sizeof(path), prefix, "source");
			if ((r = want_str(c, v, path, &src, &slen)) != 0)
				return r;
		}
		if ((r = add_name(h, name, nlen, src, slen, true)) != 0)
			return r == MUSTER_ENOMEM ? oom(c)
			                          : perr(c, MUSTER_EPARSE, prefix, "refused");
	}
	return 0;
}

static int
parse_services(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {"proto", "port", "banner", "product", NULL};
	struct json_object *a, *e, *v;
	char prefix[32], path[48];
	const char *proto, *banner = NULL, *product = NULL;
	size_t n, len, blen = 0, plen = 0;
	int64_t port;
	bool have;
	int r;

	if ((r = get_array(c, o, "services", HR_MAX_SERVICES, &a, &n)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "services[%zu]", i);
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object))
			return perr(c, MUSTER_EPARSE, prefix, "must be an object");
		if ((r = check_keys(c, e, known, prefix)) != 0)
			return r;
		join(path, sizeof(path), prefix, "proto");
		if ((v = member(e, "proto")) == NULL)
			return perr(c, MUSTER_EPARSE, path, "missing");
		if ((r = want_str(c, v, path, &proto, &len)) != 0)
			return r;
		if (len != strlen(proto) || !proto_ok(proto))
			return perr(c, MUSTER_EPARSE, path, "must be \"tcp\" or \"udp\"");
		if ((r = get_int(c, e, prefix, "port", 1, 65535, &port, &have)) != 0)
			return r;
		if (!have) {
			join(path, sizeof(path), prefix, "port");
			return perr(c, MUSTER_EPARSE, path, "missing");
		}
		banner = product = NULL;
		blen = plen = 0;
		if ((v = member(e, "banner")) != NULL) {
			join(path, sizeof(path), prefix, "banner");
			if ((r = want_str(c, v, path, &banner, &blen)) != 0)
				return r;
		}
		if ((v = member(e, "product")) != NULL) {
			join(path, sizeof(path), prefix, "product");
			if ((r = want_str(c, v, path, &product, &plen)) != 0)
				return r;
		}
		r = add_service(h, proto, (uint16_t)port, banner, blen, product, plen, true);
		if (r != 0)
			return r == MUSTER_ENOMEM ? oom(c)
			                          : perr(c, MUSTER_EPARSE, prefix, "refused");
	}
	return 0;
}

static int
parse_os(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {"family",     "name",   "version",
	                                    "confidence", "source", NULL};
	struct json_object *os;
	int64_t conf;
	bool have;
	int r;

	if ((r = get_object(c, o, "os", &os)) != 0 || os == NULL)
		return r;
	if ((r = check_keys(c, os, known, "os")) != 0 ||
	    (r = get_text(c, os, "os", "family", HR_WORD_MAX, &h->os.family)) != 0 ||
	    (r = get_text(c, os, "os", "name", HR_NAME_MAX, &h->os.name)) != 0 ||
	    (r = get_text(c, os, "os", "version", HR_NAME_MAX, &h->os.version)) != 0 ||
	    (r = get_int(c, os, "os", "confidence", 0, 100, &conf, &have)) != 0 ||
	    (r = get_text(c, os, "os", "source", HR_WORD_MAX, &h->os.source)) != 0)
		return r;
	h->os.confidence = (int)conf;
	return 0;
}

static int
parse_smb(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {"netbios_name", "netbios_domain",   "dns_name",
	                                    "dns_domain",   "forest",           "dialect",
	                                    "build",        "signing_required", NULL};
	struct hostrec_smb *smb = &h->smb;
	struct json_object *so;
	int64_t build;
	int signing = -1;
	bool have;
	int r;

	if ((r = get_object(c, o, "smb", &so)) != 0 || so == NULL)
		return r;
	if ((r = check_keys(c, so, known, "smb")) != 0 ||
	    (r = get_text(c, so, "smb", "netbios_name", HR_NAME_MAX, &smb->netbios_name)) != 0 ||
	    (r = get_text(c, so, "smb", "netbios_domain", HR_NAME_MAX, &smb->netbios_domain)) !=
	            0 ||
	    (r = get_text(c, so, "smb", "dns_name", HR_NAME_MAX, &smb->dns_name)) != 0 ||
	    (r = get_text(c, so, "smb", "dns_domain", HR_NAME_MAX, &smb->dns_domain)) != 0 ||
	    (r = get_text(c, so, "smb", "forest", HR_NAME_MAX, &smb->forest)) != 0 ||
	    (r = get_text(c, so, "smb", "dialect", HR_WORD_MAX, &smb->dialect)) != 0 ||
	    (r = get_int(c, so, "smb", "build", 0, UINT32_MAX, &build, &have)) != 0 ||
	    (r = get_bool(c, so, "smb", "signing_required", &signing, &have)) != 0)
		return r;
	smb->build = (uint32_t)build;
	smb->signing_required = have ? signing : -1;
	return 0;
}

static int
parse_dhcp(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {"hostname", "vendor_class", "prl", "client_id", NULL};
	struct json_object *d;
	int r;

	if ((r = get_object(c, o, "dhcp", &d)) != 0 || d == NULL)
		return r;
	if ((r = check_keys(c, d, known, "dhcp")) != 0 ||
	    (r = get_text(c, d, "dhcp", "hostname", HR_NAME_MAX, &h->dhcp.hostname)) != 0 ||
	    (r = get_text(c, d, "dhcp", "vendor_class", HR_NAME_MAX, &h->dhcp.vendor_class)) != 0 ||
	    (r = get_text(c, d, "dhcp", "prl", HR_NAME_MAX, &h->dhcp.prl)) != 0 ||
	    (r = get_text(c, d, "dhcp", "client_id", HR_NAME_MAX, &h->dhcp.client_id)) != 0)
		return r;
	return 0;
}

static int
parse_time_field(struct pctx *c, struct json_object *o, const char *key, time_t *out)
{
	struct json_object *v = member(o, key);
	const char *s;
	size_t len;
	int r;

	if (v == NULL)
		return 0;
	if ((r = want_str(c, v, key, &s, &len)) != 0)
		return r;
	if (len != strlen(s) || !hostrec_parse_time(s, out))
		return perr(c, MUSTER_EPARSE, key, "not an RFC 3339 time (2026-11-25T17:00:00Z)");
	return 0;
}

static int
parse_sources(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	struct json_object *a;
	char path[32];
	const char *s;
	size_t n, len;
	int r;

	if ((r = get_array(c, o, "sources", HR_MAX_SOURCES, &a, &n)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "sources[%zu]", i);
		if ((r = want_str(c, json_object_array_get_idx(a, i), path, &s, &len)) != 0)
			return r;
		if (len == 0)
			return perr(c, MUSTER_EPARSE, path, "must not be empty");
		if ((r = add_source(h, s, len, true)) != 0)
			return r == MUSTER_ENOMEM ? oom(c)
			                          : perr(c, MUSTER_EPARSE, path, "refused");
	}
	return 0;
}

static int
parse_record(struct pctx *c, struct hostrec *h, struct json_object *o)
{
	static const char *const known[] = {
	        "mac",     "vendor",   "mac_local",     "ipv4",  "ipv6",       "names",
	        "os",      "services", "smb",           "dhcp",  "first_seen", "last_seen",
	        "sources", "status",   "status_reason", "group", NULL};
	struct json_object *v;
	const char *s;
	size_t len;
	int flag = 0, r;
	bool have;

	if ((r = check_keys(c, o, known, NULL)) != 0)
		return r;
	if ((v = member(o, "mac")) != NULL) {
		if ((r = want_str(c, v, "mac", &s, &len)) != 0)
			return r;
		if (!parse_mac(s, len, h->mac))
			return perr(c, MUSTER_EPARSE, "mac",
			            "not a MAC address (want aa:bb:cc:dd:ee:ff)");
	}
	if ((r = get_text(c, o, NULL, "vendor", HR_NAME_MAX, &h->vendor)) != 0)
		return r;
	if ((r = get_bool(c, o, NULL, "mac_local", &flag, &have)) != 0)
		return r;
	h->mac_local = have && flag;
	if ((r = parse_addrs(c, h, o, false)) != 0 || (r = parse_addrs(c, h, o, true)) != 0 ||
	    (r = parse_names(c, h, o)) != 0 || (r = parse_os(c, h, o)) != 0 ||
	    (r = parse_services(c, h, o)) != 0 || (r = parse_smb(c, h, o)) != 0 ||
	    (r = parse_dhcp(c, h, o)) != 0 ||
	    (r = parse_time_field(c, o, "first_seen", &h->first_seen)) != 0 ||
	    (r = parse_time_field(c, o, "last_seen", &h->last_seen)) != 0 ||
	    (r = parse_sources(c, h, o)) != 0)
		return r;
	if ((r = get_text(c, o, NULL, "status", HR_WORD_MAX, &h->status)) != 0 ||
	    (r = get_text(c, o, NULL, "status_reason", HR_NAME_MAX, &h->status_reason)) != 0 ||
	    (r = get_text(c, o, NULL, "group", HR_NAME_MAX, &h->group)) != 0)
		return r;
	return 0;
}

int
hostrec_from_json(struct hostrec *h, struct json_object *obj, bool strict, char *err, size_t errlen)
{
	struct pctx c = {strict, err, errlen};
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (h == NULL)
		return MUSTER_EINVAL;
	h->smb.signing_required = -1;
	if (!json_object_is_type(obj, json_type_object))
		return perr(&c, MUSTER_EPARSE, NULL, "host record is not a JSON object");
	if ((r = parse_record(&c, h, obj)) != 0)
		hostrec_clear(h);
	return r;
}

int
hostrec_from_json_string(struct hostrec *h, const char *text, size_t len, bool strict, char *err,
                         size_t errlen)
{
	struct pctx c = {strict, err, errlen};
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t end;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (h == NULL || (text == NULL && len > 0))
		return MUSTER_EINVAL;
	h->smb.signing_required = -1;
	if (len == 0)
		return perr(&c, MUSTER_EPARSE, NULL, "empty input");
	if (len > HR_JSON_MAX)
		return perr(&c, MUSTER_EPARSE, NULL, "host record larger than %d bytes",
		            HR_JSON_MAX);
	if (memchr(text, '\0', len) != NULL)
		return perr(&c, MUSTER_EPARSE, NULL, "NUL byte in JSON text");
	if ((tok = json_tokener_new_ex(HR_JSON_DEPTH)) == NULL)
		return oom(&c);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/*
		 * The text ended inside a value. A bare top-level literal ("null",
		 * "42") ends only at a terminating NUL; anything else is cut short.
		 */
		obj = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			r = perr(&c, MUSTER_EPARSE, NULL, "truncated JSON text");
			goto out;
		}
		jerr = json_tokener_success;
		end = len;
	}
	if (jerr != json_tokener_success) {
		r = perr(&c, MUSTER_EPARSE, NULL, "JSON syntax error at offset %zu: %s", end,
		         json_tokener_error_desc(jerr));
		goto out;
	}
	while (end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (end < len) {
		r = perr(&c, MUSTER_EPARSE, NULL, "text after the JSON value at offset %zu", end);
		goto out;
	}
	r = hostrec_from_json(h, obj, strict, err, errlen);
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}
