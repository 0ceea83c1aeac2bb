#!/usr/bin/env bash
# Installs what the real-registry tests run (issue 20, tests/registry/README.md), into TOOLS_DIR
# where it can. Idempotent: a second run reuses what is there. Needs root (as in CI) only when it
# installs a Debian package.
#   - docker-registry (distribution 2.8) from Debian's package, unpacked with `apt-get download` +
#     `dpkg -x` into TOOLS_DIR: never installed, so its service (which listens on every interface)
#     never starts. The tests start it themselves on 127.0.0.1.
#   - skopeo (Debian), installed with apt-get: it does not run from an unpacked package (it links
#     libgpgme, which is not on a fresh machine). The package ships no service.
#   - htpasswd (Debian apache2-utils), for the bcrypt lines distribution's htpasswd auth requires
#     (openssl cannot make bcrypt hashes). No service either.
#   - openssl, for the test CA, the TLS and token-signing keys and the token signatures.
#   - tinyproxy (Debian tinyproxy-bin), unpacked like docker-registry: the HTTPS proxy the
#     proxy tests start on 127.0.0.1 (the package's service never starts).
# Prints KEY=VALUE lines on stdout for scripts/test.sh; progress goes to stderr.
#   PULLCHECK_REGISTRY  the docker-registry executable
#   PULLCHECK_SKOPEO    the skopeo executable
#   PULLCHECK_HTPASSWD  the htpasswd executable
#   PULLCHECK_OPENSSL   the openssl executable
#   PULLCHECK_TINYPROXY the tinyproxy executable
#   PULLCHECK_CURL      curl, when present (the tests use it if it is there)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 TOOLS_DIR" >&2
  exit 2
fi
mkdir -p "$1"
tools="$(cd "$1" && pwd)"

# Pinned: a new registry or skopeo is a reviewed change, not a surprise in CI (Debian 12 versions).
REGISTRY_VERSION=2.8.2+ds1-1
TINYPROXY_VERSION=1.11.1-2.1+deb12u1
SKOPEO_VERSION=1.9.3+ds1-1+b10

log() { echo "install-registry: $*" >&2; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=""
apt_update_once() {
  if [ -z "$updated" ]; then
    log "apt-get update"
    $sudo apt-get update -qq >&2
    updated=1
  fi
}
# The version apt would install now, or nothing.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
# apt-get install with no recommends and, for the time it runs, no service start-up (a
# policy-rc.d that refuses every start, unless the machine already has one).
apt_install() {
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  local rc=0 aptlog="$tools/apt-install.log"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" \
    >"$aptlog" 2>&1 || rc=$?
  [ -z "$guard" ] || $sudo rm -f /usr/sbin/policy-rc.d
  if [ $rc -ne 0 ]; then
    tail -n 30 "$aptlog" >&2
    log "apt-get install $* failed (the whole log: $aptlog)"
  fi
  return $rc
}

# --- docker-registry and tinyproxy, unpacked ----------------------------------------------------
# unpack PACKAGE VERSION DIR PROGRAM: the program alone, from the package downloaded and unpacked
# (never installed: its service files and default config stay out), into DIR/PROGRAM.
unpack() {
  local package=$1 version=$2 dir=$3 program=$4
  local stamp="$dir/.installed-$version"
  if [ -f "$stamp" ] && [ -x "$dir/$program" ]; then
    return 0
  fi
  local start=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir/deb"
  if ! apt-cache show "$package=$version" >/dev/null 2>&1; then
    apt_update_once
  fi
  log "apt-get download $package=$version"
  # (as root: apt's _apt user cannot write into TOOLS_DIR)
  (cd "$dir/deb" && apt-get download -qq -o APT::Sandbox::User=root "$package=$version" >&2)
  dpkg -x "$dir"/deb/"$package"_*.deb "$dir/root"
  mv "$dir/root/usr/bin/$program" "$dir/$program"
  rm -rf "$dir/deb" "$dir/root"
  touch "$stamp"
  log "$package $version unpacked in $((SECONDS - start))s"
}
registry="$tools/registry/docker-registry"
unpack docker-registry "$REGISTRY_VERSION" "$tools/registry" docker-registry
"$registry" --version >/dev/null || { log "docker-registry does not run here: $registry"; exit 1; }
tinyproxy="$tools/tinyproxy/tinyproxy"
unpack tinyproxy-bin "$TINYPROXY_VERSION" "$tools/tinyproxy" tinyproxy
"$tinyproxy" -v >/dev/null || { log "tinyproxy does not run here: $tinyproxy"; exit 1; }

# --- skopeo, htpasswd, openssl from Debian ---------------------------------------------------
packages=()
have_skopeo="$(dpkg-query -W -f='${Version}' skopeo 2>/dev/null || true)"
if [ "$have_skopeo" != "$SKOPEO_VERSION" ]; then
  packages+=("skopeo=$SKOPEO_VERSION")
fi
command -v htpasswd >/dev/null 2>&1 || packages+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
if [ ${#packages[@]} -gt 0 ]; then
  start=$SECONDS
  if [ -z "$(candidate skopeo)" ] || [ -z "$(candidate apache2-utils)" ] ||
    ! apt-cache show "skopeo=$SKOPEO_VERSION" >/dev/null 2>&1; then
    apt_update_once
  fi
  log "apt-get install ${packages[*]}"
  apt_install "${packages[@]}"
  log "installed in $((SECONDS - start))s"
fi
skopeo="$(command -v skopeo)"
htpasswd="$(command -v htpasswd)"
openssl="$(command -v openssl)"
"$skopeo" --version >/dev/null || { log "skopeo does not run here: $skopeo"; exit 1; }
"$htpasswd" -nbB probe probe >/dev/null || { log "htpasswd cannot make bcrypt lines: $htpasswd"; exit 1; }
"$openssl" version >/dev/null || { log "openssl does not run here: $openssl"; exit 1; }

echo "PULLCHECK_REGISTRY=$registry"
echo "PULLCHECK_SKOPEO=$skopeo"
echo "PULLCHECK_HTPASSWD=$htpasswd"
echo "PULLCHECK_OPENSSL=$openssl"
echo "PULLCHECK_TINYPROXY=$tinyproxy"
if command -v curl >/dev/null 2>&1; then
  echo "PULLCHECK_CURL=$(command -v curl)"
fi
