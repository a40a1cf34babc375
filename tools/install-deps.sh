#!/bin/sh
# Installs the Debian 12 packages Auditlens needs to build, test and run.
# Idempotent: only packages that are missing are installed.
set -eu
PKGS="build-essential cmake pkg-config qt6-base-dev qt6-httpserver-dev qt6-websockets-dev \
qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libgl-dev qt6-qpa-plugins libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev \
libpsl-dev publicsuffix uap-core zlib1g-dev libjemalloc-dev qtkeychain-qt6-dev xvfb xauth python3"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "Installing missing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# Test tool only (never shipped): the OpenAPI mock server the Logpush client tests talk to.
here="$(cd "$(dirname "$0")" && pwd)"
if command -v npm >/dev/null 2>&1 && [ ! -x "$here/mock/node_modules/.bin/prism" ]; then
    echo "Installing the OpenAPI mock server for the tests (npm, tools/mock)"
    (cd "$here/mock" && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: the mock server could not be installed; tst_logpush_mock will skip"
fi
