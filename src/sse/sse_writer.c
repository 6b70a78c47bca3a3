/* sse_writer.c -- formatting the WHATWG HTML §9.2.5 event-stream format.
 *
 * sse_writer.h holds the contract and says what goes on the wire.  Every
 * function here writes through one small sink that either copies into the
 * caller's buffer or only counts, so a *_size function and its writer run
 * the same code and cannot disagree (util/json.c does the same).
 */
#include "sse/sse_writer.h"
#include "sse/sse_text.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <string.h>

/* Where formatted bytes go.  'len' counts everything, even past 'cap'. */
struct out {
	char *dst;
	size_t cap, len;
	bool count_only;        /* a *_size call: nothing is written */
};

static void put(struct out *o, const void *s, size_t n)
{
	if (!o->count_only && n > 0 && o->len <= o->cap && n <= o->cap - o->len)
		memcpy(o->dst + o->len, s, n);
	o->len += n;
}

static void put_char(struct out *o, char c)
{
	put(o, &c, 1);
}

static ssize_t out_result(const struct out *o)
{
	if (!o->count_only && o->len > o->cap)
		return SSE_WRITE_NOSPACE;
	return (ssize_t)o->len;
}

/* "name: value\n", or "name:\n" for an empty value. */
static void put_field(struct out *o, const char *name, const void *v, size_t n)
{
	put(o, name, strlen(name));
	put_char(o, ':');
	if (n > 0) {
		put_char(o, ' ');
		put(o, v, n);
	}
	put_char(o, '\n');
}

/* Whether 's' can be the value of one line: 'bad' if it holds CR or LF
 * (or NUL, unless 'nul_ok'), SSE_WRITE_BAD_UTF8 if it is not UTF-8, or 0. */
static int check_line(const char *s, size_t n, bool nul_ok, int bad)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || (s[i] == '\0' && !nul_ok))
			return bad;
	return utf8_is_valid((const uint8_t *)s, n) ? 0 : SSE_WRITE_BAD_UTF8;
}

/* The payload, split into "data" lines at CRLF, CR and LF, and checked
 * for UTF-8 in the same pass: runs of ASCII are skipped by sse_text_plain,
 * and each multi-byte sequence must be whole and valid.  A CR or LF
 * inside a sequence is caught there too, as the decoder's error. */
static int put_data(struct out *o, const uint8_t *s, size_t n)
{
	size_t start = 0, i = 0;
	for (;;) {
		i += sse_text_plain(s + i, n - i);
		if (i < n && s[i] >= 0x80) {
			struct utf8_decoder d;
			utf8_init(&d);
			int32_t c = UTF8_MORE;
			while (i < n && c == UTF8_MORE)
				c = utf8_decode_byte(&d, s[i++]);
			if (c < 0)              /* invalid, or cut short by the end */
				return SSE_WRITE_BAD_UTF8;
			continue;
		}
		put_field(o, "data", s + start, i - start);
		if (i == n)             /* also after a final break: "data:" */
			return 0;
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;            /* CRLF is one break */
		start = ++i;
	}
}

static ssize_t format_event(struct out *o, const struct sse_msg *m)
{
	int r;
	if (m->id && (r = check_line(m->id, m->id_len, false, SSE_WRITE_BAD_ID)))
		return r;
	if (m->type && (r = check_line(m->type, m->type_len, true, SSE_WRITE_BAD_TYPE)))
		return r;
	if (m->id)
		put_field(o, "id", m->id, m->id_len);
	if (m->type)
		put_field(o, "event", m->type, m->type_len);
	r = put_data(o, m->data_len ? m->data : (const void *)"", m->data_len);
	if (r < 0)
		return r;
	put_char(o, '\n');              /* the blank line: dispatch */
	return out_result(o);
}

ssize_t sse_write_event(char *dst, size_t cap, const struct sse_msg *m)
{
	struct out o = { dst, cap, 0, false };
	return format_event(&o, m);
}

ssize_t sse_event_size(const struct sse_msg *m)
{
	struct out o = { NULL, 0, 0, true };
	return format_event(&o, m);
}

/* 'v' in decimal into 'buf' (at least 20 bytes); returns the length. */
static size_t u64_dec(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static struct sse_msg feed_msg(const char *id, size_t id_len, const char *type,
			       size_t type_len, const void *payload, size_t len)
{
	return (struct sse_msg){
		.id = id, .id_len = id_len,
		.type = type_len ? type : NULL, .type_len = type_len,
		.data = payload, .data_len = len,
	};
}

ssize_t sse_write_feed_event(char *dst, size_t cap, const char *id, size_t id_len,
			     const char *type, size_t type_len,
			     const void *payload, size_t len)
{
	struct sse_msg m = feed_msg(id, id_len, type, type_len, payload, len);
	return sse_write_event(dst, cap, &m);
}

ssize_t sse_feed_event_size(const char *id, size_t id_len, const char *type, size_t type_len,
			    const void *payload, size_t len)
{
	struct sse_msg m = feed_msg(id, id_len, type, type_len, payload, len);
	return sse_event_size(&m);
}

ssize_t sse_write_retry(char *dst, size_t cap, uint64_t ms)
{
	char digits[20];
	struct out o = { dst, cap, 0, false };
	put_field(&o, "retry", digits, u64_dec(digits, ms));
	return out_result(&o);
}

ssize_t sse_write_comment(char *dst, size_t cap, const char *text, size_t len)
{
	int r = check_line(text, len, true, SSE_WRITE_BAD_TEXT);
	if (r)
		return r;
	struct out o = { dst, cap, 0, false };
	put_char(&o, ':');              /* a line starting with ':' (§9.2.6) */
	if (len > 0) {
		put_char(&o, ' ');
		put(&o, text, len);
	}
	put_char(&o, '\n');
	return out_result(&o);
}

const char *sse_write_reason(ssize_t code)
{
	switch (code) {
	case SSE_WRITE_NOSPACE:  return "buffer too small";
	case SSE_WRITE_BAD_ID:   return "id holds CR, LF or NUL";
	case SSE_WRITE_BAD_TYPE: return "event type holds CR or LF";
	case SSE_WRITE_BAD_TEXT: return "comment holds CR or LF";
	case SSE_WRITE_BAD_UTF8: return "text is not UTF-8";
	}
	return code >= 0 ? "ok" : "unknown code";
}
