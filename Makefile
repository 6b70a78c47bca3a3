# pushpull -- build, test, demo and bench.
#
#   make               library objects into build/, programs into bin/
#   make test          every Check suite under ASan + UBSan (installs Check if it can)
#   make test LAYER=net    one layer's suites: tests/test_net*.c
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

.PHONY: all test demo bench clean check-deps
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
	$(Q)$(CC) $(SANFLAGS) -o $@ $< $(SUP_LIB) build/san/libpushpull.a $(CHECK_LIBS) -lm -lpthread

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

clean:
	rm -rf build bin

TOOL_OBJ := $(TOOL_SRC:%.c=build/obj/%.o) $(BENCH_SRC:%.c=build/obj/%.o)
-include $(LIB_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(SUP_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
