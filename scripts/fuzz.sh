#!/usr/bin/env bash
# Builds the libFuzzer targets (clang) and runs each one on its seed corpus.
# fuzz.sh SECONDS: 0 replays the corpus only (the smoke run of `make test`); N fuzzes N s each.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
found=0
for corpus in fuzz/*/corpus/*/; do
  name=$(basename "$corpus")
  bin=$(find build/fuzz/fuzz -type f -name "${name}_fuzz" -perm -u+x | head -1)
  [[ -n "$bin" ]] || { echo "fuzz: no binary for corpus $corpus" >&2; exit 1; }
  found=$((found + 1))
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/
  if [[ "$seconds" == 0 ]]; then
    "$bin" -runs=0 "$work" >"$work.log" 2>&1 || { cat "$work.log"; exit 1; }
    echo "fuzz: $name replayed $(ls "$corpus" | wc -l) seeds, no crash"
  else
    "$bin" -max_total_time="$seconds" "$work" >"$work.log" 2>&1 || { tail -50 "$work.log"; exit 1; }
    echo "fuzz: $name ran ${seconds}s: $(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$work.log" || tail -1 "$work.log")"
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: $found target(s)"
