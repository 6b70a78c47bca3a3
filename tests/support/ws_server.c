/* ws_server.c -- see ws_server.h. */
#include <stdlib.h>
#include <string.h>

#include "support/ws_server.h"

uint64_t wst_open(const struct wst_server *s)
{
	return s->ws_ledger.c.handshakes - s->ws_ledger.c.closed;
}

bool wst_start(struct wst_server *s, const struct pp_config *cfg)
{
	memset(s, 0, sizeof *s);
	atomic_init(&s->stop, false);
	net_ledger_init(&s->ws_ledger, "websocket");
	s->loop = net_loop_new(NULL);
	s->feed = feed_new(0, 0);
	if (!s->loop || !s->feed)
		goto fail;
	feed_set_epoch(s->feed, WST_EPOCH);
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

static bool none_open(void *arg)
{
	return wst_open(arg) == 0;
}

/* Frees everything, after waiting (bounded) for open peers to go.
 * Returns the number that were still open. */
static uint64_t teardown(struct wst_server *s)
{
	http_server_free(s->http);
	net_loop_run_until(s->loop, none_open, s, WST_DRAIN_MS);
	uint64_t left = wst_open(s);
	net_loop_run_once(s->loop, 0);          /* deferred frees */
	pp_hub_cleanup(&s->hub);
	feed_free(s->feed);
	net_loop_free(s->loop);
	return left;
}

static bool stop_asked(void *arg)
{
	return atomic_load(&((struct wst_server *)arg)->stop);
}

static void *thread_main(void *arg)
{
	struct wst_server *s = arg;
	net_loop_run_until(s->loop, stop_asked, s, WST_RUN_MAX_MS);
	return (void *)(uintptr_t)teardown(s);
}

bool wst_run_thread(struct wst_server *s)
{
	s->threaded = pthread_create(&s->thread, NULL, thread_main, s) == 0;
	return s->threaded;
}

uint64_t wst_stop(struct wst_server *s)
{
	if (!s->threaded)
		return teardown(s);
	void *left = NULL;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, &left);
	return (uint64_t)(uintptr_t)left;
}
