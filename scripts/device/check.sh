#!/usr/bin/env bash
# Runs on the GPU machine after bundle.sh's two parts arrived (the first one
# copied to /tmp/rv by `cp devcarry/m1/* /tmp/rv/`): reassembles the model,
# unpacks binaries, libraries and corpora, runs the CUDA tests, the embedding
# benchmark and end-to-end indexing of the dev corpora on the GPU.
set -u
D=/tmp/rv
mkdir -p "$D/model" "$D/lib" "$D/bin" "$D/eval"
cat "$D/model.part1" devcarry/m2/model.part2 >"$D/model/model.safetensors"
tar -C "$D/model" -xf devcarry/m2/meta.tar
tar -C "$D/bin" -xJf "$D/bin.tar.xz"
tar -C "$D/lib" -xJf devcarry/m2/lib.tar.xz
tar -C "$D/eval" -xJf devcarry/m2/eval.tar.xz
cub=$(find / -name 'libcublas.so.13' -not -path '/proc/*' 2>/dev/null | head -n1)
export LD_LIBRARY_PATH="$D/lib${cub:+:$(dirname "$cub")}"
export RIPVEC_TEST_MODEL="$D/model"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
sha256sum "$D/model/model.safetensors"
for t in "$D"/bin/test_*; do
    [ -x "$t" ] || continue
    echo "== $(basename "$t")"
    timeout 120 "$t"
done
echo "== bench_embed --device cuda (2000 chunks)"
timeout 120 "$D/bin/bench_embed" --device cuda --model "$D/model" "$D"/eval/dev/*/corpus
for set in requests cobra; do
    echo "== index $set on cuda"
    rm -rf "$D/cache"
    s=$(date +%s%N)
    timeout 120 "$D/bin/ripvec" --device cuda --model "$D/model" --cache-dir "$D/cache" -v -n 3 \
        "warm up index" "$D/eval/dev/$set/corpus" >/dev/null 2>"$D/err-$set"
    e=$(date +%s%N)
    tail -n 3 "$D/err-$set"
    echo "wall $(( (e - s) / 1000000 )) ms"
    "$D/bin/ripvec" index status --model "$D/model" --cache-dir "$D/cache" "$D/eval/dev/$set/corpus"
    s=$(date +%s%N)
    "$D/bin/ripvec" --device cuda --model "$D/model" --cache-dir "$D/cache" -n 3 \
        "returns an error if there are not exactly n args" "$D/eval/dev/$set/corpus" | head -n 3
    e=$(date +%s%N)
    echo "warm query wall $(( (e - s) / 1000000 )) ms"
done
