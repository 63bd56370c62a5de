#!/usr/bin/env bash
# stats and diff over a generated capture of EVENTS events (default
# 1,000,000) and, for diff, its copy as a new bus would carry it
# (benches/gen_diff_side.py), whole process, release build.
#
#   benches/stats_diff.sh [EVENTS]     (NO_BUILD=1: use the binary already built;
#                                       CARGO_TARGET_DIR: where it is;
#                                       EVSCOPE_BEFORE=path/to/evscope: each
#                                       command also run by that build, in
#                                       turn with this one)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
a=bench-data/events-$events.jsonl
b=bench-data/events-$events-b.jsonl
mkdir -p bench-data
[ -f "$a" ] || python3 benches/gen_capture.py "$a" "$events"
[ -f "$b" ] || python3 benches/gen_diff_side.py "$a" "$b"
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin evscope
bin=${CARGO_TARGET_DIR:-target}/release/evscope
# An empty state directory: no journal of the user's own redrives is read
# (a large one costs `peek` tens of MB and some time).
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export XDG_STATE_HOME=$state
echo "A: $a ($(wc -l < "$a") lines), B: $b ($(wc -l < "$b") lines); $(nproc) cores"
cat "$a" "$b" > /dev/null

measure() { # name, command...
  local name=$1; shift
  local out; out=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" > "$out" || true
  # GNU time puts "Command exited with non-zero status N" first (diff
  # exits 1 when the sides differ): the figures are the last line.
  read -r wall user sys rss_kb < <(tail -n 1 "$out.time")
  printf "%-34s wall %6.2f s  cpu %6.2f s  peak RSS %5d MB\n" \
    "$name" "$wall" "$(echo "$user + $sys" | bc)" $((rss_kb / 1024))
  rm -f "$out" "$out.time"
}

# Each command by this build and (EVSCOPE_BEFORE) by the other one, this
# build first in odd rounds and second in even ones: on this VM a process
# that starts right after one that freed much memory gets it back faster
# (warm pages) than the first does, worth several tenths of a second of
# system time, so neither build always runs first.
both() { # name, arguments...
  local name=$1; shift
  if [ -z "${EVSCOPE_BEFORE:-}" ]; then
    measure "$name" "$bin" "$@"
  elif [ $((round % 2)) -eq 1 ]; then
    measure "$name" "$bin" "$@"
    measure "  (before)" "$EVSCOPE_BEFORE" "$@"
  else
    measure "  (before)" "$EVSCOPE_BEFORE" "$@"
    measure "$name" "$bin" "$@"
  fi
}

for round in 1 2; do
  echo "round $round (load average $(cut -d" " -f1-3 /proc/loadavg))"
  both "stats --rows source (no facet)" stats "$a" --rows source
  both "stats --rows type" stats "$a" --rows type
  both "stats --rows day --cols type" stats "$a" --rows day --cols type
  both "stats --rows \$.body.eventName" stats "$a" --rows '$.body.eventName'
  both "diff A B --ignore \$.body.bus" diff "$a" "$b" --ignore '$.body.bus'
  both "stats --rows flow-state" stats "$a" --rows flow-state
  both "peek --filter (reference)" peek "$a" --filter "@.id == 'never'"
done
