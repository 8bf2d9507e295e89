/*
 * api.h - the routes of protocol v1 (docs/protocol.md): authentication,
 * request bodies to database calls, responses, metrics, and the computer
 * list formats shared with the CLI.
 */
#ifndef MUSTER_SERVER_API_H
#define MUSTER_SERVER_API_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "server/http.h"
#include "server/tokens.h"

struct db;
struct hostrec;

#define API_REPORT_BODY_MAX ((size_t)16 << 20) /* default cap of a report, after inflation */
#define API_IMPORT_BODY_MAX ((size_t)16 << 20)
#define API_SMALL_BODY_MAX  ((size_t)64 << 10) /* enroll, groups, tokens */
#define API_DEPLOY_BODY_MAX ((size_t)1 << 20)  /* deployments: up to 1000 attempts */

struct api_config {
	char admin_token_hash[TOKEN_HASHLEN]; /* "" disables the admin calls */
	size_t max_report_body;               /* 0: API_REPORT_BODY_MAX */
};

struct api;

/* Routes over db, which the api uses under its own lock and does not own. NULL on ENOMEM. */
struct api *api_new(struct db *db, const struct api_config *cfg);
void api_free(struct api *a);

/* The http_handler and http_limit of http.h; arg is the struct api. */
void api_handle(void *arg, const struct http_req *req, struct http_resp *resp);
size_t api_body_limit(void *arg, const char *method, const char *path);
/* The http precheck: refuses a request whose credential is wrong before its body is read. */
void api_precheck(void *arg, const struct http_req *req, struct http_resp *resp);

/* Computer list formats: JSON lines (host records), CSV, and a table for people. */
enum api_format { API_FMT_JSONL, API_FMT_CSV, API_FMT_TABLE };
/* Append the header line of a format (nothing for JSONL). */
int api_format_header(enum api_format f, struct buf *out);
/* Append one computer as one line. */
int api_format_computer(enum api_format f, const struct hostrec *h, struct buf *out);

#endif
