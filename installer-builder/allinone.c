/* installer-builder/allinone.c: the Linux/macOS all-in-one: a POSIX sh
 * (templates/allinone.sh) followed by a tar.gz payload whose SHA-256 the
 * script checks before unpacking; optionally Ed25519-signed (docs/installer.md
 * "All-in-one"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/muster.h"
#include "installer-builder/artifact.h"
#include "installer-builder/kinds.h"
#include "installer-builder/render.h"

#define SIG_LINE_EMPTY "\nMUSTER_SIG=''\n"

int
kind_allinone_build(const struct inst_model *m, const char *out, char *err, size_t errlen)
{
	struct buf payload, file;
	char *script = NULL, *cfg = NULL, *cfg_b64 = NULL, *pub = NULL, *pub_b64 = NULL;
	char *psha = NULL, *asha = NULL, *prsha = NULL, *sig = NULL;
	char expires[24], port[8], psize[24], disk[24], msg[128];
	void *key = NULL;
	uint8_t sha[32];
	int r;

	buf_init(&file, (size_t)3 << 30);
	if (m->os == OS_WINDOWS) {
		snprintf(err, errlen,
		         "--os windows: the Windows all-in-one is the .exe bootstrapper");
		return MUSTER_EINVAL;
	}
	if ((r = art_payload(m, &payload, err, errlen)) != 0)
		return r;
	r = MUSTER_ENOMEM;
	art_sha256(payload.data, payload.len, sha);
	if ((psha = enc_hex(sha, 32)) == NULL || (asha = enc_hex(m->agent.sha256, 32)) == NULL ||
	    (prsha = enc_hex(m->product.sha256, 32)) == NULL ||
	    (cfg = model_to_json(m, true)) == NULL ||
	    (cfg_b64 = enc_base64(cfg, strlen(cfg))) == NULL)
		goto out;
	if (m->sign_key_path != NULL) {
		if ((r = art_sign_load(m->sign_key_path, &key, &pub, err, errlen)) != 0)
			goto out;
		r = MUSTER_ENOMEM;
		if ((pub_b64 = enc_base64(pub, strlen(pub))) == NULL)
			goto out;
	}
	snprintf(expires, sizeof(expires), "%lld", (long long)m->expires);
	snprintf(port, sizeof(port), "%u", m->server_port);
	snprintf(psize, sizeof(psize), "%zu", payload.len);
	snprintf(disk, sizeof(disk), "%llu", (unsigned long long)art_disk_kb(m));
	{
		struct tvar v[] = {
		        {"INSTALLER_ID", m->installer_id},
		        {"OS", model_os_name(m->os)},
		        {"ARCH", m->arch},
		        {"EXPIRES", expires},
		        {"SERVER_HOST", m->server_host},
		        {"SERVER_PORT", port},
		        {"AGENT_NAME", m->agent.name},
		        {"AGENT_KIND", model_pkg_kind_name(m->agent.kind)},
		        {"AGENT_CMD", m->agent.install_cmd != NULL ? m->agent.install_cmd : ""},
		        {"AGENT_SHA256", asha},
		        {"PRODUCT_NAME", m->has_product ? m->product.name : ""},
		        {"PRODUCT_KIND",
		         m->has_product ? model_pkg_kind_name(m->product.kind) : ""},
		        {"PRODUCT_CMD", m->has_product && m->product.install_cmd != NULL
		                                ? m->product.install_cmd
		                                : ""},
		        {"PRODUCT_SHA256", m->has_product ? prsha : ""},
		        {"DISK_KB", disk},
		        {"PAYLOAD_SIZE", psize},
		        {"PAYLOAD_SHA256", psha},
		        {"PUBKEY_B64", pub_b64 != NULL ? pub_b64 : ""},
		        {"CONFIG_B64", cfg_b64},
		};

		if ((script = tmpl_render("allinone.sh", v, sizeof(v) / sizeof(v[0]), err,
		                          errlen)) == NULL) {
			r = MUSTER_EINVAL;
			goto out;
		}
	}
	/* Exactly one signature line, which the script blanks to verify. */
	{
		char *first = strstr(script, SIG_LINE_EMPTY);

		if (first == NULL || strstr(first + 1, "\nMUSTER_SIG=") != NULL) {
			snprintf(err, errlen, "allinone.sh: needs exactly one MUSTER_SIG line");
			r = MUSTER_EINVAL;
			goto out;
		}
	}
	if (buf_puts(&file, script) != 0 || buf_append(&file, payload.data, payload.len) != 0)
		goto out;
	if (key != NULL) {
		struct buf signed_file;
		char *at;
		size_t off;

		art_sig_message(file.data, file.len, msg, sizeof(msg));
		if ((sig = art_sign(key, msg)) == NULL) {
			snprintf(err, errlen, "--sign-key: signing failed");
			r = MUSTER_EINVAL;
			goto out;
		}
		at = strstr(script, SIG_LINE_EMPTY);
		off = (size_t)(at - script) + strlen("\nMUSTER_SIG='");
		buf_init(&signed_file, (size_t)3 << 30);
		if (buf_append(&signed_file, file.data, off) != 0 ||
		    buf_puts(&signed_file, sig) != 0 ||
		    buf_append(&signed_file, file.data + off, file.len - off) != 0) {
			buf_free(&signed_file);
			goto out;
		}
		buf_free(&file);
		file = signed_file;
	}
	r = art_write_file(out, file.data, file.len, 0755, err, errlen);
out:
	if (r == MUSTER_ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	buf_free(&payload);
	buf_free(&file);
	free(script);
	free(cfg);
	free(cfg_b64);
	free(pub);
	free(pub_b64);
	free(psha);
	free(asha);
	free(prsha);
	free(sig);
	art_key_free(key);
	return r;
}
