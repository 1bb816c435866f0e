/*
 * mcp/internal.h — what the MCP server's files share (not for other modules).
 *
 * A tool handler returns a CallToolResult object, or NULL with *err filled
 * for a protocol failure (bad arguments: -32602); err->code 0 with NULL
 * means out of memory.
 */
#ifndef RV_MCP_INTERNAL_H
#define RV_MCP_INTERNAL_H

#include "mcp/mcp.h"
#include "ripvec/mcp.h"

#include <cjson/cJSON.h>

struct rv_mcp_server {
    char *root_real; /* realpath of the root */
    rv_mcp_backend be;
    char *version;
    const char *protocol; /* negotiated revision (static string) */
    int structured;       /* 1 when the revision has outputSchema/structuredContent */
    int init_answered;    /* an initialize request was answered */
    int initialized;      /* notifications/initialized seen */
    size_t requests;
};

typedef struct rv_rpc_error {
    int code;
    char message[384];
} rv_rpc_error;

void rv_rpc_error_set(rv_rpc_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when p[0..n) is only JSON whitespace (or empty). */
int rv_mcp_is_blank(const char *p, size_t n);

/* The tools/list result; NULL on allocation failure. */
cJSON *rv_mcp_tools_list(const rv_mcp_server *s);

/* Runs tool `name` with `args` (an object). */
cJSON *rv_mcp_tools_call(rv_mcp_server *s, const char *name, const cJSON *args, rv_rpc_error *err);

/* Copy of s[0..len) as valid UTF-8 (invalid bytes become U+FFFD), cut after
 * max_chars code points (0 = no cap); *truncated says whether it was cut.
 * Caller frees; NULL on allocation failure. */
char *rv_mcp_utf8_clip(const char *s, size_t len, size_t max_chars, int *truncated);

#endif
