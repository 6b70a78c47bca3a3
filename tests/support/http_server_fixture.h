/* http_server_fixture.h -- a test helper, not a test: the real HTTP
 * server (src/http/http_server.h) on 127.0.0.1, on a free port, on a loop
 * the test drives, with one handler of every kind the server supports:
 *
 *   GET  /hello           at once: 200 "hello\n"
 *   POST /echo            at once: 200, the request body back
 *   GET  /big?n=N         at once: 200, N bytes 'a'..'z' repeated
 *   GET  /later?ms=M&tag=T  deferred: 200 "later T\n" from a timer, M ms on
 *   GET  /held            deferred until the test answers it (fixture_answer)
 *   GET  /stream          streamed at once: "one\n", "two\n", end
 *   GET  /ticks           streamed from a timer: "tick 1\n" .. "tick 3\n", end
 *   GET  /upgrade         101, then the socket speaks "echo": bytes come back
 *   GET  /upgrade-later   the same, upgraded from a timer
 *
 * Every deferred handler counts the on_abort it receives (F.aborts), so
 * a test can tell "answered", "aborted once" and "leaked" apart.
 *
 * There is one fixture, F: Check runs each test in a process of its own,
 * so a test starts it (fixture_start), reads and changes its fields as it
 * likes, and stops it (fixture_stop).
 *
 * Used by tests/test_http_server_*.c, test_http_client.c,
 * test_paradigms_http.c and test_http_interop.c, with the raw client
 * sockets of http_wire.h.
 */
#ifndef PUSHPULL_TESTS_HTTP_SERVER_FIXTURE_H
#define PUSHPULL_TESTS_HTTP_SERVER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_server.h"
#include "net/conn.h"
#include "net/ledger.h"
#include "net/loop.h"
#include "support/http_wire.h"

#define FIX_HELD_MAX 64
#define FIX_UPGRADED_MAX 8

/* What /upgrade and /upgrade-later answer before the socket turns echo. */
#define UPGRADE_101 \
	"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"

struct fixture {
	struct net_loop *loop;
	struct net_ledger ledger;       /* every server connection pays here */
	struct http_server *srv;
	uint16_t port;
	struct http_exchange *held[FIX_HELD_MAX];
	size_t nheld;
	int aborts;                     /* on_abort calls, all handlers */
	size_t handled;                 /* handler calls, all handlers */
	struct net_conn *upgraded[FIX_UPGRADED_MAX];
	size_t nupgraded;
	size_t echoed;                  /* bytes the echo protocol sent back */
	char last_body[256];            /* what /echo last received (truncated) */
	size_t last_body_len;
};

extern struct fixture F;

/* Starts the server; 'cfg' may be NULL (defaults). */
void fixture_start(const struct http_server_config *cfg);

/* Frees everything, running the turns that free closed connections. */
void fixture_stop(void);

/* Answers the i-th held request with 200 'body'. */
void fixture_answer(size_t i, const char *body);

/* Runs the loop until the server holds no connection. */
bool fixture_wait_idle(int ms);

/* Runs the loop until 'n' requests are held by /held. */
bool fixture_wait_held(size_t n);

/* A predicate for net_loop_run_until: *n has reached 'want'. */
struct fixture_count { size_t *n; size_t want; };
bool fixture_count_reached(void *arg);

/* Proof that a connection is still open: the server answers on it. */
#define expect_open(w) expect_open_at((w), __LINE__)
void expect_open_at(struct wire *w, int line);

/* A refusal: the error answer (RFC 9110 §15 phrase, reason as body),
 * then the close. */
#define expect_refusal(w, status, reason) expect_refusal_at((w), (status), (reason), __LINE__)
void expect_refusal_at(struct wire *w, const char *status, const char *reason, int line);

#endif
