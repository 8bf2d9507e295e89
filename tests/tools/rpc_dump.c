/*
 * rpc_dump.c - test-only tool for the deployer's DCE/RPC and [MS-SCMR] code,
 * compared with impacket by tests/tools/scmr_oracle.py:
 *
 *   rpc_dump requests      print "NAME HEX" for our bind PDU and the stub and
 *                          request PDU of every fixed SCMR call
 *   rpc_dump replies DIR   decode every DIR/samba-*.bin (raw reply PDUs, all
 *                          fragments) and print key=value lines
 *   rpc_dump live SOCK admin|denied
 *                          run our rpc_bind/rpc_call and scmr_* calls over
 *                          the Unix socket SOCK, which scmr_oracle.py relays
 *                          to a real server's \PIPE\svcctl; print key=value
 *                          results
 *
 * The fixed inputs must stay the same as in scmr_oracle.py. Not part of the
 * deployer: exits on error.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/muster.h"
#include "deployer/dcerpc.h"
#include "deployer/ndr.h"
#include "deployer/scmr.h"
#include "../unit/rpcpeer.h" /* its client-side rpc_io over a socket */

#define DEPLOY_ACCESS 0x00010034u
#define DISPLAY       "Muster deployment (\xc3\xa9\xf0\x9f\x98\x80)"
#define BINPATH                                                                                    \
	"\"C:\\Windows\\Muster-1a2b\\muster-svc.exe\" --run "                                      \
	"\"C:\\Windows\\Muster-1a2b\\muster-agent.msi\" --result "                                 \
	"\"C:\\Windows\\Muster-1a2b\\result.txt\""

static void
die(const char *what)
{
	fprintf(stderr, "rpc_dump: %s\n", what);
	exit(2);
}

static void
hexline(const char *name, const uint8_t *p, size_t n)
{
	printf("%s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static void
check(int r, const char *what)
{
	if (r != 0) {
		fprintf(stderr, "rpc_dump: %s: %s\n", what, muster_strerror(r));
		exit(2);
	}
}

/* Print the stub and, as call call_id, its single-fragment request PDU. */
static void
emit(const char *name, uint16_t opnum, uint32_t call_id, const struct buf *stub)
{
	char label[64];
	struct buf pdu;

	buf_init(&pdu, 1 << 20);
	check(rpc_encode_request(&pdu, call_id, 0, opnum, stub->data, stub->len,
	                         RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG),
	      name);
	snprintf(label, sizeof(label), "stub.%s", name);
	hexline(label, stub->data, stub->len);
	snprintf(label, sizeof(label), "pdu.%s", name);
	hexline(label, pdu.data, pdu.len);
	buf_free(&pdu);
}

static void
requests(void)
{
	static const char *const args[] = {"--run", "x y", "\xc3\xbc"};
	struct scmr_handle h1, h2;
	struct buf b;
	uint32_t call_id = 2;

	for (int i = 0; i < 20; i++) {
		h1.raw[i] = (uint8_t)i;
		h2.raw[i] = (uint8_t)(0xa0 + i);
	}
	buf_init(&b, 1 << 20);
	check(rpc_encode_bind(&b, 1, scmr_uuid, SCMR_VERS_MAJOR, SCMR_VERS_MINOR, RPC_FRAG_DEFAULT,
	                      RPC_FRAG_DEFAULT),
	      "bind");
	hexline("bind", b.data, b.len);

#define CALL(name, opnum, enc)                                                                     \
	do {                                                                                       \
		buf_reset(&b);                                                                     \
		check(enc, name);                                                                  \
		emit(name, opnum, call_id++, &b);                                                  \
	} while (0)

	CALL("open_scm_null", SCMR_OP_OPEN_SC_MANAGER_W, scmr_enc_open_scmanager(&b, NULL, 0x3));
	CALL("open_scm", SCMR_OP_OPEN_SC_MANAGER_W,
	     scmr_enc_open_scmanager(&b, "WIN-TARGET01", 0xF003F));
	CALL("open_service", SCMR_OP_OPEN_SERVICE_W,
	     scmr_enc_open_service(&b, &h1, "MusterSvc1", DEPLOY_ACCESS));
	CALL("create_service", SCMR_OP_CREATE_SERVICE_W,
	     scmr_enc_create_service(&b, &h1, "MusterDeploy", DISPLAY, BINPATH, DEPLOY_ACCESS));
	CALL("create_service_nodisplay", SCMR_OP_CREATE_SERVICE_W,
	     scmr_enc_create_service(&b, &h1, "MusterDeploy", NULL, BINPATH, DEPLOY_ACCESS));
	CALL("start_service", SCMR_OP_START_SERVICE_W, scmr_enc_start_service(&b, &h2, 0, NULL));
	CALL("start_service_args", SCMR_OP_START_SERVICE_W,
	     scmr_enc_start_service(&b, &h2, 3, args));
	CALL("query_status", SCMR_OP_QUERY_SERVICE_STATUS, scmr_enc_handle_only(&b, &h2));
	CALL("control_stop", SCMR_OP_CONTROL_SERVICE,
	     scmr_enc_control(&b, &h2, SCMR_SERVICE_CONTROL_STOP));
	CALL("delete_service", SCMR_OP_DELETE_SERVICE, scmr_enc_handle_only(&b, &h2));
	CALL("close", SCMR_OP_CLOSE_SERVICE_HANDLE, scmr_enc_handle_only(&b, &h2));
#undef CALL
	buf_free(&b);
}

static uint8_t *
load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long sz;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		die(path);
	if ((p = malloc((size_t)sz + 1)) == NULL || fread(p, 1, (size_t)sz, f) != (size_t)sz)
		die(path);
	fclose(f);
	*n = (size_t)sz;
	return p;
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reassemble the stub of a saved reply with our parsers. */
static int
reassemble(const uint8_t *p, size_t n, struct buf *stub, uint32_t *fault, unsigned *nfrag)
{
	struct rpc_hdr h;
	const uint8_t *part;
	size_t partlen;
	int r;

	*nfrag = 0;
	while (n > 0) {
		if (rpc_parse_header(p, n, &h) != 0 || h.frag_len > n)
			return MUSTER_EPARSE;
		(*nfrag)++;
		r = rpc_parse_response(p, h.frag_len, &part, &partlen, fault);
		if (r == MUSTER_ENET) {
			buf_reset(stub);
			return 0;
		}
		if (r != 0 || buf_append(stub, part, partlen) != 0)
			return MUSTER_EPARSE;
		p += h.frag_len;
		n -= h.frag_len;
	}
	return 0;
}

static void
handle_hex(char out[41], const struct scmr_handle *h)
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", h->raw[i]);
}

static void
one_reply(const char *name, const uint8_t *p, size_t n)
{
	struct buf stub;
	struct rpc_hdr h;
	struct scmr_handle hd;
	struct scmr_status st;
	uint32_t fault = 0, w = 0, tag;
	unsigned nfrag;
	char hx[41], safe[128];

	if (starts(name, "bind")) {
		struct rpc_bind_ack a;
		size_t i;

		if (rpc_parse_header(p, n, &h) != 0)
			die(name);
		printf("%s.ptype=%u\n", name, h.ptype);
		if (h.ptype == RPC_PTYPE_BIND_ACK) {
			if (rpc_decode_bind_ack(p, n, &a) != 0)
				die(name);
			/* Printable ASCII as is, anything else as '?' (as the oracle prints it). */
			for (i = 0; a.sec_addr[i] && i < sizeof(safe) - 1; i++)
				safe[i] = a.sec_addr[i] >= 0x20 && a.sec_addr[i] <= 0x7e
				                  ? a.sec_addr[i]
				                  : '?';
			safe[i] = 0;
			printf("%s.max_xmit=%u\n%s.max_recv=%u\n%s.sec_addr=%s\n%s.result=%u\n%s."
			       "reason=%u\n",
			       name, a.max_xmit, name, a.max_recv, name, safe, name, a.result, name,
			       a.reason);
		}
		return;
	}
	buf_init(&stub, 1 << 20);
	if (reassemble(p, n, &stub, &fault, &nfrag) != 0)
		die(name);
	printf("%s.fragments=%u\n%s.fault=0x%08" PRIx32 "\n%s.stub_len=%zu\n", name, nfrag, name,
	       fault, name, stub.len);
	if (fault == 0) {
		if (starts(name, "open-") || starts(name, "close-")) {
			if (scmr_dec_handle(stub.data, stub.len, &hd, &w) != 0)
				die(name);
			handle_hex(hx, &hd);
			printf("%s.handle=%s\n", name, hx);
		} else if (strcmp(name, "query-status") == 0 || strcmp(name, "control-stop") == 0) {
			if (scmr_dec_status(stub.data, stub.len, &st, &w) != 0)
				die(name);
			printf("%s.type=%" PRIu32 "\n%s.state=%" PRIu32 "\n%s.controls=%" PRIu32
			       "\n%s.win32_exit=%" PRIu32 "\n%s.svc_exit=%" PRIu32
			       "\n%s.checkpoint=%" PRIu32 "\n%s.wait_hint=%" PRIu32 "\n",
			       name, st.type, name, st.state, name, st.controls, name,
			       st.win32_exit, name, st.svc_exit, name, st.checkpoint, name,
			       st.wait_hint);
		} else if (strcmp(name, "enum-services") == 0) {
			/* lpBuffer (conformant byte array), pcbBytesNeeded,
			 * lpServicesReturned, lpResumeIndex (unique), the WERROR. */
			struct ndr_dec d;
			uint32_t count, needed, returned, resume;
			bool present;

			ndr_dec_init(&d, stub.data, stub.len);
			ndr_get_u32(&d, &count);
			cursor_skip(&d.c, count);
			ndr_get_u32(&d, &needed);
			ndr_get_u32(&d, &returned);
			if (ndr_get_ptr(&d, &present) && present)
				ndr_get_u32(&d, &resume);
			ndr_get_u32(&d, &w);
			if (!ndr_dec_done(&d))
				die(name);
			printf("%s.buf_len=%" PRIu32 "\n%s.bytes_needed=%" PRIu32
			       "\n%s.returned=%" PRIu32 "\n",
			       name, count, name, needed, name, returned);
		} else if (strcmp(name, "create-service") == 0) {
			if (scmr_dec_create(stub.data, stub.len, &tag, &hd, &w) != 0)
				die(name);
		} else if (scmr_dec_werror(stub.data, stub.len, &w) != 0) {
			die(name);
		}
		printf("%s.werror=%" PRIu32 "\n", name, w);
	}
	buf_free(&stub);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
replies(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name);

	if (n < 0)
		die(dir);
	for (int i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		size_t len = strlen(fn);
		char path[4096], name[256];
		uint8_t *p;
		size_t sz;

		if (starts(fn, "samba-") && len > 10 && strcmp(fn + len - 4, ".bin") == 0 &&
		    len - 10 < sizeof(name)) {
			memcpy(name, fn + 6, len - 10);
			name[len - 10] = 0;
			snprintf(path, sizeof(path), "%s/%s", dir, fn);
			p = load(path, &sz);
			one_reply(name, p, sz);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
}

/* ---- live: our client over a socket relayed to the real pipe ---- */

static void
result(const char *key, int r, const struct scmr_err *e)
{
	printf("%s=%s\n", key, r == 0 ? "ok" : muster_strerror(r));
	if (r != 0 && e != NULL)
		printf("%s.msg=%s\n%s.werror=%" PRIu32 "\n%s.fault=0x%08" PRIx32 "\n", key, e->msg,
		       key, e->werror, key, e->fault);
}

static void
live(const char *sock, bool admin)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct rpc_io io = {.write = peer_io_write, .read = peer_io_read};
	struct rpc_conn c;
	struct scmr_handle scm, svc, none;
	struct scmr_status st;
	struct scmr_err e;
	struct ndr_enc enc;
	struct buf req, rep;
	uint32_t fault;
	char err[256];
	int fd, r;
	int64_t deadline = deploy_now_ms() + 30000;

	if (strlen(sock) >= sizeof(sa.sun_path))
		die("socket path too long");
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die(sock);
	io.ctx = &fd;
	rpc_conn_init(&c, &io);
	r = rpc_bind(&c, scmr_uuid, SCMR_VERS_MAJOR, SCMR_VERS_MINOR, deadline, err, sizeof(err));
	printf("bind=%s\n", r == 0 ? "ok" : err);
	if (r != 0)
		exit(1);
	printf("max_xmit=%u\nmax_recv=%u\n", c.max_xmit, c.max_recv);
	if (!admin) {
		r = scmr_open_scmanager(&c, NULL,
		                        SCMR_SC_MANAGER_CONNECT | SCMR_SC_MANAGER_CREATE_SERVICE,
		                        &scm, deadline, &e);
		result("open_scm_create", r, &e);
		r = scmr_open_scmanager(&c, NULL,
		                        SCMR_SC_MANAGER_CONNECT | SCMR_SC_MANAGER_ENUMERATE, &scm,
		                        deadline, &e);
		result("open_scm_connect", r, &e);
		r = scmr_close(&c, &scm, deadline, &e);
		result("close_scm", r, &e);
		close(fd);
		return;
	}
	r = scmr_open_scmanager(&c, "LABSMB1", 0xF003F, &scm, deadline, &e);
	result("open_scm", r, &e);
	/* Force a request in several fragments: 64-byte PDUs carry 40 stub bytes. */
	c.max_xmit = 64;
	r = scmr_open_service(&c, &scm, "Spooler", SCMR_SERVICE_DEPLOY_ACCESS, &svc, deadline, &e);
	c.max_xmit = RPC_FRAG_DEFAULT;
	result("open_service_fragmented", r, &e);
	r = scmr_query_status(&c, &svc, &st, deadline, &e);
	result("query_status", r, &e);
	printf("query_status.state=%s\nquery_status.type=0x%" PRIx32 "\n",
	       scmr_state_name(st.state), st.type);
	r = scmr_open_service(&c, &scm, "MusterNoSuchService", SCMR_SERVICE_DEPLOY_ACCESS, &none,
	                      deadline, &e);
	result("open_service_missing", r, &e);
	r = scmr_create_service(&c, &scm, "MusterDeploy", "Muster deployment",
	                        "C:\\Windows\\muster-svc.exe", &none, deadline, &e);
	result("create_service", r, &e);
	/* REnumServicesStatusW (opnum 14) with a 9000-byte buffer: a reply in several fragments. */
	buf_init(&req, 256);
	buf_init(&rep, 65536);
	ndr_enc_init(&enc, &req);
	ndr_put_handle(&enc, scm.raw);
	ndr_put_u32(&enc, 0x30); /* SERVICE_WIN32 */
	ndr_put_u32(&enc, 3);    /* SERVICE_STATE_ALL */
	ndr_put_u32(&enc, 9000);
	ndr_put_ptr(&enc, false); /* lpResumeIndex */
	check(ndr_enc_err(&enc), "enum stub");
	r = rpc_call(&c, 14, req.data, req.len, &rep, &fault, deadline, err, sizeof(err));
	printf("enum_services=%s\nenum_services.reply_len=%zu\n", r == 0 ? "ok" : err, rep.len);
	buf_free(&req);
	buf_free(&rep);
	r = scmr_start_service(&c, &svc, 0, NULL, deadline, &e);
	result("start_service", r, &e);
	r = scmr_control_stop(&c, &svc, &st, deadline, &e);
	result("control_stop", r, &e);
	printf("control_stop.state=%s\n", scmr_state_name(st.state));
	r = scmr_delete_service(&c, &svc, deadline, &e);
	result("delete_service", r, &e);
	r = scmr_close(&c, &svc, deadline, &e);
	result("close_service", r, &e);
	r = scmr_close(&c, &scm, deadline, &e);
	result("close_scm", r, &e);
	close(fd);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "requests") == 0)
		requests();
	else if (argc == 3 && strcmp(argv[1], "replies") == 0)
		replies(argv[2]);
	else if (argc == 4 && strcmp(argv[1], "live") == 0)
		live(argv[2], strcmp(argv[3], "admin") == 0);
	else
		die("usage: rpc_dump requests | replies DIR | live SOCK admin|denied");
	return 0;
}
