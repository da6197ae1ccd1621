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
"$out/mux_frame_fuzz" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$out/" \
  "$corpus" > "$out/mux_frame.log" 2>&1 || status=$?
if (( status != 0 )); then
  tail -40 "$out/mux_frame.log"
  echo "fuzz: mux_frame crashed (status $status)"
  exit 1
fi
echo "fuzz: mux_frame: $(grep -E '^Done' "$out/mux_frame.log"), no crash"

# The other decoders of bytes from the network, each alone with what its errors need, a third of
# the time each, from small seed corpora.
# A target's libraries go in `libs`, set before run_target (after its sources on the line).
libs=()
run_target() {  # name, seconds, sources...
  local name=$1 secs=$2
  shift 2
  clang++ "${flags[@]}" "tests/fuzz/$name.cpp" "$@" runtime/src/core/call_trace.cpp \
    "${libs[@]}" -o "$out/$name"
  local log="$out/$name.log" rc=0
  "$out/$name" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$out/" \
    "$out/${name}_corpus" > "$log" 2>&1 || rc=$?
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
# Produce v7: a partition's error, base offset, log append time and log start offset; throttle.
{ printf '\0\0\0\1\0\0\0\1\0\1t\0\0\0\1\0\0\0\0\0\0'; head -c 24 /dev/zero; printf '\0\0\0\0'; } \
  > "$out/kafka_response_fuzz_corpus/produce_v7"
run_target redis_reply_fuzz "$short" runtime/src/redis/resp.cpp
# The record batch codecs come with the wire (what encodes, not what decodes, uses them).
libs=(-lz -lsnappy -llz4 -lzstd)
run_target kafka_response_fuzz "$short" -Iruntime/src runtime/src/kafka/wire.cpp \
  runtime/src/kafka/compression.cpp
libs=()

# thrift_message: framed Thrift messages both ways, each frame served (readCallHeader, decodeArgs,
# the reply) and received (replyFieldId, the generated decoder), over the types of
# tests/fuzz/fuzz.thrift, generated as scales-thrift generates them. Thrift's protocols store
# whatever type byte a peer sends in a TType or TMessageType, which -fsanitize=enum reports inside
# Thrift's own headers at the first unknown byte (and every reader compares it as an enum), so that
# one check is off for this target.
gen="$out/thrift_gen"
mkdir -p "$gen" "$out/thrift_message_fuzz_corpus" "$out/http_response_fuzz_corpus"
thrift --gen cpp:templates,moveable_types -out "$gen" tests/fuzz/fuzz.thrift
# Seeds: a mode byte (bit 0: the client's protocol is compact; bits 1-2: it awaits get, put or
# check), then 4-byte length-prefixed frames: binary T_CALLs of get and put, a binary T_REPLY and
# T_EXCEPTION to get, compact T_CALLs of check and (oneway) touch, a compact T_REPLY to check.
c="$out/thrift_message_fuzz_corpus"
{
  printf '\0\0\0\0\x25\x80\x01\0\x01\0\0\0\x03get\0\0\0\x01'
  printf '\x0b\0\x01\0\0\0\x01k\x0f\0\x02\x0b\0\0\0\x01\0\0\0\x01a\0'
  printf '\0\0\0\x35\x80\x01\0\x01\0\0\0\x03put\0\0\0\x02\x0c\0\x01\x08\0\x01\0\0\0\x01\0'
  printf '\x0d\0\x02\x0b\x0c\0\0\0\x01\0\0\0\x01a\x0a\0\x02\0\0\0\0\0\0\0\x02\0\0'
} > "$c/call_binary"
{
  printf '\0\0\0\0\x23\x80\x01\0\x02\0\0\0\x03get\0\0\0\x01'
  printf '\x0c\0\0\x08\0\x01\0\0\0\x07\x0b\0\x02\0\0\0\x01x\0\0'
} > "$c/reply_binary"
{
  printf '\0\0\0\0\x22\x80\x01\0\x03\0\0\0\x03get\0\0\0\x01'
  printf '\x0b\0\x01\0\0\0\x04oops\x08\0\x02\0\0\0\x01\0'
} > "$c/exception_binary"
{
  printf '\x05\0\0\0\x0f\x82\x21\x01\x05check\x1a\x18\x01a\x11\0'
  printf '\0\0\0\x10\x82\x81\x01\x05touch\x16\x0a\x19\x21\x01\x02\0'
} > "$c/call_compact"
printf '\x05\0\0\0\x0c\x82\x41\x01\x05check\x01\0\0' > "$c/reply_compact"
# http_response: a mode byte (bit 0: small limits; bits 1-7: exchange n is a HEAD), a split byte
# (0: one read; else reads of 1..split bytes), then what the server sends: a 200 with
# Content-Length, a chunked 200 with a trailer, a HEAD's 200 then an HTTP/1.0 body ending at EOF.
c="$out/http_response_fuzz_corpus"
printf '\0\0HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello' \
  > "$c/content_length"
{
  printf '\0\x03HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
  printf '5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n'
} > "$c/chunked"
{
  printf '\x02\x01HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'
  printf 'HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nto eof'
} > "$c/head_then_eof"
run_target thrift_message_fuzz "$short" -fno-sanitize=enum -I"$gen" runtime/src/thrift/codec.cpp \
  runtime/src/server/thrift_codec.cpp "$gen/fuzz_types.cpp" -lthrift
run_target http_response_fuzz "$short" -Iruntime/src runtime/src/http/codec.cpp
