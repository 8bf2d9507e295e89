/* lldp.h - LLDPDU decoder: IEEE 802.1AB-2016 §8 (TLV format, mandatory TLVs, basic management set). */
#ifndef MUSTER_DECODE_LLDP_H
#define MUSTER_DECODE_LLDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define LLDP_STR_MAX  255 /* §8.5.2 - §8.5.7: ids and strings are at most 255 octets */
#define LLDP_MGMT_MAX 4   /* management addresses kept */

/* §8.5.2.2 chassis id subtypes (port id subtypes, §8.5.3.2, differ: MAC is 3). */
enum lldp_chassis_subtype {
	LLDP_CHASSIS_COMPONENT = 1,
	LLDP_CHASSIS_IFALIAS = 2,
	LLDP_CHASSIS_PORT = 3,
	LLDP_CHASSIS_MAC = 4,
	LLDP_CHASSIS_NETADDR = 5,
	LLDP_CHASSIS_IFNAME = 6,
	LLDP_CHASSIS_LOCAL = 7,
};
#define LLDP_PORT_MAC 3

/* A byte string copied raw; the caller escapes it before use. */
struct lldp_str {
	bool present;
	uint8_t len;
	uint8_t v[LLDP_STR_MAX];
};

/* §8.5.9 management address. */
struct lldp_mgmt {
	uint8_t family; /* IANA address family: 1 IPv4, 2 IPv6, 6 IEEE 802 */
	uint8_t len;    /* address octets */
	uint8_t addr[31];
	uint8_t if_subtype; /* 1 unknown, 2 ifIndex, 3 system port number */
	uint32_t if_number;
};

struct lldp_msg {
	uint8_t chassis_subtype;
	struct lldp_str chassis_id; /* subtype LLDP_CHASSIS_MAC: 6 octets of MAC */
	uint8_t port_subtype;
	struct lldp_str port_id;
	uint16_t ttl;              /* seconds; 0 = remove this neighbour (§8.5.4) */
	struct lldp_str port_desc; /* type 4 */
	struct lldp_str sys_name;  /* type 5 */
	struct lldp_str sys_desc;  /* type 6 */
	bool has_caps;             /* type 7, §8.5.8 */
	uint16_t caps, caps_enabled;
	uint8_t nmgmt; /* type 8 */
	struct lldp_mgmt mgmt[LLDP_MGMT_MAX];
	uint16_t norg; /* organizationally specific TLVs seen (type 127), not decoded */
	bool has_end;  /* End Of LLDPDU TLV seen */
};

/*
 * Decode an LLDPDU from c (the Ethernet payload of ethertype 0x88cc),
 * advancing c. Chassis ID, Port ID and TTL must come first, in that order,
 * once each (§8.2); End stops decoding (what follows is padding); without
 * End, the last TLV must end with the frame. Returns false when malformed
 * (including a TLV of a length the standard forbids).
 */
bool lldp_decode(struct cursor *c, struct lldp_msg *out);

#endif
