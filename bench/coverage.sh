#!/bin/bash
# Dev-set MRR@10 of a partly embedded index (docs/INDEX.md, the coverage rule):
# for each eval set, indexes at about 25/50/75/100% of its chunks (each a copy
# of the last, embedded further with the measurement-only RIPVEC_EMBED_LIMIT;
# a batch that crosses the limit still goes in, so the coverage reached is
# printed), then run_eval.py at 0% and each of those answering at once
# (--no-wait --no-background: nothing embedded meanwhile), and keyword mode.
#
#   bench/coverage.sh ./build/ripvec OUT_DIR SET_DIR...   (SET_DIR holds corpus/)
set -u
bin=$(realpath "$1") out=$2
shift 2
eval_py=$(dirname "$0")/../../shared/eval/run_eval.py
[ -f "$eval_py" ] || eval_py=../shared/eval/run_eval.py
ev() { RIPVEC_CACHE=$1 nice -n 10 python3 "$eval_py" "$bin" "$2" --mode "$3" \
    --extra "--no-wait --no-background" | head -1; }
for set in "$@"; do
  name=$(basename "$set") root=$set/corpus
  total=$(RIPVEC_CACHE=$out/$name/probe "$bin" --no-wait --no-background --mode keyword -v \
      zzqq "$root" 2>&1 | sed -n 's/.* files, \([0-9]*\) chunks (.*/\1/p')
  prev=$out/$name/c0
  mkdir -p "$prev"
  echo "$name c0 (0 of $total chunks): $(ev "$prev" "$set" hybrid)"
  echo "$name keyword: $(ev "$prev" "$set" keyword)"
  for pct in 25 50 75 100; do
    cur=$out/$name/c$pct
    rm -rf "$cur" && cp -r "$prev" "$cur"
    have=$("$bin" index status --format json --cache-dir "$cur" "$root" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])' 2>/dev/null || echo 0)
    lim=$((total * pct / 100 - have))
    [ "$pct" = 100 ] && lim=
    if [ -z "$lim" ] || [ "$lim" -gt 0 ]; then
      RIPVEC_CACHE=$cur RIPVEC_EMBED_LIMIT=$lim nice -n 10 "$bin" index update -q "$root" 2>/dev/null
    fi
    got=$("$bin" index status --format json --cache-dir "$cur" "$root" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["chunks"])')
    echo "$name c$pct ($got of $total chunks): $(ev "$cur" "$set" hybrid)"
    prev=$cur
  done
done
