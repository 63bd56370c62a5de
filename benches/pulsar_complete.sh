#!/usr/bin/env bash
# Pulsar reads and redrives that prove they are complete, at scale, through
# the test relay's slow mode (EVSCOPE_BENCH_RATE bytes/s, default 2 MB/s,
# frames cut into random pieces; the relay counts frames and bytes both
# ways and the bench asserts it lost nothing):
#   - 100k messages (EVSCOPE_BENCH_MESSAGES) produced in batches of 540 by
#     the pulsar crate (EVSCOPE_BENCH_PYTHON_PRODUCER=1: by the official
#     Python client with its default batching, as in issue 17), read by
#     `evscope peek --from earliest` EVSCOPE_BENCH_ROUNDS times (default 3):
#     each round must print every message exactly once and exit 0;
#   - a redrive of a batched DLQ of 30% of that count through the same
#     relay: every message must reach the target exactly once.
# Prints time and msg/s of each. Needs the test venv (tools/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r tests/requirements.txt
fi
export EVSCOPE_TEST_PYTHON="${EVSCOPE_TEST_PYTHON:-$PWD/.venv/bin/python}"
cargo build --release --bin evscope
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export EVSCOPE_TEST_BIN="${EVSCOPE_TEST_BIN:-$target_dir/release/evscope}"
cargo test --release --test pulsar bench_complete_100k -- --ignored --nocapture 2>&1 | grep --line-buffered -E "BENCH|produced|panicked"
