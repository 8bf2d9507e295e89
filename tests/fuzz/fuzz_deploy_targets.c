/*
 * fuzz_deploy_targets.c - muster-deploy's target readers (one host a line,
 * CSV, host-record JSON lines, Ansible INI) in every format and in auto
 * detection; every host they accept must format and parse back to itself,
 * and every message must be terminated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/muster.h"
#include "deployer/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct target_list *l, const struct targets_diag *d)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct target *t = &l->v[i];
		struct target back;
		char spec[TARGET_HOST_MAX + 64], why[128];
		if (memchr(t->host, '\0', sizeof(t->host)) == NULL || t->host[0] == '\0')
			abort();
		targets_format_spec(t, spec, sizeof(spec));
		if (!targets_parse_spec(spec, &back, why, sizeof(why))) {
			fprintf(stderr, "accepted host does not read back: %s (%s)\n", spec, why);
			abort();
		}
		if (strcmp(back.host, t->host) != 0 || back.port != t->port ||
		    strcmp(back.user, t->user) != 0) {
			fprintf(stderr, "round trip changed %s\n", spec);
			abort();
		}
	}
	for (size_t i = 0; i < d->n_errors && i < TARGETS_ERRORS_MAX; i++)
		if (memchr(d->errors[i], '\0', sizeof(d->errors[i])) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum targets_format fmts[] = {TARGETS_AUTO, TARGETS_LINES, TARGETS_CSV,
	                                           TARGETS_JSONL, TARGETS_ANSIBLE};

	if (size > 65536)
		return 0; /* CIDR lines make big lists; keep each run quick */
	for (size_t f = 0; f < MUSTER_NELEM(fmts); f++) {
		struct target_list l = {0};
		struct targets_diag d = {0};
		if (targets_parse((const char *)data, size, fmts[f], "fuzz", &l, &d) == 0)
			check(&l, &d);
		targets_filter_os(&l, "linux,unknown");
		targets_dedup(&l, 22);
		targets_free(&l);
	}
	return 0;
}
