"""Minimal safetensors reader/writer in numpy, written from the safetensors rules of docs/formats.md.

An entry is (dtype string, shape tuple, raw little-endian bytes); weights become numpy arrays
only on request (to_array), so tensors we never touch can be compared byte for byte.
"""
import json
import os
import struct
import tempfile

import numpy as np

# dtype string -> element size in bytes. Only the float types convert to arrays; the rest are
# kept as raw bytes (docs/formats.md: copy them through untouched).
SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
         "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
         "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
MAX_HEADER = 100_000_000


class SafetensorsError(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise SafetensorsError(f"duplicate name {k!r}")
        seen[k] = v
    return seen


def read_file(path):
    """Read one .safetensors file -> ({name: (dtype, shape, bytes)}, metadata dict)."""
    def fail(msg):
        raise SafetensorsError(f"{path}: {msg}")
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        fail("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8 or n > MAX_HEADER:
        fail(f"header length {n} exceeds the file ({len(blob)} bytes) or the 100 MB limit")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
    except SafetensorsError as e:
        fail(str(e))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"header is not valid UTF-8 JSON ({e})")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    buf = blob[8 + n:]
    out, spans = {}, []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], tuple(info["shape"]), info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            fail(f"{name}: malformed entry {info!r}")
        if dtype not in SIZES:
            fail(f"{name}: unknown dtype {dtype!r}")
        if not all(isinstance(d, int) and d >= 0 for d in shape) or not isinstance(begin, int) \
                or not isinstance(end, int):
            fail(f"{name}: bad shape or offsets")
        if end < begin:
            fail(f"{name}: end {end} < begin {begin}")
        nbytes = SIZES[dtype] * int(np.prod(shape, dtype=object))  # Python ints: no overflow
        if nbytes != end - begin:
            fail(f"{name}: shape {list(shape)} x {dtype} is {nbytes} bytes, offsets span {end - begin}")
        spans.append((begin, end, name))
        out[name] = (dtype, shape, buf[begin:end])
    # The spans must tile [0, len(buf)) exactly: no overlap, no hole, nothing after the last.
    pos = 0
    for begin, end, name in sorted(spans):
        if begin != pos:
            fail(f"{name}: data at {begin} but previous tensor ended at {pos} (overlap or hole)")
        pos = end
    if pos != len(buf):
        fail(f"tensors cover {pos} bytes but the data buffer has {len(buf)}")
    return out, meta


def read(path):
    """A .safetensors file or a HF folder (model.safetensors or a sharded index) -> {name: entry}."""
    if not os.path.isdir(path):
        return read_file(path)[0]
    index = os.path.join(path, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_file(os.path.join(path, "model.safetensors"))[0]
    with open(index) as f:
        weight_map = json.load(f, object_pairs_hook=_no_duplicates)["weight_map"]
    shards, out = {}, {}
    for name, shard in weight_map.items():
        if shard not in shards:
            shards[shard] = read_file(os.path.join(path, shard))[0]
        if name not in shards[shard]:
            raise SafetensorsError(f"{index}: {name} not found in shard {shard}")
        out[name] = shards[shard][name]
    return out


def to_array(entry, dtype=np.float32):
    """Entry -> numpy array of the given float dtype (BF16: the 16 bits are the top of a float32)."""
    st_dtype, shape, raw = entry
    if st_dtype == "BF16":
        a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    elif st_dtype in NUMPY:
        a = np.frombuffer(raw, NUMPY[st_dtype])
    else:
        raise SafetensorsError(f"cannot convert {st_dtype} to an array")
    return a.reshape(shape).astype(dtype)


def f32_to_bf16_bits(x):
    """float32 -> bf16 bit patterns, round to nearest even; NaN stays a (quiet) NaN."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(x), np.uint16(0x7FC0), r)


def encode(array, st_dtype):
    """numpy array -> entry in the given safetensors dtype (floats are rounded to nearest even)."""
    a = np.asarray(array)
    if st_dtype == "BF16":
        raw = f32_to_bf16_bits(a.astype(np.float32)).astype("<u2").tobytes()
    else:
        raw = np.ascontiguousarray(a, dtype=NUMPY[st_dtype]).tobytes()
    return (st_dtype, tuple(a.shape), raw)


_INFER = {np.dtype(v): k for k, v in NUMPY.items()}


def write(path, tensors, metadata=None):
    """Write {name: entry or numpy array} atomically (temp file in the same folder, fsync, rename)."""
    entries = {}
    for name, t in tensors.items():
        if isinstance(t, np.ndarray):
            t = encode(t, _INFER[t.dtype])
        entries[name] = t
    header, pos = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, (dtype, shape, raw) in entries.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [pos, pos + len(raw)]}
        pos += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)  # pad with spaces so the data starts 8-aligned
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".st-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h)
            for _, _, raw in entries.values():
                f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
