/*
 * net.c - MAC (IEEE 802 EUI-48) and IP (RFC 791, RFC 4291) addresses, CIDR
 * blocks (RFC 4632), and the addresses of a local interface.
 */
#include "common/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/muster.h"

/* Longest text any parser here looks at; longer input is rejected. */
#define NET_TEXT_MAX 64

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly n hex digits (n even) into n / 2 bytes. */
static bool
hex_bytes(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "aa:bb:cc:dd:ee:ff" or with '-', one or two digits per group. */
static bool
mac_parse_groups(const char *s, struct mac *m)
{
	char sep = 0;

	for (int i = 0; i < 6; i++) {
		int v = 0, digits = 0, h;

		while (digits < 2 && (h = hexval(*s)) >= 0) {
			v = v << 4 | h;
			digits++;
			s++;
		}
		if (digits == 0)
			return false;
		m->b[i] = (uint8_t)v;
		if (i == 5)
			break;
		if (sep == 0 && (*s == ':' || *s == '-'))
			sep = *s;
		if (sep == 0 || *s != sep)
			return false;
		s++;
	}
	return *s == '\0';
}

/* Cisco "aabb.ccdd.eeff". */
static bool
mac_parse_cisco(const char *s, struct mac *m)
{
	if (s[4] != '.' || s[9] != '.')
		return false;
	return hex_bytes(s, 4, m->b) && hex_bytes(s + 5, 4, m->b + 2) &&
	       hex_bytes(s + 10, 4, m->b + 4);
}

bool
net_mac_parse(const char *s, struct mac *out)
{
	struct mac m = {{0}};
	size_t len;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return false;
	len = strnlen(s, NET_TEXT_MAX);
	if (len == 14 && s[4] == '.')
		ok = mac_parse_cisco(s, &m);
	else if (len == 12 && strpbrk(s, ":-") == NULL)
		ok = hex_bytes(s, 12, m.b);
	else
		ok = len <= 17 && mac_parse_groups(s, &m);
	if (ok)
		*out = m;
	return ok;
}

void
net_mac_format(const struct mac *m, char out[NET_MAC_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < 6; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[m->b[i] >> 4];
		*p++ = hex[m->b[i] & 0x0f];
	}
	*p = '\0';
}

bool
net_mac_is_multicast(const struct mac *m)
{
	return (m->b[0] & 0x01) != 0;
}

bool
net_mac_is_local(const struct mac *m)
{
	return (m->b[0] & 0x02) != 0;
}

bool
net_mac_is_zero(const struct mac *m)
{
	static const struct mac zero;

	return memcmp(m->b, zero.b, sizeof(m->b)) == 0;
}

bool
net_mac_is_broadcast(const struct mac *m)
{
	for (int i = 0; i < 6; i++)
		if (m->b[i] != 0xff)
			return false;
	return true;
}

uint64_t
net_mac_u64(const struct mac *m)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | m->b[i];
	return v;
}

static size_t
ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

bool
net_ip_parse(const char *s, struct ipaddr *out)
{
	struct ipaddr ip;

	memset(out, 0, sizeof(*out));
	if (s == NULL || strnlen(s, NET_TEXT_MAX) >= NET_TEXT_MAX)
		return false;
	memset(&ip, 0, sizeof(ip));
	if (inet_pton(AF_INET, s, ip.a) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip.a) == 1)
		ip.family = AF_INET6;
	else
		return false;
	*out = ip;
	return true;
}

void
net_ip_format(const struct ipaddr *ip, char out[NET_IP_STRLEN])
{
	out[0] = '\0';
	if (ip_len(ip->family) == 0 || inet_ntop(ip->family, ip->a, out, NET_IP_STRLEN) == NULL)
		out[0] = '\0';
}

int
net_ip_cmp(const struct ipaddr *x, const struct ipaddr *y)
{
	int fx = x->family == AF_INET ? 0 : 1, fy = y->family == AF_INET ? 0 : 1;

	if (fx != fy)
		return fx - fy;
	return memcmp(x->a, y->a, sizeof(x->a));
}

bool
net_ip_equal(const struct ipaddr *x, const struct ipaddr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, ip_len(x->family)) == 0;
}

bool
net_ip_is_unspecified(const struct ipaddr *ip)
{
	size_t n = ip_len(ip->family);

	for (size_t i = 0; i < n; i++)
		if (ip->a[i] != 0)
			return false;
	return n > 0;
}

bool
net_ip_is_loopback(const struct ipaddr *ip)
{
	if (ip->family == AF_INET)
		return ip->a[0] == 127;
	if (ip->family == AF_INET6) {
		for (int i = 0; i < 15; i++)
			if (ip->a[i] != 0)
				return false;
		return ip->a[15] == 1;
	}
	return false;
}

int
net_url_secret_ok(const char *scheme, const char *host, const char *what, char *err, size_t errlen)
{
	struct ipaddr ip;
	char h[NET_IP_STRLEN];
	size_t len = strlen(host);

	if (strcasecmp(scheme, "https") == 0)
		return 0;
	if (strcasecmp(scheme, "http") != 0)
		return muster_fail(err, errlen, MUSTER_EINVAL, "%s: the URL must be https://",
		                   what);
	if (strcasecmp(host, "localhost") == 0)
		return 0;
	if (len >= 2 && len - 2 < sizeof(h) && host[0] == '[' && host[len - 1] == ']') {
		memcpy(h, host + 1, len - 2);
		h[len - 2] = '\0';
		host = h;
	}
	if (net_ip_parse(host, &ip) && net_ip_is_loopback(&ip))
		return 0;
	return muster_fail(err, errlen, MUSTER_EINVAL,
	                   "%s: plain http:// only to a loopback address (the token would "
	                   "cross the network in clear); use https://",
	                   what);
}

bool
net_ip_is_multicast(const struct ipaddr *ip)
{
	if (ip->family == AF_INET)
		return (ip->a[0] & 0xf0) == 0xe0;
	return ip->family == AF_INET6 && ip->a[0] == 0xff;
}

bool
net_ip_is_link_local(const struct ipaddr *ip)
{
	if (ip->family == AF_INET)
		return ip->a[0] == 169 && ip->a[1] == 254;
	return ip->family == AF_INET6 && ip->a[0] == 0xfe && (ip->a[1] & 0xc0) == 0x80;
}

void
net_ip_set_v4(struct ipaddr *ip, uint32_t v)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	ip->a[0] = (uint8_t)(v >> 24);
	ip->a[1] = (uint8_t)(v >> 16);
	ip->a[2] = (uint8_t)(v >> 8);
	ip->a[3] = (uint8_t)v;
}

uint32_t
net_ip_v4(const struct ipaddr *ip)
{
	if (ip->family != AF_INET)
		return 0;
	return (uint32_t)ip->a[0] << 24 | (uint32_t)ip->a[1] << 16 | (uint32_t)ip->a[2] << 8 |
	       ip->a[3];
}

/* Whether a and b agree in their first `prefix` bits (n bytes long). */
static bool
prefix_equal(const uint8_t *a, const uint8_t *b, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
net_cidr_normalize(struct cidr *c)
{
	int n = (int)ip_len(c->addr.family);
	bool had = false;

	for (int i = 0; i < n; i++) {
		int keep = c->prefix - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (c->addr.a[i] & (uint8_t)~mask)
			had = true;
		c->addr.a[i] &= mask;
	}
	return had;
}

/* Decimal 0..max, no sign, no leading zeros, nothing after it. */
static bool
parse_prefix(const char *s, int max, int *out)
{
	int v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

bool
net_cidr_parse(const char *s, struct cidr *out, bool *host_bits)
{
	char text[NET_TEXT_MAX];
	struct cidr c;
	const char *slash;
	size_t alen;
	int max;

	memset(out, 0, sizeof(*out));
	if (host_bits)
		*host_bits = false;
	if (s == NULL || strnlen(s, NET_TEXT_MAX) >= NET_TEXT_MAX)
		return false;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (!net_ip_parse(text, &c.addr))
		return false;
	max = c.addr.family == AF_INET ? 32 : 128;
	if (slash == NULL)
		c.prefix = max;
	else if (!parse_prefix(slash + 1, max, &c.prefix))
		return false;
	if (net_cidr_normalize(&c) && host_bits)
		*host_bits = true;
	*out = c;
	return true;
}

bool
net_cidr_parse_strict(const char *s, struct cidr *out)
{
	bool host_bits;

	if (!net_cidr_parse(s, out, &host_bits))
		return false;
	if (host_bits) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

void
net_cidr_format(const struct cidr *c, char out[NET_CIDR_STRLEN])
{
	char ip[NET_IP_STRLEN];

	net_ip_format(&c->addr, ip);
	if (ip[0] == '\0') {
		out[0] = '\0';
		return;
	}
	snprintf(out, NET_CIDR_STRLEN, "%s/%d", ip, c->prefix);
}

static bool
cidr_valid(const struct cidr *c)
{
	int max = (int)ip_len(c->addr.family) * 8;

	return max > 0 && c->prefix >= 0 && c->prefix <= max;
}

bool
net_cidr_contains(const struct cidr *c, const struct ipaddr *ip)
{
	if (!cidr_valid(c) || ip->family != c->addr.family)
		return false;
	return prefix_equal(c->addr.a, ip->a, c->prefix);
}

/* Network and broadcast address of an IPv4 block, host order. */
static bool
v4_bounds(const struct cidr *c, uint32_t *net, uint32_t *bcast)
{
	uint32_t mask;

	if (c->addr.family != AF_INET || !cidr_valid(c))
		return false;
	mask = c->prefix == 0 ? 0 : UINT32_MAX << (32 - c->prefix);
	*net = net_ip_v4(&c->addr) & mask;
	*bcast = *net | ~mask;
	return true;
}

/* First and last host of an IPv4 block, host order (RFC 3021 for /31). */
static bool
v4_hosts(const struct cidr *c, uint32_t *first, uint32_t *last)
{
	uint32_t net, bcast;

	if (!v4_bounds(c, &net, &bcast))
		return false;
	if (c->prefix >= 31) {
		*first = net;
		*last = bcast;
	} else {
		*first = net + 1;
		*last = bcast - 1;
	}
	return true;
}

uint64_t
net_cidr_v4_hosts(const struct cidr *c)
{
	uint32_t first, last;

	if (!v4_hosts(c, &first, &last))
		return 0;
	return (uint64_t)last - first + 1;
}

bool
net_cidr_v4_first(const struct cidr *c, struct ipaddr *out)
{
	uint32_t first, last;

	memset(out, 0, sizeof(*out));
	if (!v4_hosts(c, &first, &last))
		return false;
	net_ip_set_v4(out, first);
	return true;
}

bool
net_cidr_v4_last(const struct cidr *c, struct ipaddr *out)
{
	uint32_t first, last;

	memset(out, 0, sizeof(*out));
	if (!v4_hosts(c, &first, &last))
		return false;
	net_ip_set_v4(out, last);
	return true;
}

bool
net_cidr_v4_next(const struct cidr *c, struct ipaddr *ip)
{
	uint32_t first, last, v;

	if (ip->family != AF_INET || !v4_hosts(c, &first, &last))
		return false;
	v = net_ip_v4(ip);
	if (v < first || v >= last)
		return false;
	net_ip_set_v4(ip, v + 1);
	return true;
}

/* Count the leading one bits of a netmask (a non-contiguous mask stops at the first zero). */
static int
mask_prefix(const uint8_t *m, size_t n)
{
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		for (int b = 7; b >= 0; b--) {
			if (!(m[i] & (1u << b)))
				return bits;
			bits++;
		}
	}
	return bits;
}

static void
iface_add_addr(struct net_iface *out, const struct ifaddrs *ifa)
{
	struct cidr c;

	memset(&c, 0, sizeof(c));
	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ifa->ifa_addr;
		const struct sockaddr_in *nm = (const struct sockaddr_in *)ifa->ifa_netmask;

		c.addr.family = AF_INET;
		memcpy(c.addr.a, &sin->sin_addr, 4);
		c.prefix = nm ? mask_prefix((const uint8_t *)&nm->sin_addr, 4) : 32;
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ifa->ifa_addr;
		const struct sockaddr_in6 *nm6 = (const struct sockaddr_in6 *)ifa->ifa_netmask;

		c.addr.family = AF_INET6;
		memcpy(c.addr.a, &sin6->sin6_addr, 16);
		c.prefix = nm6 ? mask_prefix((const uint8_t *)&nm6->sin6_addr, 16) : 128;
	}
	if (out->naddrs >= NET_IFACE_MAX_ADDRS) {
		out->dropped++;
		return;
	}
	out->addrs[out->naddrs++] = c;
}

static void
iface_add_link(struct net_iface *out, const struct ifaddrs *ifa)
{
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)ifa->ifa_addr;

	out->hatype = sll->sll_hatype;
	if (sll->sll_halen == 6) {
		memcpy(out->mac.b, sll->sll_addr, 6);
		out->has_mac = true;
	}
}

/* MTU, and the hardware address when getifaddrs gave none, by ioctl. */
static int
iface_ioctls(struct net_iface *out)
{
	struct ifreq ifr;
	int fd, r = MUSTER_EIO;

	/* A datagram socket is only a handle for the ioctls: nothing is sent. */
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 &&
	    (fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return MUSTER_EIO;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, out->name, sizeof(out->name));
	if (ioctl(fd, SIOCGIFMTU, &ifr) != 0)
		goto out_close;
	out->mtu = ifr.ifr_mtu;
	if (!out->has_mac) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, out->name, sizeof(out->name));
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
			out->hatype = ifr.ifr_hwaddr.sa_family;
			if (out->hatype == ARPHRD_ETHER || out->hatype == ARPHRD_LOOPBACK) {
				memcpy(out->mac.b, ifr.ifr_hwaddr.sa_data, 6);
				out->has_mac = true;
			}
		}
	}
	r = 0;
out_close:
	close(fd);
	return r;
}

int
net_iface_addrs(const char *ifname, struct net_iface *out)
{
	struct ifaddrs *list = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	out->hatype = -1;
	if (ifname == NULL || (len = strnlen(ifname, IF_NAMESIZE)) == 0 || len >= IF_NAMESIZE)
		return MUSTER_EINVAL;
	memcpy(out->name, ifname, len);
	if ((out->ifindex = (int)if_nametoindex(ifname)) == 0)
		return errno == ENODEV || errno == ENXIO ? MUSTER_ENOENT : MUSTER_EIO;
	if (getifaddrs(&list) != 0)
		return MUSTER_EIO;
	for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_name == NULL || strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		out->flags = ifa->ifa_flags;
		if (ifa->ifa_addr == NULL)
			continue;
		switch (ifa->ifa_addr->sa_family) {
		case AF_INET:
		case AF_INET6:
			iface_add_addr(out, ifa);
			break;
		case AF_PACKET:
			iface_add_link(out, ifa);
			break;
		default:
			break;
		}
	}
	freeifaddrs(list);
	if ((r = iface_ioctls(out)) != 0)
		return r;
	return 0;
}
