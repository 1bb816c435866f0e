#!/usr/bin/env bash
# make bench: ripvec's CPU engine side by side with ONNX Runtime and
# sentence-transformers (PyTorch CPU) on the same real code chunks, in one run.
#
#   bash bench/run.sh [BUILD_DIR] [CORPUS_DIR...]     (make bench passes its build dir)
#
# Builds nothing: it runs BUILD_DIR/bench/{bench_embed,bench_gemm} and the
# Python peers from the venv bench/setup_peers.sh makes (third_party/bench-venv;
# BENCH_VENV overrides it; BENCH_PY_ORT / BENCH_PY_ST name other interpreters
# for the ONNX Runtime / sentence-transformers peers; a peer whose interpreter
# lacks its package is reported as skipped). The ONNX model is exported on first
# use into third_party/onnx/ (bench/export_onnx.py; never committed).
#
# Chunks: bench_embed's fixed windows over CORPUS_DIR (default: the eval
# corpora in ../shared/eval/dev/*/corpus beside the project, else the project's
# own sources), the same texts for every engine. The machine
# may be shared: engines run interleaved, BENCH_ROUNDS times (best kept).
# Sizes (environment): BENCH_CHUNKS (2000) for the 2-thread comparison,
# BENCH_CHUNKS_1T (500) for 1 thread and fp16, BENCH_ST_CHUNKS (300) for
# sentence-transformers, BENCH_SWEEP_CHUNKS (200) and BENCH_BUDGETS for the
# tokens/s-vs-batch-budget sweep, BENCH_ROUNDS (1; raise it on a noisy
# machine). About 10 minutes on an idle 2-core machine, several times that
# on a busy one. BENCH_QUICK=1 divides the chunk counts by 4.
# BENCH_PIPELINE=DIR also runs bench_pipeline (walk/chunk/tokenize/embed/write
# shares and peak RSS) over DIR.
# Output: a summary table on stdout; RESULT lines, the table (results.md) and
# the plot (budget.png) in BUILD_DIR/bench-out/.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
CORPORA=("$@")
if [ ${#CORPORA[@]} -eq 0 ]; then
    for d in ../shared/eval/dev/*/corpus; do [ -d "$d" ] && CORPORA+=("$d"); done
fi
if [ ${#CORPORA[@]} -eq 0 ]; then
    CORPORA=(src include tests bench)
    echo "bench: no ../shared/eval/dev corpora; benchmarking on this project's own sources"
fi
OUT=$BUILD/bench-out
mkdir -p "$OUT"
EMBED=$BUILD/bench/bench_embed
GEMM=$BUILD/bench/bench_gemm
for b in "$EMBED" "$GEMM"; do
    [ -x "$b" ] || { echo "bench: $b is missing (run make bench or make BUILD=$BUILD $b)" >&2; exit 2; }
done
MODEL=${RIPVEC_TEST_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/ripvec/models/all-minilm-l6-v2}
[ -f "$MODEL/model.safetensors" ] || { echo "bench: no model at $MODEL (make model)" >&2; exit 2; }

N2=${BENCH_CHUNKS:-2000}
N1=${BENCH_CHUNKS_1T:-500}
NST=${BENCH_ST_CHUNKS:-300}
NSW=${BENCH_SWEEP_CHUNKS:-200}
ROUNDS=${BENCH_ROUNDS:-1}
BUDGETS=${BENCH_BUDGETS:-"512 2048 8192 32768"}
NCOS=${BENCH_COSINE_CHUNKS:-300}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    N2=$((N2 / 4)); N1=$((N1 / 4)); NST=$((NST / 4)); NSW=$((NSW / 4)); NCOS=$((NCOS / 4)); ROUNDS=1
    BUDGETS="1024 4096 16384"
fi
VENV=${BENCH_VENV:-third_party/bench-venv}
PY_ORT=${BENCH_PY_ORT:-$VENV/bin/python}
PY_ST=${BENCH_PY_ST:-$VENV/bin/python}
PY_EXPORT=${BENCH_PY_EXPORT:-$PY_ST}
ONNX=${BENCH_ONNX:-third_party/onnx/$(basename "$MODEL").onnx}
RES=$OUT/results.txt
: >"$RES"
T0=$(date +%s)

have() { [ -x "$1" ] && "$1" -c "import $2" 2>/dev/null; }

# The chunk sets: the first N of one fixed sequence, so smaller sets are prefixes.
"$EMBED" --chunks "$N2" --dump-chunks "$OUT/chunks.jsonl" "${CORPORA[@]}" >/dev/null || exit 2
for n in "$N1" "$NST" "$NSW"; do head -n "$n" "$OUT/chunks.jsonl" >"$OUT/chunks-$n.jsonl"; done

ORT_OK=0
if have "$PY_ORT" onnxruntime; then
    if [ ! -f "$ONNX" ]; then
        echo "bench: exporting $MODEL to $ONNX"
        "$PY_EXPORT" bench/export_onnx.py "$MODEL" "$ONNX" >"$OUT/export.log" 2>&1 ||
            "$PY_ORT" bench/build_onnx.py "$MODEL" "$ONNX" >>"$OUT/export.log" 2>&1 ||
            { echo "bench: ONNX export failed (see $OUT/export.log)"; }
    fi
    [ -f "$ONNX" ] && ORT_OK=1
else
    echo "bench: onnxruntime is not importable by $PY_ORT (run bash bench/setup_peers.sh): ORT skipped"
fi
ST_OK=0
if have "$PY_ST" sentence_transformers; then ST_OK=1; else
    echo "bench: sentence_transformers is not importable by $PY_ST: skipped"
fi

ours() { # n threads precision [budget]
    "$EMBED" --chunks "$1" --threads "$2" --precision "$3" ${4:+--budget $4} --no-profile \
        "${CORPORA[@]}" | grep '^RESULT' >>"$RES"
}
peer() { # engine py n threads [budget [peers.py options...]]
    "$2" bench/peers.py --engine "$1" --chunks "$OUT/chunks-$3.jsonl" --model "$MODEL" \
        --onnx "$ONNX" --threads "$4" ${5:+--budget $5} "${@:6}" 2>>"$OUT/peers.log" |
        grep '^RESULT' >>"$RES"
}
# the CPU the figures belong to, and the SIMD flags that matter to the kernels
echo "bench: CPU $(lscpu | sed -n 's/^Model name: *//p' | head -1); flags:" \
    $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|f16c|avx512|avx_vnni|amx)' | sort -u)
# bf16 only where the CPU has a bf16 dot product (elsewhere it is the
# portable emulation, far too slow for these sizes)
BF16=
grep -m1 '^flags' /proc/cpuinfo | grep -qwE 'avx512_bf16|amx_bf16' && BF16=bf16
[ -f "$OUT/chunks-$N2.jsonl" ] || cp "$OUT/chunks.jsonl" "$OUT/chunks-$N2.jsonl"

echo "bench: GEMM kernels (1 thread) ..."
"$GEMM" --rows 1024 --repeat 10 | tee "$OUT/gemm.txt" | grep -E 'bench_gemm|shape=all'
echo "bench: engine profile (2 threads, ${BENCH_PROFILE_CHUNKS:-200} chunks) ..."
"$EMBED" --chunks "${BENCH_PROFILE_CHUNKS:-200}" --threads 2 "${CORPORA[@]}" >"$OUT/profile.txt"
grep -E '^(peak|time by op|GEMM share)' "$OUT/profile.txt"

for r in $(seq 1 "$ROUNDS"); do
    echo "bench: round $r/$ROUNDS (2 threads: $N2 chunks; 1 thread: $N1; sentence-transformers: $NST)"
    ours "$N2" 2 fp32
    [ $ORT_OK = 1 ] && peer ort "$PY_ORT" "$N2" 2 "" --save "$OUT/ort-fp32-$N2.npy"
    ours "$N2" 2 int8
    [ -n "$BF16" ] && ours "$N2" 2 bf16
    [ $ORT_OK = 1 ] && peer ort "$PY_ORT" "$N2" 2 "" --quantize --ref "$OUT/ort-fp32-$N2.npy"
    ours "$N1" 2 fp16
    ours "$N1" 2 fp32
    [ $ST_OK = 1 ] && peer st "$PY_ST" "$NST" 2
    [ $ST_OK = 1 ] && ours "$NST" 2 fp32
    ours "$N1" 1 fp32
    [ $ORT_OK = 1 ] && peer ort "$PY_ORT" "$N1" 1
    ours "$N1" 1 int8
    [ $ST_OK = 1 ] && peer st "$PY_ST" "$NST" 1
    [ $ST_OK = 1 ] && ours "$NST" 1 fp32
done
echo "bench: batch token budget sweep (2 threads, $NSW chunks)"
for b in $BUDGETS; do
    ours "$NSW" 2 fp32 "$b"
    ours "$NSW" 2 int8 "$b"
    [ $ORT_OK = 1 ] && peer ort "$PY_ORT" "$NSW" 2 "$b"
done
echo "bench: cosine of reduced precision to fp32 (first $NCOS chunks)"
for p in fp16 int8 $BF16; do
    "$EMBED" --chunks "$NCOS" --threads 2 --precision "$p" --compare --no-profile "${CORPORA[@]}" |
        grep '^COSINE' | tee -a "$RES"
done
if [ -n "${BENCH_PIPELINE:-}" ] && [ -x "$BUILD/bench/bench_pipeline" ]; then
    # opt-in (minutes): indexing steps over a tree, with peak RSS
    echo "bench: indexing pipeline over $BENCH_PIPELINE (2 threads)"
    /usr/bin/time -v "$BUILD/bench/bench_pipeline" --threads 2 "$BENCH_PIPELINE" >"$OUT/pipeline.txt" 2>&1
    grep -E '^PIPELINE|Maximum resident' "$OUT/pipeline.txt"
fi
PEAK=$(grep -oE 'FMA peak [0-9.]+' "$OUT/gemm.txt" | awk '{print $3}')
python3 bench/summarize.py "$RES" --peak "${PEAK:-0}" --gemm "$OUT/gemm.txt" --md "$OUT/results.md" \
    --plot "$OUT/budget.png" --plot-python "$PY_ORT"
echo "bench: done in $(( $(date +%s) - T0 )) s; files in $OUT/"
