/*
 * rpcpeer.h - a scripted DCE/RPC server for the deployer's RPC tests: a
 * thread on one end of a socketpair that runs a script (read a PDU, answer
 * with chosen bytes, stay silent, close, ...), and an rpc_io over the other
 * end with poll() deadlines. The thread never calls cmocka: it records what
 * it saw, and the test checks that after peer_join().
 */
#ifndef MUSTER_TEST_RPCPEER_H
#define MUSTER_TEST_RPCPEER_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/muster.h"
#include "deployer/dcerpc.h"
#include "deployer/engine.h"

#define PEER_MAX_REQ 64

struct rpc_peer {
	int fd[2]; /* [0] the client's (ours), [1] the peer's */
	pthread_t th;
	void (*script)(struct rpc_peer *);
	const void *arg; /* for the script */
	/* what the peer saw */
	unsigned nreq;                /* request fragments read */
	uint16_t opnum[PEER_MAX_REQ]; /* of each fragment */
	uint8_t flags[PEER_MAX_REQ];
	uint32_t alloc_hint[PEER_MAX_REQ], call_id[PEER_MAX_REQ];
	uint8_t stub[65536]; /* the reassembled stub of the last request */
	size_t stublen;
	int bound;      /* a bind was read and answered */
	int eof;        /* the client closed its end */
	char oops[160]; /* the first thing that went wrong inside the peer */
};

/* ---- the client side: an rpc_io over a socket ---- */

static inline int
peer_wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};

	for (;;) {
		int64_t left = deadline - deploy_now_ms();
		int r;

		if (left <= 0)
			return MUSTER_ETIMEOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return MUSTER_EIO;
	}
}

static inline int
peer_io_write(void *ctx, const uint8_t *p, size_t n, int64_t deadline)
{
	int fd = *(int *)ctx;

	while (n > 0) {
		ssize_t w;
		int r;

		if ((r = peer_wait_fd(fd, POLLOUT, deadline)) != 0)
			return r;
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return MUSTER_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static inline int
peer_io_read(void *ctx, uint8_t *p, size_t n, int64_t deadline)
{
	int fd = *(int *)ctx;

	for (;;) {
		ssize_t got;
		int r;

		if ((r = peer_wait_fd(fd, POLLIN, deadline)) != 0)
			return r;
		if ((got = recv(fd, p, n, 0)) >= 0)
			return (int)got;
		if (errno != EINTR && errno != EAGAIN)
			return MUSTER_EIO;
	}
}

static inline struct rpc_io
peer_io(struct rpc_peer *p)
{
	struct rpc_io io = {.ctx = &p->fd[0], .write = peer_io_write, .read = peer_io_read};

	return io;
}

/* ---- the peer side ---- */

static inline void
peer_oops(struct rpc_peer *p, const char *what)
{
	if (p->oops[0] == 0)
		snprintf(p->oops, sizeof(p->oops), "%s", what);
}

static inline int
peer_read_exact(struct rpc_peer *p, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(p->fd[1], b + got, n - got, 0);

		if (r == 0)
			return 1;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static inline void
peer_send(struct rpc_peer *p, const void *b, size_t n)
{
	if (send(p->fd[1], b, n, MSG_NOSIGNAL) != (ssize_t)n)
		peer_oops(p, "send failed");
}

/* Read one whole PDU into b (65536 bytes); its length, or 0 at EOF / on error. */
static inline size_t
peer_read_pdu(struct rpc_peer *p, uint8_t *b)
{
	uint16_t flen;

	if (peer_read_exact(p, b, 16) != 0) {
		p->eof = 1;
		return 0;
	}
	flen = (uint16_t)(b[8] | b[9] << 8);
	if (flen < 16 || peer_read_exact(p, b + 16, flen - 16u) != 0) {
		peer_oops(p, "short PDU from the client");
		return 0;
	}
	return flen;
}

static inline uint32_t
peer_u32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void
peer_put_u32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

/*
 * Read the fragments of one request, recording each, and reassemble its stub.
 * Returns the call_id, or 0 at EOF / on a malformed request.
 */
static inline uint32_t
peer_read_request(struct rpc_peer *p)
{
	static __thread uint8_t b[65536];
	size_t n;

	p->stublen = 0;
	for (;;) {
		if ((n = peer_read_pdu(p, b)) == 0)
			return 0;
		if (b[2] != RPC_PTYPE_REQUEST || n < 24) {
			peer_oops(p, "not a request PDU");
			return 0;
		}
		if (p->nreq < PEER_MAX_REQ) {
			p->opnum[p->nreq] = (uint16_t)(b[22] | b[23] << 8);
			p->flags[p->nreq] = b[3];
			p->alloc_hint[p->nreq] = peer_u32(b + 16);
			p->call_id[p->nreq] = peer_u32(b + 12);
		}
		p->nreq++;
		if (p->stublen + (n - 24) > sizeof(p->stub)) {
			peer_oops(p, "request too large");
			return 0;
		}
		memcpy(p->stub + p->stublen, b + 24, n - 24);
		p->stublen += n - 24;
		if (b[3] & RPC_PFC_LAST_FRAG)
			return peer_u32(b + 12);
	}
}

/* Send raw PDUs (one or more, e.g. a captured reply) with every fragment's call_id set. */
static inline void
peer_send_pdus(struct rpc_peer *p, const uint8_t *pdus, size_t n, uint32_t call_id)
{
	uint8_t *copy = malloc(n ? n : 1);
	size_t off = 0;

	if (copy == NULL) {
		peer_oops(p, "out of memory");
		return;
	}
	memcpy(copy, pdus, n);
	while (off + 16 <= n) {
		uint16_t flen = (uint16_t)(copy[off + 8] | copy[off + 9] << 8);

		peer_put_u32(copy + off + 12, call_id);
		if (flen < 16)
			break;
		off += flen;
	}
	peer_send(p, copy, n);
	free(copy);
}

/* Send a one-fragment response PDU carrying stub[0..n) with these flags. */
static inline void
peer_send_response(struct rpc_peer *p, uint32_t call_id, const void *stub, size_t n, uint8_t flags)
{
	uint8_t *b = calloc(1, 24 + n);

	if (b == NULL) {
		peer_oops(p, "out of memory");
		return;
	}
	b[0] = 5;
	b[2] = RPC_PTYPE_RESPONSE;
	b[3] = flags;
	b[4] = 0x10;
	b[8] = (uint8_t)(24 + n);
	b[9] = (uint8_t)((24 + n) >> 8);
	peer_put_u32(b + 12, call_id);
	peer_put_u32(b + 16, (uint32_t)n);
	if (n)
		memcpy(b + 24, stub, n);
	peer_send(p, b, 24 + n);
	free(b);
}

/* Send a fault PDU with this status, 32 bytes as Samba sends it. */
static inline void
peer_send_fault(struct rpc_peer *p, uint32_t call_id, uint32_t status)
{
	uint8_t b[32] = {
	        5,  0, RPC_PTYPE_FAULT, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0x10, 0, 0, 0,
	        32, 0};

	peer_put_u32(b + 12, call_id);
	peer_put_u32(b + 16, 24);
	peer_put_u32(b + 24, status);
	peer_send(p, b, sizeof(b));
}

static inline uint8_t *
peer_load(const char *name, size_t *n)
{
	char path[1024];
	FILE *f;
	uint8_t *b;
	long sz;

	snprintf(path, sizeof(path), "%s/tests/data/dcerpc/%s", MUSTER_SOURCE_DIR, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (b = malloc((size_t)sz + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* Read the client's bind and accept it with Samba's real bind_ack. 0 or -1. */
static inline int
peer_accept_bind(struct rpc_peer *p)
{
	static __thread uint8_t b[65536];
	uint8_t *ack;
	size_t n, acklen;

	if ((n = peer_read_pdu(p, b)) == 0 || b[2] != RPC_PTYPE_BIND) {
		peer_oops(p, "no bind from the client");
		return -1;
	}
	if ((ack = peer_load("samba-bind-ack.bin", &acklen)) == NULL) {
		peer_oops(p, "cannot load samba-bind-ack.bin");
		return -1;
	}
	peer_send_pdus(p, ack, acklen, peer_u32(b + 12));
	free(ack);
	p->bound = 1;
	return 0;
}

static inline void *
peer_main(void *arg)
{
	struct rpc_peer *p = arg;

	p->script(p);
	close(p->fd[1]);
	return NULL;
}

/* Start the peer running script; 0 or -1. */
static inline int
peer_start(struct rpc_peer *p, void (*script)(struct rpc_peer *), const void *arg)
{
	memset(p, 0, sizeof(*p));
	p->script = script;
	p->arg = arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd) != 0)
		return -1;
	if (pthread_create(&p->th, NULL, peer_main, p) != 0) {
		close(p->fd[0]);
		close(p->fd[1]);
		return -1;
	}
	return 0;
}

/* Close the client's end (which ends a script waiting for a request) and wait for the peer. */
static inline void
peer_join(struct rpc_peer *p)
{
	shutdown(p->fd[0], SHUT_RDWR);
	pthread_join(p->th, NULL);
	close(p->fd[0]);
}

#endif
