/*
 * mcp/watch.h — "did anything under the root change?" without walking it:
 * inotify watches on every directory (Linux).
 *
 *   rv_mcp_watch *w = NULL;
 *   if (rv_mcp_watch_create(&w, root) != RV_OK) w = NULL;   // optional: fall back to walking
 *   ...
 *   if (!w || rv_mcp_watch_changed(w)) walk_and_compare();
 *   rv_mcp_watch_free(w);
 *
 * Conservative: any event (also in ignored or hidden-file paths), a queue
 * overflow or a failure to watch a new directory reports a change, so the
 * caller's own check decides. Events are queued by the kernel when a file
 * changes, so a change made before rv_mcp_watch_changed is always seen.
 * Directories whose name starts with '.' (.git, caches) are not watched:
 * the search skips them too. One thread at a time.
 */
#ifndef RV_MCP_WATCH_H
#define RV_MCP_WATCH_H

#include "ripvec/common.h"

typedef struct rv_mcp_watch rv_mcp_watch;

/* Watches root and the directories below it. RV_ERR_UNSUPPORTED when
 * inotify is unavailable or out of watches. Caller frees. */
rv_status rv_mcp_watch_create(rv_mcp_watch **out, const char *root);

/* 1 when something changed since the last call (or the watch is unsure),
 * else 0. Drains the queued events. */
int rv_mcp_watch_changed(rv_mcp_watch *w);

void rv_mcp_watch_free(rv_mcp_watch *w); /* NULL ok */

#endif
