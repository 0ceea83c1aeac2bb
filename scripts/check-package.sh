#!/usr/bin/env bash
# The release checks CI runs (.ci/run) and the release workflow repeats:
#   1. cargo deny: every dependency's licence is allowed, no wildcard versions, crates.io only
#      (deny.toml). Offline: the advisories check needs the RustSec database from GitHub, which
#      no registry package carries, so it is not run here (README, "Licence").
#   2. the package holds what it needs (licences, README, changelog, rule docs) and none of the
#      fixtures, tests or fuzz corpora;
#   3. cargo package: the crate builds from the packaged files alone.
set -euo pipefail
cd "$(dirname "$0")/.."

# A path dependency cannot be published: `cargo package` refuses it, and cargo deny counts it
# as a wildcard version. There is none today (the YAML parser is the module syntax::saphyr);
# should one come back, both checks say so here instead of failing unrelated work.
path_deps="$(cargo metadata --locked --format-version 1 --no-deps |
  python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    for d in p["dependencies"]:
        if d.get("path") and d["kind"] in (None, "build"):
            print(d["name"])')"
path_deps="$(echo $path_deps)"

deny="$(scripts/install-cargo-deny.sh target/ci-tools | tail -n 1)"
"$deny" --version
deny_args=()
[ -n "$path_deps" ] && deny_args=(--warn wildcard)
# --offline: never fetch anything (no advisory database is read by these checks).
"$deny" --offline --locked check --show-stats "${deny_args[@]}" licenses bans sources

list="$(cargo package --locked --list)"
for need in Cargo.toml Cargo.lock README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE build.rs \
  src/main.rs src/lib.rs rules/causes.yaml rules/missing-tag.md; do
  grep -qx "$need" <<<"$list" || { echo "check-package: the package lacks $need" >&2; exit 1; }
done
if grep -E '^(fixtures|tests|fuzz|examples|scripts|vendor|docs|\.github|\.ci)/' <<<"$list"; then
  echo "check-package: the package holds files it does not need (above)" >&2
  exit 1
fi
echo "check-package: $(wc -l <<<"$list") files in the package"

if [ -n "$path_deps" ]; then
  echo "check-package: SKIPPED cargo package (and the wildcard ban is a warning): path dependencies cannot be published yet: $path_deps"
  exit 0
fi
# Builds the crate from the packaged files alone (in target/package/).
cargo package --locked
ls -l target/package/pullcheck-*.crate
