/* http_target.h -- what a request asks for: path, query parameters, host.
 *
 * Helpers for the code behind the parser.  A server route wants the path
 * of "/poll?since=41&timeout=30000" and the number in 'since'; a
 * WebSocket or Host check wants "is this a valid host[:port]".  All of
 * them read slices and write only into buffers the caller passes.
 *
 * Sources: RFC 3986 §2.1 (percent-encoding), §3.2.2-3.2.3 (host, port),
 * §3.4 (query); RFC 9110 §7.2 (Host); RFC 9112 §3.2 (request targets);
 * the WHATWG URL Standard's application/x-www-form-urlencoded parser for
 * the "name=value&..." convention (where '+' means a space).
 *
 * Read next: http_server.h, where targets are routed.
 */
#ifndef PUSHPULL_HTTP_TARGET_H
#define PUSHPULL_HTTP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Splits an origin-form target "/a/b?x=1" at its first '?': the path is
 * "/a/b", the query "x=1".  Without a '?', *query is NULL and
 * *query_len 0.  No decoding: both are slices of 'target'. */
void http_target_split(const char *target, size_t len,
		       const char **path, size_t *path_len,
		       const char **query, size_t *query_len);

/* Splits an absolute-form target "http://h:8/p?q" (RFC 9112 §3.2.2)
 * after its scheme: *authority is "h:8", and *rest the path and query
 * that follow it, "/p?q" -- which may be empty ("http://h") or start at
 * its query ("http://h?q"): RFC 3986 §3.3, a path ends at '?'.  A URI
 * without "//" after its scheme ("mailto:a@b") has no authority:
 * *authority is NULL and *rest is all after the ':' (all of it, when
 * there is no ':' -- which a target the parser accepted always has). */
void http_target_absolute_split(const char *target, size_t len,
				const char **authority, size_t *authority_len,
				const char **rest, size_t *rest_len);

enum http_query_result {
	HTTP_QUERY_FOUND = 0,     /* decoded value in 'out' */
	HTTP_QUERY_MISSING,       /* no parameter of that name */
	HTTP_QUERY_BAD_ESCAPE,    /* '%' not followed by two hex digits */
	HTTP_QUERY_TOO_LONG       /* the decoded value does not fit 'cap' */
};

/* Looks up parameter 'name' in 'query' (the part after '?'; pairs
 * "name=value" separated by '&'; a pair without '=' has an empty value)
 * and writes its value, percent-decoded and with '+' read as a space,
 * into out[0..cap), setting *out_len.  Names are compared after the same
 * decoding, byte for byte (case matters).  The first match wins.  'out'
 * is not NUL-terminated.  O(len). */
enum http_query_result http_query_get(const char *query, size_t len,
				      const char *name,
				      char *out, size_t cap, size_t *out_len);

/* Percent-decodes s[0..n) into out[0..cap) (RFC 3986 §2.1; '+' becomes a
 * space when 'plus_is_space').  Returns the decoded length, or -1 for a
 * bad escape or when 'cap' is too small.  'out' may equal 's': decoding
 * never makes a string longer, so it can be done in place. */
ssize_t http_percent_decode(const char *s, size_t n, char *out, size_t cap,
			    bool plus_is_space);

/* Parses 1*DIGIT into *out.  False for an empty string, any other byte,
 * or a value above UINT64_MAX. */
bool http_parse_u64(const char *s, size_t n, uint64_t *out);

/* Which rule an authority ("host[:port]") must follow. */
enum http_authority_rule {
	HTTP_AUTHORITY_HOST_FIELD,  /* Host field: host may be empty, port optional */
	HTTP_AUTHORITY_URI,         /* http URI: host must not be empty (RFC 9110 §4.2.1) */
	HTTP_AUTHORITY_CONNECT      /* CONNECT target: host and port 1-65535 required
	                               (RFC 9110 §9.3.6) */
};

/* Checks uri-host [ ":" port ] (RFC 3986 §3.2.2): an IP-literal in
 * brackets (a full IPv6 address check, or IPvFuture), or a reg-name of
 * unreserved, sub-delims and %XX escapes (which covers IPv4 dotted
 * quads).  A port is digits; a non-empty one must be at most 65535.
 * No userinfo ("user@"): RFC 9110 §4.2.4 says to treat it as an error. */
bool http_authority_valid(const char *s, size_t n, enum http_authority_rule rule);

#endif
