/* bus.c -- the handoff of events between workers; bus.h says why.
 *
 * One mutex orders publishes: inside it a publish takes its seq and joins
 * the tail of every inbox, so every inbox lists events in seq order.  An
 * event's bytes are copied once, into an item that every inbox points at,
 * freed by the last worker to hand it to its feed (an atomic count).
 * Each inbox is a ring of PP_BUS_INBOX_MAX pointers, under the same lock;
 * a worker takes the whole of its inbox in one go, then hands the events
 * to its feed outside the lock, so that publishing on the other workers
 * never waits for a fan-out. */
#include "paradigms/bus.h"
#include "net/wakeup.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct item {
	atomic_uint refs;               /* inboxes it is still in */
	uint64_t seq;
	char type[FEED_TYPE_MAX + 1];
	size_t len;
	uint8_t data[];
};

struct worker {
	struct pp_bus *bus;
	unsigned index;
	struct pp_hub *hub;             /* NULL until it joins */
	struct net_wakeup *wake;
	struct item *inbox[PP_BUS_INBOX_MAX];   /* ring, under the bus's lock */
	size_t head, count;
	/* The last ledgers it put on the bus, under 'snap_lock'. */
	struct net_ledger ledgers[PP_BUS_LEDGERS_MAX];
	struct net_gauges gauges[PP_BUS_LEDGERS_MAX];
	size_t nledgers;
	struct pp_page_refusals refusals;
};

struct pp_bus {
	pthread_mutex_t lock;           /* orders publishes; guards the inboxes */
	pthread_mutex_t snap_lock;      /* guards the workers' ledger copies */
	uint64_t seq;                   /* the latest seq given */
	uint64_t epoch;
	atomic_bool stopping;
	unsigned nworkers;
	struct worker w[];
};

struct pp_bus *pp_bus_new(unsigned workers, uint64_t epoch)
{
	if (workers == 0 || workers > PP_BUS_WORKERS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct pp_bus *b = calloc(1, sizeof *b + workers * sizeof b->w[0]);
	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->snap_lock, NULL);
	b->epoch = epoch;
	b->nworkers = workers;
	atomic_init(&b->stopping, false);
	for (unsigned i = 0; i < workers; i++) {
		b->w[i].bus = b;
		b->w[i].index = i;
	}
	return b;
}

static void item_release(struct item *it)
{
	if (atomic_fetch_sub(&it->refs, 1) == 1)
		free(it);
}

/* Hands every event waiting for 'w' to its feed, in order.  On the
 * worker's own thread. */
static void drain(struct worker *w)
{
	struct item *batch[PP_BUS_INBOX_MAX];
	pthread_mutex_lock(&w->bus->lock);
	size_t n = w->count;
	for (size_t k = 0; k < n; k++)
		batch[k] = w->inbox[(w->head + k) % PP_BUS_INBOX_MAX];
	w->head = (w->head + n) % PP_BUS_INBOX_MAX;
	w->count = 0;
	pthread_mutex_unlock(&w->bus->lock);
	for (size_t k = 0; k < n; k++) {
		struct item *it = batch[k];
		/* The copies agree because each takes every event, in order,
		 * under the seq the bus gave it: feed_publish numbers them the
		 * same.  It can only fail for memory, and then this copy would
		 * number the rest wrongly: stop the server rather than lie. */
		uint64_t seq = feed_publish(w->hub->feed, it->type, it->data, it->len);
		if (seq != it->seq) {
			log_say(LOG_ERROR, LOG_SERVER, "worker %u: event %llu became %llu in its copy "
				"of the feed (%s): stopping", w->index, (unsigned long long)it->seq,
				(unsigned long long)seq, seq ? "out of step" : "no memory");
			pp_bus_stop_all(w->bus);
		}
		item_release(it);
	}
}

static void on_wake(struct net_loop *loop, void *ud)
{
	struct worker *w = ud;
	if (atomic_load(&w->bus->stopping)) {
		net_loop_stop(loop);
		return;
	}
	drain(w);
}

/* hub->publish of a worker: see bus.h. */
static uint64_t bus_publish(void *ud, const char *type, const void *data, size_t len)
{
	struct worker *self = ud;
	struct pp_bus *b = self->bus;
	/* Refused here as the feed would refuse it, before it takes a seq. */
	if (!feed_type_valid(type, strlen(type))) {
		errno = EINVAL;
		return 0;
	}
	if (len > FEED_EVENT_MAX) {
		errno = EMSGSIZE;
		return 0;
	}
	struct item *it = malloc(sizeof *it + len);
	if (!it)
		return 0;
	atomic_init(&it->refs, b->nworkers);
	snprintf(it->type, sizeof it->type, "%s", type);
	it->len = len;
	if (len)
		memcpy(it->data, data, len);

	pthread_mutex_lock(&b->lock);
	for (unsigned i = 0; i < b->nworkers; i++)
		if (b->w[i].count == PP_BUS_INBOX_MAX) {
			pthread_mutex_unlock(&b->lock);
			free(it);
			errno = EAGAIN;         /* worker i is that far behind */
			return 0;
		}
	it->seq = ++b->seq;
	for (unsigned i = 0; i < b->nworkers; i++) {
		struct worker *w = &b->w[i];
		w->inbox[(w->head + w->count) % PP_BUS_INBOX_MAX] = it;
		w->count++;
	}
	uint64_t seq = it->seq;         /* 'it' may be freed once the lock is gone */
	pthread_mutex_unlock(&b->lock);
	for (unsigned i = 0; i < b->nworkers; i++)
		if (i != self->index && b->w[i].wake)
			net_wakeup_signal(b->w[i].wake);
	drain(self);                    /* ours before the answer */
	return seq;
}

int pp_bus_join(struct pp_bus *b, unsigned i, struct pp_hub *hub)
{
	if (i >= b->nworkers || b->w[i].hub) {
		errno = EINVAL;
		return -1;
	}
	struct worker *w = &b->w[i];
	w->wake = net_wakeup_new(hub->loop, on_wake, w);
	if (!w->wake)
		return -1;
	feed_set_epoch(hub->feed, b->epoch);
	hub->publish = bus_publish;
	hub->publish_ud = w;
	w->hub = hub;
	return 0;
}

void pp_bus_stop_all(struct pp_bus *b)
{
	atomic_store(&b->stopping, true);
	for (unsigned i = 0; i < b->nworkers; i++)
		if (b->w[i].wake)
			net_wakeup_signal(b->w[i].wake);
}

void pp_bus_put_ledgers(struct pp_bus *b, unsigned i, const struct net_ledger *src,
			const struct net_gauges *g, size_t n, const struct pp_page_refusals *r)
{
	if (i >= b->nworkers || n > PP_BUS_LEDGERS_MAX)
		return;
	pthread_mutex_lock(&b->snap_lock);
	memcpy(b->w[i].ledgers, src, n * sizeof *src);
	memcpy(b->w[i].gauges, g, n * sizeof *g);
	b->w[i].nledgers = n;
	b->w[i].refusals = *r;
	pthread_mutex_unlock(&b->snap_lock);
}

/* The counts of two workers' limits, added ('held_peak': the larger). */
static void add_limits(struct net_limits_stats *d, const struct net_limits_stats *s)
{
	d->conns += s->conns;
	d->addresses += s->addresses;           /* one address on two workers counts twice */
	d->refused_total += s->refused_total;
	d->refused_per_addr += s->refused_per_addr;
	d->dropped_slow += s->dropped_slow;
	d->dropped_input += s->dropped_input;
	d->dropped_cap += s->dropped_cap;
	d->held += s->held;
	if (s->held_peak > d->held_peak)
		d->held_peak = s->held_peak;
}

void pp_bus_add_ledgers(struct pp_bus *b, unsigned i, struct net_ledger *dst,
			struct net_gauges *g, size_t n, struct pp_page_refusals *r)
{
	pthread_mutex_lock(&b->snap_lock);
	for (unsigned k = 0; k < b->nworkers; k++) {
		const struct worker *w = &b->w[k];
		if (k == i || w->nledgers != n)
			continue;               /* itself, or one that has not put yet */
		for (size_t j = 0; j < n; j++) {
			net_ledger_add(&dst[j], &w->ledgers[j]);
			g[j].connections_open += w->gauges[j].connections_open;
			g[j].bytes_queued += w->gauges[j].bytes_queued;
		}
		add_limits(&r->limits, &w->refusals.limits);
		r->refused_publish += w->refusals.refused_publish;
		r->refused_origin += w->refusals.refused_origin;
	}
	pthread_mutex_unlock(&b->snap_lock);
}

uint64_t pp_bus_published(struct pp_bus *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t n = b->seq;
	pthread_mutex_unlock(&b->lock);
	return n;
}

void pp_bus_free(struct pp_bus *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->nworkers; i++) {
		struct worker *w = &b->w[i];
		for (size_t k = 0; k < w->count; k++)
			item_release(w->inbox[(w->head + k) % PP_BUS_INBOX_MAX]);
		net_wakeup_free(w->wake);
	}
	pthread_mutex_destroy(&b->lock);
	pthread_mutex_destroy(&b->snap_lock);
	free(b);
}
