/* ledger.h -- what talking costs: syscalls, bytes, segments, handshakes.
 *
 * Every socket syscall pushpull makes goes through sys.c, and sys.c charges
 * it to a 'struct net_charge': the counts of the connection that caused it
 * and the ledger that connection belongs to.  A ledger is a label ("sse",
 * "long-poll/client", ...) plus the sum of what its connections did.  At
 * close a connection also adds the kernel's own view from TCP_INFO:
 * segments in and out, data segments, retransmissions, round-trip time.
 *
 * Counting is plain integer increments into memory the caller owns: no
 * allocation, no locking (one loop per thread), nothing per event beyond
 * the add.  Every number here was measured during the run; nothing is
 * derived from a formula, so strace shows the same syscalls.  The
 * segments are the kernel's own counts, read when a connection closes: a
 * lower bound of what tcpdump shows (what leaves after the read is not
 * in); capture.h and wire.h count the packets themselves.
 *
 * Read next: sys.h (the syscall table).
 */
#ifndef PUSHPULL_NET_LEDGER_H
#define PUSHPULL_NET_LEDGER_H

#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

/* The kinds of syscall we count, in the order the table prints them. */
enum net_sys {
	NET_SYS_SOCKET,
	NET_SYS_BIND,
	NET_SYS_LISTEN,
	NET_SYS_ACCEPT,      /* accept4 */
	NET_SYS_CONNECT,
	NET_SYS_READ,        /* recv, including the one that says EAGAIN or EOF */
	NET_SYS_WRITE,       /* send and sendmsg (our writev) */
	NET_SYS_SHUTDOWN,
	NET_SYS_CLOSE,
	NET_SYS_SOCKOPT,     /* setsockopt and getsockopt */
	NET_SYS_EPOLL_CTL,
	NET_SYS_EPOLL_WAIT,
	NET_SYS_KINDS
};

/* Counters shared by a connection and a ledger: the same fields, so a
 * connection's counts fold into its ledger with one add. */
struct net_counts {
	uint64_t sys[NET_SYS_KINDS];
	uint64_t wakeups;       /* loop: epoll_wait returns that carried events;
	                           connection: events the loop dispatched to it */
	uint64_t handshakes;    /* TCP three-way handshakes: accepted or connected */
	uint64_t closed;        /* connections closed (their TCP_INFO is in) */
	uint64_t connects_failed;       /* connect attempts that never made a connection */
	uint64_t bytes_in, bytes_out;       /* payload bytes through recv/send */
	uint64_t segs_in, segs_out;         /* TCP_INFO tcpi_segs_in/out */
	uint64_t data_segs_in, data_segs_out; /* tcpi_data_segs_in/out */
	uint64_t retrans;                   /* tcpi_total_retrans */
	uint64_t rtt_us_sum, rtt_samples;   /* tcpi_rtt at close, summed */
	uint64_t min_rtt_us_sum;            /* tcpi_min_rtt at close, summed */
};

/* Delivery latency, in microseconds, in a fixed log-linear histogram: a
 * percentile costs no sorting, memory is fixed, and every value is kept to
 * within 1/32 (3 %): exactly below 64 us, then 32 buckets per power of two
 * up to 2^46 us (two years). */
#define NET_LAT_EXACT   64
#define NET_LAT_ROWS    40
#define NET_LAT_BUCKETS (NET_LAT_EXACT + NET_LAT_ROWS * 32)
struct net_latency {
	uint64_t count, sum_us, max_us;
	uint64_t bucket[NET_LAT_BUCKETS];
};

/* A tap on a ledger: told of each send, recv, connect, shutdown and close
 * charged to it, with the bytes that moved -- for a picture of an
 * exchange when its packets cannot be seen (no capture privilege).
 * 'conn' tells connections apart (the connection's own counts).  Called
 * after the syscall returned, only for one that succeeded. */
struct net_tap {
	void (*fn)(void *ud, const struct net_counts *conn, enum net_sys kind,
		   const struct iovec *iov, int iovcnt, size_t bytes);
	void *ud;
};

#define NET_LABEL_MAX 40
struct net_ledger {
	char label[NET_LABEL_MAX];
	struct net_counts c;
	struct net_tap *tap;    /* NULL: none (the usual case); beside 'c', which
				   every syscall touches, so asking costs no cache line */
	struct net_latency lat;
	uint64_t events;        /* application messages delivered (set by callers) */
	bool counts_events;     /* 'events' is measured: print it (else the row is left out) */
};

/* Who pays for one syscall: either pointer may be NULL. */
struct net_charge {
	struct net_counts *own;
	struct net_ledger *ledger;
};

void net_ledger_init(struct net_ledger *l, const char *label);

void net_counts_add(struct net_counts *dst, const struct net_counts *src);
/* Adds everything 'src' counted (counts, events, latencies) to 'dst',
 * whose label stays: the ledgers of one row kept by several loops
 * (`serve --workers`), summed for printing. */
void net_ledger_add(struct net_ledger *dst, const struct net_ledger *src);
void net_counts_sub(struct net_counts *dst, const struct net_counts *src);
uint64_t net_counts_syscalls(const struct net_counts *c);   /* sum of sys[] */

/* Charge one syscall of kind 'k' (and its bytes) to both payers. */
static inline void net_charge_sys(const struct net_charge *ch, enum net_sys k)
{
	if (ch && ch->own) ch->own->sys[k]++;
	if (ch && ch->ledger) ch->ledger->c.sys[k]++;
}
static inline void net_charge_bytes(const struct net_charge *ch,
				    uint64_t in, uint64_t out)
{
	if (ch && ch->own) { ch->own->bytes_in += in; ch->own->bytes_out += out; }
	if (ch && ch->ledger) {
		ch->ledger->c.bytes_in += in;
		ch->ledger->c.bytes_out += out;
	}
}

void net_latency_record(struct net_latency *lat, uint64_t us);
/* The value at percentile 'p' (0 < p <= 100), to within its bucket (the
 * bucket's largest value, never above the maximum seen); 0 when nothing
 * was recorded. */
uint64_t net_latency_percentile(const struct net_latency *lat, double p);

/* The short name of a syscall kind, as strace prints it ("accept4"). */
const char *net_sys_name(enum net_sys k);

/* One row per counter, one column per ledger, aligned for a terminal. */
void net_ledger_print_table(FILE *out, struct net_ledger *const *ls, size_t n);
/* A JSON array, one object per ledger, on one line. */
void net_ledger_print_json(FILE *out, struct net_ledger *const *ls, size_t n);

/* What a ledger's connections hold right now, rather than what they have
 * cost so far. */
struct net_gauges {
	uint64_t connections_open;
	uint64_t bytes_queued;          /* in their output queues */
};
/* net_ledger_print_json(), each object ending with the gauges g[j] as
 * "connections_open" and "bytes_queued". */
void net_ledger_print_json_gauges(FILE *out, struct net_ledger *const *ls,
				  const struct net_gauges *g, size_t n);
/* One ledger as one JSON object (no newline), with the names above. */
void net_ledger_print_json_object(FILE *out, const struct net_ledger *l);

#endif
