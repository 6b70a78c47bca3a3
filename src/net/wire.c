/* wire.c -- TCP conversations counted from their packets; see wire.h.
 *
 * Two tables.  The servers watched: a short array, searched in order
 * (at most NET_WIRE_SERVERS; a packet is checked against each, both ways
 * -- fine for a few dozen).  The connections: an open-addressing hash
 * table keyed by the row and the client's address and port, grown by
 * doubling up to NET_WIRE_CONNS_MAX entries, so a demo of a few
 * connections costs a few kilobytes and one of a hundred thousand
 * connections per request still finds each in O(1).
 *
 * Sequence numbers wrap at 2^32: comparisons are serial-number
 * arithmetic (RFC 1982), a difference read as a signed 32-bit number.
 */
#include "net/wire.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct server {
	uint8_t addr[16];
	bool any;                       /* addr is 0.0.0.0 or ::, a wildcard */
	uint8_t ip_version;
	uint16_t port;
	uint8_t row;
};

/* One direction of a connection: where its sequence space starts and how
 * far it has been seen to reach. */
struct flow {
	uint32_t isn, high;             /* first seq seen; highest seq + len seen */
	bool seen;
};

struct conn {
	uint8_t addr[16];               /* the client's */
	uint16_t port;
	uint8_t row;                    /* its server's row: part of the key */
	uint8_t count_row;              /* where it is counted (net_wire_assign) */
	bool used;
	bool fin[2];                    /* [0] client's FIN seen, [1] server's */
	uint32_t number;                /* in its row, from 0 */
	struct flow flow[2];            /* [0] to the server, [1] to the client */
	struct net_wire_counts counts;  /* its own, to move with it */
};

struct row {
	struct net_wire_counts counts;
	struct net_wire_record *records;
	size_t nrecords;
};

struct net_wire {
	struct server servers[NET_WIRE_SERVERS];
	size_t nservers;
	struct row rows[NET_WIRE_ROWS];
	size_t records_cap;             /* per row */
	struct conn *conns;             /* open addressing; 'cap' a power of two */
	size_t cap, used;
	uint64_t untracked;
};

static bool seq_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

struct net_wire *net_wire_new(size_t records)
{
	struct net_wire *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->records_cap = records;
	for (size_t r = 0; r < NET_WIRE_ROWS && records; r++) {
		w->rows[r].records = calloc(records, sizeof *w->rows[r].records);
		if (!w->rows[r].records) {
			net_wire_free(w);
			errno = ENOMEM;
			return NULL;
		}
	}
	return w;
}

void net_wire_free(struct net_wire *w)
{
	if (!w)
		return;
	for (size_t r = 0; r < NET_WIRE_ROWS; r++)
		free(w->rows[r].records);
	free(w->conns);
	free(w);
}

int net_wire_watch(struct net_wire *w, unsigned row, int ip_version, const uint8_t *addr,
		   uint16_t port)
{
	if (row >= NET_WIRE_ROWS || (ip_version != 4 && ip_version != 6)) {
		errno = EINVAL;
		return -1;
	}
	if (w->nservers == NET_WIRE_SERVERS) {
		errno = ENOSPC;
		return -1;
	}
	struct server *s = &w->servers[w->nservers++];
	memset(s, 0, sizeof *s);
	memcpy(s->addr, addr, ip_version == 4 ? 4 : 16);
	static const uint8_t zero[16];
	s->any = memcmp(s->addr, zero, 16) == 0;
	s->ip_version = (uint8_t)ip_version;
	s->port = port;
	s->row = (uint8_t)row;
	return 0;
}

/* The watched server this packet is to (*to_server true) or from. */
static const struct server *find_server(const struct net_wire *w, const struct net_packet *p,
					bool *to_server)
{
	size_t alen = p->ip_version == 4 ? 4 : 16;
	for (size_t i = 0; i < w->nservers; i++) {
		const struct server *s = &w->servers[i];
		if (s->ip_version != p->ip_version)
			continue;
		if (p->dport == s->port && (s->any || memcmp(p->dst, s->addr, alen) == 0)) {
			*to_server = true;
			return s;
		}
		if (p->sport == s->port && (s->any || memcmp(p->src, s->addr, alen) == 0)) {
			*to_server = false;
			return s;
		}
	}
	return NULL;
}

/* --- the connection table -------------------------------------------------- */

static size_t conn_hash(unsigned row, const uint8_t *addr, uint16_t port)
{
	uint64_t h = 1469598103934665603ull;    /* FNV-1a */
	for (size_t i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ull;
	h = (h ^ port) * 1099511628211ull;
	h = (h ^ row) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The entry of (row, addr, port), or the free slot where it would go;
 * NULL when the table is full and does not hold it. */
static struct conn *slot_for(struct conn *tab, size_t cap, unsigned row,
			     const uint8_t *addr, uint16_t port)
{
	size_t i = conn_hash(row, addr, port) & (cap - 1);
	for (size_t probes = 0; probes < cap; probes++, i = (i + 1) & (cap - 1)) {
		struct conn *c = &tab[i];
		if (!c->used || (c->row == row && c->port == port && memcmp(c->addr, addr, 16) == 0))
			return c;
	}
	return NULL;
}

/* Doubles the table (it starts at 1024).  False when it may not grow. */
static bool grow(struct net_wire *w)
{
	size_t cap = w->cap ? w->cap * 2 : 1024;
	if (cap > NET_WIRE_CONNS_MAX)
		return false;
	struct conn *tab = calloc(cap, sizeof *tab);
	if (!tab)
		return false;
	for (size_t i = 0; i < w->cap; i++)
		if (w->conns[i].used)
			*slot_for(tab, cap, w->conns[i].row, w->conns[i].addr, w->conns[i].port) =
				w->conns[i];
	free(w->conns);
	w->conns = tab;
	w->cap = cap;
	return true;
}

/* The connection of packet 'p' in 'row', opened if new: NULL when the
 * table is full.  A SYN on a connection whose FINs were both seen is a
 * new connection on the same client port. */
static struct conn *conn_for(struct net_wire *w, unsigned row, const uint8_t *client,
			     uint16_t port, const struct net_packet *p, bool to_server)
{
	if ((w->used + 1) * 4 > w->cap * 3)
		(void)grow(w);                  /* at its bound it fills up instead */
	struct conn *c = w->cap ? slot_for(w->conns, w->cap, row, client, port) : NULL;
	if (!c)
		return NULL;
	bool syn = (p->flags & (NET_TCP_SYN | NET_TCP_ACK)) == NET_TCP_SYN && to_server;
	if (c->used && !(syn && c->fin[0] && c->fin[1]))
		return c;
	if (!c->used)
		w->used++;
	memset(c, 0, sizeof *c);
	c->used = true;
	memcpy(c->addr, client, 16);
	c->port = port;
	c->row = c->count_row = (uint8_t)row;
	c->number = (uint32_t)w->rows[row].counts.connections++;
	c->counts.connections = 1;
	return c;
}

/* Is this segment a copy of one already seen?  Moves the flow on. */
static bool retransmitted(struct flow *f, const struct net_packet *p, uint32_t *rel_seq)
{
	uint32_t len = p->payload_len + !!(p->flags & NET_TCP_SYN) + !!(p->flags & NET_TCP_FIN);
	if (!f->seen) {
		f->seen = true;
		f->isn = f->high = p->seq;
	}
	*rel_seq = p->seq - f->isn;
	if (len == 0)
		return false;
	bool again = seq_before(p->seq, f->high);
	if (seq_before(f->high, p->seq + len))
		f->high = p->seq + len;
	return again;
}

/* --- counting -------------------------------------------------------------- */

static void classify(struct net_wire_counts *k, const struct net_packet *p, bool again)
{
	uint8_t f = p->flags;
	k->total++;
	k->retransmits += again;
	k->bytes_wire += p->ip_len;
	k->bytes_payload += p->payload_len;
	if (f & NET_TCP_FIN)
		k->fin++;
	if (f & NET_TCP_RST)
		k->rst++;
	else if ((f & (NET_TCP_SYN | NET_TCP_ACK)) == NET_TCP_SYN)
		k->syn++;
	else if (f & NET_TCP_SYN)
		k->syn_ack++;
	else if (p->payload_len > 0)
		k->data++;
	else if (!(f & NET_TCP_FIN))
		k->pure_ack++;
}

static void keep_record(struct net_wire *w, struct row *r, const struct net_packet *p,
			uint64_t t_us, const struct conn *c, bool to_server, bool again,
			uint32_t rel_seq)
{
	if (r->nrecords == w->records_cap)
		return;
	struct net_wire_record *rec = &r->records[r->nrecords++];
	memset(rec, 0, sizeof *rec);
	rec->t_us = t_us;
	rec->conn = c ? c->number : UINT32_MAX;
	rec->server = c ? c->row : (uint8_t)(r - w->rows);
	rec->to_server = to_server;
	rec->retransmit = again;
	rec->flags = p->flags;
	rec->seq = rel_seq;
	if (c && (p->flags & NET_TCP_ACK) && c->flow[to_server ? 1 : 0].seen)
		rec->ack = p->ack - c->flow[to_server ? 1 : 0].isn;
	rec->payload_len = p->payload_len;
	rec->snap_len = (uint16_t)(p->payload_captured < NET_WIRE_SNAP ? p->payload_captured
								       : NET_WIRE_SNAP);
	if (rec->snap_len)
		memcpy(rec->snap, p->payload, rec->snap_len);
}

int net_wire_count(struct net_wire *w, const struct net_packet *p, uint64_t t_us)
{
	bool to_server;
	const struct server *s = find_server(w, p, &to_server);
	if (!s)
		return -1;
	uint8_t client[16] = { 0 };
	memcpy(client, to_server ? p->src : p->dst, p->ip_version == 4 ? 4 : 16);
	uint16_t port = to_server ? p->sport : p->dport;
	struct conn *c = conn_for(w, s->row, client, port, p, to_server);
	struct row *r = &w->rows[c ? c->count_row : s->row];
	bool again = false;
	uint32_t rel_seq = p->seq;
	if (c) {
		again = retransmitted(&c->flow[to_server ? 0 : 1], p, &rel_seq);
		if (p->flags & NET_TCP_FIN)
			c->fin[to_server ? 0 : 1] = true;
		classify(&c->counts, p, again);
	} else {
		w->untracked++;
	}
	classify(&r->counts, p, again);
	keep_record(w, r, p, t_us, c, to_server, again, rel_seq);
	return (int)(r - w->rows);
}

_Static_assert(sizeof(struct net_wire_counts) % sizeof(uint64_t) == 0,
	       "counts_move walks the counts as an array of uint64_t");

static void counts_move(struct net_wire_counts *from, struct net_wire_counts *to,
			const struct net_wire_counts *k)
{
	uint64_t *f = (uint64_t *)from, *t = (uint64_t *)to;
	const uint64_t *v = (const uint64_t *)k;
	for (size_t i = 0; i < sizeof *k / sizeof(uint64_t); i++) {
		f[i] -= v[i];
		t[i] += v[i];
	}
}

static bool record_of(const struct net_wire_record *rec, const struct conn *c)
{
	return rec->conn == c->number && rec->server == c->row;
}

/* Moves the records of 'c' from row 'from' to row 'to', merged in time
 * order with those 'to' has; the earliest are kept when they are more
 * than it holds.  'from' keeps its others, in order. */
static int records_move(struct net_wire *w, const struct conn *c, unsigned from, unsigned to)
{
	struct row *f = &w->rows[from], *t = &w->rows[to];
	size_t moving = 0;
	for (size_t i = 0; i < f->nrecords; i++)
		moving += record_of(&f->records[i], c);
	if (moving == 0)
		return 0;
	struct net_wire_record *merged = malloc((t->nrecords + moving) * sizeof *merged);
	if (!merged) {
		errno = ENOMEM;
		return -1;
	}
	size_t n = 0, i = 0, j = 0, kept = 0;
	while (i < t->nrecords || j < f->nrecords) {
		if (j < f->nrecords && !record_of(&f->records[j], c)) {
			f->records[kept++] = f->records[j++];   /* stays: kept <= j */
			continue;
		}
		if (j < f->nrecords && (i == t->nrecords || f->records[j].t_us < t->records[i].t_us))
			merged[n++] = f->records[j++];
		else
			merged[n++] = t->records[i++];
	}
	f->nrecords = kept;
	t->nrecords = n < w->records_cap ? n : w->records_cap;
	memcpy(t->records, merged, t->nrecords * sizeof *merged);
	free(merged);
	return 0;
}

int net_wire_assign(struct net_wire *w, unsigned server_row, int ip_version,
		    const uint8_t *addr, uint16_t port, unsigned row)
{
	if (server_row >= NET_WIRE_ROWS || row >= NET_WIRE_ROWS) {
		errno = EINVAL;
		return -1;
	}
	uint8_t client[16] = { 0 };
	memcpy(client, addr, ip_version == 4 ? 4 : 16);
	if ((w->used + 1) * 4 > w->cap * 3)
		(void)grow(w);
	struct conn *c = w->cap ? slot_for(w->conns, w->cap, server_row, client, port) : NULL;
	if (!c) {
		errno = ENOSPC;
		return -1;
	}
	if (!c->used) {                         /* assigned before its first packet came */
		memset(c, 0, sizeof *c);
		c->used = true;
		memcpy(c->addr, client, 16);
		c->port = port;
		c->row = c->count_row = (uint8_t)server_row;
		c->number = (uint32_t)w->rows[server_row].counts.connections++;
		c->counts.connections = 1;
		w->used++;
	}
	counts_move(&w->rows[c->count_row].counts, &w->rows[row].counts, &c->counts);
	if (c->count_row != row && records_move(w, c, c->count_row, row) < 0)
		return -1;
	c->count_row = (uint8_t)row;
	return 0;
}

const struct net_wire_counts *net_wire_row(const struct net_wire *w, unsigned row)
{
	assert(row < NET_WIRE_ROWS);
	return &w->rows[row].counts;
}

const struct net_wire_record *net_wire_records(const struct net_wire *w, unsigned row,
					       size_t *n)
{
	assert(row < NET_WIRE_ROWS);
	*n = w->rows[row].nrecords;
	return w->rows[row].records;
}

uint64_t net_wire_untracked(const struct net_wire *w) { return w->untracked; }
