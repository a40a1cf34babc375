#!/bin/sh
# Installs the Debian 12 packages Auditlens needs to build, test and run.
# Idempotent: only packages that are missing are installed.
set -eu
PKGS="build-essential cmake pkg-config qt6-base-dev qt6-httpserver-dev qt6-websockets-dev \
qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libgl-dev qt6-qpa-plugins libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev \
libpsl-dev publicsuffix uap-core zlib1g-dev xvfb xauth"
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
