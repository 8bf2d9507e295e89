/* arp.c - RFC 826 ARP for Ethernet/IPv4, and RFC 5227 probe/announcement classification. */
#include <string.h>

#include "sensor/decode/arp.h"

#define ARP_HTYPE_ETHER 1      /* RFC 826 ar$hrd: Ethernet */
#define ARP_PTYPE_IPV4  0x0800 /* RFC 826 ar$pro: EtherType of IPv4 */

bool
arp_decode(const struct cursor *in, struct arp_packet *out)
{
	struct cursor c = *in;
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	memset(out, 0, sizeof(*out));
	/* RFC 826 "Packet format": ar$hrd, ar$pro, ar$hln, ar$pln, ar$op. */
	cursor_u16be(&c, &htype);
	cursor_u16be(&c, &ptype);
	cursor_u8(&c, &hlen);
	cursor_u8(&c, &plen);
	cursor_u16be(&c, &out->op);
	if (!cursor_ok(&c))
		return false;
	/* Only the Ethernet/IPv4 form: its lengths fix where the addresses are. */
	if (htype != ARP_HTYPE_ETHER || ptype != ARP_PTYPE_IPV4 || hlen != sizeof(out->sha) ||
	    plen != sizeof(out->spa))
		return false;
	/* ar$sha, ar$spa, ar$tha, ar$tpa. */
	cursor_bytes(&c, out->sha, sizeof(out->sha));
	cursor_bytes(&c, out->spa, sizeof(out->spa));
	cursor_bytes(&c, out->tha, sizeof(out->tha));
	cursor_bytes(&c, out->tpa, sizeof(out->tpa));
	return cursor_ok(&c);
}

static bool
ip_is_zero(const uint8_t ip[4])
{
	return (ip[0] | ip[1] | ip[2] | ip[3]) == 0;
}

bool
arp_is_request(const struct arp_packet *a)
{
	return a->op == ARP_OP_REQUEST;
}

bool
arp_is_reply(const struct arp_packet *a)
{
	return a->op == ARP_OP_REPLY;
}

bool
arp_is_gratuitous(const struct arp_packet *a)
{
	return (a->op == ARP_OP_REQUEST || a->op == ARP_OP_REPLY) && !ip_is_zero(a->spa) &&
	       memcmp(a->spa, a->tpa, sizeof(a->spa)) == 0;
}

bool
arp_is_probe(const struct arp_packet *a)
{
	/* RFC 5227 2.1.1: "sender IP address field MUST be set to all zeroes". */
	return a->op == ARP_OP_REQUEST && ip_is_zero(a->spa) && !ip_is_zero(a->tpa);
}

bool
arp_is_announcement(const struct arp_packet *a)
{
	/* RFC 5227 2.3: like a probe, but sender and target IP both hold the claimed address. */
	return a->op == ARP_OP_REQUEST && arp_is_gratuitous(a);
}
