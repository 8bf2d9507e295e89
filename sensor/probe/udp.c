/* udp.c - unicast UDP probes: NetBIOS NBSTAT (RFC 1002 4.2.17), mDNS legacy unicast (RFC 6762 6.7), SSDP M-SEARCH (UPnP DA 1.1 1.3.2). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "common/net.h"
#include "common/text.h"
#include "sensor/decode/dns.h"
#include "sensor/decode/nbns.h"
#include "sensor/decode/ssdp.h"
#include "sensor/fingerprint/rules.h"
#include "sensor/hosts.h"
#include "sensor/probe/udp.h"

#define PORT_NBNS 137
#define PORT_MDNS 5353
#define PORT_SSDP 1900

struct udp_prober {
	int fd;
	struct dns_msg dns; /* large: kept off the stack */
};

struct udp_prober *
udp_prober_new(const char *ifname, char *err, size_t errlen)
{
	struct udp_prober *p;
	int ttl = 255;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		goto fail;
	}
	/* RFC 6762 11: link-local replies are checked for TTL 255 by some responders. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0 ||
	    setsockopt(p->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0) {
		snprintf(err, errlen, "UDP socket options: %s", strerror(errno));
		goto fail;
	}
	return p;
fail:
	udp_prober_free(p);
	return NULL;
}

void
udp_prober_free(struct udp_prober *p)
{
	if (p == NULL)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

int
udp_prober_fd(const struct udp_prober *p)
{
	return p->fd;
}

static int
send_to(struct udp_prober *p, uint32_t addr_be, uint16_t port, const void *msg, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};

	to.sin_addr.s_addr = addr_be;
	if (sendto(p->fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return MUSTER_EIO;
	return 0;
}

int
udp_send_nbstat(struct udp_prober *p, uint32_t addr_be, uint16_t txid)
{
	uint8_t q[NBNS_NBSTAT_QUERY_LEN];

	if (nbns_encode_nbstat_query(q, sizeof(q), txid) == 0)
		return MUSTER_EINVAL;
	return send_to(p, addr_be, PORT_NBNS, q, sizeof(q));
}

/* Append a dotted name as labels (RFC 1035 3.1); false when it does not fit. */
static bool
put_name(uint8_t *out, size_t cap, size_t *off, const char *name)
{
	const char *s = name;

	while (*s) {
		size_t l = strcspn(s, ".");
		if (l == 0 || l > 63 || *off + 1 + l >= cap)
			return false;
		out[(*off)++] = (uint8_t)l;
		memcpy(out + *off, s, l);
		*off += l;
		s += l;
		if (*s == '.')
			s++;
	}
	if (*off + 1 > cap)
		return false;
	out[(*off)++] = 0;
	return true;
}

static bool
put_question(uint8_t *out, size_t cap, size_t *off, const char *name, uint16_t type)
{
	if (!put_name(out, cap, off, name) || *off + 4 > cap)
		return false;
	out[(*off)++] = (uint8_t)(type >> 8);
	out[(*off)++] = (uint8_t)type;
	out[(*off)++] = 0;
	out[(*off)++] = 1; /* IN; no QU bit: a legacy unicast query is answered unicast anyway */
	return true;
}

int
udp_send_mdns(struct udp_prober *p, uint32_t addr_be, uint16_t id)
{
	uint8_t q[256] = {0};
	char rev[64];
	const uint8_t *a = (const uint8_t *)&addr_be;
	size_t off = 12;

	/* RFC 6762 6.7: a query from a port other than 5353, with an ID, answered unicast. */
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 2; /* QDCOUNT */
	snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	/* RFC 6763 9: the service types the host offers. */
	if (!put_question(q, sizeof(q), &off, "_services._dns-sd._udp.local", DNS_T_PTR) ||
	    !put_question(q, sizeof(q), &off, rev, DNS_T_PTR))
		return MUSTER_EINVAL;
	return send_to(p, addr_be, PORT_MDNS, q, off);
}

int
udp_send_ssdp(struct udp_prober *p, uint32_t addr_be)
{
	char m[192], ip[INET_ADDRSTRLEN];
	struct in_addr in = {addr_be};
	int n;

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	/* UPnP DA 1.1 1.3.2: a unicast M-SEARCH names the device as HOST and has no MX. */
	n = snprintf(m, sizeof(m),
	             "M-SEARCH * HTTP/1.1\r\nHOST: %s:1900\r\nMAN: \"ssdp:discover\"\r\n"
	             "ST: ssdp:all\r\nUSER-AGENT: Linux UPnP/1.1 muster/" MUSTER_VERSION "\r\n\r\n",
	             ip);
	if (n < 0 || (size_t)n >= sizeof(m))
		return MUSTER_EINVAL;
	return send_to(p, addr_be, PORT_SSDP, m, (size_t)n);
}

int
udp_recv(struct udp_prober *p, uint32_t *addr_be, uint16_t *port, uint8_t *buf, size_t cap,
         size_t *len)
{
	struct sockaddr_in sa;
	socklen_t sl;
	ssize_t n;

	for (;;) {
		sl = sizeof(sa);
		n = recvfrom(p->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR || errno == ECONNREFUSED)
				continue; /* ICMP port unreachable from an earlier probe */
			return MUSTER_EIO;
		}
		if (sa.sin_family != AF_INET)
			continue;
		*addr_be = sa.sin_addr.s_addr;
		*port = ntohs(sa.sin_port);
		*len = (size_t)n;
		return 1;
	}
}

static void
rule_guess(struct host_table *t, struct host *h, const struct fp_rules *rules, enum fp_kind kind,
           const void *val, size_t len, enum host_src src)
{
	char s[256];
	struct fp_guess g;

	if (rules == NULL || len == 0)
		return;
	if (len >= sizeof(s))
		len = sizeof(s) - 1;
	memcpy(s, val, len);
	s[len] = 0;
	if (fp_rules_match(rules, kind, s, &g) && (g.family[0] || g.name[0]))
		host_add_guess(t, h, g.family[0] ? g.family : NULL, g.name[0] ? g.name : NULL,
		               g.version[0] ? g.version : NULL, g.confidence, src);
}

/* RFC 1002 4.2.18: unique <00>/<20> names are the machine, the group <00> its workgroup. */
static bool
apply_nbstat(struct host_table *t, const uint8_t mac6[6], time_t now, uint32_t addr_be,
             struct cursor *c, const struct fp_rules *rules)
{
	struct nbns_nbstat st;
	struct host *h;
	struct host_smb smb = {.signing_required = -1};
	char name[16] = "", group[16] = "", mac[NET_MAC_STRLEN];

	if (!nbns_decode_nbstat_response(c, &st))
		return false;
	if ((h = host_touch(t, mac6, now, HSRC_NETBIOS)) == NULL)
		return true;
	host_add_v4(t, h, addr_be);
	for (unsigned i = 0; i < st.nnames; i++) {
		const struct nbns_node_name *nn = &st.names[i];
		if (nn->len == 0)
			continue;
		if (!nn->group && (nn->suffix == 0x00 || nn->suffix == 0x20)) {
			host_add_name(t, h, nn->name, nn->len, HSRC_NETBIOS);
			if (!name[0] || nn->suffix == 0x00)
				memcpy(name, nn->name, nn->len < 15 ? nn->len + 1u : 16u);
		} else if (nn->group && nn->suffix == 0x00 && !group[0]) {
			memcpy(group, nn->name, nn->len < 15 ? nn->len + 1u : 16u);
		}
	}
	name[15] = group[15] = 0;
	smb.netbios_name = name[0] ? name : NULL;
	smb.netbios_domain = group[0] ? group : NULL;
	if (smb.netbios_name || smb.netbios_domain)
		host_set_smb(t, h, &smb);
	if (st.has_unit_id) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", st.unit_id[0],
		         st.unit_id[1], st.unit_id[2], st.unit_id[3], st.unit_id[4], st.unit_id[5]);
		rule_guess(t, h, rules, FP_NETBIOS_MAC, mac, strlen(mac), HSRC_NETBIOS);
	}
	return true;
}

static bool
ends_with(const struct dns_name *n, const char *suffix)
{
	size_t sl = strlen(suffix);

	return n->len >= sl && strncasecmp((const char *)n->text + n->len - sl, suffix, sl) == 0;
}

/* RFC 6762 6.7, RFC 6763 9: the reverse name's target is the host name; service types. */
static bool
apply_mdns(struct udp_prober *p, struct host_table *t, const uint8_t mac[6], time_t now,
           uint32_t addr_be, struct cursor *c, const struct fp_rules *rules)
{
	struct dns_msg *m = &p->dns;
	struct host *h;

	if (!dns_decode(c, true, m) || !m->qr)
		return false;
	if ((h = host_touch(t, mac, now, HSRC_MDNS)) == NULL)
		return true;
	host_add_v4(t, h, addr_be);
	for (unsigned i = 0; i < m->nrrs; i++) {
		const struct dns_rr *rr = &m->rr[i];
		switch (rr->type) {
		case DNS_T_PTR:
			if (ends_with(&rr->name, ".in-addr.arpa") &&
			    ends_with(&rr->target, ".local"))
				host_add_name(t, h, rr->target.text, rr->target.len, HSRC_MDNS);
			else if (ends_with(&rr->name, "_services._dns-sd._udp.local") &&
			         ends_with(&rr->target, ".local"))
				rule_guess(t, h, rules, FP_MDNS_SERVICE, rr->target.text,
				           rr->target.len - 6, HSRC_MDNS);
			break;
		case DNS_T_A:
			if (memcmp(rr->u.a, &addr_be, 4) == 0)
				host_add_name(t, h, rr->name.text, rr->name.len, HSRC_MDNS);
			break;
		case DNS_T_HINFO:
			if (rr->u.hinfo.os_len)
				rule_guess(t, h, rules, FP_MDNS_MODEL, rr->u.hinfo.os,
				           rr->u.hinfo.os_len, HSRC_MDNS);
			break;
		default:
			break;
		}
	}
	return true;
}

static bool
apply_ssdp(struct host_table *t, const uint8_t mac[6], time_t now, uint32_t addr_be,
           struct cursor *c, const struct fp_rules *rules)
{
	struct ssdp_msg m;
	struct host *h;
	char server[TEXT_BANNER_MAX + 1];
	size_t n;

	if (!ssdp_decode(c, &m) || m.kind != SSDP_RESPONSE)
		return false;
	if ((h = host_touch(t, mac, now, HSRC_SSDP)) == NULL)
		return true;
	host_add_v4(t, h, addr_be);
	if (m.server.len) {
		n = m.server.len < sizeof(server) - 1 ? m.server.len : sizeof(server) - 1;
		memcpy(server, m.server.p, n);
		server[n] = 0;
		host_add_service(t, h, IPPROTO_UDP, PORT_SSDP, server, "ssdp");
		rule_guess(t, h, rules, FP_SSDP_SERVER, m.server.p, m.server.len, HSRC_SSDP);
	}
	return true;
}

bool
udp_apply_reply(struct udp_prober *p, struct host_table *t, const uint8_t mac[6], time_t now,
                uint32_t addr_be, uint16_t port, const uint8_t *buf, size_t len,
                const struct fp_rules *rules)
{
	struct cursor c = cursor_init(buf, len);

	switch (port) {
	case PORT_NBNS:
		return apply_nbstat(t, mac, now, addr_be, &c, rules);
	case PORT_MDNS:
		return apply_mdns(p, t, mac, now, addr_be, &c, rules);
	case PORT_SSDP:
		return apply_ssdp(t, mac, now, addr_be, &c, rules);
	default:
		return false;
	}
}
