#!/usr/bin/env bash
# Packs what a GPU check needs into devcarry/ (git-ignored) for a machine that
# has a GPU but none of our Debian libraries. A call may carry at most 64 MiB,
# so it is split over two calls on the same warm machine:
#   devcarry/m1: first half of the model weights + the binaries (stripped, xz)
#   devcarry/m2: second half of the weights, the model's small files, the
#                non-system shared libraries (xz) and the eval corpora (xz)
# Usage: scripts/device/bundle.sh BUILD bin1 [bin2 ...]   (bins relative to BUILD)
# The eval corpora come from ../shared/eval beside the project (EVAL_DIR overrides).
set -euo pipefail
build=$1; shift
eval_dir=${EVAL_DIR:-$(dirname "$0")/../../../shared/eval}
[ -d "$eval_dir/dev" ] || { echo "bundle: no eval corpora at $eval_dir/dev (set EVAL_DIR)" >&2; exit 2; }
out=devcarry
model=${RIPVEC_TEST_MODEL:-$HOME/.cache/ripvec/models/all-minilm-l6-v2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out" && mkdir -p "$out/m1" "$out/m2" "$tmp/bin" "$tmp/lib"
for b in "$@"; do
    cp "$build/$b" "$tmp/bin/" && strip "$tmp/bin/$(basename "$b")"
    ldd "$build/$b" | awk '$3 ~ /^\// {print $3}' |
        grep -v -E 'lib(c|m|pthread|dl|rt|stdc\+\+|gcc_s|cuda|cublas|cublasLt|cudart)\.so' |
        xargs -r -I{} cp -L {} "$tmp/lib/"
done
# the CUDA driver is loaded from next to the executables
[ -f "$build/libripvec_cuda.so" ] && cp "$build/libripvec_cuda.so" "$tmp/bin/"
tar -C "$tmp/bin" -cJf "$out/m1/bin.tar.xz" .
tar -C "$tmp/lib" -cJf "$out/m2/lib.tar.xz" .
tar -C "$eval_dir" -cJf "$out/m2/eval.tar.xz" dev
tar -C "$model" --exclude model.safetensors -cf "$out/m2/meta.tar" .
sz=$(stat -c %s "$model/model.safetensors")
half=$((sz / 2))
head -c "$half" "$model/model.safetensors" >"$out/m1/model.part1"
tail -c +$((half + 1)) "$model/model.safetensors" >"$out/m2/model.part2"
du -sh "$out"/m1 "$out"/m2
