/*
 * scmr.c - [MS-SCMR] client calls over DCE/RPC: ROpenSCManagerW (3.1.4.15),
 * ROpenServiceW (3.1.4.16), RCreateServiceW (3.1.4.12), RStartServiceW
 * (3.1.4.19), RQueryServiceStatus (3.1.4.7), RControlService (3.1.4.2),
 * RDeleteService (3.1.4.3), RCloseServiceHandle (3.1.4.1). Stubs follow the
 * IDL of [MS-SCMR] appendix A in NDR20.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/muster.h"
#include "deployer/ndr.h"
#include "deployer/scmr.h"

/* 367ABB81-9844-35F1-AD32-98F038001003: the first three fields little-endian. */
const uint8_t scmr_uuid[16] = {0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35,
                               0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03};

#define SCMR_REPLY_MAX 65536 /* every reply we decode is a few dozen bytes */

/* ---- names ---- */

struct werror_name {
	uint32_t code;
	const char *name;
	const char *meaning;
};

static const struct werror_name werrors[] = {
        {2, "ERROR_FILE_NOT_FOUND", "the service's program file was not found"},
        {3, "ERROR_PATH_NOT_FOUND", "the path of the service's program was not found"},
        {5, "ERROR_ACCESS_DENIED", "access denied"},
        {6, "ERROR_INVALID_HANDLE", "the handle is not valid (any more)"},
        {8, "ERROR_NOT_ENOUGH_MEMORY", "the server is out of memory"},
        {50, "ERROR_NOT_SUPPORTED", "the server does not support this request"},
        {87, "ERROR_INVALID_PARAMETER", "a parameter is invalid"},
        {122, "ERROR_INSUFFICIENT_BUFFER", "buffer too small"},
        {123, "ERROR_INVALID_NAME", "the name is invalid"},
        {193, "ERROR_BAD_EXE_FORMAT", "the service's program is not a valid Windows program"},
        {1051, "ERROR_DEPENDENT_SERVICES_RUNNING", "other running services depend on it"},
        {1052, "ERROR_INVALID_SERVICE_CONTROL", "the control is not valid for this service"},
        {1053, "ERROR_SERVICE_REQUEST_TIMEOUT",
         "the service did not answer the control manager in time (is the program a Windows "
         "service?)"},
        {1054, "ERROR_SERVICE_NO_THREAD", "no thread could be created for the service"},
        {1055, "ERROR_SERVICE_DATABASE_LOCKED", "the service database is locked"},
        {1056, "ERROR_SERVICE_ALREADY_RUNNING", "the service is already running"},
        {1057, "ERROR_INVALID_SERVICE_ACCOUNT", "the account of the service is invalid"},
        {1058, "ERROR_SERVICE_DISABLED", "the service is disabled"},
        {1059, "ERROR_CIRCULAR_DEPENDENCY", "circular service dependency"},
        {1060, "ERROR_SERVICE_DOES_NOT_EXIST", "no service by that name"},
        {1061, "ERROR_SERVICE_CANNOT_ACCEPT_CTRL", "the service cannot accept controls now"},
        {1062, "ERROR_SERVICE_NOT_ACTIVE", "the service is not running"},
        {1063, "ERROR_FAILED_SERVICE_CONTROLLER_CONNECT",
         "the program did not connect to the control manager"},
        {1064, "ERROR_EXCEPTION_IN_SERVICE", "the service raised an exception"},
        {1065, "ERROR_DATABASE_DOES_NOT_EXIST", "the service database does not exist"},
        {1066, "ERROR_SERVICE_SPECIFIC_ERROR", "the service failed with its own error code"},
        {1067, "ERROR_PROCESS_ABORTED", "the service's process ended unexpectedly"},
        {1068, "ERROR_SERVICE_DEPENDENCY_FAIL", "a service it depends on failed to start"},
        {1069, "ERROR_SERVICE_LOGON_FAILED", "the service could not log on"},
        {1070, "ERROR_SERVICE_START_HANG", "the service hung while starting"},
        {1072, "ERROR_SERVICE_MARKED_FOR_DELETE",
         "the service is marked for deletion but still open somewhere (e.g. the Services console)"},
        {1073, "ERROR_SERVICE_EXISTS", "a service by that name already exists"},
        {1078, "ERROR_DUPLICATE_SERVICE_NAME",
         "the name is already used as a service or display name"},
        {1115, "ERROR_SHUTDOWN_IN_PROGRESS", "the system is shutting down"},
};

static const struct werror_name *
werror_find(uint32_t w)
{
	for (size_t i = 0; i < MUSTER_NELEM(werrors); i++)
		if (werrors[i].code == w)
			return &werrors[i];
	return NULL;
}

const char *
scmr_werror_name(uint32_t werror)
{
	const struct werror_name *n = werror_find(werror);

	return n ? n->name : NULL;
}

const char *
scmr_state_name(uint32_t state)
{
	static const char *const names[] = {
	        "UNKNOWN", "STOPPED",          "START_PENDING", "STOP_PENDING",
	        "RUNNING", "CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED",
	};

	return state < MUSTER_NELEM(names) ? names[state] : "UNKNOWN";
}

/* ---- encoders ---- */

/* UTF-16 units of s without the terminator; SIZE_MAX when s is not valid UTF-8. */
static size_t
units(const char *s)
{
	size_t u = ndr_utf16_units(s);

	return u == 0 ? SIZE_MAX : u - 1;
}

bool
scmr_name_ok(const char *name)
{
	size_t u;

	if (name == NULL)
		return false;
	u = units(name);
	/* [MS-SCMR] 3.1.4.16: forward slash, back slash, comma and space are
	 * illegal in service names. */
	return u >= 1 && u <= SCMR_NAME_MAX && strpbrk(name, "/\\, ") == NULL;
}

static bool
len_ok(const char *s, size_t max)
{
	size_t u = units(s);

	return u != SIZE_MAX && u <= max;
}

int
scmr_enc_open_scmanager(struct buf *b, const char *machine, uint32_t access)
{
	struct ndr_enc e;

	if (machine != NULL && !len_ok(machine, SCMR_MACHINE_MAX))
		return MUSTER_EINVAL;
	ndr_enc_init(&e, b);
	ndr_put_unique_wstr(&e, machine); /* [in, string, unique] SVCCTL_HANDLEW lpMachineName */
	ndr_put_unique_wstr(&e,
	                    "ServicesActive"); /* [in, string, unique] wchar_t *lpDatabaseName */
	ndr_put_u32(&e, access);               /* [in] DWORD dwDesiredAccess */
	return ndr_enc_err(&e);
}

int
scmr_enc_open_service(struct buf *b, const struct scmr_handle *scm, const char *name,
                      uint32_t access)
{
	struct ndr_enc e;

	if (!scmr_name_ok(name))
		return MUSTER_EINVAL;
	ndr_enc_init(&e, b);
	ndr_put_handle(&e, scm->raw);
	ndr_put_wstr(&e,
	             name); /* [in, string] wchar_t *lpServiceName: a ref pointer, no referent ID */
	ndr_put_u32(&e, access);
	return ndr_enc_err(&e);
}

int
scmr_enc_create_service(struct buf *b, const struct scmr_handle *scm, const char *name,
                        const char *display, const char *binary_path, uint32_t access)
{
	struct ndr_enc e;

	if (!scmr_name_ok(name) || (display != NULL && !len_ok(display, SCMR_NAME_MAX)) ||
	    binary_path == NULL || !len_ok(binary_path, SCMR_PATH_MAX) || binary_path[0] == 0)
		return MUSTER_EINVAL;
	ndr_enc_init(&e, b);
	ndr_put_handle(&e, scm->raw);     /* hSCManager */
	ndr_put_wstr(&e, name);           /* lpServiceName */
	ndr_put_unique_wstr(&e, display); /* lpDisplayName */
	ndr_put_u32(&e, access);          /* dwDesiredAccess */
	ndr_put_u32(&e, SCMR_SERVICE_WIN32_OWN_PROCESS);
	ndr_put_u32(&e, SCMR_SERVICE_DEMAND_START);
	ndr_put_u32(&e, SCMR_SERVICE_ERROR_NORMAL);
	ndr_put_wstr(&e, binary_path); /* lpBinaryPathName */
	ndr_put_unique_wstr(&e, NULL); /* lpLoadOrderGroup */
	ndr_put_ptr(&e, false);        /* lpdwTagId */
	ndr_put_ptr(&e, false);        /* lpDependencies */
	ndr_put_u32(&e, 0);            /* dwDependSize */
	ndr_put_unique_wstr(&e, NULL); /* lpServiceStartName: NULL is LocalSystem */
	ndr_put_ptr(&e, false);        /* lpPassword */
	ndr_put_u32(&e, 0);            /* dwPwSize */
	return ndr_enc_err(&e);
}

int
scmr_enc_start_service(struct buf *b, const struct scmr_handle *h, int argc,
                       const char *const *argv)
{
	struct ndr_enc e;

	if (argc < 0 || argc > SCMR_ARGS_MAX || (argc > 0 && argv == NULL))
		return MUSTER_EINVAL;
	for (int i = 0; i < argc; i++)
		if (argv[i] == NULL || !len_ok(argv[i], SCMR_PATH_MAX))
			return MUSTER_EINVAL;
	ndr_enc_init(&e, b);
	ndr_put_handle(&e, h->raw);
	ndr_put_u32(&e, (uint32_t)argc);
	/* [in, unique, size_is(argc)] LPSTRING_PTRSW argv: a pointer to a
	 * conformant array of structures holding one unique string pointer each;
	 * the array's pointers come first, then their strings ([C706] 14.3,
	 * embedded pointers are deferred). */
	if (ndr_put_ptr(&e, argc > 0)) {
		ndr_put_u32(&e, (uint32_t)argc); /* conformance */
		for (int i = 0; i < argc; i++)
			ndr_put_ptr(&e, true);
		for (int i = 0; i < argc; i++)
			ndr_put_wstr(&e, argv[i]);
	}
	return ndr_enc_err(&e);
}

int
scmr_enc_control(struct buf *b, const struct scmr_handle *h, uint32_t control)
{
	struct ndr_enc e;

	ndr_enc_init(&e, b);
	ndr_put_handle(&e, h->raw);
	ndr_put_u32(&e, control);
	return ndr_enc_err(&e);
}

int
scmr_enc_handle_only(struct buf *b, const struct scmr_handle *h)
{
	struct ndr_enc e;

	ndr_enc_init(&e, b);
	ndr_put_handle(&e, h->raw);
	return ndr_enc_err(&e);
}

/* ---- decoders ---- */

int
scmr_dec_handle(const uint8_t *p, size_t n, struct scmr_handle *h, uint32_t *werror)
{
	struct ndr_dec d;

	ndr_dec_init(&d, p, n);
	ndr_get_handle(&d, h->raw);
	ndr_get_u32(&d, werror);
	if (ndr_dec_done(&d))
		return 0;
	memset(h, 0, sizeof(*h));
	*werror = 0;
	return MUSTER_EPARSE;
}

int
scmr_dec_create(const uint8_t *p, size_t n, uint32_t *tag, struct scmr_handle *h, uint32_t *werror)
{
	struct ndr_dec d;
	bool present;

	*tag = 0;
	ndr_dec_init(&d, p, n);
	/* [in, out, unique] LPDWORD lpdwTagId, [out] LPSC_RPC_HANDLE, DWORD return. */
	if (ndr_get_ptr(&d, &present) && present)
		ndr_get_u32(&d, tag);
	ndr_get_handle(&d, h->raw);
	ndr_get_u32(&d, werror);
	if (ndr_dec_done(&d))
		return 0;
	*tag = 0;
	memset(h, 0, sizeof(*h));
	*werror = 0;
	return MUSTER_EPARSE;
}

int
scmr_dec_status(const uint8_t *p, size_t n, struct scmr_status *st, uint32_t *werror)
{
	struct ndr_dec d;

	ndr_dec_init(&d, p, n);
	ndr_get_u32(&d, &st->type);
	ndr_get_u32(&d, &st->state);
	ndr_get_u32(&d, &st->controls);
	ndr_get_u32(&d, &st->win32_exit);
	ndr_get_u32(&d, &st->svc_exit);
	ndr_get_u32(&d, &st->checkpoint);
	ndr_get_u32(&d, &st->wait_hint);
	ndr_get_u32(&d, werror);
	if (ndr_dec_done(&d))
		return 0;
	memset(st, 0, sizeof(*st));
	*werror = 0;
	return MUSTER_EPARSE;
}

int
scmr_dec_werror(const uint8_t *p, size_t n, uint32_t *werror)
{
	struct ndr_dec d;

	ndr_dec_init(&d, p, n);
	ndr_get_u32(&d, werror);
	if (ndr_dec_done(&d))
		return 0;
	*werror = 0;
	return MUSTER_EPARSE;
}

/* ---- calls ---- */

static void
err_clear(struct scmr_err *e)
{
	e->werror = 0;
	e->fault = 0;
	e->msg[0] = 0;
}

/* The result code and message for a non-zero WERROR w from call. */
static int
werror_fail(struct scmr_err *e, const char *call, uint32_t w)
{
	const struct werror_name *n = werror_find(w);

	e->werror = w;
	if (w == SCMR_ERROR_ACCESS_DENIED && strcmp(call, "OpenSCManagerW") == 0) {
		/* Remote UAC gives a local administrator other than RID 500 a
		 * filtered (non-admin) token over the network. */
		snprintf(e->msg, sizeof(e->msg),
		         "%s: ERROR_ACCESS_DENIED (5): not an administrator there. A local admin "
		         "other "
		         "than the built-in Administrator (RID 500) is filtered by remote UAC: set "
		         "LocalAccountTokenFilterPolicy=1 (DWORD, "
		         "HKLM\\SOFTWARE\\Microsoft\\Windows\\"
		         "CurrentVersion\\Policies\\System), or use a domain admin or the built-in "
		         "Administrator",
		         call);
		return MUSTER_EPERM;
	}
	if (n != NULL)
		snprintf(e->msg, sizeof(e->msg), "%s: %s (%" PRIu32 "): %s", call, n->name, w,
		         n->meaning);
	else
		snprintf(e->msg, sizeof(e->msg), "%s: Windows error %" PRIu32 " (0x%08" PRIx32 ")",
		         call, w, w);
	switch (w) {
	case SCMR_ERROR_ACCESS_DENIED:
		return MUSTER_EPERM;
	case SCMR_ERROR_SERVICE_EXISTS:
		return MUSTER_EEXIST;
	case SCMR_ERROR_SERVICE_DOES_NOT_EXIST:
		return MUSTER_ENOENT;
	default:
		return MUSTER_ENET;
	}
}

/* Send the stub in req as opnum and leave the reply stub in rep; on failure fill e. */
static int
call(struct rpc_conn *c, const char *name, uint16_t opnum, const struct buf *req, struct buf *rep,
     int64_t deadline, struct scmr_err *e)
{
	char err[240];
	uint32_t fault = 0;
	int r;

	r = rpc_call(c, opnum, req->data, req->len, rep, &fault, deadline, err, sizeof(err));
	if (r == 0)
		return 0;
	if (fault != 0) {
		e->fault = fault;
		snprintf(e->msg, sizeof(e->msg), "%s: the server answered with fault %s%s", name,
		         err,
		         fault == RPC_S_OP_RNG_ERROR && opnum == SCMR_OP_CREATE_SERVICE_W
		                 ? " (it cannot create services; Samba's service control manager "
		                   "never can)"
		                 : "");
		return fault == RPC_S_ACCESS_DENIED ? MUSTER_EPERM : MUSTER_ENET;
	}
	snprintf(e->msg, sizeof(e->msg), "%s: %s", name, err);
	return r;
}

static int
enc_fail(struct scmr_err *e, const char *name, int r)
{
	snprintf(e->msg, sizeof(e->msg), "%s: %s", name,
	         r == MUSTER_EINVAL
	                 ? "a name or path we refuse to send (empty, too long, not UTF-8, "
	                   "or with / \\ , or space in a service name)"
	                 : muster_strerror(r));
	return r;
}

static int
parse_fail(struct scmr_err *e, const char *name, size_t n)
{
	snprintf(e->msg, sizeof(e->msg), "%s: malformed reply stub (%zu bytes)", name, n);
	return MUSTER_EPARSE;
}

/* The calls that return a handle: OpenSCManagerW, OpenServiceW. */
static int
handle_call(struct rpc_conn *c, const char *name, uint16_t opnum, struct buf *req,
            struct scmr_handle *h, int64_t deadline, struct scmr_err *e)
{
	struct buf rep;
	uint32_t w;
	int r;

	buf_init(&rep, SCMR_REPLY_MAX);
	if ((r = call(c, name, opnum, req, &rep, deadline, e)) != 0)
		goto out;
	if ((r = scmr_dec_handle(rep.data, rep.len, h, &w)) != 0) {
		r = parse_fail(e, name, rep.len);
		goto out;
	}
	if (w != 0) {
		memset(h, 0, sizeof(*h));
		r = werror_fail(e, name, w);
	}
out:
	buf_free(&rep);
	return r;
}

int
scmr_open_scmanager(struct rpc_conn *c, const char *machine, uint32_t access, struct scmr_handle *h,
                    int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "OpenSCManagerW";
	struct buf req;
	int r;

	err_clear(e);
	memset(h, 0, sizeof(*h));
	buf_init(&req, SCMR_REPLY_MAX);
	if ((r = scmr_enc_open_scmanager(&req, machine, access)) != 0)
		r = enc_fail(e, name, r);
	else
		r = handle_call(c, name, SCMR_OP_OPEN_SC_MANAGER_W, &req, h, deadline, e);
	buf_free(&req);
	return r;
}

int
scmr_open_service(struct rpc_conn *c, const struct scmr_handle *scm, const char *svc,
                  uint32_t access, struct scmr_handle *h, int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "OpenServiceW";
	struct buf req;
	int r;

	err_clear(e);
	memset(h, 0, sizeof(*h));
	buf_init(&req, SCMR_REPLY_MAX);
	if ((r = scmr_enc_open_service(&req, scm, svc, access)) != 0)
		r = enc_fail(e, name, r);
	else
		r = handle_call(c, name, SCMR_OP_OPEN_SERVICE_W, &req, h, deadline, e);
	buf_free(&req);
	return r;
}

int
scmr_create_service(struct rpc_conn *c, const struct scmr_handle *scm, const char *svc,
                    const char *display, const char *binary_path, struct scmr_handle *h,
                    int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "CreateServiceW";
	struct buf req, rep;
	uint32_t tag, w;
	int r;

	err_clear(e);
	memset(h, 0, sizeof(*h));
	buf_init(&req, SCMR_PATH_MAX * 2 + 4096);
	buf_init(&rep, SCMR_REPLY_MAX);
	if ((r = scmr_enc_create_service(&req, scm, svc, display, binary_path,
	                                 SCMR_SERVICE_DEPLOY_ACCESS)) != 0) {
		r = enc_fail(e, name, r);
		goto out;
	}
	if ((r = call(c, name, SCMR_OP_CREATE_SERVICE_W, &req, &rep, deadline, e)) != 0)
		goto out;
	if ((r = scmr_dec_create(rep.data, rep.len, &tag, h, &w)) != 0) {
		r = parse_fail(e, name, rep.len);
		goto out;
	}
	if (w != 0) {
		memset(h, 0, sizeof(*h));
		r = werror_fail(e, name, w);
	}
out:
	buf_free(&req);
	buf_free(&rep);
	return r;
}

/* The calls whose reply is only a WERROR: StartServiceW, DeleteService. */
static int
werror_call(struct rpc_conn *c, const char *name, uint16_t opnum, const struct buf *req,
            int64_t deadline, struct scmr_err *e)
{
	struct buf rep;
	uint32_t w;
	int r;

	buf_init(&rep, SCMR_REPLY_MAX);
	if ((r = call(c, name, opnum, req, &rep, deadline, e)) != 0)
		goto out;
	if ((r = scmr_dec_werror(rep.data, rep.len, &w)) != 0)
		r = parse_fail(e, name, rep.len);
	else if (w != 0)
		r = werror_fail(e, name, w);
out:
	buf_free(&rep);
	return r;
}

int
scmr_start_service(struct rpc_conn *c, const struct scmr_handle *h, int argc,
                   const char *const *argv, int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "StartServiceW";
	struct buf req;
	int r;

	err_clear(e);
	buf_init(&req, (size_t)SCMR_ARGS_MAX * (SCMR_PATH_MAX * 2 + 16) + 64);
	if ((r = scmr_enc_start_service(&req, h, argc, argv)) != 0)
		r = enc_fail(e, name, r);
	else
		r = werror_call(c, name, SCMR_OP_START_SERVICE_W, &req, deadline, e);
	buf_free(&req);
	return r;
}

int
scmr_delete_service(struct rpc_conn *c, const struct scmr_handle *h, int64_t deadline,
                    struct scmr_err *e)
{
	static const char name[] = "DeleteService";
	struct buf req;
	int r;

	err_clear(e);
	buf_init(&req, 64);
	if ((r = scmr_enc_handle_only(&req, h)) != 0)
		r = enc_fail(e, name, r);
	else
		r = werror_call(c, name, SCMR_OP_DELETE_SERVICE, &req, deadline, e);
	buf_free(&req);
	return r;
}

/* The calls that return a SERVICE_STATUS: QueryServiceStatus, ControlService. */
static int
status_call(struct rpc_conn *c, const char *name, uint16_t opnum, const struct buf *req,
            struct scmr_status *st, int64_t deadline, struct scmr_err *e)
{
	struct buf rep;
	uint32_t w;
	int r;

	buf_init(&rep, SCMR_REPLY_MAX);
	if ((r = call(c, name, opnum, req, &rep, deadline, e)) != 0)
		goto out;
	if ((r = scmr_dec_status(rep.data, rep.len, st, &w)) != 0)
		r = parse_fail(e, name, rep.len);
	else if (w != 0)
		r = werror_fail(e, name, w);
out:
	buf_free(&rep);
	return r;
}

int
scmr_query_status(struct rpc_conn *c, const struct scmr_handle *h, struct scmr_status *st,
                  int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "QueryServiceStatus";
	struct buf req;
	int r;

	err_clear(e);
	memset(st, 0, sizeof(*st));
	buf_init(&req, 64);
	if ((r = scmr_enc_handle_only(&req, h)) != 0)
		r = enc_fail(e, name, r);
	else
		r = status_call(c, name, SCMR_OP_QUERY_SERVICE_STATUS, &req, st, deadline, e);
	buf_free(&req);
	return r;
}

int
scmr_control_stop(struct rpc_conn *c, const struct scmr_handle *h, struct scmr_status *st,
                  int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "ControlService(STOP)";
	struct buf req;
	int r;

	err_clear(e);
	memset(st, 0, sizeof(*st));
	buf_init(&req, 64);
	if ((r = scmr_enc_control(&req, h, SCMR_SERVICE_CONTROL_STOP)) != 0)
		r = enc_fail(e, name, r);
	else
		r = status_call(c, name, SCMR_OP_CONTROL_SERVICE, &req, st, deadline, e);
	buf_free(&req);
	return r;
}

int
scmr_close(struct rpc_conn *c, struct scmr_handle *h, int64_t deadline, struct scmr_err *e)
{
	static const char name[] = "CloseServiceHandle";
	static const struct scmr_handle none;
	struct buf req;
	struct scmr_handle back;
	int r;

	err_clear(e);
	if (memcmp(h, &none, sizeof(none)) == 0)
		return 0;
	buf_init(&req, 64);
	if ((r = scmr_enc_handle_only(&req, h)) != 0)
		r = enc_fail(e, name, r);
	else
		r = handle_call(c, name, SCMR_OP_CLOSE_SERVICE_HANDLE, &req, &back, deadline, e);
	buf_free(&req);
	memset(h, 0, sizeof(*h));
	return r;
}
