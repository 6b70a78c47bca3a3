/* test_paradigms_page.c -- what a browser and a scraper are served
 * (server_page.c): the page itself, GET /ledger as JSON that follows RFC
 * 8259 and is live (connections still open are in it, what watching
 * costs is charged to the page), GET /metrics in Prometheus's text
 * format with every paradigm in it, and the ladder routes.  The JSON and
 * the exposition format are checked by checkers of their own
 * (support/jsoncheck.h, support/promcheck.h), themselves checked first
 * against text they must refuse. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paradigms/hub.h"
#include "paradigms/page.h"
#include "util/json.h"
#include "support/http_server_fixture.h"
#include "support/jsoncheck.h"
#include "support/promcheck.h"

#define WAIT_MS 3000

static struct pp_hub hub;
static struct pp_page page;
static struct net_ledger ledgers[PP_PARADIGMS];

static void page_start(void)
{
	fixture_start(NULL);
	memset(&hub, 0, sizeof hub);
	hub.loop = F.loop;
	hub.feed = feed_new(0, 0);
	ck_assert_ptr_nonnull(hub.feed);
	pp_config_defaults(&hub.cfg);
	pp_page_init(&page, &hub, F.srv);
	ck_assert_int_eq(pp_page_show(&page, &F.ledger), 0);
	for (int p = 0; p < PP_PARADIGMS; p++) {
		if (p == PP_SHORT_POLL)
			continue;               /* the server cannot tell it from rpc */
		char label[NET_LABEL_MAX];
		snprintf(label, sizeof label, "%s/server", pp_paradigm_name((enum pp_paradigm)p));
		net_ledger_init(&ledgers[p], label);
		ledgers[p].counts_events = true;
		hub.ledger[p] = &ledgers[p];
		ck_assert_int_eq(pp_page_show(&page, &ledgers[p]), 0);
	}
	ck_assert_int_eq(pp_page_show(&page, &page.own), 0);
	ck_assert_int_eq(pp_hub_routes(F.srv, &hub), 0);
	ck_assert_int_eq(pp_page_routes(F.srv, &page), 0);
}

static void page_stop(void)
{
	fixture_stop();
	feed_free(hub.feed);
	pp_hub_cleanup(&hub);
}

/* One whole answer on 'w' (Content-Length framed): its status, its head
 * (Date lines taken out) and its body, NUL-terminated, malloc'd. */
struct answer {
	int status;
	char *head, *body;
	size_t body_len;
};

static void take_answer(struct wire *w, struct answer *a)
{
	ck_assert_msg(wire_wait_str(w, "\r\n\r\n", WAIT_MS), "no answer head");
	wire_strip_date(w);
	const char *s = tbuf_str(&w->in);
	size_t head = (size_t)(strstr(s, "\r\n\r\n") + 4 - s);
	const char *cl = strstr(s, "Content-Length: ");
	size_t len = cl && (size_t)(cl - s) < head ? strtoul(cl + 16, NULL, 10) : 0;
	ck_assert(wire_wait_len(w, head + len, WAIT_MS));
	s = tbuf_str(&w->in);
	a->status = atoi(s + 9);
	a->head = strndup(s, head);
	a->body = malloc(len + 1);
	ck_assert(a->head && a->body);
	memcpy(a->body, s + head, len);
	a->body[len] = 0;
	a->body_len = len;
	wire_consume(w, head + len);
}

static void answer_free(struct answer *a)
{
	free(a->head);
	free(a->body);
}

static void get(struct wire *w, const char *path, struct answer *a)
{
	char req[256];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
	wire_sends(w, req);
	take_answer(w, a);
}

static void publish(struct wire *w, const char *data)
{
	char req[256];
	struct answer a;
	snprintf(req, sizeof req, "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(data), data);
	wire_sends(w, req);
	take_answer(w, &a);
	ck_assert_int_eq(a.status, 200);
	answer_free(&a);
}

/* The value of field 'key' in the object labelled 'label' of a /ledger
 * answer; fails the test when either is missing. */
static uint64_t ledger_field(const struct answer *a, const char *label, const char *key)
{
	size_t pos = 0, elen, vlen, llen;
	const char *el;
	char quoted[64];
	int n = snprintf(quoted, sizeof quoted, "\"%s\"", label);
	while (json_array_next(a->body, a->body_len, &pos, &el, &elen) == 1) {
		const char *l = json_get(el, elen, "label", &llen);
		if (!l || llen != (size_t)n || memcmp(l, quoted, llen) != 0)
			continue;
		const char *v = json_get(el, elen, key, &vlen);
		uint64_t u;
		ck_assert_msg(v && json_u64(v, vlen, &u) == 1, "%s: no %s", label, key);
		return u;
	}
	ck_abort_msg("no ledger %s in %s", label, a->body);
	return 0;
}

/* --- the checkers ------------------------------------------------------------ */

START_TEST(checkers_refuse)
{
	char why[160];
	static const char *const bad_json[] = {
		"", "[1,]", "{\"a\":1,}", "01", "1.", "-", "[1 2]", "{\"a\" 1}", "\"\\x\"",
		"\"a\nb\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "[1]x", "{1:2}", "tru", "\"\\u12g4\"",
	};
	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++)
		ck_assert_msg(!jsoncheck(bad_json[i], strlen(bad_json[i]), why, sizeof why),
			      "jsoncheck took %s", bad_json[i]);
	static const char *const good_json[] = {
		"[]", "{}", " [1, -0.5e+3, \"caf\xc3\xa9\", true, null, {\"a\":[\"\\u00e9\\n\"]}] ",
	};
	for (size_t i = 0; i < sizeof good_json / sizeof good_json[0]; i++)
		ck_assert_msg(jsoncheck(good_json[i], strlen(good_json[i]), why, sizeof why),
			      "jsoncheck refused %s: %s", good_json[i], why);

	static const char *const bad_prom[] = {
		"# TYPE a counter\na 1\n",                      /* a counter's name */
		"a_total 1\na_total 2\n",                       /* the same sample twice */
		"a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n",            /* samples apart */
		"a{x=\"\\t\"} 1\n",                             /* an escape */
		"a 1",                                          /* no newline */
		"a{x=\"1\",x=\"2\"} 1\n",                       /* a label twice */
		"a one\n",                                      /* a value */
		"a 1\n# TYPE a gauge\n",                        /* TYPE after its samples */
		"# TYPE a nothing\n",                           /* a type */
		"a{__x=\"1\"} 1\n",                             /* a reserved label name */
		"9a 1\n",                                       /* a metric name */
	};
	for (size_t i = 0; i < sizeof bad_prom / sizeof bad_prom[0]; i++)
		ck_assert_msg(!promcheck(bad_prom[i], strlen(bad_prom[i]), why, sizeof why),
			      "promcheck took %s", bad_prom[i]);
	static const char good_prom[] =
		"# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\",y=\"\\\"q\\\"\"} 3\n"
		"a_total{x=\"2\"} 4\n\n# some comment\n# TYPE g gauge\ng -1.5\n";
	ck_assert_msg(promcheck(good_prom, strlen(good_prom), why, sizeof why), "%s", why);
	double v;
	ck_assert(prom_value(good_prom, strlen(good_prom), "a_total{x=\"2\"}", &v) && v == 4);
	ck_assert(!prom_value(good_prom, strlen(good_prom), "a_total{x=\"3\"}", &v));
}
END_TEST

/* --- the routes --------------------------------------------------------------- */

/* GET / is the compiled-in page, with a policy that keeps it to its own
 * origin; HEAD gives the same head.  The page has a panel per paradigm. */
START_TEST(page_served)
{
	page_start();
	struct wire w;
	struct answer a;
	wire_open(&w, F.loop, F.port);
	get(&w, "/", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.head, "Content-Type: text/html; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(a.head, "connect-src 'self'"));
	ck_assert_uint_eq(a.body_len, pp_page_html_len);
	ck_assert(memcmp(a.body, pp_page_html, pp_page_html_len) == 0);
	for (int p = 0; p < PP_PARADIGMS; p++) {
		char attr[64];
		snprintf(attr, sizeof attr, "data-paradigm=\"%s\"", pp_paradigm_name((enum pp_paradigm)p));
		ck_assert_msg(strstr(a.body, attr), "the page has no %s", attr);
	}
	answer_free(&a);
	wire_sends(&w, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wire_wait_str(&w, "\r\n\r\n", WAIT_MS));
	wire_strip_date(&w);
	ck_assert_ptr_nonnull(strstr(tbuf_str(&w.in), "200 OK"));
	wire_close(&w);
	page_stop();
}
END_TEST

/* /ledger is JSON, one object per ledger in order, each with the gauges;
 * the figures are live: a connection still open shows its segments, its
 * events are counted, and the page's own look is charged to the page. */
START_TEST(ledger_live)
{
	page_start();
	struct wire rpc, watcher;
	struct answer a, b;
	char why[160];
	wire_open(&rpc, F.loop, F.port);
	wire_open(&watcher, F.loop, F.port);
	publish(&rpc, "ball 1");
	get(&rpc, "/score", &a);                /* one event delivered */
	answer_free(&a);

	get(&watcher, "/ledger", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.head, "application/json"));
	ck_assert_msg(jsoncheck(a.body, a.body_len, why, sizeof why), "%s: %s", why, a.body);
	ck_assert_uint_eq(ledger_field(&a, "rpc/server", "events_delivered"), 1);
	ck_assert_uint_eq(ledger_field(&a, "rpc/server", "connections_open"), 1);
	ck_assert_uint_eq(ledger_field(&a, "rpc/server", "connections_closed"), 0);
	/* Still open, yet its segments are in: TCP_INFO read now. */
	ck_assert_uint_ge(ledger_field(&a, "rpc/server", "data_segments_in"), 2);
	ck_assert_uint_eq(ledger_field(&a, "page/server", "connections_open"), 1);
	ck_assert_uint_eq(ledger_field(&a, "sse/server", "connections_open"), 0);
	ck_assert_uint_eq(ledger_field(&a, "rpc/server", "bytes_queued"), 0);
	uint64_t rpc_sockopt = ledger_field(&a, "rpc/server", "sockopt");
	uint64_t page_sockopt = ledger_field(&a, "page/server", "sockopt");

	get(&watcher, "/ledger", &b);
	/* Looking again cost the page a getsockopt per open connection, and
	 * the connection looked at nothing. */
	ck_assert_uint_eq(ledger_field(&b, "rpc/server", "sockopt"), rpc_sockopt);
	ck_assert_uint_ge(ledger_field(&b, "page/server", "sockopt"), page_sockopt + 2);
	answer_free(&a);
	answer_free(&b);
	wire_close(&rpc);
	wire_close(&watcher);
	page_stop();
}
END_TEST

/* /metrics is the exposition format, every paradigm in every family, the
 * counters the ledger has. */
START_TEST(metrics_format)
{
	page_start();
	struct wire w, sse;
	struct answer a;
	char why[160];
	wire_open(&w, F.loop, F.port);
	wire_open(&sse, F.loop, F.port);
	wire_sends(&sse, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	ck_assert(wire_wait_str(&sse, "retry:", WAIT_MS));
	publish(&w, "ball 1");
	ck_assert(wire_wait_str(&sse, "ball 1", WAIT_MS));
	get(&w, "/metrics", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.head, "Content-Type: text/plain; version=0.0.4"));
	ck_assert_msg(promcheck(a.body, a.body_len, why, sizeof why), "%s\n%s", why, a.body);
	static const char *const families[] = {
		"pushpull_tcp_handshakes_total", "pushpull_connections_closed_total",
		"pushpull_retransmits_total", "pushpull_wakeups_total",
		"pushpull_connections_open", "pushpull_bytes_queued", "pushpull_events_delivered_total",
	};
	static const char *const names[] = { "rpc", "long-poll", "sse", "websocket" };
	double v;
	char sample[160];
	for (size_t p = 0; p < 4; p++) {
		for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
			snprintf(sample, sizeof sample, "%s{paradigm=\"%s\",side=\"server\"}",
				 families[f], names[p]);
			ck_assert_msg(prom_value(a.body, a.body_len, sample, &v), "no %s", sample);
		}
		snprintf(sample, sizeof sample,
			 "pushpull_bytes_total{paradigm=\"%s\",side=\"server\",direction=\"in\"}", names[p]);
		ck_assert_msg(prom_value(a.body, a.body_len, sample, &v), "no %s", sample);
		snprintf(sample, sizeof sample,
			 "pushpull_syscalls_total{paradigm=\"%s\",side=\"server\",syscall=\"recv\"}",
			 names[p]);
		ck_assert_msg(prom_value(a.body, a.body_len, sample, &v), "no %s", sample);
	}
	ck_assert(prom_value(a.body, a.body_len,
			     "pushpull_events_delivered_total{paradigm=\"sse\",side=\"server\"}", &v));
	ck_assert(v == 1);
	ck_assert(prom_value(a.body, a.body_len,
			     "pushpull_connections_open{paradigm=\"sse\",side=\"server\"}", &v));
	ck_assert(v == 1);
	ck_assert(prom_value(a.body, a.body_len, "pushpull_syscalls_total{paradigm=\"sse\","
			     "side=\"server\",syscall=\"send\"}", &v));
	ck_assert(v >= 2);                      /* the head and retry, the event */
	answer_free(&a);
	wire_close(&sse);
	wire_close(&w);
	page_stop();
}
END_TEST

static bool fake_ladder(void *ud, enum pp_paradigm p, FILE *out)
{
	(void)ud;
	if (p != PP_SSE)
		return false;
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", out);
	return true;
}

/* Without a capture each ladder says how to get one; with one, the SVG,
 * or what is missing. */
START_TEST(ladder_routes)
{
	page_start();
	struct wire w;
	struct answer a;
	wire_open(&w, F.loop, F.port);
	get(&w, "/ladder/sse.svg", &a);
	ck_assert_int_eq(a.status, 404);
	ck_assert_ptr_nonnull(strstr(a.body, "--capture"));
	answer_free(&a);
	page.ladder_svg = fake_ladder;
	get(&w, "/ladder/sse.svg", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.head, "Content-Type: image/svg+xml\r\n"));
	ck_assert_str_eq(a.body, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	answer_free(&a);
	get(&w, "/ladder/rpc.svg", &a);
	ck_assert_int_eq(a.status, 404);
	ck_assert_ptr_nonnull(strstr(a.body, "captured yet"));
	answer_free(&a);
	get(&w, "/ladder/short-poll.svg", &a);
	ck_assert_int_eq(a.status, 404);
	ck_assert_ptr_nonnull(strstr(a.body, "/ladder/rpc.svg"));
	answer_free(&a);
	get(&w, "/ladder/nothing.svg", &a);
	ck_assert_int_eq(a.status, 404);
	answer_free(&a);
	wire_close(&w);
	page_stop();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_page");
	TCase *tc = tcase_create("checkers");
	tcase_add_test(tc, checkers_refuse);
	suite_add_tcase(s, tc);
	tc = tcase_create("routes");
	tcase_add_test(tc, page_served);
	tcase_add_test(tc, ledger_live);
	tcase_add_test(tc, metrics_format);
	tcase_add_test(tc, ladder_routes);
	suite_add_tcase(s, tc);
	return s;
}
