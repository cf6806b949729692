#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium and chromium-driver (and a font), unless present.
# Needs root (CI and these machines run as root); elsewhere run it with sudo or set DCAI_SKIP_BROWSER=1.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "${DCAI_SKIP_BROWSER:-}" = "1" ]; then
  echo "DCAI_SKIP_BROWSER=1: not installing chromium" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  SUDO="sudo"
fi
echo "installing chromium and chromium-driver (Debian packages) for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
chromium --version >&2
