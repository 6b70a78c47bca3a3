/* test_paradigms_resume.c -- one cursor across restarts, against the real
 * `pushpull serve`: with --journal a client resumes on long polling, SSE
 * and WebSocket and gets exactly the events it lacks, in order; without
 * one (a new epoch) every paradigm says there is a gap; and a server
 * killed with SIGKILL in the middle of a burst of publishes loses nothing
 * it acknowledged. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/proc.h"

#define PUSHPULL "bin/pushpull"

static char dir[64], journal[96];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/pp-resume-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(journal, sizeof journal, "%s/feed.journal", dir);
}

static void remove_dir(void)
{
	char path[128];
	static const char *const names[] = { "feed.journal", "feed.journal.tmp",
					     "feed.journal.corrupt" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

struct server {
	pid_t pid;
	int so, se;
	char base[64];
};

/* `pushpull serve --port 0`, with the journal when 'with_journal'. */
static void start(struct server *s, bool with_journal)
{
	char *with[] = { PUSHPULL, "serve", "--port", "0", "--journal", journal, NULL };
	char *without[] = { PUSHPULL, "serve", "--port", "0", NULL };
	s->pid = proc_serve_start(with_journal ? with : without, &s->so, &s->se, s->base,
				  sizeof s->base);
}

/* Stops it (SIGINT) and returns what it said on stderr, in 'out'. */
static void stop(struct server *s, struct proc_run *out)
{
	proc_serve_stop(s->pid, s->so, s->se, out);
}

/* Publishes 'n' events "<tag> <i>" and returns the id of the last, as
 * {"seq":N,"id":"<id>"} says. */
static void publish(const struct server *s, const char *tag, int n, char *last_id, size_t cap)
{
	char url[128], data[32];
	snprintf(url, sizeof url, "%s/publish", s->base);
	for (int i = 1; i <= n; i++) {
		snprintf(data, sizeof data, "%s %d", tag, i);
		char *argv[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", data,
				 NULL };
		struct proc_run r;
		proc_run(&r, argv, 5000);
		ck_assert_int_eq(r.status, 0);
		const char *id = strstr(r.out, "\"id\":\"");
		ck_assert_ptr_nonnull(id);
		snprintf(last_id, cap, "%.*s", (int)strcspn(id + 6, "\""), id + 6);
	}
}

/* The event lines a client prints: {"seq":N,"id":"<epoch>-N","type":
 * "message","data":"<tag> <i>"} for i in first..last, N = base + i. */
static void event_lines(char *dst, size_t cap, const char *epoch, const char *tag,
			int first, int last, int base)
{
	size_t n = 0;
	dst[0] = '\0';
	for (int i = first; i <= last && n < cap; i++)
		n += (size_t)snprintf(dst + n, cap - n,
				      "{\"seq\":%d,\"id\":\"%s-%d\",\"type\":\"message\","
				      "\"data\":\"%s %d\"}\n", base + i, epoch, base + i, tag, i);
}

/* Runs a client of 'kind' on 'url' that resumes from 'id' for 'count'
 * events, into 'r'. */
static void resume(struct proc_run *r, const struct server *s, const char *kind, const char *id,
		   int count)
{
	char url[256], n[16];
	snprintf(n, sizeof n, "%d", count);
	if (strcmp(kind, "sse") == 0) {
		snprintf(url, sizeof url, "%s/events?lastEventId=%s", s->base, id);
		char *argv[] = { PUSHPULL, "client", "sse", url, "--count", n, NULL };
		proc_run(r, argv, 5000);
	} else if (strcmp(kind, "long-poll") == 0) {
		snprintf(url, sizeof url, "%s/score", s->base);
		char *argv[] = { PUSHPULL, "client", "long-poll", url, "--since", (char *)id,
				 "--count", n, NULL };
		proc_run(r, argv, 5000);
	} else {
		snprintf(url, sizeof url, "ws%s/ws", s->base + 4);
		char *argv[] = { PUSHPULL, "client", "websocket", url, "--since", (char *)id,
				 "--count", n, NULL };
		proc_run(r, argv, 5000);
	}
	ck_assert_msg(r->status == 0, "%s: status %d: %s", kind, r->status, r->err);
}

static const char *const kinds[] = { "long-poll", "sse", "websocket" };

/* With the journal: the same epoch after a restart, and the three events
 * published since, exactly once, in order, on every paradigm. */
START_TEST(resume_across_restart_with_journal)
{
	make_dir();
	struct server s;
	struct proc_run out;
	char id[64], later[64];
	start(&s, true);
	publish(&s, "before", 5, id, sizeof id);
	stop(&s, &out);
	ck_assert_ptr_nonnull(strstr(out.err, "journal"));

	start(&s, true);
	publish(&s, "after", 3, later, sizeof later);
	char epoch[16], want[1024];
	snprintf(epoch, sizeof epoch, "%.12s", id);
	ck_assert_msg(strncmp(later, epoch, 12) == 0, "epoch changed: %s then %s", id, later);
	event_lines(want, sizeof want, epoch, "after", 1, 3, 5);
	for (size_t k = 0; k < 3; k++) {
		struct proc_run r;
		resume(&r, &s, kinds[k], id, 3);
		ck_assert_msg(strcmp(r.out, want) == 0, "%s: got\n%swant\n%s", kinds[k], r.out, want);
		ck_assert_msg(strstr(r.err, "0 gaps") != NULL, "%s: %s", kinds[k], r.err);
	}
	stop(&s, &out);
	ck_assert_ptr_nonnull(strstr(out.err, "whole, 5 events replayed (1..5)"));
	ck_assert_ptr_nonnull(strstr(out.err, "goes on"));
	remove_dir();
}
END_TEST

/* Without it: a new epoch, and on every paradigm the reset notice first
 * -- an unknown number lost -- then everything the new server holds. */
START_TEST(resume_across_restart_without_journal)
{
	struct server s;
	struct proc_run out;
	char id[64], later[64];
	start(&s, false);
	publish(&s, "before", 5, id, sizeof id);
	stop(&s, &out);
	start(&s, false);
	publish(&s, "after", 8, later, sizeof later);
	char epoch[16], want[2048];
	snprintf(epoch, sizeof epoch, "%.12s", later);
	ck_assert_msg(strncmp(id, epoch, 12) != 0, "same epoch: %s, %s", id, later);
	size_t n = (size_t)snprintf(want, sizeof want, "{\"type\":\"reset\",\"reason\":\"epoch\","
				    "\"missed\":null,\"seq\":0,\"id\":\"%s-0\"}\n", epoch);
	event_lines(want + n, sizeof want - n, epoch, "after", 1, 8, 0);
	for (size_t k = 0; k < 3; k++) {
		struct proc_run r;
		resume(&r, &s, kinds[k], id, 8);
		ck_assert_msg(strcmp(r.out, want) == 0, "%s: got\n%swant\n%s", kinds[k], r.out, want);
		ck_assert_msg(strstr(r.err, "1 gaps (1 of unknown size)") != NULL, "%s: %s",
			      kinds[k], r.err);
		ck_assert_msg(strstr(r.err, "reset (epoch)") != NULL, "%s: %s", kinds[k], r.err);
	}
	stop(&s, &out);
}
END_TEST

/* SIGKILL in the middle of a burst: every publish that was answered is
 * back after the restart, with its id. */
START_TEST(kill_during_burst_loses_nothing_acknowledged)
{
	make_dir();
	struct server s;
	start(&s, true);
	char url[128];
	snprintf(url, sizeof url, "%s/publish", s.base);
	char *burst[] = { PUSHPULL, "client", "rpc", url, "--method", "POST", "--data", "burst",
			  "--count", "100000", NULL };
	int out_fd, err_fd;
	pid_t pub = proc_spawn(burst, NULL, &out_fd, &err_fd);
	/* Let some hundreds be answered, then kill the server. */
	struct proc_run r = { 0 };
	uint64_t end = proc_now_ms() + 10000;
	size_t lines = 0;
	while (lines < 300 && proc_now_ms() < end) {
		proc_drain(&r, out_fd, -1, 20);
		lines = 0;
		for (const char *p = r.out; p && (p = strchr(p, '\n')) != NULL; p++)
			lines++;
	}
	ck_assert_uint_ge(lines, 300);
	kill(s.pid, SIGKILL);                   /* ours, by its pid */
	waitpid(s.pid, NULL, 0);
	close(s.so);
	close(s.se);
	proc_drain(&r, out_fd, err_fd, 3000);   /* the answers that were still coming */
	close(out_fd);
	close(err_fd);
	proc_reap(&r, pub, 3000);
	/* Every answered publish, as numbered. */
	char epoch[16];
	ck_assert_int_eq(sscanf(r.out, "{\"seq\":1,\"id\":\"%12[0-9a-f]-1\"}", epoch), 1);
	int acked = 0;
	for (const char *p = r.out; *p; p = strchr(p, '\n') + 1) {
		char line[96];
		acked++;
		snprintf(line, sizeof line, "{\"seq\":%d,\"id\":\"%s-%d\"}\n", acked, epoch, acked);
		ck_assert_msg(strncmp(p, line, strlen(line)) == 0, "answer %d: %.60s", acked, p);
	}

	start(&s, true);
	struct proc_run lp;
	char count[16], score[128];
	snprintf(count, sizeof count, "%d", acked);
	snprintf(score, sizeof score, "%s/score", s.base);
	char *lpargv[] = { PUSHPULL, "client", "long-poll", score, "--since", "0", "--count", count,
			   NULL };
	proc_run(&lp, lpargv, 10000);
	ck_assert_int_eq(lp.status, 0);
	int seen = 0;
	for (const char *p = lp.out; *p; p = strchr(p, '\n') + 1) {
		char line[128];
		seen++;
		snprintf(line, sizeof line, "{\"seq\":%d,\"id\":\"%s-%d\",\"type\":\"message\","
			 "\"data\":\"burst\"}\n", seen, epoch, seen);
		ck_assert_msg(strncmp(p, line, strlen(line)) == 0, "event %d: %.80s", seen, p);
	}
	ck_assert_int_eq(seen, acked);
	struct proc_run out;
	stop(&s, &out);
	ck_assert_msg(strstr(out.err, "goes on") != NULL, "%s", out.err);
	remove_dir();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paradigms_resume");
	TCase *tc = tcase_create("restart");
	tcase_add_test(tc, resume_across_restart_with_journal);
	tcase_add_test(tc, resume_across_restart_without_journal);
	tcase_add_test(tc, kill_during_burst_loses_nothing_acknowledged);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
