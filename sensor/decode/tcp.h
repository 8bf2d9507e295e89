/* tcp.h - TCP header and options (RFC 9293), with the inputs of p0f-style SYN fingerprints. */
#ifndef MUSTER_DECODE_TCP_H
#define MUSTER_DECODE_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cursor.h"

#define TCP_MIN_HDR  20
#define TCP_MAX_OPTS 40 /* 40 option bytes can hold at most 40 one-byte options */

/* Control bits (RFC 9293 3.1; AE is RFC 3540's NS, now "accurate ECN"). */
enum {
	TCP_FIN = 0x001,
	TCP_SYN = 0x002,
	TCP_RST = 0x004,
	TCP_PSH = 0x008,
	TCP_ACK = 0x010,
	TCP_URG = 0x020,
	TCP_ECE = 0x040,
	TCP_CWR = 0x080,
	TCP_AE = 0x100,
};

/* Option kinds (RFC 9293 3.2, IANA "TCP Option Kind Numbers"). */
enum {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WS = 3,      /* RFC 7323 2 */
	TCP_OPT_SACK_OK = 4, /* RFC 2018 2 */
	TCP_OPT_SACK = 5,    /* RFC 2018 3 */
	TCP_OPT_TS = 8,      /* RFC 7323 3 */
};

/* p0f TCP quirks, as a bit set in tcp_segment.quirks. */
enum {
	TCP_Q_SEQ_MINUS = 1u << 0,  /* "seq-": sequence number zero */
	TCP_Q_ACK_PLUS = 1u << 1,   /* "ack+": ACK number non-zero, ACK flag clear */
	TCP_Q_ACK_MINUS = 1u << 2,  /* "ack-": ACK number zero, ACK flag set */
	TCP_Q_UPTR_PLUS = 1u << 3,  /* "uptr+": urgent pointer non-zero, URG clear */
	TCP_Q_URGF_PLUS = 1u << 4,  /* "urgf+": URG set */
	TCP_Q_PUSHF_PLUS = 1u << 5, /* "pushf+": PSH set */
	TCP_Q_TS1_MINUS = 1u << 6,  /* "ts1-": own timestamp zero */
	TCP_Q_TS2_PLUS = 1u << 7,   /* "ts2+": peer timestamp non-zero on an initial SYN */
	TCP_Q_OPT_PLUS = 1u << 8,   /* "opt+": non-zero bytes after EOL */
	TCP_Q_EXWS = 1u << 9,       /* "exws": window scale above 14 */
	TCP_Q_BAD = 1u << 10,       /* "bad": malformed options; parsing stopped there */
	TCP_Q_ECN = 1u << 11,       /* "ecn": ECE, CWR or AE set */
};

/*
 * One TCP header. `opt_kinds` lists the well-formed options in order, EOL
 * included (its trailing byte count is `eol_pad`: p0f "eol+N"); a malformed
 * option stops the walk, is not listed and sets TCP_Q_BAD. The checksum is
 * not verified. Cursors point into the caller's buffer; `payload` is what the
 * IP layer gave after the header (possibly cut by the capture: see the IP
 * decoder's `truncated`).
 */
struct tcp_segment {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;     /* data offset in 32-bit words, 5..15 */
	uint8_t hdr_len;  /* doff * 4 */
	uint8_t reserved; /* the 3 reserved bits */
	uint16_t flags;   /* TCP_FIN .. TCP_AE */
	uint16_t window;
	uint16_t checksum;
	uint16_t urg_ptr;

	bool has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t n_sack; /* SACK blocks (RFC 2018 3) */

	uint8_t n_opts;
	uint8_t opt_kinds[TCP_MAX_OPTS];
	uint8_t eol_pad; /* bytes after EOL */
	uint8_t opt_len; /* hdr_len - 20 */
	struct cursor options;

	uint32_t quirks; /* TCP_Q_* */
	bool has_payload;
	struct cursor payload;
};

/*
 * Decode the TCP header at *in (the IP payload); *in is not advanced.
 * Returns false only when the header itself is broken: fewer than 20 bytes,
 * data offset below 5 or past the captured bytes (RFC 9293 3.1). Malformed
 * options still return true, with TCP_Q_BAD set.
 */
bool tcp_decode(const struct cursor *in, struct tcp_segment *out);

/* An initial SYN: SYN set, ACK clear. */
bool tcp_is_syn(const struct tcp_segment *t);

/* A SYN+ACK: both set. */
bool tcp_is_synack(const struct tcp_segment *t);

#endif
