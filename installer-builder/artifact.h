/* installer-builder/artifact.h: pieces every kind writes: the agent.conf
 * text, the enrollment body prefix, the payload archive, Ed25519 signing, and
 * the output file. */
#ifndef MUSTER_INSTALLER_ARTIFACT_H
#define MUSTER_INSTALLER_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "installer-builder/model.h"

/* agent.conf (templates/agent.conf through enc_ini); malloc'd or NULL+err. */
char *art_agent_conf(const struct inst_model *m, char *err, size_t errlen);
/* {"token":...,"group":...,"installer":...  (no closing brace: the installer
 * appends its host facts). Holds the token: wipe and free. */
char *art_enroll_prefix(const struct inst_model *m);
/* Kilobytes of free disk an installer asks for. */
uint64_t art_disk_kb(const struct inst_model *m);
/* The tar.gz payload of an all-in-one (packages/, config/) into out. */
int art_payload(const struct inst_model *m, struct buf *out, char *err, size_t errlen);
/* Write data to path atomically with mode. 0 or MUSTER_EIO with err. */
int art_write_file(const char *path, const void *data, size_t len, unsigned mode, char *err,
                   size_t errlen);
/* SHA-256 of data. */
void art_sha256(const void *data, size_t len, uint8_t out[32]);
/* Load an Ed25519 private key (PEM file); its public key PEM in *pub_pem
 * (malloc'd). The key stays in *key (an EVP_PKEY *). */
int art_sign_load(const char *path, void **key, char **pub_pem, char *err, size_t errlen);
/* The signed message for a file whose signature line is blanked:
 * "muster-installer-sig-v1 <hex sha256>\n" into msg (>= 90 bytes). */
void art_sig_message(const void *data, size_t len, char *msg, size_t msgsz);
/* Sign msg; base64 of the 64-byte signature (malloc'd) or NULL. */
char *art_sign(void *key, const char *msg);
/* True when sig_b64 is pub_pem's Ed25519 signature of msg. */
bool art_verify(const char *pub_pem, const char *msg, const char *sig_b64);
void art_key_free(void *key);

#endif
