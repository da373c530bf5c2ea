#!/usr/bin/env bash
# Issue 13's budget target: pico-llama under a 3-bit budget, planned and quantized on weight error
# and on output error, with the fixed rank 16 and with rank choices 8, 16, 32 (all at the same
# budget), each export measured by `loftq eval --compare` on the Apache-2.0 text. The statistics
# come from the GPL-2 text (the evaluation text is never the calibration text).
#   usage: bench/output_aware_budget.sh [BUILD_DIR] [--shared DIR] [--threads T]
#   default: build/, ../shared, 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=output_aware_budget.sh
source bench/shared_model_args.sh
model=$shared/models/pico-llama
texts=tests/data/model
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$loftq" --version
"$loftq" calibrate "$model" --text "$texts/gpl-2.txt" -o "$work/stats.safetensors" --threads "$threads" >/dev/null
stats=(--calib "$work/stats.safetensors")

# plan on (weight|output), ranks (fixed|choices), quantize on (weight|output)
# The first row (weight, fixed, weight: plain LoftQ under a plain budget plan) is the baseline.
printf '%-8s %-8s %-10s %10s %9s  %s\n' plan ranks quantize kl_mean vs_first planned
baseline=
for plan in weight output; do
    for ranks in fixed choices; do
        planArgs=(--budget 3bits --threads "$threads" --force)
        [ "$plan" = output ] && planArgs+=("${stats[@]}")
        [ "$ranks" = choices ] && planArgs+=(--rank-choices 8,16,32)
        "$loftq" plan "$model" -o "$work/plan.json" "${planArgs[@]}" >"$work/plan.txt"
        planned=$(grep '^planned' "$work/plan.txt" | sed 's/^planned *//')
        for quantize in weight output; do
            quantizeArgs=(--plan "$work/plan.json" --threads "$threads" --force)
            [ "$quantize" = output ] && quantizeArgs+=("${stats[@]}")
            "$loftq" quantize "$model" -o "$work/out" "${quantizeArgs[@]}" >/dev/null 2>&1
            kl=$("$loftq" eval "$work/out" --compare "$model" --text "$texts/apache-2.0.txt" --threads "$threads" --json |
                python3 -c 'import json, sys; print("%.5f" % json.loads(sys.stdin.read().splitlines()[-1])["comparison"]["kl_mean"])')
            baseline=${baseline:-$kl}
            change=$(python3 -c "import sys; print('%+.1f%%' % (100 * (float(sys.argv[1]) / float(sys.argv[2]) - 1)))" "$kl" "$baseline")
            printf '%-8s %-8s %-10s %10s %9s  %s\n' "$plan" "$ranks" "$quantize" "$kl" "$change" "$planned"
        done
    done
done
