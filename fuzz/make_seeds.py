#!/usr/bin/env python3
"""Writes seed inputs that are not committed into OUT_DIR for one fuzz target:
small valid safetensors files (weight files in form) for fuzz_safetensors, and
the chunker's fixtures (tests/data/chunk) behind their language byte for
fuzz_chunk, so the seeds follow the fixtures instead of copying them.

    python3 fuzz/make_seeds.py TARGET OUT_DIR
"""
import json
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def safetensors(tensors):
    header, off, blobs = {}, 0, []
    for name, dt, shape, raw in tensors:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    header["__metadata__"] = {"format": "pt"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(hj)) + hj + b"".join(blobs)


def chunk_paths():
    """fuzz_chunk.c's k_paths table: input byte % len picks the file name."""
    src = open(os.path.join(ROOT, "fuzz", "fuzz_chunk.c")).read()
    table = re.search(r"k_paths\[\] = \{(.*?)\};", src, re.S).group(1)
    return re.findall(r'"([^"]*)"', table)


def chunk_seeds(out):
    paths = chunk_paths()
    n = len(paths)
    fixtures = os.path.join(ROOT, "tests", "data", "chunk")
    for i, name in enumerate(sorted(os.listdir(fixtures))):
        ext = os.path.splitext(name)[1]
        idx = next((j for j, p in enumerate(paths) if os.path.splitext(p)[1] == ext), None)
        if idx is None:
            sys.exit("make_seeds: fuzz_chunk.c has no file name ending in %s (for %s)" % (ext, name))
        # Higher multiples vary the token budget and window the byte also sets.
        byte = idx + n * (1 + i % ((255 - idx) // n))
        with open(os.path.join(fixtures, name), "rb") as f:
            body = f.read()
        with open(os.path.join(out, "seed_" + name), "wb") as f:
            f.write(bytes([byte]) + body)


def safetensors_seeds(out):
    seeds = {
        "f64.safetensors": [("x", "F64", [2], struct.pack("<2d", 1.5, -2.25))],
        "mixed.safetensors": [
            ("a", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
            ("b", "F16", [3], struct.pack("<3e", 0.5, -1, 2)),
            ("c", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
            ("d", "I64", [1, 2], struct.pack("<2q", 0, 1)),
        ],
    }
    for name, tensors in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(safetensors(tensors))


def main(target, out):
    os.makedirs(out, exist_ok=True)
    makers = {"fuzz_safetensors": safetensors_seeds, "fuzz_chunk": chunk_seeds}
    if target in makers:
        makers[target](out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_seeds.py TARGET OUT_DIR")
    main(sys.argv[1], sys.argv[2])
