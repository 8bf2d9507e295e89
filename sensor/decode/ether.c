/*
 * ether.c - Ethernet II and IEEE 802.3 framing (IEEE 802.3 clause 3), 802.1Q/802.1ad
 * VLAN tags, IEEE 802.2 LLC with RFC 1042 SNAP, Linux cooked capture SLL/SLL2.
 */
#include <string.h>

#include "sensor/decode/ether.h"

#define LLC_SAP_SNAP   0xaa
#define LLC_CTRL_UI    0x03
#define SLL_ADDR_LEN   8
#define SLL_P_802_3    0x0001 /* Linux ETH_P_802_3: raw Novell 802.3 follows */
#define SLL_P_802_2    0x0004 /* Linux ETH_P_802_2: an 802.2 LLC header follows */
#define ETHER_MAX_8023 1500   /* IEEE 802.3 3.2.6: largest length value */

static const uint8_t oui_cisco[3] = {0x00, 0x00, 0x0c};
#define SNAP_TYPE_CDP 0x2000

static bool
is_vlan_tpid(uint16_t type)
{
	return type == ETHER_TYPE_VLAN || type == ETHER_TYPE_QINQ || type == ETHER_TYPE_QINQ_OLD;
}

/*
 * IEEE 802.2 clause 3: DSAP, SSAP, then a control field of one octet for
 * U-format PDUs (low two bits 11) or two octets for I- and S-format. A SNAP
 * header (RFC 1042) follows a UI PDU with both SAPs 0xaa.
 */
static bool
decode_llc(struct cursor *c, struct ether_frame *f)
{
	uint8_t ctrl, ctrl2;

	cursor_u8(c, &f->llc_dsap);
	cursor_u8(c, &f->llc_ssap);
	cursor_u8(c, &ctrl);
	f->llc_control = ctrl;
	if ((ctrl & 0x03) != 0x03) {
		cursor_u8(c, &ctrl2);
		f->llc_control = (uint16_t)(ctrl << 8 | ctrl2);
	}
	if (!cursor_ok(c))
		return false;
	f->has_llc = true;
	/* The SSAP low bit is command/response; SNAP is always UI (RFC 1042). */
	if (f->llc_dsap == LLC_SAP_SNAP && (f->llc_ssap & 0xfe) == LLC_SAP_SNAP &&
	    f->llc_control == LLC_CTRL_UI) {
		cursor_bytes(c, f->snap_oui, sizeof(f->snap_oui));
		cursor_u16be(c, &f->snap_type);
		if (!cursor_ok(c))
			return false;
		f->has_snap = true;
		/* RFC 1042: OUI 00:00:00 means the SNAP type is an EtherType. */
		if (f->snap_oui[0] == 0 && f->snap_oui[1] == 0 && f->snap_oui[2] == 0)
			f->ethertype = f->snap_type;
	}
	f->payload = *c;
	return true;
}

/* An 802.3 length frame: the length bounds the LLC PDU; what follows is padding. */
static bool
decode_8023(struct cursor *c, uint16_t len, struct ether_frame *f)
{
	struct cursor pdu;

	f->is_8023 = true;
	f->length_8023 = len;
	if (len > c->rem) {
		f->truncated = true;
		len = (uint16_t)c->rem;
	}
	if (!cursor_sub(c, len, &pdu))
		return false;
	/* Raw Novell 802.3 carries IPX at once; IPX's checksum field is 0xffff. */
	if (pdu.rem >= 2 && pdu.p[0] == 0xff && pdu.p[1] == 0xff) {
		f->payload = pdu;
		return true;
	}
	return decode_llc(&pdu, f);
}

/*
 * From a type/length field onward: peel IEEE 802.1Q (clause 9.6) and 802.1ad
 * tags, each a 16-bit TCI (PCP 3 bits, DEI 1 bit, VID 12 bits) followed by the
 * next type/length, then tell an EtherType from an 802.3 length.
 */
static bool
decode_from_type(struct cursor *c, uint16_t type, struct ether_frame *f)
{
	uint16_t tci;

	while (is_vlan_tpid(type)) {
		if (f->nvlan == ETHER_MAX_VLAN)
			return false;
		f->vlan_tpid[f->nvlan] = type;
		cursor_u16be(c, &tci);
		cursor_u16be(c, &type);
		if (!cursor_ok(c))
			return false;
		f->vlan_pcp[f->nvlan] = (uint8_t)(tci >> 13);
		f->vlan_id[f->nvlan] = tci & 0x0fff;
		f->nvlan++;
	}
	if (type >= ETHER_TYPE_MIN) {
		f->ethertype = type;
		f->payload = *c;
		return true;
	}
	/* IEEE 802.3 3.2.6: 1501..1535 is neither a length nor a type. */
	if (type > ETHER_MAX_8023)
		return false;
	return decode_8023(c, type, f);
}

bool
ether_decode(const struct cursor *in, struct ether_frame *out)
{
	struct cursor c = *in;
	const uint8_t *h;
	uint16_t type;

	memset(out, 0, sizeof(*out));
	out->link = ETHER_LINK_EN10MB;
	/* IEEE 802.3 3.1.1: destination, source, type/length. */
	if (!cursor_ptr(&c, &h, 2 * ETHER_MAC_LEN + 2))
		return false;
	memcpy(out->dst, h, ETHER_MAC_LEN);
	memcpy(out->src, h + ETHER_MAC_LEN, ETHER_MAC_LEN);
	type = cursor_get16be(h + 2 * ETHER_MAC_LEN);
	out->has_dst = out->has_src = true;
	return decode_from_type(&c, type, out);
}

/* Shared tail of SLL and SLL2: the protocol field and the link-layer address. */
static bool
decode_cooked(struct cursor *c, uint16_t proto, uint16_t halen, const uint8_t addr[SLL_ADDR_LEN],
              struct ether_frame *f)
{
	if (halen == ETHER_MAC_LEN && f->sll_hatype == ETHER_ARPHRD_ETHER) {
		memcpy(f->src, addr, ETHER_MAC_LEN);
		f->has_src = true;
	}
	/* Linux packet(7): values below 0x0600 name a Linux ETH_P_* pseudo-type. */
	if (proto == SLL_P_802_2) {
		f->is_8023 = true;
		return decode_llc(c, f);
	}
	if (proto == SLL_P_802_3) {
		f->is_8023 = true;
		f->payload = *c;
		return true;
	}
	if (proto < ETHER_TYPE_MIN) {
		/* CAN, Bluetooth and other non-Ethernet pseudo-types: not ours. */
		f->ethertype = 0;
		f->payload = *c;
		return true;
	}
	return decode_from_type(c, proto, f);
}

/*
 * DLT_LINUX_SLL (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html): packet type,
 * ARPHRD type, address length, 8 address bytes, protocol; 16 bytes.
 */
bool
ether_decode_sll(const struct cursor *in, struct ether_frame *out)
{
	struct cursor c = *in;
	uint16_t pkttype, halen, proto;
	uint8_t addr[SLL_ADDR_LEN];

	memset(out, 0, sizeof(*out));
	out->link = ETHER_LINK_SLL;
	cursor_u16be(&c, &pkttype);
	cursor_u16be(&c, &out->sll_hatype);
	cursor_u16be(&c, &halen);
	cursor_bytes(&c, addr, sizeof(addr));
	cursor_u16be(&c, &proto);
	if (!cursor_ok(&c))
		return false;
	out->sll_pkttype = (uint8_t)(pkttype > 0xff ? 0xff : pkttype);
	return decode_cooked(&c, proto, halen, addr, out);
}

/*
 * DLT_LINUX_SLL2 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html): protocol,
 * reserved (MBZ), interface index, ARPHRD type, packet type, address length,
 * 8 address bytes; 20 bytes.
 */
bool
ether_decode_sll2(const struct cursor *in, struct ether_frame *out)
{
	struct cursor c = *in;
	uint16_t proto, reserved;
	uint8_t halen;
	uint8_t addr[SLL_ADDR_LEN];

	memset(out, 0, sizeof(*out));
	out->link = ETHER_LINK_SLL2;
	cursor_u16be(&c, &proto);
	cursor_u16be(&c, &reserved);
	cursor_u32be(&c, &out->sll_ifindex);
	cursor_u16be(&c, &out->sll_hatype);
	cursor_u8(&c, &out->sll_pkttype);
	cursor_u8(&c, &halen);
	cursor_bytes(&c, addr, sizeof(addr));
	if (!cursor_ok(&c))
		return false;
	return decode_cooked(&c, proto, halen, addr, out);
}

bool
ether_is_cdp(const struct ether_frame *f)
{
	return f->has_snap && memcmp(f->snap_oui, oui_cisco, sizeof(oui_cisco)) == 0 &&
	       f->snap_type == SNAP_TYPE_CDP;
}

bool
ether_is_lldp(const struct ether_frame *f)
{
	return f->ethertype == ETHER_TYPE_LLDP;
}

bool
ether_mac_is_broadcast(const uint8_t mac[ETHER_MAC_LEN])
{
	static const uint8_t bcast[ETHER_MAC_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	return memcmp(mac, bcast, ETHER_MAC_LEN) == 0;
}

bool
ether_mac_is_multicast(const uint8_t mac[ETHER_MAC_LEN])
{
	return (mac[0] & 0x01) != 0;
}
