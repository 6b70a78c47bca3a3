/* sse.c -- event-stream load: `loadgen sse-fanout` and
 * `idle sse`.
 *
 * sse-fanout.  N clients open GET BASE/events and read it as an
 * EventSource would: the response head, then the body (chunked, or raw
 * until the close) through http_body_read, then the event stream through
 * sse_parser.  Once every stream is open, one keep-alive connection
 * publishes M events with POST BASE/publish, one at a time: event r+1
 * goes out only when all N clients have event r and the POST has its
 * answer.  So the run measures fan-out -- one publish, N deliveries --
 * and each delivery's latency, from the moment the POST was sent to the
 * moment the client read the event, on CLOCK_MONOTONIC (both ends are on
 * this machine).
 *
 * Every event's data is the round number in ten digits, a space, and
 * padding up to --size bytes.  A client checks that the data is that
 * long, that it names the round being published, that the type is
 * "message", and that ids only grow; anything else is a bad delivery.
 *
 * idle sse.  N streams opened and left alone (the server's heartbeat
 * comments are read and dropped by the parser).
 *
 * The requests are encoded once; every client sends the same bytes.  Per
 * client: the body decoder (64 bytes), the parser (about 200 bytes, its
 * buffers allocated with the first event and kept while small).
 *
 * Read next: tools/bench/run.sh, which runs this against a peer.
 */
#include "loadgen.h"
#include "http/http_body.h"
#include "http/http_fields.h"
#include "http/http_parser.h"
#include "http/http_target.h"
#include "http/http_writer.h"
#include "net/conn.h"
#include "sse/sse_parser.h"
#include "paradigms/feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SSE_HEAD_FIELDS    32           /* header fields of an answer we read */
#define SSE_ROUND_DIGITS   10           /* the round number at the start of the data */
#define SSE_TICK_MS        50
#define SSE_REQ_MAX        (LOADGEN_PATH_MAX + 512)

enum ssc_state { SSC_CONNECTING, SSC_HEAD, SSC_STREAM, SSC_CLOSED };

struct sse_bench;

/* One event-stream client. */
struct ssc {
	struct sse_bench *b;
	struct net_conn *nc;
	struct http_body body;
	struct sse_parser sse;
	uint64_t got;                   /* rounds received */
	uint64_t last_id;
	uint8_t state;                  /* enum ssc_state */
};

/* The publisher: one keep-alive connection, one POST at a time. */
struct publisher {
	struct net_conn *nc;
	char *req;                      /* the POST, encoded once */
	size_t req_len, round_at;       /* where the round's digits sit in it */
	bool answered;                  /* the current POST has its 200 */
};

struct sse_bench {
	struct loadgen_run r;             /* phases: SETUP, PUBLISH or HOLD, DONE */
	struct ssc *conns;
	struct publisher pub;
	char get[SSE_REQ_MAX];          /* GET BASE/events, encoded once */
	size_t get_len;
	uint64_t round, delivered;      /* the event being published, clients that have it */
	uint64_t sent_us;               /* when its POST went out */
	uint64_t first_us, last_us;     /* first POST sent, last delivery read */
	uint64_t sys0, sys1;
	int64_t cpu0, cpu1;             /* the server's CPU time, when --server-pid */
	int64_t flt0, flt1;             /* its minor page faults */
	uint64_t bad, last_progress_us, hold_end_us;
	struct net_latency lat;
};

/* --- publishing ------------------------------------------------------------ */

/* The server's CPU microseconds now (-1 without --server-pid). */
static int64_t server_cpu(const struct sse_bench *b)
{
	return b->r.o->server_pid ? loadgen_proc_cpu_us(b->r.o->server_pid) : -1;
}

/* The server's minor page faults so far (-1 without --server-pid). */
static int64_t server_faults(const struct sse_bench *b)
{
	return b->r.o->server_pid ? loadgen_proc_minflt(b->r.o->server_pid) : -1;
}

static void round_start(struct sse_bench *b)
{
	struct publisher *p = &b->pub;
	b->round++;
	b->delivered = 0;
	p->answered = false;
	uint64_t r = b->round;
	for (int i = SSE_ROUND_DIGITS - 1; i >= 0; i--, r /= 10)
		p->req[p->round_at + (size_t)i] = (char)('0' + r % 10);
	b->sent_us = net_now_us();
	if (b->round == 1) {
		b->cpu0 = server_cpu(b);
		b->flt0 = server_faults(b);
		b->first_us = b->sent_us;
		b->sys0 = net_counts_syscalls(&b->r.ledger.c);
	}
	b->last_progress_us = b->sent_us;
	if (net_conn_write(p->nc, p->req, p->req_len) < 0)
		loadgen_run_fail(&b->r, "the publishing connection is gone");
}

/* A round is over when every client has the event and the POST its answer. */
static void round_check(struct sse_bench *b)
{
	if (b->r.phase != PH_PUBLISH || b->delivered < b->r.dial.total || !b->pub.answered)
		return;
	if (b->round < b->r.o->events) {
		round_start(b);
		return;
	}
	b->sys1 = net_counts_syscalls(&b->r.ledger.c);
	b->cpu1 = server_cpu(b);
	b->flt1 = server_faults(b);
	b->r.phase = PH_DONE;
	net_loop_stop(b->r.loop);
}

/* The answer to a POST: a head and a (small) body, consumed only once the
 * whole answer is here, so it is simply parsed again from the start. */
static size_t pub_on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct sse_bench *b = net_conn_ud(nc);
	size_t off = 0;
	while (off < len) {
		struct http_parser hp;
		struct http_header fields[SSE_HEAD_FIELDS];
		struct http_response res = { .headers = fields, .header_cap = SSE_HEAD_FIELDS };
		http_parser_init(&hp);
		ssize_t n = http_response_parse(&hp, (char *)data + off, len - off, &res, NULL);
		if (n == HTTP_INCOMPLETE)
			break;
		if (n < 0 || res.status != 200 || b->pub.answered) {
			loadgen_run_fail(&b->r, n < 0 ? "the answer to POST /publish is not HTTP"
			         : res.status != 200 ? "POST /publish was not answered 200"
			         : "an answer to a POST never sent");
			return len;
		}
		struct http_body body;
		http_body_init_response(&body, &res, NULL);
		size_t used = (size_t)n;
		while (!http_body_done(&body)) {
			const char *run;
			size_t rl;
			ssize_t k = http_body_read(&body, (char *)data + off + used,
						   len - off - used, &run, &rl);
			if (k < 0) {
				loadgen_run_fail(&b->r, "the answer to POST /publish has a bad body");
				return len;
			}
			if (k == 0)
				return off;             /* the rest has not arrived */
			used += (size_t)k;
		}
		off += used;
		b->pub.answered = true;
		round_check(b);
	}
	return off;
}

static void pub_on_connect(struct net_conn *nc, int err)
{
	struct sse_bench *b = net_conn_ud(nc);
	if (err)
		return;                         /* on_close follows */
	net_conn_set_nodelay(nc, true);
	b->r.phase = PH_PUBLISH;
	round_start(b);
}

static void pub_on_close(struct net_conn *nc, int err)
{
	struct sse_bench *b = net_conn_ud(nc);
	(void)err;
	b->pub.nc = NULL;
	if (b->r.phase != PH_DONE)
		loadgen_run_fail(&b->r, "the publishing connection closed during the run");
}

static const struct net_conn_ops pub_ops = {
	.on_data = pub_on_data, .on_connect = pub_on_connect, .on_close = pub_on_close,
};

/* --- the streams ------------------------------------------------------------ */

static void on_event(struct sse_bench *b, struct ssc *c, const struct sse_event *ev)
{
	uint64_t id = 0, r = 0, epoch;
	if (b->r.o->idle)
		return;
	/* pushpull's ids are "<epoch>-<seq>", a peer's plain numbers. */
	if (!feed_id_parse(ev->id, ev->id_len, 0, &epoch, &id) || id <= c->last_id ||
	    ev->data_len != b->r.o->size || !http_parse_u64(ev->data, SSE_ROUND_DIGITS, &r) ||
	    ev->type_len != 7 || memcmp(ev->type, "message", 7) != 0) {
		b->bad++;
		return;
	}
	c->last_id = id;
	if (r != b->round || c->got + 1 != r) {
		b->bad++;                       /* not the event being published */
		return;
	}
	uint64_t now = net_now_us();
	c->got = r;
	b->delivered++;
	b->last_us = now;
	b->last_progress_us = now;
	net_latency_record(&b->lat, now - b->sent_us);
	round_check(b);
}

/* Body bytes of the stream, in whatever pieces they came. */
static bool stream_feed(struct sse_bench *b, struct ssc *c, const char *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		size_t used;
		struct sse_event ev;
		int r = sse_parser_feed(&c->sse, p + off, len - off, &used, &ev);
		off += used;
		if (r < 0)
			return false;
		if (r == SSE_EVENT)
			on_event(b, c, &ev);
	}
	return true;
}

/* The answer's head: it must be 200 and an event stream (WHATWG HTML
 * §9.2.3 fails the connection otherwise).  Returns its length, 0 for
 * more bytes, -1 for a refusal. */
static ssize_t read_head(struct ssc *c, uint8_t *data, size_t len)
{
	struct http_parser hp;
	struct http_header fields[SSE_HEAD_FIELDS];
	struct http_response res = { .headers = fields, .header_cap = SSE_HEAD_FIELDS };
	http_parser_init(&hp);
	ssize_t n = http_response_parse(&hp, (char *)data, len, &res, NULL);
	if (n == HTTP_INCOMPLETE)
		return 0;
	if (n < 0 || res.status != 200)
		return -1;
	const struct http_header *ct = http_header_find(fields, res.num_headers, "Content-Type");
	size_t tl = sizeof "text/event-stream" - 1;
	if (!ct || ct->value_len < tl || !http_slice_equals(ct->value, tl, "text/event-stream"))
		return -1;
	http_body_init_response(&c->body, &res, NULL);
	return n;
}

static size_t on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct ssc *c = net_conn_ud(nc);
	struct sse_bench *b = c->b;
	size_t off = 0;
	if (c->state == SSC_HEAD) {
		ssize_t n = read_head(c, data, len);
		if (n == 0)
			return 0;
		if (n < 0) {
			c->state = SSC_CLOSED;
			net_conn_abort(nc, EPROTO);
			loadgen_dialer_done(&b->r.dial, EPROTO, "GET /events was not answered "
					  "200 text/event-stream");
			return len;
		}
		c->state = SSC_STREAM;
		loadgen_dialer_done(&b->r.dial, 0, NULL);
		off = (size_t)n;
	}
	while (off < len && c->state == SSC_STREAM) {
		const char *run;
		size_t rl;
		ssize_t k = http_body_read(&c->body, (char *)data + off, len - off, &run, &rl);
		if (k < 0 || (rl > 0 && !stream_feed(b, c, run, rl))) {
			c->state = SSC_CLOSED;
			net_conn_abort(nc, EPROTO);
			return len;
		}
		if (k == 0)
			break;
		off += (size_t)k;
		if (http_body_done(&c->body)) { /* the server ended the stream */
			c->state = SSC_CLOSED;
			net_conn_close(nc);
		}
	}
	return c->state == SSC_STREAM ? off : len;
}

static void on_connect(struct net_conn *nc, int err)
{
	struct ssc *c = net_conn_ud(nc);
	if (err)
		return;                         /* on_close follows */
	c->state = SSC_HEAD;
	if (net_conn_write(nc, c->b->get, c->b->get_len) < 0)
		net_conn_abort(nc, EIO);
}

static void on_close(struct net_conn *nc, int err)
{
	struct ssc *c = net_conn_ud(nc);
	uint8_t was = c->state;
	c->state = SSC_CLOSED;
	c->nc = NULL;
	loadgen_run_closed(&c->b->r, was == SSC_CONNECTING || was == SSC_HEAD, err,
			 "the server closed an event stream during the run");
}

static const struct net_conn_ops ssc_ops = {
	.on_data = on_data, .on_connect = on_connect, .on_close = on_close,
};

static int open_one(struct loadgen_dialer *d, size_t i)
{
	struct sse_bench *b = d->ud;
	struct ssc *c = &b->conns[i];
	c->b = b;
	c->state = SSC_CONNECTING;
	sse_parser_init(&c->sse, NULL);
	c->nc = loadgen_connect(&b->r, i, &ssc_ops, c);
	if (!c->nc) {
		c->state = SSC_CLOSED;
		return errno ? errno : ENOMEM;
	}
	b->r.open++;
	return 0;
}

/* --- setting up, the phases, the result ---------------------------------- */

/* GET BASE/events, and the POST with its data: ten digits of round, a
 * space, padding. */
static bool encode_requests(struct sse_bench *b)
{
	const struct loadgen_opts *o = b->r.o;
	char target[LOADGEN_PATH_MAX + 16];
	struct http_writer w;
	snprintf(target, sizeof target, "%s/events", o->path);
	http_writer_init(&w, b->get, sizeof b->get);
	http_writer_request_line(&w, "GET", target);
	http_writer_header(&w, "Host", b->r.hostport);
	http_writer_header(&w, "Accept", "text/event-stream");
	http_writer_header(&w, "Cache-Control", "no-cache");
	http_writer_end_head(&w);
	ssize_t n = http_writer_finish(&w);
	if (n < 0)
		return false;
	b->get_len = (size_t)n;

	size_t cap = SSE_REQ_MAX + o->size;
	struct publisher *p = &b->pub;
	p->req = malloc(cap);
	if (!p->req)
		return false;
	snprintf(target, sizeof target, "%s/publish", o->path);
	http_writer_init(&w, p->req, cap);
	http_writer_request_line(&w, "POST", target);
	http_writer_header(&w, "Host", b->r.hostport);
	http_writer_header(&w, "Content-Type", "text/plain; charset=utf-8");
	http_writer_header_u64(&w, "Content-Length", o->size);
	http_writer_end_head(&w);
	n = http_writer_finish(&w);
	if (n < 0)
		return false;
	p->round_at = (size_t)n;
	memset(p->req + n, 'x', o->size);
	memset(p->req + n, '0', SSE_ROUND_DIGITS);
	p->req[n + SSE_ROUND_DIGITS] = ' ';
	p->req_len = (size_t)n + o->size;
	return true;
}

static void all_ready(struct sse_bench *b, uint64_t now)
{
	if (b->r.o->idle) {
		printf("ready %zu\n", b->r.dial.ready);
		fflush(stdout);
		b->r.phase = PH_HOLD;
		b->first_us = now;
		b->hold_end_us = b->r.o->hold_s ? now + b->r.o->hold_s * 1000000 : 0;
		return;
	}
	b->r.phase = PH_PUBLISH;                  /* the first POST goes on connect */
	b->last_progress_us = now;
	b->pub.nc = net_connect(b->r.loop, b->r.o->host, b->r.o->port, &pub_ops, b, &b->r.ledger);
	if (!b->pub.nc)
		loadgen_run_fail(&b->r, "cannot open the publishing connection");
}

static void on_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct sse_bench *b = ud;
	uint64_t now = net_now_us();
	switch (b->r.phase) {
	case PH_SETUP:
		if (b->r.dial.failed)
			loadgen_run_fail(&b->r, "a stream could not be opened");
		else if (loadgen_dialer_complete(&b->r.dial))
			all_ready(b, now);
		else if (now - b->first_us > (uint64_t)LOADGEN_SETUP_MS * 1000)
			loadgen_run_fail(&b->r, "streams took too long to open");
		break;
	case PH_PUBLISH:
		if (now - b->last_progress_us > (uint64_t)LOADGEN_STALL_MS * 1000)
			loadgen_run_fail(&b->r, "no delivery for 10 seconds");
		break;
	case PH_HOLD:
		if (b->hold_end_us && now >= b->hold_end_us) {
			b->last_us = now;
			b->r.phase = PH_DONE;
			net_loop_stop(b->r.loop);
		}
		break;
	default:                                /* DONE; WARMUP and MEASURE are ws-echo's */
		break;
	}
}

static void close_all(struct sse_bench *b)
{
	for (size_t i = 0; i < b->r.dial.started; i++)
		if (b->conns[i].nc)
			net_conn_close(b->conns[i].nc);
	if (b->pub.nc)
		net_conn_close(b->pub.nc);
	uint64_t until = net_now_us() + 3000000;
	while ((b->r.open > 0 || b->pub.nc) && net_now_us() < until)
		net_loop_run_once(b->r.loop, 50);
	for (size_t i = 0; i < b->r.dial.started; i++)
		if (b->conns[i].nc)
			net_conn_abort(b->conns[i].nc, 0);
	if (b->pub.nc)
		net_conn_abort(b->pub.nc, 0);
	net_loop_run_once(b->r.loop, 0);
	for (size_t i = 0; i < b->r.dial.started; i++)
		sse_parser_free(&b->conns[i].sse);
}

static void report(struct sse_bench *b)
{
	const struct loadgen_opts *o = b->r.o;
	double secs = (double)(b->last_us - b->first_us) / 1e6;
	if (o->idle) {
		printf("idle sse %s:%u%s/events: %zu streams held %.1f s, %llu dropped\n",
		       o->host, (unsigned)o->port, o->path, b->r.dial.ready, secs,
		       (unsigned long long)b->r.dropped);
		printf("{\"mode\":\"idle\",\"kind\":\"sse\",\"connections\":%zu,\"held_s\":%.3f,"
		       "\"dropped\":%llu}\n", b->r.dial.ready, secs, (unsigned long long)b->r.dropped);
		return;
	}
	uint64_t n = b->lat.count;
	double rate = secs > 0 ? (double)n / secs : 0;
	double sys = n ? (double)(b->sys1 - b->sys0) / (double)n : 0;
	double cpu = b->cpu0 >= 0 && b->cpu1 >= 0 && n ?
		(double)(b->cpu1 - b->cpu0) / (double)n : -1;
	double flt = b->flt0 >= 0 && b->flt1 >= 0 && n ?
		(double)(b->flt1 - b->flt0) / (double)n : -1;
	uint64_t p50 = net_latency_percentile(&b->lat, 50), p99 = net_latency_percentile(&b->lat, 99);
	printf("sse-fanout %s:%u%s: %llu clients x %llu events of %llu B: %.0f deliveries/s "
	       "(%llu in %.2f s), latency p50 %llu us p99 %llu us max %llu us, "
	       "%.3f client syscalls/delivery, ",
	       o->host, (unsigned)o->port, o->path, (unsigned long long)o->connections,
	       (unsigned long long)o->events, (unsigned long long)o->size, rate,
	       (unsigned long long)n, secs, (unsigned long long)p50, (unsigned long long)p99,
	       (unsigned long long)b->lat.max_us, sys);
	if (cpu >= 0)
		printf("%.3f server CPU us/delivery, %.3f server page faults/delivery, ",
		       cpu, flt);
	printf("%llu bad\n", (unsigned long long)b->bad);
	printf("{\"mode\":\"sse-fanout\",\"clients\":%llu,\"events\":%llu,\"size\":%llu,"
	       "\"seconds\":%.3f,\"deliveries\":%llu,\"deliveries_per_s\":%.1f,"
	       "\"latency_p50_us\":%llu,\"latency_p99_us\":%llu,\"latency_max_us\":%llu,"
	       "\"client_syscalls_per_delivery\":%.4f,\"server_cpu_us_per_delivery\":%.4f,"
	       "\"server_minflt_per_delivery\":%.4f,\"bad\":%llu}\n",
	       (unsigned long long)o->connections, (unsigned long long)o->events,
	       (unsigned long long)o->size, secs, (unsigned long long)n, rate,
	       (unsigned long long)p50, (unsigned long long)p99,
	       (unsigned long long)b->lat.max_us, sys, cpu, flt, (unsigned long long)b->bad);
}

int loadgen_sse_run(const struct loadgen_opts *o)
{
	struct sse_bench *b = calloc(1, sizeof *b);
	if (!b)
		return 1;
	b->conns = calloc(o->connections, sizeof *b->conns);
	int status = 1;
	if (!loadgen_run_init(&b->r, o) || !b->conns || !encode_requests(b)) {
		fprintf(stderr, "loadgen: cannot start: %s\n", strerror(errno));
		goto out;
	}
	b->first_us = net_now_us();
	loadgen_run_loop(&b->r, open_one, b, SSE_TICK_MS, on_tick);
	if (b->r.phase == PH_HOLD) {              /* idle, stopped by a signal */
		b->last_us = net_now_us();
		b->r.phase = PH_DONE;
	}
	bool stopped_early = b->r.phase != PH_DONE;
	b->r.phase = PH_DONE;
	close_all(b);
	char where[96];
	snprintf(where, sizeof where, " (round %llu, %llu of %zu delivered)",
		 (unsigned long long)b->round, (unsigned long long)b->delivered, b->r.dial.total);
	if (loadgen_run_verdict(&b->r, "streams", stopped_early, where)) {
		report(b);
		status = b->bad ? 1 : 0;
	}
out:
	loadgen_run_free(&b->r);
	free(b->conns);
	free(b->pub.req);
	free(b);
	return status;
}
