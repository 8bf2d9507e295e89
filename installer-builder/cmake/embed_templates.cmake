# Make templates.c from installer-builder/templates/*: each file becomes a C
# string. Every @@...@@ placeholder must name an encoder (_SH, _PS1, _CMD,
# _INI, _XML, _B64) or be @@INCLUDE:file@@: anything else fails the build.
# Inputs: TEMPLATE_DIR, OUTPUT.
file(GLOB tmpls RELATIVE ${TEMPLATE_DIR} ${TEMPLATE_DIR}/*)
list(SORT tmpls)
set(body "/* Generated from installer-builder/templates by embed_templates.cmake. */\n#include <stddef.h>\n#include \"installer-builder/render.h\"\n\n")
set(table "const struct tmpl_file tmpl_files[] = {\n")
set(i 0)
foreach(t ${tmpls})
	file(READ ${TEMPLATE_DIR}/${t} text)
	string(REGEX MATCHALL "@@[^@\n]*@@" phs "${text}")
	foreach(ph ${phs})
		if(NOT ph MATCHES "^@@[A-Z0-9_]+_(SH|PS1|CMD|INI|XML|B64)@@$" AND
		   NOT ph MATCHES "^@@INCLUDE:[a-z0-9_.]+@@$")
			message(FATAL_ERROR "templates/${t}: placeholder ${ph} has no encoder "
				"(end it with _SH, _PS1, _CMD, _INI, _XML or _B64)")
		endif()
	endforeach()
	file(READ ${TEMPLATE_DIR}/${t} hex HEX)
	string(REGEX REPLACE "(..)" "0x\\1," hex "${hex}")
	string(APPEND body "static const char t${i}[] = {${hex}0x00};\n")
	string(APPEND table "\t{\"${t}\", t${i}},\n")
	math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "\t{NULL, NULL},\n};\n")
file(WRITE ${OUTPUT}.tmp "${body}\n${table}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
