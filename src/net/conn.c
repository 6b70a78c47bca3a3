/* conn.c -- one TCP connection: reading, the output queue, closing.
 *
 * conn.h explains the contract (how on_data consumes, when writes are
 * sent, what graceful close means).  This file is the mechanism; tcp.c
 * makes the sockets (listen, accept, connect) and hands them to
 * net__conn_new().  A connection moves through these states:
 *
 *   CONNECTING --on_connect--> OPEN --net_conn_close--> FLUSHING
 *        |                       |                         | queue empty
 *        |                       |                         v
 *        +------ error ----------+---- abort ----------> LINGER (FIN sent,
 *                                                          |    reading to EOF)
 *                                                          v
 *                                                        CLOSED (fd closed,
 *                                                          on_close called,
 *                                                          freed next turn)
 */
#include "net/conn_private.h"
#include "net/sys.h"
#include "util/log.h"

#include <assert.h>
#include <errno.h>
#include <linux/tcp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One read buffer for every connection of the thread: an idle connection
 * owns none (conn.h, "Reading").  Reads never nest, so one is enough. */
static _Thread_local uint8_t scratch[NET_READ_CHUNK];

/* The replies written while on_data runs are staged here, in memory the
 * thread shares, and leave in one send() when on_data returns; only what
 * the kernel refuses is copied into the connection's own queue.  So the
 * usual request answered at once costs no allocation.  One connection at
 * a time is delivered to, so one stage is enough; 'owner' is it.  The
 * stage is used only while the owner's own queue is empty, which keeps
 * the order: staged bytes are always older than queued ones. */
#define NET_STAGE (64 * 1024)
static _Thread_local struct {
	struct net_conn *owner;
	size_t len;
	uint8_t buf[NET_STAGE];
} stage;

static void on_io(struct net_loop *loop, int fd, unsigned events, void *ud);
static void flush(struct net_conn *c);
static void finish(struct net_conn *c, int err);
static void redeliver(struct net_loop *loop, void *ud);
static void read_more(struct net_loop *loop, void *ud);

/* --- creation and the small accessors ----------------------------------- */

struct net_conn *net__conn_new(struct net_loop *loop, int fd, enum net_conn_state st,
			       struct net_ledger *ledger)
{
	struct net_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->loop = loop;
	c->fd = fd;
	c->state = st;
	c->charge.own = &c->counts;
	c->charge.ledger = ledger;
	c->high_water = NET_HIGH_WATER;
	c->out_limit = NET_OUT_CAP;
	c->in_limit = NET_IN_CAP;
	/* Edge-triggered: see loop.h for why, and do_read() for what it asks. */
	unsigned mask = st == NET_CONN_CONNECTING ? NET_WRITE : NET_READ;
	if (net_loop_watch(loop, fd, mask | NET_EDGE, on_io, c, &c->charge) < 0) {
		free(c);
		return NULL;
	}
	c->mask = (uint8_t)mask;
	return c;
}

void net__conn_set_peer(struct net_conn *c, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		memcpy(c->peer_addr, &in->sin_addr, 4);
		c->peer_port = ntohs(in->sin_port);
		c->peer_version = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		memcpy(c->peer_addr, &in6->sin6_addr, 16);
		c->peer_port = ntohs(in6->sin6_port);
		c->peer_version = 6;
	}
}

bool net_conn_peer(const struct net_conn *c, int *ip_version, uint8_t addr[16], uint16_t *port)
{
	if (!c->peer_version)
		return false;
	*ip_version = c->peer_version;
	memcpy(addr, c->peer_addr, 16);
	*port = c->peer_port;
	return true;
}

void net_conn_peer_text(const struct net_conn *c, char *dst, size_t cap)
{
	if (!c->peer_version ||
	    !inet_ntop(c->peer_version == 4 ? AF_INET : AF_INET6, c->peer_addr, dst, (socklen_t)cap))
		snprintf(dst, cap, "?");
}

void net_conn_set_ops(struct net_conn *c, const struct net_conn_ops *ops, void *ud)
{
	c->ops = ops;
	c->ud = ud;
}

void *net_conn_ud(const struct net_conn *c) { return c->ud; }
void  net_conn_set_ud(struct net_conn *c, void *ud) { c->ud = ud; }
int   net_conn_fd(const struct net_conn *c) { return c->fd; }
struct net_loop *net_conn_loop(const struct net_conn *c) { return c->loop; }
const struct net_counts *net_conn_counts(const struct net_conn *c) { return &c->counts; }
struct net_ledger *net_conn_ledger(const struct net_conn *c) { return c->charge.ledger; }
size_t net_conn_pending(const struct net_conn *c)
{
	return c->out_len - c->out_off + (stage.owner == c ? stage.len : 0);
}
bool net_conn_backlogged(const struct net_conn *c) { return net_conn_pending(c) > c->high_water; }
void net_conn_want_drain(struct net_conn *c) { c->waited = true; }
uint8_t *net_conn_held(const struct net_conn *c, size_t *len)
{
	*len = c->in_len;
	return c->in_len ? c->in : NULL;
}
bool net_conn_closing(const struct net_conn *c) { return c->state >= NET_CONN_FLUSHING; }

void net_conn_set_limits(struct net_conn *c, size_t high_water, size_t out_cap, size_t in_cap)
{
	c->high_water = high_water;
	c->out_limit = out_cap;
	c->in_limit = in_cap;
}

void net_conn_set_ledger(struct net_conn *c, struct net_ledger *ledger)
{
	if (c->charge.ledger == ledger)
		return;
	if (c->charge.ledger)
		net_counts_sub(&c->charge.ledger->c, &c->counts);
	if (ledger)
		net_counts_add(&ledger->c, &c->counts);
	c->charge.ledger = ledger;
}

int net_conn_set_nodelay(struct net_conn *c, bool on)
{
	if (c->nodelay == on)
		return 0;                       /* no syscall for no change */
	int v = on;
	if (net_sys_setsockopt(&c->charge, c->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0)
		return -1;
	c->nodelay = on;
	return 0;
}

/* Watch for exactly what the state needs: reading unless paused or the
 * peer is done, writing only while bytes are queued (or connect pends). */
static void update_interest(struct net_conn *c)
{
	if (c->state == NET_CONN_CLOSED)
		return;
	unsigned mask = 0;
	if (c->state == NET_CONN_CONNECTING)
		mask = NET_WRITE;
	else {
		if (!c->read_paused && !c->eof)
			mask |= NET_READ;
		if (net_conn_pending(c) > 0 && c->cork == 0)
			mask |= NET_WRITE;
	}
	if (mask == c->mask)
		return;                 /* the usual case, decided without the loop's table */
	if (net_loop_set_mask(c->loop, c->fd, mask) < 0) {
		finish(c, errno);
		return;
	}
	c->mask = (uint8_t)mask;
}

/* --- closing ------------------------------------------------------------ */

static void free_conn(struct net_loop *loop, void *ud)
{
	(void)loop;
	struct net_conn *c = ud;
	net__held_forget(c);
	free(c->in);
	free(c->out);
	free(c);
}

/* TCP_INFO of an established socket, closed or not yet (finish() asks
 * just before its close()). */
static int read_tcp_info(const struct net_conn *c, const struct net_charge *payer,
			 struct net_counts *k)
{
	struct tcp_info ti;
	socklen_t n = sizeof ti;
	memset(k, 0, sizeof *k);
	if (c->handshaken == 0) {
		errno = ENOTCONN;
		return -1;
	}
	memset(&ti, 0, sizeof ti);
	if (net_sys_getsockopt(payer, c->fd, IPPROTO_TCP, TCP_INFO, &ti, &n) < 0)
		return -1;
	*k = (struct net_counts){
		.segs_in = ti.tcpi_segs_in, .segs_out = ti.tcpi_segs_out,
		.data_segs_in = ti.tcpi_data_segs_in, .data_segs_out = ti.tcpi_data_segs_out,
		.retrans = ti.tcpi_total_retrans, .rtt_us_sum = ti.tcpi_rtt, .rtt_samples = 1,
		.min_rtt_us_sum = ti.tcpi_min_rtt,
	};
	return 0;
}

int net_conn_tcp_info(const struct net_conn *c, const struct net_charge *payer,
		      struct net_counts *k)
{
	if (c->state == NET_CONN_CLOSED) {     /* its descriptor is gone */
		memset(k, 0, sizeof *k);
		errno = ENOTCONN;
		return -1;
	}
	return read_tcp_info(c, payer, k);
}

/* Adds what the kernel saw of this socket (TCP_INFO, its getsockopt
 * charged like any other) to the connection and its ledger. */
static void charge_tcp_info(struct net_conn *c)
{
	struct net_counts k;
	if (read_tcp_info(c, &c->charge, &k) < 0)
		return;
	net_counts_add(&c->counts, &k);
	if (c->charge.ledger)
		net_counts_add(&c->charge.ledger->c, &k);
}

/* The end of every path: the socket is closed and on_close is told. */
static void finish(struct net_conn *c, int err)
{
	if (c->state == NET_CONN_CLOSED)
		return;
	c->state = NET_CONN_CLOSED;
	net_timer_stop(c->loop, &c->linger);
	charge_tcp_info(c);
	net_loop_forget(c->loop, c->fd);        /* close() leaves the epoll set: no epoll_ctl */
	net_sys_close(&c->charge, c->fd);
	/* A connect that never completed closed no connection: it is a
	 * failed attempt (its syscalls are charged all the same). */
	struct net_counts k = { .closed = c->handshaken, .connects_failed = !c->handshaken };
	net_counts_add(&c->counts, &k);
	if (c->charge.ledger)
		net_counts_add(&c->charge.ledger->c, &k);
	c->out_len = c->out_off = 0;
	if (stage.owner == c)
		stage.len = 0;
	/* The buffers are freed with the struct, next turn: a callback up
	 * the stack may still be reading 'data' that points into c->in. */
	(void)net_loop_defer(c->loop, free_conn, c);   /* ENOMEM: leak, never free under a caller */
	if (c->ops && c->ops->on_close)
		c->ops->on_close(c, err);
}

void net_conn_abort(struct net_conn *c, int err)
{
	finish(c, err);
}

static void on_linger_timeout(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	finish(ud, 0);
}

/* Called when the queue is empty and a close was asked for. */
static void close_flushed(struct net_conn *c)
{
	assert(c->state == NET_CONN_FLUSHING && net_conn_pending(c) == 0);
	/* Nothing more can come (FIN seen), or everything the peer sent was
	 * read (the last recv came up short and nothing is held): close now.
	 * Otherwise send FIN and read until the peer's FIN, so unread bytes
	 * do not make the kernel reset the connection under our last reply. */
	if (c->eof || (c->in_len == 0 && c->drained)) {
		/* A last segment held back for our FIN (flush, MSG_MORE):
		 * the answer and the FIN leave together, one segment for the
		 * peer instead of two.  shutdown() sends them before finish()
		 * reads TCP_INFO, so the ledger counts them, and whatever came
		 * in since our last read; close() alone would answer such
		 * bytes with a reset and drop the held segment. */
		if (c->held_for_fin)
			(void)net_sys_shutdown(&c->charge, c->fd, SHUT_WR);
		finish(c, 0);
		return;
	}
	if (net_sys_shutdown(&c->charge, c->fd, SHUT_WR) < 0) {
		finish(c, errno == ENOTCONN ? 0 : errno);
		return;
	}
	c->state = NET_CONN_LINGER;
	c->read_paused = false;
	net_timer_init(&c->linger, on_linger_timeout, c);
	net_timer_start(c->loop, &c->linger, NET_LINGER_MS, 0);
	update_interest(c);
}

void net_conn_close(struct net_conn *c)
{
	if (c->state >= NET_CONN_FLUSHING)
		return;
	if (c->state == NET_CONN_CONNECTING) {
		finish(c, 0);
		return;
	}
	c->state = NET_CONN_FLUSHING;
	if (net_conn_pending(c) == 0 && c->cork == 0)
		close_flushed(c);
}

void net_conn_shutdown_write(struct net_conn *c)
{
	if (c->state != NET_CONN_OPEN || c->wr_shut)
		return;
	c->shut_after_flush = true;
	if (net_conn_pending(c) == 0 && c->cork == 0)
		flush(c);
}

/* --- writing ------------------------------------------------------------ */

/* Appends to the connection's own queue, compacting or growing it. */
static int enqueue_own(struct net_conn *c, const void *data, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	if (c->out_len + len > c->out_cap) {
		if (c->out_off > 0) {           /* slide the live bytes to the front */
			memmove(c->out, c->out + c->out_off, pending);
			c->out_len = pending;
			c->out_off = 0;
		}
		if (c->out_len + len > c->out_cap) {
			size_t cap = c->out_cap ? c->out_cap : 4096;
			while (cap < c->out_len + len)
				cap *= 2;
			if (cap > c->out_limit)
				cap = c->out_limit;
			uint8_t *p = realloc(c->out, cap);
			if (!p) {
				finish(c, ENOMEM);
				return -1;
			}
			c->out = p;
			c->out_cap = cap;
			net__held_note(c);
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

/* Moves the staged bytes (all older than anything queued) into the
 * connection's own queue, which is empty whenever the stage is in use. */
static int unstage(struct net_conn *c, size_t from)
{
	assert(stage.owner == c && c->out_len == c->out_off && from <= stage.len);
	size_t n = stage.len - from;
	stage.len = 0;
	return n ? enqueue_own(c, stage.buf + from, n) : 0;
}

/* Keeps bytes that cannot be sent now: on the stage while on_data runs,
 * else in the connection's queue.  Aborts the connection when the hard
 * cap would be crossed. */
static int enqueue(struct net_conn *c, const void *data, size_t len)
{
	size_t pending = net_conn_pending(c);
	if (pending + len > c->out_limit) {
		char who[64];
		net_conn_peer_text(c, who, sizeof who);
		log_say(LOG_WARN, LOG_SLOW, "dropped %s port %u: %zu bytes it has not read, and "
			"%zu more would pass its cap of %zu", who, (unsigned)c->peer_port, pending,
			len, c->out_limit);
		net__dropped_cap(c);
		finish(c, ENOBUFS);
		return -1;
	}
	if (pending + len > c->high_water)
		c->waited = true;
	if (stage.owner == c && c->out_len == c->out_off) {
		if (stage.len + len <= sizeof stage.buf) {
			memcpy(stage.buf + stage.len, data, len);
			stage.len += len;
			return 0;
		}
		if (unstage(c, 0) < 0)          /* too big to stage: queue it all */
			return -1;
	}
	return enqueue_own(c, data, len);
}

/* Sends what is queued: one send() per call, since a short send means
 * the socket buffer is full and another would only say EAGAIN.
 * Emptying the queue calls on_drain when someone may be waiting for it:
 * the queue had to wait for EPOLLOUT, or passed the high-water mark, or
 * reading is paused -- not after every corked reply. */
static void flush(struct net_conn *c)
{
	if (net_conn_pending(c) > 0) {
		/* While staged, the connection's own queue is empty: the stage
		 * is everything there is to send. */
		bool staged = stage.owner == c && stage.len > 0;
		assert(!staged || c->out_len == c->out_off);
		const uint8_t *buf = staged ? stage.buf : c->out + c->out_off;
		size_t len = staged ? stage.len : c->out_len - c->out_off;
		/* A FIN follows once this is out: MSG_MORE holds the last
		 * segment back to carry it (close_flushed sends them). */
		int more = c->state == NET_CONN_FLUSHING || c->shut_after_flush ? MSG_MORE : 0;
		ssize_t r = net_sys_send(&c->charge, c->fd, buf, len, more);
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			finish(c, errno);
			return;
		}
		if (more && r > 0)
			c->held_for_fin = true;
		size_t sent = r > 0 ? (size_t)r : 0;
		if (staged) {
			if (unstage(c, sent) < 0)       /* what the kernel refused */
				return;
		} else {
			c->out_off += sent;
		}
		if (net_conn_pending(c) > 0) {
			c->waited = true;       /* EPOLLOUT from here on */
			/* A message that takes several sends: without this, Nagle
			 * would hold its last small segment until the peer ACKs
			 * the others, and a delayed ACK takes 40 ms. */
			net_conn_set_nodelay(c, true);
			update_interest(c);
			return;
		}
		free(c->out);                   /* idle connections hold no buffer */
		c->out = NULL;
		c->out_len = c->out_off = c->out_cap = 0;
		net__held_note(c);
		update_interest(c);
		bool waited = c->waited || c->read_paused;
		c->waited = false;
		if (waited && c->state == NET_CONN_OPEN && c->ops && c->ops->on_drain)
			c->ops->on_drain(c);
		if (c->state == NET_CONN_CLOSED || net_conn_pending(c) > 0)
			return;                 /* on_drain closed it, or wrote more */
	}
	if (c->state == NET_CONN_FLUSHING) {
		close_flushed(c);
	} else if (c->shut_after_flush && !c->wr_shut) {
		c->wr_shut = true;
		if (net_sys_shutdown(&c->charge, c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
			finish(c, errno);
	}
}

int net_conn_writev(struct net_conn *c, const struct iovec *iov, int iovcnt)
{
	if (c->state != NET_CONN_OPEN || c->shut_after_flush || c->doomed) {
		errno = c->doomed ? ENOBUFS : EPIPE;
		return -1;
	}
	size_t done = 0;
	if (net_conn_pending(c) == 0 && c->cork == 0) {
		/* The fast path: nothing queued, so send straight from the
		 * caller's memory and copy only what the kernel refused. */
		ssize_t r = iovcnt == 1
			? net_sys_send(&c->charge, c->fd, iov[0].iov_base, iov[0].iov_len, 0)
			: net_sys_writev(&c->charge, c->fd, iov, iovcnt);
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			finish(c, errno);
			return -1;
		}
		done = r > 0 ? (size_t)r : 0;
	}
	for (int i = 0; i < iovcnt; i++) {
		size_t len = iov[i].iov_len;
		if (done >= len) {
			done -= len;
			continue;
		}
		if (enqueue(c, (const uint8_t *)iov[i].iov_base + done, len - done) < 0)
			return -1;
		done = 0;
	}
	if (c->cork == 0)
		update_interest(c);
	return 0;
}

int net_conn_write(struct net_conn *c, const void *data, size_t len)
{
	return net_conn_writev(c, &(struct iovec){ (void *)data, len }, 1);
}

void net_conn_cork(struct net_conn *c)
{
	c->cork++;
}

void net_conn_uncork(struct net_conn *c)
{
	if (c->cork > 0 && --c->cork == 0 && c->state != NET_CONN_CLOSED) {
		flush(c);
		/* A pause or resume asked while corked takes effect now: an
		 * edge-triggered reader that stays registered for input while
		 * paused would be told of data it then ignores, and never again. */
		if (c->state != NET_CONN_CLOSED)
			update_interest(c);
	}
}

/* --- reading ------------------------------------------------------------ */

/* Held input up to this size is read again through the scratch buffer
 * (do_read): the connection keeps only what it holds, rounded up to 64
 * bytes, never a buffer to read into.  A client that sends a request
 * head a byte at a time (slowloris) holds a few dozen bytes here, not
 * the 16 KiB a read straight behind them would need. */
#define NET_HELD_SMALL 2048

/* Keeps the 'rest' bytes that on_data left, in the connection's own
 * input buffer (allocated only while bytes are held). */
static void keep_rest(struct net_conn *c, uint8_t *data, size_t used, size_t rest)
{
	if (data == c->in) {
		memmove(c->in, c->in + used, rest);
		c->in_len = rest;
	} else {
		/* Bytes from the scratch buffer: nothing was held, or a
		 * little that do_read copied there in front of the new bytes. */
		if (rest > c->in_cap) {
			size_t cap = rest <= NET_HELD_SMALL ? (rest + 63) & ~(size_t)63 : rest;
			free(c->in);
			c->in_cap = 0;
			if (!(c->in = malloc(cap))) {
				c->in_len = 0;
				net__held_note(c);
				finish(c, ENOMEM);
				return;
			}
			c->in_cap = cap;
		}
		if (rest > 0)
			memcpy(c->in, data + used, rest);
		c->in_len = rest;
	}
	if (c->in_len == 0 && c->in) {
		free(c->in);                    /* nothing in flight: hold nothing */
		c->in = NULL;
		c->in_cap = 0;
	}
	net__held_note(c);
}

/* Hands every unconsumed byte to on_data, with the replies it writes
 * staged (or corked) so that they leave in one send(), and keeps what it
 * did not consume. */
static void deliver(struct net_conn *c, uint8_t *data, size_t len)
{
	const struct net_conn_ops *ops = c->ops;
	bool staging = stage.owner == NULL;     /* deliveries do not nest, but be sure */
	if (staging)
		stage.owner = c;
	net_conn_cork(c);
	size_t used = ops && ops->on_data ? ops->on_data(c, data, len) : len;
	if (used > len)
		used = len;
	if (c->state != NET_CONN_CLOSED)
		keep_rest(c, data, used, len - used);
	if (c->state != NET_CONN_CLOSED) {
		/* A protocol switch (HTTP -> WebSocket) inside on_data: the bytes
		 * after the handshake belong to the new owner, now, not at the
		 * next recv -- which may never come if the peer waits for an
		 * answer. */
		if (c->ops != ops && c->in_len > 0 && !c->read_paused && !c->redeliver_pending &&
		    net_loop_defer(c->loop, redeliver, c) == 0)
			c->redeliver_pending = true;
		net_conn_uncork(c);             /* sends the stage; the rest is queued */
	}
	if (staging) {
		/* Still corked by on_data's own net_conn_cork: queue the stage. */
		if (stage.len > 0 && c->state != NET_CONN_CLOSED)
			unstage(c, 0);
		stage.owner = NULL;
		stage.len = 0;
	}
}

static void on_eof(struct net_conn *c)
{
	c->eof = true;
	if (c->state == NET_CONN_FLUSHING && net_conn_pending(c) == 0) {
		finish(c, 0);
		return;
	}
	if (c->state == NET_CONN_OPEN) {
		if (c->ops && c->ops->on_eof)
			c->ops->on_eof(c);
		else
			net_conn_close(c);
	}
	/* Still open (the peer only half-closed, or output is pending): stop
	 * watching for input, or every later change of interest would re-arm
	 * the descriptor and report the end of input again.  Skipped when the
	 * connection just closed. */
	update_interest(c);
}

/* Edge-triggered epoll reports what arrives, not what is waiting: after a
 * recv that filled 'room', or one that left the peer's FIN unread, nothing
 * more will be reported, so the connection reads again itself -- in a
 * deferred call, so that one busy peer cannot starve the others. */
static void more_to_read(struct net_conn *c, size_t got, size_t room)
{
	if ((got == room || c->peer_fin) && !c->reread_pending &&
	    net_loop_defer(c->loop, read_more, c) == 0)
		c->reread_pending = true;
}

/* The protocol's own place for the next bytes (ops->read_into), when it
 * has room for more than a read into the scratch buffer would bring:
 * below NET_READ_CHUNK the scratch buffer takes the same bytes and those
 * after them (the next header) in one recv.  Else NULL, and 'room' is
 * left as it was. */
static uint8_t *read_target(struct net_conn *c, size_t *room)
{
	size_t want = 0;
	uint8_t *p = c->ops && c->ops->read_into ? c->ops->read_into(c, &want) : NULL;
	if (!p || want < NET_READ_CHUNK)
		return NULL;
	*room = want;
	return p;
}

static void do_read(struct net_conn *c)
{
	if (c->state == NET_CONN_LINGER || c->state == NET_CONN_FLUSHING) {
		/* Closing: read only to find the peer's FIN; discard the rest. */
		ssize_t r = net_sys_recv(&c->charge, c->fd, scratch, sizeof scratch);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			if (c->state == NET_CONN_LINGER)
				finish(c, 0);
			else
				on_eof(c);
		} else if (r > 0) {
			more_to_read(c, (size_t)r, sizeof scratch);
		}
		return;
	}
	uint8_t *buf = scratch;
	size_t room = sizeof scratch;
	size_t small = 0;               /* held bytes copied in front of the scratch buffer */
	uint8_t *into = c->in_len == 0 ? read_target(c, &room) : NULL;
	if (into) {
		buf = into;             /* conn.h, "Reading straight into place" */
	} else if (c->in_len > 0 && c->in_len <= NET_HELD_SMALL) {
		small = c->in_len;
		memcpy(scratch, c->in, small);
		buf = scratch + small;
		room = sizeof scratch - small;
	} else if (c->in_len > 0) {
		/* A partial message is held: read straight in behind it. */
		if (c->in_len >= c->in_limit) {
			finish(c, EMSGSIZE);
			return;
		}
		if (c->in_cap - c->in_len < NET_READ_CHUNK / 4) {
			size_t cap = c->in_cap * 2;
			if (cap < c->in_len + NET_READ_CHUNK / 4)
				cap = c->in_len + NET_READ_CHUNK / 4;
			if (cap > c->in_limit)
				cap = c->in_limit;
			uint8_t *p = realloc(c->in, cap);
			if (!p) {
				finish(c, ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = cap;
			net__held_note(c);
		}
		buf = c->in + c->in_len;
		room = c->in_cap - c->in_len;
	}
	ssize_t r = net_sys_recv(&c->charge, c->fd, buf, room);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			finish(c, errno);
		return;
	}
	if (r == 0) {
		on_eof(c);
		return;
	}
	c->drained = (size_t)r < room;
	if (into)
		deliver(c, into, (size_t)r);
	else if (buf == scratch + small)
		deliver(c, scratch, small + (size_t)r);
	else {
		c->in_len += (size_t)r;
		deliver(c, c->in, c->in_len);
	}
	if (c->state != NET_CONN_CLOSED)
		more_to_read(c, (size_t)r, room);
}

static void read_more(struct net_loop *loop, void *ud)
{
	(void)loop;
	struct net_conn *c = ud;
	c->reread_pending = false;
	/* Paused: resuming re-arms the descriptor (update_interest), and epoll
	 * then reports what is waiting. */
	if (c->state != NET_CONN_CLOSED && c->state != NET_CONN_CONNECTING &&
	    !c->read_paused && !c->eof)
		do_read(c);
}

static void redeliver(struct net_loop *loop, void *ud)
{
	(void)loop;
	struct net_conn *c = ud;
	c->redeliver_pending = false;
	if (c->state == NET_CONN_OPEN && !c->read_paused && c->in_len > 0)
		deliver(c, c->in, c->in_len);
}

void net_conn_pause_read(struct net_conn *c)
{
	if (c->read_paused)
		return;
	c->read_paused = true;
	if (c->cork == 0)
		update_interest(c);
}

void net_conn_resume_read(struct net_conn *c)
{
	if (!c->read_paused || c->state != NET_CONN_OPEN)
		return;
	c->read_paused = false;
	if (c->cork == 0)
		update_interest(c);
	if (c->in_len > 0 && !c->redeliver_pending &&
	    net_loop_defer(c->loop, redeliver, c) == 0)
		c->redeliver_pending = true;
}

void net__conn_read_now(struct net_conn *c)
{
	if (c->state == NET_CONN_OPEN && c->ops && !c->read_paused && !c->eof)
		do_read(c);
}

/* --- connect completion and dispatch ------------------------------------ */

void net__conn_connected(struct net_conn *c)
{
	if (c->state != NET_CONN_CONNECTING)
		return;                 /* closed meanwhile */
	int err = c->connect_err;
	socklen_t n = sizeof err;
	if (err == 0 && net_sys_getsockopt(&c->charge, c->fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
		err = errno;
	if (err == 0) {
		c->state = NET_CONN_OPEN;
		c->handshaken = 1;
		c->counts.handshakes++;
		if (c->charge.ledger)
			c->charge.ledger->c.handshakes++;
		update_interest(c);
	}
	if (c->ops && c->ops->on_connect)
		c->ops->on_connect(c, err);
	if (err)
		finish(c, err);
}

static void on_io(struct net_loop *loop, int fd, unsigned events, void *ud)
{
	(void)fd;
	struct net_conn *c = ud;
	c->counts.wakeups++;
	if (c->doomed)
		return;                 /* dropped (limits.c): aborted this turn */
	/* A ledger paying for the loop too (a client's) had it from epoll_wait. */
	if (c->charge.ledger && c->charge.ledger != net_loop_ledger(loop))
		c->charge.ledger->c.wakeups++;
	if (c->state == NET_CONN_CONNECTING) {
		net__conn_connected(c);
		return;
	}
	/* Writable (or in error with bytes to send: the send reports it). */
	if ((events & NET_WRITE) || ((events & NET_ERROR) && net_conn_pending(c) > 0))
		flush(c);
	if (c->state == NET_CONN_CLOSED)
		return;
	if (events & NET_PEER_FIN)
		c->peer_fin = true;
	/* Each callback above may have closed or paused the connection. */
	if (((events & NET_READ) || (events & NET_ERROR)) && !c->read_paused && !c->eof)
		do_read(c);
	else if ((events & NET_ERROR) && c->state != NET_CONN_CLOSED && net_conn_pending(c) == 0) {
		/* An error on a socket we are neither reading nor writing:
		 * epoll reports it once, edge-triggered, so end here. */
		int err = 0;
		socklen_t n = sizeof err;
		net_sys_getsockopt(&c->charge, c->fd, SOL_SOCKET, SO_ERROR, &err, &n);
		finish(c, err ? err : ECONNRESET);
	}
}
