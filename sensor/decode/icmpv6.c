/* icmpv6.c - RFC 4443 ICMPv6 header and echo, RFC 4861 Neighbor Discovery messages and options. */
#include <string.h>

#include "sensor/decode/icmpv6.h"

/* RFC 4861 4.6 option types. */
#define ND_OPT_SLL    1
#define ND_OPT_TLL    2
#define ND_OPT_PREFIX 3
#define ND_OPT_MTU    5

/*
 * RFC 4861 4.6: each option is type, length in units of 8 octets (covering
 * type and length), data. Each is read through a sub-cursor of its length.
 */
static bool
decode_options(struct cursor *c, struct icmpv6_msg *m)
{
	while (c->rem > 0) {
		struct cursor opt;
		uint8_t type, len;

		cursor_u8(c, &type);
		cursor_u8(c, &len);
		if (!cursor_ok(c))
			return false;
		/* RFC 4861 4.6: discard an ND packet that has an option of length zero. */
		if (len == 0)
			return false;
		if (!cursor_sub(c, (size_t)len * 8 - 2, &opt))
			return false;
		m->n_opts++;
		switch (type) {
		case ND_OPT_SLL:
		case ND_OPT_TLL:
			/* RFC 4861 4.6.1; on Ethernet the address is 6 bytes, length 1 (RFC 2464 6). */
			if (len != 1)
				break;
			if (type == ND_OPT_SLL) {
				cursor_bytes(&opt, m->sll, sizeof(m->sll));
				m->has_sll = true;
			} else {
				cursor_bytes(&opt, m->tll, sizeof(m->tll));
				m->has_tll = true;
			}
			break;
		case ND_OPT_PREFIX: {
			struct icmpv6_prefix p;
			uint8_t flags;

			/* RFC 4861 4.6.2: length 4; length, flags, lifetimes, reserved, prefix. */
			if (len != 4)
				return false;
			memset(&p, 0, sizeof(p));
			cursor_u8(&opt, &p.len);
			cursor_u8(&opt, &flags);
			cursor_u32be(&opt, &p.valid_lifetime);
			cursor_u32be(&opt, &p.preferred_lifetime);
			cursor_skip(&opt, 4);
			cursor_bytes(&opt, p.prefix, sizeof(p.prefix));
			if (!cursor_ok(&opt) || p.len > 128)
				return false;
			p.onlink = (flags & 0x80) != 0;
			p.autoconf = (flags & 0x40) != 0;
			if (m->n_prefix < ICMPV6_MAX_PREFIX)
				m->prefix[m->n_prefix++] = p;
			if (m->n_prefix_all < UINT8_MAX)
				m->n_prefix_all++;
			break;
		}
		case ND_OPT_MTU:
			/* RFC 4861 4.6.4: length 1; reserved, MTU. */
			if (len != 1)
				return false;
			cursor_skip(&opt, 2);
			cursor_u32be(&opt, &m->mtu);
			m->has_mtu = true;
			break;
		default:
			/* RFC 4861 4.6: unrecognised options are ignored. */
			break;
		}
	}
	return true;
}

static bool
addr_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff; /* RFC 4291 2.7 */
}

bool
icmpv6_decode(const struct cursor *in, struct icmpv6_msg *out)
{
	struct cursor c = *in;
	uint8_t b;

	memset(out, 0, sizeof(*out));
	/* RFC 4443 2.1: type, code, checksum, message body. */
	cursor_u8(&c, &out->type);
	cursor_u8(&c, &out->code);
	cursor_u16be(&c, &out->checksum);
	if (!cursor_ok(&c))
		return false;
	out->body = c;

	if (icmpv6_is_ndp(out) && out->code != 0)
		return false; /* RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2: "ICMP Code is 0" */

	switch (out->type) {
	case ICMPV6_ECHO_REQUEST:
	case ICMPV6_ECHO_REPLY:
		/* RFC 4443 4.1, 4.2: identifier, sequence number, data. */
		cursor_u16be(&c, &out->echo_id);
		cursor_u16be(&c, &out->echo_seq);
		out->body = c;
		return cursor_ok(&c);
	case ICMPV6_ND_RS:
		/* RFC 4861 4.1: reserved, options; 6.1.1: length 8 or more. */
		if (!cursor_skip(&c, 4))
			return false;
		break;
	case ICMPV6_ND_RA:
		/* RFC 4861 4.2: hop limit, M/O flags, router lifetime, reachable, retrans; 6.1.2: 16 or more. */
		cursor_u8(&c, &out->ra_hop_limit);
		cursor_u8(&c, &b);
		cursor_u16be(&c, &out->ra_router_lifetime);
		cursor_u32be(&c, &out->ra_reachable_time);
		cursor_u32be(&c, &out->ra_retrans_timer);
		if (!cursor_ok(&c))
			return false;
		out->ra_flags = b & (ICMPV6_RA_MANAGED | ICMPV6_RA_OTHER);
		break;
	case ICMPV6_ND_NS:
	case ICMPV6_ND_NA:
		/* RFC 4861 4.3/4.4: (R/S/O flags) reserved, target; 7.1.1/7.1.2: 24 or more. */
		cursor_u8(&c, &b);
		cursor_skip(&c, 3);
		cursor_bytes(&c, out->target, sizeof(out->target));
		if (!cursor_ok(&c))
			return false;
		if (out->type == ICMPV6_ND_NA)
			out->na_flags =
			        b & (ICMPV6_NA_ROUTER | ICMPV6_NA_SOLICITED | ICMPV6_NA_OVERRIDE);
		/* RFC 4861 7.1.1, 7.1.2: "Target Address is not a multicast address". */
		if (addr_is_multicast(out->target))
			return false;
		break;
	default:
		return true;
	}
	out->body = c;
	return decode_options(&c, out);
}

bool
icmpv6_is_ndp(const struct icmpv6_msg *m)
{
	return m->type >= ICMPV6_ND_RS && m->type <= ICMPV6_ND_NA;
}
