/* server_websocket.c -- WebSocket (RFC 6455): GET /echo and GET /ws.
 *
 *   GET /echo        every message comes back as it was sent: the same
 *                    opcode, the same bytes, up to WS_MESSAGE_MAX_DEFAULT
 *                    (16 MiB).  Conformance suites and the echo benchmark
 *                    talk to it.
 *   GET /ws          the feed.  Every event is pushed, as it is published,
 *                    as a text message holding the same JSON object the
 *                    other paradigms deliver, {"seq":N,"type":"...","data":
 *                    "..."}.  A text message from the client is published
 *                    as an event of type "message", so every client of
 *                    every paradigm sees it (the chat example).  A binary
 *                    message earns Close 1003 (§7.4.1: a type we cannot
 *                    accept).
 *   GET /ws?since=ID the same, after first sending the events after ID
 *                    (an event id, feed.h) that the history still holds:
 *                    a client that reconnects loses nothing the history
 *                    kept.  When it cannot go on where it left off (an id
 *                    from another epoch, older than the history, or ahead
 *                    of it) the first message is the notice every
 *                    paradigm sends for a gap (feed_reset_json):
 *                      {"type":"reset","reason":"...","missed":M,"seq":S,"id":"..."}
 *                    and the events after "id" follow.
 *
 * The opening handshake is an HTTP request: ws_handshake_server_check()
 * judges it, a refusal is an ordinary HTTP answer (426 names the version
 * we speak, §4.4; 400 says what was wrong), and a 101 hands the socket
 * over through http_upgrade() to the 'peer_ops' below.  From then on the
 * bytes go to a ws_session (ws_session.h), which says what each frame
 * means; this file only acts on its events.
 *
 * Closing (§7.1).  When the peer's Close arrives we answer it (the
 * session wrote the reply) and, as §7.1.1 asks of a server, close TCP
 * first.  When the peer breaks a rule we send the Close the session
 * built, with the code the fault earns, and close TCP (§7.1.7); nothing
 * after the fault is delivered.  When we start the closing handshake
 * ourselves (/ws only: a binary message, a silent peer) we stop sending
 * data, wait for the peer's Close, and give up after a closing timeout.
 *
 * Deadlines (both).  A message, once its first byte is in, must end
 * within 'ws_message_timeout_ms'; a peer that starts a frame or a
 * fragmented message and then dawdles is closed with 1008 when the time
 * is up -- it would otherwise hold its reassembly buffer, up to 16 MiB
 * on /echo, as long as it liked.  That buffer is also declared to src/net
 * (net_conn_hold), so that the loop's limit on memory held for
 * connections (net/limits.h) counts it.
 *
 * Keep-alive (/ws).  Every 'ws_ping_ms' we ping; a peer that showed no
 * sign of life (no frame, no byte, no drained output) during a whole
 * interval is closed with 1001.  /echo sends nothing it was not asked
 * for, so a conformance suite sees only the frames it provoked.
 *
 * Costs.  An idle connection is the net_conn, one 'struct ws_peer' (the
 * 80-byte session, a feed node, a timer, two pointers) and nothing else:
 * no read buffer (src/net keeps only unconsumed bytes), no write buffer
 * (freed when the queue empties), no reassembly buffer once it is quiet.
 *
 * Large messages.  A message larger than one read is gathered in the
 * session's reassembly buffer (ws_session.h, "Memory"), its payload read
 * straight into it once the header is in (peer_read_into), so that a
 * 1 MiB message costs a few recvs and no copy.  A connection
 * keeps that buffer from one message to the next -- up to
 * WS_KEEP_MAX_DEFAULT (1 MiB) on /echo, FEED_EVENT_MAX on /ws -- so that a
 * peer sending large messages one after another costs one allocation,
 * not one per message, and its pages stay mapped and warm.  It is given
 * back when the connection goes quiet: /echo arms a timer when a buffer is
 * kept, and frees it after a whole PP_WS_QUIET_MS without a byte from the
 * peer (so between one and two of them); /ws frees it at each keep-alive
 * tick.  A message over the keep bound pays its own allocation, freed
 * once it is delivered.  So the memory of a busy connection is bounded
 * by the largest message it is gathering, and an idle one holds none.
 *
 * An event is framed
 * once, in the hub's 'ws_bytes', and the same bytes go to every client
 * with one write each: server frames are not masked (§5.1), so they are
 * identical for all.  An echo is the header and the payload in one
 * writev(); replies written while a read is being handled leave together
 * when it returns (net/conn.h, corking), so 16 pipelined messages cost
 * one send().
 *
 * Backpressure.  While a connection's output is past its high-water mark
 * we stop reading from it (an echo client that does not read cannot make
 * us buffer without bound); a /ws client whose queue reaches
 * 'sse_queue_cap' is dropped, like a slow SSE stream, and may come back
 * with ?since=.  A resuming client is sent its backlog from the history
 * half a queue at a time, the next part when its queue drains; one that
 * falls out of the history while catching up is told so with a reset
 * notice and goes on from the oldest event kept -- never a silent gap.
 *
 * Read next: client_websocket.c, the other end.
 */
#include "paradigms/server_private.h"
#include "http/http_target.h"
#include "net/conn.h"
#include "net/limits.h"
#include "ws/ws_handshake.h"
#include "ws/ws_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* The largest message /ws accepts: it becomes a feed event that every
 * client of every paradigm is sent, so it is chat-sized.  Over it: 1009. */
#define PP_WS_PUBLISH_MAX    FEED_EVENT_MAX

/* How long the peer has to answer our Close (at most; a shorter
 * 'ws_ping_ms' is used instead) before the connection is dropped. */
#define PP_WS_CLOSE_TIMEOUT_MS 5000

/* An echo at least this big is written straight from the message's own
 * buffer, uncorked, instead of being copied into the output queue first. */
#define PP_WS_ECHO_DIRECT    (64 * 1024)

/* An /echo connection that has sent nothing for a whole interval this
 * long gives back the reassembly buffer it kept (see the top). */
#define PP_WS_QUIET_MS       1000

enum peer_kind { PEER_ECHO, PEER_FEED };

/* One WebSocket connection, server side. */
struct ws_peer {
	struct feed_sub sub;            /* first: the feed hands us &sub (/ws only) */
	struct ws_session ws;
	struct net_timer timer;         /* /ws: the keep-alive ping, then the closing timeout */
	struct net_timer deadline;      /* armed while a message is partway in */
	size_t held;                    /* the reassembly buffer as told to src/net */
	struct net_conn *nc;            /* NULL once closed */
	struct pp_hub *hub;
	struct ws_peer *prev, *next;    /* the hub's list, for pp_hub_close_websockets */
	uint64_t owed;                  /* /ws: the next event this client is owed */
	uint8_t kind;                   /* enum peer_kind */
	uint8_t right;                  /* /ws: enum pp_right, decided at the upgrade */
	bool heard;                     /* the peer showed life since the last ping
	                                   (/echo: since the last quiet tick) */
	bool gone;                      /* on_close ran; freed at the end of the turn */
};

static const struct ws_config echo_config = { .keep_max = WS_KEEP_MAX_DEFAULT };
static const struct ws_config feed_config = { .max_message = PP_WS_PUBLISH_MAX,
					      .keep_max = PP_WS_PUBLISH_MAX };

/* The one subprotocol we speak, so that a browser that offers it beside
 * "pushpull.token.TOKEN" (guard.c) is answered with it, not its token. */
static const char *const ws_protocols[] = { "pushpull" };
static const struct ws_server_opts ws_options = { .protocols = ws_protocols,
						  .num_protocols = 1 };

static const struct net_conn_ops peer_ops;
static void peer_sync_held(struct ws_peer *p);

/* --- the end of a connection --------------------------------------------- */

/* Lets go of everything but the struct itself. */
static void peer_release(struct ws_peer *p)
{
	feed_unsubscribe(p->hub->feed, &p->sub);
	net_timer_stop(p->hub->loop, &p->timer);
	net_timer_stop(p->hub->loop, &p->deadline);
	ws_session_free(&p->ws);
}

static void free_peer(struct net_loop *loop, void *ud)
{
	(void)loop;
	free(ud);
}

static void peer_link(struct ws_peer *p)
{
	struct pp_hub *hub = p->hub;
	p->prev = NULL;
	p->next = hub->ws_peers;
	if (hub->ws_peers)
		hub->ws_peers->prev = p;
	hub->ws_peers = p;
	hub->ws_count++;
}

static void peer_unlink(struct ws_peer *p)
{
	struct pp_hub *hub = p->hub;
	if (p->prev)
		p->prev->next = p->next;
	else
		hub->ws_peers = p->next;
	if (p->next)
		p->next->prev = p->prev;
	hub->ws_count--;
}

/* The struct outlives the connection until the end of the turn, like the
 * net_conn itself: a callback of ours may still be on the stack. */
static void peer_on_close(struct net_conn *nc, int err)
{
	(void)err;
	struct ws_peer *p = net_conn_ud(nc);
	p->gone = true;
	p->nc = NULL;
	peer_release(p);
	peer_unlink(p);
	(void)net_loop_defer(p->hub->loop, free_peer, p);      /* ENOMEM: leak, never free under a caller */
}

/* Starts the closing handshake (§7.1.2): our Close, no more data, and the
 * peer has PP_WS_CLOSE_TIMEOUT_MS (or 'ws_ping_ms', if shorter) to answer
 * before the connection is dropped. */
static void peer_start_close(struct ws_peer *p, unsigned code, const char *reason)
{
	uint8_t frame[WS_CONTROL_FRAME_MAX];
	size_t n = ws_session_close(&p->ws, code, reason, strlen(reason), NULL, frame);
	feed_unsubscribe(p->hub->feed, &p->sub);
	if (n == 0) {
		net_conn_close(p->nc);  /* not open: nothing to say */
		return;
	}
	uint32_t wait = p->hub->cfg.ws_ping_ms < PP_WS_CLOSE_TIMEOUT_MS ? p->hub->cfg.ws_ping_ms
									: PP_WS_CLOSE_TIMEOUT_MS;
	net_timer_start(p->hub->loop, &p->timer, wait, 0);
	net_conn_write(p->nc, frame, n);        /* may close, and free 'p' if idle */
}

/* /echo keeps its reassembly buffer while the peer talks; after a whole
 * interval of silence it gives it back, and the timer rests until a
 * buffer is kept again (peer_on_data). */
static void echo_quiet_tick(struct ws_peer *p)
{
	if (p->heard) {
		p->heard = false;
		return;
	}
	ws_session_trim(&p->ws);
	peer_sync_held(p);
	net_timer_stop(p->hub->loop, &p->timer);
}

/* The keep-alive tick (/echo: the quiet tick), or the closing timeout
 * once we sent our Close. */
static void peer_on_timer(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct ws_peer *p = ud;
	if (ws_session_state(&p->ws) != WS_STATE_OPEN) {
		net_conn_abort(p->nc, ETIMEDOUT);       /* no Close came back in time */
		return;
	}
	if (p->kind == PEER_ECHO) {
		echo_quiet_tick(p);
		return;
	}
	if (!p->heard) {
		peer_start_close(p, WS_CLOSE_GOING_AWAY, "no answer to ping");
		return;
	}
	p->heard = false;
	ws_session_trim(&p->ws);        /* a kept buffer lasts one interval at most */
	peer_sync_held(p);
	uint8_t frame[WS_CONTROL_FRAME_MAX];
	size_t n = ws_session_ping(&p->ws, NULL, 0, NULL, frame);      /* §5.5.2 */
	if (n > 0)
		net_conn_write(p->nc, frame, n);
}

/* A message begun 'ws_message_timeout_ms' ago has not ended: 1008, our
 * Close, and TCP closed at once, as after a fault (§7.1.7) -- a peer this
 * slow is not waited for again. */
static void peer_on_deadline(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct ws_peer *p = ud;
	uint8_t frame[WS_CONTROL_FRAME_MAX];
	static const char why[] = "message not finished in time";
	size_t n = ws_session_close(&p->ws, WS_CLOSE_POLICY, why, sizeof why - 1, NULL, frame);
	if (n > 0 && net_conn_write(p->nc, frame, n) < 0)
		return;                         /* gone */
	net_conn_close(p->nc);
}

/* After each read: the deadline runs while a message is partway in
 * ('partial': bytes of a frame header kept for later), and src/net is
 * told how much the reassembly buffer holds. */
static void peer_sync_held(struct ws_peer *p)
{
	size_t now = ws_session_buffered(&p->ws);
	if (now != p->held && p->nc) {
		net_conn_hold(p->nc, (ssize_t)now - (ssize_t)p->held);
		p->held = now;
	}
}

static void peer_track_message(struct ws_peer *p, bool partial)
{
	peer_sync_held(p);
	bool receiving = partial || ws_session_receiving(&p->ws);
	if (!receiving)
		net_timer_stop(p->hub->loop, &p->deadline);
	else if (!net_timer_armed(&p->deadline) && ws_session_state(&p->ws) <= WS_STATE_CLOSING)
		net_timer_start(p->hub->loop, &p->deadline, p->hub->cfg.ws_message_timeout_ms, 0);
}

/* --- /ws: events out ------------------------------------------------------ */

/* The frame of 'ev' -- header and JSON -- built once per seq in 'r' and
 * shared by every /ws client.  NULL when memory ran out. */
static const uint8_t *event_frame(struct pp_render *r, const struct feed_event *ev,
				  size_t *len)
{
	if (r->seq != ev->seq) {
		size_t json = feed_event_json(ev, NULL, 0);
		size_t h = ws_frame_header_size(json, false);
		if (pp__render_reserve(r, h + json) < 0)
			return NULL;
		ws_frame_header_encode((uint8_t *)r->buf, true, WS_OP_TEXT, json, NULL);
		feed_event_json(ev, r->buf + h, json);  /* exactly 'json' bytes, no NUL */
		r->len = h + json;
		r->seq = ev->seq;
	}
	*len = r->len;
	return (const uint8_t *)r->buf;
}

/* Sends one event.  The frame goes out whole or not at all: past the
 * queue's cap src/net drops the connection (and on_close frees 'p'). */
static void peer_send_event(struct ws_peer *p, const struct feed_event *ev)
{
	if (ws_session_state(&p->ws) != WS_STATE_OPEN)
		return;                         /* §5.5.1: no data after a Close */
	size_t len;
	const uint8_t *frame = event_frame(&p->hub->ws_bytes, ev, &len);
	if (!frame) {
		net_conn_abort(p->nc, ENOMEM);
		return;
	}
	if (net_conn_write(p->nc, frame, len) == 0)
		pp__hub_delivered(p->hub, PP_WEBSOCKET, 1);
}

/* The reset notice of 'from' as a text message (see the top). */
static void peer_send_reset(struct ws_peer *p, const struct feed_resume *from)
{
	uint8_t frame[WS_FRAME_HEADER_MAX + FEED_RESET_JSON_MAX];
	char json[FEED_RESET_JSON_MAX];
	size_t n = feed_reset_json(p->hub->feed, from, json, sizeof json);
	size_t h = ws_session_send_header(&p->ws, WS_OP_TEXT, true, n, NULL, frame);
	if (h == 0)
		return;                         /* not open any more */
	memcpy(frame + h, json, n);
	net_conn_write(p->nc, frame, h + n);
}

/* Sends the history from 'owed' on while the queue holds less than half
 * its cap; the rest when it drains (peer_on_drain).  An event the history
 * dropped before it could be sent becomes a reset notice. */
static void peer_catch_up(struct ws_peer *p)
{
	struct feed *f = p->hub->feed;
	size_t budget = p->hub->cfg.sse_queue_cap / 2;
	while (p->owed <= feed_latest(f) && !p->gone && ws_session_state(&p->ws) == WS_STATE_OPEN) {
		if (p->owed < feed_oldest(f)) {
			struct feed_resume lost = { feed_oldest(f), FEED_GAP_EVICTED,
						    (int64_t)(feed_oldest(f) - p->owed) };
			peer_send_reset(p, &lost);
			p->owed = feed_oldest(f);
			continue;
		}
		const struct feed_event *ev = feed_get(f, p->owed);
		if (net_conn_pending(p->nc) > 0 && net_conn_pending(p->nc) + ev->len > budget) {
			net_conn_want_drain(p->nc);
			return;
		}
		p->owed++;
		peer_send_event(p, ev);
	}
}

static void peer_on_event(struct feed_sub *sub, const struct feed_event *ev)
{
	struct ws_peer *p = (struct ws_peer *)sub;
	if (!ev) {                              /* a new epoch (feed.h): say so, go on */
		struct feed_resume from = feed_resume_unknown(p->hub->feed);
		p->owed = from.next;
		peer_send_reset(p, &from);
		return;
	}
	if (p->owed == ev->seq) {               /* caught up: this one now */
		p->owed++;
		peer_send_event(p, ev);
	} else {
		peer_catch_up(p);               /* behind: the next part, if there is room */
	}
}

/* --- messages in ------------------------------------------------------------ */

/* /echo: the same message back, header and payload in one writev.  A big
 * payload is sent uncorked, from where it lies: what the kernel takes is
 * never copied, and the order is kept (uncorking flushes what is queued
 * before it). */
static void echo_message(struct ws_peer *p, const struct ws_event *ev)
{
	uint8_t head[WS_FRAME_HEADER_MAX];
	size_t h = ws_session_send_header(&p->ws, ev->opcode, true, ev->len, NULL, head);
	if (h == 0)
		return;                         /* not open any more: nothing to send */
	struct iovec v[2] = { { head, h }, { ev->data, ev->len } };
	bool direct = ev->len >= PP_WS_ECHO_DIRECT;
	if (direct)
		net_conn_uncork(p->nc);         /* the cork src/net put on for on_data */
	net_conn_writev(p->nc, v, ev->len > 0 ? 2 : 1);
	if (direct && !p->gone)
		net_conn_cork(p->nc);           /* give it back: src/net uncorks after us */
}

/* /ws: text is published (every subscriber, this one included, is sent
 * it before feed_publish returns; on a feed shared through Redis, when
 * each server reads it back -- a failure after it left is only logged);
 * binary is refused. */
static void feed_message(struct ws_peer *p, const struct ws_event *ev)
{
	if (ws_session_state(&p->ws) != WS_STATE_OPEN)
		return;                         /* we are closing: it has nowhere to go */
	if (ev->opcode != WS_OP_TEXT) {
		peer_start_close(p, WS_CLOSE_UNSUPPORTED, "/ws accepts text messages only");
		return;
	}
	if (p->right != PP_MAY_PUBLISH) {       /* it may read, not publish (guard.c) */
		char why[WS_CONTROL_FRAME_MAX];
		snprintf(why, sizeof why, "%s", pp__right_refusal((enum pp_right)p->right));
		why[strcspn(why, "\n")] = '\0';
		p->hub->guard.refused_publish++;
		pp__log_refusal(p->nc, why);
		peer_start_close(p, WS_CLOSE_POLICY, why);
		return;
	}
	struct pp_backplane *bp = &p->hub->backplane;
	bool kept = bp->publish ? bp->publish(bp->bp, "message", ev->data, ev->len, NULL, NULL) == 0
				: pp_hub_publish(p->hub, "message", ev->data, ev->len) != 0;
	if (!kept && !p->gone)
		peer_start_close(p, WS_CLOSE_INTERNAL, "the feed refused the message");
}

static void peer_handle(struct ws_peer *p, const struct ws_event *ev)
{
	switch (ev->type) {
	case WS_EV_MESSAGE:
		if (p->kind == PEER_ECHO)
			echo_message(p, ev);
		else
			feed_message(p, ev);
		break;
	case WS_EV_PING:                /* the pong, if any, was already written */
	case WS_EV_PONG:                /* proof of life: 'heard' is set */
	case WS_EV_NONE:
		break;
	case WS_EV_CLOSE:               /* §7.1.1: the server closes TCP first */
	case WS_EV_FAIL:                /* §7.1.7: our Close is out; drop the rest */
		feed_unsubscribe(p->hub->feed, &p->sub);
		net_timer_stop(p->hub->loop, &p->timer);
		net_conn_close(p->nc);
		break;
	}
}

/* Bytes from the peer: feed the session until it needs more, acting on
 * each event.  Stops early while our output to this peer is backlogged;
 * the bytes not consumed are kept by src/net and handed back on drain. */
static size_t peer_on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct ws_peer *p = net_conn_ud(nc);
	struct ws_event ev;
	size_t off = 0;
	p->heard = true;
	for (;;) {
		off += ws_session_feed(&p->ws, data + off, len - off, &ev);
		if (ev.reply_len > 0 && net_conn_write(nc, ev.reply, ev.reply_len) < 0)
			break;                  /* the connection is gone */
		if (ev.type == WS_EV_NONE)
			break;
		peer_handle(p, &ev);
		if (p->gone || net_conn_closing(nc))
			break;
		if (net_conn_backlogged(nc)) {
			/* Pause until on_drain; an empty feed first ends the use
			 * of the buffer the last message was delivered from (one
			 * over the keep bound is freed; a kept one is given back
			 * by the quiet timer if the pause lasts). */
			ws_session_feed(&p->ws, data + off, 0, &ev);
			net_conn_pause_read(nc);
			break;
		}
	}
	if (!p->gone && !net_conn_closing(nc))
		peer_track_message(p, off < len && !net_conn_backlogged(nc));
	if (p->kind == PEER_ECHO && !p->gone && ws_session_buffered(&p->ws) > 0 &&
	    !net_timer_armed(&p->timer) && ws_session_state(&p->ws) == WS_STATE_OPEN)
		net_timer_start(p->hub->loop, &p->timer, PP_WS_QUIET_MS, PP_WS_QUIET_MS);
	return off;
}

/* The peer sent FIN.  Without a Close first it is an abnormal closure
 * (1006, §7.1.5); either way there is nobody left to talk to. */
static void peer_on_eof(struct net_conn *nc)
{
	net_conn_close(nc);
}

/* The output queue emptied: the peer is reading, so it is alive, and we
 * may read from it again. */
static void peer_on_drain(struct net_conn *nc)
{
	struct ws_peer *p = net_conn_ud(nc);
	p->heard = true;
	if (p->kind == PEER_FEED && p->owed <= feed_latest(p->hub->feed))
		peer_catch_up(p);
	if (!p->gone)
		net_conn_resume_read(nc);
}

/* A large message's payload is read straight into the session's
 * reassembly buffer (net/conn.h, "Reading straight into place"). */
static uint8_t *peer_read_into(struct net_conn *nc, size_t *room)
{
	struct ws_peer *p = net_conn_ud(nc);
	return ws_session_payload_room(&p->ws, room);
}

static const struct net_conn_ops peer_ops = {
	.on_data = peer_on_data,
	.read_into = peer_read_into,
	.on_eof = peer_on_eof,
	.on_drain = peer_on_drain,
	.on_close = peer_on_close,
};

/* --- the opening handshake ------------------------------------------------ */

/* The ?since=ID of /ws.  0: absent, 1: read, -1: not a cursor. */
static int since_param(const struct pp_hub *hub, const struct http_request *req,
		       struct feed_resume *from)
{
	const char *path, *query;
	size_t plen, qlen;
	http_target_split(req->target, req->target_len, &path, &plen, &query, &qlen);
	return pp__query_resume(hub, query, qlen, from);
}

/* Answers a request that is not a valid upgrade, with the status it
 * earns and the reason as the body.  A 426 names what we speak (§4.4),
 * with Upgrade and, as RFC 9110 §7.8 requires beside it, Connection. */
static void refuse(struct http_exchange *x, const struct ws_handshake *hs)
{
	char body[160];
	size_t n = strlen(hs->reason);
	if (n > sizeof body - 1)
		n = sizeof body - 1;
	memcpy(body, hs->reason, n);
	body[n++] = '\n';
	const char *extra = hs->status == 426
		? "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: " WS_VERSION "\r\n"
		: NULL;
	http_respond(x, hs->status, HTTP_TYPE_TEXT, extra, body, n);
}

/* The queue limits of an upgraded connection.  /echo: room for one whole
 * largest echo past the high-water mark, since reading pauses there.
 * /ws: the SSE rule, the queue capped at 'sse_queue_cap'. */
static void peer_set_limits(struct ws_peer *p)
{
	size_t cap = p->hub->cfg.sse_queue_cap, high = NET_HIGH_WATER;
	if (p->kind == PEER_ECHO)
		cap = NET_HIGH_WATER + WS_MESSAGE_MAX_DEFAULT + WS_FRAME_HEADER_MAX +
		      2 * WS_CONTROL_FRAME_MAX;
	else if (cap / 2 < high)
		high = cap / 2;
	net_conn_set_limits(p->nc, high, cap, NET_IN_CAP);
}

static void upgrade(struct http_exchange *x, const struct http_request *req,
		    struct pp_hub *hub, enum peer_kind kind)
{
	pp__hub_charge(hub, x, PP_WEBSOCKET);
	if (!pp__admit(hub, x, req))
		return;                         /* refused before any upgrade */
	struct ws_handshake hs;
	if (!ws_handshake_server_check(req, &ws_options, &hs)) {
		refuse(x, &hs);
		return;
	}
	struct feed_resume from = { .next = feed_latest(hub->feed) + 1 };       /* live only */
	if (kind == PEER_FEED && since_param(hub, req, &from) < 0) {
		http_respond_text(x, 400, NULL, "since must be an event id (or a decimal event number)\n");
		return;
	}
	char head[WS_HANDSHAKE_RESPONSE_MAX];
	ssize_t n = ws_handshake_server_reply(&hs, head, sizeof head);
	struct ws_peer *p = n > 0 ? calloc(1, sizeof *p) : NULL;
	if (!p) {
		http_respond_text(x, 503, NULL, "out of memory\n");
		return;
	}
	p->hub = hub;
	p->kind = (uint8_t)kind;
	p->right = (uint8_t)pp__publish_right(hub, x, req);
	p->heard = true;
	ws_session_init(&p->ws, WS_ROLE_SERVER, kind == PEER_FEED ? &feed_config : &echo_config);
	net_timer_init(&p->timer, peer_on_timer, p);
	net_timer_init(&p->deadline, peer_on_deadline, p);
	p->nc = http_upgrade(x, head, (size_t)n, &peer_ops, p);
	if (!p->nc) {
		free(p);                        /* the connection went first */
		return;
	}
	peer_link(p);
	peer_set_limits(p);
	if (kind == PEER_ECHO)
		return;
	p->owed = from.next;
	if (from.gap != FEED_GAP_NONE)
		peer_send_reset(p, &from);
	peer_catch_up(p);
	if (p->gone)
		return;                         /* a backlog write dropped it */
	feed_subscribe(hub->feed, &p->sub, peer_on_event);
	net_timer_start(hub->loop, &p->timer, hub->cfg.ws_ping_ms, hub->cfg.ws_ping_ms);
}

static void on_echo(struct http_exchange *x, const struct http_request *req,
		    const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	upgrade(x, req, ud, PEER_ECHO);
}

static void on_ws(struct http_exchange *x, const struct http_request *req,
		  const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	upgrade(x, req, ud, PEER_FEED);
}

void pp_hub_close_websockets(struct pp_hub *hub)
{
	/* Each close may unlink its peer: take the next one first. */
	for (struct ws_peer *p = hub->ws_peers, *next; p; p = next) {
		next = p->next;
		if (ws_session_state(&p->ws) == WS_STATE_OPEN)
			peer_start_close(p, WS_CLOSE_GOING_AWAY, "server shutting down");
		else
			net_conn_close(p->nc);
	}
}

void pp_hub_each_websocket(const struct pp_hub *hub,
			   void (*fn)(struct net_conn *nc, void *ud), void *ud)
{
	for (const struct ws_peer *p = hub->ws_peers; p; p = p->next)
		if (p->nc && !p->gone)
			fn(p->nc, ud);
}

int pp__websocket_routes(struct http_server *s, struct pp_hub *hub)
{
	if (http_server_route(s, "GET", "/echo", on_echo, hub) < 0 ||
	    http_server_route(s, "GET", "/ws", on_ws, hub) < 0)
		return -1;
	return 0;
}
