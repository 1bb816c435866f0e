#!/usr/bin/env bash
# Runs on the GPU machine (see bundle.sh): reassembles the model, unpacks the
# libraries, runs the CUDA tests and any extra command given, logging to $OUT.
set -u
D=/tmp/rv
mkdir -p "$D/model" "$D/lib"
if [ -f devcarry/m1/model.part1 ]; then cp devcarry/m1/model.part1 "$D/"; fi
if [ -f devcarry/m2/model.part2 ] && [ -f "$D/model.part1" ]; then
    cat "$D/model.part1" devcarry/m2/model.part2 >"$D/model/model.safetensors"
    tar -C "$D/model" -xf devcarry/m2/meta.tar
fi
[ -f devcarry/lib.tar.xz ] && tar -C "$D/lib" -xJf devcarry/lib.tar.xz
cub=$(find / -name 'libcublas.so.13' -not -path '/proc/*' 2>/dev/null | head -n1)
export LD_LIBRARY_PATH="$D/lib${cub:+:$(dirname "$cub")}"
export RIPVEC_TEST_MODEL="$D/model"
nvidia-smi -L
ls -la "$D/model" | head -20
for t in devcarry/bin/test_*; do
    [ -x "$t" ] || continue
    echo "== $t"
    timeout 300 "$t"
done
if [ $# -gt 0 ]; then echo "== $*"; timeout 400 "$@"; fi
