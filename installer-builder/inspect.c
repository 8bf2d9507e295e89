/* installer-builder/inspect.c: parse a generated installer (all-in-one sh
 * or a live sh/ps1/cmd), show its masked configuration and verify the
 * payload checksum, the Ed25519 signature and the payload's contents. Input
 * is untrusted: every read is bounded. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "common/muster.h"
#include "installer-builder/artifact.h"
#include "installer-builder/encode.h"
#include "installer-builder/inspect.h"
#include "installer-builder/win/payload.h"
#include "installer-builder/model.h"

#define MARKER    "\n# __MUSTER_PAYLOAD_BELOW__\n"
#define VALUE_MAX (1024 * 1024)
#define HEAD_MAX  (4 * 1024 * 1024)

enum flavour { FL_SH, FL_PS1, FL_CMD };

/* The value of variable name as the generator writes it: NAME='v' (sh),
 * $NAME = 'v' (ps1), set "NAME=v" (cmd), at the start of a line in
 * head[0..len). Values the generator puts there hold no quote. */
static char *
get_var(const char *head, size_t len, enum flavour fl, const char *name)
{
	char pat[80];
	const char *p = head, *end = head + len, *v, *q;
	char close;

	switch (fl) {
	case FL_SH:
		snprintf(pat, sizeof(pat), "\n%s='", name);
		close = '\'';
		break;
	case FL_PS1:
		snprintf(pat, sizeof(pat), "\n$%s = '", name);
		close = '\'';
		break;
	default:
		snprintf(pat, sizeof(pat), "\nset \"%s=", name);
		close = '"';
		break;
	}
	if ((v = memmem(p, len, pat, strlen(pat))) == NULL)
		return NULL;
	v += strlen(pat);
	for (q = v; q < end && *q != close && *q != '\n'; q++)
		if ((size_t)(q - v) > VALUE_MAX)
			return NULL;
	if (q >= end || *q != close)
		return NULL;
	return strndup(v, (size_t)(q - v));
}

static void
check(struct json_object *checks, bool *all, const char *name, bool ok, const char *detail)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "check", json_object_new_string(name));
	json_object_object_add(c, "ok", json_object_new_boolean(ok));
	json_object_object_add(c, "detail", json_object_new_string(detail));
	json_object_array_add(checks, c);
	if (!ok)
		*all = false;
}

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 19)
		return false;
	*v = strtoull(s, &end, 10);
	return *end == '\0';
}

/* Compare the payload's files with the configuration: installer.json is the
 * embedded config, each package has the recorded SHA-256. */
static bool
payload_matches(const uint8_t *p, size_t n, const char *cfg, const struct inst_model *m, char *why,
                size_t whylen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool cfg_ok = false, agent_ok = false, product_ok = !m->has_product;
	unsigned char b[16384];
	int r;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		snprintf(why, whylen, "payload is not a tar.gz");
		archive_read_free(a);
		return false;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		struct buf data;
		uint8_t sha[32];
		la_ssize_t k;
		bool is_cfg = name != NULL && strcmp(name, "config/installer.json") == 0;

		buf_init(&data, VALUE_MAX);
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		while ((k = archive_read_data(a, b, sizeof(b))) > 0) {
			EVP_DigestUpdate(ctx, b, (size_t)k);
			if (is_cfg && buf_append(&data, b, (size_t)k) != 0)
				is_cfg = false;
		}
		EVP_DigestFinal_ex(ctx, sha, NULL);
		EVP_MD_CTX_free(ctx);
		if (k < 0) {
			buf_free(&data);
			break;
		}
		if (is_cfg && strcmp(buf_cstr(&data), cfg) == 0 && strlen(cfg) == data.len)
			cfg_ok = true;
		if (name != NULL && strncmp(name, "packages/", 9) == 0) {
			if (strcmp(name + 9, m->agent.name) == 0)
				agent_ok = memcmp(sha, m->agent.sha256, 32) == 0;
			else if (m->has_product && strcmp(name + 9, m->product.name) == 0)
				product_ok = memcmp(sha, m->product.sha256, 32) == 0;
		}
		buf_free(&data);
	}
	archive_read_free(a);
	snprintf(why, whylen, "%s",
	         !cfg_ok       ? "config/installer.json differs from the script's"
	         : !agent_ok   ? "agent package missing or its SHA-256 differs"
	         : !product_ok ? "product package missing or its SHA-256 differs"
	                       : "installer.json and package hashes match");
	return cfg_ok && agent_ok && product_ok;
}

static void
inspect_allinone(const uint8_t *data, size_t len, const char *head, size_t hlen, const char *cfg,
                 const struct inst_model *m, bool model_ok, const char *expected_pub,
                 struct json_object *o, struct json_object *checks, bool *all)
{
	char *psize_s = get_var(head, hlen, FL_SH, "PAYLOAD_SIZE");
	char *psha_s = get_var(head, hlen, FL_SH, "PAYLOAD_SHA256");
	char *pub_b64 = get_var(head, hlen, FL_SH, "PUBKEY_B64");
	char *sig = get_var(head, hlen, FL_SH, "MUSTER_SIG");
	const uint8_t *mark = memmem(data, len, MARKER, strlen(MARKER));
	uint64_t psize = 0;
	size_t soff = 0;
	bool sized = false;
	char why[160];

	if (mark != NULL)
		soff = (size_t)(mark - data) + strlen(MARKER);
	sized = mark != NULL && parse_u64(psize_s, &psize) && psize == len - soff;
	check(checks, all, "payload-size", sized,
	      sized ? "payload length as declared" : "payload missing, truncated or extended");
	if (sized) {
		uint8_t sha[32];
		char *hex;

		art_sha256(data + soff, len - soff, sha);
		hex = enc_hex(sha, 32);
		check(checks, all, "payload-sha256",
		      hex != NULL && psha_s != NULL && strcmp(hex, psha_s) == 0,
		      hex != NULL && psha_s != NULL && strcmp(hex, psha_s) == 0
		              ? "matches PAYLOAD_SHA256"
		              : "does not match PAYLOAD_SHA256");
		free(hex);
	}
	json_object_object_add(o, "signed",
	                       json_object_new_boolean(pub_b64 != NULL && pub_b64[0] != '\0'));
	if (pub_b64 != NULL && pub_b64[0] != '\0') {
		unsigned char *pub = dec_base64(pub_b64, NULL);
		bool ok = false;
		const char *detail = "Ed25519 signature does not verify";

		if (pub != NULL && sig != NULL && sig[0] != '\0' && mark != NULL) {
			/* Blank the signature value, as the script does, and verify. */
			const char *at = memmem(head, hlen, "\nMUSTER_SIG='", 13);
			struct buf b;
			char msg[128];

			buf_init(&b, len);
			if (at != NULL) {
				size_t off =
				        (size_t)(at - head) + 13 - 1; /* head has a leading \n */

				if (buf_append(&b, data, off) == 0 &&
				    buf_append(&b, data + off + strlen(sig),
				               len - off - strlen(sig)) == 0) {
					art_sig_message(b.data, b.len, msg, sizeof(msg));
					ok = art_verify((const char *)pub, msg, sig);
				}
			}
			buf_free(&b);
			if (ok && expected_pub != NULL &&
			    strcmp((const char *)pub, expected_pub) != 0) {
				ok = false;
				detail = "signed, but not by the expected key";
			}
		}
		check(checks, all, "signature", ok, ok ? "Ed25519 signature verifies" : detail);
		free(pub);
	} else if (expected_pub != NULL) {
		check(checks, all, "signature", false, "unsigned, but a signing key was expected");
	}
	if (sized && model_ok && *all) {
		bool ok = payload_matches(data + soff, len - soff, cfg, m, why, sizeof(why));

		check(checks, all, "payload-content", ok, why);
	}
	free(psize_s);
	free(psha_s);
	free(pub_b64);
	free(sig);
}

/*
 * The Windows all-in-one (.exe bootstrapper with a payload trailer,
 * installer-builder/win/payload.h): the digest and records are checked with
 * the same code the .exe runs; what it carries is listed, its configuration
 * (install_config.ini) shown with the secrets masked.
 */
static int
inspect_exe(const uint8_t *data, size_t len, const char *expected_pub, struct json_object **out)
{
	static const char *const types[] = {"",       "agent-msi", "product-msi",
	                                    "config", "script",    "meta"};
	struct wpl_record rec[WPL_RECORDS_MAX];
	struct wpl_trailer t;
	struct json_object *o = json_object_new_object(), *checks = json_object_new_array();
	struct json_object *files = json_object_new_array(), *cfg = json_object_new_object();
	size_t nrec = 0;
	bool all = true;
	int r = wpl_verify(data, len, &t, rec, &nrec);

	json_object_object_add(o, "kind", json_object_new_string("allinone-windows"));
	check(checks, &all, "payload", r == WPL_OK,
	      r == WPL_OK ? "SHA-256 of the whole file and every record verify" : wpl_strerror(r));
	for (size_t i = 0; r == WPL_OK && i < nrec; i++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "name", json_object_new_string(rec[i].name));
		json_object_object_add(f, "type",
		                       json_object_new_string(rec[i].type < MUSTER_NELEM(types)
		                                                      ? types[rec[i].type]
		                                                      : "unknown"));
		json_object_object_add(f, "size", json_object_new_int64((int64_t)rec[i].len));
		json_object_array_add(files, f);
		if (strcmp(rec[i].name, "install_config.ini") != 0)
			continue;
		/* key=value lines; secrets (token, keys) are masked. */
		const char *p = (const char *)rec[i].data, *end = p + rec[i].len;
		char section[64] = "";
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char line[1024], *eq, key[200];
			if (n < sizeof(line)) {
				memcpy(line, p, n);
				line[n] = 0;
				if (line[0] == '[' && strchr(line, ']')) {
					*strchr(line, ']') = 0;
					snprintf(section, sizeof(section), "%.62s", line + 1);
				} else if ((eq = strchr(line, '=')) != NULL && line[0] != ';') {
					*eq = 0;
					snprintf(key, sizeof(key), "%.62s.%.120s", section, line);
					bool secret = strstr(line, "token") || strstr(line, "key");
					json_object_object_add(
					        cfg, key,
					        json_object_new_string(secret ? "********"
					                                      : eq + 1));
				}
			}
			p += n + (nl ? 1 : 0);
		}
	}
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "config", cfg);
	json_object_object_add(o, "signed", json_object_new_boolean(false));
	if (expected_pub != NULL)
		check(checks, &all, "signature", false,
		      "the Windows all-in-one carries no signature (integrity only)");
	json_object_object_add(o, "integrity", json_object_new_string(all ? "ok" : "bad"));
	json_object_object_add(o, "checks", checks);
	*out = o;
	return 0;
}

int
inspect_buffer(const uint8_t *data, size_t len, const char *expected_pub, struct json_object **out)
{
	static const struct {
		const char *tag, *kind;
		enum flavour fl;
	} kinds[] = {
	        {"MUSTER-INSTALLER-FORMAT 1 allinone\n", "allinone", FL_SH},
	        {"MUSTER-INSTALLER-FORMAT 1 live\n", "live-sh", FL_SH},
	        {"MUSTER-INSTALLER-FORMAT 1 live-ps1\n", "live-ps1", FL_PS1},
	        {"MUSTER-INSTALLER-FORMAT 1 live-cmd\n", "live-cmd", FL_CMD},
	};
	struct json_object *o, *checks;
	struct inst_model m;
	const uint8_t *mark;
	char *cfg_b64 = NULL, *pin = NULL, *head = NULL, err[256] = "";
	unsigned char *cfg = NULL;
	size_t hlen, cfglen = 0, k;
	bool all = true, model_ok = false;

	*out = NULL;
	if (len >= 2 && data[0] == 'M' && data[1] == 'Z')
		return inspect_exe(data, len, expected_pub, out);
	memset(&m, 0, sizeof(m));
	mark = memmem(data, len, MARKER, strlen(MARKER));
	hlen = mark != NULL ? (size_t)(mark - data) + 1 : len;
	if (hlen > HEAD_MAX)
		hlen = HEAD_MAX;
	/* A copy of the script part with a leading newline so "\nNAME=" also
	 * finds the first line; NUL bytes end nothing here (memmem). */
	if ((head = malloc(hlen + 2)) == NULL)
		return MUSTER_ENOMEM;
	head[0] = '\n';
	memcpy(head + 1, data, hlen);
	head[hlen + 1] = '\0';
	hlen++;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (memmem(head, hlen < 2048 ? hlen : 2048, kinds[k].tag, strlen(kinds[k].tag)))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		free(head);
		return MUSTER_EPARSE;
	}
	o = json_object_new_object();
	checks = json_object_new_array();
	json_object_object_add(o, "kind", json_object_new_string(kinds[k].kind));
	cfg_b64 = get_var(head, hlen, kinds[k].fl,
	                  kinds[k].fl == FL_PS1 ? "MUSTER_CONFIG_B64" : "MUSTER_CONFIG_B64");
	if (cfg_b64 != NULL)
		cfg = dec_base64(cfg_b64, &cfglen);
	if (cfg != NULL && strlen((char *)cfg) == cfglen &&
	    model_load((char *)cfg, cfglen, &m, err, sizeof(err)) == 0)
		model_ok = true;
	check(checks, &all, "config", model_ok,
	      model_ok      ? "embedded configuration is valid"
	      : cfg == NULL ? "no embedded configuration (MUSTER_CONFIG_B64)"
	                    : err);
	if (model_ok) {
		char *masked = model_to_json(&m, true);

		json_object_object_add(o, "config",
		                       masked != NULL ? json_tokener_parse(masked) : NULL);
		free(masked);
	}
	if (k == 0) {
		inspect_allinone(data, len, head, hlen, (char *)cfg, &m, model_ok, expected_pub, o,
		                 checks, &all);
	} else {
		json_object_object_add(o, "signed", json_object_new_boolean(false));
		pin = get_var(head, hlen, kinds[k].fl,
		              kinds[k].fl == FL_PS1 ? "AgentSha256" : "AGENT_SHA256");
		if (model_ok) {
			char *hex = enc_hex(m.agent.sha256, 32);
			bool ok = hex != NULL && pin != NULL && strcmp(hex, pin) == 0;

			check(checks, &all, "download-pin", ok,
			      ok ? "pinned SHA-256 matches the configuration"
			         : "pinned SHA-256 differs from the configuration");
			free(hex);
		}
		if (expected_pub != NULL)
			check(checks, &all, "signature", false, "live installers are not signed");
	}
	json_object_object_add(o, "integrity", json_object_new_string(all ? "ok" : "bad"));
	json_object_object_add(o, "checks", checks);
	model_free(&m);
	free(cfg_b64);
	free(cfg);
	free(pin);
	free(head);
	*out = o;
	return 0;
}
