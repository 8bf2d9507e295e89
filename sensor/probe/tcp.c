/* tcp.c - non-blocking TCP conversations: SSH banner (RFC 4253 4.2), SMB2 NTLMSSP ([MS-SMB2] 2.2.3-2.2.6, [MS-NLMP] 2.2.1), HTTP HEAD (RFC 9110 9.3.2). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/muster.h"
#include "common/text.h"
#include "sensor/active.h"
#include "sensor/decode/http.h"
#include "sensor/decode/ntlmssp.h"
#include "sensor/decode/smb2.h"
#include "sensor/decode/ssh_banner.h"
#include "sensor/hosts.h"
#include "sensor/probe/tcp.h"

#define RX_CAP 16384 /* bytes read from one conversation; more is garbage */
#define TX_CAP 512

enum conn_kind { K_OPEN, K_SSH, K_SMB, K_HTTP };
enum conn_state { C_FREE, C_CONNECTING, C_SEND, C_RECV };

struct tcp_conn {
	int fd;
	uint8_t kind, state, step; /* step: SMB 0 negotiate, 1 session setup */
	bool connected;
	uint8_t mac[6];
	uint32_t addr; /* network order */
	uint16_t port;
	uint32_t cookie;
	double deadline;
	uint16_t txlen, txoff;
	uint8_t tx[TX_CAP];
	size_t rxlen;
	uint8_t *rx;
	/* What the SMB2 NEGOTIATE said, kept for the session setup. */
	uint16_t dialect;
	int signing_required;
};

struct tcp_engine {
	int epfd;
	unsigned max, active;
	struct host_table *t;
	uint64_t *ctr;
	tcp_done_fn fn;
	void *arg;
	struct tcp_conn *c;
	uint8_t *rxpool;
};

const char *
tcp_port_product(uint16_t port)
{
	switch (port) {
	case 21:
		return "ftp";
	case 22:
		return "ssh";
	case 23:
		return "telnet";
	case 80:
	case 8080:
		return "http";
	case 135:
		return "msrpc";
	case 139:
		return "netbios-ssn";
	case 443:
		return "https";
	case 445:
		return "smb";
	case 3389:
		return "rdp";
	case 5985:
		return "winrm";
	case 5986:
		return "winrm-https";
	default:
		return NULL;
	}
}

static enum conn_kind
port_kind(uint16_t port)
{
	switch (port) {
	case 22:
		return K_SSH;
	case 445:
		return K_SMB;
	case 80:
	case 8080:
	case 5985:
		return K_HTTP;
	default:
		return K_OPEN;
	}
}

struct tcp_engine *
tcp_engine_new(int epfd, unsigned max_conns, struct host_table *t, uint64_t *counters,
               tcp_done_fn fn, void *arg)
{
	struct tcp_engine *e;

	if (max_conns == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->epfd = epfd;
	e->max = max_conns;
	e->t = t;
	e->ctr = counters;
	e->fn = fn;
	e->arg = arg;
	e->c = calloc(max_conns, sizeof(*e->c));
	e->rxpool = malloc((size_t)max_conns * RX_CAP);
	if (e->c == NULL || e->rxpool == NULL) {
		tcp_engine_free(e);
		return NULL;
	}
	for (unsigned i = 0; i < max_conns; i++) {
		e->c[i].fd = -1;
		e->c[i].rx = e->rxpool + (size_t)i * RX_CAP;
	}
	return e;
}

void
tcp_engine_free(struct tcp_engine *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; e->c && i < e->max; i++)
		if (e->c[i].fd >= 0)
			close(e->c[i].fd);
	free(e->c);
	free(e->rxpool);
	free(e);
}

unsigned
tcp_engine_active(const struct tcp_engine *e)
{
	return e->active;
}

static int
watch(struct tcp_engine *e, struct tcp_conn *c, int op, uint32_t events)
{
	struct epoll_event ev = {.events = events};

	ev.data.u64 = TCP_EV_TAG | (uint64_t)(c - e->c);
	return epoll_ctl(e->epfd, op, c->fd, &ev);
}

static void
finish(struct tcp_engine *e, struct tcp_conn *c, enum tcp_outcome out)
{
	uint32_t cookie = c->cookie;
	uint16_t port = c->port;

	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->state = C_FREE;
	e->active--;
	switch (out) {
	case TCP_OUT_REFUSED:
		e->ctr[ACT_TCP_REFUSED]++;
		break;
	case TCP_OUT_SILENT:
	case TCP_OUT_TIMEOUT:
		e->ctr[ACT_TCP_TIMEOUT]++;
		break;
	default:
		break;
	}
	if (e->fn)
		e->fn(e->arg, cookie, port, out);
}

int
tcp_probe_start(struct tcp_engine *e, const uint8_t mac[6], uint32_t addr_be, uint16_t port,
                double now, double timeout, uint32_t cookie)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct linger lg = {1, 0};
	struct tcp_conn *c = NULL;
	int fd, one = 1;

	if (e->active >= e->max)
		return MUSTER_ETOOBIG;
	for (unsigned i = 0; i < e->max; i++) {
		if (e->c[i].state == C_FREE) {
			c = &e->c[i];
			break;
		}
	}
	if (c == NULL)
		return MUSTER_ETOOBIG;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return MUSTER_EIO;
	/* Close with a reset: a probe leaves no TIME_WAIT behind on either side. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = addr_be;
	e->ctr[ACT_TCP_CONNECT]++;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int saved = errno;
		close(fd);
		e->ctr[ACT_TCP_REFUSED]++;
		errno = saved;
		return MUSTER_EIO;
	}
	memset(c, 0, offsetof(struct tcp_conn, rx));
	c->fd = fd;
	c->kind = (uint8_t)port_kind(port);
	c->state = C_CONNECTING;
	memcpy(c->mac, mac, 6);
	c->addr = addr_be;
	c->port = port;
	c->cookie = cookie;
	c->deadline = now + timeout;
	c->signing_required = -1;
	if (watch(e, c, EPOLL_CTL_ADD, EPOLLOUT) < 0) {
		int saved = errno;
		close(fd);
		c->fd = -1;
		c->state = C_FREE;
		errno = saved;
		return MUSTER_EIO;
	}
	e->active++;
	return 0;
}

/* --- what each conversation learns --------------------------------------------- */

static struct host *
touch(struct tcp_engine *e, struct tcp_conn *c, time_t wall, enum host_src src)
{
	struct host *h = host_touch(e->t, c->mac, wall, src);

	if (h)
		host_add_v4(e->t, h, c->addr);
	return h;
}

/* Copy raw bytes into a NUL-terminated buffer (the host table sanitizes them). */
static const char *
cstr(char *buf, size_t size, const uint8_t *p, size_t len)
{
	if (p == NULL)
		return NULL;
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = 0;
	return buf;
}

/* The SSH hint's family words, as docs/fingerprints.md names them. */
static const char *
ssh_family(const char *f)
{
	if (f == NULL)
		return NULL;
	if (strcmp(f, "freebsd") == 0 || strcmp(f, "openbsd") == 0 || strcmp(f, "netbsd") == 0)
		return "bsd";
	if (strcmp(f, "solaris") == 0)
		return "unix";
	return f;
}

/* RFC 4253 4.2. True when the conversation is over (parsed, or never will be). */
static bool
ssh_learn(struct tcp_engine *e, struct tcp_conn *c, bool eof, time_t wall)
{
	struct cursor cur = cursor_init(c->rx, c->rxlen);
	struct ssh_banner b;
	char line[SSH_BANNER_LINE_MAX + 1], product[128], sw[64];
	struct host *h;

	if (!ssh_banner_parse(&cur, &b)) {
		if (b.err == SSH_BANNER_INCOMPLETE && !eof && c->rxlen < SSH_BANNER_BYTES_MAX)
			return false;
		e->ctr[ACT_BAD_REPLY]++;
		return true;
	}
	e->ctr[ACT_SSH_BANNER]++;
	if ((h = touch(e, c, wall, HSRC_SSH)) == NULL)
		return true;
	cstr(line, sizeof(line), b.line.p, b.line.len);
	if (b.product.p) {
		char ver[64];
		cstr(sw, sizeof(sw), b.product.p, b.product.len);
		if (b.version.p)
			snprintf(product, sizeof(product), "%s %s", sw,
			         cstr(ver, sizeof(ver), b.version.p, b.version.len));
		else
			snprintf(product, sizeof(product), "%s", sw);
	} else {
		cstr(product, sizeof(product), b.software.p, b.software.len);
	}
	host_add_service(e->t, h, IPPROTO_TCP, c->port, line, product);
	if (b.os.confidence > 0 && (b.os.family || b.os.name))
		host_add_guess(e->t, h, ssh_family(b.os.family), b.os.name,
		               b.os.version[0] ? b.os.version : NULL, b.os.confidence, HSRC_SSH);
	return true;
}

static void
smb_record_negotiate(struct tcp_engine *e, struct tcp_conn *c, time_t wall)
{
	struct host_smb smb = {.signing_required = c->signing_required};
	struct host *h;

	smb.dialect = (char *)smb2_dialect_name(c->dialect);
	if ((h = touch(e, c, wall, HSRC_SMB)) != NULL)
		host_set_smb(e->t, h, &smb);
}

/* [MS-NLMP] 2.2.1.2: the CHALLENGE's target info names the machine and its domain. */
static void
smb_record_challenge(struct tcp_engine *e, struct tcp_conn *c, const struct ntlmssp_challenge *ch,
                     time_t wall)
{
	struct host_smb smb = {.signing_required = c->signing_required};
	char ver[32];
	struct host *h;

	if ((h = touch(e, c, wall, HSRC_SMB)) == NULL)
		return;
	smb.dialect = (char *)smb2_dialect_name(c->dialect);
	smb.netbios_name = ch->nb_computer.present ? (char *)ch->nb_computer.s : NULL;
	/*
	 * A machine in no domain names itself as the NTLM domain (Windows
	 * workgroup members, standalone Samba): its workgroup is what NBSTAT
	 * said, so that one is kept.
	 */
	if (ch->nb_domain.present && ch->nb_domain.len &&
	    !(ch->nb_computer.present && strcasecmp(ch->nb_domain.s, ch->nb_computer.s) == 0))
		smb.netbios_domain = (char *)ch->nb_domain.s;
	smb.dns_name = ch->dns_computer.present ? (char *)ch->dns_computer.s : NULL;
	smb.dns_domain = ch->dns_domain.present ? (char *)ch->dns_domain.s : NULL;
	smb.forest = ch->dns_tree.present ? (char *)ch->dns_tree.s : NULL;
	if (ch->version.present && !ntlmssp_is_samba(ch))
		smb.build = ch->version.build;
	host_set_smb(e->t, h, &smb);
	if (ch->nb_computer.present && ch->nb_computer.len)
		host_add_name(e->t, h, ch->nb_computer.s, ch->nb_computer.len, HSRC_SMB);
	/* The DNS name only when it says more than the NetBIOS one. */
	if (ch->dns_computer.present && ch->dns_computer.len &&
	    !(ch->nb_computer.present && strcasecmp(ch->dns_computer.s, ch->nb_computer.s) == 0))
		host_add_name(e->t, h, ch->dns_computer.s, ch->dns_computer.len, HSRC_SMB);
	if (ntlmssp_is_samba(ch)) {
		/* Samba: some Unix, which one the CHALLENGE does not say. */
		host_add_guess(e->t, h, "unix", "Samba", NULL, 40, HSRC_SMB);
	} else if (ch->version.present && ch->version.major > 0) {
		const char *rel = ntlmssp_windows_release(ch->version.major, ch->version.minor,
		                                          ch->version.build);
		snprintf(ver, sizeof(ver), "%u.%u.%u", ch->version.major, ch->version.minor,
		         ch->version.build);
		host_add_guess(e->t, h, "windows", rel ? rel : "Windows", ver, rel ? 90 : 70,
		               HSRC_SMB);
	}
}

/* The whole frame is in rx: true with its length in *len. */
static bool
smb_frame_ready(struct tcp_conn *c, size_t *len, bool *bad)
{
	size_t n;

	*bad = false;
	if (c->rxlen < SMB2_NB_HDR_LEN)
		return false;
	if (!smb2_frame_len(c->rx, &n) || n + SMB2_NB_HDR_LEN > RX_CAP) {
		*bad = true;
		return false;
	}
	*len = n + SMB2_NB_HDR_LEN;
	return c->rxlen >= *len;
}

static bool
queue_tx(struct tcp_engine *e, struct tcp_conn *c, size_t len)
{
	if (len == 0 || len > TX_CAP)
		return false;
	c->txlen = (uint16_t)len;
	c->txoff = 0;
	c->state = C_SEND;
	return watch(e, c, EPOLL_CTL_MOD, EPOLLOUT) == 0;
}

/* [MS-SMB2] 3.2.4.2: NEGOTIATE, then SESSION_SETUP; true when over. */
static bool
smb_learn(struct tcp_engine *e, struct tcp_conn *c, bool eof, time_t wall)
{
	size_t flen;
	bool bad;

	if (!smb_frame_ready(c, &flen, &bad)) {
		if (bad || eof || c->rxlen >= RX_CAP)
			e->ctr[ACT_BAD_REPLY]++;
		return bad || eof || c->rxlen >= RX_CAP;
	}
	struct cursor cur = cursor_init(c->rx, flen);
	if (c->step == 0) {
		struct smb2_negotiate_resp nr;
		if (!smb2_parse_negotiate_response(&cur, &nr)) {
			e->ctr[ACT_BAD_REPLY]++;
			return true;
		}
		c->dialect = nr.dialect;
		c->signing_required = nr.signing_required ? 1 : 0;
		smb_record_negotiate(e, c, wall);
		c->step = 1;
		c->rxlen = 0;
		/* [MS-SMB2] 3.2.5.2: message ids count up from the NEGOTIATE's 0. */
		return !queue_tx(e, c, smb2_build_ntlmssp_session_setup(c->tx, TX_CAP, 1, true));
	}
	struct smb2_session_setup_resp sr;
	struct ntlmssp_challenge ch;
	if (!smb2_parse_session_setup_response(&cur, &sr) || sr.ntlmssp == NULL) {
		e->ctr[ACT_BAD_REPLY]++;
		return true;
	}
	struct cursor tok = cursor_init(sr.ntlmssp, sr.ntlmssp_len);
	if (!ntlmssp_parse_challenge(&tok, &ch)) {
		e->ctr[ACT_BAD_REPLY]++;
		return true;
	}
	e->ctr[ACT_SMB_CHALLENGE]++;
	smb_record_challenge(e, c, &ch, wall);
	return true;
}

/* RFC 9110 10.2.4: the Server header names the software. */
static bool
http_learn(struct tcp_engine *e, struct tcp_conn *c, bool eof, time_t wall)
{
	struct cursor cur;
	struct http_head r;
	char server[TEXT_BANNER_MAX + 1];
	struct host *h;
	size_t hl = http_head_len(c->rx, c->rxlen);

	if (hl == 0 && !eof && c->rxlen < RX_CAP)
		return false;
	cur = cursor_init(c->rx, hl ? hl : c->rxlen);
	if (!http_parse_head(&cur, &r)) {
		e->ctr[ACT_BAD_REPLY]++;
		return true;
	}
	e->ctr[ACT_HTTP_SERVER]++;
	if ((h = touch(e, c, wall, HSRC_HTTP)) == NULL)
		return true;
	host_add_service(e->t, h, IPPROTO_TCP, c->port,
	                 r.server.p ? cstr(server, sizeof(server), r.server.p, r.server.len) : NULL,
	                 tcp_port_product(c->port));
	return true;
}

static bool
learn(struct tcp_engine *e, struct tcp_conn *c, bool eof, time_t wall)
{
	switch (c->kind) {
	case K_SSH:
		return ssh_learn(e, c, eof, wall);
	case K_SMB:
		return smb_learn(e, c, eof, wall);
	case K_HTTP:
		return http_learn(e, c, eof, wall);
	default:
		return true;
	}
}

/* --- the state machine -------------------------------------------------------------- */

static void
on_connected(struct tcp_engine *e, struct tcp_conn *c, time_t wall)
{
	struct host *h;
	size_t n = 0;

	c->connected = true;
	e->ctr[ACT_TCP_OPEN]++;
	if ((h = touch(e, c, wall, HSRC_TCP)) != NULL)
		host_add_service(e->t, h, IPPROTO_TCP, c->port, NULL, tcp_port_product(c->port));
	switch (c->kind) {
	case K_SSH:
		/* RFC 4253 4.2: the server speaks first. */
		c->state = C_RECV;
		if (watch(e, c, EPOLL_CTL_MOD, EPOLLIN) < 0)
			finish(e, c, TCP_OUT_DONE);
		return;
	case K_SMB: {
		uint8_t guid[16], salt[SMB2_SALT_LEN];
		if (getrandom(guid, sizeof(guid), GRND_NONBLOCK) != sizeof(guid) ||
		    getrandom(salt, sizeof(salt), GRND_NONBLOCK) != sizeof(salt)) {
			uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)c->addr << 16) ^ c->port;
			for (size_t i = 0; i < sizeof(guid); i++)
				guid[i] = (uint8_t)(t >> (8 * (i % 8))) ^ (uint8_t)i;
			memset(salt, 0x5a, sizeof(salt));
		}
		n = smb2_build_negotiate(c->tx, TX_CAP, guid, salt);
		break;
	}
	case K_HTTP: {
		char host[INET_ADDRSTRLEN];
		struct in_addr in = {c->addr};
		inet_ntop(AF_INET, &in, host, sizeof(host));
		n = http_build_head(c->tx, TX_CAP, host, c->port);
		break;
	}
	default:
		finish(e, c, TCP_OUT_DONE);
		return;
	}
	if (!queue_tx(e, c, n))
		finish(e, c, TCP_OUT_DONE);
}

static void
do_send(struct tcp_engine *e, struct tcp_conn *c)
{
	ssize_t n;

	while (c->txoff < c->txlen) {
		n = send(c->fd, c->tx + c->txoff, c->txlen - c->txoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			finish(e, c, TCP_OUT_DONE);
			return;
		}
		c->txoff += (uint16_t)n;
	}
	c->state = C_RECV;
	c->rxlen = 0;
	if (watch(e, c, EPOLL_CTL_MOD, EPOLLIN) < 0)
		finish(e, c, TCP_OUT_DONE);
}

static void
do_recv(struct tcp_engine *e, struct tcp_conn *c, time_t wall)
{
	bool eof = false;
	ssize_t n;

	for (;;) {
		if (c->rxlen >= RX_CAP)
			break;
		n = recv(c->fd, c->rx + c->rxlen, RX_CAP - c->rxlen, MSG_DONTWAIT);
		if (n > 0) {
			c->rxlen += (size_t)n;
			continue;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			eof = true; /* reset: use what came before it */
		break;
	}
	/* learn() is false while more is expected (or the SMB exchange sent its next request). */
	if (learn(e, c, eof, wall) || eof)
		finish(e, c, TCP_OUT_DONE);
}

void
tcp_engine_event(struct tcp_engine *e, uint64_t tag, uint32_t events, double now, time_t wall)
{
	uint64_t slot = tag & ~TCP_EV_TAG;
	struct tcp_conn *c;
	int err = 0;
	socklen_t el = sizeof(err);

	(void)now;
	if (slot >= e->max || (c = &e->c[slot])->state == C_FREE)
		return;
	switch (c->state) {
	case C_CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err != 0) {
			finish(e, c, TCP_OUT_REFUSED);
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		on_connected(e, c, wall);
		return;
	case C_SEND:
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			do_send(e, c);
		return;
	case C_RECV:
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
			do_recv(e, c, wall);
		return;
	default:
		return;
	}
}

void
tcp_engine_expire(struct tcp_engine *e, double now, time_t wall)
{
	if (e->active == 0)
		return;
	for (unsigned i = 0; i < e->max; i++) {
		struct tcp_conn *c = &e->c[i];
		if (c->state == C_FREE || now < c->deadline)
			continue;
		/* What a slow talker sent so far still counts (a banner without its newline). */
		if (c->connected && c->state == C_RECV && c->rxlen)
			learn(e, c, true, wall);
		finish(e, c, c->connected ? TCP_OUT_TIMEOUT : TCP_OUT_SILENT);
	}
}

double
tcp_engine_next_deadline(const struct tcp_engine *e)
{
	double d = 0;

	if (e->active == 0)
		return 0;
	for (unsigned i = 0; i < e->max; i++)
		if (e->c[i].state != C_FREE && (d == 0 || e->c[i].deadline < d))
			d = e->c[i].deadline;
	return d;
}
