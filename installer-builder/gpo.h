/* installer-builder/gpo.h: the Windows kinds of muster-installer: gpo-sccm
 * (Active Directory: MSIs, wixl, scripts) in gpo.c and the all-in-one .exe
 * bootstrapper in win_allinone.c, with the helpers they share. */
#ifndef MUSTER_INSTALLER_GPO_H
#define MUSTER_INSTALLER_GPO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "installer-builder/model.h"

/* Write the gpo-sccm artifacts into directory outdir (created if missing):
 * the agent (and product) MSI, install_config.ini, muster-config.msi (wixl,
 * read back with msiinfo), gpo-startup.cmd, sccm-install.cmd,
 * sccm-detect.ps1, README.txt and SHA256SUMS. Needs wixl and msiinfo on
 * PATH. Returns 0 or a negative MUSTER_E* code with a message in err; a
 * value that cannot be carried exactly is refused (MUSTER_EINVAL). */
int kind_gpo_build(const struct inst_model *m, const char *outdir, char *err, size_t errlen);

/* Write the Windows all-in-one installer to out: a copy of the prebuilt
 * bootstrap_exe (muster-bootstrap.exe, from installer-builder/win) with the
 * payload appended (installer-builder/win/payload.h): agent MSI, optional
 * product MSI, install_config.ini, ca.pem, policy.json, the client
 * certificate and key when given, enroll.ps1 and the metadata the .exe
 * checks (installer id, expiry, architecture). 0 or MUSTER_E* with err. */
int kind_win_allinone_build(const struct inst_model *m, const char *bootstrap_exe, const char *out,
                            char *err, size_t errlen);

/* The default path of muster-bootstrap.exe: $MUSTER_BOOTSTRAP_EXE, else the
 * build-time MUSTER_BOOTSTRAP_EXE, else /usr/lib/muster/muster-bootstrap.exe.
 * Static string. */
const char *gpo_bootstrap_exe_default(void);

/* --- shared by gpo.c and win_allinone.c ------------------------------- */

/* install_config.ini for Windows (the keys are in docs/installer.md), every
 * value through enc_ini. 0, or MUSTER_EINVAL naming the refused field. */
int gpo_config_ini(const struct inst_model *m, struct buf *out, char *err, size_t errlen);

/* Write len bytes to path (created or truncated, mode), not following a
 * symlink. 0 or MUSTER_EIO with err. */
int gpo_write_file(const char *path, const void *p, size_t len, int mode, char *err, size_t errlen);

#endif
