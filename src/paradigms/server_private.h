/* server_private.h -- private to the server side of the paradigms
 * (hub.c and server_*.c): what their files call in one another.  The
 * double underscore marks a name as internal to src/paradigms. */
#ifndef PUSHPULL_PARADIGMS_SERVER_PRIVATE_H
#define PUSHPULL_PARADIGMS_SERVER_PRIVATE_H

#include "paradigms/hub.h"

/* Makes room for 'len' bytes in 'r' (its contents are then unspecified).
 * Returns 0, or -1 when memory ran out. */
int pp__render_reserve(struct pp_render *r, size_t len);

/* Moves the exchange's connection to paradigm 'p's ledger, if it has one. */
void pp__hub_charge(struct pp_hub *hub, struct http_exchange *x, enum pp_paradigm p);

/* Reads the unsigned parameter 'name' of 'query' (NULL: the target has
 * none).  Returns 0 when it is absent, 1 when read, -1 when malformed. */
int pp__query_u64(const char *query, size_t qlen, const char *name, uint64_t *v);

/* GET /score without since= (server_rpc.c): the state now. */
void pp__rpc_score(struct http_exchange *x, struct pp_hub *hub);
/* GET /score?since=N (server_long_poll.c): events after N, now or held. */
void pp__long_poll(struct http_exchange *x, struct pp_hub *hub, uint64_t since,
		   const char *query, size_t qlen);

/* Each server file's own routes. */
int pp__rpc_routes(struct http_server *s, struct pp_hub *hub);
int pp__sse_routes(struct http_server *s, struct pp_hub *hub);
int pp__websocket_routes(struct http_server *s, struct pp_hub *hub);

#endif
