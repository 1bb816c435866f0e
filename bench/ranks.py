#!/usr/bin/env python3
"""Per-query ranks on docstring-style eval sets (../shared/eval/dev, bench/heldout.sh):
where each query's answer landed and what stood above it, the view a ranking change
is studied in before run_eval.py sums it up.

usage: bench/ranks.py [--mode hybrid|keyword|semantic] [--misses] BIN SET_DIR [SET_DIR...]

Runs BIN exactly as ../shared/eval/run_eval.py does (same hit rule, imported from it), and
prints per query: its rank (0 = not in the top 10), the answer, the query and the top
three results; then MRR@10 per set. --misses prints only the queries not ranked first.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "eval"))
from run_eval import is_hit, parse  # noqa: E402

K = 10


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--misses", action="store_true", help="only queries not ranked first")
    ap.add_argument("bin")
    ap.add_argument("sets", nargs="+")
    a = ap.parse_args()
    for sd in a.sets:
        root = os.path.join(sd, "corpus")
        qs = [json.loads(l) for l in open(os.path.join(sd, "queries.jsonl"))]
        total = 0.0
        for q in qs:
            cmd = [a.bin, "--index", "-n", str(K), "--mode", a.mode, "--format", "json",
                   q["query"], root]
            res = parse(subprocess.run(cmd, capture_output=True, text=True).stdout)[:K]
            rank = next((i + 1 for i, r in enumerate(res) if is_hit(r, q, root)), 0)
            total += 1.0 / rank if rank else 0.0
            if a.misses and rank == 1:
                continue
            top = " | ".join(f"{f}:{s}-{e}" for f, s, e in res[:3])
            print(f"{rank:2d}  {q['file']}:{q['start_line']}-{q['end_line']}  {q['query'][:70]!r}")
            print(f"      top 3: {top}")
        name = os.path.basename(os.path.normpath(sd))
        print(f"{name}: n={len(qs)} MRR@{K}={total / len(qs):.3f} ({a.mode})")


if __name__ == "__main__":
    main()
