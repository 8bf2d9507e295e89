/* installer-builder/kinds.h: one builder per installer kind. Each takes a
 * validated model and an output path (a file, or a directory for kinds that
 * produce several artifacts), returns 0 or a negative MUSTER_E* code with a
 * message in err. */
#ifndef MUSTER_INSTALLER_KINDS_H
#define MUSTER_INSTALLER_KINDS_H

#include <stddef.h>

#include "installer-builder/model.h"

/* Self-extracting POSIX sh + verified tar.gz payload (Linux/macOS).
 * installer-builder/allinone.c */
int kind_allinone_build(const struct inst_model *m, const char *out, char *err, size_t errlen);

/* Live installer: out is the file to write; the language follows its
 * extension (.sh, .ps1, .cmd). installer-builder/live.c */
int kind_live_build(const struct inst_model *m, const char *out, char *err, size_t errlen);

/* gpo-sccm (Windows, wixl MSIs) and the Windows all-in-one .exe: implemented
 * by the Windows side in installer-builder/gpo.c (and declared again in
 * installer-builder/gpo.h). main.c dispatches to it only when gpo.c exists
 * (CMake adds MUSTER_HAVE_GPO); there is deliberately no stub.
 * out is a directory. */
int kind_gpo_build(const struct inst_model *m, const char *out, char *err, size_t errlen);

#endif
