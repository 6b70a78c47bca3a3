/* page.h -- the server seen from a browser: the page, the live ledger
 * and the metrics.
 *
 *   GET /                  page.html (compiled in): a panel per paradigm,
 *                          each driven by the browser's own fetch,
 *                          EventSource or WebSocket, beside the ledger
 *   GET /ledger            the ledgers as JSON: the objects `serve --json`
 *                          prints at exit, each with two gauges more
 *                          ("connections_open", "bytes_queued")
 *   GET /metrics           the same in Prometheus's text format
 *   GET /ladder/NAME.svg   the first packets of paradigm NAME as a ladder
 *                          diagram, when the server captures (--capture)
 *
 * The figures are read when asked.  Counters that the kernel keeps
 * (segments, retransmits, round trips: TCP_INFO) come into a ledger when
 * a connection closes, so a live view reads them from every connection
 * still open as well -- one getsockopt() each, charged to the page's own
 * ledger, "page/server", with every request of these four routes: what
 * watching costs is counted apart from what it watches.
 *
 * Read next: server_page.c; then page.html, the page itself.
 */
#ifndef PUSHPULL_PARADIGMS_PAGE_H
#define PUSHPULL_PARADIGMS_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "http/http_server.h"
#include "net/ledger.h"
#include "net/limits.h"
#include "paradigms/hub.h"

#define PP_PAGE_LEDGERS 12              /* ledgers a page can show */

/* The page's bytes (page.html, compiled in by the Makefile). */
extern const unsigned char pp_page_html[];
extern const size_t pp_page_html_len;

struct pp_page;

/* What the server refused and dropped to protect itself, for /metrics:
 * the loop's limits (net/limits.h) and the guard's counts (hub.h). */
struct pp_page_refusals {
	struct net_limits_stats limits;
	uint64_t refused_publish, refused_origin;
};

/* The route of one paradigm's ladder. */
struct pp_page_ladder {
	struct pp_page *pg;
	enum pp_paradigm p;
	char path[32];                  /* "/ladder/long-poll.svg" */
};

struct pp_page {
	struct pp_hub *hub;
	struct http_server *srv;
	/* The ledgers shown, in order (pp_page_show). */
	struct net_ledger *ledgers[PP_PAGE_LEDGERS];
	size_t n;
	struct net_ledger own;          /* "page/server": to be shown like the others */
	/* Writes the ladder of paradigm 'p' as SVG into 'out'; false when
	 * there is none to draw (no capture, or no packet of it yet).  NULL:
	 * never any. */
	bool (*ladder_svg)(void *ud, enum pp_paradigm p, FILE *out);
	void *ladder_ud;
	/* Told of each connection that asks one of these routes, once it is
	 * charged to the page (as the hub's on_charge).  NULL: none. */
	void (*on_charge)(void *ud, struct net_conn *nc);
	void *on_charge_ud;
	/* With workers (bus.h): adds what the other workers last put on the
	 * bus to this page's live copies (the same ledgers, in the same
	 * order), so that /ledger and /metrics show the whole server.  NULL:
	 * one loop, nothing to add. */
	void (*add_others)(void *ud, struct net_ledger *copy, struct net_gauges *g, size_t n,
			   struct pp_page_refusals *r);
	void *add_others_ud;
	struct pp_page_ladder ladders[PP_PARADIGMS];
};

/* A page of the connections of 'srv' and of the hub's WebSockets,
 * showing no ledger yet. */
void pp_page_init(struct pp_page *pg, struct pp_hub *hub, struct http_server *srv);
/* Shows 'l' after those shown so far (the order they print in at exit).
 * -1 with errno EINVAL past PP_PAGE_LEDGERS. */
int pp_page_show(struct pp_page *pg, struct net_ledger *l);

/* Puts the routes above on 's'.  0, or -1 when its route table is full. */
int pp_page_routes(struct http_server *s, struct pp_page *pg);

/* The live ledgers, as GET /ledger and GET /metrics answer them, into
 * 'out'.  0, or -1 when memory ran out (nothing written). */
/* This page's own ledgers now (not the other workers'), with what their
 * open connections add, into copy[] and g[] (PP_PAGE_LEDGERS each), and
 * its refusals into '*r'.  Returns how many ledgers. */
size_t pp_page_snapshot(struct pp_page *pg, struct net_ledger *copy, struct net_gauges *g,
			struct pp_page_refusals *r);

int pp_page_write_ledger(struct pp_page *pg, FILE *out);
int pp_page_write_metrics(struct pp_page *pg, FILE *out);

#endif
