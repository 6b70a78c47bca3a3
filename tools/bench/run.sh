#!/bin/sh
# run.sh -- `make bench`: every benchmark, each against a peer measured in
# the same run.  Benchmarks are not tests: they print numbers and ratios,
# they assert nothing.  Run from the top of the tree (make does).
#
# Sections (BENCH_ONLY="micro resp http ws sse large mem lab instr workers redis flood journal"
# picks some; hundredk only runs when named):
#   micro  src/net and src/http on their own (bench_net, bench_http_parser)
#   resp   src/resp on its own (resp_parse): Redis replies parsed and read
#          per second on one core, a realistic mix and XREAD batches alone
#   http   wrk -t1 -c50 against `pushpull serve` GET /score and nginx
#          (one worker, `return 200` of a body the same size): keep-alive,
#          pipelined 16 deep, a new connection per request.  Keep-alive is
#          also measured against bare_http.c, a server that only recv()s
#          and send()s: the floor that a CPU ratio against nginx has to be
#          read against (its row names it; its figure sits in the
#          pushpull column).  A connection per request is also measured
#          against a second nginx that listens "deferred" (TCP_DEFER_ACCEPT,
#          which pushpull's HTTP listener uses and nginx leaves off by
#          default), in rows marked "nginx deferred"
#   ws     `loadgen ws-echo` against pushpull's /echo and an echo
#          server on node's ws package: 64 B and 64 KiB, 1 and 50
#          connections, 1 and 16 messages in flight
#   sse    `loadgen sse-fanout` against pushpull and an SSE server
#          on node's http module: 1,000 and 10,000 clients; and against
#          bare_sse.c, a fan-out that only send()s, as the floor (like
#          bare_http above)
#   large  large messages, a matrix: `loadgen ws-echo` at 4 KiB, 64 KiB
#          and 1 MiB (BENCH_LARGE_SIZES: any of 16384 and 262144 too) x
#          1, 10, 50 and 500 connections (BENCH_LARGE_CONNS), 1 in flight,
#          against pushpull /echo and node ws: messages/s and its ratio,
#          server CPU per byte (ns), and server page faults per message --
#          a figure that does not depend on the machine's load, which
#          shows memory taken and given back per message where CPU time
#          is too noisy to; the spread of CPU per byte over the cells
#          (flat is the goal); brk, mmap and munmap calls per message of
#          pushpull at 10 connections, counted by strace -c over the
#          server's whole life (an upper bound: start-up is in it); and
#          `loadgen sse-fanout` with 4 KiB and 64 KiB events to 10, 50 and
#          500 clients, against node http
#   mem    server memory per idle connection, 10,000 of them, WebSocket
#          and SSE, pushpull and node (`loadgen idle`)
#   instr  user-space instructions per keep-alive request, pushpull's GET
#          /score against nginx's `return 200` of the same body, counted by
#          callgrind (valgrind) in each server: a figure that the noise of
#          a shared machine cannot blur.  Each server runs twice, for
#          INSTR_FEW and INSTR_MANY requests from `pushpull client rpc` on one
#          kept-alive connection; the difference divided by the difference
#          in requests leaves out start-up and shutdown
#   workers  SSE fan-out, 1,000 clients, against `serve --workers 1` and
#          `--workers 2`: deliveries/s.  Neither server is pinned (two
#          workers need both cores), and the load generator shares them:
#          on two cores the second worker competes with the load
#   redis  the backplane (serve --redis): two servers on one redis-server
#          (no persistence) against one server alone -- CPU per published
#          event of the publishing server, the other server and Redis,
#          and SSE fan-out to 1,000 clients through Redis against alone
#   flood  tools/bench/flood.py: `pushpull serve` with its default limits
#          under each flood of README's "Running it for real" (slow SSE
#          readers, unfinished WebSocket fragments, half-sent request
#          heads, more connections than allowed): peak RSS, what it
#          counted, whether another client was answered.  No peer
#   journal  `pushpull serve --journal`: wrk publishing 64-byte events
#          on 50 connections (publish.lua), per second and server CPU per
#          publish, for each --fsync against no journal; and SSE fan-out
#          to 1,000 clients with and without it
#   hundredk  BENCH_100K (100,000) connections of each kind on one
#          `pushpull serve`: idle WebSockets, idle SSE streams, held long
#          polls (`loadgen idle ws|sse|lp`, the load spread over source
#          addresses 127.1.0.1 ...), each on a fresh server: user-space
#          memory per connection (the server's RSS growth / N) and kernel
#          memory per connection end (slab growth and sockstat's TCP
#          buffer pages, both ends of each loopback connection being on
#          this machine, / 2N).  Then one event at a time fanned out to N
#          SSE streams (BENCH_100K_EVENTS, 10): delivery p50/p99 and server
#          CPU per delivery, against bare_sse at the same N.  No node.
#          Not in the default list: a few minutes, and 100,000 descriptors
#          in each of two processes (raised by the programs when they
#          may; when they may not, measured at what the limit allows, and
#          said so)
#   lab    the delay line of `pushpull lab` (root): packets per second it
#          forwards on one core, with no delay added, from a UDP flood
#          (udp_flood.c) on the client side to a sink on the server side
#
# How it measures.  Each server runs pinned to CPU 0 and the load to
# CPU 1 (taskset), each measurement is repeated BENCH_RUNS times (3) and
# the median is kept.  Server CPU time is user + system from
# /proc/PID/stat, read before and after each wrk run, and by the load
# generator itself (--server-pid) around its measured window.  Only the
# processes this script starts are stopped, by their PIDs.  Missing tools
# are installed when we are root (apt-get; npm into build/bench/node),
# otherwise the section says why it is skipped.
#
# Output: the numbers as they come, then one summary table (every figure,
# every ratio, each target and whether it is met), and all of it as JSON
# in build/bench/results.json.  Knobs: BENCH_RUNS, BENCH_SECONDS (5),
# BENCH_SSE_EVENTS (1000), BENCH_SSE_EVENTS_10K (200), BENCH_IDLE (10000),
# BENCH_LARGE_SIZES, BENCH_LARGE_CONNS, BENCH_LARGE_SECONDS (2: each cell
# of the matrix is measured for this long, after a second of warm-up),
# BENCH_LARGE_DELIVERIES (20000: SSE events per run are this divided by
# the clients), BENCH_100K (100000), BENCH_100K_EVENTS (10),
# PUSHPULL (bin/pushpull), LOADGEN (bin/loadgen), BENCH_NGINX_PORT (18089).
cd "$(dirname "$0")/../.." || exit 1

OUT=build/bench
ABS=$(pwd)/$OUT
RAW=$OUT/raw.txt
ROWS=$OUT/rows.txt
PP=${PUSHPULL:-bin/pushpull}
LG=${LOADGEN:-bin/loadgen}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
SSE_EVENTS=${BENCH_SSE_EVENTS:-1000}
SSE_EVENTS_10K=${BENCH_SSE_EVENTS_10K:-200}
IDLE=${BENCH_IDLE:-10000}
HUNDREDK=${BENCH_100K:-100000}
HUNDREDK_EVENTS=${BENCH_100K_EVENTS:-10}
NGINX_PORT=${BENCH_NGINX_PORT:-18089}
LARGE_SIZES=${BENCH_LARGE_SIZES:-4096 65536 1048576}
LARGE_CONNS=${BENCH_LARGE_CONNS:-1 10 50 500}
LARGE_SECS=${BENCH_LARGE_SECONDS:-2}
LARGE_DELIVERIES=${BENCH_LARGE_DELIVERIES:-20000}
ONLY=${BENCH_ONLY:-micro resp http ws sse large mem lab instr workers redis flood journal}
REDIS_PUBLISHES=${BENCH_REDIS_PUBLISHES:-10000}
INSTR_FEW=${BENCH_INSTR_FEW:-500}
INSTR_MANY=${BENCH_INSTR_MANY:-2500}
TCK=$(getconf CLK_TCK)
NODE_MODULES=$ABS/node/node_modules
export NODE_PATH="$NODE_MODULES"        # where the node servers find ws

mkdir -p "$OUT"
: > "$RAW"
: > "$ROWS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null      # 10,000 connections on each side

# --- processes: start pinned, stop only our own ---------------------------

STARTED=""
cleanup() {
	for p in $STARTED; do
		kill "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if command -v taskset >/dev/null 2>&1; then
	ON_SERVER="taskset -c 0"
	ON_LOAD="taskset -c 1"
else
	echo "(taskset missing: server and load are not pinned)"
	ON_SERVER=""
	ON_LOAD=""
fi

# start NAME CMD... : runs CMD on the server CPU, output in $OUT/NAME.log;
# sets SPID.
start() {
	name=$1
	shift
	# Emptied here, not by the child's own redirection, which may come
	# later: wait_for must not find the previous run's lines.
	: > "$OUT/$name.log"
	$ON_SERVER "$@" >> "$OUT/$name.log" 2>&1 &
	SPID=$!
	STARTED="$STARTED $SPID"
}

# stop PID: SIGTERM, then wait for it (bounded), SIGKILL if it lingers.
stop() {
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	STARTED=$(echo "$STARTED" | sed "s/ $1\$//; s/ $1 / /")
}

# wait_for FILE REGEX [TENTHS]: until a line of FILE matches (default 10 s).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $i -ge "${3:-100}" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# Starts `pushpull serve` on a free port: sets SPID and PORT.
start_pushpull() {
	# The limits are for exposed servers; a benchmark measures without them
	# (section_flood measures them).
	start pushpull "$PP" serve --port 0 --max-connections 0 --max-per-address 0 \
		--max-buffered 0 "$@" || return 1
	wait_for "$OUT/pushpull.log" "serving on" || { echo "pushpull serve did not start"; return 1; }
	PORT=$(sed -n 's/.*serving on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$OUT/pushpull.log")
}

# Starts a node server (tools/bench/FILE.js) on a free port: SPID, PORT.
start_node() {
	start "$1" node "tools/bench/$1.js" 0 || return 1
	wait_for "$OUT/$1.log" "^listening" || { echo "node $1 did not start"; return 1; }
	PORT=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$OUT/$1.log")
}

cpu_us() {      # user + system CPU of PID so far, microseconds
	sed 's/.*) //' "/proc/$1/stat" | awk -v t="$TCK" '{ printf "%.0f", ($12 + $13) * 1000000 / t }'
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# --- tools ------------------------------------------------------------------

# need COMMAND PACKAGE: true if COMMAND is there, installing PACKAGE as root.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing $2 with apt-get"
		apt-get install -y "$2" >/dev/null 2>&1 ||
			{ apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; }
	fi
	command -v "$1" >/dev/null 2>&1
}

# node and its ws package (bufferutil too, when it installs).
need_node() {
	need node nodejs && need npm npm || return 1
	[ -d "$NODE_MODULES/ws" ] && return 0
	mkdir -p "$ABS/node"
	echo "installing the ws package with npm into $OUT/node"
	(cd "$ABS/node" && npm install --no-audit --no-fund --silent ws >/dev/null 2>&1) || return 1
	(cd "$ABS/node" && npm install --no-audit --no-fund --silent bufferutil >/dev/null 2>&1) ||
		echo "(bufferutil did not install: ws masks in JavaScript)"
	[ -d "$NODE_MODULES/ws" ]
}

# --- numbers ------------------------------------------------------------------

record() {      # KEY VALUE
	echo "$1 $2" >> "$RAW"
}

median() {      # KEY -> the median of its values, or NA
	awk -v k="$1" '$1 == k { print $2 }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 }
		     END { if (NR == 0) print "NA";
		           else if (NR % 2) print v[(NR + 1) / 2];
		           else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

jget() {        # FILE KEY -> a number from the JSON line
	sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1" | tail -n 1
}

# row NAME UNIT PUSHPULL PEER CHECK: one line of the summary.  CHECK is
# "ratio>=X", "ratio<=X", "pushpull<=X" or "-" (no target).
row() {
	echo "$1|$2|$3|$4|$5" >> "$ROWS"
}

# --- micro ------------------------------------------------------------------

section_micro() {
	echo "== src/net: timers and a 64-byte ping-pong"
	build/bench/bench_net
	echo
	echo "== src/http: parsing realistic browser requests, whole and byte by byte"
	build/bench/bench_http_parser
}

# --- resp -------------------------------------------------------------------

# resp_get FILE MODE -> replies_per_s of that mode from the JSON line.
resp_get() {
	sed -n "s/.*\"mode\":\"$2\",\"replies_per_s\":\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

section_resp() {
	echo "== src/resp: Redis replies parsed and read, one core"
	r=1
	while [ $r -le "$RUNS" ]; do
		$ON_SERVER build/bench/resp_parse > "$OUT/resp.log" || return
		cat "$OUT/resp.log"
		record resp.mix.rps "$(resp_get "$OUT/resp.log" "parse+read")"
		record resp.floor.rps "$(resp_get "$OUT/resp.log" "read only")"
		record resp.xread3.rps "$(resp_get "$OUT/resp.log" "XREAD x3")"
		r=$((r + 1))
	done
	row "resp parse+read, mix vs read only" "/s" "$(median resp.mix.rps)" \
		"$(median resp.floor.rps)" "pushpull>=1000000"
	row "resp parse+read, XREAD of 3" "/s" "$(median resp.xread3.rps)" "NA" "-"
}

# --- http -------------------------------------------------------------------

# wrk_once KEY PID URL [wrk args]: one wrk run, recorded as KEY.rps and
# KEY.cpu (server CPU microseconds per request).
wrk_once() {
	key=$1 pid=$2 url=$3
	shift 3
	c0=$(cpu_us "$pid")
	$ON_LOAD wrk -t1 -c50 -d"${SECS}s" "$@" "$url" > "$OUT/wrk.out" 2>&1
	c1=$(cpu_us "$pid")
	reqs=$(awk '/requests in/ { print $1 }' "$OUT/wrk.out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$OUT/wrk.out")
	errs=$(awk '/Socket errors|Non-2xx/' "$OUT/wrk.out" | tr '\n' ' ')
	if [ -z "$reqs" ] || [ "$reqs" = 0 ]; then
		echo "  $key: wrk failed: $(tail -n 2 "$OUT/wrk.out" | tr '\n' ' ')"
		return
	fi
	cpu=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" 'BEGIN { printf "%.3f", (b - a) / n }')
	record "$key.rps" "$rps"
	record "$key.cpu" "$cpu"
	echo "  $key: $rps requests/s, $cpu us server CPU/request ${errs:+($errs)}"
}

# start_nginx NAME PORT LISTEN_OPTIONS BODY: nginx from tools/bench/nginx.conf
# in build/bench/NAME, answering BODY; sets ngx_master and ngx_pid (its
# one worker, whose CPU is measured), or returns 1.
start_nginx() {
	mkdir -p "$ABS/$1/tmp"
	sed -e "s|@DIR@|$ABS/$1|g" -e "s|@PORT@|$2|" -e "s|@LISTEN@|$3|" -e "s|@BODY@|$4|" \
		tools/bench/nginx.conf > "$ABS/$1/nginx.conf"
	start "$1" nginx -p "$ABS/$1/" -c "$ABS/$1/nginx.conf" -e "$ABS/$1/error.log"
	ngx_master=$SPID
	ngx_pid=""
	i=0
	while [ -z "$ngx_pid" ] && [ $i -lt 50 ]; do     # the worker, child of the master
		sleep 0.1
		ngx_pid=$(awk -v m="$ngx_master" '$4 == m { print $1 }' /proc/[0-9]*/stat 2>/dev/null | head -n 1)
		i=$((i + 1))
	done
	if [ -z "$ngx_pid" ] || ! "$PP" client rpc "http://127.0.0.1:$2/score" >/dev/null 2>&1; then
		echo "nginx did not start (port $2 busy? see $ABS/$1/error.log)"
		stop "$ngx_master"
		return 1
	fi
}

section_http() {
	echo "== HTTP: wrk -t1 -c50 against pushpull GET /score and nginx"
	need wrk wrk || { echo "wrk is missing and cannot be installed: skipped"; return; }
	need nginx nginx || { echo "nginx is missing and cannot be installed: skipped"; return; }
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	"$PP" client rpc --method POST --data "the first event" \
		"http://127.0.0.1:$pp_port/publish" >/dev/null 2>&1
	body=$("$PP" client rpc "http://127.0.0.1:$pp_port/score" 2>/dev/null | head -n 1)
	if ! start_nginx nginx "$NGINX_PORT" "" "$body"; then
		echo "  skipped"
		stop "$pp_pid"
		return
	fi
	echo "  body of both answers (${#body} bytes): $body"
	# nginx as the issue sets it up is the peer.  Beside it, for the
	# connection-per-request row only, nginx with "listen ... deferred":
	# the TCP_DEFER_ACCEPT that pushpull's HTTP listener uses, which
	# nginx offers but does not turn on by default.
	ngx_pid_main=$ngx_pid ngx_master_main=$ngx_master
	ngx_def_port=$((NGINX_PORT + 1))
	if start_nginx nginx_deferred "$ngx_def_port" " deferred" "$body"; then
		ngx_def_pid=$ngx_pid ngx_def_master=$ngx_master
	else
		ngx_def_pid="" ngx_def_master=""
	fi
	ngx_pid=$ngx_pid_main ngx_master=$ngx_master_main
	start bare_http build/bench/bare_http 0 "$body"
	bare_pid=$SPID
	wait_for "$OUT/bare_http.log" "^listening" || echo "  bare_http did not start: its row stays empty"
	bare_port=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$OUT/bare_http.log")
	r=1
	while [ $r -le "$RUNS" ]; do
		echo " run $r of $RUNS"
		wrk_once http.keepalive.pushpull "$pp_pid" "http://127.0.0.1:$pp_port/score"
		wrk_once http.keepalive.nginx "$ngx_pid" "http://127.0.0.1:$NGINX_PORT/score"
		[ -n "$bare_port" ] &&
			wrk_once http.keepalive.bare "$bare_pid" "http://127.0.0.1:$bare_port/score"
		wrk_once http.pipelined.pushpull "$pp_pid" "http://127.0.0.1:$pp_port/score" \
			-s tools/bench/pipeline.lua
		wrk_once http.pipelined.nginx "$ngx_pid" "http://127.0.0.1:$NGINX_PORT/score" \
			-s tools/bench/pipeline.lua
		wrk_once http.close.pushpull "$pp_pid" "http://127.0.0.1:$pp_port/score" \
			-H "Connection: close"
		wrk_once http.close.nginx "$ngx_pid" "http://127.0.0.1:$NGINX_PORT/score" \
			-H "Connection: close"
		[ -n "$ngx_def_pid" ] &&
			wrk_once http.close.nginx_deferred "$ngx_def_pid" \
				"http://127.0.0.1:$ngx_def_port/score" -H "Connection: close"
		r=$((r + 1))
	done
	stop "$bare_pid"
	stop "$ngx_master"
	[ -n "$ngx_def_master" ] && stop "$ngx_def_master"
	stop "$pp_pid"          # prints its ledger into the log: syscalls per request
	for m in keepalive pipelined close; do
		check="ratio>=1.0"
		[ $m = pipelined ] && check="ratio>=5"
		row "http $m req/s" "req/s" "$(median http.$m.pushpull.rps)" \
			"$(median http.$m.nginx.rps)" "$check"
		check="-"
		[ $m = keepalive ] && check="ratio<=0.85"
		row "http $m CPU/req" "us" "$(median http.$m.pushpull.cpu)" \
			"$(median http.$m.nginx.cpu)" "$check"
	done
	row "http keepalive CPU/req, bare floor" "us" "$(median http.keepalive.bare.cpu)" \
		"$(median http.keepalive.nginx.cpu)" "-"
	row "http keepalive CPU/req, pp vs bare" "us" "$(median http.keepalive.pushpull.cpu)" \
		"$(median http.keepalive.bare.cpu)" "-"
	row "http close req/s, nginx deferred" "req/s" "$(median http.close.pushpull.rps)" \
		"$(median http.close.nginx_deferred.rps)" "-"
	row "http close CPU/req, nginx deferred" "us" "$(median http.close.pushpull.cpu)" \
		"$(median http.close.nginx_deferred.cpu)" "-"

}

# --- WebSocket ----------------------------------------------------------------

# ws_once KEY PID URL ARGS...: one ws-echo run of WS_SECS (default
# BENCH_SECONDS), recorded as KEY.mps, KEY.cpu (server CPU microseconds
# per message) and KEY.flt (server minor page faults per message).
ws_once() {
	key=$1 pid=$2 url=$3
	shift 3
	if ! $ON_LOAD "$LG" ws-echo "$url" --server-pid "$pid" --duration "${WS_SECS:-$SECS}" "$@" \
		> "$OUT/ws.out" 2>&1; then
		echo "  $key: failed ($url): $(tail -n 1 "$OUT/ws.out")"
		return
	fi
	record "$key.mps" "$(jget "$OUT/ws.out" messages_per_s)"
	record "$key.cpu" "$(jget "$OUT/ws.out" server_cpu_us_per_message)"
	record "$key.flt" "$(jget "$OUT/ws.out" server_minflt_per_message)"
	echo "  $key: $(jget "$OUT/ws.out" messages_per_s) messages/s," \
	     "$(jget "$OUT/ws.out" server_cpu_us_per_message) us server CPU/message," \
	     "$(jget "$OUT/ws.out" server_minflt_per_message) server page faults/message," \
	     "$(jget "$OUT/ws.out" client_syscalls_per_message) client syscalls/message"
}

section_ws() {
	echo "== WebSocket: loadgen ws-echo against pushpull /echo and node ws"
	need_node || { echo "node or its ws package is missing and cannot be installed: skipped"; return; }
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	start_node ws_echo_server || { stop "$pp_pid"; return; }
	node_pid=$SPID node_port=$PORT
	for size in 64 65536; do
		for conns in 1 50; do
			for k in 1 16; do
				cfg="$size.$conns.$k"
				echo " $size B, $conns connections, $k in flight"
				r=1
				while [ $r -le "$RUNS" ]; do
					ws_once "ws.$cfg.pushpull" "$pp_pid" "ws://127.0.0.1:$pp_port/echo" \
						--size $size --connections $conns --inflight $k
					ws_once "ws.$cfg.node" "$node_pid" "ws://127.0.0.1:$node_port/echo" \
						--size $size --connections $conns --inflight $k
					r=$((r + 1))
				done
				mcheck="-" ccheck="-"
				[ "$cfg" = 64.50.1 ] && mcheck="ratio>=2" ccheck="ratio<=0.45"
				[ "$cfg" = 64.50.16 ] && mcheck="ratio>=15"
				row "ws $size B x$conns conn x$k msg/s" "msg/s" "$(median ws.$cfg.pushpull.mps)" \
					"$(median ws.$cfg.node.mps)" "$mcheck"
				row "ws $size B x$conns conn x$k CPU/msg" "us" "$(median ws.$cfg.pushpull.cpu)" \
					"$(median ws.$cfg.node.cpu)" "$ccheck"
			done
		done
	done
	stop "$node_pid"
	stop "$pp_pid"
}

# --- SSE ----------------------------------------------------------------------

sse_once() {    # KEY PID BASE ARGS...
	key=$1 pid=$2 url=$3
	shift 3
	if ! $ON_LOAD "$LG" sse-fanout "$url" --server-pid "$pid" "$@" > "$OUT/sse.out" 2>&1; then
		echo "  $key: failed ($url): $(tail -n 1 "$OUT/sse.out")"
		return
	fi
	record "$key.dps" "$(jget "$OUT/sse.out" deliveries_per_s)"
	record "$key.cpu" "$(jget "$OUT/sse.out" server_cpu_us_per_delivery)"
	record "$key.p99" "$(jget "$OUT/sse.out" latency_p99_us)"
	record "$key.flt" "$(jget "$OUT/sse.out" server_minflt_per_delivery)"
	echo "  $key: $(jget "$OUT/sse.out" deliveries_per_s) deliveries/s," \
	     "$(jget "$OUT/sse.out" server_cpu_us_per_delivery) us server CPU/delivery," \
	     "p99 $(jget "$OUT/sse.out" latency_p99_us) us"
}

section_sse() {
	echo "== SSE: loadgen sse-fanout against pushpull and node http"
	need_node || { echo "node is missing and cannot be installed: skipped"; return; }
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	start_node sse_server || { stop "$pp_pid"; return; }
	node_pid=$SPID node_port=$PORT
	start bare_sse build/bench/bare_sse 0
	bare_pid=$SPID
	wait_for "$OUT/bare_sse.log" "^listening" || echo "  bare_sse did not start: its rows stay empty"
	bare_port=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$OUT/bare_sse.log")
	for clients in 1000 10000; do
		events=$SSE_EVENTS
		[ $clients = 10000 ] && events=$SSE_EVENTS_10K
		echo " $clients clients x $events events"
		[ "$events" != "$SSE_EVENTS" ] &&
			echo "  (fewer events than the 1,000-client case, to keep the run short)"
		r=1
		while [ $r -le "$RUNS" ]; do
			sse_once "sse.$clients.pushpull" "$pp_pid" "http://127.0.0.1:$pp_port" \
				--clients $clients --events "$events"
			sse_once "sse.$clients.node" "$node_pid" "http://127.0.0.1:$node_port" \
				--clients $clients --events "$events"
			[ -n "$bare_port" ] &&
				sse_once "sse.$clients.bare" "$bare_pid" "http://127.0.0.1:$bare_port" \
					--clients $clients --events "$events"
			r=$((r + 1))
		done
		row "sse $clients x $events deliveries/s" "/s" "$(median sse.$clients.pushpull.dps)" \
			"$(median sse.$clients.node.dps)" "ratio>=1.9"
		row "sse $clients x $events CPU/delivery" "us" "$(median sse.$clients.pushpull.cpu)" \
			"$(median sse.$clients.node.cpu)" "ratio<=0.55"
		row "sse $clients x $events p99 latency" "us" "$(median sse.$clients.pushpull.p99)" \
			"$(median sse.$clients.node.p99)" "-"
		row "sse $clients deliveries/s, bare floor" "/s" "$(median sse.$clients.bare.dps)" \
			"$(median sse.$clients.node.dps)" "-"
		row "sse $clients CPU/delivery, bare floor" "us" "$(median sse.$clients.bare.cpu)" \
			"$(median sse.$clients.node.cpu)" "-"
		row "sse $clients CPU/delivery, pp vs bare" "us" "$(median sse.$clients.pushpull.cpu)" \
			"$(median sse.$clients.bare.cpu)" "-"
	done
	stop "$bare_pid"
	stop "$node_pid"
	stop "$pp_pid"
}

# --- large messages -------------------------------------------------------------

per_byte() {    # MEDIAN_US_PER_ITEM BYTES -> nanoseconds per byte, or NA
	awk -v c="$1" -v b="$2" 'BEGIN { if (c == "NA" || c == "" || b == 0) print "NA";
	                                 else printf "%.3f", c * 1000 / b }'
}

# spread LIST: the largest value over the smallest (NA when any is missing).
spread() {
	echo "$1" | awk '{ for (i = 1; i <= NF; i++) { if ($i == "NA") { print "NA"; exit }
	                   if (i == 1 || $i > hi) hi = $i; if (i == 1 || $i < lo) lo = $i }
	                   if (NF == 0 || lo <= 0) print "NA"; else printf "%.2f", hi / lo }'
}

# large_alloc_calls SIZE: pushpull under strace -c, one ws-echo run at 10
# connections; records large.ws.SIZE.allocs, brk + mmap + munmap calls
# over the server's whole life per message measured.
large_alloc_calls() {
	size=$1
	start pushpull_strace strace -f -c -e trace=brk,mmap,munmap,mremap \
		-o "$ABS/strace.$size.txt" "$PP" serve --port 0 || return
	st_pid=$SPID
	wait_for "$OUT/pushpull_strace.log" "serving on" || { echo "  strace: pushpull did not start"; stop "$st_pid"; return; }
	port=$(sed -n 's/.*serving on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$OUT/pushpull_strace.log")
	pp=$(cat /proc/"$st_pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
	WS_SECS=$LARGE_SECS ws_once "large.strace.$size" "${pp:-$st_pid}" "ws://127.0.0.1:$port/echo" \
		--size "$size" --connections 10
	msgs=$(jget "$OUT/ws.out" messages)
	[ -n "$pp" ] && kill -INT "$pp" 2>/dev/null
	i=0
	while kill -0 "$st_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	stop "$st_pid"
	# strace -c's columns: % time, seconds, usecs/call, calls, [errors,] syscall
	calls=$(awk '$NF ~ /^(brk|mmap|munmap|mremap)$/ { n += $4 } END { print n + 0 }' \
		"$ABS/strace.$size.txt")
	if [ -n "$msgs" ] && [ "$msgs" -gt 0 ]; then
		per=$(awk -v c="$calls" -v m="$msgs" 'BEGIN { printf "%.4f", c / m }')
		record "large.ws.$size.allocs" "$per"
		echo "  $size B x10: $calls brk/mmap/munmap calls in the server's life, $msgs messages measured: $per per message"
	fi
}

section_large_ws() {
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	start_node ws_echo_server || { stop "$pp_pid"; return; }
	node_pid=$SPID node_port=$PORT
	pp_all="" node_all="" pp_big="" node_big=""
	for size in $LARGE_SIZES; do
		for conns in $LARGE_CONNS; do
			cfg="$size.$conns"
			# Warm up until every connection has echoed a few messages:
			# the first message of each fills a fresh reassembly buffer,
			# and 500 of 1 MiB take seconds to go round once.
			warm=$((1 + conns * size / 134217728))
			echo " $size B, $conns connections, 1 in flight ($warm s of warm-up)"
			r=1
			while [ $r -le "$RUNS" ]; do
				WS_SECS=$LARGE_SECS ws_once "large.ws.$cfg.pushpull" "$pp_pid" \
					"ws://127.0.0.1:$pp_port/echo" --size "$size" --connections "$conns" \
					--warmup "$warm"
				WS_SECS=$LARGE_SECS ws_once "large.ws.$cfg.node" "$node_pid" \
					"ws://127.0.0.1:$node_port/echo" --size "$size" --connections "$conns" \
					--warmup "$warm"
				r=$((r + 1))
			done
			check="ratio>=1.5"
			[ "$size" -lt 65536 ] && check="ratio>=2"
			row "large ws $size B x$conns msg/s" "msg/s" "$(median large.ws.$cfg.pushpull.mps)" \
				"$(median large.ws.$cfg.node.mps)" "$check"
			ppb=$(per_byte "$(median large.ws.$cfg.pushpull.cpu)" "$size")
			nodeb=$(per_byte "$(median large.ws.$cfg.node.cpu)" "$size")
			pp_all="$pp_all $ppb" node_all="$node_all $nodeb"
			if [ "$size" -ge 65536 ]; then
				pp_big="$pp_big $ppb" node_big="$node_big $nodeb"
			fi
			row "large ws $size B x$conns CPU/B" "ns" "$ppb" "$nodeb" "-"
			row "large ws $size B x$conns faults/msg" "/msg" \
				"$(median large.ws.$cfg.pushpull.flt)" "$(median large.ws.$cfg.node.flt)" "pushpull<=0.1"
		done
	done
	stop "$node_pid"
	stop "$pp_pid"
	# Over every cell, and over the cells of 64 KiB and up: below that
	# a message's cost is per message (a wake-up, three syscalls), not
	# per byte.
	row "large ws CPU/B spread, max/min" "x" "$(spread "$pp_all")" "$(spread "$node_all")" "-"
	[ -n "$pp_big" ] && row "large ws CPU/B spread >= 64 KiB" "x" "$(spread "$pp_big")" \
		"$(spread "$node_big")" "-"
	if need strace strace; then
		echo " brk/mmap/munmap per message, pushpull at 10 connections, strace -c"
		for size in $LARGE_SIZES; do
			large_alloc_calls "$size"
			row "large ws $size B x10 brk+mmap/msg" "/msg" "$(median large.ws.$size.allocs)" \
				"NA" "pushpull<=0.01"
		done
	else
		echo " (strace is missing: no brk/mmap counts)"
	fi
}

section_large_sse() {
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	start_node sse_server || { stop "$pp_pid"; return; }
	node_pid=$SPID node_port=$PORT
	for size in 4096 65536; do
		for clients in 10 50 500; do
			events=$((LARGE_DELIVERIES / clients))
			[ "$events" -lt 20 ] && events=20
			cfg="$size.$clients"
			echo " $size B events, $clients clients x $events events"
			r=1
			while [ $r -le "$RUNS" ]; do
				sse_once "large.sse.$cfg.pushpull" "$pp_pid" "http://127.0.0.1:$pp_port" \
					--clients "$clients" --events "$events" --size "$size"
				sse_once "large.sse.$cfg.node" "$node_pid" "http://127.0.0.1:$node_port" \
					--clients "$clients" --events "$events" --size "$size"
				r=$((r + 1))
			done
			row "large sse $size B x$clients deliveries/s" "/s" \
				"$(median large.sse.$cfg.pushpull.dps)" "$(median large.sse.$cfg.node.dps)" "-"
			row "large sse $size B x$clients CPU/B" "ns" \
				"$(per_byte "$(median large.sse.$cfg.pushpull.cpu)" "$size")" \
				"$(per_byte "$(median large.sse.$cfg.node.cpu)" "$size")" "-"
			row "large sse $size B x$clients faults/delivery" "/dlv" \
				"$(median large.sse.$cfg.pushpull.flt)" "$(median large.sse.$cfg.node.flt)" "-"
		done
	done
	stop "$node_pid"
	stop "$pp_pid"
}

section_large() {
	echo "== Large messages: ws-echo at $LARGE_SIZES B x $LARGE_CONNS connections, and SSE"
	need_node || { echo "node or its ws package is missing and cannot be installed: skipped"; return; }
	section_large_ws
	echo " SSE fan-out of 4 KiB and 64 KiB events"
	section_large_sse
}

# --- memory -------------------------------------------------------------------

# mem_once KEY PID URL KIND: RSS growth of PID per idle connection, bytes.
mem_once() {
	key=$1 pid=$2 url=$3 kind=$4
	sleep 0.3
	r0=$(rss_kb "$pid")
	: > "$OUT/idle.out"
	$ON_LOAD "$LG" idle "$kind" "$url" --connections "$IDLE" --hold 300 \
		>> "$OUT/idle.out" 2>&1 &
	lpid=$!
	STARTED="$STARTED $lpid"
	if wait_for "$OUT/idle.out" "^ready" 1200; then
		sleep 1                 # let the server finish with the last ones
		r1=$(rss_kb "$pid")
		per=$(awk -v a="$r0" -v b="$r1" -v n="$IDLE" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
		record "$key" "$per"
		echo "  $key: RSS $r0 -> $r1 KiB: $per bytes per connection"
	else
		echo "  $key: the connections did not open: $(tail -n 1 "$OUT/idle.out")"
	fi
	stop "$lpid"
}

section_mem() {
	echo "== Memory: server RSS growth per idle connection, $IDLE open"
	have_node=1
	need_node || { have_node=0; echo "(node missing: pushpull only)"; }
	for kind in ws sse; do
		r=1
		while [ $r -le "$RUNS" ]; do
			start_pushpull || return     # a fresh server each time: freed memory
			pp_pid=$SPID                 # is not always given back to the system
			mem_once "mem.$kind.pushpull" "$pp_pid" "http://127.0.0.1:$PORT" $kind
			stop "$pp_pid"
			if [ $have_node = 1 ]; then
				js=sse_server
				[ $kind = ws ] && js=ws_echo_server
				start_node $js || return
				node_pid=$SPID
				mem_once "mem.$kind.node" "$node_pid" "http://127.0.0.1:$PORT" $kind
				stop "$node_pid"
			fi
			r=$((r + 1))
		done
		row "$kind idle memory/conn" "B" "$(median mem.$kind.pushpull)" \
			"$(median mem.$kind.node)" "pushpull<=1024"
	done
}

# --- 100,000 connections ---------------------------------------------------------

slab_kb() {     # the kernel's slab memory, the whole machine
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

tcp_mem_pages() {       # pages of TCP buffers, every socket (/proc/net/sockstat)
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat
}

# hk_size: how many connections each process may hold.  The programs
# raise their own descriptor limit as far as they may; the shell checks
# whether that reaches BENCH_100K, and when it cannot, measures at what
# the limit allows and says what to raise.
hk_size() {
	want=$((HUNDREDK + 100))
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ] &&
		! (ulimit -Hn "$want") 2>/dev/null; then
		HK_N=$(((hard - 100) / 100 * 100))
		echo "  the descriptor limit is $hard, and this shell may not raise it (raising the"
		echo "  hard limit takes CAP_SYS_RESOURCE): measuring $HK_N connections, not $HUNDREDK."
		echo "  For $HUNDREDK: ulimit -Hn $want before make bench (as root with that"
		echo "  capability), LimitNOFILE=$want in a systemd unit, --ulimit nofile=$want in a"
		echo "  container; fs.nr_open ($(cat /proc/sys/fs/nr_open)) must be at least that"
	else
		HK_N=$HUNDREDK
	fi
}

# hk_settle PID: waits until PID's RSS stops growing (the server still
# reading the last requests), at most 20 s.
hk_settle() {
	last=0 i=0
	while [ $i -lt 40 ]; do
		now=$(rss_kb "$1")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.5
		i=$((i + 1))
	done
}

# hk_idle KIND: a fresh server, HK_N idle connections of KIND (ws, sse,
# lp); records hk.KIND.user, .slab and .sock (bytes per connection, the
# last two per end).
hk_idle() {
	kind=$1
	start_pushpull || return
	pid=$SPID
	sleep 0.5
	r0=$(rss_kb "$pid") s0=$(slab_kb) m0=$(tcp_mem_pages)
	: > "$OUT/idle.out"
	$ON_LOAD "$LG" idle "$kind" "http://127.0.0.1:$PORT" --connections "$HK_N" --hold 600 \
		>> "$OUT/idle.out" 2>&1 &
	lpid=$!
	STARTED="$STARTED $lpid"
	if wait_for "$OUT/idle.out" "^ready" 3000; then
		hk_settle "$pid"
		r1=$(rss_kb "$pid") s1=$(slab_kb) m1=$(tcp_mem_pages)
		fds=$(ls "/proc/$pid/fd" | wc -l)
		user=$(awk -v a="$r0" -v b="$r1" -v n="$HK_N" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
		slab=$(awk -v a="$s0" -v b="$s1" -v n="$HK_N" 'BEGIN { printf "%.0f", (b - a) * 1024 / (2 * n) }')
		sock=$(awk -v a="$m0" -v b="$m1" -v n="$HK_N" 'BEGIN { printf "%.0f", (b - a) * 4096 / (2 * n) }')
		record "hk.$kind.user" "$user"
		record "hk.$kind.slab" "$slab"
		record "hk.$kind.sock" "$sock"
		echo "  $kind: $HK_N open ($fds descriptors in the server): RSS $r0 -> $r1 KiB," \
		     "$user B/conn; slab $s0 -> $s1 KiB, $slab B/end; TCP buffers $m0 -> $m1 pages," \
		     "$sock B/end"
	else
		echo "  $kind: the connections did not open: $(tail -n 2 "$OUT/idle.out" | tr '\n' ' ')"
	fi
	stop "$lpid"
	stop "$pid"
	sleep 2                 # the closed sockets leave the kernel before the next
}

section_hundredk() {
	echo "== $HUNDREDK connections: idle memory per paradigm, and an SSE fan-out to all"
	hk_size
	for kind in ws sse lp; do
		r=1
		while [ $r -le "$RUNS" ]; do
			hk_idle $kind
			r=$((r + 1))
		done
		row "$kind idle x$HK_N user B/conn" "B" "$(median hk.$kind.user)" "NA" "pushpull<=1024"
		row "$kind idle x$HK_N kernel slab B/end" "B" "$(median hk.$kind.slab)" "NA" "-"
		row "$kind idle x$HK_N TCP buffers B/end" "B" "$(median hk.$kind.sock)" "NA" "-"
	done
	echo " SSE fan-out: $HK_N streams x $HUNDREDK_EVENTS events, pushpull and bare_sse"
	start_pushpull || return
	pp_pid=$SPID pp_port=$PORT
	start bare_sse build/bench/bare_sse 0
	bare_pid=$SPID
	wait_for "$OUT/bare_sse.log" "^listening" || echo "  bare_sse did not start: its rows stay empty"
	bare_port=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$OUT/bare_sse.log")
	r=1
	while [ $r -le "$RUNS" ]; do
		sse_once hk.fanout.pushpull "$pp_pid" "http://127.0.0.1:$pp_port" \
			--clients "$HK_N" --events "$HUNDREDK_EVENTS"
		record hk.fanout.pushpull.p50 "$(jget "$OUT/sse.out" latency_p50_us)"
		[ -n "$bare_port" ] && {
			sse_once hk.fanout.bare "$bare_pid" "http://127.0.0.1:$bare_port" \
				--clients "$HK_N" --events "$HUNDREDK_EVENTS"
			record hk.fanout.bare.p50 "$(jget "$OUT/sse.out" latency_p50_us)"
		}
		r=$((r + 1))
	done
	stop "$bare_pid"
	stop "$pp_pid"
	row "sse fan-out x$HK_N p50 latency" "us" "$(median hk.fanout.pushpull.p50)" \
		"$(median hk.fanout.bare.p50)" "-"
	row "sse fan-out x$HK_N p99 latency" "us" "$(median hk.fanout.pushpull.p99)" \
		"$(median hk.fanout.bare.p99)" "-"
	row "sse fan-out x$HK_N CPU/delivery, pp vs bare" "us" "$(median hk.fanout.pushpull.cpu)" \
		"$(median hk.fanout.bare.cpu)" "ratio<=1.1"
}

# --- lab ----------------------------------------------------------------------

section_lab() {
	echo "== the delay line: packets forwarded per second, on one core"
	if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
		echo "(skipped: the lab needs root, and ip(8) to run the load in its namespaces)"
		return
	fi
	r=0
	while [ $r -lt "$RUNS" ]; do
		start lab "$PP" lab --rtt 0 || return
		lab_pid=$SPID
		wait_for "$OUT/lab.log" "SIGINT ends it" || { echo "pushpull lab did not start"; stop "$lab_pid"; return; }
		ip netns exec pushpull-server build/bench/udp_flood sink 9 $((SECS + 2)) > "$OUT/sink.out" &
		sink_pid=$!
		wait_for "$OUT/sink.out" listening
		$ON_LOAD ip netns exec pushpull-client build/bench/udp_flood send 198.18.0.1 9 "$SECS" > "$OUT/flood.out"
		kill -INT "$lab_pid"
		wait_for "$OUT/lab.log" "to the client"
		stop "$lab_pid"
		wait "$sink_pid" 2>/dev/null
		fwd=$(sed -n 's/.*to the server *\([0-9]*\) packets forwarded.*/\1/p' "$OUT/lab.log")
		sent=$(sed -n 's/sent //p' "$OUT/flood.out")
		echo "  sent $sent, forwarded $fwd in $SECS s, received $(sed -n 's/received //p' "$OUT/sink.out")"
		[ -n "$fwd" ] && record lab.pps $((fwd / SECS))
		r=$((r + 1))
	done
	row "delay line forwarding" "pkt/s" "$(median lab.pps)" "NA" "pushpull>=50000"
}

# --- the journal ---------------------------------------------------------------

# journal_once KEY [SERVE ARGS...]: a server of its own with a fresh
# journal, and wrk publishing 64-byte events on 50 connections
# (publish.lua); KEY.rps is acknowledged publishes per second.
journal_once() {
	key=$1
	shift
	rm -f "$OUT/bench.journal"
	start_pushpull "$@" || return
	jpid=$SPID
	wrk_once "$key" "$jpid" "http://127.0.0.1:$PORT/publish" -s tools/bench/publish.lua
	stop "$jpid"
}

# instr_once KEY N PORT STOPSIG CMD...: CMD under callgrind, N keep-alive
# requests to PORT, then STOPSIG; records KEY.N, its instructions in all.
instr_once() {
	key=$1 n=$2 port=$3 sig=$4
	shift 4
	rm -f "$OUT/cg.$key.$n"
	start "cg_$key" valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$key.$n" "$@"
	cg_pid=$SPID
	i=0                     # under valgrind a start takes seconds
	while ! "$PP" client rpc --retries 0 "http://127.0.0.1:$port/score" >/dev/null 2>&1 &&
		[ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# pushpull answers the latest event, as in section_http (nginx ignores it).
	"$PP" client rpc --data "the first event" "http://127.0.0.1:$port/publish" >/dev/null 2>&1
	"$PP" client rpc --count "$n" "http://127.0.0.1:$port/score" >/dev/null 2>&1
	kill "-$sig" "$cg_pid" 2>/dev/null
	i=0
	while kill -0 "$cg_pid" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stop "$cg_pid"
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$OUT/cg.$key.$n")
	[ -n "$ir" ] && record "$key.$n" "$ir"
}

section_instr() {
	echo "== instructions per keep-alive request (callgrind): pushpull GET /score and nginx"
	need valgrind valgrind || { echo "valgrind is missing: skipped"; return; }
	need nginx nginx || { echo "nginx is missing: skipped"; return; }
	start_pushpull || return
	"$PP" client rpc --data "the first event" "http://127.0.0.1:$PORT/publish" >/dev/null 2>&1
	body=$("$PP" client rpc "http://127.0.0.1:$PORT/score" 2>/dev/null | head -n 1)
	stop "$SPID"
	pp_port=$((NGINX_PORT + 7)) ngx_port=$((NGINX_PORT + 8))
	mkdir -p "$ABS/nginx_cg/tmp"
	# One process: the worker is the master, so callgrind sees every request.
	{ echo "master_process off;"
	  sed -e "s|@DIR@|$ABS/nginx_cg|g" -e "s|@PORT@|$ngx_port|" -e "s|@LISTEN@||" \
		-e "s|@BODY@|$body|" tools/bench/nginx.conf; } > "$ABS/nginx_cg/nginx.conf"
	for n in "$INSTR_FEW" "$INSTR_MANY"; do
		# The same body as nginx's: the first event of a fresh feed, with
		# its own epoch, of the same length.
		instr_once instr.pushpull "$n" "$pp_port" INT "$PP" serve --port "$pp_port" \
			--log-level error
		instr_once instr.nginx "$n" "$ngx_port" QUIT nginx -p "$ABS/nginx_cg/" \
			-c "$ABS/nginx_cg/nginx.conf" -e "$ABS/nginx_cg/error.log"
	done
	for k in pushpull nginx; do
		few=$(median "instr.$k.$INSTR_FEW") many=$(median "instr.$k.$INSTR_MANY")
		if [ "$few" != NA ] && [ "$many" != NA ]; then
			record "instr.$k.per_request" $(( (many - few) / (INSTR_MANY - INSTR_FEW) ))
		fi
	done
	echo "  pushpull $(median instr.pushpull.per_request), nginx $(median instr.nginx.per_request) instructions per request"
	row "http keepalive instructions/req" "instr" "$(median instr.pushpull.per_request)" \
		"$(median instr.nginx.per_request)" "ratio<=0.5"
}

section_workers() {
	echo "== workers: SSE fan-out, 1,000 clients x $SSE_EVENTS events, serve --workers 1 and 2"
	for w in 1 2; do
		: > "$OUT/workers$w.log"
		"$PP" serve --port 0 --max-connections 0 --max-per-address 0 --max-buffered 0 \
			--workers $w --log-level error >> "$OUT/workers$w.log" 2>&1 &
		wpid=$!
		STARTED="$STARTED $wpid"
		wait_for "$OUT/workers$w.log" "serving on" || { echo "  serve did not start"; stop "$wpid"; continue; }
		wport=$(sed -n 's/.*serving on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$OUT/workers$w.log")
		r=1
		while [ $r -le "$RUNS" ]; do
			ON_LOAD="" sse_once "workers.$w" "$wpid" "http://127.0.0.1:$wport" \
				--clients 1000 --events "$SSE_EVENTS"
			r=$((r + 1))
		done
		stop "$wpid"
	done
	row "sse 1000 deliveries/s, 2 workers vs 1" "/s" "$(median workers.2.dps)" \
		"$(median workers.1.dps)" "-"
	row "sse 1000 CPU/delivery, 2 workers vs 1" "us" "$(median workers.2.cpu)" \
		"$(median workers.1.cpu)" "-"
}

# publish_cpu KEY PORT PIDS...: REDIS_PUBLISHES publishes one after another
# on PORT; records KEY.<i> = CPU us per publish of the i-th PID (/proc
# counts in ticks: 10,000 publishes make a tick 1 us a publish).
publish_cpu() {
	key=$1 port=$2
	shift 2
	before=""
	for p in "$@"; do before="$before $(cpu_us "$p")"; done
	"$PP" client rpc --count "$REDIS_PUBLISHES" --data "bench" \
		"http://127.0.0.1:$port/publish" >/dev/null 2>&1
	i=0
	for p in "$@"; do
		i=$((i + 1))
		b=$(echo $before | cut -d' ' -f$i)
		record "$key.$i" "$(awk -v a="$(cpu_us "$p")" -v b="$b" -v n="$REDIS_PUBLISHES" \
			'BEGIN { printf "%.1f", (a - b) / n }')"
	done
}

section_redis() {
	echo "== redis: the backplane, two servers through redis-server against one alone"
	need redis-server redis-server || { echo "redis-server is missing: skipped"; return; }
	rport=$((NGINX_PORT + 30))
	start redis redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no
	redis_pid=$SPID
	wait_for "$OUT/redis.log" "Ready to accept connections" ||
		{ echo "  redis-server did not start"; stop "$redis_pid"; return; }
	start_pushpull --redis "127.0.0.1:$rport" --log-level error || { stop "$redis_pid"; return; }
	a_pid=$SPID a_port=$PORT
	start_pushpull --redis "127.0.0.1:$rport" --log-level error || { stop "$a_pid"; stop "$redis_pid"; return; }
	b_pid=$SPID
	start_pushpull --log-level error || { stop "$a_pid"; stop "$b_pid"; stop "$redis_pid"; return; }
	alone_pid=$SPID alone_port=$PORT
	r=1
	while [ $r -le "$RUNS" ]; do
		# CPU per publish: the publisher, the follower, Redis.
		publish_cpu redis.pub "$a_port" "$a_pid" "$b_pid" "$redis_pid"
		publish_cpu alone.pub "$alone_port" "$alone_pid"
		sse_once "redis.fanout" "$a_pid" "http://127.0.0.1:$a_port" --clients 1000 \
			--events "$SSE_EVENTS"
		sse_once "alone.fanout" "$alone_pid" "http://127.0.0.1:$alone_port" --clients 1000 \
			--events "$SSE_EVENTS"
		r=$((r + 1))
	done
	for k in redis.pub.1 redis.pub.2 redis.pub.3 alone.pub.1; do
		echo "  $k: $(median "$k") us of CPU per publish"
	done
	row "publish CPU/event, publisher via Redis" "us" "$(median redis.pub.1)" \
		"$(median alone.pub.1)" "-"
	row "publish CPU/event, other server" "us" "$(median redis.pub.2)" "NA" "-"
	row "publish CPU/event, redis-server" "us" "$(median redis.pub.3)" "NA" "-"
	row "sse 1000 deliveries/s, via Redis vs alone" "/s" "$(median redis.fanout.dps)" \
		"$(median alone.fanout.dps)" "-"
	row "sse 1000 CPU/delivery, via Redis vs alone" "us" "$(median redis.fanout.cpu)" \
		"$(median alone.fanout.cpu)" "-"
	stop "$alone_pid"
	stop "$b_pid"
	stop "$a_pid"
	stop "$redis_pid"
}

section_flood() {
	echo "== flood: pushpull serve with its default limits (README, \"Running it for real\")"
	if ! command -v python3 >/dev/null 2>&1; then
		echo "python3 is missing: flood skipped (apt-get install python3)"
		return
	fi
	python3 tools/bench/flood.py "$PP"
}

section_journal() {
	echo "== the journal: wrk publishing 64-byte events on 50 connections, per --fsync"
	r=1
	while [ $r -le "$RUNS" ]; do
		journal_once journal.none
		journal_once journal.batch --journal "$OUT/bench.journal" --fsync batch
		journal_once journal.always --journal "$OUT/bench.journal" --fsync always
		journal_once journal.never --journal "$OUT/bench.journal" --fsync never
		r=$((r + 1))
	done
	row "publish, journal batch vs none" "/s" "$(median journal.batch.rps)" "$(median journal.none.rps)" "pushpull>=20000"
	row "publish, journal always vs none" "/s" "$(median journal.always.rps)" "$(median journal.none.rps)" "-"
	row "publish, journal never vs none" "/s" "$(median journal.never.rps)" "$(median journal.none.rps)" "-"
	row "publish CPU, journal batch vs none" "us" "$(median journal.batch.cpu)" "$(median journal.none.cpu)" "-"
	echo " SSE fan-out to 1000 clients x $SSE_EVENTS events, with and without the journal"
	rm -f "$OUT/bench.journal"
	start_pushpull --journal "$OUT/bench.journal" --fsync batch || return
	jpid=$SPID jport=$PORT
	start_pushpull || { stop "$jpid"; return; }
	pp_pid=$SPID pp_port=$PORT
	r=1
	while [ $r -le "$RUNS" ]; do
		sse_once "journal.fanout.batch" "$jpid" "http://127.0.0.1:$jport" --clients 1000 --events "$SSE_EVENTS"
		sse_once "journal.fanout.none" "$pp_pid" "http://127.0.0.1:$pp_port" --clients 1000 --events "$SSE_EVENTS"
		r=$((r + 1))
	done
	row "sse 1000 fan-out, journal batch vs none" "/s" "$(median journal.fanout.batch.dps)" \
		"$(median journal.fanout.none.dps)" "ratio>=0.9"
	stop "$pp_pid"
	stop "$jpid"
	rm -f "$OUT/bench.journal"
}

# --- the run --------------------------------------------------------------------

needs_pp=0
for s in $ONLY; do
	case $s in micro|resp) ;; *) needs_pp=1 ;; esac
done
if [ $needs_pp = 1 ] && { [ ! -x "$PP" ] || [ ! -x "$LG" ]; }; then
	echo "$PP or $LG is not built: only the micro and resp benchmarks run"
	ONLY="micro resp"
fi
for s in $ONLY; do
	case $s in
	micro|resp|http|ws|sse|large|mem|lab|instr|workers|redis|flood|journal|hundredk) "section_$s"; echo ;;
	*) echo "unknown section '$s' (micro resp http ws sse large mem lab instr workers redis flood journal hundredk)" ;;
	esac
done

[ -s "$ROWS" ] || exit 0

# The summary: every figure, every ratio, the target and whether it is met.
awk -F'|' -v runs="$RUNS" -v json="$OUT/results.json" -v raw="$RAW" '
function num(v) { return v != "NA" && v != "" && v != "-1" }
function jstr(s) { gsub(/"/, "\\\"", s); return "\"" s "\"" }
function jnum(v) { return num(v) ? v + 0 : "null" }
{
	name = $1; unit = $2; pp = $3; peer = $4; check = $5
	exact = (num(pp) && num(peer) && peer + 0 != 0) ? pp / peer : "NA"
	ratio = exact == "NA" ? "NA" : sprintf("%.2f", exact)
	met = "-"                       # judged on the exact ratio, not the rounded one
	if (check ~ /^ratio>=/) { t = substr(check, 8); met = exact == "NA" ? "?" : (exact >= t + 0 ? "yes" : "NO") }
	else if (check ~ /^ratio<=/) { t = substr(check, 8); met = exact == "NA" ? "?" : (exact <= t + 0 ? "yes" : "NO") }
	else if (check ~ /^pushpull<=/) { t = substr(check, 11); met = !num(pp) ? "?" : (pp + 0 <= t + 0 ? "yes" : "NO") }
	else if (check ~ /^pushpull>=/) { t = substr(check, 11); met = !num(pp) ? "?" : (pp + 0 >= t + 0 ? "yes" : "NO") }
	n++
	line[n] = sprintf("%-40s %6s %12s %12s %7s  %-16s %s", name, unit, pp, peer, ratio, check, met)
	js[n] = sprintf("{\"name\":%s,\"unit\":%s,\"pushpull\":%s,\"peer\":%s,\"ratio\":%s,\"target\":%s,\"met\":%s}",
		jstr(name), jstr(unit), jnum(pp), jnum(peer), ratio == "NA" ? "null" : ratio,
		check == "-" ? "null" : jstr(check), met == "yes" ? "true" : met == "NO" ? "false" : "null")
}
END {
	printf "== Summary: medians of %d runs; ratio = pushpull / peer (nginx, node)\n", runs
	printf "%-40s %6s %12s %12s %7s  %-16s %s\n", "figure", "unit", "pushpull", "peer", "ratio", "target", "met"
	for (i = 1; i <= n; i++) print line[i]
	for (i = 1; i <= n; i++) if (line[i] ~ /bare/) { bare = 1 }
	if (bare) print "(\"bare floor\" rows hold the figure of the bare server in the pushpull column: the best\n" \
		" any server could do against the peer here; \"pp vs bare\" rows compare pushpull with it)"
	for (i = 1; i <= n; i++) if (line[i] ~ /nginx deferred/) { deferred = 1 }
	if (deferred) print "(\"nginx deferred\" rows: nginx with \"listen ... deferred\", the TCP_DEFER_ACCEPT that\n" \
		" the pushpull HTTP listener uses and nginx leaves off by default)"
	printf "{\"runs\":%d,\"rows\":[", runs > json
	for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "," : ""), js[i] > json
	printf "],\"samples\":{" > json
	k = 0
	while ((getline l < raw) > 0) {
		split(l, f, " ")
		if (!(f[1] in seen)) { seen[f[1]] = ++k; order[k] = f[1]; vals[f[1]] = "" }
		vals[f[1]] = vals[f[1]] (vals[f[1]] == "" ? "" : ",") (num(f[2]) ? f[2] + 0 : "null")
	}
	for (i = 1; i <= k; i++) printf "%s%s:[%s]", (i > 1 ? "," : ""), jstr(order[i]), vals[order[i]] > json
	printf "}}\n" > json
}' "$ROWS"
echo "(all of it in $OUT/results.json)"
