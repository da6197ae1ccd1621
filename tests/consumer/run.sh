#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#   run.sh SCALES_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
# The installed tools run from the prefix: scales-call reads an IDL with the thrift-scales
# installed beside it (looked for before the build tree's), scales-sim runs a shipped scenario.
SCALES_THRIFT= "$work/prefix/bin/scales-call" \
  --list "$source/tiny.thrift" | tee "$work/scales-call.out"
grep -q "^service " "$work/scales-call.out"
"$work/prefix/bin/scales-sim" --scenario "$work/prefix/share/scales/sim-scenarios/slow_backend.json" \
  --seconds 5 --svg "$work/slow_backend.svg" > "$work/scales-sim.out"
grep -q "<svg" "$work/slow_backend.svg"
# The consumer finds scales-thrift and the runtime only through the installed package.
cmake -S "$source" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/tiny_app"
