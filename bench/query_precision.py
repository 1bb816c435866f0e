#!/usr/bin/env python3
"""Warm query cost per precision, with the packed-layer cache and without it.

usage: query_precision.py BIN CORPUS QUERY [RUNS] [PRECISIONS]

Runs `BIN --index -n 10 --precision P QUERY CORPUS` for fp32, fp16 and int8
(or the comma-separated PRECISIONS, e.g. fp32,int8,bf16),
each with the model's cache (the packed layers mapped from their file) and
with `--model <the same model's directory>` (a directory of the user's: the
layers are packed at each load), interleaved, RUNS rounds (default 20) after
two warm-up calls each. Prints the median and minimum wall time and CPU time
(user + sys of the child, which a loaded machine does not inflate). Set
RIPVEC_CACHE to keep the index away from the user's cache.
"""
import os, resource, statistics, subprocess, sys, time

def main():
    binary, corpus, query = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    model = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "ripvec", "models", "all-minilm-l6-v2")
    precisions = sys.argv[5].split(",") if len(sys.argv) > 5 else ["fp32", "fp16", "int8"]
    variants = [(p, c) for p in precisions for c in ("cached", "packed")]

    def cmd(p, c):
        extra = ["--model", model] if c == "packed" else []
        return [binary, "--index", "-n", "10", "--precision", p] + extra + [query, corpus]

    for v in variants:
        for _ in range(2):
            subprocess.run(cmd(*v), capture_output=True)
    wall = {v: [] for v in variants}
    cpu = {v: [] for v in variants}
    for _ in range(runs):
        for v in variants:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run(cmd(*v), capture_output=True)
            t1 = time.perf_counter()
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode != 0:
                sys.exit(p.stderr.decode())
            wall[v].append((t1 - t0) * 1e3)
            cpu[v].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3)
    for v in variants:
        print(f"{v[0]} {v[1]:6s}: wall p50 {statistics.median(wall[v]):7.1f} ms "
              f"(min {min(wall[v]):6.1f})  CPU p50 {statistics.median(cpu[v]):6.1f} ms "
              f"(min {min(cpu[v]):6.1f})  n={runs}")

if __name__ == "__main__":
    main()
