#!/usr/bin/python3
"""Independent numpy oracle for LoftQ, written from the definitions of docs/algorithm.md (not from the C++).

Numerics, chosen so the oracle is simple and exact rather than fast:
- Quantizer inputs, scales, x/scale, table lookups and dequantized values are float32, as in the spec.
- Codes come from a brute-force argmin of float32 |x/scale - t| over the whole table (first index on
  a tie), deliberately not the midpoint search the engine uses.
- Tables follow torch's float32 arithmetic bit for bit (see codebook, torch_linspace_f32).
- The uniform scale mean + 2.5 * std (ddof=1): mean and std summed in float64, rounded to float32,
  combined in float32 (within 1 ulp of torch's; the spec allows ~1.3e-7 relative).
- SVD, B, A, B@A and all errors are float64; the residual W - B A is rounded to float32 before it
  is quantized (the quantizer's input is float32).
"""
import argparse
import json
import os
import re
import shutil
import sys
from statistics import NormalDist

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

NF_OFFSET = 0.9677083
BITS = (2, 3, 4, 8)
BNB_NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
           -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
           0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
           0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]


# ---------------------------------------------------------------- codebooks
def torch_linspace_f32(start, end, n):
    """torch.linspace in float32 as torch computes it on the CPU: step rounded to float32, then
    start + step * i for the first half and end - step * (n - 1 - i) for the rest, each rounded
    once. For linspace(-1, 1, 2^b) this is up to 7 ulps off the correctly rounded values; the
    reference tables are torch's, so the oracle follows torch (checked in selftest)."""
    start, end = np.float32(start), np.float32(end)
    step = np.float64(np.float32((end - start) / np.float32(n - 1)))
    i = np.arange(n, dtype=np.float64)
    v = np.where(i < n // 2, np.float64(start) + step * i, np.float64(end) - step * (n - 1 - i))
    return v.astype(np.float32)


def codebook(method, bits):
    """The 2^bits float32 table, ascending, bit-exact with the torch/bitsandbytes recipe."""
    if bits not in BITS:
        raise ValueError(f"bits must be one of {BITS}, got {bits}")
    if method == "uniform":
        return torch_linspace_f32(-1.0, 1.0, 2 ** bits)
    if method != "nf":
        raise ValueError(f"unknown method {method!r}")
    # As bitsandbytes/LoftQ do it: float32 probabilities, quantiles (float64) cast to float32
    # BEFORE the division by the max, which is done in float32. A float64 pipeline cast at the
    # end misses NF4 by up to 6 ulps.
    inv = NormalDist().inv_cdf
    half = 2 ** bits // 2
    v1 = [inv(float(p)) for p in torch_linspace_f32(NF_OFFSET, 0.5, half + 1)[:-1]]
    v3 = [-inv(float(p)) for p in torch_linspace_f32(NF_OFFSET, 0.5, half)[:-1]]
    v = np.sort(np.array(v1 + [0.0] + v3, dtype=np.float64).astype(np.float32))
    return (v / v.max()).astype(np.float32)


# ---------------------------------------------------------------- blockwise quantizer
def nearest_codes(y, table):
    """Brute force: argmin_k float32 |y - table[k]|; np.argmin keeps the first (lower) index on ties."""
    y = np.asarray(y, np.float32).reshape(-1)
    codes = np.empty(y.size, np.int64)
    step = max(1, (1 << 22) // table.size)  # bound the |y| x |table| temporary
    for i in range(0, y.size, step):
        codes[i:i + step] = np.argmin(np.abs(y[i:i + step, None] - table[None, :]), axis=1)
    return codes


def midpoint_codes(y, table):
    """The engine's method (float32 midpoints, lower code on a tie); used only to cross-check."""
    mids = ((table[:-1] + table[1:]) / np.float32(2)).astype(np.float32)
    return np.searchsorted(mids, np.asarray(y, np.float32).reshape(-1), side="left")


def block_scales(x, method):
    """x: [nblocks, block] float32 -> float32 scales; 0 marks a block that dequantizes to zero."""
    if method == "nf":
        s = np.abs(x).max(axis=1)
    else:  # the reference's odd rule: mean + 2.5 * unbiased std (not max |x|)
        # mean and std summed in float64, each rounded to float32, then combined in float32 as
        # torch does: equal to torch's scale on 97% of Gaussian blocks, 1 ulp off on the rest.
        x64 = x.astype(np.float64)
        mean, std = x64.mean(axis=1).astype(np.float32), x64.std(axis=1, ddof=1).astype(np.float32)
        with np.errstate(invalid="ignore", over="ignore"):
            s = (mean + np.float32(2.5) * std).astype(np.float32)
    ok = np.isfinite(s) & (s > 0)
    return np.where(ok, s, np.float32(0)).astype(np.float32)


def quantize(w, method, bits, block=64):
    """-> (codes uint8 [n], scales float32 [n/block]) over the row-major flattened w."""
    x = np.ascontiguousarray(w, np.float32).reshape(-1)
    if x.size % block:
        raise ValueError(f"{x.size} elements is not a multiple of the block size {block}")
    x = x.reshape(-1, block)
    scales = block_scales(x, method)
    return nearest_codes(scaled(x, scales), codebook(method, bits)).astype(np.uint8), scales


def scaled(x, scales):
    """x / scale per block in float32. A zero block is quantized as if its values were 0 (codes =
    nearest to 0); it dequantizes to 0 whatever its codes."""
    safe = np.where(scales > 0, scales, np.float32(1))[:, None]
    return np.where(scales[:, None] > 0, x / safe, np.float32(0)).astype(np.float32)


def dequantize(codes, scales, method, bits, shape, block=64):
    table = codebook(method, bits)
    q = table[codes.reshape(-1, block).astype(np.int64)] * scales[:, None]
    return q.astype(np.float32).reshape(shape)


def quant_dequant(w, method, bits, block=64):
    codes, scales = quantize(w, method, bits, block)
    return dequantize(codes, scales, method, bits, np.shape(w), block), codes, scales


# ---------------------------------------------------------------- LoftQ on one matrix
def loftq(w, method, bits, rank, steps, block=64):
    """Algorithm 1 with exact (float64 thin) SVD. Returns a dict; best_step is 1-based."""
    w32 = np.asarray(w, np.float32)
    m, n = w32.shape
    if not 1 <= rank <= min(m, n):
        raise ValueError(f"rank {rank} must be in 1..{min(m, n)} for a {m}x{n} matrix")
    if steps < 1:
        raise ValueError("steps must be >= 1")
    w64 = w32.astype(np.float64)
    norm_w = np.linalg.norm(w64)
    rel = (lambda e: np.linalg.norm(e) / norm_w) if norm_w > 0 else (lambda e: 0.0)
    ba = np.zeros_like(w64)
    out = {"rel_error": []}
    for t in range(1, steps + 1):
        q, codes, scales = quant_dequant((w64 - ba).astype(np.float32), method, bits, block)
        e = w64 - q.astype(np.float64)
        u, s, vt = np.linalg.svd(e, full_matrices=False)
        root = np.sqrt(s[:rank])
        b, a = u[:, :rank] * root, root[:, None] * vt[:rank]
        ba = b @ a
        err = float(rel(e - ba))
        out["rel_error"].append(err)
        if t == 1:
            out.update(qlora_rel_error=float(rel(e)), Q1=q, codes1=codes, scales1=scales)
        if err < min(out["rel_error"][:-1], default=np.inf):  # strict: earliest step wins ties
            out.update(best_step=t, best_rel_error=err, Q=q, B=b, A=a)
    return out


# ---------------------------------------------------------------- test matrices and cases
def make_matrix(rows, cols, seed, structure_rank=8, outliers=0.0, zero_blocks=(), const_blocks=(),
                block=64):
    """float32 0.02 * Gaussian + a rank-`structure_rank` part of the same size (so LoftQ helps);
    optional heavy outliers (fraction of entries set to +-20..50 sigma) and forced special blocks."""
    rng = np.random.default_rng(seed)
    w = 0.02 * rng.standard_normal((rows, cols))
    if structure_rank:
        k = structure_rank
        w += 0.02 * (rng.standard_normal((rows, k)) @ rng.standard_normal((k, cols))) / np.sqrt(k)
    if outliers:
        idx = rng.choice(w.size, max(1, int(outliers * w.size)), replace=False)
        w.flat[idx] = 0.02 * rng.uniform(20, 50, idx.size) * rng.choice([-1, 1], idx.size)
    w = w.astype(np.float32)
    for k in zero_blocks:
        w.flat[k * block:(k + 1) * block] = 0
    for k, v in const_blocks:
        w.flat[k * block:(k + 1) * block] = np.float32(v)
    return w


CASES = [  # (method, bits, rows, cols, rank, steps, seed, extra make_matrix kwargs, note)
    ("nf", 4, 64, 128, 8, 5, 1, {}, ""),
    ("nf", 2, 128, 64, 16, 5, 2, {}, ""),
    ("nf", 3, 256, 256, 32, 4, 3, {}, ""),
    ("nf", 8, 64, 128, 4, 3, 4, {}, ""),
    ("uniform", 2, 128, 64, 8, 5, 5, {}, ""),
    ("uniform", 3, 64, 128, 16, 3, 6, {}, ""),
    ("uniform", 4, 256, 256, 32, 5, 7, {}, ""),
    ("uniform", 8, 128, 128, 4, 2, 8, {}, ""),
    ("nf", 2, 96, 96, 8, 5, 9, {}, "96 columns: most blocks span two rows"),
    ("nf", 4, 64, 128, 8, 3, 10, {"zero_blocks": (1, 5)}, "blocks 1 and 5 are all zero"),
    ("uniform", 2, 64, 128, 8, 3, 11, {"zero_blocks": (0,), "const_blocks": ((2, 0.03), (3, -0.03))},
     "block 0 zero; block 2 constant +0.03 (std 0: scale = mean, codes at +1); block 3 constant "
     "-0.03 (non-positive scale: zero block)"),
    ("nf", 2, 128, 128, 16, 5, 12, {"outliers": 0.002}, "0.2% heavy outliers (20-50 sigma)"),
    ("nf", 3, 48, 80, 8, 4, 13, {"structure_rank": 4}, "48x80: blocks span rows"),
]


def make_cases(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tensors, cases = {}, []
    for bits in BITS:
        for method in ("nf", "uniform"):
            tensors[f"codebook.{method}{bits}"] = codebook(method, bits)
    for k, (method, bits, rows, cols, rank, steps, seed, extra, note) in enumerate(CASES):
        name = f"case{k}"
        w = make_matrix(rows, cols, seed, **extra)
        r = loftq(w, method, bits, rank, steps)
        # Elements where the engine's float32-midpoint search may legitimately differ (see selftest).
        y = scaled(w.reshape(-1, 64), r["scales1"])
        risky = int(np.sum(midpoint_codes(y, codebook(method, bits)) != r["codes1"]))
        tensors.update({f"{name}.W": w, f"{name}.Q1": r["Q1"], f"{name}.codes1": r["codes1"].reshape(w.shape),
                        f"{name}.scales1": r["scales1"]})
        cases.append({"name": name, "rows": rows, "cols": cols, "bits": bits, "method": method,
                      "rank": rank, "steps": steps, "block_size": 64, "seed": seed,
                      "qlora_rel_error": r["qlora_rel_error"], "rel_error": r["rel_error"],
                      "best_step": r["best_step"], "best_rel_error": r["best_rel_error"],
                      "codes1_midpoint_mismatches": risky, "note": note})
    st.write(os.path.join(out_dir, "vectors.safetensors"), tensors,
             {"generator": "tests/oracle/loftq_oracle.py make-cases"})
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    return cases


# ---------------------------------------------------------------- a reference export (HF + PEFT)
DEFAULT_TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def reference_export(original, out, method, bits, rank, steps, alpha=None, targets=DEFAULT_TARGETS,
                     fan_in_fan_out=False, block=64, rank_pattern=None):
    """Run the oracle on every target weight and write the export layout of docs/formats.md.
    Returns {module: best rel error measured on the exported dtypes} (also OUT/reference.json).
    rank_pattern: {regex key: rank}, keys matched like PEFT; alpha is per layer = alpha or rank."""
    src = st.read(original)
    os.makedirs(os.path.join(out, "loftq_init"), exist_ok=True)
    for f in os.listdir(original):  # config, tokenizer, ...: byte for byte
        if not f.endswith(".safetensors") and f != "model.safetensors.index.json" \
                and os.path.isfile(os.path.join(original, f)):
            shutil.copyfile(os.path.join(original, f), os.path.join(out, f))
    suffixes = targets.split(",")
    rank_pattern = rank_pattern or {}
    exported, adapter, reference, report = dict(src), {}, {}, []
    for name, (dtype, shape, raw) in src.items():
        module = name[:-len(".weight")]
        if not name.endswith(".weight") or len(shape) != 2 or module.split(".")[-1] not in suffixes:
            continue
        r = next((v for k, v in rank_pattern.items() if re.match(rf"(.*\.)?({k})$", module)), rank)
        lora_alpha = alpha if alpha is not None else r
        w = st.to_array((dtype, shape, raw))
        w = w.T if fan_in_fan_out else w  # LoftQ runs on [out, in]
        res = loftq(w, method, bits, r, steps, block)
        q_entry = st.encode(res["Q"].T if fan_in_fan_out else res["Q"], dtype)
        exported[name] = q_entry
        f = np.sqrt(r / lora_alpha)  # PEFT multiplies by alpha / r: pre-divide so the product is B A
        adapter[f"base_model.model.{module}.lora_A.weight"] = (res["A"] * f).astype(np.float32)
        adapter[f"base_model.model.{module}.lora_B.weight"] = (res["B"] * f).astype(np.float32)
        q = st.to_array(q_entry, np.float64)
        q = q.T if fan_in_fan_out else q
        ba = (lora_alpha / r) * (res["B"] * f).astype(np.float32).astype(np.float64) \
            @ (res["A"] * f).astype(np.float32).astype(np.float64)
        w64 = w.astype(np.float64)
        reference[module] = float(np.linalg.norm(w64 - q - ba) / np.linalg.norm(w64))
        report.append({"name": module, "bits": bits, "method": method, "rank": r, "alpha": lora_alpha,
                       "qlora_rel_error": res["qlora_rel_error"], "rel_error": res["rel_error"],
                       "best_step": res["best_step"], "exported_rel_error": reference[module]})
    # Every rank_pattern key gets its alpha_pattern entry (docs/formats.md).
    alpha_pattern = {k: alpha if alpha is not None else v for k, v in rank_pattern.items()}
    st.write(os.path.join(out, "model.safetensors"), exported)
    st.write(os.path.join(out, "loftq_init", "adapter_model.safetensors"), adapter)
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank,
              "lora_alpha": alpha if alpha is not None else rank, "target_modules": suffixes,
              "rank_pattern": rank_pattern, "alpha_pattern": alpha_pattern,
              "init_lora_weights": True, "fan_in_fan_out": fan_in_fan_out, "bias": "none",
              "lora_dropout": 0.0, "base_model_name_or_path": os.path.abspath(original)}
    with open(os.path.join(out, "loftq_init", "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "loftq_report.json"), "w") as f:
        json.dump({"generator": "loftq_oracle.py", "layers": report}, f, indent=1)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    return reference


# ---------------------------------------------------------------- self-test
def selftest():
    checks = []

    def check(name, ok, detail=""):
        checks.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")

    # Codebooks.
    nf4 = codebook("nf", 4)
    check("nf4 == bitsandbytes NF4 (float32, bit-exact)",
          np.array_equal(nf4, np.array(BNB_NF4, np.float32)))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_codebooks.json")) as f:
        torch_tables = json.load(f)
    same = [f"{m}{b}" for m in ("nf", "uniform") for b in BITS
            if np.array_equal(codebook(m, b), np.array(torch_tables[f"{m}{b}"], np.float32))]
    check("all 8 tables == torch's (torch_codebooks.json), bit-exact", len(same) == 8, ",".join(same))
    sample = torch_tables["uniform_scale_sample"]
    ts = np.frombuffer(bytes.fromhex(sample["scale"]), "<f4")
    ours = block_scales(np.frombuffer(bytes.fromhex(sample["x"]), "<f4").reshape(-1, 64), "uniform")
    ulps = np.abs(ours.view(np.int32).astype(np.int64) - ts.view(np.int32))
    check("uniform scale within 1 ulp of torch's mean + 2.5 * std", ulps.max() <= 1,
          f"{int(np.sum(ulps == 0))}/{ulps.size} bit-equal")
    for b in BITS:
        for m in ("nf", "uniform"):
            t = codebook(m, b)
            good = t.size == 2 ** b and np.all(np.diff(t) > 0) and t[0] == -1 and t[-1] == 1 \
                and ((0 in t) == (m == "nf"))
            check(f"{m}{b} table: {2 ** b} ascending entries in [-1, 1], zero iff nf", good,
                  str(t.tolist()) if b == 2 else "")

    # Hand-worked nf4 block: scale 2 (a power of two, so x / scale is exact).
    T = nf4
    x = np.array([2.0, -1.5, 0.0, T[8], T[6], 2 * T[12], 0.3] + [2 * T[k % 16] for k in range(57)],
                 np.float32)
    # 2 -> 1 -> code 15; -0.75: |-0.75+1|=.25 > |-0.75+.6962|=.054 -> 1; 0 -> 7;
    # T8/2 is exactly halfway between T7=0 and T8 -> tie -> lower code 7;
    # T6/2 halfway between T6 and T7=0 -> tie -> 6; T12 -> 12; 0.15: T9=.1609 (.011) vs T8 (.070) -> 9.
    want = np.array([15, 1, 7, 7, 6, 12, 9] + [k % 16 for k in range(57)], np.uint8)
    codes, scales = quantize(x, "nf", 4)
    check("nf4 hand block: scale = max|x| = 2", scales.tolist() == [2.0])
    check("nf4 hand block: codes (incl. two exact ties -> lower code)", np.array_equal(codes, want),
          str(codes[:7].tolist()))
    check("nf4 hand block: dequant = table[code] * 2",
          np.array_equal(dequantize(codes, scales, "nf", 4, x.shape), T[want] * np.float32(2)))
    codes, scales = quantize(np.zeros(64, np.float32), "nf", 4)
    check("nf4 zero block -> scale 0, dequant 0",
          scales[0] == 0 and not dequantize(codes, scales, "nf", 4, (64,)).any())

    # Hand-worked uniform-2 blocks, table [-1, -1/3, 1/3, 1].
    a = np.float32(0.01)
    x = np.concatenate([np.repeat([a, -a], 32), np.full(64, 0.03, np.float32),
                        np.full(64, -0.03, np.float32), np.r_[np.full(63, 0.001), 1.0]]).astype(np.float32)
    codes, scales = quantize(x, "uniform", 2)
    # Block 0: mean 0, std = a * sqrt(64/63) -> scale 2.5198 a, x/scale = +-0.3969 -> codes 2 / 1.
    # Block 1: constant 0.03 -> std 0, scale 0.03, x/scale = 1 -> code 3, dequant 0.03.
    # Block 2: constant -0.03 -> scale -0.03 <= 0 -> zero block. Block 3: the 1.0 is past +1 -> code 3.
    s0 = np.float32(2.5 * 0.01 * np.sqrt(64 / 63))
    check("uniform2 hand blocks: scales", abs(scales[0] - s0) <= 1e-7 * s0 and scales[1] == np.float32(0.03)
          and scales[2] == 0 and scales[3] > 0, str(scales.tolist()))
    deq = dequantize(codes, scales, "uniform", 2, x.shape)
    check("uniform2 hand blocks: codes and clamping",
          codes[:64].tolist() == [2] * 32 + [1] * 32 and set(codes[64:128]) == {3} and codes[-1] == 3
          and set(codes[192:255]) == {2})
    check("uniform2 hand blocks: constant block exact, negative-scale block zero",
          np.all(deq[64:128] == np.float32(0.03)) and not deq[128:192].any())
    try:
        quantize(np.zeros(96, np.float32), "nf", 4)
        check("element count not a multiple of the block is refused", False)
    except ValueError:
        check("element count not a multiple of the block is refused", True)

    # Brute force vs the engine's float32-midpoint search, on every float32 within 64 ulps of each
    # midpoint. They can differ only (1) at y == fl32(midpoint) when that rounding crossed the exact
    # midpoint (brute force then agrees with the exact float64 nearest), and (2) for uniform, at
    # 0 < |y| < ~1.5e-8, where float32 |y -+ 1/3| round to a false tie that brute force gives to the
    # lower code. The reference (a torch argmin) does the same as this brute force.
    for m in ("nf", "uniform"):
        for b in BITS:
            t = codebook(m, b)
            mids = ((t[:-1] + t[1:]) / np.float32(2)).astype(np.float32)
            y = np.concatenate([_ulps_around(v, 64) for v in mids])
            brute, mid32 = nearest_codes(y, t), midpoint_codes(y, t)
            mid64 = np.searchsorted((t[:-1].astype(np.float64) + t[1:]) / 2, y, side="left")
            off = brute != mid64
            check(f"{m}{b}: brute-force codes == exact nearest" + ("" if m == "nf" else " but at tiny |y|"),
                  not off.any() if m == "nf" else bool(np.all(np.abs(y[off]) < 1e-7)),
                  f"{int(off.sum())} tiny |y| differ" if off.any() else "")
            print(f"     {m}{b}: float32-midpoint codes differ from brute force on "
                  f"{int(np.sum(brute != mid32))} of {y.size} near-midpoint values")

    # LoftQ invariants.
    w = make_matrix(64, 128, 0)
    r = loftq(w, "nf", 2, 8, 5)
    check("loftq: err_1 <= qlora, best <= err_1, best_step is argmin",
          r["rel_error"][0] <= r["qlora_rel_error"] and r["best_rel_error"] <= r["rel_error"][0]
          and r["best_step"] == 1 + int(np.argmin(r["rel_error"])),
          f"qlora {r['qlora_rel_error']:.5f} steps {[round(e, 5) for e in r['rel_error']]} "
          f"best step {r['best_step']}")
    full = loftq(w, "nf", 2, 64, 1)
    check("loftq: rank = min(m, n) leaves no error", full["rel_error"][0] < 1e-12)

    # safetensors round trip.
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.safetensors")
        f32 = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
        # RNE hand cases: 1+2^-8 is halfway between 1 and 1+2^-7 -> even (1); 1+3*2^-8 -> 1+2^-6.
        halves = np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), np.inf, np.nan], np.float32)
        st.write(p, {"f32": f32, "f64": f32.astype(np.float64), "f16": f32.astype(np.float16),
                     "bf16": st.encode(halves, "BF16"), "u8": np.arange(7, dtype=np.uint8),
                     "empty": np.zeros((0, 4), np.float32)}, {"k": "v"})
        t, meta = st.read_file(p)
        check("st round trip: F32/F64/F16/U8/empty exact, metadata kept",
              np.array_equal(st.to_array(t["f32"]), f32) and t["f64"][0] == "F64"
              and np.array_equal(st.to_array(t["f64"], np.float64), f32.astype(np.float64))
              and np.array_equal(st.to_array(t["f16"]), f32.astype(np.float16).astype(np.float32))
              and t["u8"] == ("U8", (7,), bytes(range(7))) and t["empty"][1] == (0, 4)
              and meta == {"k": "v"})
        bf = st.to_array(t["bf16"])
        check("st BF16 round-to-nearest-even", bf[:4].tolist() == [1.0, 1 + 2 ** -6, -1.0, np.inf]
              and np.isnan(bf[4]), str(bf.tolist()))
        blob = open(p, "rb").read()
        bad = {"truncated buffer": blob[:-1], "trailing byte": blob + b"\0",
               "header too long": (len(blob)).to_bytes(8, "little") + blob[8:],
               "invalid JSON": blob[:8] + b"x" + blob[9:],
               "non-UTF-8 header": blob[:8] + b"\xff" + blob[9:],
               "duplicate name": _dup_header(),
               "unknown dtype": blob.replace(b'"U8"', b'"U9"')}
        for what, data in bad.items():
            with open(p, "wb") as f:
                f.write(data)
            try:
                st.read_file(p)
                check(f"st rejects {what}", False)
            except st.SafetensorsError as e:
                check(f"st rejects {what}", p in str(e), str(e).split(": ", 1)[1][:70])
    pico = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "models", "pico-llama")
    pico = pico if os.path.isdir(pico) else "/work/shared/models/pico-llama"
    if os.path.isdir(pico):
        t = st.read(pico)
        q = st.to_array(t["model.layers.0.self_attn.q_proj.weight"])
        check("st reads sharded pico-llama (bf16)", len(t) == 57 and q.shape == (512, 512)
              and t["model.layers.0.self_attn.k_proj.weight"][:2] == ("BF16", (256, 512))
              and np.isfinite(q).all() and 0 < np.abs(q).max() < 10,
              f"{len(t)} tensors, q_proj std {q.std():.4f}")
    _export_selftest(check)
    print(f"{sum(checks)}/{len(checks)} checks passed")
    return all(checks)


def _export_selftest(check):
    """A tiny GPT-2-like checkpoint (Conv1D [in, out] weights, F16, an I64 buffer), exported by
    reference_export with alpha != r and a rank_pattern, then checked and tampered with."""
    import contextlib
    import io
    import tempfile
    import check_export
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as d:
        orig, out = os.path.join(d, "orig"), os.path.join(d, "out")
        os.makedirs(orig)
        with open(os.path.join(orig, "config.json"), "w") as f:
            json.dump({"architectures": ["GPT2LMHeadModel"]}, f)
        st.write(os.path.join(orig, "model.safetensors"), {
            "h.0.attn.c_attn.weight": make_matrix(96, 64, 1).T.astype(np.float16),  # [in, out]
            "h.0.mlp.c_fc.weight": make_matrix(128, 64, 2).T.astype(np.float16),
            "h.0.ln_1.weight": np.ones(64, np.float16),
            "wte.weight": rng.standard_normal((32, 64)).astype(np.float16),
            "h.0.attn.bias": np.arange(16, dtype=np.int64)})
        ref = reference_export(orig, out, "nf", 2, 4, 3, alpha=8, targets="c_attn,c_fc",
                               fan_in_fan_out=True, rank_pattern={"c_fc": 8})
        args = [orig, out, "--compare-reference", os.path.join(out, "reference.json")]

        def run(what, expect):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                rc = check_export.main(args)
            summary = json.loads(buf.getvalue().splitlines()[-1])
            check(f"check_export {what} -> exit {expect}", rc == expect,
                  "; ".join(summary["failures"])[:110])
            return buf.getvalue()

        lines = run("on a clean Conv1D export (alpha 8, r 4 / c_fc r 8)", 0)
        fc = json.loads(lines.splitlines()[1])
        check("check_export picks r and alpha per module from the patterns",
              fc["module"] == "h.0.mlp.c_fc" and fc["r"] == 8 and fc["alpha"] == 8
              and abs(fc["rel_error"] - ref["h.0.mlp.c_fc"]) < 1e-12)
        cfg_path = os.path.join(out, "loftq_init", "adapter_config.json")
        cfg = json.load(open(cfg_path))
        json.dump(dict(cfg, lora_alpha=4), open(cfg_path, "w"))  # PEFT would scale by 4/4, not 8/4
        run("with a wrong lora_alpha", 1)
        json.dump(dict(cfg, fan_in_fan_out=False), open(cfg_path, "w"))
        run("with fan_in_fan_out dropped", 1)
        json.dump(cfg, open(cfg_path, "w"))
        t = st.read(os.path.join(out, "model.safetensors"))
        dt, shape, raw = t["wte.weight"]
        t["wte.weight"] = (dt, shape, raw[:-1] + bytes([raw[-1] ^ 1]))
        st.write(os.path.join(out, "model.safetensors"), t)
        run("with one passthrough bit flipped", 1)


def _ulps_around(v, k):
    """v and the k float32 neighbours on each side."""
    lo, hi, out = np.float32(v), np.float32(v), [np.float32(v)]
    for _ in range(k):
        lo, hi = np.nextafter(lo, np.float32(-2)), np.nextafter(hi, np.float32(2))
        out += [lo, hi]
    return np.array(out, np.float32)


def _dup_header():
    h = b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    return len(h).to_bytes(8, "little") + h + b"\0"


# ---------------------------------------------------------------- CLI
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("selftest")
    c = sub.add_parser("case", help="LoftQ on one Gaussian (or given) matrix -> JSON")
    c.add_argument("--rows", type=int, default=64)
    c.add_argument("--cols", type=int, default=128)
    c.add_argument("--bits", type=int, default=4)
    c.add_argument("--method", choices=("nf", "uniform"), default="nf")
    c.add_argument("--rank", type=int, default=8)
    c.add_argument("--steps", type=int, default=5)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--block-size", type=int, default=64)
    c.add_argument("--structure-rank", type=int, default=0,
                   help="add a low-rank part to the 0.02 * Gaussian (default 0: plain Gaussian)")
    c.add_argument("--input", help=".npy file, or a safetensors file/folder with --tensor")
    c.add_argument("--tensor")
    c.add_argument("--save", help="also write W, Q1, codes1, scales1, Q, B, A (best step) here")
    c.add_argument("--out", required=True)
    m = sub.add_parser("make-cases", help="write OUT_DIR/vectors.safetensors and OUT_DIR/cases.json")
    m.add_argument("out_dir")
    e = sub.add_parser("reference-export", help="oracle export of ORIGINAL in the HF + PEFT layout")
    e.add_argument("original")
    e.add_argument("out")
    e.add_argument("--bits", type=int, default=2)
    e.add_argument("--method", choices=("nf", "uniform"), default="nf")
    e.add_argument("--rank", type=int, default=16)
    e.add_argument("--alpha", type=float)
    e.add_argument("--steps", type=int, default=5)
    e.add_argument("--block-size", type=int, default=64)
    e.add_argument("--targets", default=DEFAULT_TARGETS)
    e.add_argument("--fan-in-fan-out", action="store_true")
    a = p.parse_args(argv)

    if a.cmd == "selftest":
        return 0 if selftest() else 1
    if a.cmd == "make-cases":
        for cs in make_cases(a.out_dir):
            print(json.dumps({k: cs[k] for k in ("name", "method", "bits", "rows", "cols", "rank",
                                                  "qlora_rel_error", "best_rel_error", "best_step")}))
        return 0
    if a.cmd == "reference-export":
        ref = reference_export(a.original, a.out, a.method, a.bits, a.rank, a.steps, a.alpha,
                               a.targets, a.fan_in_fan_out, a.block_size)
        print(json.dumps({"modules": len(ref), "mean_rel_error": float(np.mean(list(ref.values())))}))
        return 0
    # case
    if a.input and a.input.endswith(".npy"):
        w = np.load(a.input).astype(np.float32)
    elif a.input:
        w = st.to_array(st.read(a.input)[a.tensor])
    else:
        w = make_matrix(a.rows, a.cols, a.seed, structure_rank=a.structure_rank)
    r = loftq(w, a.method, a.bits, a.rank, a.steps, a.block_size)
    result = {"rows": w.shape[0], "cols": w.shape[1], "bits": a.bits, "method": a.method,
              "rank": a.rank, "steps": a.steps, "block_size": a.block_size, "seed": a.seed,
              "codebook": codebook(a.method, a.bits).tolist(),
              "qlora_rel_error": r["qlora_rel_error"], "rel_error": r["rel_error"],
              "best_step": r["best_step"], "best_rel_error": r["best_rel_error"]}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    if a.save:
        st.write(a.save, {"W": w, "Q1": r["Q1"], "codes1": r["codes1"], "scales1": r["scales1"],
                          "Q": r["Q"], "B": r["B"].astype(np.float32), "A": r["A"].astype(np.float32)})
    print(json.dumps({k: result[k] for k in ("qlora_rel_error", "rel_error", "best_step")}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, KeyError, OSError) as e:  # bad input: one line, not a traceback
        sys.exit(f"loftq_oracle: error: {e}")
