/* crc32c.h -- CRC-32C (Castagnoli), the checksum of the journal's
 * records (paradigms/journal.h).
 *
 * A CRC detects the accidents a file meets: a torn write, a flipped bit,
 * a block of zeros where data should be.  It is no defence against
 * someone who edits the file on purpose (anyone can recompute it), and
 * needs none: the journal is ours, in our directory.  CRC-32C rather than
 * zlib's CRC-32 because its polynomial (Castagnoli 1993) catches more
 * errors in short messages, and because it is the one iSCSI, ext4's
 * metadata and SCTP use, so its check value is easy to confirm.
 *
 * The parameters, in the notation of Williams' "Painless Guide to CRC
 * Error Detection Algorithms": width 32, polynomial 0x1EDC6F41 (reflected:
 * 0x82F63B78), input and output reflected, initial value and final xor
 * 0xFFFFFFFF.  The CRC of the nine bytes "123456789" is 0xE3069283.
 *
 * Chaining: crc32c(0, ...) starts a fresh CRC, and
 *     crc32c(crc32c(0, a, n), b, m) == crc32c(0, a followed by b, n + m)
 * so a message may be checked in pieces.
 *
 * Read next: paradigms/journal.h.
 */
#ifndef PUSHPULL_UTIL_CRC32C_H
#define PUSHPULL_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CRC32C_CHECK 0xE3069283u        /* crc32c(0, "123456789", 9) */

/* Continues 'crc' (0 for a new one) over 'len' bytes at 'data' (which
 * may be NULL when len is 0). */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
