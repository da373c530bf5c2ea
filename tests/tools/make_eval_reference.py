#!/usr/bin/python3
"""Reference figures for `loftq eval` from Hugging Face transformers + PEFT (docs/model.md).

usage:
  make_eval_reference.py tokens DATA_DIR          write the token files the cases name (pure Python)
  make_eval_reference.py run CASES.json OUT.json SHARED DATA EXPORTS
                                                  on a machine with torch, transformers and PEFT

Each case of CASES.json names a model: an original checkpoint (`model`), or an export of it
(`export`: an hf-peft folder, loaded with from_pretrained + PeftModel.from_pretrained of its
loftq_init/; or `packed`: a model.loftq, decoded with tests/tools/decode_lowbit.py's numpy decoder
into the original's modules, which gives the hf-peft export's Q bit for bit, and its embedded
loftq_init/ loaded with PEFT), a variant (full = backbone + adapter, backbone = without it), the
ids (`text`: one id per byte, as the byte-level tokenizer; `tokens`: a JSON array), the context C
and max_tokens N. Windows: ids[:N] cut to whole windows, .view(-1, C); logits of positions
0..C-2 against ids 1..C-1. Figures, over all predictions: NLL (mean -log p), NLL of the original,
KL(original || model) mean and 99th percentile (numpy's linear interpolation), top-1 agreement,
per-window NLL. float32 on the CPU (no TF32), KL and means accumulated in float64.
Paths in CASES.json use ${SHARED}, ${DATA} and ${EXPORTS}.
"""
import json
import os
import random
import sys

# Token files: random ids with repeated stretches, so that attention has something to find.
TOKEN_FILES = {"fixture128.tokens.json": (128, 1024), "fixture128-gpt2.tokens.json": (128, 512),
               "stories512.tokens.json": (512, 2048)}


def make_tokens(data_dir):
    for name, (vocab, count) in TOKEN_FILES.items():
        rng = random.Random(name)
        ids = []
        while len(ids) < count:
            if ids and rng.random() < 0.5:
                start = rng.randrange(len(ids))
                ids.extend(ids[start:start + rng.randrange(4, 24)])
            else:
                ids.extend(rng.randrange(vocab) for _ in range(rng.randrange(4, 24)))
        with open(os.path.join(data_dir, name), "w") as f:
            json.dump(ids[:count], f)
            f.write("\n")


def expand(path, roots):
    for key, value in roots.items():
        path = path.replace("${" + key + "}", value)
    return path


def case_ids(case, roots):
    if "text" in case:
        with open(expand(case["text"], roots), "rb") as f:
            return list(f.read())
    with open(expand(case["tokens"], roots)) as f:
        return json.load(f)


def run(cases_file, out_file, roots):
    import numpy as np
    import tempfile
    import torch
    import transformers as tf
    from peft import PeftModel
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import decode_lowbit
    import st

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    def load(path):
        return tf.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()

    def packed_backbone(original_dir, packed):
        model = load(original_dir)
        tensors, meta = st.read_file(packed)
        layout = json.loads(meta["loftq.layout"])
        params = dict(model.named_parameters())
        for name, layer in layout["layers"].items():
            out_f, in_f = layer["shape"]
            n = out_f * in_f
            codes = decode_lowbit.unpack_codes(np.frombuffer(tensors[layer["codes"]][2], np.uint8), layer["bits"], n)
            q = decode_lowbit.dequantize(codes, st.to_array(tensors[layer["scales"]]),
                                         st.to_array(tensors[layer["codebook"]]), layer["block_size"])
            stored = decode_lowbit.as_stored(q, (out_f, in_f), layout_dtype(layout, name), layer["conv1d_transposed"])
            with torch.no_grad():
                params[name].copy_(torch.from_numpy(st.to_array(stored).copy()))
        adapter_dir = tempfile.mkdtemp()
        os.makedirs(os.path.join(adapter_dir, "loftq_init"))
        for key, entry in tensors.items():
            if key.startswith("loftq.file:loftq_init/"):
                with open(os.path.join(adapter_dir, key[len("loftq.file:"):]), "wb") as f:
                    f.write(entry[2])
        return model, os.path.join(adapter_dir, "loftq_init")

    def layout_dtype(layout, name):
        for shard in layout["hf_peft"]["shards"]:
            for t in shard["tensors"]:
                if t["name"] == name:
                    return t["dtype"]
        raise KeyError(name)

    def build(case):
        if "model" in case:
            return load(expand(case["model"], roots))
        if "export" in case:
            folder = expand(case["export"], roots)
            model, adapter = load(folder), os.path.join(folder, "loftq_init")
        else:
            model, adapter = packed_backbone(expand(case["original"], roots), expand(case["packed"], roots))
        if case.get("variant", "full") == "full":
            model = PeftModel.from_pretrained(model, adapter).eval()
        return model

    def log_probs(model, windows):
        out = []
        with torch.no_grad():
            for batch in windows.split(4):
                out.append(torch.log_softmax(model(input_ids=batch).logits.float(), dim=-1))
        return torch.cat(out)

    results = {}
    with open(cases_file) as f:
        cases = json.load(f)
    for case in cases:
        ids = case_ids(case, roots)
        C = case["context"]
        n = min(case.get("max_tokens", 16384), len(ids)) // C * C
        windows = torch.tensor(ids[:n]).view(-1, C)
        targets = windows[:, 1:]
        lp = log_probs(build(case), windows)[:, :-1]
        nll = -lp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).double()
        r = {"nll": nll.mean().item(), "window_nll": nll.mean(dim=1).tolist(), "predictions": nll.numel(),
             "windows": windows.shape[0]}
        if "original" in case:
            lo = log_probs(load(expand(case["original"], roots)), windows)[:, :-1]
            nll_o = -lo.gather(-1, targets.unsqueeze(-1)).squeeze(-1).double()
            kl = (lo.double().exp() * (lo.double() - lp.double())).sum(-1).reshape(-1)
            r.update({"nll_original": nll_o.mean().item(), "kl_mean": kl.mean().item(),
                      "kl_p99": float(np.percentile(kl.numpy(), 99)),
                      "top1_agreement": (lo.argmax(-1) == lp.argmax(-1)).double().mean().item(),
                      "delta_nll": (nll.mean() - nll_o.mean()).item()})
        results[case["name"]] = r
        print(case["name"], json.dumps({k: v for k, v in r.items() if k != "window_nll"}), flush=True)
    import peft
    with open(out_file, "w") as f:
        json.dump({"generator": "tests/tools/make_eval_reference.py",
                   "versions": {"torch": torch.__version__, "transformers": tf.__version__, "peft": peft.__version__},
                   "cases": results}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "tokens":
        make_tokens(sys.argv[2])
    elif len(sys.argv) == 7 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], {"SHARED": sys.argv[4], "DATA": sys.argv[5], "EXPORTS": sys.argv[6]})
    else:
        sys.exit(__doc__)
