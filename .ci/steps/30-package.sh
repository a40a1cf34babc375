#!/bin/sh
# SPDX-License-Identifier: MIT
# Packaging: builds the Debian package from the build folder that .ci/run built, installs it
# as a user would (apt-get install ./auditlens_….deb), runs the installed programs on the
# installed samples, checks the man page and the desktop files, then removes the package.
# About 50 s on 2 busy cores (the build is already done; cpack about 20 s of it).
set -eu
export DEBIAN_FRONTEND=noninteractive
./tools/apt-install-missing.sh desktop-file-utils appstream man-db xvfb xauth dpkg-dev

id=io.github.auditlens.auditlens
desktop-file-validate resources/desktop/$id.desktop
appstreamcli validate --pedantic --no-net resources/desktop/$id.metainfo.xml

rm -f build/auditlens_*.deb
(cd build && cpack -G DEB > cpack.log) || { cat build/cpack.log; exit 1; }
deb=$(ls build/auditlens_*.deb)
dpkg-deb --field "$deb" Package Version Depends
tree=$(mktemp -d /tmp/auditlens-deb.XXXXXX)
dpkg-deb -x "$deb" "$tree"
appstreamcli validate-tree --pedantic --no-net "$tree" # metainfo, desktop entry and icon together
rm -rf "$tree"
if dpkg -s auditlens > /dev/null 2>&1; then apt-get remove -y -qq auditlens > /dev/null; fi # left by an interrupted run
apt-get install -y -qq "./$deb" > /dev/null
trap 'apt-get remove -y -qq auditlens > /dev/null' EXIT

cd /tmp
auditlens-cli --version
auditlens-cli stats /usr/share/auditlens/samples/cloudflare-audit-logs.ndjson | head -3
auditlens-cli normalize /usr/share/auditlens/samples/cloudflare-audit-logs.ndjson | wc -l
man -w auditlens-cli
man -w auditlens
# the menu entry's command line, on the installed samples, on a virtual X display
exec_line=$(sed -n 's/^Exec=//p' /usr/share/applications/$id.desktop | sed 's/ %[fFuU]//')
shot=$(mktemp /tmp/auditlens-shot.XXXXXX.png)
QT_LOGGING_RULES=auditlens.data.debug=true xvfb-run -a $exec_line --screenshot "$shot" 2> gui.err
grep -F "from /usr/share/auditlens/samples/" gui.err
test -s "$shot"
rm -f "$shot" gui.err
echo "package installed, run and removed"
