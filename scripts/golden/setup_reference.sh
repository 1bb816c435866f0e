#!/usr/bin/env bash
# The reference runtime for scripts/golden/make_embedding_golden.py, in its
# own git-ignored venv (never part of the build or the tests). Idempotent:
# pip leaves pins that are already installed alone.
#
#   bash scripts/golden/setup_reference.sh     # third_party/golden-venv (GOLDEN_VENV overrides)
#
# The model is ripvec's own copy (`make model`), the same files the C tests read.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${GOLDEN_VENV:-third_party/golden-venv}
bash scripts/make_venv.sh "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r scripts/golden/requirements-reference.txt
"$VENV/bin/python" -c "import torch, sentence_transformers as s; print('setup_reference: torch', torch.__version__, '/ sentence-transformers', s.__version__)"
