/*
 * privdrop.c - least privilege with libcap-ng: the sensor needs raw sockets
 * (CAP_NET_RAW) and, for promiscuous mode only, CAP_NET_ADMIN; it keeps
 * them across the uid change and drops everything else, bounding set too.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/muster.h"
#include "sensor/privdrop.h"

bool
privdrop_verify(bool net_admin)
{
	capng_get_caps_process();
	if (getuid() == 0 || geteuid() == 0)
		return false;
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		bool want = cap == CAP_NET_RAW || (net_admin && cap == CAP_NET_ADMIN);
		bool eff = capng_have_capability(CAPNG_EFFECTIVE, (unsigned)cap);
		bool perm = capng_have_capability(CAPNG_PERMITTED, (unsigned)cap);
		if ((eff || perm) && !want)
			return false;
	}
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) &&
	       (!net_admin || capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN));
}

int
privdrop(const char *user, bool net_admin, char *err, size_t errlen)
{
	struct passwd *pw;
	int rc;

	if (getuid() != 0 && geteuid() != 0) {
		/* Started unprivileged (e.g. systemd with AmbientCapabilities): verify only. */
		capng_get_caps_process();
		capng_clear(CAPNG_SELECT_BOTH);
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_RAW);
		if (net_admin)
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
		if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
			snprintf(err, errlen, "cannot reduce capabilities to CAP_NET_RAW%s",
			         net_admin ? "+CAP_NET_ADMIN" : "");
			return MUSTER_EPERM;
		}
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist (create it: useradd --system %s)",
		         user, user);
		return MUSTER_EPERM;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root: refusing to run as root", user);
		return MUSTER_EPERM;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_RAW);
	if (net_admin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
	rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
	                     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc != 0) {
		snprintf(err, errlen, "dropping to user '%s' failed (capng_change_id %d)", user,
		         rc);
		return MUSTER_EPERM;
	}
	/* Never regain privileges through exec of a setuid file. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (!privdrop_verify(net_admin)) {
		snprintf(err, errlen,
		         "after dropping to '%s' the process still holds more than "
		         "it should",
		         user);
		return MUSTER_EPERM;
	}
	return 0;
}
