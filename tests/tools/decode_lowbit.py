#!/usr/bin/python3
"""Independent decoder of the low-bit exports, numpy only, written from docs/formats.md and
docs/packed-format.md (never from core/): decodes every quantized weight of a bitsandbytes NF4
export or a packed model.loftq and compares it, bit for bit, with Q of the HF + PEFT export of the
same run.

usage:
  decode_lowbit.py bnb BNB_EXPORT HF_EXPORT [--requantize ORIGINAL]
  decode_lowbit.py packed MODEL.loftq HF_EXPORT [--max-target-ratio R]

bnb: each module with `<m>.weight.quant_state.bitsandbytes__nf4` is unpacked (two codes per byte,
first element in the HIGH nibble), dequantized as quant_map[code] * absmax in float32, rounded to
the quant_state dtype and compared with `<m>.weight` of HF_EXPORT (transposed back when the
adapter config says fan_in_fan_out). config.json's quantization_config is checked; every other
tensor must equal HF_EXPORT's byte for byte. --requantize: recompute the codes from the ORIGINAL
weights with bitsandbytes' arithmetic (x * (1/absmax) against the quant_map midpoints, the lower
code on a tie), which is Q only for single-step plans; reports the codes that differ.
packed: codes are a little-endian bit stream (code i at bits [i*b, (i+1)*b), LSB first), scales
float32 per block, the codebook from the file; Q = codebook[code] * scale in float32 (0 where the
scale is 0). Every other tensor must equal HF_EXPORT's. Also reports code+scale bytes of the
targets against their size in bf16 (--max-target-ratio fails above R).
Prints one JSON line per layer that fails and a summary line; exit 0 when all agree.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import st  # noqa: E402

TORCH_DTYPES = {"bfloat16": "BF16", "float16": "F16", "float32": "F32", "float64": "F64"}
REQUIRED_QUANT_CONFIG = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
                         "bnb_4bit_use_double_quant": False, "bnb_4bit_quant_storage": "uint8"}


def fan_in_fan_out(hf_dir):
    with open(os.path.join(hf_dir, "loftq_init", "adapter_config.json")) as f:
        return bool(json.load(f).get("fan_in_fan_out"))


def dequantize(codes, scales, table, block):
    """table[code] * scale per block in float32; a zero scale gives +0."""
    values = table[codes.astype(np.int64)].reshape(-1, block) * scales.astype(np.float32)[:, None]
    values[scales == 0, :] = 0.0
    return values.reshape(-1).astype(np.float32)


def as_stored(q, shape, dtype, transposed):
    """Q (out x in) as the HF export stores it: its dtype, [in, out] again for Conv1D."""
    q = q.reshape(shape)
    if transposed:
        q = np.ascontiguousarray(q.T)
    return st.encode(q, dtype)


def compare(name, decoded, hf_entry, failures):
    if decoded[0] != hf_entry[0] or tuple(decoded[1]) != tuple(hf_entry[1]):
        failures.append({"tensor": name, "problem": f"decoded {decoded[0]} {list(decoded[1])}, "
                                                    f"HF export {hf_entry[0]} {list(hf_entry[1])}"})
        return
    if decoded[2] != hf_entry[2]:
        a = st.to_array(decoded, np.float64).reshape(-1)
        b = st.to_array(hf_entry, np.float64).reshape(-1)
        failures.append({"tensor": name, "problem": "Q differs", "elements_differing": int(np.sum(a != b)),
                         "max_abs_difference": float(np.max(np.abs(a - b)))})


def check_passthrough(names, low, hf, failures):
    for name in names:
        if name not in hf:
            failures.append({"tensor": name, "problem": "missing from the HF export"})
        elif low[name] != hf[name]:
            failures.append({"tensor": name, "problem": "not byte-identical to the HF export"})


def nf4_codes(x, table):
    """bitsandbytes: v = x * (1/absmax) in float32, code = number of midpoints below v."""
    blocks = x.reshape(-1, 64).astype(np.float32)
    absmax = np.max(np.abs(blocks), axis=1)
    with np.errstate(divide="ignore"):
        recip = np.float32(1.0) / absmax
    v = blocks * recip[:, None]
    mids = ((table[:-1] + table[1:]) / np.float32(2)).astype(np.float32)
    codes = np.sum(v[:, :, None] > mids[None, None, :], axis=2).astype(np.uint8)
    codes[absmax == 0, :] = 7  # a zero block: the code of 0.0
    return codes.reshape(-1)


def check_bnb(bnb_dir, hf_dir, original):
    failures, layers = [], 0
    with open(os.path.join(bnb_dir, "config.json")) as f:
        qc = json.load(f).get("quantization_config", {})
    for key, want in REQUIRED_QUANT_CONFIG.items():
        if qc.get(key) != want:
            failures.append({"config": key, "problem": f"{qc.get(key)!r}, expected {want!r}"})
    bnb, hf = st.read(bnb_dir), st.read(hf_dir)
    transposed = fan_in_fan_out(hf_dir)
    source = st.read(original) if original else None
    suffix = ".quant_state.bitsandbytes__nf4"
    modules = [n[:-len(suffix)] for n in bnb if n.endswith(suffix)]
    owned = set()
    requantized_mismatches = 0
    for weight in modules:
        layers += 1
        state = json.loads(bnb[weight + suffix][2].decode("utf-8"))
        owned.update({weight, weight + ".absmax", weight + ".quant_map", weight + suffix})
        if state.get("quant_type") != "nf4" or state.get("blocksize") != 64 or state.get("dtype") not in TORCH_DTYPES:
            failures.append({"tensor": weight, "problem": f"quant_state {state}"})
            continue
        if state["dtype"] != qc.get("bnb_4bit_compute_dtype"):
            failures.append({"tensor": weight, "problem": "quant_state dtype differs from bnb_4bit_compute_dtype"})
        out_f, in_f = state["shape"]
        n = out_f * in_f
        packed = np.frombuffer(bnb[weight][2], np.uint8)
        if bnb[weight][0] != "U8" or tuple(bnb[weight][1]) != ((n + 1) // 2, 1):
            failures.append({"tensor": weight, "problem": f"packed weight is {bnb[weight][0]} {bnb[weight][1]}"})
            continue
        codes = np.empty(n, np.uint8)
        codes[0::2] = packed >> 4  # first element in the high nibble
        codes[1::2] = packed[: n // 2] & 0x0F
        absmax = st.to_array(bnb[weight + ".absmax"])
        table = st.to_array(bnb[weight + ".quant_map"])
        q = dequantize(codes, absmax, table, 64)
        hf_entry = hf.get(weight)
        if hf_entry is None:
            failures.append({"tensor": weight, "problem": "missing from the HF export"})
            continue
        flip = transposed and tuple(hf_entry[1]) == (in_f, out_f)
        compare(weight, as_stored(q, (out_f, in_f), TORCH_DTYPES[state["dtype"]], flip), hf_entry, failures)
        if source is not None:
            w = st.to_array(source[weight]).astype(np.float32)
            if flip:
                w = np.ascontiguousarray(w.T)
            differing = int(np.sum(nf4_codes(w.reshape(-1), table) != codes))
            requantized_mismatches += differing
            if differing:
                failures.append({"tensor": weight, "problem": "codes differ from x * (1/absmax) requantization",
                                 "codes_differing": differing})
    check_passthrough([n for n in bnb if n not in owned], bnb, hf, failures)
    extra = sorted(set(hf) - set(bnb))
    if extra:
        failures.append({"problem": "HF export tensors missing from the bnb export", "tensors": extra[:10]})
    return failures, {"layers": layers, "requantized_code_mismatches": requantized_mismatches if original else None}


def unpack_codes(packed, bits, count):
    """Little-endian bit stream: code i at stream bits [i*bits, (i+1)*bits)."""
    stream = np.unpackbits(packed, bitorder="little")[: count * bits].reshape(count, bits)
    weights = (1 << np.arange(bits)).astype(np.uint16)
    return (stream.astype(np.uint16) * weights).sum(axis=1).astype(np.uint8)


def check_packed(path, hf_dir, max_ratio):
    failures = []
    tensors, meta = st.read_file(path)
    if meta.get("format") != "loftq-packed" or meta.get("loftq_packed_version") != "1":
        return [{"problem": f"not a packed export: {meta.get('format')!r} v{meta.get('loftq_packed_version')!r}"}], {}
    layout = json.loads(meta["loftq.layout"])
    hf = st.read(hf_dir)
    owned, target_bytes, target_bf16_bytes = set(), 0, 0
    for name, layer in layout["layers"].items():
        out_f, in_f = layer["shape"]
        n, bits, block = out_f * in_f, layer["bits"], layer["block_size"]
        codes_entry, scales_entry = tensors[layer["codes"]], tensors[layer["scales"]]
        table = st.to_array(tensors[layer["codebook"]])
        owned.update({layer["codes"], layer["scales"], layer["codebook"]})
        if len(table) != 2 ** bits or scales_entry[0] != "F32" or len(codes_entry[2]) != (n * bits + 7) // 8:
            failures.append({"tensor": name, "problem": "codes, scales or codebook of the wrong size or type"})
            continue
        codes = unpack_codes(np.frombuffer(codes_entry[2], np.uint8), bits, n)
        q = dequantize(codes, st.to_array(scales_entry), table, block)
        hf_entry = hf.get(name)
        if hf_entry is None:
            failures.append({"tensor": name, "problem": "missing from the HF export"})
            continue
        compare(name, as_stored(q, (out_f, in_f), hf_entry[0], layer["conv1d_transposed"]), hf_entry, failures)
        target_bytes += len(codes_entry[2]) + len(scales_entry[2])
        target_bf16_bytes += 2 * n
    files = {n for n in tensors if n.startswith("loftq.file:")}
    check_passthrough([n for n in tensors if n not in owned and n not in files], tensors, hf, failures)
    for name in files:
        relative = name[len("loftq.file:"):]
        on_disk = os.path.join(hf_dir, relative)
        if relative == "loftq_init/adapter_config.json" or not os.path.exists(on_disk):
            continue  # its base_model_name_or_path names the folder it is unpacked to
        with open(on_disk, "rb") as f:
            if f.read() != tensors[name][2]:
                failures.append({"file": relative, "problem": "embedded copy differs from the HF export's"})
    extra = sorted(set(hf) - set(tensors) - set(layout["layers"]))
    if extra:
        failures.append({"problem": "HF export tensors missing from the packed file", "tensors": extra[:10]})
    ratio = target_bytes / target_bf16_bytes if target_bf16_bytes else 0.0
    if max_ratio is not None and ratio > max_ratio:
        failures.append({"problem": f"targets take {ratio:.4f} of their bf16 size, above {max_ratio}"})
    return failures, {"layers": len(layout["layers"]), "target_bytes": target_bytes,
                      "target_bf16_bytes": target_bf16_bytes, "target_ratio": ratio,
                      "file_bytes": os.path.getsize(path)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("kind", choices=["bnb", "packed"])
    p.add_argument("lowbit")
    p.add_argument("hf_export")
    p.add_argument("--requantize", metavar="ORIGINAL")
    p.add_argument("--max-target-ratio", type=float)
    a = p.parse_args(argv)
    if a.kind == "bnb":
        failures, summary = check_bnb(a.lowbit, a.hf_export, a.requantize)
    else:
        failures, summary = check_packed(a.lowbit, a.hf_export, a.max_target_ratio)
    for f in failures:
        print(json.dumps(f))
    summary.update({"summary": True, "ok": not failures, "failures": len(failures)})
    print(json.dumps(summary))
    return 0 if not failures and summary.get("layers") else 1


if __name__ == "__main__":
    sys.exit(main())
