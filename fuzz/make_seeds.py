#!/usr/bin/env python3
"""Writes binary seed inputs that are not committed (they are weight files in
form) into OUT_DIR: small valid safetensors files for fuzz_safetensors.

    python3 fuzz/make_seeds.py OUT_DIR
"""
import json
import os
import struct
import sys


def safetensors(tensors):
    header, off, blobs = {}, 0, []
    for name, dt, shape, raw in tensors:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    header["__metadata__"] = {"format": "pt"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(hj)) + hj + b"".join(blobs)


def main(out):
    os.makedirs(out, exist_ok=True)
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


if __name__ == "__main__":
    main(sys.argv[1])
