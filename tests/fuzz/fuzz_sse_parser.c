/* fuzz_sse_parser.c -- libFuzzer harness for the event-stream parser
 * (sse_parser_feed, sse_parser_finish).
 *
 * libFuzzer options: -max_len=65536
 *
 * The input is a stream.  It is fed whole, split in two, a byte at a time
 * and in random pieces (fuzz.h), each read passed to sse_parser_feed()
 * until it is used up, as sse_parser.h shows; then the stream ends
 * (sse_parser_finish) and, as after a reconnection, the same bytes come
 * again whole on the same parser.  Each run logs every event, retry and
 * refusal, the last event ID and the reconnection time: the four logs
 * must be the same.  Beyond that it aborts when an answer breaks the
 * contract in sse_parser.h:
 *   - SSE_MORE with bytes unused, an event or retry that used no byte, a
 *     refusal that does not stick -- so a read of n bytes takes at most
 *     n + 1 calls, a byte at a time included (this parser once went round
 *     without end on a byte at a time: the calls are counted);
 *   - an event whose type (but for the default, "message"), data or id
 *     is over its limit, is not UTF-8, or holds a line end (or, for the
 *     id, a NUL); an empty type;
 *   - a retry that is not what sse_parser_retry_ms() says.
 * The options above let inputs grow to 64 KiB, so that libFuzzer's
 * -timeout sees a parser that is not linear in its input.
 *
 * One bit of the input's hash sets small limits (1..32 bytes each), so
 * that every limit is reached by short inputs. */
#include "fuzz.h"
#include "sse/sse_parser.h"
#include "util/utf8.h"

struct reader {
	struct sse_parser p;
	struct sse_limits lim;
	bool refused;
	struct fuzz_log log;
};

static bool has_any(const char *s, size_t n, const char *bytes, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (n > 0 && memchr(s, bytes[i], n))
			return true;
	return false;
}

static void log_event(struct reader *rd, int r, const struct sse_event *ev)
{
	const struct sse_limits *lim = &rd->lim;
	struct fuzz_log *l = &rd->log;

	if (r == SSE_RETRY) {
		FUZZ_CHECK(ev->retry_ms == sse_parser_retry_ms(&rd->p));
		fuzz_log_printf(l, "retry %llu\n", (unsigned long long)ev->retry_ms);
		return;
	}
	FUZZ_CHECK(ev->type_len > 0 && (ev->type_len <= lim->type_max ||
					(ev->type_len == 7 && !memcmp(ev->type, "message", 7))));
	FUZZ_CHECK(ev->data_len <= lim->data_max && ev->id_len <= lim->id_max);
	FUZZ_CHECK(utf8_is_valid((const uint8_t *)ev->type, ev->type_len) &&
		   utf8_is_valid((const uint8_t *)ev->data, ev->data_len) &&
		   utf8_is_valid((const uint8_t *)ev->id, ev->id_len));
	FUZZ_CHECK(!has_any(ev->type, ev->type_len, "\r\n", 2) &&
		   !has_any(ev->data, ev->data_len, "\r", 1) &&
		   !has_any(ev->id, ev->id_len, "\r\n\0", 3));
	fuzz_log_printf(l, "event type %zu data %zu id %zu\n", ev->type_len, ev->data_len,
			ev->id_len);
	fuzz_log_add(l, ev->type, ev->type_len);
	fuzz_log_add(l, ev->data, ev->data_len);
	fuzz_log_add(l, ev->id, ev->id_len);
	fuzz_log_add(l, "\n", 1);
}

/* Feeds one read until it is used up, or refused. */
static void feed(struct reader *rd, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	for (size_t calls = 0; off < len && !rd->refused; calls++) {
		struct sse_event ev;
		size_t used;
		FUZZ_CHECK(calls <= len);
		int r = sse_parser_feed(&rd->p, buf + off, len - off, &used, &ev);
		FUZZ_CHECK(used <= len - off);
		off += used;
		if (r < 0) {
			FUZZ_CHECK(strcmp(sse_parser_reason(r), "unknown status") != 0);
			fuzz_log_printf(&rd->log, "refused %d %s\n", r, sse_parser_reason(r));
			size_t again;
			FUZZ_CHECK(sse_parser_feed(&rd->p, "\n\n", 2, &again, &ev) == r && again == 0);
			rd->refused = true;
		} else if (r == SSE_MORE) {
			FUZZ_CHECK(off == len);
		} else {
			FUZZ_CHECK((r == SSE_EVENT || r == SSE_RETRY) && used > 0);
			log_event(rd, r, &ev);
		}
	}
}

static void stream_ends(struct reader *rd)
{
	size_t id_len;
	const char *id = sse_parser_last_id(&rd->p, &id_len);
	int r = sse_parser_finish(&rd->p);

	FUZZ_CHECK(r == SSE_MORE || (r < 0 && rd->refused));
	fuzz_log_printf(&rd->log, "end %d, retry %llu, %llu comments, last id %zu: ", r,
			(unsigned long long)sse_parser_retry_ms(&rd->p),
			(unsigned long long)sse_parser_comments(&rd->p), id_len);
	fuzz_log_add(&rd->log, id, id_len);
	fuzz_log_add(&rd->log, "\n", 1);
}

static size_t on_data(void *ud, uint8_t *buf, size_t len, bool eof)
{
	struct reader *rd = ud;

	if (eof)
		stream_ends(rd);
	else
		feed(rd, buf, len);
	return len;
}

static void run(const struct sse_limits *lim, const uint8_t *data, size_t size,
		enum fuzz_cut_how how, struct fuzz_log *log)
{
	struct reader rd = { .lim = *lim };

	sse_parser_init(&rd.p, lim);
	fuzz_feed(data, size, fuzz_cut_of(how, data, size), on_data, &rd, NULL);
	feed(&rd, data, size);          /* the next stream, after a reconnection */
	stream_ends(&rd);
	sse_parser_free(&rd.p);
	*log = rd.log;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = fuzz_hash(data, size);
	struct sse_limits small = {
		.data_max = 1 + (h >> 16) % 32, .type_max = 1 + (h >> 24) % 32,
		.id_max = 1 + (h >> 32) % 32, .keep = 1 + (h >> 40) % 32,
	};
	static const struct sse_limits defaults = { SSE_DATA_MAX, SSE_TYPE_MAX, SSE_ID_MAX, SSE_KEEP };
	const struct sse_limits *lim = h & 0x100 ? &small : &defaults;
	struct fuzz_log want, got;

	run(lim, data, size, FUZZ_WHOLE, &want);
	for (enum fuzz_cut_how how = FUZZ_SPLIT; how <= FUZZ_PIECES; how++) {
		run(lim, data, size, how, &got);
		fuzz_log_same(&want, &got, fuzz_cut_name(how));
		fuzz_log_free(&got);
	}
	fuzz_log_free(&want);
	return 0;
}
