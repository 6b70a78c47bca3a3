/* ws_handshake.h -- the WebSocket opening handshake (RFC 6455 §4), both
 * sides, sans-IO.
 *
 * A WebSocket starts as an HTTP/1.1 GET that asks to switch protocols
 * (§1.3, example from the RFC):
 *
 *     GET /chat HTTP/1.1                  HTTP/1.1 101 Switching Protocols
 *     Host: server.example.com            Upgrade: websocket
 *     Upgrade: websocket                  Connection: Upgrade
 *     Connection: Upgrade                 Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 *     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
 *     Sec-WebSocket-Version: 13
 *
 * The server proves it read the key: Accept = base64(SHA-1(key + GUID)).
 * After the 101 both sides speak frames (ws_session.h); bytes that
 * arrived after the response's empty line already belong to that layer.
 *
 * The HTTP layer parses the heads (http/http_parser.h); this module only
 * judges them and writes the replies, through http/http_writer.h, into
 * the caller's buffer.  Nothing here allocates or touches a socket; the
 * client's key is random bytes the caller supplies, so the module stays
 * a pure function of its input.
 *
 * Server (§4.2.1, §4.2.2).  ws_handshake_server_check() wants: method GET,
 * HTTP/1.1 or later, a Host field, an Upgrade field listing "websocket"
 * and a Connection field listing "Upgrade" (both ignoring case), exactly
 * one Sec-WebSocket-Key that is strict base64 of 16 bytes, and exactly
 * one Sec-WebSocket-Version, "13".  A missing or other version earns 426
 * with "Sec-WebSocket-Version: 13" in the response, so the client learns
 * what we speak (§4.4); an Origin the caller's hook refuses earns 403
 * (§10.2); any other fault earns 400.  Extensions are never negotiated,
 * so an offered Sec-WebSocket-Extensions is simply not answered (§9.1).
 *
 * Subprotocols (§4.2.2 step 5.4, §11.3.4).  The server picks the first
 * protocol of its own list (its order of preference) that the client
 * offered in any Sec-WebSocket-Protocol field.  Names are compared byte
 * for byte, not ignoring case: the client checks the server's choice
 * against its offer exactly (browsers do, per the WHATWG WebSockets
 * standard), so a case-blind match would break the connection anyway.
 *
 * Client (§4.1).  ws_handshake_client_request() writes the GET above;
 * ws_handshake_client_verify() accepts the response only if the status
 * is 101, Upgrade is "websocket", Connection lists "Upgrade", the Accept
 * value is the one our key calls for, no extension was switched on (we
 * offer none), and a subprotocol, if named, is one we offered.
 *
 * Read next: ws_frame.h.
 */
#ifndef PUSHPULL_WS_HANDSHAKE_H
#define PUSHPULL_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "http/http_parser.h"

#define WS_GUID        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   /* §1.3 */
#define WS_VERSION     "13"             /* §4.1: the only version defined */
#define WS_KEY_BYTES   16               /* §4.1: random bytes in a key */
#define WS_KEY_LEN     24               /* their base64 */
#define WS_ACCEPT_LEN  28               /* base64 of a SHA-1 digest */

/* Writes base64(SHA-1(key + WS_GUID)) (§4.2.2 step 5.4), WS_ACCEPT_LEN
 * characters, no NUL.  'key' is the Sec-WebSocket-Key value as sent. */
void ws_handshake_accept_key(const char *key, size_t key_len,
			     char out[WS_ACCEPT_LEN]);

/* --- server ------------------------------------------------------------- */

struct ws_server_opts {
	/* Subprotocols we speak, most preferred first; may be empty. */
	const char *const *protocols;
	size_t num_protocols;
	/* Origin policy: NULL accepts every request.  Otherwise called with
	 * the Origin field (NULL, 0 when there is none); false earns 403. */
	bool (*origin_ok)(void *ud, const char *origin, size_t len);
	void *origin_ud;
};

/* The verdict on an upgrade request. */
struct ws_handshake {
	int status;             /* 101, or 400, 403, 426 */
	const char *reason;     /* why not 101 (static text); NULL on 101 */
	const char *protocol;   /* the chosen subprotocol, an entry of
	                           opts->protocols; NULL for none */
	char accept[WS_ACCEPT_LEN + 1];     /* Sec-WebSocket-Accept, NUL-ended */
};

/* Judges a parsed request head ('opts' NULL: no subprotocols, any
 * origin).  Returns true when it is a valid upgrade; *out says either way. */
bool ws_handshake_server_check(const struct http_request *req,
			       const struct ws_server_opts *opts,
			       struct ws_handshake *out);

/* Writes the response the verdict calls for: the 101 with Upgrade,
 * Connection, Sec-WebSocket-Accept and, if chosen, Sec-WebSocket-Protocol;
 * or a complete error response with the reason as its body (426 adds
 * Upgrade, Connection: Upgrade and Sec-WebSocket-Version: 13, RFC 9110
 * §15.5.22 and RFC 6455 §4.4).  Returns its length, or -1 if it does not
 * fit in 'cap'.  WS_HANDSHAKE_RESPONSE_MAX is enough for every response
 * whose subprotocol name is under 300 bytes. */
#define WS_HANDSHAKE_RESPONSE_MAX 512
ssize_t ws_handshake_server_reply(const struct ws_handshake *hs, char *out,
				  size_t cap);

/* --- client ------------------------------------------------------------- */

struct ws_client_hello {
	const char *host;       /* the Host field: "example.com:8080" */
	const char *path;       /* the request target: "/chat?room=1" */
	uint8_t key[WS_KEY_BYTES];  /* fresh random bytes for each connection (§4.1) */
	const char *const *protocols;   /* offered, most preferred first */
	size_t num_protocols;
	const char *origin;     /* NULL: no Origin field */
};

/* Writes the upgrade request.  Returns its length, or -1 if it does not
 * fit in 'cap' or a field would be unsafe (a CR or LF in host or path). */
ssize_t ws_handshake_client_request(const struct ws_client_hello *hello,
				    char *out, size_t cap);

struct ws_client_verdict {
	const char *reason;     /* why the response was refused; NULL if not */
	const char *protocol;   /* the subprotocol the server chose (a slice of
	                           the response), or NULL */
	size_t protocol_len;
};

/* Checks a parsed response head against the request 'hello' described.
 * Returns true to go on with frames; false to fail the connection (§4.1:
 * the client MUST _Fail the WebSocket Connection_), with *out's reason. */
bool ws_handshake_client_verify(const struct ws_client_hello *hello,
				const struct http_response *res,
				struct ws_client_verdict *out);

#endif
