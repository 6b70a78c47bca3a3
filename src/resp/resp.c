/* resp.c -- RESP2: replies checked, then read; commands written.
 * No sockets here; resp.h holds the contract.
 *
 * The parser is a loop over elements.  Each element is a line (type byte,
 * text, CRLF), and a bulk string's line is followed by its data and a
 * second CRLF.  A line is searched for its CR from where the last call
 * stopped ('pos'), never from its start again; once the CRLF is there,
 * the line is read once.  A bulk's data is not searched at all: the
 * parser jumps to where its CRLF must be and waits for those two bytes.
 * Open arrays are a stack of counts: each value that completes takes one
 * from the innermost array, and an array whose count reaches zero is
 * itself a value that completes in its parent.  When no array is open,
 * the reply is whole.
 */
#include <assert.h>
#include <string.h>
#include "resp/resp.h"

/* Digits of the longest size_t (2^64 - 1). */
#define DEC_MAX 20

/* --- limits and errors ---------------------------------------------------- */

void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim)
{
	memset(p, 0, sizeof *p);
	if (lim)
		p->lim = *lim;
	if (p->lim.line_max == 0)
		p->lim.line_max = RESP_LINE_MAX;
	if (p->lim.bulk_max == 0)
		p->lim.bulk_max = RESP_BULK_MAX;
	if (p->lim.array_max == 0)
		p->lim.array_max = RESP_ARRAY_MAX;
	if (p->lim.reply_max == 0)
		p->lim.reply_max = RESP_REPLY_MAX;
	if (p->lim.depth_max == 0 || p->lim.depth_max > RESP_DEPTH_MAX)
		p->lim.depth_max = RESP_DEPTH_MAX;
	if (p->lim.array_max > UINT32_MAX)      /* the stack holds 32-bit counts */
		p->lim.array_max = UINT32_MAX;
	if (p->lim.line_max > p->lim.reply_max) /* no offset sum can overflow */
		p->lim.line_max = p->lim.reply_max;
	if (p->lim.bulk_max > p->lim.reply_max)
		p->lim.bulk_max = p->lim.reply_max;
}

const char *resp_error_reason(enum resp_error_code code)
{
	switch (code) {
	case RESP_OK:              return "no error";
	case RESP_ERR_TYPE:        return "a value starts with a byte that is not + - : $ or *";
	case RESP_ERR_CRLF:        return "a line or a bulk string not ended by CRLF";
	case RESP_ERR_INTEGER:     return "an integer that is not an optional sign and digits";
	case RESP_ERR_OVERFLOW:    return "an integer outside signed 64 bits";
	case RESP_ERR_LENGTH:      return "a length that is not digits or -1";
	case RESP_ERR_LINE_LIMIT:  return "a line longer than the limit";
	case RESP_ERR_BULK_LIMIT:  return "a bulk string longer than the limit";
	case RESP_ERR_ARRAY_LIMIT: return "an array with more values than the limit";
	case RESP_ERR_DEPTH_LIMIT: return "arrays nested deeper than the limit";
	case RESP_ERR_REPLY_LIMIT: return "a reply longer than the limit";
	}
	return "unknown error";
}

const struct resp_error *resp_parser_error(const struct resp_parser *p)
{
	return &p->err;
}

static ssize_t refuse(struct resp_parser *p, enum resp_error_code code, size_t offset)
{
	p->err.code = code;
	p->err.offset = offset;
	p->err.reason = resp_error_reason(code);
	return RESP_INVALID;
}

/* --- numbers -------------------------------------------------------------- */

/* [+|-]digits within int64_t.  Every byte is checked before the value, so
 * "99999999999999999999x" is a bad integer, not an overflow. */
static enum resp_error_code parse_integer(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return RESP_ERR_INTEGER;
	uint64_t max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	bool over = false;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return RESP_ERR_INTEGER;
		if (v > (max - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	if (over)
		return RESP_ERR_OVERFLOW;
	*out = neg && v > 0 ? -(int64_t)(v - 1) - 1 : (int64_t)v;       /* -2^63 too */
	return RESP_OK;
}

/* A length: digits up to 'max', or "-1" (*null set).  Past 'max' is the
 * caller's limit error, told apart by returning 'limit'. */
static enum resp_error_code parse_length(const char *s, size_t n, size_t max,
					 enum resp_error_code limit,
					 size_t *out, bool *null)
{
	*null = false;
	if (n == 2 && s[0] == '-' && s[1] == '1') {
		*null = true;
		*out = 0;
		return RESP_OK;
	}
	if (n == 0)
		return RESP_ERR_LENGTH;
	size_t v = 0;
	bool over = false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return RESP_ERR_LENGTH;
		if (d > max || v > (max - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	if (over)
		return limit;
	*out = v;
	return RESP_OK;
}

/* --- the parser ----------------------------------------------------------- */

/* A value has completed: take it from the arrays it closes.  True when
 * none is left open, so the reply is whole. */
static bool value_done(struct resp_parser *p)
{
	while (p->depth > 0) {
		if (--p->left[p->depth - 1] > 0)
			return false;
		p->depth--;             /* that array is complete: a value of its parent */
	}
	return true;
}

/* The reply is whole: its length, and a fresh start for the next. */
static ssize_t reply_done(struct resp_parser *p)
{
	size_t n = p->pos;
	assert(p->depth == 0 && !p->in_bulk);
	p->elem = p->pos = 0;
	return (ssize_t)n;
}

/* More bytes are needed, or would be, past the reply limit. */
static ssize_t need_more(struct resp_parser *p, size_t len)
{
	if (len > p->lim.reply_max)
		return refuse(p, RESP_ERR_REPLY_LIMIT, p->elem);
	return RESP_INCOMPLETE;
}

/* The line of the element at 'elem' is complete: its text is buf[elem+1,
 * cr).  Acts on it; returns RESP_OK, or an error to refuse with (at
 * 'elem').  Sets *done when a value completed. */
static enum resp_error_code on_line(struct resp_parser *p, const char *buf,
				    size_t cr, bool *done)
{
	const char *text = buf + p->elem + 1;
	size_t n = cr - p->elem - 1, len;
	bool null;
	int64_t value;          /* checked, not kept: the reader reads it */
	enum resp_error_code e;

	p->pos = cr + 2;
	*done = true;
	switch (buf[p->elem]) {
	case RESP_INTEGER:
		return parse_integer(text, n, &value);
	case RESP_BULK:
		e = parse_length(text, n, p->lim.bulk_max, RESP_ERR_BULK_LIMIT, &len, &null);
		if (e != RESP_OK || null)
			return e;
		if (len + 2 > p->lim.reply_max - p->pos)       /* its end is known now */
			return RESP_ERR_REPLY_LIMIT;
		p->pos += len;          /* where its CRLF must be */
		p->in_bulk = true;
		*done = false;
		return RESP_OK;
	case RESP_ARRAY:
		e = parse_length(text, n, p->lim.array_max, RESP_ERR_ARRAY_LIMIT, &len, &null);
		if (e != RESP_OK || null || len == 0)
			return e;       /* *-1 and *0 are whole values */
		if (p->depth == p->lim.depth_max)
			return RESP_ERR_DEPTH_LIMIT;
		p->left[p->depth++] = (uint32_t)len;
		*done = false;
		return RESP_OK;
	default:                        /* simple string, error: any text */
		return RESP_OK;
	}
}

/* The CRLF after a bulk's data, at 'pos'.  Returns 0 once it is
 * consumed, else RESP_INCOMPLETE or RESP_INVALID.  A wrong first byte is
 * refused before the second arrives. */
static ssize_t bulk_end(struct resp_parser *p, const char *buf, size_t avail, size_t len)
{
	if (avail < p->pos + 2) {
		if (avail > p->pos && buf[p->pos] != '\r')
			return refuse(p, RESP_ERR_CRLF, p->pos);
		return need_more(p, len);
	}
	if (buf[p->pos] != '\r')
		return refuse(p, RESP_ERR_CRLF, p->pos);
	if (buf[p->pos + 1] != '\n')
		return refuse(p, RESP_ERR_CRLF, p->pos + 1);
	p->pos += 2;
	p->in_bulk = false;
	return 0;
}

/* The line of the element at 'elem': its type byte, then a search for CR
 * from where the last call stopped ('pos').  Returns 0 once the line is
 * consumed (*done: a value completed), else RESP_INCOMPLETE or
 * RESP_INVALID. */
static ssize_t element_line(struct resp_parser *p, const char *buf, size_t avail,
			    size_t len, bool *done)
{
	if (p->pos == p->elem) {
		if (avail <= p->elem)
			return need_more(p, len);
		switch (buf[p->elem]) {
		case '+': case '-': case ':': case '$': case '*':
			break;
		default:
			return refuse(p, RESP_ERR_TYPE, p->elem);
		}
		p->pos++;
	}
	size_t last = p->elem + 1 + p->lim.line_max;   /* the furthest the CR may be */
	size_t stop = avail <= last ? avail : last + 1;
	size_t i = p->pos;
	while (i < stop && buf[i] != '\r') {
		if (buf[i] == '\n')
			return refuse(p, RESP_ERR_CRLF, i);
		i++;
	}
	p->pos = i;
	if (i == stop) {
		if (stop == last + 1)
			return refuse(p, RESP_ERR_LINE_LIMIT, p->elem);
		return need_more(p, len);
	}
	if (i + 1 == avail)             /* the CR, and its LF still to come */
		return need_more(p, len);
	if (buf[i + 1] != '\n')
		return refuse(p, RESP_ERR_CRLF, i + 1);
	enum resp_error_code e = on_line(p, buf, i, done);
	if (e != RESP_OK)
		return refuse(p, e, p->elem);
	return 0;
}

ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len)
{
	if (p->err.code != RESP_OK)
		return RESP_INVALID;
	/* Nothing past the reply limit is looked at; need_more() refuses the
	 * reply when more would have to be. */
	size_t avail = len < p->lim.reply_max ? len : p->lim.reply_max;

	for (;;) {
		bool done = true;
		ssize_t r = p->in_bulk ? bulk_end(p, buf, avail, len)
				       : element_line(p, buf, avail, len, &done);
		if (r != 0)
			return r;
		if (done && value_done(p))
			return reply_done(p);
		if (!p->in_bulk)
			p->elem = p->pos;       /* the next element starts here */
	}
}

/* --- the reader ----------------------------------------------------------- */

/* The reader trusts its bytes: resp_parse() has checked every line, so
 * a CR is there to be found and numbers are in range. */

void resp_reader_init(struct resp_reader *r, const char *reply, size_t len)
{
	r->p = reply;
	r->end = reply + len;
}

/* The number at 's', up to its CR; '*s' is left past the CRLF. */
static int64_t read_number(const char **s)
{
	const char *q = *s;
	bool neg = *q == '-';
	if (*q == '-' || *q == '+')
		q++;
	uint64_t v = 0;
	while (*q != '\r')
		v = v * 10 + (unsigned)(*q++ - '0');
	*s = q + 2;
	return neg && v > 0 ? -(int64_t)(v - 1) - 1 : (int64_t)v;
}

bool resp_reader_next(struct resp_reader *r, struct resp_value *v)
{
	if (r->p >= r->end)
		return false;
	const char *s = r->p + 1;
	const char *cr;
	int64_t n;

	v->type = (enum resp_type)r->p[0];
	v->null = false;
	v->str = NULL;
	v->len = 0;
	v->integer = 0;
	v->count = 0;
	switch (v->type) {
	case RESP_SIMPLE:
	case RESP_ERROR:
		cr = memchr(s, '\r', (size_t)(r->end - s));
		assert(cr != NULL);
		v->str = s;
		v->len = (size_t)(cr - s);
		r->p = cr + 2;
		break;
	case RESP_INTEGER:
		v->integer = read_number(&s);
		r->p = s;
		break;
	case RESP_BULK:
		n = read_number(&s);
		if (n < 0) {
			v->null = true;
			r->p = s;
		} else {
			v->str = s;
			v->len = (size_t)n;
			r->p = s + n + 2;
		}
		break;
	case RESP_ARRAY:
		n = read_number(&s);
		v->null = n < 0;
		v->count = n < 0 ? 0 : (size_t)n;
		r->p = s;
		break;
	default:        /* bytes resp_parse() never accepted: stop, not loop */
		assert(!"resp_reader_next on bytes that are not a reply");
		r->p = r->end;
		return false;
	}
	return true;
}

void resp_reader_skip(struct resp_reader *r, const struct resp_value *v)
{
	if (v->type != RESP_ARRAY)
		return;
	struct resp_value in;
	for (size_t due = v->count; due > 0; due--)     /* a count of values to pass */
		if (resp_reader_next(r, &in) && in.type == RESP_ARRAY)
			due += in.count;
}

/* --- the encoder ---------------------------------------------------------- */

static size_t dec_len(size_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Writes "<c><v>\r\n" at 'out'; returns the bytes written. */
static size_t put_header(char *out, char c, size_t v)
{
	char digits[DEC_MAX];
	size_t n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	size_t k = 0;
	out[k++] = c;
	while (n > 0)
		out[k++] = digits[--n];
	out[k++] = '\r';
	out[k++] = '\n';
	return k;
}

size_t resp_encode_command(char *buf, size_t cap, size_t argc,
			   const char *const *argv, const size_t *lens)
{
	if (argc == 0)
		return 0;
	size_t need = 1 + dec_len(argc) + 2;
	for (size_t i = 0; i < argc; i++) {
		size_t len = lens ? lens[i] : strlen(argv[i]);
		size_t one = 1 + dec_len(len) + 2 + 2;
		if (len > SIZE_MAX - one || need > SIZE_MAX - one - len)
			return 0;
		need += one + len;
	}
	if (need > cap)
		return need;

	size_t k = put_header(buf, RESP_ARRAY, argc);
	for (size_t i = 0; i < argc; i++) {
		size_t len = lens ? lens[i] : strlen(argv[i]);
		k += put_header(buf + k, RESP_BULK, len);
		if (len > 0)
			memcpy(buf + k, argv[i], len);
		k += len;
		buf[k++] = '\r';
		buf[k++] = '\n';
	}
	assert(k == need);
	return need;
}
