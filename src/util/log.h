/* log.h -- one line on stderr per notable event, and never a flood.
 *
 * A server that is exposed must say what happened to it: that it is
 * listening, that it ran out of descriptors, that it dropped a client
 * too slow to read, refused a connection over a limit, refused a
 * publisher.  Each such event is one line:
 *
 *   2026-12-05T23:10:00.123Z warn limit: 1000 connections from 192.0.2.7: refused
 *
 * (UTC time, level, topic, the message).  The same events are also
 * counted where they happen (the ledger, /metrics); the log says when
 * and to whom.
 *
 * Rate limit.  A flood of refused connections must not fill a disk, nor
 * hide the one line that matters among a million that do not.  Every
 * topic has its own bucket: LOG_BURST lines at once, then LOG_PER_SEC a
 * second; what a bucket holds back is counted, and the topic's next line
 * that passes says how many of its lines were held back before it
 * ("(37 similar lines not shown)").  So a line is never lost without a
 * trace, and the whole log grows by at most LOG_TOPICS * LOG_PER_SEC
 * lines a second, whatever the traffic.
 *
 * The level is the program's (log_set_level): errors only, warnings too
 * (the default), information (listening, the limits in force), or debug.
 * One thread writes at a time (a mutex), so lines never interleave.
 *
 * Read next: net/limits.h, which logs what it refuses.
 */
#ifndef PUSHPULL_UTIL_LOG_H
#define PUSHPULL_UTIL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* What a line is about: each topic has its own rate limit. */
enum log_topic {
	LOG_SERVER,             /* listening, stopping, the settings in force */
	LOG_FDS,                /* out of descriptors (EMFILE, ENFILE) */
	LOG_LIMIT,              /* a connection refused over a limit */
	LOG_SLOW,               /* a client dropped for the memory it held */
	LOG_PUBLISH,            /* a publish, or an Origin, refused */
	LOG_TOPICS
};

#define LOG_BURST   20          /* lines of one topic at once */
#define LOG_PER_SEC 5           /* then this many a second */
#define LOG_LINE_MAX 512        /* longer messages are cut */

/* The lowest level written (LOG_WARN by default), and where (stderr by
 * default; a test may give a file). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_stream(FILE *f);

/* "error", "warn", "info" or "debug" -> a level; false if none of them. */
bool log_level_parse(const char *name, enum log_level *level);

/* Writes one line if 'level' is enabled and the topic's bucket allows. */
void log_say(enum log_level level, enum log_topic topic, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lines held back by the rate limit so far, in every topic. */
uint64_t log_suppressed(void);

#endif
