/* conn_private.h -- private to src/net: the connection struct, shared by
 * conn.c (reading, writing, closing) and tcp.c (making sockets).  Its
 * functions are internal, so their names carry two underscores
 * (net__conn_new), as libuv marks its own with uv__. */
#ifndef PUSHPULL_NET_CONN_PRIVATE_H
#define PUSHPULL_NET_CONN_PRIVATE_H

#include "net/conn.h"

#include <sys/socket.h>

enum net_conn_state {
	NET_CONN_CONNECTING,
	NET_CONN_OPEN,
	NET_CONN_FLUSHING,      /* close asked: sending what is queued */
	NET_CONN_LINGER,        /* FIN sent: reading until the peer's FIN */
	NET_CONN_CLOSED,        /* fd closed; freed at the end of the turn */
};

/* The whole per-connection cost of an idle connection in src/net (plus
 * one fd-table slot).  Field order: what every send and recv reads comes
 * first, in the first two cache lines, and the counters last.  A push to
 * thousands of connections finds each one cold in the cache, so every
 * cache line a send touches is paid for once per delivery. */
struct net_conn {
	struct net_loop *loop;
	const struct net_conn_ops *ops;
	void *ud;
	struct net_charge charge;       /* own = &counts, ledger = the label's */
	uint8_t *out;                   /* queue: live bytes are [out_off, out_len) */
	size_t out_off, out_len, out_cap;
	int fd;
	int connect_err;                /* connect() failed at once with this */
	uint16_t cork;
	uint8_t state;                  /* enum net_conn_state */
	uint8_t mask;                   /* the interest the loop has (NET_READ | NET_WRITE) */
	bool read_paused : 1;
	bool eof : 1;                   /* the peer's FIN has been read */
	bool drained : 1;               /* the last recv came up short */
	bool shut_after_flush : 1;      /* net_conn_shutdown_write asked */
	bool wr_shut : 1;
	bool redeliver_pending : 1;     /* redeliver() is queued */
	bool reread_pending : 1;        /* read_more() is queued */
	bool peer_fin : 1;              /* epoll said the peer's FIN is in (NET_PEER_FIN) */
	bool waited : 1;                /* the queue backed up: tell on_drain when it empties */
	bool nodelay : 1;               /* TCP_NODELAY is on */
	bool handshaken : 1;            /* counted one handshake: TCP_INFO is meaningful */
	bool held_for_fin : 1;          /* a send held its last segment for our FIN (MSG_MORE) */
	bool admitted : 1;              /* counted by the loop's limits (limits.c) */
	bool doomed : 1;                /* dropped for the memory it holds: aborted this turn */

	uint8_t *in;                    /* unconsumed input, only while some is held */
	size_t in_len, in_cap;
	size_t high_water, out_limit, in_limit;
	struct net_timer linger;
	/* limits.c: what this connection holds (out_cap + in_cap + 'proto_held')
	 * as last counted in the loop's total, and its place in the loop's
	 * list of connections holding anything. */
	size_t held, proto_held;
	struct net_conn *hold_prev, *hold_next;
	struct net_counts counts;
	uint8_t peer_addr[16];          /* the other end, from accept4 or connect: */
	uint16_t peer_port;             /* cold, so last */
	uint8_t peer_version;           /* 4 or 6; 0: unknown */
};

/* Wraps a connected (or connecting) socket and starts watching it. */
struct net_conn *net__conn_new(struct net_loop *loop, int fd, enum net_conn_state st,
			       struct net_ledger *ledger);

/* Notes the other end's address (from accept4 or connect: no syscall). */
void net__conn_set_peer(struct net_conn *c, const struct sockaddr *sa);

/* Finishes a connect: reads SO_ERROR (or connect_err), tells on_connect. */
void net__conn_connected(struct net_conn *c);

/* Reads now, without waiting for epoll to say so: for a connection just
 * accepted from a listener that hands over only connections whose first
 * bytes have arrived (tcp.c).  The read then happens in the same wake-up
 * as the accept, and epoll, which re-checks readiness before it reports
 * an event, does not wake the loop again for bytes already read. */
void net__conn_read_now(struct net_conn *c);

/* --- limits.c (limits.h): what conn.c and tcp.c tell it --------------- */

struct net__limits;
/* The loop's limits, NULL when none were set (loop.c keeps the pointer). */
struct net__limits *net__loop_limits(const struct net_loop *loop);
void net__loop_set_limits_state(struct net_loop *loop, struct net__limits *lim);
void net__limits_free(struct net__limits *lim);

/* After out_cap, in_cap or proto_held changed: brings the loop's total up
 * to date, and drops the largest holders if it passed the limit. */
void net__held_sync(struct net_conn *c);
/* The same, called only when something changed: the common case (a
 * request answered at once holds nothing) costs a compare, not a call. */
static inline void net__held_note(struct net_conn *c)
{
	if (c->out_cap + c->in_cap + c->proto_held != c->held)
		net__held_sync(c);
}
/* The connection's memory is being freed: out of the total and the list. */
void net__held_forget(struct net_conn *c);

/* Whether a connection from 'sa' may be accepted: 0, and it is counted
 * (net__admit_leave undoes it); else 1 ('max_conns' reached) or 2
 * ('max_per_addr' reached), counted as refused. */
int  net__admit(struct net_loop *loop, const struct sockaddr *sa);
void net__admit_leave(struct net_conn *c);
/* 'c' is dropped over its own output queue's cap: counted. */
void net__dropped_cap(struct net_conn *c);

#endif
