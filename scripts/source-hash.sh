#!/usr/bin/env bash
# Prints the SHA-256 of the sources a pullcheck binary is built from (Cargo.toml, Cargo.lock,
# build.rs, src/, rules/, and vendor/ while it exists), in a fixed order.
#   scripts/source-hash.sh [DIR]          (default: this repository)
# The GitHub Action keys its cache on it and uses a release binary only when the release's
# SOURCE-SHA256 (written by .github/workflows/release.yml with this script) is the same, so an
# action pinned to any commit never runs a binary built from other code.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
sha() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
paths=(Cargo.toml Cargo.lock build.rs src rules)
[ -d vendor ] && paths+=(vendor)
# File names go into the hash too: a file renamed or moved is another source.
find "${paths[@]}" -type f -print0 | LC_ALL=C sort -z |
  while IFS= read -r -d '' f; do
    printf '%s\0' "$f"
    cat "$f"
  done | sha | cut -d' ' -f1
