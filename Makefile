# pushpull -- build, test, demo and bench.
#
#   make               library objects into build/, programs into bin/
#   make test          every Check suite under ASan + UBSan (installs Check if it can)
#   make test LAYER=net    one layer's suites: tests/test_net*.c
#   make fuzz          every libFuzzer harness (tests/fuzz/) for FUZZ_SECONDS
#                      (60); FUZZ=name runs one; clang only, skipped without libFuzzer
#   make demo          every paradigm side by side with its cost table
#   make bench         benchmarks (not tests): ratios against peers, same run
#   make clean
#
# Sources are found by pattern, so a new module needs no edit here:
#   src/<layer>/*.c        -> build/libpushpull.a         (optimised)
#                          -> build/san/libpushpull.a     (sanitised, for tests)
#   tools/<name>/*.c       -> bin/<name>                  (one program per folder)
#   tools/common/*.c       -> linked into every program   (command-line helpers)
#   tests/test_<x>.c       -> build/test/test_<x>         (one Check suite each)
#   tests/support/*.c      -> build/san/libtestsupport.a, linked into every suite
#   tests/fuzz/fuzz_<x>.c  -> build/fuzz/fuzz_<x>         (libFuzzer, make fuzz)
#                          -> build/test/test_fuzz_replay (its corpus, make test)
#   tools/bench/<name>.c   -> build/bench/<name>          (run by tools/bench/run.sh)

ifeq ($(origin CC),default)
CC       = gcc
endif
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
CPPFLAGS = -Isrc -MMD -MP
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer

# The browser page (src/paradigms/page.html) is compiled in: a generated
# C file holds its bytes (page.h declares them).
GEN_SRC   := build/gen/page_html.c
LIB_SRC   := $(sort $(wildcard src/*/*.c)) $(GEN_SRC)
LIB_OBJ   := $(LIB_SRC:%.c=build/obj/%.o)
SAN_OBJ   := $(LIB_SRC:%.c=build/san/%.o)
# Every folder under tools/ is a program, but for the benchmark floor
# servers (tools/bench) and what the programs share (tools/common).
PROGRAMS  := $(filter-out bench common,$(patsubst tools/%/,%,$(sort $(wildcard tools/*/))))
TOOLS     := $(PROGRAMS:%=bin/%)
COMMON_SRC := $(sort $(wildcard tools/common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=build/obj/%.o)
TOOL_SRC  := $(foreach p,$(PROGRAMS),$(wildcard tools/$(p)/*.c)) $(COMMON_SRC)
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TESTS     := $(TEST_SRC:tests/%.c=build/test/%)
SUP_SRC   := $(sort $(wildcard tests/support/*.c))
SUP_OBJ   := $(SUP_SRC:%.c=build/san/%.o)
SUP_LIB   := build/san/libtestsupport.a
BENCH_SRC := $(sort $(wildcard tools/bench/*.c))
BENCHES   := $(BENCH_SRC:tools/bench/%.c=build/bench/%)

LAYER ?=
RUN_TESTS := $(if $(LAYER),$(filter build/test/test_$(LAYER)%,$(TESTS)),$(TESTS))

.PHONY: all test demo bench fuzz clean check-deps FORCE
.SECONDARY:
all: build/libpushpull.a $(TOOLS)

# V=1 shows every command; by default one short line per file.
Q = $(if $(V),,@)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CSTD) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC san  $<")
	$(Q)$(CC) $(CSTD) $(WARN) $(SANFLAGS) $(CPPFLAGS) -Itests -c $< -o $@

build/gen/page_html.c: src/paradigms/page.html
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  GEN     $@")
	$(Q){ echo '/* Made by the Makefile from $<: edit that, not this. */'; \
	  echo '#include "paradigms/page.h"'; \
	  echo 'const unsigned char pp_page_html[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const size_t pp_page_html_len = sizeof pp_page_html;'; } > $@.tmp
	$(Q)mv $@.tmp $@

build/libpushpull.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/san/libpushpull.a: $(SAN_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

# A program's objects are compiled with -Itools, so that it can include
# "common/cli.h".
build/obj/tools/%.o: CPPFLAGS += -Itools

define PROGRAM_RULE
bin/$(1): $$(patsubst %.c,build/obj/%.o,$$(sort $$(wildcard tools/$(1)/*.c))) $$(COMMON_OBJ) build/libpushpull.a
	@mkdir -p bin
	@$$(if $$(V),,echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) -o $$@ $$^ -lm
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_RULE,$(p))))

# Benchmark programs (tools/bench/*.c) are optimised like the programs.
build/bench/%: build/obj/tools/bench/%.o build/libpushpull.a
	@mkdir -p build/bench
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lm

# --- tests ---------------------------------------------------------------
# Check is found with pkg-config.  On a fresh Debian machine it is missing:
# as root we install it, otherwise we print the one command that does.
check-deps:
	@if ! pkg-config --exists check 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Check is missing: installing check and pkg-config with apt-get"; \
	    (apt-get install -y check pkg-config >/dev/null 2>&1 || \
	     (apt-get update >/dev/null && apt-get install -y check pkg-config >/dev/null)) || \
	      { echo "apt-get could not install Check"; exit 1; }; \
	  else \
	    echo "Check (the C unit-test library) is missing. Install it with:"; \
	    echo "    sudo apt-get install check pkg-config"; \
	    exit 1; \
	  fi; \
	fi

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

# A suite's object has its own dependency file, like every other object,
# so editing a helper rebuilds only the suites that include it.
TEST_OBJ := $(TEST_SRC:%.c=build/san/%.o)

build/san/tests/%.o: tests/%.c | check-deps
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC san  $<")
	$(Q)$(CC) $(CSTD) $(WARN) $(SANFLAGS) $(CPPFLAGS) -Itests $(CHECK_CFLAGS) -c $< -o $@

# The support code is an archive: a suite takes the helpers it calls, and
# check_main.o's main only when it has none of its own.
$(SUP_LIB): $(SUP_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/test/%: build/san/tests/%.o $(SUP_LIB) build/san/libpushpull.a
	@mkdir -p build/test
	@$(if $(V),,echo "  LD san  $@")
	$(Q)$(CC) $(SANFLAGS) -o $@ $(filter %.o,$^) $(SUP_LIB) build/san/libpushpull.a $(CHECK_LIBS) -lm -lpthread

# --- fuzzing ---------------------------------------------------------------
# Every tests/fuzz/fuzz_<name>.c is a libFuzzer harness, with its seeds in
# tests/fuzz/corpus_<name>/.  'make test' replays every corpus: the suite
# test_fuzz_replay links every harness, each compiled with its entry point
# renamed fuzz_<name>, and a table of them made here (a new harness needs
# no edit).  'make fuzz' builds each with clang's libFuzzer and runs it.
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SAN_OBJ := $(FUZZ_SRC:%.c=build/san/%.o)
FUZZ_TABLE   := build/gen/fuzz_targets.c

build/san/tests/fuzz/%.o: CPPFLAGS += -DLLVMFuzzerTestOneInput=$(basename $(notdir $@))

# Rewritten only when the list of harnesses changes.
$(FUZZ_TABLE): FORCE
	@mkdir -p $(dir $@)
	$(Q){ echo '/* Made by the Makefile from tests/fuzz/fuzz_*.c: edit those, not this. */'; \
	  echo '#include "fuzz/targets.h"'; \
	  for n in $(FUZZ_NAMES); do echo "int fuzz_$$n(const uint8_t *data, size_t size);"; done; \
	  echo 'const struct fuzz_target fuzz_targets[] = {'; \
	  for n in $(FUZZ_NAMES); do echo "	{ \"$$n\", fuzz_$$n },"; done; \
	  echo '};'; \
	  echo 'const size_t fuzz_targets_count = sizeof fuzz_targets / sizeof fuzz_targets[0];'; \
	} > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

build/test/test_fuzz_replay: $(FUZZ_SAN_OBJ) build/san/$(FUZZ_TABLE:.c=.o)

# libFuzzer: clang only.  The library is compiled again with coverage
# instrumentation (fuzzer-no-link) and the sanitizers, into build/fuzz/
# (with the support code below: one archive).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ         ?=
FUZZ_TARGETS := $(if $(FUZZ),$(filter $(FUZZ),$(FUZZ_NAMES)),$(FUZZ_NAMES))
FUZZ_FLAGS    = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
# The support code a harness may use: only what needs no Check.
FUZZ_SUP_SRC := tests/support/jsoncheck.c
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) $(FUZZ_SUP_SRC:%.c=build/fuzz/obj/%.o)
FUZZERS      := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC fuzz $<")
	$(Q)$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -Itests \
	  -c $< -o $@

build/fuzz/libpushpull.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libpushpull.a
	@$(if $(V),,echo "  LD fuzz $@")
	$(Q)$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CPPFLAGS) -Itests \
	  -o $@ $< build/fuzz/libpushpull.a -lm

# Skipped, with a message, when $(FUZZ_CC) cannot link a libFuzzer program.
fuzz:
	@mkdir -p build/fuzz
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c - -o build/fuzz/probe >/dev/null 2>&1; then \
	  echo "make fuzz: $(FUZZ_CC) cannot link libFuzzer (-fsanitize=fuzzer): skipped"; \
	elif [ -z "$(FUZZ_TARGETS)" ]; then \
	  echo "make fuzz: no harness tests/fuzz/fuzz_<name>.c for FUZZ=$(FUZZ)"; exit 1; \
	else \
	  $(MAKE) -s --no-print-directory $(FUZZERS) && \
	  sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS); \
	fi

# Every suite runs even when an earlier one fails; the exit status is the
# number of failed suites, so CI fails on any failure.  Tests that start
# programs find them in bin/, so the programs are built first.
test: check-deps $(TOOLS)
	@$(MAKE) --no-print-directory $(RUN_TESTS)
	@failed=0; for t in $(RUN_TESTS); do \
	  echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 $$t || failed=$$((failed + 1)); \
	done; \
	if [ $$failed -ne 0 ]; then echo "$$failed test suite(s) failed"; exit 1; fi; \
	echo "all test suites passed"

demo: $(TOOLS)
	@bin/pushpull demo

bench: $(TOOLS) $(BENCHES)
	@sh tools/bench/run.sh

FORCE:

clean:
	rm -rf build bin

TOOL_OBJ := $(TOOL_SRC:%.c=build/obj/%.o) $(BENCH_SRC:%.c=build/obj/%.o)
-include $(LIB_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(SUP_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
-include $(FUZZ_SAN_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d) $(FUZZERS:=.d)
