/* ndp.c - IPv6 neighbour discovery probes: all-nodes echo (RFC 4443 4.1), neighbour solicitation (RFC 4861 4.3, 7.2.2). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/muster.h"
#include "sensor/probe/ndp.h"

struct ndp_prober {
	int fd;
	int ifindex;
	uint8_t mac[6];
	size_t naddrs;
	uint8_t addrs[NET_IFACE_MAX_ADDRS][16];
	uint16_t ident, seq;
};

struct ndp_prober *
ndp_prober_new(const struct net_iface *ifc, char *err, size_t errlen)
{
	struct ndp_prober *p;
	struct icmp6_filter filt;
	int zero = 0, hops = 255;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = -1;
	p->ifindex = ifc->ifindex;
	if (!ifc->has_mac) {
		snprintf(err, errlen, "%s: no MAC address", ifc->name);
		goto fail;
	}
	memcpy(p->mac, ifc->mac.b, 6);
	for (size_t i = 0; i < ifc->naddrs; i++)
		if (ifc->addrs[i].addr.family == AF_INET6)
			memcpy(p->addrs[p->naddrs++], ifc->addrs[i].addr.a, 16);
	if (p->naddrs == 0) {
		snprintf(err, errlen, "%s: no IPv6 address", ifc->name);
		goto fail;
	}
	p->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (p->fd < 0) {
		snprintf(err, errlen, "ICMPv6 socket: %s", strerror(errno));
		goto fail;
	}
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
	/* RFC 4861 7.1.1: NDP messages carry hop limit 255 and are dropped otherwise. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, ifc->name, strlen(ifc->name)) < 0 ||
	    setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
	    setsockopt(p->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &p->ifindex, sizeof(p->ifindex)) <
	            0 ||
	    setsockopt(p->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(p->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(p->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0) {
		snprintf(err, errlen, "ICMPv6 socket options: %s", strerror(errno));
		goto fail;
	}
	p->ident = (uint16_t)(getpid() ^ time(NULL));
	return p;
fail:
	ndp_prober_free(p);
	return NULL;
}

void
ndp_prober_free(struct ndp_prober *p)
{
	if (p == NULL)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

int
ndp_prober_fd(const struct ndp_prober *p)
{
	return p->fd;
}

size_t
ndp_prober_naddrs(const struct ndp_prober *p)
{
	return p->naddrs;
}

/* Send msg to dst on our interface, from src when not NULL (IPV6_PKTINFO, RFC 3542 6.1). */
static int
send_from(struct ndp_prober *p, const uint8_t dst[16], const uint8_t *src, const void *msg,
          size_t len)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)p->ifindex};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = {(void *)msg, len};
	struct msghdr mh = {
	        .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1};

	memcpy(&to.sin6_addr, dst, 16);
	if (src) {
		struct cmsghdr *c;
		struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)p->ifindex};

		memset(&cm, 0, sizeof(cm));
		memcpy(&pi.ipi6_addr, src, 16);
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	/* The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket (RFC 3542 3.1). */
	if (sendmsg(p->fd, &mh, MSG_DONTWAIT) < 0)
		return MUSTER_EIO;
	return 0;
}

int
ndp_send_echo_all(struct ndp_prober *p, size_t idx)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	uint8_t m[16] = {ICMP6_ECHO_REQUEST, 0, 0, 0};

	if (idx >= p->naddrs)
		return MUSTER_EINVAL;
	m[4] = (uint8_t)(p->ident >> 8);
	m[5] = (uint8_t)p->ident;
	m[6] = (uint8_t)(p->seq >> 8);
	m[7] = (uint8_t)p->seq;
	p->seq++;
	memcpy(m + 8, "muster", 6);
	return send_from(p, all_nodes, p->addrs[idx], m, sizeof(m));
}

int
ndp_send_ns(struct ndp_prober *p, const uint8_t target[16])
{
	/* RFC 4291 2.7.1: ff02::1:ff00:0/104 plus the target's low 24 bits. */
	uint8_t dst[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	uint8_t m[32] = {ND_NEIGHBOR_SOLICIT, 0};

	memcpy(dst + 13, target + 13, 3);
	memcpy(m + 8, target, 16);
	/* RFC 4861 4.6.1: source link-layer address option, 8 bytes. */
	m[24] = ND_OPT_SOURCE_LINKADDR;
	m[25] = 1;
	memcpy(m + 26, p->mac, 6);
	return send_from(p, dst, NULL, m, sizeof(m));
}

static bool
is_ours(const struct ndp_prober *p, const uint8_t a[16])
{
	for (size_t i = 0; i < p->naddrs; i++)
		if (memcmp(p->addrs[i], a, 16) == 0)
			return true;
	return false;
}

int
ndp_recv_reply(struct ndp_prober *p, uint8_t from[16])
{
	uint8_t buf[1500];
	struct sockaddr_in6 sa;
	socklen_t sl;
	ssize_t n;

	for (;;) {
		sl = sizeof(sa);
		n = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return MUSTER_EIO;
		}
		/* RFC 4443 4.2: a reply echoes our identifier. */
		if (n < 8 || buf[0] != ICMP6_ECHO_REPLY || sa.sin6_family != AF_INET6 ||
		    ((uint16_t)(buf[4] << 8 | buf[5])) != p->ident)
			continue;
		memcpy(from, &sa.sin6_addr, 16);
		if (is_ours(p, from))
			continue;
		return 1;
	}
}
