#!/usr/bin/env python3
"""Golden sentence embeddings from the reference runtime (sentence-transformers
on torch, CPU, float32) for the engine's parity test.

    /work/venvs/engine/bin/python scripts/golden/make_embedding_golden.py \
        [--model-dir ~/.cache/ripvec/models/all-minilm-l6-v2] [--name minilm] \
        [--out tests/data/golden]

Writes OUT/NAME_texts.jsonl (line 1: metadata with versions and the model;
then one {"text", "n_tokens"} per input) and OUT/NAME_vectors.f32 (count x dim
little-endian float32, L2-normalized, in the same order).

The texts are built deterministically: code windows from
/work/shared/eval/dev/*/corpus (40-line windows of sorted files) when present,
prose, one-token and empty inputs, inputs far past the 256-token limit
(truncated by the tokenizer), and Unicode. They are stored in the output, so
the test does not need the corpus.

bge-small-en-v1.5: no copy of its weights is obtainable here, so no golden is
committed. Given a Hugging Face directory of it, the same script makes one:
    ... --model-dir /path/to/bge-small-en-v1.5 --name bge_small
(sentence-transformers reads its modules.json, so CLS pooling is used).

Versions used for the committed minilm files: see their metadata line
(python 3.11.7, torch 2.15.0, sentence-transformers 6.2.0, transformers
5.24.0, tokenizers 0.23.3, numpy 2.4.6).
"""
import argparse
import glob
import json
import os
import platform
import sys

import numpy as np

PROSE = [
    "retry with exponential backoff",
    "How do I parse command line flags in Go?",
    "A persistent index makes repeated searches instant.",
    "The quick brown fox jumps over the lazy dog.",
    "open a file and read it line by line",
    "HTTP session with connection pooling and cookies",
    "Convert a string to an integer, returning an error on failure.",
    "Semantic code search finds the function even when no word of the query appears in it.",
    "authentication headers for proxies",
    "walk a directory tree honoring .gitignore rules",
    "what does this error mean: connection reset by peer",
    "Represent this sentence for searching relevant passages: cache invalidation",
    "SELECT name, count(*) FROM users GROUP BY name HAVING count(*) > 1;",
    "TODO: handle the case where the timeout is zero",
    "def",
    "x",
    "?",
    "",
    "   ",
    "\n\n\t",
    "a",
    "Hello, World!",
]

UNICODE = [
    "Ünïcödé wörds: naïve café résumé",
    "日本語のテキストと English mixed",
    "Русский текст про повторные попытки",
    "emoji 🚀 rocket 🔥 fire ✨",
    "中文分词测试：指数退避重试",
    "Ελληνικά γράμματα αβγ",
    "ﬁ ligature and ﬀ and Å (combining A\u030a)",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    "مرحبا بالعالم",
    "한국어 문장입니다",
    "tab\tseparated\tvalues and \r\n line endings",
    "control \x01\x02 chars and \ufffd replacement",
]


def code_windows(limit):
    files = sorted(glob.glob("/work/shared/eval/dev/*/corpus/**/*", recursive=True))
    out = []
    for path in files:
        if not os.path.isfile(path) or os.path.getsize(path) > 200_000:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (UnicodeDecodeError, OSError):
            continue
        for start in range(0, len(lines), 120):  # every third 40-line window
            text = "\n".join(lines[start:start + 40]).strip()
            if text:
                out.append(text)
    # spread the picks over all files, deterministically
    step = max(1, len(out) // limit)
    return out[::step][:limit]


def long_inputs():
    words = ("retry backoff sleep jitter request response timeout error handler session "
             "connection pool cache index vector embedding").split()
    a = " ".join(words[i % len(words)] for i in range(700))  # ~700 tokens
    b = "\n".join(f"def function_{i}(x, y):\n    return x * {i} + y" for i in range(120))
    c = "supercalifragilisticexpialidocious " * 150  # many word pieces
    d = "x" * 5000  # one huge word -> [UNK]
    e = "é" * 300 + " " + "word " * 400
    return [a, b, c, d, e]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.expanduser("~/.cache/ripvec/models/all-minilm-l6-v2"))
    ap.add_argument("--name", default="minilm")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/data/golden"))
    ap.add_argument("--code", type=int, default=70, help="number of code windows")
    args = ap.parse_args()

    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    torch.set_num_threads(2)
    model = sentence_transformers.SentenceTransformer(args.model_dir, device="cpu")
    texts = code_windows(args.code) + PROSE + UNICODE + long_inputs()
    tok = model.tokenizer
    n_tokens = [len(tok(t, truncation=True, max_length=model.max_seq_length)["input_ids"]) for t in texts]
    with torch.no_grad():
        vecs = model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False).astype("<f4")
    os.makedirs(args.out, exist_ok=True)
    meta = {
        "model_dir_name": os.path.basename(os.path.normpath(args.model_dir)),
        "count": len(texts), "dim": int(vecs.shape[1]), "max_seq_length": model.max_seq_length,
        "made_by": "scripts/golden/make_embedding_golden.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "sentence_transformers": sentence_transformers.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "numpy": np.__version__},
    }
    with open(os.path.join(args.out, f"{args.name}_texts.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps(meta) + "\n")
        for t, n in zip(texts, n_tokens):
            f.write(json.dumps({"text": t, "n_tokens": n}, ensure_ascii=False) + "\n")
    vecs.tofile(os.path.join(args.out, f"{args.name}_vectors.f32"))
    print(f"{len(texts)} texts, dim {vecs.shape[1]}, token counts {min(n_tokens)}..{max(n_tokens)}", file=sys.stderr)


if __name__ == "__main__":
    main()
