#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates every case under tests/generator/ and compiles each file of generated code with
# -Wall -Wextra -Werror (and -Wshadow, -Wold-style-cast, as our own code): the entry file (Thrift's
# types and the service layer) and each service header on its own.
#   compile_test.sh CXX THRIFT_SCALES TESTS_GENERATOR_DIR RUNTIME_INCLUDE_DIR
set -u
cxx=$1 compiler=$2 here=$3 runtime_include=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
passed=0
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wshadow -Wold-style-cast -I"$runtime_include")
for case in "$here"/*/; do
  name=$(basename "$case")
  out="$work/$name"
  mkdir -p "$out"
  for idl in "$case"/*.thrift; do  # input.thrift, and any other file of the case on its own
    if ! "$compiler" -I "$case" --gen scales -out "$out" "$idl"; then
      failed=$((failed + 1)); echo "FAIL $name: generating $(basename "$idl") failed"
    fi
  done
  for header in "$out"/*.scales.h; do
    echo "#include \"$(basename "$header")\"" > "$header.check.cpp"
  done
  for file in "$out"/*.scales-all.cpp "$out"/*.check.cpp; do
    if "$cxx" "${flags[@]}" -I"$out" "$file" 2> "$work/log"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); echo "FAIL $name: $(basename "$file") does not compile with $cxx:"
      head -30 "$work/log" | sed 's/^/  | /'
    fi
  done
done
echo "compile ($cxx): $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
