#!/usr/bin/env bash
# Renders fixtures/kubectl/rendered/ with the REAL kubectl client (issue 11): every scenario of
# tests/kubectl-standin/scenarios/ is served by the stand-in API server (server.py, Python 3
# standard library) on a free localhost port, and kubectl prints it as it would for a cluster.
#
#   scripts/render-kubectl-fixtures.sh [OUT_DIR [SCENARIO...]]
#       OUT_DIR defaults to fixtures/kubectl/rendered; without SCENARIO, every scenario.
#       kubectl comes from PULLCHECK_KUBECTL, else from scripts/install-renderers.sh (1.31).
#   scripts/render-kubectl-fixtures.sh --matrix OUT_DIR [SCENARIO...]
#       The version matrix (issue 22): each client of PULLCHECK_KUBECTL_MATRIX (':'-separated;
#       else scripts/install-kubectl-matrix.sh, kubectl 1.22 … 1.35) renders into
#       OUT_DIR/<its version, e.g. 1.26.4>/<scenario>/, RENDER_JOBS clients at once (default 4:
#       a render mostly waits on the stand-in), against one stand-in. A client of a version
#       already rendered is skipped. fixtures/kubectl/versions/ is made from such a render by
#       `UPDATE_KUBECTL_VERSIONS=1 scripts/test.sh --test it kubectl_still_prints`.
#
# `kubectl events` is `kubectl alpha events` before 1.26 (without `-o` before 1.25: no
# events.yaml) and does not exist before 1.23 (no events*.* files).
# Only the rendered output files are written; each scenario's expected.tsv is written by hand
# and left alone. No network beyond 127.0.0.1: a scratch kubeconfig, HOME and cache per run.
# How the output is produced and compared is in docs/kubectl-output.md.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=0
if [ "${1:-}" = "--matrix" ]; then
  matrix=1
  shift
  [ $# -ge 1 ] || { echo "usage: $0 --matrix OUT_DIR [SCENARIO...]" >&2; exit 2; }
fi
out="${1:-fixtures/kubectl/rendered}"
shift || true
only=("$@")
scenarios="tests/kubectl-standin/scenarios"

log() { echo "render-kubectl-fixtures: $*" >&2; }
command -v python3 >/dev/null || { log "python3 is needed for the stand-in API server"; exit 1; }

clients=()
if [ "$matrix" = 1 ]; then
  list="${PULLCHECK_KUBECTL_MATRIX:-}"
  if [ -z "$list" ]; then
    list="$(scripts/install-kubectl-matrix.sh target/ci-tools | sed -n 's/^PULLCHECK_KUBECTL_MATRIX=//p')"
  fi
  IFS=: read -r -a clients <<<"$list"
else
  kubectl="${PULLCHECK_KUBECTL:-}"
  if [ -z "$kubectl" ]; then
    kubectl="$(scripts/install-renderers.sh target/ci-tools | sed -n 's/^PULLCHECK_KUBECTL=//p')"
  fi
  clients=("$kubectl")
fi
[ ${#clients[@]} -gt 0 ] || { log "no kubectl given"; exit 1; }
for kubectl in "${clients[@]}"; do
  [ -x "$kubectl" ] || { log "no kubectl at '$kubectl'"; exit 1; }
done

scratch="$(mktemp -d)"
# Every request, with its status: what a client asks for and the stand-in does not serve
# fails the render (below), whichever version asked.
requests="${STANDIN_LOG:-$scratch/requests.log}"
# The server lives as long as its stdin: closing our end (exit, error) stops it.
coproc STANDIN { STANDIN_LOG="$requests" exec python3 tests/kubectl-standin/server.py "$scenarios" 0 2>"$scratch/server.err"; }
server_pid=$STANDIN_PID
cleanup() {
  exec {STANDIN[1]}>&- 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
read -r line <&"${STANDIN[0]}" || { log "the stand-in did not start: $(cat "$scratch/server.err")"; exit 1; }
base="${line#listening on }"
case "$base" in http://127.0.0.1:*) ;; *) log "unexpected stand-in output: $line"; exit 1 ;; esac

export TZ=UTC LC_ALL=C
unset KUBECONFIG HTTPS_PROXY HTTP_PROXY https_proxy http_proxy

# version KUBECTL: its release, without the v (1.26.4).
version() {
  "$1" version --client -o json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"].lstrip("v").split("+")[0])'
}

# render KUBECTL VERSION OUT: each scenario's 14 commands (fewer before 1.25) into OUT/<scenario>/.
render() {
  local kubectl="$1" release="$2" out="$3"
  local work="$scratch/$release" minor
  minor="$(echo "$release" | cut -d. -f2)"
  # Each client its own HOME and caches: kubectl writes there.
  mkdir -p "$work/home"
  local events=()
  if [ "$minor" -ge 26 ]; then
    events=(events)
  elif [ "$minor" -ge 23 ]; then
    events=(alpha events)
  fi
  local name ns pod config target
  while read -r name ns pod; do
    config="$work/$name.kubeconfig"
    cat >"$config" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: standin
  cluster:
    server: $base/s/$name
contexts:
- name: standin
  context:
    cluster: standin
    namespace: $ns
current-context: standin
users: []
EOF
    # stdin: /dev/null, not the list of scenarios this loop reads. GOGC=off: no collection in a
    # process this short (a fifth less CPU over thousands of them; the output is the same).
    k() { GOGC=off HOME="$work/home" "$kubectl" --kubeconfig "$config" --cache-dir "$work/cache-$name" --request-timeout 20s "$@" </dev/null; }
    target="$out/$name"
    mkdir -p "$target"
    k get pods >"$target/get-pods.txt"
    k get pods -o wide >"$target/get-pods-wide.txt"
    k get pods -A >"$target/get-pods-A.txt"
    k describe pod "$pod" >"$target/describe-pod.txt"
    k get events >"$target/get-events.txt"
    k get events -o wide >"$target/get-events-wide.txt"
    k get events -A >"$target/get-events-A.txt"
    if [ ${#events[@]} -gt 0 ]; then
      k "${events[@]}" >"$target/events.txt"
      k "${events[@]}" -A >"$target/events-A.txt"
    fi
    k get pod "$pod" -o yaml >"$target/get-pod.yaml"
    k get pod "$pod" -o json >"$target/get-pod.json"
    k get events -o yaml >"$target/get-events.yaml"
    k get events -o json >"$target/get-events.json"
    if [ "$minor" -ge 25 ]; then
      k "${events[@]}" -o yaml >"$target/events.yaml"
    fi
    [ "$matrix" = 1 ] || log "$name"
  done <"$scratch/pods"
}

# Each scenario (or each one asked for) and the pod the user describes: its first pod.
python3 - "$scenarios" "${only[@]}" >"$scratch/pods" <<'PY'
import json, pathlib, sys
root, only = pathlib.Path(sys.argv[1]), sys.argv[2:]
for path in sorted(root.glob("*/scenario.json")):
    if not only or path.parent.name in only:
        pod = json.loads(path.read_text(encoding="utf-8"))["pods"][0]
        print(path.parent.name, pod["namespace"], pod["name"])
PY
[ -s "$scratch/pods" ] || { log "no scenario named ${only[*]} in $scenarios"; exit 1; }

# unserved: fails when the stand-in answered a request with anything but 200.
unserved() {
  if grep -v '^200 ' "$requests" >"$scratch/unserved"; then
    log "the stand-in does not serve what kubectl asked for (tests/kubectl-standin/README.md):"
    sort "$scratch/unserved" | uniq -c | head -20 >&2
    exit 1
  fi
}

if [ "$matrix" = 0 ]; then
  render "$kubectl" "$(version "$kubectl")" "$out"
  unserved
  exit 0
fi

mkdir -p "$out"
start=$SECONDS
jobs="${RENDER_JOBS:-4}"
declare -A seen=()
pids=()
for kubectl in "${clients[@]}"; do
  release="$(version "$kubectl")"
  # The same release twice (1.31 from install-renderers.sh and from the matrix): once.
  [ -z "${seen[$release]:-}" ] || continue
  seen[$release]=1
  # The stand-in (a coprocess) is a job too.
  while [ "$(jobs -rp | wc -l)" -gt "$jobs" ]; do
    wait -n "${pids[@]}" 2>/dev/null || true
  done
  rm -rf "${out:?}/$release"
  # Success is the .done mark: a job's exit status may already have been taken by `wait -n`.
  # (Not `render && touch`: errexit is off on the left of `&&`, a failing command would pass.)
  (
    render "$kubectl" "$release" "$out/$release"
    touch "$out/$release/.done"
    log "kubectl $release"
  ) &
  pids+=($!)
done
# Not a bare `wait`: it would wait for the stand-in too, which lives until we exit.
wait "${pids[@]}" 2>/dev/null || true
failed=0
for release in "${!seen[@]}"; do
  [ -f "$out/$release/.done" ] || { log "kubectl $release did not render every scenario"; failed=1; }
  rm -f "$out/$release/.done"
done
[ "$failed" = 0 ] || exit 1
unserved
log "${#seen[@]} clients rendered in $((SECONDS - start))s"
