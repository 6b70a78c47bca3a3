/* long_poll.c -- held long polls: `loadgen idle lp`.
 *
 * N connections, each holding GET BASE/score?since=ID&timeout=MS: the
 * request a long-polling client leaves with the server while nothing
 * happens.  ID is the latest event's id, asked once before the run with
 * a plain GET BASE/score (a short poll), so that every poll is held
 * rather than answered with the history.  MS is the longest the server
 * allows (PP_LP_MAX_TIMEOUT_MS, 120 s): a poll answered anyway -- 204 at
 * its timeout, or 200 with events -- is asked again at once from the
 * answer's "latest", as a client would, so the N requests stay held for
 * as long as --hold says.
 *
 * The request is encoded once for the current ID and sent by every
 * client from that memory; an answer is read whole (a head, at most a
 * small body) and parsed from its start each time, as the publisher of
 * sse.c does.  Per client: a pointer, the connection and a state.
 *
 * Read next: tools/bench/run.sh, which runs this in its hundredk section.
 */
#include "loadgen.h"
#include "http/http_body.h"
#include "http/http_parser.h"
#include "http/http_writer.h"
#include "net/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LP_HEAD_FIELDS   32
#define LP_TICK_MS       50
#define LP_TIMEOUT_MS    120000         /* the server's most (PP_LP_MAX_TIMEOUT_MS) */
#define LP_ID_MAX        64             /* "<epoch>-<seq>" */
#define LP_PROBE_MS      5000           /* the first GET /score must be answered by then */
#define LP_REQ_MAX       (LOADGEN_PATH_MAX + 512)

enum lpc_state { LPC_CONNECTING, LPC_ASKED, LPC_HELD, LPC_CLOSED };

struct lp_bench;

struct lpc {
	struct lp_bench *b;
	struct net_conn *nc;
	uint8_t state;                  /* enum lpc_state */
};

struct lp_bench {
	struct loadgen_run r;           /* phases: SETUP, HOLD, DONE */
	struct lpc *conns;
	struct lpc probe;
	char id[LP_ID_MAX];             /* the latest event's id: since= */
	char req[LP_REQ_MAX];           /* the poll, encoded for 'id' */
	size_t req_len;
	uint64_t t0_us, t1_us, hold_end_us;
	uint64_t answered;              /* polls answered during the run, and asked again */
};

/* GET BASE/score?since=ID&timeout=MS ('id' empty: a plain GET BASE/score). */
static bool encode_poll(struct lp_bench *b, const char *id)
{
	char target[LOADGEN_PATH_MAX + LP_ID_MAX + 48];
	struct http_writer w;
	if (*id)
		snprintf(target, sizeof target, "%s/score?since=%s&timeout=%u", b->r.o->path, id,
			 (unsigned)LP_TIMEOUT_MS);
	else
		snprintf(target, sizeof target, "%s/score", b->r.o->path);
	http_writer_init(&w, b->req, sizeof b->req);
	http_writer_request_line(&w, "GET", target);
	http_writer_header(&w, "Host", b->r.hostport);
	http_writer_end_head(&w);
	ssize_t n = http_writer_finish(&w);
	b->req_len = n < 0 ? 0 : (size_t)n;
	return n > 0;
}

/* A JSON member's value as text: '"name":' then a string or a number. */
static bool json_member(const char *body, size_t len, const char *name, char *out, size_t cap)
{
	char key[32];
	int kl = snprintf(key, sizeof key, "\"%s\":", name);
	const char *p = memmem(body, len, key, (size_t)kl);
	if (!p)
		return false;
	p += kl;
	const char *end = body + len;
	if (p < end && *p == '"')
		p++;
	size_t n = 0;
	while (p + n < end && p[n] != '"' && p[n] != ',' && p[n] != '}')
		n++;
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* One whole answer at 'data', or 0 for more bytes, -1 for a bad one.
 * 'latest' gets the id to ask from next: the probe's "id", a 200's
 * "latest" (a seq, which the server takes as one of its epoch). */
static ssize_t read_answer(uint8_t *data, size_t len, bool probe, char *latest, size_t cap)
{
	struct http_parser hp;
	struct http_header fields[LP_HEAD_FIELDS];
	struct http_response res = { .headers = fields, .header_cap = LP_HEAD_FIELDS };
	http_parser_init(&hp);
	ssize_t n = http_response_parse(&hp, (char *)data, len, &res, NULL);
	if (n == HTTP_INCOMPLETE)
		return 0;
	if (n < 0 || (res.status != 200 && res.status != 204))
		return -1;
	struct http_body body;
	http_body_init_response(&body, &res, NULL);
	size_t used = (size_t)n, blen = 0;
	const char *bstart = NULL;
	while (!http_body_done(&body)) {
		const char *run;
		size_t rl;
		ssize_t k = http_body_read(&body, (char *)data + used, len - used, &run, &rl);
		if (k < 0)
			return -1;
		if (k == 0)
			return 0;
		if (rl > 0 && !bstart)
			bstart = run;
		blen += rl;
		used += (size_t)k;
	}
	if (res.status == 200 && bstart &&
	    !json_member(bstart, blen, probe ? "id" : "latest", latest, cap))
		return -1;
	return (ssize_t)used;
}

static size_t on_data(struct net_conn *nc, uint8_t *data, size_t len)
{
	struct lpc *c = net_conn_ud(nc);
	struct lp_bench *b = c->b;
	bool probe = c == &b->probe;
	char latest[LP_ID_MAX] = "";
	ssize_t n = read_answer(data, len, probe, latest, sizeof latest);
	if (n == 0)
		return 0;
	if (n < 0 || (probe && !*latest)) {
		c->state = LPC_CLOSED;
		net_conn_abort(nc, EPROTO);
		if (!probe)
			loadgen_dialer_done(&b->r.dial, EPROTO, "GET /score?since= was not "
					    "answered 200 or 204 with JSON");
		return len;
	}
	if (probe) {
		memcpy(b->id, latest, sizeof b->id);
		c->state = LPC_CLOSED;
		net_conn_close(nc);
		return len;
	}
	if (*latest && strcmp(latest, b->id) != 0) {    /* events came: ask from the newest */
		memcpy(b->id, latest, sizeof b->id);
		encode_poll(b, b->id);
	}
	b->answered++;
	if (net_conn_write(nc, b->req, b->req_len) < 0)
		net_conn_abort(nc, EIO);
	return (size_t)n;
}

/* A poll sent and nothing back yet: it is held.  The dialer counts a
 * client ready once its request is out (the server answers nothing to a
 * held poll, so there is no other sign). */
static void on_connect(struct net_conn *nc, int err)
{
	struct lpc *c = net_conn_ud(nc);
	if (err)
		return;                         /* on_close follows */
	c->state = LPC_ASKED;
	if (net_conn_write(nc, c->b->req, c->b->req_len) < 0) {
		net_conn_abort(nc, EIO);
		return;
	}
	if (c != &c->b->probe) {
		c->state = LPC_HELD;
		loadgen_dialer_done(&c->b->r.dial, 0, NULL);
	}
}

static void on_close(struct net_conn *nc, int err)
{
	struct lpc *c = net_conn_ud(nc);
	uint8_t was = c->state;
	c->state = LPC_CLOSED;
	c->nc = NULL;
	if (c == &c->b->probe)
		return;
	loadgen_run_closed(&c->b->r, was == LPC_CONNECTING || was == LPC_ASKED, err,
			   "the server closed a held poll during the run");
}

static const struct net_conn_ops lpc_ops = {
	.on_data = on_data, .on_connect = on_connect, .on_close = on_close,
};

static int open_one(struct loadgen_dialer *d, size_t i)
{
	struct lp_bench *b = d->ud;
	struct lpc *c = &b->conns[i];
	c->b = b;
	c->state = LPC_CONNECTING;
	c->nc = loadgen_connect(&b->r, i, &lpc_ops, c);
	if (!c->nc) {
		c->state = LPC_CLOSED;
		return errno ? errno : ENOMEM;
	}
	b->r.open++;
	return 0;
}

/* The latest event's id, from one GET BASE/score, into b->id. */
static bool probe_latest(struct lp_bench *b)
{
	if (!encode_poll(b, ""))
		return false;
	b->probe = (struct lpc){ .b = b, .state = LPC_CONNECTING };
	b->probe.nc = net_connect(b->r.loop, b->r.o->host, b->r.o->port, &lpc_ops, &b->probe,
				  &b->r.ledger);
	uint64_t until = net_now_us() + LP_PROBE_MS * 1000ull;
	while (b->probe.nc && !*b->id && net_now_us() < until)
		net_loop_run_once(b->r.loop, 50);
	if (b->probe.nc)
		net_conn_abort(b->probe.nc, 0);
	net_loop_run_once(b->r.loop, 0);
	return *b->id && encode_poll(b, b->id);
}

static void on_tick(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	struct lp_bench *b = ud;
	uint64_t now = net_now_us();
	if (b->r.phase == PH_SETUP) {
		if (b->r.dial.failed) {
			loadgen_run_fail(&b->r, "a poll could not be sent");
		} else if (loadgen_dialer_complete(&b->r.dial)) {
			printf("ready %zu\n", b->r.dial.ready);
			fflush(stdout);
			b->r.phase = PH_HOLD;
			b->t0_us = now;
			b->hold_end_us = b->r.o->hold_s ? now + b->r.o->hold_s * 1000000 : 0;
		} else if (now - b->t0_us > (uint64_t)LOADGEN_SETUP_MS * 1000) {
			loadgen_run_fail(&b->r, "polls took too long to send");
		}
	} else if (b->r.phase == PH_HOLD && b->hold_end_us && now >= b->hold_end_us) {
		b->t1_us = now;
		b->r.phase = PH_DONE;
		net_loop_stop(b->r.loop);
	}
}

static void close_all(struct lp_bench *b)
{
	for (size_t i = 0; i < b->r.dial.started; i++)
		if (b->conns[i].nc)
			net_conn_close(b->conns[i].nc);
	uint64_t until = net_now_us() + 3000000;
	while (b->r.open > 0 && net_now_us() < until)
		net_loop_run_once(b->r.loop, 50);
	for (size_t i = 0; i < b->r.dial.started; i++)
		if (b->conns[i].nc)
			net_conn_abort(b->conns[i].nc, 0);
	net_loop_run_once(b->r.loop, 0);
}

int loadgen_lp_run(const struct loadgen_opts *o)
{
	struct lp_bench *b = calloc(1, sizeof *b);
	if (!b)
		return 1;
	b->conns = calloc(o->connections, sizeof *b->conns);
	int status = 1;
	if (!loadgen_run_init(&b->r, o) || !b->conns) {
		fprintf(stderr, "loadgen: cannot start: %s\n", strerror(errno));
		goto out;
	}
	if (!probe_latest(b)) {
		fprintf(stderr, "loadgen: GET %s/score on %s gave no latest id\n", o->path,
			b->r.hostport);
		goto out;
	}
	b->t0_us = net_now_us();
	loadgen_run_loop(&b->r, open_one, b, LP_TICK_MS, on_tick);
	if (b->r.phase == PH_HOLD) {            /* stopped by a signal */
		b->t1_us = net_now_us();
		b->r.phase = PH_DONE;
	}
	bool stopped_early = b->r.phase != PH_DONE;
	b->r.phase = PH_DONE;
	close_all(b);
	if (loadgen_run_verdict(&b->r, "polls", stopped_early, NULL)) {
		double held = (double)(b->t1_us - b->t0_us) / 1e6;
		printf("idle lp %s:%u%s/score: %zu polls held %.1f s from %s, %llu answered and "
		       "asked again, %llu dropped\n", o->host, (unsigned)o->port, o->path,
		       b->r.dial.ready, held, b->id, (unsigned long long)b->answered,
		       (unsigned long long)b->r.dropped);
		printf("{\"mode\":\"idle\",\"kind\":\"lp\",\"connections\":%zu,\"held_s\":%.3f,"
		       "\"answered\":%llu,\"dropped\":%llu}\n", b->r.dial.ready, held,
		       (unsigned long long)b->answered, (unsigned long long)b->r.dropped);
		status = 0;
	}
out:
	loadgen_run_free(&b->r);
	free(b->conns);
	free(b);
	return status;
}
