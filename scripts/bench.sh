#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ThriftMux benchmark: echo of 32 B and 1 KiB payloads at concurrency 1, 16, 64 and 256 for
# scales ThriftMux (plaintext; with 1% of calls traced; and over TLS 1.3 from the first byte), the scales framed client (one call per connection, and pipelined) against a
# stock TNonblockingServer, Apache Thrift's
# sync and ConcurrentClient against that server, gRPC C++ async on one channel, and a raw Asio
# floor. Server pinned to core 1, client to core 0; each cell is the median of REPEATS runs, and
# each peer is shown as a ratio to scales ThriftMux.
#   scripts/bench.sh [SECONDS per run, default 2] [REPEATS, default 3]
# PAYLOADS, CONCURRENCY and PEERS (space-separated) narrow the grid, e.g.
#   PEERS="scales-mux grpc" CONCURRENCY=64 PAYLOADS=32 scripts/bench.sh
# BASELINE_LOADGEN=<another build's scales-loadgen> adds the peers "baseline-PEER" (and
# "baseline-mux" for baseline-scales-mux): that build's client of PEER against this build's
# server, for before/after comparisons in one run, e.g.
#   BASELINE_LOADGEN=/tmp/old/bench/scales-loadgen PEERS="baseline-mux scales-mux" scripts/bench.sh
# PEER@SERVER runs PEER's client against another server kind, e.g. thrift-sync@scales (64 stock
# sync clients on the scales server, beside scales-mux-sync on the same server).
# For a figure that needs no quiet machine, scripts/bench_instructions.sh counts the client's
# instructions per call under callgrind, against the same servers (scripts/bench_common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-2}
repeats=${2:-3}
# The build, certificates and servers are shared with scripts/bench_instructions.sh.
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
# shellcheck disable=SC2119  # no extra packages
bench_build
gen=$bench_gen
results=$(mktemp)
tls_dir=$(mktemp -d)
trap 'rm -rf "$tls_dir"' EXIT
bench_make_tls_dir "$tls_dir"

run_once() {  # run_once PEER PAYLOAD CONCURRENCY
  bench_start_server "$1" "$tls_dir"
  local line
  local client_gen=$gen kind=$1
  case $1 in
    baseline-mux) client_gen=${BASELINE_LOADGEN:?set BASELINE_LOADGEN}; kind=scales-mux ;;
    baseline-*) client_gen=${BASELINE_LOADGEN:?set BASELINE_LOADGEN}; kind=${1#baseline-} ;;
  esac
  kind=${kind%@*}  # PEER@SERVER: PEER's client, SERVER's server
  line=$(taskset -c 0 "$client_gen" client "$kind" --port "$server_port" --payload "$2" --concurrency "$3" \
         --seconds "$seconds" --tls-dir "$tls_dir") || line='{"errors":-1}'
  if [ "$kind" != "$1" ]; then line=${line/\"kind\":\"$kind\"/\"kind\":\"$1\"}; fi
  bench_stop_server
  local cpu; cpu=$(awk '/^CPU_US/ {print $2}' "$server_out")
  echo "${line%\}},\"server_cpu_total_us\":${cpu:-0}}" >> "$results"
  rm -f "$server_out"
}

for payload in ${PAYLOADS:-32 1024}; do
  for concurrency in ${CONCURRENCY:-1 16 64 256}; do
    # Peers take turns, run by run, so a machine that drifts during the grid drifts for all, and
    # in a new random order each round: in a fixed order the first peer of every round measured a
    # few percent cheaper than the same client run later in the round.
    for _ in $(seq "$repeats"); do
      for peer in $(printf '%s\n' ${PEERS:-scales-mux scales-mux-traced scales-mux-tls scales-mux-sync scales-framed scales-pipelined thrift-sync thrift-concurrent grpc raw} | shuf); do
        run_once "$peer" "$payload" "$concurrency"
      done
    done
  done
done

PAYLOADS="${PAYLOADS:-32 1024}" CONCURRENCY="${CONCURRENCY:-1 16 64 256}" \
PEERS="${PEERS:-scales-mux scales-mux-traced scales-mux-tls scales-mux-sync scales-framed scales-pipelined thrift-sync thrift-concurrent grpc raw}" \
python3 - "$results" <<'PY'
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cells = {}
for r in rows:
    if r.get("errors", 0) != 0 or "kind" not in r:
        continue
    r["server_cpu_us"] = r["server_cpu_total_us"] / max(r["all_requests"], 1)
    cells.setdefault((r["payload"], r["concurrency"], r["kind"]), []).append(r)
def med(key, runs): return statistics.median(x[key] for x in runs)
# Only the cells this run asked for, in the script's order.
peers = os.environ["PEERS"].split()
payloads = [int(p) for p in os.environ["PAYLOADS"].split()]
concurrencies = [int(c) for c in os.environ["CONCURRENCY"].split()]
print(f"{'payload':>7} {'conc':>4} {'peer':<18} {'req/s':>9} {'x mux':>6} {'p50 us':>8} "
      f"{'p99 us':>8} {'cli cpu us':>10} {'srv cpu us':>10}")
for payload in payloads:
    for conc in concurrencies:
        base = cells.get((payload, conc, "scales-mux"))
        base_rps = med("rps", base) if base else None
        for peer in peers:
            runs = cells.get((payload, conc, peer))
            if not runs:
                print(f"{payload:>7} {conc:>4} {peer:<18} {'failed':>9}")
                continue
            rps = med("rps", runs)
            ratio = f"{rps / base_rps:.2f}" if base_rps else "-"
            print(f"{payload:>7} {conc:>4} {peer:<18} {rps:>9.0f} {ratio:>6} "
                  f"{med('p50_us', runs):>8.1f} {med('p99_us', runs):>8.1f} "
                  f"{med('client_cpu_us', runs):>10.2f} {med('server_cpu_us', runs):>10.2f}")
PY
rm -f "$results"
