#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Client instructions per call for each load-generator peer, counted by callgrind: a figure that
# does not need a quiet machine, so every change to the client path can show its effect. For
# each peer and concurrency (payload 32 B) the client runs exactly CALLS and then 3 x CALLS echo
# calls under `valgrind --tool=callgrind`, against the same natively running server
# scripts/bench.sh starts (pinned to core 1; the client to core 0); the marginal cost
#   (Ir(3 x CALLS) - Ir(CALLS)) / (2 x CALLS)
# cancels start-up, connecting and shutdown. Ir counts user-space instructions of the client
# process only (all its threads; not the kernel's work in its system calls, not the server).
# Prints the table on stdout (progress on stderr); about 2 minutes on a 2-core machine.
#   scripts/bench_instructions.sh [CALLS, default 10000]
# PEERS, CONCURRENCY and PAYLOADS (space-separated) narrow or change the grid, as in bench.sh:
#   PEERS="scales-mux raw" CONCURRENCY=64 scripts/bench_instructions.sh 2000
# BASELINE_LOADGEN=<another build's scales-loadgen, one with --calls> adds the peer
# "baseline-mux" as in bench.sh: that build's ThriftMux client against this build's server, e.g.
#   BASELINE_LOADGEN=/tmp/old/bench/scales-loadgen PEERS="baseline-mux scales-mux" \
#     scripts/bench_instructions.sh
# RUN_TIMEOUT bounds each callgrind run (seconds, default 180); a run that fails, times out or
# reports errors shows as "failed".
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-10000}
run_timeout=${RUN_TIMEOUT:-180}
# The build and the servers are bench.sh's.
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
bench_build valgrind
gen=$bench_gen
peers=${PEERS:-scales-mux scales-framed thrift-sync grpc raw}
concurrencies=${CONCURRENCY:-1 64}
payloads=${PAYLOADS:-32}

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/tls"
bench_make_tls_dir "$work/tls"

# instructions PEER PAYLOAD CONCURRENCY N: the client's total Ir for N calls, or nothing if the run
# failed.
instructions() {
  local out=$work/callgrind.out
  rm -f "$out"
  local line client_gen=$gen kind=$1
  if [ "$1" = baseline-mux ]; then client_gen=${BASELINE_LOADGEN:?set BASELINE_LOADGEN}; kind=scales-mux; fi
  kind=${kind%@*}  # PEER@SERVER: PEER's client against SERVER (bench_common.sh)
  line=$(timeout "$run_timeout" taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out" \
           "$client_gen" client "$kind" --port "$server_port" --payload "$2" --concurrency "$3" --calls "$4" \
           --tls-dir "$work/tls" 2> "$work/valgrind.log") || {
    echo "$1 c=$3 n=$4: client failed (timeout ${run_timeout}s?); $(tail -n 1 "$work/valgrind.log")" >&2
    return 0
  }
  case $line in
    *'"errors":0}'*) ;;
    *) echo "$1 c=$3 n=$4: $line" >&2; return 0 ;;
  esac
  # totals: is the last line callgrind writes; summary: (the same count) heads the file.
  awk '/^totals:/ {t = $2} /^summary:/ {s = $2} END {if (t != "") print t; else print s}' "$out"
}

echo "$(valgrind --version), $calls and $((3 * calls)) calls per peer; client instructions only" >&2
results=$work/results
for payload in $payloads; do
  for concurrency in $concurrencies; do
    for peer in $peers; do
      bench_start_server "$peer" "$work/tls"
      short=$(instructions "$peer" "$payload" "$concurrency" "$calls")
      long=$(instructions "$peer" "$payload" "$concurrency" $((3 * calls)))
      bench_stop_server
      server_pid=
      rm -f "$server_out"
      echo "$payload $concurrency $peer ${short:--} ${long:--}" >> "$results"
      echo "  $peer payload=$payload concurrency=$concurrency: Ir ${short:--} / ${long:--}" >&2
    done
  done
done

echo "$(valgrind --version); callgrind Ir of the client per call, marginal over $calls -> $((3 * calls)) calls"
awk -v calls="$calls" '
  { key = $1 " " $2; ipc = ($4 == "-" || $5 == "-") ? -1 : ($5 - $4) / (2 * calls)
    row[NR] = $0; cost[NR] = ipc; if ($3 == "scales-mux" && ipc > 0) base[key] = ipc }
  END {
    printf "%7s %4s  %-18s %18s %8s\n", "payload", "conc", "peer", "instructions/call", "x mux"
    for (i = 1; i <= NR; ++i) {
      split(row[i], f, " "); key = f[1] " " f[2]
      if (cost[i] < 0) { printf "%7s %4s  %-18s %18s\n", f[1], f[2], f[3], "failed"; continue }
      ratio = (key in base) ? sprintf("%.2f", cost[i] / base[key]) : "-"
      printf "%7s %4s  %-18s %18.0f %8s\n", f[1], f[2], f[3], cost[i], ratio
    }
  }' "$results"
