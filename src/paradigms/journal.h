/* journal.h -- the feed on disk: an append-only log of published events,
 * so that a restart continues the same epoch and ids, and a client that
 * resumes across it loses nothing.
 *
 * Every event is written (write(2)) before its publish is acknowledged or
 * any subscriber hears of it (feed.h, struct feed_store).  When it also
 * reaches the disk is the fsync policy:
 *   always  fdatasync before every acknowledgement: nothing acknowledged
 *           is lost even if the machine loses power; one disk flush per
 *           event, so the publish rate is the disk's flush rate.
 *   batch   (the default) fdatasync at most JOURNAL_BATCH_MS after a
 *           write: a killed process loses nothing (the kernel holds what
 *           was written), a power cut loses at most the last interval --
 *           and then the epoch changes (below), so no client is misled.
 *   never   the kernel flushes when it likes; a killed process still
 *           loses nothing.
 *
 * The file (integers little-endian; crc32c as in util/crc32c.h):
 *
 *   header, JOURNAL_HEADER_SIZE (32) bytes:
 *     0  "PPJOURN1"
 *     8  u64 epoch
 *    16  u64 boot       a hash of the kernel's boot id when last opened
 *    24  u32 flags      JOURNAL_CLEAN: closed cleanly, everything synced;
 *                       JOURNAL_SYNCED: written with fsync always
 *    28  u32 crc32c of bytes 0..27
 *
 *   record, JOURNAL_RECORD_HEAD (24) bytes then the body:
 *     0  u32 magic      JOURNAL_RECORD_MAGIC
 *     4  u32 body_len   1 + type_len + data_len
 *     8  u64 seq        the previous record's seq + 1
 *    16  u32 crc32c of the body
 *    20  u32 crc32c of bytes 0..19 of this head
 *     body: u8 type_len, the type (a feed_type_valid token), the data
 *           (at most FEED_EVENT_MAX bytes)
 *
 * Reading it back (journal_scan) ends in one of:
 *   whole    every byte belongs to a valid record;
 *   torn     the file ends inside the last record (a crash mid-write), or
 *            everything after the last valid record is zero bytes (a
 *            file extended but never written): the tail is cut off, and
 *            the records before it keep their ids and epoch;
 *   corrupt  a record whose head or body fails its checksum, whose body
 *            does not parse, or whose seq does not follow: it and every
 *            record after it are never delivered, and continuity is
 *            broken -- a new epoch (the file is kept beside as
 *            FILE.corrupt, and rewritten from the good records);
 *   not ours the file does not start with the magic: refused, never
 *            overwritten.
 * The epoch also changes when the machine rebooted since the journal was
 * last open, unless it was closed cleanly or written with fsync always:
 * the tail may then have been lost with the page cache, and seqs written
 * again would mean other events than the ones clients hold.
 *
 * Bounded: when the file holds more than twice as many records or bytes
 * as the feed's history can, it is rewritten from the history (a new file
 * beside it, synced, renamed over it), so it stays within about twice the
 * history whatever the number of events ever published.
 *
 * Read next: redis_feed.h (the feed shared by several servers), then hub.h.
 */
#ifndef PUSHPULL_PARADIGMS_JOURNAL_H
#define PUSHPULL_PARADIGMS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/loop.h"
#include "paradigms/feed.h"

#define JOURNAL_MAGIC          "PPJOURN1"
#define JOURNAL_HEADER_SIZE    32
#define JOURNAL_RECORD_MAGIC   0x524a5050u     /* "PPJR" as stored */
#define JOURNAL_RECORD_HEAD    24
#define JOURNAL_CLEAN          1u
#define JOURNAL_SYNCED         2u
#define JOURNAL_BATCH_MS       50

/* --- the format, without any I/O ------------------------------------------ */

struct journal_header {
	uint64_t epoch, boot;
	uint32_t flags;
};

struct journal_record {
	uint64_t seq;
	const char *type;
	size_t type_len;
	const uint8_t *data;
	size_t len;
};

/* Writes the header's JOURNAL_HEADER_SIZE bytes into 'dst'. */
void journal_header_encode(uint8_t *dst, const struct journal_header *h);
/* The bytes one record takes, and writes them into 'dst' (that many). */
size_t journal_record_size(size_t type_len, size_t len);
size_t journal_record_encode(uint8_t *dst, const struct journal_record *r);

enum journal_status {
	JOURNAL_EMPTY,          /* no bytes: a new journal */
	JOURNAL_WHOLE,
	JOURNAL_TORN,
	JOURNAL_CORRUPT,
	JOURNAL_NOT_OURS,
};

struct journal_scan {
	enum journal_status status;
	bool has_header;                /* 'header' was read (whole, torn, corrupt) */
	struct journal_header header;
	size_t good_len;                /* bytes of the header and the valid records */
	uint64_t records;               /* valid records, each handed to 'fn' */
	uint64_t first_seq, last_seq;   /* of the valid records (0 if none) */
	char why[128];                  /* what was wrong and where (torn, corrupt, not ours) */
};

/* Called with each valid record, in order.  A non-zero return stops the
 * scan there (reported as corrupt, with the reason "refused"). */
typedef int journal_record_fn(void *ud, const struct journal_record *r);

/* Reads a journal's bytes.  Never reads outside buf[0..len). */
void journal_scan(const uint8_t *buf, size_t len, journal_record_fn *fn, void *ud,
		  struct journal_scan *out);

const char *journal_status_name(enum journal_status s);  /* "empty", "whole", ... */

/* --- the file -------------------------------------------------------------- */

enum journal_fsync { JOURNAL_FSYNC_BATCH = 0, JOURNAL_FSYNC_ALWAYS, JOURNAL_FSYNC_NEVER };

/* "always", "batch", "never"; false for anything else. */
bool journal_fsync_parse(const char *s, enum journal_fsync *mode);

struct journal_report {
	struct journal_scan scan;       /* what the file held */
	uint64_t epoch;                 /* the feed's epoch from now on */
	bool new_epoch;                 /* continuity was broken (or the journal is new) */
	bool rebooted;                  /* a new epoch because of a reboot */
	size_t cut_bytes;               /* dropped from the end (torn or corrupt) */
};

struct journal;

/* Opens (creating if missing, mode 0600) the journal at 'path', puts its
 * events back into 'f' (which must be empty) with feed_restore, sets the
 * feed's epoch as above, and becomes the feed's store.  NULL with errno
 * set and 'rep->scan.why' saying why (EINVAL: not ours; an I/O errno). */
struct journal *journal_open(struct net_loop *loop, const char *path, enum journal_fsync mode,
			     struct feed *f, struct journal_report *rep);

/* Makes everything written durable now (fdatasync). 0 or -1. */
int journal_sync(struct journal *j);

/* Syncs, marks the journal closed cleanly, stops being the feed's store,
 * and frees it. */
void journal_close(struct journal *j);

/* For tests and the ledger: records and bytes in the file now, and how
 * many times it was rewritten. */
uint64_t journal_file_records(const struct journal *j);
uint64_t journal_file_bytes(const struct journal *j);
uint64_t journal_compactions(const struct journal *j);

#endif
