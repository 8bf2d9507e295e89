/*
 * capture.c - libpcap live and offline capture with the sensor's BPF filter,
 * and a faster reader for the common kind of capture file.
 *
 * Reading a file through libpcap costs two stdio reads and a copy per packet,
 * one packet at a time. A classic pcap file written in this machine's byte
 * order (format 2.4, Ethernet) is read here instead, in large blocks, and
 * handed out in batches; while one packet is decoded, the host table is told
 * which host a packet a few places ahead will concern, so its memory is on
 * the way (capture_set_prefetch). libpcap still opens the file, checks its
 * header and compiles the filter; every record is held to the same limits
 * libpcap applies and filtered by the same BPF program, and the first record
 * that is not plainly well-formed (too long, cut short) is handed back to
 * libpcap at its offset, so what comes out, errors included, is what libpcap
 * would give.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/muster.h"
#include "sensor/capture.h"

/*
 * What the decoders read: ARP; DHCP (67/68), DHCPv6 (546/547), NetBIOS
 * (137/138), SSDP (1900), mDNS (5353), LLMNR (5355); ICMPv6 (NDP); TCP SYN
 * and SYN+ACK over IPv4 (and over IPv6 without extension headers); LLDP;
 * 802.3 frames (CDP over SNAP). The same again inside one VLAN tag.
 */
#define SENSOR_FILTER                                                                              \
	"arp or (udp and (port 67 or port 68 or port 546 or port 547 or port 137 or port 138 or "  \
	"port 1900 or port 5353 or port 5355)) or icmp6 or (tcp and tcp[tcpflags] & tcp-syn != "   \
	"0) "                                                                                      \
	"or (ip6 and ip6[6] == 6 and ip6[53] & 2 != 0) or ether proto 0x88cc or ether[12:2] <= "   \
	"1500"

static const char filter_text[] = "(" SENSOR_FILTER ") or (vlan and (" SENSOR_FILTER "))";

/*
 * The UDP ports of SENSOR_FILTER as a bit set, read from the filter text
 * itself (every "port N"), so the two cannot drift apart.
 */
static uint8_t filter_ports[65536 / 8];
static bool filter_ports_read;

static void
read_filter_ports(void)
{
	const char *p = filter_text;

	while ((p = strstr(p, "port ")) != NULL) {
		unsigned v = 0;
		for (p += 5; *p >= '0' && *p <= '9' && v < 65536; p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (v < 65536)
			filter_ports[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	filter_ports_read = true;
}

/* pcap file format (pcap-savefile(5)): magic numbers in the writer's byte order. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_FILE_HDR   24
#define PCAP_REC_HDR    16
/* libpcap's largest packet for Ethernet (MAXIMUM_SNAPLEN): longer records are its to judge. */
#define PCAP_MAX_CAPLEN 262144u

#define FAST_BUF    (256u * 1024u) /* larger records are left to libpcap */
#define FAST_BATCH  256            /* packets handed out per batch (fewer start unfetched) */
#define FAST_AHEAD  3              /* packets between prefetch stages 0 and 1 */
#define FAST_STAGES 2              /* stage 0 runs FAST_STAGES * FAST_AHEAD packets ahead */
#define FAST_LAST   1              /* stage FAST_STAGES (the last) runs this many ahead */

struct fast_pkt {
	const uint8_t *data;
	uint32_t caplen, len;
	struct timeval ts;
};

/* The fast reader's state: a block of the file and where it stands. */
struct fast {
	int fd;
	bool nsec;
	uint32_t snap;   /* libpcap's snapshot length for the file */
	uint8_t *buf;    /* FAST_BUF bytes */
	size_t pos, end; /* unread bytes: buf[pos, end) */
	off_t off;       /* file offset of buf[pos] */
	bool at_eof;     /* read() said end of file */
	bool give_back;  /* the record at off is for libpcap */
	bool quick;      /* quick_filter() agrees with the BPF program here */
	struct fast_pkt batch[FAST_BATCH];
};

struct capture {
	pcap_t *p;
	int dlt;
	bool live;
	capture_fn fn;
	void *arg;
	capture_prefetch_fn prefetch;
	void *prefetch_arg;
	struct bpf_program prog; /* the compiled filter, kept for the fast reader */
	bool has_prog;
	struct fast *fast; /* NULL: libpcap reads */
};

const char *
capture_filter(void)
{
	return filter_text;
}

bool
capture_dlt_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2;
}

const char *
capture_dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);
	return n ? n : "unknown";
}

static int
apply_filter(struct capture *c, char *err, size_t errlen)
{
	if (!capture_dlt_supported(c->dlt))
		return 0; /* nothing to filter: such packets are skipped and counted */
	if (pcap_compile(c->p, &c->prog, filter_text, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "BPF filter: %s", pcap_geterr(c->p));
		return MUSTER_EINVAL;
	}
	if (pcap_setfilter(c->p, &c->prog) != 0) {
		snprintf(err, errlen, "BPF filter: %s", pcap_geterr(c->p));
		pcap_freecode(&c->prog);
		return MUSTER_EINVAL;
	}
	c->has_prog = true;
	return 0;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One of the UDP ports of SENSOR_FILTER. */
static bool
filter_port(uint16_t port)
{
	return filter_ports[port / 8] & (1u << (port % 8));
}

/*
 * The filter's verdict on the frames most captures are made of, worked out
 * directly: 1 passes, 0 does not, -1 not known here (the BPF program
 * decides). Only untagged Ethernet with ARP, or IPv4 carrying UDP or TCP,
 * and only when every byte the filter looks at is in the frame, so no
 * question of what a short frame does to the program arises: ARP passes;
 * a later IPv4 fragment, or another protocol over IPv4, matches no part of
 * the filter; UDP passes on one of the ports, TCP on SYN. fast_open() checks
 * these answers against the compiled program before it relies on them.
 */
static int
quick_filter(const uint8_t *p, uint32_t caplen)
{
	uint32_t x;

	if (caplen < 14)
		return -1;
	if (be16(p + 12) == 0x0806)
		return 1;
	if (be16(p + 12) != 0x0800 || caplen < 34)
		return -1;
	if (p[23] != 17 && p[23] != 6)
		return 0;
	if (be16(p + 20) & 0x1fff)
		return 0; /* not the first fragment: no transport header */
	x = 14 + 4u * (p[14] & 0x0f);
	if (p[23] == 17) {
		if (caplen < x + 4)
			return -1;
		return filter_port(be16(p + x)) || filter_port(be16(p + x + 2));
	}
	if (caplen < x + 14)
		return -1;
	return (p[x + 13] & 0x02) != 0;
}

/*
 * Does quick_filter() give the compiled program's answer on frames of each
 * kind it judges (ARP; UDP to and from each port and others; TCP with and
 * without SYN; other protocols; fragments; IPv4 options)?
 */
static bool
quick_filter_agrees(const struct bpf_program *prog)
{
	uint16_t ports[64];
	size_t np = 0;
	uint8_t f[128];
	struct pcap_pkthdr h = {.caplen = sizeof(f), .len = sizeof(f)};
	int n = 0;

	if (!filter_ports_read)
		read_filter_ports();
	/* Every port the filter names, and some it does not. */
	for (unsigned v = 0; v < 65536 && np < MUSTER_NELEM(ports) - 4; v++)
		if (filter_port((uint16_t)v))
			ports[np++] = (uint16_t)v;
	ports[np++] = 0;
	ports[np++] = 53;
	ports[np++] = 80;
	ports[np++] = 443;
	for (int kind = 0; kind < 10; kind++) {
		for (size_t pi = 0; pi < np; pi++) {
			for (int where = 0; where < 2; where++) {
				uint32_t x;
				int q;
				memset(f, 0, sizeof(f));
				f[12] = 0x08;
				f[13] = kind == 0 ? 0x06 : 0x00;
				f[14] = kind == 5 ? 0x46 : 0x45; /* IHL 5, or 6 with options */
				f[23] = kind == 3 || kind == 4 ? 6 : kind == 7 ? 1 : 17;
				if (kind == 6)
					f[21] = 0x10; /* a later fragment */
				if (kind == 8)
					f[20] = 0x20; /* more fragments, offset 0: the first */
				x = 14 + 4u * (f[14] & 0x0f);
				f[x + 2 * where] = (uint8_t)(ports[pi] >> 8);
				f[x + 2 * where + 1] = (uint8_t)ports[pi];
				if (kind == 3)
					f[x + 13] = 0x02; /* SYN */
				if (kind == 4)
					f[x + 13] = 0x10; /* ACK */
				if (kind == 9)
					f[x + 13] =
					        0x12; /* UDP with bits where TCP has its flags */
				if ((q = quick_filter(f, h.caplen)) < 0)
					continue;
				n++;
				if (q != (pcap_offline_filter(prog, &h, f) != 0))
					return false;
			}
		}
	}
	return n > 0;
}

static void
fast_free(struct fast *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f);
}

/*
 * Take over reading when libpcap would read the file exactly as the fast
 * reader does: a regular file, pcap format 2.4 in our byte order (so no
 * swapping of any kind), Ethernet, the filter in place. NULL otherwise.
 */
static struct fast *
fast_open(struct capture *c, const char *path)
{
	uint8_t hdr[PCAP_FILE_HDR];
	uint32_t magic;
	struct stat st;
	struct fast *f;

	if (strcmp(path, "-") == 0 || c->dlt != DLT_EN10MB || !c->has_prog ||
	    pcap_is_swapped(c->p) || pcap_major_version(c->p) != 2 ||
	    pcap_minor_version(c->p) != 4 || pcap_snapshot(c->p) <= 0)
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(f->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		goto fail;
	memcpy(&magic, hdr, sizeof(magic));
	if (magic != PCAP_MAGIC_USEC && magic != PCAP_MAGIC_NSEC)
		goto fail;
	if ((f->buf = malloc(FAST_BUF)) == NULL)
		goto fail;
	f->nsec = magic == PCAP_MAGIC_NSEC;
	f->snap = (uint32_t)pcap_snapshot(c->p);
	f->off = PCAP_FILE_HDR;
	if (lseek(f->fd, f->off, SEEK_SET) != f->off)
		goto fail;
	(void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	f->quick = quick_filter_agrees(&c->prog);
	return f;
fail:
	fast_free(f);
	return NULL;
}

/* Move the unread bytes to the front and read more. 0, or MUSTER_EIO (reason in err). */
static int
fast_fill(struct fast *f, char *err, size_t errlen)
{
	ssize_t r;

	if (f->pos > 0) {
		memmove(f->buf, f->buf + f->pos, f->end - f->pos);
		f->end -= f->pos;
		f->pos = 0;
	}
	while (!f->at_eof && f->end < FAST_BUF) {
		r = read(f->fd, f->buf + f->end, FAST_BUF - f->end);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "error reading dump file: %s", strerror(errno));
			return MUSTER_EIO;
		}
		if (r == 0)
			f->at_eof = true;
		f->end += (size_t)r;
	}
	return 0;
}

static uint32_t
le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v)); /* the file is in our byte order */
	return v;
}

/*
 * Gather up to FAST_BATCH packets that pass the filter from the block. Stops
 * early at a record that is not whole in the block (when some packets are
 * gathered already) and at one that is libpcap's to read (give_back).
 */
static int
fast_gather(struct capture *c, struct fast *f, int max, int *got, char *err, size_t errlen)
{
	int n = 0, rc;

	while (n < max && !f->give_back) {
		size_t avail = f->end - f->pos;
		const uint8_t *h = f->buf + f->pos;
		uint32_t caplen = 0, len;
		bool whole = avail >= PCAP_REC_HDR;

		if (whole) {
			caplen = le32(h + 8);
			/*
			 * Longer than libpcap takes as it is (libpcap cuts or
			 * refuses it), or than the block holds: libpcap's.
			 */
			if (caplen > f->snap || caplen > PCAP_MAX_CAPLEN ||
			    caplen > FAST_BUF - PCAP_REC_HDR) {
				f->give_back = true;
				break;
			}
			whole = avail - PCAP_REC_HDR >= caplen;
		}
		if (!whole) {
			if (n > 0)
				break; /* deliver these first: refilling moves the block */
			if (f->at_eof) {
				/* A whole file ends exactly here; else libpcap says what is wrong. */
				f->give_back = avail > 0;
				break;
			}
			if ((rc = fast_fill(f, err, errlen)) != 0)
				return rc;
			continue;
		}
		len = le32(h + 12);
		struct fast_pkt *pk = &f->batch[n];
		struct pcap_pkthdr ph;
		/* The header's fields are 32-bit signed, as libpcap reads them. */
		ph.ts.tv_sec = (int32_t)le32(h);
		ph.ts.tv_usec = (int32_t)le32(h + 4);
		if (f->nsec)
			ph.ts.tv_usec /= 1000;
		ph.caplen = caplen;
		ph.len = len;
		f->pos += PCAP_REC_HDR + caplen;
		f->off += PCAP_REC_HDR + (off_t)caplen;
		int q = f->quick ? quick_filter(h + PCAP_REC_HDR, caplen) : -1;
		if (q == 0 || (q < 0 && !pcap_offline_filter(&c->prog, &ph, h + PCAP_REC_HDR)))
			continue;
		pk->data = h + PCAP_REC_HDR;
		pk->caplen = caplen;
		pk->len = len;
		pk->ts = ph.ts;
		n++;
	}
	*got = n;
	return 0;
}

/* Hand the rest of the file to libpcap, from the record the fast reader stopped at. */
static int
fast_give_back(struct capture *c, char *err, size_t errlen)
{
	FILE *fp = pcap_file(c->p);
	off_t off = c->fast->off;

	fast_free(c->fast);
	c->fast = NULL;
	if (fp == NULL || fseeko(fp, off, SEEK_SET) != 0) {
		snprintf(err, errlen, "error reading dump file: cannot seek");
		return MUSTER_EIO;
	}
	return 0;
}

static int
fast_dispatch(struct capture *c, int max, capture_fn fn, void *arg, char *err, size_t errlen)
{
	struct fast *f = c->fast;
	int total = 0, n, rc;

	if (max <= 0)
		max = 4096;
	while (total < max) {
		int want = max - total < FAST_BATCH ? max - total : FAST_BATCH;
		if ((rc = fast_gather(c, f, want, &n, err, errlen)) != 0)
			return rc;
		/* The first stage for the packets the loop below starts past. */
		if (c->prefetch)
			for (int j = 0; j < FAST_STAGES * FAST_AHEAD && j < n; j++)
				c->prefetch(c->prefetch_arg, c->dlt, f->batch[j].data,
				            f->batch[j].caplen, 0);
		for (int i = 0; i < n; i++) {
			/* In steps: a host's index entry, then its record. */
			if (c->prefetch) {
				for (int st = 0; st < FAST_STAGES; st++) {
					int j = i + (FAST_STAGES - st) * FAST_AHEAD;
					if (j < n)
						c->prefetch(c->prefetch_arg, c->dlt,
						            f->batch[j].data, f->batch[j].caplen,
						            st);
				}
				if (i + FAST_LAST < n)
					c->prefetch(c->prefetch_arg, c->dlt,
					            f->batch[i + FAST_LAST].data,
					            f->batch[i + FAST_LAST].caplen, FAST_STAGES);
			}
			fn(arg, c->dlt, &f->batch[i].ts, f->batch[i].data, f->batch[i].caplen,
			   f->batch[i].len);
		}
		total += n;
		if (f->give_back) {
			if ((rc = fast_give_back(c, err, errlen)) != 0)
				return rc;
			break;
		}
		if (n == 0)
			break; /* end of file */
	}
	return total;
}

struct capture *
capture_open_live(const char *iface, bool promisc, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->live = true;
	if ((c->p = pcap_create(iface, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		goto fail;
	}
	/* Whole frames of the protocols we read fit in 2 KiB; a small kernel ring. */
	pcap_set_snaplen(c->p, 2048);
	pcap_set_promisc(c->p, promisc);
	pcap_set_immediate_mode(c->p, 1);
	pcap_set_buffer_size(c->p, 2 * 1024 * 1024);
	pcap_set_timeout(c->p, 100);
	if ((rc = pcap_activate(c->p)) < 0) {
		snprintf(err, errlen, "%s: %s", iface,
		         rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc));
		goto fail;
	}
	if (pcap_setnonblock(c->p, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		goto fail;
	}
	c->dlt = pcap_datalink(c->p);
	if (!capture_dlt_supported(c->dlt)) {
		snprintf(err, errlen, "%s: link type %s is not supported", iface,
		         capture_dlt_name(c->dlt));
		goto fail;
	}
	if (apply_filter(c, err, errlen) != 0)
		goto fail;
	return c;
fail:
	capture_close(c);
	return NULL;
}

struct capture *
capture_open_file(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* pcap_open_offline reads both pcap and pcapng. */
	if ((c->p = pcap_open_offline(path, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->p);
	/*
	 * A filter that does not compile for this file (odd link types) is
	 * not an error: the decoders skip what they do not understand.
	 */
	if (apply_filter(c, ebuf, sizeof(ebuf)) != 0)
		(void)0;
	c->fast = fast_open(c, path);
	return c;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	fast_free(c->fast);
	if (c->has_prog)
		pcap_freecode(&c->prog);
	if (c->p)
		pcap_close(c->p);
	free(c);
}

int
capture_dlt(const struct capture *c)
{
	return c->dlt;
}

bool
capture_fast_reader(const struct capture *c)
{
	return c->fast != NULL;
}

int
capture_fd(const struct capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	c->fn(c->arg, c->dlt, &h->ts, bytes, h->caplen, h->len);
}

int
capture_dispatch(struct capture *c, int max, capture_fn fn, void *arg, bool *eof, char *err,
                 size_t errlen)
{
	int n;

	*eof = false;
	c->fn = fn;
	c->arg = arg;
	if (c->fast) {
		if ((n = fast_dispatch(c, max, fn, arg, err, errlen)) < 0)
			return n;
		if (n == 0 && c->fast)
			*eof = true;
		if (n > 0 || c->fast)
			return n;
		/* libpcap has the rest of the file: go on below. */
	}
	n = pcap_dispatch(c->p, max > 0 ? max : (c->live ? -1 : 4096), on_packet, (u_char *)c);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(c->p));
		return MUSTER_EIO;
	}
	if (n == 0 && !c->live)
		*eof = true;
	if (n == PCAP_ERROR_BREAK)
		return 0;
	return n;
}

void
capture_set_prefetch(struct capture *c, capture_prefetch_fn fn, void *arg)
{
	c->prefetch = fn;
	c->prefetch_arg = arg;
}

void
capture_stats(struct capture *c, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat st;

	*received = *dropped = 0;
	if (c->live && pcap_stats(c->p, &st) == 0) {
		*received = st.ps_recv;
		*dropped = st.ps_drop;
	}
}
