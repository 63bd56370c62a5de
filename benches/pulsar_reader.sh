#!/usr/bin/env bash
# Pulsar Reader throughput: 100k messages (EVSCOPE_BENCH_MESSAGES to change)
# produced in batches of 1000 to a local pulsar-lite broker, then read
# start to end, alternating in one run, five rounds (EVSCOPE_BENCH_ROUNDS):
#   - evscope's reader (examples/read_source: open, browse, count; events
#     fully converted, no output),
#   - the whole `evscope peek` process (facets and JSON lines on stdout),
#   - the official Python client (pulsar-client, C++ core), a Reader with
#     receiver_queue_size=1000, through the test relay evscope must use and
#     directly (the relay adds the checksum pulsar-lite leaves out).
# Every evscope figure includes process start and connecting; Python's
# starts after connecting. Needs the test venv (tools/test.sh creates it).
# EVSCOPE_BENCH_HOLD=SECS keeps the broker up afterwards, for profiling.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r tests/requirements.txt
fi
export EVSCOPE_TEST_PYTHON="${EVSCOPE_TEST_PYTHON:-$PWD/.venv/bin/python}"
cargo build --release --bin evscope --example read_source
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export EVSCOPE_TEST_BIN="${EVSCOPE_TEST_BIN:-$target_dir/release/evscope}"
export EVSCOPE_READ_SOURCE="${EVSCOPE_READ_SOURCE:-$target_dir/release/examples/read_source}"
cargo test --release --test pulsar bench_reader_100k -- --ignored --nocapture 2>&1 | grep --line-buffered -E "BENCH|HOLD|produced|panicked"
