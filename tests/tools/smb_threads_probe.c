/*
 * smb_threads_probe.c - is libsmbclient usable with one context per thread?
 * THREADS threads each make ROUNDS sessions: a new SMBCCTX, \PIPE\svcctl
 * opened on HOST, a DCE/RPC bind written and its bind_ack read back, the
 * context freed. With "lock", one mutex is held around every libsmbclient
 * call. Prints "sessions=N ok=N bad=N"; without the lock it may instead die
 * (Debian 12's 4.17 does: its talloc stack and loadparm are process globals
 * and smbc_thread_posix() is not exported). One context stays alive for the
 * whole run so the library is never torn down in between.
 *
 *   smb_threads_probe HOST CREDFILE THREADS ROUNDS [lock]
 *
 * CREDFILE: the user on the first line, the password on the second.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsmbclient.h>

static char host[256], user[128], password[256];
static int rounds;
static int use_lock;
static int ok, bad;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void
auth(SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen, char *un, int unlen,
     char *pw, int pwlen)
{
	(void)c;
	(void)srv;
	(void)shr;
	snprintf(wg, (size_t)wglen, "%s", "");
	snprintf(un, (size_t)unlen, "%s", user);
	snprintf(pw, (size_t)pwlen, "%s", password);
}

static void
lock(void)
{
	if (use_lock)
		pthread_mutex_lock(&mu);
}

static void
unlock(void)
{
	if (use_lock)
		pthread_mutex_unlock(&mu);
}

/* A bind for svcctl v2.0 with NDR20 ([C706] 12.6.4.3), call id 1. */
static const unsigned char bind_pdu[72] = {
        5,    0,    11,   3,    0x10, 0,    0,    0,    72,   0,    0,    0,    1,    0,    0,
        0,    0xb8, 0x10, 0xb8, 0x10, 0,    0,    0,    0,    1,    0,    0,    0,    0,    0,
        1,    0,    0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35, 0xad, 0x32, 0x98, 0xf0, 0x38,
        0x00, 0x10, 0x03, 2,    0,    0,    0,    0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
        0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2,    0,    0,    0};

static void *
worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		unsigned char b[256];
		char url[300];
		SMBCCTX *c;
		SMBCFILE *f;
		int good = 0;

		lock();
		c = smbc_new_context();
		unlock();
		smbc_setFunctionAuthDataWithContext(c, auth);
		smbc_setPort(c, 445);
		smbc_setTimeout(c, 5000);
		lock();
		smbc_init_context(c);
		unlock();
		snprintf(url, sizeof(url), "smb://%s/IPC$/svcctl", host);
		lock();
		f = smbc_getFunctionOpen(c)(c, url, O_RDWR, 0);
		unlock();
		if (f != NULL) {
			ssize_t w, r;
			lock();
			w = smbc_getFunctionWrite(c)(c, f, bind_pdu, sizeof(bind_pdu));
			unlock();
			lock();
			r = smbc_getFunctionRead(c)(c, f, b, 16);
			unlock();
			if (w == (ssize_t)sizeof(bind_pdu) && r == 16 && b[2] == 12) {
				unsigned frag = b[8] | (unsigned)b[9] << 8;
				lock();
				r = smbc_getFunctionRead(c)(c, f, b + 16, frag - 16);
				unlock();
				good = r == (ssize_t)(frag - 16);
			}
			lock();
			smbc_getFunctionClose(c)(c, f);
			unlock();
		}
		lock();
		smbc_free_context(c, 1);
		unlock();
		__atomic_add_fetch(good ? &ok : &bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[64];
	SMBCCTX *anchor;
	FILE *cf;
	int n;

	if (argc < 5 || (n = (int)strtol(argv[3], NULL, 10)) < 1 || n > 64 ||
	    (rounds = (int)strtol(argv[4], NULL, 10)) < 1) {
		fprintf(stderr, "usage: smb_threads_probe HOST CREDFILE THREADS ROUNDS [lock]\n");
		return 2;
	}
	use_lock = argc > 5 && strcmp(argv[5], "lock") == 0;
	snprintf(host, sizeof(host), "%s", argv[1]);
	if ((cf = fopen(argv[2], "r")) == NULL || fgets(user, sizeof(user), cf) == NULL ||
	    fgets(password, sizeof(password), cf) == NULL)
		return 2;
	fclose(cf);
	user[strcspn(user, "\r\n")] = '\0';
	password[strcspn(password, "\r\n")] = '\0';
	anchor = smbc_new_context();
	smbc_setFunctionAuthDataWithContext(anchor, auth);
	smbc_init_context(anchor);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("sessions=%d ok=%d bad=%d\n", n * rounds, ok, bad);
	fflush(stdout);
	_exit(0);
}
