/* installer-builder/tokenfetch.c: --token-from-server, the admin API calls of
 * docs/protocol.md ("Static groups", "Enrollment tokens") over libcurl. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "common/buf.h"
#include "common/muster.h"
#include "installer-builder/tokenfetch.h"

#define ANSWER_MAX (64 * 1024)

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) != 0)
		return 0;
	return size * n;
}

/* POST body to base_url+path; the answer's JSON in *answer, status in *code. */
static int
post(const char *base_url, const char *path, const char *auth_header, const char *ca_pem,
     const char *body, long *code, struct json_object **answer, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	struct curl_blob ca = {
	        .data = (void *)ca_pem, .len = strlen(ca_pem), .flags = CURL_BLOB_COPY};
	struct buf url, ans;
	CURL *c;
	CURLcode cr;
	int r = 0;

	*answer = NULL;
	buf_init(&url, 4096);
	buf_init(&ans, ANSWER_MAX);
	if (buf_printf(&url, "%s%s", base_url, path) != 0 || (c = curl_easy_init()) == NULL) {
		buf_free(&url);
		return muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, auth_header);
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if ((cr = curl_easy_perform(c)) != CURLE_OK) {
		r = muster_fail(err, errlen, MUSTER_ENET, "%s: %s", path, curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	*answer = json_tokener_parse(buf_cstr(&ans));
	if (*answer == NULL || !json_object_is_type(*answer, json_type_object)) {
		r = muster_fail(err, errlen, MUSTER_ENET,
		                "%s: HTTP %ld with a body that is not JSON", path, *code);
		json_object_put(*answer);
		*answer = NULL;
	}
out:
	curl_slist_free_all(h); /* holds the admin token: curl copied it */
	curl_easy_cleanup(c);
	buf_free(&url);
	buf_free(&ans);
	return r;
}

static const char *
answer_error(struct json_object *a)
{
	struct json_object *e;

	if (a != NULL && json_object_object_get_ex(a, "error", &e) &&
	    json_object_is_type(e, json_type_string))
		return json_object_get_string(e);
	return "(no error message)";
}

int
token_fetch(const char *base_url, const char *admin_token_file, const char *ca_pem,
            const char *group, int uses, time_t expires, char **token, char *err, size_t errlen)
{
	struct json_object *req = NULL, *ans = NULL, *t;
	char admin[300], auth[340], dur[32];
	long code = 0;
	time_t now = time(NULL);
	FILE *f;
	int r;

	*token = NULL;
	if (strncmp(base_url, "https://", 8) != 0 || strlen(base_url) > 2048)
		return muster_fail(err, errlen, MUSTER_EINVAL, "must be an https:// URL");
	if (base_url[strlen(base_url) - 1] == '/')
		return muster_fail(err, errlen, MUSTER_EINVAL,
		                   "give the base URL without a trailing /");
	if ((f = fopen(admin_token_file, "r")) == NULL)
		return muster_fail(err, errlen, MUSTER_EIO, "--admin-token-file: cannot open: %s",
		                   strerror(errno));
	if (fgets(admin, sizeof(admin), f) == NULL) {
		fclose(f);
		return muster_fail(err, errlen, MUSTER_EIO, "--admin-token-file: empty");
	}
	fclose(f);
	admin[strcspn(admin, "\r\n")] = '\0';
	if (strlen(admin) < 16 || strlen(admin) > 256) {
		explicit_bzero(admin, sizeof(admin));
		return muster_fail(err, errlen, MUSTER_EINVAL,
		                   "--admin-token-file: 16-256 characters");
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin);
	explicit_bzero(admin, sizeof(admin));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		r = muster_fail(err, errlen, MUSTER_ENOMEM, "libcurl init failed");
		goto out;
	}
	/* The group must exist before a token can name it (404 otherwise). */
	req = json_object_new_object();
	json_object_object_add(req, "path", json_object_new_string(group));
	if ((r = post(base_url, "/api/v1/groups", auth, ca_pem, json_object_to_json_string(req),
	              &code, &ans, err, errlen)) != 0)
		goto out;
	if (code != 200 && code != 201) {
		r = muster_fail(err, errlen, MUSTER_ENET, "POST /api/v1/groups: HTTP %ld: %.200s",
		                code, answer_error(ans));
		goto out;
	}
	json_object_put(req);
	json_object_put(ans);
	ans = NULL;
	if (expires == 0 || expires - now > 3650L * 86400)
		snprintf(dur, sizeof(dur), "365d");
	else if (expires <= now)
		snprintf(dur, sizeof(dur), "1m");
	else
		snprintf(dur, sizeof(dur), "%llds", (long long)(expires - now));
	req = json_object_new_object();
	json_object_object_add(req, "group", json_object_new_string(group));
	json_object_object_add(req, "uses", json_object_new_int(uses > 0 ? uses : 100));
	json_object_object_add(req, "expires", json_object_new_string(dur));
	json_object_object_add(req, "note", json_object_new_string("muster-installer"));
	if ((r = post(base_url, "/api/v1/tokens", auth, ca_pem, json_object_to_json_string(req),
	              &code, &ans, err, errlen)) != 0)
		goto out;
	if (code != 201 || !json_object_object_get_ex(ans, "token", &t) ||
	    !json_object_is_type(t, json_type_string)) {
		r = muster_fail(err, errlen, MUSTER_ENET, "POST /api/v1/tokens: HTTP %ld: %.200s",
		                code, answer_error(ans));
		goto out;
	}
	if ((*token = strdup(json_object_get_string(t))) == NULL)
		r = muster_fail(err, errlen, MUSTER_ENOMEM, "out of memory");
out:
	explicit_bzero(auth, sizeof(auth));
	json_object_put(req);
	json_object_put(ans);
	return r;
}
