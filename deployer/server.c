/*
 * server.c - talk to muster-server with libcurl (docs/protocol.md): the
 * unmanaged list as JSON lines, and POST /api/v1/deployments with the
 * finished attempts, batched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "common/buf.h"
#include "common/muster.h"
#include "common/net.h"
#include "deployer/server.h"
#include "deployer/secret.h"

#define SERVER_BODY_MAX ((size_t)64 << 20)
#define POST_BATCH      500

struct server_client {
	char *url;
	char *ca;
	struct secret token;
	struct secret auth_header; /* "Authorization: Bearer ..." */
	CURL *curl;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) != 0)
		return 0; /* over the cap: curl stops */
	return size * n;
}

/*
 * The rule of the sensor's [report] server (sensor/report.c): https, or
 * http only to a loopback address or "localhost", since the token would
 * cross the network in clear; no credentials in the URL.
 */
int
server_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	int r = MUSTER_EINVAL;

	if (u == NULL)
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "--from-server: not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(err, errlen,
		         "--from-server: no user or password in the URL; the token comes from "
		         "--server-token-file");
		goto out;
	}
	r = net_url_secret_ok(scheme, host, "--from-server", err, errlen);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return r;
}

struct server_client *
server_client_new(const char *url, const char *token_file, const char *ca_file, char *err,
                  size_t errlen)
{
	struct server_client *sc = calloc(1, sizeof(*sc));
	size_t ulen;

	if (sc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (server_url_check(url, err, errlen) != 0)
		goto fail;
	ulen = strlen(url);
	while (ulen > 0 && url[ulen - 1] == '/')
		ulen--;
	if ((sc->url = strndup(url, ulen)) == NULL ||
	    (ca_file && (sc->ca = strdup(ca_file)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (token_file == NULL) {
		snprintf(err, errlen,
		         "--from-server needs --server-token-file (admin or sensor token)");
		goto fail;
	}
	if (secret_from_file(token_file, &sc->token, err, errlen) != 0)
		goto fail;
	{
		char h[4200];
		snprintf(h, sizeof(h), "Authorization: Bearer %s", sc->token.p);
		sc->auth_header.len = strlen(h);
		sc->auth_header.p = strdup(h);
		explicit_bzero(h, sizeof(h));
		if (sc->auth_header.p == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if ((sc->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		goto fail;
	}
	return sc;
fail:
	server_client_free(sc);
	return NULL;
}

void
server_client_free(struct server_client *sc)
{
	if (sc == NULL)
		return;
	if (sc->curl)
		curl_easy_cleanup(sc->curl);
	secret_free(&sc->token);
	secret_free(&sc->auth_header);
	free(sc->url);
	free(sc->ca);
	free(sc);
}

/* One request; body (may be NULL) is JSON. The answer goes to resp; returns the HTTP status or -1. */
static long
request(struct server_client *sc, const char *path, const char *body, struct buf *resp, char *err,
        size_t errlen)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long code = -1;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", sc->url, path);
	curl_easy_reset(sc->curl);
	hdr = curl_slist_append(hdr, sc->auth_header.p);
	if (body)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(sc->curl, CURLOPT_URL, url);
	curl_easy_setopt(sc->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(sc->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(sc->curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(sc->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(sc->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(sc->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(sc->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(sc->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(sc->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (sc->ca)
		curl_easy_setopt(sc->curl, CURLOPT_CAINFO, sc->ca);
	if (body) {
		curl_easy_setopt(sc->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(sc->curl, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(sc->curl);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", path, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		curl_easy_getinfo(sc->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdr);
	return code;
}

int
server_fetch_unmanaged(struct server_client *sc, struct target_list *out, struct targets_diag *d,
                       char *err, size_t errlen)
{
	struct buf b;
	long code;
	int r;

	buf_init(&b, SERVER_BODY_MAX);
	code = request(sc, "/api/v1/computers?status=unmanaged&format=jsonl", NULL, &b, err,
	               errlen);
	if (code < 0) {
		buf_free(&b);
		return MUSTER_ENET;
	}
	if (code != 200) {
		snprintf(err, errlen, "the server answered %ld: %.200s", code, buf_cstr(&b));
		buf_free(&b);
		return MUSTER_ENET;
	}
	r = targets_parse((const char *)b.data, b.len, TARGETS_JSONL, "server", out, d);
	buf_free(&b);
	return r;
}

int
server_post_attempts(struct server_client *sc, const struct report_ctx *c,
                     struct deploy_host_result *res, const char *run, char *err, size_t errlen)
{
	size_t i = 0;

	while (i < c->tl->n) {
		struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
		size_t idx[POST_BATCH], n = 0;
		struct buf resp;
		long code;

		json_object_object_add(o, "run", json_object_new_string(run));
		json_object_object_add(o, "method", json_object_new_string(c->method));
		json_object_object_add(o, "installer_sha256",
		                       json_object_new_string(c->installer_sha256));
		for (; i < c->tl->n && n < POST_BATCH; i++) {
			const struct target *t = &c->tl->v[i];
			struct deploy_host_result *r = &res[i];
			struct json_object *a;
			if (r->posted || !atomic_load_explicit(&r->done, memory_order_acquire))
				continue;
			if (r->attempts == 0) {
				r->posted = true; /* never started: no attempt to record */
				continue;
			}
			a = json_object_new_object();
			json_object_object_add(a, "host", json_object_new_string(t->host));
			json_object_object_add(
			        a, "port",
			        json_object_new_int(t->port ? t->port : c->default_port));
			json_object_object_add(
			        a, "user",
			        json_object_new_string(t->user[0] ? t->user : c->default_user));
			/* The server knows no "cancelled": a stopped attempt is a timeout there. */
			json_object_object_add(
			        a, "status",
			        json_object_new_string(deploy_status_name(
			                r->status == DEPLOY_CANCELLED ? DEPLOY_TIMEOUT
			                                              : r->status)));
			json_object_object_add(a, "reason", json_object_new_string(r->reason));
			json_object_object_add(a, "duration_ms",
			                       json_object_new_int64(r->duration_ms));
			json_object_object_add(a, "attempts", json_object_new_int(r->attempts));
			json_object_array_add(arr, a);
			idx[n++] = i;
		}
		json_object_object_add(o, "attempts", arr);
		if (n > 0) {
			buf_init(&resp, 1 << 20);
			code = request(sc, "/api/v1/deployments",
			               json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			               &resp, err, errlen);
			if (code != 200 && code >= 0)
				snprintf(err, errlen,
				         "POST /api/v1/deployments answered %ld: %.200s", code,
				         buf_cstr(&resp));
			buf_free(&resp);
			if (code != 200) {
				json_object_put(o);
				return MUSTER_ENET;
			}
			for (size_t k = 0; k < n; k++)
				res[idx[k]].posted = true;
		}
		json_object_put(o);
	}
	return 0;
}
