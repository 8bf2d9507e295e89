/*
 * tcp.c - RFC 9293 TCP header and options (MSS; RFC 7323 window scale and
 * timestamps; RFC 2018 SACK), with the p0f quirk inputs.
 */
#include <string.h>

#include "sensor/decode/tcp.h"

#define TCP_MAX_WSCALE 14 /* RFC 7323 2.3: larger shifts are used as 14 */

static void
add_kind(struct tcp_segment *t, uint8_t kind)
{
	if (t->n_opts < TCP_MAX_OPTS)
		t->opt_kinds[t->n_opts++] = kind;
}

/* Check a fixed-length option; a wrong length makes the options malformed. */
static bool
want_len(uint8_t len, uint8_t expect)
{
	return len == expect;
}

/*
 * RFC 9293 3.2: an option is either one octet (EOL, NOP) or kind, length
 * (counting kind and length) and data. Each option's data is read through a
 * sub-cursor of its length.
 */
static void
decode_options(struct cursor c, struct tcp_segment *t)
{
	while (c.rem > 0) {
		struct cursor opt;
		uint8_t kind, len, b;
		bool ok = true;

		cursor_u8(&c, &kind);
		if (kind == TCP_OPT_EOL) {
			/* RFC 9293 3.2: end of the option list; the rest is padding. */
			add_kind(t, kind);
			t->eol_pad = (uint8_t)c.rem;
			while (cursor_u8(&c, &b))
				if (b != 0)
					t->quirks |= TCP_Q_OPT_PLUS;
			return;
		}
		if (kind == TCP_OPT_NOP) {
			add_kind(t, kind);
			continue;
		}
		/* Length octet present, at least 2, and within the header. */
		if (!cursor_u8(&c, &len) || len < 2 || !cursor_sub(&c, (size_t)len - 2, &opt)) {
			t->quirks |= TCP_Q_BAD;
			return;
		}
		switch (kind) {
		case TCP_OPT_MSS: /* RFC 9293 3.2: length 4 */
			if ((ok = want_len(len, 4))) {
				cursor_u16be(&opt, &t->mss);
				t->has_mss = true;
			}
			break;
		case TCP_OPT_WS: /* RFC 7323 2.2: length 3 */
			if ((ok = want_len(len, 3))) {
				cursor_u8(&opt, &t->ws);
				t->has_ws = true;
				if (t->ws > TCP_MAX_WSCALE)
					t->quirks |= TCP_Q_EXWS;
			}
			break;
		case TCP_OPT_SACK_OK: /* RFC 2018 2: length 2 */
			if ((ok = want_len(len, 2)))
				t->sack_ok = true;
			break;
		case TCP_OPT_SACK: /* RFC 2018 3: 2 + 8n, n >= 1 */
			if ((ok = len >= 10 && (len - 2) % 8 == 0))
				t->n_sack = (uint8_t)((len - 2) / 8);
			break;
		case TCP_OPT_TS: /* RFC 7323 3.2: length 10; TSval, TSecr */
			if ((ok = want_len(len, 10))) {
				cursor_u32be(&opt, &t->tsval);
				cursor_u32be(&opt, &t->tsecr);
				t->has_ts = true;
			}
			break;
		default:
			break;
		}
		if (!ok) {
			t->quirks |= TCP_Q_BAD;
			return;
		}
		add_kind(t, kind);
	}
}

bool
tcp_decode(const struct cursor *in, struct tcp_segment *out)
{
	struct cursor c = *in;
	const uint8_t *h;
	uint16_t off_flags;

	memset(out, 0, sizeof(*out));
	/* RFC 9293 3.1 "Header Format": the fixed part, then its fields. */
	if (!cursor_ptr(&c, &h, TCP_MIN_HDR))
		return false;
	out->sport = cursor_get16be(h);
	out->dport = cursor_get16be(h + 2);
	out->seq = cursor_get32be(h + 4);
	out->ack = cursor_get32be(h + 8);
	off_flags = cursor_get16be(h + 12);
	out->window = cursor_get16be(h + 14);
	out->checksum = cursor_get16be(h + 16);
	out->urg_ptr = cursor_get16be(h + 18);
	out->doff = (uint8_t)(off_flags >> 12);
	out->reserved = (uint8_t)((off_flags >> 9) & 0x07);
	out->flags = off_flags & 0x01ff;
	/* RFC 9293 3.1 Data Offset: the header is at least 5 words and must be all there. */
	if (out->doff < 5)
		return false;
	out->hdr_len = (uint8_t)(out->doff * 4);
	out->opt_len = (uint8_t)(out->hdr_len - TCP_MIN_HDR);
	if (!cursor_sub(&c, out->opt_len, &out->options))
		return false;
	out->payload = c;
	out->has_payload = c.rem > 0;

	decode_options(out->options, out);

	if (out->seq == 0)
		out->quirks |= TCP_Q_SEQ_MINUS;
	if (out->ack != 0 && !(out->flags & TCP_ACK))
		out->quirks |= TCP_Q_ACK_PLUS;
	if (out->ack == 0 && (out->flags & TCP_ACK))
		out->quirks |= TCP_Q_ACK_MINUS;
	if (out->urg_ptr != 0 && !(out->flags & TCP_URG))
		out->quirks |= TCP_Q_UPTR_PLUS;
	if (out->flags & TCP_URG)
		out->quirks |= TCP_Q_URGF_PLUS;
	if (out->flags & TCP_PSH)
		out->quirks |= TCP_Q_PUSHF_PLUS;
	if (out->flags & (TCP_ECE | TCP_CWR | TCP_AE))
		out->quirks |= TCP_Q_ECN;
	if (out->has_ts && out->tsval == 0)
		out->quirks |= TCP_Q_TS1_MINUS;
	/* RFC 7323 3.2: TSecr is only valid with ACK, so an initial SYN should send 0. */
	if (out->has_ts && out->tsecr != 0 && tcp_is_syn(out))
		out->quirks |= TCP_Q_TS2_PLUS;
	return true;
}

bool
tcp_is_syn(const struct tcp_segment *t)
{
	return (t->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

bool
tcp_is_synack(const struct tcp_segment *t)
{
	return (t->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
}
