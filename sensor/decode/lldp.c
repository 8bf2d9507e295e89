/* lldp.c - LLDPDU decoder: IEEE 802.1AB-2016 §8.2 LLDPDU format, §8.4 TLV format, §8.5 basic TLVs. */
#include <string.h>

#include "sensor/decode/lldp.h"

enum {
	TLV_END = 0,
	TLV_CHASSIS_ID = 1,
	TLV_PORT_ID = 2,
	TLV_TTL = 3,
	TLV_PORT_DESC = 4,
	TLV_SYS_NAME = 5,
	TLV_SYS_DESC = 6,
	TLV_SYS_CAPS = 7,
	TLV_MGMT_ADDR = 8,
	TLV_ORG = 127,
};

/* Copy a string TLV of at most 255 octets (§8.5.5 - §8.5.7). */
static bool
str_take(struct cursor v, struct lldp_str *s)
{
	if (v.rem > LLDP_STR_MAX)
		return false;
	if (s->present)
		return true; /* first instance counts */
	s->present = true;
	s->len = (uint8_t)v.rem;
	return cursor_bytes(&v, s->v, v.rem);
}

/* §8.5.2, §8.5.3: subtype, then 1-255 octets of id. */
static bool
id_take(struct cursor v, uint8_t *subtype, struct lldp_str *s)
{
	if (v.rem < 2 || v.rem > 256 || !cursor_u8(&v, subtype))
		return false;
	return str_take(v, s);
}

/*
 * §8.5.9: address string length (subtype + 1-31 octets), subtype, address,
 * interface numbering subtype, interface number, OID string length, OID.
 */
static bool
mgmt_take(struct cursor v, struct lldp_msg *m)
{
	struct lldp_mgmt a;
	uint8_t slen, oidlen;

	memset(&a, 0, sizeof(a));
	if (!cursor_u8(&v, &slen) || slen < 2 || slen > 32)
		return false;
	cursor_u8(&v, &a.family);
	a.len = (uint8_t)(slen - 1);
	cursor_bytes(&v, a.addr, a.len);
	cursor_u8(&v, &a.if_subtype);
	cursor_u32be(&v, &a.if_number);
	cursor_u8(&v, &oidlen);
	if (!cursor_ok(&v) || oidlen > 128 || !cursor_skip(&v, oidlen) || v.rem != 0)
		return false;
	if (m->nmgmt < LLDP_MGMT_MAX)
		m->mgmt[m->nmgmt++] = a;
	return true;
}

bool
lldp_decode(struct cursor *c, struct lldp_msg *out)
{
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	while (c->rem > 0) {
		uint16_t hdr;
		uint8_t type;
		struct cursor v;

		/* §8.4: 7-bit type, 9-bit information string length. */
		if (!cursor_u16be(c, &hdr))
			return false;
		type = (uint8_t)(hdr >> 9);
		if (!cursor_sub(c, hdr & 0x1ff, &v))
			return false;
		/* §8.2: Chassis ID, Port ID, TTL are the first three TLVs, in order. */
		if (n < 3 && type != n + 1)
			return false;
		n++;
		switch (type) {
		case TLV_END: /* §8.5.1: length 0; the rest of the frame is padding */
			if (v.rem != 0)
				return false;
			out->has_end = true;
			cursor_skip(c, c->rem);
			return true;
		case TLV_CHASSIS_ID:
			if (n != 1 || !id_take(v, &out->chassis_subtype, &out->chassis_id))
				return false;
			break;
		case TLV_PORT_ID:
			if (n != 2 || !id_take(v, &out->port_subtype, &out->port_id))
				return false;
			break;
		case TLV_TTL: /* §8.5.4: exactly 2 octets */
			if (n != 3 || v.rem != 2 || !cursor_u16be(&v, &out->ttl))
				return false;
			break;
		case TLV_PORT_DESC:
			if (!str_take(v, &out->port_desc))
				return false;
			break;
		case TLV_SYS_NAME:
			if (!str_take(v, &out->sys_name))
				return false;
			break;
		case TLV_SYS_DESC:
			if (!str_take(v, &out->sys_desc))
				return false;
			break;
		case TLV_SYS_CAPS: /* §8.5.8: 2 octets capabilities, 2 enabled */
			if (v.rem != 4)
				return false;
			if (!out->has_caps) {
				cursor_u16be(&v, &out->caps);
				cursor_u16be(&v, &out->caps_enabled);
				out->has_caps = true;
			}
			break;
		case TLV_MGMT_ADDR:
			if (!mgmt_take(v, out))
				return false;
			break;
		case TLV_ORG: /* §8.6: OUI and subtype at least */
			if (v.rem < 4)
				return false;
			out->norg++;
			break;
		default:
			break; /* reserved types 9-126: skipped */
		}
	}
	/* Without End, the mandatory TLVs must at least be complete. */
	return n >= 3;
}
