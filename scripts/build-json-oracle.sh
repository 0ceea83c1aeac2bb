#!/usr/bin/env bash
# Builds the Go oracle for tests/it/json_differential.rs (kubectl's JSON reading: encoding/json's
# value stream + sigs.k8s.io/json's unstructured decoding) and prints its path.
#   scripts/build-json-oracle.sh [OUTPUT]        (default: target/jsonoracle)
#   PULLCHECK_JSON_ORACLE=$(scripts/build-json-oracle.sh) cargo test --test it json_differential
# Installs Go and the Debian-packaged sigs.k8s.io/json sources when missing; needs root (as in
# CI) for that step only. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/target/jsonoracle}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
gopath=/usr/share/gocode
packages=(golang-go golang-k8s-sigs-json-dev)

if ! command -v go >/dev/null 2>&1 || [ ! -d "$gopath/src/sigs.k8s.io/json" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "build-json-oracle: installing ${packages[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2
fi

mkdir -p "$(dirname "$out")" "$root/target/go-cache"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
cp "$root/tests/oracle/jsonoracle.go" "$src/"
(cd "$src" && GOPATH="$gopath" GO111MODULE=off GOCACHE="$root/target/go-cache" \
    go build -o "$out" jsonoracle.go) >&2
echo "$out"
