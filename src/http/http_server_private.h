/* http_server_private.h -- private to src/http: what http_server.c (the
 * connections: reading, routing, the queue, timers) and http_exchange.c
 * (the answers: heads, bodies, streams, upgrades) share.  Nothing here is
 * part of the contract; http_server.h is.  The functions declared here
 * are internal, so their names carry two underscores (http__conn_advance),
 * as libuv marks its own with uv__: every call site says which it calls.
 *
 * The queue.  Each connection owns its exchanges, one per request read
 * and not yet fully answered, in request order.  Only the first one
 * writes to the socket; the others keep their answer bytes ('held')
 * until every exchange before them is done (RFC 9112 §9.3.2), and
 * http__conn_advance() pops finished exchanges off the front and lets the
 * next one write.  Invariant between callbacks: the first exchange is
 * never done (it would have been popped).
 */
#ifndef PUSHPULL_HTTP_SERVER_PRIVATE_H
#define PUSHPULL_HTTP_SERVER_PRIVATE_H

#include <sys/uio.h>
#include <time.h>
#include "http/http_body.h"
#include "http/http_server.h"

struct http_route {
	const char *method, *path;
	size_t path_len;
	http_handler_fn *fn;
	void *ud;
};

struct http_server {
	struct net_loop *loop;
	struct net_listener *listener;
	struct http_limits limits;
	uint32_t request_timeout_ms, idle_timeout_ms;
	struct http_route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
	struct http_conn *conns;        /* every live connection, for http_server_free */
	size_t nconns;
	struct http_exchange *spare;    /* freed exchanges, reused: no malloc per request */
	size_t nspare;
	time_t date_at;                 /* the Date value, remade once a second */
	char date[64];                  /* 29 bytes used; room for any int gcc imagines */
	/* The usual head up to the length, made once a second and content
	 * type (http_exchange.c, head_200): "HTTP/1.1 200 OK", Date,
	 * Content-Type: head_ctype, "Content-Length: ". */
	time_t head_at;                 /* the date_at it was made with; 0: never */
	size_t head_len;
	char head_200[192];
	char head_ctype[80];
};

enum { HC_READING, HC_STOPPED, HC_UPGRADED };

/* One connection: about 200 bytes while idle, no buffer of its own
 * (src/net holds the bytes of a partial request). */
struct http_conn {
	struct http_server *srv;
	struct net_conn *nc;
	struct http_conn *prev, *next;
	struct http_exchange *first, *last;
	struct http_parser parser;
	struct http_body body;
	struct net_timer timer;
	uint64_t deadline;              /* ms on the loop's clock; 0: none (see update_timer) */
	uint32_t head_len;              /* head of the request whose body is being read */
	uint32_t requests;              /* dispatched so far */
	uint8_t state;                  /* HC_* */
	uint8_t inflight;               /* exchanges in the queue */
	bool in_body;                   /* head parsed, body incomplete */
	bool partial;                   /* bytes of an incomplete request are held */
	bool partial_head;              /* ... and they ask for HEAD (see asks_head) */
	bool timer_is_request;          /* the timer is the request timer, not idle */
	bool barrier;                   /* an upgrade request awaits its answer */
	bool paused;                    /* we paused reading (pipeline full, backlog, barrier) */
	bool owe_continue;              /* a 100 is due once the earlier answers are out */
	bool in_on_data;                /* on_data is on the stack: it frees an upgraded conn */
};

enum { X_WAITING, X_STREAMING, X_DONE };

/* What a write reads (hc, state, minor) comes first: a stream pushed to
 * thousands of clients finds each exchange cold in the cache. */
struct http_exchange {
	struct http_conn *hc;
	uint8_t state;                  /* X_* */
	bool head;                      /* HEAD: no body in the answer */
	bool close_after;               /* close the connection once this is sent */
	bool upgrade;                   /* asked to upgrade */
	uint8_t minor;                  /* HTTP/1.<minor> */
	struct http_exchange *next;
	http_abort_fn *on_abort;
	void *abort_ud;
	http_drain_fn *on_drain;
	void *drain_ud;
	uint8_t *held;                  /* answer bytes waiting for earlier exchanges */
	size_t held_len, held_cap;
	const char *allow_origin;       /* CORS: the origin every answer names; NULL: none */
};

/* --- http_exchange.c ---------------------------------------------------- */

/* A new exchange at the back of the queue, or NULL (ENOMEM). */
struct http_exchange *http__exchange_new(struct http_conn *hc);
/* Back to the server's spare list. */
void http__exchange_free(struct http_server *s, struct http_exchange *x);
/* Writes the last bytes of the answer ('n' may be 0), marks it done and
 * advances the queue, corked: answers held behind it leave in the same
 * send().  Returns 0, or -1 if the connection is gone (and so is 'x'). */
int http__exchange_finish(struct http_exchange *x, const struct iovec *iov, int n);
/* The Date field's value (IMF-fixdate, RFC 9110 §5.6.7) for now. */
const char *http__server_date(struct http_server *s);

/* --- http_server.c ------------------------------------------------------ */

/* Pops finished exchanges and lets the next one write (see above). */
void http__conn_advance(struct http_conn *hc);
/* Takes the connection out of the server's list: it is no longer HTTP. */
void http__conn_unlink(struct http_conn *hc);

#endif
