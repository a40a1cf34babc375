#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the build into a temporary prefix and runs the installed programs from outside the
# source and build trees: they must read their built-in parser, taxonomy and samples from
# PREFIX/share/auditlens (found from the executable's folder), also after the prefix moved.
# Usage: test_install.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/auditlens-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/first" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
mv "$tmp/first" "$tmp/prefix" # relocated: nothing may depend on the prefix it was installed to
p=$tmp/prefix
cd "$tmp"

id=io.github.auditlens.auditlens
for f in bin/auditlens bin/auditlens-cli \
         share/auditlens/parsers/cloudflare-audit-logs/ingest/parser.yml \
         share/auditlens/parsers/cloudflare-audit-logs/_meta/fields.yml \
         share/auditlens/taxonomy/ecs_fields.tsv share/auditlens/taxonomy/sekoia_fields.tsv \
         share/auditlens/samples/cloudflare-audit-logs.ndjson \
         share/applications/$id.desktop share/metainfo/$id.metainfo.xml share/mime/packages/$id.xml \
         share/icons/hicolor/scalable/apps/$id.svg share/icons/hicolor/48x48/apps/$id.png \
         share/man/man1/auditlens.1.gz share/man/man1/auditlens-cli.1.gz \
         share/bash-completion/completions/auditlens-cli share/doc/auditlens/copyright; do
    [ -f "$p/$f" ] || fail "not installed: $f"
done
echo "installed into a temporary prefix (then moved): $p"

export QT_LOGGING_RULES="auditlens.data.debug=true"
data=$p/share/auditlens
samples=$data/samples/cloudflare-audit-logs.ndjson

# the CLI on the installed samples, with the installed parser and taxonomy
records=$(grep -c . "$samples") # NDJSON: one record a line
"$p/bin/auditlens-cli" stats "$samples" > stats.txt 2> stats.err || { cat stats.err; fail "installed auditlens-cli stats"; }
grep -qE "^records: +$records\$" stats.txt || { cat stats.txt; fail "stats of the installed samples: expected $records records"; }
"$p/bin/auditlens-cli" validate "$samples" > validate.txt 2> validate.err || { cat validate.err; fail "installed auditlens-cli validate"; }
grep -qF "taxonomy/ecs_fields.tsv from $data/taxonomy/ecs_fields.tsv" validate.err || { cat validate.err; fail "the installed taxonomy was not read"; }
"$p/bin/auditlens-cli" normalize "$samples" > normalized.ndjson 2> normalize.err || { cat normalize.err; fail "installed auditlens-cli normalize"; }
grep -qF "from $data/parsers/cloudflare-audit-logs/ingest/parser.yml" normalize.err || { cat normalize.err; fail "the installed parser was not read"; }
[ "$(wc -l < normalized.ndjson)" -eq "$records" ] || fail "normalize: expected $records ECS records, got $(wc -l < normalized.ndjson)"
echo "installed auditlens-cli: stats, validate and normalize on the installed samples read $data"

# what is read is the installed copy: a changed installed parser changes the output ...
sed -i 's/observer.vendor: Cloudflare/observer.vendor: InstalledCopy/' "$data/parsers/cloudflare-audit-logs/ingest/parser.yml"
head -1 "$samples" | "$p/bin/auditlens-cli" normalize 2> /dev/null | grep -q '"vendor":"InstalledCopy"' ||
    fail "normalize did not use the installed parser"
# ... and a broken one is reported, the embedded copy is used, nothing crashes
printf 'pipeline: [\n' > "$data/parsers/cloudflare-audit-logs/ingest/parser.yml"
head -1 "$samples" | "$p/bin/auditlens-cli" normalize > broken.ndjson 2> broken.err || { cat broken.err; fail "a broken installed parser made normalize fail"; }
grep -q 'installed built-in parser does not load' broken.err || { cat broken.err; fail "a broken installed parser was not reported"; }
grep -q '"vendor":"Cloudflare"' broken.ndjson || fail "the embedded parser was not used after the installed one failed"
echo "installed parser changed: its change shows; broken: reported, the embedded copy is used"

# the GUI opens the installed samples and renders offscreen
head -3 "$samples" > three.ndjson && cp three.ndjson "$samples"
QT_QPA_PLATFORM=offscreen "$p/bin/auditlens" --screenshot "$tmp/shot.png" > gui.out 2> gui.err || { cat gui.out gui.err; fail "installed auditlens --screenshot"; }
grep -qF "samples/cloudflare-audit-logs.ndjson from $samples" gui.err || { cat gui.err; fail "the GUI did not open the installed samples"; }
[ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "no PNG screenshot written"
echo "installed auditlens --screenshot (offscreen) opened $samples"
echo "install test passed"
