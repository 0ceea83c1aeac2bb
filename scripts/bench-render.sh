#!/usr/bin/env bash
# Rendering against linting, per chart and per Kustomize root, cold (a new process each time):
#   render   `helm template` / `kubectl kustomize` alone
#   lint     `pullcheck -` on that rendered output (what linting costs once rendered)
#   total    `pullcheck DIR` (discovery, render, lint, tracing)
# Medians of BENCH_REPEAT (default 5) runs. Uses the renderers scripts/install-renderers.sh
# installs; run from the repository root: scripts/bench-render.sh [DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${BENCH_REPEAT:-5}
eval "$(scripts/install-renderers.sh target/ci-tools | sed 's/^/export /')"
cargo build --release --quiet --bin pullcheck
BIN=target/release/pullcheck
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ $# -eq 0 ]; then
  set -- fixtures/render/real/helm/prometheus-pushgateway fixtures/render/real/helm/bitnami-memcached \
    fixtures/render/real/kustomize/springboot/overlays/production fixtures/render/real/kustomize/wordpress \
    fixtures/render/real/kustomize/multibases
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
printf '%-62s %8s %8s %8s\n' "chart or root" "render" "lint" "total"
for dir in "$@"; do
  if [ -f "$dir/Chart.yaml" ]; then
    render=(env HOME="$TMP" "$PULLCHECK_HELM" template release-name "$dir")
  else
    render=(env HOME="$TMP" KUBECONFIG=/dev/null "$PULLCHECK_KUBECTL" kustomize "$dir")
  fi
  "${render[@]}" >"$TMP/rendered.yaml" 2>/dev/null || true
  r=$(for _ in $(seq "$REPEAT"); do ms "${render[@]}"; done | median)
  l=$(for _ in $(seq "$REPEAT"); do ms sh -c "$BIN --format json --jobs 1 - <'$TMP/rendered.yaml'"; done | median)
  t=$(for _ in $(seq "$REPEAT"); do ms "$BIN" --format json --jobs 1 --helm "$PULLCHECK_HELM" --kustomize "$PULLCHECK_KUBECTL" "$dir"; done | median)
  printf '%-62s %6sms %6sms %6sms\n' "$dir" "$r" "$l" "$t"
done
