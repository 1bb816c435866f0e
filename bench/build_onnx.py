#!/usr/bin/env python3
"""Build the ONNX graph of a BERT model directory for the ONNX Runtime peer,
without PyTorch: numpy reads model.safetensors and onnx.helper writes the
graph ONNX Runtime's own BERT optimizer would make of a PyTorch export
(com.microsoft EmbedLayerNormalization, Attention, SkipLayerNormalization,
BiasGelu; MatMul for the dense layers), so ORT runs its fused kernels.

    python bench/build_onnx.py MODEL_DIR OUT.onnx

Inputs input_ids, attention_mask, token_type_ids (int64 [batch, seq], right
padding); output last_hidden_state [batch, seq, hidden] (pooling stays in
the runner, as with bench/export_onnx.py, which needs torch). The file is
written to third_party/ or a cache, never committed.
"""
import json
import os
import struct
import sys


def read_safetensors(path):
    import numpy as np

    dt = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, t in head.items():
            if name == "__metadata__" or t["dtype"] not in dt:
                continue
            b, e = t["data_offsets"]
            f.seek(base + b)
            a = np.frombuffer(f.read(e - b), dtype=dt[t["dtype"]]).reshape(t["shape"])
            out[name[5:] if name.startswith("bert.") else name] = a.astype(np.float32)
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: build_onnx.py MODEL_DIR OUT.onnx")
        return 2
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model_dir, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    heads, eps = cfg["num_attention_heads"], float(cfg.get("layer_norm_eps", 1e-12))
    inits, nodes = [], []

    def init(name, a):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(a, dtype=np.float32), name))
        return name

    ms = "com.microsoft"
    for n in ("input_ids", "token_type_ids", "attention_mask"):
        nodes.append(helper.make_node("Cast", [n], [n + "_i32"], to=TensorProto.INT32))
    e = "embeddings."
    nodes.append(helper.make_node(
        "EmbedLayerNormalization",
        ["input_ids_i32", "token_type_ids_i32", init("word", W[e + "word_embeddings.weight"]),
         init("pos", W[e + "position_embeddings.weight"]),
         init("type", W[e + "token_type_embeddings.weight"]),
         init("emb_g", W[e + "LayerNorm.weight"]), init("emb_b", W[e + "LayerNorm.bias"]),
         "attention_mask_i32"],
        ["h0", "mask_index"], domain=ms, epsilon=eps))
    h = "h0"
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        a = p + "attention."
        qkv_w = np.concatenate([W[a + f"self.{x}.weight"].T for x in ("query", "key", "value")], 1)
        qkv_b = np.concatenate([W[a + f"self.{x}.bias"] for x in ("query", "key", "value")])
        nodes.append(helper.make_node(
            "Attention", [h, init(f"l{i}_qkv_w", qkv_w), init(f"l{i}_qkv_b", qkv_b), "mask_index"],
            [f"l{i}_att"], domain=ms, num_heads=heads))
        nodes.append(helper.make_node(
            "MatMul", [f"l{i}_att", init(f"l{i}_o_w", W[a + "output.dense.weight"].T)],
            [f"l{i}_o"]))
        nodes.append(helper.make_node(
            "SkipLayerNormalization",
            [f"l{i}_o", h, init(f"l{i}_ln1_g", W[a + "output.LayerNorm.weight"]),
             init(f"l{i}_ln1_b", W[a + "output.LayerNorm.bias"]),
             init(f"l{i}_o_b", W[a + "output.dense.bias"])],
            [f"l{i}_h1"], domain=ms, epsilon=eps))
        nodes.append(helper.make_node(
            "MatMul", [f"l{i}_h1", init(f"l{i}_i_w", W[p + "intermediate.dense.weight"].T)],
            [f"l{i}_i"]))
        nodes.append(helper.make_node(
            "BiasGelu", [f"l{i}_i", init(f"l{i}_i_b", W[p + "intermediate.dense.bias"])],
            [f"l{i}_g"], domain=ms))
        nodes.append(helper.make_node(
            "MatMul", [f"l{i}_g", init(f"l{i}_f_w", W[p + "output.dense.weight"].T)],
            [f"l{i}_f"]))
        last = i + 1 == cfg["num_hidden_layers"]
        nxt = "last_hidden_state" if last else f"l{i}_h2"
        nodes.append(helper.make_node(
            "SkipLayerNormalization",
            [f"l{i}_f", f"l{i}_h1", init(f"l{i}_ln2_g", W[p + "output.LayerNorm.weight"]),
             init(f"l{i}_ln2_b", W[p + "output.LayerNorm.bias"]),
             init(f"l{i}_f_b", W[p + "output.dense.bias"])],
            [nxt], domain=ms, epsilon=eps))
        h = nxt
    ins = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
           for n in ("input_ids", "attention_mask", "token_type_ids")]
    outs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                          ["batch", "seq", cfg["hidden_size"]])]
    graph = helper.make_graph(nodes, "bert", ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(ms, 1)])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    onnx.save(model, out)
    print(f"build_onnx: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
