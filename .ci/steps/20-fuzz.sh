#!/bin/sh
# CI step: the libFuzzer harnesses of tests/fuzz, from the checked build the sanitizer step made
# (.ci/lib/checked-build.sh; built here when missing). Each harness fuzzes for FUZZ_SECONDS
# (default 60) on a copy of its corpus (tests/fuzz/corpus/<name>/), then replays the committed
# corpus, which holds every input that ever crashed it; as many harnesses at once as there are
# cores, each one's output printed when it ends. A crash fails the step and leaves the input in
# build-checked/fuzz/artifacts/: commit it to the corpus with the fix.
set -eu
cd "$(dirname "$0")/../.."
. .ci/lib/checked-build.sh
checked_build --target fuzzers
seconds="${FUZZ_SECONDS:-60}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
out="$checked_dir/fuzz"
rm -rf "$out"
mkdir -p "$out/artifacts" "$out/logs"
# fuzz_one NAME: fuzz, then replay; the log in $out/logs/NAME and, once it got to the end, its
# verdict in NAME.verdict: "ok" or what failed (no verdict: it did not end, a failure too)
fuzz_one() {
    name=$1
    short=${name#fuzz_}
    bin=$checked_dir/tests/fuzz/$name
    committed=tests/fuzz/corpus/$short
    work=$out/corpus/$short
    log=$out/logs/$name
    failed=""
    mkdir -p "$work"
    [ -d "$committed" ] && cp -R "$committed/." "$work/"
    {
        echo "=== fuzz $name for ${seconds} s"
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
            -artifact_prefix="$out/artifacts/$short-" "$work" || failed="$failed fuzzing"
        if [ -d "$committed" ]; then
            echo "=== replay the committed corpus of $name"
            "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 "$committed" || failed="$failed replay"
        fi
    } > "$log" 2>&1
    echo "${failed:-ok}" > "$log.verdict"
}
jobs=$(nproc)
running=""
for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    fuzz_one "$name" &
    running="$running $!"
    if [ "$(echo $running | wc -w)" -ge "$jobs" ]; then
        wait $running || true
        running=""
    fi
done
wait $running || true
status=0
for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    grep -v -E '^#[0-9]+[[:space:]]+(REDUCE|NEW|pulse)' "$out/logs/$name" 2>/dev/null || true
    verdict=$(cat "$out/logs/$name.verdict" 2>/dev/null || echo "did not end")
    if [ "$verdict" != ok ]; then
        echo "=== FAILED: $name ($verdict)"
        status=1
    fi
done
exit $status
