/* ladder_label.c -- the names of things: what an HTTP request or answer
 * is called ("GET /score", "200 + events 3-5", "204 (nothing new)"), and
 * a segment's label, built while its bytes are fed: each message the
 * describer names is added, runs of numbered ones ("SSE id 5, 6, 7")
 * merged, and the whole cut to fit an arrow.
 *
 * Read next: ladder.c, the writers.
 */
#include "paradigms/ladder_private.h"
#include "http/http_fields.h"
#include "http/http_target.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char LADDER_G_SSE[] = "SSE id", LADDER_G_WS[] = "WS event";

/* Reports one message: to the caller's hook, then into the segment's
 * label, merged with the entry before it when both are of one group. */
void ladder__emit_msg(struct ladder_describer *d, bool to_server, const char *group,
		     uint64_t num, const char *text, bool cont)
{
	if (d->on_message)
		d->on_message(d->ud, to_server, text, cont);
	struct ladder_seg *s = d->seg;
	if (!s)
		return;
	struct seg_entry *last = s->n ? &s->e[s->n - 1] : NULL;
	if (group && last && last->group == group) {
		if (last->count < GROUP_SHOWN)
			last->num[last->count] = num;
		last->count++;
		last->last = num;
		return;
	}
	if (s->n == SEG_ENTRIES) {
		s->dropped++;
		return;
	}
	struct seg_entry *e = &s->e[s->n++];
	snprintf(e->text, sizeof e->text, "%s", text);
	e->group = group;
	e->num[0] = e->last = num;
	e->count = 1;
}

/* ladder__emit_msg() with printf formatting. */
void ladder__emit(struct ladder_describer *d, bool to_server, bool cont, const char *fmt, ...)
{
	char text[LADDER_WHAT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ladder__emit_msg(d, to_server, NULL, 0, text, cont);
}

/* A numbered message of a group: "SSE id 5". */
void ladder__emit_num(struct ladder_describer *d, bool to_server, const char *group, uint64_t num)
{
	char text[LADDER_WHAT_MAX];
	snprintf(text, sizeof text, "%s %llu", group, (unsigned long long)num);
	ladder__emit_msg(d, to_server, group, num, text, false);
}

void ladder__put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*len < cap ? out + *len : NULL, *len < cap ? cap - *len : 0, fmt, ap);
	va_end(ap);
	*len += n > 0 ? (size_t)n : 0;
}

static void entry_format(const struct seg_entry *e, char *out, size_t cap, size_t *len)
{
	if (!e->group || e->count == 1) {
		ladder__put(out, cap, len, "%s", e->text);
		return;
	}
	ladder__put(out, cap, len, "%s ", e->group);
	if (e->count > GROUP_SHOWN) {
		ladder__put(out, cap, len, "%llu-%llu (%zu)", (unsigned long long)e->num[0],
		    (unsigned long long)e->last, e->count);
		return;
	}
	for (size_t i = 0; i < e->count; i++)
		ladder__put(out, cap, len, "%s%llu", i ? ", " : "", (unsigned long long)e->num[i]);
}

/* The label: entries joined by ", ", cut with "..." when it is too long. */
size_t ladder__seg_format(const struct ladder_seg *s, char *out, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			ladder__put(out, cap, &len, ", ");
		entry_format(&s->e[i], out, cap, &len);
	}
	if (s->dropped)
		ladder__put(out, cap, &len, " +%zu more", s->dropped);
	if (len >= cap) {               /* cut: end with "..." where it fits */
		len = cap - 1;
		for (size_t i = 1; i <= 3 && i <= len; i++)
			out[len - i] = '.';
	}
	return len;
}

/* --- small readers -------------------------------------------------------- */

/* Copies s[0..n) as printable ASCII (others become '.'), at most cap-1
 * bytes and "..." when it is longer; NUL-terminated. */
void ladder__printable(char *out, size_t cap, const char *s, size_t n)
{
	size_t k = n < cap - 1 ? n : cap - 1;
	for (size_t i = 0; i < k; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7F ? s[i] : '.';
	out[k] = '\0';
	if (k < n && k >= 3)
		memcpy(out + k - 3, "...", 3);
}

/* The decimal number right after 'key' at s[0..n), if s starts with it. */
bool ladder__number_after(const char *s, size_t n, const char *key, uint64_t *v)
{
	size_t k = strlen(key), i = k;
	if (n < k || memcmp(s, key, k) != 0)
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > k && i - k <= 19 && http_parse_u64(s + k, i - k, v);
}

/* Where 'needle' first occurs in s[0..n) at or after 'from', or n. */
static size_t find(const char *s, size_t n, size_t from, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = from; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return i;
	return n;
}

enum req_kind ladder__request_kind(const struct http_request *r)
{
	const char *path, *query;
	size_t plen, qlen, n;
	char v[24];
	if (r->upgrade && http_token_list_has(r->upgrade, r->upgrade_len, "websocket"))
		return RQ_UPGRADE;
	if (http_slice_equals(r->method, r->method_len, "HEAD"))
		return RQ_HEAD;
	if (http_slice_equals(r->method, r->method_len, "POST"))
		return RQ_PUBLISH;
	if (!http_slice_equals(r->method, r->method_len, "GET"))
		return RQ_OTHER;
	http_target_split(r->target, r->target_len, &path, &plen, &query, &qlen);
	if (query && http_query_get(query, qlen, "since", v, sizeof v, &n) == HTTP_QUERY_FOUND)
		return RQ_LONG_POLL;
	return RQ_GET;
}

/* "GET /score?since=3&...": the path and the first query parameter. */
void ladder__request_label(char *out, size_t cap, const struct http_request *r, enum req_kind k)
{
	char method[12], target[36];
	size_t tlen = r->target_len, amp = find(r->target, r->target_len, 0, "&");
	bool more = amp < tlen;
	ladder__printable(method, sizeof method, r->method, r->method_len);
	ladder__printable(target, sizeof target, r->target, more ? amp : tlen);
	size_t len = 0;
	ladder__put(out, cap, &len, "%s %s%s", method, target, more ? "&..." : "");
	const struct http_header *id = http_header_find(r->headers, r->num_headers, "Last-Event-ID");
	if (k == RQ_UPGRADE)
		ladder__put(out, cap, &len, " upgrade");
	else if (id) {
		char v[16];
		ladder__printable(v, sizeof v, id->value, id->value_len);
		ladder__put(out, cap, &len, " (Last-Event-ID %s)", v);
	}
}

/* The events of a long-poll answer {"latest":L,"events":[...]}, after a
 * {"reset":{..."missed":M...}} notice when the client lost some:
 * each event object starts with {"seq":, which cannot occur inside a JSON
 * string (its quotes would be escaped), so counting them is reading them. */
static void long_poll_label(char *out, size_t cap, int status, const char *b, size_t n,
			    bool whole)
{
	uint64_t first = 0, last = 0, seq, missed = 0;
	size_t count = 0, len = 0;
	for (size_t i = find(b, n, 0, "{\"seq\":"); i < n; i = find(b, n, i + 1, "{\"seq\":")) {
		if (!ladder__number_after(b + i, n - i, "{\"seq\":", &seq))
			break;          /* its number was cut off */
		if (count++ == 0)
			first = seq;
		last = seq;
	}
	size_t m = find(b, n, 0, "\"missed\":");
	bool reset = find(b, n, 0, "\"reset\":") < n;
	if (m < n)
		ladder__number_after(b + m, n - m, "\"missed\":", &missed);
	if (!whole && count == 0)
		ladder__put(out, cap, &len, "%d + events ? (cut)", status);
	else if (!whole)
		ladder__put(out, cap, &len, "%d + events %llu.. (cut)", status, (unsigned long long)first);
	else if (count == 0)
		ladder__put(out, cap, &len, "%d + no events", status);
	else if (count == 1)
		ladder__put(out, cap, &len, "%d + event %llu", status, (unsigned long long)first);
	else if (last - first + 1 == count)
		ladder__put(out, cap, &len, "%d + events %llu-%llu", status, (unsigned long long)first,
		    (unsigned long long)last);
	else
		ladder__put(out, cap, &len, "%d + %zu events %llu..%llu", status, count,
		    (unsigned long long)first, (unsigned long long)last);
	if (whole && missed)
		ladder__put(out, cap, &len, ", reset: %llu missed", (unsigned long long)missed);
	else if (whole && reset)
		ladder__put(out, cap, &len, ", reset");
}

/* A JSON answer of the server: a long-poll batch, an event, a publish. */
static bool json_label(char *out, size_t cap, int status, enum req_kind k, const char *b,
		       size_t n, bool whole)
{
	uint64_t seq;
	if (n >= 10 && memcmp(b, "{\"latest\":", 10) == 0) {
		long_poll_label(out, cap, status, b, n, whole);
		return true;
	}
	if (!ladder__number_after(b, n, "{\"seq\":", &seq))
		return false;
	/* {"seq":N} alone answers a publish; with a type it is an event,
	 * which is what a GET asks for (a body cut short may hide the type). */
	bool event = find(b, n, 0, "\"type\":") < n || k == RQ_GET || !whole;
	if (k == RQ_PUBLISH)
		snprintf(out, cap, "%d published %llu", status, (unsigned long long)seq);
	else if (seq == 0)
		snprintf(out, cap, "%d (no event yet)", status);
	else if (event)
		snprintf(out, cap, "%d + event %llu", status, (unsigned long long)seq);
	else
		snprintf(out, cap, "%d seq %llu", status, (unsigned long long)seq);
	return true;
}

bool ladder__is_event_stream(const struct http_response *res)
{
	const struct http_header *ct = http_header_find(res->headers, res->num_headers,
							 "Content-Type");
	return ct && ct->value_len >= 17 && http_slice_equals(ct->value, 17, "text/event-stream");
}

/* Names an answer.  'body' holds its first 'n' bytes; 'whole' says they
 * are all of it. */
void ladder__response_label(struct ladder_describer *d, char *out, size_t cap,
			   const struct http_response *res, enum req_kind k,
			   const char *body, size_t n, bool whole)
{
	char reason[28];
	int st = res->status;
	ladder__printable(reason, sizeof reason, res->reason, res->reason_len);
	if (st == 204 && (k == RQ_LONG_POLL || (k == RQ_UNKNOWN && d->paradigm == PP_LONG_POLL)))
		snprintf(out, cap, "204 (nothing new)");
	else if (st >= 200 && st < 300 && ladder__is_event_stream(res))
		snprintf(out, cap, "%d event-stream", st);
	else if (st == 200 && json_label(out, cap, st, k, body, n, whole))
		return;
	else if (st == 200 && res->framing == HTTP_FRAMING_LENGTH)
		snprintf(out, cap, "200 %llu B", (unsigned long long)res->content_length);
	else
		snprintf(out, cap, "%d %s", st, reason);
}
