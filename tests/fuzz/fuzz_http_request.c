/* fuzz_http_request.c -- libFuzzer harness for request heads
 * (http_request_parse) and bodies decoded in place
 * (http_body_decode_in_place, http_body_trailers).
 *
 * The input is what a client sent on one connection.  It is read the way
 * src/http/http_server.c reads it -- parse the head, drop the empty lines
 * before one, decode the body in place once the head is in, parse the
 * head again over the whole message, consume it, loop for the next
 * (pipelined) request -- four times: whole, split in two, a byte at a
 * time and in random pieces (fuzz.h).  Each run logs every request
 * (method, target, version, what the fields mean, the fields, the body,
 * the trailers) and the refusal that ended it, if any; the four logs must
 * be the same.  Beyond that it aborts when an answer breaks the contract
 * in http_parser.h or http_body.h: a head length outside the bytes given,
 * a slice outside the head, a head that does not parse again to the same
 * length, a body longer than its limit or its framing, a refusal with no
 * reason, a trailer count that is not the decoder's; or a request that
 * breaks RFC 9110/9112 as the parser's comment says it is enforced: a
 * field name that is no token, a value with a control character or
 * whitespace at an end (http_check.h), an HTTP/1.1 request without Host,
 * chunked or Upgrade in HTTP/1.0, a target of the wrong form.
 *
 * One bit of the input's hash picks small limits (those of
 * test_http_limits.c), so that every limit is reached by short inputs. */
#include "fuzz.h"
#include "http_check.h"
#include "http/http_body.h"
#include "http/http_parser.h"

#define NHDR (HTTP_MAX_FIELDS + 1)

static const struct http_limits small = {
	.max_request_line = 20, .max_head = 64, .max_fields = 3, .max_body = 10,
	.max_chunk_line = 8, .max_trailer = 16,
};

struct server {
	const struct http_limits *lim;
	struct http_parser p;
	struct http_body b;
	bool in_body;
	size_t head_len;
	bool refused;
	struct fuzz_log log;
};

/* A slice the parser handed out lies inside the head. */
static void check_slice(const char *s, size_t n, const char *head, size_t head_len)
{
	if (n > 0)
		FUZZ_CHECK(s != NULL && s >= head && n <= head_len && s - head <= (ptrdiff_t)(head_len - n));
}

static void log_request(struct server *sv, const struct http_request *r, const char *head,
			const char *body, size_t body_len)
{
	static const char *const framing[] = { "none", "length", "chunked", "close" };
	struct fuzz_log *l = &sv->log;

	check_slice(r->method, r->method_len, head, sv->head_len);
	check_slice(r->target, r->target_len, head, sv->head_len);
	check_slice(r->host, r->host_len, head, sv->head_len);
	check_slice(r->upgrade, r->upgrade_len, head, sv->head_len);
	FUZZ_CHECK(r->method_len > 0 && r->target_len > 0 && r->minor_version <= 1);
	FUZZ_CHECK(r->framing <= HTTP_FRAMING_CHUNKED && r->num_headers <= sv->lim->max_fields);
	/* What HTTP/1.1 alone has (RFC 9112 §3.2, §6.1; RFC 9110 §7.8, §10.1.1). */
	if (r->minor_version == 0)
		FUZZ_CHECK(!r->upgrade && !r->expect_continue && r->framing != HTTP_FRAMING_CHUNKED);
	else
		FUZZ_CHECK(r->host != NULL);
	switch (r->target_form) {
	case HTTP_TARGET_ORIGIN:    FUZZ_CHECK(r->target[0] == '/'); break;
	case HTTP_TARGET_ABSOLUTE:  FUZZ_CHECK(r->target[0] != '/'); break;
	case HTTP_TARGET_AUTHORITY: FUZZ_CHECK(r->method_len == 7 && !memcmp(r->method, "CONNECT", 7)); break;
	case HTTP_TARGET_ASTERISK:
		FUZZ_CHECK(r->target_len == 1 && r->method_len == 7 && !memcmp(r->method, "OPTIONS", 7));
		break;
	}
	fuzz_log_add(l, r->method, r->method_len);
	fuzz_log_add(l, " ", 1);
	fuzz_log_add(l, r->target, r->target_len);
	fuzz_log_printf(l, " HTTP/1.%d form %d %s%s%s %s %llu host ", r->minor_version,
			(int)r->target_form, r->keep_alive ? "keep-alive" : "close",
			r->connection_upgrade ? " upgrade" : "",
			r->expect_continue ? " 100-continue" : "", framing[r->framing],
			(unsigned long long)r->content_length);
	if (r->host)
		fuzz_log_add(l, r->host, r->host_len);
	fuzz_log_add(l, "\n", 1);
	for (size_t i = 0; i < r->num_headers; i++) {
		const struct http_header *h = &r->headers[i];
		check_slice(h->name, h->name_len, head, sv->head_len);
		check_slice(h->value, h->value_len, head, sv->head_len);
		fuzz_check_field(h);
		fuzz_log_add(l, h->name, h->name_len);
		fuzz_log_add(l, ": ", 2);
		fuzz_log_add(l, h->value, h->value_len);
		fuzz_log_add(l, "\n", 1);
	}
	FUZZ_CHECK(r->framing != HTTP_FRAMING_LENGTH || body_len == r->content_length);
	FUZZ_CHECK(body_len <= sv->lim->max_body && body_len == sv->b.total);
	fuzz_log_printf(l, "body[%zu] ", body_len);
	fuzz_log_add(l, body, body_len);
	fuzz_log_add(l, "\n", 1);
}

static void log_trailers(struct server *sv, char *body)
{
	struct http_header t[NHDR];
	size_t n = http_body_trailers(&sv->b, body, t, NHDR);

	FUZZ_CHECK(n == (sv->b.framing == HTTP_FRAMING_CHUNKED ? sv->b.fields : 0));
	for (size_t i = 0; i < n; i++) {
		fuzz_check_field(&t[i]);
		fuzz_log_add(&sv->log, "trailer ", 8);
		fuzz_log_add(&sv->log, t[i].name, t[i].name_len);
		fuzz_log_add(&sv->log, ": ", 2);
		fuzz_log_add(&sv->log, t[i].value, t[i].value_len);
		fuzz_log_add(&sv->log, "\n", 1);
	}
}

static void refuse(struct server *sv, enum http_error e)
{
	FUZZ_CHECK(e != HTTP_OK && http_error_reason(e) != NULL);
	fuzz_log_printf(&sv->log, "refused %d %s\n", http_error_status(e), http_error_reason(e));
	sv->refused = true;
}

/* One read: every request it completes.  Returns the bytes consumed. */
static size_t on_data(void *ud, uint8_t *bytes, size_t len, bool eof)
{
	struct server *sv = ud;
	char *data = (char *)bytes;
	struct http_header h[NHDR];
	size_t used = 0;

	if (eof) {
		/* Not how many bytes were left: the empty lines before a
		 * request are dropped at once only while it is incomplete. */
		fuzz_log_printf(&sv->log, "eof%s\n", sv->in_body ? " in a body" :
				len ? " inside a head" : "");
		return 0;
	}
	/* Each pass consumes a whole request, so 'len' passes are plenty. */
	for (size_t guard = 0; guard <= len && !sv->refused; guard++) {
		struct http_request req = { .headers = h, .header_cap = NHDR };
		if (!sv->in_body) {
			ssize_t n = http_request_parse(&sv->p, data + used, len - used, &req, sv->lim);
			if (n == HTTP_INCOMPLETE) {
				size_t drop = http_parser_drop_empty_lines(&sv->p);
				FUZZ_CHECK(drop <= len - used);
				return used + drop;
			}
			if (n == HTTP_INVALID) {
				refuse(sv, http_parser_error(&sv->p));
				return used;
			}
			FUZZ_CHECK(n > 0 && (size_t)n <= len - used);
			sv->head_len = (size_t)n;
			sv->in_body = true;
			http_body_init_request(&sv->b, &req, sv->lim);
		}
		char *body = data + used + sv->head_len;
		size_t body_len;
		ssize_t m = http_body_decode_in_place(&sv->b, body, len - used - sv->head_len,
						      &body_len);
		if (m == HTTP_INCOMPLETE)
			return used;
		if (m == HTTP_INVALID) {
			refuse(sv, (enum http_error)sv->b.error);
			return used;
		}
		FUZZ_CHECK(m >= 0 && (size_t)m <= len - used - sv->head_len && body_len <= (size_t)m);
		/* The head may have come in an earlier read: its slices are
		 * made again here, as the server makes them. */
		struct http_parser again = { 0 };
		FUZZ_CHECK(http_request_parse(&again, data + used, len - used, &req, sv->lim) ==
			   (ssize_t)sv->head_len);
		log_request(sv, &req, data + used, body, body_len);
		log_trailers(sv, body);
		used += sv->head_len + (size_t)m;
		sv->in_body = false;
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct http_limits *lim = fuzz_hash(data, size) & 0x100 ? &small : &http_limits_default;
	struct server want = { .lim = lim };

	fuzz_feed(data, size, fuzz_cut_of(FUZZ_WHOLE, data, size), on_data, &want, &want.refused);
	for (enum fuzz_cut_how how = FUZZ_SPLIT; how <= FUZZ_PIECES; how++) {
		struct server got = { .lim = lim };
		fuzz_feed(data, size, fuzz_cut_of(how, data, size), on_data, &got, &got.refused);
		fuzz_log_same(&want.log, &got.log, fuzz_cut_name(how));
		fuzz_log_free(&got.log);
	}
	fuzz_log_free(&want.log);
	return 0;
}
