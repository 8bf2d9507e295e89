/* icmpv6.h - ICMPv6 (RFC 4443) echo and Neighbor Discovery (RFC 4861) messages. */
#ifndef MUSTER_DECODE_ICMPV6_H
#define MUSTER_DECODE_ICMPV6_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define ICMPV6_MAX_PREFIX 4 /* RA prefix options kept; later ones are counted only */

enum {
	ICMPV6_ECHO_REQUEST = 128, /* RFC 4443 4.1 */
	ICMPV6_ECHO_REPLY = 129,   /* RFC 4443 4.2 */
	ICMPV6_ND_RS = 133,        /* RFC 4861 4.1 Router Solicitation */
	ICMPV6_ND_RA = 134,        /* RFC 4861 4.2 Router Advertisement */
	ICMPV6_ND_NS = 135,        /* RFC 4861 4.3 Neighbor Solicitation */
	ICMPV6_ND_NA = 136,        /* RFC 4861 4.4 Neighbor Advertisement */
};

/* RFC 4861 4.4 Neighbor Advertisement flags, in icmpv6_msg.na_flags. */
enum {
	ICMPV6_NA_ROUTER = 0x80,    /* R */
	ICMPV6_NA_SOLICITED = 0x40, /* S */
	ICMPV6_NA_OVERRIDE = 0x20,  /* O */
};

/* RFC 4861 4.2 Router Advertisement flags, in icmpv6_msg.ra_flags. */
enum {
	ICMPV6_RA_MANAGED = 0x80, /* M: addresses from DHCPv6 */
	ICMPV6_RA_OTHER = 0x40,   /* O: other configuration from DHCPv6 */
};

/* RFC 4861 4.6.2 Prefix Information option. */
struct icmpv6_prefix {
	uint8_t len;   /* prefix length in bits */
	bool onlink;   /* L */
	bool autoconf; /* A: usable for SLAAC */
	uint32_t valid_lifetime, preferred_lifetime;
	uint8_t prefix[16];
};

/*
 * One ICMPv6 message. Which fields are meaningful depends on `type`:
 * echo: echo_id, echo_seq, body (the echo data); RS/RA/NS/NA: the fields
 * named for them and the options; anything else: only type, code and body
 * (everything after the 4-byte ICMPv6 header).
 *
 * The checksum is not verified (it needs the IPv6 pseudo-header). Checks
 * that need the IP header (hop limit 255, source address) are the caller's:
 * RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2.
 */
struct icmpv6_msg {
	uint8_t type, code;
	uint16_t checksum;

	uint16_t echo_id, echo_seq;

	/* RA */
	uint8_t ra_hop_limit;
	uint8_t ra_flags; /* ICMPV6_RA_* */
	uint16_t ra_router_lifetime;
	uint32_t ra_reachable_time, ra_retrans_timer;
	bool has_mtu;
	uint32_t mtu;
	uint8_t n_prefix;     /* stored in prefix[] */
	uint8_t n_prefix_all; /* seen, including those not stored */
	struct icmpv6_prefix prefix[ICMPV6_MAX_PREFIX];

	/* NS, NA */
	uint8_t target[16];
	uint8_t na_flags; /* ICMPV6_NA_* */

	/* RFC 4861 4.6.1 link-layer address options, when 6 bytes (Ethernet). */
	bool has_sll, has_tll;
	uint8_t sll[6], tll[6];
	uint8_t n_opts;

	struct cursor body;
};

/*
 * Decode the ICMPv6 message at *in (the IPv6 upper-layer payload); *in is not
 * advanced. Returns false when shorter than the header of its type, when an
 * ND message has a non-zero code, is too short, names a multicast target, or
 * has an option of length zero or running past the message (RFC 4861 6.1.1,
 * 6.1.2, 7.1.1, 7.1.2, 4.6). Unknown ND options are skipped (RFC 4861 4.6).
 */
bool icmpv6_decode(const struct cursor *in, struct icmpv6_msg *out);

/* True for types 133..136 (RS, RA, NS, NA). */
bool icmpv6_is_ndp(const struct icmpv6_msg *m);

#endif
