#!/usr/bin/env bash
# The registry check's benchmark (issue 20; figures in docs/performance.md): N distinct images
# (default 200) over 3 local registries, checked by the release binary offline, `--online`
# cold (an empty cache directory) and `--online` warm (the same directory again). Reports the
# requests sent (`online.requests` of `--format json`), the median wall time of 3 runs, the
# warm/offline ratio, and how often a cold run asked the registries about each reference
# (`HEAD` lines of their logs).
#
# Targets: each distinct reference asked at most once per run; a warm run sends nothing and
# takes at most 1.2x the offline run. Ratios are measured in one run of this script, on one
# machine: never in a timed test.
#
# Usage: [RUNS=3] scripts/bench-online.sh [N]   (needs what scripts/install-registry.sh installs)
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-200}
runs=${RUNS:-3}
tools=target/ci-tools
vars=$(scripts/install-registry.sh "$tools" 2>/dev/null) || {
    echo "bench-online: scripts/install-registry.sh $tools failed" >&2
    exit 2
}
while IFS= read -r line; do
    [ -n "$line" ] && export "${line?}"
done <<<"$vars"

cargo build --release --locked --quiet
cargo build --locked --quiet --example bench_registries
bin=target/release/pullcheck
work=target/bench-online/run-$$
rm -rf "$work"
mkdir -p "$work"

target/debug/examples/bench_registries "$work" "$n" &
server=$!
stop() {
    touch "$work/stop"
    wait "$server" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 3000); do
    [ -f "$work/ready" ] && break
    kill -0 "$server" 2>/dev/null || {
        echo "bench-online: the registries did not start" >&2
        exit 1
    }
    sleep 0.1
done
[ -f "$work/ready" ] || {
    echo "bench-online: the registries were not ready after 300 s" >&2
    exit 1
}
mapfile -t logs < <(cut -d' ' -f2 "$work/ready")
files="$work/manifests"

now_us() { echo $(($(date +%s%N) / 1000)); }

# one MODE I: one run of the binary, its wall time in microseconds on stdout and its JSON
# report in $work/MODE-I.json. MODE: offline | cold (a new empty cache) | warm (one cache).
one() {
    local mode=$1 i=$2 args=() start end
    case $mode in
        offline) args=() ;;
        cold) args=(--online --no-docker-config --cache-dir "$work/cache-cold-$i") ;;
        warm) args=(--online --no-docker-config --cache-dir "$work/cache-warm") ;;
    esac
    start=$(now_us)
    "$bin" "${args[@]}" --format json "$files" >"$work/$mode-$i.json" || true
    end=$(now_us)
    echo $((end - start))
}

# summary MODE TIMES…: "MODE requests… | median ms | runs ms…".
summary() {
    local mode=$1 requests=() i
    shift
    for i in $(seq 1 "$runs"); do
        requests+=("$(jq -r '.online.requests // "-"' "$work/$mode-$i.json")")
    done
    local median
    median=$(printf '%s\n' "$@" | sort -n | sed -n "$(((runs + 1) / 2))p")
    echo "$mode ${requests[*]} | $(ms "$median") | $(for t in "$@"; do printf '%s ' "$(ms "$t")"; done)"
}
ms() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }'; }

# The registries' HEAD lines during one cold run: how often each reference was asked.
before=()
for log in "${logs[@]}"; do before+=("$(wc -l <"$log")"); done
"$bin" --online --no-docker-config --cache-dir "$work/cache-probe" --format json "$files" \
    >"$work/probe.json" || true
heads=$(
    for k in "${!logs[@]}"; do
        tail -n +"$((before[k] + 1))" "${logs[k]}" | grep -o '"HEAD /v2/[^ ]*/manifests/[^ ]* ' || true
    done
)
asked=$(printf '%s\n' "$heads" | grep -c . || true)
most=$(printf '%s\n' "$heads" | grep . | sort | uniq -c | sort -rn | awk 'NR==1 {print $1}')

cold_times=()
for i in $(seq 1 "$runs"); do cold_times+=("$(one cold "$i")"); done
# Offline and warm runs interleaved, so that a busy moment of the machine falls on both.
"$bin" --online --no-docker-config --cache-dir "$work/cache-warm" --format json "$files" \
    >/dev/null || true
offline_times=() warm_times=()
for i in $(seq 1 "$runs"); do
    offline_times+=("$(one offline "$i")")
    warm_times+=("$(one warm "$i")")
done
offline=$(summary offline "${offline_times[@]}")
cold=$(summary cold "${cold_times[@]}")
warm=$(summary warm "${warm_times[@]}")

med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
ratio=$(awk -v w="$(med "${warm_times[@]}")" -v o="$(med "${offline_times[@]}")" \
    'BEGIN { printf "%.2f", (o > 0 ? w / o : 0) }')
warm_requests=$(jq -r '.online.requests' "$work/warm-1.json")
checked=$(jq -r '.online.images' "$work/cold-1.json")
cached=$(jq -r '.online.from_cache' "$work/warm-1.json")

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //' || true)
echo "date: $(date -u +%Y-%m-%d); machine: ${cpu:-unknown}, $(nproc) cores, $(uname -sr)"
echo "images: $n over ${#logs[@]} registries; runs per mode: $runs (median)"
echo
echo "mode requests-per-run | median ms | runs ms"
echo "$offline"
echo "$cold"
echo "$warm"
echo
echo "cold: $checked images checked, $asked HEAD requests logged by the registries, at most ${most:-0} per reference"
echo "warm: $cached of $checked from cache, $warm_requests requests"
echo "warm/offline: $ratio"
status=0
if [ "${most:-0}" -gt 1 ]; then
    echo "MISSED: a reference was asked more than once in a cold run"
    status=1
fi
if [ "$warm_requests" != 0 ]; then
    echo "MISSED: the warm run sent requests"
    status=1
fi
if awk -v r="$ratio" 'BEGIN { exit !(r > 1.2) }'; then
    echo "MISSED: the warm run took more than 1.2x the offline run"
    status=1
fi
exit "$status"
