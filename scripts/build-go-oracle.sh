#!/usr/bin/env bash
# Builds the Go oracle for tests/it/image_differential.rs and prints its path.
#   scripts/build-go-oracle.sh [OUTPUT]        (default: target/reforacle)
#   PULLCHECK_GO_ORACLE=$(scripts/build-go-oracle.sh) cargo test --test image_differential
# Installs Go and the Debian-packaged Go sources (docker/distribution's reference package and
# go-digest) when missing; needs root (as in CI) for that step only. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/target/reforacle}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
gopath=/usr/share/gocode
packages=(golang-go golang-github-docker-distribution-dev golang-github-opencontainers-go-digest-dev)

if ! command -v go >/dev/null 2>&1 \
    || [ ! -d "$gopath/src/github.com/docker/distribution/reference" ] \
    || [ ! -d "$gopath/src/github.com/opencontainers/go-digest" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "build-go-oracle: installing ${packages[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2
fi

mkdir -p "$(dirname "$out")" "$root/target/go-cache"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
cp "$root/tests/oracle/reforacle.go" "$src/"
(cd "$src" && GOPATH="$gopath" GO111MODULE=off GOCACHE="$root/target/go-cache" \
    go build -o "$out" reforacle.go) >&2
echo "$out"
