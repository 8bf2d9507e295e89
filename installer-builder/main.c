/* installer-builder/main.c: muster-installer, the command line. Builds
 * all-in-one, live and gpo-sccm installers from one validated model, and
 * inspects installers (docs/installer.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/log.h"
#include "common/muster.h"
#include "installer-builder/inspect.h"
#include "installer-builder/kinds.h"
#ifdef MUSTER_HAVE_GPO
#include "installer-builder/gpo.h"
#endif
#include "installer-builder/model.h"

#define INSTALLER_FILE_MAX ((size_t)3 << 30)

static void
usage(FILE *f)
{
	fputs("usage: muster-installer all-in-one|live|gpo-sccm [options] -o OUT\n"
	      "       muster-installer inspect FILE [--json] [--pubkey PEM]\n"
	      "configuration (all kinds):\n"
	      "  --os linux|macos|windows   --arch ARCH (default amd64 / x86_64 / x64)\n"
	      "  --server HOST:PORT         --ca FILE (server CA, PEM)\n"
	      "  --client-cert FILE --client-key FILE (optional)\n"
	      "  --group PATH               --policy FILE (JSON, docs/policy.md)\n"
	      "  --token-file FILE | --token-from-server URL --admin-token-file FILE [--token-uses "
	      "N]\n"
	      "  --agent FILE [--agent-kind deb|rpm|msi|pkg|tar.gz] [--agent-cmd CMD]\n"
	      "  --product FILE [--product-kind K] [--product-cmd CMD] (all-in-one)\n"
	      "  --agent-sha256 HEX         --download-url URL (live)\n"
	      "  --sign-key FILE (Ed25519 PEM, all-in-one)   --expires never|N[smhdw]|@EPOCH\n"
	      "  -o, --output OUT (file; a directory for gpo-sccm)\n"
	      "exit: 0 ok, 2 usage, 3 error (inspect: 1 integrity bad)\n",
	      f);
}

enum {
	O_OS = 256,
	O_ARCH,
	O_AGENT,
	O_AGENT_KIND,
	O_AGENT_CMD,
	O_AGENT_SHA,
	O_PRODUCT,
	O_PRODUCT_KIND,
	O_PRODUCT_CMD,
	O_SERVER,
	O_CA,
	O_CCERT,
	O_CKEY,
	O_GROUP,
	O_POLICY,
	O_TOKEN_FILE,
	O_TOKEN_SERVER,
	O_ADMIN_TOKEN,
	O_TOKEN_USES,
	O_URL,
	O_SIGN,
	O_EXPIRES,
	O_JSON,
	O_PUBKEY,
	O_VERSION,
};

static const struct option opts[] = {
        {"os", required_argument, NULL, O_OS},
        {"arch", required_argument, NULL, O_ARCH},
        {"agent", required_argument, NULL, O_AGENT},
        {"agent-kind", required_argument, NULL, O_AGENT_KIND},
        {"agent-cmd", required_argument, NULL, O_AGENT_CMD},
        {"agent-sha256", required_argument, NULL, O_AGENT_SHA},
        {"product", required_argument, NULL, O_PRODUCT},
        {"product-kind", required_argument, NULL, O_PRODUCT_KIND},
        {"product-cmd", required_argument, NULL, O_PRODUCT_CMD},
        {"server", required_argument, NULL, O_SERVER},
        {"ca", required_argument, NULL, O_CA},
        {"client-cert", required_argument, NULL, O_CCERT},
        {"client-key", required_argument, NULL, O_CKEY},
        {"group", required_argument, NULL, O_GROUP},
        {"policy", required_argument, NULL, O_POLICY},
        {"token-file", required_argument, NULL, O_TOKEN_FILE},
        {"token-from-server", required_argument, NULL, O_TOKEN_SERVER},
        {"admin-token-file", required_argument, NULL, O_ADMIN_TOKEN},
        {"token-uses", required_argument, NULL, O_TOKEN_USES},
        {"download-url", required_argument, NULL, O_URL},
        {"sign-key", required_argument, NULL, O_SIGN},
        {"expires", required_argument, NULL, O_EXPIRES},
        {"output", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, O_JSON},
        {"pubkey", required_argument, NULL, O_PUBKEY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
};

static int
read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *p;

	*out = NULL;
	if (f == NULL)
		return MUSTER_EIO;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		fclose(f);
		return MUSTER_ETOOBIG;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return MUSTER_ENOMEM;
	}
	*len = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	p[*len] = '\0';
	*out = p;
	return 0;
}

static int
cmd_inspect(const char *file, bool json, const char *pubkey)
{
	struct json_object *o = NULL, *x;
	uint8_t *data = NULL, *pub = NULL;
	size_t len = 0, plen = 0;
	int r;

	if ((r = read_all(file, INSTALLER_FILE_MAX, &data, &len)) != 0) {
		fprintf(stderr, "muster-installer: %s: %s\n", file,
		        r == MUSTER_EIO ? strerror(errno) : muster_strerror(r));
		return MUSTER_EXIT_RUNTIME;
	}
	if (pubkey != NULL && read_all(pubkey, 64 * 1024, &pub, &plen) != 0) {
		fprintf(stderr, "muster-installer: --pubkey %s: cannot read\n", pubkey);
		free(data);
		return MUSTER_EXIT_RUNTIME;
	}
	r = inspect_buffer(data, len, (char *)pub, &o);
	free(data);
	free(pub);
	if (r != 0) {
		fprintf(stderr, "muster-installer: %s: not a muster installer\n", file);
		return MUSTER_EXIT_RUNTIME;
	}
	json_object_object_add(o, "file", json_object_new_string(file));
	if (json) {
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
		                                               JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		struct json_object *c, *cfg;

		json_object_object_get_ex(o, "kind", &x);
		printf("file:      %s\nkind:      %s\n", file, json_object_get_string(x));
		if (json_object_object_get_ex(o, "config", &cfg) && cfg != NULL) {
			printf("config:    %s\n",
			       json_object_to_json_string_ext(
			               cfg,
			               JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		}
		json_object_object_get_ex(o, "checks", &c);
		for (size_t i = 0; i < json_object_array_length(c); i++) {
			struct json_object *e = json_object_array_get_idx(c, i), *n, *ok, *d;

			json_object_object_get_ex(e, "check", &n);
			json_object_object_get_ex(e, "ok", &ok);
			json_object_object_get_ex(e, "detail", &d);
			printf("check:     %-16s %s  %s\n", json_object_get_string(n),
			       json_object_get_boolean(ok) ? "ok " : "BAD",
			       json_object_get_string(d));
		}
		json_object_object_get_ex(o, "integrity", &x);
		printf("integrity: %s\n", json_object_get_string(x));
	}
	json_object_object_get_ex(o, "integrity", &x);
	r = strcmp(json_object_get_string(x), "ok") == 0 ? MUSTER_EXIT_OK : MUSTER_EXIT_PARTIAL;
	json_object_put(o);
	return r;
}

static bool
parse_int(const char *s, int lo, int hi, int *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi)
		return false;
	*v = (int)x;
	return true;
}

int
main(int argc, char **argv)
{
	struct inst_args a = {0};
	struct inst_model m;
	const char *cmd, *out = NULL, *pubkey = NULL;
	char err[512] = "";
	bool json = false;
	int c, r;

	log_init("muster-installer", false, LOG_INFO_);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return MUSTER_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("muster-installer %s\n", MUSTER_VERSION);
		return MUSTER_EXIT_OK;
	}
	if (argc < 2) {
		usage(stderr);
		return MUSTER_EXIT_USAGE;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case O_OS:
			a.os = optarg;
			break;
		case O_ARCH:
			a.arch = optarg;
			break;
		case O_AGENT:
			a.agent = optarg;
			break;
		case O_AGENT_KIND:
			a.agent_kind = optarg;
			break;
		case O_AGENT_CMD:
			a.agent_cmd = optarg;
			break;
		case O_AGENT_SHA:
			a.agent_sha256 = optarg;
			break;
		case O_PRODUCT:
			a.product = optarg;
			break;
		case O_PRODUCT_KIND:
			a.product_kind = optarg;
			break;
		case O_PRODUCT_CMD:
			a.product_cmd = optarg;
			break;
		case O_SERVER:
			a.server = optarg;
			break;
		case O_CA:
			a.ca = optarg;
			break;
		case O_CCERT:
			a.client_cert = optarg;
			break;
		case O_CKEY:
			a.client_key = optarg;
			break;
		case O_GROUP:
			a.group = optarg;
			break;
		case O_POLICY:
			a.policy = optarg;
			break;
		case O_TOKEN_FILE:
			a.token_file = optarg;
			break;
		case O_TOKEN_SERVER:
			a.token_from_server = optarg;
			break;
		case O_ADMIN_TOKEN:
			a.admin_token_file = optarg;
			break;
		case O_TOKEN_USES:
			if (!parse_int(optarg, 1, 1000000, &a.token_uses)) {
				fprintf(stderr, "muster-installer: --token-uses: 1-1000000\n");
				return MUSTER_EXIT_USAGE;
			}
			break;
		case O_URL:
			a.download_url = optarg;
			break;
		case O_SIGN:
			a.sign_key = optarg;
			break;
		case O_EXPIRES:
			a.expires = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case O_PUBKEY:
			pubkey = optarg;
			break;
		case 'h':
			usage(stdout);
			return MUSTER_EXIT_OK;
		case O_VERSION:
			printf("muster-installer %s\n", MUSTER_VERSION);
			return MUSTER_EXIT_OK;
		default:
			usage(stderr);
			return MUSTER_EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "inspect") == 0) {
		if (optind != argc - 1) {
			usage(stderr);
			return MUSTER_EXIT_USAGE;
		}
		return cmd_inspect(argv[optind], json, pubkey);
	}
	if (optind != argc) {
		fprintf(stderr, "muster-installer: unexpected argument '%s'\n", argv[optind]);
		return MUSTER_EXIT_USAGE;
	}
	if (strcmp(cmd, "all-in-one") != 0 && strcmp(cmd, "live") != 0 &&
	    strcmp(cmd, "gpo-sccm") != 0) {
		fprintf(stderr, "muster-installer: unknown command '%s'\n", cmd);
		usage(stderr);
		return MUSTER_EXIT_USAGE;
	}
	if (out == NULL) {
		fprintf(stderr, "muster-installer: -o OUT is required\n");
		return MUSTER_EXIT_USAGE;
	}
	a.need_agent_file = strcmp(cmd, "live") != 0;
	/* Only the shell all-in-one carries a signature; anything else would
	 * leave the admin believing an unsigned file was signed. */
	if (a.sign_key != NULL &&
	    (strcmp(cmd, "all-in-one") != 0 || (a.os != NULL && strcmp(a.os, "windows") == 0))) {
		fprintf(stderr,
		        "muster-installer: --sign-key: only the Linux and macOS all-in-one "
		        "installers are signed; drop it for %s%s\n",
		        cmd, a.os != NULL && strcmp(a.os, "windows") == 0 ? " --os windows" : "");
		return MUSTER_EXIT_USAGE;
	}
	if ((r = model_from_args(&a, &m, err, sizeof(err))) != 0) {
		fprintf(stderr, "muster-installer: %s\n", err);
		return r == MUSTER_EINVAL || r == MUSTER_EPARSE ? MUSTER_EXIT_USAGE
		                                                : MUSTER_EXIT_RUNTIME;
	}
	if (strcmp(cmd, "all-in-one") == 0 && m.os == OS_WINDOWS) {
		/* Windows: the bootstrapper .exe carrying the MSIs and the configuration. */
#ifdef MUSTER_HAVE_GPO
		r = kind_win_allinone_build(&m, gpo_bootstrap_exe_default(), out, err, sizeof(err));
#else
		snprintf(err, sizeof(err),
		         "--os windows: the bootstrapper is not built into "
		         "this muster-installer");
		r = MUSTER_EINVAL;
#endif
	} else if (strcmp(cmd, "all-in-one") == 0) {
		r = kind_allinone_build(&m, out, err, sizeof(err));
	} else if (strcmp(cmd, "live") == 0) {
		r = kind_live_build(&m, out, err, sizeof(err));
	} else {
#ifdef MUSTER_HAVE_GPO
		r = kind_gpo_build(&m, out, err, sizeof(err));
#else
		snprintf(err, sizeof(err), "gpo-sccm: not built into this muster-installer");
		r = MUSTER_EINVAL;
#endif
	}
	if (r != 0) {
		fprintf(stderr, "muster-installer: %s\n", err);
		model_free(&m);
		return MUSTER_EXIT_RUNTIME;
	}
	printf("built kind=%s os=%s arch=%s installer_id=%s out=%s\n", cmd, model_os_name(m.os),
	       m.arch, m.installer_id, out);
	model_free(&m);
	return MUSTER_EXIT_OK;
}
