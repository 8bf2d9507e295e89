/* tcp.h - non-blocking TCP conversations with the OS-detection ports: connect, SSH banner, SMB2/NTLMSSP, HTTP HEAD. */
#ifndef MUSTER_PROBE_TCP_H
#define MUSTER_PROBE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct host_table;

/*
 * Many connections in flight on one epoll set, each with a deadline. What
 * a conversation learns is written to the host table as it is learned, so
 * a host that stalls, resets or answers garbage half way is reported with
 * what came before:
 *
 *   22              the SSH identification line (RFC 4253 4.2): service
 *                   banner, product and version, OS hint (source "ssh")
 *   445             SMB2 NEGOTIATE, then SESSION_SETUP with an NTLMSSP
 *                   NEGOTIATE ([MS-SMB2] 2.2.3-2.2.6, [MS-NLMP] 2.2.1):
 *                   dialect, signing, NetBIOS/DNS names and domain, forest,
 *                   Windows build (the "smb" object, guess and names, "smb")
 *   80 8080 5985    HTTP HEAD / (RFC 9110 9.3.2): the Server header
 *   anything else   the port is open (443: TLS is not spoken)
 */
#define TCP_EV_TAG (1ull << 32) /* epoll data.u64 of a connection: TCP_EV_TAG | slot */

enum tcp_outcome {
	TCP_OUT_DONE,    /* connected; the conversation ended (complete or not) */
	TCP_OUT_REFUSED, /* reset, unreachable, or another error before connecting */
	TCP_OUT_SILENT,  /* no answer at all before the deadline */
	TCP_OUT_TIMEOUT, /* connected, but the conversation hit the deadline */
};

/* Told once per started conversation when it ends. */
typedef void (*tcp_done_fn)(void *arg, uint32_t cookie, uint16_t port, enum tcp_outcome out);

struct tcp_engine;

/*
 * An engine adding its sockets to epfd, at most max_conns at once, writing
 * facts into t and counts into counters (indexed by enum active_counter).
 * NULL when out of memory.
 */
struct tcp_engine *tcp_engine_new(int epfd, unsigned max_conns, struct host_table *t,
                                  uint64_t *counters, tcp_done_fn fn, void *arg);
void tcp_engine_free(struct tcp_engine *e); /* closes every connection; accepts NULL */

/* Connections in flight. */
unsigned tcp_engine_active(const struct tcp_engine *e);

/*
 * Start a conversation with addr:port (network order) for the host with
 * MAC mac, ending at now + timeout at the latest. 0 when started (fn is
 * called later); MUSTER_ETOOBIG when max_conns are in flight,
 * MUSTER_EIO when the socket could not be made or the connect failed at
 * once (fn is not called; errno kept).
 */
int tcp_probe_start(struct tcp_engine *e, const uint8_t mac[6], uint32_t addr_be, uint16_t port,
                    double now, double timeout, uint32_t cookie);

/* Handle an epoll event whose data.u64 carries TCP_EV_TAG. wall: for host_touch. */
void tcp_engine_event(struct tcp_engine *e, uint64_t tag, uint32_t events, double now, time_t wall);
/* End the conversations whose deadline passed. */
void tcp_engine_expire(struct tcp_engine *e, double now, time_t wall);
/* The earliest deadline in flight; 0 when none. */
double tcp_engine_next_deadline(const struct tcp_engine *e);

/* The service name recorded for an open port without a better one ("ssh", "rdp", ...). */
const char *tcp_port_product(uint16_t port);

#endif
