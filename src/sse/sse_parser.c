/* sse_parser.c -- WHATWG HTML §9.2.6 "Interpreting an event stream".
 *
 * sse_parser.h holds the contract.  The work is done in three layers,
 * each a few short functions, read from the bottom up:
 *
 *   bytes      sse_parser_feed() decodes UTF-8 (runs of plain text at
 *              once, anything else a byte at a time) and drops the BOM;
 *   characters on_char() finds line ends: CRLF, LF or CR;
 *   lines      line_text() and line_end() follow the §9.2.6 rules: a
 *              comment, a field name, the colon, the one optional space,
 *              the value, and at a blank line the dispatch.
 *
 * No line is ever held whole: the state says where in the line we are,
 * and each piece of text goes where its field sends it.  That is why the
 * field name is only kept as far as its sixth byte.
 */
#include "sse/sse_parser.h"
#include "sse/sse_text.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Where in a line the parser is. */
enum {
	ST_LINE_START,          /* nothing of this line seen yet */
	ST_NAME,                /* in the field name */
	ST_VALUE_START,         /* just after the colon: one space may be dropped */
	ST_VALUE,               /* in the field value */
	ST_COMMENT,             /* the line began with ':' */
};

/* Which field the current line sets. */
enum { F_OTHER, F_EVENT, F_DATA, F_ID, F_RETRY };

/* What the "retry" value read so far looks like. */
enum { RETRY_EMPTY, RETRY_DIGITS, RETRY_BAD };

/* --- buffers ------------------------------------------------------------ */

/* Grows 'b' to hold 'need' bytes, doubling from 16 but never past
 * 'ceiling' (the limit plus one, see field_end). */
static int buf_grow(struct sse_buf *b, size_t need, size_t ceiling)
{
	size_t cap = b->cap ? b->cap : 16;
	if (need > ceiling)
		return SSE_ERR_NOMEM;   /* callers check first; never loop for ever */
	while (cap < need)
		cap = cap > ceiling / 2 ? ceiling : cap * 2;
	char *q = realloc(b->p, cap);
	if (!q)
		return SSE_ERR_NOMEM;
	b->p = q;
	b->cap = cap;
	return 0;
}

/* Appends 'n' bytes to 'b', which may hold at most 'max'; returns 0
 * (SSE_MORE), 'over' past the limit, or SSE_ERR_NOMEM. */
static int buf_append(struct sse_buf *b, const char *s, size_t n,
		      size_t max, int over)
{
	if (n == 0)
		return 0;
	/* The data buffer may already hold max + 1 bytes -- the LF after a
	 * line, which dispatch drops -- so 'max - b->len' would wrap. */
	if (b->len > max || n > max - b->len)
		return over;
	if (b->len + n > b->cap && buf_grow(b, b->len + n, max + 1) < 0)
		return SSE_ERR_NOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Empties 'b'; gives its memory back if it grew past 'keep'. */
static void buf_trim(struct sse_buf *b, size_t keep)
{
	b->len = 0;
	if (b->cap > keep) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

static void buf_free(struct sse_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* --- fields (§9.2.6 "process the field") -------------------------------- */

/* Field names are compared literally, with no case folding (§9.2.6). */
static bool name_is(const char *name, size_t len, const char *field)
{
	return len == strlen(field) && memcmp(name, field, len) == 0;
}

static uint8_t field_of(const char *name, size_t len)
{
	if (name_is(name, len, "data"))  return F_DATA;
	if (name_is(name, len, "event")) return F_EVENT;
	if (name_is(name, len, "id"))    return F_ID;
	if (name_is(name, len, "retry")) return F_RETRY;
	return F_OTHER;
}

/* The name is complete: get ready for its value. */
static void field_begin(struct sse_parser *p)
{
	p->field = field_of(p->name, p->name_len);
	switch (p->field) {
	case F_EVENT:
		p->type.len = 0;                /* "set" the buffer: it starts over */
		p->type_over = false;
		break;
	case F_ID:
		p->id_val.len = 0;
		p->id_nul = false;
		p->id_over = false;
		break;
	case F_RETRY:
		p->retry_val = 0;
		p->retry_state = RETRY_EMPTY;
		break;
	}
}

/* Appends to a type or id value that may pass its limit without that
 * being an error yet: past it, '*over' is set and nothing more is stored
 * (so the answer does not depend on where the stream was cut); whoever
 * would use the value refuses it then. */
static int append_capped(struct sse_buf *b, const char *s, size_t n, size_t max, bool *over)
{
	enum { PAST = -100 };           /* buf_append's answer past 'max': no status */
	if (*over)
		return SSE_MORE;
	int r = buf_append(b, s, n, max, PAST);
	if (r == PAST) {
		*over = true;
		r = SSE_MORE;
	}
	return r;
}

/* A piece of the value (no CR, no LF, valid UTF-8). */
static int field_value(struct sse_parser *p, const char *s, size_t n)
{
	switch (p->field) {
	case F_EVENT:
		/* Too long is an error only if the type is used: dispatch()
		 * refuses the event that would wear it. */
		return append_capped(&p->type, s, n, p->lim.type_max, &p->type_over);
	case F_DATA:
		return buf_append(&p->data, s, n, p->lim.data_max, SSE_ERR_DATA_LIMIT);
	case F_ID:
		/* Too long is only known at the end of the line to set the
		 * buffer: a NUL still to come would make the field ignored. */
		if (memchr(s, '\0', n))
			p->id_nul = true;
		if (p->id_nul)
			return SSE_MORE;
		return append_capped(&p->id_val, s, n, p->lim.id_max, &p->id_over);
	case F_RETRY:
		for (size_t i = 0; i < n && p->retry_state != RETRY_BAD; i++) {
			unsigned d = (unsigned char)s[i] - '0';
			if (d > 9) {
				p->retry_state = RETRY_BAD;
			} else {
				p->retry_state = RETRY_DIGITS;
				p->retry_val = p->retry_val > (UINT64_MAX - d) / 10
					? UINT64_MAX : p->retry_val * 10 + d;
			}
		}
		return SSE_MORE;
	}
	return SSE_MORE;                               /* other fields are ignored */
}

/* The line ended: finish the field. */
static int field_end(struct sse_parser *p, struct sse_event *ev)
{
	static const char lf = '\n';
	switch (p->field) {
	case F_DATA:
		/* The LF after the last line is removed at dispatch, so the
		 * buffer may hold one byte more than data_max. */
		return buf_append(&p->data, &lf, 1, p->lim.data_max + 1,
				  SSE_ERR_DATA_LIMIT);
	case F_ID:
		if (p->id_nul)                  /* a NUL makes the field ignored */
			return SSE_MORE;
		p->id_changed = true;
		p->id_buf_over = p->id_over;    /* refused at dispatch, if still set */
		if (p->id_over)
			return SSE_MORE;
		struct sse_buf t = p->id_buf;   /* swap, so nothing is copied */
		p->id_buf = p->id_val;
		p->id_val = t;
		buf_trim(&p->id_val, p->lim.keep);
		return SSE_MORE;
	case F_RETRY:
		/* Only ASCII digits, and at least one. */
		if (p->retry_state != RETRY_DIGITS)
			return SSE_MORE;
		p->retry_ms = p->retry_val;
		*ev = (struct sse_event){ .type = "", .data = "", .id = "",
					  .retry_ms = p->retry_ms };
		return SSE_RETRY;
	}
	return SSE_MORE;
}

/* --- lines -------------------------------------------------------------- */

/* A blank line: §9.2.6 "dispatch the event", steps 1, 2, 3, 5-6 (the
 * event's fields) and 7. */
static int dispatch(struct sse_parser *p, struct sse_event *ev)
{
	static const char message[] = "message";        /* 5: the type if none was set */
	if (p->id_changed) {                    /* 1: the buffer is not reset */
		if (p->id_buf_over)
			return SSE_ERR_ID_LIMIT;
		p->id_str.len = 0;
		int r = buf_append(&p->id_str, p->id_buf.p, p->id_buf.len,
				   p->lim.id_max, SSE_ERR_ID_LIMIT);
		if (r < 0)
			return r;
		p->id_changed = false;
	}
	if (p->data.len == 0) {                 /* 2: nothing to dispatch */
		p->type.len = 0;
		p->type_over = false;
		return SSE_MORE;
	}
	if (p->type_over)
		return SSE_ERR_TYPE_LIMIT;
	/* 3: every data line ended with an LF (field_end), and the limit
	 * left room for the last one. */
	assert(p->data.p[p->data.len - 1] == '\n' && p->data.len <= p->lim.data_max + 1);
	p->data.len--;
	ev->type = p->type.len ? p->type.p : message;
	ev->type_len = p->type.len ? p->type.len : sizeof message - 1;
	ev->data = p->data.p;
	ev->data_len = p->data.len;
	ev->id = p->id_str.len ? p->id_str.p : "";
	ev->id_len = p->id_str.len;
	ev->retry_ms = p->retry_ms;
	p->reset_due = true;                    /* 7, once the caller is done */
	return SSE_EVENT;
}

/* A piece of a line: valid UTF-8 holding no CR and no LF. */
static int line_text(struct sse_parser *p, const char *s, size_t n)
{
	while (n > 0) {
		switch (p->state) {
		case ST_LINE_START:
			if (s[0] == ':') {      /* a comment: ignore the line */
				p->state = ST_COMMENT;
				return SSE_MORE;
			}
			p->state = ST_NAME;
			p->name_len = 0;
			break;
		case ST_NAME: {
			/* The name runs to the first colon. */
			const char *colon = memchr(s, ':', n);
			size_t k = colon ? (size_t)(colon - s) : n;
			for (size_t i = 0; i < k && p->name_len < sizeof p->name; i++)
				p->name[p->name_len++] = s[i];
			if (!colon)
				return SSE_MORE;
			field_begin(p);
			p->state = ST_VALUE_START;
			s += k + 1;
			n -= k + 1;
			break;
		}
		case ST_VALUE_START:
			if (s[0] == ' ') {      /* only one space is dropped */
				s++;
				n--;
			}
			p->state = ST_VALUE;
			break;
		case ST_VALUE:
			return field_value(p, s, n);
		case ST_COMMENT:
			return SSE_MORE;
		}
	}
	return SSE_MORE;
}

/* The line ended. */
static int line_end(struct sse_parser *p, struct sse_event *ev)
{
	int r = SSE_MORE;
	switch (p->state) {
	case ST_LINE_START:                     /* a blank line */
		r = dispatch(p, ev);
		break;
	case ST_NAME:                           /* no colon: all name, empty value */
		field_begin(p);
		r = field_end(p, ev);
		break;
	case ST_VALUE_START:
	case ST_VALUE:
		r = field_end(p, ev);
		break;
	case ST_COMMENT:
		p->comments++;
		break;
	}
	p->state = ST_LINE_START;
	return r;
}

/* --- characters --------------------------------------------------------- */

/* One decoded character, from the slow path. */
static int on_char(struct sse_parser *p, uint32_t c, struct sse_event *ev)
{
	if (p->at_start) {
		p->at_start = false;
		if (c == 0xFEFF)                /* one leading BOM is stripped */
			return SSE_MORE;
	}
	if (c == '\n' && p->after_cr) {         /* the LF of a CRLF */
		p->after_cr = false;
		return SSE_MORE;
	}
	/* A CR ends the line at once, so an event is not held back waiting
	 * to see whether an LF follows; that LF, if it comes, is skipped. */
	p->after_cr = c == '\r';
	if (c == '\n' || c == '\r')
		return line_end(p, ev);
	uint8_t u[4];
	size_t k = utf8_encode(c, u);
	return line_text(p, (const char *)u, k);
}

/* --- bytes -------------------------------------------------------------- */

/* Length of the longest prefix of 's' that is plain text: no CR, no LF,
 * and only whole, valid UTF-8 sequences.  Such a run decodes to itself,
 * so it can be handed on without decoding character by character. */
static size_t text_run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		i += sse_text_plain(s + i, n - i);
		if (i == n || s[i] < 0x80)      /* the end, or a CR or LF */
			return i;
		struct utf8_decoder d;          /* a multi-byte sequence */
		utf8_init(&d);
		size_t j = i;
		int32_t c = UTF8_MORE;
		while (j < n && c == UTF8_MORE)
			c = utf8_decode_byte(&d, s[j++]);
		if (c < 0)                      /* invalid or cut short: slow path */
			return i;
		i = j;
	}
}

int sse_parser_feed(struct sse_parser *p, const void *buf, size_t len,
		    size_t *used, struct sse_event *ev)
{
	const uint8_t *s = buf;
	size_t i = 0;
	int r = SSE_MORE;

	*used = 0;
	if (p->error)
		return p->error;
	if (p->reset_due) {                     /* the last event's slices expire */
		buf_trim(&p->data, p->lim.keep);
		buf_trim(&p->type, p->lim.keep);
		p->reset_due = false;
	}
	while (i < len && r == SSE_MORE) {
		if (!p->at_start && utf8_at_boundary(&p->dec)) {
			size_t k = text_run(s + i, len - i);
			if (k > 0) {
				p->after_cr = false;
				r = line_text(p, (const char *)s + i, k);
				i += k;
				continue;
			}
		}
		/* One byte through the WHATWG UTF-8 decoder. */
		int32_t c = utf8_decode_byte(&p->dec, s[i]);
		if (c != UTF8_INVALID_AGAIN)    /* AGAIN: this byte is read twice */
			i++;
		if (c == UTF8_MORE)
			continue;
		r = on_char(p, c < 0 ? UTF8_REPLACEMENT : (uint32_t)c, ev);
	}
	*used = i;
	/* An event or a retry is told at the end of its line, so the next
	 * call starts a line. */
	assert(r <= SSE_MORE || p->state == ST_LINE_START);
	if (r < 0)
		p->error = (int8_t)r;
	return r;
}

/* --- the rest of the contract ------------------------------------------- */

static size_t or_default(size_t v, size_t def)
{
	if (v == 0)
		return def;
	return v < SIZE_MAX / 4 ? v : SIZE_MAX / 4;   /* room for max + 1 */
}

void sse_parser_init(struct sse_parser *p, const struct sse_limits *lim)
{
	memset(p, 0, sizeof *p);
	p->lim.data_max = or_default(lim ? lim->data_max : 0, SSE_DATA_MAX);
	p->lim.type_max = or_default(lim ? lim->type_max : 0, SSE_TYPE_MAX);
	p->lim.id_max = or_default(lim ? lim->id_max : 0, SSE_ID_MAX);
	p->lim.keep = or_default(lim ? lim->keep : 0, SSE_KEEP);
	utf8_init(&p->dec);
	p->retry_ms = SSE_RETRY_DEFAULT_MS;
	p->state = ST_LINE_START;
	p->at_start = true;
}

void sse_parser_free(struct sse_parser *p)
{
	buf_free(&p->data);
	buf_free(&p->type);
	buf_free(&p->id_buf);
	buf_free(&p->id_str);
	buf_free(&p->id_val);
}

int sse_parser_finish(struct sse_parser *p)
{
	if (p->error)
		return p->error;
	/* Pending data is discarded; the next stream starts afresh. */
	buf_trim(&p->data, p->lim.keep);
	buf_trim(&p->type, p->lim.keep);
	buf_trim(&p->id_val, p->lim.keep);
	buf_trim(&p->id_buf, p->lim.keep);
	p->id_changed = p->id_str.len != 0;     /* buffer "" vs the kept string */
	p->id_buf_over = p->type_over = false;
	utf8_init(&p->dec);
	p->state = ST_LINE_START;
	p->at_start = true;
	p->after_cr = false;
	p->reset_due = false;
	return SSE_MORE;
}

const char *sse_parser_last_id(const struct sse_parser *p, size_t *len)
{
	*len = p->id_str.len;
	return p->id_str.len ? p->id_str.p : "";
}

uint64_t sse_parser_retry_ms(const struct sse_parser *p)
{
	return p->retry_ms;
}

uint64_t sse_parser_comments(const struct sse_parser *p)
{
	return p->comments;
}

const char *sse_parser_reason(int status)
{
	switch (status) {
	case SSE_MORE:           return "more input needed";
	case SSE_EVENT:          return "event dispatched";
	case SSE_RETRY:          return "reconnection time set";
	case SSE_ERR_DATA_LIMIT: return "event data longer than the limit";
	case SSE_ERR_TYPE_LIMIT: return "event type longer than the limit";
	case SSE_ERR_ID_LIMIT:   return "event id longer than the limit";
	case SSE_ERR_NOMEM:      return "out of memory";
	}
	return "unknown status";
}
