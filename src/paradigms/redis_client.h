/* redis_client.h -- one connection to a Redis server, on the loop.
 *
 * Commands go out pipelined, as RESP2 arrays (src/resp), and each reply
 * goes to the callback of its command, in the order the commands were
 * sent: Redis answers one connection in order, so a FIFO of callbacks is
 * all the matching there is.  Nothing blocks: a command is written (or
 * queued by src/net) and its callback runs in a later turn, when its
 * reply is whole.
 *
 * Why here and not a layer of its own: it holds a socket (net_connect),
 * so it is not sans-IO like src/resp; the one thing it serves is the
 * shared feed (redis_feed.h), so it lives beside it.
 *
 * Losing the server.  When the connection fails or closes, every command
 * still waiting gets its callback with a NULL reply -- its fate unknown:
 * Redis may or may not have run it -- then 'on_down' runs, and the client
 * connects again after a pause that doubles from REDIS_BACKOFF_MIN_MS up
 * to REDIS_BACKOFF_MAX_MS, for as long as it lives.  'on_up' runs at each
 * successful connection.  While down, commands are refused at once
 * (ENOTCONN), never queued for later: the caller decides what an
 * unreachable Redis means.
 *
 * Bounds.  At most REDIS_PENDING_MAX commands wait for a reply, the
 * output queue holds at most src/net's cap, and one reply may be
 * RESP_REPLY_MAX bytes; past any of them a command is refused (EAGAIN,
 * ENOBUFS) or the connection dropped.
 *
 * Read next: hub.h.
 */
#ifndef PUSHPULL_PARADIGMS_REDIS_CLIENT_H
#define PUSHPULL_PARADIGMS_REDIS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/ledger.h"
#include "net/loop.h"

#define REDIS_BACKOFF_MIN_MS   50
#define REDIS_BACKOFF_MAX_MS   2000
#define REDIS_CONNECT_MS       2000     /* a connect not done by then is dropped */
#define REDIS_PENDING_MAX      65536    /* commands waiting for their reply */

struct redis_client;

/* A reply: one whole RESP2 value, 'len' bytes (read it with resp_reader,
 * resp.h; valid during the call only).  NULL: the connection was lost
 * before it came. */
typedef void redis_reply_fn(void *ud, const char *reply, size_t len);

struct redis_client_ops {
	void (*on_up)(struct redis_client *rc, void *ud);
	/* A connection failed or was lost ('err': an errno). */
	void (*on_down)(struct redis_client *rc, int err, void *ud);
};

/* What a client has done: for the ledger of a shared feed, and for
 * counting round trips per publish. */
struct redis_client_stats {
	uint64_t commands;      /* sent */
	uint64_t replies;       /* received */
	uint64_t round_trips;   /* batches: commands sent while none was waiting */
	uint64_t connects;      /* successful connections */
	uint64_t losses;        /* failed connects and lost connections */
};

/* Starts connecting to host:port ('host' as net_connect takes it, copied).
 * Its connections are charged to 'ledger' (may be NULL).  NULL with errno
 * when nothing could start (ENOMEM). */
struct redis_client *redis_client_new(struct net_loop *loop, const char *host, uint16_t port,
				      const struct redis_client_ops *ops, void *ud,
				      struct net_ledger *ledger);

/* Closes the connection (the callbacks of waiting commands run with NULL,
 * 'on_down' does not) and frees the client.  Not from one of its
 * callbacks. */
void redis_client_free(struct redis_client *rc);

bool redis_client_up(const struct redis_client *rc);

/* Sends argv[0..argc) ('lens' as resp_encode_command: NULL for C
 * strings); 'fn' gets the reply.  Returns 0, or -1 with errno: ENOTCONN
 * (down: 'fn' is not called), EAGAIN (too many waiting), ENOBUFS (the
 * output queue is full), ENOMEM. */
int redis_client_command(struct redis_client *rc, size_t argc, const char *const *argv,
			 const size_t *lens, redis_reply_fn *fn, void *ud);

const struct redis_client_stats *redis_client_stats(const struct redis_client *rc);

#endif
