/* test_http_response.c -- response heads (src/http/http_parser.h) read
 * the way a client reads them: the head is consumed as soon as it is
 * parsed, and the body is streamed with http_body_read() (src/http/
 * http_body.h), consuming as it goes, until its framing or EOF ends it.
 * Each vector is fed whole, one byte at a time and split at every
 * position, and must give the same log.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_body.h"
#include "http/http_parser.h"

#define LOG_CAP 8192
#define NHDR 128

/* A client: parses a response head, consumes it at once (logging it while
 * its slices are valid), then streams the body with http_body_read(),
 * consuming as it goes.  At the end of input it reports EOF. */
struct client {
	struct http_parser p;
	struct http_body b;
	bool in_body;
	bool head_request;
	enum http_error error;
	char log[LOG_CAP];
	size_t log_len;
};

static void clog_add(struct client *c, const char *s, size_t n)
{
	ck_assert_uint_lt(c->log_len + n, LOG_CAP);
	memcpy(c->log + c->log_len, s, n);
	c->log_len += n;
	c->log[c->log_len] = '\0';
}

static void clog_str(struct client *c, const char *s) { clog_add(c, s, strlen(s)); }

static size_t client_on_data(struct client *c, char *data, size_t len)
{
	struct http_header h[NHDR];
	size_t used = 0;
	char tmp[64];

	while (c->error == HTTP_OK) {
		if (!c->in_body) {
			struct http_response res = { .headers = h, .header_cap = NHDR,
						     .request_was_head = c->head_request };
			ssize_t n = http_response_parse(&c->p, data + used, len - used, &res, NULL);
			if (n == HTTP_INCOMPLETE)
				return used;
			if (n == HTTP_INVALID) {
				c->error = http_parser_error(&c->p);
				return used;
			}
			snprintf(tmp, sizeof tmp, "HTTP/1.%d %d ", res.minor_version, res.status);
			clog_str(c, tmp);
			clog_add(c, res.reason, res.reason_len);
			clog_str(c, res.keep_alive ? " keep-alive" : " close");
			static const char *const framing[] = { "none", "length", "chunked", "close" };
			clog_str(c, " ");
			clog_str(c, framing[res.framing]);
			clog_str(c, res.coded ? " coded\n" : "\n");
			for (size_t i = 0; i < res.num_headers; i++) {
				clog_add(c, h[i].name, h[i].name_len);
				clog_str(c, ": ");
				clog_add(c, h[i].value, h[i].value_len);
				clog_str(c, "\n");
			}
			clog_str(c, "body ");
			used += (size_t)n;
			http_body_init_response(&c->b, &res, NULL);
			c->in_body = true;
		}
		const char *d;
		size_t dn;
		ssize_t m = http_body_read(&c->b, data + used, len - used, &d, &dn);
		if (m < 0) {
			c->error = (enum http_error)c->b.error;
			return used;
		}
		clog_add(c, d, dn);
		used += (size_t)m;
		if (http_body_done(&c->b)) {
			clog_str(c, "\n");
			c->in_body = false;
		} else if (m == 0) {
			return used;
		}
	}
	return used;
}

static void client_run(struct client *c, const char *in, size_t len, size_t piece, size_t first)
{
	char *pending = NULL;
	size_t have = 0, given = 0;
	bool head = c->head_request;

	memset(c, 0, sizeof *c);
	c->head_request = head;
	for (size_t k = 0; given < len && c->error == HTTP_OK; k++) {
		size_t n = k == 0 && first ? first : piece;
		if (n > len - given)
			n = len - given;
		char *buf = malloc(have + n + 1);
		if (have)
			memcpy(buf, pending, have);
		memcpy(buf + have, in + given, n);
		given += n;
		have += n;
		free(pending);
		size_t used = client_on_data(c, buf, have);
		pending = malloc(have - used + 1);
		memcpy(pending, buf + used, have - used);
		have -= used;
		free(buf);
	}
	free(pending);
	if (c->error == HTTP_OK && c->in_body) {       /* EOF */
		if (http_body_eof(&c->b) == 0)
			clog_str(c, "\n");
		else
			c->error = (enum http_error)c->b.error;
	} else if (c->error == HTTP_OK && have > 0) {
		c->error = HTTP_E_TRUNCATED;
	}
	if (c->error != HTTP_OK) {
		char tmp[128];
		snprintf(tmp, sizeof tmp, "error %s\n", http_error_reason(c->error));
		clog_str(c, tmp);
	}
}

struct rvec {
	const char *name;
	const char *in;
	bool head_request;
	const char *expect;
};

static const struct rvec responses[] = {
	{ "200 with Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false,
	  "HTTP/1.1 200 OK keep-alive length\nContent-Length: 5\nbody hello\n" },
	{ "empty reason",
	  "HTTP/1.1 204 \r\n\r\n", false,
	  "HTTP/1.1 204  keep-alive none\nbody \n" },
	{ "reason with spaces and obs-text",
	  "HTTP/1.1 404 Not \xc3\xa9 Found\r\nContent-Length: 0\r\n\r\n", false,
	  "HTTP/1.1 404 Not \xc3\xa9 Found keep-alive length\nContent-Length: 0\nbody \n" },
	{ "HTTP/1.0 body until close",
	  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\r\nuntil EOF", false,
	  "HTTP/1.0 200 OK close close\nContent-Type: text/plain\nbody all of it\r\nuntil EOF\n" },
	{ "chunked event stream",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "d\r\ndata: hello\n\n\r\n" "d\r\ndata: world\n\n\r\n" "0\r\n\r\n", false,
	  "HTTP/1.1 200 OK keep-alive chunked\nContent-Type: text/event-stream\n"
	  "Transfer-Encoding: chunked\nbody data: hello\n\ndata: world\n\n\n" },
	{ "304 has no body whatever it says",
	  "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false,
	  "HTTP/1.1 304 Not Modified keep-alive none\nContent-Length: 99\nbody \n"
	  "HTTP/1.1 200 OK keep-alive length\nContent-Length: 1\nbody x\n" },
	{ "100 Continue, then the answer",
	  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", false,
	  "HTTP/1.1 100 Continue keep-alive none\nbody \n"
	  "HTTP/1.1 201 Created keep-alive length\nContent-Length: 2\nbody ok\n" },
	{ "HEAD response has no body",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true,
	  "HTTP/1.1 200 OK keep-alive none\nContent-Length: 5\nbody \n" },
	/* RFC 6455 §1.3, the server's handshake from its example. */
	{ "101 Switching Protocols",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", false,
	  "HTTP/1.1 101 Switching Protocols keep-alive none\nUpgrade: websocket\nConnection: Upgrade\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\nbody \n" },
	/* RFC 9112 §5.2: a user agent replaces obs-fold with SP. */
	{ "obs-fold unfolded",
	  "HTTP/1.1 200 OK\r\nX-F: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n", false,
	  "HTTP/1.1 200 OK keep-alive length\nX-F: a    b  \tc\nContent-Length: 0\nbody \n" },
	{ "Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false,
	  "HTTP/1.1 200 OK close length\nConnection: close\nContent-Length: 0\nbody \n" },
	/* RFC 9110 §15: a code outside 100..599 is read as a 5xx would be. */
	{ "code 600, framed as a 5xx", "HTTP/1.1 600 x\r\nContent-Length: 1\r\n\r\nz", false,
	  "HTTP/1.1 600 x keep-alive length\nContent-Length: 1\nbody z\n" },
	{ "code 099 is no interim answer", "HTTP/1.1 099 x\r\nContent-Length: 1\r\n\r\nz", false,
	  "HTTP/1.1 99 x keep-alive length\nContent-Length: 1\nbody z\n" },
	/* rejections */
	{ "no SP after the code", "HTTP/1.1 200\r\n\r\n", false, "error malformed status line\n" },
	{ "two-digit code", "HTTP/1.1 99 x\r\n\r\n", false, "error malformed status line\n" },
	{ "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", false, "error HTTP version not supported\n" },
	{ "a minor that is no digit", "HTTP/1.x 200 OK\r\n\r\n", false, "error malformed status line\n" },
	{ "not HTTP", "ICY 200 OK\r\n\r\n", false, "error malformed status line\n" },
	{ "bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", false, "error line ends in LF without CR\n" },
	{ "TE and CL", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", false,
	  "error both Transfer-Encoding and Content-Length\n" },
	/* RFC 9112 §6.3 rule 4: chunked not last, the body runs to the close;
	 * codings other than chunked are reported, not undone. */
	{ "gzip coding: to the close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", false,
	  "HTTP/1.1 200 OK close close coded\nTransfer-Encoding: gzip\nbody xyz\n" },
	{ "gzip, then chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	  "3\r\nxyz\r\n0\r\n\r\n", false,
	  "HTTP/1.1 200 OK keep-alive chunked coded\nTransfer-Encoding: gzip, chunked\nbody xyz\n" },
	{ "chunked, then gzip: to the close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
	  "3\r\nxyz", false,
	  "HTTP/1.1 200 OK close close coded\nTransfer-Encoding: chunked, gzip\nbody 3\r\nxyz\n" },
	{ "truncated Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false,
	  "HTTP/1.1 200 OK keep-alive length\nContent-Length: 5\nbody helerror incomplete message\n" },
	{ "truncated head", "HTTP/1.1 200 OK\r\nContent-", false, "error incomplete message\n" },
};

START_TEST(test_responses)
{
	const struct rvec *v = &responses[_i];
	static struct client c;
	size_t len = strlen(v->in);

	for (size_t mode = 0; mode <= len + 1; mode++) {
		/* mode 0: whole; 1: byte by byte; m >= 2: split at m - 1 */
		c.head_request = v->head_request;
		if (mode == 0)
			client_run(&c, v->in, len, len, 0);
		else if (mode == 1)
			client_run(&c, v->in, len, 1, 0);
		else
			client_run(&c, v->in, len, len, mode - 1);
		ck_assert_msg(strcmp(c.log, v->expect) == 0, "%s (mode %zu):\n got: %s\nwant: %s",
			      v->name, mode, c.log, v->expect);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("http_response");
	TCase *tc = tcase_create("responses");
	tcase_add_loop_test(tc, test_responses, 0, (int)(sizeof responses / sizeof responses[0]));
	suite_add_tcase(s, tc);
	return s;
}
