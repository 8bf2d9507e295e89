/* p0f.h - loader and matcher for p0f v3 TCP signatures (/etc/p0f/p0f.fp). */
#ifndef MUSTER_P0F_H
#define MUSTER_P0F_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/fingerprint/fp.h"

/* Where Debian's p0f package installs its database. */
#define P0F_DEFAULT_PATH "/etc/p0f/p0f.fp"

/* Farthest a host may be (in hops) for a TTL to count as matching a signature. */
#define P0F_MAX_DIST 35
/* Most TCP options a SYN can carry: 40 option bytes, one byte each at least. */
#define P0F_MAX_OPTS 40

/* IP and TCP header oddities, named as in p0f's README ("quirks"). */
enum p0f_quirk {
	P0F_Q_DF = 1u << 0,          /* df: IPv4 don't-fragment set */
	P0F_Q_ID_NZ = 1u << 1,       /* id+: DF set but IPID non-zero */
	P0F_Q_ID_ZERO = 1u << 2,     /* id-: DF clear but IPID zero */
	P0F_Q_ECN = 1u << 3,         /* ecn: ECN support */
	P0F_Q_MBZ_NZ = 1u << 4,      /* 0+: IPv4 must-be-zero bit set */
	P0F_Q_FLOW = 1u << 5,        /* flow: IPv6 flow label non-zero */
	P0F_Q_SEQ_ZERO = 1u << 6,    /* seq-: sequence number zero */
	P0F_Q_ACK_NZ = 1u << 7,      /* ack+: ACK number set without ACK flag */
	P0F_Q_ACK_ZERO = 1u << 8,    /* ack-: ACK flag with zero ACK number */
	P0F_Q_UPTR_NZ = 1u << 9,     /* uptr+: URG pointer without URG flag */
	P0F_Q_URG = 1u << 10,        /* urgf+: URG flag */
	P0F_Q_PUSH = 1u << 11,       /* pushf+: PUSH flag */
	P0F_Q_TS1_ZERO = 1u << 12,   /* ts1-: own timestamp zero */
	P0F_Q_TS2_NZ = 1u << 13,     /* ts2+: peer timestamp non-zero on a SYN */
	P0F_Q_OPT_NZ_PAD = 1u << 14, /* opt+: non-zero bytes after EOL */
	P0F_Q_EXWS = 1u << 15,       /* exws: window scale above 14 */
	P0F_Q_BAD_OPT = 1u << 16,    /* bad: malformed TCP options */
};

/* TCP option kinds as they appear in p0f_tcp_obs.olayout (RFC 9293 section 3.2). */
enum p0f_opt {
	P0F_OPT_EOL = 0,
	P0F_OPT_NOP = 1,
	P0F_OPT_MSS = 2,
	P0F_OPT_WS = 3,
	P0F_OPT_SOK = 4,
	P0F_OPT_SACK = 5,
	P0F_OPT_TS = 8,
};

/*
 * What the TCP/IP decoders saw in one SYN or SYN+ACK. olayout lists the TCP
 * option kinds in wire order (an EOL ends the list; eol_pad counts the bytes
 * after it). Zero-initialise, then fill what is known.
 */
struct p0f_tcp_obs {
	uint8_t ip_ver;      /* 4 or 6 */
	uint8_t ttl;         /* IPv4 TTL or IPv6 hop limit as received */
	uint16_t ip_opt_len; /* IPv4 options / IPv6 extension header bytes */
	bool has_mss;
	uint16_t mss;
	uint16_t win;  /* window field, unscaled */
	int8_t wscale; /* window scale option, -1 when absent */
	uint8_t olayout[P0F_MAX_OPTS];
	uint8_t olayout_len;
	uint8_t eol_pad;
	uint32_t quirks;  /* enum p0f_quirk bits */
	bool payload;     /* the segment carries data */
	bool syn_ack;     /* SYN+ACK ([tcp:response]) rather than SYN */
	uint16_t syn_mss; /* for a SYN+ACK: the MSS of the SYN it answers, 0 unknown */
	uint16_t mtu;     /* link MTU when known (for mtu*N windows), 0 unknown */
};

/* The label line a signature belongs to: "label = type:class:name:flavor". */
struct p0f_label {
	bool generic;    /* type 'g' */
	bool app;        /* class '!': a user-space tool, not an OS */
	char cls[8];     /* "win", "unix", "other", "!" */
	char name[32];   /* "Linux", "Windows", ... */
	char flavor[48]; /* "3.11 and newer", may be "" */
};

/* How an observation matched. label points into the database. */
struct p0f_match {
	const struct p0f_label *label;
	bool generic;  /* matched a 'g' signature */
	bool fuzzy;    /* TTL out of range or df/id+/id-/ecn quirks differ */
	int distance;  /* hops from the sender, from its initial TTL */
	unsigned line; /* line of the matched sig in the file */
};

struct p0f_db;

/*
 * Load a p0f.fp file. Problems are reported to errs as "file:line: message"
 * and the line is skipped; loading goes on. Returns NULL only when the file
 * cannot be read or memory runs out. Free with p0f_free().
 */
struct p0f_db *p0f_load(const char *path, struct fp_errors *errs);
/* The same from a buffer (need not be NUL-terminated); name is used in messages. */
struct p0f_db *p0f_load_buf(const char *name, const void *data, size_t len, struct fp_errors *errs);
void p0f_free(struct p0f_db *db);

/* Number of TCP signatures loaded for SYNs (syn_ack false) or SYN+ACKs. */
size_t p0f_sig_count(const struct p0f_db *db, bool syn_ack);

/*
 * Find the signature for an observation as p0f's README describes: an exact
 * specific signature first; else an exact generic one; else the first fuzzy
 * one (never for tools with random TTLs). True and *out filled on a match.
 */
bool p0f_match_tcp(const struct p0f_db *db, const struct p0f_tcp_obs *obs, struct p0f_match *out);

/* The [mtu] section's name for a link MTU ("Ethernet or modem"), or NULL. */
const char *p0f_match_mtu(const struct p0f_db *db, unsigned mtu);

/* The initial TTL a received TTL most likely started from (32, 64, 128 or 255). */
unsigned p0f_guess_ittl(unsigned ttl);

/*
 * Turn a match into OS evidence (source "p0f") with a confidence from its
 * quality. False for tool signatures (class '!'), which say nothing of the OS.
 */
bool p0f_match_to_guess(const struct p0f_match *m, struct fp_guess *out);

#endif
