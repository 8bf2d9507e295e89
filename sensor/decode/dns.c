/* dns.c - DNS message decoder for mDNS (RFC 6762) and LLMNR (RFC 4795); RFC 1035 §4 format. */
#include <stddef.h>
#include <string.h>

#include "sensor/decode/dns.h"

#define DNS_HEADER_LEN  12     /* RFC 1035 §4.1.1 */
#define DNS_MDNS_TOPBIT 0x8000 /* RFC 6762 §18.12 (QU) and §18.13 (cache flush) */

/* Append one label to out, dot-separated. The caller checked the wire length. */
static bool
name_append(struct cursor *r, uint8_t len, struct dns_name *out)
{
	if (out->len > 0) {
		if (out->len + 1u >= sizeof(out->text))
			return false;
		out->text[out->len++] = '.';
	}
	if (out->len + (size_t)len >= sizeof(out->text))
		return false;
	if (!cursor_bytes(r, out->text + out->len, len))
		return false;
	out->len += len;
	return true;
}

/*
 * Walk the labels at *c. With msg, compression pointers are followed;
 * without, a pointer is malformed and running out of bytes before the root
 * label yields a partial name (allowed only when partial is non-NULL).
 */
static bool
name_walk(const struct cursor *msg, struct cursor *c, struct dns_name *out, bool *partial)
{
	struct cursor r = *c;
	size_t wire = 0, low = 0;
	unsigned hops = 0;
	bool jumped = false;
	uint8_t len, lo;

	out->len = 0;
	out->text[0] = '\0';
	if (partial)
		*partial = false;
	if (msg)
		low = (size_t)(c->p - msg->p);
	for (;;) {
		if (msg == NULL && partial && r.rem == 0 && !r.bad) {
			*partial = true; /* RFC 4702 §2.3.1: a partial name has no root label */
			break;
		}
		if (!cursor_u8(&r, &len))
			return false;
		if ((len & 0xc0) == 0xc0) {
			size_t off;

			/* RFC 1035 §4.1.4: a pointer is two octets, 14 bits of offset. */
			if (msg == NULL || !cursor_u8(&r, &lo))
				return false;
			off = (size_t)(len & 0x3f) << 8 | lo;
			if (!jumped) {
				*c = r; /* the name as it appears here ends at the pointer */
				jumped = true;
			}
			/*
			 * Loop protection: a pointer must land strictly before
			 * every byte of this name read so far, so the offsets
			 * strictly decrease; hops are capped as well.
			 */
			if (off >= low || ++hops > DNS_PTR_HOPS_MAX)
				return false;
			low = off;
			if (!cursor_seek(&r, msg, off))
				return false;
			continue;
		}
		/* 01 and 10 label types are extended/reserved (RFC 6891 §5). */
		if (len & 0xc0)
			return false;
		/* RFC 1035 §2.3.4: 255 octets, length octets and root included. */
		wire += 1u + len;
		if (wire + (len ? 1u : 0u) > DNS_NAME_WIRE_MAX)
			return false;
		if (len == 0)
			break;
		if (!name_append(&r, len, out))
			return false;
	}
	out->text[out->len] = '\0';
	if (!jumped)
		*c = r;
	return true;
}

bool
dns_name_read(const struct cursor *msg, struct cursor *c, struct dns_name *out)
{
	if (c->bad || msg->bad || msg->p == NULL || c->p < msg->p || c->p > msg->p + msg->rem)
		return false;
	return name_walk(msg, c, out, NULL);
}

bool
dns_name_read_flat(struct cursor *c, struct dns_name *out, bool *partial)
{
	if (!name_walk(NULL, c, out, partial))
		return false;
	/* The name fills the option: nothing may follow the root label. */
	return c->rem == 0;
}

bool
dns_txt_next(struct cursor *txt, const uint8_t **s, size_t *len)
{
	uint8_t n;

	*s = NULL;
	*len = 0;
	if (txt->rem == 0 || !cursor_u8(txt, &n) || !cursor_ptr(txt, s, n))
		return false;
	*len = n;
	return true;
}

static unsigned char
lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

bool
dns_txt_find(const struct dns_rr *rr, const char *key, const uint8_t **val, size_t *len)
{
	struct cursor t = cursor_init(rr->rdata, rr->rdlen);
	size_t klen = strlen(key), n;
	const uint8_t *s;

	*val = NULL;
	*len = 0;
	if (rr->type != DNS_T_TXT)
		return false;
	while (dns_txt_next(&t, &s, &n)) {
		size_t i;

		if (n < klen || (n > klen && s[klen] != '='))
			continue;
		for (i = 0; i < klen && lower(s[i]) == lower((unsigned char)key[i]); i++)
			;
		if (i < klen)
			continue;
		*val = n > klen ? s + klen + 1 : s + n;
		*len = n > klen ? n - klen - 1 : 0;
		return true;
	}
	return false;
}

/* RFC 1035 §3.3.14: TXT rdata is one or more character-strings, exactly filling it. */
static bool
txt_valid(struct cursor r)
{
	const uint8_t *s;
	size_t n;

	if (r.rem == 0)
		return false;
	while (r.rem > 0)
		if (!dns_txt_next(&r, &s, &n))
			return false;
	return true;
}

/* The typed part of one record's rdata; r is a sub-cursor of exactly rdlen bytes. */
static bool
rdata_decode(const struct cursor *msg, struct cursor r, struct dns_rr *rr)
{
	uint8_t n;

	switch (rr->type) {
	case DNS_T_A: /* RFC 1035 §3.4.1 */
		if (r.rem != 4)
			return false;
		return cursor_bytes(&r, rr->u.a, 4);
	case DNS_T_AAAA: /* RFC 3596 §2.2 */
		if (r.rem != 16)
			return false;
		return cursor_bytes(&r, rr->u.aaaa, 16);
	case DNS_T_PTR: /* RFC 1035 §3.3.12, §3.3.1, §3.3.11 */
	case DNS_T_CNAME:
	case DNS_T_NS:
		return dns_name_read(msg, &r, &rr->target) && r.rem == 0;
	case DNS_T_SRV: /* RFC 2782: priority, weight, port, target */
		cursor_u16be(&r, &rr->u.srv.priority);
		cursor_u16be(&r, &rr->u.srv.weight);
		cursor_u16be(&r, &rr->u.srv.port);
		return cursor_ok(&r) && dns_name_read(msg, &r, &rr->target) && r.rem == 0;
	case DNS_T_TXT:
		return txt_valid(r);
	case DNS_T_HINFO: /* RFC 1035 §3.3.2: CPU and OS character-strings */
		if (!cursor_u8(&r, &n) || !cursor_ptr(&r, &rr->u.hinfo.cpu, n))
			return false;
		rr->u.hinfo.cpu_len = n;
		if (!cursor_u8(&r, &n) || !cursor_ptr(&r, &rr->u.hinfo.os, n))
			return false;
		rr->u.hinfo.os_len = n;
		return r.rem == 0;
	default:
		return true; /* kept as raw rdata */
	}
}

/* RFC 1035 §4.1.3: NAME TYPE CLASS TTL RDLENGTH RDATA. */
static bool
rr_decode(const struct cursor *msg, struct cursor *c, bool mdns, struct dns_rr *rr)
{
	struct cursor rd;

	/*
	 * Zero everything but the two names' text: a name is read only up to
	 * its length and NUL, which dns_name_read() and rdata_decode() write,
	 * so the 500 bytes behind them need not be cleared for every record.
	 */
	memset(rr, 0, offsetof(struct dns_rr, name.text));
	rr->name.text[0] = '\0';
	memset(&rr->type, 0, offsetof(struct dns_rr, target.text) - offsetof(struct dns_rr, type));
	rr->target.text[0] = '\0';
	if (!dns_name_read(msg, c, &rr->name))
		return false;
	cursor_u16be(c, &rr->type);
	cursor_u16be(c, &rr->rclass);
	cursor_u32be(c, &rr->ttl);
	cursor_u16be(c, &rr->rdlen);
	if (!cursor_ok(c))
		return false;
	/* The top class bit of OPT is part of the UDP payload size (RFC 6891 §6.1.2). */
	if (mdns && rr->type != DNS_T_OPT) {
		rr->cache_flush = (rr->rclass & DNS_MDNS_TOPBIT) != 0;
		rr->rclass &= (uint16_t)~DNS_MDNS_TOPBIT;
	}
	if (!cursor_sub(c, rr->rdlen, &rd))
		return false;
	rr->rdata = rd.p;
	return rdata_decode(msg, rd, rr);
}

bool
dns_decode(struct cursor *c, bool mdns, struct dns_msg *out)
{
	const struct cursor msg = *c;
	struct dns_question q;
	struct dns_rr rr;
	unsigned total, i;

	/*
	 * Zero the header and the counters, not the 32 kept records (22 KiB):
	 * an entry is written whole when it is kept, and only kept ones are read.
	 */
	memset(out, 0, offsetof(struct dns_msg, q));
	out->nrrs = 0;
	out->rrs_dropped = 0;
	/* RFC 1035 §4.1.1 header. */
	cursor_u16be(c, &out->id);
	cursor_u16be(c, &out->flags);
	cursor_u16be(c, &out->qdcount);
	cursor_u16be(c, &out->ancount);
	cursor_u16be(c, &out->nscount);
	cursor_u16be(c, &out->arcount);
	if (!cursor_ok(c))
		return false;
	out->qr = (out->flags & 0x8000) != 0;
	out->opcode = (out->flags >> 11) & 0x0f;
	out->aa = (out->flags & 0x0400) != 0; /* LLMNR: the C (conflict) bit, RFC 4795 §2.1.1 */
	out->tc = (out->flags & 0x0200) != 0;
	out->rcode = out->flags & 0x0f;

	/* RFC 1035 §4.1.2 question section. */
	for (i = 0; i < out->qdcount; i++) {
		memset(&q, 0, sizeof(q));
		if (!dns_name_read(&msg, c, &q.name))
			return false;
		cursor_u16be(c, &q.type);
		cursor_u16be(c, &q.qclass);
		if (!cursor_ok(c))
			return false;
		if (mdns) {
			q.unicast_response = (q.qclass & DNS_MDNS_TOPBIT) != 0;
			q.qclass &= (uint16_t)~DNS_MDNS_TOPBIT;
		}
		if (out->nquestions < DNS_QUESTIONS_MAX)
			out->q[out->nquestions++] = q;
		else
			out->questions_dropped++;
	}

	/* RFC 1035 §4.1.3 answer, authority and additional sections. */
	total = (unsigned)out->ancount + out->nscount + out->arcount;
	for (i = 0; i < total; i++) {
		/* Decoded in place when kept (a failure fails the message, so nothing half-kept is read). */
		struct dns_rr *r = out->nrrs < DNS_RRS_MAX ? &out->rr[out->nrrs] : &rr;
		if (!rr_decode(&msg, c, mdns, r))
			return false;
		r->section = i < out->ancount                            ? DNS_SEC_ANSWER
		             : i < (unsigned)out->ancount + out->nscount ? DNS_SEC_AUTHORITY
		                                                         : DNS_SEC_ADDITIONAL;
		if (r != &rr)
			out->nrrs++;
		else
			out->rrs_dropped++;
	}
	return true;
}
