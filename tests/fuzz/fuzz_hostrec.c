/*
 * fuzz_hostrec.c - host record JSON reader: parse strict and lenient, write
 * the record back out, and check that reading the output gives the same
 * output again (the writer's form is a fixed point of the reader).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct hostrec *h)
{
	struct hostrec again;
	char err[256], *first, *second;

	if ((first = hostrec_to_json_string(h)) == NULL)
		return; /* out of memory */
	memset(&again, 0, sizeof(again));
	/* What we wrote must pass even the strict reader. */
	if (hostrec_from_json_string(&again, first, strlen(first), true, err, sizeof(err)) != 0) {
		fprintf(stderr, "re-parse failed: %s\n%s\n", err, first);
		abort();
	}
	if ((second = hostrec_to_json_string(&again)) != NULL && strcmp(first, second) != 0) {
		fprintf(stderr, "not stable:\n%s\n%s\n", first, second);
		abort();
	}
	free(second);
	free(first);
	hostrec_clear(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostrec h;
	char err[256];

	for (int strict = 0; strict <= 1; strict++) {
		memset(&h, 0, sizeof(h));
		if (hostrec_from_json_string(&h, (const char *)data, size, strict, err,
		                             sizeof(err)) == 0)
			check_round_trip(&h);
		else if (memchr(err, '\0', sizeof(err)) == NULL)
			abort(); /* the message must be terminated */
		hostrec_clear(&h);
	}
	return 0;
}
