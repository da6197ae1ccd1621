#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates tests/generator/*/expected from the current generator (build it first). Review the
# diff: goldens change only when generated code is meant to change.
#   scripts/update_goldens.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
gen=${1:-build}/generator/scales-thrift
for case in tests/generator/*/; do
  rm -rf "$case/expected"
  "$gen" -I "$case" --out "$case/expected" "$case/input.thrift"
  # Thrift's own types are Apache's output, not ours: the goldens pin the scales layer only.
  find "$case/expected" -name '*_types.*' -delete -o -name '*_constants.*' -delete
  # Goldens are kept in the repo's style, like every other C++ file; the test formats the
  # generator's output the same way before comparing.
  clang-format -i --style=file "$case"/expected/*
done
git status --short tests/generator
