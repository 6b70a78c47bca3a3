/* paradigm.h -- the five ways a client and a server talk, and the one
 * name each goes by.
 *
 * Every place that names a paradigm uses this table: the enum below, the
 * `pushpull client KIND` argument, the columns and JSON of every ledger
 * ("long-poll/server"), and the files that implement it (the name with
 * '-' written '_'):
 *
 *   enum            name         server side            client side
 *   PP_RPC          rpc          server_rpc.c           client_rpc.c
 *   PP_SHORT_POLL   short-poll   server_rpc.c (*)       client_short_poll.c
 *   PP_LONG_POLL    long-poll    server_long_poll.c     client_long_poll.c
 *   PP_SSE          sse          server_sse.c           client_sse.c
 *   PP_WEBSOCKET    websocket    server_websocket.c     client_websocket.c
 *
 * (*) Short polling has no server side of its own, and that is its
 * lesson: it is request-response asked on a timer, GET /score each time,
 * and the server cannot tell one poll from any other request.
 *
 * rpc is request-response (a remote procedure call over HTTP/1.1): one
 * request, one answer, the caller waiting in between.
 *
 * Read next: feed.h (what every paradigm serves), then hub.h.
 */
#ifndef PUSHPULL_PARADIGMS_PARADIGM_H
#define PUSHPULL_PARADIGMS_PARADIGM_H

#include <stdbool.h>

enum pp_paradigm { PP_RPC, PP_SHORT_POLL, PP_LONG_POLL, PP_SSE, PP_WEBSOCKET, PP_PARADIGMS };

/* The paradigm's name from the table above; "?" for a value outside it. */
const char *pp_paradigm_name(enum pp_paradigm p);

/* The paradigm called 'name' -- a name from the table, or one of the
 * short forms the command line also takes (short, long, ws).  False when
 * 'name' is neither. */
bool pp_paradigm_parse(const char *name, enum pp_paradigm *out);

#endif
