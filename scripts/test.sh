#!/usr/bin/env bash
# The README's second command and CI's (.ci/run). From a fresh clone, one phase after another:
#   install  the Debian packages in scripts/packages.txt that are missing
#   build    Release (build/): everything but the benchmarks (53 s of compiling; the README's
#            build, scripts/build.sh alone, makes them)
#   test     the whole suite in build/ (labels fast, slow, tsan)
#   fuzz     the three libFuzzer targets, FUZZ_SECONDS (default 10) each, JOBS at once (build-fuzz/)
#   tsan     the runner and GUI-controller tests (label tsan) under TSan (build-tsan/)
#   asan     the engine and CLI suite under ASan + UBSan (build-asan/, no GUI), all but the tests
#            labelled slow, which are not even built there (LOFTQ_SLOW_TESTS=OFF): the whole-model
#            checks (accuracy, pico-llama export and evaluation, evaluation through the CLI), which
#            the Release suite runs, and the long thread and process checks (determinism, CLI
#            safety), which the Release and TSan phases run
# A phase builds, then tests: no test shares the cores with a compiler. The whole of
# `scripts/sanitizers.sh` (GUI tests and large checks under ASan too) does not fit CI's 30 minutes
# on 2 cores; docs/trust.md gives the times of both.
set -euo pipefail
cd "$(dirname "$0")/.."
export JOBS=${JOBS:-2} FUZZ_SECONDS=${FUZZ_SECONDS:-10}

times=()
phase() {
    local name=$1 start=$SECONDS
    shift
    "$@"
    times+=("$(printf '  %-8s %5d s' "$name" $((SECONDS - start)))")
}

phase install scripts/install_packages.sh
phase build scripts/build.sh -DLOFTQ_BUILD_BENCH=OFF
phase test ctest --test-dir build --output-on-failure -j "$JOBS"
phase fuzz scripts/sanitizers.sh fuzz
phase tsan scripts/sanitizers.sh tsan
phase asan env CONFIGURE_ARGS="-DLOFTQ_BUILD_GUI=OFF -DLOFTQ_SLOW_TESTS=OFF" scripts/sanitizers.sh asan
printf '%s\n' "test.sh: all passed (seconds; fuzz, tsan, asan: build and tests)" "${times[@]}" \
    "$(printf '  %-8s %5d s' total "$SECONDS")"
