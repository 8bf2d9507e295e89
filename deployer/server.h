/*
 * server.h - muster-deploy as a client of muster-server (docs/protocol.md):
 * fetch the unmanaged computers as targets (GET /api/v1/computers), record
 * each attempt (POST /api/v1/deployments).
 */
#ifndef MUSTER_DEPLOY_SERVER_H
#define MUSTER_DEPLOY_SERVER_H

#include <stdbool.h>

#include "deployer/engine.h"
#include "deployer/results.h"
#include "deployer/targets.h"

struct server_client;

/*
 * --from-server's URL: https://, or http:// only to a loopback address
 * (127.0.0.0/8, ::1) or localhost; no user or password in it. 0, or
 * MUSTER_EINVAL with err set.
 */
int server_url_check(const char *url, char *err, size_t errlen);

/*
 * url is the server's base ("https://muster.example:8443"); the bearer token
 * (admin or sensor) is the first line of token_file; ca_file (or NULL: the
 * system's CAs) verifies the server. NULL with err set.
 */
struct server_client *server_client_new(const char *url, const char *token_file,
                                        const char *ca_file, char *err, size_t errlen);
void server_client_free(struct server_client *sc);

/* Append the unmanaged computers (host records) to out. 0, MUSTER_ENET or MUSTER_EPARSE (err set). */
int server_fetch_unmanaged(struct server_client *sc, struct target_list *out,
                           struct targets_diag *d, char *err, size_t errlen);

/*
 * Record the attempts of every finished host not yet posted (res[i].posted
 * is set for those the server took). A host never started (attempts 0) is
 * not an attempt and is skipped; "cancelled", which the server does not
 * know, goes as "timeout" with its reason. run is this run's id. 0 or
 * MUSTER_ENET.
 */
int server_post_attempts(struct server_client *sc, const struct report_ctx *c,
                         struct deploy_host_result *res, const char *run, char *err, size_t errlen);

#endif
