/* redis_feed.h -- one feed shared by several servers through Redis.
 *
 * `pushpull serve --redis HOST:PORT`: any number of servers, processes or
 * machines, serve the same events with the same ids.  Redis holds three
 * keys:
 *
 *   pushpull:epoch    the epoch, 12 hex digits: created by the first
 *                     server that finds none (SET NX), read by all
 *   pushpull:seq      the last seq issued (INCR)
 *   pushpull:stream   a Redis Stream, one entry per event, its id
 *                     "<seq>-1", its fields t (type), d (data) and e
 *                     (epoch); trimmed to about FEED_RING entries
 *                     (XADD MAXLEN ~): the history
 *
 * Publishing is one script (EVAL), run by Redis atomically: check the
 * epoch the server believes in, INCR the seq, XADD the entry with that
 * seq as its id.  One round trip, and no two servers can ever give two
 * events the same seq, or give seqs out of order with the stream.  The
 * other way -- each server picks latest + 1 and XADDs with that explicit
 * id, Redis refusing an id not above the last -- needs no script, but two
 * servers publishing at once collide, and the loser must read the stream
 * and try again: round trips without bound under contention.  Lua it is.
 * EVAL, not EVALSHA: the script is 300 bytes, Redis caches it compiled
 * by its SHA1 anyway, and a Redis that restarted empty has forgotten
 * every loaded script (EVALSHA would answer NOSCRIPT just when things
 * are already going wrong).  The XADD is also the notification: every
 * server's follower is blocked in XREAD on the stream, and Redis wakes
 * them all.  There is no separate PUBLISH, so no notice can arrive
 * without its event, or an event without its notice.
 *
 * Following.  Each server has a second connection that loops on one
 * pipelined round trip of three commands:
 *     SET pushpull:epoch <random> NX      (a Redis that lost everything
 *                                          gets a new epoch here)
 *     GET pushpull:epoch
 *     XREAD COUNT 100 [BLOCK 2000] STREAMS pushpull:stream <last seq read>-1
 * and appends each entry to the local feed with its own seq
 * (feed_publish_at), which tells the local subscribers.  So the cursor
 * "<epoch>-<seq>" means the same event on every server, and an id issued
 * by one resumes on another (a cursor a little ahead of this server --
 * issued by a server that read it first -- waits for it: feed_set_lead).
 *
 * What can go wrong, and what the clients see -- never a silent loss:
 *  - Redis is unreachable at start: redis_feed_start_error() says why
 *    (`pushpull serve` exits 1).
 *  - Redis goes away while running: publishes answer 503 (ENOTCONN, or
 *    ECONNRESET for one whose fate is unknown; a /ws message closes its
 *    connection with 1011 when refused at once); both connections retry
 *    with backoff (redis_client.h).
 *  - It comes back with its data (a network hiccup): the follower reads
 *    on from the last seq it had: every event exactly once.
 *  - It comes back empty (restarted without persistence, FLUSHALL): the
 *    epoch key is gone, a new epoch is drawn, and every server begins
 *    its feed again in it (feed_restart): every subscriber gets the
 *    reset notice, reason "epoch", and goes on in the new epoch.
 *  - The stream was trimmed past what a server had read (it was away
 *    for more than FEED_RING events): the next entry is not the next seq,
 *    and the feed reports the hole as events missed (feed_publish_at).
 *  - An entry of another epoch (a FLUSHALL between the GET and the
 *    XREAD): not taken; the next round sees the new epoch.
 *
 * Costs: a publish is one round trip on the publishing server (the
 * EVAL); each server's follower then spends one round trip per batch of
 * up to 100 events, whatever the number of its subscribers.
 *
 * Read next: redis_client.h, the connection under it.
 */
#ifndef PUSHPULL_PARADIGMS_REDIS_FEED_H
#define PUSHPULL_PARADIGMS_REDIS_FEED_H

#include <stdbool.h>
#include <stdint.h>
#include "paradigms/hub.h"

#define REDIS_FEED_PREFIX     "pushpull:"
#define REDIS_FEED_BATCH      100       /* entries per XREAD: 100 x 64 KiB fit a reply */
#define REDIS_FEED_BLOCK_MS   2000      /* an idle follower asks again this often */
#define REDIS_FEED_RETRY_MS   500       /* after Redis answered a round with an error */

struct redis_feed;

struct redis_feed_stats {
	uint64_t published;     /* publishes Redis accepted from this server */
	uint64_t refused;       /* publishes that failed (503) */
	uint64_t read;          /* entries read from the stream */
	uint64_t restarts;      /* new epochs met while running */
	uint64_t commands, round_trips;         /* both connections */
};

/* Connects to Redis at host:port (two connections, charged to 'ledger',
 * may be NULL) and becomes the hub's backplane: from now on the hub's
 * publishes go to Redis.  Run the loop until redis_feed_ready() or
 * redis_feed_start_error().  NULL with errno (ENOMEM). */
struct redis_feed *redis_feed_new(struct pp_hub *hub, const char *host, uint16_t port,
				  struct net_ledger *ledger);

/* The epoch is agreed, the history read, and both connections up. */
bool redis_feed_ready(const struct redis_feed *rf);

/* Before it was ever ready: why it could not start (an errno's text, or
 * Redis's own error), else NULL. */
const char *redis_feed_start_error(const struct redis_feed *rf);

void redis_feed_stats(const struct redis_feed *rf, struct redis_feed_stats *out);

/* Stops being the hub's backplane (publishes waiting fail) and frees. */
void redis_feed_free(struct redis_feed *rf);

#endif
