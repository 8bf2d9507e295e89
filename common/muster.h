/* muster.h - error codes and small helpers shared by every Muster program. */
#ifndef MUSTER_H
#define MUSTER_H

#include <stddef.h>

/*
 * Functions that act return 0 or one of these negative codes; predicates
 * return bool and constructors a pointer or NULL (STYLE.md, "Errors").
 */
enum muster_err {
	MUSTER_OK = 0,
	MUSTER_ENOMEM = -1,   /* allocation failed */
	MUSTER_EINVAL = -2,   /* bad argument or value */
	MUSTER_EIO = -3,      /* read/write/OS call failed, errno kept */
	MUSTER_ETOOBIG = -4,  /* a hard cap would be exceeded */
	MUSTER_ENOENT = -5,   /* not found */
	MUSTER_EPARSE = -6,   /* malformed input */
	MUSTER_EDB = -7,      /* SQLite error */
	MUSTER_EEXIST = -8,   /* already exists */
	MUSTER_ETIMEOUT = -9, /* deadline passed */
	MUSTER_EPERM = -10,   /* not allowed */
	MUSTER_ENET = -11,    /* network peer failed */
};

/* A static English message for a MUSTER_E* code; never NULL. */
const char *muster_strerror(int err);

/*
 * Write a message into err (errlen bytes; err may be NULL) and return code:
 * the one-line error exit of functions that report why they failed.
 */
int muster_fail(char *err, size_t errlen, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Exit codes of every CLI (DESIGN.md, "Conventions"). */
enum muster_exit {
	MUSTER_EXIT_OK = 0,
	MUSTER_EXIT_PARTIAL = 1,
	MUSTER_EXIT_USAGE = 2,
	MUSTER_EXIT_RUNTIME = 3,
};

#define MUSTER_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#ifndef MUSTER_VERSION
#define MUSTER_VERSION "0.0.0"
#endif

#endif
