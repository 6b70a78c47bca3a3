/* utf8.h -- UTF-8 (RFC 3629) decoding one byte at a time.
 *
 * One small state machine serves two masters:
 *   - WebSocket text frames and close reasons must be *validated*, with the
 *     state carried across fragment boundaries and the failure reported at
 *     the first byte that cannot start or continue a valid sequence
 *     (RFC 6455 §8.1: fail fast);
 *   - an event stream must be *decoded*, each invalid sequence becoming one
 *     U+FFFD REPLACEMENT CHARACTER, exactly as the WHATWG Encoding
 *     Standard's "UTF-8 decoder" does (the HTML event-stream rules use it).
 *
 * The machine is the WHATWG one: each lead byte narrows the range allowed
 * for the next byte, which is how overlong forms (C0, C1, E0 80..9F,
 * F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF
 * (F4 90.., F5..FF) are refused at the earliest possible byte.
 */
#ifndef PUSHPULL_UTIL_UTF8_H
#define PUSHPULL_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct utf8_decoder {
	uint32_t cp;            /* code point being assembled */
	uint8_t need;           /* continuation bytes still expected */
	uint8_t lower, upper;   /* range allowed for the next continuation byte */
};

enum {
	UTF8_MORE = -1,         /* byte accepted, sequence not finished */
	UTF8_INVALID = -2,      /* byte cannot start a sequence: it is consumed */
	UTF8_INVALID_AGAIN = -3 /* sequence broken by this byte: the sequence so
	                           far is one error, then feed this byte again */
};

#define UTF8_REPLACEMENT 0xFFFDu

void utf8_init(struct utf8_decoder *d);

/* Feeds one byte: returns a code point (>= 0) or one of the codes above. */
int32_t utf8_decode_byte(struct utf8_decoder *d, uint8_t b);

/* True when no sequence is half-finished (a message may end here). */
static inline bool utf8_at_boundary(const struct utf8_decoder *d) { return d->need == 0; }

/* Validates 'n' more bytes, continuing from the state in 'd'.  Returns the
 * offset of the first invalid byte, or 'n' when all are acceptable so far
 * (the last sequence may still be open: check utf8_at_boundary at the end). */
size_t utf8_validate(struct utf8_decoder *d, const uint8_t *s, size_t n);

/* Whole-buffer check: valid and complete. */
bool utf8_is_valid(const uint8_t *s, size_t n);

/* Writes code point 'cp' (<= 0x10FFFF) as UTF-8 into 'out'; returns 1..4. */
size_t utf8_encode(uint32_t cp, uint8_t out[4]);

#endif
