/* test_ws_handshake.c -- the opening handshake (src/ws/ws_handshake.h).
 *
 * Topics: the accept key (RFC 6455 §1.3); the server's verdict on request
 * heads parsed by src/http, one vector per rule with the status it earns;
 * the responses written; the client's request and its checks of the
 * server's response; both sides talking to each other. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "http/http_parser.h"
#include "ws/ws_handshake.h"

#define CRLF "\r\n"

/* RFC 6455 §1.3: the opening handshake from the client. */
#define RFC_REQUEST \
	"GET /chat HTTP/1.1" CRLF \
	"Host: server.example.com" CRLF \
	"Upgrade: websocket" CRLF \
	"Connection: Upgrade" CRLF \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF \
	"Origin: http://example.com" CRLF \
	"Sec-WebSocket-Protocol: chat, superchat" CRLF \
	"Sec-WebSocket-Version: 13" CRLF CRLF

/* RFC 6455 §1.3: the server's answer to it. */
#define RFC_RESPONSE \
	"HTTP/1.1 101 Switching Protocols" CRLF \
	"Upgrade: websocket" CRLF \
	"Connection: Upgrade" CRLF \
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF \
	"Sec-WebSocket-Protocol: chat" CRLF CRLF

/* A request head: the request line, then field lines.  OK_FIELDS is a
 * valid upgrade; vectors that break one rule spell their fields out. */
#define HEAD(method_line, fields) method_line CRLF fields CRLF
#define OK_FIELDS \
	"Host: h" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF "Sec-WebSocket-Version: 13" CRLF

/* --- the accept key ------------------------------------------------------ */

START_TEST(accept_rfc_example)
{
	char out[WS_ACCEPT_LEN];
	/* RFC 6455 §1.3: "dGhlIHNhbXBsZSBub25jZQ==" -> "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" */
	ws_handshake_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
	ck_assert(memcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WS_ACCEPT_LEN) == 0);
}
END_TEST

/* --- the server's verdict ------------------------------------------------- */

static const char *const server_protocols[] = { "chat", "superchat" };

/* Origin policy for the tests: no Origin, or http://example.com. */
static bool origin_example(void *ud, const char *origin, size_t len)
{
	int *calls = ud;
	(*calls)++;
	return origin == NULL || (len == 18 && memcmp(origin, "http://example.com", 18) == 0);
}

static const struct {
	const char *name;
	const char *head;
	int status;
	const char *protocol;   /* expected choice on 101 */
} req_vec[] = {
	{ "RFC 6455 §1.3 example", RFC_REQUEST, 101, "chat" },
	{ "no subprotocol offered", HEAD("GET / HTTP/1.1", OK_FIELDS), 101, NULL },
	{ "our preference wins",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Protocol: superchat, chat" CRLF), 101, "chat" },
	{ "only our second offered",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Protocol: x,superchat" CRLF), 101, "superchat" },
	{ "offers over two lines (§11.3.4)",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Protocol: x" CRLF
	       "Sec-WebSocket-Protocol: y, superchat" CRLF), 101, "superchat" },
	{ "names compared exactly",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Protocol: Chat, chat2, superchat2" CRLF), 101, NULL },
	{ "Upgrade and Connection ignore case",
	  HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: WebSocket" CRLF "Connection: keep-alive, UPGRADE" CRLF
	       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF "Sec-WebSocket-Version: 13" CRLF), 101, NULL },
	{ "Upgrade lists other protocols too",
	  HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: h2c, websocket" CRLF "Connection: Upgrade" CRLF
	       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF "Sec-WebSocket-Version: 13" CRLF), 101, NULL },
	{ "Upgrade and Connection on several lines",
	  HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: h2c" CRLF "Upgrade: websocket" CRLF
	       "Connection: keep-alive" CRLF "Connection: Upgrade" CRLF
	       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF "Sec-WebSocket-Version: 13" CRLF), 101, NULL },
	{ "extensions offered are not answered",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Extensions: permessage-deflate" CRLF), 101, NULL },
	/* §4.2.1 items 1-4 -> 400 */
	{ "POST", HEAD("POST / HTTP/1.1", OK_FIELDS "Content-Length: 0" CRLF), 400, NULL },
	{ "lower-case get (methods are case-sensitive)", HEAD("get / HTTP/1.1", OK_FIELDS), 400, NULL },
	{ "HTTP/1.0", HEAD("GET / HTTP/1.0", OK_FIELDS), 400, NULL },
	{ "no Upgrade", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Connection: Upgrade" CRLF
	       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "Upgrade to something else", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: h2c" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "Upgrade: websocket2", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket2" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "no Connection: Upgrade", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: keep-alive" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	/* item 6 and §4.4 -> 426, but a repeated field is malformed -> 400 */
	{ "no version", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF), 426, NULL },
	{ "version 8", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 8" CRLF), 426, NULL },
	{ "version 013", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 013" CRLF), 426, NULL },
	{ "version list 13, 8", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
	       "Sec-WebSocket-Version: 13, 8" CRLF), 426, NULL },
	{ "version twice (§11.3.5)", HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	/* item 5 -> 400 */
	{ "no key", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "key twice (§11.3.1)",
	  HEAD("GET / HTTP/1.1", OK_FIELDS "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF), 400, NULL },
	{ "key without padding", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "key of 15 bytes", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "key of 18 bytes", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSEh" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "key not base64", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=!" CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	{ "empty key", HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
	       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: " CRLF
	       "Sec-WebSocket-Version: 13" CRLF), 400, NULL },
	/* item 7, §10.2 -> 403 */
	{ "origin refused", HEAD("GET / HTTP/1.1", OK_FIELDS "Origin: http://evil.example" CRLF), 403, NULL },
};
#define N_REQ (sizeof req_vec / sizeof req_vec[0])

struct parsed_request {
	struct http_header headers[32];
	struct http_request req;
};

static void parse_request(const char *head, struct parsed_request *pr)
{
	struct http_parser p;
	http_parser_init(&p);
	pr->req.headers = pr->headers;
	pr->req.header_cap = 32;
	ssize_t r = http_request_parse(&p, head, strlen(head), &pr->req, NULL);
	ck_assert_msg(r == (ssize_t)strlen(head), "the HTTP parser said %zd (error %d)",
		      r, (int)http_parser_error(&p));
}

START_TEST(server_verdict)
{
	struct parsed_request pr;
	struct ws_handshake hs;
	int calls = 0;
	struct ws_server_opts opts = {
		.protocols = server_protocols, .num_protocols = 2,
		.origin_ok = origin_example, .origin_ud = &calls,
	};

	parse_request(req_vec[_i].head, &pr);
	bool ok = ws_handshake_server_check(&pr.req, &opts, &hs);
	ck_assert_msg(hs.status == req_vec[_i].status, "%s: status %d (%s)",
		      req_vec[_i].name, hs.status, hs.reason ? hs.reason : "");
	ck_assert(ok == (hs.status == 101));
	if (ok) {
		ck_assert_ptr_null(hs.reason);
		ck_assert_uint_eq(strlen(hs.accept), WS_ACCEPT_LEN);
		ck_assert_str_eq(hs.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
		if (req_vec[_i].protocol)
			ck_assert_str_eq(hs.protocol ? hs.protocol : "(none)", req_vec[_i].protocol);
		else
			ck_assert_ptr_null(hs.protocol);
		ck_assert_int_eq(calls, 1);     /* the origin hook was asked */
	} else {
		ck_assert(hs.reason != NULL && strstr(hs.reason, "RFC 6455 §") != NULL);
	}
}
END_TEST

/* The HTTP parser already refuses an HTTP/1.1 request without Host; a
 * request head built by hand shows that the check stands on its own. */
START_TEST(server_needs_host)
{
	struct parsed_request pr;
	struct ws_handshake hs;

	parse_request(HEAD("GET / HTTP/1.1", OK_FIELDS), &pr);
	pr.req.host = NULL;
	pr.req.host_len = 0;
	ck_assert(!ws_handshake_server_check(&pr.req, NULL, &hs));
	ck_assert_int_eq(hs.status, 400);
}
END_TEST

/* With no options: any origin, no subprotocol even when offered. */
START_TEST(server_no_opts)
{
	struct parsed_request pr;
	struct ws_handshake hs;

	parse_request(HEAD("GET / HTTP/1.1", OK_FIELDS "Origin: http://evil.example" CRLF
			   "Sec-WebSocket-Protocol: chat" CRLF), &pr);
	ck_assert(ws_handshake_server_check(&pr.req, NULL, &hs));
	ck_assert_ptr_null(hs.protocol);
}
END_TEST

/* --- the responses written ------------------------------------------------- */

START_TEST(reply_rfc_example)
{
	struct parsed_request pr;
	struct ws_handshake hs;
	struct ws_server_opts opts = { .protocols = server_protocols, .num_protocols = 2 };
	char out[WS_HANDSHAKE_RESPONSE_MAX];

	parse_request(RFC_REQUEST, &pr);
	ck_assert(ws_handshake_server_check(&pr.req, &opts, &hs));
	ssize_t n = ws_handshake_server_reply(&hs, out, sizeof out);
	ck_assert_int_eq(n, (ssize_t)strlen(RFC_RESPONSE));
	ck_assert(memcmp(out, RFC_RESPONSE, (size_t)n) == 0);
	ck_assert_int_eq(ws_handshake_server_reply(&hs, out, (size_t)n - 1), -1);
}
END_TEST

static void reply_for(const char *head, char *out, size_t cap)
{
	struct parsed_request pr;
	struct ws_handshake hs;
	int calls = 0;
	struct ws_server_opts opts = { .origin_ok = origin_example, .origin_ud = &calls };

	parse_request(head, &pr);
	ws_handshake_server_check(&pr.req, &opts, &hs);
	ssize_t n = ws_handshake_server_reply(&hs, out, cap - 1);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
}

START_TEST(reply_426_names_version)
{
	char out[WS_HANDSHAKE_RESPONSE_MAX];
	reply_for(HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
		       "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
		       "Sec-WebSocket-Version: 7" CRLF), out, sizeof out);
	ck_assert_msg(strncmp(out, "HTTP/1.1 426 Upgrade Required" CRLF, 31) == 0, "%s", out);
	/* RFC 6455 §4.4; RFC 9110 §15.5.22 and §7.8 */
	ck_assert_ptr_nonnull(strstr(out, CRLF "Sec-WebSocket-Version: 13" CRLF));
	ck_assert_ptr_nonnull(strstr(out, CRLF "Upgrade: websocket" CRLF));
	ck_assert_ptr_nonnull(strstr(out, CRLF "Connection: Upgrade" CRLF));
}
END_TEST

START_TEST(reply_400_and_403)
{
	char out[WS_HANDSHAKE_RESPONSE_MAX];
	reply_for(HEAD("GET / HTTP/1.1", "Host: h" CRLF "Upgrade: websocket" CRLF
		       "Connection: Upgrade" CRLF "Sec-WebSocket-Version: 13" CRLF), out, sizeof out);
	ck_assert_msg(strncmp(out, "HTTP/1.1 400 Bad Request" CRLF, 26) == 0, "%s", out);
	ck_assert_ptr_null(strstr(out, "Sec-WebSocket-Accept"));
	ck_assert_ptr_nonnull(strstr(out, "Sec-WebSocket-Key"));   /* the reason, in the body */

	reply_for(HEAD("GET / HTTP/1.1", OK_FIELDS "Origin: http://evil.example" CRLF), out, sizeof out);
	ck_assert_msg(strncmp(out, "HTTP/1.1 403 Forbidden" CRLF, 24) == 0, "%s", out);
}
END_TEST

/* --- the client ---------------------------------------------------------- */

static const char *const client_protocols[] = { "chat", "superchat" };

/* The hello that produces RFC_REQUEST: "the sample nonce" is the key. */
static void rfc_hello(struct ws_client_hello *h)
{
	memset(h, 0, sizeof *h);
	h->host = "server.example.com";
	h->path = "/chat";
	memcpy(h->key, "the sample nonce", WS_KEY_BYTES);
	h->protocols = client_protocols;
	h->num_protocols = 2;
	h->origin = "http://example.com";
}

START_TEST(client_request_bytes)
{
	struct ws_client_hello h;
	char out[512];
	static const char want[] =
		"GET /chat HTTP/1.1" CRLF
		"Host: server.example.com" CRLF
		"Upgrade: websocket" CRLF
		"Connection: Upgrade" CRLF
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
		"Sec-WebSocket-Version: 13" CRLF
		"Sec-WebSocket-Protocol: chat, superchat" CRLF
		"Origin: http://example.com" CRLF CRLF;

	rfc_hello(&h);
	ssize_t n = ws_handshake_client_request(&h, out, sizeof out);
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert(memcmp(out, want, (size_t)n) == 0);
	ck_assert_int_eq(ws_handshake_client_request(&h, out, (size_t)n - 1), -1);

	/* names must be tokens; host and path must be safe in a head */
	static const char *const bad_names[] = { "chat", "two words" };
	h.protocols = bad_names;
	ck_assert_int_eq(ws_handshake_client_request(&h, out, sizeof out), -1);
	h.protocols = client_protocols;
	h.host = "a\r\nX-Evil: 1";
	ck_assert_int_eq(ws_handshake_client_request(&h, out, sizeof out), -1);
}
END_TEST

static const struct {
	const char *name;
	const char *head;
	bool ok;
	const char *protocol;
} res_vec[] = {
	{ "RFC 6455 §1.3 response", RFC_RESPONSE, true, "chat" },
	{ "no subprotocol chosen",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, true, NULL },
	{ "case of Upgrade and Connection ignored",
	  "HTTP/1.1 101 OK" CRLF "upgrade: WEBSOCKET" CRLF "connection: upgrade" CRLF
	  "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, true, NULL },
	{ "status 200",
	  "HTTP/1.1 200 OK" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF "Content-Length: 0" CRLF CRLF, false, NULL },
	{ "status 426",
	  "HTTP/1.1 426 Upgrade Required" CRLF "Sec-WebSocket-Version: 13" CRLF "Content-Length: 0" CRLF CRLF,
	  false, NULL },
	{ "no Upgrade",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, false, NULL },
	{ "Upgrade not websocket",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: h2c" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, false, NULL },
	{ "no Connection: Upgrade",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, false, NULL },
	{ "no Accept",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF CRLF,
	  false, NULL },
	{ "wrong Accept",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=" CRLF CRLF, false, NULL },
	{ "Accept twice",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF CRLF, false, NULL },
	{ "an extension we did not offer",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF
	  "Sec-WebSocket-Extensions: permessage-deflate" CRLF CRLF, false, NULL },
	{ "a subprotocol we did not offer",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF
	  "Sec-WebSocket-Protocol: Chat" CRLF CRLF, false, NULL },
	{ "two subprotocols",
	  "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" CRLF
	  "Sec-WebSocket-Protocol: chat, superchat" CRLF CRLF, false, NULL },
};
#define N_RES (sizeof res_vec / sizeof res_vec[0])

START_TEST(client_verify)
{
	struct ws_client_hello h;
	struct http_header headers[32];
	struct http_response res = { .headers = headers, .header_cap = 32 };
	struct http_parser p;
	struct ws_client_verdict v;
	char buf[1024];
	size_t len = strlen(res_vec[_i].head);

	rfc_hello(&h);
	memcpy(buf, res_vec[_i].head, len);
	http_parser_init(&p);
	ck_assert_int_eq(http_response_parse(&p, buf, len, &res, NULL), (ssize_t)len);
	bool ok = ws_handshake_client_verify(&h, &res, &v);
	ck_assert_msg(ok == res_vec[_i].ok, "%s: %s", res_vec[_i].name,
		      v.reason ? v.reason : "accepted");
	if (ok) {
		ck_assert_ptr_null(v.reason);
		if (res_vec[_i].protocol) {
			ck_assert_uint_eq(v.protocol_len, strlen(res_vec[_i].protocol));
			ck_assert(memcmp(v.protocol, res_vec[_i].protocol, v.protocol_len) == 0);
		} else {
			ck_assert_ptr_null(v.protocol);
		}
	} else {
		ck_assert(v.reason != NULL && strstr(v.reason, "RFC 6455 §4.1") != NULL);
	}
}
END_TEST

/* A client that offered no subprotocol refuses any. */
START_TEST(client_offered_none)
{
	struct ws_client_hello h;
	struct http_header headers[32];
	struct http_response res = { .headers = headers, .header_cap = 32 };
	struct http_parser p;
	struct ws_client_verdict v;
	char buf[] = RFC_RESPONSE;

	rfc_hello(&h);
	h.num_protocols = 0;
	http_parser_init(&p);
	ck_assert_int_gt(http_response_parse(&p, buf, strlen(buf), &res, NULL), 0);
	ck_assert(!ws_handshake_client_verify(&h, &res, &v));
}
END_TEST

/* Both ends, through the HTTP parser, with a fresh key: the server's reply
 * satisfies the client. */
START_TEST(round_trip)
{
	struct ws_client_hello h;
	char req[512], rep[WS_HANDSHAKE_RESPONSE_MAX];
	struct parsed_request pr;
	struct ws_handshake hs;
	struct ws_server_opts opts = { .protocols = server_protocols + 1, .num_protocols = 1 };
	struct http_header headers[32];
	struct http_response res = { .headers = headers, .header_cap = 32 };
	struct http_parser p;
	struct ws_client_verdict v;

	rfc_hello(&h);
	for (int i = 0; i < WS_KEY_BYTES; i++)
		h.key[i] = (uint8_t)(0xF0 + i * 37);
	ssize_t n = ws_handshake_client_request(&h, req, sizeof req - 1);
	ck_assert_int_gt(n, 0);
	req[n] = '\0';
	parse_request(req, &pr);
	ck_assert(ws_handshake_server_check(&pr.req, &opts, &hs));
	ck_assert_str_eq(hs.protocol, "superchat");
	n = ws_handshake_server_reply(&hs, rep, sizeof rep);
	ck_assert_int_gt(n, 0);
	http_parser_init(&p);
	ck_assert_int_eq(http_response_parse(&p, rep, (size_t)n, &res, NULL), n);
	ck_assert_msg(ws_handshake_client_verify(&h, &res, &v), "%s", v.reason);
	ck_assert(v.protocol_len == 9 && memcmp(v.protocol, "superchat", 9) == 0);

	/* another key: the same reply no longer fits */
	h.key[0] ^= 1;
	ck_assert(!ws_handshake_client_verify(&h, &res, &v));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ws_handshake");
	TCase *tc;

	tc = tcase_create("accept");
	tcase_add_test(tc, accept_rfc_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("server");
	tcase_add_loop_test(tc, server_verdict, 0, N_REQ);
	tcase_add_test(tc, server_needs_host);
	tcase_add_test(tc, server_no_opts);
	tcase_add_test(tc, reply_rfc_example);
	tcase_add_test(tc, reply_426_names_version);
	tcase_add_test(tc, reply_400_and_403);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_test(tc, client_request_bytes);
	tcase_add_loop_test(tc, client_verify, 0, N_RES);
	tcase_add_test(tc, client_offered_none);
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	return s;
}
