"""PyTorch emulation of ripvec's int8 scheme for MiniLM-style BERT models.

Reproduces the engine's quantisation layer by layer (docs/PERFORMANCE.md,
"Reduced precision"), so that choices can be compared before they are
written in C: prints the mean and minimum cosine to the fp32 embeddings of
sentence-transformers over the golden texts for each variant asked for.

  - QKV, attention output, FFN input: q7 (7-bit weights, one scale per
    output row; u8 activations per token with a zero point), the two
    LayerNorm-fed layers with SmoothQuant factors (alpha 0.5, range proxy
    |beta| + 3 |gamma|, QKV's column maximum the smallest of Q's, K's, V's).
  - FFN output, by --ffn-out: q8 (int8 weights, symmetric int16 activations),
    u8 (int8 weights, u8 activations, exact) or q8u (the same with each pair
    of products saturated at int16, as vpmaddubsw does; slow: ~10 minutes).

It reproduces the C figures of build/tests/test_precision to 1e-4: q8
min 0.99552 (C 0.995516), q8u min 0.99406, mean 0.99827 (C 0.993960,
0.998273).

  python3 bench/int8_emulation.py MODEL_DIR --ffn-out q8 q8u
"""
import argparse
import json
import math

import torch
from sentence_transformers import SentenceTransformer

TEXTS = "tests/data/golden/minilm_texts.jsonl"


def qw(w, lv):
    s = w.abs().amax(1, keepdim=True) / lv
    return torch.round(w / s).clamp(-lv, lv) * s, s


def quant_u8(x):
    """Per-row u8 codes with a zero point: (codes, scale, zero)."""
    mn = x.amin(-1, keepdim=True).clamp(max=0)
    mx = x.amax(-1, keepdim=True).clamp(min=0)
    s = ((mx - mn) / 255).clamp_min(1e-30)
    z = torch.round(-mn / s)
    return torch.round(x / s + z).clamp(0, 255), s, z


def qa_u8(x):
    q, s, z = quant_u8(x)
    return (q - z) * s


def qa_s16(x):
    lv = min(32767, (2**31 - 1) // (127 * x.shape[-1]))
    s = x.abs().amax(-1, keepdim=True).clamp_min(1e-30) / lv
    return torch.round(x / s).clamp(-lv, lv) * s


def q8u_saturating(x, w):
    """x @ w^T with u8 activations and int8 weights, pairs saturated."""
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    wq, ws = qw(w, 127)
    wq = wq / ws
    q, s, z = quant_u8(x2)
    out = torch.empty(x2.shape[0], w.shape[0])
    for t in range(0, x2.shape[0], 64):
        a = q[t : t + 64]
        pairs = a[:, None, 0::2] * wq[None, :, 0::2] + a[:, None, 1::2] * wq[None, :, 1::2]
        acc = pairs.clamp(-32768, 32767).sum(-1) - z[t : t + 64] * wq.sum(1)[None, :]
        out[t : t + 64] = acc * s[t : t + 64] * ws[:, 0][None, :]
    return out.reshape(*shape[:-1], w.shape[0])


class Emulator:
    def __init__(self, model_dir):
        self.st = SentenceTransformer(model_dir, device="cpu")
        self.st.max_seq_length = 256
        self.tok = self.st.tokenizer
        bert = self.st[0].auto_model
        self.p = {k: v.float() for k, v in bert.state_dict().items()}
        self.layers = bert.config.num_hidden_layers
        self.heads = bert.config.num_attention_heads
        self.eps = bert.config.layer_norm_eps
        self.q = {}
        for i in range(self.layers):
            self._prepare(i)

    def _ln_params(self, i):
        if i == 0:
            return self.p["embeddings.LayerNorm.weight"], self.p["embeddings.LayerNorm.bias"]
        pre = f"encoder.layer.{i - 1}.output.LayerNorm."
        return self.p[pre + "weight"], self.p[pre + "bias"]

    def _prepare(self, i):
        P, pre = self.p, f"encoder.layer.{i}."
        g, b = self._ln_params(i)
        ws = [P[pre + f"attention.self.{t}.weight"] for t in ("query", "key", "value")]
        wmax = torch.stack([w.abs().amax(0) for w in ws]).amin(0)
        f = ((b.abs() + 3 * g.abs()).clamp_min(1e-5) / wmax.clamp_min(1e-5)).sqrt()
        self.q[pre + "qkv"] = (torch.cat([qw(w * f, 63)[0] for w in ws]), f)
        self.q[pre + "ao"] = (qw(P[pre + "attention.output.dense.weight"], 63)[0], None)
        g1 = P[pre + "attention.output.LayerNorm.weight"]
        b1 = P[pre + "attention.output.LayerNorm.bias"]
        wi = P[pre + "intermediate.dense.weight"]
        f2 = ((b1.abs() + 3 * g1.abs()).clamp_min(1e-5) / wi.abs().amax(0).clamp_min(1e-5)).sqrt()
        self.q[pre + "fi"] = (qw(wi * f2, 63)[0], f2)
        self.q[pre + "fo_w"] = P[pre + "output.dense.weight"]

    def _q7(self, x, key, bias):
        w, f = self.q[key]
        return qa_u8(x / f if f is not None else x) @ w.T + bias

    def _ffn_out(self, h, pre, mode):
        w, b = self.q[pre + "fo_w"], self.p[pre + "output.dense.bias"]
        if mode == "q8":
            return qa_s16(h) @ qw(w, 127)[0].T + b
        if mode == "u8":
            return qa_u8(h) @ qw(w, 127)[0].T + b
        return q8u_saturating(h, w) + b

    def forward(self, ids, am, mode):
        P, (B, L) = self.p, ids.shape
        ln = lambda x, n: torch.nn.functional.layer_norm(
            x, (x.shape[-1],), P[n + ".weight"], P[n + ".bias"], self.eps)
        x = (P["embeddings.word_embeddings.weight"][ids]
             + P["embeddings.position_embeddings.weight"][:L]
             + P["embeddings.token_type_embeddings.weight"][0])
        x = ln(x, "embeddings.LayerNorm")
        mask = (1.0 - am[:, None, None, :].float()) * -1e9
        H = x.shape[-1]
        hd = H // self.heads
        for i in range(self.layers):
            pre = f"encoder.layer.{i}."
            bqkv = torch.cat([P[pre + f"attention.self.{t}.bias"] for t in ("query", "key", "value")])
            h = self._q7(x, pre + "qkv", bqkv)
            q, k, v = [t.reshape(B, L, self.heads, hd).transpose(1, 2) for t in h.split(H, -1)]
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, -1) @ v
            a = self._q7(a.transpose(1, 2).reshape(B, L, H), pre + "ao",
                         P[pre + "attention.output.dense.bias"])
            x = ln(a + x, pre + "attention.output.LayerNorm")
            h = torch.nn.functional.gelu(self._q7(x, pre + "fi", P[pre + "intermediate.dense.bias"]))
            x = ln(self._ffn_out(h, pre, mode) + x, pre + "output.LayerNorm")
        e = (x * am[..., None]).sum(1) / am.sum(1, keepdim=True)
        return torch.nn.functional.normalize(e, dim=-1)

    def cosines(self, texts, mode):
        base = torch.tensor(self.st.encode(texts, batch_size=16, normalize_embeddings=True))
        out = []
        with torch.no_grad():
            for i in range(0, len(texts), 16):
                t = self.tok(texts[i : i + 16], padding=True, truncation=True, max_length=256,
                             return_tensors="pt")
                out.append(self.forward(t["input_ids"], t["attention_mask"], mode))
        return (torch.cat(out) * base).sum(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--ffn-out", nargs="+", default=["q8", "q8u"], choices=["q8", "u8", "q8u"])
    ap.add_argument("--texts", default=TEXTS)
    args = ap.parse_args()
    torch.set_num_threads(2)
    rows = [json.loads(line) for line in open(args.texts)][1:]
    emu = Emulator(args.model_dir)
    for mode in args.ffn_out:
        c = emu.cosines([r["text"] for r in rows], mode)
        print(f"ffn-out {mode:4s}: mean cosine {c.mean():.5f}, min {c.min():.5f}", flush=True)


if __name__ == "__main__":
    main()
