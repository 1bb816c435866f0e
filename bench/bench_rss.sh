#!/usr/bin/env bash
# Peak memory (max RSS, from GNU /usr/bin/time -v) and wall time of ripvec on
#   - the hostile tree of tests/test_hostile_tree.c (built by that test
#     binary with --make-tree: huge minified file, 200k-line file, deep
#     directories, symlink loops, ...), and
#   - a synthetic repository of N files x 10 functions (default 10,000 files
#     = 100,000 chunks) under /tmp.
# Keyword mode (no embedding) runs over everything; embedding modes run over
# a prefix of the synthetic repository (RSS_EMBED_FILES, default 1000 files =
# 10,000 chunks) since embedding 100k chunks on 2 CPU cores takes long; set
# RSS_EMBED_FILES=10000 for the full run.
#
# usage: bench/bench_rss.sh [BUILD_DIR]     (default build)
# env:   RIPVEC_BIN, RIPVEC_TEST_MODEL, RSS_FILES, RSS_EMBED_FILES,
#        RSS_THREADS (default 2), RSS_KEEP=1 (keep the generated trees),
#        RIPVEC_HOSTILE_BIG_MB (hostile tree's big file, default 50)
set -u
build=${1:-build}
bin=${RIPVEC_BIN:-$build/ripvec}
tree_bin=$build/tests/test_hostile_tree
files=${RSS_FILES:-10000}
embed_files=${RSS_EMBED_FILES:-1000}
threads=${RSS_THREADS:-2}
model=${RIPVEC_TEST_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/ripvec/models/all-minilm-l6-v2}

[ -x /usr/bin/time ] || { echo "bench_rss: /usr/bin/time missing (scripts/setup.d/50-reliability.sh installs it)"; exit 2; }
[ -x "$bin" ] || { echo "bench_rss: no ripvec binary at $bin"; exit 2; }
[ -d "$model" ] || { echo "bench_rss: no model at $model"; exit 2; }

work=$(mktemp -d /tmp/rvrss-XXXXXX)
cleanup() { [ "${RSS_KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT

# Synthetic repository: files of 10 Python functions each, 100 per directory.
gen_repo() { # dir nfiles
    python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
verbs = ["parse", "load", "store", "send", "fetch", "merge", "split", "encode", "decode", "retry"]
nouns = ["config", "record", "packet", "token", "buffer", "header", "session", "index", "cache", "image"]
for f in range(n):
    d = os.path.join(root, "pkg%03d" % (f // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "mod%05d.py" % f), "w") as out:
        for k in range(10):
            v, o = verbs[(f + k) % 10], nouns[(f * 7 + k) % 10]
            out.write("def %s_%s_%d_%d(data, limit=%d):\n" % (v, o, f, k, k + 3))
            out.write("    \"\"\"%s the %s number %d of module %d.\"\"\"\n" % (v.capitalize(), o, k, f))
            out.write("    result = []\n    for item in data[:limit]:\n")
            out.write("        result.append((item, %d))\n    return result\n\n\n" % (f * 10 + k))
PY
}

printf '%-44s %8s %9s %12s %5s\n' case files seconds "peak RSS MB" exit
measure() { # name nfiles args...
    local name=$1 n=$2
    shift 2
    /usr/bin/time -v -o "$work/time.txt" "$bin" "$@" >"$work/out.txt" 2>"$work/err.txt"
    local rc=$?
    local kb secs
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    # time(1) writes "Command exited with non-zero status N" first when rc != 0
    [ "$rc" -ne 0 ] && grep -q "Command terminated by signal" "$work/time.txt" && rc=signal
    printf '%-44s %8s %9.1f %12.1f %5s\n' "$name" "$n" "${secs:-0}" "$(echo "${kb:-0}" | awk '{print $1 / 1024}')" "$rc"
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then sed -n '1,5p' "$work/err.txt"; fi
}

# 1. the hostile tree
if [ -x "$tree_bin" ]; then
    if "$tree_bin" --make-tree "$work/hostile" >/dev/null; then
        h=$work/hostile/tree
        nh=$(find "$h" -type f 2>/dev/null | wc -l)
        measure "hostile: hybrid --no-index" "$nh" --model "$model" --threads "$threads" \
            --no-index -q "retry a failed network call with backoff" "$h"
        measure "hostile: hybrid, index (first run)" "$nh" --model "$model" --threads "$threads" \
            --cache-dir "$work/cache" -q "retry a failed network call with backoff" "$h"
        measure "hostile: keyword -L --max-filesize 1G" "$nh" --no-index --mode keyword -L \
            --max-filesize 1G -q "deeply_nested_marker_function" "$h"
        chmod -R u+rwx "$work/hostile" 2>/dev/null
    else
        echo "hostile tree: $tree_bin --make-tree failed"
    fi
else
    echo "hostile tree: $tree_bin not built (make BUILD=$build $tree_bin)"
fi

# 2. the synthetic repository
gen_repo "$work/synth" "$files"
measure "synthetic: keyword --no-index" "$files" --no-index --mode keyword -q \
    "retry the session packet" "$work/synth"
gen_repo "$work/synth-embed" "$embed_files"
measure "synthetic: hybrid --no-index" "$embed_files" --model "$model" --threads "$threads" \
    --no-index -q "retry the session packet" "$work/synth-embed"
measure "synthetic: hybrid, index (first run)" "$embed_files" --model "$model" \
    --threads "$threads" --cache-dir "$work/cache" -q "retry the session packet" "$work/synth-embed"
measure "synthetic: hybrid, index (second run)" "$embed_files" --model "$model" \
    --threads "$threads" --cache-dir "$work/cache" -q "retry the session packet" "$work/synth-embed"
measure "synthetic: keyword, index built above" "$embed_files" --model "$model" \
    --cache-dir "$work/cache" -L -q --mode keyword "retry the session packet" "$work/synth-embed"
