#!/usr/bin/env bash
# Makes a Python venv at DIR unless one is there, for the optional tools that
# run Python (benchmark peers, golden references). On a fresh Debian machine
# python3 lacks the venv module: python3-venv is installed then.
#
#   bash scripts/make_venv.sh DIR
set -euo pipefail
DIR=${1:?usage: make_venv.sh DIR}
[ -x "$DIR/bin/python" ] && exit 0

pick_python() {
    local p
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c "import venv, ensurepip" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

if ! base=$(pick_python); then
    echo "make_venv: installing python3-venv"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
    base=$(pick_python) || { echo "make_venv: no python3 with the venv module" >&2; exit 1; }
fi
mkdir -p "$(dirname "$DIR")"
"$base" -m venv "$DIR"
