/* json.c -- JSON string escaping (RFC 8259 §7); see json.h.
 * One loop walks the input and emits pieces through 'emit', so the buffer
 * and stream versions cannot disagree. */
#include "util/json.h"
#include "util/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct sink {
	char *dst;
	size_t cap, len;        /* len counts everything, even past cap */
	FILE *out;
};

static void emit(struct sink *k, const char *p, size_t n)
{
	if (k->out) {
		fwrite(p, 1, n, k->out);
	} else if (k->len < k->cap) {
		size_t room = k->cap - k->len;
		memcpy(k->dst + k->len, p, n < room ? n : room);
	}
	k->len += n;
}

static void emit_char(struct sink *k, char c)
{
	emit(k, &c, 1);
}

/* The letter of a two-character escape (RFC 8259 §7: "\n" for LF), or 0
 * for a byte that needs "\uXXXX". */
static char escape_letter(uint8_t b)
{
	switch (b) {
	case '"':  return '"';
	case '\\': return '\\';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	case '\b': return 'b';
	case '\f': return 'f';
	}
	return 0;
}

/* "\uXXXX", for a code point below 0x10000. */
static void emit_u(struct sink *k, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15],
		      hex[cp & 15] };
	emit(k, e, sizeof e);
}

static void quote(struct sink *k, const uint8_t *s, size_t n)
{
	emit_char(k, '"');
	size_t i = 0;
	while (i < n) {
		uint8_t b = s[i];
		if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
			size_t j = i;   /* copy a run of plain ASCII at once */
			while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\')
				j++;
			emit(k, (const char *)s + i, j - i);
			i = j;
			continue;
		}
		if (b < 0x80) {
			char e[2] = { '\\', escape_letter(b) };
			if (e[1])
				emit(k, e, sizeof e);
			else
				emit_u(k, b);
			i++;
			continue;
		}
		/* A multi-byte sequence: copy it if it decodes, else escape one byte. */
		struct utf8_decoder d;
		utf8_init(&d);
		size_t j = i;
		int32_t r = UTF8_MORE;
		while (j < n && r == UTF8_MORE)
			r = utf8_decode_byte(&d, s[j++]);
		if (r == 0x85 || r == 0x2028 || r == 0x2029) {
			emit_u(k, (unsigned)r);         /* line ends to some readers */
			i = j;
		} else if (r >= 0) {
			emit(k, (const char *)s + i, j - i);
			i = j;
		} else {
			emit_u(k, 0xdc00u | b);         /* not UTF-8: surrogateescape */
			i++;
		}
	}
	emit_char(k, '"');
}

size_t json_quote(char *dst, size_t cap, const void *s, size_t n)
{
	struct sink k = { dst, cap, 0, NULL };
	quote(&k, s, n);
	if (cap > 0)
		dst[k.len < cap ? k.len : cap - 1] = '\0';
	return k.len;
}

void json_fput(FILE *out, const void *s, size_t n)
{
	struct sink k = { NULL, 0, 0, out };
	quote(&k, s, n);
}

/* --- reading ------------------------------------------------------------ */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The end of the value starting at s[i], or (size_t)-1. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return (size_t)-1;
	if (s[i] == '"') {
		for (i++; i < n; i++) {
			if (s[i] == '\\')
				i++;                    /* the escaped byte */
			else if (s[i] == '"')
				return i + 1;
		}
		return (size_t)-1;
	}
	if (s[i] == '{' || s[i] == '[') {
		int depth = 0;
		for (; i < n; i++) {
			if (s[i] == '"') {
				size_t e = skip_value(s, n, i);
				if (e == (size_t)-1)
					return e;
				i = e - 1;
			} else if (s[i] == '{' || s[i] == '[') {
				depth++;
			} else if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
				return i + 1;
			}
		}
		return (size_t)-1;
	}
	size_t start = i;                       /* number, true, false, null */
	while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
	       s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
		i++;
	return i > start ? i : (size_t)-1;
}

const char *json_get(const char *s, size_t n, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	size_t i = skip_ws(s, n, 0);
	if (i >= n || s[i] != '{')
		return NULL;
	i = skip_ws(s, n, i + 1);
	while (i < n && s[i] == '"') {
		size_t kend = skip_value(s, n, i);
		if (kend == (size_t)-1)
			return NULL;
		bool match = kend - i - 2 == klen && memcmp(s + i + 1, key, klen) == 0;
		i = skip_ws(s, n, kend);
		if (i >= n || s[i] != ':')
			return NULL;
		i = skip_ws(s, n, i + 1);
		size_t vend = skip_value(s, n, i);
		if (vend == (size_t)-1)
			return NULL;
		if (match) {
			*vlen = vend - i;
			return s + i;
		}
		i = skip_ws(s, n, vend);
		if (i < n && s[i] == ',')
			i = skip_ws(s, n, i + 1);
	}
	return NULL;
}

int json_array_next(const char *arr, size_t n, size_t *pos, const char **el, size_t *elen)
{
	size_t i = *pos;
	if (i == 0) {
		i = skip_ws(arr, n, 0);
		if (i >= n || arr[i] != '[')
			return -1;
		i++;
	}
	i = skip_ws(arr, n, i);
	if (i < n && arr[i] == ',')
		i = skip_ws(arr, n, i + 1);
	if (i < n && arr[i] == ']') {
		*pos = i;
		return 0;
	}
	size_t end = skip_value(arr, n, i);
	if (end == (size_t)-1)
		return -1;
	*el = arr + i;
	*elen = end - i;
	*pos = end;
	return 1;
}

int json_u64(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return 0;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 1;
}
