/* capture.c - libpcap live and offline capture with the sensor's BPF filter. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct capture {
	pcap_t *p;
	int dlt;
	bool live;
	capture_fn fn;
	void *arg;
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
	struct bpf_program prog;

	if (!capture_dlt_supported(c->dlt))
		return 0; /* nothing to filter: such packets are skipped and counted */
	if (pcap_compile(c->p, &prog, filter_text, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "BPF filter: %s", pcap_geterr(c->p));
		return MUSTER_EINVAL;
	}
	if (pcap_setfilter(c->p, &prog) != 0) {
		snprintf(err, errlen, "BPF filter: %s", pcap_geterr(c->p));
		pcap_freecode(&prog);
		return MUSTER_EINVAL;
	}
	pcap_freecode(&prog);
	return 0;
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
	return c;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}

int
capture_dlt(const struct capture *c)
{
	return c->dlt;
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
capture_stats(struct capture *c, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat st;

	*received = *dropped = 0;
	if (c->live && pcap_stats(c->p, &st) == 0) {
		*received = st.ps_recv;
		*dropped = st.ps_drop;
	}
}
