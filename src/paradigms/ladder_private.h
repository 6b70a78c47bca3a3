/* ladder_private.h -- private to ladder_describe.c and ladder.c. */
#ifndef PUSHPULL_PARADIGMS_LADDER_PRIVATE_H
#define PUSHPULL_PARADIGMS_LADDER_PRIVATE_H

#include "paradigms/ladder.h"

#include <stdbool.h>
#include <stdint.h>

/* --- a segment's label (ladder_label.c) ------------------------------------ */

#define SEG_ENTRIES 6           /* distinct items in one label; more: "+N more" */
#define GROUP_SHOWN 3           /* numbers listed in a merged run before "a-b (n)" */

/* One item of a label: a message, or a run of numbered ones ("SSE id"). */
struct seg_entry {
	char text[LADDER_WHAT_MAX];
	const char *group;      /* static prefix of a numbered message, or NULL */
	uint64_t num[GROUP_SHOWN], last;
	size_t count;
};

struct ladder_seg {
	struct seg_entry e[SEG_ENTRIES];
	size_t n, dropped;
};

/* The groups whose numbered messages merge into runs. */
extern const char LADDER_G_SSE[], LADDER_G_WS[];

/* Reports one message: to the caller's hook, then into the segment's
 * label, merged with the entry before it when both are of one group. */
void ladder__emit_msg(struct ladder_describer *d, bool to_server, const char *group,
		      uint64_t num, const char *text, bool cont);
/* ladder__emit_msg() with printf formatting, no group. */
__attribute__((format(printf, 4, 5)))
void ladder__emit(struct ladder_describer *d, bool to_server, bool cont, const char *fmt, ...);
/* A numbered message of a group: "SSE id 5". */
void ladder__emit_num(struct ladder_describer *d, bool to_server, const char *group,
		      uint64_t num);
/* The label: entries joined by ", ", cut with "..." when it is too long. */
size_t ladder__seg_format(const struct ladder_seg *s, char *out, size_t cap);

/* --- naming HTTP messages (ladder_label.c) --------------------------------- */

/* What a request asked for: it decides how its answer is named. */
enum req_kind { RQ_UNKNOWN, RQ_GET, RQ_LONG_POLL, RQ_PUBLISH, RQ_UPGRADE, RQ_HEAD, RQ_OTHER };

/* Copies s[0..n) as printable ASCII (others become '.'), at most cap-1
 * bytes and "..." when it is longer; NUL-terminated. */
void ladder__printable(char *out, size_t cap, const char *s, size_t n);
/* The decimal number right after 'key' at s[0..n), if s starts with it. */
bool ladder__number_after(const char *s, size_t n, const char *key, uint64_t *v);
enum req_kind ladder__request_kind(const struct http_request *r);
/* "GET /score", "POST /publish", "GET /events (Last-Event-ID 4)" ... */
void ladder__request_label(char *out, size_t cap, const struct http_request *r, enum req_kind k);
bool ladder__is_event_stream(const struct http_response *res);
/* "200 + event 3", "204 (nothing new)", "101 Switching Protocols" ...; 'body'
 * holds the first 'n' bytes of the body ('whole': all of it). */
void ladder__response_label(struct ladder_describer *d, char *out, size_t cap,
			    const struct http_response *res, enum req_kind k,
			    const char *body, size_t n, bool whole);

/* Appends to out[0..cap) at *len, as snprintf would; *len may pass cap. */
__attribute__((format(printf, 4, 5)))
void ladder__put(char *out, size_t cap, size_t *len, const char *fmt, ...);

#endif
