#!/usr/bin/env bash
# The test command (`npm test`), runnable as typed in a fresh clone with nothing installed or sourced:
#   npm test             lint, type check, unit tests, e2e suite
#   npm run test:unit    lint, type check, unit tests (need only Node and python3)
#   npm run test:e2e     the e2e suite alone
# It installs the npm packages when they are missing or stale, and, for the e2e suite, prepares the
# machine with scripts/setup-environment.sh --sigstore (Docker Engine, base image, BentoML, two
# registries, cosign and policy-controller's tester),
# unless the NX_BENTOML_* variables the suite reads are already set (a laptop with its own engine).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
scope="${1:-all}"
case "$scope" in all | unit | e2e) ;; *)
  echo "usage: scripts/test.sh [all|unit|e2e]" >&2
  exit 2
  ;;
esac

bash scripts/ensure-packages.sh
export PATH="$repo/node_modules/.bin:$PATH"

e2e_variables=(NX_BENTOML_PYTHON NX_BENTOML_LOWEST_PYTHON NX_BENTOML_BASE_IMAGE NX_BENTOML_REGISTRY NX_BENTOML_SECOND_REGISTRY
  NX_BENTOML_REGISTRY_USERNAME NX_BENTOML_REGISTRY_PASSWORD_FILE NX_BENTOML_COSIGN NX_BENTOML_POLICY_TESTER)
prepare_e2e() {
  local name missing=0
  for name in "${e2e_variables[@]}"; do [ -n "${!name:-}" ] || missing=1; done
  if [ "$missing" = 0 ]; then
    echo "[test] e2e: using the NX_BENTOML_* environment already set" >&2
    return
  fi
  bash scripts/setup-environment.sh --sigstore
  # shellcheck disable=SC1091
  source "${NX_BENTOML_ENV_DIR:-$repo/.e2e-env}/env.sh"
}

targets=()
case "$scope" in
  all) targets=(typecheck test e2e) ;;
  unit) targets=(typecheck test) ;;
  e2e) targets=(e2e) ;;
esac
if [ "$scope" != e2e ]; then npm run lint; fi
if [ "$scope" != unit ]; then prepare_e2e; fi
exec nx run-many -t "${targets[@]}" --parallel=1 --outputStyle=static
