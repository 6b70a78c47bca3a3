/* feed.h -- the one stream of events every paradigm serves.
 *
 * Events are numbered from 1 ('seq').  The feed keeps the most recent ones
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
 * Read next: hub.h.
 */
#ifndef PUSHPULL_PARADIGMS_FEED_H
#define PUSHPULL_PARADIGMS_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_RING        1024                  /* events kept */
#define FEED_RING_BYTES  (16 * 1024 * 1024)    /* data bytes kept */
#define FEED_TYPE_MAX    32                    /* an event type is a token this long at most */

struct feed_event {
	uint64_t seq;
	uint64_t published_us;          /* CLOCK_MONOTONIC, for latency */
	char type[FEED_TYPE_MAX + 1];   /* NUL-terminated token */
	size_t len;
	uint8_t *data;                  /* owned by the feed; valid while in the ring */
};

struct feed_sub;
typedef void feed_sub_fn(struct feed_sub *s, const struct feed_event *ev);

/* Embed one in the subscriber's own struct. */
struct feed_sub {
	feed_sub_fn *fn;
	struct feed_sub *prev, *next;   /* private */
	bool linked;                    /* private */
};

struct feed;

/* A feed keeping at most 'ring' events and 'ring_bytes' bytes of data (0:
 * FEED_RING, FEED_RING_BYTES).  Returns NULL with errno set (ENOMEM). */
struct feed *feed_new(size_t ring, size_t ring_bytes);
void feed_free(struct feed *f);

/* Appends an event and tells every subscriber.  'type' must be a token of
 * at most FEED_TYPE_MAX bytes (feed_type_valid).  Returns its seq, or 0 if
 * the type is invalid or memory ran out. */
uint64_t feed_publish(struct feed *f, const char *type, const void *data, size_t len);

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

/* Event 'seq' if the ring still holds it, else NULL. */
const struct feed_event *feed_get(const struct feed *f, uint64_t seq);

void feed_subscribe(struct feed *f, struct feed_sub *s, feed_sub_fn *fn);
void feed_unsubscribe(struct feed *f, struct feed_sub *s);      /* idempotent */
size_t feed_subscribers(const struct feed *f);

/* Writes {"seq":N,"type":"...","data":"..."} into 'dst' (capacity 'cap').
 * Returns the length the whole object needs; >= cap means truncated. */
size_t feed_event_json(const struct feed_event *ev, char *dst, size_t cap);

#endif
