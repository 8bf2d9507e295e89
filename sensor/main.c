/* main.c - muster-sensor: find the hosts on a segment from what they send. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/oui.h"
#include "sensor/active.h"
#include "sensor/capture.h"
#include "sensor/daemon.h"
#include "sensor/fingerprint/fp.h"
#include "sensor/fingerprint/p0f.h"
#include "sensor/fingerprint/rules.h"
#include "sensor/hosts.h"
#include "sensor/hoststore.h"
#include "sensor/observe.h"
#include "sensor/output.h"
#include "sensor/report.h"

#define DEFAULT_STATE_DIR "/var/lib/muster-sensor"
#define DEFAULT_P0F       "/etc/p0f/p0f.fp"
#define DEFAULT_MAX_HOSTS 65536

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct opts {
	const char *iface;
	const char *file;
	const char *db;
	const char *state_dir;
	const char *oui_dir;
	const char *p0f_path;
	const char *rules_dir;
	double duration;
	enum output_format fmt;
	bool fmt_set;
	bool no_store;
	bool promisc;
	bool stats;
	bool p0f_log;
	bool until_idle;
	unsigned long max_hosts;
	const char *config_file;
	struct config *cfg; /* [active]: file values, then flags */
	struct active_policy policy;
	unsigned status_filter; /* hosts: REPORT_ST_* bits, 0 = every host */
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: muster-sensor [options] (-i IFACE | -r FILE)\n"
	        "       muster-sensor run [-c FILE] [-f]   (the service: see run --help)\n"
	        "       muster-sensor hosts [--unmanaged | --managed] [--json | --csv]\n"
	        "                           [--db FILE | --state-dir DIR]\n"
	        "\n"
	        "Listen on a segment (or read a capture) and list the hosts found, with\n"
	        "their addresses, names, vendor and OS guess; keep them in the store.\n"
	        "\n"
	        "  -i, --interface IFACE   capture live on IFACE\n"
	        "  -r, --read FILE         read a pcap or pcapng file ('-' for stdin)\n"
	        "  -d, --duration SECS     stop a live capture after SECS seconds\n"
	        "  -j, --json              one host record (JSON) per line\n"
	        "      --csv               CSV with a header line\n"
	        "      --table             a table for people (default)\n"
	        "  -s, --state-dir DIR     state directory (default " DEFAULT_STATE_DIR ")\n"
	        "      --db FILE           the store file (default STATE_DIR/sensor.db)\n"
	        "      --no-store          keep nothing on disk\n"
	        "      --max-hosts N       hosts kept in memory (default %d; the least\n"
	        "                          recently seen is written out and dropped)\n"
	        "      --promisc           promiscuous mode (needs CAP_NET_ADMIN)\n"
	        "      --oui-dir DIR       IEEE registry CSVs (default /usr/share/ieee-data)\n"
	        "      --p0f-fp FILE       p0f signatures (default " DEFAULT_P0F ")\n"
	        "      --rules-dir DIR     fingerprint rule files\n"
	        "      --p0f-log           print each TCP SYN/SYN+ACK with its p0f label\n"
	        "      --stats             print packet counters to stderr at the end\n"
	        "      --unmanaged         (hosts) only hosts the server does not manage, or\n"
	        "                          has not judged yet (status fetched by the service)\n"
	        "      --managed           (hosts) only hosts the server manages\n"
	        "      --log-level LEVEL   error, warn, info (default), debug\n"
	        "  -c, --config FILE       sensor.conf: the [active] keys (docs/config.md)\n"
	        "\n"
	        "Active detection (-i only; the flags override sensor.conf):\n"
	        "      --active            probe: ARP re-checks, NDP, TCP ports, NBSTAT/mDNS/SSDP\n"
	        "      --sweep             ARP-sweep the interface's attached subnets (never "
	        "more)\n"
	        "      --ports LIST        TCP ports (default " ACTIVE_DEFAULT_PORTS "; none)\n"
	        "      --rate PPS          probe packets per second, all together (default %d)\n"
	        "      --allow CIDR        probe and report only these addresses (repeatable)\n"
	        "      --deny CIDR         never probe or report these addresses (repeatable)\n"
	        "      --allow-mac PREFIX  probe and report only these MAC prefixes (repeatable)\n"
	        "      --deny-mac PREFIX   never probe or report these MAC prefixes (repeatable)\n"
	        "      --rescan DURATION   no host probed twice within it (default 6h)\n"
	        "      --probe-timeout DURATION  one TCP conversation, UDP replies (default 5s)\n"
	        "      --arp-retries N     extra requests to a silent address (default 2)\n"
	        "      --arp-timeout DURATION  wait for ARP replies before a retry (default "
	        "500ms)\n"
	        "      --until-idle        stop once the active half has nothing left to do\n"
	        "  -h, --help              this text\n"
	        "  -V, --version           the version\n"
	        "\n"
	        "Exit: 0 input read (malformed packets are counted), 2 usage error,\n"
	        "3 input or store could not be opened.\n",
	        DEFAULT_MAX_HOSTS, ACTIVE_DEFAULT_RATE);
}

static bool
parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e7)
		return false;
	*out = v;
	return true;
}

static const char *
rules_dir_default(void)
{
	static const char installed[] = "/usr/share/muster/fingerprint";
	struct stat st;

	if (stat(installed, &st) == 0)
		return installed;
	return MUSTER_SENSOR_DATADIR;
}

static char *
db_path(const struct opts *o)
{
	char *p;

	if (o->db)
		return strdup(o->db);
	if (asprintf(&p, "%s/sensor.db", o->state_dir ? o->state_dir : DEFAULT_STATE_DIR) < 0)
		return NULL;
	return p;
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
	struct observer *obs;
	struct hoststore *hs;
	struct host_table *table;
	struct oui_db *oui;
	struct active *act;
	const struct active_policy *policy; /* its filters apply to what is reported */
};

static void
on_packet(void *arg, int dlt, const struct timeval *ts, const uint8_t *data, size_t caplen,
          size_t wirelen)
{
	struct run *r = arg;

	(void)wirelen;
	observer_packet(r->obs, dlt, ts, data, caplen);
	if (r->act)
		active_frame(r->act, dlt, data, caplen);
}

/* The policy's filters: filtered hosts are neither stored nor printed. */
static bool
keep_host(const struct host *h, void *arg)
{
	const struct run *r = arg;

	return r->policy == NULL || active_host_allowed(r->policy, h);
}

static int
evict_hook(const struct host *h, void *arg)
{
	struct run *r = arg;

	if (r->hs && keep_host(h, r) && hoststore_save(r->hs, h, r->oui) != 0)
		log_warn("store-save-failed", "error=\"%s\"", hoststore_errmsg(r->hs));
	return 0;
}

static void
restore_hook(struct host *h, void *arg)
{
	struct run *r = arg;

	if (r->hs)
		hoststore_restore(r->hs, r->table, h);
}

struct print_ctx {
	struct output out;
	const struct oui_db *oui;
	const struct run *run;
	int rc;
};

static int
print_host(struct host *h, void *arg)
{
	struct print_ctx *pc = arg;
	struct hostrec r;

	if (pc->run && !keep_host(h, (void *)pc->run))
		return 0;
	if (output_brief(&pc->out)) {
		/* The table shows a summary: no host record needs building. */
		struct host_summary s;
		host_summarize(h, pc->oui, &s);
		return pc->rc = output_summary(&pc->out, &s);
	}
	memset(&r, 0, sizeof(r)); /* only here: 1 KiB a row the table does not need */
	if ((pc->rc = host_to_hostrec(h, pc->oui, &r)) == 0)
		pc->rc = output_host(&pc->out, &r);
	hostrec_clear(&r);
	return pc->rc;
}

static int
print_record(const struct hostrec *r, void *arg)
{
	struct print_ctx *pc = arg;

	return pc->rc = output_host(&pc->out, r);
}

static struct fp_rules *
load_rules(const char *dir)
{
	struct fp_errors errs;
	struct fp_rules *rules;

	fp_errors_init(&errs);
	rules = fp_rules_load_dir(dir, &errs);
	for (unsigned i = 0; i < errs.kept; i++)
		log_warn("rules-error", "msg=\"%s\"", errs.msg[i]);
	if (errs.count > errs.kept)
		log_warn("rules-errors", "count=%u", errs.count);
	return rules;
}

static int
cmd_capture(const struct opts *o)
{
	char err[512] = "";
	struct run r = {0};
	struct capture *cap = NULL;
	struct p0f_db *p0f = NULL;
	struct fp_rules *rules = NULL;
	struct fp_errors errs;
	struct print_ctx pc = {0};
	char *path = NULL;
	double deadline = 0, next_flush = 0;
	int rc = MUSTER_EXIT_RUNTIME, n;
	bool eof = false;

	if ((r.oui = oui_load(o->oui_dir, err, sizeof(err))) == NULL)
		log_warn("oui-unavailable", "reason=\"%s\" effect=\"no vendor names\"", err);
	fp_errors_init(&errs);
	if ((p0f = p0f_load(o->p0f_path ? o->p0f_path : DEFAULT_P0F, &errs)) == NULL)
		log_warn("p0f-unavailable", "path=%s effect=\"no TCP fingerprints\"",
		         o->p0f_path ? o->p0f_path : DEFAULT_P0F);
	for (unsigned i = 0; i < errs.kept; i++)
		log_warn("p0f-error", "msg=\"%s\"", errs.msg[i]);
	rules = load_rules(o->rules_dir ? o->rules_dir : rules_dir_default());

	if ((r.table = host_table_new((uint32_t)o->max_hosts)) == NULL) {
		log_error("startup", "error=\"out of memory\"");
		goto out;
	}
	if (!o->no_store) {
		if ((path = db_path(o)) == NULL)
			goto out;
		if ((r.hs = hoststore_open(path, err, sizeof(err))) == NULL) {
			log_error("store-open", "path=%s error=\"%s\"", path, err);
			goto out;
		}
	}
	if (active_policy_filters(&o->policy))
		r.policy = &o->policy;
	if (r.hs && r.policy)
		hoststore_set_filter(r.hs, keep_host, &r);
	host_table_set_hooks(r.table, evict_hook, restore_hook, &r);
	if ((r.obs = observer_new(r.table, p0f, rules)) == NULL)
		goto out;
	if (o->p0f_log)
		observer_set_p0f_log(r.obs, stdout);

	if (o->iface)
		cap = capture_open_live(o->iface, o->promisc, err, sizeof(err));
	else
		cap = capture_open_file(o->file, err, sizeof(err));
	if (cap == NULL) {
		log_error("capture-open", "error=\"%s\"", err);
		goto out;
	}
	capture_set_prefetch(cap, observer_prefetch, r.obs);
	if (!capture_dlt_supported(capture_dlt(cap)))
		log_warn("linktype-unsupported", "linktype=%s effect=\"packets skipped\"",
		         capture_dlt_name(capture_dlt(cap)));
	log_debug("capture-start", "source=%s filter=\"%s\"", o->iface ? o->iface : o->file,
	          capture_filter());
	/* Opened after the capture, so the first replies are not missed. */
	if (o->policy.enabled && o->iface) {
		r.act = active_new(&o->policy, r.table, rules, o->iface, err, sizeof(err));
		if (r.act == NULL) {
			log_error("active-open", "error=\"%s\"", err);
			goto out;
		}
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->duration > 0)
		deadline = now_mono() + o->duration;
	while (!stop_requested && !eof) {
		double now = now_mono();
		if (deadline && now >= deadline)
			break;
		if (o->iface) {
			struct pollfd pfd[2] = {{capture_fd(cap), POLLIN, 0},
			                        {r.act ? active_fd(r.act) : -1, POLLIN, 0}};
			int wait_ms = 100;
			if (r.act && active_timeout_ms(r.act, now) < wait_ms)
				wait_ms = active_timeout_ms(r.act, now);
			if (deadline && (deadline - now) * 1000 < wait_ms)
				wait_ms = (int)((deadline - now) * 1000) + 1;
			if (poll(pfd, r.act ? 2 : 1, wait_ms) < 0 && errno != EINTR) {
				log_error("poll", "error=\"%s\"", strerror(errno));
				goto out;
			}
		}
		n = capture_dispatch(cap, 0, on_packet, &r, &eof, err, sizeof(err));
		if (n < 0) {
			log_error("capture", "error=\"%s\"", err);
			goto out;
		}
		/* Probing after each batch of packets: never in the capture's way. */
		if (r.act) {
			now = now_mono();
			active_tick(r.act, now, time(NULL));
			/* active_idle() waits for the last replies itself. */
			if (o->until_idle && active_idle(r.act))
				break;
		}
		/* Live: new hosts reach the store within a quarter second. */
		if (r.hs && o->iface && now_mono() >= next_flush) {
			if (hoststore_flush(r.hs, r.table, r.oui) < 0)
				log_warn("store-flush", "error=\"%s\"", hoststore_errmsg(r.hs));
			next_flush = now_mono() + 0.25;
		}
	}
	if (r.hs && hoststore_flush(r.hs, r.table, r.oui) < 0) {
		log_error("store-flush", "error=\"%s\"", hoststore_errmsg(r.hs));
		goto out;
	}
	if (!o->p0f_log) {
		output_begin(&pc.out, stdout, o->fmt);
		pc.oui = r.oui;
		pc.run = &r;
		host_table_foreach(r.table, print_host, &pc);
		output_end(&pc.out);
	}
	if (o->stats) {
		for (int i = 0; i < OBS__COUNT; i++)
			if (observer_counter(r.obs, (enum obs_counter)i))
				fprintf(stderr, "%s=%llu\n",
				        observer_counter_name((enum obs_counter)i),
				        (unsigned long long)observer_counter(r.obs,
				                                             (enum obs_counter)i));
		fprintf(stderr, "hosts=%u evicted=%llu\n", host_table_count(r.table),
		        (unsigned long long)host_table_evictions(r.table));
		for (int i = 0; r.act && i < ACT__COUNT; i++)
			fprintf(stderr, "active_%s=%llu\n",
			        active_counter_name((enum active_counter)i),
			        (unsigned long long)active_counter(r.act, (enum active_counter)i));
	}
	log_info("done", "packets=%llu malformed=%llu hosts=%u",
	         (unsigned long long)observer_counter(r.obs, OBS_PACKETS),
	         (unsigned long long)observer_malformed(r.obs), host_table_count(r.table));
	rc = pc.rc == 0 ? MUSTER_EXIT_OK : MUSTER_EXIT_RUNTIME;
out:
	active_free(r.act);
	capture_close(cap);
	observer_free(r.obs);
	host_table_free(r.table);
	hoststore_close(r.hs);
	fp_rules_free(rules);
	p0f_free(p0f);
	oui_free(r.oui);
	free(path);
	return rc;
}

static int
cmd_hosts(const struct opts *o)
{
	char err[512] = "", *path = db_path(o);
	struct print_ctx pc = {0};
	struct hoststore *hs;
	unsigned bad = 0;
	int rc;

	if (path == NULL)
		return MUSTER_EXIT_RUNTIME;
	if (access(path, F_OK) != 0) {
		log_error("store-open", "path=%s error=\"no store yet (run a capture first)\"",
		          path);
		free(path);
		return MUSTER_EXIT_RUNTIME;
	}
	if ((hs = hoststore_open(path, err, sizeof(err))) == NULL) {
		log_error("store-open", "path=%s error=\"%s\"", path, err);
		free(path);
		return MUSTER_EXIT_RUNTIME;
	}
	output_begin(&pc.out, stdout, o->fmt);
	if (o->status_filter) {
		time_t at = 0;
		if (report_status_fetched_at(hoststore_store(hs), &at) != 0 || at == 0)
			log_warn("status-unknown",
			         "effect=\"no status fetched from the server yet: "
			         "every host counts as unmanaged\"");
		rc = report_status_foreach(hoststore_store(hs), o->status_filter, print_record, &pc,
		                           &bad);
	} else {
		rc = hoststore_foreach(hs, print_record, &pc, &bad);
	}
	output_end(&pc.out);
	if (bad)
		log_warn("store-records-bad", "count=%u", bad);
	if (rc < 0)
		log_error("store-read", "error=\"%s\"", hoststore_errmsg(hs));
	hoststore_close(hs);
	free(path);
	return rc < 0 ? MUSTER_EXIT_RUNTIME : MUSTER_EXIT_OK;
}

/* A flag that overrides an [active] key; repeatable list flags are joined with ','. */
struct override {
	const char *flag, *key;
	char *value;
};

static int
override_add(struct override *ov, size_t n, const char *key, const char *value, bool list)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ov[i].key, key) != 0)
			continue;
		if (list && ov[i].value) {
			char *joined;
			if (asprintf(&joined, "%s,%s", ov[i].value, value) < 0)
				return MUSTER_ENOMEM;
			free(ov[i].value);
			ov[i].value = joined;
		} else {
			free(ov[i].value);
			if ((ov[i].value = strdup(value)) == NULL)
				return MUSTER_ENOMEM;
		}
		return 0;
	}
	return MUSTER_EINVAL;
}

/*
 * Build the [active] policy: defaults, then sensor.conf, then the flags.
 * Returns 0, or MUSTER_EXIT_USAGE after printing every error.
 */
static int
load_policy(struct opts *o, struct override *ov, size_t nov)
{
	static struct config_key schema[128];
	size_t n = 0;
	char err[256] = "";
	int rc = 0;

	/* One sensor.conf for both: the daemon's sections are known (and ignored) here. */
	if (daemon_config_nkeys + report_config_nkeys + active_config_nkeys > MUSTER_NELEM(schema))
		return MUSTER_EXIT_RUNTIME;
	for (size_t i = 0; i < daemon_config_nkeys; i++)
		schema[n++] = daemon_config_keys[i];
	for (size_t i = 0; i < report_config_nkeys; i++)
		schema[n++] = report_config_keys[i];
	for (size_t i = 0; i < active_config_nkeys; i++)
		schema[n++] = active_config_keys[i];
	if ((o->cfg = config_new(schema, n)) == NULL)
		return MUSTER_EXIT_RUNTIME;
	if (o->config_file && config_load_file(o->cfg, o->config_file) != 0)
		rc = MUSTER_EXIT_USAGE;
	for (size_t i = 0; i < nov; i++)
		if (ov[i].value &&
		    config_set(o->cfg, ov[i].flag, "active", ov[i].key, ov[i].value) != 0)
			rc = MUSTER_EXIT_USAGE;
	if (active_policy_from_config(o->cfg, &o->policy, err, sizeof(err)) != 0)
		rc = MUSTER_EXIT_USAGE;
	if (rc) {
		config_print_errors(o->cfg, stderr);
		if (err[0])
			fprintf(stderr, "muster-sensor: %s\n", err);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	enum {
		O_CSV = 256,
		O_TABLE,
		O_DB,
		O_NOSTORE,
		O_MAXH,
		O_PROMISC,
		O_OUI,
		O_P0F,
		O_RULES,
		O_P0FLOG,
		O_STATS,
		O_LOGLEVEL,
		O_ACTIVE,
		O_SWEEP,
		O_PORTS,
		O_RATE,
		O_ALLOW,
		O_DENY,
		O_ALLOWMAC,
		O_DENYMAC,
		O_RESCAN,
		O_PTIMEOUT,
		O_ARPRETRIES,
		O_ARPTIMEOUT,
		O_UNTILIDLE,
		O_UNMANAGED,
		O_MANAGED
	};
	static const struct option longopts[] = {
	        {"interface", required_argument, NULL, 'i'},
	        {"read", required_argument, NULL, 'r'},
	        {"duration", required_argument, NULL, 'd'},
	        {"json", no_argument, NULL, 'j'},
	        {"csv", no_argument, NULL, O_CSV},
	        {"table", no_argument, NULL, O_TABLE},
	        {"state-dir", required_argument, NULL, 's'},
	        {"db", required_argument, NULL, O_DB},
	        {"no-store", no_argument, NULL, O_NOSTORE},
	        {"max-hosts", required_argument, NULL, O_MAXH},
	        {"promisc", no_argument, NULL, O_PROMISC},
	        {"oui-dir", required_argument, NULL, O_OUI},
	        {"p0f-fp", required_argument, NULL, O_P0F},
	        {"rules-dir", required_argument, NULL, O_RULES},
	        {"p0f-log", no_argument, NULL, O_P0FLOG},
	        {"stats", no_argument, NULL, O_STATS},
	        {"unmanaged", no_argument, NULL, O_UNMANAGED},
	        {"managed", no_argument, NULL, O_MANAGED},
	        {"log-level", required_argument, NULL, O_LOGLEVEL},
	        {"config", required_argument, NULL, 'c'},
	        {"active", no_argument, NULL, O_ACTIVE},
	        {"sweep", no_argument, NULL, O_SWEEP},
	        {"ports", required_argument, NULL, O_PORTS},
	        {"rate", required_argument, NULL, O_RATE},
	        {"allow", required_argument, NULL, O_ALLOW},
	        {"deny", required_argument, NULL, O_DENY},
	        {"allow-mac", required_argument, NULL, O_ALLOWMAC},
	        {"deny-mac", required_argument, NULL, O_DENYMAC},
	        {"rescan", required_argument, NULL, O_RESCAN},
	        {"probe-timeout", required_argument, NULL, O_PTIMEOUT},
	        {"arp-retries", required_argument, NULL, O_ARPRETRIES},
	        {"arp-timeout", required_argument, NULL, O_ARPTIMEOUT},
	        {"until-idle", no_argument, NULL, O_UNTILIDLE},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	struct opts o = {.fmt = OUTPUT_TABLE, .max_hosts = DEFAULT_MAX_HOSTS};
	enum log_level lvl = LOG_INFO_;
	struct override ov[] = {
	        {"--active", "enabled", NULL},
	        {"--sweep", "sweep", NULL},
	        {"--ports", "ports", NULL},
	        {"--rate", "rate", NULL},
	        {"--allow", "allow", NULL},
	        {"--deny", "deny", NULL},
	        {"--allow-mac", "allow_mac", NULL},
	        {"--deny-mac", "deny_mac", NULL},
	        {"--rescan", "rescan", NULL},
	        {"--probe-timeout", "probe_timeout", NULL},
	        {"--arp-retries", "arp_retries", NULL},
	        {"--arp-timeout", "arp_timeout", NULL},
	};
	bool hosts_cmd = false;
	int ch, rc;

	log_init("muster-sensor", false, LOG_INFO_);
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return daemon_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "hosts") == 0) {
		hosts_cmd = true;
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "i:r:d:js:c:hV", longopts, NULL)) != -1) {
		const char *key = NULL;
		bool list = false;
		switch (ch) {
		case 'c':
			o.config_file = optarg;
			break;
		case O_ACTIVE:
			key = "enabled";
			break;
		case O_SWEEP:
			key = "sweep";
			break;
		case O_PORTS:
			key = "ports";
			break;
		case O_RATE:
			key = "rate";
			break;
		case O_ALLOW:
			key = "allow";
			list = true;
			break;
		case O_DENY:
			key = "deny";
			list = true;
			break;
		case O_ALLOWMAC:
			key = "allow_mac";
			list = true;
			break;
		case O_DENYMAC:
			key = "deny_mac";
			list = true;
			break;
		case O_RESCAN:
			key = "rescan";
			break;
		case O_PTIMEOUT:
			key = "probe_timeout";
			break;
		case O_ARPRETRIES:
			key = "arp_retries";
			break;
		case O_ARPTIMEOUT:
			key = "arp_timeout";
			break;
		case O_UNTILIDLE:
			o.until_idle = true;
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'r':
			o.file = optarg;
			break;
		case 'd':
			if (!parse_secs(optarg, &o.duration)) {
				fprintf(stderr,
				        "muster-sensor: --duration: not a number of seconds: "
				        "'%s'\n",
				        optarg);
				return MUSTER_EXIT_USAGE;
			}
			break;
		case 'j':
			o.fmt = OUTPUT_JSON;
			break;
		case O_CSV:
			o.fmt = OUTPUT_CSV;
			break;
		case O_TABLE:
			o.fmt = OUTPUT_TABLE;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case O_DB:
			o.db = optarg;
			break;
		case O_NOSTORE:
			o.no_store = true;
			break;
		case O_MAXH:
			if (!parse_ulong(optarg, 16, 1u << 24, &o.max_hosts)) {
				fprintf(stderr,
				        "muster-sensor: --max-hosts: want 16..16777216, got '%s'\n",
				        optarg);
				return MUSTER_EXIT_USAGE;
			}
			break;
		case O_PROMISC:
			o.promisc = true;
			break;
		case O_OUI:
			o.oui_dir = optarg;
			break;
		case O_P0F:
			o.p0f_path = optarg;
			break;
		case O_RULES:
			o.rules_dir = optarg;
			break;
		case O_P0FLOG:
			o.p0f_log = true;
			break;
		case O_UNMANAGED:
			/* Not known to the server yet counts as unmanaged: rogue until proven otherwise. */
			o.status_filter = REPORT_ST_UNMANAGED | REPORT_ST_UNKNOWN;
			break;
		case O_MANAGED:
			o.status_filter = REPORT_ST_MANAGED;
			break;
		case O_STATS:
			o.stats = true;
			break;
		case O_LOGLEVEL:
			if (!log_level_parse(optarg, &lvl)) {
				fprintf(stderr, "muster-sensor: --log-level: want error, warn, "
				                "info or debug\n");
				return MUSTER_EXIT_USAGE;
			}
			log_set_level(lvl);
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		case 'V':
			printf("muster-sensor %s\n", MUSTER_VERSION);
			return MUSTER_EXIT_OK;
		default:
			usage(stderr);
			return MUSTER_EXIT_USAGE;
		}
		if (key &&
		    override_add(ov, MUSTER_NELEM(ov), key,
		                 ch == O_ACTIVE || ch == O_SWEEP ? "yes" : optarg, list) != 0)
			return MUSTER_EXIT_RUNTIME;
	}
	if (optind != argc) {
		fprintf(stderr, "muster-sensor: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return MUSTER_EXIT_USAGE;
	}
	rc = load_policy(&o, ov, MUSTER_NELEM(ov));
	for (size_t i = 0; i < MUSTER_NELEM(ov); i++)
		free(ov[i].value);
	if (rc != 0) {
		config_free(o.cfg);
		return rc;
	}
	if (hosts_cmd) {
		rc = cmd_hosts(&o);
		config_free(o.cfg);
		return rc;
	}
	if ((o.iface == NULL) == (o.file == NULL)) {
		fprintf(stderr, "muster-sensor: give exactly one of -i IFACE or -r FILE\n");
		usage(stderr);
		return MUSTER_EXIT_USAGE;
	}
	if (o.file && o.duration > 0) {
		fprintf(stderr, "muster-sensor: --duration applies to live capture (-i) only\n");
		config_free(o.cfg);
		return MUSTER_EXIT_USAGE;
	}
	if (o.file && o.policy.enabled) {
		fprintf(stderr, "muster-sensor: active detection needs a live interface (-i)\n");
		config_free(o.cfg);
		return MUSTER_EXIT_USAGE;
	}
	rc = cmd_capture(&o);
	config_free(o.cfg);
	return rc;
}
