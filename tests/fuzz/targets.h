/* targets.h -- the harnesses the replay suite (tests/test_fuzz_replay.c)
 * runs.  The table is made by the Makefile, one entry per
 * tests/fuzz/fuzz_<name>.c, whose LLVMFuzzerTestOneInput is compiled
 * under the name fuzz_<name>. */
#ifndef PUSHPULL_FUZZ_TARGETS_H
#define PUSHPULL_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_target {
	const char *name;       /* <name>: its seeds are in tests/fuzz/corpus_<name>/ */
	int (*run)(const uint8_t *data, size_t size);
};

extern const struct fuzz_target fuzz_targets[];
extern const size_t fuzz_targets_count;

#endif
