/*
 * scmr.h - the client side of [MS-SCMR] (svcctl, interface
 * 367ABB81-9844-35F1-AD32-98F038001003 v2.0) that the SMB deployer needs:
 * open the service control manager, open / create / start / query / stop /
 * delete a service, close handles. Calls go through dcerpc.h; stubs are
 * NDR20 (ndr.h). Every failure comes back as a MUSTER_E* code plus a
 * struct scmr_err whose msg names the call in plain English.
 */
#ifndef MUSTER_DEPLOY_SCMR_H
#define MUSTER_DEPLOY_SCMR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "deployer/dcerpc.h"

/* The interface UUID in wire order, and its version. */
extern const uint8_t scmr_uuid[16];
#define SCMR_VERS_MAJOR 2
#define SCMR_VERS_MINOR 0

/* Opnums ([MS-SCMR] 3.1.4). */
enum {
	SCMR_OP_CLOSE_SERVICE_HANDLE = 0,
	SCMR_OP_CONTROL_SERVICE = 1,
	SCMR_OP_DELETE_SERVICE = 2,
	SCMR_OP_QUERY_SERVICE_STATUS = 6,
	SCMR_OP_CREATE_SERVICE_W = 12,
	SCMR_OP_OPEN_SC_MANAGER_W = 15,
	SCMR_OP_OPEN_SERVICE_W = 16,
	SCMR_OP_START_SERVICE_W = 19,
};

/* Access rights ([MS-SCMR] 3.1.4) and the constants of the calls we make. */
#define SCMR_SC_MANAGER_CONNECT        0x00000001u
#define SCMR_SC_MANAGER_CREATE_SERVICE 0x00000002u
#define SCMR_SC_MANAGER_ENUMERATE      0x00000004u
#define SCMR_SERVICE_QUERY_STATUS      0x00000004u
#define SCMR_SERVICE_START             0x00000010u
#define SCMR_SERVICE_STOP              0x00000020u
#define SCMR_DELETE                    0x00010000u
/* What the deployer asks for on the service it creates or opens to remove. */
#define SCMR_SERVICE_DEPLOY_ACCESS                                                                 \
	(SCMR_SERVICE_QUERY_STATUS | SCMR_SERVICE_START | SCMR_SERVICE_STOP | SCMR_DELETE)
#define SCMR_SERVICE_WIN32_OWN_PROCESS 0x00000010u
#define SCMR_SERVICE_DEMAND_START      0x00000003u
#define SCMR_SERVICE_ERROR_NORMAL      0x00000001u
#define SCMR_SERVICE_CONTROL_STOP      0x00000001u
/* dwCurrentState of SERVICE_STATUS ([MS-SCMR] 2.2) */
enum {
	SCMR_STATE_STOPPED = 1,
	SCMR_STATE_START_PENDING = 2,
	SCMR_STATE_STOP_PENDING = 3,
	SCMR_STATE_RUNNING = 4,
	SCMR_STATE_CONTINUE_PENDING = 5,
	SCMR_STATE_PAUSE_PENDING = 6,
	SCMR_STATE_PAUSED = 7,
};

/* Win32 error codes the calls return ([MS-ERREF] 2.2). */
#define SCMR_ERROR_ACCESS_DENIED             5u
#define SCMR_ERROR_SERVICE_DOES_NOT_EXIST    1060u
#define SCMR_ERROR_SERVICE_NOT_ACTIVE        1062u
#define SCMR_ERROR_SERVICE_ALREADY_RUNNING   1056u
#define SCMR_ERROR_SERVICE_MARKED_FOR_DELETE 1072u
#define SCMR_ERROR_SERVICE_EXISTS            1073u

/* Longest names the encoders accept, in UTF-16 units without the NUL
 * ([MS-SCMR] range() of SC_MAX_NAME_LENGTH, SC_MAX_PATH_LENGTH, ...). */
#define SCMR_NAME_MAX    256
#define SCMR_PATH_MAX    32767
#define SCMR_MACHINE_MAX 1024
#define SCMR_ARGS_MAX    1024

/* A context handle: opaque, 20 bytes; all zero means none. */
struct scmr_handle {
	uint8_t raw[20];
};

/* SERVICE_STATUS ([MS-SCMR] 2.2): seven DWORDs. */
struct scmr_status {
	uint32_t type, state, controls, win32_exit, svc_exit, checkpoint, wait_hint;
};

/* Why a call failed: the WERROR it returned or the fault status, and a message naming the call. */
struct scmr_err {
	uint32_t werror;
	uint32_t fault;
	char msg[400];
};

/*
 * The calls. Each returns 0; MUSTER_EPERM for ERROR_ACCESS_DENIED (or an
 * access-denied fault); MUSTER_EEXIST for ERROR_SERVICE_EXISTS; MUSTER_ENOENT
 * for ERROR_SERVICE_DOES_NOT_EXIST; MUSTER_ENET for other WERRORs and faults;
 * MUSTER_EINVAL for a name we refuse to send; MUSTER_EPARSE,
 * MUSTER_ETIMEOUT or the transport's code otherwise. *e is cleared first and
 * filled whenever the result is not 0. Handles are the caller's to close.
 */

/* ROpenSCManagerW (15) on database "ServicesActive"; machine may be NULL. */
int scmr_open_scmanager(struct rpc_conn *c, const char *machine, uint32_t access,
                        struct scmr_handle *h, int64_t deadline, struct scmr_err *e);
/* ROpenServiceW (16). */
int scmr_open_service(struct rpc_conn *c, const struct scmr_handle *scm, const char *name,
                      uint32_t access, struct scmr_handle *h, int64_t deadline, struct scmr_err *e);
/*
 * RCreateServiceW (12): SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
 * SERVICE_ERROR_NORMAL, no group, tag, dependencies or password, and a NULL
 * lpServiceStartName, which makes it run as LocalSystem ([MS-SCMR] 3.1.4.12).
 * The returned handle has SCMR_SERVICE_DEPLOY_ACCESS. display may be NULL.
 */
int scmr_create_service(struct rpc_conn *c, const struct scmr_handle *scm, const char *name,
                        const char *display, const char *binary_path, struct scmr_handle *h,
                        int64_t deadline, struct scmr_err *e);
/* RStartServiceW (19) with argv[0..argc) (argc 0: argv may be NULL). */
int scmr_start_service(struct rpc_conn *c, const struct scmr_handle *h, int argc,
                       const char *const *argv, int64_t deadline, struct scmr_err *e);
/* RQueryServiceStatus (6). */
int scmr_query_status(struct rpc_conn *c, const struct scmr_handle *h, struct scmr_status *st,
                      int64_t deadline, struct scmr_err *e);
/* RControlService (1) with SERVICE_CONTROL_STOP; *st gets the status the server returns. */
int scmr_control_stop(struct rpc_conn *c, const struct scmr_handle *h, struct scmr_status *st,
                      int64_t deadline, struct scmr_err *e);
/* RDeleteService (2): marks the service for deletion (gone once every handle is closed). */
int scmr_delete_service(struct rpc_conn *c, const struct scmr_handle *h, int64_t deadline,
                        struct scmr_err *e);
/*
 * RCloseServiceHandle (0). An all-zero handle is not sent (returns 0); *h is
 * zeroed whatever the outcome, since a handle cannot usefully be closed twice.
 */
int scmr_close(struct rpc_conn *c, struct scmr_handle *h, int64_t deadline, struct scmr_err *e);

/* "ERROR_ACCESS_DENIED", ... for the Win32 errors these calls return; NULL when unknown. */
const char *scmr_werror_name(uint32_t werror);
/* "STOPPED", "RUNNING", ...; "UNKNOWN" otherwise. */
const char *scmr_state_name(uint32_t state);

/* ---- pure stub encoders (append to b; 0, MUSTER_EINVAL for a refused name, or a buf error) ---- */

int scmr_enc_open_scmanager(struct buf *b, const char *machine, uint32_t access);
int scmr_enc_open_service(struct buf *b, const struct scmr_handle *scm, const char *name,
                          uint32_t access);
int scmr_enc_create_service(struct buf *b, const struct scmr_handle *scm, const char *name,
                            const char *display, const char *binary_path, uint32_t access);
int scmr_enc_start_service(struct buf *b, const struct scmr_handle *h, int argc,
                           const char *const *argv);
int scmr_enc_control(struct buf *b, const struct scmr_handle *h, uint32_t control);
/* The stub of the calls whose only argument is a handle: close (0), delete (2), query status (6). */
int scmr_enc_handle_only(struct buf *b, const struct scmr_handle *h);
/* True for a name OpenServiceW/CreateServiceW may carry: 1..SCMR_NAME_MAX units, no '/', '\\', ',' or space. */
bool scmr_name_ok(const char *name);

/* ---- pure reply decoders (the whole stub p[0..n); 0 or MUSTER_EPARSE, outputs zeroed then) ---- */

/* A handle and the WERROR: ROpenSCManagerW, ROpenServiceW, RCloseServiceHandle. */
int scmr_dec_handle(const uint8_t *p, size_t n, struct scmr_handle *h, uint32_t *werror);
/* RCreateServiceW: lpdwTagId (unique; *tag 0 when NULL), the handle, the WERROR. */
int scmr_dec_create(const uint8_t *p, size_t n, uint32_t *tag, struct scmr_handle *h,
                    uint32_t *werror);
/* A SERVICE_STATUS and the WERROR: RQueryServiceStatus, RControlService. */
int scmr_dec_status(const uint8_t *p, size_t n, struct scmr_status *st, uint32_t *werror);
/* Only the WERROR: RStartServiceW, RDeleteService. */
int scmr_dec_werror(const uint8_t *p, size_t n, uint32_t *werror);

#endif
