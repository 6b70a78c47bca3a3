/* base64.h -- base64 (RFC 4648 §4): encode, and a strict decode.
 *
 * The WebSocket handshake carries two base64 values: the client's 16-byte
 * Sec-WebSocket-Key and the server's 20-byte Sec-WebSocket-Accept
 * (RFC 6455 §4.1, §4.2.2).  Both are short, so these functions favour
 * plainness over speed.
 *
 * Decoding is strict, because a handshake value that is not canonical
 * base64 is a malformed request, not something to repair:
 *   - only the §4 alphabet (A-Z a-z 0-9 + /); no whitespace, no line breaks,
 *     no URL-safe alphabet (§5);
 *   - the length is a multiple of 4 and padding is required (§3.2);
 *   - '=' appears only as the last one or two characters;
 *   - the bits that padding leaves unused must be zero (§3.5: a decoder
 *     MAY reject them; we do, so every byte string has exactly one
 *     accepted spelling).
 *
 * Read next: ws_handshake.h.
 */
#ifndef PUSHPULL_WS_BASE64_H
#define PUSHPULL_WS_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode 'n' bytes (no NUL counted). */
#define BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* Most bytes that 'n' characters can decode to. */
#define BASE64_DECODED_MAX(n) (((n) / 4) * 3)

/* Writes BASE64_ENCODED_LEN(n) characters to 'dst' (no NUL is written)
 * and returns that count. */
size_t base64_encode(char *dst, const void *src, size_t n);

#define BASE64_INVALID ((size_t)-1)

/* Decodes 'n' characters into 'dst' (capacity 'cap').  Returns the number
 * of bytes written, or BASE64_INVALID if the text is not strict base64 as
 * described above or the result would not fit in 'cap'. */
size_t base64_decode(uint8_t *dst, size_t cap, const char *src, size_t n);

#endif
