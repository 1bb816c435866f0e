#!/usr/bin/env python3
"""`ripvec mcp` driven by the official MCP Python SDK (PyPI `mcp`, stdio client).

Usage: mcp_client_test.py RIPVEC_BIN MODEL_DIR

Creates a small repository in a temporary directory, starts `RIPVEC_BIN mcp`
on it through the SDK's stdio transport, lists the tools and calls each one,
checking the results (the SDK also validates structuredContent against each
tool's outputSchema). Prints one line per check and ends with
"N passed, N failed"; exits 1 when any check failed.
Run by tests/test_mcp_sdk.c with third_party/venv-mcp's python
(scripts/setup.d/40-mcp-test.sh pins the SDK version).
"""
import os
import shutil
import sys
import tempfile
import textwrap

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError
from mcp.shared.version import SUPPORTED_PROTOCOL_VERSIONS

FILES = {
    "net/retry.py": '''
        import time


        def retry_with_exponential_backoff(fn, attempts=5, base_delay=0.5):
            """Call fn until it succeeds, sleeping twice as long after each failure."""
            delay = base_delay
            for attempt in range(attempts):
                try:
                    return fn()
                except ConnectionError:
                    time.sleep(delay)
                    delay *= 2
            raise RuntimeError("gave up after retries")
        ''',
    "net/client.py": '''
        from net.retry import retry_with_exponential_backoff


        class HttpClient:
            def get(self, url):
                return retry_with_exponential_backoff(lambda: self._send("GET", url))

            def _send(self, method, url):
                raise ConnectionError(method + " " + url)
        ''',
    "config/parse.c": '''
        #include <stdio.h>
        #include <string.h>

        /* Reads key=value lines from an ini-style configuration file. */
        int parse_config_file(const char *path, char keys[][64], char values[][256], int max) {
            FILE *f = fopen(path, "r");
            if (!f) return -1;
            char line[512];
            int n = 0;
            while (n < max && fgets(line, sizeof line, f)) {
                char *eq = strchr(line, '=');
                if (!eq) continue;
                *eq = '\\0';
                strncpy(keys[n], line, 63);
                strncpy(values[n], eq + 1, 255);
                n++;
            }
            fclose(f);
            return n;
        }
        ''',
    "db/store.py": '''
        import sqlite3


        def open_database(path):
            """Open the SQLite database and create the users table."""
            conn = sqlite3.connect(path)
            conn.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)")
            return conn


        def insert_user(conn, name):
            conn.execute("INSERT INTO users (name) VALUES (?)", (name,))
            conn.commit()
        ''',
}

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {what}", flush=True)
    else:
        failed += 1
        print(f"FAIL {what}", flush=True)


def make_repo(root):
    for rel, text in FILES.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))


def line_of(rel, needle):
    text = textwrap.dedent(FILES[rel]).lstrip("\n")
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise KeyError(needle)


async def call(session, name, args):
    res = await session.call_tool(name, args)
    check(not res.isError, f"{name} succeeds")
    check(res.structuredContent is not None, f"{name} has structuredContent")
    check(len(res.content) >= 1 and res.content[0].type == "text", f"{name} has text content")
    return res


async def run(binary, model_dir, repo, cache):
    env = dict(os.environ)
    env.pop("RIPVEC_ROOT", None)
    params = StdioServerParameters(
        command=binary,
        # --wait: the rankings below are those of a complete index (answering
        # during warm-up is tests/test_background.c's)
        args=["mcp", "--model", model_dir, "--cache-dir", cache, "--threads", "2", "--wait", repo],
        env=env,
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.serverInfo.name == "ripvec", "serverInfo.name is ripvec")
            check(init.protocolVersion in SUPPORTED_PROTOCOL_VERSIONS,
                  f"negotiated a known revision ({init.protocolVersion})")
            check(init.capabilities.tools is not None, "tools capability")

            await session.send_ping()
            check(True, "ping answered")

            tools = (await session.list_tools()).tools
            names = sorted(t.name for t in tools)
            check(names == sorted(["search_code", "find_similar", "get_repo_map", "reindex",
                                   "index_status"]), f"tools/list names {names}")
            for t in tools:
                check(t.inputSchema.get("type") == "object", f"{t.name} inputSchema is an object")
                check(t.outputSchema is not None, f"{t.name} has an outputSchema")

            # search_code: the retry helper is found by meaning.
            res = await call(session, "search_code",
                             {"query": "retry a failing call with growing delays", "top_k": 5})
            hits = res.structuredContent["results"]
            check(len(hits) >= 1, "search_code returns results")
            top = hits[0]
            check(top["file_path"] == "net/retry.py", f"top hit is net/retry.py ({top['file_path']})")
            start = line_of("net/retry.py", "def retry_with_exponential_backoff")
            check(top["start_line"] <= start <= top["end_line"],
                  f"top hit covers line {start} ({top['start_line']}-{top['end_line']})")
            check("retry_with_exponential_backoff" in top["content"], "snippet holds the code")
            check(all(not h["file_path"].startswith("/") for h in hits), "paths are relative")

            # Pagination slices one ranking.
            two = (await call(session, "search_code", {"query": "database users", "top_k": 2}))
            second = (await call(session, "search_code",
                                 {"query": "database users", "top_k": 1, "offset": 1}))
            r2 = two.structuredContent["results"]
            r1 = second.structuredContent["results"]
            check(len(r2) == 2 and len(r1) == 1 and
                  (r1[0]["file_path"], r1[0]["start_line"]) ==
                  (r2[1]["file_path"], r2[1]["start_line"]), "offset 1 is the second result")

            # Keyword mode, path_glob and max_chars.
            kw = await call(session, "search_code",
                            {"query": "parse_config_file", "mode": "keyword",
                             "path_glob": "config/*.c", "max_chars": 40})
            kh = kw.structuredContent["results"]
            check(len(kh) >= 1 and all(h["file_path"] == "config/parse.c" for h in kh),
                  "path_glob keeps config/parse.c only")
            check(len(kh) >= 1 and len(kh[0]["content"]) <= 40, "max_chars caps the snippet")

            # find_similar excludes the chunk itself.
            line = line_of("db/store.py", "conn.execute(\"INSERT")
            sim = await call(session, "find_similar",
                             {"file_path": "db/store.py", "line": line, "top_k": 3})
            sh = sim.structuredContent["results"]
            check(len(sh) >= 1, "find_similar returns results")
            check(not any(h["file_path"] == "db/store.py" and
                          h["start_line"] <= line <= h["end_line"] and
                          h["name"] == "insert_user" for h in sh),
                  "find_similar leaves out the chunk itself")

            # get_repo_map: the focus file first, its user next.
            rm = await call(session, "get_repo_map",
                            {"focus_file": "net/retry.py", "max_tokens": 500})
            m = rm.structuredContent["map"]
            check(m.startswith("net/retry.py\n"), "repo map starts with the focus file")
            check("retry_with_exponential_backoff" in m, "repo map lists definitions")
            check(m.find("net/client.py") != -1 and
                  (m.find("net/client.py") < m.find("config/parse.c") or
                   m.find("config/parse.c") == -1), "the focus file's user comes early")
            check(rm.structuredContent["tokens"] <= 500, "repo map within budget")
            check(rm.content[0].text == m, "repo map text is the map")

            # index_status
            st = await call(session, "index_status", {})
            s = st.structuredContent
            check(s["ready"] is True, "index_status ready")
            check(s["files"] == len(FILES), f"index_status files {s['files']}")
            check(s["chunks"] >= len(FILES), "index_status chunks")
            check(os.path.realpath(repo) == s["root"], "index_status root")
            check(s["last_update"] is not None, "index_status last_update")

            # Fresh: a new file is found by the next search, no reindex call.
            with open(os.path.join(repo, "math_utils.py"), "w") as f:
                f.write("def fibonacci_number(n):\n"
                        "    a, b = 0, 1\n"
                        "    for _ in range(n):\n"
                        "        a, b = b, a + b\n"
                        "    return a\n")
            fr = await call(session, "search_code",
                            {"query": "fibonacci_number", "mode": "keyword", "top_k": 3})
            fh = fr.structuredContent["results"]
            check(len(fh) >= 1 and fh[0]["file_path"] == "math_utils.py",
                  "a file added after start is searchable at once")

            ri = await call(session, "reindex", {})
            r = ri.structuredContent
            check(r["files"] == len(FILES) + 1 and r["chunks"] >= len(FILES) + 1,
                  f"reindex counts ({r['files']} files, {r['chunks']} chunks)")
            check(r["seconds"] >= 0, "reindex seconds")

            # Protocol errors arrive as McpError with JSON-RPC codes.
            for args in ({"file_path": "../outside.py", "line": 1},
                         {"file_path": "/etc/passwd", "line": 1},
                         {"file_path": "db/store.py", "line": "one"}):
                try:
                    await session.call_tool("find_similar", args)
                    check(False, f"find_similar {args} refused")
                except McpError as e:
                    check(e.error.code == -32602, f"find_similar {args} -> -32602")
            try:
                await session.call_tool("no_such_tool", {})
                check(False, "unknown tool refused")
            except McpError as e:
                check(e.error.code == -32602, "unknown tool -> -32602")

            # A tool failure is a result with isError, not a protocol error.
            bad = await session.call_tool("find_similar", {"file_path": "nope.py", "line": 1})
            check(bad.isError is True, "find_similar on an unindexed file sets isError")

            # And the session still works.
            again = await session.call_tool("index_status", {})
            check(not again.isError, "still serving after errors")


def main():
    if len(sys.argv) != 3:
        print("usage: mcp_client_test.py RIPVEC_BIN MODEL_DIR", file=sys.stderr)
        return 2
    binary, model_dir = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="rv-mcp-sdk-")
    try:
        repo = os.path.join(tmp, "repo")
        cache = os.path.join(tmp, "cache")
        os.makedirs(repo)
        make_repo(repo)

        async def guarded():
            with anyio.fail_after(300):
                await run(binary, model_dir, repo, cache)

        try:
            anyio.run(guarded)
        except Exception as e:  # a crash or timeout is a failure, with its reason
            check(False, f"session ended by {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
