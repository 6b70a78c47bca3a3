/* http_body.c -- Content-Length and chunked bodies (RFC 9112 §6.3,
 * §7.1); see http_body.h for the contract.
 *
 * Shape.  One small state machine, body_step(), walks the encoded bytes:
 *
 *     SIZE_LINE --size>0--> DATA --> DATA_CR --> DATA_LF --> SIZE_LINE
 *         |
 *         +--size 0--> TRAILER --empty line--> DONE
 *
 * (a Content-Length body is just DATA --> DONE).  Data is handed out as
 * an offset and length into the input, at most one run per step, so the
 * two public ways of using it stay thin: http_body_read() passes the run
 * on as a slice; http_body_decode_in_place() moves it down next to the
 * data already decoded.  Lines (chunk sizes, trailer fields) are taken
 * whole, once their LF is in, and checked by plain functions of the line.
 */
#include "http/http_body.h"
#include "http/http_chars.h"

#include <string.h>

#define LIMIT_CAP ((size_t)1 << 30)

enum { ST_SIZE_LINE, ST_DATA, ST_DATA_CR, ST_DATA_LF, ST_TRAILER, ST_DONE };

void http_body_init(struct http_body *b, enum http_framing framing,
		    uint64_t content_length, uint64_t max_body,
		    const struct http_limits *lim)
{
	if (lim == NULL)
		lim = &http_limits_default;
	memset(b, 0, sizeof *b);
	b->framing = (uint8_t)framing;
	b->limit = max_body;
	/* 32-bit fields: cap at 1 GiB, as the head parser does */
	b->max_line = (uint32_t)(lim->max_chunk_line < LIMIT_CAP ? lim->max_chunk_line : LIMIT_CAP);
	b->max_trailer = (uint32_t)(lim->max_trailer < LIMIT_CAP ? lim->max_trailer : LIMIT_CAP);
	b->max_fields = (uint16_t)(lim->max_fields < UINT16_MAX ? lim->max_fields : UINT16_MAX);
	switch (framing) {
	case HTTP_FRAMING_LENGTH:
		b->remaining = content_length;
		b->state = content_length > 0 ? ST_DATA : ST_DONE;
		break;
	case HTTP_FRAMING_CHUNKED:
		b->state = ST_SIZE_LINE;
		break;
	case HTTP_FRAMING_CLOSE:
		b->remaining = UINT64_MAX;      /* never runs out; EOF ends it */
		b->state = ST_DATA;
		break;
	default:
		b->state = ST_DONE;
		break;
	}
}

void http_body_init_request(struct http_body *b, const struct http_request *req,
			    const struct http_limits *lim)
{
	http_body_init(b, req->framing, req->content_length,
		       (lim ? lim : &http_limits_default)->max_body, lim);
}

void http_body_init_response(struct http_body *b, const struct http_response *res,
			     const struct http_limits *lim)
{
	http_body_init(b, res->framing, res->content_length, 0, lim);
	b->response = true;
}

bool http_body_done(const struct http_body *b)
{
	return b->state == ST_DONE;
}

static ssize_t fail(struct http_body *b, enum http_error e)
{
	b->error = (uint8_t)e;
	return HTTP_INVALID;
}

/* chunk      = chunk-size [ chunk-ext ] CRLF        (RFC 9112 §7.1)
 * chunk-size = 1*HEXDIG
 * chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * chunk-ext-val = token / quoted-string
 * 's' is the line without its CRLF.  Extensions are checked, then ignored
 * (§7.1.1: a recipient ignores extensions it does not understand). */
static enum http_error chunk_line_parse(const char *s, size_t n, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && http_ch((unsigned char)s[i], HTTP_CH_HEX)) {
		if (v > (UINT64_MAX >> 4))
			return HTTP_E_CHUNK_SIZE_OVERFLOW;
		v = v << 4 | http_hex_value((unsigned char)s[i]);
		i++;
	}
	if (i == 0 || (i < n && s[i] != ';' && s[i] != ' ' && s[i] != '\t'))
		return HTTP_E_CHUNK_SIZE;
	while (i < n) {
		i = http_skip_ows(s, i, n);             /* BWS ";" BWS name */
		if (i == n || s[i] != ';')
			return HTTP_E_CHUNK_EXT;
		size_t name = http_skip_ows(s, i + 1, n);
		i = http_skip_token(s, name, n);
		if (i == name)
			return HTTP_E_CHUNK_EXT;
		size_t eq = http_skip_ows(s, i, n);     /* [ BWS "=" BWS value ] */
		if (eq < n && s[eq] == '=') {
			size_t val = http_skip_ows(s, eq + 1, n);
			i = (val < n && s[val] == '"') ? http_skip_quoted(s, val, n)
						      : http_skip_token(s, val, n);
			if (i == 0 || i == val)
				return HTTP_E_CHUNK_EXT;
		}
	}
	*size = v;
	return HTTP_OK;
}

/* A complete line s[0..n) (CRLF not included) in ST_SIZE_LINE or
 * ST_TRAILER.  Moves the state on; returns HTTP_OK or the error. */
static enum http_error take_line(struct http_body *b, const char *s, size_t n)
{
	if (b->state == ST_SIZE_LINE) {
		uint64_t size;
		enum http_error e = chunk_line_parse(s, n, &size);
		if (e != HTTP_OK)
			return e;
		if (size == 0) {
			b->state = ST_TRAILER;          /* last-chunk */
		} else if (b->limit != 0 && size > b->limit - b->total) {
			return HTTP_E_BODY_TOO_LARGE;   /* refused before the data comes */
		} else {
			b->remaining = size;
			b->state = ST_DATA;
		}
		return HTTP_OK;
	}
	b->trailer += (uint32_t)(n + 2);            /* within max_trailer: see bound */
	if (n == 0) {
		b->state = ST_DONE;
		return HTTP_OK;
	}
	if (b->response && (s[0] == ' ' || s[0] == '\t')) {
		/* obs-fold, which a user agent must accept (RFC 9112 §5.2): more
		 * value bytes of the field before, not a field of its own. */
		if (b->fields == 0)
			return HTTP_E_WS_BEFORE_FIELDS;
		size_t i = http_skip_value(s, 0, n);
		if (i < n)
			return s[i] == '\r' ? HTTP_E_BARE_CR : HTTP_E_FIELD_VALUE;
		return HTTP_OK;
	}
	enum http_error e = http_field_line_check(s, n);
	if (e != HTTP_OK)
		return e;
	if (++b->fields > b->max_fields)
		return HTTP_E_TOO_MANY_FIELDS;
	return HTTP_OK;
}

/* Decodes from in[0..len), which starts where the last step stopped.
 * Returns the bytes consumed, or HTTP_INVALID; stops after one run of
 * data, reported as in[*data_off .. *data_off + *data_len). */
static ssize_t body_step(struct http_body *b, const char *in, size_t len,
			 size_t *data_off, size_t *data_len)
{
	size_t i = 0;

	*data_off = 0;
	*data_len = 0;
	if (b->error != HTTP_OK)
		return HTTP_INVALID;
	while (i < len && b->state != ST_DONE) {
		switch (b->state) {
		case ST_DATA: {
			uint64_t n = len - i < b->remaining ? len - i : b->remaining;
			*data_off = i;
			*data_len = (size_t)n;
			b->total += n;
			if (b->framing != HTTP_FRAMING_CLOSE)
				b->remaining -= n;
			if (b->remaining == 0)
				b->state = b->framing == HTTP_FRAMING_CHUNKED ? ST_DATA_CR : ST_DONE;
			return (ssize_t)(i + n);
		}
		case ST_DATA_CR:                        /* chunk-data CRLF */
		case ST_DATA_LF:
			if (in[i] != (b->state == ST_DATA_CR ? '\r' : '\n'))
				return fail(b, HTTP_E_CHUNK_DATA_CRLF);
			b->state = b->state == ST_DATA_CR ? ST_DATA_LF : ST_SIZE_LINE;
			i++;
			break;
		default: {                              /* a whole line, or wait */
			size_t bound = b->state == ST_SIZE_LINE ? (size_t)b->max_line + 2
					: (size_t)(b->max_trailer - b->trailer);
			size_t stop = len - i < bound ? len - i : bound;
			const char *lf = b->scan < stop ?
					 memchr(in + i + b->scan, '\n', stop - b->scan) : NULL;
			if (lf == NULL) {
				b->scan = (uint32_t)stop;
				if (stop < bound)
					return (ssize_t)i;      /* the line goes on: wait */
				return fail(b, b->state == ST_SIZE_LINE ? HTTP_E_CHUNK_LINE_TOO_LONG
								       : HTTP_E_TRAILERS_TOO_LARGE);
			}
			size_t at = (size_t)(lf - in);
			if (at == i || in[at - 1] != '\r')
				return fail(b, HTTP_E_BARE_LF);
			enum http_error e = take_line(b, in + i, at - 1 - i);
			if (e != HTTP_OK)
				return fail(b, e);
			b->scan = 0;
			i = at + 1;
			break;
		}
		}
	}
	return (ssize_t)i;
}

ssize_t http_body_read(struct http_body *b, const char *in, size_t len,
		       const char **data, size_t *data_len)
{
	size_t off;
	ssize_t n = body_step(b, in, len, &off, data_len);

	*data = in + off;
	return n;
}

ssize_t http_body_decode_in_place(struct http_body *b, char *body, size_t len,
				  size_t *body_len)
{
	for (;;) {
		size_t off, n;
		ssize_t used = body_step(b, body + b->raw, len - b->raw, &off, &n);
		if (used < 0)
			return HTTP_INVALID;
		if (n > 0 && b->decoded != b->raw + off)    /* close the gap left by framing */
			memmove(body + b->decoded, body + b->raw + off, n);
		b->decoded += n;
		b->raw += (size_t)used;
		*body_len = b->decoded;
		if (b->state == ST_DONE)
			return (ssize_t)b->raw;
		if (used == 0 || b->raw == len)
			return HTTP_INCOMPLETE;
	}
}

size_t http_body_trailers(const struct http_body *b, char *body,
			  struct http_header *h, size_t cap)
{
	char *s = body + b->raw - b->trailer;           /* the section ends the body */
	char *end = body + b->raw;
	size_t k = 0;

	if (b->state != ST_DONE || b->framing != HTTP_FRAMING_CHUNKED)
		return 0;
	/* Only a response's trailers got here with a fold in them. */
	for (char *lf = s; (lf = memchr(lf, '\n', (size_t)(end - lf))) && lf + 1 < end; lf++) {
		if (lf[1] == ' ' || lf[1] == '\t') {
			lf[-1] = ' ';
			lf[0] = ' ';
		}
	}

	while (k < cap && k < b->fields) {
		char *lf = memchr(s, '\n', (size_t)(end - s));
		http_field_line_split(s, (size_t)(lf - s) - 1, &h[k++]);
		s = lf + 1;
	}
	return k;
}

int http_body_eof(struct http_body *b)
{
	if (b->state == ST_DONE || b->framing == HTTP_FRAMING_CLOSE) {
		b->state = ST_DONE;
		return 0;
	}
	b->error = HTTP_E_TRUNCATED;
	return HTTP_INVALID;
}
