#!/bin/sh
# SPDX-License-Identifier: MIT
# Sourced by the sanitizer and fuzz steps: one checked build for both (build dir build-checked),
# so CI compiles the tree with sanitizers once, not once per step. clang 14, AddressSanitizer
# and UndefinedBehaviorSanitizer (any UB aborts), libFuzzer instrumentation (AUDITLENS_FUZZ: the
# harnesses of tests/fuzz are built here too); -O1 -g1 for a quicker build with line numbers in
# the reports, asserts on; the benchmark programs are left out (no test runs them). Installs
# clang 14 and its runtime when missing (idempotent).
# Usage: checked_build [cmake --build arguments, e.g. --target fuzzers]
checked_dir=build-checked
checked_build() {
    ./tools/apt-install-missing.sh clang-14 libclang-rt-14-dev
    launcher=""
    command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
    cmake -S . -B "$checked_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
        -DCMAKE_CXX_COMPILER=clang++-14 -DAUDITLENS_SANITIZE=ON -DAUDITLENS_FUZZ=ON -DAUDITLENS_BUILD_BENCH=OFF \
        -DAUDITLENS_JEMALLOC=OFF $launcher
    cmake --build "$checked_dir" -j"$(nproc)" "$@"
}
