/* test_http_parser.c -- request heads (src/http/http_parser.h): valid
 * requests, each rejection with its status, pipelining, and random
 * variants that must parse the same however they arrive.
 *
 * The vectors go through the server simulation in support/byte_feed.h:
 * each is fed whole, one byte at a time, and split in two at every
 * position.
 * Limits are in test_http_limits.c, responses in test_http_response.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/byte_feed.h"

/* --- valid requests --------------------------------------------------------- */

struct vec {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	const char *expect;     /* the log */
	size_t left;            /* bytes that must stay unconsumed */
};

static size_t vec_len(const struct vec *v) { return v->len ? v->len : strlen(v->in); }

static const struct vec valid_requests[] = {
	{ "simple GET",
	  "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: example.com\nbody[0] \n", 0 },
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	{ "leading empty lines",
	  "\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "GET /a HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "HTTP/1.0 without Host closes",
	  "GET /x HTTP/1.0\r\n\r\n",
	  0, "GET /x HTTP/1.0 close\nbody[0] \n", 0 },
	{ "HTTP/1.0 keep-alive",
	  "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	  0, "GET /x HTTP/1.0 keep-alive\nConnection: Keep-Alive\nbody[0] \n", 0 },
	{ "HTTP/1.1 close in a list",
	  "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo,  CLOSE ,bar\r\n\r\n",
	  0, "GET / HTTP/1.1 close\nHost: h\nConnection: foo,  CLOSE ,bar\nbody[0] \n", 0 },
	/* RFC 9110 §2.5: a higher minor version is handled as 1.1. */
	{ "HTTP/1.7 is 1.1",
	  "GET / HTTP/1.7\r\nHost: h\r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "OWS trimmed, empty value, inner spaces kept",
	  "GET / HTTP/1.1\r\nHost:h\r\nX-A:  a  b \t\r\nX-B:\r\nX-C: \t \r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: h\nX-A: a  b\nX-B: \nX-C: \nbody[0] \n", 0 },
	{ "obs-text in a value",
	  "GET / HTTP/1.1\r\nHost: h\r\nX-L: caf\xc3\xa9 \xff\r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: h\nX-L: caf\xc3\xa9 \xff\nbody[0] \n", 0 },
	{ "every tchar in a name",
	  "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: h\n!#$%&'*+-.^_`|~09azAZ: v\nbody[0] \n", 0 },
	{ "extension method",
	  "M-SEARCH /x HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "M-SEARCH /x HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "Content-Length body",
	  "POST /publish HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
	  0, "POST /publish HTTP/1.1 keep-alive\nHost: h\nContent-Length: 5\nbody[5] hello\n", 0 },
	{ "Content-Length 0",
	  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
	  0, "POST / HTTP/1.1 keep-alive\nHost: h\nContent-Length: 0\nbody[0] \n", 0 },
	/* RFC 9110 §8.6: the same value repeated may be accepted. */
	{ "Content-Length repeated with one value",
	  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\ncontent-length: 003\r\n\r\nabc",
	  0, "POST / HTTP/1.1 keep-alive\nHost: h\nContent-Length: 3, 3\ncontent-length: 003\nbody[3] abc\n", 0 },
	{ "chunked body with extensions and trailers",
	  "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5;a=b\r\nhello\r\n"
	  "6 ; name = \"q;\\\"x\" ;n2\r\n world\r\n"
	  "0A\r\n0123456789\r\n"
	  "000;last\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n",
	  0, "POST /p HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: chunked\n"
	     "body[21] hello world0123456789\n", 0 },
	{ "chunked with no data",
	  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
	  0, "POST / HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: Chunked\nbody[0] \n", 0 },
	/* RFC 9110 §5.6.1: empty list elements are ignored. */
	{ "Transfer-Encoding with empty elements",
	  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked,\r\n\r\n1\r\nz\r\n0\r\n\r\n",
	  0, "POST / HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: , chunked,\nbody[1] z\n", 0 },
	{ "Expect: 100-continue",
	  "PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
	  0, "PUT /x HTTP/1.1 keep-alive 100-continue\nHost: h\nExpect: 100-Continue\n"
	     "Content-Length: 1\nbody[1] x\n", 0 },
	/* Expect is a list (RFC 9110 §10.1.1, §5.6.1); "foo" is not ours to meet. */
	{ "Expect: a list with 100-continue",
	  "PUT /x HTTP/1.1\r\nHost: h\r\nExpect: foo, 100-continue\r\nContent-Length: 1\r\n\r\nx",
	  0, "PUT /x HTTP/1.1 keep-alive 100-continue\nHost: h\nExpect: foo, 100-continue\n"
	     "Content-Length: 1\nbody[1] x\n", 0 },
	{ "Expect: 100-continue as a parameter is not it",
	  "PUT /x HTTP/1.1\r\nHost: h\r\nExpect: foo=100-continue\r\nContent-Length: 1\r\n\r\nx",
	  0, "PUT /x HTTP/1.1 keep-alive\nHost: h\nExpect: foo=100-continue\n"
	     "Content-Length: 1\nbody[1] x\n", 0 },
	/* RFC 9110 §10.1.1: ignored from an HTTP/1.0 client. */
	{ "Expect in HTTP/1.0 ignored",
	  "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
	  0, "GET / HTTP/1.0 close\nExpect: 100-continue\nbody[0] \n", 0 },
	/* RFC 6455 §1.3 handshake request (Sec-WebSocket-Key from its example). */
	{ "WebSocket upgrade",
	  "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	  "Sec-WebSocket-Version: 13\r\n\r\n",
	  0, "GET /chat HTTP/1.1 keep-alive upgrade\nHost: server.example.com\nUpgrade: websocket\n"
	     "Connection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
	     "Sec-WebSocket-Version: 13\nbody[0] \n", 0 },
	{ "Upgrade in HTTP/1.0 ignored (RFC 9110 §7.8)",
	  "GET /chat HTTP/1.0\r\nUpgrade: websocket\r\n\r\n",
	  0, "GET /chat HTTP/1.0 close\nUpgrade: websocket\nbody[0] \n", 0 },
	{ "absolute-form",
	  "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n",
	  0, "GET http://example.com:8080/a/b?c=d HTTP/1.1 keep-alive\nHost: other\nbody[0] \n", 0 },
	{ "CONNECT authority-form",
	  "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	  0, "CONNECT example.com:443 HTTP/1.1 keep-alive\nHost: example.com:443\nbody[0] \n", 0 },
	{ "OPTIONS asterisk-form",
	  "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "OPTIONS * HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "Host forms: IPv6 literal, IPv4, empty",
	  "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
	  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	  "GET / HTTP/1.1\r\nHost:\r\n\r\n",
	  0, "GET / HTTP/1.1 keep-alive\nHost: [::1]:8080\nbody[0] \n"
	     "GET / HTTP/1.1 keep-alive\nHost: 127.0.0.1\nbody[0] \n"
	     "GET / HTTP/1.1 keep-alive\nHost: \nbody[0] \n", 0 },
	{ "target with escapes and sub-delims",
	  "GET /a%20b/c;p=1/@:x?q=a/b?c&d=$!'()*+,;= HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "GET /a%20b/c;p=1/@:x?q=a/b?c&d=$!'()*+,;= HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "pipelined: GET, POST with body, chunked POST, GET",
	  "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	  "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
	  "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
	  "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "GET /1 HTTP/1.1 keep-alive\nHost: h\nbody[0] \n"
	     "POST /2 HTTP/1.1 keep-alive\nHost: h\nContent-Length: 3\nbody[3] abc\n"
	     "POST /3 HTTP/1.1 keep-alive\nHost: h\nTransfer-Encoding: chunked\nbody[2] de\n"
	     "GET /4 HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	/* RFC 9112 §2.2: a CRLF after a body is an empty line before the next request. */
	{ "CRLF after a body",
	  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx\r\n"
	  "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
	  0, "POST / HTTP/1.1 keep-alive\nHost: h\nContent-Length: 1\nbody[1] x\n"
	     "GET / HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 0 },
	{ "incomplete second request stays unconsumed",
	  "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHo",
	  0, "GET / HTTP/1.1 keep-alive\nHost: h\nbody[0] \n", 22 },
};

START_TEST(test_valid_requests)
{
	const struct vec *v = &valid_requests[_i];
	byte_feed_check_splits(v->name, v->in, vec_len(v), v->expect, v->left, NULL);
}
END_TEST

/* --- rejected requests -------------------------------------------------------- */

struct bad {
	const char *name;
	const char *in;
	size_t len;             /* 0: strlen(in) */
	enum http_error error;
	int status;             /* what it earns */
};

#define H "Host: h\r\n"

static const struct bad bad_requests[] = {
	/* line endings, RFC 9112 §2.2 */
	{ "bare LF ends the request line", "GET / HTTP/1.1\nHost: h\n\n", 0, HTTP_E_BARE_LF, 400 },
	{ "bare LF ends a field line", "GET / HTTP/1.1\r\nHost: h\n\r\n", 0, HTTP_E_BARE_LF, 400 },
	{ "bare LF as the empty line", "GET / HTTP/1.1\r\n" H "\n", 0, HTTP_E_BARE_LF, 400 },
	{ "bare LF before the request", "\nGET / HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_BARE_LF, 400 },
	{ "bare CR in the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 0, HTTP_E_BARE_CR, 400 },
	{ "bare CR in a value", "GET / HTTP/1.1\r\nX: a\rb\r\n" H "\r\n", 0, HTTP_E_BARE_CR, 400 },
	{ "nine empty lines", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n",
	  0, HTTP_E_EMPTY_LINES, 400 },
	/* request line, RFC 9112 §3 */
	{ "two spaces after method", "GET  / HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "two spaces after target", "GET /  HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "space at the end", "GET / HTTP/1.1 \r\n" H "\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "tab as separator", "GET\t/ HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "HTTP/0.9 request", "GET /\r\n\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "space in target", "GET /a b HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_REQUEST_LINE, 400 },
	{ "empty line then space", "\r\n GET / HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_METHOD, 400 },
	{ "bad method char", "GE(T / HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_METHOD, 400 },
	{ "TLS ClientHello, refused at once", "\x16\x03\x01\x02", 0, HTTP_E_METHOD, 400 },
	{ "NUL first", "\0GET / HTTP/1.1\r\n", 17, HTTP_E_METHOD, 400 },
	{ "HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 0, HTTP_E_VERSION, 505 },
	{ "HTTP/0.9 version", "GET / HTTP/0.9\r\n" H "\r\n", 0, HTTP_E_VERSION, 505 },
	{ "lower-case version", "GET / http/1.1\r\n" H "\r\n", 0, HTTP_E_VERSION_SYNTAX, 400 },
	{ "two-digit minor", "GET / HTTP/1.10\r\n" H "\r\n", 0, HTTP_E_VERSION_SYNTAX, 400 },
	{ "no minor", "GET / HTTP/1\r\n" H "\r\n", 0, HTTP_E_VERSION_SYNTAX, 400 },
	{ "garbage version", "GET / FOO\r\n" H "\r\n", 0, HTTP_E_VERSION_SYNTAX, 400 },
	{ "two-digit major", "GET / HTTP/11.1\r\n" H "\r\n", 0, HTTP_E_VERSION_SYNTAX, 400 },
	{ "HTTP/3.0", "GET / HTTP/3.0\r\n" H "\r\n", 0, HTTP_E_VERSION, 505 },
	{ "fragment in target", "GET /a#f HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "'|' in target", "GET /a|b HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "bad escape", "GET /%zz HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "short escape", "GET /%4 HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "obs-text in target", "GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "relative target", "GET a/b HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "userinfo in absolute-form", "GET http://u@h/ HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "http URI without authority", "GET http:/x HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "empty host in http URI", "GET http:///x HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET, 400 },
	{ "asterisk with GET", "GET * HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET_FORM, 400 },
	{ "CONNECT origin-form", "CONNECT / HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET_FORM, 400 },
	{ "CONNECT without port", "CONNECT h HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET_FORM, 400 },
	{ "CONNECT port 0", "CONNECT h:0 HTTP/1.1\r\n" H "\r\n", 0, HTTP_E_TARGET_FORM, 400 },
	/* field lines, RFC 9112 §5, RFC 9110 §5 */
	{ "obs-fold", "GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 0, HTTP_E_OBS_FOLD, 400 },
	{ "whitespace before first field", "GET / HTTP/1.1\r\n " H "\r\n", 0, HTTP_E_WS_BEFORE_FIELDS, 400 },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0, HTTP_E_SPACE_BEFORE_COLON, 400 },
	{ "tab before colon", "GET / HTTP/1.1\r\n" H "X\t: h\r\n\r\n", 0, HTTP_E_SPACE_BEFORE_COLON, 400 },
	{ "no colon", "GET / HTTP/1.1\r\n" H "X h\r\n\r\n", 0, HTTP_E_NO_COLON, 400 },
	{ "name only", "GET / HTTP/1.1\r\n" H "X\r\n\r\n", 0, HTTP_E_NO_COLON, 400 },
	{ "empty name", "GET / HTTP/1.1\r\n" H ": v\r\n\r\n", 0, HTTP_E_EMPTY_NAME, 400 },
	{ "space inside name", "GET / HTTP/1.1\r\n" H "X Y: v\r\n\r\n", 0, HTTP_E_FIELD_NAME, 400 },
	{ "bad name char", "GET / HTTP/1.1\r\n" H "X(Y): v\r\n\r\n", 0, HTTP_E_FIELD_NAME, 400 },
	{ "NUL in value", "GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 35, HTTP_E_FIELD_VALUE, 400 },
	{ "CTL in value", "GET / HTTP/1.1\r\n" H "X: a\x01" "b\r\n\r\n", 0, HTTP_E_FIELD_VALUE, 400 },
	{ "DEL in value", "GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 0, HTTP_E_FIELD_VALUE, 400 },
	/* Host, RFC 9112 §3.2 */
	{ "no Host in 1.1", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 0, HTTP_E_HOST_MISSING, 400 },
	{ "two Hosts", "GET / HTTP/1.1\r\n" H "host: h\r\n\r\n", 0, HTTP_E_HOST_REPEATED, 400 },
	{ "Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host port too big", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host port not digits", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host bad IPv6", "GET / HTTP/1.1\r\nHost: [::1::2]\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "Host unclosed bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	{ "invalid Host in 1.0", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 0, HTTP_E_HOST_INVALID, 400 },
	/* Content-Length, RFC 9110 §8.6, RFC 9112 §6.3 */
	{ "CL letters", "POST / HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL negative", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL plus sign", "POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x5\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL two numbers", "POST / HTTP/1.1\r\n" H "Content-Length: 5 5\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL empty", "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL empty element", "POST / HTTP/1.1\r\n" H "Content-Length: 5,\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH, 400 },
	{ "CL list differs", "POST / HTTP/1.1\r\n" H "Content-Length: 5, 6\r\n\r\n",
	  0, HTTP_E_CONTENT_LENGTH_CONFLICT, 400 },
	{ "CL fields differ", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
	  0, HTTP_E_CONTENT_LENGTH_CONFLICT, 400 },
	{ "CL overflow", "POST / HTTP/1.1\r\n" H "Content-Length: 18446744073709551616\r\n\r\n",
	  0, HTTP_E_CONTENT_LENGTH_OVERFLOW, 413 },
	/* A value too large for 64 bits differs from one that fits: 400. */
	{ "huge and small Content-Lengths", "POST / HTTP/1.1\r\n" H
	  "Content-Length: 5, 99999999999999999999999\r\n\r\n", 0, HTTP_E_CONTENT_LENGTH_CONFLICT, 400 },
	{ "small after a huge Content-Length", "POST / HTTP/1.1\r\n" H
	  "Content-Length: 99999999999999999999999\r\nContent-Length: 5\r\n\r\n", 0,
	  HTTP_E_CONTENT_LENGTH_CONFLICT, 400 },
	{ "CL over the body limit", "POST / HTTP/1.1\r\n" H "Content-Length: 1048577\r\n\r\n",
	  0, HTTP_E_BODY_TOO_LARGE, 413 },
	/* Transfer-Encoding, RFC 9112 §6.1, §6.3, §7 */
	{ "TE and CL", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, HTTP_E_TE_WITH_CL, 400 },
	{ "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0, HTTP_E_TE_HTTP10, 400 },
	{ "TE gzip only", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 0, HTTP_E_TE_NOT_CHUNKED, 400 },
	{ "TE chunked then gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n",
	  0, HTTP_E_TE_NOT_CHUNKED, 400 },
	{ "TE identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 0, HTTP_E_TE_NOT_CHUNKED, 400 },
	{ "TE gzip, chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n",
	  0, HTTP_E_TE_UNKNOWN, 501 },
	{ "TE chunked twice", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n",
	  0, HTTP_E_TE_CHUNKED_TWICE, 400 },
	{ "TE chunked in two fields", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 0, HTTP_E_TE_CHUNKED_TWICE, 400 },
	{ "TE chunked with parameter", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;x=1\r\n\r\n",
	  0, HTTP_E_TE_SYNTAX, 400 },
	{ "TE empty", "POST / HTTP/1.1\r\n" H "Transfer-Encoding:\r\n\r\n", 0, HTTP_E_TE_SYNTAX, 400 },
	{ "TE not a token", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n",
	  0, HTTP_E_TE_SYNTAX, 400 },
	{ "TE two words", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked x\r\n\r\n", 0, HTTP_E_TE_SYNTAX, 400 },
	/* chunked bodies (more in test_http_body.c) */
	{ "bad chunk size", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
	  0, HTTP_E_CHUNK_SIZE, 400 },
	{ "chunk data without CRLF", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
	  "1\r\nab\r\n0\r\n\r\n", 0, HTTP_E_CHUNK_DATA_CRLF, 400 },
};

START_TEST(test_bad_requests)
{
	const struct bad *v = &bad_requests[_i];
	char expect[256];

	ck_assert_int_eq(http_error_status(v->error), v->status);
	snprintf(expect, sizeof expect, "error %d %s\n", v->status, http_error_reason(v->error));
	byte_feed_check_splits(v->name, v->in, v->len ? v->len : strlen(v->in), expect, 0, NULL);
}
END_TEST

START_TEST(test_parser_reuse_and_sticky_error)
{
	struct http_header h[4];
	struct http_request req = { .headers = h, .header_cap = 4 };
	struct http_parser p;
	const char *two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n";

	http_parser_init(&p);
	ssize_t n = http_request_parse(&p, two, strlen(two), &req, NULL);
	ck_assert_int_eq(n, 28);
	ck_assert_int_eq(memcmp(req.target, "/1", 2), 0);
	ck_assert_int_eq(http_request_parse(&p, two + n, strlen(two) - (size_t)n, &req, NULL), 28);
	ck_assert_int_eq(memcmp(req.target, "/2", 2), 0);
	ck_assert_int_eq(memcmp(req.host, "b", 1), 0);
	ck_assert_int_eq(req.target_form, HTTP_TARGET_ORIGIN);

	/* A refused parser stays refused until it is initialised again. */
	ck_assert_int_eq(http_request_parse(&p, "GET / HTTP/9.9\r\n", 16, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_request_parse(&p, two, strlen(two), &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_VERSION);
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, two, strlen(two), &req, NULL), 28);

	/* Nothing at all is simply incomplete. */
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, "", 0, &req, NULL), HTTP_INCOMPLETE);
	ck_assert_uint_le(sizeof(struct http_parser), 16);
}
END_TEST

/* Empty lines passed over may be dropped by the caller (RFC 9112 §2.2),
 * and still count towards their limit. */
START_TEST(test_drop_empty_lines)
{
	struct http_header h[4];
	struct http_request req = { .headers = h, .header_cap = 4 };
	struct http_parser p;

	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, "\r\n\r\n\r", 5, &req, NULL), HTTP_INCOMPLETE);
	ck_assert_uint_eq(http_parser_drop_empty_lines(&p), 4);
	const char *rest = "\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	ck_assert_int_eq(http_request_parse(&p, rest, strlen(rest), &req, NULL), (ssize_t)strlen(rest));
	ck_assert_int_eq(memcmp(req.target, "/a", 2), 0);

	/* A start line begun: the empty lines before it may still be dropped,
	 * once; nothing more until the request is whole. */
	http_parser_init(&p);
	ck_assert_int_eq(http_request_parse(&p, "\r\nGET", 5, &req, NULL), HTTP_INCOMPLETE);
	ck_assert_uint_eq(http_parser_drop_empty_lines(&p), 2);
	ck_assert_int_eq(http_request_parse(&p, "GET", 3, &req, NULL), HTTP_INCOMPLETE);
	ck_assert_uint_eq(http_parser_drop_empty_lines(&p), 0);

	/* One CRLF at a time, each dropped: the limit still holds. */
	http_parser_init(&p);
	for (int i = 0; i < HTTP_MAX_EMPTY_LINES; i++) {
		ck_assert_int_eq(http_request_parse(&p, "\r\n", 2, &req, NULL), HTTP_INCOMPLETE);
		ck_assert_uint_eq(http_parser_drop_empty_lines(&p), 2);
	}
	ck_assert_int_eq(http_request_parse(&p, "\r\n", 2, &req, NULL), HTTP_INVALID);
	ck_assert_int_eq(http_parser_error(&p), HTTP_E_EMPTY_LINES);
}
END_TEST

START_TEST(test_request_fields_derived)
{
	struct http_header h[8];
	struct http_request req = { .headers = h, .header_cap = 8 };
	struct http_parser p;
	const char *in = "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n";

	http_parser_init(&p);
	ck_assert_int_gt(http_request_parse(&p, in, strlen(in), &req, NULL), 0);
	ck_assert_int_eq(req.target_form, HTTP_TARGET_AUTHORITY);
	ck_assert_int_eq(req.framing, HTTP_FRAMING_NONE);
	ck_assert_uint_eq(req.host_len, 9);

	in = "OPTIONS * HTTP/1.0\r\n\r\n";
	http_parser_init(&p);
	ck_assert_int_gt(http_request_parse(&p, in, strlen(in), &req, NULL), 0);
	ck_assert_int_eq(req.target_form, HTTP_TARGET_ASTERISK);
	ck_assert_ptr_null(req.host);
	ck_assert_int_eq(req.minor_version, 0);

	/* RFC 9112 §3.2.2: the target's authority wins over Host */
	in = "GET http://a.example:81/x HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\n\r\n";
	http_parser_init(&p);
	ck_assert_int_gt(http_request_parse(&p, in, strlen(in), &req, NULL), 0);
	ck_assert_int_eq(req.target_form, HTTP_TARGET_ABSOLUTE);
	ck_assert_uint_eq(req.host_len, 12);
	ck_assert_int_eq(memcmp(req.host, "a.example:81", 12), 0);
	ck_assert_uint_eq(req.upgrade_len, 9);
	ck_assert_int_eq(memcmp(req.upgrade, "websocket", 9), 0);
	ck_assert(!req.connection_upgrade);

	/* RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored */
	in = "GET /chat HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n";
	http_parser_init(&p);
	ck_assert_int_gt(http_request_parse(&p, in, strlen(in), &req, NULL), 0);
	ck_assert_ptr_null(req.upgrade);
	ck_assert_uint_eq(req.upgrade_len, 0);

	in = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n";
	http_parser_init(&p);
	ck_assert_int_gt(http_request_parse(&p, in, strlen(in), &req, NULL), 0);
	ck_assert_int_eq(req.framing, HTTP_FRAMING_LENGTH);
	ck_assert_uint_eq(req.content_length, HTTP_MAX_BODY);
}
END_TEST

/* --- mutations: every way of feeding agrees -------------------------------------- */

/* A small deterministic generator (xorshift), so a failure can be replayed. */
static uint32_t rng_state = 2463534242u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Bytes that matter to the grammar, most likely to find a disagreement. */
static const char interesting[] = "\r\n \t:;,=\"\\%/?*0aF\x80\x7f\x00";

static size_t mutate(char *b, size_t len, size_t cap)
{
	int edits = 1 + (int)(rng() % 3);
	for (int e = 0; e < edits && len > 0; e++) {
		size_t at = rng() % len;
		char c = interesting[rng() % (sizeof interesting - 1)];
		switch (rng() % 4) {
		case 0:                 /* replace */
			b[at] = c;
			break;
		case 1:                 /* insert */
			if (len < cap) {
				memmove(b + at + 1, b + at, len - at);
				b[at] = c;
				len++;
			}
			break;
		case 2:                 /* delete */
			memmove(b + at, b + at + 1, len - at - 1);
			len--;
			break;
		default:                /* truncate */
			len = at + 1;
			break;
		}
	}
	return len;
}

/* Random variants of every vector, fed whole, byte by byte and split at
 * a few random points: the outcome (log and error) must not depend on
 * how the bytes arrive.  Also a crash hunt under the sanitizers. */
START_TEST(test_mutations_agree)
{
	static struct byte_feed f;
	static char whole[BYTE_FEED_LOG_CAP + 128], other[BYTE_FEED_LOG_CAP + 128];
	char b[512];
	size_t nvalid = sizeof valid_requests / sizeof valid_requests[0];
	size_t nbad = sizeof bad_requests / sizeof bad_requests[0];

	rng_state = 2463534242u + (uint32_t)_i;
	for (int round = 0; round < 300; round++) {
		size_t pick = rng() % (nvalid + nbad);
		const char *in = pick < nvalid ? valid_requests[pick].in : bad_requests[pick - nvalid].in;
		size_t len = pick < nvalid ? vec_len(&valid_requests[pick])
			   : (bad_requests[pick - nvalid].len ? bad_requests[pick - nvalid].len
							      : strlen(bad_requests[pick - nvalid].in));
		if (len > sizeof b - 8)
			continue;
		memcpy(b, in, len);
		len = mutate(b, len, sizeof b);

		size_t left = byte_feed_run(&f, NULL, b, len, byte_feed_piece_whole, len ? len : 1);
		byte_feed_outcome(&f, whole, sizeof whole);
		size_t left1 = byte_feed_run(&f, NULL, b, len, byte_feed_piece_one, 0);
		byte_feed_outcome(&f, other, sizeof other);
		ck_assert_msg(strcmp(whole, other) == 0, "round %d: bytewise differs", round);
		if (f.error == HTTP_OK)
			ck_assert_uint_eq(left, left1);
		for (int k = 0; k < 3 && len > 1; k++) {
			size_t at = 1 + rng() % (len - 1);
			byte_feed_run(&f, NULL, b, len, byte_feed_piece_split, at);
			byte_feed_outcome(&f, other, sizeof other);
			ck_assert_msg(strcmp(whole, other) == 0, "round %d: split at %zu differs", round, at);
		}
	}
}
END_TEST

/* --- the suite ------------------------------------------------------------- */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *test_suite(void)
{
	Suite *s = suite_create("http_parser");
	TCase *tc;

	tc = tcase_create("valid requests");
	tcase_add_loop_test(tc, test_valid_requests, 0, N(valid_requests));
	tcase_add_test(tc, test_parser_reuse_and_sticky_error);
	tcase_add_test(tc, test_request_fields_derived);
	tcase_add_test(tc, test_drop_empty_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("rejected requests");
	tcase_add_loop_test(tc, test_bad_requests, 0, N(bad_requests));
	suite_add_tcase(s, tc);

	tc = tcase_create("mutations");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_mutations_agree, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
