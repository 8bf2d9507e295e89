/*
 * secret.c - secrets of muster-deploy in locked memory (see secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/muster.h"
#include "deployer/secret.h"

#define SECRET_MAX 4096

int
secret_set(struct secret *s, const char *v, size_t len)
{
	secret_free(s);
	if (len > SECRET_MAX)
		return MUSTER_ETOOBIG;
	if ((s->p = malloc(len + 1)) == NULL)
		return MUSTER_ENOMEM;
	mlock(s->p, len + 1); /* best effort: keep it out of swap */
	memcpy(s->p, v, len);
	s->p[len] = '\0';
	s->len = len;
	return 0;
}

int
secret_from_file(const char *path, struct secret *s, char *err, size_t errlen)
{
	char buf[SECRET_MAX + 2];
	ssize_t n;
	size_t len;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return MUSTER_EIO;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return MUSTER_EIO;
	}
	len = strcspn(buf, "\r\n") < (size_t)n ? strcspn(buf, "\r\n") : (size_t)n;
	if (memchr(buf, '\0', len) != NULL) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(err, errlen, "%s holds a NUL byte", path);
		return MUSTER_EINVAL;
	}
	r = secret_set(s, buf, len);
	explicit_bzero(buf, sizeof(buf));
	if (r != 0)
		snprintf(err, errlen, "cannot keep the secret from %s", path);
	return r;
}

int
secret_from_env(const char *name, struct secret *s)
{
	char *v = getenv(name);
	int r;

	if (v == NULL)
		return MUSTER_ENOENT;
	r = secret_set(s, v, strlen(v));
	explicit_bzero(v, strlen(v));
	unsetenv(name);
	return r;
}

void
secret_free(struct secret *s)
{
	if (s == NULL || s->p == NULL)
		return;
	explicit_bzero(s->p, s->len);
	munlock(s->p, s->len + 1);
	free(s->p);
	s->p = NULL;
	s->len = 0;
}
