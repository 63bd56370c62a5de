#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: creates the Python venvs with
# the real servers the backend tests start (moto's SQS server, pulsar-lite in
# .venv; LocalStack's SQS, which needs Python >= 3.13, in .venv-localstack),
# then runs the quality gates and every test. protoc comes from a crate
# (see .cargo/config.toml); graphviz comes from apt when `dot` is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
export EVSCOPE_TEST_PYTHON="$PWD/.venv/bin/python"

# A Python >= 3.13 for LocalStack, on PATH or one of pyenv's: localstack-core
# 4.14 imports warnings.deprecated and uses threading.Lock as a type (3.13).
localstack_python() {
  local candidate
  for candidate in python3.14 python3.13 python3 \
    "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3 /root/.pyenv/versions/3.1[3-9]*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}
if ! .venv-localstack/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
  rm -rf .venv-localstack
  if ! py313="$(localstack_python)"; then
    echo "tools/test.sh: LocalStack needs Python >= 3.13 (python3.13 on PATH or under ~/.pyenv/versions); none found" >&2
    exit 2
  fi
  "$py313" -m venv .venv-localstack
fi
.venv-localstack/bin/pip install --quiet --disable-pip-version-check -r tests/requirements-localstack.txt
export EVSCOPE_TEST_LOCALSTACK_PYTHON="$PWD/.venv-localstack/bin/python"

# Graphviz: the flow and graph tests render their DOT output with `dot`.
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends graphviz >/dev/null ||
      { apt-get update >/dev/null && apt-get install -y --no-install-recommends graphviz >/dev/null; }
  else
    sudo apt-get install -y --no-install-recommends graphviz >/dev/null ||
      { sudo apt-get update >/dev/null && sudo apt-get install -y --no-install-recommends graphviz >/dev/null; }
  fi
fi

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
# The journals, logs and histories the tests leave go to a state directory
# of their own, never the user's (a journal there grows with every run and
# every `peek` reads it).
XDG_STATE_HOME="$(mktemp -d)"
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT
cargo test --locked --all-targets
