#!/usr/bin/env bash
# The peer engines for bench/run.sh, in their own venv (not part of the build
# or the tests): ONNX Runtime, and PyTorch + sentence-transformers (which also
# export the ONNX model). Idempotent; versions pinned (the ones behind the
# figures in docs/PERFORMANCE.md). Works on a fresh machine: it makes the venv
# (installing python3-venv if need be) and fails loudly when a step fails.
#
#   bash bench/setup_peers.sh            # third_party/bench-venv (BENCH_VENV overrides)
#   BENCH_NO_TORCH=1 bash bench/setup_peers.sh
#
# PyPI's Linux torch wheel is the CUDA build: with its nvidia-* dependencies
# it is several GB. `pip install --no-deps torch` does not import without
# them (libcufile etc.), so the full install is the only PyPI route; that is
# acceptable for a benchmark. BENCH_NO_TORCH=1 installs only ONNX Runtime
# (then sentence-transformers is skipped and the ONNX file must already exist
# in third_party/onnx/, e.g. exported on another machine).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${BENCH_VENV:-third_party/bench-venv}
PINS_ORT=(onnxruntime==1.32.0 onnx==1.23.2 numpy==2.4.6 tokenizers==0.23.3 matplotlib==3.10.8)
PINS_TORCH=(torch==2.15.0 transformers==5.24.0 sentence-transformers==6.2.0)
bash scripts/make_venv.sh "$VENV"
PY=$VENV/bin/python
want=("${PINS_ORT[@]}")
[ "${BENCH_NO_TORCH:-0}" = 1 ] || want+=("${PINS_TORCH[@]}")
# pip leaves pins that are already installed alone (no download then).
echo "setup_peers: ${want[*]} in $VENV"
"$PY" -m pip install --disable-pip-version-check -q "${want[@]}"
"$PY" -c "import onnxruntime, tokenizers; print('setup_peers: onnxruntime', onnxruntime.__version__)"
if [ "${BENCH_NO_TORCH:-0}" != 1 ]; then
    "$PY" -c "import torch, sentence_transformers as s; print('setup_peers: torch', torch.__version__, '/ sentence-transformers', s.__version__)"
fi
