#!/usr/bin/env bash
# The sanitizer and fuzz jobs (docs/trust.md). Builds the presets and runs:
#   asan  the whole ctest suite under ASan + UBSan (clang)          build-asan/
#   tsan  the tests labelled `tsan` (runner, determinism, GUI
#         controllers) under TSan (clang + LLVM OpenMP + archer);
#         builds only those tests                                   build-tsan/
#   fuzz  each libFuzzer target for FUZZ_SECONDS (clang), JOBS at once build-fuzz/
# Exits non-zero on any failing test, sanitizer report or fuzz crash.
#   usage: scripts/sanitizers.sh [asan] [tsan] [fuzz]      (no argument: all three)
#   env:   JOBS (build jobs and ctest -j, default nproc), FUZZ_SECONDS (default 45),
#          CONFIGURE_ARGS (extra cmake arguments, e.g. "-DLOFTQ_BUILD_GUI=OFF"),
#          CTEST_ARGS (extra ctest arguments, e.g. "-LE slow")
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
read -r -a configure_args <<< "${CONFIGURE_ARGS:-}"
read -r -a ctest_args <<< "${CTEST_ARGS:-}"
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(asan tsan fuzz)

stamp() { date +%s; }
report=()
for step in "${steps[@]}"; do
    case "$step" in
    asan | tsan) extra=() ;;
    fuzz) extra=(-DLOFTQ_FUZZ_SECONDS="$FUZZ_SECONDS") ;;
    *)
        echo "sanitizers.sh: unknown step '$step' (asan, tsan or fuzz)" >&2
        exit 2
        ;;
    esac
    t0=$(stamp)
    cmake --preset "$step" -DLOFTQ_SLOW_TESTS=ON "${extra[@]}" "${configure_args[@]}"
    cmake --build --preset "$step" -j "$JOBS"
    t1=$(stamp)
    ctest --preset "$step" -j "$JOBS" "${ctest_args[@]}"
    t2=$(stamp)
    report+=("$step: build $((t1 - t0)) s, tests $((t2 - t1)) s")
done
printf '%s\n' "sanitizers.sh: all passed" "${report[@]}"
