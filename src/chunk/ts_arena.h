/* chunk/ts_arena.h — tree-sitter's allocator: a per-thread arena while a
 * file is parsed (ts_arena.c).
 *
 *   rv_ts_arena_begin();
 *   ... ts_parser_new, parse, walk the tree, ts_parser_delete ...
 *   if (!rv_ts_arena_only()) ts_tree_delete(tree); // heap blocks to free
 *   rv_ts_arena_end();                             // every arena block goes
 */
#ifndef RV_CHUNK_TS_ARENA_H
#define RV_CHUNK_TS_ARENA_H

#include <stddef.h>

/* Bound to the runtime's ts_malloc, ts_calloc, ts_realloc and ts_free. */
void *rv_ts_malloc(size_t n);
void *rv_ts_calloc(size_t count, size_t size);
void *rv_ts_realloc(void *p, size_t n);
void rv_ts_free(void *p);

/* Starts this thread's arena: tree-sitter's blocks come from it until end. */
void rv_ts_arena_begin(void);
/* 1 when every block tree-sitter still holds is in the arena (nothing to
 * free one by one); 0 when some came from the heap (past the arena's cap). */
int rv_ts_arena_only(void);
/* Frees the arena: every block it gave is gone. */
void rv_ts_arena_end(void);

#endif
