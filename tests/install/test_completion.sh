#!/bin/bash
# SPDX-License-Identifier: MIT
# The bash completion of auditlens-cli completes commands, each command's options (read from
# its --help) and the logpush words. Usage: test_completion.sh COMPLETION_FILE CLI_DIR
set -u
. "$1"
PATH=$2:$PATH
failed=0
expect() { # expect WORD COMP_WORDS...
    local want=$1; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _auditlens_cli
    if printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- "$want"; then
        echo "ok: '${COMP_WORDS[*]}' offers $want"
    else
        echo "FAIL: '${COMP_WORDS[*]}' offers [${COMPREPLY[*]}], not $want"; failed=1
    fi
}
expect normalize auditlens-cli nor
expect test-intake auditlens-cli test
expect --explain auditlens-cli normalize --ex
expect --errors-only auditlens-cli validate --err
expect --journal auditlens-cli receive --jo
expect --intake-key-file auditlens-cli logpush jobs create --intake-key-f
expect jobs auditlens-cli logpush j
expect delete auditlens-cli logpush jobs de
expect rfc3339ms auditlens-cli logpush jobs create --timestamps rfc3339m
exit $failed
