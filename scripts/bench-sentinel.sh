#!/usr/bin/env bash
# What deciding tracing's ties by rendering costs (issue 23, class 4), per real chart and
# override, cold (a new process each run, median of BENCH_REPEAT):
#   renders   `helm template` runs of the pullcheck run (1 = no tie needed deciding)
#   plain     `pullcheck CHART` without the registry allow-list: no registry findings, so no
#             ties (the baseline, measured in the same run)
#   ties      `pullcheck CHART` with it: tracing and its extra renders included
#   ratio     ties / plain
# The override set (`registries.allowed: [ghcr.io]`, so every image's registry is flagged, and
# the charts' exporters and proxies turned on) makes ties: charts write `registry: docker.io`
# for each of their images. Run from the repository root:
#   scripts/bench-sentinel.sh [CHART...]   (default: fixtures/render/real/helm/* and
#   ../shared/charts/helm/* when present)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${BENCH_REPEAT:-3}
eval "$(scripts/install-renderers.sh target/ci-tools | sed 's/^/export /')"
cargo build --release --quiet --bin pullcheck
BIN=$PWD/target/release/pullcheck
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ $# -eq 0 ]; then
  set -- fixtures/render/real/helm/* fixtures/render/ambiguous
  for c in ../shared/charts/helm/*; do [ -f "$c/Chart.yaml" ] && set -- "$@" "$c"; done
fi
# A helm that counts its `template` runs (the renderer's environment is minimal: the count
# file's path is written into the wrapper).
cat >"$TMP/helm" <<WRAP
#!/bin/sh
[ "\$1" = template ] && echo x >>"$TMP/count"
exec "$PULLCHECK_HELM" "\$@"
WRAP
chmod +x "$TMP/helm"
mkdir -p "$TMP/cfg" "$TMP/plain"
cat >"$TMP/cfg/.pullcheck.yaml" <<'CFG'
registries:
  allowed: [ghcr.io]
CFG
cat >"$TMP/on.yaml" <<'VALUES'
metrics:
  enabled: true
kubeRBACProxy:
  enabled: true
VALUES
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
printf '%-50s %-9s %8s %8s %8s %8s %6s\n' chart override findings renders plain ties ratio
for dir in "$@"; do
  abs=$(cd "$dir" && pwd)
  for override in defaults on; do
    values=()
    [ "$override" = on ] && values=(--values "$TMP/on.yaml")
    r=$(for _ in $(seq "$REPEAT"); do (cd "$TMP/plain" && ms "$BIN" --format json --jobs 1 --helm "$PULLCHECK_HELM" "$abs" "${values[@]}"); done | median)
    rm -f "$TMP/count"
    findings=$(cd "$TMP/plain" && "$BIN" --config "$TMP/cfg/.pullcheck.yaml" --format json --jobs 1 --helm "$TMP/helm" "$abs" "${values[@]}" 2>/dev/null | grep -c '"rule":' || true)
    renders=$(wc -l <"$TMP/count" 2>/dev/null || echo 0)
    t=$(for _ in $(seq "$REPEAT"); do (cd "$TMP/plain" && ms "$BIN" --config "$TMP/cfg/.pullcheck.yaml" --format json --jobs 1 --helm "$PULLCHECK_HELM" "$abs" "${values[@]}"); done | median)
    printf '%-50s %-9s %8s %8s %6sms %6sms %6s\n' "$dir" "$override" "$findings" "$renders" "$r" "$t" \
      "$(awk -v a="$t" -v b="$r" 'BEGIN { if (b > 0) printf "%.1f", a / b }')"
  done
done
