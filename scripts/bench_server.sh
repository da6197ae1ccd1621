#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The server benchmark: stock Apache Thrift clients (framed, binary; by default one sync client
# and connection per application thread) echoing 32 B against each server, reporting the
# server's CPU per call beside the calls/s. Servers:
#   scales           the scales ThriftServer (Mux and framed on one port), 1 io thread
#   scales-2io       the same with 2 io threads
#   thrift-nb        TNonblockingServer, processing on its 1 I/O thread
#   thrift-threaded  TThreadedServer, a thread per connection
# Server pinned to core 1 (SERVER_CPUS changes that), client to core 0; each cell is the median
# of REPEATS runs, each server shown as a ratio to TNonblockingServer. On a 2-core machine the
# 2-io-thread row shares the server's one core: it shows what the second loop costs, not what
# it buys (SERVER_CPUS=0,1 lets it spread, sharing a core with the client).
#   scripts/bench_server.sh [SECONDS per run, default 2] [REPEATS, default 3]
# SERVERS, CLIENTS (thrift-sync, thrift-concurrent) and CONCURRENCY (space-separated) narrow or
# change the grid.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-2}
repeats=${2:-3}
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
# shellcheck disable=SC2119  # no extra packages
bench_build
servers=${SERVERS:-scales scales-2io thrift-nb thrift-threaded}
clients=${CLIENTS:-thrift-sync}
concurrencies=${CONCURRENCY:-1 64}
results=$(mktemp)
tls_dir=$(mktemp -d)  # unused by these servers; the loadgen takes the flag from every caller
trap 'rm -rf "$tls_dir" "$results"' EXIT

for client in $clients; do
  for concurrency in $concurrencies; do
    # Servers take turns run by run, in a new random order each round (as in bench.sh).
    for _ in $(seq "$repeats"); do
      for server in $(printf '%s\n' $servers | shuf); do
        bench_start_server_kind "$server" "$tls_dir"
        line=$(taskset -c 0 "$bench_gen" client "$client" --port "$server_port" --payload 32 \
               --concurrency "$concurrency" --seconds "$seconds") || line='{"errors":-1}'
        bench_stop_server
        cpu=$(awk '/^CPU_US/ {print $2}' "$server_out")
        rm -f "$server_out"
        echo "${line%\}},\"server\":\"$server\",\"server_cpu_total_us\":${cpu:-0}}" >> "$results"
      done
    done
  done
done

SERVERS="$servers" CLIENTS="$clients" CONCURRENCY="$concurrencies" python3 - "$results" <<'PY'
import json, os, statistics, sys
cells = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("errors", 0) != 0 or "kind" not in r:
        continue
    r["server_cpu_us"] = r["server_cpu_total_us"] / max(r["all_requests"], 1)
    cells.setdefault((r["kind"], r["concurrency"], r["server"]), []).append(r)
def med(key, runs): return statistics.median(x[key] for x in runs)
print(f"{'client':<17} {'conc':>4} {'server':<16} {'req/s':>9} {'x nb':>6} {'srv cpu us':>10} "
      f"{'x nb':>6} {'p50 us':>8} {'p99 us':>8}")
for client in os.environ["CLIENTS"].split():
    for conc in map(int, os.environ["CONCURRENCY"].split()):
        base = cells.get((client, conc, "thrift-nb"))
        for server in os.environ["SERVERS"].split():
            runs = cells.get((client, conc, server))
            if not runs:
                print(f"{client:<17} {conc:>4} {server:<16} {'failed':>9}")
                continue
            rps, cpu = med("rps", runs), med("server_cpu_us", runs)
            x_rps = f"{rps / med('rps', base):.2f}" if base else "-"
            x_cpu = f"{cpu / med('server_cpu_us', base):.2f}" if base else "-"
            print(f"{client:<17} {conc:>4} {server:<16} {rps:>9.0f} {x_rps:>6} {cpu:>10.2f} "
                  f"{x_cpu:>6} {med('p50_us', runs):>8.1f} {med('p99_us', runs):>8.1f}")
PY
