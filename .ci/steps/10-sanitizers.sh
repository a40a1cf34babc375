#!/bin/sh
# CI step: the whole CTest suite (and with it the Cloudflare corpus test) on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (g++, build dir build-asan). Any memory error
# or undefined behaviour fails the test it happens in. Leak checking is off: Qt and the test
# programs keep some objects until exit on purpose.
set -eu
cd "$(dirname "$0")/../.."
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# -O1 -g1: a quicker build with line numbers in the reports; asserts stay on
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_CXX_COMPILER=g++ -DAUDITLENS_SANITIZE=ON -DAUDITLENS_JEMALLOC=OFF $launcher
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 900
