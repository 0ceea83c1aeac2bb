#!/usr/bin/env bash
# The YAML layer before and after a change, in one run (docs/performance.md, "A faster YAML
# layer"): the parse floor (`floors parse`: split, scan, parse, build the tree; no rule) and
# `pullcheck --format json --jobs 1`, each timed BENCH_REPEAT times, interleaved, median
# reported; then instructions counted with callgrind (deterministic, so the load of a shared
# machine does not move them); and the JSON output of both binaries compared byte for byte.
#
#   git worktree add /tmp/base main && (cd /tmp/base && cargo build --release --bin pullcheck \
#       --example floors) && mkdir -p /tmp/before && cp /tmp/base/target/release/pullcheck \
#       /tmp/base/target/release/examples/floors /tmp/before/
#   scripts/bench-parse.sh /tmp/before DIR...
#
# Environment: BENCH_REPEAT (5), BENCH_CALLGRIND (1; 0 skips valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
    echo "usage: scripts/bench-parse.sh BEFORE_DIR DIR..." >&2
    exit 2
fi
BEFORE=$1
shift
REPEAT=${BENCH_REPEAT:-5}
CALLGRIND=${BENCH_CALLGRIND:-1}
for bin in "$BEFORE/pullcheck" "$BEFORE/floors"; do
    [ -x "$bin" ] || { echo "bench-parse: $bin is missing" >&2; exit 2; }
done
cargo build --release --quiet --bin pullcheck --example floors
AFTER_BIN=target/release/pullcheck
AFTER_FLOORS=target/release/examples/floors
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

# seconds CMD...: wall time of one run (pullcheck exits 1 when it has findings)
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
    end=$(date +%s%N)
    awk -v n=$((end - start)) 'BEGIN{printf "%.4f\n", n/1e9}'
}

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

instructions() { # CMD...: instructions executed (callgrind; pullcheck exits 1 on findings)
    local report
    report=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null) || true
    echo "$report" | awk '/Collected/ {print $NF}'
}

for dir in "$@"; do
    "$BEFORE/pullcheck" --format json --jobs 1 "$dir" >"$TMP/before.json" 2>/dev/null || true
    "$AFTER_BIN" --format json --jobs 1 "$dir" >"$TMP/after.json" 2>/dev/null || true
    if cmp -s "$TMP/before.json" "$TMP/after.json"; then
        same="identical ($(wc -c <"$TMP/after.json") bytes)"
    else
        same="DIFFERENT"
    fi
    stats=$("$AFTER_FLOORS" read "$dir")
    echo
    echo "== $dir: $(echo "$stats" | cut -d' ' -f2) files," \
        "$(echo "$stats" | awk '{printf "%.1f", $3/1e6}') MB; JSON output before/after: $same"
    rm -f "$TMP"/{pb,pa,lb,la}
    for _ in $(seq "$REPEAT"); do
        seconds "$BEFORE/floors" parse "$dir" >>"$TMP/pb"
        seconds "$AFTER_FLOORS" parse "$dir" >>"$TMP/pa"
        seconds "$BEFORE/pullcheck" --format json --jobs 1 "$dir" >>"$TMP/lb"
        seconds "$AFTER_BIN" --format json --jobs 1 "$dir" >>"$TMP/la"
    done
    printf '%-34s %12s %12s %8s\n' "median of $REPEAT, interleaved" before after ratio
    for step in p l; do
        label="parse floor (s)"
        [ $step = l ] && label="pullcheck --jobs 1 (s)"
        b=$(median <"$TMP/${step}b")
        a=$(median <"$TMP/${step}a")
        awk -v l="$label" -v b="$b" -v a="$a" 'BEGIN{printf "%-34s %12.3f %12.3f %7.2fx\n", l, b, a, b/a}'
    done
    if [ "$CALLGRIND" = 1 ]; then
        pb=$(instructions "$BEFORE/floors" parse "$dir")
        pa=$(instructions "$AFTER_FLOORS" parse "$dir")
        lb=$(instructions "$BEFORE/pullcheck" --format json --jobs 1 "$dir")
        la=$(instructions "$AFTER_BIN" --format json --jobs 1 "$dir")
        rb=$(instructions "$AFTER_FLOORS" read "$dir")
        awk -v l="parse floor (M instructions)" -v b="$pb" -v a="$pa" 'BEGIN{printf "%-34s %12.1f %12.1f %7.2fx\n", l, b/1e6, a/1e6, b/a}'
        awk -v l="  without the read floor" -v b="$pb" -v a="$pa" -v r="$rb" 'BEGIN{printf "%-34s %12.1f %12.1f %7.2fx\n", l, (b-r)/1e6, (a-r)/1e6, (b-r)/(a-r)}'
        awk -v l="pullcheck --jobs 1 (M instructions)" -v b="$lb" -v a="$la" 'BEGIN{printf "%-34s %12.1f %12.1f %7.2fx\n", l, b/1e6, a/1e6, b/a}'
    fi
done
