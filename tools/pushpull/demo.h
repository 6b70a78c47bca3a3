/* demo.h -- `pushpull demo`, private to its three files:
 *
 *   demo.c         the run: a server per row, the publishers and the
 *                  receivers on one loop, and when each event was seen
 *   demo_wire.c    the packets: a capture of the loopback device counted
 *                  per row (or, without the privilege, the syscalls'
 *                  trace), and the ladder diagrams drawn from them
 *   demo_report.c  the table, the JSON, the bar charts
 *
 * A row is one paradigm with one connection policy, with a listener of
 * its own: so everything on the wire to or from that port is the row's,
 * and the rows add up to the whole run.
 */
#ifndef PUSHPULL_TOOLS_DEMO_H
#define PUSHPULL_TOOLS_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include "http/http_client.h"
#include "http/http_server.h"
#include "net/lab.h"
#include "net/ledger.h"
#include "net/wire.h"
#include "paradigms/client.h"
#include "paradigms/hub.h"
#include "scenario.h"

enum demo_row {
	ROW_RPC,                /* the scorer, one kept-alive connection */
	ROW_RPC_NEW,            /* the scorer, a new connection per call */
	ROW_SHORT_POLL,
	ROW_LONG_POLL,
	ROW_SSE,
	ROW_WEBSOCKET,
	DEMO_ROWS
};

#define DEMO_TRACE_MAX  48      /* packets (or syscalls) kept per row for its diagram */

/* A syscall of the trace drawn when packets cannot be seen. */
struct demo_call {
	uint64_t t_us;
	uint32_t conn;                  /* the side's connection number, from 0 */
	bool client;                    /* made by the client side */
	uint8_t kind;                   /* enum net_sys: CONNECT, WRITE, SHUTDOWN, CLOSE */
	uint32_t bytes;
	uint16_t snap_len;
	uint8_t snap[NET_WIRE_SNAP];
};

struct demo_trace {
	struct demo_call calls[DEMO_TRACE_MAX];
	size_t n;
	const struct net_counts *conns[2][DEMO_TRACE_MAX];  /* per side, in order seen */
	size_t nconns[2];
};

struct demo_tap {                       /* what a ledger's tap knows */
	struct net_tap tap;
	struct demo_trace *trace;
	bool client;
};

struct demo;

struct row {
	struct demo *d;
	const char *name;               /* "rpc", "rpc new-conn", ... */
	enum pp_paradigm paradigm;
	bool keep_alive;
	struct http_server *srv;
	uint16_t port;                  /* the listener's, on 127.0.0.1 */
	struct net_ledger client, server;
	struct pp_client *receiver;     /* short-poll .. websocket */
	struct http_client *scorer;     /* rpc rows */
	uint64_t sent_us;               /* rpc: when the request in flight left */
	uint64_t published;             /* rpc: events this row published */
	uint64_t events;                /* delivered: answers (rpc), new states, events */
	uint64_t held;                  /* the newest event whose state it holds */
	uint64_t missed, empty;         /* counted by its client before it is freed */
	struct net_latency lat;
	struct demo_trace trace;        /* without capture: the syscalls */
	struct demo_tap taps[2];
};

struct demo_opts {
	const struct pp_scenario *sc;
	unsigned events;
	uint32_t interval_ms, poll_ms;
	bool keep_alive, json;
	bool capture;                   /* try to capture (--no-capture: do not) */
	bool diagram;
	int diagram_only;               /* a paradigm, or -1 for all */
	const char *svg_dir;            /* NULL: no SVG */
	bool lab;                       /* --rtt, --loss or --rate: across the lab */
	struct net_lab_config lab_cfg;
};

struct demo {
	struct net_loop *loop;
	const struct pp_scenario *sc;
	const char *server_addr;        /* 127.0.0.1, or the lab's server side */
	struct net_lab *lab;            /* --rtt: the namespaces and the delay line */
	struct net_lab_stats lab_stats;
	bool lab_stats_valid;           /* the lab ran, and these are its figures */
	struct pp_hub hub;
	struct feed_sub recorder;       /* notes when each event was published */
	uint64_t *published_us;         /* by seq, 1..total */
	unsigned total, published;
	uint32_t interval_ms;
	struct net_timer tick;
	struct row rows[DEMO_ROWS];
	struct net_ledger loop_ledger;
	/* The wire (demo_wire.c). */
	struct net_wire *wire;
	struct net_capture *capture[2]; /* lo; or each end of the lab's link */
	struct net_ledger capture_ledger[2];
	bool captured;                  /* the packet rows come from the capture */
	int capture_errno;              /* why not, when not */
	uint64_t kernel_drops, foreign; /* capture: dropped; TCP packets of other rows' ports */
};

/* demo_wire.c */
/* Captures the servers' side: lo, or the lab's TUN device.  False: no
 * capture (why in capture_errno). */
bool demo_wire_start(struct demo *d);
void demo_wire_stop(struct demo *d);
void demo_trace_attach(struct demo *d, struct row *r);
/* The ladder diagrams: printed (--diagram), written as SVG (--svg).
 * False when a file could not be written (said on stderr). */
bool demo_diagrams(const struct demo *d, const struct demo_opts *o);

/* demo_report.c */
void demo_print_table(const struct demo *d, const struct demo_opts *o);
void demo_print_json(const struct demo *d);
/* The cost table as bar charts, DIR/costs.svg.  False when it could not
 * be written (said on stderr). */
bool demo_write_charts(const struct demo *d, const char *dir);

#endif
