#!/usr/bin/env bash
# Peak memory of a Pulsar redrive: EVSCOPE_BENCH_MESSAGES (default 100k)
# small messages (EVSCOPE_BENCH_PAD padding bytes, default 64) in a
# dead-letter topic on a local pulsar-lite broker, redriven by one
# `evscope redrive` process under /usr/bin/time -v (peak RSS), then checked:
# every message arrived exactly once and a second redrive moves 0.
# EVSCOPE_TEST_BIN picks the binary to measure (e.g. one built from main, to
# compare). Needs the test venv (tools/test.sh creates it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] && [ -z "${EVSCOPE_TEST_PYTHON:-}" ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r tests/requirements.txt
fi
export EVSCOPE_TEST_PYTHON="${EVSCOPE_TEST_PYTHON:-$PWD/.venv/bin/python}"
cargo build --release --bin evscope
export EVSCOPE_TEST_BIN="${EVSCOPE_TEST_BIN:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/evscope}"
cargo test --release --test pulsar bench_redrive_rss -- --ignored --nocapture 2>&1 | grep -E "BENCH|produced|panicked"
