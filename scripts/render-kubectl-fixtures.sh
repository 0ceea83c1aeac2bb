#!/usr/bin/env bash
# Renders fixtures/kubectl/rendered/ with the REAL kubectl client (issue 11): every scenario of
# tests/kubectl-standin/scenarios/ is served by the stand-in API server (server.py, Python 3
# standard library) on a free localhost port, and kubectl prints it as it would for a cluster.
#
#   scripts/render-kubectl-fixtures.sh [OUT_DIR [SCENARIO...]]
#       OUT_DIR defaults to fixtures/kubectl/rendered; without SCENARIO, every scenario.
#
# kubectl comes from PULLCHECK_KUBECTL, else from scripts/install-renderers.sh (kubectl 1.31).
# Only the rendered output files are written; each scenario's expected.tsv is written by hand
# and left alone. No network beyond 127.0.0.1: a scratch kubeconfig, HOME and cache per run.
# How the output is produced and compared is in docs/kubectl-output.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-fixtures/kubectl/rendered}"
shift || true
only=("$@")
scenarios="tests/kubectl-standin/scenarios"

log() { echo "render-kubectl-fixtures: $*" >&2; }

kubectl="${PULLCHECK_KUBECTL:-}"
if [ -z "$kubectl" ]; then
  kubectl="$(scripts/install-renderers.sh target/ci-tools | sed -n 's/^PULLCHECK_KUBECTL=//p')"
fi
[ -x "$kubectl" ] || { log "no kubectl at '$kubectl'"; exit 1; }
command -v python3 >/dev/null || { log "python3 is needed for the stand-in API server"; exit 1; }

scratch="$(mktemp -d)"
# The server lives as long as its stdin: closing our end (exit, error) stops it.
coproc STANDIN { exec python3 tests/kubectl-standin/server.py "$scenarios" 0 2>"$scratch/server.err"; }
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

export HOME="$scratch/home" TZ=UTC LC_ALL=C
unset KUBECONFIG HTTPS_PROXY HTTP_PROXY https_proxy http_proxy
mkdir -p "$HOME"

for dir in "$scenarios"/*/; do
  name="$(basename "$dir")"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  # The pod the user describes: the first pod of the scenario.
  read -r ns pod < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["pods"][0]; print(p["namespace"], p["name"])' "$dir/scenario.json")
  config="$scratch/$name.kubeconfig"
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
  k() { "$kubectl" --kubeconfig "$config" --cache-dir "$scratch/cache-$name" --request-timeout 20s "$@"; }
  target="$out/$name"
  mkdir -p "$target"
  k get pods >"$target/get-pods.txt"
  k get pods -o wide >"$target/get-pods-wide.txt"
  k get pods -A >"$target/get-pods-A.txt"
  k describe pod "$pod" >"$target/describe-pod.txt"
  k get events >"$target/get-events.txt"
  k get events -o wide >"$target/get-events-wide.txt"
  k get events -A >"$target/get-events-A.txt"
  k events >"$target/events.txt"
  k events -A >"$target/events-A.txt"
  k get pod "$pod" -o yaml >"$target/get-pod.yaml"
  k get pod "$pod" -o json >"$target/get-pod.json"
  k get events -o yaml >"$target/get-events.yaml"
  k get events -o json >"$target/get-events.json"
  k events -o yaml >"$target/events.yaml"
  log "$name"
done
