#!/usr/bin/env bash
# The parse floor: on one thread, the filter benchmark's capture read by
# serde_json, by sonic-rs (a SIMD parser: into its own DOM and into
# serde_json's) and by evscope's decode, then its inspection, beside jaq
# reading the same lines (examples/parse_floor.rs).
#
#   benches/parse_floor.sh [EVENTS]        (default 1000000)
#
# Prints, for each reader, its instructions per line (callgrind, over the
# first 20,000 lines: repeatable on a noisy machine) and its wall time
# over every line (one thread, the file already in memory). Needs valgrind
# for the instruction counts (skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
data=bench-data/events-$events.jsonl
mkdir -p bench-data
[ -f "$data" ] || python3 benches/gen_capture.py "$data" "$events"
cargo build --release --quiet --example parse_floor
target_dir=${CARGO_TARGET_DIR:-target}
floor=$target_dir/release/examples/parse_floor
sample=$(mktemp)
trap 'rm -f "$sample" "$sample".cg' EXIT
head -20000 "$data" > "$sample"
echo "capture: $data, $events events; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v valgrind > /dev/null; then
  echo "instructions a line (callgrind, first 20,000 lines, less the reading of them):"
  count() {
    valgrind --tool=callgrind --callgrind-out-file="$sample.cg" "$floor" "$sample" "$1" > /dev/null 2>&1
    grep -m1 '^totals:' "$sample.cg" | awk '{print $2}'
  }
  base=$(count lines)
  for reader in serde_json sonic_rs sonic_rs_serde evscope_decode evscope_inspect; do
    printf "  %-16s %8.0f\n" "$reader" "$(echo "($(count $reader) - $base) / 20000" | bc -l)"
  done
fi
echo "wall time, one thread, every line:"
"$floor" "$data"
if command -v jaq > /dev/null; then
  /usr/bin/time -f "jaq (read and print each line's body.eventName)  %e s" \
    jaq -r '.body.eventName' "$data" > /dev/null
fi
