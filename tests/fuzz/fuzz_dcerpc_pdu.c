/*
 * fuzz_dcerpc_pdu.c - libFuzzer harness for the deployer's DCE/RPC parsing
 * (deployer/dcerpc.c): the input is parsed as one PDU by every pure parser
 * (header, bind_ack, response), then replayed as the byte stream a server
 * sends, through rpc_bind and one rpc_call, read in uneven chunks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "deployer/dcerpc.h"
#include "deployer/scmr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct stream {
	const uint8_t *p;
	size_t n, off;
	unsigned reads;
};

static int
sink_write(void *ctx, const uint8_t *p, size_t n, int64_t deadline)
{
	(void)ctx;
	(void)p;
	(void)n;
	(void)deadline;
	return 0;
}

/* Hand out the input in chunks of 1..13 bytes, then end of stream. */
static int
stream_read(void *ctx, uint8_t *p, size_t n, int64_t deadline)
{
	struct stream *s = ctx;
	size_t k = 1 + s->reads++ % 13;

	(void)deadline;
	if (s->off >= s->n)
		return 0;
	if (k > n)
		k = n;
	if (k > s->n - s->off)
		k = s->n - s->off;
	memcpy(p, s->p + s->off, k);
	s->off += k;
	return (int)k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_hdr h;
	struct rpc_bind_ack a;
	struct stream s = {data, size, 0, 0};
	struct rpc_io io = {&s, sink_write, stream_read};
	struct rpc_conn c;
	struct buf out;
	const uint8_t *stub;
	size_t stublen;
	uint16_t x, r;
	uint32_t fault;
	char err[256];
	volatile size_t sink = 0;

	if (rpc_parse_header(data, size, &h) == 0)
		sink += h.frag_len;
	if (rpc_parse_bind_ack(data, size, &x, &r, err, sizeof(err)) == 0)
		sink += x + r;
	if (rpc_decode_bind_ack(data, size, &a) == 0)
		sink += strlen(a.sec_addr) + a.result;
	if (rpc_parse_response(data, size, &stub, &stublen, &fault) == 0 && stublen > 0)
		sink += stub[stublen - 1];

	/* As a stream: a bind_ack (call 1), then the reply to call 2. */
	rpc_conn_init(&c, &io);
	if (rpc_bind(&c, scmr_uuid, 2, 0, INT64_MAX, err, sizeof(err)) == 0) {
		buf_init(&out, 16384);
		if (rpc_call(&c, 6, (const uint8_t *)"stub", 4, &out, &fault, INT64_MAX, err,
		             sizeof(err)) == 0)
			sink += out.len;
		buf_free(&out);
	}
	(void)sink;
	return 0;
}
