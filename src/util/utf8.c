/* utf8.c -- the WHATWG UTF-8 decoder as a byte-at-a-time state machine.
 * See utf8.h for who uses it and why it has this shape. */
#include "util/utf8.h"

void utf8_init(struct utf8_decoder *d)
{
	d->cp = 0;
	d->need = 0;
	d->lower = 0x80;
	d->upper = 0xBF;
}

int32_t utf8_decode_byte(struct utf8_decoder *d, uint8_t b)
{
	if (d->need == 0) {
		if (b < 0x80)
			return b;
		if (b >= 0xC2 && b <= 0xDF) {           /* C0, C1 would be overlong */
			d->need = 1;
			d->cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			if (b == 0xE0) d->lower = 0xA0; /* overlong below U+0800 */
			if (b == 0xED) d->upper = 0x9F; /* surrogates U+D800..DFFF */
			d->need = 2;
			d->cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			if (b == 0xF0) d->lower = 0x90; /* overlong below U+10000 */
			if (b == 0xF4) d->upper = 0x8F; /* above U+10FFFF */
			d->need = 3;
			d->cp = b & 0x07;
		} else {
			return UTF8_INVALID;            /* 80..C1, F5..FF */
		}
		return UTF8_MORE;
	}
	if (b < d->lower || b > d->upper) {
		utf8_init(d);
		return UTF8_INVALID_AGAIN;
	}
	d->lower = 0x80;
	d->upper = 0xBF;
	d->cp = (d->cp << 6) | (b & 0x3F);
	if (--d->need > 0)
		return UTF8_MORE;
	return (int32_t)d->cp;
}

size_t utf8_validate(struct utf8_decoder *d, const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (d->need == 0) {             /* fast path: a run of ASCII */
			while (i < n && s[i] < 0x80)
				i++;
			if (i == n)
				break;
		}
		if (utf8_decode_byte(d, s[i]) < UTF8_MORE)
			return i;
		i++;
	}
	return n;
}

bool utf8_is_valid(const uint8_t *s, size_t n)
{
	struct utf8_decoder d;
	utf8_init(&d);
	return utf8_validate(&d, s, n) == n && utf8_at_boundary(&d);
}

size_t utf8_encode(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}
