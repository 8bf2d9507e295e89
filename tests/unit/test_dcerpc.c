/*
 * test_dcerpc.c - connection-oriented DCE/RPC ([C706] ch.12): PDU encoding,
 * header / bind_ack / response parsing on real Samba bytes and on every
 * truncation, fault names, and rpc_bind / rpc_call against a scripted peer on
 * a socketpair (faults, short fragments, lying frag_len, silence, fragments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/muster.h"
#include "deployer/dcerpc.h"
#include "deployer/engine.h"
#include "deployer/scmr.h"
#include "rpcpeer.h"
#include "testutil.h"

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t *
load(const char *name, size_t *n)
{
	uint8_t *b = peer_load(name, n);

	assert_non_null(b);
	return b;
}

/* ---- encoding ---- */

static void
test_encode_bind(void **state)
{
	struct buf b;
	struct rpc_hdr h;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(rpc_encode_bind(&b, 7, scmr_uuid, 2, 0, 4280, 2048), 0);
	assert_int_equal(b.len, 72);
	assert_int_equal(rpc_parse_header(b.data, b.len, &h), 0);
	assert_int_equal(h.ptype, RPC_PTYPE_BIND);
	assert_int_equal(h.flags, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);
	assert_int_equal(h.frag_len, 72);
	assert_int_equal(h.call_id, 7);
	assert_int_equal(h.drep, 0x10);
	assert_int_equal(g16(b.data + 16), 4280);
	assert_int_equal(g16(b.data + 18), 2048);
	assert_int_equal(b.data[24], 1); /* one context */
	assert_int_equal(g16(b.data + 28), 0);
	assert_int_equal(b.data[30], 1); /* one transfer syntax */
	assert_memory_equal(b.data + 32, scmr_uuid, 16);
	assert_int_equal(g16(b.data + 48), 2);
	assert_int_equal(g16(b.data + 50), 0);
	assert_memory_equal(b.data + 52, rpc_ndr20_syntax, 16);
	assert_int_equal(g16(b.data + 68), 2);
	/* a full buffer */
	buf_free(&b);
	buf_init(&b, 71);
	assert_int_equal(rpc_encode_bind(&b, 1, scmr_uuid, 2, 0, 4280, 4280), MUSTER_ETOOBIG);
	buf_free(&b);
}

static void
test_encode_request(void **state)
{
	static const uint8_t stub[5] = {1, 2, 3, 4, 5};
	struct buf b;
	struct rpc_hdr h;
	uint8_t *big;

	(void)state;
	buf_init(&b, 1 << 17);
	assert_int_equal(rpc_encode_request(&b, 9, 3, 19, stub, sizeof(stub), RPC_PFC_LAST_FRAG),
	                 0);
	assert_int_equal(rpc_parse_header(b.data, b.len, &h), 0);
	assert_int_equal(h.ptype, RPC_PTYPE_REQUEST);
	assert_int_equal(h.flags, RPC_PFC_LAST_FRAG);
	assert_int_equal(h.frag_len, 24 + 5);
	assert_int_equal(h.call_id, 9);
	assert_int_equal(peer_u32(b.data + 16), 5); /* alloc_hint */
	assert_int_equal(g16(b.data + 20), 3);      /* p_cont_id */
	assert_int_equal(g16(b.data + 22), 19);     /* opnum */
	assert_memory_equal(b.data + 24, stub, 5);
	/* stray flag bits are not sent */
	buf_reset(&b);
	assert_int_equal(rpc_encode_request(&b, 1, 0, 0, NULL, 0, 0xff), 0);
	assert_int_equal(b.data[3], RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);
	/* the largest fragment fits in frag_length, one more byte does not */
	big = calloc(1, 65536);
	assert_non_null(big);
	buf_reset(&b);
	assert_int_equal(rpc_encode_request(&b, 1, 0, 0, big, 65535 - 24, 3), 0);
	buf_reset(&b);
	assert_int_equal(rpc_encode_request(&b, 1, 0, 0, big, 65535 - 23, 3), MUSTER_EINVAL);
	assert_int_equal(b.len, 0);
	free(big);
	buf_free(&b);
}

/* ---- header ---- */

static void
test_parse_header(void **state)
{
	uint8_t ok[16] = {5, 0, 2, 3, 0x10, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0};
	uint8_t b[16];
	struct rpc_hdr h;
	static const struct {
		int off;
		uint8_t val;
	} bad[] = {
	        {0, 4},    /* version 4 */
	        {1, 2},    /* minor 2 */
	        {4, 0x00}, /* big-endian integers */
	        {8, 15},   /* frag_len < 16 */
	        {10, 20},  /* auth_len + 8 > frag_len - 16 */
	        {10, 17},  /* still too long */
	};

	(void)state;
	assert_int_equal(rpc_parse_header(ok, sizeof(ok), &h), 0);
	assert_int_equal(h.frag_len, 40);
	memcpy(b, ok, 16);
	b[1] = 1; /* 5.1 */
	assert_int_equal(rpc_parse_header(b, 16, &h), 0);
	memcpy(b, ok, 16);
	b[10] = 16; /* auth_len 16 + sec_trailer 8 == 24 == 40 - 16 */
	assert_int_equal(rpc_parse_header(b, 16, &h), 0);
	for (size_t i = 0; i < MUSTER_NELEM(bad); i++) {
		memcpy(b, ok, 16);
		b[bad[i].off] = bad[i].val;
		assert_int_equal(rpc_parse_header(b, 16, &h), MUSTER_EPARSE);
	}
	for (size_t n = 0; n < 16; n++) {
		uint8_t *d = dup_prefix(ok, n);

		assert_int_equal(rpc_parse_header(d, n, &h), MUSTER_EPARSE);
		assert_int_equal(h.frag_len, 0);
		free(d);
	}
}

/* ---- bind_ack ---- */

static void
test_bind_ack_samba(void **state)
{
	size_t n;
	uint8_t *ack = load("samba-bind-ack.bin", &n);
	uint16_t x, r;
	struct rpc_bind_ack a;
	char err[256];

	(void)state;
	assert_int_equal(rpc_parse_bind_ack(ack, n, &x, &r, err, sizeof(err)), 0);
	assert_int_equal(x, 4280);
	assert_int_equal(r, 4280);
	assert_int_equal(rpc_decode_bind_ack(ack, n, &a), 0);
	assert_string_equal(a.sec_addr, "\\pipe\\svcctl");
	assert_int_equal(a.result, 0);
	assert_memory_equal(a.syntax, rpc_ndr20_syntax, 16);
	assert_int_equal(a.syntax_version, 2);
	assert_int_not_equal(a.assoc_group, 0);
	free(ack);

	ack = load("samba-bind-unknown-if.bin", &n);
	assert_int_equal(rpc_parse_bind_ack(ack, n, &x, &r, err, sizeof(err)), MUSTER_ENET);
	assert_string_equal(
	        err, "the server refused the interface: provider_rejection, "
	             "abstract_syntax_not_supported (the interface is not served on this pipe)");
	assert_int_equal(x, 0);
	assert_int_equal(rpc_decode_bind_ack(ack, n, &a), 0);
	assert_int_equal(a.result, 2);
	assert_int_equal(a.reason, 1);
	free(ack);
}

/* Every prefix of pdu, both as is and with frag_len saying that length, must be refused. */
static void
truncations_refused(const uint8_t *pdu, size_t n, bool is_bind)
{
	for (size_t len = 0; len < n; len++) {
		uint8_t *d = dup_prefix(pdu, len);
		const uint8_t *stub;
		size_t stublen;
		uint32_t fault;
		uint16_t x, r;
		struct rpc_bind_ack a;

		for (int patched = 0; patched < 2; patched++) {
			if (patched && len >= 10) {
				d[8] = (uint8_t)len;
				d[9] = (uint8_t)(len >> 8);
			}
			if (is_bind) {
				assert_int_equal(rpc_parse_bind_ack(d, len, &x, &r, NULL, 0),
				                 MUSTER_EPARSE);
				assert_int_equal(x, 0);
				assert_int_equal(rpc_decode_bind_ack(d, len, &a), MUSTER_EPARSE);
			} else {
				int rc = rpc_parse_response(d, len, &stub, &stublen, &fault);

				/* A response cut after its 24-byte header is still a
				 * response whose stub is shorter: the SCMR decoders
				 * catch that. Anything shorter is refused. */
				if (patched && len >= 24 && pdu[2] == RPC_PTYPE_RESPONSE) {
					assert_int_equal(rc, 0);
					assert_int_equal(stublen, len - 24);
				} else if (patched && len >= 28 && pdu[2] == RPC_PTYPE_FAULT) {
					assert_int_equal(rc, MUSTER_ENET);
				} else {
					assert_int_equal(rc, MUSTER_EPARSE);
					assert_null(stub);
					assert_int_equal(fault, 0);
				}
			}
		}
		free(d);
	}
}

static void
test_truncated_everywhere(void **state)
{
	static const char *const files[] = {"samba-bind-ack.bin", "samba-bind-unknown-if.bin",
	                                    "samba-query-status.bin", "samba-create-service.bin",
	                                    "samba-open-scm.bin"};

	(void)state;
	for (size_t i = 0; i < MUSTER_NELEM(files); i++) {
		size_t n;
		uint8_t *b = load(files[i], &n);

		truncations_refused(b, n, strncmp(files[i], "samba-bind", 10) == 0);
		free(b);
	}
}

static void
test_bind_nak_and_fault(void **state)
{
	uint8_t nak[24] = {5, 0,    RPC_PTYPE_BIND_NAK,
	                   3, 0x10, 0,
	                   0, 0,    24,
	                   0, 0,    0,
	                   1, 0,    0,
	                   0, 4,    0,
	                   1, 5,    0,
	                   0, 0,    0};
	uint8_t fault[32] = {5,    0,    RPC_PTYPE_FAULT,
	                     3,    0x10, 0,
	                     0,    0,    32,
	                     0,    0,    0,
	                     1,    0,    0,
	                     0,    0,    0,
	                     0,    0,    0,
	                     0,    0,    0,
	                     0x03, 0x00, 0x01,
	                     0x1c, 0,    0,
	                     0,    0};
	uint8_t odd[24];
	uint16_t x, r;
	char err[256];

	(void)state;
	assert_int_equal(rpc_parse_bind_ack(nak, sizeof(nak), &x, &r, err, sizeof(err)),
	                 MUSTER_ENET);
	assert_string_equal(err,
	                    "the server rejected the bind: protocol_version_not_supported (4)");
	nak[16] = 200;
	assert_int_equal(rpc_parse_bind_ack(nak, sizeof(nak), &x, &r, err, sizeof(err)),
	                 MUSTER_ENET);
	assert_string_equal(err, "the server rejected the bind: unknown reason (200)");
	assert_int_equal(rpc_parse_bind_ack(fault, sizeof(fault), &x, &r, err, sizeof(err)),
	                 MUSTER_ENET);
	assert_string_equal(err,
	                    "the server answered the bind with a fault: nca_s_unk_if (0x1c010003): "
	                    "the server does not offer this interface");
	/* a response PDU is no answer to a bind */
	memcpy(odd, nak, sizeof(odd));
	odd[2] = RPC_PTYPE_RESPONSE;
	assert_int_equal(rpc_parse_bind_ack(odd, sizeof(odd), &x, &r, err, sizeof(err)),
	                 MUSTER_EPARSE);
	assert_string_equal(err, "PDU type 2 in answer to the bind");
}

static void
test_bind_ack_other_syntax(void **state)
{
	size_t n;
	uint8_t *ack = load("samba-bind-ack.bin", &n);
	uint16_t x, r;
	char err[256];

	(void)state;
	ack[n - 4] = 1; /* NDR20 version 1 */
	assert_int_equal(rpc_parse_bind_ack(ack, n, &x, &r, err, sizeof(err)), MUSTER_EPARSE);
	ack[n - 4] = 2;
	ack[n - 20] ^= 1; /* another UUID */
	assert_int_equal(rpc_parse_bind_ack(ack, n, &x, &r, err, sizeof(err)), MUSTER_EPARSE);
	assert_string_equal(err, "the bind_ack accepts a transfer syntax we did not offer");
	ack[n - 20] ^= 1;
	ack[10] = 8; /* an auth verifier we never asked for */
	assert_int_equal(rpc_parse_bind_ack(ack, n, &x, &r, err, sizeof(err)), MUSTER_EPARSE);
	free(ack);
}

/* ---- responses and faults ---- */

static void
test_response_samba(void **state)
{
	size_t n;
	uint8_t *b = load("samba-query-status.bin", &n);
	const uint8_t *stub;
	size_t stublen;
	uint32_t fault;

	(void)state;
	assert_int_equal(rpc_parse_response(b, n, &stub, &stublen, &fault), 0);
	assert_int_equal(stublen, 32);
	assert_ptr_equal(stub, b + 24);
	assert_int_equal(fault, 0);
	b[2] = RPC_PTYPE_BIND_ACK;
	assert_int_equal(rpc_parse_response(b, n, &stub, &stublen, &fault), MUSTER_EPARSE);
	free(b);

	b = load("samba-create-service.bin", &n);
	assert_int_equal(rpc_parse_response(b, n, &stub, &stublen, &fault), MUSTER_ENET);
	assert_int_equal(fault, RPC_S_OP_RNG_ERROR);
	assert_null(stub);
	/* a fault whose status is 0 is a protocol violation */
	memset(b + 24, 0, 4);
	assert_int_equal(rpc_parse_response(b, n, &stub, &stublen, &fault), MUSTER_EPARSE);
	free(b);
}

static void
test_fault_names(void **state)
{
	char msg[200];

	(void)state;
	assert_string_equal(rpc_fault_name(0x1c010002), "nca_s_op_rng_error");
	assert_string_equal(rpc_fault_name(5), "nca_s_fault_access_denied");
	assert_string_equal(rpc_fault_name(0x1c010003), "nca_s_unk_if");
	assert_string_equal(rpc_fault_name(0x1c01000b), "nca_s_proto_error");
	assert_string_equal(rpc_fault_name(0x1c00001a), "nca_s_fault_context_mismatch");
	assert_string_equal(rpc_fault_name(0x6f7), "nca_s_fault_ndr");
	assert_null(rpc_fault_name(0x12345678));
	rpc_fault_describe(0x1c010002, msg, sizeof(msg));
	assert_string_equal(
	        msg,
	        "nca_s_op_rng_error (0x1c010002): the server does not implement this operation");
	rpc_fault_describe(5, msg, sizeof(msg));
	assert_string_equal(msg, "nca_s_fault_access_denied (0x00000005): the server refused the "
	                         "call (access denied)");
	rpc_fault_describe(0x12345678, msg, sizeof(msg));
	assert_string_equal(msg, "unknown status 0x12345678");
}

/* ---- rpc_bind / rpc_call against a scripted peer ---- */

#define SHORT_MS 300

static int64_t
deadline_in(int64_t ms)
{
	return deploy_now_ms() + ms;
}

/* Start the peer and bind to it; the script must begin with peer_accept_bind(). */
static void
bound(struct rpc_peer *p, struct rpc_conn *c, void (*script)(struct rpc_peer *), const void *arg)
{
	struct rpc_io io;
	char err[256];

	assert_int_equal(peer_start(p, script, arg), 0);
	io = peer_io(p);
	rpc_conn_init(c, &io);
	assert_int_equal(rpc_bind(c, scmr_uuid, 2, 0, deadline_in(5000), err, sizeof(err)), 0);
	assert_true(c->bound);
	assert_int_equal(c->max_xmit, 4280);
	assert_int_equal(c->max_recv, 4280);
}

static void
script_echo(struct rpc_peer *p)
{
	uint32_t id;

	if (peer_accept_bind(p) != 0)
		return;
	while ((id = peer_read_request(p)) != 0)
		peer_send_response(p, id, p->stub, p->stublen,
		                   RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);
}

static void
test_call_echo_and_fragments(void **state)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	uint8_t stub[100];
	uint32_t fault = 1;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i * 7);
	bound(&p, &c, script_echo, NULL);
	buf_init(&out, 4096);
	assert_int_equal(
	        rpc_call(&c, 6, stub, 20, &out, &fault, deadline_in(5000), err, sizeof(err)), 0);
	assert_int_equal(fault, 0);
	assert_int_equal(out.len, 20);
	assert_memory_equal(out.data, stub, 20);
	/* 64-byte fragments carry 40 stub bytes: 100 bytes go as 40 + 40 + 20 */
	c.max_xmit = 64;
	assert_int_equal(rpc_call(&c, 12, stub, sizeof(stub), &out, &fault, deadline_in(5000), err,
	                          sizeof(err)),
	                 0);
	assert_int_equal(out.len, 100);
	assert_memory_equal(out.data, stub, 100);
	/* an empty stub is one fragment */
	assert_int_equal(
	        rpc_call(&c, 0, NULL, 0, &out, &fault, deadline_in(5000), err, sizeof(err)), 0);
	assert_int_equal(out.len, 0);
	peer_join(&p);
	assert_string_equal(p.oops, "");
	assert_int_equal(p.nreq, 5);
	assert_int_equal(p.opnum[0], 6);
	assert_int_equal(p.flags[0], 3);
	assert_int_equal(p.call_id[0], 2); /* the bind was call 1 */
	assert_int_equal(p.opnum[1], 12);
	assert_int_equal(p.flags[1], RPC_PFC_FIRST_FRAG);
	assert_int_equal(p.flags[2], 0);
	assert_int_equal(p.flags[3], RPC_PFC_LAST_FRAG);
	assert_int_equal(p.alloc_hint[1], 100);
	assert_int_equal(p.alloc_hint[2], 60);
	assert_int_equal(p.alloc_hint[3], 20);
	assert_int_equal(p.call_id[3], 3);
	assert_int_equal(p.flags[4], 3);
	buf_free(&out);
}

/* Answer the first request with Samba's 3-fragment REnumServicesStatusW reply. */
static void
script_multifrag(struct rpc_peer *p)
{
	size_t n;
	uint8_t *b;
	uint32_t id;

	if (peer_accept_bind(p) != 0 || (id = peer_read_request(p)) == 0)
		return;
	if ((b = peer_load("samba-enum-services.bin", &n)) == NULL) {
		peer_oops(p, "no samba-enum-services.bin");
		return;
	}
	peer_send_pdus(p, b, n, id);
	free(b);
	while ((id = peer_read_request(p)) != 0)
		peer_send_response(p, id, "\0\0\0\0", 4, 3);
}

static void
test_call_reassembly(void **state)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	size_t n;
	uint8_t *raw = load("samba-enum-services.bin", &n);
	char err[256];

	(void)state;
	bound(&p, &c, script_multifrag, NULL);
	buf_init(&out, 65536);
	assert_int_equal(rpc_call(&c, 14, NULL, 0, &out, NULL, deadline_in(5000), err, sizeof(err)),
	                 0);
	/* 4256 + 4256 + 508 stub bytes, after 24-byte headers at 0, 4280, 8560 */
	assert_int_equal(out.len, 9020);
	assert_memory_equal(out.data, raw + 24, 4256);
	assert_memory_equal(out.data + 4256, raw + 4280 + 24, 4256);
	assert_memory_equal(out.data + 8512, raw + 8560 + 24, 508);
	assert_int_equal(peer_u32(out.data), 9000); /* lpBuffer's conformance */
	/* the stream is still in step */
	assert_int_equal(rpc_call(&c, 2, NULL, 0, &out, NULL, deadline_in(5000), err, sizeof(err)),
	                 0);
	assert_int_equal(out.len, 4);
	peer_join(&p);
	assert_string_equal(p.oops, "");
	buf_free(&out);
	free(raw);
}

static void
test_call_reply_cap(void **state)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	char err[256];

	(void)state;
	bound(&p, &c, script_multifrag, NULL);
	buf_init(&out, 5000);
	assert_int_equal(rpc_call(&c, 14, NULL, 0, &out, NULL, deadline_in(5000), err, sizeof(err)),
	                 MUSTER_ETOOBIG);
	assert_string_equal(err, "the reply exceeds 5000 bytes");
	assert_true(c.broken);
	peer_join(&p);
	buf_free(&out);
}

/* Answer with a fault, then echo. */
static void
script_fault(struct rpc_peer *p)
{
	uint32_t id;

	if (peer_accept_bind(p) != 0 || (id = peer_read_request(p)) == 0)
		return;
	peer_send_fault(p, id, RPC_S_OP_RNG_ERROR);
	while ((id = peer_read_request(p)) != 0)
		peer_send_response(p, id, p->stub, p->stublen, 3);
}

static void
test_call_fault(void **state)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	uint32_t fault = 0;
	char err[256];

	(void)state;
	bound(&p, &c, script_fault, NULL);
	buf_init(&out, 4096);
	assert_int_equal(rpc_call(&c, 12, (const uint8_t *)"abcd", 4, &out, &fault,
	                          deadline_in(5000), err, sizeof(err)),
	                 MUSTER_ENET);
	assert_int_equal(fault, RPC_S_OP_RNG_ERROR);
	assert_string_equal(
	        err,
	        "nca_s_op_rng_error (0x1c010002): the server does not implement this operation");
	assert_int_equal(out.len, 0);
	assert_false(c.broken);
	/* a fault ends one call, not the connection */
	assert_int_equal(rpc_call(&c, 6, (const uint8_t *)"wxyz", 4, &out, &fault,
	                          deadline_in(5000), err, sizeof(err)),
	                 0);
	assert_int_equal(fault, 0);
	assert_memory_equal(out.data, "wxyz", 4);
	peer_join(&p);
	assert_string_equal(p.oops, "");
	buf_free(&out);
}

/* What a misbehaving peer sends after reading the first request. */
enum misbehaviour {
	M_SILENT,         /* nothing, connection left open */
	M_CLOSE,          /* close without a byte */
	M_HALF_HEADER,    /* 10 bytes of a header, then close */
	M_SHORT_FRAGMENT, /* a header saying 56 bytes, 30 of them, then close */
	M_FRAG_LEN_LIES,  /* a header saying 4000 bytes, 40 of them, connection left open */
	M_FRAG_TOO_LONG,  /* a header saying 65000 bytes (more than we accept) */
	M_FRAG_TOO_SHORT, /* a response of 20 bytes: shorter than a response header */
	M_WRONG_CALL_ID,  /* a good response to another call */
	M_NO_FIRST_FLAG,  /* a response without PFC_FIRST_FRAG */
	M_EMPTY_MIDDLE,   /* a first fragment without stub and without LAST */
	M_BIND_ACK,       /* a bind_ack where a response belongs */
	M_BIG_ENDIAN,     /* a response in big-endian representation */
};

static void
script_misbehave(struct rpc_peer *p)
{
	const enum misbehaviour *m = p->arg;
	uint8_t b[64] = {5, 0, RPC_PTYPE_RESPONSE, 3, 0x10, 0, 0, 0};
	uint32_t id;
	uint8_t sink[65536];

	if (peer_accept_bind(p) != 0 || (id = peer_read_request(p)) == 0)
		return;
	peer_put_u32(b + 12, id);
	switch (*m) {
	case M_SILENT:
		while (peer_read_pdu(p, sink) != 0) /* until the client gives up */
			;
		return;
	case M_CLOSE:
		return;
	case M_HALF_HEADER:
		peer_send(p, b, 10);
		return;
	case M_SHORT_FRAGMENT:
		b[8] = 56;
		peer_send(p, b, 30);
		return;
	case M_FRAG_LEN_LIES:
		b[8] = 4000 & 0xff;
		b[9] = 4000 >> 8;
		peer_send(p, b, 40);
		while (peer_read_pdu(p, sink) != 0)
			;
		return;
	case M_FRAG_TOO_LONG:
		b[8] = 65000 & 0xff;
		b[9] = 65000 >> 8;
		peer_send(p, b, 16);
		return;
	case M_FRAG_TOO_SHORT:
		b[8] = 20;
		peer_send(p, b, 20);
		return;
	case M_WRONG_CALL_ID:
		peer_send_response(p, id + 1, "\0\0\0\0", 4, 3);
		return;
	case M_NO_FIRST_FLAG:
		peer_send_response(p, id, "\0\0\0\0", 4, RPC_PFC_LAST_FRAG);
		return;
	case M_EMPTY_MIDDLE:
		peer_send_response(p, id, NULL, 0, RPC_PFC_FIRST_FRAG);
		return;
	case M_BIND_ACK: {
		size_t n;
		uint8_t *ack = peer_load("samba-bind-ack.bin", &n);

		if (ack != NULL)
			peer_send_pdus(p, ack, n, id);
		free(ack);
		return;
	}
	case M_BIG_ENDIAN:
		b[4] = 0x00;
		b[8] = 0;
		b[9] = 28;
		peer_send(p, b, 28);
		return;
	}
}

static void
misbehaving(enum misbehaviour m, int want, int64_t wait_ms, const char *want_err)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	uint32_t fault = 7;
	char err[256];
	int64_t t0, took;
	int r;

	bound(&p, &c, script_misbehave, &m);
	buf_init(&out, 65536);
	t0 = deploy_now_ms();
	r = rpc_call(&c, 15, (const uint8_t *)"abcd", 4, &out, &fault, t0 + wait_ms, err,
	             sizeof(err));
	took = deploy_now_ms() - t0;
	if (r != want)
		print_error("misbehaviour %d: %d, %s\n", (int)m, r, err);
	assert_int_equal(r, want);
	assert_int_equal(fault, 0);
	assert_string_equal(err, want_err);
	assert_true(c.broken);
	if (want == MUSTER_ETIMEOUT) {
		/* one timeout, not more, and not a hang */
		assert_true(took >= wait_ms - 5);
		assert_true(took < wait_ms + 700);
	} else {
		assert_true(took < wait_ms);
	}
	/* a broken stream fails the next call at once */
	t0 = deploy_now_ms();
	assert_int_equal(rpc_call(&c, 15, NULL, 0, &out, &fault, t0 + 5000, err, sizeof(err)),
	                 MUSTER_EIO);
	assert_true(deploy_now_ms() - t0 < 250);
	assert_string_equal(err, "the RPC connection is out of step after an earlier error");
	peer_join(&p);
	assert_string_equal(p.oops, "");
	assert_int_equal(p.nreq, 1);
	buf_free(&out);
}

static void
test_call_nothing_at_all(void **state)
{
	(void)state;
	misbehaving(M_SILENT, MUSTER_ETIMEOUT, SHORT_MS,
	            "no answer to the call of opnum 15 before the deadline (0 of 16 header bytes "
	            "came)");
}

static void
test_call_closed(void **state)
{
	(void)state;
	misbehaving(M_CLOSE, MUSTER_ENET, 5000,
	            "the server closed the pipe instead of answering the call of opnum 15");
	misbehaving(M_HALF_HEADER, MUSTER_EPARSE, 5000,
	            "the server closed the pipe after 10 of the 16 header bytes of its answer to "
	            "the call of opnum 15");
}

static void
test_call_short_fragment(void **state)
{
	(void)state;
	misbehaving(M_SHORT_FRAGMENT, MUSTER_EPARSE, 5000,
	            "short fragment: the server closed the pipe after 30 of 56 bytes of its answer "
	            "to the call of "
	            "opnum 15");
}

static void
test_call_frag_len_lies(void **state)
{
	(void)state;
	misbehaving(M_FRAG_LEN_LIES, MUSTER_ETIMEOUT, SHORT_MS,
	            "the answer to the call of opnum 15 stopped before the deadline: 40 of 4000 "
	            "fragment bytes came");
	misbehaving(M_FRAG_TOO_LONG, MUSTER_EPARSE, 5000,
	            "the answer to the call of opnum 15 announces a 65000-byte fragment, more than "
	            "the 4280 we accept");
	misbehaving(M_FRAG_TOO_SHORT, MUSTER_EPARSE, 5000,
	            "malformed reply fragment (PDU type 2, 20 bytes)");
}

static void
test_call_out_of_order(void **state)
{
	(void)state;
	misbehaving(M_WRONG_CALL_ID, MUSTER_EPARSE, 5000,
	            "reply fragment for call 3 while waiting for 2");
	misbehaving(M_NO_FIRST_FLAG, MUSTER_EPARSE, 5000,
	            "reply fragment 1 has the first-fragment flag clear");
	misbehaving(M_EMPTY_MIDDLE, MUSTER_EPARSE, 5000,
	            "empty reply fragment 1 that is not the last");
	misbehaving(M_BIND_ACK, MUSTER_EPARSE, 5000,
	            "malformed reply fragment (PDU type 12, 68 bytes)");
	misbehaving(M_BIG_ENDIAN, MUSTER_EPARSE, 5000,
	            "malformed PDU header in the answer to the call of opnum 15");
}

/* Accept the bind, then read nothing more until the client hangs up. */
static void
script_deaf(struct rpc_peer *p)
{
	struct pollfd pf = {.fd = p->fd[1], .events = POLLRDHUP};

	if (peer_accept_bind(p) != 0)
		return;
	while (poll(&pf, 1, -1) < 0 && errno == EINTR)
		;
}

static void
test_call_write_timeout(void **state)
{
	struct rpc_peer p;
	struct rpc_conn c;
	struct buf out;
	size_t n = 8 << 20;
	uint8_t *big = calloc(1, n);
	int64_t t0;
	char err[256];

	(void)state;
	assert_non_null(big);
	bound(&p, &c, script_deaf, NULL);
	buf_init(&out, 100);
	t0 = deploy_now_ms();
	assert_int_equal(rpc_call(&c, 12, big, n, &out, NULL, t0 + SHORT_MS, err, sizeof(err)),
	                 MUSTER_ETIMEOUT);
	assert_true(deploy_now_ms() - t0 < SHORT_MS + 700);
	assert_string_equal(err, "sending the request timed out");
	assert_true(c.broken);
	peer_join(&p);
	buf_free(&out);
	free(big);
}

/* ---- rpc_bind outcomes ---- */

struct bind_answer {
	const char *file;  /* send this capture, or */
	uint16_t srv_xmit; /* patch Samba's bind_ack with these sizes (0: leave) */
	uint16_t srv_recv;
	bool silent;
};

static void
script_bind(struct rpc_peer *p)
{
	const struct bind_answer *a = p->arg;
	uint8_t b[65536];
	uint8_t *ack;
	size_t n, len;

	if ((n = peer_read_pdu(p, b)) == 0)
		return;
	if (a->silent) {
		while (peer_read_pdu(p, b) != 0)
			;
		return;
	}
	if ((ack = peer_load(a->file, &len)) == NULL) {
		peer_oops(p, "cannot load the answer");
		return;
	}
	if (a->srv_xmit) {
		ack[16] = (uint8_t)a->srv_xmit;
		ack[17] = (uint8_t)(a->srv_xmit >> 8);
		ack[18] = (uint8_t)a->srv_recv;
		ack[19] = (uint8_t)(a->srv_recv >> 8);
	}
	peer_send_pdus(p, ack, len, peer_u32(b + 12));
	free(ack);
}

static int
try_bind(const struct bind_answer *a, struct rpc_conn *c, char *err, size_t errlen, int64_t ms)
{
	struct rpc_peer p;
	struct rpc_io io;
	int r;

	assert_int_equal(peer_start(&p, script_bind, a), 0);
	io = peer_io(&p);
	rpc_conn_init(c, &io);
	r = rpc_bind(c, scmr_uuid, 2, 0, deploy_now_ms() + ms, err, errlen);
	peer_join(&p);
	assert_string_equal(p.oops, "");
	return r;
}

static void
test_bind_outcomes(void **state)
{
	struct bind_answer smaller = {"samba-bind-ack.bin", 2000, 1500, false};
	struct bind_answer tiny = {"samba-bind-ack.bin", 4280, 32, false};
	struct bind_answer refused = {"samba-bind-unknown-if.bin", 0, 0, false};
	struct bind_answer silent = {"samba-bind-ack.bin", 0, 0, true};
	struct buf out;
	struct rpc_conn c;
	char err[256];

	(void)state;
	assert_int_equal(try_bind(&smaller, &c, err, sizeof(err), 5000), 0);
	assert_int_equal(c.max_xmit, 1500); /* what the server receives */
	assert_int_equal(c.max_recv, 2000); /* what the server sends */
	assert_int_equal(try_bind(&tiny, &c, err, sizeof(err), 5000), MUSTER_EPARSE);
	assert_string_equal(err, "the server negotiated fragments of 4280/32 bytes, too small");
	assert_false(c.bound);
	assert_int_equal(try_bind(&refused, &c, err, sizeof(err), 5000), MUSTER_ENET);
	assert_false(c.bound);
	assert_int_equal(try_bind(&silent, &c, err, sizeof(err), SHORT_MS), MUSTER_ETIMEOUT);
	assert_string_equal(
	        err, "no answer to the bind before the deadline (0 of 16 header bytes came)");
	/* no call before a bind */
	buf_init(&out, 100);
	assert_int_equal(
	        rpc_call(&c, 0, NULL, 0, &out, NULL, deploy_now_ms() + 100, err, sizeof(err)),
	        MUSTER_EINVAL);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_encode_bind),
	        cmocka_unit_test(test_encode_request),
	        cmocka_unit_test(test_parse_header),
	        cmocka_unit_test(test_bind_ack_samba),
	        cmocka_unit_test(test_truncated_everywhere),
	        cmocka_unit_test(test_bind_nak_and_fault),
	        cmocka_unit_test(test_bind_ack_other_syntax),
	        cmocka_unit_test(test_response_samba),
	        cmocka_unit_test(test_fault_names),
	        cmocka_unit_test(test_call_echo_and_fragments),
	        cmocka_unit_test(test_call_reassembly),
	        cmocka_unit_test(test_call_reply_cap),
	        cmocka_unit_test(test_call_fault),
	        cmocka_unit_test(test_call_nothing_at_all),
	        cmocka_unit_test(test_call_closed),
	        cmocka_unit_test(test_call_short_fragment),
	        cmocka_unit_test(test_call_frag_len_lies),
	        cmocka_unit_test(test_call_out_of_order),
	        cmocka_unit_test(test_call_write_timeout),
	        cmocka_unit_test(test_bind_outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
