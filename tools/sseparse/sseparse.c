/* sseparse.c -- an event stream on stdin, one JSON line per event out.
 *
 *   {"event": TYPE, "data": DATA, "id": LAST_EVENT_ID}   an event was dispatched
 *   {"retry": MS}                                          a retry field was applied
 *
 * The src/sse parser (sse_parser.h) seen from the shell: stdin is fed in
 * whatever pieces read() returns, so the output shows that the parser's
 * result does not depend on how the stream is cut.  At end of input the
 * parser is told the stream ended, which drops an unfinished event, as
 * the WHATWG HTML Standard §9.2.6 requires.  Strings are written by
 * util/json.h.
 *
 * Exit status: 0 at end of input, 1 if the stream was refused (a limit
 * was passed) or a read or write failed, 2 for a bad command line.
 */
#include "sse/sse_parser.h"
#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Limits far above the connection defaults: this is a tool for looking at
 * streams, not a client that must protect its memory. */
#define SSEPARSE_DATA_MAX (64u * 1024 * 1024)
#define SSEPARSE_TEXT_MAX (1024u * 1024)

static void usage(FILE *out)
{
	fputs("usage: sseparse < stream\n"
	      "Reads a text/event-stream on stdin and prints one JSON line per\n"
	      "dispatched event, {\"event\": TYPE, \"data\": DATA, \"id\": LAST_EVENT_ID},\n"
	      "and {\"retry\": MS} whenever a retry field sets the reconnection time.\n"
	      "  -h, --help   this text\n", out);
}

static void print_event(const struct sse_event *ev)
{
	fputs("{\"event\": ", stdout);
	json_fput(stdout, ev->type, ev->type_len);
	fputs(", \"data\": ", stdout);
	json_fput(stdout, ev->data, ev->data_len);
	fputs(", \"id\": ", stdout);
	json_fput(stdout, ev->id, ev->id_len);
	fputs("}\n", stdout);
}

/* Feeds one piece of the stream; returns 0, or the parser's refusal. */
static int feed(struct sse_parser *p, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		size_t used;
		struct sse_event ev;
		int r = sse_parser_feed(p, buf + off, len - off, &used, &ev);
		off += used;
		if (r < 0)
			return r;
		if (r == SSE_EVENT)
			print_event(&ev);
		else if (r == SSE_RETRY)
			printf("{\"retry\": %" PRIu64 "}\n", ev.retry_ms);
	}
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "sseparse: unknown argument '%s' (try --help)\n", argv[i]);
		return 2;
	}

	struct sse_limits lim = {
		.data_max = SSEPARSE_DATA_MAX,
		.type_max = SSEPARSE_TEXT_MAX,
		.id_max = SSEPARSE_TEXT_MAX,
	};
	struct sse_parser p;
	sse_parser_init(&p, &lim);

	static char buf[64 * 1024];
	int status = 0;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sseparse: read: %s\n", strerror(errno));
			status = 1;
			break;
		}
		int r = n > 0 ? feed(&p, buf, (size_t)n) : sse_parser_finish(&p);
		if (r < 0) {
			fprintf(stderr, "sseparse: stream refused: %s\n",
				sse_parser_reason(r));
			status = 1;
			break;
		}
		if (n == 0)
			break;
	}
	sse_parser_free(&p);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sseparse: write: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}
