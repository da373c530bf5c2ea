"""On the GPU machine: calibration statistics of a causal LM computed with transformers, in the
workbench's statistics format (docs/calibration.md), for use with `loftq quantize --calib` and as the
reference the calibrate command's H is checked against (tests/data/calib, test_calib_forward).
Forward hooks read the input of every target linear (the nn.Linear and GPT-2 Conv1D modules inside the
blocks); H = X^T X is summed in float64 per distinct input (q/k/v share one, gate/up share one) and
stored as the lower triangle in float32, with the manifest. Float32 forward without TF32.
usage: calib_reference_stats.py MODEL_DIR INPUT OUT.safetensors [CONTEXT] [MAX_TOKENS] [PARTS]
INPUT is a text (byte-vocabulary models: one id per byte) or a token file (a JSON array, *.json).
       calib_reference_stats.py merge OUT.safetensors PART.safetensors...   (no torch needed)
PARTS > 1 splits the inputs over OUT.partK.safetensors files (the GPU machine returns files of at most
16 MiB); merge joins them into one statistics file."""
import hashlib, json, struct, sys

def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]

if sys.argv[1] == "merge":
    header, data, inputs = {}, b"", []
    for part in sys.argv[3:]:
        h, d = read_safetensors(part)
        meta = json.loads(h.pop("__metadata__")["loftq_calibration"])
        inputs += meta["inputs"]
        for name, t in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            b, e = t["data_offsets"]
            header[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [len(data), len(data) + e - b]}
            data += d[b:e]
    meta["inputs"] = inputs
    header["__metadata__"] = {"loftq_calibration": json.dumps(meta)}
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + data)
    sys.exit(0)

import re
import torch, transformers as tf
from safetensors.torch import save_file
from transformers.pytorch_utils import Conv1D

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

model_dir, text_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
context = int(sys.argv[4]) if len(sys.argv) > 4 else 512
max_tokens = int(sys.argv[5]) if len(sys.argv) > 5 else 1 << 30
parts = int(sys.argv[6]) if len(sys.argv) > 6 else 1
# The same table as core/src/calib/input_groups.cpp.
SHARED = [["q_proj", "k_proj", "v_proj"], ["gate_proj", "up_proj"], ["query", "key", "value"], ["q", "k", "v"],
          ["w1", "w3"], ["wi_0", "wi_1"]]
CROSS, QUERY = {"encoder_attn", "EncDecAttention", "crossattention"}, {"q_proj", "query", "q"}

def input_name(path):
    parent, _, role = path.rpartition(".")
    cross = parent.rpartition(".")[2] in CROSS
    for group in SHARED:
        if role in group:
            if cross and role in QUERY:
                return path
            return parent + "." + "+".join(r for r in group if not (cross and r in QUERY))
    return path

def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()

dev = "cuda" if torch.cuda.is_available() else "cpu"
model = tf.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(dev).eval()
if text_file.endswith(".json"):
    data = json.load(open(text_file))
else:
    assert model.config.vocab_size == 256, "texts only for byte-vocabulary models; give others a token file"
    data = list(open(text_file, "rb").read())
windows = min(len(data), max_tokens) // context
assert windows > 0, "the input is shorter than one window"
ids = torch.tensor(data[: windows * context], device=dev).view(windows, context)

H, tokens, consumers, owner = {}, {}, {}, {}
def hook(path):
    name = input_name(path)
    consumers.setdefault(name, []).append(path)
    owner.setdefault(name, path)
    def f(module, args):
        if owner[name] != path:
            return
        x = args[0].reshape(-1, args[0].shape[-1]).double()
        H[name] = H.get(name, 0) + x.T @ x
        tokens[name] = tokens.get(name, 0) + x.shape[0]
    return f
for path, module in model.named_modules():
    if isinstance(module, (torch.nn.Linear, Conv1D)) and re.search(r"\.(layers|h)\.\d+\.", path):
        module.register_forward_pre_hook(hook(path))
with torch.no_grad():
    for w in range(windows):
        model(input_ids=ids[w : w + 1])

def manifest(names):
    return {"format": "loftq-calibration", "version": 1, "model": model_dir,
            "config_sha256": sha256(model_dir + "/config.json"), "text_sha256": sha256(text_file),
            "tokens": windows * context, "context": context, "damping_default": 0.01,
            "hessian": "H = X^T X per input, transformers float32 forward, float64 sums, stored float32",
            "layout": "lower triangle of H, row by row",
            "inputs": [{"name": n, "features": H[n].shape[0], "tokens": tokens[n], "consumers": consumers[n]} for n in names]}

def lower(h):
    rows, cols = torch.tril_indices(h.shape[0], h.shape[0])
    return h[rows, cols].float().contiguous().cpu()

names = list(H)
for k in range(parts):
    chunk = names[k * len(names) // parts : (k + 1) * len(names) // parts]
    path = out if parts == 1 else out.replace(".safetensors", f".part{k}.safetensors")
    save_file({n: lower(H[n]) for n in chunk}, path, metadata={"loftq_calibration": json.dumps(manifest(chunk))})
print(json.dumps({"inputs": len(H), "tokens": windows * context, "out": out, "parts": parts}))
