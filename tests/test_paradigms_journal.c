/* test_paradigms_journal.c -- the journal (src/paradigms/journal.c).
 *
 * First the format, in memory: CRC-32C against its definition, a journal
 * read back whole, cut at every byte of its last record, with every byte
 * of every record flipped, with a zero-filled tail, with seqs that do not
 * follow and with bodies that do not parse.  Then the file, in a fresh
 * directory under /tmp: reopening continues the epoch and the seqs, a
 * torn tail is cut, a corrupt record starts a new epoch and keeps the
 * file beside, a file not ours is left alone, the file stays bounded, a
 * reboot changes the epoch unless the journal was closed cleanly, and
 * the three fsync modes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paradigms/journal.h"
#include "util/crc32c.h"

/* --- events every test agrees on ------------------------------------------ */

static const char *const types[] = { "message", "score", "a.b-c_d", "x" };

static const char *event_type(uint64_t seq) { return types[seq % 4]; }

/* Event seq's data: 0..199 bytes, zero bytes and 0xff among them. */
static size_t event_data(uint64_t seq, uint8_t *dst)
{
	size_t len = (size_t)(seq * 37 % 200);
	for (size_t i = 0; i < len; i++)
		dst[i] = (uint8_t)(seq * 31 + i * 7);
	return len;
}

/* --- a journal in memory -------------------------------------------------- */

#define IMAGE_MAX 16

struct image {
	uint8_t buf[IMAGE_MAX * 256 + JOURNAL_HEADER_SIZE];
	size_t len;
	size_t start[IMAGE_MAX], end[IMAGE_MAX];       /* record i's bytes */
	size_t n;
	uint64_t first;
};

static const struct journal_header image_header = { .epoch = 0x3f09c1d2a4b7, .boot = 77,
						    .flags = JOURNAL_CLEAN };

static void add_record(struct image *im, uint64_t seq)
{
	uint8_t data[256];
	const char *type = event_type(seq);
	struct journal_record r = { .seq = seq, .type = type, .type_len = strlen(type),
				    .data = data, .len = event_data(seq, data) };
	size_t size = journal_record_encode(im->buf + im->len, &r);
	ck_assert_uint_eq(size, journal_record_size(r.type_len, r.len));
	im->start[im->n] = im->len;
	im->len += size;
	im->end[im->n++] = im->len;
}

/* A header and n records, seqs first, first + 1, ... */
static void build(struct image *im, size_t n, uint64_t first)
{
	memset(im, 0, sizeof *im);
	journal_header_encode(im->buf, &image_header);
	im->len = JOURNAL_HEADER_SIZE;
	im->first = first;
	for (size_t i = 0; i < n; i++)
		add_record(im, first + i);
}

/* What the scan handed out, checked against the events as it comes. */
struct seen {
	size_t n;
	uint64_t seqs[IMAGE_MAX];
	size_t refuse_at;               /* refuse the record with this index + 1 */
};

static int collect(void *ud, const struct journal_record *r)
{
	struct seen *s = ud;
	uint8_t data[256];
	if (s->refuse_at && s->n + 1 == s->refuse_at)
		return -1;
	ck_assert_uint_lt(s->n, IMAGE_MAX);
	ck_assert_uint_eq(r->type_len, strlen(event_type(r->seq)));
	ck_assert(memcmp(r->type, event_type(r->seq), r->type_len) == 0);
	ck_assert_uint_eq(r->len, event_data(r->seq, data));
	ck_assert(r->len == 0 || memcmp(r->data, data, r->len) == 0);
	s->seqs[s->n++] = r->seq;
	return 0;
}

/* Scans buf[0..len) from an exactly-sized copy, so that ASan sees any
 * read past the end. */
static void scan(const uint8_t *buf, size_t len, struct seen *seen, struct journal_scan *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	journal_scan(copy, len, collect, seen, out);
	free(copy);
	ck_assert_uint_eq(seen->n, out->records);
	ck_assert_uint_le(out->good_len, len);
}

/* The scan kept exactly the first 'n' records of 'im'. */
static void assert_kept(const struct image *im, const struct seen *seen,
			const struct journal_scan *out, size_t n)
{
	ck_assert_uint_eq(out->records, n);
	ck_assert_uint_eq(out->good_len, n ? im->end[n - 1] : JOURNAL_HEADER_SIZE);
	ck_assert_uint_eq(out->first_seq, n ? im->first : 0);
	ck_assert_uint_eq(out->last_seq, n ? im->first + n - 1 : 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(seen->seqs[i], im->first + i);
}

/* --- CRC-32C ---------------------------------------------------------------- */

/* The definition, a bit at a time (crc32c.c's comment). */
static uint32_t crc_by_bits(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? crc >> 1 ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

START_TEST(crc32c_values)
{
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(crc32c(0, "123456789", 9), CRC32C_CHECK);
	ck_assert_uint_eq(crc32c(0, NULL, 0), 0);
	/* RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of ones, ascending,
	 * descending. */
	uint8_t b[32];
	memset(b, 0, sizeof b);
	ck_assert_uint_eq(crc32c(0, b, sizeof b), 0x8a9136aau);
	memset(b, 0xff, sizeof b);
	ck_assert_uint_eq(crc32c(0, b, sizeof b), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	ck_assert_uint_eq(crc32c(0, b, sizeof b), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(crc32c(0, b, sizeof b), 0x113fdb5cu);
}
END_TEST

START_TEST(crc32c_chains_and_matches_definition)
{
	uint8_t buf[1000];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	/* Every length against the bit-at-a-time definition: every table
	 * entry is used many times over. */
	for (size_t n = 0; n <= sizeof buf; n += 7)
		ck_assert_uint_eq(crc32c(0, buf, n), crc_by_bits(buf, n));
	/* Any split, the same CRC. */
	uint32_t whole = crc32c(0, buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut++)
		ck_assert_uint_eq(crc32c(crc32c(0, buf, cut), buf + cut, sizeof buf - cut), whole);
	ck_assert_uint_eq(crc32c(crc32c(crc32c(0, "123", 3), "456", 3), "789", 3), CRC32C_CHECK);
}
END_TEST

/* --- the format --------------------------------------------------------------- */

START_TEST(scan_whole)
{
	struct image im;
	struct seen seen = { 0 };
	struct journal_scan out;
	build(&im, 6, 41);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_WHOLE);
	ck_assert_str_eq(journal_status_name(out.status), "whole");
	ck_assert(out.has_header);
	ck_assert_uint_eq(out.header.epoch, image_header.epoch);
	ck_assert_uint_eq(out.header.boot, image_header.boot);
	ck_assert_uint_eq(out.header.flags, image_header.flags);
	ck_assert_uint_eq(out.good_len, im.len);
	assert_kept(&im, &seen, &out, 6);
	ck_assert_str_eq(out.why, "");

	/* A header alone is a whole journal of no records; no bytes is a
	 * new one; no callback is fine. */
	memset(&seen, 0, sizeof seen);
	scan(im.buf, JOURNAL_HEADER_SIZE, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_WHOLE);
	assert_kept(&im, &seen, &out, 0);
	scan(im.buf, 0, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_EMPTY);
	ck_assert(!out.has_header);
	ck_assert_str_eq(journal_status_name(JOURNAL_EMPTY), "empty");
	journal_scan(im.buf, im.len, NULL, NULL, &out);
	ck_assert_int_eq(out.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(out.records, 6);
}
END_TEST

START_TEST(scan_cut_in_last_record)
{
	struct image im;
	struct journal_scan out;
	build(&im, 5, 1);
	size_t last = im.n - 1;
	/* Every length that ends inside the last record, from its first byte
	 * to all but its last. */
	for (size_t len = im.start[last] + 1; len < im.end[last]; len++) {
		struct seen seen = { 0 };
		scan(im.buf, len, &seen, &out);
		ck_assert_msg(out.status == JOURNAL_TORN, "cut at %zu: %s (%s)", len,
			      journal_status_name(out.status), out.why);
		ck_assert(out.has_header);
		ck_assert_uint_eq(out.header.epoch, image_header.epoch);
		assert_kept(&im, &seen, &out, last);
		ck_assert_ptr_nonnull(strstr(out.why, "cut short"));
	}
	/* Cut between records: whole, one record fewer. */
	struct seen seen = { 0 };
	scan(im.buf, im.start[last], &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_WHOLE);
	assert_kept(&im, &seen, &out, last);
}
END_TEST

START_TEST(scan_cut_in_header)
{
	struct image im;
	struct journal_scan out;
	build(&im, 1, 1);
	for (size_t len = 1; len < JOURNAL_HEADER_SIZE; len++) {
		struct seen seen = { 0 };
		scan(im.buf, len, &seen, &out);
		ck_assert_int_eq(out.status, JOURNAL_TORN);
		ck_assert(!out.has_header);
		ck_assert_uint_eq(out.good_len, 0);
		ck_assert_uint_eq(out.records, 0);
	}
}
END_TEST

/* Every byte of every record, flipped two ways: the record and all after
 * it are never handed out, and the file is corrupt -- never torn, since
 * the head's checksum covers the length that would make it look cut. */
START_TEST(scan_flip_every_record_byte)
{
	static const uint8_t masks[] = { 0xff, 0x01 };
	struct image im;
	build(&im, 5, 7);
	for (size_t r = 0; r < im.n; r++) {
		for (size_t at = im.start[r]; at < im.end[r]; at++) {
			for (size_t m = 0; m < sizeof masks; m++) {
				struct image bad = im;
				struct seen seen = { 0 };
				struct journal_scan out;
				char where[64];
				bad.buf[at] ^= masks[m];
				scan(bad.buf, bad.len, &seen, &out);
				ck_assert_msg(out.status == JOURNAL_CORRUPT, "byte %zu ^ %#x: %s", at,
					      masks[m], journal_status_name(out.status));
				ck_assert(out.has_header);
				assert_kept(&im, &seen, &out, r);
				snprintf(where, sizeof where, "record %zu at byte %zu: ", r + 1,
					 im.start[r]);
				ck_assert_msg(strncmp(out.why, where, strlen(where)) == 0, "%s", out.why);
			}
		}
	}
}
END_TEST

/* The magic's bytes make it not ours; any other header byte, a header
 * whose checksum fails. */
START_TEST(scan_flip_header)
{
	struct image im;
	build(&im, 3, 1);
	for (size_t at = 0; at < JOURNAL_HEADER_SIZE; at++) {
		struct image bad = im;
		struct seen seen = { 0 };
		struct journal_scan out;
		bad.buf[at] ^= 0x01;
		scan(bad.buf, bad.len, &seen, &out);
		ck_assert_int_eq(out.status, at < 8 ? JOURNAL_NOT_OURS : JOURNAL_CORRUPT);
		ck_assert(!out.has_header);
		ck_assert_uint_eq(out.good_len, 0);
		ck_assert_uint_eq(out.records, 0);
		ck_assert_str_ne(out.why, "");
	}
	struct journal_scan out;
	journal_scan((const uint8_t *)"PX", 2, NULL, NULL, &out);
	ck_assert_int_eq(out.status, JOURNAL_NOT_OURS);
	ck_assert_str_eq(journal_status_name(out.status), "not-ours");
}
END_TEST

START_TEST(scan_zero_tail)
{
	static const size_t tails[] = { 1, 5, 23, 24, 25, 100, 1000 };
	for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
		for (size_t n = 0; n <= 3; n += 3) {
			struct image im;
			struct seen seen = { 0 };
			struct journal_scan out;
			build(&im, n, 1);
			memset(im.buf + im.len, 0, tails[t]);
			scan(im.buf, im.len + tails[t], &seen, &out);
			ck_assert_int_eq(out.status, JOURNAL_TORN);
			assert_kept(&im, &seen, &out, n);
		}
	}
	/* Zeros and then something: not a file merely extended. */
	struct image im;
	struct seen seen = { 0 };
	struct journal_scan out;
	build(&im, 2, 1);
	memset(im.buf + im.len, 0, 100);
	im.buf[im.len + 99] = 1;
	scan(im.buf, im.len + 100, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	assert_kept(&im, &seen, &out, 2);
}
END_TEST

START_TEST(scan_seq_must_follow)
{
	struct image im;
	struct seen seen = { 0 };
	struct journal_scan out;
	build(&im, 2, 5);               /* 5, 6, then 8 */
	add_record(&im, 8);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	assert_kept(&im, &seen, &out, 2);
	ck_assert_ptr_nonnull(strstr(out.why, "seq 8 does not follow 6"));

	build(&im, 2, 5);               /* 5, 6, then 6 again */
	add_record(&im, 6);
	memset(&seen, 0, sizeof seen);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	assert_kept(&im, &seen, &out, 2);

	build(&im, 2, 0);               /* seqs start at 1 */
	memset(&seen, 0, sizeof seen);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	ck_assert_uint_eq(out.records, 0);

	build(&im, 3, 1000000);         /* but may start anywhere after */
	memset(&seen, 0, sizeof seen);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_WHOLE);
	assert_kept(&im, &seen, &out, 3);
}
END_TEST

START_TEST(scan_refused_by_reader)
{
	struct image im;
	struct seen seen = { .refuse_at = 3 };
	struct journal_scan out;
	build(&im, 5, 1);
	scan(im.buf, im.len, &seen, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	assert_kept(&im, &seen, &out, 2);
	ck_assert_ptr_nonnull(strstr(out.why, "refused"));
}
END_TEST

/* A record with a body of our choosing and checksums that match it. */
static size_t raw_record(uint8_t *dst, uint64_t seq, const uint8_t *body, uint32_t body_len)
{
	uint8_t head[JOURNAL_RECORD_HEAD];
	uint32_t v[2] = { JOURNAL_RECORD_MAGIC, body_len };
	for (int i = 0; i < 8; i++)
		head[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
	for (int i = 0; i < 8; i++)
		head[8 + i] = (uint8_t)(seq >> (8 * i));
	uint32_t bc = crc32c(0, body, body_len);
	for (int i = 0; i < 4; i++)
		head[16 + i] = (uint8_t)(bc >> (8 * i));
	uint32_t hc = crc32c(0, head, 20);
	for (int i = 0; i < 4; i++)
		head[20 + i] = (uint8_t)(hc >> (8 * i));
	memcpy(dst, head, sizeof head);
	memcpy(dst + sizeof head, body, body_len);
	return sizeof head + body_len;
}

/* Bodies whose checksums hold but which no feed could have written. */
START_TEST(scan_body_must_parse)
{
	enum {
		BIG = 1 + 1 + FEED_EVENT_MAX + 1,               /* "x" and a byte too many */
		HUGE = 1 + FEED_TYPE_MAX + FEED_EVENT_MAX + 1,  /* no body is this long */
	};
	uint8_t *body = calloc(1, HUGE), *file = malloc(JOURNAL_HEADER_SIZE + 24 + HUGE);
	ck_assert(body && file);
	struct { const char *body; uint32_t len; const char *why; } cases[] = {
		{ "\0", 1, "type length" },
		{ "\x05reset", 6, "not a valid token" },
		{ "\x03" "a b", 4, "not a valid token" },
		{ "\x09" "message", 8, "type length" },        /* longer than the body */
		{ "\x21" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 34, "type length" },
		{ "", 0, "out of range" },
	};
	journal_header_encode(file, &image_header);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct journal_scan out;
		size_t len = JOURNAL_HEADER_SIZE;
		len += raw_record(file + len, 1, (const uint8_t *)cases[i].body, cases[i].len);
		journal_scan(file, len, NULL, NULL, &out);
		ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
		ck_assert_msg(strstr(out.why, cases[i].why) != NULL, "case %zu: %s", i, out.why);
		ck_assert_uint_eq(out.records, 0);
	}
	/* Data one byte over FEED_EVENT_MAX. */
	struct journal_scan out;
	body[0] = 1;
	body[1] = 'x';
	size_t len = JOURNAL_HEADER_SIZE + raw_record(file + JOURNAL_HEADER_SIZE, 1, body, BIG);
	journal_scan(file, len, NULL, NULL, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	ck_assert_ptr_nonnull(strstr(out.why, "FEED_EVENT_MAX"));
	/* A length no record can have, whose head checksum holds: corrupt,
	 * not torn, although it runs past the end. */
	raw_record(file + JOURNAL_HEADER_SIZE, 1, body, HUGE);
	journal_scan(file, JOURNAL_HEADER_SIZE + 100, NULL, NULL, &out);
	ck_assert_int_eq(out.status, JOURNAL_CORRUPT);
	ck_assert_ptr_nonnull(strstr(out.why, "out of range"));
	free(body);
	free(file);
}
END_TEST

/* --- the file ------------------------------------------------------------------ */

/* One directory for the file tests, made and removed by the runner
 * itself (an unchecked fixture), so that it goes even when a test fails. */
static char dir[] = "/tmp/pp-journal-XXXXXX";

static void make_dir(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char p[sizeof dir + 256 + 1];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

struct env {
	struct net_loop *loop;
	char path[128], tmp[160], corrupt[160];
};

static void env_init(struct env *e, const char *name)
{
	e->loop = net_loop_new(NULL);
	ck_assert_ptr_nonnull(e->loop);
	snprintf(e->path, sizeof e->path, "%s/%s", dir, name);
	snprintf(e->tmp, sizeof e->tmp, "%s.tmp", e->path);
	snprintf(e->corrupt, sizeof e->corrupt, "%s.corrupt", e->path);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	uint8_t *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 20, fp);
	ck_assert(feof(fp));
	fclose(fp);
	return buf;
}

static void spew(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static void scan_file(const char *path, struct journal_scan *out)
{
	size_t len;
	uint8_t *buf = slurp(path, &len);
	journal_scan(buf, len, NULL, NULL, out);
	free(buf);
}

static struct journal *open_ok(struct env *e, struct feed *f, enum journal_fsync mode,
			       struct journal_report *rep)
{
	struct journal *j = journal_open(e->loop, e->path, mode, f, rep);
	ck_assert_msg(j != NULL, "journal_open: %s", rep->scan.why);
	return j;
}

/* Publishes seqs from..to, as event_type() and event_data() make them. */
static void publish_range(struct feed *f, uint64_t from, uint64_t to)
{
	uint8_t data[256];
	for (uint64_t s = from; s <= to; s++)
		ck_assert_uint_eq(feed_publish(f, event_type(s), data, event_data(s, data)), s);
}

/* The feed holds exactly the events first..last, as they were published. */
static void assert_events(const struct feed *f, uint64_t first, uint64_t last)
{
	uint8_t data[256];
	ck_assert_uint_eq(feed_oldest(f), first);
	ck_assert_uint_eq(feed_latest(f), last);
	for (uint64_t s = first; s <= last; s++) {
		const struct feed_event *ev = feed_get(f, s);
		ck_assert_ptr_nonnull(ev);
		ck_assert_uint_eq(ev->seq, s);
		ck_assert_uint_eq(ev->epoch, feed_epoch(f));
		ck_assert_str_eq(ev->type, event_type(s));
		size_t len = event_data(s, data);
		ck_assert_uint_eq(ev->len, len);
		ck_assert(len == 0 || memcmp(ev->data, data, len) == 0);
	}
}

/* A closed journal of events 1..n; its epoch. */
static uint64_t make_journal(struct env *e, uint64_t n)
{
	struct feed *f = feed_new(16, 0);
	struct journal_report rep;
	struct journal *j = open_ok(e, f, JOURNAL_FSYNC_BATCH, &rep);
	publish_range(f, 1, n);
	uint64_t epoch = feed_epoch(f);
	journal_close(j);
	feed_free(f);
	return epoch;
}

/* Where record 'seq' starts in a journal of events 1.. */
static size_t record_start(uint64_t seq)
{
	uint8_t data[256];
	size_t at = JOURNAL_HEADER_SIZE;
	for (uint64_t s = 1; s < seq; s++)
		at += journal_record_size(strlen(event_type(s)), event_data(s, data));
	return at;
}

START_TEST(file_new_then_reopen)
{
	struct env e;
	struct journal_report rep;
	struct journal_scan s;
	env_init(&e, "reopen");
	struct feed *f = feed_new(16, 0);
	uint64_t epoch = feed_epoch(f);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_EMPTY);
	ck_assert(rep.new_epoch && !rep.rebooted);
	ck_assert_uint_eq(rep.epoch, epoch);
	ck_assert_uint_eq(feed_epoch(f), epoch);
	struct stat st;
	ck_assert_int_eq(stat(e.path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	scan_file(e.path, &s);          /* the header is there before any event */
	ck_assert_int_eq(s.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(s.header.epoch, epoch);
	ck_assert_uint_eq(s.header.flags, 0);
	publish_range(f, 1, 5);
	ck_assert_uint_eq(journal_file_records(j), 5);
	ck_assert_uint_eq(journal_file_bytes(j), file_size(e.path));
	journal_close(j);
	scan_file(e.path, &s);
	ck_assert_int_eq(s.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(s.records, 5);
	ck_assert_uint_eq(s.header.flags, JOURNAL_CLEAN);
	feed_free(f);

	for (uint64_t round = 0; round < 2; round++) {
		f = feed_new(16, 0);
		j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
		ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
		ck_assert(!rep.new_epoch && !rep.rebooted);
		ck_assert_uint_eq(rep.cut_bytes, 0);
		ck_assert_uint_eq(rep.epoch, epoch);
		ck_assert_uint_eq(feed_epoch(f), epoch);
		assert_events(f, 1, 5 + round);
		scan_file(e.path, &s);          /* open again: no longer clean */
		ck_assert_uint_eq(s.header.flags, 0);
		publish_range(f, 6 + round, 6 + round);         /* the seqs go on */
		journal_close(j);
		feed_free(f);
	}
	net_loop_free(e.loop);
}
END_TEST

START_TEST(file_torn_tail)
{
	struct env e;
	env_init(&e, "torn");
	uint64_t epoch = make_journal(&e, 6);
	size_t len, start = record_start(6);
	uint8_t *whole = slurp(e.path, &len);
	ck_assert_uint_gt(len, start + 1);
	for (size_t cut = start + 1; cut < len; cut++) {
		struct journal_report rep;
		spew(e.path, whole, cut);
		struct feed *f = feed_new(16, 0);
		struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_NEVER, &rep);
		ck_assert_int_eq(rep.scan.status, JOURNAL_TORN);
		ck_assert(rep.scan.has_header && !rep.new_epoch);
		ck_assert_uint_eq(rep.epoch, epoch);
		ck_assert_uint_eq(rep.cut_bytes, cut - start);
		ck_assert_uint_eq(file_size(e.path), start);
		assert_events(f, 1, 5);
		publish_range(f, 6, 6);
		journal_close(j);
		feed_free(f);
	}
	free(whole);
	net_loop_free(e.loop);
}
END_TEST

START_TEST(file_corrupt_record)
{
	struct env e;
	struct journal_report rep;
	struct journal_scan s;
	env_init(&e, "corrupt");
	uint64_t epoch = make_journal(&e, 5);
	size_t len, start = record_start(3), bad_len;
	uint8_t *bad = slurp(e.path, &len);
	bad[start + JOURNAL_RECORD_HEAD + 1] ^= 0x20;   /* the type's first letter */
	spew(e.path, bad, len);

	struct feed *f = feed_new(16, 0);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_CORRUPT);
	ck_assert(rep.new_epoch && !rep.rebooted);
	ck_assert_uint_ne(rep.epoch, epoch);
	ck_assert_uint_eq(feed_epoch(f), rep.epoch);
	ck_assert_uint_eq(rep.cut_bytes, len - start);
	ck_assert_ptr_nonnull(strstr(rep.scan.why, "body checksum"));
	assert_events(f, 1, 2);
	/* The file as it was, kept beside; the journal rewritten from the
	 * good records, under the new epoch. */
	uint8_t *kept = slurp(e.corrupt, &bad_len);
	ck_assert_uint_eq(bad_len, len);
	ck_assert(memcmp(kept, bad, len) == 0);
	free(kept);
	ck_assert(!exists(e.tmp));
	scan_file(e.path, &s);
	ck_assert_int_eq(s.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(s.records, 2);
	ck_assert_uint_eq(s.header.epoch, rep.epoch);
	publish_range(f, 3, 3);
	journal_close(j);
	feed_free(f);

	uint64_t now = rep.epoch;
	f = feed_new(16, 0);
	j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
	ck_assert(!rep.new_epoch);
	ck_assert_uint_eq(rep.epoch, now);
	assert_events(f, 1, 3);
	journal_close(j);
	feed_free(f);
	free(bad);
	net_loop_free(e.loop);
}
END_TEST

START_TEST(file_not_ours)
{
	static const char text[] = "hello, this is not a journal\n";
	struct env e;
	struct journal_report rep;
	env_init(&e, "notours");
	spew(e.path, text, sizeof text - 1);
	struct feed *f = feed_new(16, 0);
	uint64_t epoch = feed_epoch(f);
	errno = 0;
	ck_assert_ptr_null(journal_open(e.loop, e.path, JOURNAL_FSYNC_BATCH, f, &rep));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(rep.scan.status, JOURNAL_NOT_OURS);
	ck_assert_str_ne(rep.scan.why, "");
	size_t len;
	uint8_t *after = slurp(e.path, &len);
	ck_assert_uint_eq(len, sizeof text - 1);
	ck_assert(memcmp(after, text, len) == 0);
	free(after);
	ck_assert(!exists(e.tmp) && !exists(e.corrupt));
	ck_assert_uint_eq(feed_epoch(f), epoch);
	ck_assert_uint_eq(feed_latest(f), 0);

	/* Died while writing the header: a new journal. */
	spew(e.path, "PPJOU", 5);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_TORN);
	ck_assert(!rep.scan.has_header && rep.new_epoch);
	ck_assert_uint_eq(rep.cut_bytes, 5);
	ck_assert_uint_eq(file_size(e.path), JOURNAL_HEADER_SIZE);
	journal_close(j);

	/* What journal_open refuses before touching anything. */
	publish_range(f, 1, 1);
	ck_assert_ptr_null(journal_open(e.loop, e.path, JOURNAL_FSYNC_BATCH, f, &rep));
	ck_assert_int_eq(errno, EINVAL);                /* a feed with events */
	feed_free(f);
	f = feed_new(16, 0);
	ck_assert_ptr_null(journal_open(NULL, e.path, JOURNAL_FSYNC_BATCH, f, &rep));
	ck_assert_int_eq(errno, EINVAL);                /* batch without a loop */
	char missing[200];
	snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
	ck_assert_ptr_null(journal_open(e.loop, missing, JOURNAL_FSYNC_NEVER, f, &rep));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_ne(rep.scan.why, "");
	journal_close(NULL);
	feed_free(f);
	net_loop_free(e.loop);
}
END_TEST

/* Ten times the ring: the file is rewritten from the ring, stays within
 * twice it, and reopening gives exactly the ring. */
START_TEST(file_compaction_by_records)
{
	struct env e;
	struct journal_report rep;
	struct journal_scan s;
	env_init(&e, "compact");
	struct feed *f = feed_new(16, 0);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	for (uint64_t seq = 1; seq <= 160; seq++) {
		publish_range(f, seq, seq);
		ck_assert_uint_le(journal_file_records(j), 2 * 16 + 1);
		ck_assert_uint_eq(journal_file_bytes(j), file_size(e.path));
	}
	ck_assert_uint_gt(journal_compactions(j), 0);
	scan_file(e.path, &s);
	ck_assert_int_eq(s.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(s.records, journal_file_records(j));
	ck_assert_uint_eq(s.last_seq, 160);
	ck_assert_uint_eq(s.header.epoch, feed_epoch(f));
	ck_assert(!exists(e.tmp));
	uint64_t epoch = feed_epoch(f), oldest = feed_oldest(f);
	journal_close(j);
	feed_free(f);

	f = feed_new(16, 0);
	j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(rep.epoch, epoch);
	ck_assert_uint_eq(oldest, 145);
	assert_events(f, oldest, 160);
	journal_close(j);
	feed_free(f);
	net_loop_free(e.loop);
}
END_TEST

START_TEST(file_compaction_by_bytes)
{
	struct env e;
	struct journal_report rep;
	static uint8_t data[1000];
	env_init(&e, "compact-bytes");
	struct feed *f = feed_new(1000, 1024);  /* room for one such event */
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_NEVER, &rep);
	uint64_t bound = 2 * (1024 + 1000 * (JOURNAL_RECORD_HEAD + 1 + FEED_TYPE_MAX));
	for (int i = 0; i < 300; i++) {
		data[0] = (uint8_t)i;
		ck_assert_uint_eq(feed_publish(f, "x", data, sizeof data), (uint64_t)i + 1);
		ck_assert_uint_le(journal_file_bytes(j), bound);
	}
	ck_assert_uint_gt(journal_compactions(j), 0);
	journal_close(j);
	feed_free(f);
	f = feed_new(1000, 1024);
	j = open_ok(&e, f, JOURNAL_FSYNC_NEVER, &rep);
	ck_assert_uint_eq(feed_latest(f), 300);
	ck_assert_uint_eq(feed_oldest(f), 300);
	ck_assert_uint_eq(feed_get(f, 300)->data[0], (uint8_t)299);
	journal_close(j);
	feed_free(f);
	net_loop_free(e.loop);
}
END_TEST

/* Records of every size through a rewrite: small ones gathered into one
 * write, ones that fill the rest of a gathering and ones bigger than it
 * (an event of FEED_EVENT_MAX).  Reopening gives each byte back. */
START_TEST(file_compaction_mixed_sizes)
{
	static const size_t sizes[] = { 10, FEED_EVENT_MAX, 30000, 1, 40000, FEED_EVENT_MAX, 0 };
	enum { N = sizeof sizes / sizeof sizes[0], EVENTS = 7 * N };
	static uint8_t data[FEED_EVENT_MAX];
	struct env e;
	struct journal_report rep;
	env_init(&e, "compact-mixed");
	struct feed *f = feed_new(8, 0);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_NEVER, &rep);
	for (int i = 0; i < EVENTS; i++) {
		memset(data, 'a' + i % 26, sizeof data);
		ck_assert_uint_eq(feed_publish(f, "x", data, sizes[i % N]), (uint64_t)i + 1);
	}
	ck_assert_uint_gt(journal_compactions(j), 0);
	journal_close(j);
	feed_free(f);
	f = feed_new(8, 0);
	j = open_ok(&e, f, JOURNAL_FSYNC_NEVER, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
	ck_assert_uint_eq(feed_latest(f), EVENTS);
	ck_assert_uint_le(feed_oldest(f), EVENTS - 7);
	for (uint64_t seq = feed_oldest(f); seq <= EVENTS; seq++) {
		const struct feed_event *ev = feed_get(f, seq);
		ck_assert_uint_eq(ev->len, sizes[(seq - 1) % N]);
		memset(data, 'a' + (int)((seq - 1) % 26), sizeof data);
		ck_assert(memcmp(ev->data, data, ev->len) == 0);
	}
	journal_close(j);
	feed_free(f);
	net_loop_free(e.loop);
}
END_TEST

/* A header from another boot: the epoch changes unless the journal was
 * closed cleanly or written with fsync always; the events stay. */
START_TEST(file_reboot_rule)
{
	if (access("/proc/sys/kernel/random/boot_id", R_OK) != 0)
		return;                 /* no boot id here: the rule is skipped */
	struct env e;
	struct journal_scan s;
	env_init(&e, "reboot");
	uint64_t epoch = make_journal(&e, 3);
	size_t len;
	uint8_t *buf = slurp(e.path, &len);
	journal_scan(buf, len, NULL, NULL, &s);
	uint64_t boot = s.header.boot;
	ck_assert_uint_ne(boot, 0);
	static const struct { uint64_t boot_xor; uint32_t flags; bool changes; } cases[] = {
		{ 1, 0, true },
		{ 1, JOURNAL_CLEAN, false },
		{ 1, JOURNAL_SYNCED, false },
		{ 0, 0, false },        /* the process died, not the machine */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct journal_report rep;
		struct journal_header h = { .epoch = epoch, .boot = boot ^ cases[i].boot_xor,
					    .flags = cases[i].flags };
		journal_header_encode(buf, &h);
		spew(e.path, buf, len);
		struct feed *f = feed_new(16, 0);
		struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
		ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
		ck_assert_int_eq(rep.rebooted, cases[i].changes);
		ck_assert_int_eq(rep.new_epoch, cases[i].changes);
		ck_assert_int_eq(rep.epoch != epoch, cases[i].changes);
		assert_events(f, 1, 3);
		scan_file(e.path, &s);          /* the header names what is in use */
		ck_assert_uint_eq(s.header.epoch, rep.epoch);
		ck_assert_uint_eq(s.header.boot, boot);
		journal_close(j);
		feed_free(f);
	}
	free(buf);
	net_loop_free(e.loop);
}
END_TEST

/* An epoch feed_random_epoch() could not have drawn (0, or 2^48 and
 * above, which an id's 12 hex digits cannot hold) is not continued. */
START_TEST(file_epoch_out_of_range)
{
	static const uint64_t bad[] = { 0, UINT64_C(1) << 48, UINT64_MAX };
	struct env e;
	env_init(&e, "epoch");
	make_journal(&e, 2);
	size_t len;
	uint8_t *buf = slurp(e.path, &len);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct journal_report rep;
		struct journal_header h = { .epoch = bad[i], .flags = JOURNAL_CLEAN };
		journal_header_encode(buf, &h);
		spew(e.path, buf, len);
		struct feed *f = feed_new(16, 0);
		struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_BATCH, &rep);
		ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
		ck_assert(rep.new_epoch && !rep.rebooted);
		ck_assert_uint_ne(rep.epoch, bad[i]);
		ck_assert_uint_lt(rep.epoch, UINT64_C(1) << 48);
		assert_events(f, 1, 2);
		journal_close(j);
		feed_free(f);
	}
	free(buf);
	net_loop_free(e.loop);
}
END_TEST

static bool no_timers(void *loop) { return net_loop_timer_count(loop) == 0; }

START_TEST(file_fsync_modes)
{
	static const char *const names[] = { "batch", "always", "never" };
	enum journal_fsync mode;
	ck_assert(!journal_fsync_parse("", &mode));
	ck_assert(!journal_fsync_parse("Always", &mode));
	ck_assert(!journal_fsync_parse("sometimes", &mode));
	for (int m = 0; m < 3; m++) {
		struct env e;
		struct journal_report rep;
		struct journal_scan s;
		char name[32];
		ck_assert(journal_fsync_parse(names[m], &mode));
		ck_assert_int_eq(mode, m);
		snprintf(name, sizeof name, "fsync-%s", names[m]);
		env_init(&e, name);
		uint32_t synced = mode == JOURNAL_FSYNC_ALWAYS ? JOURNAL_SYNCED : 0;
		struct feed *f = feed_new(16, 0);
		struct journal *j = open_ok(&e, f, mode, &rep);
		scan_file(e.path, &s);
		ck_assert_uint_eq(s.header.flags, synced);
		ck_assert_uint_eq(net_loop_timer_count(e.loop), 0);
		publish_range(f, 1, 3);
		/* Batch: one timer for the three, gone once it fired. */
		ck_assert_uint_eq(net_loop_timer_count(e.loop), mode == JOURNAL_FSYNC_BATCH);
		ck_assert(net_loop_run_until(e.loop, no_timers, e.loop, 2000));
		publish_range(f, 4, 4);
		ck_assert_uint_eq(net_loop_timer_count(e.loop), mode == JOURNAL_FSYNC_BATCH);
		ck_assert_int_eq(journal_sync(j), 0);
		journal_close(j);
		ck_assert_uint_eq(net_loop_timer_count(e.loop), 0);
		scan_file(e.path, &s);
		ck_assert_uint_eq(s.header.flags, JOURNAL_CLEAN | synced);
		feed_free(f);
		f = feed_new(16, 0);
		j = open_ok(&e, f, mode, &rep);
		ck_assert(!rep.new_epoch);
		assert_events(f, 1, 4);
		journal_close(j);
		feed_free(f);
		net_loop_free(e.loop);
	}
}
END_TEST

/* A write that fails fails the publish, and leaves nothing behind: the
 * file is cut back and the seq is used again. */
START_TEST(file_write_failure)
{
	struct env e;
	struct journal_report rep;
	struct rlimit old, lim;
	static uint8_t data[100];
	env_init(&e, "efbig");
	struct feed *f = feed_new(16, 0);
	struct journal *j = open_ok(&e, f, JOURNAL_FSYNC_ALWAYS, &rep);
	publish_range(f, 1, 2);
	uint64_t size = file_size(e.path);
	/* Past RLIMIT_FSIZE a write fails with EFBIG (and SIGXFSZ, ignored). */
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = (struct rlimit){ .rlim_cur = size + 10, .rlim_max = old.rlim_max };
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	errno = 0;
	uint64_t seq = feed_publish(f, "message", data, sizeof data);
	int err = errno;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(err, EFBIG);
	ck_assert_uint_eq(file_size(e.path), size);
	ck_assert_uint_eq(journal_file_bytes(j), size);
	ck_assert_uint_eq(feed_latest(f), 2);
	publish_range(f, 3, 3);
	journal_close(j);
	feed_free(f);
	f = feed_new(16, 0);
	j = open_ok(&e, f, JOURNAL_FSYNC_ALWAYS, &rep);
	ck_assert_int_eq(rep.scan.status, JOURNAL_WHOLE);
	assert_events(f, 1, 3);
	journal_close(j);
	feed_free(f);
	net_loop_free(e.loop);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_journal");
	TCase *tc = tcase_create("crc32c");
	tcase_add_test(tc, crc32c_values);
	tcase_add_test(tc, crc32c_chains_and_matches_definition);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, scan_whole);
	tcase_add_test(tc, scan_cut_in_last_record);
	tcase_add_test(tc, scan_cut_in_header);
	tcase_add_test(tc, scan_flip_every_record_byte);
	tcase_add_test(tc, scan_flip_header);
	tcase_add_test(tc, scan_zero_tail);
	tcase_add_test(tc, scan_seq_must_follow);
	tcase_add_test(tc, scan_refused_by_reader);
	tcase_add_test(tc, scan_body_must_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 60);      /* every reopen is a few fdatasyncs */
	tcase_add_test(tc, file_new_then_reopen);
	tcase_add_test(tc, file_torn_tail);
	tcase_add_test(tc, file_corrupt_record);
	tcase_add_test(tc, file_not_ours);
	tcase_add_test(tc, file_compaction_by_records);
	tcase_add_test(tc, file_compaction_by_bytes);
	tcase_add_test(tc, file_compaction_mixed_sizes);
	tcase_add_test(tc, file_reboot_rule);
	tcase_add_test(tc, file_epoch_out_of_range);
	tcase_add_test(tc, file_fsync_modes);
	tcase_add_test(tc, file_write_failure);
	suite_add_tcase(s, tc);
	return s;
}
