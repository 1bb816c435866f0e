#!/usr/bin/env python3
"""Make the tiny random BERT the engine's unit tests run on, with reference
outputs from an independent float64 numpy forward pass (and, when torch and
transformers are importable, a cross-check against transformers' BertModel).

    third_party/golden-venv/bin/python scripts/golden/make_tiny_bert.py [OUT_DIR]   # bash scripts/golden/setup_reference.sh

Writes OUT_DIR (default tests/data/tiny_bert): config.json, vocab.txt,
tokenizer.json, 1_Pooling/config.json (mean), model.safetensors and
reference.json. Deterministic (fixed seed). Weights use three dtypes (F32,
F16 for the word embeddings, BF16 for layer 1's FFN) and the "bert." name
prefix, so loading exercises conversion and prefix handling.

Versions used to make the committed files: python 3.11, numpy 2.4.6,
torch 2.15.0, transformers 5.24.0, tokenizers 0.23.3.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_bert_weights  # noqa: E402

SEED = 20240611
H, LAYERS, HEADS, INTER, MAXPOS, TYPES = 32, 2, 4, 64, 64, 2
EPS = 1e-12

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ("the of and to in is for return def class self if else while with from import "
         "int float str print error retry backoff exponential sleep time data value list "
         "dict func main test file open read write http request response json").split()
PUNCT = list("()[]{}.,:;=+-*/<>\"'#_!?@&|")


def build_vocab():
    v = list(SPECIAL)
    v += PUNCT
    v += list("abcdefghijklmnopqrstuvwxyz0123456789")
    v += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    v += ["##s", "##ing", "##ed", "##er", "##tion"]
    for w in WORDS:
        if w not in v:
            v.append(w)
    return v


def erf(x):
    from math import erf as e
    return np.vectorize(e)(x)


def layer_norm(x, w, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + EPS) * w + b


def forward(W, ids):
    """float64 reference of one sequence; returns (mean-pooled, cls) normalized."""
    W = {k: v.astype(np.float64) for k, v in W.items()}
    L = len(ids)
    x = W["embeddings.word_embeddings.weight"][ids]
    x = x + W["embeddings.position_embeddings.weight"][:L] + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"])
    hd = H // HEADS
    for l in range(LAYERS):
        p = f"encoder.layer.{l}."
        q = x @ W[p + "attention.self.query.weight"].T + W[p + "attention.self.query.bias"]
        k = x @ W[p + "attention.self.key.weight"].T + W[p + "attention.self.key.bias"]
        v = x @ W[p + "attention.self.value.weight"].T + W[p + "attention.self.value.bias"]
        ctx = np.zeros_like(x)
        for h in range(HEADS):
            s = slice(h * hd, (h + 1) * hd)
            sc = q[:, s] @ k[:, s].T / np.sqrt(hd)
            sc = np.exp(sc - sc.max(-1, keepdims=True))
            sc /= sc.sum(-1, keepdims=True)
            ctx[:, s] = sc @ v[:, s]
        a = ctx @ W[p + "attention.output.dense.weight"].T + W[p + "attention.output.dense.bias"]
        x = layer_norm(a + x, W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"])
        i = x @ W[p + "intermediate.dense.weight"].T + W[p + "intermediate.dense.bias"]
        i = 0.5 * i * (1 + erf(i / np.sqrt(2)))
        o = i @ W[p + "output.dense.weight"].T + W[p + "output.dense.bias"]
        x = layer_norm(o + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"])
    mean = x.mean(0)
    cls = x[0]
    return mean / np.linalg.norm(mean), cls / np.linalg.norm(cls), x


def tokenizer_json(vocab):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, t in enumerate(SPECIAL)
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


TEXTS = [
    "def retry(func): return func()",
    "The exponential backoff sleeps for a while.",
    "x",
    "",
    "class Request(self): read json response from http",
    "while data: print(value) if error else sleep(time)",
    "import json\nfrom http import request\n\nfor item in list: write(file, item)",
    "Ünïcödé wörds and 日本 text",
    "a " * 80,  # truncated to the model's limit
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/data/tiny_bert")
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    rng = np.random.default_rng(SEED)
    vocab = build_vocab()
    with open(os.path.join(out, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    # The weights come from the standard-library generator the build runs.
    held = tiny_bert_weights.write(out)
    actual = {k: np.array(v[3], dtype=np.float32).reshape(v[0]) for k, v in held.items()}
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=1, ensure_ascii=False)
    cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": H, "num_hidden_layers": LAYERS,
           "num_attention_heads": HEADS, "intermediate_size": INTER, "max_position_embeddings": MAXPOS,
           "type_vocab_size": TYPES, "vocab_size": len(vocab), "hidden_act": "gelu", "layer_norm_eps": EPS,
           "position_embedding_type": "absolute", "pad_token_id": 0, "_name_or_path": "ripvec/tiny-bert-test"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    with open(os.path.join(out, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": H, "pooling_mode_cls_token": False,
                   "pooling_mode_mean_tokens": True}, f, indent=1)
    with open(os.path.join(out, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": MAXPOS, "do_lower_case": False}, f)

    # Token-id sequences: lengths 1, 2, odd sizes, and the full MAXPOS.
    seqs = []
    for L in (1, 2, 3, 5, 7, 8, 9, 16, 17, 31, 33, 63, 64):
        seqs.append([int(t) for t in rng.integers(0, len(vocab), size=L)])
    ref = {"note": "made by scripts/golden/make_tiny_bert.py; float64 numpy reference",
           "versions": {"numpy": np.__version__}, "sequences": [], "texts": []}
    for ids in seqs:
        mean, cls, _ = forward(actual, ids)
        ref["sequences"].append({"ids": ids, "mean": [float("%.9g" % v) for v in mean],
                                 "cls": [float("%.9g" % v) for v in cls]})

    tok = None
    try:
        import tokenizers
        tok = tokenizers.Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
        tok.enable_truncation(MAXPOS)
        ref["versions"]["tokenizers"] = tokenizers.__version__
    except ImportError:
        print("tokenizers not importable: text references skipped", file=sys.stderr)
    if tok is not None:
        for t in TEXTS:
            ids = tok.encode(t).ids
            mean, cls, _ = forward(actual, ids)
            ref["texts"].append({"text": t, "ids": ids, "mean": [float("%.9g" % v) for v in mean]})

    # Independent cross-check of the numpy reference with transformers.
    try:
        import torch
        import transformers
        model = transformers.BertModel.from_pretrained(out, attn_implementation="eager").eval()
        ref["versions"]["torch"] = torch.__version__
        ref["versions"]["transformers"] = transformers.__version__
        worst = 0.0
        for s in ref["sequences"]:
            with torch.no_grad():
                hs = model(torch.tensor([s["ids"]])).last_hidden_state[0].double()
            m = hs.mean(0)
            m = m / m.norm()
            worst = max(worst, float((m - torch.tensor(s["mean"], dtype=torch.float64)).abs().max()))
        print(f"transformers vs numpy reference: max abs diff {worst:.3g}")
        assert worst < 1e-5, worst
    except ImportError:
        print("torch/transformers not importable: cross-check skipped", file=sys.stderr)

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=0, ensure_ascii=False)
    print(f"wrote {out}: vocab {len(vocab)}, {len(ref['sequences'])} sequences, {len(ref['texts'])} texts")


if __name__ == "__main__":
    main()
