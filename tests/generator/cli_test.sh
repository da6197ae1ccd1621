#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks scales-thrift's exit codes and messages for bad input, that its output is deterministic,
# and that it matches the golden files under tests/generator/*/expected (refresh them with
# scripts/update_goldens.sh after an intended change).
#   cli_test.sh SCALES_THRIFT TESTS_GENERATOR_DIR
set -u
gen=$1
here=$2
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
passed=0
failed=0

expect() {  # expect NAME WANT_STATUS WANT_TEXT -- command...
  local name=$1 want_status=$2 want_text=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [[ $status -eq $want_status && $out == *"$want_text"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: status $status (want $want_status), output:"
    echo "$out" | sed 's/^/  | /'
  fi
}

expect help 0 "--out" -- "$gen" --help
expect version 0 "scales-thrift 0." -- "$gen" --version
expect no-args 106 "required" -- "$gen"
expect missing-file 2 "cannot read IDL file '$work/none.thrift'" -- "$gen" --out "$work/o" "$work/none.thrift"

printf 'service Broken {\n  void f(1: i32 x\n}\n' > "$work/broken.thrift"
expect syntax-error 1 "[ERROR:$work/broken.thrift:3]" -- "$gen" --out "$work/o" "$work/broken.thrift"

printf 'service S {\n  void make()\n}\n' > "$work/clash.thrift"
expect reserved-name 1 "function 'make' clashes" -- "$gen" --out "$work/o" "$work/clash.thrift"

printf 'service S {\n  void f(1: i32 token)\n}\n' > "$work/token.thrift"
expect reserved-arg 1 "argument 'token' clashes" -- "$gen" --out "$work/o" "$work/token.thrift"

printf 'service S {\n  void f() (scales.idempotent = "yes")\n}\n' > "$work/ann-bool.thrift"
expect annotation-bool 1 "scales.idempotent must be \"true\" or \"false\", not \"yes\"" -- "$gen" --out "$work/o" "$work/ann-bool.thrift"

printf 'service S {\n  void f() (scales.timeout_ms = "-5")\n}\n' > "$work/ann-timeout.thrift"
expect annotation-timeout 1 "scales.timeout_ms must be a positive number of milliseconds" -- "$gen" --out "$work/o" "$work/ann-timeout.thrift"

printf 'service S {\n  void f() (scales.idempotant = "true")\n}\n' > "$work/ann-typo.thrift"
expect annotation-typo 1 "unknown annotation scales.idempotant; known here: scales.idempotent, scales.timeout_ms" -- "$gen" --out "$work/o" "$work/ann-typo.thrift"

printf 'exception E {\n  1: string w\n} (scales.retry = "true")\nservice S {\n  void f() throws (1: E e)\n}\n' > "$work/ann-exc.thrift"
expect annotation-exception 1 "exception E: unknown annotation scales.retry" -- "$gen" --out "$work/o" "$work/ann-exc.thrift"

touch "$work/a-file"
expect unwritable-out 2 "is not writable" -- "$gen" --out "$work/a-file/sub" "$here/basic/input.thrift"
mkdir "$work/readonly" && chmod a-w "$work/readonly"
if [[ $(id -u) -ne 0 ]]; then
  expect readonly-out 2 "is not writable" -- "$gen" --out "$work/readonly" "$here/basic/input.thrift"
fi

expect missing-compiler 1 "cannot run the Thrift compiler" -- "$gen" --thrift /nonexistent/thrift --out "$work/o" "$here/basic/input.thrift"

# Same input, same bytes; and the bytes are the golden ones.
for case in "$here"/*/; do
  name=$(basename "$case")
  "$gen" --out "$work/$name.1" "$case/input.thrift" && "$gen" --out "$work/$name.2" "$case/input.thrift"
  if diff -r "$work/$name.1" "$work/$name.2" > /dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL $name: two runs differ"
  fi
  for f in "$case"/expected/*; do
    # Goldens are clang-formatted (scripts/update_goldens.sh); format the fresh output alike.
    clang-format -i --style=file:"$here/../../.clang-format" "$work/$name.1/$(basename "$f")"
    if cmp -s "$f" "$work/$name.1/$(basename "$f")"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); echo "FAIL $name: $(basename "$f") differs from the golden file"
      diff "$f" "$work/$name.1/$(basename "$f")" | head -20
    fi
  done
done

echo "generator: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
