#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages cover the programs' --help: every command that 'auditlens-cli --help' lists has
# a section (.SS COMMAND) in auditlens-cli.1, and every option that 'auditlens-cli COMMAND
# --help' prints appears in that section; every option 'auditlens --help' prints appears in
# auditlens.1. Prints each thing that is missing, and where.
# Usage: check_man_pages.sh AUDITLENS_CLI AUDITLENS MAN_DIR
set -u
cli=$1 gui=$2 mandir=$3
missing=0

# the page's text with troff's escapes for '-' and fonts removed
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"; }
# the options a help text prints (-x, --long-name), one a line
options() { grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }
# does standard input mention option $1 as a whole word?
mentions() { grep -qE -- "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|\$)"; }
lack() { echo "MISSING: $1"; missing=$((missing + 1)); }

clipage=$mandir/auditlens-cli.1
guipage=$mandir/auditlens.1
for page in "$clipage" "$guipage"; do
    [ -f "$page" ] || { echo "MISSING: the man page $page"; exit 1; }
done

top=$("$cli" --help) || { echo "'$cli --help' failed"; exit 1; }
for opt in $(printf '%s\n' "$top" | options); do
    plain "$clipage" | mentions "$opt" || lack "auditlens-cli.1 does not mention $opt (printed by 'auditlens-cli --help')"
done
commands=$(printf '%s\n' "$top" | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$commands" ] || { echo "'auditlens-cli --help' lists no command under 'Commands:'"; exit 1; }
for cmd in $commands; do
    section=$(plain "$clipage" | awk -v s=".SS $cmd" '/^\.S[HS] / { on = ($0 == s) } on')
    if [ -z "$section" ]; then
        lack "auditlens-cli.1 has no section '.SS $cmd' for the command $cmd (listed by 'auditlens-cli --help')"
        continue
    fi
    help=$("$cli" "$cmd" --help) || { lack "'auditlens-cli $cmd --help' failed, so its options cannot be checked"; continue; }
    for opt in $(printf '%s\n' "$help" | options); do
        case $opt in -h|--help) continue ;; esac # documented once under OPTIONS
        printf '%s\n' "$section" | mentions "$opt" ||
            lack "auditlens-cli.1 section '.SS $cmd' does not mention $opt (printed by 'auditlens-cli $cmd --help')"
    done
done

guihelp=$(QT_QPA_PLATFORM=offscreen "$gui" --help) || { echo "'$gui --help' failed"; exit 1; }
for opt in $(printf '%s\n' "$guihelp" | options); do
    plain "$guipage" | mentions "$opt" || lack "auditlens.1 does not mention $opt (printed by 'auditlens --help')"
done

if [ "$missing" -gt 0 ]; then
    echo "$missing item(s) missing from the man pages in resources/man/: add them"
    exit 1
fi
echo "the man pages cover every command and option of 'auditlens-cli --help' and 'auditlens --help'"
