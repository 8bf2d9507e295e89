/* arp.h - ARP requests sent through libnet (RFC 826), and the sweep of attached IPv4 subnets. */
#ifndef MUSTER_PROBE_ARP_H
#define MUSTER_PROBE_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/net.h"

/*
 * Sends ARP requests on one Ethernet interface. The replies are not read
 * here: they reach the sensor's capture like any other ARP packet.
 *
 * Safety: a request is only ever sent for an address inside one of the
 * interface's directly attached IPv4 subnets (net_iface_addrs), from the
 * interface's own address in that subnet; anything else is refused.
 */
struct arp_sender;

/*
 * Open libnet on ifc->name (needs CAP_NET_RAW); ifc is copied. NULL on
 * failure (no MAC, not Ethernet, no IPv4 address, libnet error) with the
 * reason in err.
 */
struct arp_sender *arp_sender_new(const struct net_iface *ifc, char *err, size_t errlen);
void arp_sender_free(struct arp_sender *s); /* accepts NULL */

/* Whether addr (network order) lies in an attached subnet and is not our own. */
bool arp_sender_covers(const struct arp_sender *s, uint32_t addr_be);

/*
 * Send "who has tpa?" (network order) from our address in tpa's subnet, to
 * dst (a host's MAC, for a unicast re-check) or to broadcast (dst NULL).
 * Returns 0; MUSTER_EPERM when tpa is not covered (nothing sent);
 * MUSTER_EIO when the send failed (errno kept: EAGAIN/ENOBUFS mean "later").
 */
int arp_send_request(struct arp_sender *s, uint32_t tpa_be, const uint8_t *dst);

/*
 * A sweep: every host address of each attached IPv4 subnet no wider than
 * /min_prefix (wider ones are refused and logged; the interface's own
 * addresses are skipped), in passes. Pass 0 asks every address; each of
 * the `retries` later passes asks those that did not answer, each once
 * `timeout` seconds have passed since it was last asked (passes follow
 * each other without a gap). The sweep is done when every address has
 * answered, or `timeout` seconds after its last request.
 */
struct arp_sweep;

/* NULL when out of memory or when nothing is left to sweep (reasons logged). */
struct arp_sweep *arp_sweep_new(const struct net_iface *ifc, int min_prefix, unsigned retries,
                                double timeout);
void arp_sweep_free(struct arp_sweep *w); /* accepts NULL */

/* (Re)start at monotonic time now: every address unanswered, pass 0. */
void arp_sweep_start(struct arp_sweep *w, double now);
/*
 * The next address to ask at time now (network order); false when none is
 * due now (waiting between passes, or done). An address the caller skips
 * or could not send may be given back with arp_sweep_unget().
 */
bool arp_sweep_next(struct arp_sweep *w, double now, uint32_t *addr_be);
void arp_sweep_unget(struct arp_sweep *w);
/* An address answered (a reply or any ARP from it): true when it is a sweep address, new. */
bool arp_sweep_answered(struct arp_sweep *w, uint32_t addr_be);
bool arp_sweep_is_answered(const struct arp_sweep *w, uint32_t addr_be);
/* Every pass sent and the last timeout passed. */
bool arp_sweep_done(const struct arp_sweep *w, double now);
/* Time (monotonic) at which the next address is due; 0 when one is due now or done. */
double arp_sweep_wake(const struct arp_sweep *w, double now);
/* Addresses swept, and how many answered. */
uint64_t arp_sweep_size(const struct arp_sweep *w);
uint64_t arp_sweep_nanswered(const struct arp_sweep *w);

#endif
