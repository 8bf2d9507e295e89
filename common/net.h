/* net.h - MAC and IP addresses, CIDR blocks, and the addresses of a local interface. */
#ifndef MUSTER_NET_H
#define MUSTER_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An Ethernet (EUI-48) address in wire order. */
struct mac {
	uint8_t b[6];
};

#define NET_MAC_STRLEN 18 /* "aa:bb:cc:dd:ee:ff" + NUL */

/*
 * Parse a MAC in one of the forms admins paste: "aa:bb:cc:dd:ee:ff",
 * "AA-BB-CC-DD-EE-FF" (one or two hex digits per group, one separator
 * throughout), Cisco "aabb.ccdd.eeff", or twelve bare hex digits. Case is
 * ignored; nothing else (no spaces, no trailing text) is accepted. On failure
 * returns false and zeroes *out.
 */
bool net_mac_parse(const char *s, struct mac *out);
/* Write m as lowercase "aa:bb:cc:dd:ee:ff" into out (always NUL-terminated). */
void net_mac_format(const struct mac *m, char out[NET_MAC_STRLEN]);
/* The I/G bit: a group (multicast or broadcast) address. */
bool net_mac_is_multicast(const struct mac *m);
/* The U/L bit: locally administered (randomised, virtual), not from an OUI. */
bool net_mac_is_local(const struct mac *m);
bool net_mac_is_zero(const struct mac *m);
bool net_mac_is_broadcast(const struct mac *m);
/* The address as a 48-bit integer (b[0] most significant). */
uint64_t net_mac_u64(const struct mac *m);

/*
 * An IPv4 or IPv6 address in network byte order. IPv4 uses a[0..3]; the
 * other bytes are zero, so two equal addresses are equal with memcmp().
 */
struct ipaddr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

#define NET_IP_STRLEN   46 /* INET6_ADDRSTRLEN */
#define NET_CIDR_STRLEN 50 /* address + "/128" + NUL */

/*
 * Parse a dotted-quad IPv4 or an RFC 4291 IPv6 address (inet_pton rules: no
 * short forms like "10.1", no leading zeros, no zone "%eth0", no spaces).
 * On failure returns false and zeroes *out.
 */
bool net_ip_parse(const char *s, struct ipaddr *out);
/* Canonical text form (inet_ntop; RFC 5952 for IPv6) into out; "" for a bad family. */
void net_ip_format(const struct ipaddr *ip, char out[NET_IP_STRLEN]);
/* Total order: IPv4 before IPv6, then by address bytes. <0, 0, >0 like memcmp. */
int net_ip_cmp(const struct ipaddr *x, const struct ipaddr *y);
bool net_ip_equal(const struct ipaddr *x, const struct ipaddr *y);
/* 0.0.0.0 or :: */
bool net_ip_is_unspecified(const struct ipaddr *ip);
/* 127.0.0.0/8 or ::1 */
bool net_ip_is_loopback(const struct ipaddr *ip);
/* 224.0.0.0/4 or ff00::/8 */
bool net_ip_is_multicast(const struct ipaddr *ip);

/*
 * Whether a URL may carry a secret (a token in a header), judged on its
 * scheme and host as libcurl's URL API hands them out (IPv6 in brackets):
 * https to anywhere; http only to a loopback address or "localhost", since
 * anything else would put the secret on the network in clear. 0, or
 * MUSTER_EINVAL with "WHAT: why" in err. The sensor's report server and
 * muster-deploy's --from-server follow this one rule.
 */
int net_url_secret_ok(const char *scheme, const char *host, const char *what, char *err,
                      size_t errlen);
/* 169.254.0.0/16 (RFC 3927) or fe80::/10 */
bool net_ip_is_link_local(const struct ipaddr *ip);
/* An IPv4 address from / to a host-order integer. net_ip_v4() is 0 for IPv6. */
void net_ip_set_v4(struct ipaddr *ip, uint32_t host_order);
uint32_t net_ip_v4(const struct ipaddr *ip);

/* An address block: addr with all bits past prefix zero once normalised. */
struct cidr {
	struct ipaddr addr;
	int prefix; /* 0-32 or 0-128 */
};

/*
 * Parse "addr/prefix" or a bare address (taken as /32 or /128). The prefix is
 * decimal without sign or leading zeros, at most 32 (IPv4) or 128 (IPv6).
 * Host bits (as in "10.0.0.5/24") are cleared, giving 10.0.0.0/24; when
 * host_bits is not NULL it is set to whether any were. On failure returns
 * false and zeroes *out.
 */
bool net_cidr_parse(const char *s, struct cidr *out, bool *host_bits);
/* As net_cidr_parse() but host bits make it fail (for configuration files). */
bool net_cidr_parse_strict(const char *s, struct cidr *out);
/* Clear the host bits of c; returns whether any were set. */
bool net_cidr_normalize(struct cidr *c);
/* "addr/prefix" into out (always with the prefix); "" for a bad family. */
void net_cidr_format(const struct cidr *c, char out[NET_CIDR_STRLEN]);
/* Whether ip lies in c (host bits of c ignored). False across families. */
bool net_cidr_contains(const struct cidr *c, const struct ipaddr *ip);

/*
 * IPv4 sweep helpers. The hosts of a block are all its addresses but the
 * network and broadcast ones, except /31 (both, RFC 3021) and /32 (the one).
 * Iterate with:
 *   for (ok = net_cidr_v4_first(&c, &ip); ok; ok = net_cidr_v4_next(&c, &ip))
 */
/* Number of hosts in c; 0 when c is not IPv4. */
uint64_t net_cidr_v4_hosts(const struct cidr *c);
/* First / last host of c into *out; false (and *out zeroed) when c is not IPv4. */
bool net_cidr_v4_first(const struct cidr *c, struct ipaddr *out);
bool net_cidr_v4_last(const struct cidr *c, struct ipaddr *out);
/* Advance *ip to the next host of c; false when *ip is the last one or not a host of c. */
bool net_cidr_v4_next(const struct cidr *c, struct ipaddr *ip);

#define NET_IFACE_MAX_ADDRS 32

/*
 * What a local interface is attached to, read from the kernel of the calling
 * thread's network namespace (getifaddrs + ioctl); sends nothing on the wire.
 * addrs[] are the interface's own addresses with their prefix length, host
 * bits kept: net_cidr_normalize() a copy to get the attached subnet.
 */
struct net_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	int mtu;        /* 0 when unknown */
	unsigned flags; /* IFF_UP, IFF_LOOPBACK, ... */
	int hatype;     /* ARPHRD_*, -1 when unknown */
	bool has_mac;   /* a 6-byte hardware address was found */
	struct mac mac;
	size_t naddrs;
	struct cidr addrs[NET_IFACE_MAX_ADDRS]; /* in the order the kernel lists them */
	size_t dropped;                         /* addresses beyond NET_IFACE_MAX_ADDRS */
};

/*
 * Fill *out for interface ifname. Returns 0, MUSTER_EINVAL (bad name),
 * MUSTER_ENOENT (no such interface) or MUSTER_EIO (errno kept). *out is
 * zeroed first; nothing to free.
 */
int net_iface_addrs(const char *ifname, struct net_iface *out);

#endif
