/* udp.h - unicast UDP probes: NetBIOS NBSTAT (RFC 1002 4.2.17), mDNS legacy unicast (RFC 6762 6.7), SSDP M-SEARCH (UPnP DA 1.1 1.3.2). */
#ifndef MUSTER_PROBE_UDP_H
#define MUSTER_PROBE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct host;
struct host_table;
struct fp_rules;

/*
 * One UDP socket on an ephemeral port, bound to the interface. Queries go
 * unicast to a host; the answers come back to this socket (for mDNS, a
 * query from a port other than 5353 asks for a unicast answer, RFC 6762
 * 6.7) and are decoded with the sensor's decoders.
 */
struct udp_prober;

/* NULL on failure with the reason in err. */
struct udp_prober *udp_prober_new(const char *ifname, char *err, size_t errlen);
void udp_prober_free(struct udp_prober *p); /* accepts NULL */
int udp_prober_fd(const struct udp_prober *p);

/* Each sends one datagram to addr (network order): 0, or MUSTER_EIO (errno kept). */
int udp_send_nbstat(struct udp_prober *p, uint32_t addr_be, uint16_t txid);
/* Two questions: the DNS-SD service type list and addr's reverse name (PTR). */
int udp_send_mdns(struct udp_prober *p, uint32_t addr_be, uint16_t id);
int udp_send_ssdp(struct udp_prober *p, uint32_t addr_be);

/*
 * Read one datagram: 1 with its source address and port and the payload
 * in buf[0..*len); 0 when nothing is ready; MUSTER_EIO on a socket error.
 */
int udp_recv(struct udp_prober *p, uint32_t *addr_be, uint16_t *port, uint8_t *buf, size_t cap,
             size_t *len);

/*
 * Decode a reply from addr:port (137, 5353 or 1900) and record what it
 * says about the host with that MAC (seen at now) in t: NetBIOS names and
 * workgroup (source "netbios"), mDNS host name and service types
 * ("mdns"), SSDP SERVER ("ssdp"). rules (may be NULL) turn service types
 * and NBSTAT unit IDs into guesses. False when the reply does not parse
 * (nothing recorded).
 */
bool udp_apply_reply(struct udp_prober *p, struct host_table *t, const uint8_t mac[6], time_t now,
                     uint32_t addr_be, uint16_t port, const uint8_t *buf, size_t len,
                     const struct fp_rules *rules);

#endif
