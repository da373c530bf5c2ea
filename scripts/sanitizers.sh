#!/usr/bin/env bash
# The sanitizer and fuzz jobs (docs/trust.md). Builds the presets and runs:
#   asan  the whole ctest suite under ASan + UBSan (gcc)            build-asan/
#   tsan  the tests labelled `tsan` (runner, determinism, GUI
#         controllers) under TSan (clang + LLVM OpenMP + archer)     build-tsan/
#   fuzz  each libFuzzer target for FUZZ_SECONDS (clang)            build-fuzz/
# Exits non-zero on any failing test, sanitizer report or fuzz crash.
#   usage: scripts/sanitizers.sh [asan] [tsan] [fuzz]      (no argument: all three)
#   env:   JOBS (build jobs, default nproc), FUZZ_SECONDS (default 45),
#          CTEST_ARGS (extra ctest arguments, e.g. "-LE slow")
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
read -r -a ctest_args <<< "${CTEST_ARGS:-}"
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(asan tsan fuzz)

stamp() { date +%s; }
report=()
for step in "${steps[@]}"; do
    t0=$(stamp)
    case "$step" in
    asan)
        cmake --preset asan
        cmake --build --preset asan -j "$JOBS"
        t1=$(stamp)
        ctest --preset asan "${ctest_args[@]}"
        ;;
    tsan)
        cmake --preset tsan
        cmake --build --preset tsan -j "$JOBS"
        t1=$(stamp)
        ctest --preset tsan "${ctest_args[@]}"
        ;;
    fuzz)
        cmake --preset fuzz -DLOFTQ_FUZZ_SECONDS="$FUZZ_SECONDS"
        cmake --build --preset fuzz -j "$JOBS"
        t1=$(stamp)
        ctest --preset fuzz "${ctest_args[@]}"
        ;;
    *)
        echo "sanitizers.sh: unknown step '$step' (asan, tsan or fuzz)" >&2
        exit 2
        ;;
    esac
    t2=$(stamp)
    report+=("$step: build $((t1 - t0)) s, tests $((t2 - t1)) s")
done
printf '%s\n' "sanitizers.sh: all passed" "${report[@]}"
