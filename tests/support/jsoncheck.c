/* jsoncheck.c -- RFC 8259's grammar, by recursive descent; see jsoncheck.h. */
#include "support/jsoncheck.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DEPTH_MAX 64

struct in {
	const unsigned char *s;
	size_t n, at;
	char *why;
	size_t cap;
};

static bool fail(struct in *in, const char *what)
{
	snprintf(in->why, in->cap, "%s at offset %zu", what, in->at);
	return false;
}

static void ws(struct in *in)
{
	while (in->at < in->n && strchr(" \t\r\n", in->s[in->at]) && in->s[in->at])
		in->at++;
}

static bool lit(struct in *in, const char *word)
{
	size_t len = strlen(word);
	if (in->n - in->at < len || memcmp(in->s + in->at, word, len) != 0)
		return fail(in, "unknown literal");
	in->at += len;
	return true;
}

static bool digits(struct in *in)
{
	size_t start = in->at;
	while (in->at < in->n && in->s[in->at] >= '0' && in->s[in->at] <= '9')
		in->at++;
	return in->at > start;
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ) */
static bool number(struct in *in)
{
	if (in->s[in->at] == '-')
		in->at++;
	if (in->at < in->n && in->s[in->at] == '0')
		in->at++;
	else if (!digits(in))
		return fail(in, "a number without digits");
	if (in->at < in->n && in->s[in->at] == '.') {
		in->at++;
		if (!digits(in))
			return fail(in, "no digit after the decimal point");
	}
	if (in->at < in->n && (in->s[in->at] == 'e' || in->s[in->at] == 'E')) {
		in->at++;
		if (in->at < in->n && (in->s[in->at] == '+' || in->s[in->at] == '-'))
			in->at++;
		if (!digits(in))
			return fail(in, "no digit in the exponent");
	}
	return true;
}

/* One UTF-8 sequence (RFC 3629 §4), no surrogates, no overlong forms. */
static bool utf8(struct in *in)
{
	const unsigned char *p = in->s + in->at;
	size_t left = in->n - in->at, len;
	uint32_t cp;
	if (p[0] < 0x80)
		len = 1, cp = p[0];
	else if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07;
	else
		return fail(in, "a byte that starts no UTF-8 sequence");
	if (left < len)
		return fail(in, "a UTF-8 sequence cut short");
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return fail(in, "a UTF-8 sequence cut short");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(in, "an overlong or impossible UTF-8 sequence");
	in->at += len;
	return true;
}

static bool string(struct in *in)
{
	in->at++;                               /* the opening quote */
	while (in->at < in->n) {
		unsigned char c = in->s[in->at];
		if (c == '"') {
			in->at++;
			return true;
		}
		if (c < 0x20)
			return fail(in, "a control character in a string");
		if (c != '\\') {
			if (!utf8(in))
				return false;
			continue;
		}
		if (++in->at == in->n)
			break;
		c = in->s[in->at++];
		if (c == 'u') {
			for (int i = 0; i < 4; i++, in->at++)
				if (in->at == in->n || !strchr("0123456789abcdefABCDEF", in->s[in->at]) ||
				    !in->s[in->at])
					return fail(in, "\\u without four hex digits");
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return fail(in, "an escape RFC 8259 does not have");
		}
	}
	return fail(in, "a string without its closing quote");
}

static bool value(struct in *in, int depth);

/* An object or an array: 'close' ends it, 'keyed' members are "k": v. */
static bool members(struct in *in, int depth, char close, bool keyed)
{
	if (depth == DEPTH_MAX)
		return fail(in, "nested too deep for this checker");
	in->at++;
	ws(in);
	if (in->at < in->n && in->s[in->at] == (unsigned char)close) {
		in->at++;
		return true;
	}
	for (;;) {
		if (keyed) {
			if (in->at == in->n || in->s[in->at] != '"')
				return fail(in, "an object member without a string key");
			if (!string(in))
				return false;
			ws(in);
			if (in->at == in->n || in->s[in->at] != ':')
				return fail(in, "no ':' after a key");
			in->at++;
		}
		if (!value(in, depth + 1))
			return false;
		ws(in);
		if (in->at == in->n)
			return fail(in, "the text ends inside an object or array");
		if (in->s[in->at] == (unsigned char)close) {
			in->at++;
			return true;
		}
		if (in->s[in->at] != ',')
			return fail(in, "neither ',' nor the closing bracket");
		in->at++;
		ws(in);
	}
}

static bool value(struct in *in, int depth)
{
	ws(in);
	if (in->at == in->n)
		return fail(in, "a value is missing");
	switch (in->s[in->at]) {
	case '{': return members(in, depth, '}', true);
	case '[': return members(in, depth, ']', false);
	case '"': return string(in);
	case 't': return lit(in, "true");
	case 'f': return lit(in, "false");
	case 'n': return lit(in, "null");
	default:
		if (in->s[in->at] == '-' || (in->s[in->at] >= '0' && in->s[in->at] <= '9'))
			return number(in);
		return fail(in, "no value starts with this byte");
	}
}

bool jsoncheck(const char *s, size_t n, char *why, size_t cap)
{
	struct in in = { (const unsigned char *)s, n, 0, why, cap };
	if (!value(&in, 0))
		return false;
	ws(&in);
	if (in.at != n)
		return fail(&in, "more after the value");
	snprintf(why, cap, "ok");
	return true;
}
