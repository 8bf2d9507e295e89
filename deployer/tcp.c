/*
 * tcp.c - the TCP connection every deployment method starts with: each
 * address of the host in turn, non-blocking connect() bounded by the
 * connect timeout and the job's deadline, and a reason that tells a closed
 * port from a silent or unroutable host.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/muster.h"
#include "deployer/engine.h"

#define POLL_SLICE_MS 200 /* how often a stop request is noticed */

int
deploy_tcp_connect(const struct deploy_job *j, int64_t connect_timeout_ms, const char *service,
                   char *addr, size_t addrlen, struct deploy_outcome *o)
{
	struct addrinfo hints = {0}, *ai = NULL;
	char port[8], tried[64] = "";
	int64_t until = deploy_now_ms() + connect_timeout_ms;
	int r, fd = -1, err = 0, one = 1;

	if (until > j->deadline)
		until = j->deadline;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", j->port);
	if ((r = getaddrinfo(j->target->host, port, &hints, &ai)) != 0) {
		deploy_fail(o, DEPLOY_UNREACHABLE, r == EAI_AGAIN, "cannot resolve %s: %s",
		            j->target->host, gai_strerror(r));
		return MUSTER_ENET;
	}
	for (struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
		struct pollfd pfd;
		socklen_t sl = sizeof(err);
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		getnameinfo(a->ai_addr, a->ai_addrlen, tried, sizeof(tried), NULL, 0,
		            NI_NUMERICHOST);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			err = errno;
			goto next;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		for (;;) {
			int64_t left = until - deploy_now_ms();
			if (left <= 0 || deploy_timed_out(j)) {
				err = ETIMEDOUT;
				goto next;
			}
			r = poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
			if (r > 0)
				break;
			if (r < 0 && errno != EINTR) {
				err = errno;
				goto next;
			}
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0)
			break;
	next:
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (addr != NULL)
		snprintf(addr, addrlen, "%s", tried);
	if (fd < 0) {
		if (err == ETIMEDOUT && deploy_timed_out(j))
			deploy_fail_timeout(j, o, "connecting");
		else if (err == ETIMEDOUT)
			deploy_fail(o, DEPLOY_UNREACHABLE, false,
			            "no answer from %s port %u within %lld s", j->target->host,
			            j->port, (long long)(connect_timeout_ms / 1000));
		else if (err == ECONNREFUSED)
			deploy_fail(o, DEPLOY_UNREACHABLE, false,
			            "connection refused on port %u (no %s server running?)",
			            j->port, service);
		else
			deploy_fail(o, DEPLOY_UNREACHABLE, err == ECONNRESET,
			            "cannot connect to port %u: %s", j->port, strerror(err));
		return MUSTER_ENET;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}
