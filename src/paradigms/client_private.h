/* client_private.h -- private to src/paradigms: the client object shared
 * by client.c (the common part) and client_http.c, client_sse.c,
 * client_ws.c (one way of talking each). */
#ifndef PUSHPULL_PARADIGMS_CLIENT_PRIVATE_H
#define PUSHPULL_PARADIGMS_CLIENT_PRIVATE_H

#include "http/http_client.h"
#include "paradigms/client.h"
#include "sse/sse_parser.h"

#define PP_PATH_MAX 1024

struct ws_client;

struct pp_client {
	struct net_loop *loop;
	struct pp_client_opts o;
	char path[PP_PATH_MAX];
	uint64_t events, missed, last_seq;
	bool synced;                    /* last_seq is a known position: gaps count */
	bool finished;
	bool gave_up;                   /* finished on an error that a retry would repeat */
	struct net_timer timer;         /* the next poll, or the next reconnect */
	struct http_client *http;       /* rpc, short, long, sse */
	uint64_t requests;              /* rpc: answers so far */
	struct sse_parser sse;          /* sse: the stream's parser */
	bool sse_live;                  /* 'sse' holds buffers */
	struct ws_client *ws;           /* websocket */
};

/* Counts an event (and any gap before it) and hands it to on_event. */
void pp_client_emit(struct pp_client *c, uint64_t seq, const char *json, size_t len);
void pp_client_note(struct pp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int  pp_client_http_start(struct pp_client *c);         /* PP_RPC, PP_SHORT, PP_LONG */
int  pp_client_sse_start(struct pp_client *c);
void pp_client_sse_stop(struct pp_client *c);
int  pp_client_ws_start(struct pp_client *c);
void pp_client_ws_stop(struct pp_client *c);
int  pp_client_ws_send(struct pp_client *c, const char *text, size_t len);
bool pp_client_ws_ready(const struct pp_client *c);

#endif
