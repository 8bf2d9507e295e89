/* oui.h - MAC vendor lookup from the IEEE registries shipped by Debian's ieee-data. */
#ifndef MUSTER_OUI_H
#define MUSTER_OUI_H

#include <stddef.h>

#include "common/net.h"

#define OUI_DEFAULT_DIR "/usr/share/ieee-data"

/*
 * A read-only, immutable table of vendor prefixes: MA-L (24 bits), MA-M
 * (28 bits), MA-S and IAB (36 bits). Safe to share between threads once
 * loaded. About 1 MB for the full Debian data.
 */
struct oui_db;

/* What a load found, for the start-up log line and for tests. */
struct oui_stats {
	size_t entries24;  /* MA-L */
	size_t entries28;  /* MA-M */
	size_t entries36;  /* MA-S and IAB */
	size_t malformed;  /* records skipped: bad quoting, bad hex, short line, unknown registry */
	size_t duplicates; /* repeated prefixes (one of them kept) */
	size_t pool_bytes; /* distinct vendor names, NUL included */
};

/*
 * Load oui.csv, mam.csv, oui36.csv and iab.csv from dir (NULL means
 * OUI_DEFAULT_DIR). oui.csv must exist; the others are optional. Malformed
 * records are skipped and counted, never fatal. Returns the table (free with
 * oui_free()) or NULL with a message in err (which may be NULL).
 */
struct oui_db *oui_load(const char *dir, char *err, size_t errlen);

/* Load exactly the given files (each must be readable); as oui_load() otherwise. */
struct oui_db *oui_load_files(const char *const *paths, size_t npaths, char *err, size_t errlen);

/*
 * Load one CSV document held in memory (the caller keeps it). Returns NULL
 * only for a size limit or an allocation failure; an empty or garbage buffer
 * gives an empty table.
 */
struct oui_db *oui_load_buffer(const void *data, size_t len, char *err, size_t errlen);

/* Free db; NULL is allowed. */
void oui_free(struct oui_db *db);

/*
 * The organisation the longest registered prefix of m is assigned to, or NULL
 * when none is, and always NULL for a multicast or a locally administered
 * (randomised, virtual) address: the caller reports those as such. The string
 * is owned by db, made safe (controls turned to spaces, runs of spaces
 * collapsed, trimmed, then text_sanitize(): valid UTF-8, invalid bytes as
 * \xNN; at most OUI_NAME_MAX bytes) and lives until oui_free().
 */
const char *oui_lookup(const struct oui_db *db, const struct mac *m);

#define OUI_NAME_MAX 160

/* Counts of what was loaded. */
void oui_get_stats(const struct oui_db *db, struct oui_stats *out);

#endif
