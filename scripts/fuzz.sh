#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds each libFuzzer target in tests/fuzz/ with clang (fuzzer + ASan + UBSan) and runs it for a
# bounded time from a seed corpus of valid frames. Exits non-zero on any crash.
#   scripts/fuzz.sh [seconds per target, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
out=build-fuzz
mkdir -p "$out"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -Iruntime/include)

# mux_frame: the Mux decoder is pure, so it builds alone (with call_trace.cpp, which renders the
# attempt traces its errors may carry).
clang++ "${flags[@]}" tests/fuzz/mux_frame_fuzz.cpp runtime/src/mux/frame.cpp \
  runtime/src/core/call_trace.cpp -o "$out/mux_frame_fuzz"
corpus="$out/mux_frame_corpus"
mkdir -p "$corpus"
# Seeds: a tinit check marker, a Tdispatch with a context, a ping, a lease.
printf '\x00\x00\x00\x0f\x7f\x00\x00\x01tinit check' > "$corpus/tinit_check"
printf '\x00\x00\x00\x15\x02\x00\x00\x02\x00\x01\x00\x01k\x00\x02vv\x00\x00\x00\x00BODY' \
  > "$corpus/tdispatch"
printf '\x00\x00\x00\x04\x41\x00\x00\x01' > "$corpus/tping"
printf '\x00\x00\x00\x0d\x43\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\xdc' > "$corpus/tlease"
status=0
"$out/mux_frame_fuzz" -max_total_time="$seconds" -print_final_stats=1 "$corpus" \
  > "$out/mux_frame.log" 2>&1 || status=$?
if (( status != 0 )); then
  tail -40 "$out/mux_frame.log"
  echo "fuzz: mux_frame crashed (status $status)"
  exit 1
fi
echo "fuzz: mux_frame: $(grep -E '^Done' "$out/mux_frame.log"), no crash"

# The other decoders of bytes from the network, each alone with what its errors need, a third of
# the time each, from small seed corpora.
run_target() {  # name, seconds, sources...
  local name=$1 secs=$2
  shift 2
  clang++ "${flags[@]}" "tests/fuzz/$name.cpp" "$@" runtime/src/core/call_trace.cpp \
    -o "$out/$name"
  local log="$out/$name.log" rc=0
  "$out/$name" -max_total_time="$secs" -print_final_stats=1 "$out/${name}_corpus" > "$log" 2>&1 \
    || rc=$?
  if (( rc != 0 )); then
    tail -40 "$log"
    echo "fuzz: $name crashed (status $rc)"
    exit 1
  fi
  echo "fuzz: $name: $(grep -E '^Done' "$log"), no crash"
}
short=$(( seconds / 3 > 5 ? seconds / 3 : 5 ))
mkdir -p "$out/redis_reply_fuzz_corpus" "$out/kafka_response_fuzz_corpus"
printf '*3\r\n$3\r\nabc\r\n:-1\r\n%%1\r\n+k\r\n,1.5\r\n' > "$out/redis_reply_fuzz_corpus/mixed"
printf '|1\r\n+a\r\n#t\r\n=8\r\ntxt:text\r\n_\r\n' > "$out/redis_reply_fuzz_corpus/resp3"
printf '\0\0\0\1\0\0\0\1\0\0\0\1\0\1t\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' \
  > "$out/kafka_response_fuzz_corpus/produce"
run_target redis_reply_fuzz "$short" runtime/src/redis/resp.cpp
run_target kafka_response_fuzz "$short" runtime/src/kafka/wire.cpp
