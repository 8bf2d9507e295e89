/* installer-builder/inspect.h: read back what a generated installer embeds
 * and check its integrity (muster-installer inspect). */
#ifndef MUSTER_INSTALLER_INSPECT_H
#define MUSTER_INSTALLER_INSPECT_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Inspect an installer held in memory: no I/O, so it is fuzzable. On 0,
 * *out is a JSON object (caller puts it):
 *   {"kind": "allinone"|"live-sh"|"live-ps1"|"live-cmd", "integrity": "ok"|"bad",
 *    "signed": bool, "checks": [{"check", "ok", "detail"}], "config": {... masked}}
 * expected_pub_pem (may be NULL) must then be the signing key.
 * MUSTER_EPARSE when the bytes are not a muster installer at all. */
int inspect_buffer(const uint8_t *data, size_t len, const char *expected_pub_pem,
                   struct json_object **out);

#endif
