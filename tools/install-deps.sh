#!/bin/sh
# Installs the Debian 12 packages Auditlens needs to build, test and run.
# Idempotent: only packages that are missing are installed.
set -eu
PKGS="build-essential cmake pkg-config qt6-base-dev qt6-httpserver-dev qt6-websockets-dev \
qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libgl-dev qt6-qpa-plugins libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev \
libpsl-dev publicsuffix uap-core zlib1g-dev libjemalloc-dev qtkeychain-qt6-dev xvfb xauth python3"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck disable=SC2086 # one argument per package
"$here/apt-install-missing.sh" $PKGS

# Test tool only (never shipped): the OpenAPI mock server the Logpush client tests talk to.
if command -v npm >/dev/null 2>&1 && [ ! -x "$here/mock/node_modules/.bin/prism" ]; then
    echo "Installing the OpenAPI mock server for the tests (npm, tools/mock)"
    (cd "$here/mock" && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: the mock server could not be installed; tst_logpush_mock will skip"
fi
