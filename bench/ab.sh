#!/usr/bin/env bash
# A/B of two builds of the engine on a shared, noisy machine: runs
# BASE/bench/bench_embed and NEW/bench/bench_embed alternately ROUNDS times on
# the same chunks and prints every run and the best of each (wall tokens/s and
# tokens per CPU-second), so a burst of other work cannot favour one side.
#
#   bash bench/ab.sh BASE_BUILD NEW_BUILD [THREADS=2] [ROUNDS=5] [CHUNKS=150] [BUDGET=8192] [PRECISION=fp32]
#
# Build the base from another commit into its own directory, e.g.
#   git stash && make BUILD=build-base build-base/bench/bench_embed && git stash pop
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
BASE=$1 NEW=$2 T=${3:-2} R=${4:-5} C=${5:-150} B=${6:-8192} P=${7:-fp32}
for b in "$BASE" "$NEW"; do
    [ -x "$b/bench/bench_embed" ] || { echo "ab: $b/bench/bench_embed is missing" >&2; exit 2; }
done
for _ in $(seq "$R"); do
    for b in "$BASE" "$NEW"; do
        "$b/bench/bench_embed" --chunks "$C" --threads "$T" --budget "$B" --precision "$P" \
            --no-profile |
            grep '^RESULT' | sed "s|^RESULT|$b|"
    done
done | awk '{
    print
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (v["tokens_per_s"] > w[$1]) w[$1] = v["tokens_per_s"]
    if (v["tokens_per_cpu_s"] > c[$1]) c[$1] = v["tokens_per_cpu_s"]
    if (!($1 in w0)) { w0[$1] = 1; order[n++] = $1 }
} END {
    for (i = 0; i < n; i++)
        printf "best %s: %.0f tokens/s, %.0f tokens per CPU-second\n", order[i], w[order[i]], c[order[i]]
    if (n == 2 && w[order[0]] > 0)
        printf "new / base: %.3fx wall, %.3fx per CPU-second\n", w[order[1]] / w[order[0]], c[order[1]] / c[order[0]]
}'
