#!/usr/bin/env bash
# Browse and redrive 1,000 messages on moto with evscope and with a plain
# boto3 script, counting API calls through a proxy. Results go in README.md.
#   benches/sqs_vs_boto3.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-target}"
mkdir -p bench-data
cp "$target/release/evscope" bench-data/evscope-sqs
bench-data/evscope-sqs queues --help >/dev/null # the binary just built, with the SQS backend
exec .venv/bin/python benches/sqs_bench.py bench-data/evscope-sqs "${1:-1000}"
