/*
 * replay.c - run a libFuzzer harness without libFuzzer: feed it every file
 * under the given paths, and for each file every truncation and a set of
 * single-byte mutations, so the sanitizer build exercises each harness in CI.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;

static void
run_one(const uint8_t *data, size_t len)
{
	/* Copy into an exact-size allocation so ASan sees every overread. */
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL)
		abort();
	if (len)
		memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	runs++;
}

static void
run_variants(const uint8_t *data, size_t len)
{
	static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xc0};
	uint8_t *m;
	size_t step;

	run_one(data, len);
	for (size_t i = 0; i < len; i++)
		run_one(data, i);
	if ((m = malloc(len ? len : 1)) == NULL)
		abort();
	step = len > 512 ? len / 512 : 1;
	for (size_t i = 0; i < len; i += step) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(m, data, len);
			m[i] = vals[v];
			run_one(m, len);
		}
	}
	free(m);
}

static void
run_path(const char *path)
{
	struct stat st;
	FILE *f;
	uint8_t *data;
	size_t len;

	if (stat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int n = scandir(path, &ents, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (ents[i]->d_name[0] != '.') {
				char sub[4096];
				snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
				run_path(sub);
			}
			free(ents[i]);
		}
		if (n >= 0)
			free(ents);
		return;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	len = (size_t)st.st_size;
	if ((data = malloc(len ? len : 1)) == NULL || fread(data, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	run_variants(data, len);
	free(data);
}

int
main(int argc, char **argv)
{
	/* The empty input always runs, even without a corpus. */
	run_one((const uint8_t *)"", 0);
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("replayed %lu inputs\n", runs);
	return 0;
}
