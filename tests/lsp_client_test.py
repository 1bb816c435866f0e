"""`ripvec lsp` driven by a real LSP client library (pytest-lsp over pygls and
lsprotocol, pinned by scripts/setup.d/45-lsp-test.sh) on a fixture workspace
in three languages (tests/data/lsp_ws: Python, Go, C), copied to a temporary
directory so that edits stay there.

Run by tests/test_lsp_client.c as
    python -m pytest tests/lsp_client_test.py   (RIPVEC_BIN, RIPVEC_TEST_MODEL set)
Covers initialize and its capabilities, indexing progress, every request
(workspace/symbol, documentSymbol, definition, references, hover,
ripvec/search, executeCommand ripvec.findSimilar), unsaved and saved edits
between requests, cancellation, workspace folders added and removed, single-file
mode, paths outside the workspace, the switches
that turn definition/references off, and shutdown/exit.
"""
import asyncio
import atexit
import os
import pathlib
import shutil
import sys
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

HERE = pathlib.Path(__file__).resolve().parent
TMP = pathlib.Path(tempfile.mkdtemp(prefix="rv-lsp-client-"))
atexit.register(shutil.rmtree, TMP, True)
WS = TMP / "ws"
shutil.copytree(HERE / "data" / "lsp_ws", WS)
BIN = os.environ["RIPVEC_BIN"]
MODEL = os.environ["RIPVEC_TEST_MODEL"]
COMMAND = [BIN, "lsp", "--stdio", "--model", MODEL, "--cache-dir", str(TMP / "cache"),
           "--threads", "2", "--quiet"]


def uri(rel):
    return (WS / rel).as_uri()


def pos(line, ch):
    return types.Position(line=line, character=ch)


def doc(rel):
    return types.TextDocumentIdentifier(uri=uri(rel))


async def start(client, options=None, folders=True):
    caps = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(workspace_folders=True),
    )
    params = types.InitializeParams(
        capabilities=caps,
        workspace_folders=[types.WorkspaceFolder(uri=WS.as_uri(), name="ws")] if folders else None,
        initialization_options=options or {"debounceMs": 0},
    )
    return await client.initialize_session(params)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=COMMAND))
async def client(lsp_client: LanguageClient):
    lsp_client.init_result = await start(lsp_client)
    yield
    await lsp_client.shutdown_session()
    assert lsp_client._server.returncode == 0  # shutdown, then exit: status 0


@pytest_lsp.fixture(config=ClientServerConfig(server_command=COMMAND))
async def client_off(lsp_client: LanguageClient):
    lsp_client.init_result = await start(lsp_client, {"definition": False, "references": False})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=COMMAND))
async def client_single(lsp_client: LanguageClient):
    lsp_client.init_result = await start(lsp_client, folders=False)
    yield
    await lsp_client.shutdown_session()


def get(obj, key):
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


async def symbols(client, query):
    return await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))


async def test_initialize_is_honest(client: LanguageClient):
    caps = client.init_result.capabilities
    assert caps.position_encoding == "utf-16"
    assert caps.workspace_symbol_provider and caps.document_symbol_provider
    assert caps.definition_provider and caps.references_provider and caps.hover_provider
    assert list(caps.execute_command_provider.commands) == ["ripvec.findSimilar"]
    assert caps.diagnostic_provider is None  # nothing noisy
    assert caps.completion_provider is None and caps.rename_provider is None
    assert caps.workspace.workspace_folders.supported


async def test_indexing_reports_progress(client: LanguageClient):
    await symbols(client, "x")  # answered after the index is ready
    tokens = [t for t in client.progress_reports if str(t).startswith("ripvec-index-")]
    assert tokens, client.progress_reports
    kinds = [r.kind for r in client.progress_reports[tokens[0]]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_workspace_symbol_by_name_first(client: LanguageClient):
    res = await symbols(client, "total_area")
    assert res[0].name == "total_area"
    assert res[0].kind == types.SymbolKind.Function
    assert res[0].location.uri == uri("geo/shapes.py")
    assert res[0].location.range.start.line == 28
    res = await symbols(client, "perimeter")
    methods = [s for s in res if s.name == "perimeter"]
    assert {s.container_name for s in methods} == {"Shape", "Circle"}
    assert all(s.kind == types.SymbolKind.Method for s in methods)


async def test_workspace_symbol_by_meaning(client: LanguageClient):
    res = await symbols(client, "sleep longer after every failed attempt")
    assert "RetryWithBackoff" in [s.name for s in res[:3]], [s.name for s in res]
    go = [s for s in res if s.name == "Client"]
    assert go and go[0].kind == types.SymbolKind.Struct


async def test_document_symbol_hierarchy(client: LanguageClient):
    res = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc("geo/shapes.py")))
    assert [s.name for s in res] == ["Shape", "Circle", "total_area"]
    circle = res[1]
    assert circle.kind == types.SymbolKind.Class
    assert [c.name for c in circle.children] == ["__init__", "area", "perimeter"]
    assert circle.range.start.line == 15 and circle.range.end.line >= 25
    assert circle.selection_range.start == pos(15, 6)


async def test_definition_three_languages(client: LanguageClient):
    cases = [
        ("geo/report.py", pos(6, 25), "geo/shapes.py", 28),  # total_area(circles)
        ("net/retry.go", pos(29, 12), "net/retry.go", 15),   # RetryWithBackoff(...) in Send
        ("cfg/parse.c", pos(26, 13), "cfg/parse.c", 11),     # parse_setting(line, &s)
    ]
    for rel, at, want_rel, want_line in cases:
        res = await client.text_document_definition_async(
            types.DefinitionParams(text_document=doc(rel), position=at))
        assert res, (rel, at)
        assert res[0].uri == uri(want_rel) and res[0].range.start.line == want_line, res[0]


async def test_positions_are_utf16(client: LanguageClient):
    # line 7 of report.py: `label = "Σ ≈ 😀"; print(label, total_area(circles))`;
    # total_area starts at UTF-16 column 35 (Python index 34: the emoji is two units).
    res = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc("geo/report.py"), position=pos(7, 35)))
    assert res and res[0].range.start.line == 28
    res = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc("geo/report.py"), position=pos(7, 36),
        context=types.ReferenceContext(include_declaration=False)))
    here = [r.range for r in res if r.uri == uri("geo/report.py") and r.range.start.line == 7]
    assert here and here[0].start.character == 35 and here[0].end.character == 45


async def test_definition_needs_a_defined_name(client: LanguageClient):
    # `errors` is a package, never defined here: no semantic guess.
    res = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc("net/retry.go"), position=pos(24, 9)))
    assert not res


async def test_references(client: LanguageClient):
    params = types.ReferenceParams(
        text_document=doc("net/retry.go"), position=pos(15, 8),
        context=types.ReferenceContext(include_declaration=True))
    res = await client.text_document_references_async(params)
    lines = {(r.uri, r.range.start.line) for r in res}
    assert (uri("net/retry.go"), 15) in lines and (uri("net/retry.go"), 29) in lines
    params.context.include_declaration = False
    res = await client.text_document_references_async(params)
    assert (uri("net/retry.go"), 15) not in {(r.uri, r.range.start.line) for r in res}
    assert all(r.range.end.character - r.range.start.character == len("RetryWithBackoff")
               for r in res)


async def test_hover_signature_and_doc(client: LanguageClient):
    res = await client.text_document_hover_async(
        types.HoverParams(text_document=doc("cfg/parse.c"), position=pos(26, 15)))
    text = res.contents.value
    assert "int parse_setting(const char *line, struct setting *out)" in text
    assert "Parses one" in text
    res = await client.text_document_hover_async(
        types.HoverParams(text_document=doc("geo/report.py"), position=pos(6, 27)))
    assert "def total_area(shapes):" in res.contents.value
    assert "Sum of the areas" in res.contents.value


async def test_ripvec_search_and_find_similar(client: LanguageClient):
    res = await client.protocol.send_request_async(
        "ripvec/search", {"query": "read key value settings from a configuration file",
                          "top_k": 3, "mode": "hybrid"})
    assert 1 <= len(res) <= 3
    assert get(res[0], "uri") == uri("cfg/parse.c"), res
    with pytest.raises(JsonRpcException):
        await client.protocol.send_request_async("ripvec/search", {"query": "x", "mode": "fuzzy"})
    res = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ripvec.findSimilar",
        arguments=[uri("geo/shapes.py"), {"line": 22, "character": 8}]))
    assert res and all(get(get(get(r, "range"), "start"), "line") != 21 for r in res)


async def test_unsaved_and_saved_edits(client: LanguageClient):
    path = WS / "geo" / "shapes.py"
    text = path.read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri("geo/shapes.py"), language_id="python", version=1, text=text)))
    edited = text + "\n\ndef hexagon_area(side):\n    \"\"\"Area of a regular hexagon.\"\"\"\n" \
                    "    return 2.598 * side * side\n"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri("geo/shapes.py"), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    res = await symbols(client, "hexagon_area")  # unsaved: from the buffer
    assert res and res[0].name == "hexagon_area" and res[0].location.range.start.line == 33
    outline = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc("geo/shapes.py")))
    assert outline[-1].name == "hexagon_area"
    path.write_text(edited)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=doc("geo/shapes.py")))
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc("geo/shapes.py")))
    res = await symbols(client, "hexagon_area")  # saved and closed: from the refreshed index
    assert res and res[0].location.range.start.line == 33
    # the refresh after the save reported its progress under a token of its own
    tokens = [t for t in client.progress_reports if str(t).startswith("ripvec-index-")]
    assert len(tokens) >= 2
    assert [r.kind for r in client.progress_reports[tokens[-1]]][-1] == "end"
    # A file changed behind the editor's back, announced as a watched-file event.
    (WS / "net" / "extra.go").write_text("package net\n\n// Jitter spreads retries.\n"
                                         "func Jitter(n int) int {\n\treturn n / 2\n}\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri("net/extra.go"), type=types.FileChangeType.Created)]))
    res = await symbols(client, "Jitter")
    assert res and res[0].location.uri == uri("net/extra.go")


async def test_cancellation(client: LanguageClient):
    await symbols(client, "x")  # indexed
    # send_request writes at once (the async variants write when awaited)
    slow = asyncio.wrap_future(client.protocol.send_request(
        "ripvec/search", {"query": "retry with exponential backoff", "mode": "semantic"},
        msg_id="slow-1"))
    cancelled = asyncio.wrap_future(client.protocol.send_request(
        "ripvec/search", {"query": "doubling the delay", "mode": "semantic"}, msg_id="gone-2"))
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="gone-2"))
    assert await slow
    with pytest.raises(JsonRpcException) as err:
        await cancelled
    assert "cancel" in str(err.value).lower()


async def test_outside_the_workspace_is_refused(client: LanguageClient):
    with pytest.raises(JsonRpcException):
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(
            text_document=types.TextDocumentIdentifier(uri="file:///etc/passwd")))
    with pytest.raises(JsonRpcException):
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=(WS / ".." / "x.py").as_uri()),
            position=pos(0, 0)))


async def test_workspace_folders_come_and_go(client: LanguageClient):
    extra = TMP / "extra"
    extra.mkdir(exist_ok=True)
    (extra / "tally.py").write_text("def tally_votes(ballots):\n    return len(ballots)\n")
    folder = types.WorkspaceFolder(uri=extra.as_uri(), name="extra")
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[folder], removed=[])))
    res = await symbols(client, "tally_votes")  # indexed as a folder of its own
    assert res and res[0].location.uri == (extra / "tally.py").as_uri()
    res = await symbols(client, "total_area")  # the first folder still answers
    assert res and res[0].name == "total_area"
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[], removed=[folder])))
    res = await symbols(client, "tally_votes")
    assert all(s.name != "tally_votes" for s in res)
    with pytest.raises(JsonRpcException):  # no longer a workspace folder
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(
            text_document=types.TextDocumentIdentifier(uri=(extra / "tally.py").as_uri())))


async def test_definition_and_references_switched_off(client_off: LanguageClient):
    caps = client_off.init_result.capabilities
    assert caps.definition_provider is None and caps.references_provider is None
    with pytest.raises(JsonRpcException):
        await client_off.text_document_definition_async(
            types.DefinitionParams(text_document=doc("geo/report.py"), position=pos(6, 25)))


async def test_single_file_mode(client_single: LanguageClient):
    text = (WS / "cfg" / "parse.c").read_text()
    client_single.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri("cfg/parse.c"), language_id="c",
                                             version=1, text=text)))
    res = await client_single.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc("cfg/parse.c")))
    assert [s.name for s in res] == ["setting", "parse_setting", "count_settings"]
    res = await client_single.text_document_definition_async(
        types.DefinitionParams(text_document=doc("cfg/parse.c"), position=pos(26, 13)))
    assert res and res[0].range.start.line == 11
    with pytest.raises(JsonRpcException):  # never opened: not served
        await client_single.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=doc("geo/shapes.py")))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=auto",
                          "-o", "asyncio_default_fixture_loop_scope=function"]))
