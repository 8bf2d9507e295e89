/* installer-builder/model.h: the one validated configuration model every
 * installer kind embeds (docs/installer.md), and its loaders. */
#ifndef MUSTER_INSTALLER_MODEL_H
#define MUSTER_INSTALLER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "installer-builder/encode.h"

enum inst_pkg_kind { PKG_DEB, PKG_RPM, PKG_MSI, PKG_PKG, PKG_TARGZ };
enum inst_os { OS_LINUX, OS_MACOS, OS_WINDOWS };

/* One package carried or downloaded by an installer. All strings are owned
 * by the package (freed by model_free). */
struct inst_pkg {
	char *path;              /* file on the build host; NULL for live kinds without --agent */
	char *name;              /* basename, [A-Za-z0-9._+-] only */
	enum inst_pkg_kind kind; /* from the extension, or --agent-kind */
	char *install_cmd;       /* tar.gz only: run in the extracted dir */
	uint8_t sha256[32];      /* of the file (live: pinned download hash) */
	uint64_t size;           /* bytes */
};

/* Caps the validators enforce (docs/installer.md). */
#define INST_HOST_MAX   253
#define INST_GROUP_MAX  255
#define INST_TOKEN_MAX  128
#define INST_PEM_MAX    (64 * 1024)
#define INST_POLICY_MAX (64 * 1024)
#define INST_ARCH_MAX   16

struct inst_model {
	char *server_host; /* DNS name or IP literal (no brackets) */
	uint16_t server_port;
	char *ca_pem;          /* parses as one or more X.509 certificates */
	char *client_cert_pem; /* optional, NULL when absent */
	char *client_key_pem;  /* optional, NULL when absent (secret) */
	char *token;           /* enrollment token (secret) */
	char *group;           /* "All/HQ/Linux" */
	char *policy_json;     /* validated, canonical (json-c plain, sorted) */
	struct inst_pkg agent;
	struct inst_pkg product;
	bool has_product;
	enum inst_os os;
	char *arch;              /* "amd64", "arm64", "x86_64"... */
	char installer_id[37];   /* UUID v4, lower case */
	time_t created, expires; /* expires 0 = never */
	/* extensions (after the fixed shape above) */
	char *download_url;  /* live kinds: https URL of the agent; else NULL */
	char *sign_key_path; /* optional Ed25519 private key PEM file (not loaded) */
};

/* Builder-side options parsed from the command line. Paths only: secrets are
 * read from files, never taken from argv. */
struct inst_args {
	const char *os;           /* "linux", "macos", "windows" */
	const char *arch;         /* NULL: default for os (amd64 / x86_64 / x64) */
	const char *agent;        /* package file */
	const char *agent_kind;   /* NULL: from the extension */
	const char *agent_cmd;    /* tar.gz install command */
	const char *agent_sha256; /* hex; live kinds without --agent */
	const char *product;
	const char *product_kind;
	const char *product_cmd;
	const char *server;      /* HOST:PORT or [V6]:PORT */
	const char *ca;          /* CA PEM file */
	const char *client_cert; /* optional */
	const char *client_key;  /* optional */
	const char *group;
	const char *policy; /* policy JSON file (docs/policy.md) */
	const char *token_file;
	const char *token_from_server; /* https://host:port base URL */
	const char *admin_token_file;
	const char *download_url;
	const char *sign_key;
	const char *expires;  /* "never", "N[smhdw]" from now, or @EPOCH; NULL = never */
	int token_uses;       /* --token-from-server: uses of the new token */
	bool need_agent_file; /* false for live kinds given --agent-sha256 */
};

/* Fill *m from args, reading and validating every field once. On error
 * returns a negative MUSTER_E* code and writes "field: why" to err; *m is
 * left freed. The caller frees a good model with model_free. */
int model_from_args(const struct inst_args *a, struct inst_model *m, char *err, size_t errlen);

/* Parse the JSON form written by model_to_json (as embedded in installers)
 * and validate it like model_from_args. Package paths stay NULL. */
int model_load(const char *json, size_t len, struct inst_model *m, char *err, size_t errlen);

/* The model as canonical JSON (malloc'd, caller frees), or NULL on ENOMEM.
 * mask_secrets replaces token and client key by "***". */
char *model_to_json(const struct inst_model *m, bool mask_secrets);

/* Release everything *m owns and zero it. Accepts a zeroed model. */
void model_free(struct inst_model *m);

/* Field validators, exported for tests and the other kinds. Each returns
 * true when the value is acceptable, else false with a reason in err. */
bool model_valid_host(const char *h, char *err, size_t errlen);
bool model_valid_group(const char *g, char *err, size_t errlen);
bool model_valid_token(const char *t, char *err, size_t errlen);
bool model_valid_arch(const char *a, char *err, size_t errlen);
bool model_valid_ca_pem(const char *pem, char *err, size_t errlen);

/* Validate a policy JSON document against docs/policy.md. On success returns
 * the canonical form (malloc'd, caller frees); else NULL and err says which
 * field is wrong. */
char *policy_validate(const char *json, size_t len, char *err, size_t errlen);

const char *model_os_name(enum inst_os os);            /* "linux"... */
const char *model_pkg_kind_name(enum inst_pkg_kind k); /* "deb"... */

#endif
