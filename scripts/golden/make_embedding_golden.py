#!/usr/bin/env python3
"""Golden sentence embeddings from the reference runtime (sentence-transformers
on torch, CPU, float32) for the engine's parity and precision tests.

    bash scripts/golden/setup_reference.sh      # the pinned reference, in third_party/golden-venv
    make model                                  # the model files the C tests read
    third_party/golden-venv/bin/python scripts/golden/make_embedding_golden.py \
        [--texts minilm|code] [--model-dir DIR] [--name NAME] [--out tests/data/golden]

Writes OUT/NAME_texts.jsonl (line 1: metadata with versions and the model;
then one {"text", "n_tokens"} per input) and OUT/NAME_vectors.f32 (count x dim
little-endian float32, L2-normalized, in the same order).

The texts come from golden_texts.py beside this script, all written for
ripvec; nothing else is read (no corpus). Two sets:
  --texts minilm (NAME minilm): code samples in several languages, prose,
      one-token and empty inputs, inputs far past the 256-token limit, Unicode;
  --texts code (NAME minilm_code): the quality gate's code set, >= 100 texts
      with half or more at the 256-token limit (checked here).

bge-small-en-v1.5: no copy of its weights is obtainable here, so no golden is
committed. Given a Hugging Face directory of it, the same script makes one:
    ... --model-dir DIR/bge-small-en-v1.5 --name bge_small
(sentence-transformers reads its modules.json, so CLS pooling is used).

Versions used for the committed files: see their metadata line and
tests/data/golden/README.md.
"""
import argparse
import json
import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_texts  # noqa: E402

SETS = {"minilm": golden_texts.minilm_texts, "code": golden_texts.code_texts}
DEFAULT_NAME = {"minilm": "minilm", "code": "minilm_code"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.expanduser("~/.cache/ripvec/models/all-minilm-l6-v2"))
    ap.add_argument("--texts", choices=sorted(SETS), default="minilm")
    ap.add_argument("--name", default=None, help="output prefix (default: by --texts)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/data/golden"))
    args = ap.parse_args()
    name = args.name or DEFAULT_NAME[args.texts]

    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    torch.set_num_threads(2)
    model = sentence_transformers.SentenceTransformer(args.model_dir, device="cpu")
    texts = SETS[args.texts]()
    tok = model.tokenizer
    n_tokens = [len(tok(t, truncation=True, max_length=model.max_seq_length)["input_ids"]) for t in texts]
    at_limit = sum(n == model.max_seq_length for n in n_tokens)
    if args.texts == "code" and (len(texts) < 100 or 2 * at_limit < len(texts)):
        sys.exit(f"code set: {len(texts)} texts, {at_limit} at the limit (want >= 100, half)")
    with torch.no_grad():
        vecs = model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False).astype("<f4")
    os.makedirs(args.out, exist_ok=True)
    meta = {
        "model_dir_name": os.path.basename(os.path.normpath(args.model_dir)),
        "texts": args.texts, "count": len(texts), "at_token_limit": at_limit,
        "dim": int(vecs.shape[1]), "max_seq_length": model.max_seq_length,
        "made_by": "scripts/golden/make_embedding_golden.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "sentence_transformers": sentence_transformers.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "numpy": np.__version__},
    }
    with open(os.path.join(args.out, f"{name}_texts.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps(meta) + "\n")
        for t, n in zip(texts, n_tokens):
            f.write(json.dumps({"text": t, "n_tokens": n}, ensure_ascii=False) + "\n")
    vecs.tofile(os.path.join(args.out, f"{name}_vectors.f32"))
    print(f"{name}: {len(texts)} texts ({at_limit} at the limit), dim {vecs.shape[1]}, "
          f"token counts {min(n_tokens)}..{max(n_tokens)}", file=sys.stderr)


if __name__ == "__main__":
    main()
