/* config.h - INI configuration files (libinih) checked against a schema, with typed getters. */
#ifndef MUSTER_CONFIG_H
#define MUSTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * File format (what libinih accepts, with Muster's settings):
 *
 *   # comment            ; comment      (at the start of a line)
 *   [section]
 *   key = value          ; inline comment (";" after whitespace)
 *   key: value           (":" works like "=")
 *
 * Leading and trailing whitespace is stripped from keys and values; values
 * are never quoted. Continuation lines are not supported: an indented line
 * is an ordinary line. Keys and sections are case-sensitive. A key may
 * appear once per section. Keys before the first [section] belong to the
 * section "". A UTF-8 byte-order mark at the start is skipped.
 *
 * Every problem becomes one error line "origin:line: message" kept in the
 * config (origin is the file name, or the name given for a string); loading
 * goes on after an error so all of them are reported. At most
 * CONFIG_ERRORS_MAX are kept, the rest are counted.
 *
 * Loading is a start-up action: it briefly changes libinih's process-wide
 * options, so it must not run in two threads at once.
 */

#define CONFIG_FILE_MAX    (1024 * 1024) /* bytes in one file or string */
#define CONFIG_LINE_MAX    4096          /* bytes in one line, without newline */
#define CONFIG_ENTRIES_MAX 4096          /* key = value lines in one config */
#define CONFIG_ERRORS_MAX  64            /* error lines kept */
#define CONFIG_SECTION_MAX 48            /* bytes in a section name */
#define CONFIG_KEY_MAX     64            /* bytes in a key name */
#define CONFIG_LIST_MAX    1024          /* default cap of CIDR and port lists */

enum config_type {
	CONFIG_STRING = 0, /* text, valid UTF-8, no control characters; max = length cap */
	CONFIG_BOOL,       /* yes/no, true/false, on/off, 1/0 (any case) */
	CONFIG_INT,        /* decimal integer in [min, max] */
	CONFIG_DURATION,   /* N, Nms, Ns, Nm, Nh, Nd (N alone = seconds); as ms in [min, max] */
	CONFIG_CIDRS, /* IPv4/IPv6 addresses or CIDRs, comma/space separated; max = count cap */
	CONFIG_PORTS, /* ports and ranges "22,80,8000-8010", 1-65535; max = count cap */
	CONFIG_PATH,  /* absolute path; max = length cap; CONFIG_F_EXISTS: must exist */
};

#define CONFIG_F_REQUIRED 0x1 /* config_check_required() reports it when absent */
#define CONFIG_F_EXISTS   0x2 /* CONFIG_PATH: the path must exist when loaded */

/*
 * One known key. A table of these (the schema) is given to config_new() and
 * must outlive the config. min and max mean, by type:
 *   CONFIG_INT       the allowed range (both 0: no limit beyond long long);
 *   CONFIG_DURATION  the allowed range in milliseconds (max 0: no limit);
 *   CONFIG_STRING, CONFIG_PATH  max = length cap in bytes (0: CONFIG_LINE_MAX);
 *   CONFIG_CIDRS, CONFIG_PORTS  max = most entries, ports counted one by one
 *                    after expanding ranges (0: CONFIG_LIST_MAX).
 * def is the default written as it would be in the file (NULL: none); help
 * is one line for --help and docs/config.md.
 */
struct config_key {
	const char *section;
	const char *key;
	enum config_type type;
	long long min;
	long long max;
	unsigned flags;
	const char *def;
	const char *help;
};

/* One address block; addr holds 4 (AF_INET) or 16 (AF_INET6) bytes, host bits zero. */
struct config_cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix; /* 0-32 or 0-128; a bare address has the full length */
};

struct config;

/*
 * A new, empty config checked against schema[0..nschema) (may be NULL/0:
 * then any key is accepted and getters apply no limits). The caller frees it
 * with config_free(). NULL only when allocation fails.
 */
struct config *config_new(const struct config_key *schema, size_t nschema);
/* Free the config and every string it handed out; NULL is fine. */
void config_free(struct config *c);

/*
 * Load a file. Entries are added to c; a key already set by an earlier
 * load or config_set() is replaced, a key repeated within this file is an
 * error. Each value is checked against its schema entry now, so bad values
 * are reported with their line. Returns 0 when the file had no error,
 * MUSTER_EPARSE when errors were recorded, MUSTER_EIO when the file cannot
 * be read, MUSTER_ETOOBIG when it is larger than CONFIG_FILE_MAX (an error
 * is recorded for both), MUSTER_ENOMEM.
 */
int config_load_file(struct config *c, const char *path);
/* As config_load_file(), from text[0..len); name is used as origin in errors. */
int config_load_string(struct config *c, const char *name, const char *text, size_t len);

/*
 * Set one value as if it came from a file (for command-line overrides);
 * origin names it in errors (e.g. "--interval"), line 0 is not printed.
 * Replaces an earlier value. 0, MUSTER_EPARSE (error recorded) or MUSTER_ENOMEM.
 */
int config_set(struct config *c, const char *origin, const char *section, const char *key,
               const char *value);

/*
 * Record "origin: missing required key 'k' in [s]" for every schema key with
 * CONFIG_F_REQUIRED that has no value. Call after all loads and overrides.
 * 0 or MUSTER_EPARSE.
 */
int config_check_required(struct config *c);

/*
 * Typed getters. Each looks the key up, falls back to the schema default,
 * and parses the value with the schema's limits. Returns 0 with *out set;
 * MUSTER_ENOENT when the key is unset and has no default (*out untouched);
 * MUSTER_EINVAL when the value is bad ("origin:line: key 'k': ..." is
 * recorded) or the schema declares another type.
 */
int config_get_bool(struct config *c, const char *section, const char *key, bool *out);
int config_get_int(struct config *c, const char *section, const char *key, long long *out);
int config_get_duration_ms(struct config *c, const char *section, const char *key, uint64_t *out);
/* The string is owned by c and valid until config_free(). */
int config_get_string(struct config *c, const char *section, const char *key, const char **out);
int config_get_path(struct config *c, const char *section, const char *key, const char **out);
/* Fill out[0..max); *n is the count. More entries than max or the schema cap is an error. */
int config_get_cidrs(struct config *c, const char *section, const char *key,
                     struct config_cidr *out, size_t max, size_t *n);
/* Ports in the order written, each once; ranges expanded. Caps as for CIDRs. */
int config_get_ports(struct config *c, const char *section, const char *key, uint16_t *out,
                     size_t max, size_t *n);

/*
 * The value parsers the getters use, for flags and other callers. Each
 * returns 0 or MUSTER_EINVAL with *why set to a static message (why may be
 * NULL); out is untouched on failure.
 */
int config_parse_bool(const char *s, bool *out, const char **why);
int config_parse_int(const char *s, long long min, long long max, long long *out, const char **why);
int config_parse_duration_ms(const char *s, uint64_t *out, const char **why);
int config_parse_cidrs(const char *s, struct config_cidr *out, size_t max, size_t *n,
                       const char **why);
int config_parse_ports(const char *s, uint16_t *out, size_t max, size_t *n, const char **why);

/* Errors recorded so far, oldest first; config_error() strings are owned by c. */
size_t config_error_count(const struct config *c);
const char *config_error(const struct config *c, size_t i);
/*
 * Write every error, one per line, into buf as a NUL-terminated string
 * (truncated to fit, like snprintf). Returns the length the full text has.
 */
size_t config_format_errors(const struct config *c, char *buf, size_t size);
/* Write every error, one per line, to f. 0 or MUSTER_EIO. */
int config_print_errors(const struct config *c, FILE *f);

#endif
