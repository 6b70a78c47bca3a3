/* bus.h -- one feed for several loops: `pushpull serve --workers N`.
 *
 * Each worker is a thread with a loop of its own, its own listener on the
 * shared port (net_listen_shared: the kernel spreads connections over
 * them), its own hub, and its own copy of the feed with the subscribers
 * of its own connections.  A connection lives on one worker from accept
 * to close; no connection is ever touched by two threads.
 *
 * What they share is the order of events.  A publish on any worker goes
 * through the bus: under one lock it takes the next seq and is put, in
 * that order, in the inbox of every worker; each worker is woken (an
 * eventfd, net/wakeup.h) and hands its inbox, in order, to its own copy
 * of the feed, whose subscribers send it on.  So every copy holds the
 * same events under the same seqs in the same epoch, every subscriber on
 * every worker gets each event once and in order, and an id from any
 * worker resumes on any other.  The worker that published hands its own
 * inbox over before it answers, so its publisher's answer comes after its
 * own subscribers were sent the event, as with one loop.
 *
 * Why copies and not one feed behind a lock: a subscriber's callback
 * writes to its connection, which belongs to its worker's loop; a feed
 * shared by threads would have to call into every loop from the
 * publisher's thread.  A copy per worker costs its history (16 MiB at
 * most each) and one copy of each event's bytes, shared by the inboxes
 * (counted references), then one per copy.
 *
 * Bounds.  An inbox holds PP_BUS_INBOX_MAX events; a publish that would
 * pass it on any worker (one too busy to take its events) is refused
 * (0, errno EAGAIN: the route answers 503), never dropped for one worker
 * and kept for the others.
 *
 * Ledgers stay per worker: each connection pays its own worker's.  For a
 * view of the whole server while it runs (GET /ledger, /metrics), each
 * worker puts a copy of its live ledgers, and of what it refused and
 * dropped (page.h, pp_page_refusals), on the bus every
 * PP_BUS_SNAPSHOT_MS, and a page adds the others' copies to its own
 * (pp_bus_add_ledgers): figures of the other workers are at most that
 * old.  At exit the program sums them itself, with every thread stopped.
 *
 * Not with the journal (journal.h: its writes and its flush timer belong
 * to one loop), --capture (one capture, one loop) or, for now, --redis
 * (redis_feed.h: its connections belong to one loop): `serve` refuses
 * those with --workers above 1.
 *
 * Read next: tools/pushpull/serve.c, which starts the workers.
 */
#ifndef PUSHPULL_PARADIGMS_BUS_H
#define PUSHPULL_PARADIGMS_BUS_H

#include <stddef.h>
#include <stdint.h>
#include "net/ledger.h"
#include "paradigms/hub.h"
#include "paradigms/page.h"

#define PP_BUS_WORKERS_MAX  64
#define PP_BUS_INBOX_MAX    4096        /* events waiting for one worker */
#define PP_BUS_LEDGERS_MAX  16          /* ledgers a worker shows */
#define PP_BUS_SNAPSHOT_MS  500

struct pp_bus;

/* A bus for 'workers' workers whose feeds all start in 'epoch'.  NULL
 * with errno (EINVAL: 0 or more than PP_BUS_WORKERS_MAX workers). */
struct pp_bus *pp_bus_new(unsigned workers, uint64_t epoch);

/* Worker 'i' (0..workers-1) joins with its hub, from its own thread, its
 * hub's feed fresh: the feed takes the bus's epoch, and the hub's
 * publishes go through the bus (hub->publish).  0, or -1 with errno. */
int pp_bus_join(struct pp_bus *b, unsigned i, struct pp_hub *hub);

/* Any thread: every worker's loop stops (net_loop_stop), soon. */
void pp_bus_stop_all(struct pp_bus *b);

/* Worker 'i' copies its ledgers (n of them, with their gauges) onto the
 * bus for the others to see; and adds the latest copies of every other
 * worker to 'dst' (the same n, in the same order).  Any thread. */
void pp_bus_put_ledgers(struct pp_bus *b, unsigned i, const struct net_ledger *src,
			const struct net_gauges *g, size_t n, const struct pp_page_refusals *r);
void pp_bus_add_ledgers(struct pp_bus *b, unsigned i, struct net_ledger *dst,
			struct net_gauges *g, size_t n, struct pp_page_refusals *r);

/* Events published through the bus so far. */
uint64_t pp_bus_published(struct pp_bus *b);

/* Once every worker's thread has stopped: frees what is left. */
void pp_bus_free(struct pp_bus *b);

#endif
