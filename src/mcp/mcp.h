/*
 * mcp/mcp.h — a Model Context Protocol server (JSON-RPC 2.0 over stdio) in
 * front of a search backend.
 *
 *   rv_mcp_backend be = {...};            // rv_mcp_searcher_backend() or a stub
 *   rv_mcp_server_params p = rv_mcp_server_default_params();
 *   p.root = "/src/project"; p.backend = &be;
 *   rv_mcp_server *srv;
 *   if (rv_mcp_server_create(&srv, &p) != RV_OK) fail(rv_error_last());
 *   rv_mcp_serve_fd(srv, 0, 1);           // until EOF on stdin
 *   rv_mcp_server_free(srv);
 *
 * The server owns no threads; it handles one message at a time, so a backend
 * is never entered concurrently by it. Message handling
 * (rv_mcp_server_handle) needs no file descriptors, so tests and fuzzers can
 * drive it with a stub backend. The library never prints: the front end logs.
 */
#ifndef RV_MCP_MCP_H
#define RV_MCP_MCP_H

#include "ripvec/chunk.h"
#include "ripvec/common.h"
#include "ripvec/search.h"

#include <stddef.h>

/* Largest accepted message (one line, without its newline). */
#define RV_MCP_MAX_MESSAGE ((size_t)4 << 20)

/* JSON-RPC 2.0 error codes. */
enum {
    RV_JSONRPC_PARSE_ERROR = -32700,
    RV_JSONRPC_INVALID_REQUEST = -32600,
    RV_JSONRPC_METHOD_NOT_FOUND = -32601,
    RV_JSONRPC_INVALID_PARAMS = -32602,
    RV_JSONRPC_INTERNAL_ERROR = -32603,
    /* A request other than initialize or ping before initialize was
     * answered (the code LSP uses; MCP leaves it to the server). */
    RV_JSONRPC_NOT_INITIALIZED = -32002
};

/* Ranked results, each rendered by the sink as it is added (the JSON object
 * of the CLI's --format json: rv_sink_json_result with its rank, content
 * clipped to max_chars), so the chunks need not outlive the backend call. */
typedef struct rv_mcp_hits {
    char **json; /* owned, in rank order (rank = index + 1) */
    size_t count, cap;
    size_t max_chars; /* set by the server before the call */
} rv_mcp_hits;

/* Renders chunk c with score as the next hit (language NULL: "text"). */
rv_status rv_mcp_hits_add(rv_mcp_hits *hits, const rv_chunk *c, double score);
/* Frees every hit and the array; leaves *hits zeroed. NULL is a no-op. */
void rv_mcp_hits_free(rv_mcp_hits *hits);

typedef struct rv_mcp_query {
    const char *text;
    rv_search_mode mode;
    int top_k;             /* how many to return, from rank 0 (>= 1) */
    const char *path_glob; /* NULL: everything; else already confined to the root */
    int next_page; /* offset > 0: during warm-up, ranked over the corpus of the page before */
} rv_mcp_query;

typedef struct rv_mcp_reindex_stats {
    size_t files, chunks;
    size_t files_changed; /* files (re)embedded or dropped by this update */
    double seconds;
} rv_mcp_reindex_stats;

typedef struct rv_mcp_status {
    int ready; /* 1 when model and index are loaded */
    size_t files, chunks;
    const char *model;      /* borrowed from the backend; "" when unknown */
    double last_update;     /* unix time of the last refresh; 0 when never */
    const char *index_path; /* borrowed; "" when in memory only */
    size_t chunks_pending;  /* chunks not embedded yet (ranked by keywords) */
    int indexing;           /* an indexer is running (rv_index_progress) */
    long indexer_pid;
    double rate, eta_s;     /* its chunks per second and seconds left (< 0 unknown) */
} rv_mcp_status;

/*
 * What the server needs from a search engine. Every slot is required. Calls
 * come from one thread, one at a time. Failures return an rv_status with
 * rv_error_set's message; the server reports them as tool errors (isError).
 */
typedef struct rv_mcp_backend {
    void *ctx;
    /* The best q->top_k hits in rank order (rank 0 first). */
    rv_status (*search)(void *ctx, const rv_mcp_query *q, rv_mcp_hits *out);
    /* The top_k chunks most similar to the chunk covering `line` of
     * `rel_path`, that chunk itself excluded. RV_ERR_NOT_FOUND when the file
     * or line is not indexed. */
    rv_status (*similar)(void *ctx, const char *rel_path, int line, int top_k, rv_mcp_hits *out);
    /* Every chunk of the current corpus, borrowed until the next backend call. */
    rv_status (*chunks)(void *ctx, const rv_chunk_list **out);
    /* Incremental update now. */
    rv_status (*reindex)(void *ctx, rv_mcp_reindex_stats *out);
    /* Cheap: must not load anything. */
    rv_status (*status)(void *ctx, rv_mcp_status *out);
} rv_mcp_backend;

typedef struct rv_mcp_server rv_mcp_server;

typedef struct rv_mcp_server_params {
    const char *root;              /* directory the paths are confined to (must exist) */
    const rv_mcp_backend *backend; /* copied; its ctx must outlive the server */
    const char *version;           /* serverInfo.version (default "0.0.0") */
} rv_mcp_server_params;

rv_mcp_server_params rv_mcp_server_default_params(void);

/* Caller frees with rv_mcp_server_free. RV_ERR_NOT_FOUND when root is missing. */
rv_status rv_mcp_server_create(rv_mcp_server **out, const rv_mcp_server_params *p);
void rv_mcp_server_free(rv_mcp_server *s); /* NULL ok */

/* Handles one message (the bytes of one line, not NUL-terminated, without
 * its newline). *out_reply is a malloc'd single-line JSON text without a
 * newline (caller frees), or NULL when nothing is to be sent (notifications,
 * responses). Protocol and tool failures become replies; only allocation
 * failure returns an error. */
rv_status rv_mcp_server_handle(rv_mcp_server *s, char **out_reply, const char *msg, size_t len);

/* The reply to a message over RV_MCP_MAX_MESSAGE (its id is unknown: null).
 * Caller frees. */
char *rv_mcp_oversized_reply(void);

/* Number of requests answered so far (for the front end's log). */
size_t rv_mcp_server_requests(const rv_mcp_server *s);

/* Reads messages from in_fd until EOF, writes replies to out_fd, one per
 * line. Returns RV_OK on EOF or when the reader of out_fd has gone away
 * (EPIPE: SIGPIPE must be ignored by the caller), RV_ERR_IO on a read error. */
rv_status rv_mcp_serve_fd(rv_mcp_server *s, int in_fd, int out_fd);

/* A backend over canned chunks, for tests and fuzzing: search ranks chunks
 * by how many query words their content contains, similar returns the other
 * chunks in order. `chunks` is borrowed and must outlive the backend. */
typedef struct rv_mcp_stub {
    const rv_chunk_list *chunks;
    size_t reindex_calls;
    size_t search_calls;
} rv_mcp_stub;

rv_mcp_backend rv_mcp_stub_backend(rv_mcp_stub *stub);

#endif
