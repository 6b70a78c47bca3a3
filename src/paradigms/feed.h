/* feed.h -- the one stream of events every paradigm serves.
 *
 * Events are numbered from 1 ('seq') within an epoch.  An epoch is a
 * random 48-bit number drawn when continuity starts: at every start
 * without a journal, and when a journal could not be read whole
 * (journal.h).  An event's id -- the cursor a client resumes from, in
 * SSE's id: / Last-Event-ID, in long polling's since= and in /ws?since=
 * -- names both, "<epoch in 12 hex digits>-<seq>", e.g. "3f09c1d2a4b7-42".
 * A plain number is read as a seq of the current epoch.  The feed keeps the most recent ones
 * in a bounded ring (FEED_RING events and FEED_RING_BYTES of data, both
 * limits enforced by evicting the oldest), so that a poller or a stream
 * that reconnects can ask for "everything after N" and lose nothing that
 * the ring still holds -- and learn, from feed_oldest(), when it has.
 *
 * Push paradigms (long polling, SSE, WebSocket) subscribe: feed_publish()
 * calls every subscriber, in the same turn, with the new event.  A
 * subscriber may unsubscribe itself or any other subscriber from inside
 * that call.  Subscribing costs nothing but the intrusive list node, so
 * ten thousand idle subscribers cost ten thousand nodes.
 *
 * Read next: journal.h (the feed on disk), then hub.h.
 */
#ifndef PUSHPULL_PARADIGMS_FEED_H
#define PUSHPULL_PARADIGMS_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_RING        1024                  /* events kept */
#define FEED_RING_BYTES  (16 * 1024 * 1024)    /* data bytes kept */
#define FEED_TYPE_MAX    32                    /* an event type is a token this long at most */
/* One event's data at most: 1/256 of the history's bytes, so that a
 * publisher needs at least 256 events to push the rest out by size (and
 * FEED_RING of them by count).  POST /publish answers 413 over it, /ws
 * closes with 1009. */
#define FEED_EVENT_MAX   (64 * 1024)
#define FEED_ID_MAX      40                    /* an id as text, with its NUL */

struct feed_event {
	uint64_t seq;
	uint64_t epoch;
	uint64_t published_us;          /* CLOCK_MONOTONIC, for latency */
	char type[FEED_TYPE_MAX + 1];   /* NUL-terminated token */
	size_t len;
	uint8_t *data;                  /* owned by the feed; valid while in the ring */
};

struct feed_sub;
/* 'ev' NULL: the history began again in a new epoch (feed_restart), and
 * whatever the subscriber was owed is gone -- it owes its client the
 * reset notice of feed_resume_unknown() and goes on from feed_oldest(). */
typedef void feed_sub_fn(struct feed_sub *s, const struct feed_event *ev);

/* Embed one in the subscriber's own struct. */
struct feed_sub {
	feed_sub_fn *fn;
	struct feed_sub *prev, *next;   /* private */
	bool linked;                    /* private */
};

struct feed;

/* A feed keeping at most 'ring' events and 'ring_bytes' bytes of data (0:
 * FEED_RING, FEED_RING_BYTES), in a fresh random epoch.  One event holds
 * at most FEED_EVENT_MAX bytes, or 'ring_bytes' if smaller.  Returns NULL
 * with errno set (ENOMEM). */
struct feed *feed_new(size_t ring, size_t ring_bytes);
void feed_free(struct feed *f);

/* Where published events are kept before anyone hears of them (the
 * journal): 'append' is called with each new event before any subscriber,
 * and a failure (-1) fails the publish. */
struct feed_store {
	int (*append)(void *ud, const struct feed_event *ev);
	void *ud;
};
void feed_set_store(struct feed *f, const struct feed_store *store);    /* NULL: none */

/* Appends an event, hands it to the store, then tells every subscriber.
 * 'type' must be a token of at most FEED_TYPE_MAX bytes
 * (feed_type_valid).  Returns its seq, or 0 (errno: EINVAL for a bad
 * type, EMSGSIZE for data over the event cap, ENOMEM, or the store's
 * errno). */
uint64_t feed_publish(struct feed *f, const char *type, const void *data, size_t len);

/* --- a feed shared by several servers (redis_feed.h) -------------------------- */

/* There the seqs are issued elsewhere, and each server appends what it
 * reads, in order, with the seq it was given. */

/* Appends an event with its own 'seq' (after the latest) and tells every
 * subscriber, as feed_publish does, but not the store.  A 'seq' that is
 * not the next one empties the ring first: the events in between were
 * lost, and a subscriber that was owed them finds itself before
 * feed_oldest() -- the gap it reports (evicted, with the number missed).
 * Returns 'seq', or 0 with errno (EINVAL: not after the latest, or a bad
 * type; EMSGSIZE; ENOMEM). */
uint64_t feed_publish_at(struct feed *f, uint64_t seq, const char *type, size_t type_len,
			 const void *data, size_t len);

/* Begins the history again, empty, in 'epoch' (the shared history was
 * lost: a new epoch), and calls every subscriber with a NULL event. */
void feed_restart(struct feed *f, uint64_t epoch);

/* A cursor of the current epoch at most 'lead' seqs ahead of the latest
 * is taken as one another server issued and this one has yet to read:
 * its resume waits for the events after it instead of reporting the gap
 * "ahead".  0 (the default): a feed of its own, where ahead is never
 * ours. */
void feed_set_lead(struct feed *f, uint64_t lead);

/* The cap on one event's data (FEED_EVENT_MAX, or feed_set_event_max). */
size_t feed_event_max(const struct feed *f);

/* Puts back an event read from a journal, with its own seq, telling
 * neither the store nor any subscriber.  'seq' must be after the latest;
 * if it is not the next one the ring is emptied first (the history is
 * always one run of seqs).  Returns 0, or -1 with errno (EINVAL, EMSGSIZE,
 * ENOMEM). */
int feed_restore(struct feed *f, uint64_t seq, uint64_t published_us, const char *type,
		 size_t type_len, const void *data, size_t len);

/* The current epoch, and a new one (a journal that could not be read
 * whole, a restart without one): every event in the ring takes it. */
uint64_t feed_epoch(const struct feed *f);
void feed_set_epoch(struct feed *f, uint64_t epoch);
/* A fresh random epoch, never 0, below 2^48. */
uint64_t feed_random_epoch(void);

/* --- cursors ---------------------------------------------------------------- */

/* Writes "<epoch>-<seq>" and its NUL into 'dst' (FEED_ID_MAX bytes);
 * returns its length. */
size_t feed_id_format(char *dst, uint64_t epoch, uint64_t seq);

/* Reads an id: "<12 hex digits>-<decimal>", or a plain decimal number,
 * which takes 'current_epoch'.  False if it is neither. */
bool feed_id_parse(const char *s, size_t len, uint64_t current_epoch, uint64_t *epoch,
		   uint64_t *seq);

/* Why a resume cannot go on where the client left off. */
enum feed_gap_reason {
	FEED_GAP_NONE = 0,
	FEED_GAP_EPOCH,         /* the cursor is from another epoch (or not ours) */
	FEED_GAP_EVICTED,       /* older than the history: some events are gone */
	FEED_GAP_AHEAD,         /* newer than the latest event: not ours to have */
};

/* Where a stream that resumes from a cursor starts, and what it lost. */
struct feed_resume {
	uint64_t next;                  /* the first event it will be sent */
	enum feed_gap_reason gap;
	int64_t missed;                 /* events lost; -1: cannot be known */
};

/* The resume of a client at (epoch, seq): after seq if the history holds
 * everything after it, else from the oldest event kept, with the gap. */
struct feed_resume feed_resume_from(const struct feed *f, uint64_t epoch, uint64_t seq);
/* The same for a cursor that could not be read (not one of ours). */
struct feed_resume feed_resume_unknown(const struct feed *f);

const char *feed_gap_name(enum feed_gap_reason r);     /* "epoch", "evicted", "ahead" */

/* The one notice of a gap, the same JSON object on every paradigm:
 *   {"type":"reset","reason":"evicted","missed":3,"seq":6,"id":"<epoch>-6"}
 * where "missed" is null when the number cannot be known and "id" is
 * where the client now stands: the next event is the one after it.
 * Returns the length written ('cap' FEED_RESET_JSON_MAX is enough). */
#define FEED_RESET_JSON_MAX 160
size_t feed_reset_json(const struct feed *f, const struct feed_resume *r, char *dst, size_t cap);

/* The type of the SSE stream's own notice that events were missed
 * (server_sse.c): no published event may wear it, or a client would take
 * that event for the notice. */
#define FEED_TYPE_RESET "reset"
bool feed_type_is_reset(const char *type, size_t len);

/* A token of at most FEED_TYPE_MAX bytes, and not FEED_TYPE_RESET. */
bool feed_type_valid(const char *type, size_t len);

/* The latest seq (0 before the first event) and the oldest one still in
 * the ring (latest + 1 when the ring is empty). */
uint64_t feed_latest(const struct feed *f);
uint64_t feed_oldest(const struct feed *f);

/* Changes the cap on one event's data (at most the ring's bytes): for a
 * feed of large documents, or a test of large payloads. */
void feed_set_event_max(struct feed *f, size_t max);

/* The most events and data bytes the ring keeps. */
size_t feed_max_events(const struct feed *f);
size_t feed_max_bytes(const struct feed *f);

/* Event 'seq' if the ring still holds it, else NULL. */
const struct feed_event *feed_get(const struct feed *f, uint64_t seq);

void feed_subscribe(struct feed *f, struct feed_sub *s, feed_sub_fn *fn);
void feed_unsubscribe(struct feed *f, struct feed_sub *s);      /* idempotent */
size_t feed_subscribers(const struct feed *f);

/* Writes {"seq":N,"id":"<epoch>-<seq>","type":"...","data":"..."} into
 * 'dst' (capacity 'cap').
 * Returns the length the whole object needs; >= cap means truncated. */
size_t feed_event_json(const struct feed_event *ev, char *dst, size_t cap);

#endif
