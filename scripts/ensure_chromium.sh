#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing (CHROMIUM_PATH overrides the
# path). The tests skip with this reason only if it truly cannot be installed.
set -uo pipefail
BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$BROWSER" ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "chromium is missing and installing it needs root: apt-get install chromium (browser tests will skip)" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and this system has no apt-get (browser tests will skip)" >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
if ! { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium; } >/tmp/segib-chromium-install.log 2>&1; then
  echo "Could not install chromium (see /tmp/segib-chromium-install.log); browser tests will skip" >&2
  tail -5 /tmp/segib-chromium-install.log >&2
fi
exit 0
