#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: creates the Python venv with
# the real servers the backend tests start (moto's SQS server, pulsar-lite),
# then runs the quality gates and every test. protoc comes from a crate
# (see .cargo/config.toml), so nothing else needs installing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
export EVSCOPE_TEST_PYTHON="$PWD/.venv/bin/python"

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
