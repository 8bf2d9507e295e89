/* smb2.c - SMB2 NEGOTIATE and SESSION_SETUP over direct TCP: [MS-SMB2] 2.1, 2.2.1, 2.2.3-2.2.6. */
#include <string.h>

#include "sensor/decode/ntlmssp.h"
#include "sensor/decode/smb2.h"

#define SMB2_NEGOTIATE     0x0000 /* Command (2.2.1.2) */
#define SMB2_SESSION_SETUP 0x0001

#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u /* Flags (2.2.1.2) */

#define SMB2_PREAUTH_INTEGRITY_CAPABILITIES 0x0001 /* ContextType (2.2.3.1) */
#define SMB2_ENCRYPTION_CAPABILITIES        0x0002
#define SMB2_SIGNING_CAPABILITIES           0x0008
#define SMB2_HASH_SHA512                    0x0001 /* 2.2.3.1.1 */
#define SMB2_AES_128_CCM                    0x0001 /* 2.2.3.1.2 */
#define SMB2_AES_128_GCM                    0x0002
#define SMB2_AES_256_CCM                    0x0003
#define SMB2_AES_256_GCM                    0x0004

#define SMB2_NEGOTIATE_REQ_SIZE  36 /* StructureSize (2.2.3) */
#define SMB2_NEGOTIATE_RESP_SIZE 65 /* 2.2.4 */
#define SMB2_SETUP_REQ_SIZE      25 /* 2.2.5 */
#define SMB2_SETUP_RESP_SIZE     9  /* 2.2.6 */
#define SMB2_SETUP_REQ_FIXED     24 /* bytes before the security buffer */

static const uint8_t smb2_magic[4] = {0xfe, 'S', 'M', 'B'};
static const uint8_t smb1_magic[4] = {0xff, 'S', 'M', 'B'};
static const uint8_t ntlmssp_magic[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

static const uint16_t dialects[] = {SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300,
                                    SMB2_DIALECT_302, SMB2_DIALECT_311};
static const uint16_t ciphers[] = {SMB2_AES_128_GCM, SMB2_AES_128_CCM, SMB2_AES_256_GCM,
                                   SMB2_AES_256_CCM};

const char *
smb2_err_str(enum smb2_err e)
{
	switch (e) {
	case SMB2_OK:
		return "ok";
	case SMB2_ERR_TRUNCATED:
		return "truncated";
	case SMB2_ERR_TRANSPORT:
		return "transport";
	case SMB2_ERR_SMB1:
		return "smb1";
	case SMB2_ERR_NOT_SMB:
		return "not-smb";
	case SMB2_ERR_HEADER:
		return "header";
	case SMB2_ERR_STATUS:
		return "status";
	case SMB2_ERR_BODY:
		return "body";
	case SMB2_ERR_NO_NTLMSSP:
		return "no-ntlmssp";
	}
	return "unknown";
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Transport header (2.1) and a sync request header (2.2.1.2) for a message of msglen bytes. */
static void
put_headers(uint8_t *out, size_t msglen, uint16_t cmd, uint64_t msg_id)
{
	uint8_t *h = out + SMB2_NB_HDR_LEN;

	out[0] = 0;
	out[1] = (uint8_t)(msglen >> 16);
	out[2] = (uint8_t)(msglen >> 8);
	out[3] = (uint8_t)msglen;
	memset(h, 0, SMB2_HDR_LEN);
	memcpy(h, smb2_magic, sizeof(smb2_magic));
	put16(h + 4, SMB2_HDR_LEN); /* StructureSize */
	/* CreditCharge 0: valid for every dialect (2.2.1.2); ChannelSequence 0. */
	put16(h + 12, cmd);
	put16(h + 14, 1); /* CreditRequest: one more request is all we send */
	put64(h + 24, msg_id);
	/* ProcessId, TreeId, SessionId 0; no signature. */
}

bool
smb2_frame_len(const uint8_t hdr[4], size_t *len)
{
	*len = 0;
	if (hdr[0] != 0)
		return false; /* 2.1: the first byte is zero */
	*len = ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) | hdr[3];
	return true;
}

bool
smb2_guid_is_name(const uint8_t guid[16])
{
	size_t n = 0;

	while (n < 16 && guid[n] >= 0x21 && guid[n] <= 0x7e && !(guid[n] >= 'A' && guid[n] <= 'Z'))
		n++;
	if (n == 0 || n == 16)
		return false;
	for (size_t i = n; i < 16; i++)
		if (guid[i] != 0)
			return false;
	return true;
}

size_t
smb2_build_negotiate(uint8_t *out, size_t outlen, const uint8_t client_guid[16],
                     const uint8_t salt[SMB2_SALT_LEN])
{
	size_t ndial = sizeof(dialects) / sizeof(dialects[0]);
	size_t nciph = sizeof(ciphers) / sizeof(ciphers[0]);
	size_t w, ctx_off, pa_len, enc_off, enc_len;
	uint8_t *m;

	if (out == NULL || outlen < SMB2_NEGOTIATE_REQ_LEN)
		return 0;
	/* Offsets below are from the SMB2 header (2.2.3); contexts 8-byte aligned (2.2.3.1). */
	w = SMB2_HDR_LEN + SMB2_NEGOTIATE_REQ_SIZE + 2 * ndial;
	ctx_off = (w + 7) & ~(size_t)7;
	pa_len = 2 + 2 + 2 + SMB2_SALT_LEN;
	enc_off = (ctx_off + 8 + pa_len + 7) & ~(size_t)7;
	enc_len = 2 + 2 * nciph;
	w = enc_off + 8 + enc_len;
	if (w + SMB2_NB_HDR_LEN != SMB2_NEGOTIATE_REQ_LEN)
		return 0; /* the constant is out of date */

	memset(out, 0, SMB2_NEGOTIATE_REQ_LEN);
	put_headers(out, w, SMB2_NEGOTIATE, 0);
	m = out + SMB2_NB_HDR_LEN;
	put16(m + 64, SMB2_NEGOTIATE_REQ_SIZE);
	put16(m + 66, (uint16_t)ndial);
	put16(m + 68, SMB2_NEGOTIATE_SIGNING_ENABLED); /* SecurityMode */
	put32(m + 72, SMB2_GLOBAL_CAP_DFS | SMB2_GLOBAL_CAP_LEASING | SMB2_GLOBAL_CAP_LARGE_MTU |
	                      SMB2_GLOBAL_CAP_ENCRYPTION);
	memcpy(m + 76, client_guid, 16);
	/* With 3.1.1 offered, ClientStartTime is NegotiateContextOffset/Count/Reserved2. */
	put32(m + 92, (uint32_t)ctx_off);
	put16(m + 96, 2);
	for (size_t i = 0; i < ndial; i++)
		put16(m + 100 + 2 * i, dialects[i]);
	/* SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1): SHA-512 and the salt. */
	put16(m + ctx_off, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
	put16(m + ctx_off + 2, (uint16_t)pa_len);
	put16(m + ctx_off + 8, 1);
	put16(m + ctx_off + 10, SMB2_SALT_LEN);
	put16(m + ctx_off + 12, SMB2_HASH_SHA512);
	memcpy(m + ctx_off + 14, salt, SMB2_SALT_LEN);
	/* SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2). */
	put16(m + enc_off, SMB2_ENCRYPTION_CAPABILITIES);
	put16(m + enc_off + 2, (uint16_t)enc_len);
	put16(m + enc_off + 8, (uint16_t)nciph);
	for (size_t i = 0; i < nciph; i++)
		put16(m + enc_off + 10 + 2 * i, ciphers[i]);
	return SMB2_NEGOTIATE_REQ_LEN;
}

size_t
smb2_build_session_setup(uint8_t *out, size_t outlen, uint64_t msg_id, const uint8_t *security_blob,
                         size_t bloblen)
{
	size_t msglen = SMB2_HDR_LEN + SMB2_SETUP_REQ_FIXED + bloblen;
	uint8_t *b;

	if (out == NULL || bloblen > 0xffff || (security_blob == NULL && bloblen) ||
	    outlen < SMB2_NB_HDR_LEN + msglen)
		return 0;
	put_headers(out, msglen, SMB2_SESSION_SETUP, msg_id);
	b = out + SMB2_NB_HDR_LEN + SMB2_HDR_LEN;
	memset(b, 0, SMB2_SETUP_REQ_FIXED);
	put16(b, SMB2_SETUP_REQ_SIZE);
	b[2] = 0;                                           /* Flags: not a channel binding */
	b[3] = SMB2_NEGOTIATE_SIGNING_ENABLED;              /* SecurityMode */
	put32(b + 4, SMB2_GLOBAL_CAP_DFS);                  /* Capabilities */
	put16(b + 12, SMB2_HDR_LEN + SMB2_SETUP_REQ_FIXED); /* SecurityBufferOffset */
	put16(b + 14, (uint16_t)bloblen);
	/* Channel and PreviousSessionId 0. */
	if (bloblen)
		memcpy(b + SMB2_SETUP_REQ_FIXED, security_blob, bloblen);
	return SMB2_NB_HDR_LEN + msglen;
}

size_t
smb2_build_ntlmssp_session_setup(uint8_t *out, size_t outlen, uint64_t msg_id, bool spnego)
{
	uint8_t tok[NTLMSSP_NEGOTIATE_LEN], blob[128];
	size_t toklen, bloblen;

	toklen = ntlmssp_build_negotiate(tok, sizeof(tok), NTLMSSP_PROBE_FLAGS);
	if (toklen == 0)
		return 0;
	if (!spnego)
		return smb2_build_session_setup(out, outlen, msg_id, tok, toklen);
	bloblen = spnego_build_init(blob, sizeof(blob), tok, toklen);
	if (bloblen == 0)
		return 0;
	return smb2_build_session_setup(out, outlen, msg_id, blob, bloblen);
}

/*
 * Open a response frame: the transport header (2.1), then the SMB2 header
 * (2.2.1): protocol id, StructureSize 64, SERVER_TO_REDIR, the command we
 * expect. *msg becomes the SMB2 message (offsets in bodies are from its
 * start) and *body what follows the header. On failure *err says why.
 */
static bool
frame_open(struct cursor *c, uint16_t cmd, struct cursor *msg, struct cursor *body,
           uint32_t *status, uint64_t *session_id, uint8_t *err)
{
	struct cursor t = *c, h;
	uint8_t nb[4], magic[4];
	uint16_t size, command, credit, charge;
	uint32_t flags, next;
	uint64_t mid, rsv;
	size_t len;

	if (!cursor_bytes(&t, nb, sizeof(nb))) {
		*err = SMB2_ERR_TRUNCATED;
		return false;
	}
	if (!smb2_frame_len(nb, &len)) {
		*err = SMB2_ERR_TRANSPORT;
		return false;
	}
	if (!cursor_sub(&t, len, msg)) {
		*err = SMB2_ERR_TRUNCATED;
		return false;
	}
	h = *msg;
	if (!cursor_bytes(&h, magic, sizeof(magic))) {
		*err = SMB2_ERR_NOT_SMB;
		return false;
	}
	if (memcmp(magic, smb1_magic, 4) == 0) {
		*err = SMB2_ERR_SMB1; /* [MS-SMB] 2.2.3.1: an SMB1-only server */
		return false;
	}
	if (memcmp(magic, smb2_magic, 4) != 0) {
		*err = SMB2_ERR_NOT_SMB; /* includes the transform header 0xFD 'SMB' */
		return false;
	}
	cursor_u16le(&h, &size);
	cursor_u16le(&h, &charge);
	cursor_u32le(&h, status);
	cursor_u16le(&h, &command);
	cursor_u16le(&h, &credit);
	cursor_u32le(&h, &flags);
	cursor_u32le(&h, &next);
	cursor_u64le(&h, &mid);
	cursor_u64le(&h, &rsv); /* ProcessId + TreeId, or AsyncId */
	cursor_u64le(&h, session_id);
	cursor_skip(&h, 16); /* Signature */
	if (!cursor_ok(&h) || size != SMB2_HDR_LEN || !(flags & SMB2_FLAGS_SERVER_TO_REDIR) ||
	    command != cmd) {
		*err = SMB2_ERR_HEADER;
		return false;
	}
	*body = h;
	*c = t;
	return true;
}

/* A buffer given as offset from the SMB2 header and length; it must lie after the header. */
static bool
buffer_at(const struct cursor *msg, uint32_t off, uint32_t len, const uint8_t **p, size_t *n)
{
	struct cursor t = *msg;

	*p = NULL;
	*n = 0;
	if (len == 0)
		return true;
	if (off < SMB2_HDR_LEN || !cursor_skip(&t, off) || !cursor_ptr(&t, p, len))
		return false;
	*n = len;
	return true;
}

/* One negotiate context's data (2.2.4.1.x); malformed contents are ignored, not fatal. */
static void
context_data(uint16_t type, struct cursor d, struct smb2_negotiate_resp *r)
{
	uint16_t count, salt, first;

	switch (type) {
	case SMB2_PREAUTH_INTEGRITY_CAPABILITIES: /* 2.2.3.1.1 */
		if (r->preauth_hash == 0 && cursor_u16le(&d, &count) && cursor_u16le(&d, &salt) &&
		    count >= 1 && cursor_u16le(&d, &first)) {
			r->preauth_hash = first;
			r->preauth_salt_len = salt;
		}
		break;
	case SMB2_ENCRYPTION_CAPABILITIES: /* 2.2.3.1.2: one cipher, 0 when none is common */
		if (r->cipher == 0 && cursor_u16le(&d, &count) && count >= 1 &&
		    cursor_u16le(&d, &first))
			r->cipher = first;
		break;
	case SMB2_SIGNING_CAPABILITIES: /* 2.2.3.1.7 */
		if (!r->has_signing_alg && cursor_u16le(&d, &count) && count >= 1 &&
		    cursor_u16le(&d, &first)) {
			r->has_signing_alg = true;
			r->signing_alg = first;
		}
		break;
	default:
		break;
	}
}

/*
 * NegotiateContextList (2.2.4): count contexts from off (from the header),
 * each ContextType, DataLength, Reserved, Data, and each after the first
 * starting at the next 8-byte boundary.
 */
static bool
contexts(const struct cursor *msg, uint32_t off, uint16_t count, struct smb2_negotiate_resp *r)
{
	struct cursor t = *msg;
	size_t pos = off;

	if (count == 0)
		return true;
	if (off < SMB2_HDR_LEN || !cursor_skip(&t, off))
		return false;
	for (uint16_t i = 0; i < count; i++) {
		uint16_t type, dlen;
		uint32_t rsv;
		struct cursor d;
		size_t pad = (8 - pos % 8) % 8;

		if (i > 0) {
			if (!cursor_skip(&t, pad))
				return false;
			pos += pad;
		}
		cursor_u16le(&t, &type);
		cursor_u16le(&t, &dlen);
		cursor_u32le(&t, &rsv);
		if (!cursor_ok(&t) || !cursor_sub(&t, dlen, &d))
			return false;
		pos += 8 + (size_t)dlen;
		context_data(type, d, r);
		r->ncontexts++;
	}
	return true;
}

bool
smb2_parse_negotiate_response(struct cursor *c, struct smb2_negotiate_resp *out)
{
	struct cursor t = *c, msg, b;
	uint16_t size, nctx, sec_off, sec_len;
	uint32_t ctx_off;
	uint64_t sid;

	memset(out, 0, sizeof(*out));
	if (!frame_open(&t, SMB2_NEGOTIATE, &msg, &b, &out->status, &sid, &out->err))
		return false;
	if (out->status != SMB2_STATUS_SUCCESS) {
		out->err = SMB2_ERR_STATUS;
		return false;
	}
	/* 2.2.4: the fixed part of the body. */
	cursor_u16le(&b, &size);
	cursor_u16le(&b, &out->security_mode);
	cursor_u16le(&b, &out->dialect);
	cursor_u16le(&b, &nctx);
	cursor_bytes(&b, out->server_guid, sizeof(out->server_guid));
	cursor_u32le(&b, &out->capabilities);
	cursor_u32le(&b, &out->max_transact);
	cursor_u32le(&b, &out->max_read);
	cursor_u32le(&b, &out->max_write);
	cursor_u64le(&b, &out->system_time);
	cursor_u64le(&b, &out->server_start_time);
	cursor_u16le(&b, &sec_off);
	cursor_u16le(&b, &sec_len);
	cursor_u32le(&b, &ctx_off);
	if (!cursor_ok(&b) || size != SMB2_NEGOTIATE_RESP_SIZE) {
		out->err = SMB2_ERR_BODY;
		return false;
	}
	out->signing_required = (out->security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
	if (!buffer_at(&msg, sec_off, sec_len, &out->security_blob, &out->security_len)) {
		out->err = SMB2_ERR_BODY;
		return false;
	}
	if (out->security_len) {
		/* Optional SPNEGO hints ([MS-SPNG] 2.2.1); a server may send none or raw bytes. */
		struct cursor s = cursor_init(out->security_blob, out->security_len);

		out->has_mechs = spnego_parse_init(&s, &out->mechs);
	}
	/* Count and offset are Reserved below 3.1.1 (2.2.4). */
	if (out->dialect == SMB2_DIALECT_311 && !contexts(&msg, ctx_off, nctx, out)) {
		out->err = SMB2_ERR_BODY;
		return false;
	}
	out->err = SMB2_OK;
	*c = t;
	return true;
}

bool
smb2_parse_session_setup_response(struct cursor *c, struct smb2_session_setup_resp *out)
{
	struct cursor t = *c, msg, b, s;
	uint16_t size, sec_off, sec_len;
	struct spnego_resp sr;

	memset(out, 0, sizeof(*out));
	if (!frame_open(&t, SMB2_SESSION_SETUP, &msg, &b, &out->status, &out->session_id,
	                &out->err))
		return false;
	/* 2.2.6 / [MS-SMB2] 3.3.5.5.3: a CHALLENGE comes only with MORE_PROCESSING_REQUIRED. */
	if (out->status != SMB2_STATUS_MORE_PROCESSING_REQUIRED) {
		out->err = SMB2_ERR_STATUS;
		return false;
	}
	cursor_u16le(&b, &size);
	cursor_u16le(&b, &out->session_flags);
	cursor_u16le(&b, &sec_off);
	cursor_u16le(&b, &sec_len);
	if (!cursor_ok(&b) || size != SMB2_SETUP_RESP_SIZE ||
	    !buffer_at(&msg, sec_off, sec_len, &out->security_blob, &out->security_len)) {
		out->err = SMB2_ERR_BODY;
		return false;
	}
	if (out->security_len >= sizeof(ntlmssp_magic) &&
	    memcmp(out->security_blob, ntlmssp_magic, sizeof(ntlmssp_magic)) == 0) {
		out->ntlmssp = out->security_blob; /* raw NTLMSSP */
		out->ntlmssp_len = out->security_len;
	} else {
		s = cursor_init(out->security_blob, out->security_len);
		if (out->security_len == 0 || !spnego_parse_resp(&s, &sr) || sr.token == NULL ||
		    sr.token_len < sizeof(ntlmssp_magic) ||
		    memcmp(sr.token, ntlmssp_magic, sizeof(ntlmssp_magic)) != 0) {
			out->err = SMB2_ERR_NO_NTLMSSP;
			return false;
		}
		out->spnego = true;
		out->spnego_state = sr.has_state ? sr.state : SPNEGO_ACCEPT_INCOMPLETE;
		out->ntlmssp = sr.token;
		out->ntlmssp_len = sr.token_len;
	}
	out->err = SMB2_OK;
	*c = t;
	return true;
}

const char *
smb2_dialect_name(uint16_t d)
{
	switch (d) {
	case SMB2_DIALECT_202:
		return "2.0.2";
	case SMB2_DIALECT_210:
		return "2.1";
	case SMB2_DIALECT_300:
		return "3.0";
	case SMB2_DIALECT_302:
		return "3.0.2";
	case SMB2_DIALECT_311:
		return "3.1.1";
	default:
		return NULL;
	}
}
