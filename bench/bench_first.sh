#!/usr/bin/env bash
# bench/bench_first.sh — time to the first results of a search (issue 22).
#
#   bench/bench_first.sh [-q QUERY] [-r RUNS] [-b BASE_BIN] CORPUS...
#
# For each corpus and each binary (build/ripvec, or $RIPVEC_BIN; and BASE_BIN
# when given, interleaved run by run so load on the machine hits both alike):
#   cold    `ripvec --no-wait -v QUERY CORPUS` with a fresh private
#           RIPVEC_CACHE (no index yet): it answers at once and starts the
#           detached background indexer;
#   during  the same search again while that indexer runs;
#   warm    the indexer stopped (killed by its pid), the same search with
#           --no-background: what a query costs once the first one is done;
#   peer    `ripvec --mode keyword --no-index` over the same tree.
# Prints wall seconds, CPU seconds (user+sys) of the cold search, files and
# chunks, and the cold search's phases from RIPVEC_TRACE=1 (walk, read,
# chunk: CPU, summed over threads; keyword index build, commit, rank). Nothing
# is written outside a temporary directory, removed at the end.
set -euo pipefail

query="parse http header"
runs=1
base=""
while getopts "q:r:b:h" o; do
    case $o in
    q) query=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) base=$OPTARG ;;
    *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-q QUERY] [-r RUNS] [-b BASE_BIN] CORPUS..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RIPVEC_BIN:-$here/build/ripvec}
[ -x "$bin" ] || { echo "bench_first: no $bin (run make)" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base" ] || { echo "bench_first: no $base" >&2; exit 2; }
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "cpu: ${cpu:-unknown}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "query: \"$query\""

# t CMD...: runs CMD with stderr to $tmp/err, stdout dropped; sets wall and cpu.
t() {
    local tf="$tmp/time"
    { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>"$tmp/err"; } 2>"$tf" || true
    read -r wall u s <"$tf"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

one() { # one BIN CORPUS
    local b=$1 c=$2 cache="$tmp/cache.$RANDOM$RANDOM"
    export RIPVEC_CACHE=$cache
    RIPVEC_TRACE=1 t "$b" --no-wait -v "$query" "$c"
    local cold=$wall cold_cpu=$cpu
    local files chunks pid
    files=$(sed -n 's/.*: \([0-9]*\) files, \([0-9]*\) chunks.*/\1/p' "$tmp/err" | head -1)
    chunks=$(sed -n 's/.*: \([0-9]*\) files, \([0-9]*\) chunks.*/\2/p' "$tmp/err" | head -1)
    pid=$(sed -n 's/.*in the background (pid \([0-9]*\)).*/\1/p' "$tmp/err" | head -1)
    [ -n "$pid" ] && pids+=("$pid")
    local phases
    phases=$(awk '
        /trace: corpus load/ { load = $(NF - 1) }
        /trace:   walk/ { gsub(",", ""); walk = $4; read = $7; chunk = $10; commit = $14 }
        /trace: bm25 (build|load)/ { kw = $(NF - 1) }
        /trace: bm25 save/ { save = $(NF - 1) }
        /trace: (bm25 score|symtab|cosine|blend|definitions|group)/ { rank += $(NF - 1) }
        END { printf "load %.0f (walk %.0f read %.0f chunk %.0f commit %.0f) keyword %.0f+%.0f rank %.0f ms",
                     load, walk, read, chunk, commit, kw, save, rank }' "$tmp/err")
    t "$b" --no-wait --no-background "$query" "$c"
    local during=$wall
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; }
    t "$b" --no-wait --no-background "$query" "$c"
    local warm=$wall
    unset RIPVEC_CACHE
    t "$b" --mode keyword --no-index "$query" "$c"
    local peer=$wall
    rm -rf "$cache"
    printf '%-6s %s: %s files, %s chunks; cold %ss (cpu %ss), during %ss, warm %ss, peer %ss; cold/peer %s\n' \
        "$3" "$(basename "$c")" "${files:-?}" "${chunks:-?}" "$cold" "$cold_cpu" "$during" "$warm" \
        "$peer" "$(awk -v a="$cold" -v b="$peer" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
    printf '       cold phases: %s\n' "$phases"
}

for c in "$@"; do
    [ -d "$c" ] || { echo "bench_first: $c: not a directory" >&2; exit 2; }
    for ((r = 1; r <= runs; r++)); do
        one "$bin" "$c" "new"
        [ -z "$base" ] || one "$base" "$c" "base"
    done
done
