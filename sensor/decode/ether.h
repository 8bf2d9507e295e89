/* ether.h - link layer: Ethernet II, IEEE 802.1Q/802.1ad tags, 802.3 LLC/SNAP, Linux SLL/SLL2. */
#ifndef MUSTER_DECODE_ETHER_H
#define MUSTER_DECODE_ETHER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define ETHER_MAC_LEN  6
#define ETHER_MAX_VLAN 4 /* tags beyond this many make the frame malformed */

/* EtherType values (IEEE Registration Authority). */
enum {
	ETHER_TYPE_IPV4 = 0x0800,
	ETHER_TYPE_ARP = 0x0806,
	ETHER_TYPE_VLAN = 0x8100, /* IEEE 802.1Q C-tag */
	ETHER_TYPE_IPV6 = 0x86dd,
	ETHER_TYPE_QINQ = 0x88a8,     /* IEEE 802.1ad S-tag */
	ETHER_TYPE_LLDP = 0x88cc,     /* IEEE 802.1AB */
	ETHER_TYPE_QINQ_OLD = 0x9100, /* pre-802.1ad vendor S-tag */
	ETHER_TYPE_MIN = 0x0600,      /* IEEE 802.3 3.2.6: below this it is a length */
};

/* Where the frame came from; decides which fields below are meaningful. */
enum ether_link {
	ETHER_LINK_EN10MB = 1, /* DLT_EN10MB: a full Ethernet header */
	ETHER_LINK_SLL,        /* DLT_LINUX_SLL: Linux cooked v1, 16-byte header */
	ETHER_LINK_SLL2,       /* DLT_LINUX_SLL2: Linux cooked v2, 20-byte header */
};

/* Linux cooked-capture packet types (sll_pkttype). */
enum {
	ETHER_SLL_HOST = 0,      /* to us */
	ETHER_SLL_BROADCAST = 1, /* to everyone */
	ETHER_SLL_MULTICAST = 2,
	ETHER_SLL_OTHERHOST = 3, /* to someone else (promiscuous) */
	ETHER_SLL_OUTGOING = 4,  /* sent by us */
};

#define ETHER_ARPHRD_ETHER 1 /* Linux ARPHRD_ETHER: sll address is a MAC */

/*
 * One decoded frame. Every field is valid when ether_decode*() returned true;
 * the struct is zeroed on entry, so absent things read as 0/false.
 *
 * `ethertype` is the EtherType after all VLAN tags. For an 802.3 length frame
 * it is 0, unless the frame is SNAP with the RFC 1042 OUI 00:00:00, in which
 * case it is the encapsulated EtherType and `payload` starts at that protocol.
 * `payload` is a sub-cursor into the caller's buffer: it lives as long as the
 * bytes the frame was decoded from.
 */
struct ether_frame {
	enum ether_link link;
	bool has_dst, has_src; /* SLL/SLL2 carry no destination, sometimes no source */
	uint8_t dst[ETHER_MAC_LEN];
	uint8_t src[ETHER_MAC_LEN];

	uint8_t nvlan;                      /* tags seen, outermost first */
	uint16_t vlan_tpid[ETHER_MAX_VLAN]; /* 0x8100, 0x88a8 or 0x9100 */
	uint16_t vlan_id[ETHER_MAX_VLAN];   /* 12-bit VID */
	uint8_t vlan_pcp[ETHER_MAX_VLAN];   /* 3-bit priority */

	uint16_t ethertype;

	/* IEEE 802.3 length frame with an IEEE 802.2 LLC header. */
	bool is_8023;
	uint16_t length_8023; /* the length field as sent */
	bool has_llc;
	uint8_t llc_dsap, llc_ssap;
	uint16_t llc_control; /* 1 byte (U format) or 2 bytes (I/S format) */
	bool has_snap;        /* DSAP = SSAP = 0xaa, UI: RFC 1042 SNAP header */
	uint8_t snap_oui[3];
	uint16_t snap_type;

	/* Linux cooked capture only. */
	uint8_t sll_pkttype;  /* ETHER_SLL_* */
	uint16_t sll_hatype;  /* Linux ARPHRD_* */
	uint32_t sll_ifindex; /* SLL2 only */

	bool truncated; /* 802.3 length runs past the captured bytes */
	struct cursor payload;
};

/*
 * Decode a DLT_EN10MB frame (no FCS) from *in; *in is not advanced.
 * Returns false when the frame is malformed: shorter than a header, more than
 * ETHER_MAX_VLAN tags, a type/length in the undefined range 1501..1535.
 */
bool ether_decode(const struct cursor *in, struct ether_frame *out);

/* Decode a DLT_LINUX_SLL (cooked v1) frame; same contract as ether_decode(). */
bool ether_decode_sll(const struct cursor *in, struct ether_frame *out);

/* Decode a DLT_LINUX_SLL2 (cooked v2) frame; same contract as ether_decode(). */
bool ether_decode_sll2(const struct cursor *in, struct ether_frame *out);

/* True for a Cisco Discovery Protocol frame: SNAP OUI 00:00:0c, type 0x2000. */
bool ether_is_cdp(const struct ether_frame *f);

/* True for an LLDP frame (EtherType 0x88cc, IEEE 802.1AB). */
bool ether_is_lldp(const struct ether_frame *f);

/* True when mac is the broadcast address ff:ff:ff:ff:ff:ff. */
bool ether_mac_is_broadcast(const uint8_t mac[ETHER_MAC_LEN]);

/* True when the group bit (I/G, least significant bit of octet 0) is set. */
bool ether_mac_is_multicast(const uint8_t mac[ETHER_MAC_LEN]);

#endif
