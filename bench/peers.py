#!/usr/bin/env python3
"""Peer engines for bench/run.sh: embeds the benchmark's chunks with ONNX
Runtime or sentence-transformers (PyTorch CPU) and prints a RESULT line in
the format bench_embed prints, so run.sh can compare them side by side.

    python bench/peers.py --engine ort|st --chunks chunks.jsonl --model MODEL_DIR
                          [--onnx model.onnx] [--threads N] [--budget TOKENS] [--repeat R]
                          [--save vectors.npy] [--quantize] [--ref vectors.npy]

Both get the work the way ripvec does it: texts tokenized first (not timed;
ripvec's figure excludes tokenization too), truncated at the model's
max_seq_length, sorted longest first and cut into batches of at most
`budget` padded tokens (count * longest), each padded to its own longest.
Timed: the forward passes, mean pooling over real tokens and L2
normalisation. ONNX Runtime: fp32 graph, ORT_ENABLE_ALL, intra_op_num_threads
= N, inter_op_num_threads = 1, sequential execution, no spin-waiting. sentence-transformers:
the model's own module chain (Transformer, Pooling, Normalize) under
torch.inference_mode with torch.set_num_threads(N).
--quantize: ORT on the graph's dynamic int8 form (onnxruntime's
quantize_dynamic, QInt8 weights; made once beside --onnx). --ref: the
cosine of this run's vectors to saved ones (e.g. an fp32 run's --save),
printed as cos_min / cos_mean on the RESULT line.
"""
import argparse
import json
import os
import sys
import time


def load_chunks(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def max_seq_length(model_dir):
    try:
        with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
            return int(json.load(f).get("max_seq_length", 512))
    except OSError:
        return 512


def batches(lengths, budget):
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    out, i = [], 0
    while i < len(order):
        j, longest = i, lengths[order[i]]
        while j < len(order) and (j == i or (j - i + 1) * longest <= budget):
            j += 1
        out.append(order[i:j])
        i = j
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["ort", "st"], required=True)
    ap.add_argument("--chunks", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--onnx")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget", type=int, default=8192)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--save")
    ap.add_argument("--quantize", action="store_true")
    ap.add_argument("--ref")
    a = ap.parse_args()

    import numpy as np
    from tokenizers import Tokenizer

    texts = load_chunks(a.chunks)
    maxlen = max_seq_length(a.model)
    tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=maxlen)
    enc = tok.encode_batch(texts)
    ids = [e.ids for e in enc]
    lens = [len(x) for x in ids]
    total = sum(lens)
    plan = []
    for b in batches(lens, a.budget):
        L = max(lens[i] for i in b)
        arr = np.zeros((len(b), L), dtype=np.int64)
        mask = np.zeros((len(b), L), dtype=np.int64)
        for r, i in enumerate(b):
            arr[r, : lens[i]] = ids[i]
            mask[r, : lens[i]] = 1
        plan.append((b, arr, mask))

    vecs = np.zeros((len(texts), 0), dtype=np.float32)
    if a.engine == "ort":
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # no spin-waiting: on a shared machine spinning threads only burn
        # cores (and make the CPU-time figures meaningless); ripvec's pool sleeps too
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        onnx_path = a.onnx
        if a.quantize:
            onnx_path = a.onnx[:-5] + "-int8.onnx" if a.onnx.endswith(".onnx") else a.onnx + "-int8"
            if not os.path.exists(onnx_path):
                from onnxruntime.quantization import QuantType, quantize_dynamic

                # the contrib ops' outputs have no inferred type: they are float
                quantize_dynamic(a.onnx, onnx_path, weight_type=QuantType.QInt8,
                                 extra_options={"DefaultTensorType": 1})
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        version = "onnxruntime " + ort.__version__

        def run(arr, mask):
            h = sess.run(None, {"input_ids": arr, "attention_mask": mask,
                                "token_type_ids": np.zeros_like(arr)})[0]
            m = mask[:, :, None].astype(np.float32)
            v = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    else:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(a.threads)
        model = SentenceTransformer(a.model, device="cpu")
        model.eval()
        version = "torch %s, sentence-transformers %s" % (
            torch.__version__, __import__("sentence_transformers").__version__)

        def run(arr, mask):
            with torch.inference_mode():
                feats = {"input_ids": torch.from_numpy(arr), "attention_mask": torch.from_numpy(mask),
                         "token_type_ids": torch.zeros_like(torch.from_numpy(arr))}
                return model(feats)["sentence_embedding"].numpy()

    run(plan[-1][1], plan[-1][2])  # warm-up on the smallest batch
    best_wall, best_cpu = 1e30, 1e30
    for _ in range(max(1, a.repeat)):
        out = [None] * len(texts)
        t0, c0 = time.perf_counter(), time.process_time()
        for b, arr, mask in plan:
            v = run(arr, mask)
            for r, i in enumerate(b):
                out[i] = v[r]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    if a.save:
        np.save(a.save, np.stack(out).astype(np.float32))
    cos = ""
    if a.ref:
        ref, got = np.load(a.ref).astype(np.float64), np.stack(out).astype(np.float64)
        c = (ref * got).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)
        cos = f" cos_min={c.min():.6f} cos_mean={c.mean():.6f}"
    prec = "int8" if a.quantize else "fp32"
    print(f"RESULT engine={a.engine} precision={prec} threads={a.threads} budget={a.budget} "
          f"chunks={len(texts)} tokens={total} wall_s={best_wall:.4f} cpu_s={best_cpu:.4f} "
          f"tokens_per_s={total / best_wall:.1f} tokens_per_cpu_s={total / best_cpu:.1f} "
          f"version=\"{version}\"{cos}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
