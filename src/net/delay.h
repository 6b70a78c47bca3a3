/* delay.h -- a delay line's queue: packets in with the time they came,
 * packets out when they are due.  Sans-IO: no sockets, no clock of its
 * own -- every call is told the time.
 *
 * It models one direction of a link, the way a packet crosses it:
 *
 *   1. loss        with probability 'loss_ppm' / 1,000,000 a packet is
 *                  dropped at once, decided by a pseudo-random generator
 *                  seeded with 'seed' (splitmix64): the same seed drops the
 *                  same packets, so a lossy run can be repeated;
 *   2. the queue   a packet waits for the link to be free.  The link
 *                  sends 'rate_bps' bits per second (0: as fast as they
 *                  come); a packet of L bytes holds it for L * 8 / rate
 *                  seconds.  A queue holding more than 'queue_bytes' drops
 *                  what arrives (tail drop, as a router does);
 *   3. the wire    then 'delay_us' of propagation: the one-way delay.
 *
 * So a packet arriving at t is due at
 *     start = max(t, when the link is free)
 *     due   = start + L * 8 / rate + delay
 * Every packet takes the same path, so 'due' never decreases: the queue is
 * first in, first out, and the one packet worth looking at is the oldest.
 *
 * Memory: one buffer of 'queue_bytes' plus the slots' headers, allocated
 * at creation; nothing per packet.
 *
 * Read next: lab.h, the delay line that feeds it from TUN devices.
 */
#ifndef PUSHPULL_NET_DELAY_H
#define PUSHPULL_NET_DELAY_H

#include <stddef.h>
#include <stdint.h>

#define NET_DELAY_PACKET_MAX  65535             /* an IP packet's largest size */
#define NET_DELAY_QUEUE_BYTES (4 * 1024 * 1024) /* default queue_bytes */

struct net_delay_config {
	uint64_t delay_us;              /* one-way propagation delay */
	uint32_t loss_ppm;              /* drop probability, per million (0..1,000,000) */
	uint64_t rate_bps;              /* link rate in bits per second; 0: unlimited */
	uint64_t seed;                  /* of the loss generator */
	size_t queue_bytes;             /* 0: NET_DELAY_QUEUE_BYTES */
};

struct net_delay_stats {
	uint64_t in, out;               /* packets pushed, packets popped */
	uint64_t lost;                  /* dropped by the loss draw */
	uint64_t overflow;              /* dropped: the queue was full, or too big a packet */
	uint64_t bytes_out;
	uint64_t delay_us_sum;          /* of (pop time - push time), over 'out' packets */
};

enum net_delay_push_result { NET_DELAY_QUEUED, NET_DELAY_LOST, NET_DELAY_OVERFLOW };

struct net_delay;

/* A queue as 'cfg' says.  Returns NULL with errno set (EINVAL: a loss
 * over a million ppm; ENOMEM). */
struct net_delay *net_delay_new(const struct net_delay_config *cfg);
void net_delay_free(struct net_delay *q);

/* A packet of 'len' bytes arrived at 'now_us'.  The bytes are copied. */
enum net_delay_push_result net_delay_push(struct net_delay *q, const void *pkt, size_t len,
					  uint64_t now_us);

/* When the oldest packet is due; UINT64_MAX when the queue is empty. */
uint64_t net_delay_next_due(const struct net_delay *q);

/* The oldest packet, if it is due at 'now_us': its bytes (valid until the
 * next push or pop) and length; NULL when none is due. */
const uint8_t *net_delay_peek(const struct net_delay *q, uint64_t now_us, size_t *len);

/* Removes the oldest packet (after a peek that found it due), at 'now_us'. */
void net_delay_pop(struct net_delay *q, uint64_t now_us);

const struct net_delay_stats *net_delay_stats(const struct net_delay *q);

#endif
