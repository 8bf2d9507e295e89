/*
 * main.c - muster-server: the command line. `serve` runs the HTTPS API;
 * the other commands work on the database directly, for the admin.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <sqlite3.h>

#include "common/buf.h"
#include "common/hostrec.h"
#include "common/log.h"
#include "common/muster.h"
#include "common/text.h"
#include "server/api.h"
#include "server/body.h"
#include "server/db.h"
#include "server/http.h"
#include "server/tokens.h"

#define DEFAULT_DB "/var/lib/muster-server/server.db"
#define PEM_MAX    (1u << 20)

static const char *db_path = DEFAULT_DB;

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: muster-server [--db FILE] [--log-level LEVEL] [--syslog] COMMAND [ARGS]\n"
	        "\n"
	        "commands:\n"
	        "  serve --listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [--client-ca FILE]\n"
	        "        [--admin-token-file FILE] [--allow-plain-http] [--threads N]\n"
	        "        [--timeout SECS] [--max-body BYTES] [--ip-recency DURATION]\n"
	        "        [--port-file FILE] [--max-connections N] [--max-per-ip N]\n"
	        "                          serve the v1 API (plain HTTP only on loopback\n"
	        "                          unless --allow-plain-http)\n"
	        "  token create --group PATH --uses N --expires DURATION [--note TEXT]\n"
	        "                          issue an enrollment token (printed alone on stdout)\n"
	        "  token list [--json]     enrollment tokens, without their secrets\n"
	        "  token revoke ID         stop a token from enrolling anything more\n"
	        "  group add PATH          add a static group (All/HQ/Linux) and its parents\n"
	        "  group list [--json]\n"
	        "  sensor add NAME         register a sensor; prints its token alone on stdout\n"
	        "  sensor list [--json]\n"
	        "  sensor revoke NAME\n"
	        "  computers [--status managed|unmanaged|all] [--json|--csv]\n"
	        "                          the site's computers (--json: host records, one a "
	        "line)\n"
	        "  import FILE [--partial] computers managed elsewhere, as CSV ('-' for stdin)\n"
	        "  audit [--json] [--limit N]\n"
	        "                          who did what, when, and how it ended\n"
	        "\n"
	        "global options:\n"
	        "  --db FILE               database (default " DEFAULT_DB ")\n"
	        "  --log-level LEVEL       error, warn, info (default), debug\n"
	        "  --syslog                log to syslog instead of stderr\n"
	        "  -h, --help              this help\n"
	        "  -V, --version           print the version\n"
	        "\n"
	        "DURATION is a number and a unit: 45s, 90m, 12h, 30d, 2w (no unit: seconds).\n"
	        "exit status: 0 ok, 1 partial failure, 2 usage error, 3 runtime error\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "muster-server: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see muster-server --help)\n");
	return MUSTER_EXIT_USAGE;
}

static int
open_db(struct db **db)
{
	int r = db_open(db_path, db);

	if (r != 0)
		fprintf(stderr, "muster-server: cannot open database %s: %s\n", db_path,
		        muster_strerror(r));
	return r;
}

/* "cli:USER", who did it in the audit log. */
static void
cli_who(char *out, size_t outsz)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(out, outsz, "cli:%s", pw ? pw->pw_name : "?");
}

static bool
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Read a whole file (at most max bytes) as a NUL-terminated string; "-" is stdin. */
static int
read_file(const char *path, size_t max, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char chunk[65536];
	size_t n;
	int r = 0;

	buf_init(out, max);
	if (f == NULL)
		return MUSTER_EIO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = buf_append(out, chunk, n)) != 0)
			break;
	if (r == 0 && ferror(f))
		r = MUSTER_EIO;
	if (f != stdin)
		fclose(f);
	return r;
}

/* ---- serve ---- */

static int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, 'l'},
	        {"tls-cert", required_argument, NULL, 'c'},
	        {"tls-key", required_argument, NULL, 'k'},
	        {"client-ca", required_argument, NULL, 'a'},
	        {"admin-token-file", required_argument, NULL, 't'},
	        {"allow-plain-http", no_argument, NULL, 'P'},
	        {"threads", required_argument, NULL, 'T'},
	        {"timeout", required_argument, NULL, 'o'},
	        {"max-body", required_argument, NULL, 'm'},
	        {"ip-recency", required_argument, NULL, 'r'},
	        {"port-file", required_argument, NULL, 'p'},
	        {"max-connections", required_argument, NULL, 'C'},
	        {"max-per-ip", required_argument, NULL, 'I'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *listen = NULL, *cert = NULL, *key = NULL, *ca = NULL, *admin = NULL;
	const char *port_file = NULL;
	struct http_config hc = {0};
	struct api_config ac = {0};
	struct buf certb = {0}, keyb = {0}, cab = {0};
	struct db *db = NULL;
	struct api *api = NULL;
	struct http_server *srv = NULL;
	int64_t v, recency = DB_IP_RECENCY_DEFAULT;
	char err[256];
	sigset_t set;
	int c, sig = 0, rc = MUSTER_EXIT_RUNTIME, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 't':
			admin = optarg;
			break;
		case 'P':
			hc.allow_plain_http = true;
			break;
		case 'T':
			if (!parse_i64(optarg, 1, 256, &v))
				return usage_error("--threads wants 1..256, not %s", optarg);
			hc.threads = (unsigned)v;
			break;
		case 'o':
			if (!parse_i64(optarg, 1, 3600, &v))
				return usage_error("--timeout wants 1..3600 seconds, not %s",
				                   optarg);
			hc.timeout = (unsigned)v;
			break;
		case 'm':
			if (!parse_i64(optarg, 1024, (int64_t)1 << 30, &v))
				return usage_error(
				        "--max-body wants 1024..1073741824 bytes, not %s", optarg);
			ac.max_report_body = (size_t)v;
			break;
		case 'r':
			if (!token_parse_duration(optarg, &recency))
				return usage_error(
				        "--ip-recency wants a duration (12h, 7d), not %s", optarg);
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'C':
			if (!parse_i64(optarg, 1, 65536, &v))
				return usage_error("--max-connections wants 1..65536, not %s",
				                   optarg);
			hc.max_connections = (unsigned)v;
			break;
		case 'I':
			if (!parse_i64(optarg, 1, 65536, &v))
				return usage_error("--max-per-ip wants 1..65536, not %s", optarg);
			hc.max_per_ip = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		default:
			return usage_error("bad option for serve");
		}
	}
	if (optind != argc)
		return usage_error("serve takes no argument %s", argv[optind]);
	if (listen == NULL)
		return usage_error("serve needs --listen ADDR:PORT");
	if ((cert == NULL) != (key == NULL))
		return usage_error("--tls-cert and --tls-key go together");
	if (ca != NULL && cert == NULL)
		return usage_error("--client-ca needs --tls-cert and --tls-key");

	if (cert != NULL) {
		if (read_file(cert, PEM_MAX, &certb) != 0) {
			fprintf(stderr, "muster-server: cannot read %s: %s\n", cert,
			        strerror(errno));
			goto out;
		}
		if (read_file(key, PEM_MAX, &keyb) != 0) {
			fprintf(stderr, "muster-server: cannot read %s: %s\n", key,
			        strerror(errno));
			goto out;
		}
		hc.cert_pem = buf_cstr(&certb);
		hc.key_pem = buf_cstr(&keyb);
	}
	if (ca != NULL) {
		if (read_file(ca, PEM_MAX, &cab) != 0) {
			fprintf(stderr, "muster-server: cannot read %s: %s\n", ca, strerror(errno));
			goto out;
		}
		hc.client_ca_pem = buf_cstr(&cab);
	}
	if (admin != NULL) {
		char tok[TOKEN_MAX + 1];
		if ((r = token_read_file(admin, tok, sizeof(tok))) != 0) {
			fprintf(stderr, "muster-server: cannot use admin token file %s: %s\n",
			        admin,
			        r == MUSTER_EIO ? strerror(errno)
			                        : "want one line of 16..256 printable characters");
			goto out;
		}
		token_hash(tok, strlen(tok), ac.admin_token_hash);
		OPENSSL_cleanse(tok, sizeof(tok));
	}
	/*
	 * One connection, used under the api's lock: SQLite's own per-call
	 * mutexes only cost time. Must come before SQLite initialises.
	 */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	if (open_db(&db) != 0)
		goto out;
	db_set_ip_recency(db, recency);
	if ((api = api_new(db, &ac)) == NULL)
		goto out;

	/* Block the stop signals before threads start, so only sigwait() sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	hc.listen = listen;
	hc.handler = api_handle;
	hc.limit = api_body_limit;
	hc.precheck = api_precheck;
	hc.arg = api;
	if (http_start(&hc, &srv, err, sizeof(err)) != 0) {
		fprintf(stderr, "muster-server: %s\n", err);
		goto out;
	}
	if (port_file != NULL) {
		FILE *pf = fopen(port_file, "we");
		if (pf == NULL || fprintf(pf, "%u\n", (unsigned)http_port(srv)) < 0 ||
		    fclose(pf) != 0) {
			fprintf(stderr, "muster-server: cannot write %s\n", port_file);
			goto out;
		}
	}
	log_info("listening",
	         "listen=%s port=%u tls=%s client_ca=%s admin_api=%s db=%s ip_recency=%llds",
	         listen, (unsigned)http_port(srv), cert ? "yes" : "no", ca ? "yes" : "no",
	         admin ? "on" : "off", db_path, (long long)recency);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* nothing to reload yet */
		break;
	}
	log_info("stopping", "signal=%d", sig);
	rc = MUSTER_EXIT_OK;
out:
	http_stop(srv);
	api_free(api);
	db_close(db);
	buf_free(&certb);
	if (keyb.data)
		OPENSSL_cleanse(keyb.data, keyb.len);
	buf_free(&keyb);
	buf_free(&cab);
	return rc;
}

/* ---- token ---- */

static int
print_token(void *arg, const struct db_token *t)
{
	bool json = *(bool *)arg;
	char created[21], expires[21];
	time_t now = time(NULL);
	const char *state = t->revoked          ? "revoked"
	                    : t->expires <= now ? "expired"
	                    : t->uses_left <= 0 ? "exhausted"
	                                        : "active";

	hostrec_format_time(t->created, created);
	hostrec_format_time(t->expires, expires);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(t->id));
		json_object_object_add(o, "group", json_object_new_string(t->group));
		json_object_object_add(o, "uses", json_object_new_int64(t->uses_total));
		json_object_object_add(o, "uses_left", json_object_new_int64(t->uses_left));
		json_object_object_add(o, "created", json_object_new_string(created));
		json_object_object_add(o, "expires", json_object_new_string(expires));
		json_object_object_add(o, "revoked", json_object_new_boolean(t->revoked));
		json_object_object_add(o, "state", json_object_new_string(state));
		if (t->note[0])
			json_object_object_add(o, "note", json_object_new_string(t->note));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%-5lld  %-9s  %5lld/%-5lld  %-20s  %-30s  %s\n", (long long)t->id, state,
		       (long long)t->uses_left, (long long)t->uses_total, expires, t->group,
		       t->note);
	}
	return 0;
}

static int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"group", required_argument, NULL, 'g'},
	        {"uses", required_argument, NULL, 'u'},
	        {"expires", required_argument, NULL, 'e'},
	        {"note", required_argument, NULL, 'n'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *group = NULL, *note = NULL, *sub;
	int64_t uses = 0, expires = 0, id;
	bool json = false, have_uses = false;
	char who[DB_WHO_MAX], path[GROUP_PATH_MAX], err[BODY_ERR_MAX];
	struct db *db = NULL;
	int c, r, rc = MUSTER_EXIT_RUNTIME;

	if (argc < 2)
		return usage_error("token wants create, list or revoke");
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			group = optarg;
			break;
		case 'u':
			if (!parse_i64(optarg, 1, 1000000, &uses))
				return usage_error("--uses wants 1..1000000, not %s", optarg);
			have_uses = true;
			break;
		case 'e':
			if (!token_parse_duration(optarg, &expires))
				return usage_error(
				        "--expires wants a duration (45m, 12h, 30d), not %s",
				        optarg);
			break;
		case 'n':
			note = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		default:
			return usage_error("bad option for token");
		}
	}
	cli_who(who, sizeof(who));
	if (strcmp(sub, "create") == 0) {
		char tok[TOKEN_STRLEN], hash[TOKEN_HASHLEN], target[48],
		        detail[GROUP_PATH_MAX + 64];
		int64_t gid;
		time_t now = time(NULL);

		if (group == NULL || !have_uses || expires == 0 || optind != argc)
			return usage_error("token create --group PATH --uses N --expires DURATION");
		if (group_path_normalize(group, path, err, sizeof(err)) != 0)
			return usage_error("bad --group: %s", err);
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if ((r = db_group_find(db, path, &gid)) != 0) {
			if (r == MUSTER_ENOENT)
				fprintf(stderr,
				        "muster-server: no group %s (add it with: muster-server "
				        "group add "
				        "%s)\n",
				        path, path);
			goto out;
		}
		if (token_generate(TOKEN_ENROLL, tok) != 0)
			goto out;
		token_hash(tok, strlen(tok), hash);
		if ((r = db_token_add(db, hash, gid, uses, now, now + expires, note, &id)) != 0) {
			fprintf(stderr, "muster-server: cannot store the token: %s\n",
			        db_errmsg(db));
			goto out;
		}
		snprintf(target, sizeof(target), "token %lld", (long long)id);
		snprintf(detail, sizeof(detail), "group %s, %lld uses, expires in %llds", path,
		         (long long)uses, (long long)expires);
		db_audit(db, now, who, "token create", target, "ok", detail);
		printf("%s\n", tok);
		OPENSSL_cleanse(tok, sizeof(tok));
		fprintf(stderr,
		        "muster-server: enrollment token %lld for %s, %lld uses, expires in "
		        "%llds\n",
		        (long long)id, path, (long long)uses, (long long)expires);
		rc = MUSTER_EXIT_OK;
	} else if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return usage_error("token list takes no argument %s", argv[optind]);
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if (!json)
			printf("%-5s  %-9s  %11s  %-20s  %-30s  %s\n", "ID", "STATE", "LEFT/USES",
			       "EXPIRES", "GROUP", "NOTE");
		if (db_token_list(db, print_token, &json) == 0)
			rc = MUSTER_EXIT_OK;
	} else if (strcmp(sub, "revoke") == 0) {
		char target[48];
		if (optind + 1 != argc || !parse_i64(argv[optind], 1, INT64_MAX, &id))
			return usage_error("token revoke ID");
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		snprintf(target, sizeof(target), "token %lld", (long long)id);
		r = db_token_revoke(db, id, time(NULL));
		db_audit(db, time(NULL), who, "token revoke", target,
		         r == 0               ? "ok"
		         : r == MUSTER_ENOENT ? "refused: no such token"
		                              : "failed",
		         NULL);
		if (r == MUSTER_ENOENT)
			fprintf(stderr, "muster-server: no token %lld\n", (long long)id);
		else if (r == 0)
			rc = MUSTER_EXIT_OK;
	} else {
		return usage_error("unknown token command %s", sub);
	}
out:
	db_close(db);
	return rc;
}

/* ---- group ---- */

static int
print_group(void *arg, const struct db_group *g)
{
	bool json = *(bool *)arg;

	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(g->id));
		json_object_object_add(o, "path", json_object_new_string(g->path));
		json_object_object_add(o, "computers", json_object_new_int64(g->computers));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%-50s  %lld\n", g->path, (long long)g->computers);
	}
	return 0;
}

static int
cmd_group(int argc, char **argv)
{
	char path[GROUP_PATH_MAX], err[BODY_ERR_MAX], who[DB_WHO_MAX];
	struct db *db = NULL;
	int rc = MUSTER_EXIT_RUNTIME;

	if (argc < 2)
		return usage_error("group wants add or list");
	cli_who(who, sizeof(who));
	if (strcmp(argv[1], "add") == 0) {
		int64_t id;
		bool created;
		if (argc != 3)
			return usage_error("group add PATH");
		if (group_path_normalize(argv[2], path, err, sizeof(err)) != 0)
			return usage_error("bad group path: %s", err);
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if (db_group_ensure(db, path, time(NULL), &id, &created) == 0) {
			db_audit(db, time(NULL), who, "group add", path, "ok",
			         created ? "created" : "existed");
			printf("%s\n", path);
			rc = MUSTER_EXIT_OK;
		} else {
			fprintf(stderr, "muster-server: cannot add %s: %s\n", path, db_errmsg(db));
		}
	} else if (strcmp(argv[1], "list") == 0) {
		bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
		if (argc > 3 || (argc == 3 && !json))
			return usage_error("group list [--json]");
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if (!json)
			printf("%-50s  %s\n", "GROUP", "MANAGED");
		if (db_group_list(db, print_group, &json) == 0)
			rc = MUSTER_EXIT_OK;
	} else {
		return usage_error("unknown group command %s", argv[1]);
	}
	db_close(db);
	return rc;
}

/* ---- sensor ---- */

static int
print_sensor(void *arg, const struct db_sensor *s)
{
	bool json = *(bool *)arg;
	char last[21] = "-";

	if (s->last_report)
		hostrec_format_time(s->last_report, last);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "revoked", json_object_new_boolean(s->revoked));
		json_object_object_add(o, "reports", json_object_new_int64(s->reports));
		json_object_object_add(o, "last_report",
		                       s->last_report ? json_object_new_string(last) : NULL);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%-30s  %-7s  %8lld  %s\n", s->name, s->revoked ? "revoked" : "active",
		       (long long)s->reports, last);
	}
	return 0;
}

static int
cmd_sensor(int argc, char **argv)
{
	char who[DB_WHO_MAX];
	struct db *db = NULL;
	int rc = MUSTER_EXIT_RUNTIME, r;

	if (argc < 2)
		return usage_error("sensor wants add, list or revoke");
	cli_who(who, sizeof(who));
	if (strcmp(argv[1], "add") == 0) {
		char tok[TOKEN_STRLEN], hash[TOKEN_HASHLEN], target[TEXT_NAME_MAX + 16];
		if (argc != 3)
			return usage_error("sensor add NAME");
		if (argv[2][0] == '\0' || strlen(argv[2]) > 128 || !text_is_safe(argv[2]))
			return usage_error("a sensor name is 1..128 printable characters");
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if (token_generate(TOKEN_SENSOR, tok) != 0)
			goto out;
		token_hash(tok, strlen(tok), hash);
		r = db_sensor_add(db, argv[2], hash, time(NULL), NULL);
		snprintf(target, sizeof(target), "sensor %s", argv[2]);
		db_audit(db, time(NULL), who, "sensor add", target,
		         r == 0               ? "ok"
		         : r == MUSTER_EEXIST ? "refused: name taken"
		                              : "failed",
		         NULL);
		if (r == MUSTER_EEXIST) {
			fprintf(stderr, "muster-server: there is already a sensor %s\n", argv[2]);
		} else if (r != 0) {
			fprintf(stderr, "muster-server: cannot add the sensor: %s\n",
			        db_errmsg(db));
		} else {
			printf("%s\n", tok);
			rc = MUSTER_EXIT_OK;
		}
		OPENSSL_cleanse(tok, sizeof(tok));
	} else if (strcmp(argv[1], "list") == 0) {
		bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
		if (argc > 3 || (argc == 3 && !json))
			return usage_error("sensor list [--json]");
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		if (!json)
			printf("%-30s  %-7s  %8s  %s\n", "SENSOR", "STATE", "REPORTS",
			       "LAST REPORT");
		if (db_sensor_list(db, print_sensor, &json) == 0)
			rc = MUSTER_EXIT_OK;
	} else if (strcmp(argv[1], "revoke") == 0) {
		char target[TEXT_NAME_MAX + 16];
		if (argc != 3)
			return usage_error("sensor revoke NAME");
		if (open_db(&db) != 0)
			return MUSTER_EXIT_RUNTIME;
		r = db_sensor_revoke(db, argv[2]);
		snprintf(target, sizeof(target), "sensor %s", argv[2]);
		db_audit(db, time(NULL), who, "sensor revoke", target,
		         r == 0 ? "ok" : "refused: no such sensor", NULL);
		if (r == 0)
			rc = MUSTER_EXIT_OK;
		else
			fprintf(stderr, "muster-server: no sensor %s\n", argv[2]);
	} else {
		return usage_error("unknown sensor command %s", argv[1]);
	}
out:
	db_close(db);
	return rc;
}

/* ---- computers ---- */

struct print_ctx {
	enum api_format fmt;
	struct buf line;
};

static int
print_computer(void *arg, const struct hostrec *h)
{
	struct print_ctx *p = arg;
	int r;

	buf_reset(&p->line);
	if ((r = api_format_computer(p->fmt, h, &p->line)) != 0)
		return r;
	if (p->line.len > 0 && fwrite(p->line.data, 1, p->line.len, stdout) != p->line.len)
		return MUSTER_EIO;
	return 0;
}

static int
cmd_computers(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"status", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"csv", no_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct print_ctx p = {.fmt = API_FMT_TABLE};
	enum db_status_filter f = DB_STATUS_ALL;
	struct db *db = NULL;
	int c, r, rc = MUSTER_EXIT_RUNTIME;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strcmp(optarg, "managed") == 0)
				f = DB_STATUS_MANAGED;
			else if (strcmp(optarg, "unmanaged") == 0)
				f = DB_STATUS_UNMANAGED;
			else if (strcmp(optarg, "all") == 0)
				f = DB_STATUS_ALL;
			else
				return usage_error(
				        "--status wants managed, unmanaged or all, not %s", optarg);
			break;
		case 'j':
			p.fmt = API_FMT_JSONL;
			break;
		case 'c':
			p.fmt = API_FMT_CSV;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		default:
			return usage_error("bad option for computers");
		}
	}
	if (optind != argc)
		return usage_error("computers takes no argument %s", argv[optind]);
	if (open_db(&db) != 0)
		return MUSTER_EXIT_RUNTIME;
	buf_init(&p.line, (size_t)4 << 20);
	if (api_format_header(p.fmt, &p.line) == 0 &&
	    (p.line.len == 0 || fwrite(p.line.data, 1, p.line.len, stdout) == p.line.len)) {
		r = db_computers(db, f, print_computer, &p);
		if (r == 0 && fflush(stdout) == 0)
			rc = MUSTER_EXIT_OK;
		else
			fprintf(stderr, "muster-server: cannot list computers: %s\n",
			        muster_strerror(r));
	}
	buf_free(&p.line);
	db_close(db);
	return rc;
}

/* ---- import ---- */

static int
cmd_import(int argc, char **argv)
{
	struct import_list l;
	struct db_import_result res;
	struct buf in;
	struct db *db = NULL;
	char err[BODY_ERR_MAX], who[DB_WHO_MAX];
	const char *file = NULL;
	bool partial = false;
	int r, rc = MUSTER_EXIT_RUNTIME;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--partial") == 0)
			partial = true;
		else if (file == NULL)
			file = argv[i];
		else
			return usage_error("import FILE [--partial]");
	}
	if (file == NULL)
		return usage_error("import FILE [--partial]");
	if (read_file(file, API_IMPORT_BODY_MAX, &in) != 0) {
		fprintf(stderr, "muster-server: cannot read %s (or larger than %zu bytes)\n", file,
		        API_IMPORT_BODY_MAX);
		buf_free(&in);
		return MUSTER_EXIT_RUNTIME;
	}
	r = import_parse(in.data, in.len, &l, err, sizeof(err));
	buf_free(&in);
	if (r != 0) {
		fprintf(stderr, "muster-server: %s: %s\n", file, err);
		return MUSTER_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < l.n_errors && i < IMPORT_MAX_ERRORS; i++)
		fprintf(stderr, "muster-server: %s: %s\n", file, l.errors[i]);
	if (l.n_errors > IMPORT_MAX_ERRORS)
		fprintf(stderr, "muster-server: %s: ... %zu bad lines in all\n", file, l.n_errors);
	if (l.n_errors > 0 && !partial) {
		fprintf(stderr,
		        "muster-server: nothing imported (--partial imports the good lines)\n");
		import_clear(&l);
		return MUSTER_EXIT_RUNTIME;
	}
	if (open_db(&db) != 0)
		goto out;
	cli_who(who, sizeof(who));
	if ((r = db_import(db, &l, who, time(NULL), &res)) != 0) {
		fprintf(stderr, "muster-server: import failed: %s\n", db_errmsg(db));
		goto out;
	}
	printf("%zu created, %zu updated, %zu computers matched, %zu bad lines skipped\n",
	       res.created, res.updated, res.matched, l.n_errors);
	rc = l.n_errors > 0 ? MUSTER_EXIT_PARTIAL : MUSTER_EXIT_OK;
out:
	import_clear(&l);
	db_close(db);
	return rc;
}

/* ---- audit ---- */

static int
print_audit(void *arg, const struct db_audit_entry *e)
{
	bool json = *(bool *)arg;
	char at[21];

	hostrec_format_time(e->at, at);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(e->id));
		json_object_object_add(o, "at", json_object_new_string(at));
		json_object_object_add(o, "who", json_object_new_string(e->who));
		json_object_object_add(o, "action", json_object_new_string(e->action));
		json_object_object_add(o, "target", json_object_new_string(e->target));
		json_object_object_add(o, "result", json_object_new_string(e->result));
		if (e->detail[0])
			json_object_object_add(o, "detail", json_object_new_string(e->detail));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%s  %-24s  %-14s  %-30s  %s%s%s\n", at, e->who, e->action, e->target,
		       e->result, e->detail[0] ? " - " : "", e->detail);
	}
	return 0;
}

static int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"json", no_argument, NULL, 'j'},
	        {"limit", required_argument, NULL, 'n'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct db *db = NULL;
	bool json = false;
	int64_t limit = 0;
	int c, rc = MUSTER_EXIT_RUNTIME;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			if (!parse_i64(optarg, 1, INT64_MAX, &limit))
				return usage_error("--limit wants a positive number, not %s",
				                   optarg);
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		default:
			return usage_error("bad option for audit");
		}
	}
	if (optind != argc)
		return usage_error("audit takes no argument %s", argv[optind]);
	if (open_db(&db) != 0)
		return MUSTER_EXIT_RUNTIME;
	if (db_audit_list(db, limit, print_audit, &json) == 0)
		rc = MUSTER_EXIT_OK;
	db_close(db);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'}, {"log-level", required_argument, NULL, 'L'},
	        {"syslog", no_argument, NULL, 'S'},   {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},  {NULL, 0, NULL, 0},
	};
	enum log_level level = LOG_INFO_;
	bool to_syslog = false;
	const char *cmd;
	int c;

	/* '+': stop at the command; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'L':
			if (!log_level_parse(optarg, &level))
				return usage_error("unknown log level %s", optarg);
			break;
		case 'S':
			to_syslog = true;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		case 'V':
			printf("muster-server %s\n", MUSTER_VERSION);
			return MUSTER_EXIT_OK;
		default:
			return usage_error("bad option");
		}
	}
	log_init("muster-server", to_syslog, level);
	if (optind >= argc)
		return usage_error("no command given");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc, argv);
	if (strcmp(cmd, "group") == 0)
		return cmd_group(argc, argv);
	if (strcmp(cmd, "sensor") == 0)
		return cmd_sensor(argc, argv);
	if (strcmp(cmd, "computers") == 0)
		return cmd_computers(argc, argv);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc, argv);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return MUSTER_EXIT_OK;
	}
	return usage_error("unknown command %s", cmd);
}
