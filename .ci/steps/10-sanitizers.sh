#!/bin/sh
# CI step: the whole CTest suite (and with it the Cloudflare corpus test) on the checked build
# (.ci/lib/checked-build.sh: clang 14, AddressSanitizer and UndefinedBehaviorSanitizer, build dir
# build-checked, shared with the fuzz step). Any memory error or undefined behaviour fails the
# test it happens in. Leak checking is off: Qt and the test programs keep some objects until
# exit on purpose.
set -eu
cd "$(dirname "$0")/../.."
. .ci/lib/checked-build.sh
checked_build
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$checked_dir" --output-on-failure -j"$(nproc)" --timeout 900
