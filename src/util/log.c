/* log.c -- the lines of log.h, each topic behind its own token bucket.
 *
 * A bucket holds up to LOG_BURST tokens and gains LOG_PER_SEC a second;
 * a line takes one.  Tokens are kept in thousandths so that the refill
 * needs no floating point: one millisecond adds LOG_PER_SEC of them. */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#define MILLI 1000u

struct bucket {
	uint64_t tokens;        /* thousandths of a line */
	uint64_t last_ms;       /* last refill; 0: never used */
	uint64_t held;          /* lines held back since the last one written */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level current = LOG_WARN;
static FILE *out;               /* NULL: stderr */
static struct bucket buckets[LOG_TOPICS];
static uint64_t suppressed;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const char *const topic_names[LOG_TOPICS] = {
	[LOG_SERVER] = "server", [LOG_FDS] = "fds", [LOG_LIMIT] = "limit",
	[LOG_SLOW] = "slow", [LOG_PUBLISH] = "refused",
};

void log_set_level(enum log_level level) { current = level; }
enum log_level log_get_level(void) { return current; }

void log_set_stream(FILE *f)
{
	pthread_mutex_lock(&lock);
	out = f;
	pthread_mutex_unlock(&lock);
}

bool log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return true;
		}
	return false;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Refills 'b' for the time gone by and takes a token if there is one. */
static bool take(struct bucket *b, uint64_t now)
{
	const uint64_t full = (uint64_t)LOG_BURST * MILLI;
	if (b->last_ms == 0)
		b->tokens = full;
	else if (now > b->last_ms) {
		uint64_t gained = (now - b->last_ms) * LOG_PER_SEC;
		b->tokens = gained >= full - b->tokens ? full : b->tokens + gained;
	}
	b->last_ms = now;
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}

void log_say(enum log_level level, enum log_topic topic, const char *fmt, ...)
{
	if (level > current || (unsigned)topic >= LOG_TOPICS)
		return;
	char msg[LOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)            /* one event, one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

	pthread_mutex_lock(&lock);
	struct bucket *b = &buckets[topic];
	if (!take(b, mono_ms())) {
		b->held++;
		suppressed++;
		pthread_mutex_unlock(&lock);
		return;
	}
	FILE *f = out ? out : stderr;
	fprintf(f, "%s.%03ldZ %s %s: %s", when, ts.tv_nsec / 1000000L, level_names[level],
		topic_names[topic], msg);
	if (b->held)
		fprintf(f, " (%llu similar line%s not shown)", (unsigned long long)b->held,
			b->held == 1 ? "" : "s");
	fputc('\n', f);
	fflush(f);
	b->held = 0;
	pthread_mutex_unlock(&lock);
}

uint64_t log_suppressed(void)
{
	pthread_mutex_lock(&lock);
	uint64_t n = suppressed;
	pthread_mutex_unlock(&lock);
	return n;
}
