/* http_server.h -- HTTP/1.1 connections on src/net: the server side.
 *
 * The rest of src/http is sans-IO; this module and http_client.h are
 * where it meets src/net.  They make no syscalls themselves: bytes come
 * from net/conn.h's on_data and leave through net_conn_write.
 *
 * A connection reads requests with http_request_parse() and
 * http_body_decode_in_place(), routes each one to a handler by method and
 * path, and writes the answers back strictly in request order, however
 * the handlers answer:
 *
 *   at once      http_respond() inside the handler -- request-response;
 *   later        keep the 'struct http_exchange *' and call http_respond()
 *                from another event -- long polling;
 *   as a stream  http_stream_start(), then http_stream_send() as often as
 *                needed, then http_stream_end() -- chunked; the SSE stream;
 *   by leaving   http_upgrade(): send 101 and hand the socket to another
 *                protocol -- WebSocket.
 *
 * Pipelining: requests that arrive together are all parsed and handled,
 * up to HTTP_PIPELINE_MAX in flight; an answer that is ready while an
 * earlier one is still pending waits in its exchange.  Answers written
 * while the connection's bytes are being handled leave in one send().
 *
 * What a careful server does, it does: every answer carries Date; HEAD
 * gets the GET head without a body; HTTP/1.0 closes unless it asked for
 * keep-alive; "Connection: close" closes after its answer; "Expect:
 * 100-continue" gets a 100 before the body is read (in its turn, after
 * the answers before it); a request whose head (or body) takes longer
 * than 'request_timeout_ms' gets 408 and a close (slowloris) -- empty
 * lines alone are no request begun (RFC 9112 §2.2); a
 * keep-alive connection idle for 'idle_timeout_ms' is closed; a request
 * the parser refuses gets its status (400, 413, 414, 431, 501, 505) with
 * the reason as body (the head alone if it asked for HEAD), and the
 * connection is closed -- nothing after a bad request is read as a
 * request.  Unknown paths get 404, a known path with another method 405
 * with Allow, OPTIONS 204 with Allow, and a method that is neither in
 * RFC 9110 nor in a route 501, as does CONNECT when no route serves it.
 * An absolute-form target is routed by its path ("http://h" and
 * "http://h?q" mean "/"); one of another scheme than http -- https on
 * this cleartext connection too -- gets 421 (RFC 9110 §7.4).
 *
 * A new connection is accepted once its first request bytes are in (or
 * after HTTP_ACCEPT_WAIT_S of silence): one wake-up per connection, not
 * two (net_listener_wait_for_data).  The request timer starts then.
 *
 * A client that closes its side (FIN) while an answer is still pending
 * -- a held long poll, a stream -- is taken to have left, as most
 * servers do: the pending exchanges are aborted (http_exchange_on_abort)
 * and the connection closes once what is already written has gone.
 *
 * The code: http_server.c reads, routes and keeps the queue of answers;
 * http_exchange.c writes them; http_server_private.h is what they share.
 *
 * Read next: http_client.h, the other side.
 */
#ifndef PUSHPULL_HTTP_SERVER_H
#define PUSHPULL_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "http/http_parser.h"
#include "http/http_writer.h"
#include "net/conn.h"
#include "net/loop.h"

#define HTTP_PIPELINE_MAX        16      /* requests in flight per connection */
#define HTTP_REQUEST_TIMEOUT_MS  10000   /* head and body must arrive within */
#define HTTP_IDLE_TIMEOUT_MS     60000   /* keep-alive connection with nothing to do */
#define HTTP_ACCEPT_WAIT_S       1       /* a new connection is met with its request, or
                                            after this long if it stays silent */
#define HTTP_ROUTES_MAX          32

struct http_server;
struct http_exchange;           /* one request and its answer */

/* A handler.  'req' and 'body' are valid only during the call: copy what
 * a deferred answer needs.  The handler must eventually answer 'x' (now
 * or later) unless the connection goes first; see http_exchange_on_abort. */
typedef void http_handler_fn(struct http_exchange *x, const struct http_request *req,
			     const char *body, size_t body_len, void *ud);

struct http_server_config {
	const char *host;               /* NULL: 127.0.0.1 */
	uint16_t port;                  /* 0: any free port, see http_server_port */
	int backlog;                    /* 0: 511 */
	struct http_limits limits;      /* zeroed: http_limits_default */
	uint32_t request_timeout_ms;    /* 0: HTTP_REQUEST_TIMEOUT_MS */
	uint32_t idle_timeout_ms;       /* 0: HTTP_IDLE_TIMEOUT_MS */
	struct net_ledger *ledger;      /* connections start here; may be NULL */
};

/* Listens as 'cfg' says.  Returns NULL with errno set on failure. */
struct http_server *http_server_new(struct net_loop *loop, const struct http_server_config *cfg);
/* Closes the listener and every connection (their exchanges are aborted). */
void http_server_free(struct http_server *s);
uint16_t http_server_port(const struct http_server *s);
size_t http_server_connections(const struct http_server *s);
/* Calls 'fn' with each connection the server holds (not those it let go
 * of at an upgrade).  'fn' must not close any. */
void http_server_each_conn(const struct http_server *s,
			   void (*fn)(struct net_conn *nc, void *ud), void *ud);

/* Routes 'method' requests for the exact path 'path' (no query) to 'fn'.
 * "GET" also serves HEAD.  Returns 0, or -1 when the table is full. */
int http_server_route(struct http_server *s, const char *method, const char *path,
		      http_handler_fn *fn, void *ud);

/* --- answering ---------------------------------------------------------- */

/* A complete answer with Content-Length: a final status, 200..599 (204
 * and 304 go without body, Content-Type and Content-Length).
 * 'extra_fields' are raw header lines each ending in CRLF ("Allow:
 * GET\r\n"), or NULL.  After this 'x' is gone.  Returns 0; -1 if the
 * connection is gone (then so is 'x'), or if the status is not final or
 * the head does not fit HTTP_HEAD_MAX (then 'x' still waits for an
 * answer). */
#define HTTP_HEAD_MAX 1024
int http_respond(struct http_exchange *x, int status, const char *content_type,
		 const char *extra_fields, const void *body, size_t len);

/* http_respond() with a short text for a person -- a refusal's reason,
 * "not found\n" -- as a text/plain body; 'text' is NUL-terminated. */
int http_respond_text(struct http_exchange *x, int status, const char *extra_fields,
		      const char *text);

/* Starts a streamed answer: chunked for HTTP/1.1; for HTTP/1.0 the body
 * is simply the bytes that follow, ended by closing the connection.
 * Returns 0; 1 for a HEAD request, whose answer is then complete and 'x'
 * gone; -1 if the connection is gone (and 'x' with it), or if the head
 * does not fit HTTP_HEAD_MAX (then 'x' still waits for an answer). */
int http_stream_start(struct http_exchange *x, int status, const char *content_type,
		      const char *extra_fields);
/* Sends 'len' > 0 bytes of the stream (one chunk, one write).  Returns 0
 * or -1 (connection gone, or its output queue hit its cap: it is closed). */
int http_stream_send(struct http_exchange *x, const void *data, size_t len);
/* Ends the stream (the last chunk, or a close for HTTP/1.0); 'x' is gone. */
void http_stream_end(struct http_exchange *x);

/* Fan-out: the same bytes to many streams.  Lay the payload at
 * buf + HTTP_STREAM_PAD, with HTTP_STREAM_PAD bytes free before it and 2
 * after; http_stream_prepare() writes the chunk framing around it, once.
 * http_stream_send_prepared() then sends each stream its form -- framed
 * to a chunked (HTTP/1.1) stream, bare to an HTTP/1.0 one -- in one send
 * with nothing formatted per stream.  Returns as http_stream_send(). */
#define HTTP_STREAM_PAD HTTP_CHUNK_HEAD_MAX
struct http_prepared {
	const char *framed, *bare;
	size_t framed_len, bare_len;
};
void http_stream_prepare(char *buf, size_t len, struct http_prepared *p);
int http_stream_send_prepared(struct http_exchange *x, const struct http_prepared *p);

/* Sends 'response' (a complete 101 head) and gives the connection to
 * 'ops'/'ud'; the bytes that followed the request go to ops->on_data.
 * The exchange and the HTTP state are gone.  Returns the connection, or
 * NULL if it is gone. */
struct net_conn *http_upgrade(struct http_exchange *x, const void *response, size_t len,
			      const struct net_conn_ops *ops, void *ud);

/* Called if the connection closes before 'x' is answered (a held long
 * poll, a stream): then 'x' is gone and must not be answered.  When the
 * close is caused by a failing http_stream_send(), the callback runs
 * inside that call, before it returns -1. */
typedef void http_abort_fn(struct http_exchange *x, void *ud);
void http_exchange_on_abort(struct http_exchange *x, http_abort_fn *fn, void *ud);

/* Called when a stream's output queue, which had backed up, has emptied:
 * the moment to send more (a replay fed from the ring, say). */
typedef void http_drain_fn(struct http_exchange *x, void *ud);
void http_exchange_on_drain(struct http_exchange *x, http_drain_fn *fn, void *ud);

struct net_conn *http_exchange_conn(const struct http_exchange *x);
/* Charges the connection, and all it cost so far, to 'ledger'. */
void http_exchange_set_ledger(struct http_exchange *x, struct net_ledger *ledger);
/* CORS (the Fetch standard): every answer to 'x' says that 'origin' may
 * read it -- "Access-Control-Allow-Origin: <origin>" and "Vary: Origin".
 * 'origin' (NUL-terminated, a serialized origin) must live as long as the
 * exchange.  NULL: none (the default). */
void http_exchange_allow_origin(struct http_exchange *x, const char *origin);

#endif
