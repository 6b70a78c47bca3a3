/* byte_feed.c -- see byte_feed.h. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/byte_feed.h"

static void log_add(struct byte_feed *f, const char *s, size_t n)
{
	ck_assert_uint_lt(f->log_len + n, BYTE_FEED_LOG_CAP);
	memcpy(f->log + f->log_len, s, n);
	f->log_len += n;
	f->log[f->log_len] = '\0';
}

static void log_str(struct byte_feed *f, const char *s) { log_add(f, s, strlen(s)); }

static void log_request(struct byte_feed *f, const struct http_request *r,
			const char *body, size_t body_len)
{
	char tmp[64];
	log_add(f, r->method, r->method_len);
	log_str(f, " ");
	log_add(f, r->target, r->target_len);
	snprintf(tmp, sizeof tmp, " HTTP/1.%d %s%s%s\n", r->minor_version,
		 r->keep_alive ? "keep-alive" : "close",
		 r->connection_upgrade ? " upgrade" : "",
		 r->expect_continue ? " 100-continue" : "");
	log_str(f, tmp);
	for (size_t i = 0; i < r->num_headers; i++) {
		log_add(f, r->headers[i].name, r->headers[i].name_len);
		log_str(f, ": ");
		log_add(f, r->headers[i].value, r->headers[i].value_len);
		log_str(f, "\n");
	}
	snprintf(tmp, sizeof tmp, "body[%zu] ", body_len);
	log_str(f, tmp);
	log_add(f, body, body_len);
	log_str(f, "\n");
}

/* One on_data() call: returns the bytes consumed. */
static size_t on_data(struct byte_feed *f, char *data, size_t len)
{
	struct http_header h[BYTE_FEED_NHDR];
	size_t used = 0;

	while (f->error == HTTP_OK) {
		struct http_request req = { .headers = h, .header_cap = BYTE_FEED_NHDR };
		if (!f->in_body) {
			ssize_t n = http_request_parse(&f->p, data + used, len - used, &req, f->lim);
			if (n == HTTP_INCOMPLETE)
				return used;
			if (n == HTTP_INVALID) {
				f->error = http_parser_error(&f->p);
				return used;
			}
			ck_assert_int_gt(n, 0);
			f->head_len = (size_t)n;
			f->in_body = true;
			http_body_init_request(&f->b, &req, f->lim);
		}
		size_t body_len;
		char *body = data + used + f->head_len;
		ssize_t m = http_body_decode_in_place(&f->b, body, len - used - f->head_len,
						      &body_len);
		if (m == HTTP_INCOMPLETE)
			return used;
		if (m == HTTP_INVALID) {
			f->error = (enum http_error)f->b.error;
			return used;
		}
		/* The head may have arrived in an earlier call, at another
		 * address: parse it again here, as a server must (it cannot
		 * fail the second time). */
		struct http_parser again = { 0 };
		ck_assert_int_eq(http_request_parse(&again, data + used, len - used, &req, f->lim),
				 (ssize_t)f->head_len);
		log_request(f, &req, body, body_len);
		used += f->head_len + (size_t)m;
		f->in_body = false;
	}
	return used;
}

size_t byte_feed_run(struct byte_feed *f, const struct http_limits *lim,
		     const char *in, size_t len,
		     size_t (*piece)(size_t k, size_t arg), size_t arg)
{
	char *pending = NULL;       /* unconsumed bytes, carried over */
	size_t have = 0, given = 0;

	memset(f, 0, sizeof *f);
	f->lim = lim;
	for (size_t k = 0; given < len && f->error == HTTP_OK; k++) {
		size_t n = piece(k, arg);
		if (n > len - given)
			n = len - given;
		char *buf = malloc(have + n + 1);   /* a fresh address every call */
		ck_assert_ptr_nonnull(buf);
		if (have)
			memcpy(buf, pending, have);
		memcpy(buf + have, in + given, n);
		given += n;
		have += n;
		free(pending);
		size_t used = on_data(f, buf, have);
		ck_assert_uint_le(used, have);
		pending = malloc(have - used + 1);
		memcpy(pending, buf + used, have - used);
		have -= used;
		free(buf);
	}
	free(pending);
	return have;
}

size_t byte_feed_piece_whole(size_t k, size_t arg) { (void)k; return arg; }
size_t byte_feed_piece_one(size_t k, size_t arg) { (void)k; (void)arg; return 1; }
size_t byte_feed_piece_split(size_t k, size_t arg) { return k == 0 ? arg : SIZE_MAX; }

void byte_feed_outcome(const struct byte_feed *f, char *out, size_t cap)
{
	if (f->error == HTTP_OK)
		snprintf(out, cap, "%s", f->log);
	else
		snprintf(out, cap, "%serror %d %s\n", f->log, http_error_status(f->error),
			 http_error_reason(f->error));
}

void byte_feed_check_splits(const char *name, const char *in, size_t len,
			    const char *expect, size_t left,
			    const struct http_limits *lim)
{
	static struct byte_feed f;                      /* large: not on the stack */
	static char got[BYTE_FEED_LOG_CAP + 128];

	size_t rest = byte_feed_run(&f, lim, in, len, byte_feed_piece_whole, len ? len : 1);
	byte_feed_outcome(&f, got, sizeof got);
	ck_assert_msg(strcmp(got, expect) == 0, "%s (whole):\n got: %s\nwant: %s", name, got, expect);
	if (f.error == HTTP_OK)
		ck_assert_msg(rest == left, "%s: %zu bytes left, want %zu", name, rest, left);

	byte_feed_run(&f, lim, in, len, byte_feed_piece_one, 0);
	byte_feed_outcome(&f, got, sizeof got);
	ck_assert_msg(strcmp(got, expect) == 0, "%s (bytewise):\n got: %s\nwant: %s", name, got, expect);

	for (size_t i = 1; i < len; i++) {
		byte_feed_run(&f, lim, in, len, byte_feed_piece_split, i);
		byte_feed_outcome(&f, got, sizeof got);
		ck_assert_msg(strcmp(got, expect) == 0, "%s (split at %zu):\n got: %s\nwant: %s",
			      name, i, got, expect);
	}
}
