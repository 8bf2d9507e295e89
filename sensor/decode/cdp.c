/* cdp.c - Cisco Discovery Protocol v1/v2 decoder (frame format as published by Cisco). */
#include <string.h>

#include "sensor/decode/cdp.h"

enum {
	TLV_DEVICE_ID = 0x0001,
	TLV_ADDRESSES = 0x0002,
	TLV_PORT_ID = 0x0003,
	TLV_CAPABILITIES = 0x0004,
	TLV_SOFTWARE = 0x0005,
	TLV_PLATFORM = 0x0006,
	TLV_VTP_DOMAIN = 0x0009,
	TLV_NATIVE_VLAN = 0x000a,
	TLV_DUPLEX = 0x000b,
	TLV_MGMT_ADDRESSES = 0x0016,
};

static const uint8_t snap_ipv6[8] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd};

static void
str_take(struct cursor v, struct cdp_str *s)
{
	if (s->p == NULL) {
		s->p = v.rem ? v.p : (const uint8_t *)"";
		s->len = v.rem;
	}
}

/*
 * Address TLV: a 4-octet count, then per address: protocol type (1 NLPID,
 * 2 802.2), protocol length, protocol, 2-octet address length, address.
 */
static bool
addrs_take(struct cursor v, struct cdp_addr *out, uint8_t *n)
{
	uint32_t count;

	if (!cursor_u32be(&v, &count))
		return false;
	for (uint32_t i = 0; i < count; i++) {
		struct cdp_addr a;
		uint8_t ptype, plen;
		uint16_t alen;
		const uint8_t *proto, *addr;

		memset(&a, 0, sizeof(a));
		cursor_u8(&v, &ptype);
		cursor_u8(&v, &plen);
		cursor_ptr(&v, &proto, plen);
		cursor_u16be(&v, &alen);
		cursor_ptr(&v, &addr, alen);
		if (!cursor_ok(&v))
			return false;
		if (ptype == 1 && plen == 1 && proto[0] == 0xcc && alen == 4)
			a.family = 4; /* NLPID IP */
		else if (ptype == 2 && plen == 8 && memcmp(proto, snap_ipv6, 8) == 0 && alen == 16)
			a.family = 6; /* 802.2 SNAP, ethertype 0x86dd */
		a.len = (uint8_t)(alen < sizeof(a.addr) ? alen : sizeof(a.addr));
		memcpy(a.addr, addr, a.len);
		if (*n < CDP_ADDRS_MAX)
			out[(*n)++] = a;
	}
	return true;
}

bool
cdp_decode(struct cursor *c, struct cdp_msg *out)
{
	memset(out, 0, sizeof(*out));
	cursor_u8(c, &out->version);
	cursor_u8(c, &out->ttl);
	cursor_u16be(c, &out->checksum);
	if (!cursor_ok(c) || (out->version != 1 && out->version != 2))
		return false;
	while (c->rem > 0) {
		uint16_t type, len;
		struct cursor v;
		uint8_t b;

		cursor_u16be(c, &type);
		cursor_u16be(c, &len);
		/* The length counts the 4-octet type/length header. */
		if (!cursor_ok(c) || len < 4 || !cursor_sub(c, len - 4u, &v))
			return false;
		switch (type) {
		case TLV_DEVICE_ID:
			str_take(v, &out->device_id);
			break;
		case TLV_PORT_ID:
			str_take(v, &out->port_id);
			break;
		case TLV_SOFTWARE:
			str_take(v, &out->software);
			break;
		case TLV_PLATFORM:
			str_take(v, &out->platform);
			break;
		case TLV_VTP_DOMAIN:
			str_take(v, &out->vtp_domain);
			break;
		case TLV_CAPABILITIES:
			if (v.rem != 4 || !cursor_u32be(&v, &out->caps))
				return false;
			out->has_caps = true;
			break;
		case TLV_NATIVE_VLAN:
			if (v.rem != 2 || !cursor_u16be(&v, &out->native_vlan))
				return false;
			out->has_native_vlan = true;
			break;
		case TLV_DUPLEX:
			if (v.rem != 1 || !cursor_u8(&v, &b))
				return false;
			out->has_duplex = true;
			out->full_duplex = b != 0;
			break;
		case TLV_ADDRESSES:
			if (!addrs_take(v, out->addrs, &out->naddrs))
				return false;
			break;
		case TLV_MGMT_ADDRESSES:
			if (!addrs_take(v, out->mgmt, &out->nmgmt))
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}
