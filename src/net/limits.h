/* limits.h -- what one loop lets its clients take, in total.
 *
 * Every connection already has its own bounds (conn.h: the output queue's
 * hard cap, unconsumed input's cap).  Those do not bound the whole: ten
 * thousand connections each within its own cap can still take the
 * machine.  A loop with limits set also bounds the sum:
 *
 * Connections.  'max_conns' accepted connections open at once, and
 * 'max_per_addr' from any one client address (an IPv6 client's address
 * whole: a /128).  A connection over either is refused as soon as it is
 * accepted: its first bytes are read (so that the close sends FIN, not a
 * reset that could destroy the answer), the listener's refusal is sent
 * (an HTTP server gives a 503, see net_listener_set_refusal), and it is
 * closed -- no callback, nothing kept, three syscalls.  Counted, and
 * logged (log.h, rate-limited).  Connections the loop makes itself
 * (net_connect) are not counted.  The per-address count lives in a hash
 * table with an entry per address that has a connection open: memory in
 * proportion to the clients, never to the connections ever made.
 *
 * Memory held for connections.  'max_held' bytes in total for what
 * connections hold beyond their structs: output queues (the bytes a slow
 * reader has not taken), unconsumed input (a message half-received), and
 * what a protocol declares it holds for a connection (net_conn_hold: a
 * WebSocket message being reassembled).  When the total passes the limit
 * the connection holding the most is dropped, then the next, until the
 * total is under it: the slowest reader first, or whoever sends a huge
 * message slowest.  A dropped connection takes no more writes at once,
 * its output queue is freed at once, and it is aborted (on_close with
 * ENOBUFS) at the end of the turn, when the rest of its memory (input a
 * parser up the stack may be reading) is freed; so within one turn the
 * memory can pass the limit by the input of the connections dropped in
 * it.  Finding the largest holder is a scan of the
 * connections that hold anything: O(holders) per drop, paid only when the
 * limit is crossed.
 *
 * A zero field is "no limit".  Without net_loop_set_limits nothing is
 * counted (the demo, the clients and the tests of other layers pay
 * nothing).
 *
 * Read next: conn.h.
 */
#ifndef PUSHPULL_NET_LIMITS_H
#define PUSHPULL_NET_LIMITS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "net/conn.h"
#include "net/loop.h"

struct net_limits {
	uint32_t max_conns;             /* accepted connections open at once; 0: no limit */
	uint32_t max_per_addr;          /* of those, from one client address; 0: no limit */
	size_t max_held;                /* bytes held for connections in total; 0: no limit */
};

struct net_limits_stats {
	uint64_t conns;                 /* accepted connections open now */
	uint64_t addresses;             /* client addresses with a connection open */
	uint64_t refused_total;         /* refused: 'max_conns' reached */
	uint64_t refused_per_addr;      /* refused: 'max_per_addr' reached */
	uint64_t dropped_slow;          /* dropped holding mostly output */
	uint64_t dropped_input;         /* dropped holding mostly input */
	uint64_t dropped_cap;           /* dropped over its own output queue's cap (conn.h) */
	size_t held, held_peak;         /* bytes held for connections, now and at most */
};

/* Sets (or changes) the loop's limits.  Connections accepted before the
 * first call are not counted.  Returns 0, or -1 with errno ENOMEM. */
int net_loop_set_limits(struct net_loop *loop, const struct net_limits *lim);
/* Zeroes '*st' and fills what the loop has counted. */
void net_loop_limits_stats(const struct net_loop *loop, struct net_limits_stats *st);

/* A protocol's own memory for this connection: 'delta' bytes more (or,
 * negative, fewer) than it declared before.  Counts towards 'max_held';
 * crossing it may drop this connection or another (above). */
void net_conn_hold(struct net_conn *c, ssize_t delta);

/* What a refused connection is sent before its close (copied; at most
 * NET_REFUSAL_MAX bytes); none by default. */
#define NET_REFUSAL_MAX 512
int net_listener_set_refusal(struct net_listener *l, const void *bytes, size_t len);

#endif
