/* loadgen.h -- the load generator, `loadgen`: what its files share.
 *
 * The load generator has to be faster than the servers it measures, or it
 * measures itself.  So it is built like a server: one loop, raw
 * 'struct net_conn's, a few dozen bytes of state per connection, every
 * request and frame encoded once before the run and sent from that memory
 * (writev, no copy), no allocation per message.
 *
 *   main.c        the command line, and what the modes share: the target,
 *                 opening connections in a window, the run itself (loop,
 *                 ledger, phase, failure, connections dropped)
 *   websocket.c   WebSocket clients: ws-echo, and idle ws
 *   sse.c         event-stream clients and a publisher: sse-fanout, idle sse
 *   long_poll.c   held long polls: idle lp
 *
 * Every mode prints one line for a person and one JSON line for a script
 * (tools/bench/run.sh reads the JSON).
 *
 * Read next: websocket.c.
 */
#ifndef PUSHPULL_TOOLS_LOADGEN_H
#define PUSHPULL_TOOLS_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/conn.h"
#include "net/ledger.h"
#include "net/loop.h"

#define LOADGEN_CONN_MAX       100000     /* --connections, --clients */
#define LOADGEN_WS_SIZE_MAX    (1024 * 1024)   /* --size of a ws-echo message */
#define LOADGEN_SSE_SIZE_MIN   11              /* event data: a 10-digit round, a space */
#define LOADGEN_SSE_SIZE_MAX   (64 * 1024)     /* --size of a published event: the
                                                  largest pushpull's feed takes */
#define LOADGEN_INFLIGHT_MAX   1024       /* --inflight */
#define LOADGEN_DURATION_MAX   3600       /* --duration, --hold, in seconds */
#define LOADGEN_EVENTS_MAX     1000000    /* --events */
#define LOADGEN_WINDOW         128        /* connections being set up at once: stays
                                           well under a listen backlog (511) */
#define LOADGEN_SETUP_MS       120000     /* every connection must be up by then */
#define LOADGEN_STALL_MS       10000      /* no progress this long fails the run */
#define LOADGEN_SOURCES_MAX    1000       /* --sources */
#define LOADGEN_PER_SOURCE     20000      /* connections from one source address before
                                           more are used (ephemeral ports: ~28,000) */
#define LOADGEN_HOST_MAX       64
#define LOADGEN_PATH_MAX       1024

/* What the command line asked for.  Modes read what concerns them. */
struct loadgen_opts {
	const char *mode;               /* "ws-echo", "sse-fanout", "idle" */
	char host[LOADGEN_HOST_MAX];      /* 127.0.0.1 or localhost only */
	uint16_t port;
	char path[LOADGEN_PATH_MAX];      /* ws-echo: the URL's; sse: the base's */
	uint64_t connections;           /* --connections, --clients */
	uint64_t size;                  /* bytes of a message, or of event data */
	uint64_t inflight;              /* ws-echo */
	uint64_t duration_s, warmup_s;  /* ws-echo */
	uint64_t events;                /* sse-fanout */
	uint64_t hold_s;                /* idle: 0 waits for a signal */
	int server_pid;                 /* --server-pid: whose CPU time to read, 0: none */
	uint64_t sources;               /* --sources: source addresses, 0: the kernel's */
	bool idle;
	bool idle_ws;                   /* idle ws */
	bool idle_lp;                   /* idle lp (neither: idle sse) */
};

/* --- the modes ------------------------------------------------------------
 * Each returns the exit status: 0, or 1 when the run failed (the reason
 * is on stderr). */
int loadgen_ws_run(const struct loadgen_opts *o);
int loadgen_sse_run(const struct loadgen_opts *o);
int loadgen_lp_run(const struct loadgen_opts *o);

/* --- shared ------------------------------------------------------------- */

/* CPU time, user + system, of process 'pid' so far, in microseconds, from
 * /proc/PID/stat (clock-tick resolution); -1 when it cannot be read. */
int64_t loadgen_proc_cpu_us(int pid);
/* Minor page faults of process 'pid' so far (/proc/PID/stat), -1 when it
 * cannot be read: a page the process touched for the first time since
 * it was mapped.  Unlike CPU time it does not depend on what else the
 * machine is doing, so it shows memory churn where timing is noisy. */
int64_t loadgen_proc_minflt(int pid);

/* Fills 'buf' with random bytes (getrandom, in pieces of 256). */
void loadgen_random(void *buf, size_t len);

/* Opening many connections without overflowing the server's listen
 * backlog: at most 'window' are being set up (connect, handshake) at a
 * time; each one that becomes ready or fails lets the next one start. */
struct loadgen_dialer {
	size_t total, started, ready, failed;
	size_t window;
	int first_err;                  /* errno of the first failure */
	const char *first_why;          /* or its reason in words */
	/* Starts connection 'i'; returns 0, or an errno if it could not. */
	int (*open_one)(struct loadgen_dialer *d, size_t i);
	void *ud;
};

/* Starts connections until the window is full or all have started. */
void loadgen_dialer_pump(struct loadgen_dialer *d);
/* Connection setup ended: ready (err 0) or failed. */
void loadgen_dialer_done(struct loadgen_dialer *d, int err, const char *why);
static inline bool loadgen_dialer_complete(const struct loadgen_dialer *d)
{
	return d->ready + d->failed == d->total;
}

/* The phases of a run; each mode goes through some of them. */
enum loadgen_phase {
	PH_SETUP,       /* the connections are being opened */
	PH_WARMUP,      /* ws-echo: running, not yet counted */
	PH_MEASURE,     /* ws-echo: counted */
	PH_PUBLISH,     /* sse-fanout: events published one at a time */
	PH_HOLD,        /* idle: the connections are held */
	PH_DONE,
};

/* What a run of every mode has.  A mode's own struct begins with one. */
struct loadgen_run {
	const struct loadgen_opts *o;
	struct net_loop *loop;
	struct net_ledger ledger;       /* every client syscall, the loop's too */
	struct loadgen_dialer dial;
	struct net_timer tick;          /* the mode's clock: progress and deadlines */
	char hostport[LOADGEN_HOST_MAX + 8];  /* the Host field: host[:port] */
	enum loadgen_phase phase;
	uint64_t dropped;               /* connections the server closed during the run */
	const char *fail;               /* why the run failed, or NULL */
	size_t open;                    /* connections not yet closed */
};

/* A loop whose ledger is labelled "loadgen/client", stopped by SIGINT and
 * SIGTERM, and the Host value.  Returns false with errno set. */
bool loadgen_run_init(struct loadgen_run *r, const struct loadgen_opts *o);
/* Opens the connections (open_one, with 'ud' as the dialer's ud), calls
 * on_tick(ud) every 'tick_ms', and returns once the loop stops. */
void loadgen_run_loop(struct loadgen_run *r, int (*open_one)(struct loadgen_dialer *, size_t),
		    void *ud, uint64_t tick_ms, net_timer_fn *on_tick);
/* Connection 'i' of the run: from source address i mod --sources
 * (127.1.0.1, 127.1.0.2, ...: loadgen_source), or from the kernel's
 * choice without sources.  NULL with errno, as net_connect. */
struct net_conn *loadgen_connect(struct loadgen_run *r, size_t i, const struct net_conn_ops *ops,
				 void *ud);
/* Source address 'k' (0-based) as text: 127.1.0.1 for 0, on through
 * 127.1.3.232 for 999.  'out' holds 16 bytes. */
void loadgen_source(uint64_t k, char out[16]);
/* The sources a run of 'connections' uses when --sources is not given:
 * none up to LOADGEN_PER_SOURCE, else enough for that many each. */
uint64_t loadgen_auto_sources(uint64_t connections);

/* Ends the run now; the first reason given is the one reported. */
void loadgen_run_fail(struct loadgen_run *r, const char *why);
/* A connection closed.  While it was being set up, the dialer hears of
 * it; during a run the server dropped it, which fails any run but an
 * idle one ('why' says what was lost). */
void loadgen_run_closed(struct loadgen_run *r, bool setting_up, int err, const char *why);
/* After the loop: prints why the run has no result -- 'what' names the
 * connections, 'detail' (or NULL) follows the failure -- and returns
 * false; or returns true when the mode should print its result. */
bool loadgen_run_verdict(const struct loadgen_run *r, const char *what, bool stopped_early,
		       const char *detail);
void loadgen_run_free(struct loadgen_run *r);

#endif
