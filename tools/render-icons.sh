#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders the application icon's PNG sizes from its SVG (run after changing the SVG; the PNGs
# are committed so that the build needs no SVG renderer). Needs rsvg-convert (librsvg2-bin).
set -eu
cd "$(dirname "$0")/../resources/icons"
id=io.github.auditlens.auditlens
for s in 16 24 32 48 64 128 256; do
    mkdir -p "hicolor/${s}x${s}/apps"
    rsvg-convert -w "$s" -h "$s" "$id.svg" -o "hicolor/${s}x${s}/apps/$id.png"
done
