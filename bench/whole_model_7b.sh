#!/usr/bin/env bash
# Issue 3's whole-model benchmark: a synthetic checkpoint with LLaMA-2-7B's exact shapes (bf16, two
# shards), quantized end to end by `loftq quantize` (read, LoftQ, export), against a baseline in the
# same run: the same command with no targets, which only reads and writes the same bytes. Prints
# the machine, wall time, peak resident memory and the ratio to the I/O-only baseline.
# With --eval, the export is then evaluated against the source by `loftq eval` on 2048 tokens
# (4 windows of 512; ids drawn uniformly from the vocabulary with a fixed seed: a synthetic model
# has no text), and that run's wall time and peak resident memory are printed too (issue 12's
# bound: 4 GB).
#   usage: bench/whole_model_7b.sh [BUILD_DIR] [--layers N] [--workdir DIR] [--eval] [loftq quantize options]
#   default: build/, 32 blocks, /tmp/loftq-7b, --bits 2 --rank 16 --iters 5 (the issue's settings).
#   Needs about 3 x 13.5 GB of free disk in the work folder at 32 blocks.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
layers=32
work=/tmp/loftq-7b
evaluate=false
args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --layers) layers=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    --eval) evaluate=true; shift ;;
    *) args+=("$1"); shift ;;
    esac
done
[ ${#args[@]} -eq 0 ] && args=(--bits 2 --rank 16 --iters 5)

bench=whole_model_7b.sh
source bench/synthetic_7b.sh

# Runs a loftq command under GNU time; prints "seconds peak_kib cpu_percent".
timed() {
    /usr/bin/time -f '%e %M %P' -o "$work/time.txt" "$loftq" "$@" > "$work/log.txt" 2>&1
    cat "$work/time.txt"
}
# Quantizes into `out`, kept only when `keep` is true (for --eval).
timed_quantize() {
    local out=$1 keep=$2; shift 2
    rm -rf "$out"
    timed quantize "$src" -o "$out" "$@"
    $keep || rm -rf "$out"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads," \
     "$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "inputs: $src ($(du -sh "$src" | cut -f1)), loftq quantize ${args[*]}"
# Read the source once so both runs start from the same page-cache state.
cat "$src"/*.safetensors > /dev/null
read -r io_s io_kib io_cpu < <(timed_quantize "$work/out-io" false --target '^$')
read -r run_s run_kib run_cpu < <(timed_quantize "$work/out" "$evaluate" "${args[@]}")
grep -v '^\[' "$work/log.txt" | tail -n 2
printf '%-48s %8s %8s %6s\n' "run" "wall_s" "peak_MB" "cpu"
printf '%-48s %8.1f %8d %6s\n' "baseline: read + write only (--target '^\$')" "$io_s" "$((io_kib / 1024))" "$io_cpu"
printf '%-48s %8.1f %8d %6s\n' "loftq quantize ${args[*]}" "$run_s" "$((run_kib / 1024))" "$run_cpu"
awk -v a="$run_s" -v b="$io_s" 'BEGIN { printf "ratio to the I/O-only baseline: %.2fx\n", a / b }'

if $evaluate; then
    vocab=$(grep -o '"vocab_size": *[0-9]*' "$src/config.json" | grep -o '[0-9]*$')
    awk -v n=2048 -v v="$vocab" 'BEGIN { srand(7); for (i = 0; i < n; ++i) printf "%d\n", int(rand() * v) }' > "$work/tokens.txt"
    read -r eval_s eval_kib eval_cpu < <(timed eval "$work/out" --compare "$src" --tokens "$work/tokens.txt" \
                                          --context 512 --max-tokens 2048)
    rm -rf "$work/out"
    grep -v '^\[' "$work/log.txt" | tail -n 6
    printf '%-48s %8.1f %8d %6s\n' "loftq eval OUT --compare SRC, 2048 tokens" "$eval_s" "$((eval_kib / 1024))" "$eval_cpu"
fi
