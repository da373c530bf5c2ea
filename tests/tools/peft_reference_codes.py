#!/usr/bin/python3
"""Checks our quantizer's codes against LoftQ's reference quantizer, NFQuantizer, on real weights.

NFQuantizer is the LoftQ authors' code (github.com/yxli2123/LoftQ utils.py) as PEFT shipped it in
peft/utils/loftq_utils.py until PEFT 0.20 removed it. It is not ours to copy into this tree: the
reference step loads it from a file given on the command line (PEFT < 0.20's loftq_utils.py, or a
file holding just its NFQuantizer class).

usage:
  peft_reference_codes.py reference MODEL OUT_DIR LOFTQ_UTILS.py [SETTING...]   (torch, scipy)
  peft_reference_codes.py compare MODEL PACKED_ROOT REF_DIR [SETTING...]        (numpy only)
SETTING: nf2 ... nf8, uniform2 ... uniform8 (default: all eight).

reference: for every 2-D floating tensor of MODEL (a .safetensors file or a model folder) whose
element count divides by 64, and each setting, runs NFQuantizer's own code and writes
OUT_DIR/<setting>.<part>.npz (parts of at most PART_ELEMENTS elements, so each file stays small
enough to copy back from a GPU machine) with each tensor's codes (uint8) and block scales
(float32). For 2, 4 and 8 bits the codes come from NFQuantizer.quantize_block itself (its packing
undone); for 3 bits, which its packing cannot hold (8 % 3 != 0), from the same steps written out:
scale per block of 64, x / scale, argmin of the distance to the table.
compare: PACKED_ROOT/<setting>/model.loftq are `loftq quantize MODEL --iters 1 --format packed`
exports (one step: the codes are those of W itself). Every layer must be in the reference; nf
scales must be equal bit for bit, uniform scales within UNIFORM_SCALE_ULPS (docs/quantizers.md: their
last bit depends on how mean and std are summed). Codes must be equal, except where the
difference is explained and counted: `tie` where x / scale is exactly the float32 midpoint of the
two table entries (docs/algorithm.md gives the lower code; torch.argmin compares two distances rounded
to float32, which may pick either), `scale` in a uniform block whose scale differs in its last
bits. Blocks whose reference scale is 0, negative or not finite are left out and counted
(docs/algorithm.md: they dequantize to 0; the reference divides by them). Prints one JSON line per
setting; exit 1 on any unexplained difference.
"""
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import st  # noqa: E402
from decode_lowbit import unpack_codes  # noqa: E402  (our packed stream, docs/packed-format.md)

BLOCK = 64
SETTINGS = {f"{method}{bits}": (method, bits) for method in ("nf", "uniform") for bits in (2, 3, 4, 8)}
UNIFORM_SCALE_ULPS = 2
PART_ELEMENTS = 10_000_000


def reference_codes(quantizer, weight, bits):
    """Codes and scales of one tensor by PEFT's NFQuantizer."""
    import torch

    if 8 % bits == 0:
        packed, scales, _ = quantizer.quantize_block(weight)
        packed = packed.flatten().to(torch.int64)
        per_byte = 8 // bits
        # quantize_block puts code i of each group of 8 / bits at bits [i * bits, (i + 1) * bits).
        codes = torch.stack([(packed >> (i * bits)) & ((1 << bits) - 1) for i in range(per_byte)], dim=1)
        return codes.flatten().to(torch.uint8).numpy(), scales.flatten().numpy()
    blocks = weight.flatten().reshape(-1, quantizer.block_size)
    if quantizer.method == "normal":
        scales = blocks.abs().max(dim=-1)[0]
    else:
        scales = blocks.mean(dim=-1) + 2.5 * blocks.std(dim=-1)
    normed = (blocks / scales.unsqueeze(-1)).unsqueeze(-1)
    codes = torch.argmin(torch.abs(normed - quantizer.norm_lookup_table.reshape(1, -1)), dim=-1)
    return codes.flatten().to(torch.uint8).numpy(), scales.numpy()


def load_nf_quantizer(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("reference_loftq_utils", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NFQuantizer


def make_reference(model, out_dir, loftq_utils, settings):
    import torch

    NFQuantizer = load_nf_quantizer(loftq_utils)
    tensors = st.read(model)
    names = [n for n, (dtype, shape, _) in sorted(tensors.items())
             if len(shape) == 2 and dtype in ("F32", "F16", "BF16") and shape[0] * shape[1] % BLOCK == 0]
    os.makedirs(out_dir, exist_ok=True)
    for setting in settings:
        method, bits = SETTINGS[setting]
        quantizer = NFQuantizer(num_bits=bits, device="cpu", method="normal" if method == "nf" else "uniform",
                                block_size=BLOCK)
        parts, part, elements = 0, {}, 0
        for name in names:
            weight = torch.from_numpy(np.ascontiguousarray(st.to_array(tensors[name]), dtype=np.float32))
            if part and elements + weight.numel() > PART_ELEMENTS:
                np.savez_compressed(os.path.join(out_dir, f"{setting}.{parts}.npz"), **part)
                parts, part, elements = parts + 1, {}, 0
            codes, scales = reference_codes(quantizer, weight, bits)
            part[name + "|codes"], part[name + "|scales"] = codes, scales.astype(np.float32)
            elements += weight.numel()
        np.savez_compressed(os.path.join(out_dir, f"{setting}.{parts}.npz"), **part)
        print(f"{setting}: {len(names)} tensors in {parts + 1} part(s)", flush=True)


def load_reference(ref_dir, setting):
    reference = {}
    for path in sorted(glob.glob(os.path.join(ref_dir, f"{setting}.*.npz"))):
        with np.load(path) as part:
            reference.update({key: part[key] for key in part.files})
    if not reference:
        raise FileNotFoundError(f"{ref_dir}: no {setting}.*.npz")
    return reference


def ulps_apart(a, b):
    """Distance in float32 units in the last place, for positive finite a and b."""
    return np.abs(a.astype(np.float32).view(np.int32).astype(np.int64) - b.astype(np.float32).view(np.int32))


def compare_layer(weights, table, ours, our_scales, theirs, their_scales, method, summary):
    usable = np.isfinite(their_scales) & (their_scales > 0)
    summary["blocks_left_out"] += int((~usable).sum())
    apart = ulps_apart(our_scales[usable], their_scales[usable])
    allowed = 0 if method == "nf" else UNIFORM_SCALE_ULPS
    summary["scales_differing"] += int((apart > 0).sum())
    summary["scales_beyond_tolerance"] += int((apart > allowed).sum())
    summary["max_scale_ulps"] = max(summary["max_scale_ulps"], int(apart.max(initial=0)))
    same_scale = np.zeros_like(usable)
    same_scale[usable] = apart == 0
    for block, i in np.argwhere((ours != theirs) & usable[:, None]):
        low, high = sorted((int(ours[block, i]), int(theirs[block, i])))
        x = np.float32(weights[block, i]) / np.float32(their_scales[block])
        midpoint = (table[low] + table[high]) / np.float32(2)
        if high == low + 1 and x == midpoint:
            summary["codes_tie"] += 1
        elif high == low + 1 and method == "uniform" and not same_scale[block]:
            summary["codes_scale"] += 1
        else:
            summary["codes_unexplained"] += 1


def compare_setting(model_tensors, packed_path, reference, method, bits):
    tensors, meta = st.read_file(packed_path)
    layout = json.loads(meta["loftq.layout"])
    summary = {"layers": 0, "elements": 0, "codes_unexplained": 0, "codes_tie": 0, "codes_scale": 0,
               "scales_differing": 0, "scales_beyond_tolerance": 0, "max_scale_ulps": 0, "blocks_left_out": 0,
               "missing": []}
    for name, layer in sorted(layout["layers"].items()):
        if name + "|codes" not in reference or layer["bits"] != bits or layer["block_size"] != BLOCK:
            summary["missing"].append(name)
            continue
        count = layer["shape"][0] * layer["shape"][1]
        ours = unpack_codes(np.frombuffer(tensors[layer["codes"]][2], np.uint8), bits, count).reshape(-1, BLOCK)
        table = st.to_array(tensors[layer["codebook"]])
        weights = st.to_array(model_tensors[name]).reshape(-1, BLOCK)
        compare_layer(weights, table, ours, st.to_array(tensors[layer["scales"]]),
                      reference[name + "|codes"].reshape(-1, BLOCK), reference[name + "|scales"], method, summary)
        summary["layers"] += 1
        summary["elements"] += count
    return summary


def compare(model, packed_root, ref_dir, settings):
    model_tensors = st.read(model)
    failed = False
    for setting in settings:
        method, bits = SETTINGS[setting]
        summary = compare_setting(model_tensors, os.path.join(packed_root, setting, "model.loftq"),
                                  load_reference(ref_dir, setting), method, bits)
        bad = (summary["codes_unexplained"] or summary["scales_beyond_tolerance"] or summary["missing"]
               or not summary["layers"])
        failed |= bool(bad)
        print(json.dumps({"setting": setting, "ok": not bad, **summary}))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "reference" and set(argv[4:]) <= set(SETTINGS):
        make_reference(argv[1], argv[2], argv[3], argv[4:] or list(SETTINGS))
        return 0
    if len(argv) >= 4 and argv[0] == "compare" and set(argv[4:]) <= set(SETTINGS):
        return compare(argv[1], argv[2], argv[3], argv[4:] or list(SETTINGS))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
