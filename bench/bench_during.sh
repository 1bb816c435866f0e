#!/usr/bin/env bash
# bench/bench_during.sh — a search while the background indexer runs,
# against a warm search of the complete index (issue 22).
#
#   bench/bench_during.sh [-q QUERY] [-n SAMPLES] [-r ROUNDS] [-b BASE_BIN] TREE
#
# For each binary (build/ripvec, or $RIPVEC_BIN; then BASE_BIN when given,
# the two alternating round by round) with a fresh private RIPVEC_CACHE:
#   cold    `ripvec --no-wait QUERY TREE`: answers at once and starts the
#           detached background indexer;
#   during  up to SAMPLES searches `ripvec --no-wait --no-background -n 10
#           QUERY TREE`, one every half second, while `ripvec index status`
#           says the indexer runs (each with the coverage it saw);
#   warm    once the indexer has finished, SAMPLES more of the same search.
# Prints every sample and, per binary, the median and the worst "during"
# wall time, the median warm one and their ratio, and the same for CPU
# time (user + sys: the search's own work, whatever the indexer beside it
# takes of the cores). The tree is only read;
# the indexes live under a temporary directory removed at the end.
set -euo pipefail

query="parse http header"
samples=10
rounds=1
base=""
while getopts "q:n:r:b:h" o; do
    case $o in
    q) query=$OPTARG ;;
    n) samples=$OPTARG ;;
    r) rounds=$OPTARG ;;
    b) base=$OPTARG ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-q QUERY] [-n SAMPLES] [-r ROUNDS] [-b BASE_BIN] TREE" >&2; exit 2; }
tree=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RIPVEC_BIN:-$here/build/ripvec}
[ -x "$bin" ] || { echo "bench_during: no $bin (run make)" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base" ] || { echo "bench_during: no $base" >&2; exit 2; }
tmp=$(mktemp -d)
cleanup() {
    # the indexers this script started, by the pid their status names
    for c in "$tmp"/cache.*; do
        [ -d "$c" ] || continue
        p=$(RIPVEC_CACHE=$c "$bin" index status --format json "$tree" 2>/dev/null |
            python3 -c 'import json,sys; i=json.load(sys.stdin)["indexer"]; print(i.get("pid",0) if i["running"] else 0)' 2>/dev/null || echo 0)
        [ "$p" != 0 ] && kill "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "cpu: ${cpu:-unknown}, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tree: $tree"
echo "query: \"$query\""

ms() { local n; n=$(date +%s%N); echo $((n / 1000000)); }

# state BIN: "running EMBEDDED TOTAL" or "done EMBEDDED TOTAL"
state() {
    "$1" index status --format json "$tree" 2>/dev/null | python3 -c '
import json, sys
try:
    o = json.load(sys.stdin)
except Exception:
    print("none 0 0"); sys.exit()
print("running" if o["indexer"]["running"] else "done", int(o["embedded"]), int(o["total"]))'
}

search_ms() { # BIN: "WALL CPU" milliseconds of one search (CPU: user + sys)
    local tf="$tmp/time" w u y
    { TIMEFORMAT='%R %U %S'; time "$1" --no-wait --no-background -n 10 "$query" "$tree" \
        >/dev/null 2>&1; } 2>"$tf" || true
    read -r w u y <"$tf"
    awk -v w="$w" -v u="$u" -v y="$y" 'BEGIN { printf "%d %d\n", w * 1000 + 0.5, (u + y) * 1000 + 0.5 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }

one() { # one BIN LABEL
    local b=$1 label=$2 cache="$tmp/cache.$RANDOM$RANDOM"
    export RIPVEC_CACHE=$cache
    local t0 t1 during="" warm="" dcpu="" wcpu="" st w c
    t0=$(ms)
    "$b" --no-wait "$query" "$tree" >/dev/null 2>&1 || true
    t1=$(ms)
    echo "$label cold $((t1 - t0)) ms"
    for _ in $(seq "$samples"); do
        sleep 0.5
        read -r st e tot < <(state "$b")
        [ "$st" = running ] || break
        read -r w c < <(search_ms "$b")
        during="$during $w"
        dcpu="$dcpu $c"
        echo "$label during $w ms wall, $c ms cpu (embedded $e of $tot)"
    done
    while read -r st e tot < <(state "$b") && [ "$st" = running ]; do sleep 2; done
    echo "$label indexer done: embedded $e of $tot"
    for _ in $(seq "$samples"); do
        read -r w c < <(search_ms "$b")
        warm="$warm $w"
        wcpu="$wcpu $c"
    done
    local dm dx wm dc wc
    med() { echo "$1" | tr ' ' '\n' | sed '/^$/d' | median; }
    dm=$(med "$during")
    dx=$(echo "$during" | tr ' ' '\n' | sed '/^$/d' | sort -n | tail -1)
    wm=$(med "$warm")
    dc=$(med "$dcpu")
    wc=$(med "$wcpu")
    echo "$label warm wall:$warm ms, cpu:$wcpu ms"
    ratio() { awk -v d="$1" -v w="$2" 'BEGIN { if (w > 0) printf "%.2f", d / w; else print "-" }'; }
    printf 'RESULT %s during median %s ms wall (max %s, %d samples), %s ms cpu; warm median %s ms wall, %s ms cpu; ratio wall %s, cpu %s\n' \
        "$label" "$dm" "${dx:-0}" "$(echo "$during" | wc -w)" "$dc" "$wm" "$wc" \
        "$(ratio "$dm" "$wm")" "$(ratio "$dc" "$wc")"
    unset RIPVEC_CACHE
}

for r in $(seq "$rounds"); do
    one "$bin" "new"
    [ -z "$base" ] || one "$base" "base"
done
