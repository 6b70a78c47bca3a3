/* redis_feed.c -- the feed shared through Redis; see redis_feed.h.
 *
 * Two redis_client connections: 'pub' runs the publish script, 'follow'
 * loops on the round SET NX / GET / XREAD (follow_round) and puts each
 * entry into the hub's feed.  Only the follower ever appends to the
 * local feed, so every server appends the same events in the same order
 * with the same seqs.
 */
#include "paradigms/redis_feed.h"
#include "paradigms/redis_client.h"
#include "resp/resp.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_EPOCH  REDIS_FEED_PREFIX "epoch"
#define KEY_SEQ    REDIS_FEED_PREFIX "seq"
#define KEY_STREAM REDIS_FEED_PREFIX "stream"

/* KEYS: epoch, seq, stream.  ARGV: the epoch the server believes in,
 * type, data, the stream's MAXLEN.  Returns the seq. */
static const char publish_script[] =
	"if redis.call('GET', KEYS[1]) ~= ARGV[1] then\n"
	"  return redis.error_reply('EPOCH the shared feed began again')\n"
	"end\n"
	"local s = redis.call('INCR', KEYS[2])\n"
	"redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], s .. '-1',\n"
	"           't', ARGV[2], 'd', ARGV[3], 'e', ARGV[1])\n"
	"return s\n";

struct redis_feed {
	struct pp_hub *hub;
	struct redis_client *pub, *follow;
	bool ready, caught_up;
	bool in_round;                  /* a follow round is waiting for its replies */
	bool pub_lost, follow_lost;     /* said so in the log, not said back yet */
	uint64_t seen_epoch;            /* what this round's GET said (0: nothing usable) */
	uint64_t read_upto;             /* the last seq read from the stream */
	char error[160];                /* the last error Redis answered */
	struct net_timer retry;         /* the next round, after an error */
	struct redis_feed_stats stats;
};

static void follow_round(struct redis_feed *rf);

/* --- reading replies ------------------------------------------------------ */

/* A reply that is Redis's error: its text into rf->error.  True if so. */
static bool reply_error(struct redis_feed *rf, const char *reply, size_t len)
{
	if (len == 0 || reply[0] != RESP_ERROR)
		return false;
	struct resp_reader r;
	struct resp_value v;
	resp_reader_init(&r, reply, len);
	resp_reader_next(&r, &v);
	snprintf(rf->error, sizeof rf->error, "%.*s", (int)(v.len < 120 ? v.len : 120), v.str);
	return true;
}

/* 12 hex digits, as feed_id_format writes an epoch; 0 if not. */
static uint64_t parse_epoch(const char *s, size_t len)
{
	uint64_t e = 0;
	if (len != 12)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		e = e << 4 | (uint64_t)d;
	}
	return e;
}

/* A stream id "<seq>-1"; 0 if not one of ours. */
static uint64_t parse_entry_id(const char *s, size_t len)
{
	uint64_t seq = 0;
	size_t i = 0;
	for (; i < len && i < 20 && s[i] >= '0' && s[i] <= '9'; i++)
		seq = seq * 10 + (uint64_t)(s[i] - '0');
	return i > 0 && len == i + 2 && s[i] == '-' && s[i + 1] == '1' ? seq : 0;
}

/* --- following the stream ------------------------------------------------- */

static void on_set(void *ud, const char *reply, size_t len)
{
	struct redis_feed *rf = ud;
	if (reply)
		reply_error(rf, reply, len);
}

static void on_get(void *ud, const char *reply, size_t len)
{
	struct redis_feed *rf = ud;
	rf->seen_epoch = 0;
	if (!reply || reply_error(rf, reply, len))
		return;
	struct resp_reader r;
	struct resp_value v;
	resp_reader_init(&r, reply, len);
	if (resp_reader_next(&r, &v) && v.type == RESP_BULK && !v.null)
		rf->seen_epoch = parse_epoch(v.str, v.len);
}

/* The shared history is gone: begin the local one again in 'epoch'. */
static void restart(struct redis_feed *rf, uint64_t epoch)
{
	struct pp_hub *hub = rf->hub;
	if (rf->ready) {
		rf->stats.restarts++;
		log_say(LOG_WARN, LOG_SERVER, "redis: the shared feed began again (epoch %012llx): "
			"every client is told of the gap", (unsigned long long)epoch);
	}
	/* The hub's renders are keyed by seq alone, and seqs start again. */
	hub->score_json.seq = hub->sse_bytes.seq = hub->ws_bytes.seq = 0;
	rf->read_upto = 0;
	rf->caught_up = false;
	feed_restart(hub->feed, epoch);
}

/* One entry [id, [field, value, ...]]: into the feed.  False if it is of
 * another epoch (the round must start again). */
static bool take_entry(struct redis_feed *rf, struct resp_reader *r)
{
	struct resp_value entry, id, fields, k, v;
	const char *type = NULL, *data = "", *epoch = NULL;
	size_t tlen = 0, dlen = 0, elen = 0;
	resp_reader_next(r, &entry);
	if (entry.type != RESP_ARRAY || entry.count != 2) {
		resp_reader_skip(r, &entry);
		return true;
	}
	resp_reader_next(r, &id);
	resp_reader_next(r, &fields);
	if (fields.type != RESP_ARRAY) {
		resp_reader_skip(r, &fields);
		return true;
	}
	for (size_t i = 0; i < fields.count; i += 2) {
		resp_reader_next(r, &k);
		resp_reader_skip(r, &k);
		if (i + 1 == fields.count)
			break;                  /* a name without a value: not ours */
		resp_reader_next(r, &v);
		resp_reader_skip(r, &v);
		if (k.type != RESP_BULK || v.type != RESP_BULK || k.len != 1)
			continue;
		if (k.str[0] == 't') { type = v.str; tlen = v.len; }
		if (k.str[0] == 'd') { data = v.str; dlen = v.len; }
		if (k.str[0] == 'e') { epoch = v.str; elen = v.len; }
	}
	uint64_t seq = parse_entry_id(id.str, id.len);
	if (!epoch || parse_epoch(epoch, elen) != feed_epoch(rf->hub->feed))
		return false;
	if (seq <= rf->read_upto)
		return true;                    /* never: XREAD gives what follows */
	rf->read_upto = seq;
	rf->stats.read++;
	/* An entry the feed refuses (not a type of ours) is skipped: the
	 * next one then comes after a hole, which subscribers are told of. */
	if (type)
		feed_publish_at(rf->hub->feed, seq, type, tlen, data, dlen);
	return true;
}

/* XREAD's answer: null (nothing within the block time), or
 * [[stream, [entry, ...]]].  Returns the entries taken, or -1 if one was
 * of another epoch. */
static long take_entries(struct redis_feed *rf, const char *reply, size_t len)
{
	struct resp_reader r;
	struct resp_value v;
	long n = 0;
	resp_reader_init(&r, reply, len);
	if (!resp_reader_next(&r, &v) || v.type != RESP_ARRAY || v.null || v.count == 0)
		return 0;
	resp_reader_next(&r, &v);               /* [stream, entries] */
	resp_reader_next(&r, &v);               /* the stream's name */
	resp_reader_next(&r, &v);               /* its entries */
	for (size_t i = 0; i < v.count; i++, n++)
		if (!take_entry(rf, &r))
			return -1;
	return n;
}

static void on_retry(struct net_loop *loop, struct net_timer *t, void *ud)
{
	(void)loop; (void)t;
	follow_round(ud);
}

static void on_xread(void *ud, const char *reply, size_t len)
{
	struct redis_feed *rf = ud;
	struct feed *f = rf->hub->feed;
	rf->in_round = false;
	if (!reply)
		return;                         /* lost: the next round starts at on_up */
	if (reply_error(rf, reply, len) || rf->seen_epoch == 0) {
		if (!rf->error[0])
			snprintf(rf->error, sizeof rf->error, "the key %s is not an epoch", KEY_EPOCH);
		log_say(LOG_WARN, LOG_SERVER, "redis: %s", rf->error);
		net_timer_start(rf->hub->loop, &rf->retry, REDIS_FEED_RETRY_MS, 0);
		return;
	}
	if (rf->seen_epoch != feed_epoch(f)) {
		restart(rf, rf->seen_epoch);    /* what XREAD read is of the old epoch */
		follow_round(rf);
		return;
	}
	long n = take_entries(rf, reply, len);
	if (n < 0) {                            /* the epoch changed under the round */
		net_timer_start(rf->hub->loop, &rf->retry, REDIS_FEED_RETRY_MS, 0);
		return;
	}
	if (n < REDIS_FEED_BATCH)
		rf->caught_up = true;
	if (rf->caught_up && !rf->ready && redis_client_up(rf->pub)) {
		rf->ready = true;
		rf->error[0] = '\0';
	}
	follow_round(rf);
}

/* One round: the epoch (created if missing), then what follows the last
 * seq read -- at once while catching up, else blocking until there is
 * something or REDIS_FEED_BLOCK_MS pass. */
static void follow_round(struct redis_feed *rf)
{
	if (rf->in_round || !redis_client_up(rf->follow))
		return;
	char epoch[FEED_ID_MAX], from[32], count[16], block[16];
	snprintf(epoch, sizeof epoch, "%012llx", (unsigned long long)feed_random_epoch());
	if (rf->read_upto)
		snprintf(from, sizeof from, "%llu-1", (unsigned long long)rf->read_upto);
	else
		snprintf(from, sizeof from, "0-0");
	snprintf(count, sizeof count, "%d", REDIS_FEED_BATCH);
	snprintf(block, sizeof block, "%d", REDIS_FEED_BLOCK_MS);
	const char *set[] = { "SET", KEY_EPOCH, epoch, "NX" };
	const char *get[] = { "GET", KEY_EPOCH };
	const char *xread[] = { "XREAD", "COUNT", count, "BLOCK", block, "STREAMS", KEY_STREAM, from };
	const char *xread_now[] = { "XREAD", "COUNT", count, "STREAMS", KEY_STREAM, from };
	rf->error[0] = '\0';
	if (redis_client_command(rf->follow, 4, set, NULL, on_set, rf) < 0 ||
	    redis_client_command(rf->follow, 2, get, NULL, on_get, rf) < 0)
		return;                         /* down: on_up starts again */
	int r = rf->caught_up ? redis_client_command(rf->follow, 8, xread, NULL, on_xread, rf)
			      : redis_client_command(rf->follow, 6, xread_now, NULL, on_xread, rf);
	rf->in_round = r == 0;
}

/* --- the connections ------------------------------------------------------ */

static void on_up(struct redis_client *rc, void *ud)
{
	struct redis_feed *rf = ud;
	bool *lost = rc == rf->pub ? &rf->pub_lost : &rf->follow_lost;
	if (*lost)
		log_say(LOG_INFO, LOG_SERVER, "redis: connected again (%s)",
			rc == rf->pub ? "publishing" : "following");
	*lost = false;
	if (rc == rf->follow) {
		/* Whatever happened while away, the first round does not
		 * block: a new epoch is met at once, not after a block. */
		rf->caught_up = false;
		follow_round(rf);
	}
	else if (rf->caught_up && !rf->ready)
		rf->ready = true;               /* the follower was ready first */
}

static void on_down(struct redis_client *rc, int err, void *ud)
{
	struct redis_feed *rf = ud;
	if (!rf->ready) {
		snprintf(rf->error, sizeof rf->error, "cannot reach Redis: %s", strerror(err));
		return;
	}
	bool *lost = rc == rf->pub ? &rf->pub_lost : &rf->follow_lost;
	if (*lost)
		return;                         /* another attempt that failed */
	*lost = true;
	log_say(LOG_WARN, LOG_SERVER, "redis: %s connection lost (%s): %s", rc == rf->pub ?
		"the publishing" : "the following", strerror(err), rc == rf->pub ?
		"publishes answer 503 until it is back" : "reading again once it is back");
}

static const struct redis_client_ops client_ops = { .on_up = on_up, .on_down = on_down };

/* --- publishing ----------------------------------------------------------- */

struct publish {
	struct redis_feed *rf;
	uint64_t epoch;
	pp_published_fn *done;
	void *done_ud;
};

static void on_published(void *ud, const char *reply, size_t len)
{
	struct publish *p = ud;
	struct redis_feed *rf = p->rf;
	uint64_t seq = 0;
	int err = ECONNRESET;                   /* lost before the answer: fate unknown */
	if (reply && reply_error(rf, reply, len)) {
		err = strncmp(rf->error, "EPOCH", 5) == 0 ? ESTALE : EIO;
		log_say(LOG_WARN, LOG_PUBLISH, "redis refused a publish: %s", rf->error);
	} else if (reply) {
		struct resp_reader r;
		struct resp_value v;
		resp_reader_init(&r, reply, len);
		if (resp_reader_next(&r, &v) && v.type == RESP_INTEGER && v.integer > 0) {
			seq = (uint64_t)v.integer;
			err = 0;
		} else {
			err = EIO;
		}
	}
	if (seq)
		rf->stats.published++;
	else
		rf->stats.refused++;
	if (p->done)
		p->done(p->done_ud, p->epoch, seq, err);
	free(p);
}

static int publish(void *bp, const char *type, const void *data, size_t len,
		   pp_published_fn *done, void *done_ud)
{
	struct redis_feed *rf = bp;
	struct feed *f = rf->hub->feed;
	size_t tlen = strlen(type);
	if (!feed_type_valid(type, tlen) || len > feed_event_max(f)) {
		errno = len > feed_event_max(f) ? EMSGSIZE : EINVAL;
		return -1;
	}
	if (!rf->ready || !redis_client_up(rf->pub)) {
		rf->stats.refused++;
		errno = ENOTCONN;
		return -1;
	}
	struct publish *p = malloc(sizeof *p);
	if (!p)
		return -1;
	*p = (struct publish){ rf, feed_epoch(f), done, done_ud };
	char epoch[FEED_ID_MAX], maxlen[24];
	snprintf(epoch, sizeof epoch, "%012llx", (unsigned long long)p->epoch);
	snprintf(maxlen, sizeof maxlen, "%zu", feed_max_events(f));
	const char *argv[] = { "EVAL", publish_script, "3", KEY_EPOCH, KEY_SEQ, KEY_STREAM,
			       epoch, type, data, maxlen };
	size_t lens[] = { 4, sizeof publish_script - 1, 1, strlen(KEY_EPOCH), strlen(KEY_SEQ),
			  strlen(KEY_STREAM), strlen(epoch), tlen, len, strlen(maxlen) };
	if (redis_client_command(rf->pub, 10, argv, lens, on_published, p) < 0) {
		int e = errno;
		free(p);
		rf->stats.refused++;
		errno = e;
		return -1;
	}
	return 0;
}

/* --- the module ----------------------------------------------------------- */

struct redis_feed *redis_feed_new(struct pp_hub *hub, const char *host, uint16_t port,
				  struct net_ledger *ledger)
{
	struct redis_feed *rf = calloc(1, sizeof *rf);
	if (!rf)
		return NULL;
	rf->hub = hub;
	net_timer_init(&rf->retry, on_retry, rf);
	rf->pub = redis_client_new(hub->loop, host, port, &client_ops, rf, ledger);
	rf->follow = redis_client_new(hub->loop, host, port, &client_ops, rf, ledger);
	if (!rf->pub || !rf->follow) {
		redis_client_free(rf->pub);
		redis_client_free(rf->follow);
		free(rf);
		errno = ENOMEM;
		return NULL;
	}
	hub->backplane = (struct pp_backplane){ publish, rf };
	feed_set_lead(hub->feed, feed_max_events(hub->feed));
	return rf;
}

bool redis_feed_ready(const struct redis_feed *rf)
{
	return rf->ready && redis_client_up(rf->pub);
}

const char *redis_feed_start_error(const struct redis_feed *rf)
{
	return !rf->ready && rf->error[0] ? rf->error : NULL;
}

void redis_feed_stats(const struct redis_feed *rf, struct redis_feed_stats *out)
{
	*out = rf->stats;
	const struct redis_client_stats *a = redis_client_stats(rf->pub);
	const struct redis_client_stats *b = redis_client_stats(rf->follow);
	out->commands = a->commands + b->commands;
	out->round_trips = a->round_trips + b->round_trips;
}

void redis_feed_free(struct redis_feed *rf)
{
	if (!rf)
		return;
	if (rf->hub->backplane.bp == rf)
		rf->hub->backplane = (struct pp_backplane){ 0 };
	feed_set_lead(rf->hub->feed, 0);
	net_timer_stop(rf->hub->loop, &rf->retry);
	redis_client_free(rf->pub);
	redis_client_free(rf->follow);
	free(rf);
}
