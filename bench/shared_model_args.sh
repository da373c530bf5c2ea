# Sourced by the benchmarks that run the CLI on the shared models and fixtures
# (output_aware_budget.sh, output_aware_fixtures.sh): parses [BUILD_DIR] [--shared DIR] [--threads T]
# (defaults build/, ../shared, 2) and checks the build has loftq. Reads bench (the calling script's
# name, for messages); sets build, shared, threads and loftq.
build=build
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
shared=../shared
threads=2
while [ $# -gt 0 ]; do
    case "$1" in
    --shared) shared=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "$bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
loftq=$build/bin/loftq
[ -x "$loftq" ] || { echo "$bench: $loftq is missing (build the loftq target)" >&2; exit 2; }
