/* cdp.h - Cisco Discovery Protocol v1/v2 decoder (Cisco's published CDP frame format). */
#ifndef MUSTER_DECODE_CDP_H
#define MUSTER_DECODE_CDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define CDP_ADDRS_MAX 4 /* addresses kept per address TLV */

/*
 * A view of bytes inside the caller's frame: valid only as long as that
 * buffer is, raw (the caller escapes it before use); p is NULL when absent.
 */
struct cdp_str {
	const uint8_t *p;
	size_t len;
};

struct cdp_addr {
	uint8_t family; /* 4, 6, or 0 for another protocol (kept raw) */
	uint8_t len;    /* address octets kept (at most 16) */
	uint8_t addr[16];
};

/* Capability bits of TLV 0x0004. */
#define CDP_CAP_ROUTER 0x01
#define CDP_CAP_BRIDGE 0x04
#define CDP_CAP_SWITCH 0x08
#define CDP_CAP_HOST   0x10
#define CDP_CAP_IGMP   0x20
#define CDP_CAP_PHONE  0x80

struct cdp_msg {
	uint8_t version;           /* 1 or 2 */
	uint8_t ttl;               /* seconds */
	uint16_t checksum;         /* as sent; not verified */
	struct cdp_str device_id;  /* 0x0001 */
	struct cdp_str port_id;    /* 0x0003 */
	struct cdp_str software;   /* 0x0005 */
	struct cdp_str platform;   /* 0x0006 */
	struct cdp_str vtp_domain; /* 0x0009 */
	bool has_caps;             /* 0x0004 */
	uint32_t caps;
	bool has_native_vlan; /* 0x000a */
	uint16_t native_vlan;
	bool has_duplex; /* 0x000b */
	bool full_duplex;
	uint8_t naddrs; /* 0x0002 */
	struct cdp_addr addrs[CDP_ADDRS_MAX];
	uint8_t nmgmt; /* 0x0016 management addresses */
	struct cdp_addr mgmt[CDP_ADDRS_MAX];
};

/*
 * Decode a CDP PDU from c (the payload after the LLC/SNAP header with OUI
 * 00000c and PID 0x2000), advancing c: version, TTL, checksum, then TLVs of
 * type, length (header included), value. Returns false when malformed: a
 * version other than 1/2, a TLV shorter than its header or running off the
 * end, or a bad fixed-size or address TLV.
 */
bool cdp_decode(struct cursor *c, struct cdp_msg *out);

#endif
