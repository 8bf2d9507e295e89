/*
 * http.c - HTTP(S) front of muster-server on libmicrohttpd: TLS through
 * GnuTLS with optional client certificates, request body caps and gzip
 * (RFC 1952) bodies inflated under a cap, timeouts, JSON error bodies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <zlib.h>

#include "common/log.h"
#include "common/muster.h"
#include "common/net.h"
#include "common/text.h"
#include "server/http.h"

/* Bytes a discarded (refused) upload may still send before the connection is cut. */
#define DISCARD_MAX (64u << 20)

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	uint16_t port;
	atomic_size_t held; /* request body bytes held by all connections */
};

/* Per-request state, from the first call of the access handler to completion. */
struct reqctx {
	struct buf body;
	size_t limit;
	size_t discarded;
	size_t held; /* counted in http_server.held */
	time_t started;
	int refuse;     /* an HTTP status decided while the body arrived (413, 503) */
	bool responded; /* a response was queued before the body: ignore the rest */
	bool gzip;
};

static int fmt_err(char *err, size_t errlen, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int
fmt_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- responses ---- */

void
http_error(struct http_resp *resp, int status, const char *fmt, ...)
{
	char msg[512];
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((o = json_object_new_object()) == NULL) {
		resp->status = status;
		if (resp->body.max == 0)
			buf_init(&resp->body, 4096);
		buf_reset(&resp->body);
		buf_puts(&resp->body, "{\"error\": \"out of memory\"}\n");
		return;
	}
	json_object_object_add(o, "error", json_object_new_string(msg));
	http_json(resp, status, o);
}

void
http_json(struct http_resp *resp, int status, struct json_object *o)
{
	const char *text;

	resp->status = status;
	resp->content_type = "application/json";
	if (resp->body.max == 0)
		buf_init(&resp->body, SIZE_MAX / 2);
	buf_reset(&resp->body);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL || buf_puts(&resp->body, text) != 0 || buf_putc(&resp->body, '\n') != 0) {
		resp->status = 500;
		buf_reset(&resp->body);
		buf_puts(&resp->body, "{\"error\": \"response too large\"}\n");
	}
	json_object_put(o);
}

/* ---- query arguments ---- */

const char *
http_req_arg(const struct http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct argcheck {
	const char *const *allowed;
	char *bad;
	size_t badsz;
	bool ok;
};

static enum MHD_Result
check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct argcheck *a = cls;

	(void)kind;
	(void)value;
	for (size_t i = 0; a->allowed[i] != NULL; i++)
		if (strcmp(key, a->allowed[i]) == 0)
			return MHD_YES;
	a->ok = false;
	text_sanitize(key, strlen(key), a->bad, a->badsz);
	return MHD_NO;
}

bool
http_req_args_only(const struct http_req *r, const char *const *allowed, char *bad, size_t badsz)
{
	struct argcheck a = {allowed, bad, badsz, true};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &a);
	return a.ok;
}

/* ---- gzip ---- */

int
http_gunzip(const uint8_t *in, size_t len, size_t max, struct buf *out)
{
	z_stream z;
	uint8_t chunk[65536];
	int zr, r = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* gzip wrapper only */
		return MUSTER_ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			r = zr == Z_MEM_ERROR ? MUSTER_ENOMEM : MUSTER_EPARSE;
			goto out;
		}
		size_t got = sizeof(chunk) - z.avail_out;
		if (out->len + got > max) {
			r = MUSTER_ETOOBIG;
			goto out;
		}
		if (got > 0 && (r = buf_append(out, chunk, got)) != 0)
			goto out;
		if (zr == Z_OK && got == 0 && z.avail_in == 0) {
			r = MUSTER_EPARSE; /* truncated stream */
			goto out;
		}
	} while (zr != Z_STREAM_END);
	/* One member only; trailing bytes are not ours to guess at. */
	if (z.avail_in != 0)
		r = MUSTER_EPARSE;
out:
	inflateEnd(&z);
	return r;
}

/* ---- the access handler ---- */

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct http_resp *resp)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t len;
	uint8_t *data;

	if (resp->body.len == 0 && resp->status >= 400)
		http_error(resp, resp->status, "error");
	data = buf_steal(&resp->body, &len);
	mr = MHD_create_response_from_buffer(len, data ? data : (void *)"",
	                                     data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (mr == NULL) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        resp->content_type ? resp->content_type : "application/json");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	if (resp->allow)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, resp->allow);
	if (resp->www_authenticate)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"muster\"");
	ret = MHD_queue_response(c, (unsigned)resp->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static enum MHD_Result
send_error(struct MHD_Connection *c, int status, const char *fmt, ...)
{
	struct http_resp resp = {0};
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&resp.body, 4096);
	http_error(&resp, status, "%s", msg);
	return send_resp(c, &resp);
}

/* Fill the TLS peer fields of r: is there a client certificate, does it verify, its CN. */
static void
peer_info(struct http_server *s, struct MHD_Connection *c, struct http_req *r)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t ses;
	const gnutls_datum_t *peers;
	unsigned int n = 0, status = 0;
	gnutls_x509_crt_t crt;
	char cn[256];
	size_t cnlen = sizeof(cn) - 1;
	int g;

	if (s->cfg.cert_pem == NULL)
		return;
	r->tls = true;
	if ((ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION)) == NULL)
		return;
	ses = (gnutls_session_t)ci->tls_session;
	if ((peers = gnutls_certificate_get_peers(ses, &n)) == NULL || n == 0)
		return;
	r->peer_cert = true;
	if (s->cfg.client_ca_pem == NULL) {
		snprintf(r->peer_error, sizeof(r->peer_error), "no client CA configured");
		return;
	}
	g = gnutls_certificate_verify_peers2(ses, &status);
	if (g != GNUTLS_E_SUCCESS || status != 0) {
		snprintf(r->peer_error, sizeof(r->peer_error),
		         "client certificate not trusted%s%s%s",
		         status & GNUTLS_CERT_EXPIRED ? " (expired)" : "",
		         status & GNUTLS_CERT_SIGNER_NOT_FOUND ? " (unknown issuer)" : "",
		         status & GNUTLS_CERT_REVOKED ? " (revoked)" : "");
		return;
	}
	if (gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS)
		return;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS &&
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen) ==
	            GNUTLS_E_SUCCESS &&
	    cnlen > 0) {
		text_sanitize(cn, cnlen, r->peer_cn, sizeof(r->peer_cn));
		r->peer_verified = true;
	} else {
		snprintf(r->peer_error, sizeof(r->peer_error), "client certificate has no CN");
	}
	gnutls_x509_crt_deinit(crt);
}

static void
remote_addr(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outsz, "?");
	if ((ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          out, (socklen_t)outsz);
}

static void
release(struct http_server *s, struct reqctx *rc)
{
	atomic_fetch_sub(&s->held, rc->held);
	rc->held = 0;
	buf_free(&rc->body);
}

/* The request fields that come from the headers and the connection. */
static void
fill_req(struct http_server *s, struct MHD_Connection *c, const char *url, const char *method,
         struct http_req *req)
{
	req->method = method;
	req->path = url;
	req->conn = c;
	req->authorization =
	        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req->content_type =
	        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	remote_addr(c, req->remote, sizeof(req->remote));
	peer_info(s, c, req);
}

static enum MHD_Result
first_call(struct http_server *s, struct MHD_Connection *c, const char *url, const char *method,
           void **con_cls)
{
	struct reqctx *rc;
	const char *cl, *ce;

	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return MHD_NO;
	*con_cls = rc;
	rc->started = time(NULL);
	rc->responded = true; /* until the checks below pass */
	rc->limit = s->cfg.limit(s->cfg.arg, method, url);
	buf_init(&rc->body, rc->limit);
	ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	if (ce != NULL && strcasecmp(ce, "identity") != 0) {
		if (strcasecmp(ce, "gzip") != 0)
			return send_error(c, 415,
			                  "unsupported Content-Encoding (use gzip or none)");
		rc->gzip = true;
	}
	if (s->cfg.precheck != NULL) {
		struct http_req req;
		struct http_resp resp;

		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		fill_req(s, c, url, method, &req);
		req.body = (const uint8_t *)"";
		s->cfg.precheck(s->cfg.arg, &req, &resp);
		if (resp.status != 0) {
			rc->refuse = resp.status;
			enum MHD_Result ret = send_resp(c, &resp);
			buf_free(&resp.body);
			return ret;
		}
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || end == cl || *end != '\0')
			return send_error(c, 400, "bad Content-Length");
		if (n > rc->limit) {
			rc->refuse = 413;
			return send_error(c, 413,
			                  "request body of %llu bytes is larger than %zu bytes", n,
			                  rc->limit);
		}
	}
	rc->responded = false;
	return MHD_YES;
}

static enum MHD_Result
take_data(struct http_server *s, struct reqctx *rc, const char *data, size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (s->cfg.request_deadline && time(NULL) - rc->started > (time_t)s->cfg.request_deadline)
		return MHD_NO; /* too slow a client: cut it */
	if (rc->refuse != 0) {
		rc->discarded += n;
		return rc->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (rc->body.len + n > rc->limit) {
		rc->refuse = 413;
		release(s, rc);
		return MHD_YES;
	}
	if (atomic_fetch_add(&s->held, n) + n > s->cfg.memory_budget) {
		atomic_fetch_sub(&s->held, n);
		rc->refuse = 503;
		release(s, rc);
		return MHD_YES;
	}
	rc->held += n;
	if (buf_append(&rc->body, data, n) != 0) {
		rc->refuse = 503;
		release(s, rc);
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct reqctx *rc = *con_cls;
	struct http_req req;
	struct http_resp resp;
	struct buf inflated;
	enum MHD_Result ret;

	(void)version;
	if (rc == NULL)
		return first_call(s, c, url, method, con_cls);
	if (rc->responded) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0)
		return take_data(s, rc, upload_data, upload_data_size);
	if (rc->refuse == 413)
		return send_error(c, 413, "request body larger than %zu bytes", rc->limit);
	if (rc->refuse == 503)
		return send_error(c, 503, "server busy: too many request bodies in flight");

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	buf_init(&inflated, rc->limit);
	buf_init(&resp.body, SIZE_MAX / 2);
	fill_req(s, c, url, method, &req);
	req.body = rc->body.data ? rc->body.data : (const uint8_t *)"";
	req.body_len = rc->body.len;
	if (rc->gzip) {
		int r = http_gunzip(rc->body.data, rc->body.len, rc->limit, &inflated);
		if (r == MUSTER_ETOOBIG) {
			buf_free(&inflated);
			return send_error(c, 413, "inflated request body larger than %zu bytes",
			                  rc->limit);
		}
		if (r != 0) {
			buf_free(&inflated);
			return send_error(c, r == MUSTER_ENOMEM ? 503 : 400, "%s",
			                  r == MUSTER_ENOMEM ? "out of memory" : "bad gzip body");
		}
		/* Release the wire bytes now: only the inflated body is used from here. */
		release(s, rc);
		req.body = inflated.data ? inflated.data : (const uint8_t *)"";
		req.body_len = inflated.len;
		req.gzip = true;
	}
	s->cfg.handler(s->cfg.arg, &req, &resp);
	if (resp.status == 0)
		http_error(&resp, 500, "no response");
	ret = send_resp(c, &resp);
	buf_free(&resp.body);
	buf_free(&inflated);
	release(s, rc);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct reqctx *rc = *con_cls;

	(void)c;
	(void)toe;
	if (rc == NULL)
		return;
	release(s, rc);
	free(rc);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], safe[512];
	size_t len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	text_sanitize(msg, len, safe, sizeof(safe));
	log_debug("http-library", "msg=\"%s\"", safe);
}

/* Parse "ADDR:PORT" / "[ADDR]:PORT" into a socket address. */
static int
parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, struct ipaddr *ip,
             char *err, size_t errlen)
{
	char host[NET_IP_STRLEN + 2];
	const char *colon, *hs = spec;
	size_t hlen;
	char *end;
	long port;

	if (spec == NULL)
		return fmt_err(err, errlen, MUSTER_EINVAL, "no listen address");
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (rb == NULL || rb[1] != ':')
			return fmt_err(err, errlen, MUSTER_EINVAL, "bad listen address %s", spec);
		hs = spec + 1;
		hlen = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return fmt_err(err, errlen, MUSTER_EINVAL,
			               "listen address %s needs a port (ADDR:PORT)", spec);
		hlen = (size_t)(colon - spec);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return fmt_err(err, errlen, MUSTER_EINVAL, "bad listen address %s", spec);
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return fmt_err(err, errlen, MUSTER_EINVAL, "bad port in %s", spec);
	if (!net_ip_parse(host, ip))
		return fmt_err(err, errlen, MUSTER_EINVAL, "listen address %s is not an IP address",
		               host);
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, ip->a, 4);
		*sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, ip->a, 16);
		*sslen = sizeof(*sin6);
	}
	return 0;
}

int
http_start(const struct http_config *cfg, struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct ipaddr ip;
	struct MHD_OptionItem opts[16];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = parse_listen(cfg->listen, &ss, &sslen, &ip, err, errlen)) != 0)
		return r;
	if ((cfg->cert_pem == NULL) != (cfg->key_pem == NULL))
		return fmt_err(err, errlen, MUSTER_EINVAL,
		               "TLS needs both a certificate and a key");
	if (cfg->cert_pem == NULL && !net_ip_is_loopback(&ip) && !cfg->allow_plain_http)
		return fmt_err(err, errlen, MUSTER_EINVAL,
		               "plain HTTP is served only on a loopback address: give --tls-cert "
		               "and --tls-key, or --allow-plain-http");
	if (cfg->client_ca_pem != NULL && cfg->cert_pem == NULL)
		return fmt_err(err, errlen, MUSTER_EINVAL, "client certificates need TLS");
	if (cfg->cert_pem != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return fmt_err(err, errlen, MUSTER_EINVAL, "libmicrohttpd was built without TLS");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fmt_err(err, errlen, MUSTER_ENOMEM, "out of memory");
	s->cfg = *cfg;
	if (s->cfg.threads == 0)
		s->cfg.threads = 4;
	if (s->cfg.timeout == 0)
		s->cfg.timeout = 30;
	if (s->cfg.request_deadline == 0)
		s->cfg.request_deadline = 300;
	if (s->cfg.max_connections == 0)
		s->cfg.max_connections = 256;
	if (s->cfg.max_per_ip == 0)
		s->cfg.max_per_ip = 64;
	if (s->cfg.memory_budget == 0)
		s->cfg.memory_budget = (size_t)512 << 20;
	atomic_init(&s->held, 0);

	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout, NULL};
	opts[n++] =
	        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_per_ip,
	                                    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
	if (cfg->cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
		                                    (void *)(uintptr_t)cfg->cert_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
		                                    (void *)(uintptr_t)cfg->key_pem};
		opts[n++] = (struct MHD_OptionItem){
		        MHD_OPTION_HTTPS_PRIORITIES, 0,
		        (void *)(uintptr_t) "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
		if (cfg->client_ca_pem != NULL)
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
			                                    (void *)(uintptr_t)cfg->client_ca_pem};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	if (ip.family == AF_INET6)
		flags |= MHD_USE_IPv6;

	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
	                        MHD_OPTION_END);
	if (s->d == NULL) {
		free(s);
		return fmt_err(err, errlen, MUSTER_EIO,
		               "cannot serve on %s (address in use, bad certificate or key?)",
		               cfg->listen);
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	*out = s;
	return 0;
}

uint16_t
http_port(const struct http_server *s)
{
	return s->port;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
