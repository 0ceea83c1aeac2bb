#!/usr/bin/env bash
# pullcheck on one big cluster dump (`kubectl get pods -A -o json|yaml`), against the floors of
# building a serde_json::Value / serde_yaml::Value of the same file, measured in the same run.
#
#   scripts/bench-dump.sh        # 20,000-pod dumps (JSON and YAML), then the linearity check
#   DUMP_SHAPE=small DUMP_LINEAR= scripts/bench-dump.sh   # issue 24's 25 MB / 11 MB dumps
#
# Environment: DUMP_PODS (default 20000), DUMP_SHAPE (`full`, 7.8 KB of JSON a pod, or `small`,
# ~1.2 KB: one container, `gen_dump --small`), DUMP_LINEAR ("5000 100000"; empty skips the
# linearity check), BENCH_REPEAT (3; runs interleaved, median reported), BENCH_SEED (1),
# DUMP_BEFORE (a pullcheck binary of an earlier commit: measured as more steps, in the same run).
#
# Steps, one thread each, per format:
#   floor   serde_json::Value (JSON) / serde_yaml::Value (YAML) of the whole file (examples/floors.rs)
#   parse   pullcheck's own parse floor: split + spanned tree, no model, no rule (floors parse)
#   lint    pullcheck --format json --jobs 1
#   one     the same with one rule (--select pull-not-found): what reporting every finding costs
#           is lint - one, given per finding (the findings counted from the JSON report)
# Dumps come from examples/gen_dump.rs (deterministic), kept in target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

PODS=${DUMP_PODS:-20000}
SHAPE=${DUMP_SHAPE:-full}
case $SHAPE in
    full) SHAPE_ARGS=() ;;
    small) SHAPE_ARGS=(--small) ;;
    *)
        echo "bench-dump: DUMP_SHAPE is full or small, not $SHAPE" >&2
        exit 2
        ;;
esac
LINEAR=${DUMP_LINEAR-5000 100000}
REPEAT=${BENCH_REPEAT:-3}
SEED=${BENCH_SEED:-1}
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    echo "bench-dump: GNU time is needed for peak RSS: apt-get install time" >&2
    exit 2
fi

cargo build --release --quiet --bin pullcheck --example floors --example gen_dump
BIN=target/release/pullcheck
FLOORS=target/release/examples/floors
GEN=target/release/examples/gen_dump
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p target/bench

echo "machine: $(nproc) vCPU, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)"

dump() { # dump PODS FORMAT -> prints the path
    local path="target/bench/pods-$1-seed$SEED.$2"
    [ "$SHAPE" = full ] || path="target/bench/pods-$SHAPE-$1-seed$SEED.$2"
    if [ ! -f "$path" ]; then
        "$GEN" --pods "$1" "${SHAPE_ARGS[@]}" --seed "$SEED" --format "$2" --out "$path.tmp" >&2
        mv "$path.tmp" "$path"
    fi
    echo "$path"
}

# run_once NAME CMD...: appends "seconds rss_kb" to $TMP/NAME
run_once() {
    local name=$1
    shift
    local start end
    start=$(date +%s%N)
    "$TIME" -f %M -o "$TMP/$name.rss" "$@" >/dev/null 2>"$TMP/$name.err" || {
        local rc=$?
        # pullcheck exits 1 when it has findings: that is a successful run here.
        if [ "$rc" -ne 1 ]; then
            echo "bench-dump: $name failed ($rc):" >&2
            cat "$TMP/$name.err" >&2
            exit 2
        fi
    }
    end=$(date +%s%N)
    echo "$(((end - start) / 1000))e-6 $(tail -1 "$TMP/$name.rss")" >>"$TMP/$name"
}

median() { # median of column $2 of file $1
    awk -v c="$2" '{print $c + 0}' "$1" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}

# An array, not a function: GNU time runs a program, not a shell function.
LINT=("$BIN" --format json --jobs 1 --max-file-size 4G)
ONE_RULE=(--select pull-not-found)

findings() { # findings BINARY FILE [ARGS...]: how many findings its JSON report has
    local bin=$1 file=$2
    shift 2
    # Exit code 1 is "has findings".
    { "$bin" --format json --jobs 1 --max-file-size 4G "$@" "$file" || true; } |
        awk '/^  "summary"/ {s = 1} s && /"(errors|warnings|notes)"/ {gsub(/[^0-9]/, ""); n += $0} END {print n + 0}'
}

bench_format() { # bench_format FORMAT FLOOR_MODE FLOOR_LABEL TIME_TARGET
    local format=$1 mode=$2 label=$3 target=$4
    local file bytes
    file=$(dump "$PODS" "$format")
    bytes=$(stat -c %s "$file")
    rm -f "$TMP"/{floor,parse,lint,one,before,before_one}
    "${LINT[@]}" "$file" >/dev/null || true # warm the page cache
    local steps="floor parse lint one"
    for _ in $(seq "$REPEAT"); do
        run_once floor "$FLOORS" "$mode" "$file"
        run_once parse "$FLOORS" parse "$file"
        run_once lint "${LINT[@]}" "$file"
        run_once one "${LINT[@]}" "${ONE_RULE[@]}" "$file"
        if [ -n "${DUMP_BEFORE:-}" ]; then
            run_once before "$DUMP_BEFORE" --format json --jobs 1 --max-file-size 4G "$file"
            run_once before_one "$DUMP_BEFORE" --format json --jobs 1 --max-file-size 4G "${ONE_RULE[@]}" "$file"
            steps="floor parse lint one before before_one"
        fi
    done
    local all one
    all=$(findings "$BIN" "$file")
    one=$(findings "$BIN" "$file" "${ONE_RULE[@]}")
    echo
    echo "== $file: $PODS pods ($SHAPE), $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}') MB," \
        "$all findings ($one with one rule), median of $REPEAT interleaved runs"
    printf '%-44s %9s %8s %10s %9s\n' step seconds MB/s "peak RSS" "RSS/file"
    local step name
    for step in $steps; do
        case $step in
            before) name="DUMP_BEFORE --format json --jobs 1" ;;
            before_one) name="DUMP_BEFORE, one rule" ;;
            floor) name="$label (1 thread)" ;;
            parse) name="pullcheck parse floor (tree, no rules)" ;;
            lint) name="pullcheck --format json --jobs 1" ;;
            one) name="pullcheck, one rule (${ONE_RULE[*]})" ;;
        esac
        awk -v l="$name" -v s="$(median "$TMP/$step" 1)" -v b="$bytes" -v r="$(median "$TMP/$step" 2)" \
            'BEGIN{printf "%-44s %9.3f %8.1f %7.1f MB %8.1fx\n", l, s, b/1e6/s, r/1024, r*1024/b}'
    done
    local pair every single who
    for pair in "lint one pullcheck" ${DUMP_BEFORE:+"before before_one DUMP_BEFORE"}; do
        read -r every single who <<<"$pair"
        awk -v a="$(median "$TMP/$every" 1)" -v o="$(median "$TMP/$single" 1)" -v n="$((all - one))" -v l="$who" \
            'BEGIN{printf "%s: the other %d findings cost %.3f s, %.1f us each\n", l, n, a-o, n ? (a-o)/n*1e6 : 0}'
    done
    awk -v f="$(median "$TMP/floor" 1)" -v j="$(median "$TMP/lint" 1)" -v t="$target" \
        -v r="$(median "$TMP/lint" 2)" -v b="$bytes" -v l="$label" 'BEGIN{
        limit = (3 * b + 30e6) / 1e6
        printf "lint / %-22s %6.2fx   target <= %.2f   %s\n", l, j/f, t, (j/f <= t ? "met" : "MISSED")
        printf "lint peak RSS  %8.1f MB   target <= 3 x file + 30 MB = %.1f MB   %s\n", r*1024/1e6, limit, (r*1024/1e6 <= limit ? "met" : "MISSED")
    }'
}

bench_format json serde-json "serde_json::Value" 1.5
bench_format yaml serde-yaml "serde_yaml::Value" 1.0

if [ -n "$LINEAR" ]; then
    read -r lo hi <<<"$LINEAR"
    for format in json yaml; do
        small=$(dump "$lo" "$format")
        big=$(dump "$hi" "$format")
        rm -f "$TMP"/{small,big}
        "${LINT[@]}" "$big" >/dev/null || true # warm the page cache
        for _ in $(seq "$REPEAT"); do
            run_once small "${LINT[@]}" "$small"
            run_once big "${LINT[@]}" "$big"
        done
        echo
        echo "== linearity ($format): $lo vs $hi pods ($(awk -v a="$(stat -c %s "$small")" -v b="$(stat -c %s "$big")" 'BEGIN{printf "%.0f MB vs %.0f MB", a/1e6, b/1e6}'))"
        awk -v s="$(median "$TMP/small" 1)" -v b="$(median "$TMP/big" 1)" -v k="$((hi / lo))" \
            -v rs="$(median "$TMP/small" 2)" -v rb="$(median "$TMP/big" 2)" 'BEGIN{
            printf "pullcheck --jobs 1: %.3f s vs %.3f s = %.2fx time for %dx pods, target <= %.1fx   %s\n", s, b, b/s, k, k*1.1, (b/s <= k*1.1 ? "met" : "MISSED")
            printf "peak RSS: %.1f MB vs %.1f MB (%.2fx)\n", rs/1024, rb/1024, rb/rs
        }'
    done
fi
