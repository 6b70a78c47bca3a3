/* feed.c -- a bounded ring of events and a list of subscribers; see feed.h. */
#include "paradigms/feed.h"
#include "net/loop.h"
#include "util/json.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct feed {
	struct feed_event *ring;        /* slot of seq s: ring[s % cap] */
	size_t cap, max_bytes, bytes, max_event;
	uint64_t latest, oldest;        /* oldest = latest + 1 when empty */
	uint64_t lead;                  /* feed_set_lead */
	uint64_t epoch;
	struct feed_store store;        /* .append NULL: none */
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
	f->max_event = f->max_bytes < FEED_EVENT_MAX ? f->max_bytes : FEED_EVENT_MAX;
	f->oldest = 1;
	f->epoch = feed_random_epoch();
	return f;
}

uint64_t feed_random_epoch(void)
{
	uint64_t e = 0;
	/* Early in boot the pool may not be ready: never block for it, the
	 * clock and the address of a local make a number as good for this. */
	if (getrandom(&e, sizeof e, GRND_NONBLOCK) != (ssize_t)sizeof e) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		e = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&ts;
	}
	e &= (UINT64_C(1) << 48) - 1;
	return e ? e : 1;
}

uint64_t feed_epoch(const struct feed *f) { return f->epoch; }

void feed_set_event_max(struct feed *f, size_t max)
{
	f->max_event = max < f->max_bytes ? max : f->max_bytes;
}

void feed_set_epoch(struct feed *f, uint64_t epoch)
{
	f->epoch = epoch;
	for (uint64_t s = f->oldest; s <= f->latest; s++)
		f->ring[s % f->cap].epoch = epoch;
}

void feed_set_store(struct feed *f, const struct feed_store *store)
{
	f->store = store ? *store : (struct feed_store){ 0 };
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
size_t feed_max_events(const struct feed *f) { return f->cap; }
size_t feed_max_bytes(const struct feed *f) { return f->max_bytes; }
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

/* Puts a copy of the event in the ring as seq latest + 1, evicting the
 * oldest events until it fits.  NULL with errno set. */
static struct feed_event *append(struct feed *f, uint64_t published_us, const char *type,
				 size_t tlen, const void *data, size_t len)
{
	if (!feed_type_valid(type, tlen)) {
		errno = EINVAL;
		return NULL;
	}
	if (len > f->max_event) {
		errno = EMSGSIZE;
		return NULL;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, data, len);
	/* Make room: one slot, and enough bytes. */
	while (f->latest >= f->oldest &&
	       (f->latest - f->oldest + 1 >= f->cap || f->bytes + len > f->max_bytes))
		evict_oldest(f);
	struct feed_event *e = &f->ring[(f->latest + 1) % f->cap];
	e->seq = ++f->latest;
	e->epoch = f->epoch;
	e->published_us = published_us;
	memcpy(e->type, type, tlen);
	e->type[tlen] = '\0';
	e->len = len;
	e->data = copy;
	f->bytes += len;
	check_ring(f);
	return e;
}

/* Takes back the event just appended (its store refused it). */
static void unappend(struct feed *f)
{
	struct feed_event *e = &f->ring[f->latest % f->cap];
	f->bytes -= e->len;
	free(e->data);
	e->data = NULL;
	e->len = 0;
	f->latest--;
	if (f->oldest > f->latest + 1)          /* it was alone in the ring */
		f->oldest = f->latest + 1;
	check_ring(f);
}

/* Tells every subscriber of 'e' (NULL: the history began again).
 * 'cursor' is the next node to visit, so a callback may unsubscribe
 * itself or any other node (feed_unsubscribe moves the cursor past a node
 * it removes).  New subscribers are added at the head, behind the
 * cursor: they start with the next event. */
static void notify(struct feed *f, const struct feed_event *e)
{
	assert(f->cursor == NULL);              /* no publish from inside a publish */
	for (struct feed_sub *s = f->subs; s; s = f->cursor) {
		assert(s->linked);
		f->cursor = s->next;
		s->fn(s, e);
	}
	f->cursor = NULL;
}

uint64_t feed_publish(struct feed *f, const char *type, const void *data, size_t len)
{
	struct feed_event *e = append(f, net_now_us(), type, strlen(type), data, len);
	if (!e)
		return 0;
	if (f->store.append && f->store.append(f->store.ud, e) < 0) {
		int err = errno;
		unappend(f);    /* what evict_oldest dropped stays dropped: the store has it */
		errno = err;
		return 0;
	}
	notify(f, e);
	return e->seq;
}

/* Empties the ring; the next event appended is 'seq'. */
static void start_at(struct feed *f, uint64_t seq)
{
	while (f->oldest <= f->latest)
		evict_oldest(f);
	f->latest = seq - 1;
	f->oldest = seq;
}

uint64_t feed_publish_at(struct feed *f, uint64_t seq, const char *type, size_t type_len,
			 const void *data, size_t len)
{
	if (seq <= f->latest || !feed_type_valid(type, type_len) || len > f->max_event) {
		errno = seq <= f->latest || len <= f->max_event ? EINVAL : EMSGSIZE;
		return 0;
	}
	if (seq != f->latest + 1)               /* a hole: the history is one run of seqs */
		start_at(f, seq);
	struct feed_event *e = append(f, net_now_us(), type, type_len, data, len);
	if (!e)
		return 0;
	notify(f, e);
	return e->seq;
}

void feed_restart(struct feed *f, uint64_t epoch)
{
	start_at(f, 1);
	f->epoch = epoch;
	notify(f, NULL);
}

void feed_set_lead(struct feed *f, uint64_t lead) { f->lead = lead; }
size_t feed_event_max(const struct feed *f) { return f->max_event; }

int feed_restore(struct feed *f, uint64_t seq, uint64_t published_us, const char *type,
		 size_t type_len, const void *data, size_t len)
{
	if (seq <= f->latest) {
		errno = EINVAL;
		return -1;
	}
	if (seq != f->latest + 1)               /* not the next: start the history again */
		start_at(f, seq);
	return append(f, published_us, type, type_len, data, len) ? 0 : -1;
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
	char id[FEED_ID_MAX];
	feed_id_format(id, ev->epoch, ev->seq);
	int n = snprintf(dst, cap, "{\"seq\":%llu,\"id\":\"%s\",\"type\":\"%s\",\"data\":",
			 (unsigned long long)ev->seq, id, ev->type);
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

/* --- cursors ---------------------------------------------------------------- */

size_t feed_id_format(char *dst, uint64_t epoch, uint64_t seq)
{
	return (size_t)snprintf(dst, FEED_ID_MAX, "%012llx-%llu", (unsigned long long)epoch,
				(unsigned long long)seq);
}

/* A decimal number of 1..20 digits that fits 64 bits. */
static bool parse_decimal(const char *s, size_t len, uint64_t *v)
{
	if (len == 0 || len > 20)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	return true;
}

bool feed_id_parse(const char *s, size_t len, uint64_t current_epoch, uint64_t *epoch,
		   uint64_t *seq)
{
	if (len > 13 && s[12] == '-') {
		uint64_t e = 0;
		for (size_t i = 0; i < 12; i++) {
			char c = s[i];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return false;
			e = e << 4 | (uint64_t)d;
		}
		if (!parse_decimal(s + 13, len - 13, seq))
			return false;
		*epoch = e;
		return true;
	}
	if (!parse_decimal(s, len, seq))
		return false;
	*epoch = current_epoch;
	return true;
}

struct feed_resume feed_resume_unknown(const struct feed *f)
{
	return (struct feed_resume){ .next = f->oldest, .gap = FEED_GAP_EPOCH, .missed = -1 };
}

struct feed_resume feed_resume_from(const struct feed *f, uint64_t epoch, uint64_t seq)
{
	if (epoch != f->epoch)
		return feed_resume_unknown(f);
	if (seq > f->latest && seq - f->latest <= f->lead)     /* issued elsewhere, on its way */
		return (struct feed_resume){ .next = seq + 1, .gap = FEED_GAP_NONE, .missed = 0 };
	if (seq > f->latest)            /* a seq we never issued in this epoch */
		return (struct feed_resume){ .next = f->oldest, .gap = FEED_GAP_AHEAD, .missed = -1 };
	if (seq + 1 < f->oldest)
		return (struct feed_resume){ .next = f->oldest, .gap = FEED_GAP_EVICTED,
					     .missed = (int64_t)(f->oldest - seq - 1) };
	return (struct feed_resume){ .next = seq + 1, .gap = FEED_GAP_NONE, .missed = 0 };
}

const char *feed_gap_name(enum feed_gap_reason r)
{
	switch (r) {
	case FEED_GAP_NONE:    return "none";
	case FEED_GAP_EPOCH:   return "epoch";
	case FEED_GAP_EVICTED: return "evicted";
	case FEED_GAP_AHEAD:   return "ahead";
	}
	return "?";
}

size_t feed_reset_json(const struct feed *f, const struct feed_resume *r, char *dst, size_t cap)
{
	char id[FEED_ID_MAX], missed[24] = "null";
	uint64_t at = r->next - 1;              /* where the client now stands */
	feed_id_format(id, f->epoch, at);
	if (r->missed >= 0)
		snprintf(missed, sizeof missed, "%lld", (long long)r->missed);
	int n = snprintf(dst, cap, "{\"type\":\"%s\",\"reason\":\"%s\",\"missed\":%s,"
			 "\"seq\":%llu,\"id\":\"%s\"}", FEED_TYPE_RESET, feed_gap_name(r->gap),
			 missed, (unsigned long long)at, id);
	return n < 0 ? 0 : (size_t)n;
}
