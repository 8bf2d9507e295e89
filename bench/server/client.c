/*
 * client.c - the benchmark's sensors: post report bodies to muster-server,
 * all at once, over HTTPS with libcurl's multi interface (one process, one
 * connection per sensor), and print one line per report:
 *   FILE HTTP_STATUS SECONDS
 * SECONDS is curl's total time for that request (connect, TLS, upload,
 * server work, answer).
 *
 * usage: client URL CAFILE TOKENDIR FILE...
 * The token of the sensor whose body is .../sNNN.json.gz is TOKENDIR/tok.bench-NNN.
 * Built by run.sh; not part of the project's build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct job {
	const char *file;
	char *body;
	long len;
	char auth[128];
	struct curl_slist *hdr;
	CURL *h;
};

static char *
slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	char *p;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (*len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)*len + 1)) == NULL ||
	    fread(p, 1, (size_t)*len, f) != (size_t)*len) {
		fprintf(stderr, "client: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	p[*len] = '\0';
	return p;
}

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

int
main(int argc, char **argv)
{
	struct job *jobs;
	CURLM *m;
	int n, running;
	CURLMsg *msg;

	if (argc < 5) {
		fprintf(stderr, "usage: client URL CAFILE TOKENDIR FILE...\n");
		return 2;
	}
	n = argc - 4;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
	jobs = calloc((size_t)n, sizeof(*jobs));
	for (int i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		const char *base = strrchr(argv[4 + i], '/');
		char tokpath[4096];
		long toklen;
		char *tok;
		int sensor = -1;

		j->file = argv[4 + i];
		base = base ? base + 1 : j->file;
		if (sscanf(base, "s%d.json.gz", &sensor) != 1) {
			fprintf(stderr, "client: %s is not sNNN.json.gz\n", base);
			return 2;
		}
		snprintf(tokpath, sizeof(tokpath), "%s/tok.bench-%03d", argv[3], sensor);
		tok = slurp(tokpath, &toklen);
		tok[strcspn(tok, "\r\n")] = '\0';
		snprintf(j->auth, sizeof(j->auth), "Authorization: Bearer %s", tok);
		free(tok);
		j->body = slurp(j->file, &j->len);
		j->hdr = curl_slist_append(NULL, j->auth);
		j->hdr = curl_slist_append(j->hdr, "Content-Type: application/json");
		j->hdr = curl_slist_append(j->hdr, "Content-Encoding: gzip");
		j->hdr = curl_slist_append(j->hdr, "Expect:");
		j->h = curl_easy_init();
		curl_easy_setopt(j->h, CURLOPT_URL, argv[1]);
		curl_easy_setopt(j->h, CURLOPT_CAINFO, argv[2]);
		curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->hdr);
		curl_easy_setopt(j->h, CURLOPT_POSTFIELDS, j->body);
		curl_easy_setopt(j->h, CURLOPT_POSTFIELDSIZE, j->len);
		curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(j->h, CURLOPT_TIMEOUT, 120L);
		curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
		curl_multi_add_handle(m, j->h);
	}
	do {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
		while ((msg = curl_multi_info_read(m, &(int){0})) != NULL) {
			struct job *j;
			long code = 0;
			double t = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &code);
			curl_easy_getinfo(j->h, CURLINFO_TOTAL_TIME, &t);
			printf("%s %03ld %.6f\n", j->file, code, t);
		}
	} while (running);
	for (int i = 0; i < n; i++) {
		curl_multi_remove_handle(m, jobs[i].h);
		curl_easy_cleanup(jobs[i].h);
		curl_slist_free_all(jobs[i].hdr);
		free(jobs[i].body);
	}
	free(jobs);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return 0;
}
