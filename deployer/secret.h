/*
 * secret.h - passwords, passphrases and tokens of muster-deploy: read from
 * a file's first line or an environment variable (which is then removed),
 * kept in locked memory, wiped when freed, never logged. Shared by the SSH
 * and SMB methods and the server client.
 */
#ifndef MUSTER_DEPLOY_SECRET_H
#define MUSTER_DEPLOY_SECRET_H

#include <stddef.h>

/* A secret held in locked memory, wiped when freed. Never logged. */
struct secret {
	char *p; /* NUL-terminated, NULL when unset */
	size_t len;
};

/* The first line of a file (at most 4 KiB, without its end of line). 0 or MUSTER_EIO with err. */
int secret_from_file(const char *path, struct secret *s, char *err, size_t errlen);
/* The value of environment variable name, which is then removed from the environment. */
int secret_from_env(const char *name, struct secret *s);
/* Copy len bytes of v into s (replacing what it held). 0, MUSTER_ETOOBIG or MUSTER_ENOMEM. */
int secret_set(struct secret *s, const char *v, size_t len);
void secret_free(struct secret *s);

#endif
