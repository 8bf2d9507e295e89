/* smb2.h - SMB2 NEGOTIATE and SESSION_SETUP over direct TCP: [MS-SMB2] 2.1, 2.2.1, 2.2.3-2.2.6. */
#ifndef MUSTER_DECODE_SMB2_H
#define MUSTER_DECODE_SMB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"
#include "sensor/decode/spnego.h"

/*
 * Every message the builders write and the parsers read is a whole frame on
 * TCP port 445: a 4-byte transport header (a zero byte, then the 24-bit
 * big-endian length of what follows; [MS-SMB2] 2.1, the RFC 1002 §4.3.1
 * session message without NetBIOS session setup), then the SMB2 message.
 */
#define SMB2_NB_HDR_LEN 4
#define SMB2_HDR_LEN    64

/* The NEGOTIATE request smb2_build_negotiate writes: 182 bytes. */
#define SMB2_NEGOTIATE_REQ_LEN 182
#define SMB2_SALT_LEN          32 /* preauth integrity salt we send (2.2.3.1.1) */

/* Dialects ([MS-SMB2] 2.2.3). */
#define SMB2_DIALECT_202      0x0202
#define SMB2_DIALECT_210      0x0210
#define SMB2_DIALECT_300      0x0300
#define SMB2_DIALECT_302      0x0302
#define SMB2_DIALECT_311      0x0311
#define SMB2_DIALECT_WILDCARD 0x02ff /* only in reply to an SMB1 multi-protocol negotiate */

/* SecurityMode (2.2.3, 2.2.4). */
#define SMB2_NEGOTIATE_SIGNING_ENABLED  0x0001
#define SMB2_NEGOTIATE_SIGNING_REQUIRED 0x0002

/* Capabilities (2.2.3, 2.2.4). */
#define SMB2_GLOBAL_CAP_DFS                0x00000001u
#define SMB2_GLOBAL_CAP_LEASING            0x00000002u
#define SMB2_GLOBAL_CAP_LARGE_MTU          0x00000004u
#define SMB2_GLOBAL_CAP_MULTI_CHANNEL      0x00000008u
#define SMB2_GLOBAL_CAP_PERSISTENT_HANDLES 0x00000010u
#define SMB2_GLOBAL_CAP_DIRECTORY_LEASING  0x00000020u
#define SMB2_GLOBAL_CAP_ENCRYPTION         0x00000040u

/* SessionFlags (2.2.6). */
#define SMB2_SESSION_FLAG_IS_GUEST     0x0001
#define SMB2_SESSION_FLAG_IS_NULL      0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004

/* NTSTATUS values we tell apart ([MS-ERREF] 2.3.1). */
#define SMB2_STATUS_SUCCESS                  0x00000000u
#define SMB2_STATUS_MORE_PROCESSING_REQUIRED 0xc0000016u

/* Why a parser said no. */
enum smb2_err {
	SMB2_OK = 0,
	SMB2_ERR_TRUNCATED, /* fewer bytes than the frame or a header declares */
	SMB2_ERR_TRANSPORT, /* the 4-byte transport header is not a session message */
	SMB2_ERR_SMB1,      /* the server answered with SMB1 (0xFF 'SMB'): no SMB2 */
	SMB2_ERR_NOT_SMB,   /* neither SMB2 nor SMB1 */
	SMB2_ERR_HEADER,    /* SMB2 header malformed, not a response, or another command */
	SMB2_ERR_STATUS,    /* an NTSTATUS other than the one expected; see .status */
	SMB2_ERR_BODY,      /* the response body or one of its buffers is malformed */
	SMB2_ERR_NO_NTLMSSP /* the security buffer holds no NTLMSSP token */
};

/* A static name for an smb2_err ("truncated", "smb1", ...). */
const char *smb2_err_str(enum smb2_err e);
/* "2.0.2" ... "3.1.1" for the dialects above; NULL for any other. */
const char *smb2_dialect_name(uint16_t dialect);

struct smb2_negotiate_resp {
	uint8_t err;     /* enum smb2_err, SMB2_OK after success */
	uint32_t status; /* NTSTATUS of the header */
	uint16_t security_mode;
	bool signing_required; /* SMB2_NEGOTIATE_SIGNING_REQUIRED */
	uint16_t dialect;
	uint8_t server_guid[16];
	uint32_t capabilities;
	uint32_t max_transact, max_read, max_write;
	uint64_t system_time;       /* FILETIME, 100 ns since 1601 */
	uint64_t server_start_time; /* FILETIME; 0 from Windows 10+ and Samba */
	/* SecurityBuffer: a view into the caller's buffer (NULL when empty). */
	const uint8_t *security_blob;
	size_t security_len;
	bool has_mechs; /* the security buffer was an SPNEGO NegTokenInit(2) */
	struct spnego_mechs mechs;
	/* SMB 3.1.1 negotiate contexts (2.2.4.1): the first of each type counts. */
	uint16_t ncontexts;
	uint16_t preauth_hash; /* HashAlgorithms[0]: 1 = SHA-512; 0 when absent */
	uint16_t preauth_salt_len;
	uint16_t
	        cipher; /* Ciphers[0]: 1 AES-128-CCM, 2 AES-128-GCM, 3 AES-256-CCM, 4 AES-256-GCM */
	bool has_signing_alg;
	uint16_t signing_alg; /* 0 HMAC-SHA256, 1 AES-CMAC, 2 AES-GMAC (2.2.4.1.7) */
};

struct smb2_session_setup_resp {
	uint8_t err; /* enum smb2_err */
	uint32_t status;
	uint64_t session_id;
	uint16_t session_flags;
	const uint8_t *security_blob; /* views into the caller's buffer */
	size_t security_len;
	bool spnego;            /* NTLMSSP came wrapped in a NegTokenResp */
	uint8_t spnego_state;   /* its negState when given, enum spnego_state */
	const uint8_t *ntlmssp; /* the NTLMSSP CHALLENGE token for ntlmssp_parse_challenge */
	size_t ntlmssp_len;
};

/*
 * True when a NEGOTIATE response's ServerGuid is a name rather than a GUID:
 * 1-15 printable ASCII bytes without capitals, then NULs. Samba (4.17 in the
 * lab, tests/data/smb/samba-negotiate.bin) fills it with its NetBIOS name in
 * lower case; Windows sends a random GUID, which is never shaped like this.
 * Evidence for Samba alongside ntlmssp_is_samba(), not proof on its own.
 */
bool smb2_guid_is_name(const uint8_t guid[16]);

/*
 * Length of the SMB message that follows a 4-byte transport header hdr
 * (2.1). False when hdr[0] is not 0 (session message), i.e. not SMB over
 * direct TCP. The engine reads 4 bytes, then *len more, and hands all of them
 * to a parser.
 */
bool smb2_frame_len(const uint8_t hdr[4], size_t *len);

/*
 * Write a NEGOTIATE request frame (2.2.3) offering dialects 2.0.2, 2.1, 3.0,
 * 3.0.2 and 3.1.1, signing enabled (not required), message id 0, with the
 * 3.1.1 negotiate contexts (2.2.3.1): preauth integrity SHA-512 with the
 * 32-byte salt, and encryption capabilities AES-128-GCM, AES-128-CCM,
 * AES-256-GCM, AES-256-CCM. client_guid and salt should be random per
 * connection. Returns SMB2_NEGOTIATE_REQ_LEN, or 0 when outlen is too small.
 */
size_t smb2_build_negotiate(uint8_t *out, size_t outlen, const uint8_t client_guid[16],
                            const uint8_t salt[SMB2_SALT_LEN]);

/*
 * Write a SESSION_SETUP request frame (2.2.5) with message id msg_id, session
 * id 0, signing enabled and security_blob[0..bloblen) as its security buffer
 * (bloblen <= 65535). Returns the bytes written, or 0 when out is too small.
 */
size_t smb2_build_session_setup(uint8_t *out, size_t outlen, uint64_t msg_id,
                                const uint8_t *security_blob, size_t bloblen);

/*
 * The probe's SESSION_SETUP: an NTLMSSP NEGOTIATE (NTLMSSP_PROBE_FLAGS)
 * wrapped in an SPNEGO NegTokenInit when spnego is true, raw otherwise. We
 * send SPNEGO, as Windows and Samba clients do; servers also take the raw
 * token (Windows by the NTLMSSP signature, Samba's gensec SPNEGO fallback).
 * Returns the bytes written, or 0 when out is too small.
 */
size_t smb2_build_ntlmssp_session_setup(uint8_t *out, size_t outlen, uint64_t msg_id, bool spnego);

/*
 * Parse a NEGOTIATE response frame (2.2.4) from c: transport header, SMB2
 * header (a response to NEGOTIATE with STATUS_SUCCESS), body, security
 * buffer and, for 3.1.1, the negotiate contexts, each bounds-checked against
 * the message. False on failure with out->err telling why (SMB2_ERR_SMB1 for
 * an SMB1 answer). On success c is advanced past the frame. The views in
 * out point into c's buffer.
 */
bool smb2_parse_negotiate_response(struct cursor *c, struct smb2_negotiate_resp *out);

/*
 * Parse a SESSION_SETUP response frame (2.2.6) from c. It carries a
 * CHALLENGE only with STATUS_MORE_PROCESSING_REQUIRED; any other status is
 * SMB2_ERR_STATUS. The security buffer (offset from the SMB2 header) is
 * bounds-checked and its NTLMSSP token found, raw or inside an SPNEGO
 * NegTokenResp; none is SMB2_ERR_NO_NTLMSSP. Views point into c's buffer.
 */
bool smb2_parse_session_setup_response(struct cursor *c, struct smb2_session_setup_resp *out);

#endif
