#!/bin/bash
# Held-out docstring sets (docs/SEARCH.md, "A held-out check"): ten
# repositories no ranking step was measured on, built at pinned commits with
# ../shared/eval/build_eval.py, then MRR@10 per set and mode.
#
#   bench/heldout.sh [-m "hybrid keyword semantic"] BIN MIRRORS OUT
#
# MIRRORS holds the snapshots as OWNER+NAME/repo (fetch github:pallets/click,
# github:expressjs/express, github:rust-lang/log, github:gorilla/mux,
# github:redis/hiredis, github:pallets/flask, github:urfave/cli,
# github:serde-rs/json, github:axios/axios and github:DaveGamble/cJSON); OUT
# gets the sets (corpora are other projects' code: never commit them) and
# OUT/cache their indexes, reused by later runs. A set with a fifth field
# keeps the queries whose answer is under that folder (axios commits its
# dist/ bundles: its answers are the lib/ sources).
set -eu
modes="hybrid keyword semantic"
if [ "${1:-}" = -m ]; then modes=$2; shift 2; fi
if [ $# -ne 3 ]; then
  sed -n '2,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
bin=$(realpath "$1") mirrors=$2 out=$3
eval_dir=$(cd "$(dirname "$0")/../../shared/eval" 2>/dev/null && pwd) || eval_dir=../shared/eval
[ -f "$eval_dir/build_eval.py" ] || { echo "heldout: no $eval_dir/build_eval.py" >&2; exit 2; }
sets=(
  "click pallets+click python 2c8cd3ac958a7eb316d67f2d316c27086c4c0369"
  "express expressjs+express js a3714473feb3d2908add734d340e7755fd85e0a3"
  "log rust-lang+log rust 037d7a58f6ad184abb3afc4db81d37c43a5696ec"
  "mux gorilla+mux go db9d1d0073d27a0a2d9a8c1bc52aa0af4374d265"
  "hiredis redis+hiredis c 29ea2791c102fdffff350f1ea6e04d1f71903d0d"
  "flask pallets+flask python 2ac89889f4cc330eabd50f295dcef02828522c69"
  "cli urfave+cli go 1305a08200f7c4d873e28bd2bbad1ff257c6cfc4"
  "serdejson serde-rs+json rust 827a315bf2198558f0325b07bcc1e2cd973aba2f"
  "axios axios+axios js 23a25af0688d1db2c396deb09229d2271cc24f6c lib/"
  "cjson DaveGamble+cJSON c a29814f285cc531c00223743ad3c55cd38c0dc56"
)
mkdir -p "$out"
dirs=()
for s in "${sets[@]}"; do
  read -r name snap lang commit under <<<"$s"
  git=$mirrors/$snap/repo
  [ -d "$git" ] || { echo "heldout: no snapshot at $git" >&2; exit 2; }
  if [ ! -f "$out/$name/queries.jsonl" ]; then
    python3 "$eval_dir/build_eval.py" "$git" "$lang" "$out/$name" --commit "$commit" >&2
    if [ -n "$under" ]; then
      mv "$out/$name/queries.jsonl" "$out/$name/queries.all.jsonl"
      grep -F "\"file\": \"$under" "$out/$name/queries.all.jsonl" >"$out/$name/queries.jsonl"
    fi
  fi
  dirs+=("$out/$name")
done
for m in $modes; do
  echo "== $m"
  RIPVEC_CACHE=$out/cache python3 "$eval_dir/run_eval.py" "$bin" "${dirs[@]}" --mode "$m" |
    grep -E 'MRR@10' | sed -E 's/ index_s=.*//'
done
