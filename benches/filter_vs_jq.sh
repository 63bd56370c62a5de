#!/usr/bin/env bash
# Filter throughput: evscope against jq on the same generated capture, with
# the same predicate, whole process, in one run (the machine is shared and
# noisy: compare the two side by side, not across runs).
#
#   benches/filter_vs_jq.sh [EVENTS]        (default 1000000)
#
# Prints wall time, CPU time, peak RSS and matching lines for each tool, and
# evscope's time and peak memory to open the capture (index every line).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
data=bench-data/events-$events.jsonl
mkdir -p bench-data
[ -f "$data" ] || python3 benches/gen_capture.py "$data" "$events"
cargo build --release --quiet --bin evscope --example open_capture
bin=target/release/evscope
size_mb=$(( $(stat -c %s "$data") / 1000000 ))
echo "capture: $data, $events events, $size_mb MB; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

measure() { # name, command...
  local name=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" > "$out"
  read -r wall user sys rss_kb < "$out.time"
  printf "%-22s wall %6.2f s  cpu %6.2f s  peak RSS %5d MB  matches %d\n" \
    "$name" "$wall" "$(echo "$user + $sys" | bc)" $((rss_kb / 1024)) "$(wc -l < "$out")"
  rm -f "$out" "$out.time"
}

# Warm the page cache so both read from memory.
cat "$data" > /dev/null
for round in 1 2; do
  echo "round $round"
  measure "jq (select)" jq -c 'select(.body.eventName == "SEND_EMAIL" and .meta.expired == true)' "$data"
  measure "evscope peek --filter" "$bin" peek "$data" --filter "@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true"
  measure "evscope (no prefilter)" "$bin" peek "$data" --filter "@.body.eventName == 'SEND_EMAIL' && @.meta.expired == true || @.id == 'never'"
done
echo "open (index every line, no decoding):"
target/release/examples/open_capture "$data"
