#!/usr/bin/env bash
# Two evscope builds on the same 1M-event capture, alternating run by run
# (after, before, after, before, ...) so that neither always runs first on
# a machine other programs share; prints the fastest of N runs of each
# (wall, CPU = user + system, user).
#
#   BEFORE=path/to/old/evscope benches/evscope_ab.sh [N]   (default 3)
#
# The capture is benches/filter_vs_jq.sh's (generated there). Uses the
# release binary already built (`cargo build --release --bin evscope`).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
data=bench-data/events-1000000.jsonl
after=${CARGO_TARGET_DIR:-target}/release/evscope
before=${BEFORE:?BEFORE=path/to/the/other/evscope}
[ -f "$data" ] || python3 benches/gen_capture.py "$data" 1000000
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export XDG_STATE_HOME=$state # no journal read by either build
times=$(mktemp)
run() {
  /usr/bin/time -f "%e %U %S" -o "$times" "$@" > /dev/null 2> /dev/null || true
  read -r wall user sys < <(tail -1 "$times")
  echo "$wall $(echo "$user + $sys" | bc) $user"
}
ab() {
  local name=$1 a=() b=()
  shift
  for _ in $(seq 1 "$n"); do
    a+=("$(run "$after" "$@")")
    b+=("$(run "$before" "$@")")
  done
  printf "%-14s after (wall CPU user) %-18s before %s\n" "$name" \
    "$(printf "%s\n" "${a[@]}" | sort -n -k2 | head -1)" \
    "$(printf "%s\n" "${b[@]}" | sort -n -k2 | head -1)"
}
cat "$data" > /dev/null
ab literal peek "$data" --filter "@.body.eventName == 'SEND_EMAIL'"
ab "no literal" peek "$data" --filter "@.body.eventName == 'SEND_EMAIL' || @.id == 'never'"
ab meta.expired peek "$data" --filter "@.meta.expired == true"
ab correlation peek "$data" --filter "@.meta.correlation.correlation_id == 'corr-4242'"
ab receive_count peek "$data" --filter "@.receive_count > 3"
ab problems peek "$data" --filter "@.problems[?@.kind == 'bad_date']"
ab check check "$data"
ab "stats type" stats "$data" --rows type
