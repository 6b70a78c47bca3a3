/* http_parser.c -- HTTP/1.1 message heads, one line at a time (RFC 9112
 * §2-§5); see http_parser.h for the contract.
 *
 * Shape.  A head is a run of lines, each ending in CRLF, closed by an
 * empty line.  The parser works in two steps:
 *
 *   1. As bytes arrive, find each LF (memchr from where the last search
 *      stopped) and check the completed line: the start line by the rules
 *      below, a field line by http_field_line_check().  Only offsets are
 *      kept, so the caller may hand the bytes back at another address.
 *      A line that is bad is refused the moment its LF arrives; a line
 *      that never ends is refused when it passes its limit.
 *   2. When the empty line arrives, walk the head once more, now known to
 *      be valid, to fill the caller's slices (fill_request/fill_response),
 *      then work out what the fields mean (http_message.c).
 *
 * Every byte is searched once and checked once in step 1, whatever the
 * size of each delivery, and visited once more in step 2: O(n) in total.
 *
 * Read next: http_message.c (Host, Content-Length, Transfer-Encoding,
 * Connection).
 */
#include "http/http_parser.h"
#include "http/http_chars.h"
#include "http/http_target.h"
#include "http/http_message.h"

#include <assert.h>
#include <string.h>

const struct http_limits http_limits_default = {
	.max_request_line = HTTP_MAX_REQUEST_LINE,
	.max_head = HTTP_MAX_HEAD,
	.max_fields = HTTP_MAX_FIELDS,
	.max_body = HTTP_MAX_BODY,
	.max_chunk_line = HTTP_MAX_CHUNK_LINE,
	.max_trailer = HTTP_MAX_TRAILER,
};

enum { STAGE_START_LINE, STAGE_FIELDS };

void http_parser_init(struct http_parser *p)
{
	memset(p, 0, sizeof *p);
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* --- the start line -------------------------------------------------------- */

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* s[0..n) begins with 'prefix' (case-sensitive). */
static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

/* HTTP-version = HTTP-name "/" DIGIT "." DIGIT, where HTTP-name is "HTTP"
 * in capitals (RFC 9112 §2.3).  We speak 1.x, and answer a higher minor
 * version as 1.1 (RFC 9110 §2.5).  A well-formed version with another
 * major one is refused with 505 (RFC 9110 §15.6.6).  Anything else is no
 * version at all ("http/1.1", "HTTP/1.10", "FOO"), so the start line is
 * invalid (RFC 9112 §3: 400). */
static enum http_error check_version(const char *v, size_t n)
{
	if (n != 8 || !has_prefix(v, n, "HTTP/") || !digit(v[5]) || v[6] != '.' || !digit(v[7]))
		return HTTP_E_VERSION_SYNTAX;
	return v[5] == '1' ? HTTP_OK : HTTP_E_VERSION;
}

/* Every byte a pchar, "/" or "?", with '%' followed by two hex digits
 * (RFC 3986 §3.3, §3.4). */
static bool uri_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (http_ch(c, HTTP_CH_URI))
			continue;
		if (c == '%' && n - i >= 3 && http_ch((unsigned char)s[i + 1], HTTP_CH_HEX) &&
		    http_ch((unsigned char)s[i + 2], HTTP_CH_HEX)) {
			i += 2;
			continue;
		}
		return false;
	}
	return true;
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )   (RFC 3986 §3.1) */
static bool scheme_char(unsigned char c, bool first)
{
	bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	if (first)
		return alpha;
	return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* absolute-URI = scheme ":" hier-part [ "?" query ]  (RFC 3986 §4.3).
 * We check the scheme; after "//" an authority without userinfo and with
 * a non-empty host (RFC 9110 §4.2.1, §4.2.4), which http and https URIs
 * must have (§4.2.1-4.2.2); then path and query chars. */
static bool absolute_form_ok(const char *t, size_t n)
{
	size_t i = 0;

	while (i < n && scheme_char((unsigned char)t[i], i == 0))
		i++;
	if (i == 0 || i == n || t[i] != ':')
		return false;
	bool http = http_slice_equals(t, i, "http") || http_slice_equals(t, i, "https");
	const char *authority, *rest;
	size_t alen, rlen;
	http_target_absolute_split(t, n, &authority, &alen, &rest, &rlen);
	if (authority == NULL)
		return !http && uri_chars_ok(rest, rlen);
	return http_authority_valid(authority, alen, HTTP_AUTHORITY_URI) &&
	       uri_chars_ok(rest, rlen);
}

/* RFC 9112 §3: request-line = method SP request-target SP HTTP-version,
 * with exactly one SP between the parts; §3.2 for the target forms. */
static enum http_error request_line_verdict(const char *s, size_t n)
{
	size_t m = 0;

	while (m < n && http_ch((unsigned char)s[m], HTTP_CH_TCHAR))
		m++;
	if (m == n || (m == 0 && s[0] == ' '))
		return HTTP_E_REQUEST_LINE;
	if (s[m] != ' ')
		return s[m] == '\t' ? HTTP_E_REQUEST_LINE : HTTP_E_METHOD;

	const char *t = s + m + 1;
	const char *sp = memchr(t, ' ', n - m - 1);
	if (sp == NULL || sp == t)              /* "GET /" (HTTP/0.9), "GET  /" */
		return HTTP_E_REQUEST_LINE;
	size_t tlen = (size_t)(sp - t);
	const char *v = sp + 1;
	size_t vlen = (size_t)(s + n - v);
	enum http_error e = check_version(v, vlen);
	if (e != HTTP_OK)                       /* a third SP, or nothing after the second? */
		return vlen == 0 || memchr(v, ' ', vlen) ? HTTP_E_REQUEST_LINE : e;

	bool connect = http_slice_is(s, m, "CONNECT");
	bool options = http_slice_is(s, m, "OPTIONS");
	if (connect)                            /* §3.2.3: authority-form only */
		return http_authority_valid(t, tlen, HTTP_AUTHORITY_CONNECT) ?
		       HTTP_OK : HTTP_E_TARGET_FORM;
	if (tlen == 1 && t[0] == '*')           /* §3.2.4: OPTIONS only */
		return options ? HTTP_OK : HTTP_E_TARGET_FORM;
	if (t[0] == '/')                        /* §3.2.1 origin-form */
		return uri_chars_ok(t, tlen) ? HTTP_OK : HTTP_E_TARGET;
	return absolute_form_ok(t, tlen) ? HTTP_OK : HTTP_E_TARGET;   /* §3.2.2 */
}

/* §2.2: a CR must precede LF, and a bare one is the reason given first.
 * No rule above lets a CR into a line it accepts, so only a refused line
 * needs searching for one. */
static enum http_error check_request_line(const char *s, size_t n)
{
	enum http_error e = request_line_verdict(s, n);
	return e != HTTP_OK && memchr(s, '\r', n) != NULL ? HTTP_E_BARE_CR : e;
}

/* The request line passed its limit before its LF came: say which part
 * is to blame, from the bytes seen so far.  When the target has ended
 * and what follows is no longer than a version ("HTTP/1.1"), the target
 * is what made the line too long: 414. */
static enum http_error classify_long_request_line(const char *s, size_t n)
{
	size_t m = 0;

	while (m < n && http_ch((unsigned char)s[m], HTTP_CH_TCHAR))
		m++;
	if (m == n)
		return HTTP_E_METHOD_TOO_LONG;
	if (s[m] != ' ' || m == 0)
		return HTTP_E_METHOD;
	const char *sp = memchr(s + m + 1, ' ', n - m - 1);
	if (sp == NULL)
		return HTTP_E_TARGET_TOO_LONG;
	const char *v = sp + 1, *cr = memchr(v, '\r', (size_t)(s + n - v));
	size_t vlen = (size_t)((cr ? cr : s + n) - v);
	return vlen <= 8 ? HTTP_E_TARGET_TOO_LONG : HTTP_E_REQUEST_LINE_TOO_LONG;
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).  The second SP is
 * required even when the reason is empty. */
static enum http_error check_status_line(const char *s, size_t n)
{
	if (n < 8 || !has_prefix(s, n, "HTTP/"))
		return HTTP_E_STATUS_LINE;
	if (n >= 9 && s[8] == ' ') {
		enum http_error e = check_version(s, 8);
		if (e != HTTP_OK)
			return e == HTTP_E_VERSION ? e : HTTP_E_STATUS_LINE;
	}
	if (n < 13 || s[8] != ' ' || s[12] != ' ')
		return HTTP_E_STATUS_LINE;
	for (size_t i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return HTTP_E_STATUS_LINE;
	size_t i = http_skip_value(s, 13, n);
	if (i < n)
		return s[i] == '\r' ? HTTP_E_BARE_CR : HTTP_E_STATUS_LINE;
	return HTTP_OK;
}

/* --- step 1: find and check lines ---------------------------------------- */

/* Offsets live in 32 bits (struct http_parser): no byte limit above this. */
#define LIMIT_CAP ((size_t)1 << 30)

struct head_rules {
	bool response;
	char *writable;         /* responses: the buffer, to undo obs-fold; else NULL */
	size_t max_fields;      /* min(limit, the caller's array) */
	size_t max_line;        /* lim->max_request_line, capped */
	size_t max_head;        /* lim->max_head, capped */
};

static ssize_t fail(struct http_parser *p, enum http_error e)
{
	p->error = (uint8_t)e;
	return HTTP_INVALID;
}

/* An obs-fold line in a response (RFC 9112 §5.2): its bytes must be valid
 * value bytes; then the CRLF before it becomes two spaces, so the folded
 * value reads as one line with the fold replaced by SP octets. */
static enum http_error unfold(char *buf, size_t line, size_t n)
{
	size_t i = http_skip_value(buf + line, 0, n);
	if (i < n)
		return buf[line + i] == '\r' ? HTTP_E_BARE_CR : HTTP_E_FIELD_VALUE;
	buf[line - 2] = ' ';
	buf[line - 1] = ' ';
	return HTTP_OK;
}

/* Checks line buf[line .. line+n), its CRLF already seen, and moves the
 * parser on.  Sets *end when it was the empty line that ends the head. */
static enum http_error take_line(struct http_parser *p, const char *buf,
				 size_t line, size_t n,
				 const struct head_rules *r, bool *end)
{
	const char *s = buf + line;
	enum http_error e;

	if (p->stage == STAGE_START_LINE) {
		if (n == 0) {                       /* §2.2: skip empty lines */
			if (++p->fields > HTTP_MAX_EMPTY_LINES)
				return HTTP_E_EMPTY_LINES;
			p->start = (uint32_t)(line + 2);
			return HTTP_OK;
		}
		e = r->response ? check_status_line(s, n) : check_request_line(s, n);
		p->stage = STAGE_FIELDS;
		p->fields = 0;
		return e;
	}
	if (n == 0) {
		*end = true;
		return HTTP_OK;
	}
	if (s[0] == ' ' || s[0] == '\t') {
		if (p->fields == 0)                 /* §2.2 */
			return HTTP_E_WS_BEFORE_FIELDS;
		if (r->writable == NULL)            /* §5.2: a server rejects obs-fold */
			return HTTP_E_OBS_FOLD;
		return unfold(r->writable, line, n);
	}
	e = http_field_line_check(s, n);
	if (e == HTTP_OK && ++p->fields > r->max_fields)
		e = HTTP_E_TOO_MANY_FIELDS;
	return e;
}

/* Step 1 over the bytes not yet searched.  Returns the head length when
 * the empty line has arrived, else HTTP_INCOMPLETE or HTTP_INVALID. */
static ssize_t scan_head(struct http_parser *p, const char *buf, size_t len,
			 const struct head_rules *r)
{
	if (p->error != HTTP_OK)
		return HTTP_INVALID;                /* refused already: stay refused */
	for (;;) {
		/* The stage is one of two, and the offsets keep their order:
		 * the start line begins at or before the current line, which
		 * begins at or before the first byte not yet searched, which
		 * the caller has handed back (http_parser.h: every byte not
		 * yet consumed, oldest first). */
		assert(p->stage == STAGE_START_LINE || p->stage == STAGE_FIELDS);
		assert(p->start <= p->line && p->line <= p->scan && p->scan <= len);
		size_t line = p->line;
		size_t head_end = p->start + r->max_head;
		size_t bound = head_end;            /* search no further than this */
		if (p->stage == STAGE_START_LINE)
			bound = min_size(bound, line + r->max_line + 2);
		size_t stop = min_size(len, bound);

		/* A message must start with a token char (or CR for an empty
		 * line): refuse TLS or binary junk at once, not after 8 KiB. */
		if (p->stage == STAGE_START_LINE && p->scan == line && line < len) {
			unsigned char c = (unsigned char)buf[line];
			if (c != '\r' && (r->response ? c != 'H' : !http_ch(c, HTTP_CH_TCHAR)))
				return fail(p, r->response ? HTTP_E_STATUS_LINE :
					       c == '\n' ? HTTP_E_BARE_LF : HTTP_E_METHOD);
		}
		const char *lf = p->scan < stop ?
				 memchr(buf + p->scan, '\n', stop - p->scan) : NULL;
		if (lf == NULL) {
			p->scan = (uint32_t)stop;
			if (len < bound)
				return HTTP_INCOMPLETE;
			if (bound == head_end)              /* §5: too large */
				return fail(p, HTTP_E_HEADERS_TOO_LARGE);
			return fail(p, r->response ? HTTP_E_STATUS_LINE :
				    classify_long_request_line(buf + line, stop - line));
		}
		size_t at = (size_t)(lf - buf);
		if (at == line || buf[at - 1] != '\r')
			return fail(p, HTTP_E_BARE_LF);    /* §2.2: we want CRLF */
		p->line = p->scan = (uint32_t)(at + 1);
		bool end = false;
		enum http_error e = take_line(p, buf, line, at - 1 - line, r, &end);
		if (e != HTTP_OK)
			return fail(p, e);
		if (end)
			return (ssize_t)(at + 1);
	}
}

/* --- step 2: fill the slices ---------------------------------------------- */

/* The length of the line at s[0..avail) without its CRLF.  Only called on
 * a head that step 1 accepted, so the LF is there. */
static size_t line_len(const char *s, size_t avail)
{
	const char *lf = memchr(s, '\n', avail);
	assert(lf != NULL && lf > s && lf[-1] == '\r');
	return (size_t)(lf - s) - 1;
}

/* Fills h[] from the field lines in s[0..n), which ends with the empty
 * line; returns how many fields there were. */
static size_t fill_fields(const char *s, size_t n, struct http_header *h)
{
	size_t k = 0, at = 0;

	for (;;) {
		size_t ll = line_len(s + at, n - at);
		if (ll == 0)
			return k;
		http_field_line_split(s + at, ll, &h[k++]);
		at += ll + 2;
	}
}

static void fill_request(const char *s, size_t n, struct http_request *req)
{
	/* Checked already: a token, SP, a target without SP, SP, "HTTP/1.x". */
	const char *sp1 = s + http_skip_token(s, 0, n);
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', n - (size_t)(t - s));
	assert(sp2 != NULL);
	size_t ll = (size_t)(sp2 - s) + 9;

	req->method = s;
	req->method_len = (size_t)(sp1 - s);
	req->target = t;
	req->target_len = (size_t)(sp2 - t);
	req->minor_version = s[ll - 1] == '0' ? 0 : 1;     /* "HTTP/1.x" ends the line */
	if (http_slice_is(s, req->method_len, "CONNECT"))
		req->target_form = HTTP_TARGET_AUTHORITY;
	else if (req->target_len == 1 && t[0] == '*')
		req->target_form = HTTP_TARGET_ASTERISK;
	else if (t[0] == '/')
		req->target_form = HTTP_TARGET_ORIGIN;
	else
		req->target_form = HTTP_TARGET_ABSOLUTE;
	req->num_headers = fill_fields(s + ll + 2, n - ll - 2, req->headers);
}

static void fill_response(const char *s, size_t n, struct http_response *res)
{
	size_t ll = line_len(s, n);

	res->minor_version = s[7] == '0' ? 0 : 1;
	res->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	res->reason = s + 13;
	res->reason_len = ll - 13;
	res->num_headers = fill_fields(s + ll + 2, n - ll - 2, res->headers);
}

size_t http_parser_drop_empty_lines(struct http_parser *p)
{
	if (p->stage != STAGE_START_LINE)
		return 0;
	size_t n = p->start;                    /* the start line begins there */
	p->start = 0;
	p->line -= (uint32_t)n;
	p->scan -= (uint32_t)n;
	return n;
}

/* --- the two entry points ---------------------------------------------------- */

ssize_t http_request_parse(struct http_parser *p, const char *buf, size_t len,
			   struct http_request *req,
			   const struct http_limits *lim)
{
	if (lim == NULL)
		lim = &http_limits_default;
	struct head_rules r = {
		.response = false,
		.writable = NULL,
		.max_fields = min_size(min_size(lim->max_fields, req->header_cap), UINT16_MAX - 1),
		.max_line = min_size(lim->max_request_line, LIMIT_CAP),
		.max_head = min_size(lim->max_head, LIMIT_CAP),
	};
	ssize_t n = scan_head(p, buf, len, &r);
	if (n < 0)
		return n;

	size_t start = p->start;
	http_parser_init(p);                    /* ready for the next message */
	fill_request(buf + start, (size_t)n - start, req);
	enum http_error e = http_request_interpret(req, lim);
	return e == HTTP_OK ? n : fail(p, e);
}

ssize_t http_response_parse(struct http_parser *p, char *buf, size_t len,
			    struct http_response *res,
			    const struct http_limits *lim)
{
	if (lim == NULL)
		lim = &http_limits_default;
	struct head_rules r = {
		.response = true,
		.writable = buf,
		.max_fields = min_size(min_size(lim->max_fields, res->header_cap), UINT16_MAX - 1),
		.max_line = min_size(lim->max_request_line, LIMIT_CAP),
		.max_head = min_size(lim->max_head, LIMIT_CAP),
	};
	ssize_t n = scan_head(p, buf, len, &r);
	if (n < 0)
		return n;

	size_t start = p->start;
	http_parser_init(p);
	fill_response(buf + start, (size_t)n - start, res);
	enum http_error e = http_response_interpret(res);
	return e == HTTP_OK ? n : fail(p, e);
}
