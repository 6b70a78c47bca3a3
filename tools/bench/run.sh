#!/bin/sh
# run.sh -- `make bench`: every benchmark, each against a peer measured in
# the same run.  Benchmarks are not tests: they print numbers and ratios,
# they assert nothing.  Run from the top of the tree (make does).
set -e
cd "$(dirname "$0")/../.."

echo "== src/net: timers and a 64-byte ping-pong"
build/bench/bench_net
echo
echo "== src/http: parsing realistic browser requests, whole and byte by byte"
build/bench/bench_http_parser
