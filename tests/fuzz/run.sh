#!/bin/sh
# run.sh -- runs libFuzzer harnesses one after another; 'make fuzz' builds
# them into build/fuzz/ and calls this.
#
#     sh tests/fuzz/run.sh SECONDS NAME...
#
# Each build/fuzz/fuzz_NAME runs for SECONDS, starting from the seeds in
# tests/fuzz/corpus_NAME/.  What it finds goes under build/fuzz/, never
# into tests/: new inputs to build/fuzz/found/NAME/ (the first corpus
# directory is the one libFuzzer writes to), a crashing input to
# build/fuzz/crashes/NAME/, its output to build/fuzz/NAME.log.  The first
# failure stops the run, with the end of the report and where the input
# is.  A harness may ask for libFuzzer options in its header comment, on
# a line " * libFuzzer options: ...".
set -u
seconds=$1
shift
for name in "$@"; do
	found=build/fuzz/found/$name crashes=build/fuzz/crashes/$name log=build/fuzz/$name.log
	mkdir -p "$found" "$crashes"
	opts=$(sed -n 's/^ \* libFuzzer options: //p' "tests/fuzz/fuzz_$name.c")
	echo "== fuzz_$name: $seconds s $opts"
	# shellcheck disable=SC2086  # opts holds several options
	if ! "build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 $opts \
	     -artifact_prefix="$crashes/" "$found" "tests/fuzz/corpus_$name" >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "fuzz_$name failed; the input is in $crashes/ (log: $log)."
		echo "Fix it, then copy the input into tests/fuzz/corpus_$name/ so that make test replays it."
		exit 1
	fi
	grep -E '^Done [0-9]+ runs' "$log" || tail -n 3 "$log"
done
echo "make fuzz: $# harness(es), $seconds s each, no failure"
