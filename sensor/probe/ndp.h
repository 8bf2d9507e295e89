/* ndp.h - IPv6 neighbour discovery probes: all-nodes echo (RFC 4443 4.1), neighbour solicitation (RFC 4861 4.3). */
#ifndef MUSTER_PROBE_NDP_H
#define MUSTER_PROBE_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/net.h"

/*
 * A raw ICMPv6 socket bound to one interface. Echo requests go to ff02::1
 * (all nodes) once from each of our IPv6 addresses, so hosts answer from
 * their address of the same scope; the echo replies are read here. Their
 * sources, and every IPv6 address the host table knows, are then asked
 * for by a neighbour solicitation to the solicited-node group: the
 * advertisement that answers carries the host's MAC and reaches the
 * sensor's capture, which records it like any other NDP packet.
 */
struct ndp_prober;

/* NULL on failure (no IPv6 on ifc, no MAC, socket error) with the reason in err. */
struct ndp_prober *ndp_prober_new(const struct net_iface *ifc, char *err, size_t errlen);
void ndp_prober_free(struct ndp_prober *p); /* accepts NULL */
int ndp_prober_fd(const struct ndp_prober *p);

/* Our IPv6 addresses on the interface, to send the echo from. */
size_t ndp_prober_naddrs(const struct ndp_prober *p);

/*
 * Send an echo request to ff02::1 from our address number idx
 * (< ndp_prober_naddrs). 0, or MUSTER_EIO (errno kept).
 */
int ndp_send_echo_all(struct ndp_prober *p, size_t idx);

/* Send a neighbour solicitation for target (with our MAC as source link-layer option). */
int ndp_send_ns(struct ndp_prober *p, const uint8_t target[16]);

/*
 * Read one echo reply to our echo: 1 with its source address in from; 0
 * when nothing (more) is ready; MUSTER_EIO on a socket error. Other ICMPv6
 * and replies from our own addresses are read and dropped (return 0 only
 * once the socket is empty).
 */
int ndp_recv_reply(struct ndp_prober *p, uint8_t from[16]);

#endif
