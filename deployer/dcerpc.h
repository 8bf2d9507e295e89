/*
 * dcerpc.h - connection-oriented DCE/RPC 5.0 client ([C706] ch.12, with the
 * [MS-RPCE] 2.2.2 extensions) over a byte-stream transport such as an SMB
 * named pipe: bind to one interface with the NDR20 transfer syntax, no
 * authentication at the RPC level (the SMB session carries it), requests
 * fragmented to the negotiated size, replies reassembled under a cap.
 */
#ifndef MUSTER_DEPLOY_DCERPC_H
#define MUSTER_DEPLOY_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* PDU types ([C706] 12.6.4) */
enum {
	RPC_PTYPE_REQUEST = 0,
	RPC_PTYPE_RESPONSE = 2,
	RPC_PTYPE_FAULT = 3,
	RPC_PTYPE_BIND = 11,
	RPC_PTYPE_BIND_ACK = 12,
	RPC_PTYPE_BIND_NAK = 13,
};

/* pfc_flags ([C706] 12.6.3.1) */
#define RPC_PFC_FIRST_FRAG   0x01
#define RPC_PFC_LAST_FRAG    0x02
#define RPC_PFC_DID_NOT_EXEC 0x20
#define RPC_PFC_OBJECT_UUID  0x80
#define RPC_HDR_LEN          16
#define RPC_REQ_HDR_LEN      24 /* common header + alloc_hint, p_cont_id, opnum */
#define RPC_RESP_HDR_LEN     24 /* common header + alloc_hint, p_cont_id, cancel_count, reserved */
#define RPC_FRAG_DEFAULT     4280 /* max_xmit_frag / max_recv_frag we offer in the bind */
#define RPC_FRAG_MIN         64   /* smaller negotiated sizes are refused */

/* Fault and reject status codes ([C706] appendix E; [MS-RPCE] "Failure Semantics" for 5). */
#define RPC_S_ACCESS_DENIED    0x00000005u /* nca_s_fault_access_denied */
#define RPC_S_CANT_PERFORM     0x000006d8u /* nca_s_fault_cant_perform */
#define RPC_S_INVALID_BOUND    0x000006c6u
#define RPC_S_FAULT_NDR        0x000006f7u /* nca_s_fault_ndr (rpc_x_bad_stub_data) */
#define RPC_S_OP_RNG_ERROR     0x1c010002u /* nca_s_op_rng_error */
#define RPC_S_UNK_IF           0x1c010003u /* nca_s_unk_if */
#define RPC_S_PROTO_ERROR      0x1c01000bu /* nca_s_proto_error */
#define RPC_S_CONTEXT_MISMATCH 0x1c00001au /* nca_s_fault_context_mismatch */
#define RPC_S_INVALID_PRES_CTX 0x1c00001cu /* nca_s_invalid_pres_context_id */

/* The NDR20 transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0, in wire order. */
extern const uint8_t rpc_ndr20_syntax[16];

/*
 * The transport: an SMB named pipe (or a socket in the tests). Deadlines are
 * absolute CLOCK_MONOTONIC milliseconds (deploy_now_ms()).
 */
struct rpc_io {
	void *ctx;
	/* Write all n bytes by deadline: 0 or a negative MUSTER_E*. */
	int (*write)(void *ctx, const uint8_t *p, size_t n, int64_t deadline);
	/* Read up to n bytes: >0 bytes read, 0 at end of stream, <0 MUSTER_E* (MUSTER_ETIMEOUT at the deadline). */
	int (*read)(void *ctx, uint8_t *p, size_t n, int64_t deadline);
};

/* One association over one transport. Owns nothing: io.ctx stays the caller's. */
struct rpc_conn {
	struct rpc_io io;
	uint32_t call_id;  /* of the next PDU we send */
	uint16_t max_xmit; /* largest fragment we may send (negotiated) */
	uint16_t max_recv; /* largest fragment the server may send us (negotiated) */
	uint16_t ctx_id;   /* presentation context of the bound interface */
	bool bound;
	/* A PDU was left half written or half read (timeout, transport error,
	 * malformed reply): the byte stream is out of step and every later
	 * call fails at once with MUSTER_EIO. A fault PDU does not break it. */
	bool broken;
};

void rpc_conn_init(struct rpc_conn *c, const struct rpc_io *io);

/*
 * Bind to interface uuid (16 bytes, wire order as in the PDU) version
 * vmaj.vmin with NDR20. 0 on acceptance (c->max_xmit/max_recv then hold the
 * negotiated sizes); MUSTER_ENET when the server rejects it (bind_nak, a
 * refused context, a fault) with err saying why; MUSTER_EPARSE for a
 * malformed reply; MUSTER_ETIMEOUT at the deadline; transport codes as is.
 */
int rpc_bind(struct rpc_conn *c, const uint8_t uuid[16], uint16_t vmaj, uint16_t vmin,
             int64_t deadline, char *err, size_t errlen);

/*
 * One call of operation opnum with the NDR stub[0..len). The request is sent
 * in fragments of at most c->max_xmit bytes; the reply's stub is
 * reassembled into out (reset first; its max is the cap on the whole reply:
 * MUSTER_ETOOBIG beyond). A fault PDU returns MUSTER_ENET with *fault (may be
 * NULL) set to its status and err naming it, e.g. "nca_s_op_rng_error
 * (0x1c010002)"; *fault is 0 otherwise. A malformed, short or out-of-order
 * PDU returns MUSTER_EPARSE, the deadline MUSTER_ETIMEOUT, and a transport
 * failure its own code; all three break the connection.
 */
int rpc_call(struct rpc_conn *c, uint16_t opnum, const uint8_t *stub, size_t len, struct buf *out,
             uint32_t *fault, int64_t deadline, char *err, size_t errlen);

/* ---- pure helpers: no I/O, used by rpc_bind/rpc_call, the tests and the fuzzers ---- */

/* The common header of every connection-oriented PDU ([C706] 12.6.3.1). */
struct rpc_hdr {
	uint8_t ver, ver_minor, ptype, flags;
	uint32_t drep; /* the four data representation bytes, first byte lowest */
	uint16_t frag_len, auth_len;
	uint32_t call_id;
};

/* Append a bind PDU offering one context (id 0, uuid vmaj.vmin, NDR20) to b. 0 or MUSTER_E*. */
int rpc_encode_bind(struct buf *b, uint32_t call_id, const uint8_t uuid[16], uint16_t vmaj,
                    uint16_t vmin, uint16_t max_xmit, uint16_t max_recv);
/*
 * Append one request fragment carrying stub[0..len) to b; flags holds
 * RPC_PFC_FIRST_FRAG / RPC_PFC_LAST_FRAG, alloc_hint is len. 0, or
 * MUSTER_EINVAL when the fragment would not fit in 65535 bytes.
 */
int rpc_encode_request(struct buf *b, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
                       const uint8_t *stub, size_t len, uint8_t flags);
/*
 * Decode and check the 16-byte common header at p[0..n): version 5.0 (or
 * 5.1), little-endian integers, frag_len >= 16 and room for auth_len.
 * 0 or MUSTER_EPARSE.
 */
int rpc_parse_header(const uint8_t *p, size_t n, struct rpc_hdr *h);
/* The fields of a bind_ack ([C706] 12.6.4.4) for our single context. */
struct rpc_bind_ack {
	uint16_t max_xmit, max_recv; /* the server's max_xmit_frag / max_recv_frag */
	uint32_t assoc_group;
	char sec_addr[64]; /* secondary address (e.g. "\PIPE\svcctl"), cut to fit, NUL-terminated */
	uint16_t result, reason; /* of the first p_result_t: 0, 0 when accepted */
	uint8_t syntax[16];      /* transfer syntax of the first result */
	uint32_t syntax_version;
};
/*
 * Decode a bind_ack PDU p[0..n) (n == frag_len, no auth verifier) into *a,
 * without judging it. 0, or MUSTER_EPARSE when it is not a well-formed
 * bind_ack with at least one result.
 */
int rpc_decode_bind_ack(const uint8_t *p, size_t n, struct rpc_bind_ack *a);
/*
 * The server's answer to our bind: a whole PDU p[0..n). 0 when it is a
 * bind_ack accepting our context with NDR20 (*max_xmit / *max_recv get the
 * server's max_xmit_frag / max_recv_frag); MUSTER_ENET for a bind_nak, a
 * refused context or a fault, with err naming the reason; MUSTER_EPARSE for
 * anything malformed.
 */
int rpc_parse_bind_ack(const uint8_t *p, size_t n, uint16_t *max_xmit, uint16_t *max_recv,
                       char *err, size_t errlen);
/*
 * One reply fragment, a whole PDU p[0..n). 0 for a response PDU: *stub (into
 * p) and *stublen get its stub data; MUSTER_ENET for a fault PDU with *fault
 * set to its status; MUSTER_EPARSE for anything else or malformed.
 */
int rpc_parse_response(const uint8_t *p, size_t n, const uint8_t **stub, size_t *stublen,
                       uint32_t *fault);

/* The name of a fault or reject status ("nca_s_op_rng_error"), or NULL when unknown. */
const char *rpc_fault_name(uint32_t status);
/* Write "NAME (0xSTATUS): what it means" (or "unknown status 0x...") into out. */
void rpc_fault_describe(uint32_t status, char *out, size_t outsz);

#endif
