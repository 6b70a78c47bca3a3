/* tcp.c -- making TCP sockets: listen, accept, connect.
 *
 * Every socket is non-blocking and close-on-exec from birth.  What each
 * step costs is charged like everything else: setting up a listener to
 * the loop's ledger, and from accept4 on, each connection's to its own --
 * including the accept4 that ends a batch with EAGAIN, which is charged
 * to the last connection of the batch, because with a connection per
 * request that extra call is part of what each request costs.
 * One accepted or connected socket counts as one three-way handshake.
 *
 * Read next: conn.c, which takes over the sockets made here.
 */
#include "net/conn_private.h"
#include "net/limits.h"
#include "net/sys.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct net_listener {
	struct net_loop *loop;
	net_accept_fn *on_accept;
	void *ud;
	struct net_charge charge;       /* the listener's own syscalls: the loop's ledger */
	struct net_ledger *conn_ledger; /* where accepted connections start */
	struct net_timer pause;         /* after EMFILE: rest, then accept again */
	uint64_t pauses;
	int fd;
	uint16_t port;
	bool data_first;                /* TCP_DEFER_ACCEPT: a new connection has bytes */
	size_t refusal_len;
	uint8_t refusal[NET_REFUSAL_MAX];       /* sent to a connection over a limit */
};

#define ACCEPTS_PER_WAKEUP 128          /* then let other descriptors run */

/* A socket address, either family. */
struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
	bool dual;                      /* "*": IPv6 and IPv4 on one socket */
};

/* "127.0.0.1", "0.0.0.0", "localhost" (IPv4's loopback), "::1", "[::1]",
 * "::" or "*" (every address of both families) -> a socket address. */
static int parse_addr(const char *host, uint16_t port, struct addr *a)
{
	char v6[INET6_ADDRSTRLEN];
	size_t n = host ? strlen(host) : 0;
	memset(a, 0, sizeof *a);
	if (n == 0 || strcasecmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (strcmp(host, "*") == 0) {
		host = "::";
		a->dual = true;
	} else if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof v6) {
		memcpy(v6, host + 1, n - 2);    /* the bracketed form of URLs */
		v6[n - 2] = 0;
		host = v6;
	}
	if (inet_pton(AF_INET, host, &a->u.in.sin_addr) == 1) {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons(port);
		a->len = sizeof a->u.in;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons(port);
		a->len = sizeof a->u.in6;
		return 0;
	}
	return -1;
}

bool net_host_valid(const char *host)
{
	struct addr a;
	return host && *host && parse_addr(host, 0, &a) == 0;
}

/* --- listening and accepting -------------------------------------------- */

static void on_listen_io(struct net_loop *loop, int fd, unsigned events, void *ud);

static void on_pause_end(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)t;
	struct net_listener *l = ud;
	net_loop_set_mask(loop, l->fd, NET_READ);
}

/* A new connection pays for the accept4 that made it, and counts the
 * handshake the kernel completed before accept4 could return it. */
static void charge_accept(struct net_conn *c)
{
	net_charge_sys(&c->charge, NET_SYS_ACCEPT);
	c->handshaken = 1;
	c->counts.handshakes++;
	if (c->charge.ledger)
		c->charge.ledger->c.handshakes++;
}

static void peer_text(const struct sockaddr_storage *ss, char *dst, size_t cap)
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
						  : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, dst, (socklen_t)cap))
		snprintf(dst, cap, "?");
}

/* A connection over a limit (limits.h): its first bytes read, so that
 * the close sends FIN rather than a reset that would destroy the
 * refusal; the refusal sent; closed.  Charged to the listener. */
static void refuse(struct net_listener *l, int cfd, int why, const struct sockaddr_storage *peer)
{
	char drain[4096];
	(void)net_sys_recv(&l->charge, cfd, drain, sizeof drain);
	if (l->refusal_len)
		(void)net_sys_send(&l->charge, cfd, l->refusal, l->refusal_len, 0);
	net_sys_close(&l->charge, cfd);
	struct net_limits_stats st;
	net_loop_limits_stats(l->loop, &st);
	char who[INET6_ADDRSTRLEN];
	peer_text(peer, who, sizeof who);
	if (why == 1)
		log_say(LOG_WARN, LOG_LIMIT, "%llu connections open, the most allowed: refused one "
			"from %s", (unsigned long long)st.conns, who);
	else
		log_say(LOG_WARN, LOG_LIMIT, "the most connections allowed from %s are open: "
			"refused one more", who);
}

int net_listener_set_refusal(struct net_listener *l, const void *bytes, size_t len)
{
	if (len > sizeof l->refusal) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(l->refusal, bytes, len);
	l->refusal_len = len;
	return 0;
}

static void on_listen_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)events;
	struct net_listener *l = ud;
	struct net_conn *last = NULL;
	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		/* Who pays is known only afterwards: a new connection pays
		 * for its accept4 (charge_accept); one that fails or says
		 * EAGAIN is paid by the batch's last connection, if any. */
		struct sockaddr_storage peer;   /* accept4 tells it for free */
		socklen_t plen = sizeof peer;
		int cfd = net_sys_accept4(NULL, fd, (struct sockaddr *)&peer, &plen,
					  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			net_charge_sys(last ? &last->charge : &l->charge, NET_SYS_ACCEPT);
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors.  The pending connection stays
				 * in the backlog, so level-triggered epoll would wake
				 * us at once, forever: stop watching for a moment. */
				l->pauses++;
				net_loop_set_mask(loop, fd, 0);
				net_timer_start(loop, &l->pause, NET_ACCEPT_PAUSE_MS, 0);
				log_say(LOG_ERROR, LOG_FDS, "accept: %s: not accepting for %d ms "
					"(raise the descriptor limit, ulimit -n, or lower "
					"--max-connections)", strerror(errno), NET_ACCEPT_PAUSE_MS);
			}
			return;                 /* EAGAIN: the backlog is empty */
		}
		int why = net__admit(loop, (struct sockaddr *)&peer);
		if (why) {
			net_charge_sys(&l->charge, NET_SYS_ACCEPT);
			refuse(l, cfd, why, &peer);
			continue;
		}
		struct net_conn *c = net__conn_new(loop, cfd, NET_CONN_OPEN, l->conn_ledger);
		if (c) {
			net__conn_set_peer(c, (struct sockaddr *)&peer);
			c->admitted = net__loop_limits(loop) != NULL;
		}
		if (!c) {
			if (net__loop_limits(loop)) {   /* undo net__admit: a stand-in to leave */
				struct net_conn tmp = { .loop = loop, .admitted = true };
				net__conn_set_peer(&tmp, (struct sockaddr *)&peer);
				net__admit_leave(&tmp);
			}
			net_charge_sys(&l->charge, NET_SYS_ACCEPT);
			net_sys_close(&l->charge, cfd);
			continue;
		}
		charge_accept(c);
		last = c;
		l->on_accept(l, c, l->ud);
		if (l->data_first)
			net__conn_read_now(c);  /* its request is here: no second wake-up */
	}
}

static struct net_listener *listen_on(struct net_loop *loop, const char *host, uint16_t port,
				      int backlog, net_accept_fn *on_accept, void *ud,
				      struct net_ledger *ledger, bool reuse_port);

struct net_listener *net_listen(struct net_loop *loop, const char *host,
				uint16_t port, int backlog,
				net_accept_fn *on_accept, void *ud,
				struct net_ledger *ledger)
{
	return listen_on(loop, host, port, backlog, on_accept, ud, ledger, false);
}

/* SO_REUSEPORT: several sockets, one per loop, listen on the same port,
 * and the kernel hands each new connection to one of them by a hash of
 * its addresses.  Each loop accepts from its own queue: no lock, no
 * thundering herd. */
struct net_listener *net_listen_shared(struct net_loop *loop, const char *host,
				       uint16_t port, int backlog,
				       net_accept_fn *on_accept, void *ud,
				       struct net_ledger *ledger)
{
	return listen_on(loop, host, port, backlog, on_accept, ud, ledger, true);
}

static struct net_listener *listen_on(struct net_loop *loop, const char *host, uint16_t port,
				      int backlog, net_accept_fn *on_accept, void *ud,
				      struct net_ledger *ledger, bool reuse_port)
{
	struct addr a;
	if (parse_addr(host, port, &a) < 0) {
		errno = EINVAL;
		return NULL;
	}
	struct net_listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->loop = loop;
	l->on_accept = on_accept;
	l->ud = ud;
	l->charge.ledger = net_loop_ledger(loop);
	l->conn_ledger = ledger;
	net_timer_init(&l->pause, on_pause_end, l);
	l->fd = net_sys_socket(&l->charge, a.u.sa.sa_family,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto fail;
	int one = 1, v6only = !a.dual;
	socklen_t n = a.len;
	/* An IPv6 listener takes IPv4 clients too only when asked ("*"),
	 * whatever the system's default (net.ipv6.bindv6only) says.
	 * getsockname is counted with the sockopt calls. */
	if (net_sys_setsockopt(&l->charge, l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (reuse_port &&
	     net_sys_setsockopt(&l->charge, l->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
	    (a.u.sa.sa_family == AF_INET6 &&
	     net_sys_setsockopt(&l->charge, l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
				sizeof v6only) < 0) ||
	    net_sys_bind(&l->charge, l->fd, &a.u.sa, a.len) < 0 ||
	    net_sys_listen(&l->charge, l->fd, backlog > 0 ? backlog : 511) < 0 ||
	    (net_charge_sys(&l->charge, NET_SYS_SOCKOPT),
	     getsockname(l->fd, &a.u.sa, &n) < 0) ||
	    net_loop_watch(loop, l->fd, NET_READ, on_listen_io, l, &l->charge) < 0)
		goto fail;
	l->port = ntohs(a.u.sa.sa_family == AF_INET ? a.u.in.sin_port : a.u.in6.sin6_port);
	return l;
fail:;
	int err = errno;
	if (l->fd >= 0)
		net_sys_close(&l->charge, l->fd);
	free(l);
	errno = err;
	return NULL;
}

/* TCP_DEFER_ACCEPT: the kernel completes the handshake as usual but keeps
 * the connection out of the accept queue until its first bytes arrive.
 * Without it, a client that connects and asks costs two wake-ups: one for
 * the accept (the handshake's last ACK), one for the request a moment
 * later.  With it, accept4 returns a socket whose request is already
 * waiting, and on_listen_io reads it at once (net__conn_read_now): one
 * wake-up for the accept and the request together.  (Reading it only when
 * epoll reported it, as pushpull once did, kept the second wake-up: strace
 * showed epoll_wait returning for the listener, then for the socket.)  A client that stays silent is handed over after 'seconds'
 * or a little more: when the kernel's next retransmitted SYN-ACK is
 * acknowledged (1 s: after 1 s; 5 s: after 7 s, measured).  With a new
 * connection per request (wrk, 50 connections) the server's CPU per
 * request went from 39 to 24 us, and the client's core, which ran the
 * extra wake-up, served more requests per second. */
int net_listener_wait_for_data(struct net_listener *l, int seconds)
{
	if (net_sys_setsockopt(&l->charge, l->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT,
			       &seconds, sizeof seconds) < 0)
		return -1;
	l->data_first = true;
	return 0;
}

uint16_t net_listener_port(const struct net_listener *l) { return l->port; }
uint64_t net_listener_pauses(const struct net_listener *l) { return l->pauses; }

void net_listener_close(struct net_listener *l)
{
	if (!l)
		return;
	net_timer_stop(l->loop, &l->pause);
	net_loop_forget(l->loop, l->fd);
	net_sys_close(&l->charge, l->fd);
	free(l);
}

/* --- connecting --------------------------------------------------------- */

static void connect_failed(struct net_loop *loop, void *ud)
{
	(void)loop;
	net__conn_connected(ud);
}

struct net_conn *net_connect(struct net_loop *loop, const char *host,
			     uint16_t port, const struct net_conn_ops *ops,
			     void *ud, struct net_ledger *ledger)
{
	return net_connect_from(loop, NULL, host, port, ops, ud, ledger);
}

/* Binds 'fd' to the source address 'a' (port 0).  IP_BIND_ADDRESS_NO_PORT
 * leaves the port to connect, which picks one free for the whole
 * four-tuple: bind alone would reserve a port per source address for
 * every destination, and run out at the same ~28,000.  Returns 0, or -1
 * with errno. */
static int bind_source(const struct net_charge *pay, int fd, const struct addr *a)
{
	int one = 1;
	if (a->u.sa.sa_family == AF_INET &&
	    net_sys_setsockopt(pay, fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one) < 0)
		return -1;
	return net_sys_bind(pay, fd, &a->u.sa, a->len);
}

struct net_conn *net_connect_from(struct net_loop *loop, const char *src, const char *host,
				  uint16_t port, const struct net_conn_ops *ops,
				  void *ud, struct net_ledger *ledger)
{
	struct addr a, from;
	if (parse_addr(host, port, &a) < 0 || a.dual ||
	    (src && (parse_addr(src, 0, &from) < 0 || from.dual ||
		     from.u.sa.sa_family != a.u.sa.sa_family))) {
		errno = EINVAL;
		return NULL;
	}
	struct net_charge pay = { NULL, ledger };
	int fd = net_sys_socket(&pay, a.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (src && bind_source(&pay, fd, &from) < 0) {
		int err = errno;
		net_sys_close(&pay, fd);
		errno = err;
		return NULL;
	}
	struct net_conn *c = net__conn_new(loop, fd, NET_CONN_CONNECTING, ledger);
	if (!c) {
		net_sys_close(&pay, fd);
		errno = ENOMEM;
		return NULL;
	}
	c->counts.sys[NET_SYS_SOCKET]++;        /* already in the ledger via 'pay' */
	if (src) {
		c->counts.sys[NET_SYS_BIND]++;
		if (from.u.sa.sa_family == AF_INET)
			c->counts.sys[NET_SYS_SOCKOPT]++;
	}
	net__conn_set_peer(c, &a.u.sa);
	net_conn_set_ops(c, ops, ud);
	/* Non-blocking: EINPROGRESS is the normal answer.  Either way the
	 * outcome is read from SO_ERROR when the socket turns writable, so
	 * on_connect never runs before net_connect has returned. */
	if (net_sys_connect(&c->charge, fd, &a.u.sa, a.len) < 0 &&
	    errno != EINPROGRESS) {
		/* Failed at once: SO_ERROR would now read 0, so keep the error
		 * and report it from the loop, as an asynchronous failure. */
		c->connect_err = errno;
		if (net_loop_defer(loop, connect_failed, c) < 0) {
			int err = c->connect_err;
			net_conn_abort(c, err);
			errno = err;
			return NULL;
		}
	}
	return c;
}
