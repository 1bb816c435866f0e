#!/usr/bin/env python3
"""Warm-query latency and indexing speed of several ripvec builds, measured
interleaved on one (possibly shared) machine; used for the architecture steps
in docs/ARCHITECTURE-STEPS.md.

  python3 bench/steps.py run --runs 5 --out T.json --queries Q.jsonl \\
      --corpus DIR --subset DIR --index-cache DIR LABEL=BINARY...
  python3 bench/steps.py summary T.json

Each run visits every build (the order rotates from run to run):
  index   `ripvec index rebuild -q -j 2 SUBSET` with a fresh private
          RIPVEC_CACHE: chunks (from `index status`) per wall second and per
          user-CPU second of the process;
  query   one warm-up, then the first 20 queries of Q.jsonl (JSON Lines with
          a "query" member) as `ripvec --index -n 10 QUERY CORPUS`, on a copy
          of INDEX-CACHE (an index of CORPUS built once, in a format every
          build reads): the median wall time and the summed user-CPU seconds.
Wall and user time come from wait4 of each child. The summary prints, per
build, the median over runs and the spread (min-max).
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time


def run_timed(argv, env):
    """(rc, wall s, user s, stdout, stderr) of one child, user time from wait4."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, time.monotonic() - t0, ru.ru_utime, out.decode(errors="replace"), \
        err.decode(errors="replace")


def one(label, binary, a, queries, scratch, run_no):
    cache = os.path.join(scratch, "index-" + label)
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, RIPVEC_CACHE=cache)
    env.pop("RIPVEC_MODEL", None)
    rc, wall, user, _, err = run_timed([binary, "index", "rebuild", "-q", "-j", "2", a.subset], env)
    if rc != 0:
        sys.exit(f"{label}: index rebuild failed ({rc}): {err[-300:]}")
    _, _, _, st, _ = run_timed([binary, "index", "status", a.subset], env)
    m = re.search(r"chunks[^0-9]*([0-9]+)", st)
    chunks = int(m.group(1)) if m else 0
    rec = {"label": label, "run": run_no, "chunks": chunks, "index_wall_s": wall,
           "index_user_s": user, "chunks_per_s": chunks / wall if wall > 0 else 0,
           "chunks_per_user_s": chunks / user if user > 0 else 0}
    qcache = os.path.join(scratch, "query-" + label)
    if not os.path.isdir(qcache):
        shutil.copytree(a.index_cache, qcache)
    env = dict(env, RIPVEC_CACHE=qcache)
    run_timed([binary, "--index", "-n", "10", queries[-1], a.corpus], env)  # warm-up
    walls, users = [], []
    for q in queries[:20]:
        rc, wall, user, _, err = run_timed([binary, "--index", "-n", "10", q, a.corpus], env)
        if rc not in (0, 1):
            sys.exit(f"{label}: query failed ({rc}): {err[-300:]}")
        walls.append(wall)
        users.append(user)
    rec.update(query_p50_ms=1000 * statistics.median(walls), query_user_s=sum(users))
    return rec


def cmd_run(a):
    queries = [json.loads(l)["query"] for l in open(a.queries) if l.strip()]
    if len(queries) < 21:
        sys.exit("steps: the queries file needs 21 queries (20 and a warm-up)")
    builds = [b.split("=", 1) for b in a.builds]
    scratch = tempfile.mkdtemp(prefix="rv-steps-")
    recs = []
    for r in range(a.runs):
        k = r % len(builds)
        for label, binary in builds[k:] + builds[:k]:
            rec = one(label, binary, a, queries, scratch, r)
            recs.append(rec)
            print(json.dumps(rec), flush=True)
            with open(a.out, "w") as f:
                json.dump(recs, f, indent=1)
    shutil.rmtree(scratch, ignore_errors=True)


def cmd_summary(a):
    recs = json.load(open(a.file))
    labels = list(dict.fromkeys(r["label"] for r in recs))
    keys = [("query_p50_ms", "query p50 ms", 0), ("query_user_s", "query user s (20)", 2),
            ("chunks_per_s", "index chunks/s", 2), ("chunks_per_user_s", "chunks/user-s", 1)]
    print("| build | runs | " + " | ".join(k[1] for k in keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for l in labels:
        rs = [r for r in recs if r["label"] == l]
        cells = []
        for k, _, d in keys:
            v = [r[k] for r in rs]
            cells.append(f"{statistics.median(v):.{d}f} ({min(v):.{d}f}-{max(v):.{d}f})")
        print(f"| {l} | {len(rs)} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--out", required=True)
    r.add_argument("--queries", required=True)
    r.add_argument("--corpus", required=True)
    r.add_argument("--subset", required=True)
    r.add_argument("--index-cache", required=True)
    r.add_argument("builds", nargs="+", help="LABEL=BINARY")
    s = sub.add_parser("summary")
    s.add_argument("file")
    a = ap.parse_args()
    cmd_run(a) if a.cmd == "run" else cmd_summary(a)


if __name__ == "__main__":
    main()
