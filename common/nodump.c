/*
 * nodump.c - no core files, not dumpable (see nodump.h).
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include "common/muster.h"
#include "common/nodump.h"

int
muster_no_dumps(void)
{
	struct rlimit none = {0, 0};
	int r = 0;

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		r = MUSTER_EIO;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		r = MUSTER_EIO;
	return r;
}
