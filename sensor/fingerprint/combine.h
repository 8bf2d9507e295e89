/* combine.h - turn the OS guesses of several sources into one OS record. */
#ifndef MUSTER_FP_COMBINE_H
#define MUSTER_FP_COMBINE_H

#include <stdbool.h>
#include <stddef.h>

#include "sensor/fingerprint/fp.h"

/* The combined answer; strings empty when unknown. source points at a static string. */
struct fp_os {
	char family[16];
	char name[64];
	char version[32];
	char role[24];
	int confidence;     /* 0 when no family was decided */
	const char *source; /* the evidence the name came from, NULL when none */
	unsigned nsources;  /* independent sources that agree with family */
};

/*
 * How far a source is trusted when confidences tie: active probes ("smb",
 * "ssh") above self-descriptions ("lldp", "cdp", "mdns") above p0f above
 * "dhcp" above "ssdp", "netbios", "oui". Unknown sources rank 0.
 */
int fp_source_rank(const char *source);

/*
 * Combine n guesses by the rule of docs/fingerprints.md ("Combining"). True
 * when an OS family was decided; out->role may be set either way. Guesses with
 * an unknown family or a NULL source are ignored. False (out zeroed) also when
 * more than 16 guesses are given and memory runs out.
 */
bool fp_combine(const struct fp_guess *guesses, size_t n, struct fp_os *out);

#endif
