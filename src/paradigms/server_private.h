/* server_private.h -- private to the server side of the paradigms
 * (hub.c and server_*.c): what their files call in one another.  The
 * double underscore marks a name as internal to src/paradigms. */
#ifndef PUSHPULL_PARADIGMS_SERVER_PRIVATE_H
#define PUSHPULL_PARADIGMS_SERVER_PRIVATE_H

#include "paradigms/hub.h"

/* --- guard.c ------------------------------------------------------------------ */

/* Every route asks this first: false after answering 403 to a page of an
 * origin not allowed; an allowed cross-origin request has its answers
 * marked for CORS. */
bool pp__admit(struct pp_hub *hub, struct http_exchange *x, const struct http_request *req);

enum pp_right { PP_MAY_PUBLISH, PP_NO_TOKEN, PP_NOT_LOCAL };
/* May the client of this request publish? */
enum pp_right pp__publish_right(struct pp_hub *hub, struct http_exchange *x,
				const struct http_request *req);
/* The reason a refusal gives (a line of text), NULL for PP_MAY_PUBLISH. */
const char *pp__right_refusal(enum pp_right r);
/* pp__publish_right, answering 401 (with WWW-Authenticate) or 403 and
 * returning false when it may not. */
bool pp__may_publish(struct pp_hub *hub, struct http_exchange *x, const struct http_request *req);
/* OPTIONS on the routes a page may call from another origin. */
int pp__guard_routes(struct http_server *s, struct pp_hub *hub);

/* --- the rest -------------------------------------------------------------------- */

/* Makes room for 'len' bytes in 'r' (its contents are then unspecified).
 * Returns 0, or -1 when memory ran out. */
int pp__render_reserve(struct pp_render *r, size_t len);

/* Moves the exchange's connection to paradigm 'p's ledger, if it has one. */
void pp__hub_charge(struct pp_hub *hub, struct http_exchange *x, enum pp_paradigm p);

/* Reads the unsigned parameter 'name' of 'query' (NULL: the target has
 * none).  Returns 0 when it is absent, 1 when read, -1 when malformed. */
int pp__query_u64(const char *query, size_t qlen, const char *name, uint64_t *v);

/* Where a client that names cursor 's' (an event id, or a plain seq of
 * the current epoch: feed.h) resumes.  False if it is not a cursor. */
bool pp__resume(const struct pp_hub *hub, const char *s, size_t n, struct feed_resume *r);
/* The since= of 'query' as a resume: 0 when absent, 1 when read, -1
 * when it is not a cursor. */
int pp__query_resume(const struct pp_hub *hub, const char *query, size_t qlen,
		     struct feed_resume *r);

/* 'n' events went out to a client of paradigm 'p': counted in its
 * ledger, if the hub has one. */
static inline void pp__hub_delivered(struct pp_hub *hub, enum pp_paradigm p, uint64_t n)
{
	if (hub->ledger[p])
		hub->ledger[p]->events += n;
}

/* GET /score without since= (server_rpc.c): the state now. */
void pp__rpc_score(struct http_exchange *x, struct pp_hub *hub);
/* GET /score?since=ID (server_long_poll.c): events after ID, now or held. */
void pp__long_poll(struct http_exchange *x, struct pp_hub *hub, const struct feed_resume *from,
		   const char *query, size_t qlen);

/* Each server file's own routes. */
int pp__rpc_routes(struct http_server *s, struct pp_hub *hub);
int pp__sse_routes(struct http_server *s, struct pp_hub *hub);
int pp__websocket_routes(struct http_server *s, struct pp_hub *hub);

#endif
