/* journal.c -- the feed's events on disk; see journal.h for the format and
 * the promises.
 *
 * Two halves.  The first knows the format and nothing else: it encodes a
 * header and a record into memory, and journal_scan() reads a file's
 * bytes back, trusting none of them -- every length is checked against
 * what is left before it is used, so a file cut anywhere, or scribbled
 * on, is reported, never read past (tests/fuzz/fuzz_journal.c tries).
 * The second does the I/O: it reads the file once at start, decides what
 * it means for the epoch, puts the events back into the feed, and from
 * then on is the feed's store, appending one record per published event.
 *
 * Where the next record goes is kept here ('bytes'), and records are
 * written with pwrite() at that offset rather than with O_APPEND: a write
 * that fails half-way is then cut off with ftruncate() to the same
 * number, and whatever is left of it is overwritten by the next one.
 * (Linux's pwrite() ignores the offset on an O_APPEND descriptor, so it
 * is one or the other.)
 *
 * A rewrite -- a corrupt file's good records, or a file grown past its
 * bound -- never edits the journal in place: it writes a new file beside
 * it ("<path>.tmp"), makes it durable, and rename()s it over the old one,
 * then syncs the directory so that the rename itself survives a crash.
 * At every moment the name points at a whole journal, the old or the new.
 */
#include "paradigms/journal.h"
#include "util/crc32c.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* A body: the type's length byte, the type, the data. */
#define BODY_MAX   (1 + FEED_TYPE_MAX + FEED_EVENT_MAX)
#define RECORD_MAX (JOURNAL_RECORD_HEAD + BODY_MAX)
#define EPOCH_LIMIT (UINT64_C(1) << 48)        /* feed_random_epoch() stays below */

/* --- little-endian integers, a byte at a time --------------------------- */

/* Byte by byte, so that they work at any address and on any machine: a
 * cast of buf + 5 to uint32_t * would be an unaligned access. */
static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* --- encoding ----------------------------------------------------------- */

void journal_header_encode(uint8_t *dst, const struct journal_header *h)
{
	memcpy(dst, JOURNAL_MAGIC, 8);
	put_le64(dst + 8, h->epoch);
	put_le64(dst + 16, h->boot);
	put_le32(dst + 24, h->flags);
	put_le32(dst + 28, crc32c(0, dst, 28));
}

size_t journal_record_size(size_t type_len, size_t len)
{
	return JOURNAL_RECORD_HEAD + 1 + type_len + len;
}

size_t journal_record_encode(uint8_t *dst, const struct journal_record *r)
{
	uint8_t *body = dst + JOURNAL_RECORD_HEAD;
	size_t body_len = 1 + r->type_len + r->len;

	body[0] = (uint8_t)r->type_len;
	memcpy(body + 1, r->type, r->type_len);
	if (r->len)
		memcpy(body + 1 + r->type_len, r->data, r->len);
	put_le32(dst, JOURNAL_RECORD_MAGIC);
	put_le32(dst + 4, (uint32_t)body_len);
	put_le64(dst + 8, r->seq);
	put_le32(dst + 16, crc32c(0, body, body_len));
	put_le32(dst + 20, crc32c(0, dst, 20));
	return JOURNAL_RECORD_HEAD + body_len;
}

/* --- reading back --------------------------------------------------------- */

/* Ends the scan with 'status' and the reason. */
__attribute__((format(printf, 3, 4)))
static void stop(struct journal_scan *out, enum journal_status status, const char *fmt, ...)
{
	va_list ap;
	out->status = status;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof out->why, fmt, ap);
	va_end(ap);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Reads the header; false when the scan ends there. */
static bool scan_header(const uint8_t *buf, size_t len, struct journal_scan *out)
{
	size_t m = len < 8 ? len : 8;

	if (len == 0) {
		out->status = JOURNAL_EMPTY;
		return false;
	}
	if (memcmp(buf, JOURNAL_MAGIC, m) != 0) {
		stop(out, JOURNAL_NOT_OURS, "byte 0: no \"%s\" magic: not a journal", JOURNAL_MAGIC);
		return false;
	}
	if (len < JOURNAL_HEADER_SIZE) {        /* died while writing the header */
		stop(out, JOURNAL_TORN, "header cut short: %zu of %d bytes", len,
		     JOURNAL_HEADER_SIZE);
		return false;
	}
	if (crc32c(0, buf, 28) != get_le32(buf + 28)) {
		stop(out, JOURNAL_CORRUPT, "header: checksum mismatch");
		return false;
	}
	out->has_header = true;
	out->header.epoch = get_le64(buf + 8);
	out->header.boot = get_le64(buf + 16);
	out->header.flags = get_le32(buf + 24);
	return true;
}

/* Checks a record's body, which its checksum vouches for: it was written
 * by us, but a journal of an older or bigger build may hold what this
 * feed cannot take.  NULL, or what is wrong with it. */
static const char *check_body(const uint8_t *body, size_t body_len, struct journal_record *r)
{
	size_t type_len = body[0];

	if (type_len == 0 || type_len > FEED_TYPE_MAX || type_len >= body_len)
		return "type length out of range";
	if (!feed_type_valid((const char *)body + 1, type_len))
		return "type is not a valid token";
	if (body_len - 1 - type_len > FEED_EVENT_MAX)
		return "data longer than FEED_EVENT_MAX";
	r->type = (const char *)body + 1;
	r->type_len = type_len;
	r->data = body + 1 + type_len;
	r->len = body_len - 1 - type_len;
	return NULL;
}

/* Reads the record at buf[pos..len) into 'r' and its size into 'size';
 * false when the scan ends there (torn or corrupt, with the reason). */
static bool scan_record(const uint8_t *buf, size_t len, size_t pos, struct journal_scan *out,
			struct journal_record *r, size_t *size)
{
	const uint8_t *p = buf + pos;
	size_t rest = len - pos;
	unsigned long long n = (unsigned long long)out->records + 1;

	if (all_zero(p, rest)) {        /* extended, never written: nothing was lost */
		stop(out, JOURNAL_TORN, "byte %zu: %zu zero bytes to the end", pos, rest);
		return false;
	}
	if (rest < JOURNAL_RECORD_HEAD) {
		stop(out, JOURNAL_TORN, "record %llu at byte %zu: head cut short (%zu of %d bytes)",
		     n, pos, rest, JOURNAL_RECORD_HEAD);
		return false;
	}
	if (get_le32(p) != JOURNAL_RECORD_MAGIC) {
		stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: no record magic", n, pos);
		return false;
	}
	if (crc32c(0, p, 20) != get_le32(p + 20)) {
		stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: head checksum mismatch", n, pos);
		return false;
	}
	/* From here the head is as written: its length can be trusted as far
	 * as it says what was meant, and a body shorter than it is a write
	 * that did not finish. */
	uint32_t body_len = get_le32(p + 4);
	if (body_len < 1 || body_len > BODY_MAX) {
		stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: body length %lu out of range",
		     n, pos, (unsigned long)body_len);
		return false;
	}
	if (body_len > rest - JOURNAL_RECORD_HEAD) {
		stop(out, JOURNAL_TORN, "record %llu at byte %zu: body cut short (%zu of %lu bytes)",
		     n, pos, rest - JOURNAL_RECORD_HEAD, (unsigned long)body_len);
		return false;
	}
	const uint8_t *body = p + JOURNAL_RECORD_HEAD;
	if (crc32c(0, body, body_len) != get_le32(p + 16)) {
		stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: body checksum mismatch", n, pos);
		return false;
	}
	const char *bad = check_body(body, body_len, r);
	if (bad) {
		stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: %s", n, pos, bad);
		return false;
	}
	r->seq = get_le64(p + 8);
	*size = JOURNAL_RECORD_HEAD + body_len;
	return true;
}

/* The seqs are one run: the first may be anything from 1 (the history
 * a rewrite keeps starts where the ring did), each next one follows. */
static bool seq_follows(const struct journal_scan *out, uint64_t seq)
{
	return out->records == 0 ? seq >= 1 : seq == out->last_seq + 1;
}

void journal_scan(const uint8_t *buf, size_t len, journal_record_fn *fn, void *ud,
		  struct journal_scan *out)
{
	memset(out, 0, sizeof *out);
	if (!scan_header(buf, len, out))
		return;
	size_t pos = JOURNAL_HEADER_SIZE;
	out->good_len = pos;
	while (pos < len) {
		struct journal_record r;
		size_t size;
		unsigned long long n = (unsigned long long)out->records + 1;

		if (!scan_record(buf, len, pos, out, &r, &size))
			return;
		if (!seq_follows(out, r.seq)) {
			stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: seq %llu does not follow %llu",
			     n, pos, (unsigned long long)r.seq, (unsigned long long)out->last_seq);
			return;
		}
		if (fn && fn(ud, &r) != 0) {
			stop(out, JOURNAL_CORRUPT, "record %llu at byte %zu: refused by the reader",
			     n, pos);
			return;
		}
		if (out->records++ == 0)
			out->first_seq = r.seq;
		out->last_seq = r.seq;
		pos += size;
		out->good_len = pos;
	}
	out->status = JOURNAL_WHOLE;
}

const char *journal_status_name(enum journal_status s)
{
	switch (s) {
	case JOURNAL_EMPTY:    return "empty";
	case JOURNAL_WHOLE:    return "whole";
	case JOURNAL_TORN:     return "torn";
	case JOURNAL_CORRUPT:  return "corrupt";
	case JOURNAL_NOT_OURS: return "not-ours";
	}
	return "?";
}

bool journal_fsync_parse(const char *s, enum journal_fsync *mode)
{
	static const char *const names[] = {
		[JOURNAL_FSYNC_BATCH] = "batch",
		[JOURNAL_FSYNC_ALWAYS] = "always",
		[JOURNAL_FSYNC_NEVER] = "never",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum journal_fsync)i;
			return true;
		}
	}
	return false;
}

/* --- the file -------------------------------------------------------------- */

struct journal {
	struct net_loop *loop;
	struct feed *f;
	enum journal_fsync mode;
	int fd;                         /* the journal, read and write */
	uint64_t boot;                  /* this boot's hash; 0: unknown */
	uint64_t records, bytes;        /* in the file; 'bytes' is where the next record goes */
	uint64_t compactions;
	bool unsynced;                  /* written since the last fdatasync */
	struct net_timer timer;         /* batch: the fdatasync to come */
	uint8_t *rec;                   /* one record's bytes, reused; at most RECORD_MAX */
	size_t rec_cap;
	char *path, *tmp_path, *corrupt_path, *dir;     /* one block, 'path' owns it */
};

/* FNV-1a (Fowler, Noll, Vo) of the kernel's boot id, a fresh uuid at
 * every boot: all that matters is that two boots differ, so any decent
 * 64-bit hash of it will do.  Never 0, which means "unknown". */
static uint64_t boot_hash(void)
{
	char id[64];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, id, sizeof id);
	close(fd);
	if (n <= 0)
		return 0;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (ssize_t i = 0; i < n; i++) {
		h ^= (uint8_t)id[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h ? h : 1;
}

/* The four names, in one block: the journal, its rewrite-in-progress,
 * where a corrupt one is kept, and the directory that holds them. */
static int make_names(struct journal *j, const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n + sizeof ".corrupt" > PATH_MAX) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	char *b = malloc(4 * (n + 1) + sizeof ".tmp" + sizeof ".corrupt");
	if (!b)
		return -1;
	j->path = b;
	j->tmp_path = j->path + n + 1;
	j->corrupt_path = j->tmp_path + n + sizeof ".tmp";
	j->dir = j->corrupt_path + n + sizeof ".corrupt";
	sprintf(j->path, "%s", path);
	sprintf(j->tmp_path, "%s.tmp", path);
	sprintf(j->corrupt_path, "%s.corrupt", path);
	const char *slash = strrchr(path, '/');
	if (!slash)
		sprintf(j->dir, ".");
	else if (slash == path)
		sprintf(j->dir, "/");
	else
		sprintf(j->dir, "%.*s", (int)(slash - path), path);
	return 0;
}

/* Writes all 'len' bytes at 'off', whatever each pwrite() takes. */
static int write_at(int fd, const void *p, size_t len, uint64_t off)
{
	const uint8_t *b = p;
	while (len > 0) {
		ssize_t n = pwrite(fd, b, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;    /* a regular file never takes nothing */
			return -1;
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* A new file's name, or a rename, is durable when its directory is. */
static int sync_dir(const struct journal *j)
{
	int fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* The flags of a journal in use: "clean" is only ever written by close. */
static uint32_t open_flags(const struct journal *j)
{
	return j->mode == JOURNAL_FSYNC_ALWAYS ? JOURNAL_SYNCED : 0;
}

static int put_header(const struct journal *j, int fd, uint32_t flags)
{
	uint8_t h[JOURNAL_HEADER_SIZE];
	journal_header_encode(h, &(struct journal_header){
		.epoch = feed_epoch(j->f), .boot = j->boot, .flags = flags });
	return write_at(fd, h, sizeof h, 0);
}

/* Encodes 'ev' into j->rec; its size, or 0 with errno set. */
static size_t encode_event(struct journal *j, const struct feed_event *ev)
{
	size_t type_len = strnlen(ev->type, FEED_TYPE_MAX + 1);
	if (type_len > FEED_TYPE_MAX || ev->len > FEED_EVENT_MAX) {
		errno = EMSGSIZE;
		return 0;
	}
	size_t size = journal_record_size(type_len, ev->len);
	if (size > j->rec_cap) {
		/* Doubling, up to one record of the largest event. */
		size_t cap = j->rec_cap * 2 > size ? j->rec_cap * 2 : size;
		cap = cap < RECORD_MAX ? cap : RECORD_MAX;
		uint8_t *p = realloc(j->rec, cap);
		if (!p)
			return 0;
		j->rec = p;
		j->rec_cap = cap;
	}
	struct journal_record r = { .seq = ev->seq, .type = ev->type, .type_len = type_len,
				    .data = ev->data, .len = ev->len };
	return journal_record_encode(j->rec, &r);
}

/* A rewrite gathers records into chunks of this size: one pwrite() per
 * chunk rather than one per record (a 64-byte event's record is 90 bytes,
 * so a full history of them is some 1,000 records). */
#define REWRITE_CHUNK (64 * 1024)

/* Writes the header and the feed's history (oldest..latest) into 'fd';
 * its bytes in *bytes. */
static int write_history(struct journal *j, int fd, uint64_t *bytes)
{
	uint8_t *chunk = malloc(REWRITE_CHUNK);
	if (!chunk)
		return -1;
	uint64_t off = JOURNAL_HEADER_SIZE;     /* where 'chunk' goes */
	size_t used = 0;
	int rc = put_header(j, fd, open_flags(j));
	for (uint64_t s = feed_oldest(j->f); rc == 0 && s <= feed_latest(j->f); s++) {
		size_t size = encode_event(j, feed_get(j->f, s));
		if (size == 0) {
			rc = -1;
		} else if (size > REWRITE_CHUNK - used) {
			/* Out with what is gathered; a record too big for a
			 * chunk of its own goes straight from j->rec. */
			rc = write_at(fd, chunk, used, off);
			off += used;
			used = 0;
			if (rc == 0 && size > REWRITE_CHUNK) {
				rc = write_at(fd, j->rec, size, off);
				off += size;
				size = 0;
			}
		}
		if (rc == 0 && size > 0) {
			memcpy(chunk + used, j->rec, size);
			used += size;
		}
	}
	if (rc == 0)
		rc = write_at(fd, chunk, used, off);
	int err = errno;
	free(chunk);
	errno = err;
	*bytes = off + used;
	return rc;
}

/* Replaces the journal with one holding only the feed's history: a new
 * file, made durable, then renamed over the old one.  On failure the old
 * file is still the journal, untouched. */
static int rewrite(struct journal *j)
{
	uint64_t bytes = 0;
	int fd = open(j->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* Locked before it takes the name, so that no other server can open
	 * it between the rename and our use of it. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || write_history(j, fd, &bytes) < 0 ||
	    fdatasync(fd) < 0 || rename(j->tmp_path, j->path) < 0) {
		int err = errno;
		close(fd);
		unlink(j->tmp_path);
		errno = err;
		return -1;
	}
	/* The name is the new file's now, whatever follows: the old
	 * descriptor points at an unlinked inode, never to be written again.
	 * Should the directory's sync fail, the rename may not survive a
	 * power cut -- and the old file, which would then be back, is whole
	 * too. */
	sync_dir(j);
	close(j->fd);
	j->fd = fd;
	j->bytes = bytes;
	j->records = feed_latest(j->f) + 1 - feed_oldest(j->f);
	j->unsynced = false;
	if (j->loop)
		net_timer_stop(j->loop, &j->timer);
	return 0;
}

/* More than twice what the feed's history can hold, in records or bytes. */
static bool over_bound(const struct journal *j)
{
	uint64_t events = feed_max_events(j->f), data = feed_max_bytes(j->f);
	uint64_t bytes = data + events * (JOURNAL_RECORD_HEAD + 1 + FEED_TYPE_MAX);
	return j->records > 2 * events || j->bytes > 2 * bytes;
}

int journal_sync(struct journal *j)
{
	if (!j->unsynced)
		return 0;
	if (fdatasync(j->fd) < 0)
		return -1;
	j->unsynced = false;
	return 0;
}

static void batch_due(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop;
	(void)t;
	/* Nobody waits for this one to report to: a failure leaves
	 * 'unsynced' set, and the next sync (or close) tries again. */
	journal_sync(ud);
}

/* After a successful write: when does it reach the disk. */
static int after_write(struct journal *j)
{
	j->unsynced = true;
	switch (j->mode) {
	case JOURNAL_FSYNC_ALWAYS:
		return journal_sync(j);
	case JOURNAL_FSYNC_BATCH:
		if (net_timer_armed(&j->timer) ||
		    net_timer_start(j->loop, &j->timer, JOURNAL_BATCH_MS, 0) == 0)
			return 0;
		journal_sync(j);        /* no timer (ENOMEM): now rather than never */
		return 0;
	case JOURNAL_FSYNC_NEVER:
		return 0;
	}
	return 0;
}

/* The feed's store: one record per event, before anyone hears of it. */
static int journal_append(void *ud, const struct feed_event *ev)
{
	struct journal *j = ud;
	size_t size = encode_event(j, ev);
	if (size == 0)
		return -1;
	if (write_at(j->fd, j->rec, size, j->bytes) < 0 || after_write(j) < 0) {
		int err = errno;
		/* The publish fails, so the record must not come back at the
		 * next start.  If even this fails, the next record is written
		 * over it (at 'bytes'), or the next start finds it torn. */
		if (ftruncate(j->fd, (off_t)j->bytes) < 0) {
			/* nothing more to try: see above */
		}
		errno = err;
		return -1;
	}
	j->bytes += size;
	j->records++;
	/* The append is done either way: a rewrite that fails leaves the
	 * old file growing, and is tried again after the next append. */
	if (over_bound(j) && rewrite(j) == 0)
		j->compactions++;
	return 0;
}

/* --- opening and closing ------------------------------------------------- */

/* Says in the report which step failed and why; -1, errno kept. */
static int fail(struct journal_report *rep, const char *what)
{
	int err = errno;
	snprintf(rep->scan.why, sizeof rep->scan.why, "%s: %s", what, strerror(err));
	errno = err;
	return -1;
}

/* The whole file in a new block (the caller frees it), its size in *len.
 * The file's size is the bound: a journal stays within about twice its
 * feed's history (over_bound). */
static uint8_t *read_file(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	if (st.st_size < 0 || (uint64_t)st.st_size >= SIZE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	size_t size = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(size ? size : 1);
	while (buf && got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;          /* shorter than fstat said: scan what there is */
		got += (size_t)n;
	}
	*len = got;
	return buf;
}

struct replay {
	struct feed *f;
	int err;                /* feed_restore's errno, when it refused a record */
};

static int replay_record(void *ud, const struct journal_record *r)
{
	struct replay *rp = ud;
	if (feed_restore(rp->f, r->seq, net_now_us(), r->type, r->type_len, r->data, r->len) == 0)
		return 0;
	rp->err = errno;
	return -1;
}

/* Reads and scans the file, putting its events back into the feed. */
static int load(struct journal *j, struct journal_report *rep)
{
	struct journal_scan *s = &rep->scan;
	uint8_t magic[8];
	ssize_t n = pread(j->fd, magic, sizeof magic, 0);
	if (n < 0)
		return fail(rep, "read");
	/* Look before loading: a big file that is not a journal is refused
	 * without being read into memory. */
	if (memcmp(magic, JOURNAL_MAGIC, (size_t)n) != 0) {
		journal_scan(magic, (size_t)n, NULL, NULL, s);
		errno = EINVAL;
		return -1;
	}
	size_t len = 0;
	uint8_t *buf = read_file(j->fd, &len);
	if (!buf)
		return fail(rep, "read");
	struct replay rp = { .f = j->f };
	journal_scan(buf, len, replay_record, &rp, s);
	free(buf);
	if (rp.err == ENOMEM) {         /* our shortage, not the file's fault */
		errno = ENOMEM;
		return fail(rep, "restoring the events");
	}
	if (s->status == JOURNAL_NOT_OURS) {    /* changed since we looked */
		errno = EINVAL;
		return -1;
	}
	if (s->status == JOURNAL_TORN || s->status == JOURNAL_CORRUPT)
		rep->cut_bytes = len - s->good_len;
	j->bytes = s->good_len;
	j->records = s->records;
	return 0;
}

/* The machine rebooted since the journal was last open, and what was
 * written then may have been lost with the page cache. */
static bool lost_in_reboot(const struct journal *j, const struct journal_header *h)
{
	return j->boot != 0 && h->boot != j->boot &&
	       !(h->flags & (JOURNAL_CLEAN | JOURNAL_SYNCED));
}

/* Continues the file's epoch when its events still mean what they did;
 * otherwise a new one, never the file's. */
static void choose_epoch(struct journal *j, struct journal_report *rep)
{
	const struct journal_scan *s = &rep->scan;
	const struct journal_header *h = &s->header;
	bool go_on = s->has_header && (s->status == JOURNAL_WHOLE || s->status == JOURNAL_TORN);

	if (go_on && lost_in_reboot(j, h)) {
		rep->rebooted = true;
		go_on = false;
	}
	if (go_on && h->epoch != 0 && h->epoch < EPOCH_LIMIT) {
		feed_set_epoch(j->f, h->epoch);
	} else if (s->has_header || s->status == JOURNAL_CORRUPT) {
		uint64_t e;
		do
			e = feed_random_epoch();
		while (e == h->epoch);
		feed_set_epoch(j->f, e);
		go_on = false;
	}
	/* A new file, or one that died writing its header, keeps the feed's
	 * own fresh epoch. */
	rep->new_epoch = !go_on;
	rep->epoch = feed_epoch(j->f);
}

/* A corrupt file is kept beside, and its good records (now in the feed)
 * go on in a new one.  On failure the file is put back as it was. */
static int replace_corrupt(struct journal *j, struct journal_report *rep)
{
	if (rename(j->path, j->corrupt_path) < 0)
		return fail(rep, "keeping the corrupt journal");
	if (rewrite(j) < 0) {
		int err = errno;
		if (rename(j->corrupt_path, j->path) < 0) {
			/* the next start finds no journal: a new epoch too */
		}
		errno = err;
		return fail(rep, "rewriting the journal");
	}
	return 0;
}

/* Makes the file what the report says -- cut, rewritten or new -- with a
 * header naming the epoch in use and this boot, on the disk before any
 * event is acknowledged. */
static int settle(struct journal *j, struct journal_report *rep)
{
	const struct journal_scan *s = &rep->scan;
	bool created = false;

	if (s->status == JOURNAL_CORRUPT) {
		if (replace_corrupt(j, rep) < 0)
			return -1;
	} else if (!s->has_header) {            /* new, or died writing the header */
		if (ftruncate(j->fd, 0) < 0)
			return fail(rep, "truncating the header");
		j->bytes = JOURNAL_HEADER_SIZE;
		created = true;
	} else if (s->status == JOURNAL_TORN && ftruncate(j->fd, (off_t)s->good_len) < 0) {
		return fail(rep, "cutting the torn tail");
	}
	if (put_header(j, j->fd, open_flags(j)) < 0 || fdatasync(j->fd) < 0)
		return fail(rep, "writing the header");
	if (created && sync_dir(j) < 0)
		return fail(rep, "syncing the directory");
	return 0;
}

static void journal_free(struct journal *j)
{
	if (j->loop)
		net_timer_stop(j->loop, &j->timer);
	if (j->fd >= 0)
		close(j->fd);
	free(j->rec);
	free(j->path);
	free(j);
}

static struct journal *journal_new(struct net_loop *loop, const char *path,
				   enum journal_fsync mode, struct feed *f)
{
	struct journal *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->loop = loop;
	j->f = f;
	j->mode = mode;
	j->fd = -1;
	j->boot = boot_hash();
	net_timer_init(&j->timer, batch_due, j);
	if (make_names(j, path) < 0) {
		int err = errno;
		free(j);
		errno = err;
		return NULL;
	}
	return j;
}

struct journal *journal_open(struct net_loop *loop, const char *path, enum journal_fsync mode,
			     struct feed *f, struct journal_report *rep)
{
	memset(rep, 0, sizeof *rep);
	rep->epoch = feed_epoch(f);
	/* Batch needs a loop for its timer; the feed must be empty, since
	 * the journal's events are put back with their own seqs. */
	if ((unsigned)mode > JOURNAL_FSYNC_NEVER || (mode == JOURNAL_FSYNC_BATCH && !loop) ||
	    feed_latest(f) != 0) {
		errno = EINVAL;
		fail(rep, "journal_open");
		return NULL;
	}
	struct journal *j = journal_new(loop, path, mode, f);
	if (!j) {
		fail(rep, path);
		return NULL;
	}
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		fail(rep, "open");
	} else if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
		/* Two servers appending to one journal would interleave
		 * their records: the second one is refused. */
		fail(rep, errno == EWOULDBLOCK ? "in use by another process" : "flock");
	} else if (load(j, rep) == 0) {
		choose_epoch(j, rep);
		if (settle(j, rep) == 0) {
			feed_set_store(f, &(struct feed_store){ .append = journal_append, .ud = j });
			return j;
		}
	}
	int err = errno;
	journal_free(j);
	errno = err;
	return NULL;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->loop)
		net_timer_stop(j->loop, &j->timer);
	/* "Clean" promises that everything before it is on the disk: it is
	 * written only when the sync that makes it true succeeded. */
	if (journal_sync(j) == 0 && put_header(j, j->fd, JOURNAL_CLEAN | open_flags(j)) == 0 &&
	    fdatasync(j->fd) < 0) {
		/* the next start sees an unclean journal: the safe side */
	}
	feed_set_store(j->f, NULL);
	journal_free(j);
}

uint64_t journal_file_records(const struct journal *j) { return j->records; }
uint64_t journal_file_bytes(const struct journal *j) { return j->bytes; }
uint64_t journal_compactions(const struct journal *j) { return j->compactions; }
