/* fuzz_journal.c -- libFuzzer harness for journal_scan().
 *
 * 'make fuzz' runs it (make fuzz FUZZ=journal: this one alone), and
 * 'make test' replays its corpus.  The seeds in corpus_journal/ are real
 * journals -- whole, torn, with a zero tail -- so that the fuzzer starts
 * past the checksums instead of having to guess them.
 *
 * The input is the file, copied into a block of exactly its size so that
 * ASan sees any read past the end.  Beyond the sanitizers' checks it
 * aborts when an answer breaks the contract in journal.h: lengths outside
 * the input, a count of records that is not the number handed out, seqs
 * that are not one run, a record that is not what journal_record_encode()
 * makes of it, a "whole" that is not all of it, a good prefix that does
 * not read back whole.  The callback refuses the record numbered (input
 * length mod 8), when that is not 0, so the refusal path is fuzzed too.
 *
 * Almost every mutation breaks a checksum, and a fuzzer cannot guess a
 * CRC: so each input is scanned twice, as it is and with its checksums
 * made right wherever its lengths allow (fix_checksums), which lets the
 * mutations reach the lengths, the bodies and the seqs behind them. */
#include <stdlib.h>
#include <string.h>
#include "paradigms/journal.h"
#include "util/crc32c.h"

struct check {
	const uint8_t *buf;
	size_t len;
	size_t pos;             /* where the next record must start */
	uint64_t calls, last;
	size_t refuse_at;       /* the call to refuse (1-based); 0: none */
	uint8_t copy[JOURNAL_RECORD_HEAD + 1 + FEED_TYPE_MAX + FEED_EVENT_MAX];
};

static int on_record(void *ud, const struct journal_record *r)
{
	struct check *c = ud;
	size_t size = journal_record_size(r->type_len, r->len);

	if (c->calls > 0 && r->seq != c->last + 1)
		abort();
	if (r->seq == 0 || !feed_type_valid(r->type, r->type_len) || r->len > FEED_EVENT_MAX)
		abort();
	/* The record is the bytes at 'pos', exactly as we would write them. */
	if (size > c->len - c->pos || (const uint8_t *)r->type != c->buf + c->pos + 25 ||
	    r->data != c->buf + c->pos + 25 + r->type_len)
		abort();
	if (journal_record_encode(c->copy, r) != size || memcmp(c->copy, c->buf + c->pos, size))
		abort();
	if (++c->calls == c->refuse_at)
		return 1;
	c->last = r->seq;
	c->pos += size;
	return 0;
}

/* The scan's answer agrees with itself and with what the callback saw. */
static void check_answer(const struct check *c, const struct journal_scan *s)
{
	bool refused = c->refuse_at && c->calls == c->refuse_at;

	if (s->status > JOURNAL_NOT_OURS || s->good_len > c->len ||
	    memchr(s->why, 0, sizeof s->why) == NULL)
		abort();
	if ((s->status == JOURNAL_EMPTY) != (c->len == 0))
		abort();
	if (s->status == JOURNAL_WHOLE && (s->good_len != c->len || !s->has_header))
		abort();
	if (s->status != JOURNAL_WHOLE && s->status != JOURNAL_EMPTY && s->why[0] == '\0')
		abort();
	if (refused && (s->status != JOURNAL_CORRUPT || !strstr(s->why, "refused")))
		abort();
	if (s->records != c->calls - refused)
		abort();
	if (s->records == 0 ? s->first_seq || s->last_seq :
	    s->last_seq - s->first_seq + 1 != s->records || s->last_seq != c->last)
		abort();
	if (s->has_header ? s->good_len != c->pos : s->good_len != 0 || s->records != 0)
		abort();
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes the CRC each checksum field should hold, walking the records by
 * their own lengths as far as they stay inside the input. */
static void fix_checksums(uint8_t *buf, size_t len)
{
	if (len < JOURNAL_HEADER_SIZE)
		return;
	put_le32(buf + 28, crc32c(0, buf, 28));
	for (size_t pos = JOURNAL_HEADER_SIZE; len - pos >= JOURNAL_RECORD_HEAD;) {
		uint8_t *p = buf + pos;
		uint32_t body_len = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
				    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		bool fits = body_len <= len - pos - JOURNAL_RECORD_HEAD;
		if (fits)
			put_le32(p + 16, crc32c(0, p + JOURNAL_RECORD_HEAD, body_len));
		put_le32(p + 20, crc32c(0, p, 20));
		if (!fits)
			return;
		pos += JOURNAL_RECORD_HEAD + body_len;
	}
}

static void scan_and_check(uint8_t *buf, size_t size)
{
	static struct check c;          /* big: one record's worth of copy */
	c.buf = buf;
	c.len = size;
	c.pos = JOURNAL_HEADER_SIZE;
	c.calls = c.last = 0;
	c.refuse_at = size % 8;
	struct journal_scan s;
	journal_scan(buf, size, on_record, &c, &s);
	check_answer(&c, &s);
	(void)journal_status_name(s.status);

	/* What it kept reads back whole, with the same records. */
	if (s.has_header) {
		struct journal_scan again;
		journal_scan(buf, s.good_len, NULL, NULL, &again);
		if (again.status != JOURNAL_WHOLE || again.records != s.records ||
		    again.good_len != s.good_len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	scan_and_check(buf, size);
	fix_checksums(buf, size);
	scan_and_check(buf, size);
	free(buf);
	return 0;
}
