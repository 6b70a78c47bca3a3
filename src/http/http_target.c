/* http_target.c -- request targets, query parameters, hosts; see
 * http_target.h.
 *
 * Everything here is a single left-to-right pass over a slice, with no
 * allocation.  The host check is the one piece with real grammar in it
 * (RFC 3986 §3.2.2), so it is written out rule by rule at the end.
 */
#include "http/http_target.h"
#include "http/http_chars.h"

#include <string.h>

void http_target_split(const char *target, size_t len,
		       const char **path, size_t *path_len,
		       const char **query, size_t *query_len)
{
	const char *q = memchr(target, '?', len);

	*path = target;
	*path_len = q ? (size_t)(q - target) : len;
	*query = q ? q + 1 : NULL;
	*query_len = q ? len - *path_len - 1 : 0;
}

void http_target_absolute_split(const char *target, size_t len,
				const char **authority, size_t *authority_len,
				const char **rest, size_t *rest_len)
{
	const char *end = target + len;
	const char *colon = memchr(target, ':', len);
	const char *r = colon ? colon + 1 : target;

	*authority = NULL;
	*authority_len = 0;
	if (end - r >= 2 && r[0] == '/' && r[1] == '/') {
		const char *a = r + 2;
		r = a;
		while (r < end && *r != '/' && *r != '?')
			r++;
		*authority = a;
		*authority_len = (size_t)(r - a);
	}
	*rest = r;
	*rest_len = (size_t)(end - r);
}

/* Decodes one character at s[*i], advancing *i.  Returns the byte, or -1
 * for a '%' without two hex digits after it. */
static int decode_one(const char *s, size_t n, size_t *i, bool plus_is_space)
{
	unsigned char c = (unsigned char)s[*i];

	if (c == '%') {
		if (n - *i < 3 || !http_ch((unsigned char)s[*i + 1], HTTP_CH_HEX) ||
		    !http_ch((unsigned char)s[*i + 2], HTTP_CH_HEX))
			return -1;
		c = (unsigned char)(http_hex_value((unsigned char)s[*i + 1]) * 16 +
				    http_hex_value((unsigned char)s[*i + 2]));
		*i += 3;
		return c;
	}
	*i += 1;
	return (c == '+' && plus_is_space) ? ' ' : c;
}

ssize_t http_percent_decode(const char *s, size_t n, char *out, size_t cap,
			    bool plus_is_space)
{
	size_t i = 0, o = 0;

	while (i < n) {
		int c = decode_one(s, n, &i, plus_is_space);
		if (c < 0 || o == cap)
			return -1;
		out[o++] = (char)c;   /* o < i always, so in-place is safe */
	}
	return (ssize_t)o;
}

/* Does the encoded key s[0..n) decode to exactly 'name'?  A bad escape
 * never matches. */
static bool key_matches(const char *s, size_t n, const char *name)
{
	size_t i = 0, k = 0;

	while (i < n) {
		int c = decode_one(s, n, &i, true);
		if (c < 0 || name[k] == '\0' || (unsigned char)name[k] != c)
			return false;
		k++;
	}
	return name[k] == '\0';
}

enum http_query_result http_query_get(const char *query, size_t len,
				      const char *name,
				      char *out, size_t cap, size_t *out_len)
{
	size_t i = 0;

	while (i < len) {
		const char *pair = query + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t pair_len = amp ? (size_t)(amp - pair) : len - i;
		const char *eq = memchr(pair, '=', pair_len);
		size_t key_len = eq ? (size_t)(eq - pair) : pair_len;

		if (key_matches(pair, key_len, name)) {
			const char *v = eq ? eq + 1 : pair + pair_len;
			size_t vlen = (size_t)(pair + pair_len - v);
			size_t j = 0, o = 0;
			while (j < vlen) {
				int c = decode_one(v, vlen, &j, true);
				if (c < 0)
					return HTTP_QUERY_BAD_ESCAPE;
				if (o == cap)
					return HTTP_QUERY_TOO_LONG;
				out[o++] = (char)c;
			}
			*out_len = o;
			return HTTP_QUERY_FOUND;
		}
		i += pair_len + 1;      /* past the '&' */
	}
	return HTTP_QUERY_MISSING;
}

bool http_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* --- hosts: RFC 3986 §3.2.2 ---------------------------------------------- */

/* dec-octet = "0" / 1-9 / 10-99 / 100-199 / 200-249 / 250-255: no leading
 * zeros, at most 255. */
static bool dec_octet(const char *s, size_t n)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 255;
}

/* IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet */
static bool ipv4_valid(const char *s, size_t n)
{
	size_t start = 0, dots = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!dec_octet(s + start, i - start))
				return false;
			dots += i < n;
			start = i + 1;
		}
	}
	return dots == 3;
}

/* IPv6address: eight groups of 1-4 hex digits separated by ':', where
 * one "::" stands for one or more zero groups and the last two groups
 * may be written as an IPv4 address. */
static bool ipv6_valid(const char *s, size_t n)
{
	size_t i = 0, groups = 0;
	bool elided = false;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		elided = true;
		i = 2;
	}
	while (i < n) {
		size_t j = i;
		while (j < n && j - i < 5 && http_ch((unsigned char)s[j], HTTP_CH_HEX))
			j++;
		if (j < n && s[j] == '.') {            /* ls32 as an IPv4 address */
			if (!ipv4_valid(s + i, n - i))
				return false;
			groups += 2;
			break;
		}
		if (j == i || j - i > 4)
			return false;
		groups++;
		if (j == n)
			break;
		if (s[j] != ':' || j + 1 == n)         /* a lone trailing ':' */
			return false;
		i = j + 1;
		if (s[i] == ':') {
			if (elided)
				return false;                  /* "::" only once */
			elided = true;
			i++;
		}
	}
	return elided ? groups <= 7 : groups == 8;
}

/* IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
static bool ipvfuture_valid(const char *s, size_t n)
{
	size_t i = 1;

	if (n < 4 || (s[0] != 'v' && s[0] != 'V'))
		return false;
	while (i < n && http_ch((unsigned char)s[i], HTTP_CH_HEX))
		i++;
	if (i == 1 || i == n || s[i] != '.' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (!http_ch((unsigned char)s[i], HTTP_CH_REG) && s[i] != ':')
			return false;
	return true;
}

/* reg-name = *( unreserved / pct-encoded / sub-delims ).  Returns the
 * index of the first byte of s[0..n) that cannot continue one. */
static size_t reg_name_end(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (http_ch((unsigned char)s[i], HTTP_CH_REG))
			i++;
		else if (s[i] == '%' && n - i >= 3 &&
			 http_ch((unsigned char)s[i + 1], HTTP_CH_HEX) &&
			 http_ch((unsigned char)s[i + 2], HTTP_CH_HEX))
			i += 3;
		else
			break;
	}
	return i;
}

bool http_authority_valid(const char *s, size_t n, enum http_authority_rule rule)
{
	size_t host_len;

	if (n > 0 && s[0] == '[') {                 /* IP-literal */
		const char *close = memchr(s, ']', n);
		if (close == NULL)
			return false;
		host_len = (size_t)(close - s) + 1;
		const char *in = s + 1;
		size_t in_len = host_len - 2;
		if (!ipv6_valid(in, in_len) && !ipvfuture_valid(in, in_len))
			return false;
	} else {
		host_len = reg_name_end(s, n);  /* then the end, or ":" and a port */
	}
	if (host_len == 0 && rule != HTTP_AUTHORITY_HOST_FIELD)
		return false;
	if (host_len == n)                          /* no port */
		return rule != HTTP_AUTHORITY_CONNECT;
	if (s[host_len] != ':')
		return false;                           /* "[::1]x", "h<st" */

	const char *port = s + host_len + 1;
	size_t port_len = n - host_len - 1;
	uint64_t v;
	if (port_len == 0)
		return rule != HTTP_AUTHORITY_CONNECT;  /* port = *DIGIT */
	if (port_len > 5 || !http_parse_u64(port, port_len, &v) || v > 65535)
		return false;
	return rule != HTTP_AUTHORITY_CONNECT || v > 0;
}
