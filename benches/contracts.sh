#!/usr/bin/env bash
# What checking events against contracts costs: `check` on the filter
# benchmark's file (1,000,000 seed-style events by default) without and with
# contracts inferred from the same file, alternating, several rounds.
# Prints wall and CPU seconds per run and the CPU added per event.
#
#   benches/contracts.sh [EVENTS] [ROUNDS]
#   BIN=path/to/evscope benches/contracts.sh   (measure a binary already built)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
rounds=${2:-3}
data=${TMPDIR:-/tmp}/evscope-bench-$events.jsonl
contracts=${TMPDIR:-/tmp}/evscope-bench-contracts-$events
[ -f "$data" ] || python3 benches/gen_capture.py "$data" "$events"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
fi
bin=${BIN:-target/release/evscope}
rm -rf "$contracts"
"$bin" contracts infer "$data" -o "$contracts" 2>/dev/null
echo "contracts: $(find "$contracts" -name '*.json' | wc -l) schemas inferred from $events events"

run() { # label, args...
  local label=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -o "$out" -f "%e %U %S" "$bin" "$@" >/dev/null 2>/dev/null || true
  local t; t=$(tail -1 "$out"); rm -f "$out"
  # shellcheck disable=SC2086
  set -- $t
  printf '%-16s wall %6.2f s  cpu %6.2f s\n' "$label" "$1" "$(echo "$2 + $3" | bc)"
  echo "$label $(echo "$2 + $3" | bc)" >> "$tally"
}
tally=$(mktemp)
for _ in $(seq "$rounds"); do
  run "check" check "$data" || true
  run "check+contracts" --contracts "$contracts" check "$data" || true
done
awk -v n="$events" '
  { sum[$1] += $2; count[$1]++ }
  END {
    plain = sum["check"] / count["check"]; with = sum["check+contracts"] / count["check+contracts"]
    printf "mean cpu: check %.2f s, with contracts %.2f s: %.2f µs per event for contracts\n", plain, with, (with - plain) * 1e6 / n
  }' "$tally"
rm -f "$tally"
