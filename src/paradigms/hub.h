/* hub.h -- what the server-side endpoints of every paradigm share.
 *
 * One feed, one loop, the settings of each paradigm, and where each
 * paradigm's server-side costs go.  The endpoints themselves:
 *
 *   ep_http.c   GET /score (request-response, short polling),
 *               GET /score?since=N (long polling), POST /publish
 *   ep_sse.c    GET /events (Server-Sent Events)
 *   ep_ws.c     GET /ws and /echo (WebSocket)
 *
 * Read next: feed.h, then ep_http.c.
 */
#ifndef PUSHPULL_PARADIGMS_HUB_H
#define PUSHPULL_PARADIGMS_HUB_H

#include <stddef.h>
#include <stdint.h>
#include "http/http_server.h"
#include "net/ledger.h"
#include "net/loop.h"
#include "paradigms/feed.h"

enum pp_kind { PP_RPC, PP_SHORT, PP_LONG, PP_SSE, PP_WS, PP_KINDS };

/* "request-response", "short-poll", "long-poll", "sse", "websocket" */
const char *pp_kind_name(enum pp_kind k);

#define PP_LP_TIMEOUT_MS       30000     /* a held poll answers 204 after this */
#define PP_LP_MAX_TIMEOUT_MS   120000    /* the most a client may ask for */
#define PP_LP_MAX_BODY         (1024 * 1024)   /* events per answer stop here */
#define PP_SSE_HEARTBEAT_MS    15000
#define PP_SSE_RETRY_MS        2000
#define PP_SSE_QUEUE_CAP       (1024 * 1024)   /* a stream further behind is dropped */
#define PP_WS_PING_MS          30000

struct pp_config {
	uint32_t lp_timeout_ms, lp_max_timeout_ms;
	uint32_t sse_heartbeat_ms, sse_retry_ms;
	size_t sse_queue_cap;
	uint32_t ws_ping_ms;            /* also how long a ping may go unanswered */
};

/* The bytes of one event in one wire format, made once per event and
 * reused for every client of a push paradigm (fan-out). */
struct pp_render {
	uint64_t seq;                   /* 0: empty */
	char *buf;
	size_t len, cap;
};

struct ws_peer;

struct pp_hub {
	struct net_loop *loop;
	struct feed *feed;
	struct pp_config cfg;
	struct pp_render score_json, sse_bytes, ws_bytes;
	struct http_prepared sse_ready; /* 'sse_bytes' framed for every kind of stream */
	/* Upgraded WebSocket connections (ep_ws.c): the HTTP server lets go
	 * of a connection when it upgrades, so the hub keeps the list. */
	struct ws_peer *ws_peers;
	size_t ws_count;
	/* Server-side ledger of each paradigm: an endpoint moves a connection
	 * there once it knows the paradigm.  NULL: leave it where it is (the
	 * demo gives each paradigm its own listener and ledger instead). */
	struct net_ledger *ledger[PP_KINDS];
};

/* Fills the defaults above into every zero field of 'cfg'. */
void pp_config_defaults(struct pp_config *cfg);

/* Frees what the endpoints keep in the hub (not the loop or the feed). */
void pp_hub_cleanup(struct pp_hub *hub);

/* Makes room for 'len' bytes in 'r' (its contents are then unspecified). */
int pp_render_reserve(struct pp_render *r, size_t len);

/* Moves the exchange's connection to the paradigm's ledger, if it has one. */
void pp_hub_charge(struct pp_hub *hub, struct http_exchange *x, enum pp_kind k);

/* Closes every WebSocket connection (close 1001, "going away"). */
void pp_ws_close_all(struct pp_hub *hub);

/* Routes of each endpoint family onto 's'. */
int pp_http_routes(struct http_server *s, struct pp_hub *hub);
int pp_sse_routes(struct http_server *s, struct pp_hub *hub);
int pp_ws_routes(struct http_server *s, struct pp_hub *hub);

#endif
