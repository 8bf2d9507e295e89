/* ntlmssp.c - NTLMSSP NEGOTIATE builder and CHALLENGE parser: [MS-NLMP] 2.2.1.1, 2.2.1.2, 2.2.2. */
#include <string.h>

#include "sensor/decode/ntlmssp.h"

static const uint8_t ntlmssp_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

#define NTLMSSP_NEGOTIATE     1 /* MessageType (2.2.1.1) */
#define NTLMSSP_CHALLENGE     2 /* MessageType (2.2.1.2) */
#define NTLMSSP_REVISION_W2K3 0x0f

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

size_t
ntlmssp_build_negotiate(uint8_t *out, size_t outlen, uint32_t flags)
{
	bool ver = (flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
	size_t n = ver ? NTLMSSP_NEGOTIATE_LEN : NTLMSSP_NEGOTIATE_LEN0;

	if (out == NULL || outlen < n)
		return 0;
	/* We supply neither domain nor workstation (2.2.1.1). */
	flags &= ~(NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
	           NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
	memset(out, 0, n);
	memcpy(out, ntlmssp_sig, sizeof(ntlmssp_sig));
	put32(out + 8, NTLMSSP_NEGOTIATE);
	put32(out + 12, flags);
	/* DomainNameFields, WorkstationFields: Len 0, MaxLen 0, offset of the empty payload. */
	put32(out + 20, (uint32_t)n);
	put32(out + 28, (uint32_t)n);
	/* VERSION (2.2.2.10): only the revision; product version and build stay 0. */
	if (ver)
		out[39] = NTLMSSP_REVISION_W2K3;
	return n;
}

/* Append the UTF-8 form of code point cp when all of it fits. */
static bool
put_utf8(char *out, size_t outsz, size_t *w, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*w + n + 1 > outsz)
		return false;
	memcpy(out + *w, b, n);
	*w += n;
	return true;
}

size_t
ntlmssp_utf16le_to_utf8(const uint8_t *in, size_t inlen, char *out, size_t outsz, bool *truncated)
{
	size_t i = 0, w = 0;
	bool cut = false;

	if (truncated)
		*truncated = false;
	if (out == NULL || outsz == 0)
		return 0;
	while (i < inlen) {
		uint32_t cp;
		size_t used = 2;

		if (inlen - i < 2) {
			cp = 0xfffd; /* odd trailing byte */
			used = 1;
		} else {
			uint16_t u = (uint16_t)(in[i] | (in[i + 1] << 8));

			cp = u;
			if (u >= 0xd800 && u <= 0xdbff) {
				uint16_t lo = 0;

				if (inlen - i >= 4)
					lo = (uint16_t)(in[i + 2] | (in[i + 3] << 8));
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) +
					     (lo - 0xdc00);
					used = 4;
				} else {
					cp = 0xfffd; /* high surrogate not followed by a low one */
				}
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				cp = 0xfffd; /* lone low surrogate */
			}
		}
		if (!put_utf8(out, outsz, &w, cp)) {
			cut = true;
			break;
		}
		i += used;
	}
	out[w] = '\0';
	if (truncated)
		*truncated = cut;
	return w;
}

static void
str_set(struct ntlmssp_str *s, const uint8_t *p, size_t n, bool unicode)
{
	bool cut = false;

	s->present = true;
	if (unicode) {
		s->len = (uint16_t)ntlmssp_utf16le_to_utf8(p, n, s->s, sizeof(s->s), &cut);
	} else {
		/* OEM code page: unknown to us, kept as raw bytes for the caller to escape. */
		if (n > sizeof(s->s) - 1) {
			n = sizeof(s->s) - 1;
			cut = true;
		}
		if (n)
			memcpy(s->s, p, n);
		s->s[n] = '\0';
		s->len = (uint16_t)n;
	}
	s->truncated = cut;
}

/*
 * A payload field: Len, MaxLen, BufferOffset (2.2.1.2). The bytes must lie
 * inside the message; MaxLen is not used by receivers and is ignored.
 */
static bool
field_read(struct cursor *c, uint16_t *len, uint32_t *off)
{
	uint16_t maxlen;

	cursor_u16le(c, len);
	cursor_u16le(c, &maxlen);
	cursor_u32le(c, off);
	return cursor_ok(c);
}

static bool
field_sub(const struct cursor *msg, uint16_t len, uint32_t off, struct cursor *out)
{
	struct cursor t = *msg;

	if (len == 0) {
		*out = cursor_init(NULL, 0);
		return true;
	}
	return cursor_skip(&t, off) && cursor_sub(&t, len, out);
}

static struct ntlmssp_str *
av_slot(struct ntlmssp_challenge *ch, uint16_t id)
{
	switch (id) {
	case MSV_AV_NB_COMPUTER_NAME:
		return &ch->nb_computer;
	case MSV_AV_NB_DOMAIN_NAME:
		return &ch->nb_domain;
	case MSV_AV_DNS_COMPUTER_NAME:
		return &ch->dns_computer;
	case MSV_AV_DNS_DOMAIN_NAME:
		return &ch->dns_domain;
	case MSV_AV_DNS_TREE_NAME:
		return &ch->dns_tree;
	default:
		return NULL;
	}
}

/*
 * Target info: a list of AV_PAIRs (AvId, AvLen, Value) ending with MsvAvEOL
 * (2.2.2.1). Each value is read through a sub-cursor of AvLen bytes; a pair
 * that overruns the list makes the message malformed. Bytes after MsvAvEOL
 * are ignored.
 */
static bool
target_info(struct cursor ti, struct ntlmssp_challenge *ch)
{
	uint16_t seen = 0; /* bit per AvId 1..10 */

	ch->has_target_info = true;
	while (ti.rem > 0) {
		uint16_t id, len;
		struct cursor v;
		struct ntlmssp_str *s;

		cursor_u16le(&ti, &id);
		cursor_u16le(&ti, &len);
		if (!cursor_ok(&ti) || !cursor_sub(&ti, len, &v))
			return false;
		if (id == MSV_AV_EOL) {
			ch->av_eol = true; /* 2.2.2.1: AvLen MUST be 0; ignored if not */
			break;
		}
		if (ch->av_pairs < UINT16_MAX)
			ch->av_pairs++;
		if (id >= 1 && id <= 15) {
			if (seen & (1u << id)) {
				if (ch->av_duplicates < UINT16_MAX)
					ch->av_duplicates++;
				continue;
			}
			seen = (uint16_t)(seen | (1u << id));
		}
		if ((s = av_slot(ch, id)) != NULL) {
			/* Names are UTF-16LE without terminator (2.2.2.1), whatever the flags say. */
			if (len % 2)
				ch->av_odd = true;
			str_set(s, v.p, v.rem, true);
		} else if (id == MSV_AV_TIMESTAMP) {
			if (len == 8)
				ch->has_timestamp = cursor_u64le(&v, &ch->timestamp);
			else
				ch->av_odd = true;
		} else if (id == MSV_AV_FLAGS) {
			if (len == 4)
				ch->has_av_flags = cursor_u32le(&v, &ch->av_flags);
			else
				ch->av_odd = true;
		}
	}
	return true;
}

bool
ntlmssp_parse_challenge(struct cursor *c, struct ntlmssp_challenge *out)
{
	struct cursor msg = *c, r = *c, f;
	uint8_t sig[8];
	uint32_t type, tn_off = 0, ti_off = 0, payload_start = UINT32_MAX;
	uint16_t tn_len = 0, ti_len = 0;
	bool has_ti = false;

	memset(out, 0, sizeof(*out));
	/* Signature, MessageType (2.2.1.2). */
	cursor_bytes(&r, sig, sizeof(sig));
	cursor_u32le(&r, &type);
	if (!cursor_ok(&r) || memcmp(sig, ntlmssp_sig, sizeof(sig)) != 0 ||
	    type != NTLMSSP_CHALLENGE)
		return false;
	field_read(&r, &tn_len, &tn_off);
	cursor_u32le(&r, &out->flags);
	cursor_bytes(&r, out->server_challenge, sizeof(out->server_challenge));
	if (!cursor_ok(&r))
		return false;
	if (tn_len)
		payload_start = tn_off;
	/*
	 * Reserved and TargetInfoFields: absent in 32-byte messages from
	 * pre-NTLMv2 servers; read when the message is long enough and the
	 * target name does not start inside them.
	 */
	if (r.rem >= 16 && payload_start >= 48) {
		cursor_skip(&r, 8);
		field_read(&r, &ti_len, &ti_off);
		has_ti = true;
		if (ti_len && ti_off < payload_start)
			payload_start = ti_off;
	}
	/* VERSION (2.2.2.10): present when negotiated and the payload leaves room for it. */
	if (has_ti && (out->flags & NTLMSSP_NEGOTIATE_VERSION) && r.rem >= 8 &&
	    payload_start >= 56) {
		uint8_t rsv[3];

		cursor_u8(&r, &out->version.major);
		cursor_u8(&r, &out->version.minor);
		cursor_u16le(&r, &out->version.build);
		cursor_bytes(&r, rsv, sizeof(rsv));
		cursor_u8(&r, &out->version.revision);
		out->version.present = cursor_ok(&r);
	}
	if (!field_sub(&msg, tn_len, tn_off, &f))
		return false;
	if (tn_len)
		str_set(&out->target_name, f.p, f.rem,
		        (out->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0);
	if (has_ti && ti_len) {
		if (!field_sub(&msg, ti_len, ti_off, &f) || !target_info(f, out))
			return false;
	}
	cursor_skip(c, c->rem);
	return true;
}

/*
 * Windows releases by VERSION (2.2.2.10). Client and server releases that
 * share a build share a line. Sources: Microsoft's release-information pages
 * for Windows 10/11 and Windows Server.
 */
static const struct {
	uint8_t major, minor;
	uint16_t build;
	const char *name;
} releases[] = {
        {5, 0, 2195, "Windows 2000"},
        {5, 1, 2600, "Windows XP"},
        {5, 2, 3790, "Windows Server 2003 / XP x64"},
        {6, 0, 6000, "Windows Vista"},
        {6, 0, 6001, "Windows Vista SP1 / Server 2008"},
        {6, 0, 6002, "Windows Vista SP2 / Server 2008 SP2"},
        {6, 0, 6003, "Windows Server 2008 SP2"},
        {6, 1, 7600, "Windows 7 / Server 2008 R2"},
        {6, 1, 7601, "Windows 7 SP1 / Server 2008 R2 SP1"},
        {6, 2, 9200, "Windows 8 / Server 2012"},
        {6, 3, 9600, "Windows 8.1 / Server 2012 R2"},
        {10, 0, 10240, "Windows 10 1507"},
        {10, 0, 10586, "Windows 10 1511"},
        {10, 0, 14393, "Windows 10 1607 / Server 2016"},
        {10, 0, 15063, "Windows 10 1703"},
        {10, 0, 16299, "Windows 10 1709"},
        {10, 0, 17134, "Windows 10 1803"},
        {10, 0, 17763, "Windows 10 1809 / Server 2019"},
        {10, 0, 18362, "Windows 10 1903"},
        {10, 0, 18363, "Windows 10 1909"},
        {10, 0, 19041, "Windows 10 2004"},
        {10, 0, 19042, "Windows 10 20H2"},
        {10, 0, 19043, "Windows 10 21H1"},
        {10, 0, 19044, "Windows 10 21H2"},
        {10, 0, 19045, "Windows 10 22H2"},
        {10, 0, 20348, "Windows Server 2022"},
        {10, 0, 22000, "Windows 11 21H2"},
        {10, 0, 22621, "Windows 11 22H2"},
        {10, 0, 22631, "Windows 11 23H2"},
        {10, 0, 25398, "Windows Server 23H2"},
        {10, 0, 26100, "Windows 11 24H2 / Server 2025"},
};

const char *
ntlmssp_windows_release(uint8_t major, uint8_t minor, uint16_t build)
{
	if (build == 0)
		return NULL; /* no Windows release; Samba's constant (ntlmssp_is_samba) */
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
		if (releases[i].major == major && releases[i].minor == minor &&
		    releases[i].build == build)
			return releases[i].name;
	if (major == 10 && minor == 0)
		return "Windows 10/11 or Server 2016+";
	if (major == 6 && minor == 3)
		return "Windows 8.1 / Server 2012 R2";
	if (major == 6 && minor == 2)
		return "Windows 8 / Server 2012";
	if (major == 6 && minor == 1)
		return "Windows 7 / Server 2008 R2";
	if (major == 6 && minor == 0)
		return "Windows Vista / Server 2008";
	return NULL;
}

/*
 * Samba fills VERSION with constants, not the host's OS: 6.1, build 0,
 * revision 15 (seen from Samba 4.17 on Debian 12 in the lab and in the golden
 * tests/data/smb/samba-session-setup.bin). Every Windows release reports its
 * real, non-zero build, so build 0 is the tell; the names are no evidence
 * (a Samba DC sends the same AV_PAIRs as Windows).
 */
bool
ntlmssp_is_samba(const struct ntlmssp_challenge *ch)
{
	return ch->version.present && ch->version.major == 6 && ch->version.minor == 1 &&
	       ch->version.build == 0;
}
