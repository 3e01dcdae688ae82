#!/usr/bin/env bash
# Lints the plugin's Python helper programs with ruff (ruff.toml), pinned, from a venv of its own.
# Idempotent and quick once set up: the venv is made, and ruff installed from PyPI, only when
# .venv-lint lacks the pinned version. Needs python3 with venv. "--fix" fixes what ruff can.
set -euo pipefail
cd "$(dirname "$0")/.."

RUFF_VERSION="0.17.6"
VENV=".venv-lint"
RUFF="$VENV/bin/ruff"

if [ "$("$RUFF" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ]; then
  echo "lint-python: installing ruff==$RUFF_VERSION into $VENV" >&2
  python3 -m venv "$VENV" || {
    echo "lint-python: python3 -m venv failed; install python3's venv module (Debian/Ubuntu: apt-get install python3-venv)." >&2
    exit 1
  }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "ruff==$RUFF_VERSION"
fi

if [ "${1:-}" = "--fix" ]; then
  "$RUFF" check --fix .
  "$RUFF" format .
else
  "$RUFF" check .
  "$RUFF" format --check .
fi
