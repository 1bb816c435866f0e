#!/usr/bin/env bash
# bench/bench_index.sh — the persistent index, end to end through the CLI.
#
#   bash bench/bench_index.sh [BUILD_DIR]        (default: build)
#
# Builds a corpus of >= 3,000 chunks by copying part of a Python standard
# library on this machine into a scratch directory (never committed), indexes
# it once with the real model into a private cache, then prints:
#   - cold index build time (process start to exit)
#   - warm query p50/p90 (index present, nothing changed), process start to exit
#   - the next search after one file changed (and how much was embedded)
#   - peak RSS of a warm query
# Targets (docs/INDEX.md): warm p50 <= 30 ms, one-file change <= 1 s + that
# file's embedding time, warm peak RSS <= 200 MB.
#
# Env: RIPVEC_BIN (binary to time; default BUILD_DIR/ripvec), BENCH_SRC (tree
# to copy instead of the stdlib subset), BENCH_RUNS (warm runs, default 20),
# BENCH_KEEP=1 keeps the scratch directory; BENCH_REUSE=DIR reuses one kept
# earlier (corpus and index already there: skips the copy and the cold build).
set -euo pipefail

BUILD=${1:-build}
BIN=${RIPVEC_BIN:-$BUILD/ripvec}
RUNS=${BENCH_RUNS:-20}
QUERY="parse an email address header"
[ -x "$BIN" ] || { echo "bench_index: no binary at $BIN (make BUILD=$BUILD first)" >&2; exit 2; }
BIN=$(readlink -f "$BIN")

if [ -n "${BENCH_REUSE:-}" ]; then
    WORK=$BENCH_REUSE
    BENCH_KEEP=1
else
    WORK=$(mktemp -d /tmp/ripvec-bench-index-XXXXXX)
fi
cleanup() { [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
CORPUS=$WORK/corpus
export RIPVEC_CACHE=$WORK/cache
mkdir -p "$CORPUS" "$RIPVEC_CACHE"

if [ -n "${BENCH_REUSE:-}" ]; then
    echo "corpus: reused $CORPUS"
elif [ -n "${BENCH_SRC:-}" ]; then
    cp -r "$BENCH_SRC"/. "$CORPUS"/
else
    PY=""
    # this machine's Python standard library, wherever its python3 keeps it
    for cand in "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null)" \
        /usr/lib/python3*; do
        [ -d "$cand/asyncio" ] && { PY=$cand; break; }
    done
    [ -n "$PY" ] || { echo "bench_index: no Python stdlib found; set BENCH_SRC" >&2; exit 2; }
    for d in asyncio email json http logging concurrent importlib xml multiprocessing unittest urllib; do
        [ -d "$PY/$d" ] || continue
        (cd "$PY" && find "$d" -name '*.py' -not -path '*/test*' -print0 |
            xargs -0 -I{} cp --parents {} "$CORPUS"/)
    done
    echo "corpus: $PY (11 packages, tests excluded)"
fi
# Files older than the racy window, as in a real checkout.
[ -n "${BENCH_REUSE:-}" ] || find "$CORPUS" -type f -exec touch -d '2 hours ago' {} +
echo "files:  $(find "$CORPUS" -type f | wc -l), lines: $(find "$CORPUS" -type f -print0 | xargs -0 cat | wc -l)"

ms() { date +%s%N; }

# ---- cold build ----
t0=$(ms)
"$BIN" -q -n 1 "$QUERY" "$CORPUS" >/dev/null || true
t1=$(ms)
echo "cold index build (or catch-up when reused): $(( (t1 - t0) / 1000000 )) ms"
"$BIN" index status "$CORPUS" | sed 's/^/  /'
chunks=$("$BIN" index status "$CORPUS" | awk '/^chunks:/ {print $2}')
[ "${chunks:-0}" -ge 3000 ] || echo "WARNING: only ${chunks:-0} chunks (< 3000)"

# ---- warm queries ----
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/warm.json" \
        "$BIN -q -n 5 '$QUERY' $CORPUS" >/dev/null 2>&1 ||
        hyperfine --warmup 3 --runs "$RUNS" --export-json "$WORK/warm.json" \
            "$BIN -q -n 5 '$QUERY' $CORPUS" >/dev/null
    python3 - "$WORK/warm.json" <<'EOF'
import json, sys
t = sorted(json.load(open(sys.argv[1]))["results"][0]["times"])
q = lambda p: t[min(len(t) - 1, int(p * len(t)))] * 1000
print(f"warm query (hyperfine, {len(t)} runs): p50 {q(0.5):.1f} ms, p90 {q(0.9):.1f} ms, min {t[0]*1000:.1f} ms")
EOF
else
    for _ in 1 2 3; do "$BIN" -q -n 5 "$QUERY" "$CORPUS" >/dev/null; done
    : >"$WORK/warm.txt"
    for _ in $(seq "$RUNS"); do
        a=$(ms); "$BIN" -q -n 5 "$QUERY" "$CORPUS" >/dev/null; b=$(ms)
        echo $(( (b - a) / 1000 )) >>"$WORK/warm.txt"
    done
    sort -n "$WORK/warm.txt" | awk '{v[NR]=$1} END {printf "warm query (loop, %d runs): p50 %.1f ms, p90 %.1f ms, min %.1f ms\n", NR, v[int(NR*0.5)+1]/1000, v[int(NR*0.9)+1]/1000, v[1]/1000}'
fi

# ---- peak RSS of a warm query ----
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$BIN" -q -n 5 "$QUERY" "$CORPUS" 2>"$WORK/time.txt" >/dev/null
    awk -F: '/Maximum resident set size/ {printf "warm query peak RSS: %.1f MB\n", $2/1024}' "$WORK/time.txt"
fi

# ---- one file changed ----
target=$(find "$CORPUS" -name '*.py' -size +2k -print -quit)
for i in 1 2 3; do
    printf '\n\ndef bench_added_function_%d(value):\n    """Added by the benchmark, run %d."""\n    return value * %d\n' "$i" "$i" "$i" >>"$target"
    a=$(ms)
    out=$("$BIN" -v -n 1 "$QUERY" "$CORPUS" 2>&1 >/dev/null | grep -E 'files, .* chunks' || true)
    b=$(ms)
    echo "after one file changed (run $i): $(( (b - a) / 1000000 )) ms  [$out]"
done
t0=$(ms)
"$BIN" -q -n 1 "$QUERY" "$CORPUS" >/dev/null
t1=$(ms)
echo "then warm again: $(( (t1 - t0) / 1000000 )) ms"
# Process start alone, for scale (what no index can remove).
t0=$(ms)
"$BIN" -V >/dev/null
t1=$(ms)
echo "for scale, \`ripvec -V\` (process start only): $(( (t1 - t0) / 1000000 )) ms"
