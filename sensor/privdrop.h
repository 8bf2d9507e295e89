/* privdrop.h - run the sensor as its own user with only the capabilities it needs. */
#ifndef MUSTER_SENSOR_PRIVDROP_H
#define MUSTER_SENSOR_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Drop to `user` (its uid, gid, no supplementary groups), keeping only
 * CAP_NET_RAW, plus CAP_NET_ADMIN when `net_admin` (promiscuous mode);
 * the bounding set is emptied, so nothing can be regained through exec.
 * Call after the capture and raw-send handles are open. When the process
 * is not root and already holds no more than those capabilities, this is a
 * no-op that succeeds. Returns 0, or MUSTER_EPERM with the reason in err
 * (the caller must then refuse to continue).
 */
int privdrop(const char *user, bool net_admin, char *err, size_t errlen);

/*
 * Check what the process holds now: true when it runs as a non-root uid and
 * its effective/permitted capabilities are CAP_NET_RAW (and CAP_NET_ADMIN
 * when net_admin) and nothing else.
 */
bool privdrop_verify(bool net_admin);

#endif
