/* test_sse_endpoint_client.c -- the EventSource-like client (pp_client of
 * paradigm PP_SSE, client_sse.c) against the real /events endpoint over
 * 127.0.0.1: events as the server renders them, reconnection after a
 * dropped stream and across a server restart (Last-Event-ID, the
 * server's retry time, no loss, no duplicate), its retries (a count of
 * failures in a row that a stream opened starts again), and the answers
 * that make it give up for good (WHATWG HTML §9.2.3: not 200, or not
 * text/event-stream) or try again later (5xx, 408, 429: our own rule).
 * Helpers: support/sse_endpoint.h.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/http_fields.h"
#include "paradigms/client.h"
#include "support/looptest.h"
#include "support/sse_endpoint.h"

/* --- what a client received ------------------------------------------------ */

#define REC_MAX 4096

struct rec {
	uint64_t seq[REC_MAX];
	size_t n;
	struct tbuf json;               /* each event's JSON, one per line */
	struct tbuf notes;              /* each note, one per line */
};

static void rec_event(struct pp_client *c, const struct pp_client_event *ev, void *ud)
{
	(void)c;
	struct rec *r = ud;
	ck_assert_uint_lt(r->n, REC_MAX);
	r->seq[r->n++] = ev->seq;
	tbuf_append(&r->json, ev->json, ev->json_len);
	tbuf_append(&r->json, "\n", 1);
}

static void rec_note(struct pp_client *c, const char *msg, void *ud)
{
	(void)c;
	struct rec *r = ud;
	tbuf_append(&r->notes, msg, strlen(msg));
	tbuf_append(&r->notes, "\n", 1);
}

static void rec_free(struct rec *r)
{
	tbuf_free(&r->json);
	tbuf_free(&r->notes);
}

static struct pp_client *client_start(struct srv *s, const char *path, struct rec *r,
				      struct net_ledger *ledger)
{
	struct pp_client_opts o = {
		.paradigm = PP_SSE, .host = "127.0.0.1", .port = s->port, .path = path,
		.ledger = ledger, .on_event = rec_event, .on_note = rec_note, .ud = r,
	};
	struct pp_client *c = pp_client_start(s->loop, &o);
	ck_assert_msg(c != NULL, "pp_client_start: %s", strerror(errno));
	return c;
}

struct rec_wait { struct rec *r; size_t n; };

static bool rec_has(void *arg)
{
	struct rec_wait *w = arg;
	return w->r->n >= w->n;
}

static void wait_events(struct srv *s, struct rec *r, size_t n)
{
	struct rec_wait w = { r, n };
	ck_assert_msg(net_loop_run_until(s->loop, rec_has, &w, WAIT_MS),
		      "%zu of %zu events; notes:\n%s", r->n, n, tbuf_str(&r->notes));
}

/* The JSON lines the server renders for events 'from'..latest. */
static void json_feed(struct tbuf *out, const struct feed *f, uint64_t from)
{
	for (uint64_t q = from; q <= feed_latest(f); q++) {
		const struct feed_event *ev = feed_get(f, q);
		size_t need = feed_event_json(ev, NULL, 0);
		char *buf = malloc(need + 1);
		ck_assert_ptr_nonnull(buf);
		feed_event_json(ev, buf, need + 1);
		tbuf_append(out, buf, need);
		tbuf_append(out, "\n", 1);
		free(buf);
	}
}

/* Checks that the client got exactly the events first..first+n-1, in order. */
static void assert_seqs(const struct rec *r, uint64_t first, size_t n)
{
	ck_assert_uint_eq(r->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(r->seq[i] == first + i, "event %zu has seq %llu", i,
			      (unsigned long long)r->seq[i]);
}

/* Cuts every connection the server has accepted, as a failing network
 * would: shutdown() on the server's end of each.  Both ends live in this
 * process, so the server's sockets are among our own descriptors: local
 * port the server's, and a peer (the listener has none).  Returns how
 * many were cut. */
static int srv_cut_all(struct srv *s)
{
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	int cut = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		struct sockaddr_in a;
		socklen_t l = sizeof a;
		if (e->d_name[0] == '.' || getsockname(fd, (struct sockaddr *)&a, &l) != 0 ||
		    a.sin_family != AF_INET || ntohs(a.sin_port) != s->port)
			continue;
		l = sizeof a;
		if (getpeername(fd, (struct sockaddr *)&a, &l) == 0 && shutdown(fd, SHUT_RDWR) == 0)
			cut++;
	}
	closedir(d);
	return cut;
}

/* --- receiving ---------------------------------------------------------------- */

/* Each event comes out as the JSON the server renders for it (client.h:
 * the outputs of every paradigm compare line for line). */
START_TEST(test_client_receives)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	srv_wait_subscribers(&s, 1);
	srv_publish_str(&s, "plain");
	srv_publish(&s, "goal", "two\nlines", 9);
	srv_publish(&s, "message", "", 0);
	srv_publish_str(&s, "quote \" backslash \\ tab \t caf\xc3\xa9 \xf0\x9f\x8e\x89");
	srv_publish_str(&s, "{\"json\":[1,2]}");
	wait_events(&s, &r, 5);
	struct tbuf want = { 0 };
	json_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&r.json), tbuf_str(&want));
	assert_seqs(&r, 1, 5);
	ck_assert_uint_eq(pp_client_events(c), 5);
	ck_assert_uint_eq(pp_client_missed(c), 0);
	ck_assert_uint_eq(pp_client_last_seq(c), 5);
	tbuf_free(&want);
	pp_client_free(c);
	srv_wait_subscribers(&s, 0);                    /* freeing it closed the stream */
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* An event larger than the client will hold (its data limit) cannot be
 * received by reconnecting either -- the replay would bring it again --
 * so the client gives up, saying why. */
START_TEST(test_client_event_too_large)
{
	struct pp_config cfg = { .sse_queue_cap = 8 * SSE_DATA_MAX };   /* the server sends it */
	struct srv s;
	srv_start(&s, 0, &cfg);
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	srv_wait_subscribers(&s, 1);
	srv_publish_str(&s, "small");
	size_t n = SSE_DATA_MAX + 1;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	srv_publish(&s, "message", big, n);
	free(big);
	wait_events(&s, &r, 1);
	srv_wait_subscribers(&s, 0);
	looptest_run_for(s.loop, 300);
	ck_assert_uint_eq(feed_subscribers(s.hub.feed), 0);     /* no reconnection */
	ck_assert(pp_client_finished(c));
	ck_assert_msg(strstr(tbuf_str(&r.notes), "giving up") != NULL, "%s", tbuf_str(&r.notes));
	ck_assert_uint_eq(r.n, 1);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* --- reconnecting --------------------------------------------------------- */

/* The server's end of the stream goes away.  The client waits the
 * server's retry time -- not its own default of three seconds -- and
 * comes back with Last-Event-ID: the events published meanwhile are
 * replayed, then live ones follow, none lost, none twice. */
START_TEST(test_client_reconnects_after_drop)
{
	struct pp_config cfg = { .sse_retry_ms = 200 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	srv_wait_subscribers(&s, 1);
	for (int i = 0; i < 3; i++)
		srv_publish_str(&s, "before");
	wait_events(&s, &r, 3);
	for (int round = 0; round < 3; round++) {
		ck_assert_int_eq(srv_cut_all(&s), 1);
		uint64_t t0 = looptest_now_ms();
		srv_wait_subscribers(&s, 0);
		for (int i = 0; i < 3; i++)
			srv_publish_str(&s, "while away");
		srv_wait_subscribers(&s, 1);
		uint64_t took = looptest_now_ms() - t0;
		ck_assert_uint_ge(took, 200 - 5);       /* the server's retry... */
		ck_assert_uint_lt(took, SSE_RETRY_DEFAULT_MS);  /* ...not the default */
		srv_publish_str(&s, "live");
		wait_events(&s, &r, 3 + 4 * (size_t)(round + 1));
	}
	looptest_run_for(s.loop, 50);
	assert_seqs(&r, 1, 15);
	struct tbuf want = { 0 };
	json_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&r.json), tbuf_str(&want));
	ck_assert_uint_eq(pp_client_missed(c), 0);
	tbuf_free(&want);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* The server goes down; the client's attempts are refused meanwhile;
 * a new server on the same port with the same feed (which went on
 * growing) gets the client back, and nothing is lost. */
START_TEST(test_client_reconnects_across_restart)
{
	struct pp_config cfg = { .sse_retry_ms = 50 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	uint16_t port = s.port;
	struct rec r = { 0 };
	struct net_ledger cl;
	net_ledger_init(&cl, "client");
	struct pp_client *c = client_start(&s, "/events", &r, &cl);
	srv_wait_subscribers(&s, 1);
	srv_publish_str(&s, "one");
	srv_publish_str(&s, "two");
	wait_events(&s, &r, 2);
	srv_close(&s);
	for (int i = 0; i < 5; i++)
		srv_publish_str(&s, "while down");
	uint64_t attempts = cl.c.sys[NET_SYS_CONNECT];
	looptest_run_for(s.loop, 300);
	ck_assert_uint_ge(cl.c.sys[NET_SYS_CONNECT], attempts + 2);    /* refused, tried again */
	ck_assert_uint_eq(r.n, 2);
	srv_listen(&s, port);
	ck_assert_uint_eq(s.port, port);
	wait_events(&s, &r, 7);
	srv_publish_str(&s, "after");
	wait_events(&s, &r, 8);
	looptest_run_for(s.loop, 50);
	assert_seqs(&r, 1, 8);
	struct tbuf want = { 0 };
	json_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&r.json), tbuf_str(&want));
	tbuf_free(&want);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* A restarted server with a new feed.  Events republished with their
 * numbers: the client resumes where it was.  A feed that starts over
 * (the client's id is newer than anything in it): the reset notice,
 * then the new numbering, counted from where it starts. */
START_TEST(test_client_restart_new_feed)
{
	struct pp_config cfg = { .sse_retry_ms = 50 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	uint16_t port = s.port;
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	srv_wait_subscribers(&s, 1);
	static const char *const texts[] = { "a", "b", "c", "d", "e" };
	for (int i = 0; i < 3; i++)
		srv_publish_str(&s, texts[i]);
	wait_events(&s, &r, 3);

	/* Restart 1: a new feed in the same epoch (what a journal gives)
	 * holding the same events, and more: the client goes on. */
	srv_close(&s);
	feed_free(s.hub.feed);
	s.hub.feed = feed_new(0, 0);
	feed_set_epoch(s.hub.feed, SSE_TEST_EPOCH);
	for (int i = 0; i < 5; i++)
		srv_publish_str(&s, texts[i]);
	srv_listen(&s, port);
	wait_events(&s, &r, 5);
	looptest_run_for(s.loop, 50);
	assert_seqs(&r, 1, 5);
	struct tbuf want = { 0 };
	json_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&r.json), tbuf_str(&want));
	ck_assert_uint_eq(pp_client_missed(c), 0);
	ck_assert_uint_eq(pp_client_gaps(c), 0);

	/* Restart 2: a feed that starts over with two events, in a new
	 * epoch (no journal): a gap of unknown size, said as such. */
	srv_close(&s);
	feed_free(s.hub.feed);
	s.hub.feed = feed_new(0, 0);
	srv_publish_str(&s, "new 1");
	srv_publish_str(&s, "new 2");
	srv_listen(&s, port);
	wait_events(&s, &r, 7);
	srv_publish_str(&s, "new 3");
	wait_events(&s, &r, 8);
	ck_assert_msg(strstr(tbuf_str(&r.notes), "reset (epoch): an unknown number of events lost") !=
		      NULL, "%s", tbuf_str(&r.notes));
	ck_assert_uint_eq(pp_client_gaps(c), 1);
	ck_assert_uint_eq(pp_client_gaps_unknown(c), 1);
	ck_assert_uint_eq(r.seq[5], 1);
	ck_assert_uint_eq(r.seq[6], 2);
	ck_assert_uint_eq(r.seq[7], 3);
	ck_assert_uint_eq(pp_client_last_seq(c), 3);    /* the new numbering */
	ck_assert_uint_eq(pp_client_missed(c), 0);
	tbuf_free(&want);
	json_feed(&want, s.hub.feed, 1);
	ck_assert_str_eq(tbuf_str(&r.json) + strlen(tbuf_str(&r.json)) - want.len,
			 tbuf_str(&want));
	tbuf_free(&want);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* The ring moved on while the client was away: it is told how many it
 * missed, counts them, and gets the rest. */
START_TEST(test_client_gap_counted)
{
	struct pp_config cfg = { .sse_retry_ms = 50 };
	struct srv s;
	srv_start(&s, 4, &cfg);
	uint16_t port = s.port;
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	srv_wait_subscribers(&s, 1);
	srv_publish_str(&s, "1");
	wait_events(&s, &r, 1);
	srv_close(&s);
	for (int i = 2; i <= 10; i++)
		srv_publish_str(&s, "more");            /* the ring keeps 7..10 */
	srv_listen(&s, port);
	wait_events(&s, &r, 5);
	looptest_run_for(s.loop, 50);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(r.seq[1], 7);
	ck_assert_uint_eq(pp_client_missed(c), 5);      /* 2..6 */
	ck_assert_uint_eq(pp_client_gaps(c), 1);
	ck_assert_uint_eq(pp_client_gaps_unknown(c), 0);
	ck_assert_msg(strstr(tbuf_str(&r.notes), "reset (evicted): 5 events lost") != NULL, "%s",
		      tbuf_str(&r.notes));
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* --- answers that end it for good -------------------------------------------- */

/* The first answer is a real stream: "retry: 50", an id, and the end.
 * Every later answer is the vector's.  A client that accepts it
 * reconnects every 50 ms; one that retries waits 50, 100, 200 ms...;
 * one that gives up never asks again. */
enum verdict { ACCEPTED, RETRIED, REFUSED };
static const struct {
	const char *name;
	int status;
	const char *ctype;              /* NULL: no Content-Type */
	enum verdict verdict;
} answer_vectors[] = {
	{ "event stream", 200, "text/event-stream", ACCEPTED },
	{ "with parameters", 200, "text/event-stream; charset=utf-8", ACCEPTED },
	{ "parameter without space", 200, "text/event-stream;charset=utf-8", ACCEPTED },
	{ "case-insensitive", 200, "Text/Event-Stream", ACCEPTED },      /* RFC 9110 §8.3.1 */
	{ "longer subtype", 200, "text/event-streams", REFUSED },
	{ "other subtype", 200, "text/event", REFUSED },
	{ "plain text", 200, "text/plain", REFUSED },
	{ "JSON", 200, "application/json", REFUSED },
	{ "no Content-Type", 200, NULL, REFUSED },
	{ "No Content", 204, NULL, REFUSED },
	{ "Created", 201, "text/event-stream", REFUSED },
	{ "Not Found", 404, "text/plain", REFUSED },
	{ "Internal Server Error", 500, "text/event-stream", RETRIED },
	{ "Service Unavailable", 503, "text/plain", RETRIED },
	{ "Too Many Requests", 429, "text/plain", RETRIED },
	{ "Request Timeout", 408, NULL, RETRIED },
};
#define N_ANSWERS (sizeof answer_vectors / sizeof answer_vectors[0])

struct answers {
	int vector;
	const char *first_id;           /* the id in the first answer: NULL, "7" */
	int requests;
	bool had_id;                    /* the latest request had Last-Event-ID... */
	char last_id[64];               /* ...with this value */
};

static void on_answer(struct http_exchange *x, const struct http_request *req,
		      const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	struct answers *a = ud;
	a->requests++;
	const struct http_header *h = http_header_find(req->headers, req->num_headers,
						       "Last-Event-ID");
	a->had_id = h != NULL;
	snprintf(a->last_id, sizeof a->last_id, "%.*s", h ? (int)h->value_len : 0,
		 h ? h->value : "");
	if (a->requests == 1) {
		ck_assert_int_eq(http_stream_start(x, 200, "text/event-stream", NULL), 0);
		char first[128];
		int n = snprintf(first, sizeof first, "retry: 50\nid: %s\ndata: x\n\n",
				 a->first_id ? a->first_id : "7");
		ck_assert_int_eq(http_stream_send(x, first, (size_t)n), 0);
		http_stream_end(x);
		return;
	}
	int status = answer_vectors[a->vector].status;
	const char *ctype = answer_vectors[a->vector].ctype;
	if (status == 200) {
		ck_assert_int_eq(http_stream_start(x, status, ctype, NULL), 0);
		http_stream_end(x);
	} else {
		http_respond(x, status, ctype, NULL, status == 204 ? NULL : "no\n",
			     status == 204 ? 0 : 3);
	}
}

/* The server has had 'requests' requests, or the client gave up. */
struct answer_wait { struct answers *a; struct pp_client *c; int requests; };

static bool answered_or_finished(void *arg)
{
	struct answer_wait *w = arg;
	return w->a->requests >= w->requests || pp_client_finished(w->c);
}

static bool client_finished(void *arg) { return pp_client_finished(arg); }

START_TEST(test_client_answer)
{
	struct srv s = { 0 };
	s.loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(s.loop);
	struct http_server_config hc = { 0 };
	s.http = http_server_new(s.loop, &hc);
	ck_assert_ptr_nonnull(s.http);
	s.port = http_server_port(s.http);
	struct answers a = { .vector = _i };
	ck_assert_int_eq(http_server_route(s.http, "GET", "/events", on_answer, &a), 0);
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	enum verdict verdict = answer_vectors[_i].verdict;
	net_loop_run_until(s.loop, answered_or_finished, &(struct answer_wait){ &a, c, 4 }, 2000);
	if (verdict == REFUSED) {
		looptest_run_for(s.loop, 200);          /* four reconnection times */
		ck_assert_int_eq(a.requests, 2);
		ck_assert(pp_client_finished(c));
		ck_assert(pp_client_gave_up(c));
		ck_assert_msg(strstr(tbuf_str(&r.notes), "not an event stream") != NULL, "%s",
			      tbuf_str(&r.notes));
		ck_assert_msg(strstr(pp_client_why(c), "not an event stream") != NULL, "%s",
			      pp_client_why(c));
	} else {
		ck_assert_int_ge(a.requests, 4);
		ck_assert(!pp_client_finished(c));
		ck_assert_str_eq(pp_client_why(c), "");
	}
	if (verdict == RETRIED)                 /* waits of 50, then 100 ms: counted */
		ck_assert_msg(strstr(tbuf_str(&r.notes), "; retry 2 of 5 in 100 ms") != NULL, "%s",
			      tbuf_str(&r.notes));
	ck_assert(a.had_id);
	ck_assert_str_eq(a.last_id, "7");               /* WHATWG HTML §9.2.4 */
	ck_assert_uint_eq(r.n, 1);
	pp_client_free(c);
	rec_free(&r);
	http_server_free(s.http);
	net_loop_run_once(s.loop, 0);
	net_loop_free(s.loop);
}
END_TEST

/* An id that cannot be a field value (it holds a control character) is
 * not sent back: the request stays valid, and asks for live events. */
START_TEST(test_client_id_not_sendable)
{
	struct srv s = { 0 };
	s.loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(s.loop);
	struct http_server_config hc = { 0 };
	s.http = http_server_new(s.loop, &hc);
	ck_assert_ptr_nonnull(s.http);
	s.port = http_server_port(s.http);
	struct answers a = { .vector = 0, .first_id = "a\x01" "b" };
	ck_assert_int_eq(http_server_route(s.http, "GET", "/events", on_answer, &a), 0);
	struct rec r = { 0 };
	struct pp_client *c = client_start(&s, "/events", &r, NULL);
	net_loop_run_until(s.loop, answered_or_finished, &(struct answer_wait){ &a, c, 2 }, 2000);
	ck_assert_int_ge(a.requests, 2);
	ck_assert(!a.had_id);
	pp_client_free(c);
	rec_free(&r);
	http_server_free(s.http);
	net_loop_run_once(s.loop, 0);
	net_loop_free(s.loop);
}
END_TEST

/* Pointed at /score, a JSON answer: the client gives up at once, and
 * the connection it opened is its only one. */
START_TEST(test_client_not_event_stream)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	srv_publish_str(&s, "state");
	struct rec r = { 0 };
	struct net_ledger cl;
	net_ledger_init(&cl, "client");
	struct pp_client *c = client_start(&s, "/score", &r, &cl);
	net_loop_run_until(s.loop, client_finished, c, 5000);
	ck_assert(pp_client_finished(c));
	ck_assert_msg(strstr(tbuf_str(&r.notes), "sse: the server answered 200 OK with "
			     "Content-Type application/json: not an event stream"),
		      "%s", tbuf_str(&r.notes));
	ck_assert(pp_client_gave_up(c));
	looptest_run_for(s.loop, 100);
	ck_assert_uint_eq(cl.c.sys[NET_SYS_CONNECT], 1);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(pp_client_events(c), 0);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* A server that is not there: the client keeps trying, at its default
 * reconnection time (no --interval given), and does not give up at the
 * first refusal. */
START_TEST(test_client_refused_keeps_trying)
{
	struct srv s;
	srv_start(&s, 0, NULL);
	uint16_t port = s.port;
	srv_close(&s);
	struct rec r = { 0 };
	struct net_ledger cl;
	net_ledger_init(&cl, "client");
	s.port = port;
	struct pp_client *c = client_start(&s, "/events", &r, &cl);
	looptest_run_for(s.loop, 100);
	ck_assert_uint_eq(cl.c.sys[NET_SYS_CONNECT], 1);
	ck_assert(!pp_client_finished(c));
	ck_assert_msg(strstr(tbuf_str(&r.notes), "sse: Connection refused; retry 1 of 5 in 3000 ms")
		      != NULL, "%s", tbuf_str(&r.notes));
	srv_listen(&s, port);
	srv_wait_subscribers(&s, 1);                    /* after SSE_RETRY_DEFAULT_MS */
	srv_publish_str(&s, "at last");
	wait_events(&s, &r, 1);
	ck_assert_uint_eq(cl.c.sys[NET_SYS_CONNECT], 2);
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

/* --- retries: failures in a row, counted again after a stream opened ------ */

struct connects { const struct net_ledger *l; uint64_t n; };

static bool connects_reached(void *arg)
{
	const struct connects *w = arg;
	return w->l->c.sys[NET_SYS_CONNECT] >= w->n;
}

static void wait_connects(struct srv *s, const struct net_ledger *l, uint64_t n)
{
	struct connects w = { l, n };
	ck_assert_msg(net_loop_run_until(s->loop, connects_reached, &w, WAIT_MS),
		      "%llu connects of %llu", (unsigned long long)l->c.sys[NET_SYS_CONNECT],
		      (unsigned long long)n);
}

/* With retries 2, the server away twice: each time two attempts are
 * refused, then it is back, and the stream that opens starts the count
 * again -- the second absence alone would be the client's end if it did
 * not.  The third time the server stays away, and the third refusal in a
 * row ends the client, saying why. */
START_TEST(test_client_retries_reset)
{
	struct pp_config cfg = { .sse_retry_ms = 50 };
	struct srv s;
	srv_start(&s, 0, &cfg);
	uint16_t port = s.port;
	struct rec r = { 0 };
	struct net_ledger cl;
	net_ledger_init(&cl, "client");
	struct pp_client_opts o = {
		.paradigm = PP_SSE, .host = "127.0.0.1", .port = port, .path = "/events",
		.retries = 2, .ledger = &cl, .on_event = rec_event, .on_note = rec_note, .ud = &r,
	};
	struct pp_client *c = pp_client_start(s.loop, &o);
	ck_assert_ptr_nonnull(c);
	srv_wait_subscribers(&s, 1);
	for (int away = 0; away < 2; away++) {
		uint64_t before = cl.c.sys[NET_SYS_CONNECT];
		srv_close(&s);
		wait_connects(&s, &cl, before + 2);     /* two refused: waits of 50, then 100 ms */
		ck_assert(!pp_client_finished(c));
		srv_listen(&s, port);
		srv_wait_subscribers(&s, 1);            /* the third attempt opens a stream */
		srv_publish_str(&s, "back");
		wait_events(&s, &r, (size_t)away + 1);
	}
	ck_assert_msg(strstr(tbuf_str(&r.notes), "retry 2 of 2 in 100 ms") != NULL, "%s",
		      tbuf_str(&r.notes));
	ck_assert_str_eq(pp_client_why(c), "");
	srv_close(&s);
	net_loop_run_until(s.loop, client_finished, c, WAIT_MS);
	ck_assert(pp_client_gave_up(c));
	ck_assert_str_eq(pp_client_why(c), "sse: gave up after 3 attempts: Connection refused");
	pp_client_free(c);
	rec_free(&r);
	srv_stop(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse_endpoint_client");
	TCase *tc = tcase_create("receive");
	tcase_add_test(tc, test_client_receives);
	tcase_add_test(tc, test_client_event_too_large);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("reconnect");
	tcase_add_test(tc, test_client_reconnects_after_drop);
	tcase_add_test(tc, test_client_reconnects_across_restart);
	tcase_add_test(tc, test_client_restart_new_feed);
	tcase_add_test(tc, test_client_gap_counted);
	tcase_add_test(tc, test_client_refused_keeps_trying);
	tcase_add_test(tc, test_client_retries_reset);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc, test_client_not_event_stream);
	tcase_add_test(tc, test_client_id_not_sendable);
	tcase_add_loop_test(tc, test_client_answer, 0, (int)N_ANSWERS);
	suite_add_tcase(s, tc);
	return s;
}
