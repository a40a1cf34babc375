#!/bin/sh
# AddressSanitizer on the intake taxonomy loader (issue 10: a stack-use-after-scope fired on every
# normalize/validate). Builds tests/asan/taxonomy_asan.cpp with taxonomy.cpp and yamlguard.cpp
# only: about 10 s on 2 cores. ASan aborts with a report on any use after scope.
set -eu
out=build-asan-intake
mkdir -p "$out"
# shellcheck disable=SC2046
c++ -std=c++20 -O1 -g -fsanitize=address -fno-omit-frame-pointer -Icore -Icore/intake $(pkg-config --cflags Qt6Core) -fPIC \
    tests/asan/taxonomy_asan.cpp core/intake/taxonomy.cpp core/intake/yamlguard.cpp \
    $(pkg-config --libs Qt6Core) -lyaml-cpp -o "$out/taxonomy_asan"
ASAN_OPTIONS=detect_stack_use_after_return=1 "$out/taxonomy_asan"
