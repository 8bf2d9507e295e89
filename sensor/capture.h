/* capture.h - packet sources: a live interface or a pcap/pcapng file, through libpcap. */
#ifndef MUSTER_SENSOR_CAPTURE_H
#define MUSTER_SENSOR_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct capture;

/* Called for every packet: link type (DLT_*), timestamp, captured bytes. */
typedef void (*capture_fn)(void *arg, int dlt, const struct timeval *ts, const uint8_t *data,
                           size_t caplen, size_t wirelen);

/*
 * Open a live capture on iface (promiscuous when asked) with the sensor's
 * BPF filter. NULL on failure, with the reason in err.
 */
struct capture *capture_open_live(const char *iface, bool promisc, char *err, size_t errlen);
/* Open a pcap or pcapng file ("-" for stdin). NULL on failure, reason in err. */
struct capture *capture_open_file(const char *path, char *err, size_t errlen);
void capture_close(struct capture *c); /* accepts NULL */

/* The link type, and whether the sensor can decode it. */
int capture_dlt(const struct capture *c);
bool capture_dlt_supported(int dlt);
const char *capture_dlt_name(int dlt);

/* True while a file is read by the fast reader rather than libpcap (see capture.c). */
bool capture_fast_reader(const struct capture *c);

/* A file descriptor to poll() for a live capture; -1 for files. */
int capture_fd(const struct capture *c);

/*
 * Deliver up to max packets (0 = as many as are ready, or a file in chunks).
 * Returns the number delivered (0 when none was ready; *eof set at the end
 * of a file), or MUSTER_EIO on a capture error (reason in err).
 */
int capture_dispatch(struct capture *c, int max, capture_fn fn, void *arg, bool *eof, char *err,
                     size_t errlen);

/*
 * Told of a packet some places before it is delivered, so its host's memory
 * can be fetched early: stage 0 furthest ahead, then stage 1, then stage 2
 * (just before). A hint only:
 * it may come for some packets and not others, and must not change any
 * state that decoding reads. arg is the prefetch's own.
 */
typedef void (*capture_prefetch_fn)(void *arg, int dlt, const uint8_t *data, size_t caplen,
                                    int stage);
void capture_set_prefetch(struct capture *c, capture_prefetch_fn fn, void *arg);

/* The BPF filter text the sensor applies: only what it decodes. */
const char *capture_filter(void);

/* Kernel counters for a live capture (0s for files). */
void capture_stats(struct capture *c, uint64_t *received, uint64_t *dropped);

#endif
