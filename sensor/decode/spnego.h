/* spnego.h - the SPNEGO tokens SMB2 carries around NTLMSSP: RFC 4178 §4.2, [MS-SPNG] 2.2, GSS-API RFC 2743 §3.1. */
#ifndef MUSTER_DECODE_SPNEGO_H
#define MUSTER_DECODE_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

/* negState of a NegTokenResp (RFC 4178 §4.2.2). */
enum spnego_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
};

/* Mechanisms a server lists in its NegTokenInit2 ([MS-SPNG] 2.2.1). */
struct spnego_mechs {
	uint8_t count; /* OIDs listed, known or not (saturates at 255) */
	bool ntlmssp;  /* 1.3.6.1.4.1.311.2.2.10 */
	bool krb5;     /* 1.2.840.113554.1.2.2 */
	bool ms_krb5;  /* 1.2.840.48018.1.2.2: Windows' Kerberos, a domain member's hint */
	bool negoex;   /* 1.3.6.1.4.1.311.2.2.30 */
};

struct spnego_resp {
	bool has_state;
	uint8_t state;        /* enum spnego_state */
	bool mech_ntlmssp;    /* supportedMech is NTLMSSP */
	const uint8_t *token; /* responseToken inside the caller's buffer, or NULL */
	size_t token_len;
};

/*
 * Write a GSS-API InitialContextToken holding an SPNEGO NegTokenInit that
 * offers NTLMSSP only, with tok[0..toklen) as its mechToken (RFC 2743 §3.1,
 * RFC 4178 §4.2.1). Returns the bytes written, 0 when out is too small or
 * toklen above 65535.
 */
size_t spnego_build_init(uint8_t *out, size_t outlen, const uint8_t *tok, size_t toklen);

/*
 * Parse the InitialContextToken with a NegTokenInit(2) a server sends in its
 * SMB2 NEGOTIATE response and record the mechanisms it lists. False when c is
 * not such a token. c is advanced past it on success.
 */
bool spnego_parse_init(struct cursor *c, struct spnego_mechs *out);

/*
 * Parse a NegTokenResp ([1] NegTokenResp, RFC 4178 §4.2.2), as in an SMB2
 * SESSION_SETUP response: negState, whether supportedMech is NTLMSSP, and
 * where the responseToken is (a view into c's buffer). False when malformed.
 */
bool spnego_parse_resp(struct cursor *c, struct spnego_resp *out);

#endif
