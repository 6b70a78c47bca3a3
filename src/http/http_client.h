/* http_client.h -- a non-blocking HTTP/1.1 client on src/net.
 *
 * One request at a time, to one server.  Two ways to use a connection,
 * and the difference between them is one of pushpull's lessons:
 *
 *   keep-alive   the connection stays open between requests, so the
 *                second request costs no handshake (RFC 9112 §9.3);
 *   no keep-alive  every request opens a connection, says
 *                "Connection: close", and the server closes it after
 *                the answer: one three-way handshake and one close per
 *                request, visible in the ledger.
 *
 * A request on a kept-alive connection that the server closed in the
 * meantime (its idle timeout) is retried once on a new connection, if
 * no byte of an answer had arrived and the method is safe to repeat.
 *
 * Answers are read with http_response_parse() and the body decoders of
 * http_body.h: whole (http_client_request: the body, up to
 * HTTP_CLIENT_MAX_BODY, in one piece) or streaming (http_client_stream:
 * each piece of body as it arrives -- an event stream never ends).
 *
 * Errors are an errno, with a reason in words from http_client_error():
 *   ECONNREFUSED  nobody listens (and the like, from connect);
 *   ETIMEDOUT     no whole answer (or, streaming, no head) in time;
 *   ECONNRESET    the connection was reset, or closed before any byte
 *                 of the answer, and the request could not be retried;
 *   EPROTO        the answer is not valid HTTP, or the connection closed
 *                 inside it (a message cut short, RFC 9112 §8);
 *   EMSGSIZE      the answer body is over HTTP_CLIENT_MAX_BODY.
 *
 * Read next: src/ws/ws_handshake.h, how an HTTP request becomes a
 * WebSocket.
 */
#ifndef PUSHPULL_HTTP_CLIENT_H
#define PUSHPULL_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "http/http_parser.h"
#include "net/loop.h"
#include "net/ledger.h"

#define HTTP_CLIENT_MAX_BODY    (8 * 1024 * 1024)
#define HTTP_CLIENT_TIMEOUT_MS  30000
#define HTTP_CLIENT_MAX_FIELDS  64

struct http_client;
struct http_client_result;

/* The head of an answer has arrived ('r->body' is NULL); streaming, each
 * piece of the body follows through an http_client_piece_fn. */
typedef void http_client_head_fn(struct http_client *cl, const struct http_client_result *r,
				 void *ud);

struct http_client_config {
	const char *host;               /* IPv4 address or "localhost" */
	uint16_t port;
	bool keep_alive;
	uint32_t timeout_ms;            /* per request, 0: HTTP_CLIENT_TIMEOUT_MS */
	struct net_ledger *ledger;      /* pays for every connection; may be NULL */
	/* Whole answers (http_client_request) may be judged by their head:
	 * called once it is in, before any of the body is waited for ('r->body'
	 * NULL), with the request's 'ud'.  It may end the request there with
	 * http_client_cancel() -- an answer that will not do, such as an event
	 * stream that never ends, is not waited for.  NULL: none. */
	http_client_head_fn *on_head;
};

/* What came back.  Every slice is valid only during the callback. */
struct http_client_result {
	const struct http_response *res;        /* status, fields */
	const char *body;                       /* whole body (request), or NULL */
	size_t body_len;
};

/* 'err' 0: 'r' holds the answer.  Otherwise 'r' is NULL. */
typedef void http_client_done_fn(struct http_client *cl, int err,
				 const struct http_client_result *r, void *ud);
typedef void http_client_piece_fn(struct http_client *cl, const char *data, size_t len,
				  void *ud);

/* A client of cfg->host:port; it connects when it has a request to send.
 * Returns NULL with errno set (ENOMEM) on failure. */
struct http_client *http_client_new(struct net_loop *loop, const struct http_client_config *cfg);
/* Closes the connection; a request in flight ends with ECANCELED. */
void http_client_free(struct http_client *cl);

/* Sends one request; 'done' is called exactly once (never from inside
 * this call).  'extra_fields' are raw header lines ending in CRLF, or
 * NULL.  Returns 0, or -1 with errno EBUSY while another is in flight. */
int http_client_request(struct http_client *cl, const char *method, const char *target,
			const char *extra_fields, const void *body, size_t len,
			http_client_done_fn *done, void *ud);

/* A GET whose body is handed over piece by piece; 'done' ends it (with
 * 'r' NULL on success, or an error).  There is no timeout once the head
 * has arrived: a stream may stay quiet. */
int http_client_stream(struct http_client *cl, const char *target, const char *extra_fields,
		       http_client_head_fn *head, http_client_piece_fn *piece,
		       http_client_done_fn *done, void *ud);

/* Ends a stream (or request) in flight now, closing its connection; its
 * 'done' is not called. */
void http_client_cancel(struct http_client *cl);

bool http_client_busy(const struct http_client *cl);
/* The last request reached the socket: if no answer came, it may still
 * have taken effect (what a POST must not risk twice, RFC 9110 §9.2.2). */
bool http_client_sent(const struct http_client *cl);
/* The reason for the last error, in words. */
const char *http_client_error(const struct http_client *cl);
/* Connections opened so far: with keep-alive, 1 for any number of requests. */
uint64_t http_client_connections(const struct http_client *cl);

#endif
