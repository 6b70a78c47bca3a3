/* serve.h -- `pushpull serve`, private to serve.c and serve_wire.c. */
#ifndef PUSHPULL_TOOLS_SERVE_H
#define PUSHPULL_TOOLS_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "net/capture.h"
#include "net/wire.h"
#include "paradigms/hub.h"

/* The publish token (serve_guard.c). */
#define SERVE_TOKEN_ENV "PUSHPULL_PUBLISH_TOKEN"
struct serve_token {
	char buf[PP_TOKEN_MAX + 2];     /* room to see that a longer one is too long */
	size_t len;                     /* 0: none */
	const char *from;               /* the file, or SERVE_TOKEN_ENV */
};
/* From 'file' if given, else from the environment, if set.  False after
 * saying why it cannot be used. */
bool serve_token_load(const char *file, struct serve_token *t);
/* "http://host[:port]" or "https://...": what --allow-origin takes. */
bool serve_origin_valid(const char *origin);

/* --capture: the server's packets, per paradigm (serve_wire.c). */
struct serve_wire {
	struct net_wire *wire;
	struct net_capture *capture;
	struct net_ledger ledger;       /* the capture's own syscalls */
};

/* Starts capturing the traffic of host:port, and has the hub tell which
 * connection is which paradigm.  False with errno set (EPERM without the
 * privilege). */
bool serve_wire_start(struct serve_wire *sw, struct pp_hub *hub, const char *host,
		      uint16_t port);
/* The page's hooks (page.h): its connections counted in a row of their
 * own, and a paradigm's first packets drawn as a ladder. */
void serve_wire_page(void *ud, struct net_conn *nc);
bool serve_wire_ladder(void *ud, enum pp_paradigm p, FILE *out);
/* Stops the capture and prints the packets per paradigm. */
void serve_wire_report(struct serve_wire *sw, const struct pp_hub *hub, bool json);
void serve_wire_free(struct serve_wire *sw);

#endif
