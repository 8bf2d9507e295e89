/* installer-builder/tokenfetch.h: make an enrollment token on muster-server
 * with the admin API (docs/protocol.md "Enrollment tokens"). */
#ifndef MUSTER_INSTALLER_TOKENFETCH_H
#define MUSTER_INSTALLER_TOKENFETCH_H

#include <stddef.h>
#include <time.h>

/* Ensure `group` exists (POST /api/v1/groups) and create a token for it
 * (POST /api/v1/tokens) with `uses` uses (0: 100) that expires with the
 * installer (expires 0: after 365 days). base_url is https://HOST:PORT; the
 * server is verified against ca_pem; the admin token is read from
 * admin_token_file and sent only in the Authorization header. On success
 * *token is malloc'd (caller wipes and frees). 0 or MUSTER_E* with err set;
 * the secret never appears in err. */
int token_fetch(const char *base_url, const char *admin_token_file, const char *ca_pem,
                const char *group, int uses, time_t expires, char **token, char *err,
                size_t errlen);

#endif
