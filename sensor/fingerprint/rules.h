/* rules.h - Muster's own fingerprint rule files (sensor/fingerprint/ *.rules). */
#ifndef MUSTER_FP_RULES_H
#define MUSTER_FP_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "sensor/fingerprint/fp.h"

/*
 * What a rule looks at. The value handed to fp_rules_match() for each kind:
 *   FP_DHCP_PRL       option 55 as decimal codes joined by commas: "1,3,6,15"
 *   FP_DHCP_VENDOR    option 60 text: "MSFT 5.0"
 *   FP_SSDP_SERVER    SSDP SERVER header: "Linux/5.10 UPnP/1.0 MiniUPnPd/2.2"
 *   FP_MDNS_MODEL     model= of a _device-info._tcp TXT record: "MacBookPro18,3"
 *   FP_MDNS_SERVICE   an advertised service type: "_googlecast._tcp"
 *   FP_LLDP_SYSDESC   LLDP System Description or CDP Software Version text
 *   FP_CDP_PLATFORM   CDP Platform text: "cisco WS-C2960X-24TS-L"
 *   FP_NETBIOS_NAME   a NetBIOS name's suffix and type: "20 unique", "1c group"
 *   FP_NETBIOS_MAC    the unit ID (MAC) of an NBSTAT reply: "00:00:00:00:00:00"
 */
enum fp_kind {
	FP_DHCP_PRL,
	FP_DHCP_VENDOR,
	FP_SSDP_SERVER,
	FP_MDNS_MODEL,
	FP_MDNS_SERVICE,
	FP_LLDP_SYSDESC,
	FP_CDP_PLATFORM,
	FP_NETBIOS_NAME,
	FP_NETBIOS_MAC,
	FP_KIND_COUNT
};

struct fp_rules;

/* An empty rule set; NULL when out of memory. Free with fp_rules_free(). */
struct fp_rules *fp_rules_new(void);
void fp_rules_free(struct fp_rules *rules);

/*
 * Append the rules of one file (or buffer; name is used in messages).
 * Bad lines are reported to errs as "file:line: message" and skipped.
 * 0, MUSTER_EIO when the file cannot be read, MUSTER_ENOMEM.
 */
int fp_rules_add_file(struct fp_rules *rules, const char *path, struct fp_errors *errs);
int fp_rules_add_buf(struct fp_rules *rules, const char *name, const void *data, size_t len,
                     struct fp_errors *errs);

/* A new set with one file's rules; NULL only when unreadable or out of memory. */
struct fp_rules *fp_rules_load(const char *path, struct fp_errors *errs);
/* A new set with every "*.rules" file of dir, in name order; NULL as above. */
struct fp_rules *fp_rules_load_dir(const char *dir, struct fp_errors *errs);

/* Number of rules loaded. */
size_t fp_rules_count(const struct fp_rules *rules);

/*
 * The first rule of that kind, in load order, that matches value: true and
 * *out filled (source "dhcp", "ssdp", "mdns", "lldp", "cdp" or "netbios").
 */
bool fp_rules_match(const struct fp_rules *rules, enum fp_kind kind, const char *value,
                    struct fp_guess *out);

/* "dhcp-prl", ...: the word rule files use for a kind. */
const char *fp_kind_name(enum fp_kind kind);

#endif
