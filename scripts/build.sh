#!/usr/bin/env bash
# Release build of everything (engine, CLI, GUI, tests, benchmarks) into build/. Ninja for a new
# build folder: it keeps both cores busy across targets, where make -j2 waits at each target's
# boundary (an existing folder keeps the generator it was made with). Arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
[ -f build/CMakeCache.txt ] || generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DLOFTQ_BUILD_BENCH=ON "$@"
cmake --build build -j2
