/* delay.c -- a delay line's queue; see delay.h.
 *
 * Two rings.  The bytes: one buffer, each packet's bytes contiguous; a
 * packet that does not fit before the end starts again at offset 0 (the
 * tail left over is wasted until the packets before it leave), like a
 * line of text that does not fit wraps whole.  The slots: one small
 * header per packet (when due, when it came, where its bytes are), in
 * order.  Offsets are kept so that the write position never reaches the
 * oldest packet's start: when both are equal, the queue is empty.
 *
 * Times are kept in nanoseconds inside, so that pacing a small packet at
 * a high rate (64 bytes at 1 Gbit/s: 512 ns) loses nothing to rounding.
 */
#include "net/delay.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BYTES 64                   /* one slot per this much queue */

struct slot {
	uint64_t due_ns, pushed_ns;
	uint32_t off, len;
};

struct net_delay {
	struct net_delay_config cfg;
	uint8_t *buf;
	size_t cap, head, tail;         /* oldest packet's start; where the next goes */
	struct slot *slots;
	size_t nslots, first, count;
	uint64_t link_free_ns;          /* when the link has sent what it holds */
	uint64_t rng;
	struct net_delay_stats st;
};

/* splitmix64 (Steele, Lea, Flood 2014): one multiply-xorshift per draw,
 * every 64-bit seed a full-period sequence. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct net_delay *net_delay_new(const struct net_delay_config *cfg)
{
	if (cfg->loss_ppm > 1000000) {
		errno = EINVAL;
		return NULL;
	}
	struct net_delay *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->cfg = *cfg;
	q->cap = cfg->queue_bytes ? cfg->queue_bytes : NET_DELAY_QUEUE_BYTES;
	q->nslots = q->cap / SLOT_BYTES + 1;
	q->rng = cfg->seed;
	q->buf = malloc(q->cap);
	q->slots = calloc(q->nslots, sizeof *q->slots);
	if (!q->buf || !q->slots) {
		net_delay_free(q);
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void net_delay_free(struct net_delay *q)
{
	if (!q)
		return;
	free(q->buf);
	free(q->slots);
	free(q);
}

/* Where 'len' bytes can go, or -1 when they cannot. */
static long place(const struct net_delay *q, size_t len)
{
	if (q->count == 0)
		return len < q->cap ? 0 : -1;
	if (q->tail >= q->head) {               /* the bytes are [head, tail) */
		if (q->cap - q->tail >= len)
			return (long)q->tail;
		return len < q->head ? 0 : -1;  /* wrap; stay short of 'head' */
	}
	return q->tail + len < q->head ? (long)q->tail : -1;   /* [head, cap) and [0, tail) */
}

enum net_delay_push_result net_delay_push(struct net_delay *q, const void *pkt, size_t len,
					  uint64_t now_us)
{
	q->st.in++;
	if (q->cfg.loss_ppm && next_random(&q->rng) % 1000000u < q->cfg.loss_ppm) {
		q->st.lost++;
		return NET_DELAY_LOST;
	}
	long off = len <= NET_DELAY_PACKET_MAX && q->count < q->nslots ? place(q, len) : -1;
	if (off < 0) {
		q->st.overflow++;
		return NET_DELAY_OVERFLOW;
	}
	if (q->count == 0)
		q->head = (size_t)off;
	memcpy(q->buf + off, pkt, len);
	q->tail = (size_t)off + len;
	uint64_t now_ns = now_us * 1000, start = now_ns > q->link_free_ns ? now_ns : q->link_free_ns;
	uint64_t tx_ns = q->cfg.rate_bps ? (uint64_t)len * 8 * 1000000000ull / q->cfg.rate_bps : 0;
	q->link_free_ns = start + tx_ns;
	struct slot *s = &q->slots[(q->first + q->count++) % q->nslots];
	*s = (struct slot){ .due_ns = start + tx_ns + q->cfg.delay_us * 1000, .pushed_ns = now_ns,
			    .off = (uint32_t)off, .len = (uint32_t)len };
	return NET_DELAY_QUEUED;
}

uint64_t net_delay_next_due(const struct net_delay *q)
{
	if (q->count == 0)
		return UINT64_MAX;
	return (q->slots[q->first].due_ns + 999) / 1000;        /* rounded up: never early */
}

const uint8_t *net_delay_peek(const struct net_delay *q, uint64_t now_us, size_t *len)
{
	if (q->count == 0 || net_delay_next_due(q) > now_us)
		return NULL;
	const struct slot *s = &q->slots[q->first];
	*len = s->len;
	return q->buf + s->off;
}

void net_delay_pop(struct net_delay *q, uint64_t now_us)
{
	assert(q->count > 0);                   /* a pop follows a peek that found one */
	const struct slot *s = &q->slots[q->first];
	q->st.out++;
	q->st.bytes_out += s->len;
	q->st.delay_us_sum += (now_us * 1000 - s->pushed_ns) / 1000;
	q->first = (q->first + 1) % q->nslots;
	if (--q->count == 0)
		q->head = q->tail = 0;
	else
		q->head = q->slots[q->first].off;
}

const struct net_delay_stats *net_delay_stats(const struct net_delay *q) { return &q->st; }
