/* dhcpv6.h - DHCPv6 client message decoder: RFC 8415 §8, §11, §21; RFC 4704 client FQDN. */
#ifndef MUSTER_DECODE_DHCPV6_H
#define MUSTER_DECODE_DHCPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"
#include "sensor/decode/dns.h"

#define DHCPV6_DUID_MAX     130 /* RFC 8415 §11.1: 2-octet type plus at most 128 octets */
#define DHCPV6_ORO_MAX      64  /* option codes kept from an ORO */
#define DHCPV6_CLASS_MAX    4   /* vendor/user class strings kept */
#define DHCPV6_CLASS_STRMAX 128 /* bytes kept of each class string */

/* RFC 8415 §7.3 message types. */
enum dhcpv6_msg_type {
	DHCPV6_SOLICIT = 1,
	DHCPV6_ADVERTISE = 2,
	DHCPV6_REQUEST = 3,
	DHCPV6_CONFIRM = 4,
	DHCPV6_RENEW = 5,
	DHCPV6_REBIND = 6,
	DHCPV6_REPLY = 7,
	DHCPV6_RELEASE = 8,
	DHCPV6_DECLINE = 9,
	DHCPV6_RECONFIGURE = 10,
	DHCPV6_INFORMATION_REQUEST = 11,
	DHCPV6_RELAY_FORW = 12,
	DHCPV6_RELAY_REPL = 13,
};

/* RFC 8415 §11.2-§11.5, RFC 6355 DUID types. */
enum dhcpv6_duid_type {
	DHCPV6_DUID_LLT = 1,
	DHCPV6_DUID_EN = 2,
	DHCPV6_DUID_LL = 3,
	DHCPV6_DUID_UUID = 4,
};

/* A length-prefixed class string, copied raw (truncated to the cap). */
struct dhcpv6_str {
	uint8_t len;
	uint8_t v[DHCPV6_CLASS_STRMAX];
};

/*
 * A decoded DHCPv6 message. Byte strings are copied raw; the caller escapes
 * them before use. For relay messages only msg_type and is_relay are set.
 */
struct dhcpv6_msg {
	uint8_t msg_type;
	bool is_relay; /* RELAY-FORW / RELAY-REPL: not looked into */
	uint32_t xid;  /* 24-bit transaction id */

	bool has_client_id; /* option 1 */
	uint8_t duid_len;
	uint8_t duid[DHCPV6_DUID_MAX]; /* the whole DUID, type included */
	uint16_t duid_type;
	uint16_t duid_hwtype;     /* LLT, LL: IANA hardware type (1 = Ethernet) */
	uint32_t duid_time;       /* LLT */
	uint32_t duid_enterprise; /* EN */
	uint8_t lladdr_len;       /* LLT, LL: link-layer address, 0 when none */
	uint8_t lladdr[16];
	uint8_t uuid[16]; /* UUID */

	uint8_t noro;       /* option 6 codes kept, in order */
	uint16_t oro_total; /* codes in the option */
	uint16_t oro[DHCPV6_ORO_MAX];

	bool has_vendor_class; /* option 16 */
	uint32_t vendor_enterprise;
	uint8_t nvendor_class;
	struct dhcpv6_str vendor_class[DHCPV6_CLASS_MAX];

	uint8_t nuser_class; /* option 15 */
	struct dhcpv6_str user_class[DHCPV6_CLASS_MAX];

	bool has_fqdn;      /* option 39 */
	uint8_t fqdn_flags; /* RFC 4704 §4.1: S O N */
	bool fqdn_partial;
	struct dns_name fqdn;
};

/*
 * Decode a DHCPv6 message from c (the UDP payload of port 546/547),
 * advancing c. Relay messages are recognised (RFC 8415 §9) and returned
 * with only their type. Returns false when malformed: short header, an
 * option running past the message, or a bad client id, ORO, vendor class,
 * user class or FQDN option.
 */
bool dhcpv6_decode(struct cursor *c, struct dhcpv6_msg *out);

#endif
