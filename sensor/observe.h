/* observe.h - from one captured frame to facts about hosts: the decode chain. */
#ifndef MUSTER_SENSOR_OBSERVE_H
#define MUSTER_SENSOR_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

struct host_table;
struct p0f_db;
struct fp_rules;

/* Counters, by what happened to a packet. */
enum obs_counter {
	OBS_PACKETS,
	OBS_LINKTYPE_SKIPPED, /* a link type we do not decode */
	OBS_MALFORMED_L2,
	OBS_MALFORMED_ARP,
	OBS_MALFORMED_IP,
	OBS_MALFORMED_ICMPV6,
	OBS_MALFORMED_UDP,
	OBS_MALFORMED_TCP,
	OBS_MALFORMED_DHCP,
	OBS_MALFORMED_DHCPV6,
	OBS_MALFORMED_DNS,
	OBS_MALFORMED_NBNS,
	OBS_MALFORMED_SSDP,
	OBS_MALFORMED_LLDP,
	OBS_MALFORMED_CDP,
	OBS_ARP,
	OBS_DHCP,
	OBS_DHCPV6,
	OBS_MDNS,
	OBS_LLMNR,
	OBS_NBNS,
	OBS_SSDP,
	OBS_NDP,
	OBS_TCP_SYN,
	OBS_P0F_MATCH,
	OBS_LLDP,
	OBS_CDP,
	OBS__COUNT
};

struct observer;

/*
 * An observer feeding `t`. p0f and rules may be NULL (no OS guesses from
 * them). Borrowed pointers must outlive the observer. NULL on OOM.
 */
struct observer *observer_new(struct host_table *t, const struct p0f_db *p0f,
                              const struct fp_rules *rules);
void observer_free(struct observer *o);

/* Print one line per TCP SYN / SYN+ACK with its p0f label to f (NULL: off). */
void observer_set_p0f_log(struct observer *o, FILE *f);

/* Decode one frame and update the host table. Never fails: bad input is counted. */
void observer_packet(struct observer *o, int dlt, const struct timeval *ts, const uint8_t *data,
                     size_t caplen);

/*
 * A hint that this frame comes soon (a capture_prefetch_fn; arg is the
 * observer): fetch its sender's host early.
 */
void observer_prefetch(void *arg, int dlt, const uint8_t *data, size_t caplen, int stage);

uint64_t observer_counter(const struct observer *o, enum obs_counter c);
const char *observer_counter_name(enum obs_counter c);
/* Sum of all malformed counters. */
uint64_t observer_malformed(const struct observer *o);

#endif
