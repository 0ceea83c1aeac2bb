#!/usr/bin/env bash
# Installs cargo-deny (pinned) from crates.io into TOOLS_DIR/cargo-deny and prints the
# executable's path. Idempotent: a second run reuses it. Building it takes a few minutes.
#   scripts/install-cargo-deny.sh [TOOLS_DIR]     (default: target/ci-tools)
set -euo pipefail
CARGO_DENY_VERSION=0.20.2
repo="$(cd "$(dirname "$0")/.." && pwd)"
tools="${1:-$repo/target/ci-tools}"
mkdir -p "$tools"
root="$(cd "$tools" && pwd)/cargo-deny"
bin="$root/bin/cargo-deny"
if [ ! -x "$bin" ] || [ "$("$bin" --version)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "install-cargo-deny: cargo install cargo-deny@$CARGO_DENY_VERSION into $root" >&2
  start=$SECONDS
  # Its own target directory: never contends with the project's build for target/.
  CARGO_TARGET_DIR="$root/build" cargo install --quiet --locked --root "$root" \
    "cargo-deny@$CARGO_DENY_VERSION" >&2
  rm -rf "$root/build"
  echo "install-cargo-deny: installed in $((SECONDS - start))s" >&2
fi
echo "$bin"
