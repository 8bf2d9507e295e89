/* dns.h - DNS messages as sent by mDNS (RFC 6762) and LLMNR (RFC 4795); RFC 1035 wire format. */
#ifndef MUSTER_DECODE_DNS_H
#define MUSTER_DECODE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define DNS_NAME_WIRE_MAX 255 /* RFC 1035 §2.3.4: a name is at most 255 octets on the wire */
#define DNS_NAME_TEXT_MAX 256 /* dotted form of the longest name, plus a NUL */
#define DNS_PTR_HOPS_MAX  32  /* compression pointers followed per name */
#define DNS_QUESTIONS_MAX 16  /* questions kept; the rest are parsed and counted */
#define DNS_RRS_MAX       32  /* records kept (all sections); the rest are parsed and counted */

/* RR types the decoder looks inside (RFC 1035 §3.2.2, RFC 3596, RFC 2782). */
enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_PTR = 12,
	DNS_T_HINFO = 13,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_ANY = 255,
};

enum dns_section {
	DNS_SEC_ANSWER = 1,
	DNS_SEC_AUTHORITY = 2,
	DNS_SEC_ADDITIONAL = 3,
};

/*
 * A domain name in dotted form without the trailing dot ("" is the root).
 * The label bytes are copied raw from the wire: they may hold any octet,
 * including '.' and NUL, so `len` is authoritative; text[len] is a NUL for
 * convenience only. The caller escapes the name before storing or logging it.
 */
struct dns_name {
	uint16_t len;
	uint8_t text[DNS_NAME_TEXT_MAX];
};

struct dns_question {
	struct dns_name name;
	uint16_t type;
	uint16_t qclass;       /* with the mDNS QU bit removed */
	bool unicast_response; /* mDNS QU bit (RFC 6762 §5.4) */
};

/*
 * One resource record. `rdata` points into the caller's packet buffer and
 * is valid only as long as that buffer is; so are the HINFO views. The
 * typed fields are filled for the types named beside them.
 */
struct dns_rr {
	uint8_t section; /* enum dns_section */
	struct dns_name name;
	uint16_t type;
	uint16_t rclass;  /* with the mDNS cache-flush bit removed (except OPT) */
	bool cache_flush; /* mDNS cache-flush bit (RFC 6762 §10.2) */
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
	union {
		uint8_t a[4];     /* A */
		uint8_t aaaa[16]; /* AAAA */
		struct {
			uint16_t priority, weight, port;
		} srv; /* SRV; the target is in `target` */
		struct {
			const uint8_t *cpu, *os;
			uint8_t cpu_len, os_len;
		} hinfo; /* HINFO (RFC 1035 §3.3.2) */
	} u;
	struct dns_name target; /* PTR, CNAME, NS, SRV */
};

struct dns_msg {
	uint16_t id;
	uint16_t flags; /* the raw flags word */
	bool qr;        /* response */
	uint8_t opcode;
	uint8_t rcode;
	bool aa, tc;
	uint16_t qdcount, ancount, nscount, arcount;
	uint8_t nquestions;
	uint16_t questions_dropped; /* parsed, valid, not kept (cap) */
	struct dns_question q[DNS_QUESTIONS_MAX];
	uint8_t nrrs;
	uint16_t rrs_dropped;
	struct dns_rr rr[DNS_RRS_MAX];
};

/*
 * Decode one DNS message from c (the UDP payload), advancing c. With mdns,
 * the top bit of a question's class is the unicast-response bit and that of
 * a record's class the cache-flush bit (RFC 6762 §18.12, §18.13); both are
 * split off. Every record declared in the header must be present and well
 * formed. Returns false on malformed input (out is then unspecified). The
 * struct is large (~22 KiB): keep it off small stacks.
 */
bool dns_decode(struct cursor *c, bool mdns, struct dns_msg *out);

/*
 * Read a possibly compressed name at c, which lies inside msg (the whole
 * message, needed for compression pointers, RFC 1035 §4.1.4). Pointers must
 * point strictly before every byte of the name read so far, at most
 * DNS_PTR_HOPS_MAX of them; the name is at most 255 octets. c advances past
 * the name as it appears at c. Returns false when malformed.
 */
bool dns_name_read(const struct cursor *msg, struct cursor *c, struct dns_name *out);

/*
 * Read an uncompressed name that fills all of c (DHCP client FQDN options,
 * RFC 4702 §2.3.1, RFC 4704 §4.2). A name that ends without the root label
 * is partial: accepted, with *partial set. Bytes after the root label, a
 * compression pointer or an over-long name are malformed (false).
 */
bool dns_name_read_flat(struct cursor *c, struct dns_name *out, bool *partial);

/*
 * Step through the character-strings of a TXT rdata (RFC 1035 §3.3.14):
 * *txt starts as a cursor over rr->rdata/rr->rdlen; each call yields one
 * string as a view into it. Returns false at the end or when malformed.
 */
bool dns_txt_next(struct cursor *txt, const uint8_t **s, size_t *len);

/*
 * Find key in the "key=value" strings of a TXT record (RFC 6763 §6.3, keys
 * compare case-insensitively, §6.4), e.g. "model" or "osxvers" in Apple's
 * _device-info._tcp records. On success *val and *len view the value (empty for
 * a boolean attribute). Returns false when absent.
 */
bool dns_txt_find(const struct dns_rr *rr, const char *key, const uint8_t **val, size_t *len);

#endif
