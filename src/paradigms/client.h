/* client.h -- the client side of every paradigm, one object per client.
 *
 * A program (pushpull client) runs one; the demo runs many on one loop.
 * Each receives the feed's events its own way and reports every one
 * through 'on_event' as the same JSON object the server renders
 * ({"seq":N,"id":"...","type":"...","data":"..."}), so their outputs
 * compare line for line.  A gap the server announces -- the same reset
 * notice on long polling, SSE and WebSocket (feed.h) -- is counted
 * (pp_client_gaps) and told through 'on_note', never passed over:
 *
 *   PP_RPC         'count' requests (default 1) of 'method' on 'path'; each
 *                  answer is reported; a 4xx or 5xx answer ends it
 *                                                         client_rpc.c
 *   PP_SHORT_POLL  GET 'path' every 'interval_ms'; a state newer than the
 *                  last is reported, and the events it skipped are counted
 *                  as missed                              client_short_poll.c
 *   PP_LONG_POLL   GET 'path'?since=ID&timeout=T, again as soon as it
 *                  answers                                client_long_poll.c
 *   PP_SSE         GET 'path' as an event stream; reconnects after the
 *                  stream ends, waiting the server's retry time and sending
 *                  Last-Event-ID, so nothing the ring holds is lost
 *                                                         client_sse.c
 *   PP_WEBSOCKET   a WebSocket on 'path'; every text message is an event,
 *                  and pp_client_send() publishes         client_websocket.c
 *
 * Giving up.  A failure worth another try -- the connection refused,
 * reset or timed out, an answer 5xx, 408 or 429 -- is retried after
 * 'interval_ms' (SSE: its reconnection time), doubled for each failure
 * in a row up to PP_CLIENT_BACKOFF_MAX_MS (or 'interval_ms' if longer);
 * when 'retries' retries in a row have failed too, the client gives up.
 * An attempt that works (an answer it can use, a stream or a WebSocket
 * opened) starts the count again; a stream that ends after it opened is
 * reconnected without counting.  An answer that another try would only
 * repeat ends the client at once: the wrong endpoint -- an upgrade
 * answered 200, an SSE answer that is not text/event-stream, a long poll
 * answered without its JSON, a short poll answered with no state, an
 * event stream where a whole answer is needed -- and any other 4xx; for
 * rpc, any 4xx or 5xx answer, which is the call's result, and a POST
 * whose request left but got no answer (never sent twice).  Each
 * failure is noted; pp_client_gave_up() and pp_client_why() tell the
 * end.  Refused from the start, with the defaults, a client gives up
 * after 6 attempts over 25 s (SSE: 39 s).
 *
 * Every connection a client opens is charged to 'ledger'.
 * Read next: src/net/loop.h, the event loop every paradigm runs on.
 */
#ifndef PUSHPULL_PARADIGMS_CLIENT_H
#define PUSHPULL_PARADIGMS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/ledger.h"
#include "net/loop.h"
#include "paradigms/paradigm.h"

struct pp_client;

struct pp_client_event {
	uint64_t seq;                   /* 0 when the message has none */
	const char *json;               /* the event as a JSON object */
	size_t json_len;
};

typedef void pp_client_event_fn(struct pp_client *c, const struct pp_client_event *ev, void *ud);
/* Something worth telling a person: an error, a reconnect, a gap. */
typedef void pp_client_note_fn(struct pp_client *c, const char *msg, void *ud);

struct pp_client_opts {
	enum pp_paradigm paradigm;
	const char *host;               /* IPv4 or "localhost" */
	uint16_t port;
	const char *path;               /* target, e.g. "/score" */
	const char *method;             /* PP_RPC: NULL: "POST" with a body, else "GET" */
	const char *body;               /* PP_RPC: the request's body, or NULL */
	uint32_t interval_ms;           /* short-poll interval; the first wait before a
					   retry (default 1000; SSE: 3000 until the
					   server's retry field) */
	int retries;                    /* failures in a row retried before giving up:
					   0: PP_CLIENT_RETRIES; PP_CLIENT_NO_RETRY
					   (or any negative): none */
	uint32_t lp_timeout_ms;         /* long poll: the timeout asked for (default 30000) */
	const char *since;              /* long poll, WebSocket: start after this event id
					   (or plain seq); NULL: long poll from the oldest
					   kept, WebSocket live only */
	bool keep_alive;
	uint64_t count;                 /* stop after this many events; 0: never */
	struct net_ledger *ledger;
	bool stop_on_gap;               /* finish at the first gap (pp_client_gaps) */
	pp_client_event_fn *on_event;
	/* The notice of each gap, as JSON ({"type":"reset",...}, feed.h), in
	 * order among the events; its 'seq' is where the client now stands. */
	pp_client_event_fn *on_reset;
	pp_client_note_fn *on_note;
	void *ud;
};

/* Starts a client; its first request goes out from the loop.  Returns
 * NULL with errno set if it cannot start (EINVAL: an unknown paradigm;
 * ENAMETOOLONG: a path over PP_PATH_MAX; ENOMEM). */
#define PP_PATH_MAX 1024
#define PP_CLIENT_RETRIES         5     /* the default of 'retries' */
#define PP_CLIENT_NO_RETRY        (-1)  /* give up at the first failure */
#define PP_CLIENT_BACKOFF_MAX_MS  10000 /* the longest wait before a retry */
#define PP_CLIENT_WHY_MAX         1200  /* pp_client_why(), with its NUL */
struct pp_client *pp_client_start(struct net_loop *loop, const struct pp_client_opts *o);
void pp_client_free(struct pp_client *c);

/* Sends a text message (PP_WEBSOCKET only): it is published to the feed.
 * Returns 0, or -1 if the socket is not open. */
int pp_client_send(struct pp_client *c, const char *text, size_t len);
/* PP_WEBSOCKET: the connection is open, so pp_client_send can send. */
bool pp_client_ready(const struct pp_client *c);

bool pp_client_finished(const struct pp_client *c);     /* 'count' reached, or gave up */
bool pp_client_gave_up(const struct pp_client *c);      /* an error ended it */
/* Why it gave up, in words, as it was noted ("rpc: gave up after 6
 * attempts: Connection refused"); "" while it has not. */
const char *pp_client_why(const struct pp_client *c);
uint64_t pp_client_events(const struct pp_client *c);
uint64_t pp_client_missed(const struct pp_client *c);   /* events known to be lost */
/* Gaps the server announced (reset notices) or the client saw (an epoch
 * change), and how many of them could not say how many events they
 * lost. */
uint64_t pp_client_gaps(const struct pp_client *c);
uint64_t pp_client_gaps_unknown(const struct pp_client *c);
/* Where the client stands: the id of the last event or notice ("" before
 * any). */
const char *pp_client_cursor(const struct pp_client *c);
/* Polls answered with nothing new (short-poll: the same state again;
 * long-poll: a hold that timed out): what asking cost for nothing. */
uint64_t pp_client_empty_answers(const struct pp_client *c);
uint64_t pp_client_last_seq(const struct pp_client *c); /* newest event seen */
enum pp_paradigm pp_client_paradigm(const struct pp_client *c);

#endif
