/* client_private.h -- private to the client side of the paradigms: the
 * client object that client.c (what every client shares) and each
 * paradigm's client_*.c work on.  The double underscore marks a name as
 * internal to src/paradigms. */
#ifndef PUSHPULL_PARADIGMS_CLIENT_PRIVATE_H
#define PUSHPULL_PARADIGMS_CLIENT_PRIVATE_H

#include "http/http_client.h"
#include "paradigms/client.h"
#include "paradigms/feed.h"
#include "sse/sse_parser.h"

struct ws_client;

struct pp_client {
	struct net_loop *loop;
	struct pp_client_opts o;
	char path[PP_PATH_MAX];
	uint64_t events, missed, last_seq;
	uint64_t gaps, gaps_unknown;    /* reset notices (and epoch changes) seen */
	char cursor[FEED_ID_MAX];       /* the id of the last event or notice: where we stand */
	uint64_t empty;                 /* polls answered with nothing new */
	bool synced;                    /* last_seq is a known position: gaps count */
	bool finished;
	bool gave_up;                   /* finished on an error: see 'why' */
	bool interval_given;            /* 'o.interval_ms' came from the caller */
	uint32_t retries;               /* 'o.retries', resolved */
	uint32_t failures;              /* failed attempts in a row */
	char why[PP_CLIENT_WHY_MAX];    /* why it gave up; "" while it has not */
	struct net_timer timer;         /* the next request, or the next reconnect */
	void (*ask)(struct pp_client *c);       /* what 'timer' does */
	struct http_client *http;       /* rpc, short-poll, long-poll, sse */
	uint64_t requests;              /* rpc: answers so far */
	struct sse_parser sse;          /* sse: the stream's parser */
	bool sse_live;                  /* 'sse' holds buffers */
	bool sse_open;                  /* this attempt's stream opened (200, event stream) */
	bool sse_retry_set;             /* the server's retry field set the reconnection time */
	struct ws_client *ws;           /* websocket */
};

/* --- shared by every client (client.c) ------------------------------------ */

/* Counts an event (and any gap before it) and hands it to on_event; its
 * "id", if any, becomes the cursor. */
void pp__client_emit(struct pp_client *c, uint64_t seq, const char *json, size_t len);
/* The server's notice of a gap (feed_reset_json), as every paradigm
 * carries it: counted, noted, and the cursor moved to its id. */
void pp__client_reset(struct pp_client *c, const char *json, size_t len);
/* A since=ID written in the path itself becomes the cursor (when none was
 * given) and leaves the path, so a reconnection names one since only.
 * Returns 0, or -1 when it is not an event id. */
int pp__client_take_since(struct pp_client *c);
/* Moves the cursor to 'id'; a change of epoch that no notice announced
 * (short polling has none) counts as a gap of unknown size. */
void pp__client_at(struct pp_client *c, const char *id, size_t len);
void pp__client_note(struct pp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- failing and giving up (client.c; client.h says the rules) ------------ */

enum pp_fail {
	PP_FAIL_NONE,                   /* no failure */
	PP_FAIL_RETRY,                  /* worth another try, within 'retries' */
	PP_FAIL_FINAL,                  /* another try would repeat it: give up now */
};
/* What an answer's status says to a poller or a stream: 2xx, none; 5xx,
 * 408 and 429 -- and a code outside 100..599, read as 5xx (RFC 9110
 * §15) -- worth a retry; any other (1xx, 3xx, 4xx) is final. */
enum pp_fail pp__client_status_fail(int status);
/* An attempt worked: the count of failures in a row starts again. */
void pp__client_ok(struct pp_client *c);
/* An attempt failed, for the reason 'fmt' says.  PP_FAIL_RETRY: 'timer'
 * fires after 'base_ms' doubled for each earlier failure in a row (up to
 * PP_CLIENT_BACKOFF_MAX_MS), unless the retries are spent; then, or at
 * once for PP_FAIL_FINAL, the client gives up ('finished', 'gave_up',
 * 'why').  Noted either way; the note comes last, as its callback may
 * free the client. */
void pp__client_fail(struct pp_client *c, enum pp_fail kind, uint32_t base_ms,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "200 OK", "404 Not Found": an answer's status and reason, for notes. */
void pp__client_status_text(const struct http_response *res, char *dst, size_t cap);
/* Is the Content-Type's MIME type text/event-stream (parameters allowed)? */
bool pp__is_event_stream(const struct http_header *ct);

/* --- shared by the three that only ask (client.c) ----------------------- */

/* An http_client for 'c' (answers may take 'timeout_ms'; 0: the default),
 * and 'ask' called from the loop at once.  Returns 0 or an errno. */
int  pp__client_http_start(struct pp_client *c, uint32_t timeout_ms,
			   void (*ask)(struct pp_client *c));
/* Sends 'method' on 'target' (with 'o.body'); 'done' has the answer.  A
 * request that cannot even be sent is a failure, tried again later.  An
 * answer that turns out to be an event stream (it would never end) is
 * not waited for: the client gives up at its head. */
void pp__client_request(struct pp_client *c, const char *target, http_client_done_fn *done);
/* Calls 'ask' after 'ms'. */
void pp__client_later(struct pp_client *c, uint32_t ms);
/* Fails on an answer that is not what was asked for (its status says
 * which kind: pp__client_status_fail), naming its status and the
 * server's reason (the first line of its body) when it gave one. */
void pp__client_fail_status(struct pp_client *c, const struct http_client_result *r);
/* The "seq" of an event or state as JSON; 0 when it has none. */
uint64_t pp__json_seq(const char *json, size_t len);
/* The "id" of an event, state or notice as JSON, unquoted, into 'dst'
 * (FEED_ID_MAX bytes); its length, 0 when it has none. */
size_t pp__json_id(const char *json, size_t len, char *dst);

/* --- each paradigm's client ------------------------------------------------- */

int  pp__rpc_start(struct pp_client *c);                /* client_rpc.c */
int  pp__short_poll_start(struct pp_client *c);         /* client_short_poll.c */
int  pp__long_poll_start(struct pp_client *c);          /* client_long_poll.c */
int  pp__sse_start(struct pp_client *c);                /* client_sse.c */
void pp__sse_stop(struct pp_client *c);
int  pp__websocket_start(struct pp_client *c);          /* client_websocket.c */
void pp__websocket_stop(struct pp_client *c);
int  pp__websocket_send(struct pp_client *c, const char *text, size_t len);
bool pp__websocket_ready(const struct pp_client *c);

#endif
