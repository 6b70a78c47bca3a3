/* sse_endpoint.h -- helpers shared by the /events suites: a real server
 * in the test's own process, and raw client sockets that record exactly
 * what came back.
 *
 * The server ('struct srv') is what `pushpull serve` runs: a loop, a
 * feed, a hub, an HTTP server on 127.0.0.1 with the HTTP and SSE routes.
 * Tests publish straight into the feed (srv_publish), so every write the
 * endpoint makes happens inside that call.
 *
 * A raw client ('struct peer') is a plain socket whose descriptor the
 * server's own loop watches, so a test waits by running the loop until a
 * predicate holds (net_loop_run_until) -- never by sleeping.  Everything
 * it receives is kept ('raw'); the answer is decoded as it arrives: the
 * head with http_response_parse, the body with http_body_read (chunked or
 * delimited by the close), the event stream with sse_parser.  What the
 * parser reports goes into a digest log, one line per event:
 *
 *     <id> <type> <data length> <FNV-1a of the data>
 *     retry <ms>
 *
 * so that a whole sequence of events -- including megabyte payloads --
 * is compared with one strcmp against a log built from what was
 * published (digest_event).
 *
 * Used by test_sse_endpoint_*.c and test_sse_interop.c.
 */
#ifndef PUSHPULL_TESTS_SSE_ENDPOINT_H
#define PUSHPULL_TESTS_SSE_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_body.h"
#include "http/http_parser.h"
#include "http/http_server.h"
#include "net/loop.h"
#include "paradigms/feed.h"
#include "paradigms/hub.h"
#include "sse/sse_parser.h"
#include "support/buf.h"

#define WAIT_MS 10000           /* the longest any single wait may take */

/* --- digests: what a peer's log must read ---------------------------------- */

/* The line event 'seq' of 'type' with 'data' (as the parser will hand it
 * out: line breaks already LF) earns. */
void digest_event(struct tbuf *log, uint64_t seq, const char *type,
		  const char *data, size_t dlen);

/* The lines of every event the feed holds from 'from' to its latest. */
void digest_feed(struct tbuf *log, const struct feed *f, uint64_t from);

/* Every test feed is in this epoch (srv_start), so ids can be written. */
#define SSE_TEST_EPOCH 0xabc
#define SSE_TEST_EP    "000000000abc"

/* The reset notice the endpoint sends before a gap (server_sse.c):
 * 'reason' as feed_gap_name, the client now at seq 'at', 'missed' -1 for
 * unknown. */
void digest_reset(struct tbuf *log, const char *reason, uint64_t at, long long missed);

/* The line a "retry:" field earns. */
void digest_retry(struct tbuf *log, uint64_t ms);

/* --- the server ------------------------------------------------------------ */

struct srv {
	struct net_loop *loop;
	struct pp_hub hub;
	struct http_server *http;
	uint16_t port;
};

/* A loop, a feed of 'ring' events (0: the default) and the server.
 * 'cfg' NULL: every default; else its zero fields take the defaults. */
void srv_start(struct srv *s, size_t ring, const struct pp_config *cfg);

/* Listens on 'port' (0: any) with the routes of `pushpull serve`. */
void srv_listen(struct srv *s, uint16_t port);

/* Closes the listener and every connection (a crash, as the clients see it). */
void srv_close(struct srv *s);

/* Frees the server, the feed and the loop. */
void srv_stop(struct srv *s);

/* Publishes into the feed; returns the event's sequence number. */
uint64_t srv_publish(struct srv *s, const char *type, const char *data, size_t len);
uint64_t srv_publish_str(struct srv *s, const char *data);      /* type "message" */

/* Runs the loop until the feed has exactly 'n' subscribers: a stream is
 * subscribed once its request has been read and answered. */
void srv_wait_subscribers(struct srv *s, size_t n);

/* --- a raw client ---------------------------------------------------------- */

struct peer {
	struct srv *srv;
	int fd;
	bool watched, eof;
	int err;                        /* recv failed with this (ECONNRESET...) */
	struct tbuf raw;                /* every byte received */
	/* the answer */
	struct http_parser hp;
	bool head_request;              /* the answer to HEAD has no body */
	bool head_done;
	size_t head_len;
	int status;
	int framing;                    /* enum http_framing */
	struct http_body body;
	size_t consumed;                /* raw bytes the body reader has taken */
	bool body_done;
	int body_err;                   /* http_body_read or http_body_eof refused */
	struct tbuf data;               /* the body: the event stream itself */
	struct sse_parser sse;
	int sse_err;
	struct tbuf log;                /* digest lines, see the top of this file */
	size_t events;
};

/* Connects to the server and sends 'request' (whole, at once).
 * 'rcvbuf' > 0 shrinks the socket's receive buffer first. */
void peer_open_buf(struct peer *p, struct srv *s, const char *request, int rcvbuf);
void peer_open(struct peer *p, struct srv *s, const char *request);

/* GET 'target' with 'fields' (raw lines ending in CRLF, or "") added. */
void peer_get(struct peer *p, struct srv *s, const char *target, const char *fields);

void peer_close(struct peer *p);

/* Starts or stops reading (a client that stops reading fills its
 * kernel buffers, then the server's output queue). */
void peer_read(struct peer *p, bool on);

/* The value of field 'name' in the answer's head (NUL-terminated copy in
 * 'out'), or NULL when absent. */
const char *peer_field(struct peer *p, const char *name, char *out, size_t cap);

/* Run the loop until 'p' has parsed 'n' events (failing if the stream
 * ended first), has the answer's head, or saw the server close. */
void peer_wait_events(struct peer *p, size_t n);
void peer_wait_head(struct peer *p);
void peer_wait_eof(struct peer *p);

#endif
