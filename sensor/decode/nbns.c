/* nbns.c - NetBIOS name service (RFC 1002 §4.2) with first-level name encoding (RFC 1001 §14.1). */
#include <stddef.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sensor/decode/nbns.h"

#define NBNS_ENC_LEN       32 /* RFC 1001 §14.1: 16 octets, two characters each */
#define NBNS_NODE_NAME_LEN 18 /* RFC 1002 §4.2.18: 16-octet name, 2-octet flags */

/* Trim the padding of a 15-octet NetBIOS name: spaces, and NULs after "*". */
static uint8_t
trimmed_len(const uint8_t *name)
{
	uint8_t n = 15;

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\0'))
		n--;
	return n;
}

/*
 * The 32 characters at enc as 16 octets (RFC 1001 §14.1): false when one is
 * not 'A' to 'P'. With SSE2, 16 characters a step: each less 'A' must be at
 * most 15 as an unsigned byte, and each pair (high half first) is joined in
 * its 16-bit lane and the lanes packed to bytes.
 */
static bool
halves_decode(const uint8_t *enc, uint8_t raw[16])
{
#if defined(__SSE2__)
	const __m128i a = _mm_set1_epi8('A'), fifteen = _mm_set1_epi8(15),
	              low = _mm_set1_epi16(0x00ff);
	__m128i d0 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)enc), a);
	__m128i d1 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(enc + 16)), a);
	__m128i ok = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(d0, fifteen), fifteen),
	                           _mm_cmpeq_epi8(_mm_max_epu8(d1, fifteen), fifteen));

	if (_mm_movemask_epi8(ok) != 0xffff)
		return false;
	d0 = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(d0, low), 4), _mm_srli_epi16(d0, 8));
	d1 = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(d1, low), 4), _mm_srli_epi16(d1, 8));
	_mm_storeu_si128((__m128i *)(void *)raw, _mm_packus_epi16(d0, d1));
	return true;
#else
	for (size_t i = 0; i < 16; i++) {
		uint8_t hi = enc[2 * i], lo = enc[2 * i + 1];

		if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
			return false;
		raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
	}
	return true;
#endif
}

/*
 * RFC 1001 §14.1: each octet of the 16-octet name is split into two
 * half-octets, each sent as 'A' + value. The first label is exactly 32 such
 * characters; the labels after it are the scope (§14.2).
 */
static bool
name_decode(const struct cursor *msg, struct cursor *c, struct nbns_name *out)
{
	struct dns_name dn;
	uint8_t raw[16];

	/* Not the scope's 256 bytes: it is read up to scope_len and its NUL. */
	memset(out, 0, offsetof(struct nbns_name, scope));
	out->scope[0] = 0;
	if (!dns_name_read(msg, c, &dn))
		return false;
	if (dn.len < NBNS_ENC_LEN || (dn.len > NBNS_ENC_LEN && dn.text[NBNS_ENC_LEN] != '.'))
		return false;
	if (!halves_decode((const uint8_t *)dn.text, raw))
		return false;
	out->len = trimmed_len(raw);
	memcpy(out->name, raw, out->len);
	out->suffix = raw[15];
	if (dn.len > NBNS_ENC_LEN) {
		out->scope_len = (uint16_t)(dn.len - NBNS_ENC_LEN - 1);
		memcpy(out->scope, dn.text + NBNS_ENC_LEN + 1, out->scope_len);
		out->scope[out->scope_len] = 0;
	}
	return true;
}

/* RFC 1002 §4.2.18: NUM_NAMES, NODE_NAME array, STATISTICS (UNIT_ID first). */
static bool
nbstat_decode(struct cursor r, struct nbns_nbstat *out)
{
	memset(out, 0, sizeof(*out));
	if (!cursor_u8(&r, &out->num_names))
		return false;
	for (unsigned i = 0; i < out->num_names; i++) {
		uint8_t raw[16];
		uint16_t flags;

		cursor_bytes(&r, raw, sizeof(raw));
		cursor_u16be(&r, &flags);
		if (!cursor_ok(&r))
			return false;
		if (out->nnames < NBNS_NBSTAT_MAX) {
			struct nbns_node_name *n = &out->names[out->nnames++];

			n->len = trimmed_len(raw);
			memcpy(n->name, raw, n->len);
			n->suffix = raw[15];
			n->flags = flags;
			n->group = (flags & NBNS_FLAG_GROUP) != 0;
		}
	}
	/* Some stacks cut the statistics short; the unit id is all we use. */
	if (r.rem >= 6) {
		cursor_bytes(&r, out->unit_id, 6);
		out->has_unit_id = true;
	}
	return true;
}

/* RFC 1002 §4.2.1.3: RR_NAME, RR_TYPE, RR_CLASS, TTL, RDLENGTH, RDATA. */
static bool
rr_decode(const struct cursor *msg, struct cursor *c, struct nbns_msg *m, bool keep)
{
	struct nbns_name name;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	struct cursor rd;

	if (!name_decode(msg, c, &name))
		return false;
	cursor_u16be(c, &type);
	cursor_u16be(c, &rclass);
	cursor_u32be(c, &ttl);
	cursor_u16be(c, &rdlen);
	if (!cursor_sub(c, rdlen, &rd))
		return false;
	if (type == NBNS_TYPE_NB && m->opcode != NBNS_OP_WACK) {
		/* §4.2.2, §4.2.13: NB_FLAGS + NB_ADDRESS entries, 6 octets each. */
		if (rdlen % 6 != 0)
			return false;
	} else if (type == NBNS_TYPE_NBSTAT && m->response) {
		struct nbns_nbstat tmp;

		if (!nbstat_decode(rd, keep ? &m->nbstat : &tmp))
			return false;
		if (keep)
			m->has_nbstat = true;
	}
	if (!keep)
		return true;
	m->has_rr = true;
	m->rrname = name;
	m->rrtype = type;
	m->rrclass = rclass;
	m->ttl = ttl;
	if (type == NBNS_TYPE_NB && m->opcode != NBNS_OP_WACK) {
		while (rd.rem > 0 && m->nnb < NBNS_NB_MAX) {
			cursor_u16be(&rd, &m->nb[m->nnb].flags);
			cursor_bytes(&rd, m->nb[m->nnb].addr, 4);
			m->nnb++;
		}
	}
	return true;
}

bool
nbns_decode(struct cursor *c, struct nbns_msg *out)
{
	const struct cursor msg = *c;
	unsigned total;

	/*
	 * Zero all but the names' scopes (read up to scope_len and a NUL) and
	 * the node status (written whole by nbstat_decode(), read only with
	 * has_nbstat): about 1.2 KiB a packet less to clear.
	 */
	memset(out, 0, offsetof(struct nbns_msg, qname.scope));
	out->qname.scope[0] = 0;
	memset(&out->qtype, 0,
	       offsetof(struct nbns_msg, rrname.scope) - offsetof(struct nbns_msg, qtype));
	out->rrname.scope[0] = 0;
	memset(&out->rrtype, 0,
	       offsetof(struct nbns_msg, nbstat) - offsetof(struct nbns_msg, rrtype));
	out->nbstat.num_names = out->nbstat.nnames = 0;
	out->nbstat.has_unit_id = false;
	/* RFC 1002 §4.2.1.1 header. */
	cursor_u16be(c, &out->txid);
	cursor_u16be(c, &out->flags);
	cursor_u16be(c, &out->qdcount);
	cursor_u16be(c, &out->ancount);
	cursor_u16be(c, &out->nscount);
	cursor_u16be(c, &out->arcount);
	if (!cursor_ok(c))
		return false;
	out->response = (out->flags & 0x8000) != 0;
	out->opcode = (out->flags >> 11) & 0x0f;
	out->nm_flags = (out->flags >> 4) & 0x7f;
	out->broadcast = (out->flags & 0x0010) != 0;
	out->rcode = out->flags & 0x0f;

	/* §4.2.1.2 question entries: QUESTION_NAME, QUESTION_TYPE, QUESTION_CLASS. */
	for (unsigned i = 0; i < out->qdcount; i++) {
		struct nbns_name name;
		uint16_t type, qclass;

		if (!name_decode(&msg, c, &name))
			return false;
		cursor_u16be(c, &type);
		cursor_u16be(c, &qclass);
		if (!cursor_ok(c))
			return false;
		if (!out->has_question) {
			out->has_question = true;
			out->qname = name;
			out->qtype = type;
			out->qclass = qclass;
		}
	}
	total = (unsigned)out->ancount + out->nscount + out->arcount;
	for (unsigned i = 0; i < total; i++)
		if (!rr_decode(&msg, c, out, !out->has_rr))
			return false;
	return true;
}

bool
nbns_decode_nbstat_response(struct cursor *c, struct nbns_nbstat *out)
{
	struct nbns_msg m;

	memset(out, 0, sizeof(*out));
	if (!nbns_decode(c, &m) || !m.response || !m.has_nbstat)
		return false;
	*out = m.nbstat;
	return true;
}

size_t
nbns_encode_nbstat_query(uint8_t *out, size_t outlen, uint16_t txid)
{
	static const uint8_t name[16] = {'*'}; /* "*" padded with NULs (§4.2.17) */
	size_t w = 0;

	if (out == NULL || outlen < NBNS_NBSTAT_QUERY_LEN)
		return 0;
	/* Header: unicast query, no flags, one question (§4.2.17). */
	out[w++] = (uint8_t)(txid >> 8);
	out[w++] = (uint8_t)txid;
	memset(out + w, 0, 10);
	out[w + 3] = 1; /* QDCOUNT */
	w += 10;
	/* QUESTION_NAME: one 32-character label, then the root (RFC 1001 §14.1). */
	out[w++] = NBNS_ENC_LEN;
	for (size_t i = 0; i < sizeof(name); i++) {
		out[w++] = (uint8_t)('A' + (name[i] >> 4));
		out[w++] = (uint8_t)('A' + (name[i] & 0x0f));
	}
	out[w++] = 0;
	/* QUESTION_TYPE NBSTAT, QUESTION_CLASS IN. */
	out[w++] = 0x00;
	out[w++] = 0x21;
	out[w++] = 0x00;
	out[w++] = 0x01;
	return w;
}
