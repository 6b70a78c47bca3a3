/* hub.h -- what the server side of every paradigm shares, and how a
 * program puts it on a server.
 *
 * One feed, one loop, the settings of each paradigm, and where each
 * paradigm's server-side costs go.  pp_hub_routes() puts every endpoint
 * on an http_server:
 *
 *   GET  /score            server_rpc.c        rpc, and short polling
 *   GET  /score?since=ID   server_long_poll.c  long polling
 *   POST /publish          server_rpc.c        publishing (an rpc)
 *   GET  /events           server_sse.c        Server-Sent Events
 *   GET  /ws, GET /echo    server_websocket.c  WebSocket
 *
 * Read next: server_rpc.c.
 */
#ifndef PUSHPULL_PARADIGMS_HUB_H
#define PUSHPULL_PARADIGMS_HUB_H

#include <stddef.h>
#include <stdint.h>
#include "http/http_server.h"
#include "net/ledger.h"
#include "net/loop.h"
#include "paradigms/feed.h"
#include "paradigms/paradigm.h"

#define PP_LP_TIMEOUT_MS       30000     /* a held poll answers 204 after this */
#define PP_LP_MAX_TIMEOUT_MS   120000    /* the most a client may ask for */
#define PP_LP_MAX_BODY         (1024 * 1024)   /* events per answer stop here */
#define PP_SSE_HEARTBEAT_MS    15000
#define PP_SSE_RETRY_MS        2000
#define PP_SSE_QUEUE_CAP       (1024 * 1024)   /* a stream further behind is dropped */
#define PP_WS_PING_MS          30000
#define PP_WS_MESSAGE_TIMEOUT_MS 30000  /* a message begun must end within */

struct pp_config {
	uint32_t lp_timeout_ms, lp_max_timeout_ms;
	uint32_t sse_heartbeat_ms, sse_retry_ms;
	size_t sse_queue_cap;
	uint32_t ws_ping_ms;            /* also how long a ping may go unanswered */
	uint32_t ws_message_timeout_ms; /* /ws and /echo: from a message's first byte to
					   its last (slowloris for WebSocket) */
};

/* The bytes of one event in one wire format, made once per event and
 * reused for every client of a push paradigm (fan-out). */
struct pp_render {
	uint64_t seq;                   /* 0: empty */
	char *buf;
	size_t len, cap;
};

struct ws_peer;

/* Who may publish, and which pages may use the server (guard.c). */
#define PP_TOKEN_MIN 16                 /* a publish token's length, in characters */
#define PP_TOKEN_MAX 256
struct pp_guard {
	const char *token;              /* NULL: none, and only loopback clients publish */
	bool open;                      /* anyone may publish: the demo's server, whose
					   clients are its own, across the lab's link */
	size_t token_len;
	const char *const *origins;     /* --allow-origin: "scheme://host[:port]" each */
	size_t norigins;
	uint64_t refused_origin;        /* requests refused for their Origin */
	uint64_t refused_publish;       /* publishes refused: no token, or not local */
};

/* A token is 16..256 of A-Z a-z 0-9 - _ . ~ : what a Bearer credential and
 * a WebSocket subprotocol name can both carry. */
bool pp_guard_token_valid(const char *token, size_t len);

/* A feed shared with other servers (redis_feed.h): a publish goes there
 * first, and reaches 'feed' -- every server's -- when each reads it back.
 * 'publish' returns 0 and then calls 'done' (if not NULL) once, in a
 * later turn, with the epoch and seq the event was given or, seq 0, the
 * errno of a failure; or returns -1 with errno at once (ENOTCONN: the
 * shared feed is unreachable; EMSGSIZE; EINVAL; ENOMEM). */
typedef void pp_published_fn(void *ud, uint64_t epoch, uint64_t seq, int err);
struct pp_backplane {
	int (*publish)(void *bp, const char *type, const void *data, size_t len,
		       pp_published_fn *done, void *done_ud);
	void *bp;
};

struct pp_hub {
	struct net_loop *loop;
	struct feed *feed;
	struct pp_backplane backplane;  /* .publish NULL: the feed is this server's own */
	struct pp_config cfg;
	struct pp_guard guard;
	struct pp_render score_json, sse_bytes, ws_bytes;
	struct http_prepared sse_ready; /* 'sse_bytes' framed for every kind of stream */
	/* Upgraded WebSocket connections (server_websocket.c): the HTTP server lets go
	 * of a connection when it upgrades, so the hub keeps the list. */
	struct ws_peer *ws_peers;
	size_t ws_count;
	/* Server-side ledger of each paradigm: an endpoint moves a connection
	 * there once it knows the paradigm.  NULL: leave it where it is (the
	 * demo gives each paradigm its own listener and ledger instead). */
	struct net_ledger *ledger[PP_PARADIGMS];
	/* Told each time an endpoint learns the paradigm of a connection
	 * (after moving it to that ledger): `pushpull serve --capture` counts
	 * its packets in that paradigm's row from then on.  NULL: none. */
	void (*on_charge)(void *ud, struct net_conn *nc, enum pp_paradigm p);
	void *on_charge_ud;
	/* Where a publish goes (POST /publish, a /ws message): NULL, to the
	 * feed (feed_publish); with workers, through the bus (bus.h), which
	 * numbers it for every worker's feed.  Returns the seq, or 0 with
	 * errno as feed_publish does (and EAGAIN: the bus is full). */
	uint64_t (*publish)(void *ud, const char *type, const void *data, size_t len);
	void *publish_ud;
};

/* Publishes through 'hub->publish', or straight to the feed. */
uint64_t pp_hub_publish(struct pp_hub *hub, const char *type, const void *data, size_t len);

/* Fills the defaults above into every zero field of 'cfg'. */
void pp_config_defaults(struct pp_config *cfg);

/* Puts every endpoint in the table above on 's'.  Returns 0, or -1 when
 * the server's route table is full. */
int pp_hub_routes(struct http_server *s, struct pp_hub *hub);

/* Closes every WebSocket connection (close 1001, "going away"). */
void pp_hub_close_websockets(struct pp_hub *hub);

/* Calls 'fn' with each open WebSocket connection: the ones the HTTP
 * server let go of when it upgraded them.  'fn' must not close any. */
void pp_hub_each_websocket(const struct pp_hub *hub,
			   void (*fn)(struct net_conn *nc, void *ud), void *ud);

/* Frees what the endpoints keep in the hub (not the loop or the feed). */
void pp_hub_cleanup(struct pp_hub *hub);

#endif
