#!/usr/bin/env python3
"""Regenerates the seed corpus in fuzz/corpus/ from the repository's checkpoints.

safetensors_header/: 8 bytes of data length (little-endian, the fuzz target's input format),
then the length field and JSON header of each fixture file; shard_index/: the index files.
Run from the repository root: python3 fuzz/make_seeds.py
"""
import glob
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def seed_name(path):
    rel = os.path.relpath(path, ROOT).replace(os.sep, "__")
    return rel.replace("..__", "")


def main():
    headers = os.path.join(OUT, "safetensors_header")
    indexes = os.path.join(OUT, "shard_index")
    os.makedirs(headers, exist_ok=True)
    os.makedirs(indexes, exist_ok=True)
    files = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/*/*.safetensors")) +
                   glob.glob(os.path.join(ROOT, "resources/demo/*/*.safetensors")) +
                   glob.glob(os.path.join(ROOT, "../shared/models/*/*.safetensors")))
    for path in files:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = f.read(n)
        data = os.path.getsize(path) - 8 - n
        with open(os.path.join(headers, seed_name(path) + ".bin"), "wb") as f:
            f.write(struct.pack("<Q", data) + struct.pack("<Q", n) + header)
    # Small hand-made ones: no tensors, metadata only, leading spaces, zero-sized tensors.
    small = {
        "empty.bin": (0, b"{}"),
        "metadata_only.bin": (0, b'{"__metadata__":{"format":"pt"}}'),
        "leading_spaces.bin": (8, b'   {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}   '),
        "zero_sized.bin": (4, b'{"z":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},'
                              b'"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}'),
    }
    for name, (data, header) in small.items():
        with open(os.path.join(headers, name), "wb") as f:
            f.write(struct.pack("<Q", data) + struct.pack("<Q", len(header)) + header)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/*/*.index.json")) +
                       glob.glob(os.path.join(ROOT, "../shared/models/*/*.index.json"))):
        with open(path, "rb") as f, open(os.path.join(indexes, seed_name(path)), "wb") as g:
            g.write(f.read())
    with open(os.path.join(indexes, "minimal.json"), "wb") as f:
        f.write(b'{"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors",'
                b'"b":"model-00002-of-00002.safetensors"}}')


if __name__ == "__main__":
    main()
