/* fuzz_config.c - config text against a small schema, then every getter and parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/muster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct config_key schema[] = {
        {"sensor", "interface", CONFIG_STRING, 0, 16, CONFIG_F_REQUIRED, NULL, ""},
        {"sensor", "active", CONFIG_BOOL, 0, 0, 0, "no", ""},
        {"sensor", "workers", CONFIG_INT, 1, 64, 0, "4", ""},
        {"sensor", "interval", CONFIG_DURATION, 1000, 0, 0, "5m", ""},
        {"sensor", "networks", CONFIG_CIDRS, 0, 16, 0, NULL, ""},
        {"sensor", "ports", CONFIG_PORTS, 0, 256, 0, "22,80", ""},
        {"sensor", "store", CONFIG_PATH, 0, 0, 0, "/var/lib/x.db", ""},
        {"server", "url", CONFIG_STRING, 0, 0, 0, NULL, ""},
        {"", "debug", CONFIG_BOOL, 0, 0, 0, NULL, ""},
};

static void
getters(struct config *c)
{
	struct config_cidr nets[16];
	uint16_t ports[256];
	const char *s;
	long long i;
	uint64_t ms;
	size_t n;
	bool b;

	(void)config_get_string(c, "sensor", "interface", &s);
	(void)config_get_bool(c, "sensor", "active", &b);
	(void)config_get_int(c, "sensor", "workers", &i);
	(void)config_get_duration_ms(c, "sensor", "interval", &ms);
	(void)config_get_cidrs(c, "sensor", "networks", nets, MUSTER_NELEM(nets), &n);
	(void)config_get_ports(c, "sensor", "ports", ports, 8, &n);
	(void)config_get_path(c, "sensor", "store", &s);
	(void)config_get_string(c, "server", "url", &s);
	(void)config_get_bool(c, "", "debug", &b);
	(void)config_check_required(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	struct config_cidr nets[4];
	uint16_t ports[16];
	char *str, errs[256];
	long long i;
	uint64_t ms;
	size_t n, full;
	bool b;

	/* As a file, with and without a schema. */
	if ((c = config_new(schema, MUSTER_NELEM(schema))) == NULL)
		return 0;
	(void)config_load_string(c, "fuzz.ini", (const char *)data, size);
	getters(c);
	full = config_format_errors(c, errs, sizeof(errs));
	if (strlen(errs) > full || strlen(errs) >= sizeof(errs))
		abort();
	config_free(c);
	if ((c = config_new(NULL, 0)) == NULL)
		return 0;
	(void)config_load_string(c, NULL, (const char *)data, size);
	getters(c);
	config_free(c);

	/* As a single value, through each parser. */
	if ((str = malloc(size + 1)) == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	(void)config_parse_bool(str, &b, NULL);
	(void)config_parse_int(str, -1000, 1000, &i, NULL);
	(void)config_parse_duration_ms(str, &ms, NULL);
	if (config_parse_cidrs(str, nets, MUSTER_NELEM(nets), &n, NULL) == 0 &&
	    n > MUSTER_NELEM(nets))
		abort();
	if (config_parse_ports(str, ports, MUSTER_NELEM(ports), &n, NULL) == 0) {
		if (n > MUSTER_NELEM(ports))
			abort();
		for (size_t k = 0; k < n; k++)
			if (ports[k] == 0)
				abort();
	}
	free(str);
	return 0;
}
