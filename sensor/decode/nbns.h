/* nbns.h - NetBIOS name service decoder and NBSTAT query encoder: RFC 1002 §4.2, RFC 1001 §14. */
#ifndef MUSTER_DECODE_NBNS_H
#define MUSTER_DECODE_NBNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"
#include "sensor/decode/dns.h"

#define NBNS_NB_MAX           8  /* NB address entries kept */
#define NBNS_NBSTAT_MAX       32 /* node names kept from an NBSTAT response */
#define NBNS_NBSTAT_QUERY_LEN 50 /* bytes nbns_encode_nbstat_query writes */

/* RFC 1002 §4.2.1.1 opcodes. */
enum nbns_opcode {
	NBNS_OP_QUERY = 0,
	NBNS_OP_REGISTRATION = 5,
	NBNS_OP_RELEASE = 6,
	NBNS_OP_WACK = 7,
	NBNS_OP_REFRESH = 8,
	NBNS_OP_REFRESH_ALT = 9, /* sent by Windows */
	NBNS_OP_MULTIHOMED = 15, /* Microsoft multi-homed registration */
};

/* RR / question types (RFC 1002 §4.2.1.2). */
#define NBNS_TYPE_NB     0x0020
#define NBNS_TYPE_NBSTAT 0x0021

/* NB_FLAGS (§4.2.1.3) and NAME_FLAGS (§4.2.18): the group bit. */
#define NBNS_FLAG_GROUP 0x8000

/*
 * A NetBIOS name: the 16 decoded octets of the first label split into the
 * name (trailing spaces and NULs removed) and the suffix type byte (RFC
 * 1001 §14.1), plus the scope (the remaining labels, dotted). All raw bytes:
 * the caller escapes them before use.
 */
struct nbns_name {
	uint8_t len;
	uint8_t name[16]; /* NUL after the name for convenience */
	uint8_t suffix;
	uint16_t scope_len;
	uint8_t scope[DNS_NAME_TEXT_MAX];
};

struct nbns_node_name {
	uint8_t len;
	uint8_t name[16]; /* raw, NUL-terminated for convenience */
	uint8_t suffix;
	uint16_t flags; /* NAME_FLAGS */
	bool group;
};

/* The node status of an NBSTAT response (RFC 1002 §4.2.18). */
struct nbns_nbstat {
	uint8_t num_names; /* NUM_NAMES as sent */
	uint8_t nnames;    /* kept */
	struct nbns_node_name names[NBNS_NBSTAT_MAX];
	bool has_unit_id;
	uint8_t unit_id[6]; /* the MAC address, first field of STATISTICS */
};

struct nbns_addr {
	uint16_t flags; /* NB_FLAGS: G, ONT */
	uint8_t addr[4];
};

struct nbns_msg {
	uint16_t txid;
	uint16_t flags; /* raw */
	bool response;
	uint8_t opcode; /* enum nbns_opcode */
	uint8_t nm_flags;
	bool broadcast; /* NM_FLAGS B */
	uint8_t rcode;
	uint16_t qdcount, ancount, nscount, arcount;

	bool has_question; /* the first question */
	struct nbns_name qname;
	uint16_t qtype, qclass;

	bool has_rr; /* the first resource record of any section */
	struct nbns_name rrname;
	uint16_t rrtype, rrclass;
	uint32_t ttl;
	uint8_t nnb; /* NB RR: address entries kept */
	struct nbns_addr nb[NBNS_NB_MAX];
	bool has_nbstat; /* NBSTAT RR; nbstat means nothing without it */
	struct nbns_nbstat nbstat;
};

/*
 * Decode a name service packet from c (UDP payload of port 137), advancing
 * c. Every question and record declared in the header must be present and
 * well formed; the first of each is kept. Names may use label pointers
 * (RFC 1002 §4.1) and must be first-level encoded (32 characters 'A'-'P').
 * Returns false when malformed.
 */
bool nbns_decode(struct cursor *c, struct nbns_msg *out);

/*
 * Decode a whole NBSTAT response datagram (as received by the active
 * prober) and return its node status. False when c is malformed or is not
 * a response carrying an NBSTAT record.
 */
bool nbns_decode_nbstat_response(struct cursor *c, struct nbns_nbstat *out);

/*
 * Write an NBSTAT query for the wildcard name "*" (RFC 1002 §4.2.17) with
 * the given transaction id into out. Returns the bytes written
 * (NBNS_NBSTAT_QUERY_LEN), or 0 when outlen is too small.
 */
size_t nbns_encode_nbstat_query(uint8_t *out, size_t outlen, uint16_t txid);

#endif
