/* spnego.c - the SPNEGO tokens SMB2 carries around NTLMSSP: RFC 4178 §4.2, [MS-SPNG] 2.2, GSS-API RFC 2743 §3.1. */
#include <string.h>

#include "sensor/decode/spnego.h"

/* DER contents of the object identifiers we build or recognise. */
static const uint8_t oid_spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t oid_ntlmssp[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const uint8_t oid_krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_ms_krb5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_negoex[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e};

#define DER_OID      0x06
#define DER_OCTETS   0x04
#define DER_ENUM     0x0a
#define DER_SEQUENCE 0x30
#define DER_APP0     0x60 /* [APPLICATION 0] constructed: GSS-API token (RFC 2743 §3.1) */
#define DER_CTX(n)   (0xa0 | (n))

/*
 * Read one TLV (X.690 §8.1): single-byte tags only (every tag here is
 * low-numbered), definite lengths in the short form or the long form with up
 * to four length bytes. BER leniency: non-minimal lengths are accepted. The
 * value becomes its own cursor; c advances past it.
 */
static bool
der_read(struct cursor *c, uint8_t *tag, struct cursor *val)
{
	struct cursor t = *c;
	uint8_t l, b;
	size_t len = 0;

	if (!cursor_u8(&t, tag) || !cursor_u8(&t, &l))
		return false;
	if ((*tag & 0x1f) == 0x1f)
		return false; /* high tag number form */
	if (l < 0x80) {
		len = l;
	} else {
		size_t n = l & 0x7f;

		if (n == 0 || n > 4)
			return false; /* indefinite (not DER) or absurd */
		while (n--) {
			if (!cursor_u8(&t, &b))
				return false;
			len = (len << 8) | b;
		}
	}
	if (!cursor_sub(&t, len, val))
		return false;
	*c = t;
	return true;
}

/* Read a TLV and insist on its tag. */
static bool
der_expect(struct cursor *c, uint8_t tag, struct cursor *val)
{
	struct cursor t = *c;
	uint8_t got;

	if (!der_read(&t, &got, val) || got != tag)
		return false;
	*c = t;
	return true;
}

static bool
oid_is(const struct cursor *v, const uint8_t *oid, size_t n)
{
	return v->rem == n && memcmp(v->p, oid, n) == 0;
}

static size_t
der_len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

/* Write tag and length (n < 65536) at out + *w. */
static void
der_put_hdr(uint8_t *out, size_t *w, uint8_t tag, size_t n)
{
	out[(*w)++] = tag;
	if (n < 0x80) {
		out[(*w)++] = (uint8_t)n;
	} else if (n < 0x100) {
		out[(*w)++] = 0x81;
		out[(*w)++] = (uint8_t)n;
	} else {
		out[(*w)++] = 0x82;
		out[(*w)++] = (uint8_t)(n >> 8);
		out[(*w)++] = (uint8_t)n;
	}
}

#define TLV(n) (1 + der_len_size(n) + (n))

size_t
spnego_build_init(uint8_t *out, size_t outlen, const uint8_t *tok, size_t toklen)
{
	size_t oidl = TLV(sizeof(oid_ntlmssp));
	size_t mechlist = TLV(oidl);                     /* SEQUENCE OF MechType */
	size_t a0 = TLV(mechlist);                       /* [0] mechTypes */
	size_t a2 = TLV(TLV(toklen));                    /* [2] mechToken OCTET STRING */
	size_t seq = TLV(a0 + a2);                       /* NegTokenInit SEQUENCE */
	size_t choice = TLV(seq);                        /* [0] negTokenInit */
	size_t inner = TLV(sizeof(oid_spnego)) + choice; /* thisMech + innerContextToken */
	size_t total = TLV(inner), w = 0;

	if (out == NULL || toklen > 0xffff || (tok == NULL && toklen) || outlen < total)
		return 0;
	der_put_hdr(out, &w, DER_APP0, inner);
	der_put_hdr(out, &w, DER_OID, sizeof(oid_spnego));
	memcpy(out + w, oid_spnego, sizeof(oid_spnego));
	w += sizeof(oid_spnego);
	der_put_hdr(out, &w, DER_CTX(0), seq);
	der_put_hdr(out, &w, DER_SEQUENCE, a0 + a2);
	der_put_hdr(out, &w, DER_CTX(0), mechlist);
	der_put_hdr(out, &w, DER_SEQUENCE, oidl);
	der_put_hdr(out, &w, DER_OID, sizeof(oid_ntlmssp));
	memcpy(out + w, oid_ntlmssp, sizeof(oid_ntlmssp));
	w += sizeof(oid_ntlmssp);
	der_put_hdr(out, &w, DER_CTX(2), TLV(toklen));
	der_put_hdr(out, &w, DER_OCTETS, toklen);
	if (toklen)
		memcpy(out + w, tok, toklen);
	w += toklen;
	return w;
}

/* MechTypeList ::= SEQUENCE OF MechType (RFC 4178 §4.1). */
static bool
mech_list(struct cursor v, struct spnego_mechs *m)
{
	struct cursor seq, oid;

	if (!der_expect(&v, DER_SEQUENCE, &seq))
		return false;
	while (seq.rem > 0) {
		if (!der_expect(&seq, DER_OID, &oid))
			return false;
		if (m->count < UINT8_MAX)
			m->count++;
		if (oid_is(&oid, oid_ntlmssp, sizeof(oid_ntlmssp)))
			m->ntlmssp = true;
		else if (oid_is(&oid, oid_krb5, sizeof(oid_krb5)))
			m->krb5 = true;
		else if (oid_is(&oid, oid_ms_krb5, sizeof(oid_ms_krb5)))
			m->ms_krb5 = true;
		else if (oid_is(&oid, oid_negoex, sizeof(oid_negoex)))
			m->negoex = true;
	}
	return true;
}

bool
spnego_parse_init(struct cursor *c, struct spnego_mechs *out)
{
	struct cursor t = *c, app, oid, choice, seq, field;
	uint8_t tag;

	memset(out, 0, sizeof(*out));
	/* InitialContextToken: [APPLICATION 0] { thisMech OID, innerContextToken } (RFC 2743 §3.1). */
	if (!der_expect(&t, DER_APP0, &app) || !der_expect(&app, DER_OID, &oid) ||
	    !oid_is(&oid, oid_spnego, sizeof(oid_spnego)))
		return false;
	/* NegotiationToken CHOICE: [0] negTokenInit (RFC 4178 §4.2); SEQUENCE of tagged fields. */
	if (!der_expect(&app, DER_CTX(0), &choice) || !der_expect(&choice, DER_SEQUENCE, &seq))
		return false;
	while (seq.rem > 0) {
		if (!der_read(&seq, &tag, &field))
			return false;
		/* [0] mechTypes; reqFlags, mechToken, negHints, mechListMIC are skipped ([MS-SPNG] 2.2.1). */
		if (tag == DER_CTX(0) && !mech_list(field, out))
			return false;
	}
	*c = t;
	return true;
}

bool
spnego_parse_resp(struct cursor *c, struct spnego_resp *out)
{
	struct cursor t = *c, choice, seq, field, v;
	uint8_t tag, state;

	memset(out, 0, sizeof(*out));
	/* NegotiationToken CHOICE: [1] negTokenResp, a SEQUENCE (RFC 4178 §4.2.2). */
	if (!der_expect(&t, DER_CTX(1), &choice) || !der_expect(&choice, DER_SEQUENCE, &seq))
		return false;
	while (seq.rem > 0) {
		if (!der_read(&seq, &tag, &field))
			return false;
		switch (tag) {
		case DER_CTX(0): /* negState ENUMERATED */
			if (!der_expect(&field, DER_ENUM, &v) || v.rem != 1 ||
			    !cursor_u8(&v, &state))
				return false;
			out->has_state = true;
			out->state = state;
			break;
		case DER_CTX(1): /* supportedMech MechType */
			if (!der_expect(&field, DER_OID, &v))
				return false;
			out->mech_ntlmssp = oid_is(&v, oid_ntlmssp, sizeof(oid_ntlmssp));
			break;
		case DER_CTX(2): /* responseToken OCTET STRING */
			if (!der_expect(&field, DER_OCTETS, &v))
				return false;
			out->token = v.p;
			out->token_len = v.rem;
			break;
		default: /* [3] mechListMIC and anything newer: skipped */
			break;
		}
	}
	*c = t;
	return true;
}
