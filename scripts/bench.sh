#!/usr/bin/env bash
# make bench [B=<name>] [DATA=<path>]: runs every benchmark under build/release/bench, or one.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-}
data=${2:-}
ran=0
for dir in bench/*/; do
  name=$(basename "$dir")
  [[ -n "$only" && "$only" != "$name" ]] && continue
  bin="build/release/bench/$name/bench_$name"
  [[ -x "$bin" ]] || { echo "bench: $bin not built" >&2; exit 1; }
  echo "== bench $name"
  args=()
  [[ -n "$data" ]] && args+=(--data "$data")
  "$bin" "${args[@]}"
  ran=$((ran + 1))
done
((ran > 0)) || { echo "bench: no benchmark named '$only'" >&2; exit 1; }
