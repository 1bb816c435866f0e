-- Neovim (0.7, headless) as a real editor client of `ripvec lsp`: starts the
-- server with vim.lsp.start_client, attaches it to a fixture buffer with
-- vim.lsp.buf_attach_client, and asks through the client for workspace
-- symbols and for a definition. Run by tests/test_lsp_client.c:
--   nvim --headless --clean -u NONE -c 'luafile tests/lsp_nvim_test.lua'
-- with RIPVEC_BIN, RIPVEC_TEST_MODEL, RIPVEC_LSP_WS and RIPVEC_LSP_CACHE set.
-- Prints one line per check and "N passed, M failed"; exits 1 on failure.
local bin, model = os.getenv("RIPVEC_BIN"), os.getenv("RIPVEC_TEST_MODEL")
local ws, cache = os.getenv("RIPVEC_LSP_WS"), os.getenv("RIPVEC_LSP_CACHE")
local passed, failed = 0, 0

local function check(ok, what)
  if ok then
    passed = passed + 1
    io.stdout:write("  nvim ok   " .. what .. "\n")
  else
    failed = failed + 1
    io.stdout:write("  nvim FAIL " .. what .. "\n")
  end
end

local function finish()
  io.stdout:write(string.format("  nvim: %d checks passed, %d failed\n", passed, failed))
  io.stdout:flush()
  vim.cmd(failed == 0 and "qall!" or "cquit 1")
end

local id = vim.lsp.start_client({
  name = "ripvec",
  cmd = { bin, "lsp", "--stdio", "--model", model, "--cache-dir", cache, "--threads", "2", "--quiet" },
  root_dir = ws,
  workspace_folders = { { uri = vim.uri_from_fname(ws), name = "ws" } },
  init_options = { debounceMs = 0 },
})
check(id ~= nil, "start_client")
if not id then return finish() end

vim.cmd("edit " .. ws .. "/geo/report.py")
check(vim.lsp.buf_attach_client(0, id), "buf_attach_client")
local client = vim.lsp.get_client_by_id(id)
check(vim.wait(60000, function() return client.initialized end, 50), "initialized")

-- workspace/symbol through the client (answered once the folder is indexed).
local res = client.request_sync("workspace/symbol", { query = "total_area" }, 120000, 0)
local syms = res and res.result or {}
check(#syms > 0 and syms[1].name == "total_area", "workspace/symbol total_area")
check(#syms > 0 and vim.uri_to_fname(syms[1].location.uri) == ws .. "/geo/shapes.py"
  and syms[1].location.range.start.line == 28, "workspace/symbol location")
res = client.request_sync("workspace/symbol", { query = "sleep longer after every failed attempt" }, 60000, 0)
local names = {}
for _, s in ipairs(res and res.result or {}) do names[#names + 1] = s.name end
check(vim.tbl_contains(names, "RetryWithBackoff"), "workspace/symbol by meaning")

-- textDocument/definition from the cursor on `total_area(circles)`.
vim.api.nvim_win_set_cursor(0, { 7, 25 })
local all = vim.lsp.buf_request_sync(0, "textDocument/definition", vim.lsp.util.make_position_params(), 60000)
local locs = all and all[id] and all[id].result or {}
check(#locs > 0 and vim.uri_to_fname(locs[1].uri) == ws .. "/geo/shapes.py"
  and locs[1].range.start.line == 28, "textDocument/definition")

client.stop()
vim.wait(10000, function() return client.is_stopped() end, 50)
finish()
