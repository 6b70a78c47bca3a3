/* guard.c -- who may publish, and which web pages may use the server.
 *
 * Two questions, asked of every request before its route does anything:
 *
 * Which page sent it?  A browser names the page's origin in an Origin
 * field on every cross-origin request (and on every POST), and no page can
 * forge it.  A request with an Origin that is neither the server's own
 * (the origin of its Host field, where the browser page lives) nor in
 * --allow-origin is refused with 403 before anything happens -- a
 * WebSocket before its upgrade (cross-site WebSocket hijacking), a POST
 * before it publishes (a cross-site form).  An allowed one gets its
 * answers marked for CORS, and OPTIONS (the preflight a page's fetch
 * sends first when it adds Authorization) is answered for it.  A request
 * without Origin is not from a page's script: curl, pushpull's clients.
 *
 * May it publish?  With a token configured (--publish-token-file, or the
 * PUSHPULL_PUBLISH_TOKEN environment variable), publishing needs it:
 * "Authorization: Bearer TOKEN" on POST /publish and on the /ws upgrade,
 * or -- since a browser's WebSocket cannot set fields -- the subprotocol
 * "pushpull.token.TOKEN" offered beside "pushpull" (which the server
 * picks, so the token is not echoed).  It is compared in constant time,
 * and never printed.  Missing or wrong: 401 with WWW-Authenticate; a
 * WebSocket without it may read, and is closed with 1008 when it tries
 * to publish.  With no token, publishing is for clients on a loopback
 * address alone (the demo, the tests, a learner's curl) whose Host field
 * names a loopback address too: a page elsewhere that had its name point
 * at 127.0.0.1 (DNS rebinding) still sends its own name as Host.  Anyone
 * else gets 403.
 *
 * Read next: server_rpc.c, the first route that asks.
 */
#include "paradigms/server_private.h"
#include "http/http_fields.h"
#include "util/log.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- the token ---------------------------------------------------------------- */

bool pp_guard_token_valid(const char *token, size_t len)
{
	if (len < PP_TOKEN_MIN || len > PP_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = token[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '~'))
			return false;
	}
	return true;
}

/* The same bytes as the configured token, in a time that depends on the
 * token's length alone, never on where a guess first goes wrong. */
static bool is_token(const struct pp_guard *g, const char *s, size_t len)
{
	unsigned diff = len != g->token_len;
	for (size_t i = 0; i < g->token_len; i++)
		diff |= (unsigned char)g->token[i] ^ (unsigned char)(i < len ? s[i] : 0);
	return diff == 0;
}

/* "Authorization: Bearer TOKEN" (RFC 6750 §2.1; the scheme's case is
 * free, RFC 9110 §11.1). */
static bool bearer_ok(const struct pp_guard *g, const struct http_request *req)
{
	const struct http_header *h = http_header_find(req->headers, req->num_headers,
						       "Authorization");
	if (!h || h->value_len < 7 || strncasecmp(h->value, "Bearer ", 7) != 0)
		return false;
	const char *t = h->value + 7;
	size_t n = h->value_len - 7;
	while (n > 0 && *t == ' ') {
		t++;
		n--;
	}
	return is_token(g, t, n);
}

#define TOKEN_PROTOCOL "pushpull.token."

/* Sec-WebSocket-Protocol offers "pushpull.token.TOKEN" (in any of its
 * fields, any position of the list). */
static bool subprotocol_ok(const struct pp_guard *g, const struct http_request *req)
{
	size_t plen = strlen(TOKEN_PROTOCOL);
	for (size_t i = 0; i < req->num_headers; i++) {
		const struct http_header *h = &req->headers[i];
		if (!http_slice_equals(h->name, h->name_len, "Sec-WebSocket-Protocol"))
			continue;
		const char *p = h->value, *end = h->value + h->value_len;
		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *e = comma ? comma : end;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			const char *q = e;
			while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			if ((size_t)(q - p) > plen && strncmp(p, TOKEN_PROTOCOL, plen) == 0 &&
			    is_token(g, p + plen, (size_t)(q - p) - plen))
				return true;
			p = e + 1;
		}
	}
	return false;
}

/* --- where the request comes from ----------------------------------------------- */

static bool peer_is_loopback(struct http_exchange *x)
{
	int version;
	uint8_t a[16];
	uint16_t port;
	if (!net_conn_peer(http_exchange_conn(x), &version, a, &port))
		return false;
	if (version == 4)
		return a[0] == 127;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t one[16] = { [15] = 1 };
	return memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

/* The Host field names a loopback address: "localhost", 127.x.y.z or
 * [::1], with or without a port.  No Host (HTTP/1.0): not a page. */
static bool host_is_loopback(const struct http_request *req)
{
	if (!req->host)
		return true;
	const char *h = req->host;
	size_t n = req->host_len;
	if (n > 0 && h[0] == '[')
		return n >= 5 && strncmp(h, "[::1]", 5) == 0 && (n == 5 || h[5] == ':');
	const char *colon = memchr(h, ':', n);
	if (colon)
		n = (size_t)(colon - h);
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return true;
	if (n < 4 || strncmp(h, "127.", 4) != 0)
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
			return false;
	return true;
}

/* Origin is "http://" or "https://" and then exactly the Host field: the
 * page was served by this very server (or by a proxy in front of it
 * under the same name).  The host part is compared ignoring case. */
static bool same_origin(const struct http_request *req, const char *o, size_t n)
{
	if (!req->host)
		return false;
	size_t skip = n > 7 && strncmp(o, "http://", 7) == 0 ? 7
		    : n > 8 && strncmp(o, "https://", 8) == 0 ? 8 : 0;
	return skip > 0 && n - skip == req->host_len &&
	       strncasecmp(o + skip, req->host, req->host_len) == 0;
}

/* The entry of --allow-origin equal to o[0..n), or NULL. */
static const char *allowed(const struct pp_guard *g, const char *o, size_t n)
{
	for (size_t i = 0; i < g->norigins; i++)
		if (strlen(g->origins[i]) == n && strncasecmp(g->origins[i], o, n) == 0)
			return g->origins[i];
	return NULL;
}

bool pp__admit(struct pp_hub *hub, struct http_exchange *x, const struct http_request *req)
{
	const struct http_header *h = http_header_find(req->headers, req->num_headers, "Origin");
	if (!h) {
		/* No Origin: not a page's script -- unless the browser says the
		 * request crossed sites (an old form POST, say). */
		const struct http_header *site = http_header_find(req->headers, req->num_headers,
								  "Sec-Fetch-Site");
		if (!site || !http_slice_equals(site->value, site->value_len, "cross-site"))
			return true;
	} else if (same_origin(req, h->value, h->value_len)) {
		return true;
	} else {
		const char *ok = allowed(&hub->guard, h->value, h->value_len);
		if (ok) {
			http_exchange_allow_origin(x, ok);
			return true;
		}
	}
	char why[200];
	if (h)
		snprintf(why, sizeof why, "origin %.*s may not use this server (see --allow-origin)\n",
			 (int)(h->value_len < 100 ? h->value_len : 100), h->value);
	else
		snprintf(why, sizeof why, "a cross-site request without an Origin may not use this "
			 "server\n");
	hub->guard.refused_origin++;
	pp__log_refusal(http_exchange_conn(x), why);
	http_respond_text(x, 403, NULL, why);
	return false;
}

enum pp_right pp__publish_right(struct pp_hub *hub, struct http_exchange *x,
				const struct http_request *req)
{
	const struct pp_guard *g = &hub->guard;
	if (g->open)
		return PP_MAY_PUBLISH;
	if (g->token)
		return bearer_ok(g, req) || subprotocol_ok(g, req) ? PP_MAY_PUBLISH : PP_NO_TOKEN;
	return peer_is_loopback(x) && host_is_loopback(req) ? PP_MAY_PUBLISH : PP_NOT_LOCAL;
}

void pp__log_refusal(struct net_conn *nc, const char *what)
{
	char who[INET6_ADDRSTRLEN] = "?";
	if (nc)
		net_conn_peer_text(nc, who, sizeof who);
	size_t n = strcspn(what, "\n");
	log_say(LOG_WARN, LOG_PUBLISH, "%s: %.*s", who, (int)n, what);
}

const char *pp__right_refusal(enum pp_right r)
{
	return r == PP_NO_TOKEN ? "publishing needs the publish token\n"
	       : r == PP_NOT_LOCAL ? "without a publish token, only a client on this machine "
				     "may publish\n"
	       : NULL;
}

bool pp__may_publish(struct pp_hub *hub, struct http_exchange *x, const struct http_request *req)
{
	enum pp_right r = pp__publish_right(hub, x, req);
	if (r == PP_MAY_PUBLISH)
		return true;
	hub->guard.refused_publish++;
	pp__log_refusal(http_exchange_conn(x), pp__right_refusal(r));
	if (r == PP_NO_TOKEN)
		http_respond_text(x, 401, "WWW-Authenticate: Bearer realm=\"pushpull publish\"\r\n",
				  pp__right_refusal(r));
	else
		http_respond_text(x, 403, NULL, pp__right_refusal(r));
	return false;
}

/* OPTIONS: the preflight of a cross-origin fetch (the Fetch standard).
 * pp__admit has refused an origin not allowed, and marked an allowed one;
 * this says what it may send. */
static void on_preflight(struct http_exchange *x, const struct http_request *req,
			 const char *body, size_t body_len, void *ud)
{
	(void)body; (void)body_len;
	if (!pp__admit(ud, x, req))
		return;
	http_respond(x, 204, NULL, "Access-Control-Allow-Methods: GET, POST\r\n"
		     "Access-Control-Allow-Headers: Authorization, Content-Type, Last-Event-ID\r\n"
		     "Access-Control-Max-Age: 600\r\n", NULL, 0);
}

int pp__guard_routes(struct http_server *s, struct pp_hub *hub)
{
	static const char *const paths[] = { "/publish", "/score", "/events" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (http_server_route(s, "OPTIONS", paths[i], on_preflight, hub) < 0)
			return -1;
	return 0;
}
