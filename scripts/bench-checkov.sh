#!/usr/bin/env bash
# pullcheck versus Checkov restricted to its image checks, on the same directory (default:
# ../shared/corpus). Not run in CI: it installs Checkov from PyPI into target/checkov-venv.
#
#   scripts/bench-checkov.sh [DIR]
#
# CKV_K8S_14: image tag is not fixed (latest or none); CKV_K8S_15: image pull policy is not
# Always; CKV_K8S_43: image is not referenced by digest. Each tool runs BENCH_REPEAT times (3),
# interleaved; medians of wall time and peak RSS are reported.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/corpus}
REPEAT=${BENCH_REPEAT:-3}
VENV=target/checkov-venv
if [ ! -x "$VENV/bin/checkov" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet checkov
fi
cargo build --release --quiet --bin pullcheck
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() { # run NAME CMD... -> appends "seconds rss_kb" to $TMP/NAME
    local name=$1
    shift
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$TMP/$name.rss" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || true
    end=$(date +%s%N)
    echo "$(((end - start) / 1000))e-6 $(tail -1 "$TMP/$name.rss")" >>"$TMP/$name"
}
median() { awk -v c="$2" '{print $c + 0}' "$1" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "checkov $("$VENV/bin/checkov" --version 2>/dev/null), pullcheck $(target/release/pullcheck --version), on $DIR"
echo "machine: $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$REPEAT"); do
    run checkov "$VENV/bin/checkov" --quiet --compact --framework kubernetes \
        --check CKV_K8S_14,CKV_K8S_15,CKV_K8S_43 -d "$DIR" -o json
    run pullcheck1 target/release/pullcheck --format json --jobs 1 "$DIR"
    run pullcheck target/release/pullcheck --format json "$DIR"
done
printf '%-34s %9s %10s\n' tool seconds "peak RSS"
for t in checkov pullcheck1 pullcheck; do
    case $t in
        checkov) label="checkov (3 image checks)" ;;
        pullcheck1) label="pullcheck --jobs 1" ;;
        pullcheck) label="pullcheck (all cores)" ;;
    esac
    awk -v l="$label" -v s="$(median "$TMP/$t" 1)" -v r="$(median "$TMP/$t" 2)" \
        'BEGIN{printf "%-34s %9.3f %7.1f MB\n", l, s, r/1024}'
done
awk -v c="$(median "$TMP/checkov" 1)" -v p="$(median "$TMP/pullcheck" 1)" -v p1="$(median "$TMP/pullcheck1" 1)" \
    -v cr="$(median "$TMP/checkov" 2)" -v pr="$(median "$TMP/pullcheck" 2)" 'BEGIN{
    printf "speed: %.0fx faster (all cores), %.0fx (--jobs 1); target > 100x   %s\n", c/p, c/p1, (c/p > 100 ? "met" : "MISSED")
    printf "memory: %.1f%% of checkov peak RSS; target < 10%%   %s\n", 100*pr/cr, (pr/cr < 0.1 ? "met" : "MISSED")
}'
echo "checkov findings: $(grep -o '"check_id"' "$TMP/checkov.out" | wc -l) failed checks;" \
    "pullcheck findings: $(grep -c '"rule"' "$TMP/pullcheck.out")"
