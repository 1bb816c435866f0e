#!/usr/bin/env bash
# bench/bench_bm25_update.sh — the first keyword search after editing one
# file: the keyword index updated (this build) against rebuilt (BASE_BIN).
#
#   bench/bench_bm25_update.sh [-r ROUNDS] [-c] -b BASE_BIN TREE
#
# TREE is copied to a temporary directory (never edited in place). Each
# binary (build/ripvec, or $RIPVEC_BIN; and BASE_BIN) gets a private cache
# whose index holds the copy's chunks (a search starts the indexer, which
# is stopped after its chunk pass) and a first keyword index. Then each
# round appends one function to one file of the copy (a different file
# each round) and runs, interleaved (the first binary alternating),
# `RIPVEC_TRACE=1 ripvec --mode keyword --no-wait --no-background QUERY
# COPY`, printing each binary's bm25 trace lines and user/sys CPU, and
# whether the two printed the same results. -c: each run under
# `valgrind --tool=callgrind -j1` instead, printing the instructions of
# the whole command and of rv_search_ensure_bm25.
set -euo pipefail

rounds=3
base=""
cg=0
while getopts "r:b:ch" o; do
    case $o in
    r) rounds=$OPTARG ;;
    b) base=$OPTARG ;;
    c) cg=1 ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] && [ -n "$base" ] || {
    echo "usage: $0 [-r ROUNDS] [-c] -b BASE_BIN TREE" >&2
    exit 2
}
here=$(cd "$(dirname "$0")/.." && pwd)
new=${RIPVEC_BIN:-$here/build/ripvec}
[ -x "$new" ] && [ -x "$base" ] || { echo "bench_bm25_update: no binary" >&2; exit 2; }
[ "$cg" != 1 ] || command -v valgrind >/dev/null || {
    echo "bench_bm25_update: -c needs valgrind (apt-get install valgrind)" >&2
    exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$1" "$work/tree"
tree=$work/tree
bins=("$new" "$base")
names=(new base)

for i in 0 1; do
    export RIPVEC_CACHE=$work/cache-${names[$i]}
    b=${bins[$i]}
    nice -n 10 "$b" -q --mode keyword --no-wait "warm up" "$tree" >/dev/null 2>&1 || true
    for _ in $(seq 1 300); do
        "$b" index status "$tree" 2>/dev/null | grep -Eq "embedded: *[0-9,]+ of [0-9,]+ chunks" && break
        sleep 1
    done
    "$b" index stop "$tree" >/dev/null 2>&1 || true
    "$b" -q --mode keyword --no-wait --no-background "warm up" "$tree" >/dev/null 2>&1 || true
done
unset RIPVEC_CACHE

mapfile -t files < <(cd "$tree" && find . -name '*.py' -size +8k | sort | head -n "$rounds")
[ "${#files[@]}" -gt 0 ] || { echo "bench_bm25_update: no .py file over 8 KiB in TREE" >&2; exit 2; }

run() { # name binary query
    local out=$work/out-$1
    if [ "$cg" = 1 ]; then
        RIPVEC_CACHE=$work/cache-$1 valgrind --tool=callgrind --callgrind-out-file="$work/cg-$1" \
            "$2" -j1 --mode keyword --no-wait --no-background "$3" "$tree" >"$out" 2>/dev/null
        local tot bm
        tot=$(callgrind_annotate "$work/cg-$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {print $1}')
        bm=$(callgrind_annotate --inclusive=yes "$work/cg-$1" 2>/dev/null |
            awk '/rv_search_ensure_bm25 \[/ && !d {print $1; d = 1}')
        echo "  $1: instructions $tot, rv_search_ensure_bm25 $bm"
    else
        { /usr/bin/time -f "  $1: user %U s, sys %S s, wall %e s" env RIPVEC_CACHE="$work/cache-$1" \
            RIPVEC_TRACE=1 "$2" --mode keyword --no-wait --no-background "$3" "$tree" >"$out"; } 2>&1 |
            grep -E "trace: bm25 (load|build|update|save)|user" | sed "s/^ripvec: trace:/  $1:/"
    fi
}

for r in $(seq 1 "${#files[@]}"); do
    f=${files[$((r - 1))]}
    printf '\n\ndef bench_edit_%s(header_value):\n    """parse the header benchq%s"""\n    return header_value\n' \
        "$r" "$r" >>"$tree/$f"
    echo "round $r: edited $f"
    q="parse http header benchq$r"
    if [ $((r % 2)) = 1 ]; then run new "$new" "$q"; run base "$base" "$q"
    else run base "$base" "$q"; run new "$new" "$q"; fi
    cmp -s "$work/out-new" "$work/out-base" && echo "  results: same" || echo "  results: DIFFER"
done
