/* websocket.c -- WebSocket load: `loadgen ws-echo` and `idle ws`.
 *
 * ws-echo.  N connections to an echo endpoint.  Each sends K binary
 * messages, then one more for every echo that comes back, so K are always
 * in flight.  After a warm-up the echoes are counted for the duration,
 * and the client's own syscalls in that window are divided by them.
 * Every echo's length is checked, and the content of one in 16.
 *
 * idle ws.  N connections upgraded and then left alone, answering pings
 * (a server that pings closes a connection whose pong does not come).
 *
 * Why it has this shape.  The client must not be what is measured:
 *   - frames are encoded once, before the run: a pool of WS_POOL frames,
 *     each masked with its own random key (RFC 6455 §5.3 asks a fresh,
 *     unpredictable key per frame; a pool drawn from getrandom is that,
 *     repeated every WS_POOL frames, which a bench may allow itself);
 *   - frames are read with the frame decoder itself (ws_frame.h), not the
 *     message layer: a 64 KiB echo straddles reads, and ws_session would
 *     copy it into a reassembly buffer; the decoder hands out payload
 *     pieces in place, which is all a length and content check needs;
 *   - the rest of a large echo's payload is read straight into one
 *     buffer all connections share (sink_room), a few recvs per 1 MiB;
 *   - echoes received in one turn are answered after the turn, in one
 *     writev straight from the pool (net_loop_defer): inside on_data the
 *     connection is corked and every write would be copied into its
 *     output queue first.
 * Per connection: the decoder (32 bytes), counters, the handshake key.
 *
 * Read next: sse.c.
 */
#include "loadgen.h"
#include "http/http_parser.h"
#include "net/conn.h"
#include "ws/ws_frame.h"
#include "ws/ws_handshake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_POOL            64           /* pre-encoded frames, used in turn */
#define WS_POOL_BYTES      (16u << 20)  /* ... fewer when frames are big (>= 2) */
#define WS_CHECK_EVERY     16           /* content of one echo in 16 is compared */
#define WS_HEAD_FIELDS     32           /* header fields of a 101 we read */
#define WS_IOV_BATCH       64           /* frames per writev */
#define WS_TICK_MS         50
#define WS_CLOSE_WAIT_MS   3000         /* the closing handshake at the end */

enum wsc_state { WSC_CONNECTING, WSC_HANDSHAKE, WSC_OPEN, WSC_CLOSED };

struct ws_bench;

/* One client connection. */
struct wsc {
	struct ws_bench *b;
	struct net_conn *nc;
	struct ws_frame_decoder dec;
	uint64_t msg_len;               /* bytes of the echo being received */
	uint32_t sent, got;             /* messages sent, echoes received */
	uint32_t owed;                  /* echoes to answer after this turn */
	uint8_t key[WS_KEY_BYTES];      /* the handshake's Sec-WebSocket-Key */
	uint8_t state;                  /* enum wsc_state */
	bool in_msg;                    /* a data message has started */
	bool check;                     /* its content is being compared */
	bool send_queued;               /* a deferred send is pending */
};

struct ws_bench {
	struct loadgen_run r;             /* phases: SETUP, WARMUP, MEASURE or HOLD, DONE */
	struct wsc *conns;
	uint8_t *frames;                /* 'pool' frames back to back */
	uint8_t *payloads;              /* their payloads, unmasked */
	uint8_t *sink;                  /* large echoes are read into this (sink_room) */
	size_t frame_len, pool;
	uint64_t phase_end_us;
	uint64_t received, bad, checked;
	uint64_t last_progress_us, last_received;
	uint64_t t0_us, t1_us, msgs0, msgs1, sys0, sys1;
	int64_t cpu0, cpu1;             /* the server's CPU time, when --server-pid */
	int64_t flt0, flt1;             /* its minor page faults */
};

/* --- the frame pool ------------------------------------------------------ */

static bool pool_build(struct ws_bench *b)
{
	size_t size = b->r.o->size;
	b->frame_len = ws_frame_header_size(size, true) + size;
	b->pool = WS_POOL;
	while (b->pool > 2 && b->pool * b->frame_len > WS_POOL_BYTES)
		b->pool /= 2;
	b->frames = malloc(b->pool * b->frame_len);
	b->payloads = malloc(b->pool * (size ? size : 1));
	if (!b->frames || !b->payloads)
		return false;
	if (size >= NET_READ_CHUNK && !(b->sink = malloc(size)))
		return false;
	uint8_t keys[WS_POOL][4];
	loadgen_random(keys, sizeof keys);
	for (size_t i = 0; i < b->pool; i++) {
		uint8_t *pl = b->payloads + i * size;
		for (size_t j = 0; j < size; j++)       /* differs per slot and position */
			pl[j] = (uint8_t)(i * 31 + j * 7 + (j >> 8));
		ws_frame_encode(b->frames + i * b->frame_len, b->frame_len, true,
				WS_OP_BINARY, pl, size, keys[i]);
	}
	return true;
}

/* Sends 'n' frames from the pool, starting at message number 'from'. */
static void pool_send(struct ws_bench *b, struct wsc *c, uint32_t from, uint32_t n)
{
	struct iovec iov[WS_IOV_BATCH];
	int k = 0;
	while (n > 0) {
		size_t slot = from % b->pool;
		size_t run = b->pool - slot < n ? b->pool - slot : n;  /* contiguous */
		iov[k].iov_base = b->frames + slot * b->frame_len;
		iov[k].iov_len = run * b->frame_len;
		k++;
		from += (uint32_t)run;
		n -= (uint32_t)run;
		if (k == WS_IOV_BATCH || n == 0) {
			if (net_conn_writev(c->nc, iov, k) < 0)
				return;                 /* closed: on_close tells */
			k = 0;
		}
	}
}

/* A control frame of our own (pong, Close), masked with a fresh key. */
static void send_control(struct wsc *c, enum ws_opcode op, const void *p, size_t len)
{
	uint8_t key[4], out[WS_CONTROL_FRAME_MAX];
	loadgen_random(key, sizeof key);
	size_t n = ws_frame_encode(out, sizeof out, true, op, p, len, key);
	if (n)
		net_conn_write(c->nc, out, n);
}

/* --- ending the run -------------------------------------------------------- */

static void after_turn_send(struct net_loop *loop, void *ud)
{
	(void)loop;
	struct wsc *c = ud;
	c->send_queued = false;
	if (c->state != WSC_OPEN || c->owed == 0 || c->b->r.phase == PH_DONE)
		return;
	uint32_t n = c->owed;
	c->owed = 0;
	pool_send(c->b, c, c->sent, n);
	c->sent += n;
}

/* --- reading ------------------------------------------------------------- */

static void message_end(struct ws_bench *b, struct wsc *c)
{
	if (!b->r.o->idle && c->msg_len != b->r.o->size)
		b->bad++;
	c->in_msg = false;
	c->got++;
	b->received++;
	if (b->r.o->idle || b->r.phase == PH_DONE)
		return;
	c->owed++;
	if (!c->send_queued && net_loop_defer(b->r.loop, after_turn_send, c) == 0)
		c->send_queued = true;
}

/* One piece of a data frame: its length counts, its bytes are compared
 * when this echo was picked for checking. */
static void data_piece(struct ws_bench *b, struct wsc *c, const struct ws_frame_piece *pc)
{
	const struct ws_frame_header *h = pc->hdr;
	if (pc->first) {
		bool starts = h->opcode != WS_OP_CONT;
		if (starts == c->in_msg) {      /* §5.4: a message starts, or continues */
			loadgen_run_fail(&b->r, "the server broke the message sequence (RFC 6455 5.4)");
			return;
		}
		if (starts) {
			c->in_msg = true;
			c->msg_len = 0;
			c->check = !b->r.o->idle && c->got % WS_CHECK_EVERY == 0;
			if (!b->r.o->idle && h->opcode != WS_OP_BINARY)
				b->bad++;               /* a binary message came back as text */
		}
	}
	if (c->check && pc->len > 0) {
		const uint8_t *want = b->payloads + (c->got % b->pool) * b->r.o->size;
		if (c->msg_len + pc->len > b->r.o->size ||
		    memcmp(pc->data, want + c->msg_len, pc->len) != 0) {
			b->bad++;
			c->check = false;       /* counted once */
		}
	}
	c->msg_len += pc->len;
	if (pc->last && h->fin) {
		if (c->check)
			b->checked++;
		message_end(b, c);
	}
}

static size_t read_frames(struct ws_bench *b, struct wsc *c, uint8_t *data, size_t len)
{
	size_t off = 0;
	while (off < len && c->state == WSC_OPEN && !b->r.fail) {
		struct ws_frame_piece pc;
		struct ws_error err;
		ssize_t n = ws_frame_decode(&c->dec, data + off, len - off, &pc, &err);
		if (n == WS_INCOMPLETE)
			break;
		if (n == WS_INVALID) {
			loadgen_run_fail(&b->r, err.reason);
			return len;
		}
		off += (size_t)n;
		switch (pc.hdr->opcode) {
		case WS_OP_PING:                /* §5.5.3: a pong with the same payload */
			send_control(c, WS_OP_PONG, pc.data, pc.len);
			break;
		case WS_OP_PONG:
			break;
		case WS_OP_CLOSE:               /* §5.5.1: echo the code, then the server closes */
			send_control(c, WS_OP_CLOSE, pc.data, pc.len >= 2 ? 2 : 0);
			c->state = WSC_CLOSED;
			net_conn_close(c->nc);
			break;
		default:
			data_piece(b, c, &pc);
		}
	}
	return off;
}

/* The server's answer to the upgrade (RFC 6455 §4.1); the bytes after its
 * head are already frames. */
static size_t read_handshake(struct ws_bench *b, struct wsc *c, uint8_t *data, size_t len)
{
	struct http_parser p;
	struct http_header fields[WS_HEAD_FIELDS];
	struct http_response res = { .headers = fields, .header_cap = WS_HEAD_FIELDS };
	http_parser_init(&p);           /* fresh each time: a 101 is ~150 bytes */
	ssize_t n = http_response_parse(&p, (char *)data, len, &res, NULL);
	if (n == HTTP_INCOMPLETE)
		return 0;
	struct ws_client_hello hello = { .host = b->r.hostport, .path = b->r.o->path };
	memcpy(hello.key, c->key, sizeof hello.key);
	struct ws_client_verdict v;
	if (n < 0 || !ws_handshake_client_verify(&hello, &res, &v)) {
		c->state = WSC_CLOSED;
		net_conn_abort(c->nc, EPROTO);
		loadgen_dialer_done(&b->r.dial, EPROTO, n < 0 ? "the upgrade answer is not HTTP"
							  : v.reason);
		return len;
	}
	c->state = WSC_OPEN;
	loadgen_dialer_done(&b->r.dial, 0, NULL);
	return (size_t)n + read_frames(b, c, data + n, len - (size_t)n);
}

static size_t on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct wsc *c = net_conn_ud(nc);
	if (c->state == WSC_HANDSHAKE)
		return read_handshake(c->b, c, data, len);
	if (c->state == WSC_OPEN)
		return read_frames(c->b, c, data, len);
	return len;
}

static void on_connect(struct net_conn *nc, int err)
{
	struct wsc *c = net_conn_ud(nc);
	if (err)
		return;                         /* on_close follows */
	struct ws_bench *b = c->b;
	struct ws_client_hello hello = { .host = b->r.hostport, .path = b->r.o->path };
	loadgen_random(c->key, sizeof c->key);    /* §4.1: fresh for each connection */
	memcpy(hello.key, c->key, sizeof c->key);
	char req[LOADGEN_PATH_MAX + 256];
	ssize_t n = ws_handshake_client_request(&hello, req, sizeof req);
	net_conn_set_nodelay(nc, true); /* small frames leave at once */
	c->state = WSC_HANDSHAKE;
	if (n < 0 || net_conn_write(nc, req, (size_t)n) < 0)
		net_conn_abort(nc, EINVAL);
}

static void on_close(struct net_conn *nc, int err)
{
	struct wsc *c = net_conn_ud(nc);
	uint8_t was = c->state;
	c->state = WSC_CLOSED;
	c->nc = NULL;
	loadgen_run_closed(&c->b->r, was == WSC_CONNECTING || was == WSC_HANDSHAKE, err,
			 "the server closed a connection during the run");
}

/* The rest of a large echo's payload is read straight into one buffer
 * that every connection shares (net/conn.h, "Reading straight into
 * place"): its bytes are only counted and sometimes compared, in on_data,
 * before the next read.  So a 1 MiB echo costs the client a few recvs,
 * not seventeen and a wake-up or deferred call for each -- the same for
 * every server measured. */
static uint8_t *sink_room(struct net_conn *nc, size_t *room)
{
	struct wsc *c = net_conn_ud(nc);
	const struct ws_frame_decoder *d = &c->dec;
	*room = 0;
	if (!c->b->sink || c->state != WSC_OPEN || !d->in_frame ||
	    ws_opcode_is_control(d->hdr.opcode))
		return NULL;
	uint64_t left = d->hdr.length - d->done;
	*room = left < c->b->r.o->size ? (size_t)left : c->b->r.o->size;
	return c->b->sink;
}

static const struct net_conn_ops wsc_ops = {
	.on_data = on_data, .on_connect = on_connect, .on_close = on_close,
	.read_into = sink_room,
};

static int open_one(struct loadgen_dialer *d, size_t i)
{
	struct ws_bench *b = d->ud;
	struct wsc *c = &b->conns[i];
	c->b = b;
	c->state = WSC_CONNECTING;
	ws_frame_decoder_init(&c->dec, WS_ROLE_CLIENT, 0);
	c->nc = loadgen_connect(&b->r, i, &wsc_ops, c);
	if (!c->nc) {
		c->state = WSC_CLOSED;
		return errno ? errno : ENOMEM;
	}
	b->r.open++;
	return 0;
}

/* --- the phases ------------------------------------------------------------ */

static void snapshot(struct ws_bench *b, uint64_t *t, uint64_t *msgs, uint64_t *sys)
{
	*t = net_now_us();
	*msgs = b->received;
	*sys = net_counts_syscalls(&b->r.ledger.c);
}

/* The server's CPU microseconds now (-1 without --server-pid). */
static int64_t server_cpu(const struct ws_bench *b)
{
	return b->r.o->server_pid ? loadgen_proc_cpu_us(b->r.o->server_pid) : -1;
}

/* The server's minor page faults so far (-1 without --server-pid). */
static int64_t server_faults(const struct ws_bench *b)
{
	return b->r.o->server_pid ? loadgen_proc_minflt(b->r.o->server_pid) : -1;
}

static void all_ready(struct ws_bench *b, uint64_t now)
{
	if (b->r.o->idle) {
		printf("ready %zu\n", b->r.dial.ready);
		fflush(stdout);
		b->r.phase = PH_HOLD;
		b->phase_end_us = b->r.o->hold_s ? now + b->r.o->hold_s * 1000000 : 0;
		b->t0_us = now;
		return;
	}
	b->r.phase = PH_WARMUP;
	b->phase_end_us = now + b->r.o->warmup_s * 1000000;
	b->last_progress_us = now;
	for (size_t i = 0; i < b->r.dial.total; i++) {
		struct wsc *c = &b->conns[i];
		pool_send(b, c, 0, (uint32_t)b->r.o->inflight);
		c->sent = (uint32_t)b->r.o->inflight;
	}
}

static void on_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct ws_bench *b = ud;
	uint64_t now = net_now_us();
	if (b->r.phase == PH_SETUP) {
		if (b->r.dial.failed)
			loadgen_run_fail(&b->r, "a connection could not be set up");
		else if (loadgen_dialer_complete(&b->r.dial))
			all_ready(b, now);
		else if (now - b->t0_us > (uint64_t)LOADGEN_SETUP_MS * 1000)
			loadgen_run_fail(&b->r, "connections took too long to set up");
		if (b->r.phase == PH_SETUP || b->r.phase == PH_HOLD)
			return;
	}
	if (b->r.phase == PH_HOLD) {
		if (b->phase_end_us && now >= b->phase_end_us) {
			b->t1_us = now;
			b->r.phase = PH_DONE;
			net_loop_stop(b->r.loop);
		}
		return;
	}
	if (b->received != b->last_received) {
		b->last_received = b->received;
		b->last_progress_us = now;
	} else if (now - b->last_progress_us > (uint64_t)LOADGEN_STALL_MS * 1000) {
		loadgen_run_fail(&b->r, "no echo for 10 seconds");
		return;
	}
	if (now < b->phase_end_us)
		return;
	if (b->r.phase == PH_WARMUP) {
		b->cpu0 = server_cpu(b);
		b->flt0 = server_faults(b);
		snapshot(b, &b->t0_us, &b->msgs0, &b->sys0);
		b->r.phase = PH_MEASURE;
		b->phase_end_us = b->t0_us + b->r.o->duration_s * 1000000;
	} else if (b->r.phase == PH_MEASURE) {
		snapshot(b, &b->t1_us, &b->msgs1, &b->sys1);
		b->cpu1 = server_cpu(b);
		b->flt1 = server_faults(b);
		b->r.phase = PH_DONE;
		net_loop_stop(b->r.loop);
	}
}

/* Closing handshake for every open connection (RFC 6455 §7.1.2: the
 * client sends Close, then waits for the server to close TCP). */
static void close_all(struct ws_bench *b)
{
	static const uint8_t normal[2] = { 1000 >> 8, 1000 & 0xff };
	for (size_t i = 0; i < b->r.dial.started; i++) {
		struct wsc *c = &b->conns[i];
		if (c->state == WSC_OPEN) {
			send_control(c, WS_OP_CLOSE, normal, sizeof normal);
			c->state = WSC_CLOSED;
			net_conn_close(c->nc);
		} else if (c->nc && c->state != WSC_CLOSED) {
			net_conn_abort(c->nc, 0);
		}
	}
	uint64_t until = net_now_us() + WS_CLOSE_WAIT_MS * 1000ull;
	while (b->r.open > 0 && net_now_us() < until)
		net_loop_run_once(b->r.loop, 50);
	for (size_t i = 0; i < b->r.dial.started; i++)
		if (b->conns[i].nc)
			net_conn_abort(b->conns[i].nc, 0);
	net_loop_run_once(b->r.loop, 0);          /* the deferred frees */
}

static void report(struct ws_bench *b)
{
	const struct loadgen_opts *o = b->r.o;
	if (o->idle) {
		double held = (double)(b->t1_us - b->t0_us) / 1e6;
		printf("idle ws %s:%u%s: %zu connections held %.1f s, %llu dropped\n",
		       o->host, (unsigned)o->port, o->path, b->r.dial.ready, held,
		       (unsigned long long)b->r.dropped);
		printf("{\"mode\":\"idle\",\"kind\":\"ws\",\"connections\":%zu,\"held_s\":%.3f,"
		       "\"dropped\":%llu}\n", b->r.dial.ready, held, (unsigned long long)b->r.dropped);
		return;
	}
	double secs = (double)(b->t1_us - b->t0_us) / 1e6;
	uint64_t msgs = b->msgs1 - b->msgs0;
	double rate = secs > 0 ? (double)msgs / secs : 0;
	double sys = msgs ? (double)(b->sys1 - b->sys0) / (double)msgs : 0;
	double cpu = b->cpu0 >= 0 && b->cpu1 >= 0 && msgs ?
		(double)(b->cpu1 - b->cpu0) / (double)msgs : -1;
	double flt = b->flt0 >= 0 && b->flt1 >= 0 && msgs ?
		(double)(b->flt1 - b->flt0) / (double)msgs : -1;
	printf("ws-echo %s:%u%s: %llu connections x %llu in flight, %llu B: %.0f messages/s "
	       "(%llu in %.2f s), %.3f client syscalls/message, ",
	       o->host, (unsigned)o->port, o->path, (unsigned long long)o->connections,
	       (unsigned long long)o->inflight, (unsigned long long)o->size, rate,
	       (unsigned long long)msgs, secs, sys);
	if (cpu >= 0)
		printf("%.3f server CPU us/message, %.3f server page faults/message, ", cpu, flt);
	printf("%llu bad echoes of %llu checked\n", (unsigned long long)b->bad,
	       (unsigned long long)b->checked);
	printf("{\"mode\":\"ws-echo\",\"connections\":%llu,\"size\":%llu,\"inflight\":%llu,"
	       "\"seconds\":%.3f,\"messages\":%llu,\"messages_per_s\":%.1f,"
	       "\"client_syscalls_per_message\":%.4f,\"server_cpu_us_per_message\":%.4f,"
	       "\"server_minflt_per_message\":%.4f,\"bad\":%llu,\"checked\":%llu}\n",
	       (unsigned long long)o->connections, (unsigned long long)o->size,
	       (unsigned long long)o->inflight, secs, (unsigned long long)msgs, rate, sys, cpu, flt,
	       (unsigned long long)b->bad, (unsigned long long)b->checked);
}

int loadgen_ws_run(const struct loadgen_opts *o)
{
	struct ws_bench *b = calloc(1, sizeof *b);
	if (!b)
		return 1;
	b->conns = calloc(o->connections, sizeof *b->conns);
	int status = 1;
	if (!loadgen_run_init(&b->r, o) || !b->conns || (!o->idle && !pool_build(b))) {
		fprintf(stderr, "loadgen: cannot start: %s\n", strerror(errno));
		goto out;
	}
	b->t0_us = net_now_us();
	loadgen_run_loop(&b->r, open_one, b, WS_TICK_MS, on_tick);
	if (b->r.phase == PH_HOLD) {              /* idle, stopped by a signal */
		b->t1_us = net_now_us();
		b->r.phase = PH_DONE;
	}
	bool stopped_early = b->r.phase != PH_DONE;   /* a signal during setup or warm-up */
	b->r.phase = PH_DONE;
	close_all(b);
	if (loadgen_run_verdict(&b->r, "connections", stopped_early, NULL)) {
		report(b);
		status = b->bad ? 1 : 0;
	}
out:
	loadgen_run_free(&b->r);
	free(b->conns);
	free(b->frames);
	free(b->payloads);
	free(b->sink);
	free(b);
	return status;
}
