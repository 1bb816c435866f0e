/*
 * mcp/engine.h — the MCP backend over the real search engine (ripvec/search.h).
 *
 *   rv_search_config cfg = rv_search_default_config();
 *   cfg.root = "."; cfg.model_dir = dir;
 *   rv_mcp_engine_params p = rv_mcp_engine_default_params();
 *   p.search = &cfg;
 *   rv_mcp_engine *e;
 *   if (rv_mcp_engine_create(&e, &p) != RV_OK) fail(rv_error_last());
 *   rv_mcp_engine_warm(e);                 // optional: load + index in a thread now
 *   rv_mcp_backend be = rv_mcp_engine_backend(e);
 *   ... rv_mcp_server over &be ...
 *   rv_mcp_engine_free(e);                 // joins the warm-up thread
 *
 * Warm: the searcher (model, index, corpus) is opened once and kept. Fresh:
 * before each search, find_similar and get_repo_map a stat walk of the root
 * (path, size, mtime, inode of every file the walker yields) is hashed; when
 * the hash differs from the last refresh's, the index is refreshed first, so
 * an edited file is seen by the next call. With an inotify watch on the
 * root's directories (default) the walk itself is skipped while no event
 * has arrived since the last one. Every backend call and the
 * warm-up hold one mutex: a search never sees a half-refreshed corpus.
 */
#ifndef RV_MCP_ENGINE_H
#define RV_MCP_ENGINE_H

#include "mcp/mcp.h"
#include "ripvec/embed.h"
#include "ripvec/search.h"

typedef struct rv_mcp_engine rv_mcp_engine;

typedef struct rv_mcp_engine_params {
    /* The searcher's settings: root and model_dir (a resolved model
     * directory) are required; device, threads, precision, driver,
     * use_index, cache_dir, repo_level and the walk rules (hidden,
     * no_ignore, follow, max_filesize, types, globs, home, xdg_config_home)
     * are used; progress and notes are the engine's own. The strings root,
     * model_dir, device and cache_dir are copied; the rest is borrowed and
     * must outlive the engine. */
    const rv_search_config *search;
    const char
        *model_name; /* index_status when the model is unreadable; NULL: the directory's basename */
    int watch;       /* default 1: inotify tells when to walk (else walk every call) */
    /* One-line notes (indexing progress, index rebuilt); optional, any thread. */
    void (*note)(void *user, const char *line);
    void *note_user;
    /* As rv_mcp_run_params.start_indexer: NULL, refreshes embed in process. */
    int (*start_indexer)(void *user, long *pid);
    void *indexer_user;
    /* As rv_mcp_run_params.index_root (copied): NULL, root's own index. */
    const char *index_root;
} rv_mcp_engine_params;

rv_mcp_engine_params rv_mcp_engine_default_params(void);

/* Nested roots (mcp/nested.c): *sub = root relative to index_root (a
 * directory above it), and the tree-relative glob of what `user` (a
 * path_glob relative to sub; NULL: all) matches below sub. Caller frees. */
rv_status rv_mcp_sub_of(char **sub, const char *root, const char *index_root);
rv_status rv_mcp_sub_glob(char **out, const char *sub, const char *user);

/* Copies the params; loads nothing yet. Caller frees with rv_mcp_engine_free. */
rv_status rv_mcp_engine_create(rv_mcp_engine **out, const rv_mcp_engine_params *p);

/* Starts one thread that opens the searcher and brings the index up to date,
 * so the first tool call need not wait for it from the start. */
rv_status rv_mcp_engine_warm(rv_mcp_engine *e);

/* The backend table; e must outlive its use. */
rv_mcp_backend rv_mcp_engine_backend(rv_mcp_engine *e);

void rv_mcp_engine_free(rv_mcp_engine *e); /* NULL ok */

#endif
