#!/usr/bin/env bash
# Installs Debian's PostgreSQL and Redis servers when missing: the production-profile tests
# (tests/production/) start private instances of both on loopback. Nothing is started or enabled here.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing ${missing[*]} (apt-get)..."
$SUDO apt-get update -qq
# policy-rc.d-like guard: do not start the packaged services, the tests run their own instances.
RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
