#!/usr/bin/env bash
# The venv the MCP SDK test (tests/mcp_client_test.py, run by
# tests/test_mcp_sdk.c) uses: the official MCP Python SDK from PyPI, pinned,
# in the git-ignored third_party/venv-mcp. Test-only: ripvec never runs Python.
# Idempotent and quick when the pinned version is already there. A failure
# here (no network, no venv module) does not stop the build: it is reported,
# and the SDK test fails with this script's output.
set -u
cd "$(dirname "$0")/../.."

MCP_VERSION=1.30.0
VENV=third_party/venv-mcp
PY=$VENV/bin/python

if [ -x "$PY" ] && "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$MCP_VERSION')" 2>/dev/null; then
    exit 0
fi

echo "setup(mcp-test): creating $VENV with mcp==$MCP_VERSION"
rm -rf "$VENV"
bash scripts/make_venv.sh "$VENV" ||
    { echo "setup(mcp-test): WARNING: could not make a venv (python3-venv)"; exit 0; }
if "$PY" -m pip install --disable-pip-version-check -q "mcp==$MCP_VERSION"; then
    echo "setup(mcp-test): ok"
else
    echo "setup(mcp-test): WARNING: could not install mcp==$MCP_VERSION into $VENV"
    rm -rf "$VENV"
fi
exit 0
