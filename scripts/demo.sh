#!/usr/bin/env bash
# The main job, end to end: prepare the machine, create a fresh Nx workspace with a classifier
# model service, publish it to the local authenticated registry with one Nx command, and print
# the pushed image reference and a prediction from the published image.
#
#   npm run demo                     (workspace in $TMPDIR/nx-bentoml-demo, /tmp/nx-bentoml-demo without
#                                     TMPDIR; NX_BENTOML_DEMO_DIR to change it)
#
# The workspace is a git repository of its own, as a user's is: inside this repository's ignored
# tmp/ the model file would be ignored by git (so Nx could not hash it) and the image would be
# labelled with this repository's remote and commit.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="${TMPDIR:-/tmp}"
demo_dir="${NX_BENTOML_DEMO_DIR:-${tmp%/}/nx-bentoml-demo}"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '%s\n' "$*" >&2; exit 1; }

mkdir -p "$(dirname "$demo_dir")"
demo_dir="$(cd "$(dirname "$demo_dir")" && pwd -P)/$(basename "$demo_dir")"
case "/${demo_dir#/}/" in
  */.*/*) fail "The demo workspace $demo_dir has a hidden path component, which BentoML refuses: set NX_BENTOML_DEMO_DIR to another directory." ;;
esac
if [ -e "$demo_dir" ] && [ -n "$(ls -A "$demo_dir")" ] && [ ! -f "$demo_dir/nx.json" ]; then
  fail "$demo_dir exists and is not a previous demo workspace; the demo replaces it: set NX_BENTOML_DEMO_DIR to another directory."
fi
# Commits in the demo workspace, with a stand-in author when git has none configured.
commit() {
  git add -A
  git diff --cached --quiet && return 0
  if [ -n "$(git config user.email || true)" ]; then git commit -q -m "$1"; else
    git -c user.name='nx-bentoml demo' -c user.email='demo@nx-bentoml.invalid' commit -q -m "$1"
  fi
}

if [ -n "${NX_BENTOML_PYTHON:-}" ] && [ -n "${NX_BENTOML_REGISTRY:-}" ]; then
  say "Using the environment already configured (NX_BENTOML_PYTHON, NX_BENTOML_REGISTRY, ...)"
else
  say "Preparing Docker Engine, base image, BentoML and the registry"
  bash "$repo/scripts/setup-environment.sh"
  # shellcheck disable=SC1091
  source "$repo/.e2e-env/env.sh"
fi

say "Building and packing the nx-bentoml plugin"
cd "$repo"
bash "$repo/scripts/ensure-packages.sh"
npx nx build nx-bentoml --outputStyle=static >/dev/null
mkdir -p "$repo/tmp"
tarball="$(cd dist/packages/nx-bentoml && npm pack --pack-destination "$repo/tmp" --silent 2>/dev/null | tail -n 1)"

say "Creating a fresh Nx workspace in $demo_dir"
rm -rf "$demo_dir"
cd "$(dirname "$demo_dir")"
npx -y create-nx-workspace@latest "$(basename "$demo_dir")" --preset=apps --nxCloud=skip --interactive=false \
  --packageManager=npm --aiAgents=none --analytics=false >/dev/null
cd "$demo_dir"
# create-nx-workspace makes no repository inside another one, and its first commit needs a git identity.
[ "$(git rev-parse --show-toplevel 2>/dev/null || true)" = "$demo_dir" ] || git init -q
npm install -D "$repo/tmp/$tarball" --no-audit --no-fund >/dev/null 2>&1
ln -s "$(dirname "$(dirname "$NX_BENTOML_PYTHON")")" .venv
printf '\n.venv\n.bentoml-home\n' >> .gitignore
commit "A new Nx workspace with nx-bentoml"
export NX_DAEMON=false NX_NO_CLOUD=true BENTOML_HOME="$demo_dir/.bentoml-home"

say "nx g nx-bentoml:service classifier"
npx nx g nx-bentoml:service classifier --baseImage="$NX_BENTOML_BASE_IMAGE" --registry="$NX_BENTOML_REGISTRY" --no-interactive

say "Training the model (apps/classifier/train.py)"
.venv/bin/python apps/classifier/train.py
commit "The classifier service and its trained model"

say "nx run classifier:publish"
NX_BENTOML_REGISTRY_USERNAME="$NX_BENTOML_REGISTRY_USERNAME" NX_BENTOML_REGISTRY_PASSWORD="$(cat "$NX_BENTOML_REGISTRY_PASSWORD_FILE")" \
  npx nx run classifier:publish --outputStyle=static

say "nx run classifier:smoke-test (runs the image and sends smoke-test.json)"
smoke="$(npx nx run classifier:smoke-test --outputStyle=static)"
printf '%s\n' "$smoke" | grep -E 'Starting|ready|answered'

reference="$(node -p "const p=require('./dist/apps/classifier/push/push.json').pushed[0]; p.reference + '@' + p.digest")"
prediction="$(printf '%s\n' "$smoke" | sed -n 's/.*answered \(.*\), as expected\./\1/p')"
say "Done"
echo "Pushed image:  $reference"
echo "Prediction:    $(node -p "JSON.stringify(require('./apps/classifier/smoke-test.json').request)") -> $prediction"
echo "Workspace:     $demo_dir"
