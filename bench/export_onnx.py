#!/usr/bin/env python3
"""Export a sentence-transformers BERT model directory to ONNX (fp32) for the
ONNX Runtime peer in bench/run.sh.

    python bench/export_onnx.py MODEL_DIR OUT.onnx

The model package ships no ONNX file, so the benchmark makes one: the
transformers BertModel of MODEL_DIR (config.json + model.safetensors), traced
by torch.onnx.export (TorchScript exporter, opset 17) with dynamic batch and
sequence axes; inputs input_ids, attention_mask, token_type_ids (int64),
output last_hidden_state [batch, seq, hidden]. Pooling and normalisation stay
outside the graph (the runner does them in numpy, as ripvec does on its side).
The file is written to third_party/ or a cache, never committed.
Versions used for the committed figures: see bench/setup_peers.sh.
"""
import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0])
        print("usage: export_onnx.py MODEL_DIR OUT.onnx")
        return 2
    model_dir, out = sys.argv[1], sys.argv[2]
    import torch
    from transformers import BertModel

    model = BertModel.from_pretrained(model_dir, add_pooling_layer=False, attn_implementation="eager")
    model.eval()

    class Wrap(torch.nn.Module):
        # keyword arguments: the positional order of BertModel.forward varies by version
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.int64)
    mask = torch.ones(2, 16, dtype=torch.int64)
    types = torch.zeros(2, 16, dtype=torch.int64)
    tmp = out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(
            Wrap(model),
            (ids, mask, types),
            tmp,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "token_type_ids": {0: "batch", 1: "seq"},
                "last_hidden_state": {0: "batch", 1: "seq"},
            },
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )
    os.replace(tmp, out)
    print(f"export_onnx: wrote {out} (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
