/* installer-builder/live.c: live installers (.sh, .ps1, .cmd) that download
 * the agent over HTTPS and check its pinned SHA-256 (docs/installer.md
 * "Live"). The language follows the output file's extension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/muster.h"
#include "installer-builder/artifact.h"
#include "installer-builder/kinds.h"
#include "installer-builder/render.h"

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int
kind_live_build(const struct inst_model *m, const char *out, char *err, size_t errlen)
{
	char *script = NULL, *cfg = NULL, *cfg_b64 = NULL, *asha = NULL, *conf = NULL;
	char *prefix = NULL, *text = NULL;
	char expires[24], port[8], disk[24];
	const char *tmpl;
	bool bom = false;
	int r = MUSTER_ENOMEM;

	if (ends_with(out, ".sh"))
		tmpl = "live.sh";
	else if (ends_with(out, ".ps1"))
		tmpl = "live.ps1",
		bom = true; /* Windows PowerShell 5.1 reads UTF-8 only with a BOM */
	else if (ends_with(out, ".cmd"))
		tmpl = "live.cmd";
	else {
		snprintf(err, errlen, "-o: a live installer ends in .sh, .ps1 or .cmd");
		return MUSTER_EINVAL;
	}
	if (m->download_url == NULL) {
		snprintf(err, errlen, "--download-url: required for live installers");
		return MUSTER_EINVAL;
	}
	if ((m->os == OS_WINDOWS) != (strcmp(tmpl, "live.sh") != 0)) {
		snprintf(err, errlen, "--os %s does not run a %s installer", model_os_name(m->os),
		         tmpl + 5);
		return MUSTER_EINVAL;
	}
	if (m->has_product) {
		snprintf(err, errlen, "--product: live installers download the agent only");
		return MUSTER_EINVAL;
	}
	if ((asha = enc_hex(m->agent.sha256, 32)) == NULL ||
	    (cfg = model_to_json(m, true)) == NULL ||
	    (cfg_b64 = enc_base64(cfg, strlen(cfg))) == NULL ||
	    (prefix = art_enroll_prefix(m)) == NULL)
		goto out;
	if ((conf = art_agent_conf(m, err, errlen)) == NULL) {
		r = MUSTER_EINVAL;
		goto out;
	}
	snprintf(expires, sizeof(expires), "%lld", (long long)m->expires);
	snprintf(port, sizeof(port), "%u", m->server_port);
	snprintf(disk, sizeof(disk), "%llu", (unsigned long long)art_disk_kb(m));
	{
		struct tvar v[] = {
		        {"INSTALLER_ID", m->installer_id},
		        {"OS", model_os_name(m->os)},
		        {"ARCH", m->arch},
		        {"EXPIRES", expires},
		        {"SERVER_HOST", m->server_host},
		        {"SERVER_PORT", port},
		        {"DOWNLOAD_URL", m->download_url},
		        {"AGENT_NAME", m->agent.name},
		        {"AGENT_KIND", model_pkg_kind_name(m->agent.kind)},
		        {"AGENT_CMD", m->agent.install_cmd != NULL ? m->agent.install_cmd : ""},
		        {"AGENT_SHA256", asha},
		        {"DISK_KB", disk},
		        {"CONFIG_B64", cfg_b64},
		        {"CA_PEM", m->ca_pem},
		        {"POLICY_JSON", m->policy_json},
		        {"AGENT_CONF", conf},
		        {"GROUP", m->group},
		        {"CLIENT_CERT_PEM", m->client_cert_pem != NULL ? m->client_cert_pem : ""},
		        {"CLIENT_KEY_PEM", m->client_key_pem != NULL ? m->client_key_pem : ""},
		        {"ENROLL_PREFIX", prefix},
		};

		if ((script = tmpl_render(tmpl, v, sizeof(v) / sizeof(v[0]), err, errlen)) ==
		    NULL) {
			r = MUSTER_EINVAL;
			goto out;
		}
	}
	if (bom) {
		size_t n = strlen(script);

		if ((text = malloc(n + 4)) == NULL)
			goto out;
		memcpy(text, "\xef\xbb\xbf", 3);
		memcpy(text + 3, script, n + 1);
	}
	r = art_write_file(out, text != NULL ? text : script, strlen(text != NULL ? text : script),
	                   0700, err, errlen);
out:
	if (r == MUSTER_ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (script != NULL) {
		explicit_bzero(script, strlen(script));
		free(script);
	}
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (prefix != NULL) {
		explicit_bzero(prefix, strlen(prefix));
		free(prefix);
	}
	free(cfg);
	free(cfg_b64);
	free(asha);
	free(conf);
	return r;
}
