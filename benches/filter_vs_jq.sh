#!/usr/bin/env bash
# Filter, check and background-inspection throughput: evscope beside jaq
# and jq on the same generated capture, whole process, in one run (the
# machine is shared and noisy: compare side by side, not across runs).
#
#   benches/filter_vs_jq.sh [EVENTS]        (default 1000000)
#
# ROUNDS (default 2) rounds. EVSCOPE_BEFORE=path/to/evscope adds a row for
# another evscope build (the one before a change) to each case, and
# TUI_BEFORE=path/to/tui_memory one to the TUI case. jaq: `cargo install
# jaq --locked`; a missing jaq or jq is skipped.
#
# evscope runs with an empty state directory: `peek` reads the user's
# journal (to name events already redriven out of the source), and a
# journal of large redrives would cost there.
#
# Prints one row per tool and case: wall time, CPU time (user + system),
# peak RSS and output lines. Each jaq/jq program is the nearest equivalent
# of the evscope command; evscope recomputes the facets (`meta`, `problems`)
# from the body as of now, jaq and jq read the ones the capture stored.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
rounds=${ROUNDS:-2}
data=bench-data/events-$events.jsonl
mkdir -p bench-data
[ -f "$data" ] || python3 benches/gen_capture.py "$data" "$events"
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin evscope --example open_capture --example tui_memory
target_dir=${CARGO_TARGET_DIR:-target}
bin=$target_dir/release/evscope
# An empty state directory: no journal of the user's own redrives is read
# (a large one costs `peek` tens of MB and some time).
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export XDG_STATE_HOME=$state
size_mb=$(( $(stat -c %s "$data") / 1000000 ))
echo "capture: $data, $events events, $size_mb MB; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # case, tool, command...
  local case=$1 tool=$2; shift 2
  local out; out=$(mktemp)
  if ! /usr/bin/time -f "%e %U %S %M" -o "$out.time" "$@" > "$out" 2> "$out.err"; then
    # check exits 1 when it finds expired or malformed events: that is a
    # result, not a failure
    grep -q "Command exited with non-zero status 1" "$out.time" || { cat "$out.err" >&2; }
  fi
  read -r wall user sys rss_kb < <(tail -1 "$out.time")
  printf "| %-28s | %-8s | %6.2f s | %6.2f s | %5d MB | %8d |\n" \
    "$case" "$tool" "$wall" "$(echo "$user + $sys" | bc)" $((rss_kb / 1024)) "$(wc -l < "$out")"
  rm -f "$out" "$out.time" "$out.err"
}

have() { command -v "$1" > /dev/null; }

# A case on this build and, when given (`before` not empty), on the other:
# the first process of a case runs right after the previous case's jq,
# which favours it or not, so which build goes first alternates by round.
both() {
  local name=$1 this=$2 before=$3
  shift 3
  if (( round % 2 == 0 )) && [ -n "$before" ]; then
    measure "$name" before "$before" "$@"
    measure "$name" evscope "$this" "$@"
  else
    measure "$name" evscope "$this" "$@"
    if [ -n "$before" ]; then measure "$name" before "$before" "$@"; fi
  fi
}

# case name ~ evscope predicate ~ jq program (jaq and jq)
cases=(
  "literal~@.body.eventName == 'SEND_EMAIL'~select(.body.eventName == \"SEND_EMAIL\")"
  "no literal~@.body.eventName == 'SEND_EMAIL' || @.id == 'never'~select(.body.eventName == \"SEND_EMAIL\" or .id == \"never\")"
  "meta.expired~@.meta.expired == true~select(.meta.expired == true)"
  "correlation id~@.meta.correlation.correlation_id == 'corr-4242'~select(.body.correlationId == \"corr-4242\")"
  "receive_count > 3~@.receive_count > 3~select(.receive_count > 3)"
  "problems bad_date~@.problems[?@.kind == 'bad_date']~select(.body.creationDate == \"not a date\")"
)

cat "$data" > /dev/null # page cache warm for everyone
for round in $(seq 1 "$rounds"); do
  echo
  echo "round $round"
  echo "| case | tool | wall | CPU | peak RSS | lines out |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for c in "${cases[@]}"; do
    IFS='~' read -r name predicate program <<< "$c"
    both "$name" "$bin" "${EVSCOPE_BEFORE:-}" peek "$data" --filter "$predicate"
    have jaq && measure "$name" jaq jaq -c "$program" "$data"
    have jq && measure "$name" jq jq -c "$program" "$data"
  done
  both check "$bin" "${EVSCOPE_BEFORE:-}" check "$data"
  count='reduce inputs as $e ({}; .[$e.body.eventName] += 1)'
  have jaq && measure "check" jaq jaq -n -c "$count" "$data"
  have jq && measure "check" jq jq -n -c "$count" "$data"
  both "TUI background inspection" "$target_dir/release/examples/tui_memory" "${TUI_BEFORE:-}" "$data"
done
echo
echo "open (read the file and index every line, no decoding):"
"$target_dir/release/examples/open_capture" "$data"
echo "TUI (open, rows and summaries of every event):"
"$target_dir/release/examples/tui_memory" "$data"
