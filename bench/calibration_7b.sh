#!/usr/bin/env bash
# Issue 13's cost target: collecting calibration statistics of a LLaMA-2-7B-shaped model on 2048
# tokens plus the output-aware run, against the weight-only run in the same invocation (target:
# at most 2x), on the synthetic checkpoint of whole_model_7b.sh (random bf16 weights: the same
# cost as real ones). Token ids are random (the synthetic model has no tokenizer; the forward
# pass costs the same for any ids). Prints the machine, each step's wall time and peak memory.
#   usage: bench/calibration_7b.sh [BUILD_DIR] [--layers N] [--threads T] [--workdir DIR]
#   default: build/, 32 blocks, 2 threads, /tmp/loftq-7b; --bits 2 --rank 16 --iters 5.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
layers=32
threads=2
work=/tmp/loftq-7b
while [ $# -gt 0 ]; do
    case "$1" in
    --layers) layers=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    *) echo "calibration_7b.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

bench=calibration_7b.sh
source bench/synthetic_7b.sh
tokens=$work/tokens-2048.json
python3 -c "import json, random; r = random.Random(13); print(json.dumps([r.randrange(32000) for _ in range(2048)]))" > "$tokens"

# Runs one loftq command; prints "seconds peak_kib" (python's rusage: GNU time may be missing).
timed() {
    python3 -c 'import resource, subprocess, sys, time
start = time.time()
rc = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT)
if rc:
    sys.exit(rc)
print("%.1f %d" % (time.time() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))' \
        "$work/log.txt" "$loftq" "$@" || { cat "$work/log.txt" >&2; exit 1; }
}

Q=(quantize "$src" --bits 2 --rank 16 --iters 5 --threads "$threads" --force)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "inputs: $src ($layers blocks), 2048 tokens in windows of 512, $threads threads"
cat "$src"/*.safetensors > /dev/null
rm -rf "$work/out-w" "$work/out-o" "$work/stats.safetensors"
read -r w_s w_kib < <(timed "${Q[@]}" -o "$work/out-w")
read -r c_s c_kib < <(timed calibrate "$src" --tokens "$tokens" --max-tokens 2048 --context 512 \
                            --threads "$threads" -o "$work/stats.safetensors")
read -r o_s o_kib < <(timed "${Q[@]}" -o "$work/out-o" --calib "$work/stats.safetensors")
stats_mb=$(($(stat -c %s "$work/stats.safetensors") / 1048576))
rm -rf "$work/out-w" "$work/out-o" "$work/stats.safetensors"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %8s %8s\n' "step" "wall_s" "peak_MB"
printf '%-52s %8.1f %8d\n' "weight-only: loftq quantize --bits 2 --rank 16 --iters 5" "$w_s" "$((w_kib / 1024))"
printf '%-52s %8.1f %8d\n' "loftq calibrate (2048 tokens; statistics ${stats_mb} MB)" "$c_s" "$((c_kib / 1024))"
printf '%-52s %8.1f %8d\n' "output-aware: the same quantize --calib" "$o_s" "$((o_kib / 1024))"
awk -v c="$c_s" -v o="$o_s" -v w="$w_s" \
    'BEGIN { printf "calibrate + output-aware against weight-only: %.2fx (target <= 2x)\n", (c + o) / w }'
