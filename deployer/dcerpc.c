/*
 * dcerpc.c - connection-oriented DCE/RPC 5.0 client ([C706] ch.12: common
 * fields and codes in 12.6.3, the PDUs in 12.6.4) with the [MS-RPCE] 2.2.2
 * additions (bind_nak reasons, fault status values).
 *
 * A reply is read as the transport allows a byte stream to be read safely:
 * exactly the 16-byte common header, then exactly frag_len - 16 more bytes,
 * fragment after fragment until PFC_LAST_FRAG, the stubs appended to a
 * capped buffer. Anything out of step breaks the connection for good.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "deployer/dcerpc.h"

const uint8_t rpc_ndr20_syntax[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                      0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
#define NDR20_VERSION 2u

/* Data representation we send: little-endian integers, ASCII, IEEE floats ([C706] 14.1). */
static const uint8_t our_drep[4] = {0x10, 0x00, 0x00, 0x00};

/* ---- status names ---- */

struct status_name {
	uint32_t code;
	const char *name;
	const char *meaning;
};

/* [C706] appendix E, plus the Windows codes [MS-RPCE] lets servers send. */
static const struct status_name fault_names[] = {
        {0x00000005, "nca_s_fault_access_denied", "the server refused the call (access denied)"},
        {0x000006c6, "nca_s_fault_invalid_bound", "an array bound in the request is invalid"},
        {0x000006d8, "nca_s_fault_cant_perform", "the server cannot perform the operation"},
        {0x000006e4, "rpc_s_cannot_support", "the operation is not supported"},
        {0x000006f7, "nca_s_fault_ndr", "the server could not decode the request"},
        {0x1c000001, "nca_s_fault_int_div_by_zero", "integer division by zero in the server"},
        {0x1c000002, "nca_s_fault_addr_error", "address error in the server"},
        {0x1c000003, "nca_s_fault_fp_div_zero", "floating-point division by zero in the server"},
        {0x1c000004, "nca_s_fault_fp_underflow", "floating-point underflow in the server"},
        {0x1c000005, "nca_s_fault_fp_overflow", "floating-point overflow in the server"},
        {0x1c000006, "nca_s_fault_invalid_tag", "invalid union discriminant"},
        {0x1c000007, "nca_s_fault_invalid_bound", "invalid array bound"},
        {0x1c000008, "nca_rpc_version_mismatch", "the server does not speak this RPC version"},
        {0x1c000009, "nca_unspec_reject", "the call was rejected for an unspecified reason"},
        {0x1c00000a, "nca_s_bad_actid", "unknown activity"},
        {0x1c00000b, "nca_who_are_you_failed", "conversation callback failed"},
        {0x1c00000c, "nca_manager_not_entered", "the server manager routine was not entered"},
        {0x1c00000d, "nca_s_fault_cancel", "the call was cancelled"},
        {0x1c00000e, "nca_s_fault_ill_inst", "illegal instruction in the server"},
        {0x1c00000f, "nca_s_fault_fp_error", "floating-point error in the server"},
        {0x1c000010, "nca_s_fault_int_overflow", "integer overflow in the server"},
        {0x1c000012, "nca_s_fault_unspec", "unspecified fault in the server"},
        {0x1c000013, "nca_s_fault_remote_comm_failure",
         "the server failed to reach another server"},
        {0x1c000014, "nca_s_fault_pipe_empty", "pipe empty"},
        {0x1c000015, "nca_s_fault_pipe_closed", "pipe closed"},
        {0x1c000016, "nca_s_fault_pipe_order", "pipe out of order"},
        {0x1c000017, "nca_s_fault_pipe_discipline", "pipe discipline error"},
        {0x1c000018, "nca_s_fault_pipe_comm_error", "pipe communication error"},
        {0x1c000019, "nca_s_fault_pipe_memory", "pipe memory error"},
        {0x1c00001a, "nca_s_fault_context_mismatch", "the server does not know the context handle"},
        {0x1c00001b, "nca_s_fault_remote_no_memory", "the server is out of memory"},
        {0x1c00001c, "nca_s_invalid_pres_context_id", "unknown presentation context"},
        {0x1c00001d, "nca_s_unsupported_authn_level", "authentication level not supported"},
        {0x1c00001f, "nca_s_invalid_checksum", "invalid checksum"},
        {0x1c000020, "nca_s_invalid_crc", "invalid CRC"},
        {0x1c000021, "nca_s_fault_user_defined", "user-defined fault"},
        {0x1c000022, "nca_s_fault_tx_open_failed", "transaction open failed"},
        {0x1c000023, "nca_s_fault_codeset_conv_error", "code set conversion error"},
        {0x1c000024, "nca_s_fault_object_not_found", "object not found"},
        {0x1c000025, "nca_s_fault_no_client_stub", "no client stub"},
        {0x1c010001, "nca_s_comm_failure", "communication failure"},
        {0x1c010002, "nca_s_op_rng_error", "the server does not implement this operation"},
        {0x1c010003, "nca_s_unk_if", "the server does not offer this interface"},
        {0x1c010006, "nca_s_wrong_boot_time", "wrong server boot time"},
        {0x1c010009, "nca_s_you_crashed", "a restarted server called back"},
        {0x1c01000b, "nca_s_proto_error", "the server saw a protocol error in our request"},
        {0x1c010013, "nca_s_out_args_too_big", "the reply would be too large"},
        {0x1c010014, "nca_s_server_too_busy", "the server is too busy"},
        {0x1c010015, "nca_s_fault_string_too_long", "a string argument is too long"},
        {0x1c010017, "nca_s_unsupported_type", "operation not implemented for this object type"},
};

const char *
rpc_fault_name(uint32_t status)
{
	for (size_t i = 0; i < MUSTER_NELEM(fault_names); i++)
		if (fault_names[i].code == status)
			return fault_names[i].name;
	return NULL;
}

void
rpc_fault_describe(uint32_t status, char *out, size_t outsz)
{
	for (size_t i = 0; i < MUSTER_NELEM(fault_names); i++) {
		if (fault_names[i].code == status) {
			snprintf(out, outsz, "%s (0x%08" PRIx32 "): %s", fault_names[i].name,
			         status, fault_names[i].meaning);
			return;
		}
	}
	snprintf(out, outsz, "unknown status 0x%08" PRIx32, status);
}

/* bind_nak reasons ([C706] 12.6.3.1 p_reject_reason_t; 8 and 9 from [MS-RPCE] 2.2.2.5). */
static const char *
nak_reason(uint16_t r)
{
	static const char *const names[] = {
	        "reason_not_specified",
	        "temporary_congestion",
	        "local_limit_exceeded",
	        "called_paddr_unknown",
	        "protocol_version_not_supported",
	        "default_context_not_supported",
	        "user_data_not_readable",
	        "no_psap_available",
	        "authentication_type_not_recognized",
	        "invalid_checksum",
	};

	return r < MUSTER_NELEM(names) ? names[r] : "unknown reason";
}

/* p_cont_def_result_t and p_provider_reason_t ([C706] 12.6.3.1). */
static const char *
ctx_result(uint16_t r)
{
	static const char *const names[] = {"acceptance", "user_rejection", "provider_rejection"};

	return r < MUSTER_NELEM(names) ? names[r] : "unknown result";
}

static const char *
provider_reason(uint16_t r)
{
	static const char *const names[] = {
	        "reason_not_specified",
	        "abstract_syntax_not_supported",
	        "proposed_transfer_syntaxes_not_supported",
	        "local_limit_exceeded",
	};

	return r < MUSTER_NELEM(names) ? names[r] : "unknown reason";
}

/* ---- encoding ---- */

static void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put_header(uint8_t *p, uint8_t ptype, uint8_t flags, uint16_t frag_len, uint32_t call_id)
{
	p[0] = 5; /* rpc_vers */
	p[1] = 0; /* rpc_vers_minor */
	p[2] = ptype;
	p[3] = flags;
	memcpy(p + 4, our_drep, 4);
	put_u16(p + 8, frag_len);
	put_u16(p + 10, 0); /* auth_length: no verifier */
	put_u32(p + 12, call_id);
}

int
rpc_encode_bind(struct buf *b, uint32_t call_id, const uint8_t uuid[16], uint16_t vmaj,
                uint16_t vmin, uint16_t max_xmit, uint16_t max_recv)
{
	/* [C706] 12.6.4.3: header, max_xmit_frag, max_recv_frag, assoc_group_id,
	 * p_context_elem with one p_cont_elem_t of one transfer syntax. */
	uint8_t pdu[RPC_HDR_LEN + 8 + 4 + 4 + 20 + 20];
	uint8_t *p = pdu + RPC_HDR_LEN;

	put_header(pdu, RPC_PTYPE_BIND, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, sizeof(pdu),
	           call_id);
	put_u16(p, max_xmit);
	put_u16(p + 2, max_recv);
	put_u32(p + 4, 0); /* assoc_group_id: a new association group */
	p += 8;
	p[0] = 1; /* n_context_elem */
	p[1] = 0;
	put_u16(p + 2, 0);
	p += 4;
	put_u16(p, 0); /* p_cont_id */
	p[2] = 1;      /* n_transfer_syn */
	p[3] = 0;
	p += 4;
	memcpy(p, uuid, 16);
	put_u16(p + 16, vmaj);
	put_u16(p + 18, vmin);
	p += 20;
	memcpy(p, rpc_ndr20_syntax, 16);
	put_u32(p + 16, NDR20_VERSION);
	return buf_append(b, pdu, sizeof(pdu));
}

static int
encode_request(struct buf *b, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
               const uint8_t *stub, size_t len, uint8_t flags, uint32_t alloc_hint)
{
	uint8_t hdr[RPC_REQ_HDR_LEN];
	int r;

	/* [C706] 12.6.4.9: alloc_hint, p_cont_id, opnum, then the stub. */
	if (len > UINT16_MAX - RPC_REQ_HDR_LEN)
		return MUSTER_EINVAL;
	put_header(hdr, RPC_PTYPE_REQUEST, flags & (RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG),
	           (uint16_t)(RPC_REQ_HDR_LEN + len), call_id);
	put_u32(hdr + 16, alloc_hint);
	put_u16(hdr + 20, ctx_id);
	put_u16(hdr + 22, opnum);
	if ((r = buf_reserve(b, sizeof(hdr) + len)) != 0)
		return r;
	buf_append(b, hdr, sizeof(hdr));
	return buf_append(b, stub, len);
}

int
rpc_encode_request(struct buf *b, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
                   const uint8_t *stub, size_t len, uint8_t flags)
{
	return encode_request(b, call_id, ctx_id, opnum, stub, len, flags, (uint32_t)len);
}

/* ---- parsing ---- */

int
rpc_parse_header(const uint8_t *p, size_t n, struct rpc_hdr *h)
{
	struct cursor c = cursor_init(p, n);
	struct rpc_hdr t;

	memset(h, 0, sizeof(*h));
	cursor_u8(&c, &t.ver);
	cursor_u8(&c, &t.ver_minor);
	cursor_u8(&c, &t.ptype);
	cursor_u8(&c, &t.flags);
	cursor_u32le(&c, &t.drep);
	cursor_u16le(&c, &t.frag_len);
	cursor_u16le(&c, &t.auth_len);
	cursor_u32le(&c, &t.call_id);
	if (!cursor_ok(&c))
		return MUSTER_EPARSE;
	/* Version 5.0; minor version 1 is let through as Samba's server does. */
	if (t.ver != 5 || t.ver_minor > 1)
		return MUSTER_EPARSE;
	/* Integer representation in the high nibble of the first drep byte:
	 * 1 is little-endian ([C706] 14.1). Big-endian peers are not supported. */
	if ((t.drep & 0xf0) != 0x10)
		return MUSTER_EPARSE;
	if (t.frag_len < RPC_HDR_LEN)
		return MUSTER_EPARSE;
	/* An auth verifier comes after its 8-byte sec_trailer. */
	if (t.auth_len != 0 && (size_t)t.auth_len + 8 > (size_t)t.frag_len - RPC_HDR_LEN)
		return MUSTER_EPARSE;
	*h = t;
	return 0;
}

/* Header of a whole PDU p[0..n): valid, frag_len == n and no auth verifier (we never ask for one). */
static int
whole_pdu(const uint8_t *p, size_t n, struct rpc_hdr *h)
{
	if (rpc_parse_header(p, n, h) != 0 || h->frag_len != n || h->auth_len != 0)
		return MUSTER_EPARSE;
	return 0;
}

/* The status of a fault PDU ([C706] 12.6.4.7): after alloc_hint, p_cont_id, cancel_count, reserved. */
static int
fault_status(const uint8_t *p, size_t n, uint32_t *status)
{
	struct cursor c = cursor_init(p, n);

	cursor_skip(&c, RPC_RESP_HDR_LEN);
	cursor_u32le(&c, status);
	/* Status 0 is forbidden in a fault ([MS-RPCE], "Failure Semantics"). */
	return cursor_ok(&c) && *status != 0 ? 0 : MUSTER_EPARSE;
}

int
rpc_decode_bind_ack(const uint8_t *p, size_t n, struct rpc_bind_ack *a)
{
	struct rpc_hdr h;
	struct cursor c;
	const uint8_t *addr;
	uint16_t sec_len, reserved2;
	uint8_t nres, reserved;
	size_t off, keep;

	memset(a, 0, sizeof(*a));
	if (whole_pdu(p, n, &h) != 0 || h.ptype != RPC_PTYPE_BIND_ACK)
		return MUSTER_EPARSE;
	/* [C706] 12.6.4.4: max_xmit_frag, max_recv_frag, assoc_group_id, the
	 * secondary address (port_any_t: a length, then that many bytes with
	 * the NUL), padding to a 4-byte boundary of the PDU, the result list. */
	c = cursor_init(p + RPC_HDR_LEN, n - RPC_HDR_LEN);
	cursor_u16le(&c, &a->max_xmit);
	cursor_u16le(&c, &a->max_recv);
	cursor_u32le(&c, &a->assoc_group);
	cursor_u16le(&c, &sec_len);
	if (cursor_ptr(&c, &addr, sec_len)) {
		keep = sec_len < sizeof(a->sec_addr) ? sec_len : sizeof(a->sec_addr) - 1;
		memcpy(a->sec_addr, addr, keep);
		a->sec_addr[keep] = 0; /* the wire's own NUL, if any, ends it earlier */
	}
	off = RPC_HDR_LEN + 10 + (size_t)sec_len;
	cursor_skip(&c, (4 - off % 4) % 4);
	cursor_u8(&c, &nres);
	cursor_u8(&c, &reserved);
	cursor_u16le(&c, &reserved2);
	cursor_u16le(&c, &a->result);
	cursor_u16le(&c, &a->reason);
	cursor_bytes(&c, a->syntax, sizeof(a->syntax));
	cursor_u32le(&c, &a->syntax_version);
	if (!cursor_ok(&c) || nres < 1) {
		memset(a, 0, sizeof(*a));
		return MUSTER_EPARSE;
	}
	return 0;
}

int
rpc_parse_bind_ack(const uint8_t *p, size_t n, uint16_t *max_xmit, uint16_t *max_recv, char *err,
                   size_t errlen)
{
	struct rpc_bind_ack a;
	struct rpc_hdr h;
	struct cursor c;
	uint32_t status;
	uint16_t reason;
	char what[160];

	*max_xmit = *max_recv = 0;
	if (whole_pdu(p, n, &h) != 0)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "malformed reply to the bind (bad header)");
	switch (h.ptype) {
	case RPC_PTYPE_BIND_NAK:
		/* [C706] 12.6.4.5: provider_reject_reason, then the versions supported. */
		c = cursor_init(p + RPC_HDR_LEN, n - RPC_HDR_LEN);
		if (!cursor_u16le(&c, &reason))
			return muster_fail(err, errlen, MUSTER_EPARSE, "truncated bind_nak");
		return muster_fail(err, errlen, MUSTER_ENET,
		                   "the server rejected the bind: %s (%u)", nak_reason(reason),
		                   reason);
	case RPC_PTYPE_FAULT:
		if (fault_status(p, n, &status) != 0)
			return muster_fail(err, errlen, MUSTER_EPARSE, "truncated fault PDU");
		rpc_fault_describe(status, what, sizeof(what));
		return muster_fail(err, errlen, MUSTER_ENET,
		                   "the server answered the bind with a fault: %s", what);
	case RPC_PTYPE_BIND_ACK:
		break;
	default:
		return muster_fail(err, errlen, MUSTER_EPARSE, "PDU type %u in answer to the bind",
		                   h.ptype);
	}
	if (rpc_decode_bind_ack(p, n, &a) != 0)
		return muster_fail(err, errlen, MUSTER_EPARSE, "truncated bind_ack");
	if (a.result != 0)
		return muster_fail(
		        err, errlen, MUSTER_ENET, "the server refused the interface: %s, %s%s",
		        ctx_result(a.result), provider_reason(a.reason),
		        a.reason == 1 ? " (the interface is not served on this pipe)" : "");
	if (memcmp(a.syntax, rpc_ndr20_syntax, sizeof(a.syntax)) != 0 ||
	    a.syntax_version != NDR20_VERSION)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "the bind_ack accepts a transfer syntax we did not offer");
	*max_xmit = a.max_xmit;
	*max_recv = a.max_recv;
	return 0;
}

int
rpc_parse_response(const uint8_t *p, size_t n, const uint8_t **stub, size_t *stublen,
                   uint32_t *fault)
{
	struct rpc_hdr h;

	*stub = NULL;
	*stublen = 0;
	*fault = 0;
	if (whole_pdu(p, n, &h) != 0)
		return MUSTER_EPARSE;
	if (h.ptype == RPC_PTYPE_FAULT)
		return fault_status(p, n, fault) == 0 ? MUSTER_ENET : MUSTER_EPARSE;
	/* [C706] 12.6.4.10: alloc_hint, p_cont_id, cancel_count, reserved, stub. */
	if (h.ptype != RPC_PTYPE_RESPONSE || n < RPC_RESP_HDR_LEN)
		return MUSTER_EPARSE;
	*stub = p + RPC_RESP_HDR_LEN;
	*stublen = n - RPC_RESP_HDR_LEN;
	return 0;
}

/* ---- I/O ---- */

void
rpc_conn_init(struct rpc_conn *c, const struct rpc_io *io)
{
	memset(c, 0, sizeof(*c));
	c->io = *io;
	c->call_id = 1;
	c->max_xmit = RPC_FRAG_DEFAULT;
	c->max_recv = RPC_FRAG_DEFAULT;
}

static int
write_all(struct rpc_conn *c, const uint8_t *p, size_t n, int64_t deadline, const char *what,
          char *err, size_t errlen)
{
	int r = c->io.write(c->io.ctx, p, n, deadline);

	if (r == 0)
		return 0;
	c->broken = true;
	if (r == MUSTER_ETIMEOUT)
		return muster_fail(err, errlen, r, "sending the %s timed out", what);
	return muster_fail(err, errlen, r, "sending the %s failed: %s", what, muster_strerror(r));
}

/* Read exactly n bytes; *got says how many came. 0, 1 at end of stream, or <0. */
static int
read_exact(struct rpc_conn *c, uint8_t *p, size_t n, int64_t deadline, size_t *got)
{
	*got = 0;
	while (*got < n) {
		int r = c->io.read(c->io.ctx, p + *got, n - *got, deadline);

		if (r < 0)
			return r;
		if (r == 0)
			return 1;
		if ((size_t)r > n - *got)
			return MUSTER_EIO; /* the transport broke its contract */
		*got += (size_t)r;
	}
	return 0;
}

/*
 * Read one whole PDU into frag: its 16-byte header, then exactly the rest of
 * the fragment. Any failure breaks the connection.
 */
static int
read_pdu(struct rpc_conn *c, struct buf *frag, struct rpc_hdr *h, int64_t deadline,
         const char *what, char *err, size_t errlen)
{
	uint8_t hdr[RPC_HDR_LEN];
	size_t got, rest;
	int r;

	buf_reset(frag);
	c->broken = true; /* until the whole PDU is in */
	r = read_exact(c, hdr, sizeof(hdr), deadline, &got);
	if (r == MUSTER_ETIMEOUT)
		return muster_fail(
		        err, errlen, r,
		        "no answer to the %s before the deadline (%zu of 16 header bytes came)",
		        what, got);
	if (r < 0)
		return muster_fail(err, errlen, r, "reading the answer to the %s failed: %s", what,
		                   muster_strerror(r));
	if (r == 1 && got == 0)
		return muster_fail(err, errlen, MUSTER_ENET,
		                   "the server closed the pipe instead of answering the %s", what);
	if (r == 1)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "the server closed the pipe after %zu of the 16 header bytes of "
		                   "its answer to the %s",
		                   got, what);
	if (rpc_parse_header(hdr, sizeof(hdr), h) != 0)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "malformed PDU header in the answer to the %s", what);
	/* We offered max_recv_frag in the bind: a longer fragment is a protocol error. */
	if (h->frag_len > c->max_recv)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "the answer to the %s announces a %u-byte fragment, more than "
		                   "the %u we accept",
		                   what, h->frag_len, c->max_recv);
	rest = (size_t)h->frag_len - RPC_HDR_LEN;
	if ((r = buf_reserve(frag, h->frag_len)) != 0)
		return muster_fail(err, errlen, r, "reading the answer to the %s: %s", what,
		                   muster_strerror(r));
	buf_append(frag, hdr, sizeof(hdr));
	r = read_exact(c, frag->data + frag->len, rest, deadline, &got);
	frag->len += got;
	frag->data[frag->len] = 0;
	if (r == MUSTER_ETIMEOUT)
		return muster_fail(err, errlen, r,
		                   "the answer to the %s stopped before the deadline: %zu of %u "
		                   "fragment bytes came",
		                   what, RPC_HDR_LEN + got, h->frag_len);
	if (r < 0)
		return muster_fail(err, errlen, r, "reading the answer to the %s failed: %s", what,
		                   muster_strerror(r));
	if (r == 1)
		return muster_fail(err, errlen, MUSTER_EPARSE,
		                   "short fragment: the server closed the pipe after %zu of %u "
		                   "bytes of its answer to the %s",
		                   RPC_HDR_LEN + got, h->frag_len, what);
	c->broken = false;
	return 0;
}

int
rpc_bind(struct rpc_conn *c, const uint8_t uuid[16], uint16_t vmaj, uint16_t vmin, int64_t deadline,
         char *err, size_t errlen)
{
	struct buf pdu, frag;
	struct rpc_hdr h;
	uint16_t srv_xmit, srv_recv;
	uint32_t call_id;
	int r;

	if (c->broken)
		return muster_fail(err, errlen, MUSTER_EIO,
		                   "the RPC connection is out of step after an earlier error");
	buf_init(&pdu, 256);
	buf_init(&frag, UINT16_MAX);
	call_id = c->call_id++;
	c->max_recv = RPC_FRAG_DEFAULT;
	if ((r = rpc_encode_bind(&pdu, call_id, uuid, vmaj, vmin, RPC_FRAG_DEFAULT,
	                         RPC_FRAG_DEFAULT)) != 0)
		goto out;
	if ((r = write_all(c, pdu.data, pdu.len, deadline, "bind", err, errlen)) != 0)
		goto out;
	if ((r = read_pdu(c, &frag, &h, deadline, "bind", err, errlen)) != 0)
		goto out;
	if (h.call_id != call_id) {
		c->broken = true;
		r = muster_fail(err, errlen, MUSTER_EPARSE,
		                "the answer to the bind carries call_id %" PRIu32 ", not %" PRIu32,
		                h.call_id, call_id);
		goto out;
	}
	if ((r = rpc_parse_bind_ack(frag.data, frag.len, &srv_xmit, &srv_recv, err, errlen)) != 0)
		goto out;
	/* We send at most what the server receives and expect at most what it sends. */
	c->max_xmit = srv_recv < RPC_FRAG_DEFAULT ? srv_recv : RPC_FRAG_DEFAULT;
	c->max_recv = srv_xmit < RPC_FRAG_DEFAULT ? srv_xmit : RPC_FRAG_DEFAULT;
	if (c->max_xmit < RPC_FRAG_MIN || c->max_recv < RPC_FRAG_MIN) {
		r = muster_fail(err, errlen, MUSTER_EPARSE,
		                "the server negotiated fragments of %u/%u bytes, too small",
		                srv_xmit, srv_recv);
		goto out;
	}
	c->ctx_id = 0;
	c->bound = true;
out:
	buf_free(&pdu);
	buf_free(&frag);
	return r;
}

static int
send_request(struct rpc_conn *c, uint32_t call_id, uint16_t opnum, const uint8_t *stub, size_t len,
             int64_t deadline, char *err, size_t errlen)
{
	/* Stub bytes per fragment: what fits after the header, a multiple of 8 so
	 * that every fragment but the last keeps the stub's NDR alignment. */
	size_t room = ((size_t)c->max_xmit - RPC_REQ_HDR_LEN) & ~(size_t)7;
	size_t off = 0;
	struct buf pdu;
	int r = 0;

	buf_init(&pdu, c->max_xmit);
	do {
		size_t n = len - off < room ? len - off : room;
		uint8_t flags = (off == 0 ? RPC_PFC_FIRST_FRAG : 0) |
		                (off + n == len ? RPC_PFC_LAST_FRAG : 0);

		buf_reset(&pdu);
		/* alloc_hint: the stub bytes still to come, this fragment's included. */
		if ((r = encode_request(&pdu, call_id, c->ctx_id, opnum, stub + off, n, flags,
		                        (uint32_t)(len - off))) != 0) {
			r = muster_fail(err, errlen, r, "encoding the request: %s",
			                muster_strerror(r));
			break;
		}
		if ((r = write_all(c, pdu.data, pdu.len, deadline, "request", err, errlen)) != 0)
			break;
		off += n;
	} while (off < len);
	buf_free(&pdu);
	return r;
}

int
rpc_call(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t len, struct buf *out,
         uint32_t *fault, int64_t deadline, char *err, size_t errlen)
{
	struct buf frag;
	struct rpc_hdr h;
	const uint8_t *part;
	size_t partlen, nfrag = 0;
	uint32_t call_id, st;
	char what[160], op[32];
	int r;

	if (fault)
		*fault = 0;
	buf_reset(out);
	if (!c->bound)
		return muster_fail(err, errlen, MUSTER_EINVAL, "RPC call before a successful bind");
	if (c->broken)
		return muster_fail(err, errlen, MUSTER_EIO,
		                   "the RPC connection is out of step after an earlier error");
	if (c->max_xmit < RPC_FRAG_MIN)
		return muster_fail(err, errlen, MUSTER_EINVAL, "fragment size %u too small",
		                   c->max_xmit);
	call_id = c->call_id++;
	if ((r = send_request(c, call_id, opnum, stub, len, deadline, err, errlen)) != 0)
		return r;
	snprintf(op, sizeof(op), "call of opnum %u", opnum);
	buf_init(&frag, UINT16_MAX);
	for (;;) {
		if ((r = read_pdu(c, &frag, &h, deadline, op, err, errlen)) != 0)
			break;
		nfrag++;
		c->broken = true; /* unless this fragment checks out */
		if (h.call_id != call_id) {
			r = muster_fail(err, errlen, MUSTER_EPARSE,
			                "reply fragment for call %" PRIu32
			                " while waiting for %" PRIu32,
			                h.call_id, call_id);
			break;
		}
		r = rpc_parse_response(frag.data, frag.len, &part, &partlen, &st);
		if (r == MUSTER_ENET) {
			/* A fault ends the call; the stream stays in step. */
			c->broken = false;
			if (fault)
				*fault = st;
			rpc_fault_describe(st, what, sizeof(what));
			muster_fail(err, errlen, r, "%s", what);
			buf_reset(out);
			break;
		}
		if (r != 0) {
			r = muster_fail(err, errlen, MUSTER_EPARSE,
			                "malformed reply fragment (PDU type %u, %u bytes)", h.ptype,
			                h.frag_len);
			break;
		}
		/* [C706] 12.6.3.1: the first fragment of a reply carries
		 * PFC_FIRST_FRAG, the others do not. */
		if (((h.flags & RPC_PFC_FIRST_FRAG) != 0) != (nfrag == 1)) {
			r = muster_fail(err, errlen, MUSTER_EPARSE,
			                "reply fragment %zu has the first-fragment flag %s", nfrag,
			                nfrag == 1 ? "clear" : "set");
			break;
		}
		/* An empty fragment that is not the last would let a server keep us
		 * reading forever without growing the reply toward its cap. */
		if (partlen == 0 && !(h.flags & RPC_PFC_LAST_FRAG)) {
			r = muster_fail(err, errlen, MUSTER_EPARSE,
			                "empty reply fragment %zu that is not the last", nfrag);
			break;
		}
		if ((r = buf_append(out, part, partlen)) != 0) {
			muster_fail(err, errlen, r, "the reply exceeds %zu bytes", out->max);
			break;
		}
		if (h.flags & RPC_PFC_LAST_FRAG) {
			c->broken = false;
			break;
		}
	}
	buf_free(&frag);
	return r;
}
