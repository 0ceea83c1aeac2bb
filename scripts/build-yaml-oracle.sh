#!/usr/bin/env bash
# Builds the Go oracle for tests/it/yaml_differential.rs (kubectl's YAML reading: apimachinery's
# document split + sigs.k8s.io/yaml on go-yaml v2) and prints its path.
#   scripts/build-yaml-oracle.sh [OUTPUT]        (default: target/yamloracle)
#   PULLCHECK_YAML_ORACLE=$(scripts/build-yaml-oracle.sh) cargo test --test it yaml_differential
# Installs Go and the Debian-packaged Go sources (sigs.k8s.io/yaml, gopkg.in/yaml.v2) when
# missing; needs root (as in CI) for that step only. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/target/yamloracle}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
gopath=/usr/share/gocode
packages=(golang-go golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v2-dev)

if ! command -v go >/dev/null 2>&1 \
    || [ ! -d "$gopath/src/sigs.k8s.io/yaml" ] \
    || [ ! -d "$gopath/src/gopkg.in/yaml.v2" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "build-yaml-oracle: installing ${packages[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2
fi

mkdir -p "$(dirname "$out")" "$root/target/go-cache"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
cp "$root/tests/oracle/yamloracle.go" "$src/"
(cd "$src" && GOPATH="$gopath" GO111MODULE=off GOCACHE="$root/target/go-cache" \
    go build -o "$out" yamloracle.go) >&2
echo "$out"
