#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The hand-written clients against the well-known client of each protocol, same server, same run:
#   Redis: scales::redis::Client vs redis-benchmark (SET, 32-byte values), both with CONCURRENCY
#          requests in flight: redis-benchmark on as many connections, and (redis-bench-P) on
#          one connection pipelining them (-P); scales on one connection, pipelined;
#   HTTP:  scales::http::Client vs wrk (one thread), GET of a 8-byte nginx response, CONCURRENCY
#          connections;
#   Kafka: scales::kafka::Producer vs librdkafka's producer (100-byte records) against librdkafka's
#          mock cluster in the bench process, uncompressed (kafka-*) and with lz4 on both sides
#          (kafka-lz4-*).
# Each row is the median of RUNS; the table gives each peer's ratio to scales.
#   scripts/bench_protocols.sh [SECONDS per run, default 3] [RUNS, default 3]
# BENCH_BUILD_LOCK=<file> runs the build under flock on that file, as bench_common.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
runs=${2:-3}
concurrency=${CONCURRENCY:-64}
scripts/setup.sh > /dev/null
lock=()
if [ -n "${BENCH_BUILD_LOCK:-}" ]; then lock=(flock "$BENCH_BUILD_LOCK"); fi
"${lock[@]}" cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
  > /dev/null
"${lock[@]}" cmake --build build-bench -j 2 --target scales-protocol-bench > /dev/null
bench=build-bench/bench/scales-protocol-bench

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2> /dev/null && return; sleep 0.05; done; echo "nothing on $1"; exit 1; }

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
  > "$work/redis.log" 2>&1 &
pids+=($!)
disown
http_port=$(port)
mkdir -p "$work/tmp"
cat > "$work/nginx.conf" << CONF
daemon off; master_process off; worker_processes 1; pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $work/tmp;
  server { listen 127.0.0.1:$http_port; location = /who { return 200 "server-0"; } } }
CONF
nginx -p "$work" -e "$work/error.log" -c "$work/nginx.conf" &
pids+=($!)
disown
wait_port "$redis_port"
wait_port "$http_port"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A rows
for ((run = 0; run < runs; run++)); do
  rows[redis-scales]+="$($bench --redis "127.0.0.1:$redis_port" --concurrency "$concurrency" \
    --seconds "$seconds" | awk '{print $2}') "
  rows[redis-benchmark]+="$(redis-benchmark -h 127.0.0.1 -p "$redis_port" -t set -d 32 \
    -c "$concurrency" -n $((seconds * 60000)) --csv 2> /dev/null | awk -F'"' '/^"SET"/ {print $4}') "
  rows[redis-bench-P]+="$(redis-benchmark -h 127.0.0.1 -p "$redis_port" -t set -d 32 \
    -c 1 -P "$concurrency" -n $((seconds * 300000)) --csv 2> /dev/null | awk -F'"' '/^"SET"/ {print $4}') "
  rows[http-scales]+="$($bench --http "127.0.0.1:$http_port" --concurrency "$concurrency" \
    --seconds "$seconds" | awk '{print $2}') "
  rows[wrk]+="$(wrk -t1 -c "$concurrency" -d "${seconds}s" "http://127.0.0.1:$http_port/who" \
    | awk '/Requests\/sec/ {print $2}') "
  # The bench names its rows kafka-<codec>-scales and kafka-<codec>-librdkafka (kafka-... for none).
  for codec in none lz4; do
    kafka=$($bench --kafka --compression "$codec" --concurrency "$concurrency" --seconds "$seconds")
    prefix=kafka
    [[ $codec == none ]] || prefix=kafka-$codec
    for side in scales librdkafka; do
      rows[$prefix-$side]+="$(awk -v row="$prefix-$side" '$1 == row {print $2}' <<< "$kafka") "
    done
  done
done

printf '%-20s %14s %10s\n' row "ops/s (median)" "vs scales"
for pair in "redis-scales redis-scales" "redis-benchmark redis-scales" \
            "redis-bench-P redis-scales" "http-scales http-scales" \
            "wrk http-scales" "kafka-scales kafka-scales" "kafka-librdkafka kafka-scales" \
            "kafka-lz4-scales kafka-lz4-scales" "kafka-lz4-librdkafka kafka-lz4-scales"; do
  read -r row base <<< "$pair"
  value=$(tr ' ' '\n' <<< "${rows[$row]}" | grep -v '^$' | median)
  ref=$(tr ' ' '\n' <<< "${rows[$base]}" | grep -v '^$' | median)
  printf '%-20s %14.0f %9.2fx\n' "$row" "$value" "$(awk -v a="$value" -v b="$ref" 'BEGIN {print a / b}')"
done
