#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test run, from a fresh Debian bookworm machine: install packages, check formatting,
# build and run every test, fuzz every network decoder for a bounded time, then build and run the
# unit and integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

scripts/setup.sh

echo "== clang-format"
git ls-files '*.h' '*.cpp' | xargs clang-format --dry-run -Werror

echo "== build and test"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j "$jobs"
ctest --test-dir build -j "$jobs" --output-on-failure

echo "== libFuzzer (bounded)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSCALES_SANITIZE=ON \
  -DSCALES_BUILD_EXAMPLES=OFF > /dev/null
# Only what the sanitized run executes (labels unit and integration: the adversarial suite too)
# and what those tests start; benchmarks and tools are left out.
cmake --build build-asan -j "$jobs" --target scales_unit_tests scales_integration_tests \
  scales_adversarial_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j "$jobs" --output-on-failure -L "unit|integration"
