/*
 * test_capture.c - reading capture files: the fast reader hands out exactly
 * the packets libpcap does, filtered the same, and fails the same way on
 * damaged files (it gives such files back to libpcap where they go wrong).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "common/muster.h"
#include "sensor/capture.h"

#define FRAMES_MAX 4096

/* A capture file being written in memory. */
struct file {
	uint8_t *b;
	size_t n, cap;
};

static void
put(struct file *f, const void *p, size_t n)
{
	if (f->n + n > f->cap) {
		f->cap = (f->n + n) * 2;
		assert_non_null(f->b = realloc(f->b, f->cap));
	}
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put32(struct file *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	put(f, &v, 4);
}

static void
file_header(struct file *f, uint32_t magic, uint16_t major, uint16_t minor, uint32_t snap,
            uint32_t link, bool swap)
{
	uint16_t v[2] = {major, minor};

	put32(f, magic, swap);
	if (swap) {
		v[0] = __builtin_bswap16(v[0]);
		v[1] = __builtin_bswap16(v[1]);
	}
	put(f, v, 4);
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snap, swap);
	put32(f, link, swap);
}

static void
record(struct file *f, uint32_t sec, uint32_t frac, const uint8_t *d, uint32_t caplen, uint32_t len,
       bool swap)
{
	put32(f, sec, swap);
	put32(f, frac, swap);
	put32(f, caplen, swap);
	put32(f, len, swap);
	put(f, d, caplen);
}

/* Frames of the kinds the filter tells apart, and some it has to look at closely. */
static size_t
frame(unsigned kind, unsigned i, uint8_t *d)
{
	static const uint16_t ports[] = {67, 68, 546, 547, 137, 138, 1900, 5353, 5355, 53, 443};
	uint16_t port = ports[i % (sizeof(ports) / sizeof(ports[0]))];
	size_t n = 60 + (i * 37) % 300, ihl = (i % 5 == 0) ? 24 : 20, x;

	memset(d, 0, n + 64);
	memset(d, 0xff, 6);
	d[6] = 0x00;
	d[7] = 0x16;
	d[10] = (uint8_t)(i >> 8);
	d[11] = (uint8_t)i;
	d[12] = 0x08; /* IPv4 unless changed below */
	d[14] = (uint8_t)(0x40 | ihl / 4);
	x = 14 + ihl;
	d[22] = 64;
	switch (kind % 12) {
	case 0: /* ARP */
		d[13] = 0x06;
		break;
	case 1: /* UDP from the port */
	case 2: /* UDP to the port */
		d[23] = 17;
		d[x + (kind % 12 == 1 ? 0 : 2)] = (uint8_t)(port >> 8);
		d[x + (kind % 12 == 1 ? 1 : 3)] = (uint8_t)port;
		break;
	case 3: /* TCP, SYN or not */
		d[23] = 6;
		d[x + 13] = (i & 1) ? 0x02 : 0x10;
		break;
	case 4: /* a later fragment, or the first of several */
		d[23] = (i & 1) ? 17 : 6;
		d[20] = (i & 2) ? 0x20 : 0x00;
		d[21] = (i & 2) ? 0x00 : 0x10;
		d[x + 3] = 67;
		d[x + 13] = 0x02;
		break;
	case 5: /* ICMP */
		d[23] = 1;
		break;
	case 6: /* IPv6: UDP to mDNS, or TCP SYN */
		d[12] = 0x86;
		d[13] = 0xdd;
		d[14] = 0x60;
		d[20] = (i & 1) ? 17 : 6;
		d[14 + 40 + 3] = 0xe9; /* 5353 = 0x14e9 */
		d[14 + 40 + 2] = 0x14;
		d[14 + 40 + 13] = 0x02;
		break;
	case 7: /* 802.1Q with IPv4 UDP to DHCP inside */
		d[12] = 0x81;
		d[13] = 0x00;
		d[16] = 0x08;
		d[18] = 0x45;
		d[27] = 17;
		d[18 + 20 + 3] = 67;
		break;
	case 8: /* LLDP */
		d[12] = 0x88;
		d[13] = 0xcc;
		break;
	case 9: /* 802.3 length */
		d[12] = 0x00;
		d[13] = 0x40;
		break;
	case 10: { /* cut short: in the Ethernet, IP or transport header, or just after */
		size_t cut[] = {10, 13, 14, 33, 34, x + 2, x + 3, x + 4, x + 13, x + 14};
		d[23] = (i / 10) & 1 ? 6 : 17;
		d[x + 3] = 67;
		d[x + 13] = 0x02;
		if ((i / 10) % 3 == 2)
			d[13] = 0x06; /* a short ARP frame */
		return cut[i % 10];
	}
	case 11: /* other EtherType */
		d[12] = 0x08;
		d[13] = 0x06 + 0x30;
		break;
	}
	return n;
}

/* Frames of every kind, enough to take several blocks of the fast reader. */
static void
many_frames(struct file *f, unsigned count, bool nsec, bool swap)
{
	uint8_t d[512];

	for (unsigned i = 0; i < count; i++) {
		size_t n = frame(i % 12 + (i / 12) % 3, i, d);
		uint32_t len = (uint32_t)n + (i % 7 == 0 ? 100 : 0);
		record(f, 1700000000u + i / 10,
		       nsec ? (i % 1000) * 1000000u + 7 : (i % 1000) * 1000u, d, (uint32_t)n, len,
		       swap);
	}
}

/* What came out of a capture: a digest of each packet, in order, and how it ended. */
struct seen {
	size_t n;
	uint64_t digest[FRAMES_MAX];
	int rc;
	char err[PCAP_ERRBUF_SIZE + 300];
};

static uint64_t
digest(long sec, long usec, const uint8_t *d, size_t caplen, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ (uint64_t)sec) * 1099511628211ULL;
	h = (h ^ (uint64_t)usec) * 1099511628211ULL;
	h = (h ^ caplen) * 1099511628211ULL;
	h = (h ^ len) * 1099511628211ULL;
	for (size_t i = 0; i < caplen; i++)
		h = (h ^ d[i]) * 1099511628211ULL;
	return h;
}

static void
on_ours(void *arg, int dlt, const struct timeval *ts, const uint8_t *d, size_t caplen, size_t len)
{
	struct seen *s = arg;

	if (s->n < FRAMES_MAX)
		s->digest[s->n++] = digest(ts->tv_sec, ts->tv_usec, d, caplen, len);
}

static void
on_pcap(u_char *arg, const struct pcap_pkthdr *h, const u_char *d)
{
	struct seen *s = (struct seen *)arg;

	if (s->n < FRAMES_MAX)
		s->digest[s->n++] = digest(h->ts.tv_sec, h->ts.tv_usec, d, h->caplen, h->len);
}

/* Read path through the sensor's capture; true when the fast reader was used. */
static bool
read_ours(const char *path, struct seen *s)
{
	char err[PCAP_ERRBUF_SIZE + 200] = "";
	struct capture *c = capture_open_file(path, err, sizeof(err));
	bool eof = false, fast;
	int n;

	memset(s, 0, sizeof(*s));
	if (c == NULL) {
		s->rc = -1000;
		snprintf(s->err, sizeof(s->err), "%s", err);
		return false;
	}
	fast = capture_fast_reader(c);
	while (!eof) {
		/* Small batches too: what a live caller asks for. */
		n = capture_dispatch(c, s->n % 3 == 0 ? 0 : 7, on_ours, s, &eof, s->err,
		                     sizeof(s->err));
		if (n < 0) {
			s->rc = n;
			break;
		}
	}
	capture_close(c);
	return fast;
}

/* The same file through libpcap alone, with the same filter. */
static void
read_pcap(const char *path, struct seen *s)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, eb);
	struct bpf_program prog;
	int n;

	memset(s, 0, sizeof(*s));
	if (p == NULL) {
		s->rc = -1000;
		snprintf(s->err, sizeof(s->err), "%s: %s", path, eb);
		return;
	}
	/* As capture.c does: no filter where it does not compile for the link type. */
	if (capture_dlt_supported(pcap_datalink(p)) &&
	    pcap_compile(p, &prog, capture_filter(), 1, PCAP_NETMASK_UNKNOWN) == 0) {
		assert_int_equal(pcap_setfilter(p, &prog), 0);
		pcap_freecode(&prog);
	}
	while ((n = pcap_dispatch(p, 4096, on_pcap, (u_char *)s)) > 0)
		;
	if (n < 0) {
		s->rc = MUSTER_EIO;
		snprintf(s->err, sizeof(s->err), "%s", pcap_geterr(p));
	}
	pcap_close(p);
}

static char dir[] = "/tmp/muster-test-capture-XXXXXX";

/* Write f (its first len bytes) and read it both ways; the two must agree. */
static bool
same_both_ways(const struct file *f, size_t len)
{
	static struct seen a, b;
	char path[128];
	FILE *fp;
	bool fast;

	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(f->b, 1, len, fp), len);
	fclose(fp);
	fast = read_ours(path, &a);
	read_pcap(path, &b);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_true(a.digest[i] == b.digest[i]);
	assert_int_equal(a.rc, b.rc);
	if (a.rc != 0)
		assert_string_equal(a.err, b.err);
	unlink(path);
	return fast;
}

static int
setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	return rmdir(dir);
}

/* Thousands of frames of every kind, in microseconds and in nanoseconds. */
static void
test_fast_reader_matches_libpcap(void **state)
{
	for (int nsec = 0; nsec < 2; nsec++) {
		struct file f = {0};
		file_header(&f, nsec ? 0xa1b23c4d : 0xa1b2c3d4, 2, 4, 65535, 1, false);
		many_frames(&f, 3000, nsec, false);
		assert_true(f.n > 300 * 1024); /* more than one block */
		assert_true(same_both_ways(&f, f.n));
		free(f.b);
	}
}

/* Cut anywhere: in the file header, a record header, a packet; the same error. */
static void
test_truncated_files(void **state)
{
	struct file f = {0};
	size_t cuts[] = {0, 10, 24, 25, 39, 40, 41, 100, 262144 + 7, 300000};

	file_header(&f, 0xa1b2c3d4, 2, 4, 65535, 1, false);
	many_frames(&f, 1500, false, false);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		if (cuts[i] < f.n)
			same_both_ways(&f, cuts[i]);
	same_both_ways(&f, f.n - 1);
	same_both_ways(&f, f.n - 20);
	free(f.b);
}

/* Records longer than the snapshot length, than libpcap allows, than a block. */
static void
test_long_records(void **state)
{
	static uint8_t big[300000];
	uint32_t lens[] = {200, 70000, 262144, 262145, 300000, 0x7fffffff};
	uint8_t d[512];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct file f = {0};
		uint32_t snap = i == 0 ? 100 : 262144;
		file_header(&f, 0xa1b2c3d4, 2, 4, snap, 1, false);
		many_frames(&f, 200, false, false);
		frame(1, 3, big);
		if (lens[i] <= sizeof(big)) {
			record(&f, 1, 2, big, lens[i], lens[i], false);
		} else {
			/* A length field far past the data there is. */
			record(&f, 1, 2, big, 100, 100, false);
			memcpy(f.b + f.n - 100 - 8, &lens[i], 4);
		}
		for (unsigned k = 0; k < 50; k++)
			record(&f, 3, k, d, (uint32_t)frame(k, k, d), 400, false);
		same_both_ways(&f, f.n);
		free(f.b);
	}
}

/* Files the fast reader leaves to libpcap: other byte order, old format, other link types. */
static void
test_other_files(void **state)
{
	struct {
		uint32_t magic;
		uint16_t minor;
		uint32_t link;
		bool swap, fast;
	} c[] = {
	        {0xa1b2c3d4, 4, 1, true, false},              /* written big-endian */
	        {0xa1b2c3d4, 3, 1, false, false},             /* 2.3: lengths may be swapped */
	        {0xa1b2c3d4, 4, 113, false, false},           /* Linux cooked */
	        {0xa1b2c3d4, 4, 101, false, false},           /* raw IP */
	        {0xa1b2c3d4, 4, 1 | 0x10000000, false, true}, /* FCS length bits */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct file f = {0};
		file_header(&f, c[i].magic, 2, c[i].minor, 65535, c[i].link, c[i].swap);
		many_frames(&f, 500, false, c[i].swap);
		assert_int_equal(same_both_ways(&f, f.n), c[i].fast);
		free(f.b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fast_reader_matches_libpcap),
	        cmocka_unit_test(test_truncated_files),
	        cmocka_unit_test(test_long_records),
	        cmocka_unit_test(test_other_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
