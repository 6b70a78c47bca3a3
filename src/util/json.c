/* json.c -- JSON string escaping; see json.h.
 * One loop walks the input and emits pieces through 'emit', so the buffer
 * and stream versions cannot disagree. */
#include "util/json.h"
#include "util/utf8.h"

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

static void emit_u00(struct sink *k, uint8_t b)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[b >> 4], hex[b & 15] };
	emit(k, e, 6);
}

static void quote(struct sink *k, const uint8_t *s, size_t n)
{
	emit(k, "\"", 1);
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
			switch (b) {
			case '"':  emit(k, "\\\"", 2); break;
			case '\\': emit(k, "\\\\", 2); break;
			case '\n': emit(k, "\\n", 2); break;
			case '\r': emit(k, "\\r", 2); break;
			case '\t': emit(k, "\\t", 2); break;
			case '\b': emit(k, "\\b", 2); break;
			case '\f': emit(k, "\\f", 2); break;
			default:   emit_u00(k, b); break;
			}
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
		if (r >= 0) {
			emit(k, (const char *)s + i, j - i);
			i = j;
		} else {
			emit_u00(k, b);
			i++;
		}
	}
	emit(k, "\"", 1);
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
