/* sse_text.h -- where plain text ends: the scan the writer and parser share.
 *
 * Both ends of an event stream spend their time looking for the next byte
 * that needs attention in a run of text: a CR or LF (a line ends) or a
 * byte of 0x80 or more (a multi-byte UTF-8 sequence to check or decode).
 * Everything else -- ASCII other than CR and LF -- is "plain" and passes
 * through untouched.
 *
 * Two versions of the one question.  sse_text_plain_bytewise() is the
 * definition, a byte at a time.  sse_text_plain() gives the same answer
 * eight bytes at a time with a word trick (see sse_text.c); it is several
 * times faster on the long ASCII runs that make up most payloads.
 * tests/test_sse_text.c checks that the two agree.
 *
 * Read next: sse_writer.h.
 */
#ifndef PUSHPULL_SSE_TEXT_H
#define PUSHPULL_SSE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The length of the longest prefix of 's' (n bytes) holding only bytes
 * below 0x80 other than CR and LF. */
size_t sse_text_plain(const uint8_t *s, size_t n);

/* The same answer, computed a byte at a time. */
size_t sse_text_plain_bytewise(const uint8_t *s, size_t n);

#endif
