#!/usr/bin/env python3
"""Summarizes bench/run.sh's RESULT lines: best tokens/s per (engine,
precision, threads, chunks, budget), ripvec's ratio to each peer on the same
chunk set, the share of the FMA peak, and a plot of tokens/s against the
batch token budget (matplotlib from --plot-python's interpreter, when it has
it). Standard library only, so the system python3 can run it.

    python3 bench/summarize.py results.txt --peak GFLOPS [--gemm gemm.txt]
                               [--md results.md] [--plot budget.png --plot-python PY]
"""
import argparse
import os
import re
import subprocess
import sys


def parse(path):
    rows, cos = [], []
    for line in open(path, encoding="utf-8"):
        if line.startswith("RESULT "):
            kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line[7:]))
            rows.append({k: v.strip('"') for k, v in kv.items()})
        elif line.startswith("COSINE"):
            cos.append(line.strip())
    return rows, cos


def best(rows):
    out = {}
    for r in rows:
        key = (r["engine"], r["precision"], int(r["threads"]), int(r["chunks"]), int(r["budget"]))
        tps, tpc = float(r["tokens_per_s"]), float(r["tokens_per_cpu_s"])
        old = out.get(key)
        if not old:
            out[key] = dict(r, tps=tps, tpc=tpc, n=1)
        else:
            old["n"] += 1
            if tps > old["tps"]:
                old.update(r, tps=tps)
            old["tpc"] = max(old["tpc"], tpc)
    return out


NAMES = {"ripvec": "ripvec", "ort": "ONNX Runtime", "st": "sentence-transformers"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--peak", type=float, default=0)
    ap.add_argument("--gemm")
    ap.add_argument("--md")
    ap.add_argument("--plot")
    ap.add_argument("--plot-python")
    a = ap.parse_args()
    rows, cos = parse(a.results)
    B = best(rows)
    default_budget = 8192
    lines = ["| threads | chunks (tokens) | engine | precision | tokens/s (best wall) | "
             "tokens per CPU-s | ripvec fp32 / this | runs |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = []
    keys = sorted((k for k in B if k[4] == default_budget),
                  key=lambda k: (-k[3], k[2], k[0] != "ripvec", k[0], k[1]))
    for k in keys:
        eng, prec, thr, n, bud = k
        r = B[k]
        ours = B.get(("ripvec", "fp32", thr, n, bud))
        ratio = ours["tps"] / r["tps"] if ours else float("nan")
        lines.append(f"| {thr} | {n} ({r['tokens']}) | {NAMES.get(eng, eng)} | {prec} | "
                     f"{r['tps']:.0f} | {r['tpc']:.0f} | {ratio:.2f}x | {r['n']} |")
        if eng != "ripvec" or prec != "fp32":
            for p in ("fp32", "int8", "fp16", "bf16"):
                mine = B.get(("ripvec", p, thr, n, bud))
                if mine and eng != "ripvec":
                    ratios.append(f"ripvec {p} / {NAMES.get(eng, eng)} {prec} at {thr} thread"
                                  f"{'s' if thr > 1 else ''} ({n} chunks): "
                                  f"{mine['tps'] / r['tps']:.2f}x wall, "
                                  f"{mine['tpc'] / r['tpc']:.2f}x per CPU-second")
    print("\n".join(lines))
    print()
    print("\n".join(ratios))
    extra = []
    if a.peak:
        for k in keys:
            if k[0] == "ripvec" and "core_share" in B[k]:
                extra.append(f"ripvec {k[1]} {k[2]} thread(s), {k[3]} chunks: whole forward pass at "
                             f"{float(B[k]['core_share']) * 100:.0f}% of the per-core FMA peak "
                             f"({a.peak:.1f} GFLOP per CPU-second) per CPU-second")
    if a.gemm and os.path.exists(a.gemm):
        for line in open(a.gemm):
            if line.startswith("GEMM shape=all"):
                kv = dict(re.findall(r"(\w+)=(\S+)", line))
                extra.append(f"linear layers alone (bench_gemm, 1 thread, model shapes): ours f32 "
                             f"{kv['f32']} GFLOP/CPU-s = {float(kv['f32_share']) * 100:.0f}% of peak, "
                             f"OpenBLAS {kv['blas']} = {float(kv['blas_share']) * 100:.0f}%, "
                             f"ours f16 {kv['f16']}, ours q8 {kv['q8']}, q7 {kv.get('q7', '-')}, "
                             f"q7f {kv.get('q7f', '-')}, bf16 {kv.get('bf16', '-')} "
                             f"GOP/CPU-s")
    # ORT pads each batch to its longest sequence and keeps whole score
    # tensors, so its speed depends on the budget; compare every engine at
    # its own best budget of the sweep as well as at the shared one.
    swept = [k for k in B if k[2] == 2 and k[4] != default_budget]
    if swept:
        n_sw = min(k[3] for k in swept)
        top = {}
        for k in B:
            if k[2] == 2 and k[3] == n_sw:
                cur = top.get((k[0], k[1]))
                if cur is None or B[k]["tps"] > B[cur]["tps"]:
                    top[(k[0], k[1])] = k
        ort = top.get(("ort", "fp32"))
        for p in ("fp32", "int8"):
            mine = top.get(("ripvec", p))
            if mine and ort:
                extra.append(f"each at its best budget (sweep, 2 threads, {n_sw} chunks): ripvec {p} "
                             f"{B[mine]['tps']:.0f} tokens/s (budget {mine[4]}) / ONNX Runtime fp32 "
                             f"{B[ort]['tps']:.0f} (budget {ort[4]}) = "
                             f"{B[mine]['tps'] / B[ort]['tps']:.2f}x wall, "
                             f"{B[mine]['tpc'] / B[ort]['tpc']:.2f}x per CPU-second")
    extra += cos
    print("\n".join(extra))
    if a.md:
        with open(a.md, "w") as f:
            f.write("\n".join(lines) + "\n\n" + "\n".join("- " + x for x in ratios + extra) + "\n")
    sweep = sorted(k for k in B if k[2] == 2 and k[3] == min(
        (kk[3] for kk in B if kk[4] != default_budget), default=-1))
    if a.plot and sweep:
        series = {}
        for k in sweep:
            series.setdefault(f"{NAMES.get(k[0], k[0])} {k[1]}", []).append(
                (k[4], B[k]["tps"], B[k]["tpc"]))
        # also budget 8192 points measured on the same chunk count
        code = (
            "import sys, json\n"
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
            "s = json.loads(sys.argv[1])\n"
            "fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))\n"
            "for i, ax in enumerate(axes):\n"
            "    for name, pts in sorted(s.items()):\n"
            "        pts.sort(); ax.plot([p[0] for p in pts], [p[1 + i] for p in pts], marker='o', label=name)\n"
            "    ax.set_xscale('log', base=2); ax.set_xlabel('batch token budget (padded tokens per forward pass)')\n"
            "    ax.set_ylabel(['tokens/s (wall-clock, 2 threads)', 'tokens per CPU-second (2 threads)'][i])\n"
            "    ax.grid(True, alpha=0.3); ax.legend(); ax.set_ylim(bottom=0)\n"
            "fig.suptitle('all-MiniLM-L6-v2 on code chunks, 2-core AMD EPYC (AVX2), shared machine')\n"
            "fig.tight_layout(); fig.savefig(sys.argv[2], dpi=100)\n")
        import json
        py = a.plot_python or sys.executable
        r = subprocess.run([py, "-c", code, json.dumps(series), a.plot], capture_output=True,
                           text=True)
        print(f"plot: {a.plot}" if r.returncode == 0 else
              f"plot skipped (matplotlib not importable by {py})")


if __name__ == "__main__":
    main()
