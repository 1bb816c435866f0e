#!/usr/bin/env python3
"""workspace/symbol latency of `ripvec lsp` on a warm index (a benchmark, not
a test: it asserts nothing).

    python3 bench/bench_lsp.py [--bin build/ripvec] [--model M] [--rounds N]
                               [--synth N] CORPUS_DIR

Starts the server on CORPUS_DIR (one workspace folder), waits for the index,
then times, from request written to response read over the pipes:
  - name queries (definition names taken from the corpus, symbol-like, exact)
  - meaning queries (short natural-language phrases: hybrid search)
  - a typing sequence: the phrase typed one character at a time, each prefix
    sent as workspace/symbol and the previous one cancelled at once, as an
    editor does; the time to the last prefix's answer is reported, and how
    many of the earlier ones came back RequestCancelled.
Prints p50/p95/max per kind and the CPU model. --synth N first writes a tree
of N small Python functions (about N chunks) into CORPUS_DIR (which must not
exist) to measure a large index. The index lives in a temporary cache dir
(--cache-dir to keep it between runs).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

WORDS = ("parse load store fetch retry backoff cache index token stream buffer "
         "config user session request response error handle queue worker timer "
         "socket file path hash merge split render encode decode validate").split()
PHRASES = ["retry with exponential backoff", "parse command line flags",
           "read configuration from a file", "validate user input",
           "merge two sorted lists", "render help text", "cache invalidation",
           "open a network connection", "handle errors from subcommands",
           "encode a response as json"]


def synth(root, n):
    os.makedirs(root)
    rnd = random.Random(7)
    per_file = 100
    for f in range(0, n, per_file):
        lines = []
        for i in range(f, min(n, f + per_file)):
            a, b, c = rnd.sample(WORDS, 3)
            lines.append(f"def {a}_{b}_{c}_{i}(x, y):\n"
                         f"    \"\"\"{a.capitalize()} the {b} and {c} of x for y.\"\"\"\n"
                         f"    z = {a}(x) + {b}(y)\n    return {c}(z)\n\n")
        d = os.path.join(root, f"pkg{f // 5000}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"mod{f // per_file}.py"), "w") as fp:
            fp.write("\n".join(lines))


class Server:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def recv(self):
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            c = self.p.stdout.read(1)
            if not c:
                raise EOFError("server closed its output")
            head += c
        n = int(head.split(b":")[1].split(b"\r")[0])
        return json.loads(self.p.stdout.read(n))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait(self, rid):
        while True:
            m = self.recv()
            if m.get("id") == rid and "method" not in m:
                return m

    def call(self, method, params):
        return self.wait(self.request(method, params))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def report(kind, ms):
    print(f"{kind:<22} n={len(ms):4d}  p50 {pct(ms, .5):7.1f} ms  p95 {pct(ms, .95):7.1f} ms"
          f"  max {max(ms):7.1f} ms")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + f", {os.cpu_count()} cores"
    except OSError:
        pass
    return "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--bin", default="build/ripvec")
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", default="2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--synth", type=int, default=0)
    a = ap.parse_args()
    if a.synth:
        synth(a.corpus, a.synth)
    root = os.path.realpath(a.corpus)
    cache = a.cache_dir or tempfile.mkdtemp(prefix="rv-bench-lsp-")
    cmd = [a.bin, "lsp", "--stdio", "--quiet", "--cache-dir", cache, "--threads", a.threads]
    if a.model:
        cmd += ["--model", a.model]
    srv = Server(cmd)
    srv.call("initialize", {"processId": None, "rootUri": None, "capabilities": {},
                            "workspaceFolders": [{"uri": "file://" + root, "name": "bench"}]})
    srv.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    t0 = time.perf_counter()
    every = srv.call("workspace/symbol", {"query": ""})["result"]
    print(f"index ready in {time.perf_counter() - t0:.1f} s; CPU: {cpu_model()}")
    names = sorted({s["name"] for s in every})[:50] or ["main"]
    srv.call("workspace/symbol", {"query": PHRASES[0]})  # model and corpus warm
    name_ms, meaning_ms, typing_ms = [], [], []
    cancelled = answered = 0
    for _ in range(a.rounds):
        for q in names:
            t = time.perf_counter()
            srv.call("workspace/symbol", {"query": q})
            name_ms.append((time.perf_counter() - t) * 1e3)
        for q in PHRASES:
            t = time.perf_counter()
            srv.call("workspace/symbol", {"query": q})
            meaning_ms.append((time.perf_counter() - t) * 1e3)
        for q in PHRASES[:3]:
            t = time.perf_counter()
            ids = []
            for k in range(1, len(q) + 1):
                if ids:
                    srv.send({"jsonrpc": "2.0", "method": "$/cancelRequest",
                              "params": {"id": ids[-1]}})
                ids.append(srv.request("workspace/symbol", {"query": q[:k]}))
            for rid in ids:
                m = srv.wait(rid)
                if m.get("error", {}).get("code") == -32800:
                    cancelled += 1
                else:
                    answered += 1
            typing_ms.append((time.perf_counter() - t) * 1e3)
    report("name queries", name_ms)
    report("meaning queries", meaning_ms)
    report("typing sequence (end)", typing_ms)
    print(f"typing: {cancelled} prefixes cancelled, {answered} answered")
    srv.call("shutdown", None)
    srv.send({"jsonrpc": "2.0", "method": "exit"})
    srv.p.wait(30)


if __name__ == "__main__":
    sys.exit(main())
