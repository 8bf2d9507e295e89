/*
 * nodump.h - keep a process that holds secrets out of core files and out of
 * reach of other processes of its user.
 */
#ifndef MUSTER_NODUMP_H
#define MUSTER_NODUMP_H

/*
 * Set RLIMIT_CORE to 0 (soft and hard) and clear the dumpable flag
 * (prctl PR_SET_DUMPABLE): no core file is written, and processes of the
 * same user can neither ptrace this one nor read its memory or environment
 * through /proc. fork keeps both; execve keeps the core limit but resets
 * the dumpable flag, so a program that re-executes itself calls this again.
 * Call before the first secret is read.
 * 0, or MUSTER_EIO when either could not be set (errno kept).
 */
int muster_no_dumps(void);

#endif
