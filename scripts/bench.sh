#!/usr/bin/env bash
# pullcheck benchmark: every number is a ratio against a baseline measured in the same run.
#
#   scripts/bench.sh            # generate target/bench/corpus-20000 (~100 MB) and a 10x corpus,
#                               # run every step on it, the 10x linearity check, then ../shared/corpus
#   scripts/bench.sh DIR...     # run the steps on DIR (no linearity check)
#
# Environment: BENCH_FILES (default 20000), BENCH_SCALE (10; 0 skips the linearity check),
# BENCH_REPEAT (3; each step runs this many times, interleaved, and the median is reported),
# BENCH_SEED (1).
#
# Steps, on the same files:
#   (1) read floor      walk + read every byte                    (examples/floors.rs read)
#   (2) parse floor     + parse every document, same parser, no rules, 1 thread (floors parse)
#   (3) pullcheck --format json --jobs 1
#   (4) pullcheck --format json --jobs 2 (all cores here)
#   (C) the machine's ceiling: two runs of (3) at once versus one
#   (5) serde_yaml parsing into Values, 1 thread: what a naive linter would start from
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${BENCH_FILES:-20000}
SCALE=${BENCH_SCALE:-10}
REPEAT=${BENCH_REPEAT:-3}
SEED=${BENCH_SEED:-1}
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    echo "bench: GNU time is needed for peak RSS: apt-get install time" >&2
    exit 2
fi

cargo build --release --quiet --bin pullcheck --example floors --example gen_corpus
BIN=target/release/pullcheck
FLOORS=target/release/examples/floors
GEN=target/release/examples/gen_corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(nproc) vCPU, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

generate() { # generate N -> prints the directory
    local dir="target/bench/corpus-$1-seed$SEED"
    if [ ! -f "$dir/.done" ]; then
        rm -rf "$dir"
        "$GEN" --files "$1" --seed "$SEED" --out "$dir" >&2
        touch "$dir/.done"
    fi
    echo "$dir"
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
            echo "bench: $name failed ($rc):" >&2
            cat "$TMP/$name.err" >&2
            exit 2
        fi
    }
    end=$(date +%s%N)
    echo "$(((end - start) / 1000))e-6 $(tail -1 "$TMP/$name.rss")" >>"$TMP/$name"
}

# Two single-threaded runs at once: how much parallel throughput the machine gives right now.
pair_once() {
    local start end
    start=$(date +%s%N)
    "$BIN" --format json --jobs 1 "$1" >/dev/null &
    local a=$!
    "$BIN" --format json --jobs 1 "$1" >/dev/null &
    local b=$!
    wait $a || true
    wait $b || true
    end=$(date +%s%N)
    echo "$(((end - start) / 1000))e-6 0" >>"$TMP/pair"
}

median() { # median of column $2 of file $1
    awk -v c="$2" '{print $c + 0}' "$1" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}

bench_dir() {
    local dir=$1
    rm -f "$TMP"/{read,parse,j1,j2,pair,serde}
    local stats
    stats=$("$FLOORS" read "$dir")
    local files bytes
    files=$(echo "$stats" | cut -d' ' -f2)
    bytes=$(echo "$stats" | cut -d' ' -f3)
    "$BIN" --format json --jobs 1 "$dir" >/dev/null || true # warm the page cache
    for _ in $(seq "$REPEAT"); do
        run_once read "$FLOORS" read "$dir"
        run_once parse "$FLOORS" parse "$dir"
        run_once j1 "$BIN" --format json --jobs 1 "$dir"
        run_once j2 "$BIN" --format json --jobs 2 "$dir"
        pair_once "$dir"
        run_once serde "$FLOORS" serde-yaml "$dir"
    done
    echo
    echo "== $dir: $files files, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}') MB," \
        "median of $REPEAT interleaved runs"
    printf '%-42s %9s %10s %8s %9s\n' step seconds files/s MB/s "peak RSS"
    local step label
    for step in read parse j1 j2 serde; do
        case $step in
            read) label="(1) read floor" ;;
            parse) label="(2) parse floor (saphyr, tree, 1 thread)" ;;
            j1) label="(3) pullcheck --format json --jobs 1" ;;
            j2) label="(4) pullcheck --format json --jobs 2" ;;
            serde) label="(5) serde_yaml -> Value (1 thread)" ;;
        esac
        local s rss
        s=$(median "$TMP/$step" 1)
        rss=$(median "$TMP/$step" 2)
        awk -v l="$label" -v s="$s" -v f="$files" -v b="$bytes" -v r="$rss" \
            'BEGIN{printf "%-42s %9.3f %10.0f %8.1f %6.1f MB\n", l, s, f/s, b/1e6/s, r/1024}'
    done
    local read parse j1 j2 pair serde
    read=$(median "$TMP/read" 1)
    parse=$(median "$TMP/parse" 1)
    j1=$(median "$TMP/j1" 1)
    j2=$(median "$TMP/j2" 1)
    pair=$(median "$TMP/pair" 1)
    serde=$(median "$TMP/serde" 1)
    awk -v rd="$read" -v p="$parse" -v j1="$j1" -v j2="$j2" -v pair="$pair" -v se="$serde" \
        -v rss="$(median "$TMP/j1" 2)" -v rss2="$(median "$TMP/j2" 2)" 'BEGIN{
        ceiling = 2 * j1 / pair; speedup = j1 / j2
        printf "(3)/(2) lint vs parse floor      %6.2fx   target <= 1.30   %s\n", j1/p, (j1/p <= 1.3 ? "met" : "MISSED")
        printf "(3)-(1) minus read, vs (2)-(1)   %6.2fx   (cost over parsing, I/O excluded)\n", (j1-rd)/(p-rd)
        printf "(C) ceiling: 2 runs at once      %6.2fx   throughput of two single-threaded runs vs one\n", ceiling
        printf "(4) speedup (3)/(4)              %6.2fx   = %3.0f%% of the ceiling, target >= 80%%   %s\n", speedup, 100*speedup/ceiling, (speedup/ceiling >= 0.8 ? "met" : "MISSED")
        printf "(5)/(3) serde_yaml vs pullcheck  %6.2fx   target > 1   %s\n", se/j1, (se > j1 ? "met" : "MISSED")
        printf "peak RSS --jobs 1 / --jobs 2     %5.1f MB / %5.1f MB   target < 100 MB\n", rss/1024, rss2/1024
    }'
    LAST_J1=$j1
}

if [ $# -gt 0 ]; then
    for dir in "$@"; do bench_dir "$dir"; done
    exit 0
fi

small=$(generate "$FILES")
bench_dir "$small"
if [ "$SCALE" -gt 0 ]; then
    big=$(generate $((FILES * SCALE)))
    rm -f "$TMP/big"
    "$BIN" --format json --jobs 1 "$big" >/dev/null || true # warm the page cache
    for _ in $(seq "$REPEAT"); do
        run_once small "$BIN" --format json --jobs 1 "$small"
        run_once big "$BIN" --format json --jobs 1 "$big"
    done
    bigbytes=$("$FLOORS" read "$big" | cut -d' ' -f3)
    echo
    echo "== linearity: $small vs $big ($SCALE x the files, $(awk -v b="$bigbytes" 'BEGIN{printf "%.0f", b/1e6}') MB)"
    awk -v s="$(median "$TMP/small" 1)" -v b="$(median "$TMP/big" 1)" -v k="$SCALE" \
        -v rs="$(median "$TMP/small" 2)" -v rb="$(median "$TMP/big" 2)" 'BEGIN{
        printf "pullcheck --jobs 1: %.3f s vs %.3f s = %.2fx time for %dx files, target <= %.1fx   %s\n", s, b, b/s, k, k*1.1, (b/s <= k*1.1 ? "met" : "MISSED")
        printf "peak RSS: %.1f MB vs %.1f MB\n", rs/1024, rb/1024
    }'
fi
if [ -d ../shared/corpus ]; then
    bench_dir ../shared/corpus
fi
