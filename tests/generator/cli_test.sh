#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks scales-thrift's exit codes and messages for bad input (each refused name by FILE:LINE),
# --check, that every front end writes the same bytes, that output is deterministic, and that it
# matches the golden files under tests/generator/*/expected (refresh them with
# scripts/update_goldens.sh after an intended change).
#   cli_test.sh SCALES_THRIFT THRIFT_SCALES TESTS_GENERATOR_DIR IDL_DIR [CMAKE_GEN_DIR]
set -u
gen=$1
compiler=$2
here=$3
idl_dir=$4
cmake_gen=${5:-}
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
expect no-args 2 "required" -- "$gen"
expect missing-out 2 "--out is required" -- "$gen" "$here/basic/input.thrift"
expect extra-arg 2 "" -- "$gen" --out "$work/o" "$here/basic/input.thrift" "$here/basic/input.thrift"
expect missing-file 2 "cannot read IDL file '$work/none.thrift'" -- "$gen" --out "$work/o" "$work/none.thrift"
expect missing-compiler 2 "cannot run the compiler '/nonexistent/thrift-scales'" -- "$gen" --thrift /nonexistent/thrift-scales --out "$work/o" "$here/basic/input.thrift"

# refused NAME 'IDL TEXT' 'MESSAGE': generation fails (status 1) with `scales-thrift: FILE:LINE:
# error: MESSAGE`, and the output directory is not created.
refused() {
  local name=$1 text=$2 want=$3
  printf '%b' "$text" > "$work/$name.thrift"
  expect "$name" 1 "scales-thrift: $work/$name.thrift:$want" -- "$gen" --out "$work/$name.out" "$work/$name.thrift"
  if [[ -e "$work/$name.out" ]]; then
    failed=$((failed + 1)); echo "FAIL $name: the output directory was created"
  fi
}

refused syntax-error 'service Broken {\n  void f(1: i32 x\n}\n' "3: error: syntax error (last token was '}')"
refused reserved-name 'service S {\n  void make()\n}\n' "2: error: unsupported: function 'make' clashes"
refused client-name 'service S {\n  void ping()\n  void SClient()\n}\n' "3: error: unsupported: function 'SClient' has the name of the generated class SClient"
refused handler-name 'service S {\n  void SHandler()\n}\n' "2: error: unsupported: function 'SHandler' has the name of the generated class SHandler"
refused struct-keyword 'struct ok {\n  1: i32 a\n}\nstruct operator {\n  1: i32 a\n}\n' "4: error: unsupported: struct 'operator' is a C++ keyword"
refused field-keyword 'struct A {\n  1: i32 fine\n  2: i32 explicit\n}\n' "3: error: unsupported: field of struct A 'explicit' is a C++ keyword"
refused arg-keyword 'service S {\n  void f(1: i32 a,\n         2: i32 using)\n}\n' "3: error: unsupported: argument 'using' is a C++ keyword"
refused field-macro 'struct A {\n  1: i32 isset\n}\n' "2: error: unsupported: field of struct A 'isset' is a macro"
refused field-thrift-member 'struct A {\n  1: i32 x\n  2: i32 read\n}\n' "3: error: unsupported: field of struct A 'read': Thrift's generated struct has a member function"
refused exception-what 'exception E {\n  1: string what\n}\n' "2: error: unsupported: field of exception E 'what'"
refused type-named-client 'struct SClient {\n  1: i32 a\n}\nservice S {\n  void f()\n}\n' "1: error: unsupported: struct 'SClient' has the name of a class"
refused scales-prefix 'service S {\n  void f(1: i32 scales_x)\n}\n' "2: error: unsupported: argument 'scales_x' starts with scales_"
refused annotation-bool 'service S {\n  void f() (scales.idempotent = "yes")\n}\n' '2: error: scales.idempotent on function f must be "true" or "false", not "yes"'
refused annotation-timeout 'service S {\n  void f() (scales.timeout_ms = "-5")\n}\n' "2: error: scales.timeout_ms on function f must be a positive number of milliseconds"
refused annotation-typo 'service S {\n  void f() (scales.idempotant = "true")\n}\n' "2: error: unknown annotation scales.idempotant on function f; known here: scales.idempotent, scales.timeout_ms"
refused service-annotation-typo 'service S {\n  void f()\n} (scales.idempotent = "ture")\n' '1: error: scales.idempotent on service S must be "true" or "false", not "ture"'
refused service-annotation-unknown 'service S {\n  void f()\n} (scales.timeout = "5")\n' "1: error: unknown annotation scales.timeout on service S"
refused argument-annotation 'service S {\n  void f(1: i32 a,\n         2: i32 b (scales.idempotent = "true"))\n}\n' "3: error: unknown annotation scales.idempotent on argument b (no scales.* annotation applies here)"
refused exception-annotation 'exception E {\n  1: string w\n} (scales.retry = "true")\nservice S {\n  void f() throws (1: E e)\n}\n' "1: error: unknown annotation scales.retry on exception E"
refused unused-exception-annotation 'exception E {\n  1: string w\n} (scales.retryable = "ture")\n' '1: error: scales.retryable on exception E must be "true" or "false"'
refused twin-services 'service Foo {\n  void f()\n}\nservice FooAsync {\n  void g()\n}\n' "4: error: unsupported: service 'FooAsync' generates FooAsyncHandler, which service 'Foo' generates too"
refused hides-type 'service S {\n  void f(1: i32 a, 2: i32 int32_t)\n}\n' "2: error: unsupported: argument 'int32_t' would hide a type or namespace"
refused hides-namespace 'struct boost {\n  1: i32 a\n}\n' "1: error: unsupported: struct 'boost' would hide a type or namespace"
refused namespace-keyword '# a comment\nnamespace * com.acme.public.api\nstruct A {\n  1: i32 a\n}\n' "2: error: unsupported: namespace part 'public' is a C++ keyword"
refused namespace-scales 'namespace cpp scales.api\nstruct A {\n  1: i32 a\n}\n' "1: error: unsupported: namespace part 'scales' would hide"
refused enum-macro 'enum Errno {\n  OK = 0\n  ENOENT = 2\n}\n' "3: error: unsupported: value of enum Errno 'ENOENT' is a macro"
refused gnu-macro 'enum Os {\n  linux = 1\n}\n' "2: error: unsupported: value of enum Os 'linux' is a macro"
refused field-hides-type 'enum Color {\n  RED = 1\n}\nstruct U {\n  1: i32 a\n  2: Color Color\n}\n' "6: error: unsupported: field of struct U 'Color': a field of U has the type of that name"
printf 'struct A {\n  1: i32 a\n}\n' > "$work/my.dotted.thrift"
refused dotted-include 'include "my.dotted.thrift"\nstruct B {\n  1: my.dotted.A a\n}\n' "1: error: unsupported: include \"my.dotted.thrift\""
refused struct-annotation 'struct A {\n  1: i32 a\n} (scales.retryable = "true")\n' "1: error: unknown annotation scales.retryable on struct A"

# Thrift's warnings reach the user, in the same FILE:LINE form; generation still succeeds.
printf 'include "nowhere.thrift"\nservice S {\n  void f()\n}\n' > "$work/missing-include.thrift"
expect missing-include 0 "scales-thrift: $work/missing-include.thrift:1: warning: Could not find include file nowhere.thrift" -- "$gen" --out "$work/mi.out" "$work/missing-include.thrift"

touch "$work/a-file"
expect out-is-file 2 "is not a directory" -- "$gen" --out "$work/a-file" "$here/basic/input.thrift"
expect unwritable-out 2 "is not writable" -- "$gen" --out "$work/a-file/sub" "$here/basic/input.thrift"
mkdir "$work/readonly" && chmod a-w "$work/readonly"
if [[ $(id -u) -ne 0 ]]; then
  expect readonly-out 2 "is not writable" -- "$gen" --out "$work/readonly" "$here/basic/input.thrift"
fi

# --check: up to date, then each kind of staleness, each named.
"$gen" --out "$work/checked" "$here/basic/input.thrift"
expect check-fresh 0 "" -- "$gen" --check --out "$work/checked" "$here/basic/input.thrift"
echo '// edited' >> "$work/checked/Tiny.scales.h"
expect check-stale 1 "stale: $work/checked/Tiny.scales.h" -- "$gen" --check --out "$work/checked" "$here/basic/input.thrift"
rm "$work/checked/input_types.h"
expect check-missing 1 "missing: $work/checked/input_types.h" -- "$gen" --check --out "$work/checked" "$here/basic/input.thrift"
"$gen" --out "$work/checked" "$here/basic/input.thrift"
sed 's/Tiny/Gone/g' "$work/checked/Tiny.scales.h" > "$work/checked/Gone.scales.h"
expect check-leftover 1 "no longer generated: $work/checked/Gone.scales.h" -- "$gen" --check --out "$work/checked" "$here/basic/input.thrift"
"$gen" --out "$work/checked" "$here/basic/input.thrift"
expect check-leftover-removed 0 "" -- "$gen" --check --out "$work/checked" "$here/basic/input.thrift"
if [[ -e "$work/checked/Gone.scales.h" ]]; then
  failed=$((failed + 1)); echo "FAIL check: regenerating left Gone.scales.h behind"
fi
expect check-no-dir 1 "does not exist" -- "$gen" --check --out "$work/nowhere" "$here/basic/input.thrift"
if [[ $(cat "$work/checked/Tiny.scales.h" | tail -1) == "// edited" ]]; then
  failed=$((failed + 1)); echo "FAIL check: regenerating did not restore the edited file"
fi

# Every front end renders the same bytes: thrift-scales --gen scales, scales-thrift, and the
# build's scales_thrift_generate() (its output directory for the test IDLs).
front_ends_agree() {  # IDL INCLUDE_DIR
  local idl=$1 inc=$2 stem
  stem=$(basename "$idl" .thrift)
  rm -rf "$work/fe.a" "$work/fe.b" && mkdir "$work/fe.a"
  "$compiler" -I "$inc" --gen scales -out "$work/fe.a" "$idl" > /dev/null &&
    "$gen" -I "$inc" --out "$work/fe.b" "$idl" 2> /dev/null
  if diff -r "$work/fe.a" "$work/fe.b" > /dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL front ends: thrift-scales and scales-thrift differ on $idl"
  fi
  if [[ -n "$cmake_gen" && "$idl" == "$idl_dir"/* ]]; then
    for f in "$work/fe.a"/*; do
      if ! cmp -s "$f" "$cmake_gen/$(basename "$f")"; then
        failed=$((failed + 1)); echo "FAIL front ends: scales_thrift_generate's $(basename "$f") differs ($idl)"
        return
      fi
    done
    passed=$((passed + 1))
  fi
}
for case in "$here"/*/; do front_ends_agree "$case/input.thrift" "$case"; done
for idl in "$idl_dir"/*.thrift; do front_ends_agree "$idl" "$idl_dir"; done
# The other IDL files of the repository: the example, the fuzz target's, the consumer's, bench's.
for idl in "$here"/../../examples/*.thrift "$here"/../fuzz/*.thrift "$here"/../consumer/project/*.thrift \
  "$here"/../../bench/*.thrift; do
  front_ends_agree "$idl" "$(dirname "$idl")"
done

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
