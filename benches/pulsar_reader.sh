#!/usr/bin/env bash
# Pulsar Reader throughput: 100k messages (EVSCOPE_BENCH_MESSAGES to change)
# on a local pulsar-lite broker, read by evscope (in-process browse through
# the test relay, and the whole `evscope peek` process) and by the official
# Python client (pulsar-client, C++ core) on the same broker and topic.
# Needs the test venv (tools/test.sh creates it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r tests/requirements.txt
fi
export EVSCOPE_TEST_PYTHON="${EVSCOPE_TEST_PYTHON:-$PWD/.venv/bin/python}"
cargo build --release --bin evscope
export EVSCOPE_BIN="${EVSCOPE_BIN:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/evscope}"
cargo test --release --test pulsar bench_reader_100k -- --ignored --nocapture 2>&1 | grep -E "BENCH|produced|panicked"
