/*
 * report_driver.c - test driver for the sensor's reporter: feeds a fixed set
 * of made-up hosts into a sensor store through the host table (as a capture
 * would) and runs the reporter against a server, from a poll loop like the
 * daemon's. Hosts are deterministic, so a driver killed and run again feeds
 * the same records. Only for tests (tests/lab/test_sensor_reporting.sh).
 *
 *   report_driver --store FILE --server URL --token-file FILE --hosts N
 *                 [--feed-ms MS] [--changes K] [--until-idle] [--max-seconds S]
 *                 [--batch-size N] [--timeout-ms MS] [--retry-max-ms MS]
 *                 [--status-ms MS] [--wait-status] [--ca FILE]
 *
 * Exit: 0 done (idle with --until-idle), 3 gave up at --max-seconds or failed.
 * Last line on stdout: key=value counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/store.h"
#include "sensor/hosts.h"
#include "sensor/hoststore.h"
#include "sensor/outbox.h"
#include "sensor/report.h"

#define BASE_TIME 1767225600 /* 2026-01-01: fixed, so records do not depend on the run */

static struct hoststore *g_hs;
static struct host_table *g_table;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "report_driver: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static int
evict_hook(const struct host *h, void *arg)
{
	(void)arg;
	hoststore_save(g_hs, h, NULL);
	return 0;
}

static void
restore_hook(struct host *h, void *arg)
{
	(void)arg;
	hoststore_restore(g_hs, g_table, h);
}

/* Host i: MAC 02:4d:00:00:HH:LL, 198.18.HH.LL, name host-i; version v adds a name. */
static void
feed(unsigned i, int version)
{
	uint8_t mac[6] = {0x02, 0x4d, 0x00, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	struct host *h = host_touch(g_table, mac, BASE_TIME + (time_t)i, HSRC_ARP);
	char name[32];
	uint32_t v4 = htonl(0xc6120000u | (i & 0xffff));

	if (h == NULL)
		return;
	host_add_v4(g_table, h, v4);
	snprintf(name, sizeof(name), "host-%u", i);
	host_add_name(g_table, h, name, strlen(name), HSRC_DHCP);
	if (version > 0) {
		snprintf(name, sizeof(name), "host-%u-v%d", i, version);
		host_add_name(g_table, h, name, strlen(name), HSRC_NETBIOS);
	}
}

struct count_ctx {
	long managed, unmanaged, unknown;
};

static int
count_status(const struct hostrec *h, void *arg)
{
	struct count_ctx *c = arg;

	if (h->status == NULL)
		c->unknown++;
	else if (strcmp(h->status, "managed") == 0)
		c->managed++;
	else
		c->unmanaged++;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"store", required_argument, NULL, 's'},
	        {"server", required_argument, NULL, 'u'},
	        {"token-file", required_argument, NULL, 't'},
	        {"ca", required_argument, NULL, 'c'},
	        {"hosts", required_argument, NULL, 'n'},
	        {"feed-ms", required_argument, NULL, 'f'},
	        {"changes", required_argument, NULL, 'k'},
	        {"until-idle", no_argument, NULL, 'i'},
	        {"max-seconds", required_argument, NULL, 'm'},
	        {"batch-size", required_argument, NULL, 'b'},
	        {"timeout-ms", required_argument, NULL, 'T'},
	        {"retry-max-ms", required_argument, NULL, 'R'},
	        {"status-ms", required_argument, NULL, 'S'},
	        {"wait-status", no_argument, NULL, 'W'},
	        {NULL, 0, NULL, 0},
	};
	struct report_config rc = {0};
	struct reporter *r = NULL;
	const char *store_path = NULL;
	unsigned n_hosts = 0, changes = 0, fed = 0, changed = 0;
	long long feed_ms = 0, max_s = 600;
	bool until_idle = false, wait_status = false, idle = false;
	int64_t t0, last_flush = 0, idle_at = 0;
	struct report_counters c;
	struct outbox_stats os;
	struct outbox *ob = NULL;
	struct outbox_config oc = {0};
	struct count_ctx cc = {0};
	char err[512];
	int ch, ret = MUSTER_EXIT_RUNTIME;

	log_init("report_driver", false, LOG_INFO_);
	rc.status_ms = -1;
	rc.retry_min_ms = 100;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			store_path = optarg;
			break;
		case 'u':
			rc.server = optarg;
			break;
		case 't':
			rc.token_file = optarg;
			break;
		case 'c':
			rc.ca_file = optarg;
			break;
		case 'n':
			n_hosts = (unsigned)num(optarg, "--hosts");
			break;
		case 'f':
			feed_ms = num(optarg, "--feed-ms");
			break;
		case 'k':
			changes = (unsigned)num(optarg, "--changes");
			break;
		case 'i':
			until_idle = true;
			break;
		case 'm':
			max_s = num(optarg, "--max-seconds");
			break;
		case 'b':
			rc.batch_size = (unsigned)num(optarg, "--batch-size");
			break;
		case 'T':
			rc.timeout_ms = num(optarg, "--timeout-ms");
			rc.connect_timeout_ms = rc.timeout_ms;
			break;
		case 'R':
			rc.retry_max_ms = num(optarg, "--retry-max-ms");
			break;
		case 'S':
			rc.status_ms = num(optarg, "--status-ms");
			break;
		case 'W':
			wait_status = true;
			break;
		default:
			return MUSTER_EXIT_USAGE;
		}
	}
	if (store_path == NULL || rc.server == NULL || n_hosts == 0 || changes > n_hosts) {
		fprintf(stderr, "report_driver: --store, --server and --hosts are required\n");
		return MUSTER_EXIT_USAGE;
	}
	rc.hostname = "lab-sensor";
	if ((g_hs = hoststore_open(store_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "report_driver: %s\n", err);
		return MUSTER_EXIT_RUNTIME;
	}
	if ((g_table = host_table_new(n_hosts + 16)) == NULL)
		goto out;
	host_table_set_hooks(g_table, evict_hook, restore_hook, NULL);
	if (report_new(hoststore_store(g_hs), &rc, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "report_driver: %s\n", err);
		goto out;
	}
	t0 = mono_ms();
	for (;;) {
		struct pollfd fds[16];
		int64_t now = mono_ms(), el = now - t0;
		unsigned due =
		        feed_ms > 0 && el < feed_ms ? (unsigned)(n_hosts * el / feed_ms) : n_hosts;
		size_t nf;
		int to;

		while (fed < due)
			feed(fed++, 0);
		/* After the capture, some hosts change (a second name). */
		if (fed == n_hosts)
			while (changed < changes)
				feed(changed++, 1);
		if (now - last_flush >= 100) {
			if (hoststore_flush(g_hs, g_table, NULL) < 0)
				fprintf(stderr, "report_driver: flush: %s\n",
				        hoststore_errmsg(g_hs));
			last_flush = now;
		}
		report_tick(r, time(NULL));
		if (fed == n_hosts && changed == changes && now - last_flush < 100 &&
		    last_flush > t0 && !idle && report_idle(r)) {
			idle = true;
			idle_at = time(NULL);
		}
		if (until_idle && idle) {
			time_t at = 0;
			if (!wait_status)
				break;
			report_status_fetched_at(hoststore_store(g_hs), &at);
			if (at > idle_at)
				break;
		}
		if (el > max_s * 1000) {
			fprintf(stderr, "report_driver: gave up after %lld s\n", max_s);
			goto out;
		}
		nf = report_pollfds(r, fds, 16);
		to = report_timeout_ms(r);
		poll(fds, (nfds_t)nf, to < 50 ? to : 50);
	}
	ret = 0;
out:
	memset(&c, 0, sizeof(c));
	if (r != NULL)
		report_get_counters(r, &c);
	oc.hostname = "lab-sensor";
	if (outbox_open(hoststore_store(g_hs), &oc, &ob, err, sizeof(err)) == 0 &&
	    outbox_get_stats(ob, &os) == 0) {
		report_status_foreach(hoststore_store(g_hs), REPORT_ST_ALL, count_status, &cc,
		                      NULL);
		printf("fed=%u acked=%ld pending=%ld inflight=%ld failed=%ld next_seq=%lld "
		       "posts=%llu "
		       "retries=%llu managed=%ld unmanaged=%ld unknown=%ld\n",
		       fed, os.acked, os.pending, os.inflight, os.failed, (long long)os.next_seq,
		       (unsigned long long)c.posts, (unsigned long long)c.retries, cc.managed,
		       cc.unmanaged, cc.unknown);
	}
	outbox_free(ob);
	report_free(r);
	host_table_free(g_table);
	hoststore_close(g_hs);
	return ret;
}
