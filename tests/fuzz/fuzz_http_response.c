/* fuzz_http_response.c -- libFuzzer harness for response heads
 * (http_response_parse) and response bodies, streamed (http_body_read)
 * and decoded in place (http_body_decode_in_place, http_body_trailers).
 *
 * The input is what a server sent on one connection, then closed.  It is
 * read the two ways src/http/http_client.c reads an answer:
 *   streaming  the head is consumed as soon as it is parsed, the body
 *              handed out a run at a time as it arrives (an event stream);
 *   whole      the head and body stay in the buffer until the body is
 *              complete, decoded in place, then the head is parsed again
 *              for fresh slices; a body delimited by the close is taken
 *              at EOF;
 * each whole, split in two, a byte at a time and in random pieces
 * (fuzz.h): eight runs.  Each logs every response (status line, what the
 * fields mean, the fields, the body) and the refusal that ended the
 * connection, if any, and all eight logs must be the same.  Beyond that it
 * aborts when an answer breaks the contract in http_parser.h or
 * http_body.h: a head length or data run outside the bytes given, a body
 * of another length than its framing says, a head that does not parse
 * again to the same length (after its obs-folds were undone in place), a
 * field or trailer that is no field line once unfolded (http_check.h),
 * a body on an answer that cannot have one (HEAD, 1xx, 204, 304).
 *
 * One bit of the input's hash says whether the request was a HEAD. */
#include "fuzz.h"
#include "http_check.h"
#include "http/http_body.h"
#include "http/http_parser.h"

#define NHDR 128

struct client {
	bool streaming;
	bool head_request;
	struct http_parser p;
	struct http_body b;
	bool in_body;
	size_t head_len;        /* whole: the head, still in the buffer */
	uint64_t length;        /* the Content-Length of a body it delimits */
	struct fuzz_log body;   /* streaming: the runs so far */
	bool refused;
	struct fuzz_log log;
};

static void log_head(struct client *c, const struct http_response *r, const char *head,
		     size_t head_len)
{
	static const char *const framing[] = { "none", "length", "chunked", "close" };
	struct fuzz_log *l = &c->log;

	FUZZ_CHECK(r->status >= 0 && r->status <= 999 && r->minor_version <= 1);
	FUZZ_CHECK(r->framing <= HTTP_FRAMING_CLOSE && r->num_headers <= NHDR);
	/* RFC 9112 §6.3 rule 1: these never have a body. */
	if (c->head_request || (r->status >= 100 && r->status < 200) || r->status == 204 ||
	    r->status == 304)
		FUZZ_CHECK(r->framing == HTTP_FRAMING_NONE);
	FUZZ_CHECK(r->reason_len == 0 ||
		   (r->reason >= head && r->reason + r->reason_len <= head + head_len));
	fuzz_log_printf(l, "HTTP/1.%d %03d ", r->minor_version, r->status);
	fuzz_log_add(l, r->reason, r->reason_len);
	fuzz_log_printf(l, " %s %s %llu%s%s\n", r->keep_alive ? "keep-alive" : "close",
			framing[r->framing], (unsigned long long)r->content_length,
			r->coded ? " coded" : "", r->connection_upgrade ? " upgrade" : "");
	for (size_t i = 0; i < r->num_headers; i++) {
		const struct http_header *h = &r->headers[i];
		FUZZ_CHECK(h->name >= head && h->name + h->name_len <= head + head_len);
		FUZZ_CHECK(h->value_len == 0 ||
			   (h->value >= head && h->value + h->value_len <= head + head_len));
		fuzz_check_field(h);            /* obs-folds undone: no CR, no LF */
		fuzz_log_add(l, h->name, h->name_len);
		fuzz_log_add(l, ": ", 2);
		fuzz_log_add(l, h->value, h->value_len);
		fuzz_log_add(l, "\n", 1);
	}
}

static void log_body(struct client *c, const char *body, size_t len)
{
	FUZZ_CHECK(len == c->b.total);
	FUZZ_CHECK(c->b.framing != HTTP_FRAMING_LENGTH || len == c->length);
	fuzz_log_printf(&c->log, "body[%zu] ", len);
	fuzz_log_add(&c->log, body, len);
	fuzz_log_add(&c->log, "\n", 1);
	c->in_body = false;
}

static void refuse(struct client *c, enum http_error e)
{
	FUZZ_CHECK(e != HTTP_OK && http_error_reason(e) != NULL);
	fuzz_log_printf(&c->log, "refused %s\n", http_error_reason(e));
	c->refused = true;
}

/* Parses the head at data[0..len) into 'r'; returns its length, or 0. */
static size_t read_head(struct client *c, char *data, size_t len, struct http_response *r)
{
	ssize_t n = http_response_parse(&c->p, data, len, r, NULL);
	if (n == HTTP_INCOMPLETE)
		return 0;
	if (n == HTTP_INVALID) {
		refuse(c, http_parser_error(&c->p));
		return 0;
	}
	FUZZ_CHECK(n > 0 && (size_t)n <= len);
	log_head(c, r, data, (size_t)n);
	http_body_init_response(&c->b, r, NULL);
	c->length = r->content_length;
	c->in_body = true;
	return (size_t)n;
}

/* Streaming: consumes the head at once, then the body as it comes. */
static size_t stream_body(struct client *c, char *data, size_t len)
{
	const char *run;
	size_t run_len;
	ssize_t m = http_body_read(&c->b, data, len, &run, &run_len);

	if (m < 0) {
		refuse(c, (enum http_error)c->b.error);
		return 0;
	}
	FUZZ_CHECK((size_t)m <= len && run_len <= (size_t)m);
	FUZZ_CHECK(run_len == 0 || (run >= data && run + run_len <= data + m));
	fuzz_log_add(&c->body, run, run_len);
	if (http_body_done(&c->b)) {
		log_body(c, c->body.p, c->body.len);
		c->body.len = 0;
	}
	return (size_t)m;
}

/* Whole: the body decoded in place behind its head, both consumed once
 * complete.  Returns the bytes consumed, 0 while waiting. */
static size_t whole_body(struct client *c, char *data, size_t len)
{
	struct http_header h[NHDR], t[NHDR];
	struct http_response r = { .headers = h, .header_cap = NHDR,
				   .request_was_head = c->head_request };
	char *body = data + c->head_len;
	size_t body_len;

	if (c->b.framing == HTTP_FRAMING_CLOSE)
		return 0;                       /* all of it, at EOF */
	ssize_t m = http_body_decode_in_place(&c->b, body, len - c->head_len, &body_len);
	if (m == HTTP_INCOMPLETE)
		return 0;
	if (m == HTTP_INVALID) {
		refuse(c, (enum http_error)c->b.error);
		return 0;
	}
	FUZZ_CHECK(m >= 0 && (size_t)m <= len - c->head_len && body_len <= (size_t)m);
	struct http_parser again = { 0 };
	FUZZ_CHECK(http_response_parse(&again, data, c->head_len, &r, NULL) == (ssize_t)c->head_len);
	size_t nt = http_body_trailers(&c->b, body, t, NHDR);
	FUZZ_CHECK(nt == (c->b.framing == HTTP_FRAMING_CHUNKED ? c->b.fields : 0));
	for (size_t i = 0; i < nt; i++)
		fuzz_check_field(&t[i]);        /* obs-folds undone here too */
	log_body(c, body, body_len);
	return c->head_len + (size_t)m;
}

static void on_eof(struct client *c, char *data, size_t len)
{
	if (!c->in_body) {
		fuzz_log_printf(&c->log, "eof%s\n", len ? " inside a head" : "");
	} else if (http_body_eof(&c->b) < 0) {
		refuse(c, (enum http_error)c->b.error);
	} else if (c->streaming) {
		log_body(c, c->body.p, c->body.len);
	} else {
		/* Until the close: everything after the head (never decoded). */
		FUZZ_CHECK(c->b.framing == HTTP_FRAMING_CLOSE && len >= c->head_len);
		c->b.total = len - c->head_len;
		log_body(c, data + c->head_len, len - c->head_len);
	}
}

static size_t on_data(void *ud, uint8_t *bytes, size_t len, bool eof)
{
	struct client *c = ud;
	char *data = (char *)bytes;
	size_t used = 0;

	if (eof) {
		on_eof(c, data, len);
		return 0;
	}
	/* A pass either consumes bytes or returns. */
	for (size_t guard = 0; guard <= 2 * len + 2 && !c->refused; guard++) {
		struct http_header h[NHDR];
		struct http_response r = { .headers = h, .header_cap = NHDR,
					   .request_was_head = c->head_request };
		if (!c->in_body) {
			size_t n = read_head(c, data + used, len - used, &r);
			if (n == 0)
				return used;
			if (c->streaming)
				used += n;
			else
				c->head_len = n;
		}
		size_t m = c->streaming ? stream_body(c, data + used, len - used)
					: whole_body(c, data + used, len - used);
		used += m;
		if (c->in_body && m == 0)
			return used;
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool head_request = fuzz_hash(data, size) & 0x100;
	struct client want = { .streaming = true, .head_request = head_request };

	fuzz_feed(data, size, fuzz_cut_of(FUZZ_WHOLE, data, size), on_data, &want, &want.refused);
	for (int streaming = 1; streaming >= 0; streaming--) {
		for (enum fuzz_cut_how how = FUZZ_WHOLE; how <= FUZZ_PIECES; how++) {
			if (streaming && how == FUZZ_WHOLE)
				continue;       /* that is 'want' */
			struct client got = { .streaming = streaming, .head_request = head_request };
			fuzz_feed(data, size, fuzz_cut_of(how, data, size), on_data, &got,
				  &got.refused);
			fuzz_log_same(&want.log, &got.log, streaming ? fuzz_cut_name(how) :
				      how == FUZZ_WHOLE ? "in place, whole" : "in place, cut");
			fuzz_log_free(&got.log);
			fuzz_log_free(&got.body);
		}
	}
	fuzz_log_free(&want.log);
	fuzz_log_free(&want.body);
	return 0;
}
