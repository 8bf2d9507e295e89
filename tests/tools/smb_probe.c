/*
 * smb_probe.c - test-only tool for tests/lab/test_smb_oracle.sh: send our
 * SMB2 NEGOTIATE and SESSION_SETUP (NTLMSSP NEGOTIATE) to a lab host, save
 * the raw replies and print our parse of them as key=value lines.
 *
 *   smb_probe connect IP PORT DIR [raw]   probe, save DIR/negotiate.bin and
 *                                         DIR/session-setup.bin, print the parse
 *   smb_probe parse NEG.bin SETUP.bin     print the parse of saved replies
 *   smb_probe requests DIR GUIDHEX SALTHEX write our request bytes to DIR
 *
 * Not part of the sensor: blocking sockets, exits on error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/text.h"
#include "sensor/decode/ntlmssp.h"
#include "sensor/decode/smb2.h"
#include "sensor/decode/spnego.h"

static void
die(const char *what)
{
	perror(what);
	exit(2);
}

static void
save(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
}

static size_t
load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		die(path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
hexparse(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n) {
		fprintf(stderr, "want %zu hex bytes\n", n);
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		char b[3] = {s[2 * i], s[2 * i + 1], 0};
		char *end;

		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end) {
			fprintf(stderr, "bad hex\n");
			exit(2);
		}
	}
}

static void
readall(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			die("read");
		p += r;
		n -= (size_t)r;
	}
}

/* Read one frame (transport header + message) into buf; returns its length. */
static size_t
read_frame(int fd, uint8_t *buf, size_t cap)
{
	size_t len;

	readall(fd, buf, 4);
	if (!smb2_frame_len(buf, &len) || len + 4 > cap) {
		fprintf(stderr, "bad frame header\n");
		exit(2);
	}
	readall(fd, buf + 4, len);
	return len + 4;
}

static void
kv(const char *k, const char *v, size_t n)
{
	char safe[TEXT_NAME_MAX + 1];

	text_sanitize(v, n, safe, sizeof(safe));
	printf("%s=%s\n", k, safe);
}

static void
kvs(const char *k, const struct ntlmssp_str *s)
{
	if (s->present)
		kv(k, s->s, s->len);
}

static int
print_parse(const uint8_t *neg, size_t nneg, const uint8_t *setup, size_t nsetup)
{
	struct smb2_negotiate_resp nr;
	struct smb2_session_setup_resp sr;
	struct ntlmssp_challenge ch;
	struct cursor c = cursor_init(neg, nneg);
	const char *rel;

	if (!smb2_parse_negotiate_response(&c, &nr)) {
		printf("negotiate_error=%s\n", smb2_err_str((enum smb2_err)nr.err));
		return 1;
	}
	printf("dialect=0x%04x\n", nr.dialect);
	printf("security_mode=0x%04x\n", nr.security_mode);
	printf("signing_required=%d\n", nr.signing_required);
	printf("capabilities=0x%08x\n", nr.capabilities);
	printf("server_guid=");
	for (size_t i = 0; i < 16; i++)
		printf("%02x", nr.server_guid[i]);
	printf("\n");
	printf("samba_guid=%d\n", smb2_guid_is_name(nr.server_guid));
	printf("max_transact=%u\nmax_read=%u\nmax_write=%u\n", nr.max_transact, nr.max_read,
	       nr.max_write);
	printf("system_time=%llu\n", (unsigned long long)nr.system_time);
	printf("server_start_time=%llu\n", (unsigned long long)nr.server_start_time);
	printf("contexts=%u\npreauth_hash=%u\npreauth_salt_len=%u\ncipher=%u\n", nr.ncontexts,
	       nr.preauth_hash, nr.preauth_salt_len, nr.cipher);
	printf("mechs=%d ntlmssp=%d krb5=%d ms_krb5=%d negoex=%d\n", nr.mechs.count,
	       nr.mechs.ntlmssp, nr.mechs.krb5, nr.mechs.ms_krb5, nr.mechs.negoex);
	if (setup == NULL)
		return 0;
	c = cursor_init(setup, nsetup);
	if (!smb2_parse_session_setup_response(&c, &sr)) {
		printf("session_setup_error=%s status=0x%08x\n",
		       smb2_err_str((enum smb2_err)sr.err), sr.status);
		return 1;
	}
	printf("status=0x%08x\nspnego=%d\n", sr.status, sr.spnego);
	c = cursor_init(sr.ntlmssp, sr.ntlmssp_len);
	if (!ntlmssp_parse_challenge(&c, &ch)) {
		printf("ntlmssp_error=1\n");
		return 1;
	}
	printf("ntlm_flags=0x%08x\n", ch.flags);
	printf("server_challenge=");
	for (size_t i = 0; i < 8; i++)
		printf("%02x", ch.server_challenge[i]);
	printf("\n");
	kvs("target_name", &ch.target_name);
	kvs("nb_computer", &ch.nb_computer);
	kvs("nb_domain", &ch.nb_domain);
	kvs("dns_computer", &ch.dns_computer);
	kvs("dns_domain", &ch.dns_domain);
	kvs("dns_tree", &ch.dns_tree);
	if (ch.has_timestamp)
		printf("timestamp=%llu\n", (unsigned long long)ch.timestamp);
	printf("av_pairs=%u\nav_eol=%d\n", ch.av_pairs, ch.av_eol);
	if (ch.version.present) {
		printf("version=%u.%u.%u\nntlm_revision=%u\n", ch.version.major, ch.version.minor,
		       ch.version.build, ch.version.revision);
		rel = ntlmssp_windows_release(ch.version.major, ch.version.minor, ch.version.build);
		printf("release=%s\n", rel ? rel : "-");
	}
	printf("samba=%d\n", ntlmssp_is_samba(&ch));
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t neg[65536 + 4], setup[65536 + 4];
	uint8_t req[1024], guid[16], salt[SMB2_SALT_LEN];
	size_t n, nneg, nsetup;

	if (argc >= 5 && strcmp(argv[1], "requests") == 0) {
		hexparse(argv[3], guid, sizeof(guid));
		hexparse(argv[4], salt, sizeof(salt));
		n = smb2_build_negotiate(req, sizeof(req), guid, salt);
		save(argv[2], "negotiate-req.bin", req, n);
		n = ntlmssp_build_negotiate(req, sizeof(req), NTLMSSP_PROBE_FLAGS);
		save(argv[2], "ntlmssp-negotiate.bin", req, n);
		n = smb2_build_ntlmssp_session_setup(req, sizeof(req), 1, true);
		save(argv[2], "session-setup-req.bin", req, n);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "parse") == 0) {
		nneg = load(argv[2], neg, sizeof(neg));
		nsetup = load(argv[3], setup, sizeof(setup));
		return print_parse(neg, nneg, setup, nsetup);
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "connect") == 0) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		struct timeval tv = {.tv_sec = 5};
		int fd;

		sin.sin_port = htons((uint16_t)strtoul(argv[3], NULL, 10));
		if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1)
			die("address");
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			die("connect");
		memset(guid, 0x5a, sizeof(guid));
		memset(salt, 0xa5, sizeof(salt));
		n = smb2_build_negotiate(req, sizeof(req), guid, salt);
		if (write(fd, req, n) != (ssize_t)n)
			die("write");
		nneg = read_frame(fd, neg, sizeof(neg));
		save(argv[4], "negotiate.bin", neg, nneg);
		n = smb2_build_ntlmssp_session_setup(req, sizeof(req), 1,
		                                     !(argc == 6 && strcmp(argv[5], "raw") == 0));
		if (write(fd, req, n) != (ssize_t)n)
			die("write");
		nsetup = read_frame(fd, setup, sizeof(setup));
		save(argv[4], "session-setup.bin", setup, nsetup);
		close(fd);
		return print_parse(neg, nneg, setup, nsetup);
	}
	fprintf(stderr, "usage: smb_probe connect IP PORT DIR [raw] | parse NEG SETUP | "
	                "requests DIR GUIDHEX SALTHEX\n");
	return 2;
}
