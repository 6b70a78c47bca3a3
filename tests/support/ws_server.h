/* ws_server.h -- the real server, in-process, for the WebSocket endpoint
 * tests: a loop, a feed, a hub with pp_config_defaults, and an HTTP
 * server on 127.0.0.1 (a free port) with pp_hub_routes.
 *
 * Two ways to run it:
 *   - in the test's own thread: the test runs loop turns while it waits
 *     (support/ws_peer.h does, given the loop), so nothing races;
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
 */
#ifndef PUSHPULL_TESTS_WS_SERVER_H
#define PUSHPULL_TESTS_WS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http_server.h"
#include "net/ledger.h"
#include "net/loop.h"
#include "paradigms/feed.h"
#include "paradigms/hub.h"

/* Every feed of these servers is in this epoch, so ids can be written. */
#define WST_EPOCH 0xabc
#define WST_EP    "000000000abc"

#define WST_DRAIN_MS 5000       /* teardown waits this long for peers to go */
#define WST_RUN_MAX_MS 600000   /* a thread's loop stops by itself after this:
				 * longer than any suite's Check timeout */

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

/* Starts the server on a free port; 'cfg' NULL: all defaults.  Returns
 * false (with nothing left allocated) if anything failed. */
bool wst_start(struct wst_server *s, const struct pp_config *cfg);

/* WebSocket-route connections still open. */
uint64_t wst_open(const struct wst_server *s);

/* Runs the loop in a thread of its own until wst_stop. */
bool wst_run_thread(struct wst_server *s);

/* Stops and frees the server, after waiting (bounded) for open peers to
 * go.  Returns the number that were still open: 0 unless a test left
 * one. */
uint64_t wst_stop(struct wst_server *s);

#endif
