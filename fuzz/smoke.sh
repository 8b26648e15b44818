#!/usr/bin/env bash
# The CI fuzz smoke run (docs/fuzzing.md): each target for a few seconds on the committed corpus
# with its dictionary, about 30 s in all. New inputs go to a scratch directory, never into the
# committed corpus; a crash, leak or broken invariant fails the run and leaves the input under
# BUILD/fuzz/artifacts/.
# Usage: bash fuzz/smoke.sh [BUILD_DIR]   (default build/fuzz, the `fuzz` preset's; CI: build/asan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/fuzz}
artifacts="$build/fuzz/artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# target:seconds; the HTTP target is the slowest per input and gets the most time. The three run
# at once (about 30 s on two cores), each reported after all have ended.
entries=(changeset:15 sync_request:15 http:30)
declare -A pids
for entry in "${entries[@]}"; do
  target=${entry%%:*}
  seconds=${entry##*:}
  mkdir -p "$scratch/$target"
  echo "=== fuzz smoke: $target for ${seconds}s"
  "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -dict="fuzz/$target.dict" \
    -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
    "$scratch/$target" "fuzz/corpus/$target" > "$scratch/$target.log" 2>&1 &
  pids[$target]=$!
done
failed=0
for entry in "${entries[@]}"; do
  target=${entry%%:*}
  if ! wait "${pids[$target]}"; then
    tail -n 60 "$scratch/$target.log"
    echo "fuzz smoke: $target failed; the input is in $artifacts/" >&2
    failed=1
    continue
  fi
  echo "=== fuzz smoke: $target"
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)" \
    "$scratch/$target.log" || true
  grep -E "^#[0-9]+ +DONE" "$scratch/$target.log" || true
done
exit "$failed"
