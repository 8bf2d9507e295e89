/* dhcp.c - DHCPv4 decoder: RFC 2131 §2 message, RFC 2132 options, RFC 4702 client FQDN. */
#include <stddef.h>
#include <string.h>

#include "sensor/decode/dhcp.h"

#define DHCP_FIXED_LEN 236 /* RFC 2131 §2: op .. file, before the options */
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN  128

enum {
	OPT_PAD = 0,
	OPT_HOSTNAME = 12,
	OPT_REQUESTED_IP = 50,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_PRL = 55,
	OPT_MAX_SIZE = 57,
	OPT_VENDOR_CLASS = 60,
	OPT_CLIENT_ID = 61,
	OPT_USER_CLASS = 77,
	OPT_FQDN = 81,
	OPT_END = 255,
};

static void
keep(struct dhcp_opt *o, struct cursor v)
{
	if (o->present)
		return;
	o->present = true;
	o->len = (uint8_t)v.rem; /* at most 255: the length octet */
	cursor_bytes(&v, o->v, v.rem);
}

/* RFC 4702 §2: flags, RCODE1, RCODE2, domain name. */
static bool
fqdn_decode(struct cursor v, struct dhcp_msg *m)
{
	uint8_t rcode;
	size_t n;

	if (!cursor_u8(&v, &m->fqdn_flags) || !cursor_u8(&v, &rcode) || !cursor_u8(&v, &rcode))
		return false;
	if (m->fqdn_flags & DHCP_FQDN_E) /* RFC 4702 §2.3.1 canonical wire format */
		return dns_name_read_flat(&v, &m->fqdn, &m->fqdn_partial);
	/* RFC 4702 §2.3.2 deprecated ASCII encoding; a trailing NUL or dot is dropped. */
	n = v.rem;
	while (n > 0 && (v.p[n - 1] == '\0' || v.p[n - 1] == '.'))
		n--;
	m->fqdn.len = (uint16_t)n;
	if (!cursor_bytes(&v, m->fqdn.text, n))
		return false;
	m->fqdn.text[n] = '\0';
	return true;
}

/* One option's value, by code; false when its length is wrong for the code. */
static bool
opt_store(uint8_t code, struct cursor v, struct dhcp_msg *m, bool allow_overload)
{
	switch (code) {
	case OPT_MSG_TYPE: /* RFC 2132 §9.6: length 1 */
		if (v.rem != 1)
			return false;
		if (m->msg_type == 0)
			cursor_u8(&v, &m->msg_type);
		return true;
	case OPT_REQUESTED_IP: /* RFC 2132 §9.1: length 4 */
		if (v.rem != 4)
			return false;
		if (!m->has_requested_ip)
			cursor_bytes(&v, m->requested_ip, 4);
		m->has_requested_ip = true;
		return true;
	case OPT_OVERLOAD: /* RFC 2132 §9.3: length 1, value 1..3 */
		if (v.rem != 1)
			return false;
		if (allow_overload && m->overload == 0) {
			cursor_u8(&v, &m->overload);
			if (m->overload < 1 || m->overload > 3)
				return false;
		}
		return true;
	case OPT_MAX_SIZE: /* RFC 2132 §9.10: length 2 */
		if (v.rem != 2)
			return false;
		if (m->max_msg_size == 0)
			cursor_u16be(&v, &m->max_msg_size);
		return true;
	case OPT_HOSTNAME: /* RFC 2132 §3.14: minimum length 1 */
		if (v.rem < 1)
			return false;
		keep(&m->hostname, v);
		return true;
	case OPT_PRL: /* RFC 2132 §9.8: minimum length 1 */
		if (v.rem < 1)
			return false;
		keep(&m->prl, v);
		return true;
	case OPT_VENDOR_CLASS: /* RFC 2132 §9.13: minimum length 1 */
		if (v.rem < 1)
			return false;
		keep(&m->vendor_class, v);
		return true;
	case OPT_CLIENT_ID: /* RFC 2132 §9.14: minimum length 2 */
		if (v.rem < 2)
			return false;
		keep(&m->client_id, v);
		return true;
	case OPT_USER_CLASS:
		keep(&m->user_class, v);
		return true;
	case OPT_FQDN:
		if (m->has_fqdn)
			return true;
		m->has_fqdn = true;
		return fqdn_decode(v, m);
	default:
		return true;
	}
}

/*
 * Walk the options of one field (RFC 2132 §2): Pad and End are single
 * octets, every other option is code, length, value. An option whose length
 * runs past the field is malformed. What follows End is padding.
 */
static bool
opts_walk(struct cursor f, struct dhcp_msg *m, bool allow_overload)
{
	uint8_t code, len;
	struct cursor v;

	while (f.rem > 0) {
		if (!cursor_u8(&f, &code))
			return false;
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return true;
		if (!cursor_u8(&f, &len) || !cursor_sub(&f, len, &v))
			return false;
		if (!opt_store(code, v, m, allow_overload))
			return false;
	}
	return true; /* no End: tolerated when the last option fits exactly */
}

static void
opt_clear(struct dhcp_opt *o)
{
	o->present = false;
	o->len = 0;
}

bool
dhcp_decode(struct cursor *c, struct dhcp_msg *out)
{
	struct cursor sname, file;
	uint32_t cookie;

	/*
	 * Zero the fixed fields and each value's length, not the 1.3 KiB of
	 * value bytes: a value is read only up to its length (and a name up to
	 * its length and NUL), and the decoder writes those.
	 */
	memset(out, 0, offsetof(struct dhcp_msg, hostname));
	opt_clear(&out->hostname);
	opt_clear(&out->prl);
	opt_clear(&out->vendor_class);
	opt_clear(&out->client_id);
	opt_clear(&out->user_class);
	out->has_fqdn = false;
	out->fqdn_flags = 0;
	out->fqdn_partial = false;
	out->fqdn.len = 0;
	out->fqdn.text[0] = 0;
	/* RFC 2131 §2, figure 1. */
	cursor_u8(c, &out->op);
	cursor_u8(c, &out->htype);
	cursor_u8(c, &out->hlen);
	cursor_u8(c, &out->hops);
	cursor_u32be(c, &out->xid);
	cursor_u16be(c, &out->secs);
	cursor_u16be(c, &out->flags);
	cursor_bytes(c, out->ciaddr, 4);
	cursor_bytes(c, out->yiaddr, 4);
	cursor_bytes(c, out->siaddr, 4);
	cursor_bytes(c, out->giaddr, 4);
	cursor_bytes(c, out->chaddr, 16);
	cursor_sub(c, DHCP_SNAME_LEN, &sname);
	cursor_sub(c, DHCP_FILE_LEN, &file);
	if (!cursor_ok(c))
		return false;
	/* RFC 2131 §2: op is BOOTREQUEST or BOOTREPLY; chaddr holds 16 octets. */
	if (out->op != 1 && out->op != 2)
		return false;
	if (out->hlen > sizeof(out->chaddr))
		return false;
	/* RFC 2131 §3: options start with the magic cookie 99.130.83.99. */
	if (c->rem < 4)
		return true; /* BOOTP without vendor extensions (RFC 951) */
	cursor_u32be(c, &cookie);
	if (cookie != 0x63825363)
		return true; /* BOOTP vendor area of another format: not ours */
	out->has_cookie = true;
	if (!opts_walk(*c, out, true))
		return false;
	/* RFC 2131 §4.1: overloaded fields are read after the options, file first. */
	if ((out->overload & 1) && !opts_walk(file, out, false))
		return false;
	if ((out->overload & 2) && !opts_walk(sname, out, false))
		return false;
	cursor_skip(c, c->rem);
	return true;
}

size_t
dhcp_prl_format(const uint8_t *prl, size_t n, char *out, size_t outlen)
{
	size_t w = 0;

	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = prl[i];
		size_t k = v >= 100 ? 3 : v >= 10 ? 2 : 1, need = k + (i > 0);

		if (w + need >= outlen)
			break;
		if (i > 0)
			out[w++] = ',';
		if (k == 3)
			out[w++] = (char)('0' + v / 100);
		if (k >= 2)
			out[w++] = (char)('0' + v / 10 % 10);
		out[w++] = (char)('0' + v % 10);
	}
	out[w] = '\0';
	return w;
}
