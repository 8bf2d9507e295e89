/*
 * daemon.c - the sensor as a service: captures on every configured
 * interface, drops privileges, keeps the store current, re-reads its
 * configuration on SIGHUP (keeping the old one when the new one is bad),
 * re-opens an interface that went away, stops cleanly on SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/net.h"
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
#include "sensor/privdrop.h"
#include "sensor/report.h"

#define MAX_IFACES     16
#define REOPEN_SECS    1
#define FLUSH_INTERVAL 0.25
#define DEFAULT_CONFIG "/etc/muster/sensor.conf"

const struct config_key daemon_config_keys[] = {
        {"sensor", "interfaces", CONFIG_STRING, 0, 512, CONFIG_F_REQUIRED, NULL,
         "interfaces to listen on, comma or space separated"},
        {"sensor", "state_dir", CONFIG_PATH, 0, 4096, 0, "/var/lib/muster-sensor",
         "directory of the store (sensor.db)"},
        {"sensor", "user", CONFIG_STRING, 0, 32, 0, "muster-sensor",
         "user to run as once the interfaces are open"},
        {"sensor", "promiscuous", CONFIG_BOOL, 0, 0, 0, "no",
         "promiscuous mode (keeps CAP_NET_ADMIN)"},
        {"sensor", "max_hosts", CONFIG_INT, 16, 16777216, 0, "65536", "hosts kept in memory"},
        {"sensor", "log_level", CONFIG_STRING, 0, 8, 0, "info", "error, warn, info or debug"},
        {"sensor", "oui_dir", CONFIG_PATH, 0, 4096, 0, "/usr/share/ieee-data",
         "IEEE registry CSV files"},
        {"sensor", "p0f_fp", CONFIG_PATH, 0, 4096, 0, "/etc/p0f/p0f.fp", "p0f signatures"},
        {"sensor", "rules_dir", CONFIG_PATH, 0, 4096, 0, NULL,
         "fingerprint rule files (default: the installed ones)"},
};
const size_t daemon_config_nkeys = MUSTER_NELEM(daemon_config_keys);

static volatile sig_atomic_t got_term, got_hup;

/* The whole sensor.conf schema: [sensor] here, [report] and [active] from their modules. */
static struct config_key schema[128];
static size_t nschema;

static bool
schema_build(void)
{
	if (nschema)
		return true;
	if (daemon_config_nkeys + report_config_nkeys + active_config_nkeys > MUSTER_NELEM(schema))
		return false;
	memcpy(schema, daemon_config_keys, sizeof(schema[0]) * daemon_config_nkeys);
	nschema = daemon_config_nkeys;
	memcpy(schema + nschema, report_config_keys, sizeof(schema[0]) * report_config_nkeys);
	nschema += report_config_nkeys;
	memcpy(schema + nschema, active_config_keys, sizeof(schema[0]) * active_config_nkeys);
	nschema += active_config_nkeys;
	return true;
}

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

struct iface {
	char name[IFNAMSIZ];
	struct capture *cap;
	struct active *act; /* the active half on this interface, when enabled */
	unsigned ifindex;   /* of the interface the capture is bound to */
	double retry_at;    /* when closed: next time to try opening it again */
	bool warned;
};

struct settings {
	char ifnames[MAX_IFACES][IFNAMSIZ];
	int n_ifaces;
	char state_dir[4096];
	char user[33];
	bool promisc;
	long long max_hosts;
	enum log_level level;
	char oui_dir[4096];
	char p0f_fp[4096];
	char rules_dir[4096];
	struct config *cfg;      /* kept: the report settings' strings live in it */
	bool report_on;          /* [report] server is set */
	struct report_config rc; /* valid while cfg lives */
	struct active_policy pol;
};

struct daemon {
	const char *conf_path;
	struct settings set;
	struct iface ifs[MAX_IFACES];
	int n_ifs;
	struct oui_db *oui;
	struct p0f_db *p0f;
	struct fp_rules *rules;
	struct host_table *table;
	struct hoststore *hs;
	struct observer *obs;
	struct reporter *rep;
	struct iface *cur; /* the interface whose packets are being dispatched */
};

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/*
 * Read and check the configuration into *s. On error, every problem is
 * logged as file:line: message and MUSTER_EPARSE returned; *s is untouched.
 */
static int
load_settings(const char *path, struct settings *out)
{
	struct settings s = {0};
	struct config *c = NULL;
	const char *v;
	char list[512], *p, *save = NULL;
	int rc = MUSTER_EPARSE;

	if (!schema_build() || (c = config_new(schema, nschema)) == NULL)
		return MUSTER_ENOMEM;
	if (config_load_file(c, path) != 0 || config_check_required(c) != 0)
		goto errors;
	config_get_string(c, "sensor", "interfaces", &v);
	copy_str(list, sizeof(list), v);
	for (p = strtok_r(list, ", \t", &save); p; p = strtok_r(NULL, ", \t", &save)) {
		if (s.n_ifaces == MAX_IFACES || strlen(p) >= sizeof(s.ifnames[0])) {
			log_error("config",
			          "file=%s error=\"interfaces: at most %d names of up to "
			          "15 characters\"",
			          path, MAX_IFACES);
			goto out;
		}
		copy_str(s.ifnames[s.n_ifaces++], sizeof(s.ifnames[0]), p);
	}
	if (s.n_ifaces == 0) {
		log_error("config", "file=%s error=\"interfaces: no interface named\"", path);
		goto out;
	}
	if (config_get_path(c, "sensor", "state_dir", &v) == 0)
		copy_str(s.state_dir, sizeof(s.state_dir), v);
	if (config_get_string(c, "sensor", "user", &v) == 0)
		copy_str(s.user, sizeof(s.user), v);
	config_get_bool(c, "sensor", "promiscuous", &s.promisc);
	config_get_int(c, "sensor", "max_hosts", &s.max_hosts);
	s.level = LOG_INFO_;
	if (config_get_string(c, "sensor", "log_level", &v) == 0 && !log_level_parse(v, &s.level)) {
		log_error("config", "file=%s error=\"log_level: want error, warn, info or debug\"",
		          path);
		goto out;
	}
	if (config_get_path(c, "sensor", "oui_dir", &v) == 0)
		copy_str(s.oui_dir, sizeof(s.oui_dir), v);
	if (config_get_path(c, "sensor", "p0f_fp", &v) == 0)
		copy_str(s.p0f_fp, sizeof(s.p0f_fp), v);
	if (config_get_path(c, "sensor", "rules_dir", &v) == 0)
		copy_str(s.rules_dir, sizeof(s.rules_dir), v);
	{
		char aerr[256] = "";
		if (active_policy_from_config(c, &s.pol, aerr, sizeof(aerr)) != 0) {
			if (aerr[0])
				log_error("config", "file=%s error=\"%s\"", path, aerr);
			goto errors;
		}
	}
	switch (report_config_from(c, &s.rc)) {
	case 0:
		s.report_on = true;
		break;
	case MUSTER_ENOENT:
		break; /* no [report] server: the sensor keeps its hosts to itself */
	default:
		goto errors;
	}
	if (config_error_count(c) != 0)
		goto errors;
	s.cfg = c;
	c = NULL;
	*out = s;
	rc = 0;
	goto out;
errors:
	for (size_t i = 0; i < config_error_count(c); i++)
		log_error("config", "error=\"%s\"", config_error(c, i));
out:
	config_free(c);
	return rc;
}

/* The active half on f, when the policy asks for it (needs CAP_NET_RAW, which stays). */
static void
iface_active(struct daemon *d, struct iface *f)
{
	char err[512];

	active_free(f->act);
	f->act = NULL;
	if (!d->set.pol.enabled || f->cap == NULL)
		return;
	if ((f->act = active_new(&d->set.pol, d->table, d->rules, f->name, err, sizeof(err))) ==
	    NULL)
		log_warn("active-off", "iface=%s error=\"%s\"", f->name, err);
	else
		log_info("active-start", "iface=%s sweep=%s", f->name,
		         d->set.pol.sweep ? "yes" : "no");
}

static void
iface_open(struct daemon *d, struct iface *f)
{
	char err[512];

	if ((f->cap = capture_open_live(f->name, d->set.promisc, err, sizeof(err))) == NULL) {
		if (!f->warned)
			log_warn("capture-open", "iface=%s error=\"%s\" retry=%ds", f->name, err,
			         REOPEN_SECS);
		f->warned = true;
		f->retry_at = now_mono() + REOPEN_SECS;
		return;
	}
	f->ifindex = if_nametoindex(f->name);
	log_info("capture-start", "iface=%s ifindex=%u", f->name, f->ifindex);
	f->warned = false;
	iface_active(d, f);
}

/*
 * Whether an open capture still has its interface: up, and the same one
 * (an interface deleted and made again has a new index, and a capture
 * bound to the old one would never see a packet again).
 */
static const char *
iface_lost(const struct iface *f)
{
	struct ifreq ifr;
	unsigned idx = if_nametoindex(f->name);
	int s, up;

	if (idx == 0)
		return "interface disappeared";
	if (idx != f->ifindex)
		return "interface was replaced";
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return NULL;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", f->name);
	up = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 ? (ifr.ifr_flags & IFF_UP) != 0 : 1;
	close(s);
	return up ? NULL : "interface is down";
}

/* Interfaces that are missing or down are not opened (quietly retried). */
static bool
iface_ready(const char *name)
{
	struct iface probe = {.ifindex = if_nametoindex(name)};

	snprintf(probe.name, sizeof(probe.name), "%s", name);
	return probe.ifindex != 0 && iface_lost(&probe) == NULL;
}

static void
iface_close(struct iface *f, const char *why)
{
	active_free(f->act);
	f->act = NULL;
	if (f->cap) {
		capture_close(f->cap);
		f->cap = NULL;
		log_warn("capture-stop", "iface=%s reason=\"%s\" retry=%ds", f->name, why,
		         REOPEN_SECS);
	}
	f->retry_at = now_mono() + REOPEN_SECS;
}

/* Make the open interfaces match the settings' list. */
static void
sync_ifaces(struct daemon *d)
{
	struct iface keep[MAX_IFACES];
	int n = 0;

	for (int i = 0; i < d->set.n_ifaces; i++) {
		struct iface *found = NULL;
		for (int j = 0; j < d->n_ifs; j++)
			if (strcmp(d->ifs[j].name, d->set.ifnames[i]) == 0)
				found = &d->ifs[j];
		if (found) {
			keep[n] = *found;
			found->cap = NULL;
			found->act = NULL;
		} else {
			memset(&keep[n], 0, sizeof(keep[n]));
			copy_str(keep[n].name, sizeof(keep[n].name), d->set.ifnames[i]);
			iface_open(d, &keep[n]);
		}
		n++;
	}
	for (int j = 0; j < d->n_ifs; j++) {
		if (d->ifs[j].cap) {
			capture_close(d->ifs[j].cap);
			log_info("capture-removed", "iface=%s", d->ifs[j].name);
		}
		active_free(d->ifs[j].act);
	}
	memcpy(d->ifs, keep, sizeof(keep[0]) * (size_t)n);
	d->n_ifs = n;
}

static void
on_packet(void *arg, int dlt, const struct timeval *ts, const uint8_t *data, size_t caplen,
          size_t wirelen)
{
	struct daemon *d = arg;

	(void)wirelen;
	observer_packet(d->obs, dlt, ts, data, caplen);
	if (d->cur && d->cur->act)
		active_frame(d->cur->act, dlt, data, caplen);
}

static int
evict_hook(const struct host *h, void *arg)
{
	struct daemon *d = arg;

	if (d->hs && hoststore_save(d->hs, h, d->oui) != 0)
		log_warn("store-save-failed", "error=\"%s\"", hoststore_errmsg(d->hs));
	return 0;
}

static void
restore_hook(struct host *h, void *arg)
{
	struct daemon *d = arg;

	if (d->hs)
		hoststore_restore(d->hs, d->table, h);
}

static struct fp_rules *
load_rules(const char *dir)
{
	struct fp_errors errs;
	struct fp_rules *r;
	struct stat st;

	if (dir == NULL || *dir == 0)
		dir = stat("/usr/share/muster/fingerprint", &st) == 0
		              ? "/usr/share/muster/fingerprint"
		              : MUSTER_SENSOR_DATADIR;
	fp_errors_init(&errs);
	r = fp_rules_load_dir(dir, &errs);
	for (unsigned i = 0; i < errs.kept; i++)
		log_warn("rules-error", "msg=\"%s\"", errs.msg[i]);
	return r;
}

/* Data files: loaded at start and again on reload (they may have been updated). */
static void
load_data(struct daemon *d)
{
	char err[256];
	struct fp_errors errs;
	struct oui_db *oui;
	struct p0f_db *p0f;
	struct fp_rules *rules;

	if ((oui = oui_load(d->set.oui_dir, err, sizeof(err))) == NULL)
		log_warn("oui-unavailable", "reason=\"%s\"", err);
	fp_errors_init(&errs);
	if ((p0f = p0f_load(d->set.p0f_fp, &errs)) == NULL)
		log_warn("p0f-unavailable", "path=%s", d->set.p0f_fp);
	rules = load_rules(d->set.rules_dir);
	if (oui) {
		oui_free(d->oui);
		d->oui = oui;
	}
	if (p0f || rules) {
		/* The observer borrows them: swap under a fresh observer. */
		struct observer *o =
		        observer_new(d->table, p0f ? p0f : d->p0f, rules ? rules : d->rules);
		if (o) {
			observer_free(d->obs);
			d->obs = o;
			if (p0f) {
				p0f_free(d->p0f);
				d->p0f = p0f;
			}
			if (rules) {
				fp_rules_free(d->rules);
				d->rules = rules;
			}
		} else {
			p0f_free(p0f);
			fp_rules_free(rules);
		}
	}
}

/*
 * The segments the sensor watches, for its reports, when the configuration
 * does not name them: the networks of its interfaces' addresses.
 */
static void
fill_networks(struct settings *set)
{
	static char text[32][NET_CIDR_STRLEN];
	static const char *ptrs[32];
	size_t n = 0;

	for (int i = 0; i < set->n_ifaces; i++) {
		struct net_iface nif;
		if (net_iface_addrs(set->ifnames[i], &nif) != 0)
			continue;
		for (size_t k = 0; k < nif.naddrs && n < MUSTER_NELEM(text); k++) {
			struct cidr c = nif.addrs[k];
			if (net_ip_is_link_local(&c.addr) || net_ip_is_loopback(&c.addr))
				continue;
			net_cidr_normalize(&c);
			net_cidr_format(&c, text[n]);
			ptrs[n] = text[n];
			n++;
		}
	}
	set->rc.networks = ptrs;
	set->rc.n_networks = n;
}

/* Hosts the policy filters out are neither probed nor stored nor reported. */
static bool
keep_host(const struct host *h, void *arg)
{
	const struct daemon *d = arg;

	return active_host_allowed(&d->set.pol, h);
}

static bool
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Whether two [report] settings would make the same reporter. */
static bool
report_config_same(const struct report_config *a, const struct report_config *b)
{
	if (!str_same(a->server, b->server) || !str_same(a->ca_file, b->ca_file) ||
	    !str_same(a->client_cert, b->client_cert) || !str_same(a->client_key, b->client_key) ||
	    !str_same(a->token_file, b->token_file) || !str_same(a->hostname, b->hostname) ||
	    a->batch_size != b->batch_size || a->reannounce_ms != b->reannounce_ms ||
	    a->status_ms != b->status_ms || a->connect_timeout_ms != b->connect_timeout_ms ||
	    a->timeout_ms != b->timeout_ms || a->retry_min_ms != b->retry_min_ms ||
	    a->retry_max_ms != b->retry_max_ms || a->n_networks != b->n_networks)
		return false;
	for (size_t i = 0; i < a->n_networks; i++)
		if (!str_same(a->networks[i], b->networks[i]))
			return false;
	return true;
}

static void
reload(struct daemon *d)
{
	struct settings s;

	log_info("reload", "config=%s", d->conf_path);
	if (load_settings(d->conf_path, &s) != 0) {
		log_error("reload-refused", "config=%s effect=\"old configuration kept\"",
		          d->conf_path);
		return;
	}
	if (strcmp(s.user, d->set.user) != 0 || s.promisc != d->set.promisc ||
	    strcmp(s.state_dir, d->set.state_dir) != 0 || s.max_hosts != d->set.max_hosts)
		log_warn("reload-partial", "effect=\"user, promiscuous, state_dir and max_hosts "
		                           "take effect at the next start\"");
	/* What needs a restart stays as it is. */
	copy_str(s.user, sizeof(s.user), d->set.user);
	s.promisc = d->set.promisc;
	copy_str(s.state_dir, sizeof(s.state_dir), d->set.state_dir);
	s.max_hosts = d->set.max_hosts;
	/*
	 * A new reporter only when [report] changed (the token may be readable
	 * by root alone, and root is gone); if it cannot start, the old one and
	 * the old configuration stay.
	 */
	if (s.report_on && s.rc.n_networks == 0)
		fill_networks(&s);
	if (s.report_on && d->rep && report_config_same(&s.rc, &d->set.rc)) {
		/* unchanged: keep the running reporter */
	} else if (s.report_on) {
		struct reporter *rep = NULL;
		char err[256];
		if (report_new(hoststore_store(d->hs), &s.rc, &rep, err, sizeof(err)) != 0) {
			log_error("reload-refused",
			          "config=%s error=\"%s\" effect=\"old "
			          "configuration kept\"",
			          d->conf_path, err);
			config_free(s.cfg);
			return;
		}
		report_free(d->rep);
		d->rep = rep;
	} else if (d->rep) {
		report_free(d->rep);
		d->rep = NULL;
		log_info("report-off", "reason=\"no [report] server in the configuration\"");
	}
	config_free(d->set.cfg);
	d->set = s;
	log_set_level(s.level);
	load_data(d);
	sync_ifaces(d);
	/* The policy may have changed: the active half starts again under it. */
	for (int i = 0; i < d->n_ifs; i++)
		iface_active(d, &d->ifs[i]);
	hoststore_set_filter(d->hs, active_policy_filters(&d->set.pol) ? keep_host : NULL, d);
}

/*
 * Started as root: the state directory exists and belongs to the sensor's
 * user (systemd's StateDirectory= does the same when it starts the sensor).
 */
static int
prepare_state_dir(const struct settings *set, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (mkdir(set->state_dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir: %s", strerror(errno));
		return MUSTER_EIO;
	}
	if ((pw = getpwnam(set->user)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist", set->user);
		return MUSTER_EPERM;
	}
	if (chown(set->state_dir, pw->pw_uid, pw->pw_gid) != 0) {
		snprintf(err, errlen, "chown: %s", strerror(errno));
		return MUSTER_EIO;
	}
	return 0;
}

/* The store's files, opened as root, are handed to the sensor's user. */
static void
give_store_files(const struct settings *set, const char *dbpath)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	struct passwd *pw;
	char path[4200];

	if (geteuid() != 0 || (pw = getpwnam(set->user)) == NULL)
		return;
	for (size_t i = 0; i < MUSTER_NELEM(suffix); i++) {
		snprintf(path, sizeof(path), "%s%s", dbpath, suffix[i]);
		if (chown(path, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
			log_warn("store-chown", "path=%s error=\"%s\"", path, strerror(errno));
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: muster-sensor run [-c FILE] [-f]\n"
	           "\n"
	           "Run the sensor as a service on the interfaces of its configuration.\n"
	           "\n"
	           "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
	           "  -f, --foreground    log to stderr instead of syslog\n"
	           "  -t, --check         check the configuration and exit\n"
	           "  -h, --help          this text\n"
	           "\n"
	           "Signals: SIGHUP re-reads the configuration (a bad one is refused and the\n"
	           "old one kept); SIGTERM and SIGINT stop cleanly.\n");
}

int
daemon_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"foreground", no_argument, NULL, 'f'},
	        {"check", no_argument, NULL, 't'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct daemon d = {.conf_path = DEFAULT_CONFIG};
	bool foreground = false, check = false;
	char err[512], *dbpath = NULL;
	double next_flush = 0, next_check = 0;
	bool check_now;
	int ch, rc = MUSTER_EXIT_RUNTIME;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:fth", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		default:
			usage(stderr);
			return MUSTER_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return MUSTER_EXIT_USAGE;
	}
	log_init("muster-sensor", !foreground && !check, LOG_INFO_);
	if (load_settings(d.conf_path, &d.set) != 0)
		return MUSTER_EXIT_USAGE;
	if (check) {
		printf("%s: configuration ok\n", d.conf_path);
		config_free(d.set.cfg);
		return MUSTER_EXIT_OK;
	}
	log_set_level(d.set.level);

	if ((d.table = host_table_new((uint32_t)d.set.max_hosts)) == NULL)
		goto out;
	host_table_set_hooks(d.table, evict_hook, restore_hook, &d);
	load_data(&d);
	if (d.obs == NULL && (d.obs = observer_new(d.table, d.p0f, d.rules)) == NULL)
		goto out;

	/*
	 * While we may: the interfaces, the store (made the sensor user's),
	 * the reporter (it reads the token, which may be root's alone). Then
	 * give up everything else.
	 */
	sync_ifaces(&d);
	if (asprintf(&dbpath, "%s/sensor.db", d.set.state_dir) < 0)
		goto out;
	if (prepare_state_dir(&d.set, err, sizeof(err)) != 0) {
		log_error("state-dir", "path=%s error=\"%s\"", d.set.state_dir, err);
		goto out;
	}
	if ((d.hs = hoststore_open(dbpath, err, sizeof(err))) == NULL) {
		log_error("store-open", "path=%s error=\"%s\"", dbpath, err);
		goto out;
	}
	give_store_files(&d.set, dbpath);
	if (active_policy_filters(&d.set.pol))
		hoststore_set_filter(d.hs, keep_host, &d);
	if (d.set.report_on && d.set.rc.n_networks == 0)
		fill_networks(&d.set);
	if (d.set.report_on &&
	    report_new(hoststore_store(d.hs), &d.set.rc, &d.rep, err, sizeof(err)) != 0) {
		log_error("report", "error=\"%s\" effect=\"refusing to run\"", err);
		goto out;
	}
	if (privdrop(d.set.user, d.set.promisc, err, sizeof(err)) != 0) {
		log_error("privdrop", "error=\"%s\" effect=\"refusing to run\"", err);
		goto out;
	}
	log_info("privileges", "user=%s uid=%u caps=%s", d.set.user, (unsigned)getuid(),
	         d.set.promisc ? "net_raw,net_admin" : "net_raw");

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, on_hup);
	signal(SIGPIPE, SIG_IGN);
	log_info("started", "config=%s interfaces=%d store=%s", d.conf_path, d.n_ifs, dbpath);
	while (!got_term) {
		struct pollfd pfd[2 * MAX_IFACES + 16];
		int np = 0, ncap, idx[MAX_IFACES], timeout = 100;
		double now = now_mono();

		if (got_hup) {
			got_hup = 0;
			reload(&d);
		}
		/* Once a second: is every capture still bound to a live interface? */
		check_now = now >= next_check;
		if (check_now)
			next_check = now + 1;
		for (int i = 0; i < d.n_ifs; i++) {
			struct iface *f = &d.ifs[i];
			const char *why;
			if (f->cap && check_now && (why = iface_lost(f)) != NULL)
				iface_close(f, why);
			if (f->cap == NULL && now >= f->retry_at) {
				if (iface_ready(f->name))
					iface_open(&d, f);
				else
					f->retry_at = now + REOPEN_SECS;
			}
			if (f->cap == NULL)
				continue;
			if (f->act) {
				int t = active_timeout_ms(f->act, now);
				if (t < timeout)
					timeout = t;
			}
			pfd[np].fd = capture_fd(d.ifs[i].cap);
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			idx[np++] = i;
		}
		ncap = np;
		for (int i = 0; i < d.n_ifs && np < (int)MUSTER_NELEM(pfd); i++) {
			if (d.ifs[i].act == NULL)
				continue;
			pfd[np].fd = active_fd(d.ifs[i].act);
			pfd[np].events =
			        POLLIN; /* an epoll fd: readable when any socket is ready */
			pfd[np].revents = 0;
			np++;
		}
		if (d.rep) {
			int t = report_timeout_ms(d.rep);
			np += (int)report_pollfds(d.rep, pfd + np, MUSTER_NELEM(pfd) - (size_t)np);
			if (t < timeout)
				timeout = t;
		}
		if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR) {
			log_error("poll", "error=\"%s\"", strerror(errno));
			goto out;
		}
		for (int k = 0; k < ncap; k++) {
			struct iface *f = &d.ifs[idx[k]];
			bool eof;
			if (!(pfd[k].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			d.cur = f;
			if (capture_dispatch(f->cap, 0, on_packet, &d, &eof, err, sizeof(err)) < 0)
				iface_close(f, err); /* e.g. the interface went down */
		}
		d.cur = NULL;
		for (int i = 0; i < d.n_ifs; i++)
			if (d.ifs[i].act)
				active_tick(d.ifs[i].act, now_mono(), time(NULL));
		if (now_mono() >= next_flush) {
			if (hoststore_flush(d.hs, d.table, d.oui) < 0)
				log_warn("store-flush", "error=\"%s\"", hoststore_errmsg(d.hs));
			next_flush = now_mono() + FLUSH_INTERVAL;
		}
		/* After the flush: what the store holds now is what gets reported. */
		if (d.rep && report_tick(d.rep, time(NULL)) != 0)
			log_warn("report-tick", "error=\"store\"");
	}
	if (hoststore_flush(d.hs, d.table, d.oui) < 0)
		log_error("store-flush", "error=\"%s\"", hoststore_errmsg(d.hs));
	log_info("stopped", "hosts=%u packets=%llu malformed=%llu", host_table_count(d.table),
	         (unsigned long long)observer_counter(d.obs, OBS_PACKETS),
	         (unsigned long long)observer_malformed(d.obs));
	rc = MUSTER_EXIT_OK;
out:
	for (int i = 0; i < d.n_ifs; i++)
		capture_close(d.ifs[i].cap);
	observer_free(d.obs);
	host_table_free(d.table);
	report_free(d.rep);
	hoststore_close(d.hs);
	config_free(d.set.cfg);
	fp_rules_free(d.rules);
	p0f_free(d.p0f);
	oui_free(d.oui);
	free(dbpath);
	return rc;
}
