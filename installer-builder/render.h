/* installer-builder/render.h: fill a template from templates/ with values,
 * each through the encoder its placeholder names. */
#ifndef MUSTER_INSTALLER_RENDER_H
#define MUSTER_INSTALLER_RENDER_H

#include <stddef.h>

/* A template compiled into the program (templates.c, made by CMake). */
struct tmpl_file {
	const char *name; /* "allinone.sh" */
	const char *text;
};
extern const struct tmpl_file tmpl_files[];

/* The template named name, or NULL. */
const char *tmpl_get(const char *name);

struct tvar {
	const char *name;  /* "SERVER_HOST" */
	const char *value; /* raw value; NULL is refused */
};

/* Replace each @@NAME_ENC@@ in the template `name` by vars[NAME] encoded with
 * ENC (SH, PS1, CMD, INI, XML, B64), after expanding @@INCLUDE:file@@ once.
 * An unknown NAME or ENC, or a value its encoder refuses, fails with
 * "NAME: why" in err. Returns malloc'd text (caller frees) or NULL. */
char *tmpl_render(const char *name, const struct tvar *vars, size_t nvars, char *err,
                  size_t errlen);

/* The encoder suffixes the build-time check accepts (CMake mirrors this). */
#define TMPL_ENCODERS "SH PS1 CMD INI XML B64"

#endif
