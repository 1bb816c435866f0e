#!/usr/bin/env python3
"""Writes the tiny random BERT's model.safetensors (Python standard library
only, so the build makes it at test time; weights are never committed).

    python3 scripts/golden/tiny_bert_weights.py OUT_DIR

Deterministic: random.Random(SEED).gauss. make_tiny_bert.py imports this to
compute the committed float64 reference outputs from the very same values.
"""
import json
import math
import os
import random
import struct
import sys

SEED = 20240611
H, LAYERS, HEADS, INTER, MAXPOS, TYPES = 32, 2, 4, 64, 64, 2
VOCAB_FILE = "vocab.txt"


def shapes(vocab_size):
    """(name, shape, scale, offset) in a fixed order."""
    out = [("embeddings.word_embeddings.weight", (vocab_size, H), 0.5, 0.0),
           ("embeddings.position_embeddings.weight", (MAXPOS, H), 0.3, 0.0),
           ("embeddings.token_type_embeddings.weight", (TYPES, H), 0.3, 0.0),
           ("embeddings.LayerNorm.weight", (H,), 0.1, 1.0),
           ("embeddings.LayerNorm.bias", (H,), 0.1, 0.0)]
    for l in range(LAYERS):
        p = f"encoder.layer.{l}."
        for n in ("query", "key", "value"):
            out.append((p + f"attention.self.{n}.weight", (H, H), 0.35, 0.0))
            out.append((p + f"attention.self.{n}.bias", (H,), 0.1, 0.0))
        out += [(p + "attention.output.dense.weight", (H, H), 0.25, 0.0),
                (p + "attention.output.dense.bias", (H,), 0.1, 0.0),
                (p + "attention.output.LayerNorm.weight", (H,), 0.1, 1.0),
                (p + "attention.output.LayerNorm.bias", (H,), 0.1, 0.0),
                (p + "intermediate.dense.weight", (INTER, H), 0.25, 0.0),
                (p + "intermediate.dense.bias", (INTER,), 0.2, 0.0),
                (p + "output.dense.weight", (H, INTER), 0.2, 0.0),
                (p + "output.dense.bias", (H,), 0.1, 0.0),
                (p + "output.LayerNorm.weight", (H,), 0.1, 1.0),
                (p + "output.LayerNorm.bias", (H,), 0.1, 0.0)]
    out += [("pooler.dense.weight", (H, H), 0.25, 0.0),  # in BERT checkpoints, unused
            ("pooler.dense.bias", (H,), 0.1, 0.0)]
    return out


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def weights(vocab_size):
    """{name: (shape, dtype, raw bytes, list of the float values the file holds)}."""
    rng = random.Random(SEED)
    W = {}
    for name, shape, scale, offset in shapes(vocab_size):
        n = math.prod(shape)
        vals = [f32(offset + rng.gauss(0.0, 1.0) * scale) for _ in range(n)]
        if name == "embeddings.word_embeddings.weight":
            raw = struct.pack(f"<{n}e", *vals)
            held = list(struct.unpack(f"<{n}e", raw))
            W[name] = (shape, "F16", raw, held)
        elif name.startswith("encoder.layer.1.intermediate") or name.startswith("encoder.layer.1.output.dense"):
            bits = []
            for v in vals:
                b = struct.unpack("<I", struct.pack("<f", v))[0]
                bits.append(((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF)
            raw = struct.pack(f"<{n}H", *bits)
            held = [struct.unpack("<f", struct.pack("<I", b << 16))[0] for b in bits]
            W[name] = (shape, "BF16", raw, held)
        else:
            W[name] = (shape, "F32", struct.pack(f"<{n}f", *vals), vals)
    return W


def write(out_dir):
    with open(os.path.join(out_dir, VOCAB_FILE)) as f:
        vocab_size = sum(1 for line in f if line.rstrip("\n"))
    W = weights(vocab_size)
    entries = [("bert." + k, dt, shape, raw) for k, (shape, dt, raw, _) in W.items()]
    # BERT checkpoints carry an int64 position_ids buffer; loaders must skip it.
    entries.append(("bert.embeddings.position_ids", "I64", (1, MAXPOS),
                    struct.pack(f"<{MAXPOS}q", *range(MAXPOS))))
    entries.sort(key=lambda e: e[0])
    header, off = {}, 0
    for name, dt, shape, raw in entries:
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    header["__metadata__"] = {"format": "pt", "made_by": "scripts/golden/tiny_bert_weights.py"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    tmp = os.path.join(out_dir, "model.safetensors.tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for e in entries:
            f.write(e[3])
    os.replace(tmp, os.path.join(out_dir, "model.safetensors"))
    return W


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else "tests/data/tiny_bert")
