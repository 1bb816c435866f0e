#!/usr/bin/env bash
# What the LSP client tests (tests/test_lsp_client.c) use: a venv with
# pytest-lsp, pygls and lsprotocol from PyPI, pinned, in the git-ignored
# third_party/venv-lsp (tests/lsp_client_test.py), and Debian's neovim
# (tests/lsp_nvim_test.lua). Test-only: ripvec never runs Python or Neovim.
# Idempotent and quick when both are there. A failure here (no network, no
# venv module) does not stop the build: it is reported, and the client test
# fails with this script's output.
set -u
cd "$(dirname "$0")/../.."

PYTEST_LSP_VERSION=1.0.1
PYGLS_VERSION=2.1.1
LSPROTOCOL_VERSION=2025.0.0
VENV=third_party/venv-lsp
PY=$VENV/bin/python
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! command -v nvim >/dev/null 2>&1; then
    echo "setup(lsp-test): installing neovim"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq neovim; } ||
        echo "setup(lsp-test): WARNING: could not install neovim"
fi

have_pins() {
    [ -x "$PY" ] && "$PY" - <<PYEOF 2>/dev/null
import importlib.metadata as m, sys
want = {"pytest-lsp": "$PYTEST_LSP_VERSION", "pygls": "$PYGLS_VERSION",
        "lsprotocol": "$LSPROTOCOL_VERSION"}
sys.exit(any(m.version(k) != v for k, v in want.items()))
PYEOF
}
have_pins && exit 0

# python3-venv is what 40-mcp-test.sh installs when missing (it runs first).
base=python3
if ! "$base" -c "import venv, ensurepip" 2>/dev/null; then
    echo "setup(lsp-test): WARNING: python3 has no venv module (see 40-mcp-test.sh)"
    exit 0
fi

echo "setup(lsp-test): creating $VENV with pytest-lsp==$PYTEST_LSP_VERSION"
rm -rf "$VENV"
mkdir -p third_party
if "$base" -m venv "$VENV" &&
    "$PY" -m pip install --disable-pip-version-check -q "pytest-lsp==$PYTEST_LSP_VERSION" \
        "pygls==$PYGLS_VERSION" "lsprotocol==$LSPROTOCOL_VERSION"; then
    echo "setup(lsp-test): ok"
else
    echo "setup(lsp-test): WARNING: could not install the LSP test client into $VENV"
    rm -rf "$VENV"
fi
exit 0
