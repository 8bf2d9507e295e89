/* arp.h - ARP for Ethernet and IPv4 (RFC 826), with RFC 5227 probe/announcement classification. */
#ifndef MUSTER_DECODE_ARP_H
#define MUSTER_DECODE_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define ARP_LEN 28 /* an Ethernet/IPv4 ARP packet without padding */

enum {
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
};

/*
 * One Ethernet/IPv4 ARP packet. Addresses are copied out in wire order
 * (IPv4 addresses as 4 network-order bytes, ready for memcpy into in_addr).
 */
struct arp_packet {
	uint16_t op;
	uint8_t sha[6]; /* sender hardware address */
	uint8_t spa[4]; /* sender protocol address */
	uint8_t tha[6]; /* target hardware address */
	uint8_t tpa[4]; /* target protocol address */
};

/*
 * Decode the ARP packet at *in (the Ethernet payload); *in is not advanced and
 * trailing padding is ignored. Returns false when it is short or is not
 * htype 1 / ptype 0x0800 / hlen 6 / plen 4 (RFC 826 "Packet format"). Any
 * opcode is accepted; the helpers below say what it is.
 */
bool arp_decode(const struct cursor *in, struct arp_packet *out);

/* op == request. */
bool arp_is_request(const struct arp_packet *a);

/* op == reply. */
bool arp_is_reply(const struct arp_packet *a);

/* Gratuitous ARP: sender IP == target IP and not 0.0.0.0 (request or reply). */
bool arp_is_gratuitous(const struct arp_packet *a);

/* RFC 5227 2.1.1 ARP Probe: a request with sender IP 0.0.0.0; tpa is the probed address. */
bool arp_is_probe(const struct arp_packet *a);

/* RFC 5227 2.3 ARP Announcement: a request with sender IP == target IP (the claimed one). */
bool arp_is_announcement(const struct arp_packet *a);

#endif
