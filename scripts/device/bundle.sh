#!/usr/bin/env bash
# Packs what a GPU check needs into devcarry/ (git-ignored) for a machine that
# has a GPU but none of our Debian libraries: the named binaries from BUILD,
# their non-system shared libraries (xz-compressed), and the test model split
# in two parts (each call may carry at most 64 MiB).
#   scripts/device/bundle.sh BUILD bin1 [bin2 ...]
set -euo pipefail
build=$1; shift
out=devcarry
rm -rf "$out/bin" "$out/lib.tar.xz"
mkdir -p "$out/bin" /tmp/rv-bundle-lib
rm -rf /tmp/rv-bundle-lib/*
for b in "$@"; do
    cp "$build/$b" "$out/bin/"
    ldd "$build/$b" | awk '$3 ~ /^\// {print $3}' |
        grep -v -E 'lib(c|m|pthread|dl|rt|stdc\+\+|gcc_s|cuda|cublas|cublasLt|cudart)\.so' |
        xargs -r -I{} cp -L {} /tmp/rv-bundle-lib/
done
tar -C /tmp/rv-bundle-lib -cJf "$out/lib.tar.xz" .
model=${RIPVEC_TEST_MODEL:-$HOME/.cache/ripvec/models/all-minilm-l6-v2}
if [ ! -f "$out/m1/model.part1" ]; then
    mkdir -p "$out/m1" "$out/m2"
    tar -C "$model" --exclude model.safetensors -cf "$out/m2/meta.tar" .
    sz=$(stat -c %s "$model/model.safetensors")
    half=$((sz / 2))
    head -c "$half" "$model/model.safetensors" >"$out/m1/model.part1"
    tail -c +$((half + 1)) "$model/model.safetensors" >"$out/m2/model.part2"
fi
du -sh "$out"/*
