/* test_paradigms_guard.c -- who may publish and which pages may use the
 * server (guard.c), on the real server: the token missing, wrong and
 * right over HTTP and WebSocket; without a token, a Host that is not a
 * loopback name refused; a page of another origin refused before any
 * upgrade or publish, an allowed one answered for CORS, preflight too. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "paradigms/hub.h"
#include "support/http_server_fixture.h"

#define WAIT_MS 3000
#define TOKEN "abcdefghijklmnop0123"

static struct pp_hub hub;
static const char *const allowed[] = { "http://good.example" };

static void guard_start(bool token)
{
	fixture_start(NULL);
	memset(&hub, 0, sizeof hub);
	hub.loop = F.loop;
	hub.feed = feed_new(0, 0);
	pp_config_defaults(&hub.cfg);
	if (token) {
		hub.guard.token = TOKEN;
		hub.guard.token_len = strlen(TOKEN);
	}
	hub.guard.origins = allowed;
	hub.guard.norigins = 1;
	ck_assert_int_eq(pp_hub_routes(F.srv, &hub), 0);
}

static void guard_stop(void)
{
	fixture_stop();
	feed_free(hub.feed);
	pp_hub_cleanup(&hub);
}

/* Sends 'req' on a new connection; the status of the answer, its head in
 * 'head' (NUL-terminated, cut to 'cap'). */
static int ask(const char *req, char *head, size_t cap)
{
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, req);
	ck_assert_msg(wire_wait_str(&w, "\r\n\r\n", WAIT_MS), "no answer to %s", req);
	const char *s = tbuf_str(&w.in);
	snprintf(head, cap, "%s", s);
	int status = 0;
	sscanf(s, "HTTP/1.1 %d", &status);
	wire_close(&w);
	return status;
}

#define POST(fields) "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n" fields \
		     "Content-Length: 1\r\n\r\nx"
#define UPGRADE(fields) "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" \
			"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" \
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" fields "\r\n"

START_TEST(token_over_http)
{
	guard_start(true);
	char head[1024];
	ck_assert_int_eq(ask(POST(""), head, sizeof head), 401);
	ck_assert_ptr_nonnull(strstr(head, "WWW-Authenticate: Bearer"));
	ck_assert_int_eq(ask(POST("Authorization: Bearer abcdefghijklmnop0124\r\n"), head,
			     sizeof head), 401);
	ck_assert_int_eq(ask(POST("Authorization: Bearer " TOKEN "x\r\n"), head, sizeof head), 401);
	ck_assert_int_eq(ask(POST("Authorization: Basic " TOKEN "\r\n"), head, sizeof head), 401);
	ck_assert_uint_eq(feed_latest(hub.feed), 0);
	ck_assert_int_eq(ask(POST("Authorization: bearer " TOKEN "\r\n"), head, sizeof head), 200);
	ck_assert_uint_eq(feed_latest(hub.feed), 1);
	ck_assert_uint_eq(hub.guard.refused_publish, 4);
	guard_stop();
}
END_TEST

/* A WebSocket without the token may read: it is upgraded, and closed with
 * 1008 when it publishes.  With it (as a subprotocol, the browser's way),
 * it publishes, and the server picks "pushpull", not the token. */
START_TEST(token_over_websocket)
{
	guard_start(true);
	struct wire w;
	wire_open(&w, F.loop, F.port);
	wire_sends(&w, UPGRADE(""));
	ck_assert(wire_wait_str(&w, "\r\n\r\n", WAIT_MS));
	ck_assert_ptr_nonnull(strstr(tbuf_str(&w.in), "101 Switching Protocols"));
	wire_consume(&w, w.in.len);
	/* A masked text frame "hi": 0x81, 0x82, key 0, payload. */
	wire_send(&w, "\x81\x82\0\0\0\0hi", 8);
	ck_assert(wire_wait_len(&w, 4, WAIT_MS));
	const unsigned char *f = (const unsigned char *)tbuf_str(&w.in);
	ck_assert_int_eq(f[0], 0x88);                   /* Close */
	ck_assert_int_eq(f[2] << 8 | f[3], 1008);
	ck_assert_uint_eq(feed_latest(hub.feed), 0);
	wire_close(&w);

	wire_open(&w, F.loop, F.port);
	wire_sends(&w, UPGRADE("Sec-WebSocket-Protocol: pushpull, pushpull.token." TOKEN "\r\n"));
	ck_assert(wire_wait_str(&w, "\r\n\r\n", WAIT_MS));
	ck_assert_ptr_nonnull(strstr(tbuf_str(&w.in), "Sec-WebSocket-Protocol: pushpull\r\n"));
	wire_send(&w, "\x81\x82\0\0\0\0hi", 8);
	for (int i = 0; i < 100 && feed_latest(hub.feed) == 0; i++)
		net_loop_run_once(F.loop, 20);
	ck_assert_uint_eq(feed_latest(hub.feed), 1);
	wire_close(&w);
	guard_stop();
}
END_TEST

/* No token: a loopback client publishes, unless its Host names something
 * else -- a page that pointed its own name at 127.0.0.1. */
START_TEST(no_token_local_only)
{
	guard_start(false);
	char head[1024];
	ck_assert_int_eq(ask(POST(""), head, sizeof head), 200);
	ck_assert_int_eq(ask("POST /publish HTTP/1.1\r\nHost: localhost:8080\r\n"
			     "Content-Length: 1\r\n\r\nx", head, sizeof head), 200);
	ck_assert_int_eq(ask("POST /publish HTTP/1.1\r\nHost: [::1]:8080\r\n"
			     "Content-Length: 1\r\n\r\nx", head, sizeof head), 200);
	ck_assert_int_eq(ask("POST /publish HTTP/1.1\r\nHost: evil.example:8080\r\n"
			     "Content-Length: 1\r\n\r\nx", head, sizeof head), 403);
	ck_assert_int_eq(ask("POST /publish HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n"
			     "Content-Length: 1\r\n\r\nx", head, sizeof head), 403);
	ck_assert_uint_eq(feed_latest(hub.feed), 3);
	guard_stop();
}
END_TEST

/* Another origin: refused before the upgrade and before the publish; a
 * cross-site request without Origin too.  The server's own page, and an
 * allowed origin (with CORS fields and a preflight), go through. */
START_TEST(origins_checked)
{
	guard_start(false);
	char head[1024];
	ck_assert_int_eq(ask(UPGRADE("Origin: http://evil.example\r\n"), head, sizeof head), 403);
	ck_assert_int_eq(ask(POST("Origin: http://evil.example\r\n"), head, sizeof head), 403);
	ck_assert_int_eq(ask(POST("Origin: null\r\n"), head, sizeof head), 403);
	ck_assert_int_eq(ask(POST("Sec-Fetch-Site: cross-site\r\n"), head, sizeof head), 403);
	ck_assert_int_eq(ask("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "Origin: http://evil.example\r\n\r\n", head, sizeof head), 403);
	ck_assert_uint_eq(feed_latest(hub.feed), 0);
	ck_assert_uint_eq(hub.guard.refused_origin, 5);
	ck_assert_int_eq(ask(UPGRADE("Origin: http://127.0.0.1\r\n"), head, sizeof head), 101);
	ck_assert_int_eq(ask(POST("Origin: http://good.example\r\n"), head, sizeof head), 200);
	ck_assert_ptr_nonnull(strstr(head, "Access-Control-Allow-Origin: http://good.example\r\n"));
	ck_assert_ptr_nonnull(strstr(head, "Vary: Origin\r\n"));
	ck_assert_int_eq(ask("OPTIONS /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "Origin: http://good.example\r\nAccess-Control-Request-Method: POST\r\n"
			     "Access-Control-Request-Headers: authorization\r\n\r\n", head,
			     sizeof head), 204);
	ck_assert_ptr_nonnull(strstr(head, "Access-Control-Allow-Headers: Authorization"));
	ck_assert_int_eq(ask("OPTIONS /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "Origin: http://evil.example\r\n\r\n", head, sizeof head), 403);
	guard_stop();
}
END_TEST

START_TEST(token_rules)
{
	ck_assert(pp_guard_token_valid(TOKEN, strlen(TOKEN)));
	ck_assert(!pp_guard_token_valid("short", 5));
	ck_assert(!pp_guard_token_valid("abcdefghijklmnop 123", 20));
	ck_assert(!pp_guard_token_valid("abcdefghijklmnop,123", 20));  /* no list separator */
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_guard");
	TCase *tc = tcase_create("guard");
	tcase_add_test(tc, token_over_http);
	tcase_add_test(tc, token_over_websocket);
	tcase_add_test(tc, no_token_local_only);
	tcase_add_test(tc, origins_checked);
	tcase_add_test(tc, token_rules);
	suite_add_tcase(s, tc);
	return s;
}
