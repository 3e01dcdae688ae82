#!/usr/bin/env bash
# Prepares everything the nx-bentoml e2e tests need on this machine:
#   1. a running Docker Engine (installs Debian's docker.io and starts dockerd if needed)
#   2. a local Python base image (debootstrap + docker import; nothing is pulled)
#   3. a Python virtualenv with pinned bentoml + scikit-learn
#   4. two loopback-only container registries with htpasswd auth (Debian's docker-registry),
#      on NX_BENTOML_REGISTRY_PORT and the port after it
#   5. with --sigstore (the test suite's): cosign and policy-controller's tester, built from the Go
#      module proxy, to check the signed statements as users and admission controllers do
#   6. $STATE/env.sh with the variables the e2e tests source
#   7. .e2e-env/ in .gitignore
#
# Idempotent: a second run only checks that everything still answers.
#
# Environment overrides:
#   NX_BENTOML_ENV_DIR        state directory            (default: <repo>/.e2e-env)
#   NX_BENTOML_BASE_IMAGE     base image name            (default: nx-bentoml/python:3.11-bookworm)
#   NX_BENTOML_REGISTRY_PORT  registry port on 127.0.0.1 (default: 5055)
#   DOCKER_HOST               respected when checking for a running engine
set -euo pipefail

WITH_SIGSTORE=0
for arg in "$@"; do
  case "$arg" in
    --sigstore) WITH_SIGSTORE=1 ;;
    *) printf '[setup-environment] ERROR: unknown option %s (the one option is --sigstore)\n' "$arg" >&2; exit 2 ;;
  esac
done

BENTOML_VERSION="1.4.39"
# The lower bound of the supported range: packages/nx-bentoml/package.json "nx-bentoml".bentoml.
BENTOML_LOWEST_VERSION="$(sed -n 's/.*"bentoml": *">=\([0-9.]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../packages/nx-bentoml/package.json")"
SKLEARN_VERSION="1.9.1"
PILLOW_VERSION="13.0.0" # the image-upload e2e service (a PIL.Image API) is trained and built with it
HF_HUB_VERSION="2.4.0"  # Hugging Face model services: BentoML resolves their revision with it, from the local cache offline
REGISTRY_USER="nxbento"
# cosign reads the signed statements from its attestation tag (sha256-<hex>.att) as users and admission
# controllers do; no release binary can be downloaded here, so it is built from the Go module proxy.
COSIGN_VERSION="v2.6.5"
# sigstore's admission controller; its tester evaluates a ClusterImagePolicy (the README's) against an image.
POLICY_CONTROLLER_VERSION="v0.13.1"
DEBIAN_SUITE="bookworm"
UV_VERSION="0.13.9" # `bentoml build` pip-installs uv into the venv on the fly when it is missing
# Packages of the base image. BentoML 1.4's generated Dockerfile (template base_v2.j2) needs:
#   python3 + python3-pip : `pip install uv` and `uv venv --python 3.11` (finds /usr/bin/python3.11)
#   passwd                : groupadd/useradd for the `bentoml` user
#   bash                  : env/docker/entrypoint.sh is `#!/usr/bin/env bash`
#   ca-certificates, gnupg2, build-essential, git : BentoML always prepends
#       `apt-get update && apt-get install ... ca-certificates gnupg2 bash build-essential git`
#       for distro debian; having them preinstalled turns that step into a no-op.
#   python3-venv, curl    : plain `python3 -m venv` and health checks in derived images
BASE_IMAGE_PACKAGES="python3,python3-venv,python3-pip,ca-certificates,passwd,bash,curl,gnupg2,build-essential,git"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
STATE="${NX_BENTOML_ENV_DIR:-$REPO_ROOT/.e2e-env}"
BASE_IMAGE="${NX_BENTOML_BASE_IMAGE:-nx-bentoml/python:3.11-bookworm}"
REGISTRY_PORT="${NX_BENTOML_REGISTRY_PORT:-5055}"
SECOND_REGISTRY_PORT="$((REGISTRY_PORT + 1))"
REGISTRY_DIR="$STATE/registry"
VENV="$STATE/venv"
LOWEST_VENV="$STATE/venv-bentoml-lowest"
HOST_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"

log() { printf '[setup-environment] %s\n' "$*" >&2; }
die() { printf '[setup-environment] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { printf '%ss' "$(( $(date +%s) - $1 ))"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages and starts dockerd)"

mkdir -p "$STATE"
chmod 700 "$STATE"

# One run at a time. (fd 9 is closed for the daemons started below, so they never hold the lock.)
exec 9>"$STATE/setup.lock"
flock 9

SCRIPT_START=$(date +%s)
CLEANUP_PATHS=()
POLICY_RC_CREATED=0
cleanup() {
  local p
  for p in "${CLEANUP_PATHS[@]+"${CLEANUP_PATHS[@]}"}"; do
    if [ -d "$p" ]; then
      # debootstrap may leave proc/sys mounted if it was interrupted.
      grep -F " $p/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
      rm -rf --one-file-system "$p" 2>/dev/null || true
    fi
  done
  if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# apt helpers
# ---------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  # Never let package maintainer scripts start services (dockerd, docker-registry on :5000).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  # apt does not recreate its download directory; a machine cleaned of /var/cache would refuse every install.
  mkdir -p /var/cache/apt/archives/partial
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -q >>"$STATE/apt.log" 2>&1 || { tail -n 30 "$STATE/apt.log" >&2; die "apt-get update failed (see $STATE/apt.log)"; }
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        >>"$STATE/apt.log" 2>&1; then
    tail -n 30 "$STATE/apt.log" >&2 || true
    die "apt-get install $* failed (see $STATE/apt.log)"
  fi
}

need_cmd() { # need_cmd COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

need_cmd curl curl

# ---------------------------------------------------------------------------
# 1. Docker Engine
# ---------------------------------------------------------------------------
docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

ensure_docker() {
  local t0; t0=$(date +%s)
  if ! command -v docker >/dev/null 2>&1; then
    apt_install docker.io
  fi
  if docker_ok; then
    log "docker: engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix:///var/run/docker.sock" ] \
     && [ "$DOCKER_HOST" != "unix:///run/docker.sock" ]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer 'docker info'; start that engine or unset DOCKER_HOST"
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
  fi
  # Stale pid file (dockerd refuses to start if the pid in it is alive, and warns otherwise).
  if [ -f /var/run/docker.pid ]; then
    local pid; pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ]; then
      log "docker: dockerd (pid $pid) is running but does not answer yet; waiting for it"
    else
      log "docker: removing stale /var/run/docker.pid (pid '${pid}')"
      rm -f /var/run/docker.pid
    fi
  fi
  if [ ! -f /var/run/docker.pid ]; then
    log "docker: starting dockerd (log: $STATE/dockerd.log)"
    setsid nohup dockerd >>"$STATE/dockerd.log" 2>&1 </dev/null 9>&- &
  fi
  for _ in $(seq 1 60); do
    if docker_ok; then
      log "docker: engine up after $(elapsed "$t0") ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
      return
    fi
    sleep 1
  done
  tail -n 30 "$STATE/dockerd.log" >&2 || true
  die "dockerd did not answer 'docker info' within 60 s (see $STATE/dockerd.log)"
}

# ---------------------------------------------------------------------------
# 2. Base image
# ---------------------------------------------------------------------------
debian_mirror() {
  # First http(s) URI that serves the $DEBIAN_SUITE suite (not -security/-updates) in apt's config.
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$DEBIAN_SUITE" '
      BEGIN { RS=""; FS="\n" }
      {
        u=""; s=""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { u = $i; sub(/^URIs:[ \t]*/, "", u); split(u, a, /[ \t]+/); u = a[1] }
          if ($i ~ /^Suites:/) { s = " " $i " " }
        }
        if (u != "" && s ~ (" " suite " ")) { print u; exit }
      }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$DEBIAN_SUITE" '$1 == "deb" {
        for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /^https?:/) { if ($(i+1) == suite) { print $i; exit } ; break } }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  echo "http://deb.debian.org/debian"
}

ensure_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image: $BASE_IMAGE present"
    return
  fi
  [ -f "$HOST_CA_BUNDLE" ] || die "host CA bundle $HOST_CA_BUNDLE not found"
  need_cmd debootstrap debootstrap
  local mirror; mirror="$(debian_mirror)"
  local rootfs="$STATE/tmp/rootfs"
  mkdir -p "$STATE/tmp"
  CLEANUP_PATHS+=("$rootfs")
  rm -rf --one-file-system "$rootfs"
  local t0; t0=$(date +%s)
  log "base image: debootstrap $DEBIAN_SUITE from $mirror (log: $STATE/debootstrap.log)"
  if ! debootstrap --variant=minbase --include="$BASE_IMAGE_PACKAGES" \
        "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$STATE/debootstrap.log" 2>&1; then
    tail -n 30 "$STATE/debootstrap.log" >&2 || true
    die "debootstrap failed (see $STATE/debootstrap.log)"
  fi
  log "base image: debootstrap took $(elapsed "$t0")"

  # Trust the host's CA bundle (it contains the TLS-intercepting proxy's CA). Also keep a copy
  # where update-ca-certificates picks it up, so an `apt-get install ca-certificates` inside a
  # derived image does not drop the proxy CA when it regenerates the bundle.
  install -m 644 "$HOST_CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  install -m 644 "$HOST_CA_BUNDLE" "$rootfs/usr/local/share/ca-certificates/nx-bentoml-host-ca-bundle.crt"
  # PEP 668: allow `pip install` into the system python (BentoML's Dockerfile runs `pip install uv`).
  rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
  # Slim down: package caches and lists are useless in the image.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
  [ -x "$rootfs/usr/bin/python3" ] || die "debootstrap produced no /usr/bin/python3"

  t0=$(date +%s)
  log "base image: docker import -> $BASE_IMAGE"
  tar -C "$rootfs" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . \
    | docker import \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV UV_NATIVE_TLS=1' \
        --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'LABEL org.opencontainers.image.description=nx-bentoml-e2e-python-base' \
        --change 'CMD ["python3"]' \
        - "$BASE_IMAGE" >/dev/null \
    || die "docker import of $BASE_IMAGE failed"
  log "base image: import took $(elapsed "$t0")"
  rm -rf --one-file-system "$rootfs"
}

# ---------------------------------------------------------------------------
# 3. Python virtualenv with bentoml
# ---------------------------------------------------------------------------
venv_ok() { # venv_ok DIR BENTOML_VERSION: DIR has exactly the pinned packages
  [ -x "$1/bin/python" ] || return 1
  "$1/bin/python" - "$2" "$SKLEARN_VERSION" "$UV_VERSION" "$PILLOW_VERSION" "$HF_HUB_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
ok = (version("bentoml") == sys.argv[1] and version("scikit-learn") == sys.argv[2]
      and version("uv") == sys.argv[3] and version("pillow") == sys.argv[4]
      and version("huggingface_hub") == sys.argv[5])
sys.exit(0 if ok else 1)
EOF
}

ensure_venv() { # ensure_venv DIR BENTOML_VERSION
  local venv="$1" bentoml="$2" log="$STATE/pip-$(basename "$1").log"
  if venv_ok "$venv" "$bentoml"; then
    log "venv: $venv has bentoml==$bentoml scikit-learn==$SKLEARN_VERSION uv==$UV_VERSION"
    return
  fi
  local host_python; host_python="$(command -v python3 || true)"
  [ -n "$host_python" ] || apt_install python3 python3-venv
  host_python="$(command -v python3)"
  if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "venv: $venv is broken, recreating"
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    log "venv: creating $venv with $host_python ($("$host_python" --version 2>&1))"
    if ! "$host_python" -m venv "$venv" 2>/dev/null; then
      # Debian's python3 needs python3-venv for ensurepip.
      apt_install python3-venv
      rm -rf "$venv"
      "$host_python" -m venv "$venv" || die "python3 -m venv failed"
    fi
  fi
  local t0; t0=$(date +%s)
  log "venv: pip install bentoml==$bentoml scikit-learn==$SKLEARN_VERSION uv==$UV_VERSION (log: $log)"
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check \
        "bentoml==$bentoml" "scikit-learn==$SKLEARN_VERSION" "uv==$UV_VERSION" "pillow==$PILLOW_VERSION" "huggingface_hub==$HF_HUB_VERSION" \
        >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "pip install failed (see $log)"
  fi
  venv_ok "$venv" "$bentoml" || die "venv check failed after pip install in $venv"
  log "venv: pip install took $(elapsed "$t0")"
}

# ---------------------------------------------------------------------------
# 4. Registry
# ---------------------------------------------------------------------------
registry_status() { # registry_status PORT
  curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$1/v2/" 2>/dev/null || true
}

write_if_changed() { # write_if_changed FILE MODE  (content on stdin); returns 0 if changed
  local file="$1" mode="$2" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
  return 0
}

# One user and password (kept in $REGISTRY_DIR) for both registries. Sets HTPASSWD_CHANGED.
ensure_registry_credentials() {
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  mkdir -p "$REGISTRY_DIR"
  chmod 700 "$REGISTRY_DIR"

  local pwfile="$REGISTRY_DIR/password"
  if [ ! -s "$pwfile" ]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_hex(20))' >"$pwfile")
    log "registry: generated a new password in $pwfile"
  fi
  chmod 600 "$pwfile"
  # The password reaches htpasswd on stdin (-i), never on a command line, where ps would show it.
  # -i reads all of stdin as the password, hence the first line only.
  local htfile="$REGISTRY_DIR/htpasswd"
  HTPASSWD_CHANGED=0
  if [ ! -f "$htfile" ] || ! head -n 1 "$pwfile" | htpasswd -iv "$htfile" "$REGISTRY_USER" >/dev/null 2>&1; then
    (umask 077; head -n 1 "$pwfile" | htpasswd -iBn "$REGISTRY_USER" >"$htfile.new" 2>/dev/null) || die "htpasswd could not hash the registry password"
    mv -f "$htfile.new" "$htfile"
    log "registry: wrote $htfile"
    HTPASSWD_CHANGED=1
  fi
  chmod 600 "$htfile"
}

serves_config() { # serves_config PIDFILE CONFIG: the pid in PIDFILE is a docker-registry serving CONFIG
  local pid; pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "docker-registry serve $2 "
}

ensure_registry() { # ensure_registry PORT DIR: an htpasswd-protected registry on 127.0.0.1:PORT storing in DIR
  local port="$1" dir="$2" changed="$HTPASSWD_CHANGED"
  mkdir -p "$dir/data"
  chmod 700 "$dir"
  if write_if_changed "$dir/config.yml" 600 <<EOF
version: 0.1
log:
  level: info
  fields:
    service: nx-bentoml-e2e-registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: nx-bentoml-e2e-registry
    path: $REGISTRY_DIR/htpasswd
EOF
  then changed=1; fi

  local pidfile="$dir/registry.pid" status
  status="$(registry_status "$port")"
  if [ "$changed" = 1 ] && [ "$status" != "000" ] && serves_config "$pidfile" "$dir/config.yml"; then
    local pid; pid="$(cat "$pidfile")"
    log "registry: configuration changed, restarting pid $pid"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    status="$(registry_status "$port")"
  fi
  # Another checkout's registry (other password, other storage) must not pass for this one.
  if [ "$status" != "000" ] && ! serves_config "$pidfile" "$dir/config.yml"; then
    die "127.0.0.1:$port answers, but not from the registry of $dir; stop that process or set NX_BENTOML_REGISTRY_PORT (this script uses it and the next port)"
  fi

  case "$status" in
    401)
      log "registry: 127.0.0.1:$port answers (401 = auth required)"
      return ;;
    000) ;;
    *) die "port 127.0.0.1:$port answers HTTP $status on /v2/ (expected 401); is something else listening? set NX_BENTOML_REGISTRY_PORT" ;;
  esac

  log "registry: starting docker-registry on 127.0.0.1:$port (log: $dir/registry.log)"
  setsid nohup docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do
    status="$(registry_status "$port")"
    if [ "$status" = 401 ]; then
      log "registry: 127.0.0.1:$port up"
      return
    fi
    sleep 0.5
  done
  tail -n 20 "$dir/registry.log" >&2 || true
  die "registry did not answer 401 on http://127.0.0.1:$port/v2/ within 30 s"
}

# ---------------------------------------------------------------------------
# 5. cosign
# ---------------------------------------------------------------------------
ensure_cosign() {
  local bin="$STATE/bin/cosign"
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "GitVersion: *$COSIGN_VERSION\$"; then return; fi
  command -v go >/dev/null 2>&1 ||
    die "Go (1.24 or later) is needed to build cosign $COSIGN_VERSION for the e2e tests: install it from https://go.dev/dl, or put a cosign $COSIGN_VERSION binary at $bin"
  local start; start=$(date +%s)
  log "building cosign $COSIGN_VERSION from the Go module proxy (a few minutes the first time)"
  mkdir -p "$STATE/bin"
  GOBIN="$STATE/bin" GOFLAGS=-trimpath go install "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION" >&2 ||
    die "go install github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION failed (see above): check that the Go module proxy answers (go env GOPROXY)"
  log "cosign built in $(elapsed "$start")"
}

ensure_policy_tester() {
  local bin="$STATE/bin/policy-tester" stamp="$STATE/bin/policy-tester.version"
  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$POLICY_CONTROLLER_VERSION" ]; then return; fi
  command -v go >/dev/null 2>&1 ||
    die "Go (1.24 or later) is needed to build policy-controller's tester $POLICY_CONTROLLER_VERSION for the e2e tests: install it from https://go.dev/dl"
  local start dir; start=$(date +%s)
  log "building policy-controller's tester $POLICY_CONTROLLER_VERSION from the Go module proxy (a few minutes the first time)"
  # Its go.mod has replace directives, which "go install pkg@version" refuses: built inside the downloaded module.
  dir=$(go mod download -json "github.com/sigstore/policy-controller@$POLICY_CONTROLLER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "go mod download github.com/sigstore/policy-controller@$POLICY_CONTROLLER_VERSION failed: check that the Go module proxy answers (go env GOPROXY)"
  mkdir -p "$STATE/bin"
  (cd "$dir" && GOFLAGS=-trimpath go build -o "$bin" ./cmd/tester) >&2 ||
    die "building policy-controller's tester failed (see above)"
  echo "$POLICY_CONTROLLER_VERSION" >"$stamp"
  log "policy-controller's tester built in $(elapsed "$start")"
}

# ---------------------------------------------------------------------------
# 6. env.sh  7. .gitignore
# ---------------------------------------------------------------------------
write_env_sh() {
  {
    echo "# Generated by scripts/setup-environment.sh; source it before running the e2e tests."
    printf 'export NX_BENTOML_ENV_DIR=%q\n' "$STATE"
    printf 'export NX_BENTOML_PYTHON=%q\n' "$VENV/bin/python"
    printf 'export NX_BENTOML_LOWEST_PYTHON=%q\n' "$LOWEST_VENV/bin/python"
    printf 'export NX_BENTOML_BASE_IMAGE=%q\n' "$BASE_IMAGE"
    printf 'export NX_BENTOML_REGISTRY=%q\n' "127.0.0.1:$REGISTRY_PORT"
    printf 'export NX_BENTOML_SECOND_REGISTRY=%q\n' "127.0.0.1:$SECOND_REGISTRY_PORT"
    printf 'export NX_BENTOML_REGISTRY_USERNAME=%q\n' "$REGISTRY_USER"
    printf 'export NX_BENTOML_REGISTRY_PASSWORD_FILE=%q\n' "$REGISTRY_DIR/password"
    # Only once built (--sigstore): a run without the option keeps them when they are there.
    if [ -x "$STATE/bin/cosign" ]; then printf 'export NX_BENTOML_COSIGN=%q\n' "$STATE/bin/cosign"; fi
    if [ -x "$STATE/bin/policy-tester" ]; then printf 'export NX_BENTOML_POLICY_TESTER=%q\n' "$STATE/bin/policy-tester"; fi
  } | write_if_changed "$STATE/env.sh" 644 || true
}

ensure_gitignore() {
  local gi="$REPO_ROOT/.gitignore"
  if [ ! -f "$gi" ]; then
    echo ".e2e-env/" >"$gi"
  elif ! grep -qxF ".e2e-env/" "$gi"; then
    # keep the file newline-terminated before appending
    if [ -s "$gi" ] && [ "$(tail -c 1 "$gi" | od -An -c | tr -d ' ')" != '\n' ]; then echo >>"$gi"; fi
    echo ".e2e-env/" >>"$gi"
  fi
}

ensure_docker
ensure_base_image
ensure_venv "$VENV" "$BENTOML_VERSION"
# The lowest BentoML the plugin supports, for the e2e suite that proves that end of the range.
ensure_venv "$LOWEST_VENV" "$BENTOML_LOWEST_VERSION"
ensure_registry_credentials
ensure_registry "$REGISTRY_PORT" "$REGISTRY_DIR"
# A second registry, to publish to two registries in one run.
ensure_registry "$SECOND_REGISTRY_PORT" "$STATE/registry-2"
if [ "$WITH_SIGSTORE" = 1 ]; then
  ensure_cosign
  ensure_policy_tester
fi
write_env_sh
ensure_gitignore

cat >&2 <<EOF
[setup-environment] ready in $(elapsed "$SCRIPT_START")
  docker engine : $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')
  base image    : $BASE_IMAGE
  python        : $VENV/bin/python (bentoml $BENTOML_VERSION, scikit-learn $SKLEARN_VERSION, uv $UV_VERSION)
  registries    : 127.0.0.1:$REGISTRY_PORT and 127.0.0.1:$SECOND_REGISTRY_PORT (user $REGISTRY_USER, password in $REGISTRY_DIR/password)
  sigstore      : $([ -x "$STATE/bin/policy-tester" ] && echo "cosign $COSIGN_VERSION, policy-controller tester $POLICY_CONTROLLER_VERSION in $STATE/bin" || echo "not built (--sigstore builds them)")
  env file      : source $STATE/env.sh
EOF
