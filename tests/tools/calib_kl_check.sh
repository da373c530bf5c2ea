#!/bin/bash
# The KL figures of docs/calibration.md, on the GPU machine. Run from a folder holding: pico-llama/,
# calib.txt (docs/gui.md + docs/packed-format.md), eval.txt (docs/trust.md, budget.md, engine.md,
# quantizers.md), a built loftq, lib/libgomp.so.1, calib_reference_stats.py and shared verify_any.py.
# usage: calib_kl_check.sh OUT_DIR   (OUT_DIR/kl.txt: one verify_any.py JSON line per export)
set -x
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib:$LD_LIBRARY_PATH
O=$1; T=16
python3 calib_reference_stats.py pico-llama calib.txt stats.safetensors 512 > /dev/null 2>&1 || exit 3
Q="./loftq quantize pico-llama --threads $T --iters 5 --rank 16"
$Q -o w2 --bits 2 > $O/w2.txt 2>&1
for d in 0.001 0.01 0.1; do $Q -o o2-$d --bits 2 --calib stats.safetensors --damping $d > $O/o2-$d.txt 2>&1; done
./loftq plan pico-llama --budget 3bits -o pw.json --threads $T > $O/plans.txt 2>&1
./loftq plan pico-llama --budget 3bits -o po.json --threads $T --calib stats.safetensors >> $O/plans.txt 2>&1
$Q -o w3 --plan pw.json > $O/w3.txt 2>&1
$Q -o o3 --plan po.json --calib stats.safetensors > $O/o3.txt 2>&1
for e in w2 o2-0.001 o2-0.01 o2-0.1 w3 o3; do
  echo "$e $(python3 verify_any.py pico-llama $e eval.txt 2>/dev/null | tail -1)" >> $O/kl.txt
done
cat $O/kl.txt
