/*
 * ripvec/lsp.h — a Language Server (LSP 3.17, JSON-RPC 2.0 with
 * Content-Length framing) over the search engine, for editors.
 *
 *   rv_lsp_params p = rv_lsp_default_params();
 *   p.model_dir = dir;                    // from rv_model_resolve
 *   int code;
 *   if (rv_lsp_serve(&code, &p) != RV_OK) fail(rv_error_last());
 *   exit(code);                           // 0 after shutdown + exit, else 1
 *
 * Each workspace folder the client names gets a searcher of its own
 * (indexed after `initialized`, with $/progress); without folders every
 * opened file is served on its own. Requests: workspace/symbol,
 * textDocument/documentSymbol, definition, references, hover, the custom
 * ripvec/search and workspace/executeCommand ripvec.findSimilar. One thread
 * reads frames (and honours $/cancelRequest for queued requests); the
 * calling thread answers them in order. The library never prints: notes go
 * to params.note.
 */
#ifndef RIPVEC_LSP_H
#define RIPVEC_LSP_H

#include "ripvec/common.h"
#include "ripvec/embed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_lsp_params {
    int in_fd, out_fd;       /* default 0 and 1 */
    const char *model_dir;   /* resolved model directory; NULL: keyword-only */
    const char *device;      /* NULL: cpu */
    int threads;             /* engine threads; 0: all cores */
    rv_precision precision;  /* weights: fp32 (default), fp16, int8, bf16 */
    int use_index;           /* default 1: persistent index per folder */
    const char *cache_dir;   /* the cache root (ripvec/index.h); needed with use_index */
    rv_driver_params driver; /* the driver's knobs (ripvec/driver.h); zero: defaults */
    const char *pack_dir;    /* the packed-layer cache (rv_model_params.pack_dir); NULL: memory */
    /* One-line log notes (indexing, refreshes); optional, any thread. */
    void (*note)(void *user, const char *line);
    void *note_user;
} rv_lsp_params;

rv_lsp_params rv_lsp_default_params(void);

/* Serves until `exit` or the end of input. *exit_code is what the process
 * should exit with per the protocol: 0 when `shutdown` came first, else 1.
 * Errors only when the server cannot run at all (no memory, no thread, a
 * read or write error on the descriptors). SIGPIPE must be ignored by the
 * caller. */
rv_status rv_lsp_serve(int *exit_code, const rv_lsp_params *p);

#ifdef __cplusplus
}
#endif
#endif
