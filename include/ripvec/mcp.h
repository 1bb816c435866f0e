/*
 * ripvec/mcp.h — the Model Context Protocol server over the search engine,
 * and the repository map it serves, for front ends (the CLI's `ripvec mcp`
 * and `ripvec repo-map`).
 *
 *   rv_mcp_run_params p = rv_mcp_run_default_params();
 *   p.search.root = "."; p.search.model_dir = dir; p.version = "0.1.0";
 *   p.note = log_line;                     // optional: one-line logs, any thread
 *   size_t requests;
 *   if (rv_mcp_run(&p, &requests) != RV_OK) fail(rv_error_last());
 *
 * The library prints nothing: logs go to the note callback; protocol
 * messages go to out_fd only. SIGPIPE must be ignored by the caller (a client
 * that goes away ends the loop).
 */
#ifndef RIPVEC_MCP_H
#define RIPVEC_MCP_H

#include "ripvec/chunk.h"
#include "ripvec/common.h"
#include "ripvec/embed.h"
#include "ripvec/search.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_mcp_run_params {
    /* The searcher's settings: root and model_dir are required (a resolved
     * model directory); device, threads, precision, use_index, cache_dir,
     * repo_level and the walk rules are used; progress, notes and the like
     * are the server's own. Borrowed: what it points to must outlive the call. */
    rv_search_config search;
    const char *model_name; /* for index_status; NULL: the directory's basename */
    int watch;              /* default 1: inotify tells when to walk */
    int warm;               /* default 1: load and index at start, on a thread */
    const char *version;    /* serverInfo.version */
    int in_fd, out_fd;      /* default 0 and 1 */
    void (*note)(void *user, const char *line);
    void *note_user;
    /* Answering during warm-up (issue 22): when set, searches answer at once
     * from what is embedded (the rest by keywords) and this starts the
     * indexer that embeds the rest, in another process (0 ok, *pid its
     * pid); it is called again only once that pid is gone. NULL: every call
     * waits until the index is complete. */
    int (*start_indexer)(void *user, long *pid);
    void *indexer_user;
    /* Nested roots: a directory above search.root whose index serves it
     * (the front end finds it, as for a search). Searches, find_similar and
     * the repo map then use that tree's index narrowed to root, paths
     * relative to root; its indexer is that tree's. NULL: root's own. */
    const char *index_root;
} rv_mcp_run_params;

rv_mcp_run_params rv_mcp_run_default_params(void);

/* Serves requests until end of input; *requests (may be NULL) gets how many
 * were answered. Errors: the engine or server could not start, a read error. */
rv_status rv_mcp_run(const rv_mcp_run_params *p, size_t *requests);

/* The repository overview: files ordered by how connected they are
 * (focus_rel's neighbourhood first when given), their main definitions
 * under each, within max_chars. Caller frees *out. */
typedef struct rv_repo_map_info {
    size_t files_shown, files_total;
    int truncated;
} rv_repo_map_info;

rv_status rv_mcp_repo_map(char **out, rv_repo_map_info *info, const rv_chunk_list *chunks,
                          const char *focus_rel, size_t max_chars);

#ifdef __cplusplus
}
#endif
#endif
