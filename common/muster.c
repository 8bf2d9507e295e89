/* muster.c - messages for the MUSTER_E* codes. */
#include <stdarg.h>
#include <stdio.h>

#include "common/muster.h"

const char *
muster_strerror(int err)
{
	switch (err) {
	case MUSTER_OK:
		return "success";
	case MUSTER_ENOMEM:
		return "out of memory";
	case MUSTER_EINVAL:
		return "invalid argument";
	case MUSTER_EIO:
		return "input/output error";
	case MUSTER_ETOOBIG:
		return "size limit exceeded";
	case MUSTER_ENOENT:
		return "not found";
	case MUSTER_EPARSE:
		return "malformed input";
	case MUSTER_EDB:
		return "database error";
	case MUSTER_EEXIST:
		return "already exists";
	case MUSTER_ETIMEOUT:
		return "timed out";
	case MUSTER_EPERM:
		return "not permitted";
	case MUSTER_ENET:
		return "network error";
	}
	return "unknown error";
}

int
muster_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}
