/*
 * smb_pipe_probe.c - how libsmbclient reads a message-mode named pipe,
 * measured against a real server (tests/lab/test_deploy_smb.sh). It opens
 * \PIPE\svcctl as smbc_open("smb://HOST/IPC$/svcctl"), writes a DCE/RPC
 * bind for svcctl ([C706] 12.6.4.3, one context, NDR20) and reads the
 * bind_ack back in one of two ways:
 *
 *   split  16 bytes (the common header), then exactly frag_len - 16;
 *   over   one read of 4096 bytes, more than the reply holds.
 *
 * Prints key=value lines. The credentials come from a file (user on the
 * first line, password on the second), never from the command line.
 *
 *   smb_pipe_probe split|over HOST CREDFILE TIMEOUT_MS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libsmbclient.h>

static char user[128], password[256];

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

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A bind PDU: version 5.0, ptype 11, first+last fragment, little-endian, call 1, 4280-byte fragments. */
static size_t
bind_pdu(unsigned char *b)
{
	static const unsigned char svcctl[16] = {0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35,
	                                         0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03};
	static const unsigned char ndr20[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	                                        0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
	static const unsigned char hdr[28] = {5, 0, 11, 3, 0x10, 0, 0,    0,    72,   0,
	                                      0, 0, 1,  0, 0,    0, 0xb8, 0x10, 0xb8, 0x10,
	                                      0, 0, 0,  0, 1,    0, 0,    0};
	size_t n = 0;

	memcpy(b, hdr, sizeof(hdr));
	n = sizeof(hdr);
	b[n++] = 0; /* context id 0, one transfer syntax */
	b[n++] = 0;
	b[n++] = 1;
	b[n++] = 0;
	memcpy(b + n, svcctl, 16);
	n += 16;
	b[n++] = 2; /* version 2.0 */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	memcpy(b + n, ndr20, 16);
	n += 16;
	b[n++] = 2;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	return n;
}

int
main(int argc, char **argv)
{
	unsigned char b[8192];
	char url[300];
	SMBCCTX *c;
	SMBCFILE *f;
	FILE *cf;
	long long t0;
	ssize_t r;

	if (argc != 5 || (strcmp(argv[1], "split") != 0 && strcmp(argv[1], "over") != 0)) {
		fprintf(stderr, "usage: smb_pipe_probe split|over HOST CREDFILE TIMEOUT_MS\n");
		return 2;
	}
	if ((cf = fopen(argv[3], "r")) == NULL || fgets(user, sizeof(user), cf) == NULL ||
	    fgets(password, sizeof(password), cf) == NULL) {
		fprintf(stderr, "cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(cf);
	user[strcspn(user, "\r\n")] = '\0';
	password[strcspn(password, "\r\n")] = '\0';
	if ((c = smbc_new_context()) == NULL)
		return 1;
	smbc_setFunctionAuthDataWithContext(c, auth);
	smbc_setPort(c, 445);
	smbc_setTimeout(c, (int)strtol(argv[4], NULL, 10));
	smbc_setOptionNoAutoAnonymousLogin(c, 1);
	if (smbc_init_context(c) == NULL)
		return 1;
	snprintf(url, sizeof(url), "smb://%s/IPC$/svcctl", argv[2]);
	if ((f = smbc_getFunctionOpen(c)(c, url, O_RDWR, 0)) == NULL) {
		printf("open=failed errno=%d\n", errno);
		return 1;
	}
	printf("open=ok\n");
	r = smbc_getFunctionWrite(c)(c, f, b, bind_pdu(b));
	printf("write=%zd\n", r);
	t0 = now_ms();
	if (strcmp(argv[1], "split") == 0) {
		unsigned frag;
		r = smbc_getFunctionRead(c)(c, f, b, 16);
		printf("header_read=%zd\n", r);
		if (r != 16)
			return 1;
		frag = b[8] | (unsigned)b[9] << 8;
		printf("ptype=%u frag_len=%u\n", b[2], frag);
		r = smbc_getFunctionRead(c)(c, f, b + 16, frag - 16);
		printf("rest_read=%zd wanted=%u\n", r, frag - 16);
		if (r == (ssize_t)(frag - 16))
			printf("max_xmit=%u\n", b[16] | (unsigned)b[17] << 8);
	} else {
		errno = 0;
		r = smbc_getFunctionRead(c)(c, f, b, 4096);
		printf("over_read=%zd errno=%d ms=%lld\n", r, r < 0 ? errno : 0, now_ms() - t0);
	}
	fflush(stdout);
	/* A read left pending makes the polite shutdown wait again: leave without it. */
	_exit(0);
}
