/* limits.c -- the loop's totals: connections per client address, and
 * the memory connections hold.  limits.h says what and why; conn.c and
 * tcp.c tell this file each change (conn_private.h).
 *
 * The per-address counts are a hash table with open addressing and
 * linear probing, at most half full, grown by doubling; a removal shifts
 * the entries after it back (no tombstones), so a table that has seen a
 * million clients come and go is as short as the clients still here.
 */
#include "net/limits.h"
#include "net/conn_private.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct addr_slot {
	uint8_t addr[16];
	uint8_t version;                /* 4 or 6; 0: free slot */
	uint32_t count;                 /* connections open from it */
};

struct net__limits {
	struct net_limits lim;
	struct net_limits_stats st;
	struct addr_slot *slots;        /* a power of two of them, or none */
	size_t nslots;
	struct net_conn *holders;       /* connections with 'held' > 0 */
	size_t doomed;                  /* of 'st.held', what dropped connections hold
					   until the end of the turn frees it */
};

int net_loop_set_limits(struct net_loop *loop, const struct net_limits *lim)
{
	struct net__limits *l = net__loop_limits(loop);
	if (!l) {
		if (!(l = calloc(1, sizeof *l))) {
			errno = ENOMEM;
			return -1;
		}
		net__loop_set_limits_state(loop, l);
	}
	l->lim = *lim;
	return 0;
}

void net__limits_free(struct net__limits *l)
{
	if (l)
		free(l->slots);
	free(l);
}

void net_loop_limits_stats(const struct net_loop *loop, struct net_limits_stats *st)
{
	const struct net__limits *l = net__loop_limits(loop);
	memset(st, 0, sizeof *st);
	if (l)
		*st = l->st;
}

/* --- connections per address --------------------------------------------- */

static void key_of(const struct sockaddr *sa, uint8_t addr[16], uint8_t *version)
{
	memset(addr, 0, 16);
	*version = 0;
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*version = 4;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*version = 6;
	}
}

static size_t hash(const uint8_t addr[16], uint8_t version)
{
	uint64_t h = 1469598103934665603ull ^ version;     /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The slot holding 'addr', or the free slot where it would go. */
static struct addr_slot *find(struct net__limits *l, const uint8_t addr[16], uint8_t version)
{
	size_t mask = l->nslots - 1;
	for (size_t i = hash(addr, version) & mask;; i = (i + 1) & mask) {
		struct addr_slot *s = &l->slots[i];
		if (s->version == 0 || (s->version == version && memcmp(s->addr, addr, 16) == 0))
			return s;
	}
}

static int grow(struct net__limits *l)
{
	size_t n = l->nslots ? l->nslots * 2 : 64;
	struct addr_slot *old = l->slots;
	size_t old_n = l->nslots;
	if (!(l->slots = calloc(n, sizeof *l->slots))) {
		l->slots = old;
		return -1;
	}
	l->nslots = n;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].version)
			*find(l, old[i].addr, old[i].version) = old[i];
	free(old);
	return 0;
}

/* Empties slot 'i' and moves back each later entry of its run that
 * would otherwise be cut off from its home slot. */
static void remove_slot(struct net__limits *l, size_t i)
{
	size_t mask = l->nslots - 1;
	l->slots[i].version = 0;
	for (size_t j = (i + 1) & mask; l->slots[j].version; j = (j + 1) & mask) {
		size_t home = hash(l->slots[j].addr, l->slots[j].version) & mask;
		/* Entry j may fill the hole at i unless its home lies
		 * (cyclically) in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		l->slots[i] = l->slots[j];
		l->slots[j].version = 0;
		i = j;
	}
}

int net__admit(struct net_loop *loop, const struct sockaddr *sa)
{
	struct net__limits *l = net__loop_limits(loop);
	if (!l)
		return 0;
	if (l->lim.max_conns && l->st.conns >= l->lim.max_conns) {
		l->st.refused_total++;
		return 1;
	}
	uint8_t addr[16], version;
	key_of(sa, addr, &version);
	if (version && (l->st.addresses + 1) * 2 > l->nslots && grow(l) < 0)
		return 1;                       /* no memory to count it: refuse */
	struct addr_slot *s = version ? find(l, addr, version) : NULL;
	if (s && s->version && l->lim.max_per_addr && s->count >= l->lim.max_per_addr) {
		l->st.refused_per_addr++;
		return 2;
	}
	if (s && s->version == 0) {
		memcpy(s->addr, addr, 16);
		s->version = version;
		s->count = 0;
		l->st.addresses++;
	}
	if (s)
		s->count++;
	l->st.conns++;
	return 0;
}

void net__admit_leave(struct net_conn *c)
{
	struct net__limits *l = net__loop_limits(c->loop);
	if (!c->admitted || !l)
		return;
	c->admitted = false;
	l->st.conns--;
	if (!c->peer_version || !l->nslots)
		return;
	struct addr_slot *s = find(l, c->peer_addr, c->peer_version);
	if (s->version && --s->count == 0) {
		remove_slot(l, (size_t)(s - l->slots));
		l->st.addresses--;
	}
}

/* --- memory held ------------------------------------------------------------ */

static void link_holder(struct net__limits *l, struct net_conn *c)
{
	c->hold_prev = NULL;
	c->hold_next = l->holders;
	if (l->holders)
		l->holders->hold_prev = c;
	l->holders = c;
}

static void unlink_holder(struct net__limits *l, struct net_conn *c)
{
	if (c->hold_prev)
		c->hold_prev->hold_next = c->hold_next;
	else if (l->holders == c)
		l->holders = c->hold_next;
	if (c->hold_next)
		c->hold_next->hold_prev = c->hold_prev;
	c->hold_prev = c->hold_next = NULL;
}

static void doom_later(struct net_loop *loop, void *ud)
{
	(void)loop;
	net_conn_abort(ud, ENOBUFS);
}

/* Drops the connection holding the most, until the total is under the
 * limit or nobody is left to drop.  A victim's output queue is freed at
 * once (what it has not read is lost with it anyway), unless the victim
 * is 'self', the connection whose growth is being counted: its buffer is
 * in use up the stack.  Input may be in use up the stack too (a parser
 * reading it): that is freed with the connection at the end of the turn,
 * and counted in 'doomed' until then, so that it is not dropped twice. */
static void enforce(struct net__limits *l, struct net_conn *self)
{
	while (l->st.held - l->doomed > l->lim.max_held) {
		struct net_conn *v = NULL;
		for (struct net_conn *c = l->holders; c; c = c->hold_next)
			if (!c->doomed && c->state != NET_CONN_CLOSED && (!v || c->held > v->held))
				v = c;
		if (!v || net_loop_defer(v->loop, doom_later, v) < 0)
			return;
		v->doomed = true;
		l->doomed += v->held;
		size_t had = v->held, queued = v->out_cap;
		bool slow = queued >= had - queued;
		if (slow)
			l->st.dropped_slow++;
		else
			l->st.dropped_input++;
		char who[INET6_ADDRSTRLEN];
		net_conn_peer_text(v, who, sizeof who);
		log_say(LOG_WARN, LOG_SLOW, "dropped %s port %u holding %zu bytes (%s): %zu held "
			"in all, over the limit of %zu", who, (unsigned)v->peer_port, had,
			slow ? "output it did not read" : "input not yet a whole message",
			l->st.held, l->lim.max_held);
		if (v != self && v->out) {
			free(v->out);
			v->out = NULL;
			v->out_len = v->out_off = v->out_cap = 0;
			net__held_sync(v);      /* smaller: no new drop */
		}
	}
}

void net__held_sync(struct net_conn *c)
{
	struct net__limits *l = net__loop_limits(c->loop);
	if (!l)
		return;
	size_t now = c->out_cap + c->in_cap + c->proto_held;
	if (now == c->held)
		return;
	if (c->held == 0)
		link_holder(l, c);
	else if (now == 0)
		unlink_holder(l, c);
	l->st.held = l->st.held - c->held + now;
	if (c->doomed)
		l->doomed = l->doomed - c->held + now;
	bool grew = now > c->held;
	c->held = now;
	if (l->st.held > l->st.held_peak)
		l->st.held_peak = l->st.held;
	if (grew && l->lim.max_held && l->st.held > l->lim.max_held)
		enforce(l, c);
}

void net__dropped_cap(struct net_conn *c)
{
	struct net__limits *l = net__loop_limits(c->loop);
	if (l)
		l->st.dropped_cap++;
}

void net__held_forget(struct net_conn *c)
{
	c->out_cap = c->in_cap = c->proto_held = 0;
	net__held_sync(c);
	net__admit_leave(c);
}

void net_conn_hold(struct net_conn *c, ssize_t delta)
{
	if (delta < 0 && (size_t)-delta > c->proto_held)
		c->proto_held = 0;
	else
		c->proto_held += (size_t)delta;
	net__held_sync(c);
}
