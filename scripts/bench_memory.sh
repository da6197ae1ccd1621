#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory of scales' client and server (issue #23), measured by scales-memory-bench
# (bench/memory/): bytes per idle Mux connection and per call in flight, client and server (the
# server in a child process, so each side's heap is its own), and a client over 10,000 endpoints:
# its heap and resident memory and the time to apply a discovery update. Then the balancers' cost
# per pick and per load report at 10,000 nodes, from scales-micro-bench (bench/micro/): a pick
# through a real client would need all 10,000 endpoints to answer.
# Builds build-bench/ as scripts/bench.sh does, plus the two targets. Prints the tables on stdout;
# a few seconds once built.
#   scripts/bench_memory.sh [scales-memory-bench options: --connections N --calls K --payload B
#                            --endpoints E --updates R --only connections|calls|endpoints --json]
# BENCH_BUILD_LOCK=<file> runs the builds under flock on that file (bench_common.sh); PICKS=0
# skips scales-micro-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench_common.sh
. scripts/bench_common.sh
bench_build
lock=()
if [ -n "${BENCH_BUILD_LOCK:-}" ]; then lock=(flock "$BENCH_BUILD_LOCK"); fi
targets=(scales-memory-bench)
if [ "${PICKS:-1}" != 0 ]; then targets+=(scales-micro-bench); fi
"${lock[@]}" cmake --build build-bench -j 2 --target "${targets[@]}" > /dev/null

# Every wait inside is bounded (--timeout, 30 s each); this bounds the whole run.
timeout 100 build-bench/bench/scales-memory-bench "$@"

if [ "${PICKS:-1}" != 0 ]; then
  echo
  echo "Balancers at 10,000 nodes (scales-micro-bench): ns per pick, and per load report (two per call)"
  timeout 60 build-bench/bench/scales-micro-bench --benchmark_filter='^(pick|load_update)/.*/10000$' \
    --benchmark_min_time=0.05 2> /dev/null
fi
