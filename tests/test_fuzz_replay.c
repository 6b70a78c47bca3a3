/* test_fuzz_replay.c -- every file of every corpus (tests/fuzz/corpus_<name>/)
 * given to its libFuzzer harness (tests/fuzz/fuzz_<name>.c), so that a
 * crash once found, and added to the corpus, stays fixed.
 *
 * A harness aborts when a contract breaks, and the sanitizers abort on
 * what they catch; Check runs each test in a process of its own, so
 * either fails the harness's test, and the message on stderr says which
 * input.  One test per harness (a loop test over the table the Makefile
 * makes); each also runs the empty input, and fails when its corpus is
 * missing or empty -- a harness with no seeds replays nothing. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/targets.h"

#define CORPUS_MAX_FILES 1000           /* a corpus is a few dozen seeds */
#define SEED_MAX_BYTES   (1 << 20)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the regular files in 'dir', sorted; returns how many. */
static size_t list_corpus(const char *dir, char **names, size_t cap)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "no corpus %s", dir);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		ck_assert_msg(n < cap, "%s holds more than %zu files", dir, cap);
		names[n] = strdup(e->d_name);
		ck_assert_ptr_nonnull(names[n]);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	return n;
}

/* The seed being run, named on stderr when a harness aborts: Check
 * reports the signal, not the input.  (A sanitizer's report names the
 * function; run the libFuzzer build on the corpus to name the input.) */
static char current[512];

static void on_abort(int sig)
{
	static const char say[] = "aborted while replaying ";
	if (write(2, say, sizeof say - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The file, in a block of exactly its size (ASan sees a read past it). */
static uint8_t *read_seed(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	static uint8_t tmp[SEED_MAX_BYTES + 1];
	size_t n = fread(tmp, 1, sizeof tmp, f);
	ck_assert_msg(!ferror(f) && n <= SEED_MAX_BYTES, "%s: unreadable or over %d bytes",
		      path, SEED_MAX_BYTES);
	fclose(f);
	uint8_t *b = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(b);
	memcpy(b, tmp, n);
	*len = n;
	return b;
}

START_TEST(test_replay)
{
	const struct fuzz_target *t = &fuzz_targets[_i];
	static char *names[CORPUS_MAX_FILES];
	char dir[256], path[512];

	snprintf(dir, sizeof dir, "tests/fuzz/corpus_%s", t->name);
	size_t n = list_corpus(dir, names, CORPUS_MAX_FILES);
	ck_assert_msg(n > 0, "%s is empty", dir);
	signal(SIGABRT, on_abort);
	snprintf(current, sizeof current, "the empty input");
	ck_assert_int_eq(t->run((const uint8_t *)"", 0), 0);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(current, sizeof current, "%s", path);
		uint8_t *seed = read_seed(path, &len);
		ck_assert_msg(t->run(seed, len) == 0, "%s: the harness returned non-zero", path);
		free(seed);
		free(names[i]);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("fuzz_replay");
	TCase *tc = tcase_create("corpora");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_replay, 0, (int)fuzz_targets_count);
	suite_add_tcase(s, tc);
	return s;
}
