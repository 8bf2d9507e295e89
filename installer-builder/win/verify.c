/* installer-builder/win/verify.c: muster-winpayload, the native (Linux) build
 * of the Windows bootstrapper's payload check (the same payload.c the .exe
 * runs), for tests and for admins on the build host.
 *
 * Usage: muster-winpayload FILE.exe [--extract DIR]
 * Prints {"integrity": "ok"|"bad", ...} and exits 0 (ok), 1 (bad), 2 (usage)
 * or 3 (cannot read/write). --extract writes every record to DIR/<name>,
 * only after the whole payload verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "payload.h"

static void
json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static int
extract(const char *dir, const struct wpl_record *rec, size_t nrec)
{
	for (size_t i = 0; i < nrec; i++) {
		char path[4096];
		int fd, n = snprintf(path, sizeof(path), "%s/%s", dir, rec[i].name);
		const uint8_t *p = rec[i].data;
		uint64_t left = rec[i].len;

		if (n < 0 || (size_t)n >= sizeof(path))
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		while (left > 0) {
			ssize_t w = write(fd, p, left > (1u << 20) ? (1u << 20) : (size_t)left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				close(fd);
				return -1;
			}
			p += w, left -= (uint64_t)w;
		}
		if (close(fd) != 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const types[] = {"",       "agent-msi", "product-msi",
	                                    "config", "script",    "meta"};
	struct wpl_record rec[WPL_RECORDS_MAX];
	struct wpl_trailer t;
	const char *dir = NULL;
	struct stat st;
	size_t nrec;
	uint8_t *img;
	int fd, r;

	if (argc == 4 && strcmp(argv[2], "--extract") == 0)
		dir = argv[3];
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: muster-winpayload FILE.exe [--extract DIR]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "muster-winpayload: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	if (st.st_size < WPL_TRAILER_LEN) {
		printf("{\"integrity\": \"bad\", \"error\": \"%s\"}\n",
		       wpl_strerror(WPL_ENOTRAILER));
		return 1;
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED) {
		fprintf(stderr, "muster-winpayload: mmap: %s\n", strerror(errno));
		return 3;
	}
	r = wpl_verify(img, (uint64_t)st.st_size, &t, rec, &nrec);
	if (r != WPL_OK) {
		printf("{\"integrity\": \"bad\", \"error\": \"%s\"}\n", wpl_strerror(r));
		munmap(img, (size_t)st.st_size);
		return 1;
	}
	printf("{\"integrity\": \"ok\", \"payload_offset\": %llu, \"files\": [",
	       (unsigned long long)t.offset);
	for (size_t i = 0; i < nrec; i++) {
		printf(i > 0 ? ", {\"name\": " : "{\"name\": ");
		json_str(rec[i].name, strlen(rec[i].name));
		printf(", \"type\": \"%s\", \"size\": %llu}", types[rec[i].type],
		       (unsigned long long)rec[i].len);
	}
	printf("], \"meta\": ");
	r = 0;
	for (size_t i = 0; i < nrec; i++)
		if (rec[i].type == WPL_META) {
			json_str((const char *)rec[i].data, (size_t)rec[i].len);
			r = 1;
		}
	printf("%s}\n", r ? "" : "null");
	r = 0;
	if (dir != NULL && extract(dir, rec, nrec) != 0) {
		fprintf(stderr, "muster-winpayload: extract to %s: %s\n", dir, strerror(errno));
		r = 3;
	}
	munmap(img, (size_t)st.st_size);
	return r;
}
