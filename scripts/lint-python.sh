#!/usr/bin/env bash
# Lints the plugin's Python helper programs with ruff (ruff.toml), pinned, from a venv of its own.
# The same venv holds check-jsonschema, pinned, which the e2e suite runs on the workflows the ci
# generator writes (GitHub's workflow schema is vendored in it: no network).
# Idempotent and quick once set up: the venv is made, and the tools installed from PyPI, only when
# .venv-lint lacks the pinned versions. Needs python3 with venv.
#   scripts/lint-python.sh          check
#   scripts/lint-python.sh --fix    fix what ruff can
#   scripts/lint-python.sh --tools  only make sure .venv-lint holds the pinned tools
set -euo pipefail
cd "$(dirname "$0")/.."

RUFF_VERSION="0.17.6"
CHECK_JSONSCHEMA_VERSION="0.39.0"
VENV=".venv-lint"
RUFF="$VENV/bin/ruff"

if [ "$("$RUFF" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ] ||
  [ "$("$VENV/bin/check-jsonschema" --version 2>/dev/null)" != "check-jsonschema, version $CHECK_JSONSCHEMA_VERSION" ]; then
  echo "lint-python: installing ruff==$RUFF_VERSION and check-jsonschema==$CHECK_JSONSCHEMA_VERSION into $VENV" >&2
  python3 -m venv "$VENV" || {
    echo "lint-python: python3 -m venv failed; install python3's venv module (Debian/Ubuntu: apt-get install python3-venv)." >&2
    exit 1
  }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "ruff==$RUFF_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi

case "${1:-}" in
  --tools) ;;
  --fix)
    "$RUFF" check --fix .
    "$RUFF" format .
    ;;
  *)
    "$RUFF" check .
    "$RUFF" format --check .
    ;;
esac
