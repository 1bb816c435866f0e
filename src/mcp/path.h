/*
 * mcp/path.h — confining client-supplied paths to the served root.
 *
 *   char *rel;
 *   if (rv_mcp_confine_path(&rel, root_real, "src/./a.c") == RV_OK) use(rel);  // "src/a.c"
 *   free(rel);
 *
 * Agents name files relative to the root. Absolute paths, ".." components
 * and symlinks that resolve outside the root are refused with
 * RV_ERR_INVALID_ARG, so a tool call can never read or name a file elsewhere.
 */
#ifndef RV_MCP_PATH_H
#define RV_MCP_PATH_H

#include "ripvec/common.h"

/* root_real must be canonical (realpath). *out is the normalized relative
 * path ("." components and repeated '/' removed), malloc'd; caller frees.
 * The path need not exist; the part of it that does must stay inside root. */
rv_status rv_mcp_confine_path(char **out, const char *root_real, const char *path);

/* The same lexical rules for a glob pattern (no absolute, no ".."), and a
 * malformed pattern (one that could never match) is refused; the pattern is
 * returned normalized, malloc'd. Nothing is resolved on disk. */
rv_status rv_mcp_confine_glob(char **out, const char *glob);

#endif
