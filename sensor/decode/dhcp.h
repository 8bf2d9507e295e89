/* dhcp.h - DHCPv4 message decoder: RFC 2131 §2 format, RFC 2132 options, RFC 4702 client FQDN. */
#ifndef MUSTER_DECODE_DHCP_H
#define MUSTER_DECODE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"
#include "sensor/decode/dns.h"

#define DHCP_OPT_MAX     255  /* an option's value is at most 255 bytes (RFC 2132 §2) */
#define DHCP_PRL_STR_MAX 1024 /* "1,3,...,255" for the longest list, plus a NUL */

/* RFC 2132 §9.6 DHCP message types (option 53). */
enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* RFC 4702 §2.1 client FQDN flags. */
#define DHCP_FQDN_S 0x01 /* server should update the A RR */
#define DHCP_FQDN_O 0x02 /* server overrode S */
#define DHCP_FQDN_E 0x04 /* name in canonical wire format, else ASCII */
#define DHCP_FQDN_N 0x08 /* server should not update DNS */

/* One option value, copied raw; the caller escapes it before use. */
struct dhcp_opt {
	bool present;
	uint8_t len;
	uint8_t v[DHCP_OPT_MAX];
};

/*
 * A decoded DHCPv4/BOOTP message. Fixed fields are host-order integers or
 * network-order byte arrays (addresses). For a repeated option the first
 * instance counts (RFC 3396 concatenation is not done).
 */
struct dhcp_msg {
	uint8_t op; /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[16]; /* hlen bytes of it are the hardware address */
	bool has_cookie;    /* magic cookie present: options follow (RFC 2131 §3) */
	uint8_t msg_type;   /* option 53; 0 when absent (plain BOOTP) */
	uint8_t overload;   /* option 52: 1 file, 2 sname, 3 both (RFC 2132 §9.3) */
	bool has_requested_ip;
	uint8_t requested_ip[4];      /* option 50 */
	uint16_t max_msg_size;        /* option 57; 0 when absent */
	struct dhcp_opt hostname;     /* option 12 */
	struct dhcp_opt prl;          /* option 55: option codes, in the client's order */
	struct dhcp_opt vendor_class; /* option 60 */
	struct dhcp_opt client_id;    /* option 61: type byte then identifier */
	struct dhcp_opt user_class;   /* option 77, raw */
	bool has_fqdn;                /* option 81 */
	uint8_t fqdn_flags;           /* DHCP_FQDN_* */
	bool fqdn_partial;            /* wire-format name without root label */
	struct dns_name fqdn;         /* dotted form, raw bytes (see dns.h) */
};

/*
 * Decode a DHCPv4 message from c (the UDP payload of port 67/68), advancing
 * c. Options are read from the options field and, when option 52 says so,
 * from the file and sname fields (in that order, RFC 2131 §4.1). Returns
 * false when malformed: short fixed part, op not 1/2, hlen > 16, an option
 * running past its field, or a fixed-size option of the wrong length.
 */
bool dhcp_decode(struct cursor *c, struct dhcp_msg *out);

/*
 * Format a parameter request list as decimal codes joined by commas
 * ("1,3,6,15") into out (always NUL-terminated when outlen > 0; a code that
 * does not fit is left out whole). Returns the string length written.
 */
size_t dhcp_prl_format(const uint8_t *prl, size_t n, char *out, size_t outlen);

#endif
