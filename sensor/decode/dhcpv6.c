/* dhcpv6.c - DHCPv6 decoder: RFC 8415 §8 client/server messages, §11 DUIDs, §21 options. */
#include <string.h>

#include "sensor/decode/dhcpv6.h"

#define DHCPV6_RELAY_HDR 34 /* RFC 8415 §9: type, hop count, link and peer address */

enum {
	OPT_CLIENTID = 1,
	OPT_ORO = 6,
	OPT_USER_CLASS = 15,
	OPT_VENDOR_CLASS = 16,
	OPT_CLIENT_FQDN = 39,
};

/* RFC 8415 §11: DUID type, then a type-specific body. */
static bool
duid_decode(struct cursor v, struct dhcpv6_msg *m)
{
	struct cursor d = v;

	/* RFC 8415 §11.1: at most 128 octets after the type; at least the type. */
	if (v.rem < 2 || v.rem > DHCPV6_DUID_MAX)
		return false;
	m->duid_len = (uint8_t)v.rem;
	cursor_bytes(&d, m->duid, v.rem);
	cursor_u16be(&v, &m->duid_type);
	switch (m->duid_type) {
	case DHCPV6_DUID_LLT: /* §11.2: hardware type, time, link-layer address */
		cursor_u16be(&v, &m->duid_hwtype);
		cursor_u32be(&v, &m->duid_time);
		break;
	case DHCPV6_DUID_EN: /* §11.3: enterprise number, identifier */
		cursor_u32be(&v, &m->duid_enterprise);
		return cursor_ok(&v);
	case DHCPV6_DUID_LL: /* §11.4: hardware type, link-layer address */
		cursor_u16be(&v, &m->duid_hwtype);
		break;
	case DHCPV6_DUID_UUID: /* RFC 6355 §4: exactly 16 octets of UUID */
		if (v.rem != 16)
			return false;
		return cursor_bytes(&v, m->uuid, 16);
	default:
		return true; /* unknown types are kept raw in duid */
	}
	if (!cursor_ok(&v))
		return false;
	if (v.rem <= sizeof(m->lladdr)) {
		m->lladdr_len = (uint8_t)v.rem;
		cursor_bytes(&v, m->lladdr, v.rem);
	}
	return true;
}

/* RFC 8415 §21.7: a list of 2-octet option codes. */
static bool
oro_decode(struct cursor v, struct dhcpv6_msg *m)
{
	uint16_t code;

	if (v.rem % 2 != 0)
		return false;
	while (v.rem > 0) {
		cursor_u16be(&v, &code);
		if (m->noro < DHCPV6_ORO_MAX)
			m->oro[m->noro++] = code;
		m->oro_total++;
	}
	return true;
}

/* RFC 8415 §21.15, §21.16: a run of 2-octet-length-prefixed opaque strings. */
static bool
class_strings(struct cursor v, struct dhcpv6_str *out, uint8_t *n)
{
	uint16_t len;
	const uint8_t *p;

	while (v.rem > 0) {
		if (!cursor_u16be(&v, &len) || !cursor_ptr(&v, &p, len))
			return false;
		if (*n < DHCPV6_CLASS_MAX) {
			size_t keep = len < DHCPV6_CLASS_STRMAX ? len : DHCPV6_CLASS_STRMAX;

			out[*n].len = (uint8_t)keep;
			memcpy(out[*n].v, p, keep);
			(*n)++;
		}
	}
	return true;
}

static bool
opt_decode(uint16_t code, struct cursor v, struct dhcpv6_msg *m)
{
	switch (code) {
	case OPT_CLIENTID: /* §21.2 */
		if (m->has_client_id)
			return true;
		m->has_client_id = true;
		return duid_decode(v, m);
	case OPT_ORO:
		return m->oro_total == 0 ? oro_decode(v, m) : true;
	case OPT_USER_CLASS:
		return class_strings(v, m->user_class, &m->nuser_class);
	case OPT_VENDOR_CLASS: /* §21.16: enterprise number, vendor-class-data */
		if (m->has_vendor_class)
			return true;
		m->has_vendor_class = true;
		if (!cursor_u32be(&v, &m->vendor_enterprise))
			return false;
		return class_strings(v, m->vendor_class, &m->nvendor_class);
	case OPT_CLIENT_FQDN: /* RFC 4704 §4: flags, then a DNS wire-format name */
		if (m->has_fqdn)
			return true;
		m->has_fqdn = true;
		if (!cursor_u8(&v, &m->fqdn_flags))
			return false;
		return dns_name_read_flat(&v, &m->fqdn, &m->fqdn_partial);
	default:
		return true;
	}
}

bool
dhcpv6_decode(struct cursor *c, struct dhcpv6_msg *out)
{
	uint8_t x[3];
	uint16_t code, len;
	struct cursor v;

	memset(out, 0, sizeof(*out));
	if (!cursor_u8(c, &out->msg_type))
		return false;
	if (out->msg_type == DHCPV6_RELAY_FORW || out->msg_type == DHCPV6_RELAY_REPL) {
		/* RFC 8415 §9: recognised, not decoded. */
		out->is_relay = true;
		return cursor_skip(c, DHCPV6_RELAY_HDR - 1) && cursor_skip(c, c->rem);
	}
	/* RFC 8415 §8: msg-type, 3-octet transaction-id, options. */
	if (!cursor_bytes(c, x, 3))
		return false;
	out->xid = (uint32_t)x[0] << 16 | (uint32_t)x[1] << 8 | x[2];
	/* RFC 8415 §21.1: option-code, option-len, option-data. */
	while (c->rem > 0) {
		cursor_u16be(c, &code);
		cursor_u16be(c, &len);
		if (!cursor_sub(c, len, &v))
			return false;
		if (!opt_decode(code, v, out))
			return false;
	}
	return true;
}
