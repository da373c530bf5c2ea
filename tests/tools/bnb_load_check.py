#!/usr/bin/python3
"""What transformers 5.17 + bitsandbytes do with a bnb-nf4 export, re-implemented in numpy from their
source (no torch, no bitsandbytes on this machine), and the Q that loading yields compared, byte for
byte, with Q of the HF + PEFT export of the same run.

usage: bnb_load_check.py BNB_EXPORT HF_EXPORT

Written from the upstream source, not from docs/formats.md or core/ (docs/packed-format.md lists what was
read and what stays unverified). Lines are those of the files as read.
  huggingface/transformers 5.17.0 (the installed package on the GPU machine), src/transformers/:
    utils/quantization_config.py:390 BitsAndBytesConfig (__init__, post_init): the types checked below
    quantizers/auto.py:164,219     quant_method "bitsandbytes" + load_in_4bit -> Bnb4BitHfQuantizer
    quantizers/quantizer_bnb_4bit.py:121 _process_model_before_weight_loading: modules_to_not_convert =
        get_modules_to_not_convert(model, llm_int8_skip_modules, model._keep_in_fp32_modules)
        (quantizers/base.py:234: no default skips once the list is given), then
        replace_with_bnb_linear(..., pre_quantized=True)
    quantizers/quantizer_bnb_4bit.py:168 get_weight_conversions: WeightConverter(source_patterns=[
        weight.nested_absmax, weight.nested_quant_map, weight.quant_map, weight.absmax,
        weight.quant_state.bitsandbytes__nf4, weight.quant_state.bitsandbytes__fp4, weight])
    quantizers/quantizers_utils.py:26 should_convert_module: re.match(f"{key}\\.", name) or
        re.match(key, name) or name.endswith(key) -> NOT converted
    integrations/bitsandbytes.py:162 replace_with_bnb_linear (nn.Linear / Conv1D only; Conv1D in/out
        from weight.shape); :64 Bnb4bitDeserialize -> bnb.nn.Params4bit.from_prequantized(data=weight,
        quantized_stats={"weight.absmax": ..., ...}, module=module)
    core_model_loading.py:1372      set_param_for_module: no shape check when a quantizer is set
    models/t5/modeling_t5.py:537    _keep_in_fp32_modules = ["wo"] (KEEP_IN_FP32 below: all 5.17 models)
  bitsandbytes-foundation/bitsandbytes (the torch.ops dispatch layout, as the code index holds it):
    bitsandbytes/nn/modules.py     Params4bit.from_prequantized: keeps `data` as is (uint8),
        quant_state = QuantState.from_dict(quantized_stats), bnb_quantized = True (no re-quantizing)
    bitsandbytes/functional.py     QuantState.from_dict / as_dict, get_4bit_type("nf4"),
        quantize_4bit (out shape ((n + 1) // 2, 1) uint8, absmax float32 [ceil(n / blocksize)]),
        dequantize_4bit -> torch.ops.bitsandbytes.dequantize_4bit(A, absmax, blocksize, quant_type,
        shape, dtype): the quant_map tensor is NOT passed, the backend's own NF4 table is used
    bitsandbytes/utils.py          pack_dict_to_tensor / unpack_tensor_to_dict (json.dumps / loads)
    csrc/kernels.cu                nf4 lookup table; kDequantizeBlockwise<T, ..., NF4>:
        vals[2j] = lut[q >> 4] * absmax, vals[2j+1] = lut[q & 0xF] * absmax in float, stored as T
        (one round to nearest even); absmax index = element / blocksize
    csrc/cuda/blockwise_quantization.cu (12297f3) kQuantizeBlockwise NF4: first element << 4 (high
        nibble), x * (1 / absmax) against dQuantizeNF4's thresholds (= the float32 table midpoints)
    bitsandbytes/backends/default/ops.py (0155ecc) _dequantize_4bit_impl, the pure-torch fallback:
        same nibble order, but the table is cast to `dtype` before the multiply; counted, not required
Prints one JSON line per problem and a summary line; exit 0 when the export loads to HF's Q.
"""
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import st  # noqa: E402

# bitsandbytes/functional.py get_4bit_type("nf4") and csrc/kernels.cu's nf4 table (same literals),
# as float32 (torch.tensor(list) is float32; dividing by max|x| = 1.0 changes nothing).
NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], np.float32)
# QuantState.valid_qs_keys / valid_qs_type_keys
VALID_QS_KEYS = {"absmax", "quant_map", "nested_absmax", "nested_quant_map", "quant_state", "quant_type",
                 "blocksize", "dtype", "shape", "nested_blocksize", "nested_dtype", "nested_offset"}
VALID_QS_TYPE_KEYS = {"bitsandbytes__fp4", "bitsandbytes__nf4"}
# dequantize_4bit (CUDA and default backends): torch._check(dtype in [bfloat16, float16, float32])
DEQUANT_DTYPES = {"bfloat16": "BF16", "float16": "F16", "float32": "F32"}
BLOCKSIZES = {64, 128, 256, 512, 1024, 2048, 4096}
# Bnb4BitHfQuantizer.get_weight_conversions: the suffixes collected into one Params4bit
CONVERTER_SUFFIXES = ["weight.nested_absmax", "weight.nested_quant_map", "weight.quant_map", "weight.absmax",
                      "weight.quant_state.bitsandbytes__nf4", "weight.quant_state.bitsandbytes__fp4", "weight"]
# `_keep_in_fp32_modules` of transformers 5.17 models, by model_type (a composite model collects
# its sub-models'); the quantizer never converts these.
KEEP_IN_FP32 = {
    "t5": ["wo"], "mt5": ["wo"], "umt5": ["wo"], "udop": ["wo"], "pop2piano": ["wo"],
    "blip-2": ["query_tokens", "qformer"], "instructblip": ["query_tokens"], "instructblipvideo": ["query_tokens"],
    "deepseek_v32": ["indexer.weights_proj"], "glm_moe_dsa": ["indexer.weights_proj"],
    "axk2": ["indexer.weights_proj"],
    "deepseek_v4": ["self_attn.compressor.kv_proj", "self_attn.compressor.gate_proj",
                    "self_attn.compressor.indexer.kv_proj", "self_attn.compressor.indexer.gate_proj",
                    "self_attn.compressor.indexer.scorer.weights_proj"],
    "longcat_flash": ["classifier.weight"], "gpt_oss": ["post_attention_layernorm", "input_layernorm", "norm"],
    "rwkv": ["time_decay", "time_first"],
}
TORCH_STORAGE_DTYPES = {"float16", "float32", "int8", "uint8", "float64", "bfloat16"}


def model_types(config, depth=0):
    if not isinstance(config, dict) or depth > 4:
        return []
    out = [config["model_type"]] if isinstance(config.get("model_type"), str) else []
    for value in config.values():
        out += model_types(value, depth + 1)
    return out


def should_convert_module(full_name, patterns):
    """quantizers_utils.should_convert_module, verbatim."""
    if patterns is None:
        return True
    return not any(re.match(f"{key}\\.", full_name) or re.match(f"{key}", full_name) or full_name.endswith(key)
                   for key in patterns)


def check_config(qc, failures):
    """BitsAndBytesConfig(**qc) and AutoHfQuantizer's choice, as far as they can fail or differ."""
    want = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
            "bnb_4bit_use_double_quant": False, "bnb_4bit_quant_storage": "uint8"}
    for key, value in want.items():
        if qc.get(key) != value or type(qc.get(key)) is not type(value):
            failures.append({"config": key, "problem": f"{qc.get(key)!r}, expected {value!r}"})
    if qc.get("load_in_8bit", False) is not False:
        failures.append({"config": "load_in_8bit", "problem": "must be false next to load_in_4bit"})
    if not isinstance(qc.get("llm_int8_threshold", 6.0), float):
        failures.append({"config": "llm_int8_threshold", "problem": "post_init requires a float"})
    for key in ("llm_int8_enable_fp32_cpu_offload", "llm_int8_has_fp16_weight"):
        if not isinstance(qc.get(key, False), bool):
            failures.append({"config": key, "problem": "post_init requires a bool"})
    skip = qc.get("llm_int8_skip_modules")
    if skip is not None and not (isinstance(skip, list) and all(isinstance(s, str) for s in skip)):
        failures.append({"config": "llm_int8_skip_modules", "problem": "must be a list of strings"})
    if qc.get("bnb_4bit_compute_dtype") not in DEQUANT_DTYPES:
        failures.append({"config": "bnb_4bit_compute_dtype", "problem": repr(qc.get("bnb_4bit_compute_dtype"))})
    if qc.get("bnb_4bit_quant_storage") not in TORCH_STORAGE_DTYPES:
        failures.append({"config": "bnb_4bit_quant_storage", "problem": "not a storage dtype transformers accepts"})
    return skip


def quant_state_from_dict(stats, failures, module):
    """QuantState.from_dict on the dict Bnb4bitDeserialize passes (keys = converter suffixes)."""
    qs_key = [k for k in stats if "quant_state" in k]
    if len(qs_key) != 1 or qs_key[0].split(".")[-1] not in VALID_QS_TYPE_KEYS:
        failures.append({"module": module, "problem": f"quant_state keys {qs_key}"})
        return None
    raw = stats.pop(qs_key[0])
    if raw[0] != "U8" or len(raw[1]) != 1:
        failures.append({"module": module, "problem": f"quant_state tensor is {raw[0]} {list(raw[1])}, not uint8 1-D"})
    try:
        packed = json.loads(raw[2].decode("utf-8"))  # unpack_tensor_to_dict
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        failures.append({"module": module, "problem": f"quant_state JSON: {e}"})
        return None
    qs = {k.split(".")[-1]: v for k, v in {**stats, **packed}.items()}  # strip prefixes
    if not set(qs).issubset(VALID_QS_KEYS):
        failures.append({"module": module, "problem": f"keys outside valid_qs_keys: {sorted(set(qs) - VALID_QS_KEYS)}"})
        return None
    missing = {"quant_type", "absmax", "blocksize", "quant_map", "dtype", "shape"} - set(qs)
    if missing:
        failures.append({"module": module, "problem": f"from_dict needs {sorted(missing)}"})
        return None
    if "nested_absmax" in qs:
        failures.append({"module": module, "problem": "nested (double-quantized) absmax: Q would change"})
        return None
    shape = qs["shape"]
    if (qs["quant_type"] != "nf4" or qs["blocksize"] not in BLOCKSIZES or qs["dtype"] not in DEQUANT_DTYPES
            or not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(d, int) and d > 0 for d in shape))):
        failures.append({"module": module, "problem": f"quant_state {packed}"})
        return None
    return qs


def bf16_or_f16(values_f32, st_dtype):
    """float32 -> the stored dtype, one round to nearest even (the kernel's float -> T store)."""
    return st.encode(values_f32, st_dtype)[2]


def check(bnb_dir, hf_dir):
    failures = []
    with open(os.path.join(bnb_dir, "config.json")) as f:
        config = json.load(f)
    qc = config.get("quantization_config", {})
    skip = check_config(qc, failures)
    keep = [k for t in model_types(config) for k in KEEP_IN_FP32.get(t, [])]
    modules_to_not_convert = list(set((skip or []) + keep))

    bnb, hf = st.read(bnb_dir), st.read(hf_dir)
    # PEFT's fan_in_fan_out marks Conv1D (GPT-2) weights, which transformers builds from Conv1D too.
    with open(os.path.join(hf_dir, "loftq_init", "adapter_config.json")) as f:
        conv1d = bool(json.load(f).get("fan_in_fan_out"))
    by_module = {}
    for name in bnb:
        for suffix in CONVERTER_SUFFIXES:
            if name.endswith("." + suffix):
                by_module.setdefault(name[: -len(suffix) - 1], {})[suffix] = bnb[name]
                break
    packed_modules = sorted(m for m, parts in by_module.items() if len(parts) > 1)
    layers, default_backend_diffs = 0, 0
    for module in packed_modules:
        parts = dict(by_module[module])
        if not should_convert_module(module, modules_to_not_convert):
            failures.append({"module": module, "problem": "packed, but transformers leaves it nn.Linear "
                                                          "(llm_int8_skip_modules or _keep_in_fp32_modules)"})
            continue
        weight = parts.pop("weight")
        extra = set(parts) - {"weight.absmax", "weight.quant_map", "weight.quant_state.bitsandbytes__nf4"}
        if extra:
            failures.append({"module": module, "problem": f"unexpected components {sorted(extra)}"})
        qs = quant_state_from_dict(parts, failures, module)
        if qs is None:
            continue
        layers += 1
        out_f, in_f = qs["shape"]
        n, block = out_f * in_f, qs["blocksize"]
        blocks = -(-n // block)
        absmax, quant_map = qs["absmax"], qs["quant_map"]
        # Params4bit.from_prequantized keeps the data; quantize_4bit's layout is ((n + 1) // 2, 1) uint8.
        if weight[0] != "U8" or tuple(weight[1]) != ((n + 1) // 2, 1):
            failures.append({"module": module, "problem": f"packed weight {weight[0]} {list(weight[1])}"})
            continue
        if absmax[0] != "F32" or tuple(absmax[1]) != (blocks,):
            failures.append({"module": module, "problem": f"absmax {absmax[0]} {list(absmax[1])}, want F32 [{blocks}]"})
            continue
        if quant_map[0] != "F32" or quant_map[2] != NF4.tobytes():
            failures.append({"module": module, "problem": "quant_map is not bitsandbytes' NF4 table bit for bit "
                                                          "(the 1-token gemv kernel reads it)"})
        # dequantize_4bit, CUDA kDequantizeBlockwise NF4: high nibble = even element.
        data = np.frombuffer(weight[2], np.uint8)
        codes = np.empty(2 * data.size, np.uint8)
        codes[0::2], codes[1::2] = data >> 4, data & 0x0F
        codes = codes[:n]
        scale = np.repeat(st.to_array(absmax).astype(np.float32), block)[:n]
        q32 = (NF4[codes] * scale).astype(np.float32)
        st_dtype = DEQUANT_DTYPES[qs["dtype"]]
        loaded = bf16_or_f16(q32.reshape(out_f, in_f), st_dtype)
        # the pure-torch default backend: table cast to dtype first, product in float32, cast again
        table_t = st.to_array(st.encode(NF4, st_dtype)).astype(np.float32)
        default = bf16_or_f16((table_t[codes] * scale).astype(np.float32).reshape(out_f, in_f), st_dtype)
        default_backend_diffs += int(np.sum(np.frombuffer(default, "<u2" if st_dtype != "F32" else "<u4")
                                            != np.frombuffer(loaded, "<u2" if st_dtype != "F32" else "<u4")))
        ref = hf.get(module + ".weight")
        if ref is None:
            failures.append({"module": module, "problem": "missing from the HF export"})
            continue
        if conv1d and tuple(ref[1]) == (in_f, out_f):
            # GPT-2 Conv1D stores [in, out]; Bnb4bitQuantize quantizes weight.T, so quant_state.shape
            # is [out, in] and Linear4bit computes x @ W.T as for nn.Linear. The HF export stores Q.T.
            loaded = bf16_or_f16(q32.reshape(out_f, in_f).T.copy(), st_dtype)
        elif tuple(ref[1]) != (out_f, in_f):
            failures.append({"module": module, "problem": f"shape {qs['shape']} vs HF {list(ref[1])}"})
            continue
        if ref[0] != st_dtype or ref[2] != loaded:
            a = np.frombuffer(loaded, "<u2" if st_dtype != "F32" else "<u4")
            b = np.frombuffer(ref[2], "<u2" if ref[0] != "F32" else "<u4")
            failures.append({"module": module, "problem": "dequantize_4bit differs from HF Q",
                             "elements_differing": int(np.sum(a != b)) if a.size == b.size else -1})
    # Every other 2-D weight must stay out of Linear4bit: a converted module given a plain weight and
    # no quant_state is not loadable (Bnb4bitDeserialize passes it through; no shape check).
    for module, parts in by_module.items():
        if module in packed_modules or "weight" not in parts:
            continue
        if len(parts["weight"][1]) == 2 and should_convert_module(module, modules_to_not_convert):
            failures.append({"module": module, "problem": "unquantized 2-D weight that transformers would turn "
                                                          "into a Linear4bit: not in llm_int8_skip_modules"})
    return failures, {"layers": layers, "default_backend_elements_differing": default_backend_diffs}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    failures, summary = check(*argv)
    for f in failures:
        print(json.dumps(f))
    summary.update({"summary": True, "ok": not failures, "failures": len(failures)})
    print(json.dumps(summary))
    return 0 if not failures and summary["layers"] else 1


if __name__ == "__main__":
    sys.exit(main())
