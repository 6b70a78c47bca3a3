/* httpparse -- the HTTP/1.1 parser through stdin and stdout.
 *
 *     printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' | bin/httpparse
 *     {"method":"GET","target":"/","version":"HTTP/1.1","headers":[["Host","a"]],"body":"","keep_alive":true}
 *
 * Reads all of stdin, then parses it as a server would: one message at a
 * time from the front, each followed by its body (chunked bodies decoded
 * in place), and prints one JSON line per message.  A rejection prints
 * {"error": STATUS, "reason": "..."} and stops, because a server closes
 * the connection there: it cannot know where the next message starts.
 * Bytes that end before a message is complete print the rejection
 * HTTP_E_TRUNCATED ("incomplete message"); empty lines (CRLF) after the
 * last message are ignored, as RFC 9112 §2.2 asks.
 *
 * A server would also stop after a message whose keep_alive is false; we
 * print the messages after it anyway, since this is a tool for looking.
 *
 * With --response the input is read as responses (status, reason,
 * headers, body); a body delimited by the close runs to the end of input.
 *
 * Input is read up to 64 MiB (util/input.h).  Strings in the JSON are
 * the bytes as they came: a byte that is not UTF-8 is written "\udcXX"
 * (util/json.h says how to get it back).
 *
 * Exit status: 0 if every message parsed, 1 if an error line was
 * printed or stdin could not be read (or stdout written), 2 for a bad
 * command line.  Read src/http/http_parser.h next.
 */
#include "http/http_body.h"
#include "http/http_parser.h"
#include "util/input.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: httpparse [--response] < bytes\n"
	"Parses HTTP/1.1 requests (or, with --response, responses) from stdin\n"
	"and prints one JSON line per message; a rejection prints\n"
	"{\"error\": STATUS, \"reason\": \"...\"} and stops, as a server closes there.\n"
	"Input: up to 64 MiB.  A byte that is not UTF-8 prints as \\udcXX.\n"
	"Exit status: 0 all parsed, 1 an error was printed (or stdin could not\n"
	"be read, or stdout written), 2 bad usage.\n";

static void print_error(enum http_error e)
{
	printf("{\"error\": %d, \"reason\": ", http_error_status(e));
	json_fput(stdout, http_error_reason(e), strlen(http_error_reason(e)));
	printf("}\n");
}

static void print_headers(const struct http_header *h, size_t n)
{
	printf("\"headers\":[");
	for (size_t i = 0; i < n; i++) {
		printf(i ? ",[" : "[");
		json_fput(stdout, h[i].name, h[i].name_len);
		putchar(',');
		json_fput(stdout, h[i].value, h[i].value_len);
		putchar(']');
	}
	putchar(']');
}

/* Only CRLF pairs left: what RFC 9112 §2.2 lets a recipient skip. */
static bool only_empty_lines(const char *s, size_t n)
{
	if (n % 2 != 0)
		return false;
	for (size_t i = 0; i < n; i += 2)
		if (s[i] != '\r' || s[i + 1] != '\n')
			return false;
	return true;
}

/* Decodes the body that starts at 'at'.  Returns its length on the wire
 * or -1 after printing the error; the decoded bytes are at buf + at. */
static ssize_t body(char *buf, size_t len, size_t at, struct http_body *b,
		    size_t *body_len)
{
	ssize_t n = http_body_decode_in_place(b, buf + at, len - at, body_len);
	if (n == HTTP_INCOMPLETE && http_body_eof(b) == 0)
		n = (ssize_t)(len - at);            /* delimited by the close */
	if (n < 0) {
		print_error((enum http_error)b->error);
		return -1;
	}
	return n;
}

static int parse_requests(char *buf, size_t len)
{
	struct http_header headers[HTTP_MAX_FIELDS];
	struct http_parser p;
	size_t at = 0;

	http_parser_init(&p);
	while (at < len && !only_empty_lines(buf + at, len - at)) {
		struct http_request req = { .headers = headers, .header_cap = HTTP_MAX_FIELDS };
		ssize_t n = http_request_parse(&p, buf + at, len - at, &req, NULL);
		if (n < 0) {
			print_error(n == HTTP_INCOMPLETE ? HTTP_E_TRUNCATED : http_parser_error(&p));
			return 1;
		}
		struct http_body b;
		size_t body_len;
		http_body_init_request(&b, &req, NULL);
		ssize_t blen = body(buf, len, at + (size_t)n, &b, &body_len);
		if (blen < 0)
			return 1;

		printf("{\"method\":");
		json_fput(stdout, req.method, req.method_len);
		printf(",\"target\":");
		json_fput(stdout, req.target, req.target_len);
		printf(",\"version\":\"HTTP/1.%d\",", req.minor_version);
		print_headers(req.headers, req.num_headers);
		printf(",\"body\":");
		json_fput(stdout, buf + at + (size_t)n, body_len);
		printf(",\"keep_alive\":%s}\n", req.keep_alive ? "true" : "false");
		at += (size_t)n + (size_t)blen;
	}
	return 0;
}

static int parse_responses(char *buf, size_t len)
{
	struct http_header headers[HTTP_MAX_FIELDS];
	struct http_parser p;
	size_t at = 0;

	http_parser_init(&p);
	while (at < len && !only_empty_lines(buf + at, len - at)) {
		struct http_response res = { .headers = headers, .header_cap = HTTP_MAX_FIELDS };
		ssize_t n = http_response_parse(&p, buf + at, len - at, &res, NULL);
		if (n < 0) {
			print_error(n == HTTP_INCOMPLETE ? HTTP_E_TRUNCATED : http_parser_error(&p));
			return 1;
		}
		struct http_body b;
		size_t body_len;
		http_body_init_response(&b, &res, NULL);
		ssize_t blen = body(buf, len, at + (size_t)n, &b, &body_len);
		if (blen < 0)
			return 1;

		printf("{\"version\":\"HTTP/1.%d\",\"status\":%d,\"reason\":",
		       res.minor_version, res.status);
		json_fput(stdout, res.reason, res.reason_len);
		putchar(',');
		print_headers(res.headers, res.num_headers);
		printf(",\"body\":");
		json_fput(stdout, buf + at + (size_t)n, body_len);
		printf(",\"keep_alive\":%s}\n", res.keep_alive ? "true" : "false");
		at += (size_t)n + (size_t)blen;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool response = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--response") == 0) {
			response = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "httpparse: unknown argument '%s' (try --help)\n", argv[i]);
			return 2;
		}
	}

	size_t len;
	char *buf = util_read_all(stdin, &len);
	if (buf == NULL) {
		fprintf(stderr, "httpparse: reading stdin: %s\n", util_read_error(errno));
		return 1;
	}
	int rc = response ? parse_responses(buf, len) : parse_requests(buf, len);
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "httpparse: writing stdout: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}
