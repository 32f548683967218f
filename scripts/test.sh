#!/usr/bin/env bash
# Everything `make test` runs: lint, the release build with every test (unit, integration), the
# dev build (ASan + UBSan) with the unit tests and every fuzzer replaying its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$SECONDS
step() { echo; echo "== $* (at $((SECONDS - start))s)"; }

step "configure and build: release"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

step "lint: clang-format and clang-tidy"
scripts/lint.sh

step "tests: release, unit + integration"
ctest --preset release -j "$jobs" --timeout 300

step "configure and build: dev (ASan + UBSan), unit tests and fuzz replays"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs" --target unit_tests

step "tests: dev, unit tests and fuzz corpus replays under sanitizers"
ctest --preset dev -L unit -j "$jobs" --timeout 300

step "all done in $((SECONDS - start))s"
