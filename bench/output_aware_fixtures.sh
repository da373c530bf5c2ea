#!/usr/bin/env bash
# Issue 13's 4-bit check: on every causal LM among the shared fixtures, output-aware LoftQ (--calib)
# against weight-only LoftQ, both at 4 bits, rank 16, 5 steps, measured by `loftq eval --compare`.
# Each fixture's token file is cut in two: the first half calibrates, the second half evaluates (the
# evaluation text is never the calibration text). Prints one line per fixture with both KLs.
#   usage: bench/output_aware_fixtures.sh [BUILD_DIR] [--shared DIR] [--threads T]
#   default: build/, ../shared, 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."

bench=output_aware_fixtures.sh
source bench/shared_model_args.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fixture, token file (tests/data/model), window
cases=(
    "llama-f16 fixture128.tokens.json 64"
    "llama-bf16-sharded fixture128.tokens.json 64"
    "qwen2-bf16 fixture128.tokens.json 64"
    "phi3-f32 fixture128.tokens.json 64"
    "gpt2-f32 fixture128-gpt2.tokens.json 32"
    "stories260K stories512.tokens.json 256"
)

# The mean KL of an export against its original, from `loftq eval --json`.
meanKl() {
    "$loftq" eval "$1" --compare "$2" --tokens "$3" --context "$4" --threads "$threads" --json |
        python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])["comparison"]["kl_mean"])'
}

"$loftq" --version
printf '%-20s %12s %12s %8s  %s\n' fixture kl_weight kl_output change verdict
worse=0
for c in "${cases[@]}"; do
    read -r name tokens context <<<"$c"
    model=$shared/fixtures/$name
    python3 - "tests/data/model/$tokens" "$work/calib.json" "$work/eval.json" <<'EOF'
import json, sys
ids = json.load(open(sys.argv[1]))
half = len(ids) // 2
json.dump(ids[:half], open(sys.argv[2], "w"))
json.dump(ids[half:], open(sys.argv[3], "w"))
EOF
    common=(--bits 4 --rank 16 --iters 5 --threads "$threads" --force)
    "$loftq" calibrate "$model" --tokens "$work/calib.json" --context "$context" -o "$work/stats.safetensors" \
        --threads "$threads" --force >/dev/null
    "$loftq" quantize "$model" -o "$work/weight" "${common[@]}" >/dev/null 2>&1
    "$loftq" quantize "$model" -o "$work/output" --calib "$work/stats.safetensors" "${common[@]}" >/dev/null 2>&1
    kw=$(meanKl "$work/weight" "$model" "$work/eval.json" "$context")
    ko=$(meanKl "$work/output" "$model" "$work/eval.json" "$context")
    verdict=$(python3 -c "import sys; w, o = float(sys.argv[1]), float(sys.argv[2]); print('%+7.1f%%  %s' % (100 * (o / w - 1), 'not worse' if o <= w else 'WORSE'))" "$kw" "$ko")
    [[ $verdict == *WORSE* ]] && worse=$((worse + 1))
    printf '%-20s %12.6g %12.6g %s\n' "$name" "$kw" "$ko" "$verdict"
done
echo "fixtures where output-aware is worse: $worse of ${#cases[@]}"
