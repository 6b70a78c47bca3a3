/* ws_server.h -- the real server, in-process, for the WebSocket endpoint
 * tests: a loop, a feed, a hub with pp_config_defaults, and an HTTP
 * server on 127.0.0.1 (a free port) with pp_hub_routes.
 *
 * Two ways to run it:
 *   - in the test's own thread: the test runs loop turns while it waits
 *     (tests/ws_peer.h does, given the loop), so nothing races;
 *   - in a thread of its own (wst_run_thread), so the test may use plain
 *     blocking sockets; the loop then belongs to that thread alone, and
 *     the test touches nothing of the server until wst_stop joins it.
 *
 * Teardown.  Upgraded connections leave the HTTP server (http_upgrade),
 * so http_server_free does not close them: they end when their peer
 * does.  Every connection the WebSocket routes see is charged to the
 * hub's WebSocket ledger, so "TCP handshakes minus closes" there is the
 * number still open; teardown runs the loop until it is zero (bounded),
 * and only then frees the feed and the loop, so nothing leaks.
 *
 * Header-only (static inline), like ws_log.h.
 */
#ifndef PUSHPULL_TESTS_WS_SERVER_H
#define PUSHPULL_TESTS_WS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_server.h"
#include "net/loop.h"
#include "paradigms/feed.h"
#include "paradigms/hub.h"
#include "support/looptest.h"

#define WST_DRAIN_MS 5000       /* teardown waits this long for peers to go */

struct wst_server {
	struct net_loop *loop;
	struct feed *feed;
	struct pp_hub hub;
	struct net_ledger ws_ledger;    /* every connection of /echo and /ws */
	struct http_server *http;
	uint16_t port;
	pthread_t thread;
	atomic_bool stop;
	bool threaded;
};

/* WebSocket-route connections still open. */
static inline uint64_t wst_open(const struct wst_server *s)
{
	return s->ws_ledger.c.handshakes - s->ws_ledger.c.closed;
}

/* Starts the server on a free port; 'cfg' NULL: all defaults.  Returns
 * false (with nothing left allocated) if anything failed. */
static inline bool wst_start(struct wst_server *s, const struct pp_config *cfg)
{
	memset(s, 0, sizeof *s);
	atomic_init(&s->stop, false);
	net_ledger_init(&s->ws_ledger, "websocket");
	s->loop = net_loop_new(NULL);
	s->feed = feed_new(0, 0);
	if (!s->loop || !s->feed)
		goto fail;
	s->hub.loop = s->loop;
	s->hub.feed = s->feed;
	if (cfg)
		s->hub.cfg = *cfg;
	pp_config_defaults(&s->hub.cfg);
	s->hub.ledger[PP_WEBSOCKET] = &s->ws_ledger;
	struct http_server_config hc = { .host = "127.0.0.1" };
	s->http = http_server_new(s->loop, &hc);
	if (!s->http)
		goto fail;
	if (pp_hub_routes(s->http, &s->hub) < 0)
		goto fail;
	s->port = http_server_port(s->http);
	return true;
fail:
	http_server_free(s->http);
	feed_free(s->feed);
	if (s->loop)
		net_loop_free(s->loop);
	return false;
}

static inline bool wst_none_open(void *arg)
{
	return wst_open(arg) == 0;
}

/* Frees everything, after waiting (bounded) for open peers to go.
 * Returns the number that were still open: 0 unless a test left one. */
static inline uint64_t wst_teardown(struct wst_server *s)
{
	http_server_free(s->http);
	net_loop_run_until(s->loop, wst_none_open, s, WST_DRAIN_MS);
	uint64_t left = wst_open(s);
	net_loop_run_once(s->loop, 0);          /* deferred frees */
	pp_hub_cleanup(&s->hub);
	feed_free(s->feed);
	net_loop_free(s->loop);
	return left;
}

static inline void *wst_thread_main(void *arg)
{
	struct wst_server *s = arg;
	while (!atomic_load(&s->stop))
		net_loop_run_once(s->loop, 20);
	return (void *)(uintptr_t)wst_teardown(s);
}

/* Runs the loop in a thread of its own until wst_stop. */
static inline bool wst_run_thread(struct wst_server *s)
{
	s->threaded = pthread_create(&s->thread, NULL, wst_thread_main, s) == 0;
	return s->threaded;
}

/* Stops and frees the server.  Returns the peers still open at the end
 * (see wst_teardown). */
static inline uint64_t wst_stop(struct wst_server *s)
{
	if (!s->threaded)
		return wst_teardown(s);
	void *left = NULL;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, &left);
	return (uint64_t)(uintptr_t)left;
}

#endif
