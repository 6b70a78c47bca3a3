/* ws_handshake.c -- RFC 6455 §4: judging and writing the opening
 * handshake on top of the HTTP layer.  ws_handshake.h has the contract.
 *
 * The server check reads top to bottom in the order of §4.2.1's list,
 * returning at the first fault with the status it earns.  Both sides
 * look fields up with http_header_find(); list-valued fields (Upgrade,
 * Sec-WebSocket-Protocol) may come as several lines, which mean the same
 * as one line joining them (RFC 9110 §5.3), so every line is searched.
 */
#include <string.h>
#include "http/http_fields.h"
#include "http/http_writer.h"
#include "ws/base64.h"
#include "ws/sha1.h"
#include "ws/ws_handshake.h"

/* The longest comma-joined list of offered subprotocols we write. */
#define WS_PROTOCOL_LIST_MAX 256

void ws_handshake_accept_key(const char *key, size_t key_len,
			     char out[WS_ACCEPT_LEN])
{
	struct sha1_ctx c;
	uint8_t digest[SHA1_DIGEST_LEN];

	sha1_init(&c);
	sha1_update(&c, key, key_len);
	sha1_update(&c, WS_GUID, strlen(WS_GUID));
	sha1_final(&c, digest);
	base64_encode(out, digest, sizeof digest);
}

/* --- field helpers ------------------------------------------------------- */

/* The next field named 'name' after 'prev' (NULL: the first). */
static const struct http_header *next_field(const struct http_header *h, size_t n,
					    const struct http_header *prev,
					    const char *name)
{
	size_t from = prev ? (size_t)(prev - h) + 1 : 0;
	return http_header_find(h + from, n - from, name);
}

/* Does any field named 'name' list 'token' (ignoring case)? */
static bool fields_list(const struct http_header *h, size_t n, const char *name,
			const char *token)
{
	for (const struct http_header *f = next_field(h, n, NULL, name); f;
	     f = next_field(h, n, f, name))
		if (http_token_list_has(f->value, f->value_len, token))
			return true;
	return false;
}

/* Does the comma-separated 'list' hold an element equal, byte for byte,
 * to 'token'?  Elements are trimmed of spaces and tabs (RFC 9110 §5.6.1). */
static bool list_has_exact(const char *list, size_t len, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (i < len) {
		while (i < len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		size_t start = i;
		while (i < len && list[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end - start == tlen && tlen > 0 && memcmp(list + start, token, tlen) == 0)
			return true;
	}
	return false;
}

/* tchar, RFC 9110 §5.6.2: what a subprotocol name is made of (§4.1). */
static bool is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z');
		if (!alnum && strchr("!#$%&'*+-.^_`|~", c) == NULL)
			return false;
	}
	return true;
}

/* --- server -------------------------------------------------------------- */

static bool refuse(struct ws_handshake *out, int status, const char *reason)
{
	out->status = status;
	out->reason = reason;
	return false;
}

bool ws_handshake_server_check(const struct http_request *req,
			       const struct ws_server_opts *opts,
			       struct ws_handshake *out)
{
	const struct http_header *h = req->headers, *f;
	size_t n = req->num_headers;
	uint8_t raw[BASE64_DECODED_MAX(WS_KEY_LEN)];

	out->status = 101;
	out->reason = NULL;
	out->protocol = NULL;
	out->accept[0] = '\0';

	/* §4.2.1 items 1-4: an HTTP/1.1 GET with Host, Upgrade, Connection */
	if (!http_slice_is(req->method, req->method_len, "GET"))
		return refuse(out, 400, "a WebSocket handshake must be a GET (RFC 6455 §4.2.1)");
	if (req->minor_version < 1)
		return refuse(out, 400, "a WebSocket handshake needs HTTP/1.1 (RFC 6455 §4.2.1)");
	if (req->host == NULL)
		return refuse(out, 400, "Host field missing (RFC 6455 §4.2.1)");
	if (!fields_list(h, n, "Upgrade", "websocket"))
		return refuse(out, 400, "Upgrade field does not name websocket (RFC 6455 §4.2.1)");
	if (!req->connection_upgrade)
		return refuse(out, 400, "Connection field does not list Upgrade (RFC 6455 §4.2.1)");

	/* item 6, and §4.4: a version we do not speak earns 426 and our own */
	if (http_header_count(h, n, "Sec-WebSocket-Version") > 1)
		return refuse(out, 400, "Sec-WebSocket-Version repeated (RFC 6455 §11.3.5)");
	f = http_header_find(h, n, "Sec-WebSocket-Version");
	if (f == NULL || f->value_len != 2 || memcmp(f->value, WS_VERSION, 2) != 0)
		return refuse(out, 426, "only WebSocket version 13 is spoken here (RFC 6455 §4.4)");

	/* item 5: one key, base64 of 16 bytes */
	if (http_header_count(h, n, "Sec-WebSocket-Key") != 1)
		return refuse(out, 400, "exactly one Sec-WebSocket-Key is required (RFC 6455 §11.3.1)");
	const struct http_header *key = http_header_find(h, n, "Sec-WebSocket-Key");
	if (base64_decode(raw, sizeof raw, key->value, key->value_len) != WS_KEY_BYTES)
		return refuse(out, 400, "Sec-WebSocket-Key is not base64 of 16 bytes (RFC 6455 §4.2.1)");

	/* item 7 and §10.2: the caller's origin policy */
	if (opts && opts->origin_ok) {
		f = http_header_find(h, n, "Origin");
		if (!opts->origin_ok(opts->origin_ud, f ? f->value : NULL,
				     f ? f->value_len : 0))
			return refuse(out, 403, "origin not allowed (RFC 6455 §10.2)");
	}

	/* item 8 and §4.2.2 step 5.4: our first choice among those offered */
	for (size_t i = 0; opts && i < opts->num_protocols && !out->protocol; i++)
		for (f = next_field(h, n, NULL, "Sec-WebSocket-Protocol"); f;
		     f = next_field(h, n, f, "Sec-WebSocket-Protocol"))
			if (list_has_exact(f->value, f->value_len, opts->protocols[i])) {
				out->protocol = opts->protocols[i];
				break;
			}

	ws_handshake_accept_key(key->value, key->value_len, out->accept);
	out->accept[WS_ACCEPT_LEN] = '\0';
	return true;
}

ssize_t ws_handshake_server_reply(const struct ws_handshake *hs, char *out,
				  size_t cap)
{
	struct http_writer w;

	if (hs->status != 101)
		return http_write_error(out, cap, hs->status, hs->reason,
					hs->status != 426 ? NULL :
					"Upgrade: websocket\r\n"
					"Connection: Upgrade\r\n"
					"Sec-WebSocket-Version: " WS_VERSION "\r\n");
	http_writer_init(&w, out, cap);
	http_writer_status(&w, 101);
	http_writer_header(&w, "Upgrade", "websocket");
	http_writer_header(&w, "Connection", "Upgrade");
	http_writer_header(&w, "Sec-WebSocket-Accept", hs->accept);
	if (hs->protocol)
		http_writer_header(&w, "Sec-WebSocket-Protocol", hs->protocol);
	http_writer_end_head(&w);
	return http_writer_finish(&w);
}

/* --- client -------------------------------------------------------------- */

ssize_t ws_handshake_client_request(const struct ws_client_hello *hello,
				    char *out, size_t cap)
{
	static const char comma[] = ", ";
	const size_t sep = sizeof comma - 1;
	struct http_writer w;
	char key[WS_KEY_LEN + 1], list[WS_PROTOCOL_LIST_MAX];
	size_t len = 0;

	base64_encode(key, hello->key, WS_KEY_BYTES);
	key[WS_KEY_LEN] = '\0';
	for (size_t i = 0; i < hello->num_protocols; i++) {
		const char *p = hello->protocols[i];
		size_t plen = strlen(p);
		if (!is_token(p) || plen + sep > sizeof list - len)
			return -1;      /* §4.1: names are tokens, so the list parses */
		if (i > 0) {
			memcpy(list + len, comma, sep);
			len += sep;
		}
		memcpy(list + len, p, plen);
		len += plen;
	}

	http_writer_init(&w, out, cap);
	http_writer_request_line(&w, "GET", hello->path);
	http_writer_header(&w, "Host", hello->host);
	http_writer_header(&w, "Upgrade", "websocket");
	http_writer_header(&w, "Connection", "Upgrade");
	http_writer_header(&w, "Sec-WebSocket-Key", key);
	http_writer_header(&w, "Sec-WebSocket-Version", WS_VERSION);
	if (len > 0)
		http_writer_header_n(&w, "Sec-WebSocket-Protocol", list, len);
	if (hello->origin)
		http_writer_header(&w, "Origin", hello->origin);
	http_writer_end_head(&w);
	return http_writer_finish(&w);
}

static bool reject(struct ws_client_verdict *out, const char *reason)
{
	out->reason = reason;
	out->protocol = NULL;
	out->protocol_len = 0;
	return false;
}

bool ws_handshake_client_verify(const struct ws_client_hello *hello,
				const struct http_response *res,
				struct ws_client_verdict *out)
{
	const struct http_header *h = res->headers, *f;
	size_t n = res->num_headers;
	char key[WS_KEY_LEN], want[WS_ACCEPT_LEN];

	out->reason = NULL;
	out->protocol = NULL;
	out->protocol_len = 0;

	/* §4.1, the client's checks of the response, in the RFC's order */
	if (res->status != 101)
		return reject(out, "the server did not switch protocols (RFC 6455 §4.1)");
	if (res->upgrade == NULL ||
	    !http_slice_equals(res->upgrade, res->upgrade_len, "websocket"))
		return reject(out, "Upgrade field is not websocket (RFC 6455 §4.1)");
	if (!res->connection_upgrade)
		return reject(out, "Connection field does not list Upgrade (RFC 6455 §4.1)");

	base64_encode(key, hello->key, WS_KEY_BYTES);
	ws_handshake_accept_key(key, WS_KEY_LEN, want);
	f = http_header_find(h, n, "Sec-WebSocket-Accept");
	if (f == NULL || http_header_count(h, n, "Sec-WebSocket-Accept") != 1 ||
	    f->value_len != WS_ACCEPT_LEN || memcmp(f->value, want, WS_ACCEPT_LEN) != 0)
		return reject(out, "Sec-WebSocket-Accept does not match our key (RFC 6455 §4.1)");

	for (f = next_field(h, n, NULL, "Sec-WebSocket-Extensions"); f;
	     f = next_field(h, n, f, "Sec-WebSocket-Extensions"))
		if (f->value_len > 0)
			return reject(out, "the server chose an extension we did not offer (RFC 6455 §4.1)");

	f = http_header_find(h, n, "Sec-WebSocket-Protocol");
	if (f != NULL) {
		bool offered = false;
		if (http_header_count(h, n, "Sec-WebSocket-Protocol") != 1)
			return reject(out, "more than one Sec-WebSocket-Protocol (RFC 6455 §4.1)");
		for (size_t i = 0; i < hello->num_protocols && !offered; i++)
			offered = f->value_len == strlen(hello->protocols[i]) &&
				  memcmp(f->value, hello->protocols[i], f->value_len) == 0;
		if (!offered)
			return reject(out, "the server chose a subprotocol we did not offer (RFC 6455 §4.1)");
		out->protocol = f->value;
		out->protocol_len = f->value_len;
	}
	return true;
}
