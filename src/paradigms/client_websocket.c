/* client_websocket.c -- the WebSocket client (PP_WEBSOCKET): one connection to 'path',
 * every text message an event, pp_client_send() a message to the server.
 *
 * A connection goes through three steps:
 *
 *   connect      net_connect(), charged to the client's ledger;
 *   handshake    the GET with Upgrade and a fresh Sec-WebSocket-Key
 *                (ws_handshake_client_request, §4.1), then the answer,
 *                read with http_response_parse and checked with
 *                ws_handshake_client_verify: anything but a proper 101 for
 *                our key fails the connection;
 *   frames       a client ws_session: messages are reported through
 *                pp__client_emit(): an event of our feed as it is, with
 *                its 'seq'; any other (an echo, a foreign server's, a
 *                binary one) as {"data":"..."}; pings are answered by
 *                the session's own pong.
 *
 * When an open connection ends for any reason but pp_client_free() --
 * the server closed, or went away -- it is noted and a new one is made
 * after 'interval_ms'.  An attempt that never opened -- refused, reset,
 * no 101 in time, or answered 5xx, 408 or 429 -- is a failure: the next
 * waits twice as long as the last, within the client's retries
 * (client.h).  An answer that is not a WebSocket handshake -- 200 to
 * the upgrade (a plain HTTP endpoint), any other status, a 101 that is
 * not for our key, bytes that are not HTTP -- would come again: the
 * client gives up at once and says why.  A reconnect to a path that
 * delivered numbered events asks for the rest with ?since=<last id>
 * (server_websocket.c), so nothing the server's history still holds is
 * lost; a reset notice from the server (a gap) is counted and noted.
 *
 * Closing (§7.1).  After the server's Close (the session wrote ours back)
 * the client waits for the server to close TCP, as §7.1.1 prefers, and
 * closes itself after PP_WS_CLOSE_WAIT_MS.  pp_client_free() sends Close
 * 1000, and the connection then finishes on its own: it waits for the
 * server's Close and its close of TCP as long, still answering pings
 * (pp__websocket_stop).
 *
 * Masking keys (§5.3) must be unpredictable, so they come from
 * getrandom(), but not one call per frame: keys are taken from a pool of
 * PP_WS_KEY_POOL random bytes, refilled when it runs out -- one syscall
 * per 64 frames.
 *
 * Read next: client.h, what every client shares.
 */
#include "paradigms/client_private.h"
#include "net/conn.h"
#include "util/json.h"
#include "util/utf8.h"
#include "ws/ws_handshake.h"
#include "ws/ws_session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define PP_WS_HANDSHAKE_TIMEOUT_MS 10000   /* connect and 101 within this */
#define PP_WS_CLOSE_WAIT_MS        2000    /* after the Close exchange, the server closes TCP */
#define PP_WS_KEY_POOL             256     /* random bytes per getrandom() */
#define PP_WS_SEND_STACK           2048    /* frames up to this size are built on the stack */
#define PP_WS_REQUEST_MAX          (PP_PATH_MAX + 512)

enum ws_client_state { WC_IDLE, WC_CONNECTING, WC_HANDSHAKE, WC_OPEN };

struct ws_client {
	struct pp_client *c;            /* NULL once stopped */
	struct net_conn *nc;            /* NULL between connections */
	struct net_timer guard;         /* handshake deadline; then the wait for the server's FIN */
	struct ws_session ws;           /* valid in WC_OPEN */
	struct ws_config cfg;           /* the session's: where its masking keys come from */
	struct ws_client_hello hello;   /* this connection's request, kept to check the answer */
	struct http_parser hp;
	uint8_t state;                  /* enum ws_client_state */
	bool busy;                      /* on_data is on the stack: it frees a stopped client */
	bool leaving;                   /* stopped, our Close sent: the connection ends on its own */
	uint16_t close_code;            /* the server's Close code, for the note; 0: none */
	uint8_t refusal;                /* enum pp_fail: the handshake's verdict, for on_close */
	char why[200];                  /* ...and its reason; "" while there is none */
	char host[300];                 /* "host:port": the Host field */
	char target[PP_PATH_MAX + 16 + FEED_ID_MAX];    /* 'path', plus since=ID */
	size_t pool_left;               /* unused bytes at the end of 'pool' */
	uint8_t pool[PP_WS_KEY_POOL];
};

static const struct net_conn_ops client_ops;
static void client_on_retry(struct net_loop *loop, struct net_timer *t, void *ud);

/* --- randomness ------------------------------------------------------------- */

/* getrandom(2) hands out up to 256 bytes whole, uninterrupted, once the
 * kernel's pool is ready (it blocks until then).  It cannot fail on a
 * kernel that has it; if it ever did, the old bytes would be reused --
 * keys an observer could predict, which only weakens §10.3's protection
 * of intermediaries, never the connection itself. */
static void pool_refill(struct ws_client *w)
{
	ssize_t r;
	do
		r = getrandom(w->pool, sizeof w->pool, 0);
	while (r < 0 && errno == EINTR);
	w->pool_left = r > 0 ? (size_t)r : sizeof w->pool;
	if (r > 0 && (size_t)r < sizeof w->pool)
		memmove(w->pool + sizeof w->pool - (size_t)r, w->pool, (size_t)r);
}

static void random_bytes(struct ws_client *w, uint8_t *out, size_t n)
{
	while (n > 0) {
		if (w->pool_left == 0)
			pool_refill(w);
		size_t k = n < w->pool_left ? n : w->pool_left;
		memcpy(out, w->pool + sizeof w->pool - w->pool_left, k);
		w->pool_left -= k;
		out += k;
		n -= k;
	}
}

/* The session asks for a key for each frame it builds itself (pong, Close). */
static void session_mask_key(void *ud, uint8_t key[4])
{
	random_bytes(ud, key, 4);
}

/* --- connecting ------------------------------------------------------------ */

static int client_connect(struct ws_client *w)
{
	struct pp_client *c = w->c;
	const char *host = c->o.host ? c->o.host : "127.0.0.1";
	w->close_code = 0;
	w->refusal = PP_FAIL_NONE;
	w->why[0] = '\0';
	w->nc = net_connect(c->loop, host, c->o.port, &client_ops, w, c->o.ledger);
	if (!w->nc)
		return errno ? errno : EIO;
	w->state = WC_CONNECTING;
	net_timer_start(c->loop, &w->guard, PP_WS_HANDSHAKE_TIMEOUT_MS, 0);
	return 0;
}

/* Schedules the next attempt, and says why there is one.  The note comes
 * last: its callback may free the client. */
static void client_retry_later(struct ws_client *w, const char *why)
{
	struct pp_client *c = w->c;
	net_timer_start(c->loop, &c->timer, c->o.interval_ms, 0);
	pp__client_note(c, "websocket: %s; reconnecting in %u ms", why, (unsigned)c->o.interval_ms);
}

static void client_on_retry(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct pp_client *c = ud;
	int err = client_connect(c->ws);
	if (err)
		pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "cannot connect (%s)",
				strerror(err));
}

/* The guard timer: no 101 in time, or the server did not close TCP after
 * the Close exchange. */
static void client_on_guard(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct ws_client *w = ud;
	if (w->state == WC_OPEN)
		net_conn_close(w->nc);
	else
		net_conn_abort(w->nc, ETIMEDOUT);       /* on_close says so */
}

static void client_on_connect(struct net_conn *nc, int err)
{
	struct ws_client *w = net_conn_ud(nc);
	struct pp_client *c = w->c;
	if (err)
		return;                         /* on_close follows and retries */
	const char *path = c->o.path;
	if (c->cursor[0])                       /* resume where we left off */
		snprintf(w->target, sizeof w->target, "%s%csince=%s", path,
			 strchr(path, '?') ? '&' : '?', c->cursor);
	else
		snprintf(w->target, sizeof w->target, "%s", path);
	memset(&w->hello, 0, sizeof w->hello);
	w->hello.host = w->host;
	w->hello.path = w->target;
	random_bytes(w, w->hello.key, WS_KEY_BYTES);    /* fresh for each connection, §4.1 */
	char req[PP_WS_REQUEST_MAX];
	ssize_t n = ws_handshake_client_request(&w->hello, req, sizeof req);
	if (n < 0) {
		net_conn_abort(nc, EINVAL);     /* a CR or LF in the path; on_close says so */
		return;
	}
	http_parser_init(&w->hp);
	w->state = WC_HANDSHAKE;
	net_conn_write(nc, req, (size_t)n);
}

/* --- reading ----------------------------------------------------------------- */

/* Fails the connection on a handshake that will not do: the verdict
 * and its reason are kept for client_on_close, which acts on them. */
static void client_refuse(struct ws_client *w, enum pp_fail kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void client_refuse(struct ws_client *w, enum pp_fail kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof w->why, fmt, ap);
	va_end(ap);
	w->refusal = (uint8_t)kind;
	net_conn_abort(w->nc, EPROTO);
}

/* Reads the answer to the upgrade request.  Returns its length once it
 * is a valid 101 (the session starts), 0 while incomplete, -1 if the
 * connection was failed (client_on_close has said why). */
static ssize_t client_handshake(struct ws_client *w, uint8_t *data, size_t len)
{
	struct http_header fields[HTTP_CLIENT_MAX_FIELDS];
	struct http_response res;
	memset(&res, 0, sizeof res);
	res.headers = fields;
	res.header_cap = HTTP_CLIENT_MAX_FIELDS;
	ssize_t r = http_response_parse(&w->hp, (char *)data, len, &res, NULL);
	if (r == HTTP_INCOMPLETE)
		return 0;
	if (r == HTTP_INVALID) {
		client_refuse(w, PP_FAIL_FINAL, "the answer to the upgrade is not HTTP: %s",
			      http_error_reason(http_parser_error(&w->hp)));
		return -1;
	}
	char st[80];
	pp__client_status_text(&res, st, sizeof st);
	if (res.status != 101) {
		enum pp_fail kind = pp__client_status_fail(res.status);
		if (kind == PP_FAIL_RETRY)
			client_refuse(w, kind, "the server answered %s to the upgrade", st);
		else
			client_refuse(w, PP_FAIL_FINAL, "the server answered %s to the upgrade: "
				      "not a WebSocket endpoint", st);
		return -1;
	}
	struct ws_client_verdict v;
	if (!ws_handshake_client_verify(&w->hello, &res, &v)) {
		client_refuse(w, PP_FAIL_FINAL, "handshake refused (%s): %s", st, v.reason);
		return -1;
	}
	pp__client_ok(w->c);
	net_timer_stop(w->c->loop, &w->guard);
	w->cfg.mask_key = session_mask_key;
	w->cfg.mask_ud = w;
	ws_session_init(&w->ws, WS_ROLE_CLIENT, &w->cfg);
	w->state = WC_OPEN;
	return r;
}

/* An event of our feed: one JSON object on one line, with a "seq". */
static bool is_feed_event(const char *s, size_t n, uint64_t *seq)
{
	size_t vlen;
	const char *v;
	return n >= 2 && s[0] == '{' && s[n - 1] == '}' && !memchr(s, '\n', n) &&
	       !memchr(s, '\r', n) && (v = json_get(s, n, "seq", &vlen)) != NULL &&
	       json_u64(v, vlen, seq);
}

/* A message is reported as the JSON object it is when it is an event of
 * our feed; any other -- an echo, a foreign server's, a binary one -- as
 * {"data":"..."} (with "binary":true), so that each still makes one JSON
 * line. */
static void client_message(struct ws_client *w, const struct ws_event *ev)
{
	const char *data = (const char *)ev->data;
	uint64_t seq = 0;
	if (ev->opcode == WS_OP_TEXT && is_feed_event(data, ev->len, &seq)) {
		size_t tl;
		const char *t = json_get(data, ev->len, "type", &tl);
		if (t && tl == strlen(FEED_TYPE_RESET) + 2 &&
		    feed_type_is_reset(t + 1, tl - 2))
			pp__client_reset(w->c, data, ev->len);
		else
			pp__client_emit(w->c, seq, data, ev->len);
		return;
	}
	static const char head[] = "{\"data\":", bin[] = ",\"binary\":true}";
	size_t q = json_quote(NULL, 0, data, ev->len);
	char *line = malloc(sizeof head + q + sizeof bin);
	if (!line) {
		pp__client_note(w->c, "websocket: out of memory for a message of %zu bytes",
			       (size_t)ev->len);
		return;
	}
	memcpy(line, head, sizeof head - 1);
	json_quote(line + sizeof head - 1, q + 1, data, ev->len);
	size_t n = sizeof head - 1 + q;
	if (ev->opcode == WS_OP_BINARY) {
		memcpy(line + n, bin, sizeof bin - 1);
		n += sizeof bin - 1;
	} else {
		line[n++] = '}';
	}
	pp__client_emit(w->c, 0, line, n);
	free(line);
}

static void client_handle(struct ws_client *w, const struct ws_event *ev)
{
	switch (ev->type) {
	case WS_EV_MESSAGE:
		if (w->c)                       /* leaving: nobody to tell */
			client_message(w, ev);
		break;
	case WS_EV_CLOSE:               /* ours went back with the event: now the server closes */
		w->close_code = ev->code;
		net_timer_start(net_conn_loop(w->nc), &w->guard, PP_WS_CLOSE_WAIT_MS, 0);
		break;
	case WS_EV_FAIL: {
		struct pp_client *c = w->c;
		net_conn_close(w->nc);
		if (c)
			pp__client_note(c, "websocket: the server broke a rule: %s", ev->reason);
		break;
	}
	case WS_EV_PING:                /* the pong was written with the event */
	case WS_EV_PONG:
	case WS_EV_NONE:
		break;
	}
}

/* Callbacks of the user (on_event, on_note) may free the client from
 * under this function: 'busy' makes pp__websocket_stop leave 'w' to us,
 * and every step checks 'w->c' before going on. */
static size_t client_on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct ws_client *w = net_conn_ud(nc);
	size_t off = 0;
	w->busy = true;
	if (w->state == WC_HANDSHAKE) {
		ssize_t r = client_handshake(w, data, len);
		off = r < 0 ? len : (size_t)r;  /* frames may follow the 101 in the same read */
	}
	while ((w->c || w->leaving) && w->nc && w->state == WC_OPEN && !net_conn_closing(nc)) {
		struct ws_event ev;
		off += ws_session_feed(&w->ws, data + off, len - off, &ev);
		if (ev.reply_len > 0 && net_conn_write(nc, ev.reply, ev.reply_len) < 0)
			break;
		if (ev.type == WS_EV_NONE)
			break;
		client_handle(w, &ev);          /* on_event may free the client */
	}
	w->busy = false;
	if (!w->c && (!w->leaving || !w->nc))
		free(w);                        /* pp_client_free ran meanwhile, or the goodbye ended */
	return off;
}

static void client_on_eof(struct net_conn *nc)
{
	net_conn_close(nc);             /* the server closed: after a Close, as it should */
}

static void client_on_close(struct net_conn *nc, int err)
{
	struct ws_client *w = net_conn_ud(nc);
	bool was_open = w->state == WC_OPEN;
	if (was_open)
		ws_session_free(&w->ws);
	w->nc = NULL;
	w->state = WC_IDLE;
	net_timer_stop(net_conn_loop(nc), &w->guard);
	if (w->leaving) {
		if (!w->busy)
			free(w);                /* its goodbye is over (else on_data frees it) */
		return;
	}
	struct pp_client *c = w->c;
	if (w->refusal != PP_FAIL_NONE) {       /* the handshake's answer would not do */
		pp__client_fail(c, (enum pp_fail)w->refusal, c->o.interval_ms, "%s", w->why);
		return;
	}
	if (!was_open) {                        /* refused, reset, or no 101 in time */
		pp__client_fail(c, PP_FAIL_RETRY, c->o.interval_ms, "connection failed (%s)",
				strerror(err ? err : ECONNRESET));
		return;
	}
	char why[96];
	if (w->close_code)
		snprintf(why, sizeof why, "the server closed with %u", (unsigned)w->close_code);
	else if (err)
		snprintf(why, sizeof why, "connection lost (%s)", strerror(err));
	else
		snprintf(why, sizeof why, "connection ended without a Close");
	client_retry_later(w, why);
}

static const struct net_conn_ops client_ops = {
	.on_data = client_on_data,
	.on_eof = client_on_eof,
	.on_connect = client_on_connect,
	.on_close = client_on_close,
};

/* --- the entry points (client_private.h) ----------------------------------- */

int pp__websocket_start(struct pp_client *c)
{
	struct ws_client *w = calloc(1, sizeof *w);
	if (!w)
		return ENOMEM;
	w->c = c;
	c->ws = w;
	if (pp__client_take_since(c) < 0) {
		free(w);
		c->ws = NULL;
		return EINVAL;
	}
	snprintf(w->host, sizeof w->host, "%s:%u", c->o.host ? c->o.host : "127.0.0.1",
		 (unsigned)c->o.port);
	net_timer_init(&w->guard, client_on_guard, w);
	net_timer_init(&c->timer, client_on_retry, c);
	return client_connect(w);
}

void pp__websocket_stop(struct pp_client *c)
{
	struct ws_client *w = c->ws;
	if (!w)
		return;
	c->ws = NULL;
	net_timer_stop(c->loop, &w->guard);
	w->c = NULL;
	if (w->nc && w->state == WC_OPEN) {
		/* Goodbye (§7.1.2): our Close, unless the Closes were exchanged
		 * already; then the server closes TCP first (§7.1.1).  Until it
		 * does, 'w' lives on with its connection: it answers pings
		 * (§5.5.2), drops messages, and gives up after
		 * PP_WS_CLOSE_WAIT_MS (the guard).  Closing at once would make
		 * the kernel answer the server's Close with a reset.
		 * client_on_close frees 'w' at the end. */
		uint8_t key[4], frame[WS_CONTROL_FRAME_MAX];
		random_bytes(w, key, sizeof key);
		size_t n = ws_session_close(&w->ws, WS_CLOSE_NORMAL, NULL, 0, key, frame);
		w->leaving = true;
		net_timer_start(c->loop, &w->guard, PP_WS_CLOSE_WAIT_MS, 0);
		if (n > 0)
			net_conn_write(w->nc, frame, n);        /* may close: then 'w' is gone */
		return;
	}
	if (w->nc) {
		net_conn_set_ops(w->nc, NULL, NULL);
		net_conn_abort(w->nc, ECANCELED);
		w->nc = NULL;
	}
	if (!w->busy)
		free(w);                        /* else client_on_data frees it */
}

bool pp__websocket_ready(const struct pp_client *c)
{
	const struct ws_client *w = c->ws;
	return w && w->state == WC_OPEN && w->nc && ws_session_state(&w->ws) == WS_STATE_OPEN;
}

int pp__websocket_send(struct pp_client *c, const char *text, size_t len)
{
	struct ws_client *w = c->ws;
	if (!pp__websocket_ready(c)) {
		errno = ENOTCONN;
		return -1;
	}
	if (!utf8_is_valid((const uint8_t *)text, len)) {
		errno = EINVAL;                 /* a text message is UTF-8 (§5.6) */
		return -1;
	}
	if (len > SIZE_MAX - WS_FRAME_HEADER_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	uint8_t key[4], stack[PP_WS_SEND_STACK];
	random_bytes(w, key, sizeof key);
	size_t cap = len + WS_FRAME_HEADER_MAX;
	uint8_t *out = cap <= sizeof stack ? stack : malloc(cap);
	if (!out) {
		errno = ENOMEM;
		return -1;
	}
	size_t n = ws_session_send(&w->ws, WS_OP_TEXT, true, text, len, key, out, cap);
	int r = n > 0 ? net_conn_write(w->nc, out, n) : -1;
	if (out != stack)
		free(out);
	return r;
}
