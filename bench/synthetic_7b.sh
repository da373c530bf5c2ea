# Sourced by the LLaMA-2-7B-shaped benchmarks (whole_model_7b.sh, calibration_7b.sh): checks the
# build has loftq and make_synthetic_checkpoint, and writes the synthetic checkpoint of `layers`
# blocks into $work/src-$layers once (13.5 GB of bf16 at 32 blocks). Reads build, layers, work and
# bench (the calling script's name, for messages); sets loftq and src.
loftq=$build/bin/loftq
make=$build/bin/make_synthetic_checkpoint
for exe in "$loftq" "$make"; do
    [ -x "$exe" ] || { echo "$bench: $exe is missing (build first: scripts/build.sh)" >&2; exit 2; }
done
src=$work/src-$layers
mkdir -p "$work"
if [ ! -f "$src/model.safetensors.index.json" ]; then
    echo "writing the synthetic checkpoint ($layers blocks) to $src"
    "$make" "$src" --layers "$layers"
fi
