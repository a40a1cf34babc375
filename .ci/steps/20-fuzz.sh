#!/bin/sh
# CI step: the libFuzzer harnesses of tests/fuzz (clang 14, AddressSanitizer and
# UndefinedBehaviorSanitizer, build dir build-fuzz). Each harness fuzzes for FUZZ_SECONDS
# (default 60) on a copy of its corpus (tests/fuzz/corpus/<name>/), then replays the committed
# corpus, which holds every input that ever crashed it. A crash fails the step and leaves the
# input in build-fuzz/artifacts/: commit it to the corpus with the fix.
set -eu
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
missing=""
for p in clang-14 libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "Installing missing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DAUDITLENS_FUZZ=ON -DAUDITLENS_BUILD_TESTS=OFF -DAUDITLENS_JEMALLOC=OFF $launcher
cmake --build build-fuzz -j"$(nproc)" --target fuzzers
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p build-fuzz/artifacts
status=0
for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    short=${name#fuzz_}
    bin=build-fuzz/tests/fuzz/$name
    committed=tests/fuzz/corpus/$short
    work=build-fuzz/corpus/$short
    rm -rf "$work"
    mkdir -p "$work"
    [ -d "$committed" ] && cp -R "$committed/." "$work/"
    echo "=== fuzz $name for ${seconds} s"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/artifacts/$short-" "$work" || status=1
    if [ -d "$committed" ]; then
        echo "=== replay the committed corpus of $name"
        "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 "$committed" || status=1
    fi
done
exit $status
