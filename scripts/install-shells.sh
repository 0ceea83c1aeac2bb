#!/usr/bin/env bash
# Installs the shells that tests/completions.rs loads pullcheck's completion scripts in (bash,
# zsh, fish), from Debian's packages, when one is missing. Needs root (as in CI) only when it
# installs. Idempotent: with every shell present it does nothing.
set -euo pipefail
missing=()
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || missing+=("$shell")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-shells: installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
