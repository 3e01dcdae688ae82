#!/usr/bin/env bash
# Installs the repository's npm packages with `npm ci` when node_modules is missing or was installed
# from another package-lock.json (or another Node), so every command can start from a fresh clone.
# Idempotent: a second run only compares a stamp. Sourced or run; prints one line when it installs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stamp="$repo/node_modules/.nx-bentoml-installed"
command -v npm >/dev/null 2>&1 || { echo "npm is not installed: install Node.js 20.19 or newer (with npm), then run this again." >&2; exit 1; }
# The lock file and the Node version decide what npm ci installs (native packages are per Node ABI).
wanted="$(cat "$repo/package-lock.json" <(node --version) | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
echo "[ensure-packages] npm ci (node_modules missing or installed from another package-lock.json)" >&2
(cd "$repo" && npm ci --no-audit --no-fund --loglevel=error)
echo "$wanted" >"$stamp"
