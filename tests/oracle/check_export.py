#!/usr/bin/python3
"""Independent checker of a finished HF + PEFT export (docs/formats.md), numpy only.

For every module with lora_A/lora_B in EXPORT/<adapter>/adapter_model.safetensors it measures, in
float64 on the stored bytes, err = ||W - Q - (alpha/r) B A||_F / ||W||_F and ||W - Q||_F / ||W||_F
(W from ORIGINAL, Q from EXPORT). Every other tensor must be byte-identical. Prints one JSON line
per module, then a summary line; exit status 0 when every check passed, 1 otherwise.
"""
import argparse
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

ADAPTER_NAME = re.compile(r"^base_model\.model\.(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$")
NAME_KEYS = ("name", "module", "tensor", "layer", "path")


def pattern_value(patterns, module, default):
    """PEFT's rule: first key with re.match(rf"(.*\\.)?({key})$", module) wins."""
    for key, value in (patterns or {}).items():
        if re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


def normalize(name):
    name = name[len("base_model.model."):] if name.startswith("base_model.model.") else name
    return name[:-len(".weight")] if name.endswith(".weight") else name


def report_layers(node, key_hint=None, found=None):
    """Per-layer entries of a report of unknown design: any dict holding a key with "error" in
    it, named by a name-like key or, failing that, by the dict key it sits under."""
    found = {} if found is None else found
    if isinstance(node, dict):
        name = next((node[k] for k in NAME_KEYS if isinstance(node.get(k), str)), key_hint)
        if name and any("error" in k.lower() for k in node):
            found[normalize(name)] = node
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                report_layers(v, k, found)
    elif isinstance(node, list):
        for v in node:
            report_layers(v, None, found)
    return found


def compare_report(entry, err, qlora, tol):
    """-> (side-by-side dict, problem or None). Our exported err must match at least one scalar
    "error" field (qlora fields excluded: the report's qlora uses Q_1, the export holds Q_best)."""
    side, matched, candidates = {}, False, 0
    flat = {}
    for k, v in entry.items():  # one level of nesting, e.g. {"errors": {"best": ...}}
        flat.update({f"{k}.{k2}": v2 for k2, v2 in v.items()} if isinstance(v, dict) else {k: v})
    for k, v in flat.items():
        if "error" not in k.lower():
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ours = qlora if "qlora" in k.lower() else err
            side[k] = {"report": v, "ours": ours, "rel_diff": abs(v - ours) / max(abs(ours), 1e-30)}
            if "qlora" not in k.lower():
                candidates += 1
                matched |= side[k]["rel_diff"] <= tol
        else:
            side[k] = {"report": v}
    if candidates == 0:
        return side, "report entry has no scalar error field to compare with the exported error"
    return side, None if matched else f"no report error field is within {tol} (relative) of {err:.6g}"


def check_blocks(q, bits, block):
    """Each block of a quantized [out, in] Q can hold at most 2^bits distinct values."""
    flat = q.reshape(-1)
    if flat.size % block:
        return f"{flat.size} elements not divisible by block {block}"
    worst = max(len(np.unique(b)) for b in flat.reshape(-1, block))
    return None if worst <= 2 ** bits else f"a block holds {worst} distinct values > 2^{bits}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("original", help="the source checkpoint (folder or .safetensors)")
    p.add_argument("export", help="the export folder")
    p.add_argument("--adapter", default="loftq_init")
    p.add_argument("--report-tolerance", type=float, default=1e-4,
                   help="relative tolerance against loftq_report.json error fields")
    p.add_argument("--compare-reference", metavar="FILE.json",
                   help="{module: best_rel_error}; each must agree within 0.2%% relative")
    p.add_argument("--block-size", type=int, default=64, help="for the distinct-values check")
    a = p.parse_args(argv)

    failures, warnings = [], []
    orig, exp = st.read(a.original), st.read(a.export)
    adir = os.path.join(a.export, a.adapter)
    with open(os.path.join(adir, "adapter_config.json")) as f:
        cfg = json.load(f)
    adapter = st.read(os.path.join(adir, "adapter_model.safetensors"))
    if cfg.get("peft_type") != "LORA":
        failures.append(f"adapter_config peft_type is {cfg.get('peft_type')!r}, not LORA")
    if cfg.get("init_lora_weights") is not True:
        failures.append(f"adapter_config init_lora_weights is {cfg.get('init_lora_weights')!r}, not true")
    for k in cfg.get("rank_pattern") or {}:
        if k not in (cfg.get("alpha_pattern") or {}):
            warnings.append(f"rank_pattern key {k!r} has no alpha_pattern entry")
    fifo = bool(cfg.get("fan_in_fan_out"))

    modules = {}
    for name in adapter:
        m = ADAPTER_NAME.match(name)
        if m:
            modules.setdefault(m.group(1), {})[m.group(2)] = name
        else:
            warnings.append(f"adapter tensor {name} is not a lora_A/lora_B weight")

    report, reference = {}, None
    report_path = os.path.join(a.export, "loftq_report.json")
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = report_layers(json.load(f))
        if not report:
            warnings.append("loftq_report.json has no per-layer entries with an error field")
    else:
        warnings.append("no loftq_report.json")
    if a.compare_reference:
        with open(a.compare_reference) as f:
            reference = {normalize(k): v for k, v in json.load(f).items()}
        for k in reference:
            if k not in modules:
                failures.append(f"reference module {k} has no adapter in the export")

    errs, qloras = [], []
    for module in sorted(modules):
        rec, problems = {"module": module}, []
        wname = module + ".weight"
        ab = modules[module]
        if set(ab) != {"A", "B"} or wname not in orig or wname not in exp:
            problems.append("lora_A or lora_B missing" if set(ab) != {"A", "B"}
                            else f"{wname} missing from the {'original' if wname not in orig else 'export'}")
            rec.update(ok=False, problems=problems)
            failures.append(f"{module}: {problems[0]}")
            print(json.dumps(rec))
            continue
        (wd, ws, _), (qd, qs, _) = orig[wname], exp[wname]
        if (wd, ws) != (qd, qs):
            problems.append(f"Q is {qd} {list(qs)}, W was {wd} {list(ws)}")
        w, q = st.to_array(orig[wname], np.float64), st.to_array(exp[wname], np.float64)
        if fifo:  # Conv1D stores [in, out]; LoRA's A is [r, in], B is [out, r]
            w, q = w.T, q.T
        A, B = st.to_array(adapter[ab["A"]], np.float64), st.to_array(adapter[ab["B"]], np.float64)
        r = pattern_value(cfg.get("rank_pattern"), module, cfg.get("r"))
        alpha = pattern_value(cfg.get("alpha_pattern"), module, cfg.get("lora_alpha"))
        rec.update(shape=list(w.shape), dtype=qd, adapter_dtype=adapter[ab["A"]][0], r=r, alpha=alpha)
        if A.shape != (r, w.shape[1]) or B.shape != (w.shape[0], r):
            problems.append(f"A {list(A.shape)} / B {list(B.shape)} do not fit r={r}, W {list(w.shape)}")
        elif not (np.isfinite(q).all() and np.isfinite(A).all() and np.isfinite(B).all()):
            problems.append("non-finite values in Q, A or B")
        else:
            nw = np.linalg.norm(w)
            err = float(np.linalg.norm(w - q - (alpha / r) * (B @ A)) / nw)
            qlora = float(np.linalg.norm(w - q) / nw)
            errs.append(err)
            qloras.append(qlora)
            rec.update(scaling=alpha / r, rel_error=err, qlora_rel_error=qlora,
                       improvement=1 - err / qlora if qlora else 0.0)
            if err > qlora * (1 + 1e-6):
                problems.append(f"adapters make it worse: {err:.6g} > backbone-only {qlora:.6g}")
            entry = report.get(module)
            if entry is not None:
                rec["report"], problem = compare_report(entry, err, qlora, a.report_tolerance)
                if problem:
                    problems.append(problem)
                bits = entry.get("bits")
                if isinstance(bits, int) and not isinstance(bits, bool):
                    problem = check_blocks(q, bits, a.block_size)
                    if problem:
                        problems.append(problem)
            elif report:
                warnings.append(f"{module}: not in loftq_report.json")
            if reference is not None:
                if module in reference:
                    ref = reference[module]
                    rd = abs(err - ref) / max(abs(ref), 1e-30)
                    rec["reference"] = {"best_rel_error": ref, "rel_diff": rd}
                    if rd > 0.002:
                        problems.append(f"rel_error {err:.6g} differs from reference {ref:.6g} by {rd:.3%}")
                else:
                    warnings.append(f"{module}: not in the reference file")
        rec.update(ok=not problems, problems=problems)
        failures += [f"{module}: {x}" for x in problems]
        print(json.dumps(rec))

    # Everything without an adapter must come through untouched.
    quantized = {m + ".weight" for m in modules}
    passthrough = 0
    for name, entry in orig.items():
        if name in quantized:
            continue
        if name not in exp:
            failures.append(f"{name}: missing from the export")
        elif exp[name] != entry:
            d, s, _ = exp[name]
            failures.append(f"{name}: not byte-identical ({d} {list(s)} vs {entry[0]} {list(entry[1])})")
        else:
            passthrough += 1
    for name in exp:
        if name not in orig:
            failures.append(f"{name}: in the export but not in the original")

    summary = {"summary": True, "ok": not failures, "modules": len(modules),
               "passthrough_tensors": passthrough,
               "mean_rel_error": float(np.mean(errs)) if errs else None,
               "mean_qlora_rel_error": float(np.mean(qloras)) if qloras else None,
               "report_layers": len(report), "failures": failures, "warnings": warnings}
    print(json.dumps(summary))
    return 0 if not failures else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, KeyError, OSError) as e:  # unreadable input is a failed check, not a crash
        print(json.dumps({"summary": True, "ok": False, "failures": [f"{type(e).__name__}: {e}"]}))
        sys.exit(1)
