/*
 * body.c - request bodies of protocol v1 (docs/protocol.md): reports,
 * enrollments, groups, tokens and the managed-computers CSV. Bytes in,
 * struct or error message out; every type checked, unknown fields refused.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/muster.h"
#include "common/net.h"
#include "common/grouppath.h"
#include "common/text.h"
#include "server/body.h"
#include "server/tokens.h"

#define JSON_DEPTH 24

/* Parse the whole of data as one JSON value; *out is put by the caller. */
static int
parse_json(const void *data, size_t len, struct json_object **out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	const char *text = data;
	size_t end;

	*out = NULL;
	if (len == 0)
		return muster_fail(err, errlen, MUSTER_EPARSE, "empty body");
	if (len > INT32_MAX)
		return muster_fail(err, errlen, MUSTER_ETOOBIG, "body too large");
	if (memchr(data, '\0', len) != NULL)
		return muster_fail(err, errlen, MUSTER_EPARSE, "NUL byte in JSON text");
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(obj);
		return muster_fail(err, errlen, MUSTER_EPARSE, "truncated JSON");
	}
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		return muster_fail(err, errlen, MUSTER_EPARSE, "malformed JSON at offset %zu: %s",
		                   end, json_tokener_error_desc(jerr));
	}
	while (end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (end < len) {
		json_object_put(obj);
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "text after the JSON value at offset %zu", end);
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return muster_fail(err, errlen, MUSTER_EPARSE, "body must be a JSON object");
	}
	*out = obj;
	return 0;
}

/* Refuse a key of o not in known (NULL-terminated); where names o in the message. */
static int
check_keys(struct json_object *o, const char *const *known, const char *where, char *err,
           size_t errlen)
{
	json_object_object_foreach(o, key, val)
	{
		bool found = false;
		char safe[48];

		(void)val;
		for (size_t i = 0; known[i] != NULL && !found; i++)
			found = strcmp(key, known[i]) == 0;
		if (found)
			continue;
		text_sanitize(key, strlen(key), safe, sizeof(safe));
		return muster_fail(err, errlen, MUSTER_EPARSE, "unknown field \"%s%s%s\"", where,
		                   where[0] ? "." : "", safe);
	}
	return 0;
}

/*
 * A string member as a new sanitized copy of at most cap bytes (*out NULL
 * when absent or null). Required members must be present and non-empty.
 */
static int
get_str(struct json_object *o, const char *key, const char *where, bool required, size_t cap,
        char **out, char *err, size_t errlen)
{
	struct json_object *v = NULL;
	const char *s;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return muster_fail(err, errlen, MUSTER_EPARSE, "missing field \"%s%s%s\"",
			                   where, where[0] ? "." : "", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return muster_fail(err, errlen, MUSTER_EPARSE, "field \"%s%s%s\" must be a string",
		                   where, where[0] ? "." : "", key);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 && required)
		return muster_fail(err, errlen, MUSTER_EPARSE, "field \"%s%s%s\" must not be empty",
		                   where, where[0] ? "." : "", key);
	if (len > cap)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "field \"%s%s%s\" longer than %zu bytes", where,
		                   where[0] ? "." : "", key, cap);
	if ((*out = text_sanitize_dup(s, len, cap)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	return 0;
}

/* An array member (NULL when absent or null) of at most max elements. */
static int
get_array(struct json_object *o, const char *key, const char *where, size_t max,
          struct json_object **out, size_t *n, char *err, size_t errlen)
{
	struct json_object *v = NULL;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return muster_fail(err, errlen, MUSTER_EPARSE, "field \"%s%s%s\" must be an array",
		                   where, where[0] ? "." : "", key);
	*n = json_object_array_length(v);
	if (*n > max)
		return muster_fail(err, errlen, MUSTER_ETOOBIG,
		                   "field \"%s%s%s\" has %zu elements, more than %zu", where,
		                   where[0] ? "." : "", key, *n, max);
	*out = v;
	return 0;
}

/* An integer member in [min, max]. */
static int
get_int(struct json_object *o, const char *key, bool required, int64_t min, int64_t max,
        int64_t *out, bool *have, char *err, size_t errlen)
{
	struct json_object *v = NULL;
	int64_t x;

	*out = 0;
	if (have)
		*have = false;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return muster_fail(err, errlen, MUSTER_EPARSE, "missing field \"%s\"", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return muster_fail(err, errlen, MUSTER_EPARSE, "field \"%s\" must be an integer",
		                   key);
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "field \"%s\" out of range %lld..%lld", key, (long long)min,
		                   (long long)max);
	*out = x;
	if (have)
		*have = true;
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Copy a formatted IPv4 address (at most 15 characters) into a 16-byte slot. */
static void
copy_ip4(char dst[16], const char *s)
{
	size_t len = strnlen(s, 15);

	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* ---- reports ---- */

void
report_clear(struct report *r)
{
	if (r == NULL)
		return;
	free(r->sensor_id);
	free(r->sensor_hostname);
	free(r->sensor_version);
	free_strv(r->networks, r->n_networks);
	for (size_t i = 0; i < r->n_hosts; i++) {
		hostrec_clear(&r->hosts[i].h);
		free(r->hosts[i].json);
	}
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

static int
parse_sensor(struct json_object *root, struct report *r, char *err, size_t errlen)
{
	static const char *const known[] = {"id", "hostname", "version", "networks", NULL};
	struct json_object *s = NULL, *nets;
	size_t n;
	int rc;

	if (!json_object_object_get_ex(root, "sensor", &s) || s == NULL)
		return muster_fail(err, errlen, MUSTER_EPARSE, "missing field \"sensor\"");
	if (!json_object_is_type(s, json_type_object))
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "field \"sensor\" must be an object");
	if ((rc = check_keys(s, known, "sensor", err, errlen)) != 0 ||
	    (rc = get_str(s, "id", "sensor", true, SENSOR_ID_MAX, &r->sensor_id, err, errlen)) !=
	            0 ||
	    (rc = get_str(s, "hostname", "sensor", false, TEXT_NAME_MAX, &r->sensor_hostname, err,
	                  errlen)) != 0 ||
	    (rc = get_str(s, "version", "sensor", false, 64, &r->sensor_version, err, errlen)) !=
	            0 ||
	    (rc = get_array(s, "networks", "sensor", REPORT_MAX_NETS, &nets, &n, err, errlen)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if ((r->networks = calloc(n, sizeof(*r->networks))) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(nets, i);
		struct cidr c;
		char text[NET_CIDR_STRLEN];

		if (!json_object_is_type(v, json_type_string) ||
		    (size_t)json_object_get_string_len(v) >= NET_CIDR_STRLEN ||
		    !net_cidr_parse(json_object_get_string(v), &c, NULL))
			return muster_fail(err, errlen, MUSTER_EPARSE,
			                   "field \"sensor.networks[%zu]\" must be a CIDR string",
			                   i);
		net_cidr_format(&c, text);
		if ((r->networks[r->n_networks++] = strdup(text)) == NULL)
			return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	}
	return 0;
}

static int
parse_host(struct json_object *o, size_t i, struct report_host *rh, char *err, size_t errlen)
{
	char why[BODY_ERR_MAX];
	struct mac mac;
	int rc;

	rc = hostrec_from_json(&rh->h, o, true, why, sizeof(why));
	if (rc == MUSTER_ENOMEM)
		return muster_fail(err, errlen, rc, "out of memory");
	if (rc != 0)
		return muster_fail(err, errlen, MUSTER_EPARSE, "hosts[%zu]: %s", i, why);
	/* What the server decides is not the sensor's to say. */
	free(rh->h.status);
	free(rh->h.status_reason);
	free(rh->h.group);
	rh->h.status = rh->h.status_reason = rh->h.group = NULL;
	if (rh->h.mac[0] != '\0') {
		if (!net_mac_parse(rh->h.mac, &mac) || net_mac_is_zero(&mac) ||
		    net_mac_is_multicast(&mac))
			return muster_fail(err, errlen, MUSTER_EPARSE,
			                   "hosts[%zu]: field 'mac': not a unicast address", i);
		net_mac_format(&mac, rh->key);
		memcpy(rh->h.mac, rh->key, sizeof(rh->h.mac));
	} else if (rh->h.n_ipv4 > 0) {
		struct ipaddr ip;
		char s[NET_IP_STRLEN];
		if (!net_ip_parse(rh->h.ipv4[0], &ip))
			return muster_fail(err, errlen, MUSTER_EPARSE, "hosts[%zu]: bad ipv4", i);
		net_ip_format(&ip, s);
		snprintf(rh->key, sizeof(rh->key), "ip:%s", s);
	} else {
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "hosts[%zu]: a host needs a mac or an ipv4", i);
	}
	match_key_from_hostrec(&rh->h, &rh->mk);
	if ((rh->json = hostrec_to_json_string(&rh->h)) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	return 0;
}

int
report_parse(const void *data, size_t len, struct report *r, char *err, size_t errlen)
{
	static const char *const known[] = {"sensor", "seq", "hosts", NULL};
	struct json_object *root = NULL, *hosts;
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = parse_json(data, len, &root, err, errlen)) != 0)
		return rc;
	if ((rc = check_keys(root, known, "", err, errlen)) != 0 ||
	    (rc = parse_sensor(root, r, err, errlen)) != 0 ||
	    (rc = get_int(root, "seq", true, 0, INT64_MAX, &r->seq, NULL, err, errlen)) != 0 ||
	    (rc = get_array(root, "hosts", "", REPORT_MAX_HOSTS, &hosts, &n, err, errlen)) != 0)
		goto out;
	if (hosts == NULL) {
		rc = muster_fail(err, errlen, MUSTER_EPARSE, "missing field \"hosts\"");
		goto out;
	}
	if (n > 0 && (r->hosts = calloc(n, sizeof(*r->hosts))) == NULL) {
		rc = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		r->n_hosts = i + 1;
		if ((rc = parse_host(json_object_array_get_idx(hosts, i), i, &r->hosts[i], err,
		                     errlen)) != 0)
			goto out;
	}
out:
	json_object_put(root);
	if (rc != 0)
		report_clear(r);
	return rc;
}

/* ---- groups ---- */

int
group_req_parse(const void *data, size_t len, char path[GROUP_PATH_MAX], char *err, size_t errlen)
{
	static const char *const known[] = {"path", NULL};
	struct json_object *root = NULL;
	char *p = NULL;
	int rc;

	path[0] = '\0';
	if ((rc = parse_json(data, len, &root, err, errlen)) != 0)
		return rc;
	if ((rc = check_keys(root, known, "", err, errlen)) != 0 ||
	    (rc = get_str(root, "path", "", true, GROUP_PATH_MAX, &p, err, errlen)) != 0)
		goto out;
	if (group_path_normalize(p, path, err, errlen) != 0)
		rc = MUSTER_EPARSE;
out:
	free(p);
	json_object_put(root);
	return rc;
}

int
token_req_parse(const void *data, size_t len, struct token_req *t, char *err, size_t errlen)
{
	static const char *const known[] = {"group", "uses", "expires", "note", NULL};
	struct json_object *root = NULL;
	char *group = NULL, *expires = NULL, *note = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = parse_json(data, len, &root, err, errlen)) != 0)
		return rc;
	if ((rc = check_keys(root, known, "", err, errlen)) != 0 ||
	    (rc = get_str(root, "group", "", true, GROUP_PATH_MAX, &group, err, errlen)) != 0 ||
	    (rc = get_int(root, "uses", true, 1, 1000000, &t->uses, NULL, err, errlen)) != 0 ||
	    (rc = get_str(root, "expires", "", true, 32, &expires, err, errlen)) != 0 ||
	    (rc = get_str(root, "note", "", false, sizeof(t->note) - 1, &note, err, errlen)) != 0)
		goto out;
	if (group_path_normalize(group, t->group, err, errlen) != 0) {
		rc = MUSTER_EPARSE;
		goto out;
	}
	if (!token_parse_duration(expires, &t->expires_in)) {
		rc = muster_fail(err, errlen, MUSTER_EPARSE,
		                 "field \"expires\" must be a duration such as 45m, 12h, 30d");
		goto out;
	}
	if (note != NULL)
		snprintf(t->note, sizeof(t->note), "%s", note);
out:
	free(group);
	free(expires);
	free(note);
	json_object_put(root);
	return rc;
}

/* ---- enrollment ---- */

void
enroll_clear(struct enroll_req *e)
{
	if (e == NULL)
		return;
	if (e->token != NULL) {
		memset(e->token, 0, strlen(e->token));
		free(e->token);
	}
	free(e->hostname);
	free(e->os_family);
	free(e->os_name);
	free(e->os_version);
	free(e->group);
	free(e->installer);
	memset(e, 0, sizeof(*e));
}

static int
enroll_os(struct json_object *root, struct enroll_req *e, char *err, size_t errlen)
{
	static const char *const known[] = {"family", "name", "version", NULL};
	struct json_object *o = NULL;
	int rc;

	if (!json_object_object_get_ex(root, "os", &o) || o == NULL)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return muster_fail(err, errlen, MUSTER_EPARSE, "field \"os\" must be an object");
	if ((rc = check_keys(o, known, "os", err, errlen)) != 0 ||
	    (rc = get_str(o, "family", "os", false, 32, &e->os_family, err, errlen)) != 0 ||
	    (rc = get_str(o, "name", "os", false, TEXT_NAME_MAX, &e->os_name, err, errlen)) != 0 ||
	    (rc = get_str(o, "version", "os", false, 64, &e->os_version, err, errlen)) != 0)
		return rc;
	return 0;
}

int
enroll_parse(const void *data, size_t len, struct enroll_req *e, char *err, size_t errlen)
{
	static const char *const known[] = {"token", "hostname", "domain",    "macs", "ipv4",
	                                    "os",    "group",    "installer", NULL};
	struct json_object *root = NULL, *a;
	char *domain = NULL, *group = NULL, dom_from_name[MATCH_DOMAIN_MAX];
	struct json_object *tok = NULL;
	size_t n;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = parse_json(data, len, &root, err, errlen)) != 0)
		return rc;
	if ((rc = check_keys(root, known, "", err, errlen)) != 0)
		goto out;
	/* The token is a secret: checked for shape here, never echoed in a message. */
	if (!json_object_object_get_ex(root, "token", &tok) || tok == NULL) {
		rc = muster_fail(err, errlen, MUSTER_EPARSE, "missing field \"token\"");
		goto out;
	}
	if (!json_object_is_type(tok, json_type_string) ||
	    !token_well_formed(json_object_get_string(tok),
	                       (size_t)json_object_get_string_len(tok))) {
		rc = muster_fail(err, errlen, MUSTER_EPARSE, "field \"token\" is not a token");
		goto out;
	}
	if ((e->token = strdup(json_object_get_string(tok))) == NULL) {
		rc = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = get_str(root, "hostname", "", true, TEXT_NAME_MAX, &e->hostname, err, errlen)) !=
	            0 ||
	    (rc = get_str(root, "domain", "", false, MATCH_DOMAIN_MAX - 1, &domain, err, errlen)) !=
	            0 ||
	    (rc = get_str(root, "group", "", false, GROUP_PATH_MAX, &group, err, errlen)) != 0 ||
	    (rc = get_str(root, "installer", "", false, 128, &e->installer, err, errlen)) != 0 ||
	    (rc = enroll_os(root, e, err, errlen)) != 0)
		goto out;
	if (!match_split_name(e->hostname, e->shortname, dom_from_name)) {
		rc = muster_fail(err, errlen, MUSTER_EPARSE,
		                 "field \"hostname\" is not a usable host name");
		goto out;
	}
	if (domain != NULL && domain[0] != '\0') {
		char s[MATCH_NAME_MAX], d[MATCH_DOMAIN_MAX];
		/* Check the domain's shape as a name ("x." + domain) and keep it lowercase. */
		char probe[MATCH_DOMAIN_MAX + 4];
		snprintf(probe, sizeof(probe), "x.%s", domain);
		if (!match_split_name(probe, s, d) || d[0] == '\0') {
			rc = muster_fail(err, errlen, MUSTER_EPARSE,
			                 "field \"domain\" is not a domain name");
			goto out;
		}
		snprintf(e->domain, sizeof(e->domain), "%s", d);
	} else {
		snprintf(e->domain, sizeof(e->domain), "%s", dom_from_name);
	}
	if (group != NULL) {
		char path[GROUP_PATH_MAX], why[BODY_ERR_MAX];
		if (group_path_normalize(group, path, why, sizeof(why)) != 0) {
			rc = muster_fail(err, errlen, MUSTER_EPARSE, "field \"group\": %s", why);
			goto out;
		}
		if ((e->group = strdup(path)) == NULL) {
			rc = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((rc = get_array(root, "macs", "", ENROLL_MAX_ADDRS, &a, &n, err, errlen)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		struct mac m;
		char s[NET_MAC_STRLEN];
		bool dup = false;

		if (!json_object_is_type(v, json_type_string) ||
		    (size_t)json_object_get_string_len(v) > 32 ||
		    !net_mac_parse(json_object_get_string(v), &m) || net_mac_is_zero(&m) ||
		    net_mac_is_multicast(&m)) {
			rc = muster_fail(err, errlen, MUSTER_EPARSE,
			                 "field \"macs[%zu]\" must be a unicast MAC address string",
			                 i);
			goto out;
		}
		net_mac_format(&m, s);
		for (size_t j = 0; j < e->n_macs && !dup; j++)
			dup = strcmp(e->macs[j], s) == 0;
		if (!dup)
			memcpy(e->macs[e->n_macs++], s, NET_MAC_STRLEN);
	}
	if ((rc = get_array(root, "ipv4", "", ENROLL_MAX_ADDRS, &a, &n, err, errlen)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		struct ipaddr ip;
		char s[NET_IP_STRLEN];
		bool dup = false;

		if (!json_object_is_type(v, json_type_string) ||
		    (size_t)json_object_get_string_len(v) >= NET_IP_STRLEN ||
		    !net_ip_parse(json_object_get_string(v), &ip) || ip.family != AF_INET) {
			rc = muster_fail(err, errlen, MUSTER_EPARSE,
			                 "field \"ipv4[%zu]\" must be an IPv4 address string", i);
			goto out;
		}
		net_ip_format(&ip, s);
		for (size_t j = 0; j < e->n_ipv4 && !dup; j++)
			dup = strcmp(e->ipv4[j], s) == 0;
		if (!dup)
			copy_ip4(e->ipv4[e->n_ipv4++], s);
	}
out:
	free(domain);
	free(group);
	json_object_put(root);
	if (rc != 0)
		enroll_clear(e);
	return rc;
}

/* ---- managed-computers CSV ---- */

enum import_col { COL_HOSTNAME, COL_DOMAIN, COL_MAC, COL_IPV4, COL_GROUP, COL_OS, COL_NOTE, COL_N };
static const char *const col_names[COL_N] = {"hostname", "domain", "mac", "ipv4",
                                             "group",    "os",     "note"};

#define CSV_MAX_FIELDS 32

struct csv_line {
	char *fields[CSV_MAX_FIELDS];
	size_t n;
	char buf[IMPORT_LINE_MAX + 1];
};

/*
 * Read one CSV record starting at *pos (RFC 4180; a quoted field may span
 * lines). Returns 1 with the fields, 0 at the end of input, or -1 when the
 * record is malformed (then *why says how, and *pos is past the record's end).
 */
static int
csv_next(const char *d, size_t len, size_t *pos, struct csv_line *l, unsigned *lineno,
         const char **why)
{
	size_t p = *pos, o = 0;
	bool quoted = false, start = true, after_quote = false;

	l->n = 0;
	*why = NULL;
	if (p >= len)
		return 0;
	l->fields[l->n++] = l->buf;
	while (p < len) {
		char c = d[p++];

		if (quoted) {
			if (c == '"') {
				if (p < len && d[p] == '"') {
					p++;
				} else {
					quoted = false;
					after_quote = true;
					continue;
				}
			} else if (c == '\n') {
				(*lineno)++;
			}
		} else if (c == ',') {
			if (o >= IMPORT_LINE_MAX) {
				*why = *why ? *why : "line too long";
				continue;
			}
			l->buf[o++] = '\0';
			if (l->n >= CSV_MAX_FIELDS) {
				*why = *why ? *why : "too many fields";
				continue;
			}
			l->fields[l->n++] = l->buf + o;
			start = true;
			after_quote = false;
			continue;
		} else if (c == '\n' || c == '\r') {
			if (c == '\r' && p < len && d[p] == '\n')
				p++;
			break;
		} else if (c == '"' && start) {
			quoted = true;
			start = false;
			continue;
		} else if (c == '"') {
			*why = *why ? *why : "quote inside an unquoted field";
		} else if (after_quote) {
			*why = *why ? *why : "text after a closing quote";
		}
		start = false;
		if (c == '\0') {
			*why = *why ? *why : "NUL byte";
			continue;
		}
		if (o >= IMPORT_LINE_MAX) {
			*why = *why ? *why : "line too long";
			continue;
		}
		l->buf[o++] = c;
	}
	l->buf[o] = '\0';
	if (quoted)
		*why = *why ? *why : "unterminated quoted field";
	*pos = p;
	return *why != NULL ? -1 : 1;
}

static void
trim(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (isspace((unsigned char)s[start]))
		start++;
	if (start > 0)
		memmove(s, s + start, len - start + 1);
}

void
import_clear(struct import_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].hostname);
		free(l->v[i].group);
		free(l->v[i].os);
		free(l->v[i].note);
	}
	free(l->v);
	for (size_t i = 0; i < IMPORT_MAX_ERRORS; i++)
		free(l->errors[i]);
	memset(l, 0, sizeof(*l));
}

static int line_error(struct import_list *l, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
line_error(struct import_list *l, unsigned line, const char *fmt, ...)
{
	char msg[BODY_ERR_MAX], full[BODY_ERR_MAX + 32];
	va_list ap;

	if (l->n_errors < IMPORT_MAX_ERRORS) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(full, sizeof(full), "line %u: %s", line, msg);
		if ((l->errors[l->n_errors] = strdup(full)) == NULL)
			return MUSTER_ENOMEM;
	}
	l->n_errors++;
	return 0;
}

/* Split a cell holding several values (';', ',' or blanks between them). */
static size_t
split_multi(char *cell, char **out, size_t max, bool *overflow)
{
	size_t n = 0;
	char *s = cell, *tok;

	*overflow = false;
	while ((tok = strsep(&s, "; \t")) != NULL) {
		if (*tok == '\0')
			continue;
		if (n == max) {
			*overflow = true;
			break;
		}
		out[n++] = tok;
	}
	return n;
}

static char *
safe_dup(const char *s, size_t cap)
{
	return text_sanitize_dup(s, strlen(s), cap);
}

/* Fill e from one data line; 1 when kept, 0 when refused (error recorded), <0 on failure. */
static int
import_entry(struct import_list *l, const int cols[CSV_MAX_FIELDS], struct csv_line *cl,
             unsigned line, struct import_entry *e)
{
	char *cell[COL_N] = {0};
	char *vals[IMPORT_MAX_ADDRS + 1];
	char why[BODY_ERR_MAX];
	bool overflow;
	size_t n;

	memset(e, 0, sizeof(*e));
	e->line = line;
	for (size_t i = 0; i < cl->n; i++) {
		if (cols[i] < 0)
			continue;
		trim(cl->fields[i]);
		cell[cols[i]] = cl->fields[i][0] ? cl->fields[i] : NULL;
	}
	if (cell[COL_HOSTNAME] != NULL) {
		char dom[MATCH_DOMAIN_MAX];
		if (!match_split_name(cell[COL_HOSTNAME], e->shortname, dom))
			return line_error(l, line, "hostname is not a usable host name") ?: 0;
		snprintf(e->domain, sizeof(e->domain), "%s", dom);
		if ((e->hostname = safe_dup(cell[COL_HOSTNAME], TEXT_NAME_MAX)) == NULL)
			return MUSTER_ENOMEM;
	}
	if (cell[COL_DOMAIN] != NULL) {
		char probe[MATCH_DOMAIN_MAX + 4], s[MATCH_NAME_MAX], d[MATCH_DOMAIN_MAX];
		snprintf(probe, sizeof(probe), "x.%s", cell[COL_DOMAIN]);
		if (strlen(cell[COL_DOMAIN]) >= MATCH_DOMAIN_MAX ||
		    !match_split_name(probe, s, d) || d[0] == '\0')
			return line_error(l, line, "domain is not a domain name") ?: 0;
		snprintf(e->domain, sizeof(e->domain), "%s", d);
	}
	if (cell[COL_MAC] != NULL) {
		n = split_multi(cell[COL_MAC], vals, IMPORT_MAX_ADDRS, &overflow);
		if (overflow)
			return line_error(l, line, "more than %d MAC addresses", IMPORT_MAX_ADDRS)
			               ?: 0;
		for (size_t i = 0; i < n; i++) {
			struct mac m;
			if (!net_mac_parse(vals[i], &m) || net_mac_is_zero(&m) ||
			    net_mac_is_multicast(&m)) {
				text_sanitize(vals[i], strlen(vals[i]), why, 40);
				return line_error(l, line, "bad MAC address \"%s\"", why) ?: 0;
			}
			net_mac_format(&m, e->macs[e->n_macs++]);
		}
	}
	if (cell[COL_IPV4] != NULL) {
		n = split_multi(cell[COL_IPV4], vals, IMPORT_MAX_ADDRS, &overflow);
		if (overflow)
			return line_error(l, line, "more than %d IPv4 addresses", IMPORT_MAX_ADDRS)
			               ?: 0;
		for (size_t i = 0; i < n; i++) {
			struct ipaddr ip;
			char s[NET_IP_STRLEN];
			if (!net_ip_parse(vals[i], &ip) || ip.family != AF_INET) {
				text_sanitize(vals[i], strlen(vals[i]), why, 40);
				return line_error(l, line, "bad IPv4 address \"%s\"", why) ?: 0;
			}
			net_ip_format(&ip, s);
			copy_ip4(e->ipv4[e->n_ipv4++], s);
		}
	}
	if (e->shortname[0] == '\0' && e->n_macs == 0)
		return line_error(l, line, "a line needs a hostname or a mac") ?: 0;
	if (cell[COL_GROUP] != NULL) {
		char path[GROUP_PATH_MAX];
		if (group_path_normalize(cell[COL_GROUP], path, why, sizeof(why)) != 0)
			return line_error(l, line, "group: %s", why) ?: 0;
		if ((e->group = strdup(path)) == NULL)
			return MUSTER_ENOMEM;
	}
	if (cell[COL_OS] != NULL && (e->os = safe_dup(cell[COL_OS], TEXT_NAME_MAX)) == NULL)
		return MUSTER_ENOMEM;
	if (cell[COL_NOTE] != NULL && (e->note = safe_dup(cell[COL_NOTE], TEXT_NAME_MAX)) == NULL)
		return MUSTER_ENOMEM;
	return 1;
}

static void
entry_free(struct import_entry *e)
{
	free(e->hostname);
	free(e->group);
	free(e->os);
	free(e->note);
	memset(e, 0, sizeof(*e));
}

int
import_parse(const void *data, size_t len, struct import_list *l, char *err, size_t errlen)
{
	const char *d = data;
	struct csv_line *cl;
	int cols[CSV_MAX_FIELDS];
	size_t pos = 0, cap = 0, ncols = 0;
	unsigned lineno = 0;
	bool header = false;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if ((cl = malloc(sizeof(*cl))) == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	/* A UTF-8 byte order mark, as spreadsheets write it. */
	if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	for (;;) {
		const char *why;
		size_t start = pos;
		int got;

		lineno++;
		got = csv_next(d, len, &pos, cl, &lineno, &why);
		if (got == 0)
			break;
		/* Comments and blank lines. */
		if (got == 1 && cl->n == 1)
			trim(cl->buf);
		if (d[start] == '#' || (got == 1 && cl->n == 1 && cl->buf[0] == '\0'))
			continue;
		if (!header) {
			bool have_key = false;
			if (got < 0) {
				rc = muster_fail(err, errlen, MUSTER_EPARSE, "line %u: header: %s",
				                 lineno, why);
				goto out;
			}
			ncols = cl->n;
			for (size_t i = 0; i < cl->n; i++) {
				char safe[40];
				trim(cl->fields[i]);
				cols[i] = -1;
				for (int c = 0; c < COL_N; c++)
					if (strcasecmp(cl->fields[i], col_names[c]) == 0)
						cols[i] = c;
				if (cols[i] < 0) {
					text_sanitize(cl->fields[i], strlen(cl->fields[i]), safe,
					              sizeof(safe));
					rc = muster_fail(
					        err, errlen, MUSTER_EPARSE,
					        "line %u: unknown column \"%s\" (known: hostname, "
					        "domain, mac, ipv4, group, os, note)",
					        lineno, safe);
					goto out;
				}
				for (size_t j = 0; j < i; j++) {
					if (cols[j] == cols[i]) {
						rc = muster_fail(err, errlen, MUSTER_EPARSE,
						                 "line %u: column \"%s\" twice",
						                 lineno, col_names[cols[i]]);
						goto out;
					}
				}
				have_key |= cols[i] == COL_HOSTNAME || cols[i] == COL_MAC;
			}
			if (!have_key) {
				rc = muster_fail(
				        err, errlen, MUSTER_EPARSE,
				        "line %u: the header needs a hostname or a mac column",
				        lineno);
				goto out;
			}
			header = true;
			continue;
		}
		if (++l->lines > IMPORT_MAX_LINES) {
			rc = muster_fail(err, errlen, MUSTER_ETOOBIG, "more than %d lines",
			                 IMPORT_MAX_LINES);
			goto out;
		}
		if (got < 0) {
			if ((rc = line_error(l, lineno, "%s", why)) != 0)
				goto out;
			continue;
		}
		if (cl->n != ncols) {
			if ((rc = line_error(l, lineno, "%zu fields, the header has %zu", cl->n,
			                     ncols)) != 0)
				goto out;
			continue;
		}
		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct import_entry *nv = realloc(l->v, ncap * sizeof(*nv));
			if (nv == NULL) {
				rc = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
				goto out;
			}
			l->v = nv;
			cap = ncap;
		}
		got = import_entry(l, cols, cl, lineno, &l->v[l->n]);
		if (got < 0) {
			entry_free(&l->v[l->n]);
			rc = muster_fail(err, errlen, got, "out of memory");
			goto out;
		}
		if (got == 1)
			l->n++;
		else
			entry_free(&l->v[l->n]);
	}
	if (!header)
		rc = muster_fail(err, errlen, MUSTER_EPARSE, "no header line");
out:
	free(cl);
	if (rc != 0)
		import_clear(l);
	return rc;
}
