/* feed.c -- a bounded ring of events and a list of subscribers; see feed.h. */
#include "paradigms/feed.h"
#include "net/loop.h"
#include "util/json.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct feed {
	struct feed_event *ring;        /* slot of seq s: ring[s % cap] */
	size_t cap, max_bytes, bytes;
	uint64_t latest, oldest;        /* oldest = latest + 1 when empty */
	struct feed_sub *subs;
	struct feed_sub *cursor;        /* next subscriber to call, while publishing */
	size_t nsubs;
};

struct feed *feed_new(size_t ring, size_t ring_bytes)
{
	struct feed *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->cap = ring ? ring : FEED_RING;
	f->max_bytes = ring_bytes ? ring_bytes : FEED_RING_BYTES;
	f->ring = calloc(f->cap, sizeof *f->ring);
	if (!f->ring) {
		free(f);
		return NULL;
	}
	f->oldest = 1;
	return f;
}

void feed_free(struct feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cap; i++)
		free(f->ring[i].data);
	free(f->ring);
	free(f);
}

uint64_t feed_latest(const struct feed *f) { return f->latest; }
uint64_t feed_oldest(const struct feed *f) { return f->oldest; }
size_t feed_subscribers(const struct feed *f) { return f->nsubs; }

const struct feed_event *feed_get(const struct feed *f, uint64_t seq)
{
	if (seq < f->oldest || seq > f->latest)
		return NULL;
	return &f->ring[seq % f->cap];
}

bool feed_type_is_reset(const char *type, size_t len)
{
	return len == strlen(FEED_TYPE_RESET) && memcmp(type, FEED_TYPE_RESET, len) == 0;
}

bool feed_type_valid(const char *type, size_t len)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";      /* tchar, RFC 9110 §5.6.2 */
	if (len == 0 || len > FEED_TYPE_MAX || feed_type_is_reset(type, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)type[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c && strchr(extra, c))))
			return false;
	}
	return true;
}

/* The ring's invariants: it holds the events oldest..latest (none when
 * oldest == latest + 1), at most 'cap' of them, and 'bytes' is their data. */
static void check_ring(const struct feed *f)
{
	assert(f->oldest >= 1 && f->oldest <= f->latest + 1);
	assert(f->latest + 1 - f->oldest <= f->cap);
	assert(f->bytes <= f->max_bytes);
	(void)f;
}

static void evict_oldest(struct feed *f)
{
	assert(f->oldest <= f->latest);         /* something to evict */
	struct feed_event *e = &f->ring[f->oldest % f->cap];
	assert(e->seq == f->oldest && f->bytes >= e->len);
	f->bytes -= e->len;
	free(e->data);
	e->data = NULL;
	e->len = 0;
	f->oldest++;
}

uint64_t feed_publish(struct feed *f, const char *type, const void *data, size_t len)
{
	size_t tlen = strlen(type);
	if (!feed_type_valid(type, tlen) || len > f->max_bytes)
		return 0;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, len);
	/* Make room: one slot, and enough bytes. */
	while (f->latest >= f->oldest &&
	       (f->latest - f->oldest + 1 >= f->cap || f->bytes + len > f->max_bytes))
		evict_oldest(f);
	struct feed_event *e = &f->ring[(f->latest + 1) % f->cap];
	e->seq = ++f->latest;
	e->published_us = net_now_us();
	memcpy(e->type, type, tlen + 1);
	e->len = len;
	e->data = copy;
	f->bytes += len;
	check_ring(f);

	/* Tell everyone.  'cursor' is the next node to visit, so a callback
	 * may unsubscribe itself or any other node (feed_unsubscribe moves
	 * the cursor past a node it removes).  New subscribers are added at
	 * the head, behind the cursor: they start with the next event. */
	assert(f->cursor == NULL);              /* no publish from inside a publish */
	for (struct feed_sub *s = f->subs; s; s = f->cursor) {
		assert(s->linked);
		f->cursor = s->next;
		s->fn(s, e);
	}
	f->cursor = NULL;
	return e->seq;
}

void feed_subscribe(struct feed *f, struct feed_sub *s, feed_sub_fn *fn)
{
	if (s->linked)
		feed_unsubscribe(f, s);
	s->fn = fn;
	s->prev = NULL;
	s->next = f->subs;
	if (f->subs)
		f->subs->prev = s;
	f->subs = s;
	s->linked = true;
	f->nsubs++;
}

void feed_unsubscribe(struct feed *f, struct feed_sub *s)
{
	if (!s->linked)
		return;
	assert(f->nsubs > 0);
	if (f->cursor == s)
		f->cursor = s->next;
	if (s->prev)
		s->prev->next = s->next;
	else
		f->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	s->linked = false;
	f->nsubs--;
}

size_t feed_event_json(const struct feed_event *ev, char *dst, size_t cap)
{
	int n = snprintf(dst, cap, "{\"seq\":%llu,\"type\":\"%s\",\"data\":",
			 (unsigned long long)ev->seq, ev->type);
	size_t used = (size_t)n;
	size_t room = used < cap ? cap - used : 0;
	used += json_quote(room ? dst + used : NULL, room, ev->data, ev->len);
	if (used < cap) {
		dst[used] = '}';
		if (used + 1 < cap)
			dst[used + 1] = '\0';
	}
	return used + 1;
}
