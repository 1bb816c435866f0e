/* libFuzzer target: MCP message handling (JSON-RPC framing, dispatch, tool
 * argument checks, path confinement, snippet clipping, the repo map) against
 * the stub backend, plus the bounded line reader over the same bytes. No
 * model is involved. Each input is split into lines, one message per line. */
#include "fuzz_mem.h"
#include "mcp/internal.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rv_chunk g_items[3] = {
    {"src/a.py", 1, 5, "function", "alpha_fn", "", "python",
     "def alpha_fn():\n    return beta_fn()\n", "alpha"},
    {"src/b.py", 1, 9, "class", "Beta", "", "python", "class Beta:\n    def beta_fn(self): pass\n",
     "beta"},
    {"docs/x.md", 1, 3, "section", "Intro", "", "markdown", "# Intro\n\xff\xfe text\n", "intro"},
};
static rv_chunk_list g_chunks = {g_items, 3, 3};
static rv_mcp_stub g_stub;
static rv_mcp_backend g_be;
static rv_mcp_server *g_srv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_srv) {
        g_stub.chunks = &g_chunks;
        g_be = rv_mcp_stub_backend(&g_stub);
        rv_mcp_server_params p = rv_mcp_server_default_params();
        p.root = "/tmp";
        p.backend = &g_be;
        if (rv_mcp_server_create(&g_srv, &p) != RV_OK) abort();
        /* Initialized once, so the tools are reached from the first input. */
        static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\"}";
        char *reply = NULL;
        if (rv_mcp_server_handle(g_srv, &reply, init, sizeof init - 1) != RV_OK || !reply) abort();
        free(reply);
    }
    /* Messages through the reader, with a small line limit so that the
     * oversized path is reached too; the read size varies with the input. */
    rv_fuzz_mem m = {data, size, 0, size ? (size_t)data[0] % 17 + 1 : 1};
    rv_line_reader r;
    rv_line_reader_init(&r, rv_fuzz_mem_read, &m, 4096);
    for (;;) {
        const char *line;
        size_t len;
        int ev = rv_line_reader_next(&r, &line, &len);
        if (ev == RV_LINE_EOF || ev == RV_LINE_ERROR) break;
        char *reply = NULL;
        if (ev == RV_LINE_OVERSIZED) {
            reply = rv_mcp_oversized_reply();
        } else {
            if (len > 4096) abort(); /* the bound must hold */
            if (rv_mcp_server_handle(g_srv, &reply, line, len) != RV_OK) abort();
        }
        if (reply) {
            /* A reply is one line of JSON. */
            if (strchr(reply, '\n')) abort();
            cJSON *j = cJSON_Parse(reply);
            if (!j) abort();
            cJSON_Delete(j);
        }
        free(reply);
    }
    rv_line_reader_free(&r);
    return 0;
}
