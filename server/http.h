/*
 * http.h - the HTTP(S) front of muster-server on libmicrohttpd: TLS with
 * optional client certificates (GnuTLS), plain HTTP only on loopback unless
 * allowed, body caps, gzip request bodies inflated under a cap, connection
 * timeouts, and JSON error bodies. Routes live in api.c.
 */
#ifndef MUSTER_SERVER_HTTP_H
#define MUSTER_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct MHD_Connection;
struct json_object;

/* A complete request as the handler sees it; valid during the handler call. */
struct http_req {
	const char *method;
	const char *path;          /* without the query string */
	const char *authorization; /* the Authorization header, or NULL: a secret, never log it */
	const char *content_type;  /* or NULL */
	const uint8_t *body;       /* inflated when it came gzip-encoded; NUL-terminated */
	size_t body_len;
	bool gzip;       /* the body came with Content-Encoding: gzip */
	char remote[64]; /* peer address, for the audit log */
	bool tls;
	bool peer_cert;      /* the client presented a certificate */
	bool peer_verified;  /* ... and it verified against the client CA */
	char peer_cn[128];   /* its subject CN (sanitized), when verified */
	char peer_error[96]; /* why it did not verify */
	struct MHD_Connection *conn;
};

/* What the handler answers; http.c sends it and frees body. */
struct http_resp {
	int status;
	const char *content_type; /* static string; default application/json */
	struct buf body;
	const char *allow;     /* Allow header for 405, static */
	bool www_authenticate; /* add WWW-Authenticate: Bearer (401) */
};

/* A query argument, or NULL. */
const char *http_req_arg(const struct http_req *r, const char *key);
/*
 * True when every query argument is one of allowed (NULL-terminated);
 * otherwise false with the first unknown name (sanitized) in bad.
 */
bool http_req_args_only(const struct http_req *r, const char *const *allowed, char *bad,
                        size_t badsz);

/* Set resp to status with a body {"error": "..."}. */
void http_error(struct http_resp *resp, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Set resp to status with o as its JSON body; takes a reference of o (puts it). */
void http_json(struct http_resp *resp, int status, struct json_object *o);

typedef void (*http_handler)(void *arg, const struct http_req *req, struct http_resp *resp);
/* The largest body (after inflation) a request to method/path may carry; 0: none allowed. */
typedef size_t (*http_limit)(void *arg, const char *method, const char *path);

struct http_config {
	const char *listen;   /* "ADDR:PORT" or "[V6ADDR]:PORT"; port 0 picks one */
	const char *cert_pem; /* server certificate chain (PEM text), NULL for plain HTTP */
	const char *key_pem;
	const char *client_ca_pem; /* request and verify client certificates against these CAs */
	bool allow_plain_http;     /* plain HTTP on a non-loopback address */
	unsigned threads;          /* worker threads (0: 4) */
	unsigned timeout;          /* idle seconds before a connection is closed (0: 30) */
	unsigned request_deadline; /* seconds a whole request upload may take (0: 300) */
	unsigned max_connections;  /* (0: 256) */
	unsigned max_per_ip;       /* (0: 64) */
	size_t memory_budget;      /* request bodies held at once, all connections (0: 512 MiB) */
	http_handler handler;
	http_limit limit;
	/*
	 * Called with the headers only (body NULL), before the body is read:
	 * setting resp->status answers at once, so a request without the right
	 * credential never gets to upload its body. May be NULL.
	 */
	http_handler precheck;
	void *arg;
};

struct http_server;

/* Start serving in background threads. 0, or MUSTER_EINVAL / MUSTER_EIO with err set. */
int http_start(const struct http_config *cfg, struct http_server **out, char *err, size_t errlen);
/* The port actually bound. */
uint16_t http_port(const struct http_server *s);
/* Stop accepting, finish and close; accepts NULL. */
void http_stop(struct http_server *s);

/* Inflate a gzip member (RFC 1952) into out, refusing more than max bytes: 0, MUSTER_ETOOBIG, MUSTER_EPARSE. */
int http_gunzip(const uint8_t *in, size_t len, size_t max, struct buf *out);

#endif
