/* JSON-RPC 2.0 framing and MCP method dispatch (see mcp.h). */
#include "mcp/internal.h"
#include "util/reader.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newest first; the first is what we answer when the client asks for a
 * revision we do not know. */
static const char *const g_revisions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

static const char g_instructions[] =
    "ripvec searches this repository by meaning and keywords. Use search_code with a "
    "natural-language description of the code you need (mode hybrid by default), "
    "find_similar to find code like a given location, get_repo_map for an overview of "
    "files and definitions, index_status and reindex to inspect or refresh the index. "
    "Paths are relative to the repository root.";

void rv_rpc_error_set(rv_rpc_error *err, int code, const char *fmt, ...) {
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

rv_mcp_server_params rv_mcp_server_default_params(void) {
    rv_mcp_server_params p;
    memset(&p, 0, sizeof p);
    p.version = "0.0.0";
    return p;
}

rv_status rv_mcp_server_create(rv_mcp_server **out, const rv_mcp_server_params *p) {
    *out = NULL;
    if (!p || !p->root || !p->backend)
        return rv_error_set(RV_ERR_INVALID_ARG, "mcp server needs a root and a backend");
    const rv_mcp_backend *b = p->backend;
    if (!b->search || !b->similar || !b->chunks || !b->reindex || !b->status)
        return rv_error_set(RV_ERR_INVALID_ARG, "mcp backend has an empty slot");
    rv_status st = RV_OK;
    rv_mcp_server *s = calloc(1, sizeof *s);
    if (!s) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    s->root_real = realpath(p->root, NULL);
    if (!s->root_real) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "root '%s' not found", p->root);
        goto done;
    }
    s->version = strdup(p->version ? p->version : "0.0.0");
    if (!s->version) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    s->be = *b;
    s->protocol = g_revisions[0];
    s->structured = 1;
done:
    if (st != RV_OK) {
        rv_mcp_server_free(s);
        s = NULL;
    }
    *out = s;
    return st;
}

void rv_mcp_server_free(rv_mcp_server *s) {
    if (!s) return;
    free(s->root_real);
    free(s->version);
    free(s);
}

size_t rv_mcp_server_requests(const rv_mcp_server *s) {
    return s->requests;
}

/* {"jsonrpc":"2.0","id":id} with a copy of id (null when NULL). */
static cJSON *envelope(const cJSON *id) {
    cJSON *msg = cJSON_CreateObject();
    if (!msg) return NULL;
    cJSON *idc = id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull();
    if (!cJSON_AddStringToObject(msg, "jsonrpc", "2.0") || !idc) {
        cJSON_Delete(idc);
        cJSON_Delete(msg);
        return NULL;
    }
    cJSON_AddItemToObject(msg, "id", idc);
    return msg;
}

static char *print_and_free(cJSON *msg) {
    char *text = msg ? cJSON_PrintUnformatted(msg) : NULL;
    cJSON_Delete(msg);
    return text;
}

static char *error_reply(const cJSON *id, int code, const char *message) {
    cJSON *msg = envelope(id);
    cJSON *e = cJSON_CreateObject();
    if (!msg || !e || !cJSON_AddNumberToObject(e, "code", code) ||
        !cJSON_AddStringToObject(e, "message", message)) {
        cJSON_Delete(e);
        cJSON_Delete(msg);
        return NULL;
    }
    cJSON_AddItemToObject(msg, "error", e);
    return print_and_free(msg);
}

/* Takes ownership of result. */
static char *result_reply(const cJSON *id, cJSON *result) {
    cJSON *msg = result ? envelope(id) : NULL;
    if (!msg) {
        cJSON_Delete(result);
        return NULL;
    }
    cJSON_AddItemToObject(msg, "result", result);
    return print_and_free(msg);
}

char *rv_mcp_oversized_reply(void) {
    char text[96];
    snprintf(text, sizeof text, "Invalid Request: message larger than %zu bytes",
             (size_t)RV_MCP_MAX_MESSAGE);
    return error_reply(NULL, RV_JSONRPC_INVALID_REQUEST, text);
}

static cJSON *do_initialize(rv_mcp_server *s, const cJSON *params, rv_rpc_error *err) {
    const cJSON *pv = params ? cJSON_GetObjectItemCaseSensitive(params, "protocolVersion") : NULL;
    if (pv && !cJSON_IsString(pv)) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "protocolVersion must be a string");
        return NULL;
    }
    s->protocol = g_revisions[0];
    if (pv)
        for (size_t i = 0; i < sizeof g_revisions / sizeof g_revisions[0]; i++)
            if (strcmp(pv->valuestring, g_revisions[i]) == 0) s->protocol = g_revisions[i];
    /* outputSchema, structuredContent and titles arrived in 2025-06-18. */
    s->structured = strcmp(s->protocol, "2025-06-18") >= 0;

    cJSON *r = cJSON_CreateObject();
    cJSON *caps = cJSON_AddObjectToObject(r, "capabilities");
    cJSON *tools = caps ? cJSON_AddObjectToObject(caps, "tools") : NULL;
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    if (!cJSON_AddStringToObject(r, "protocolVersion", s->protocol) || !tools ||
        !cJSON_AddFalseToObject(tools, "listChanged") || !info ||
        !cJSON_AddStringToObject(info, "name", "ripvec") ||
        !cJSON_AddStringToObject(info, "version", s->version) ||
        (s->structured && !cJSON_AddStringToObject(info, "title", "ripvec code search")) ||
        !cJSON_AddStringToObject(r, "instructions", g_instructions)) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

static cJSON *do_tools_call(rv_mcp_server *s, const cJSON *params, rv_rpc_error *err) {
    const cJSON *name = params ? cJSON_GetObjectItemCaseSensitive(params, "name") : NULL;
    if (!cJSON_IsString(name)) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "tools/call needs a string 'name'");
        return NULL;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    cJSON *empty = NULL;
    if (!args || cJSON_IsNull(args)) {
        empty = cJSON_CreateObject();
        if (!empty) return NULL;
        args = empty;
    } else if (!cJSON_IsObject(args)) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'arguments' must be an object");
        return NULL;
    }
    cJSON *r = rv_mcp_tools_call(s, name->valuestring, args, err);
    cJSON_Delete(empty);
    return r;
}

/* Replies to a well-formed request. */
static char *dispatch(rv_mcp_server *s, const cJSON *id, const char *method, const cJSON *params) {
    rv_rpc_error err = {0, ""};
    cJSON *result = NULL;
    s->requests++;
    if (strcmp(method, "initialize") == 0) {
        result = do_initialize(s, params, &err);
        if (result) s->init_answered = 1;
    } else if (!s->init_answered && strcmp(method, "ping") != 0) {
        /* The lifecycle: nothing but ping before initialize is answered. */
        rv_rpc_error_set(&err, RV_JSONRPC_NOT_INITIALIZED,
                         "Server not initialized: send initialize before %.200s", method);
    } else if (strcmp(method, "ping") == 0) {
        result = cJSON_CreateObject();
    } else if (strcmp(method, "tools/list") == 0) {
        const cJSON *cursor = params ? cJSON_GetObjectItemCaseSensitive(params, "cursor") : NULL;
        if (cursor && !cJSON_IsString(cursor) && !cJSON_IsNull(cursor))
            rv_rpc_error_set(&err, RV_JSONRPC_INVALID_PARAMS, "cursor must be a string");
        else
            result = rv_mcp_tools_list(s);
    } else if (strcmp(method, "tools/call") == 0) {
        result = do_tools_call(s, params, &err);
    } else {
        rv_rpc_error_set(&err, RV_JSONRPC_METHOD_NOT_FOUND, "Method not found: %.200s", method);
    }
    if (result) return result_reply(id, result);
    if (err.code == 0) return error_reply(id, RV_JSONRPC_INTERNAL_ERROR, "out of memory");
    return error_reply(id, err.code, err.message);
}

static void on_notification(rv_mcp_server *s, const char *method) {
    /* notifications/cancelled: requests are handled one at a time, so the
     * request it names has been answered before we read it; nothing to do. */
    if (strcmp(method, "notifications/initialized") == 0) s->initialized = 1;
}

int rv_mcp_is_blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return 0;
    return 1;
}

rv_status rv_mcp_server_handle(rv_mcp_server *s, char **out_reply, const char *msg, size_t len) {
    *out_reply = NULL;
    if (rv_mcp_is_blank(msg, len)) return RV_OK;
    char *reply = NULL;
    int silent = 0; /* no reply is due */
    const char *end = NULL;
    char *fixed = NULL;
    unsigned scan = rv_json_scan_strings(msg, len, NULL);
    if (scan & RV_JSON_LONE_SURROGATE) { /* read as U+FFFD, so the id survives */
        fixed = malloc(len ? len : 1);
        if (!fixed) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        rv_json_scan_strings(msg, len, fixed);
        msg = fixed;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(msg, len, &end, 0);
    if (root && end && !rv_mcp_is_blank(end, len - (size_t)(end - msg))) {
        cJSON_Delete(root); /* trailing garbage after one value */
        root = NULL;
    }
    if (!root) {
        reply = error_reply(NULL, RV_JSONRPC_PARSE_ERROR, "Parse error: invalid JSON");
        goto done;
    }
    if (cJSON_IsArray(root)) {
        reply = error_reply(NULL, RV_JSONRPC_INVALID_REQUEST,
                            "Invalid Request: batches are not supported");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        reply = error_reply(NULL, RV_JSONRPC_INVALID_REQUEST,
                            "Invalid Request: a message must be an object");
        goto done;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "jsonrpc");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
    int id_ok = cJSON_IsString(id) || cJSON_IsNumber(id);
    if (!method && id_ok &&
        (cJSON_GetObjectItemCaseSensitive(root, "result") ||
         cJSON_GetObjectItemCaseSensitive(root, "error"))) {
        silent = 1; /* a response; we send no requests, so nothing waits for it */
        goto done;
    }
    if (!cJSON_IsString(version) || strcmp(version->valuestring, "2.0") != 0) {
        reply = error_reply(id_ok ? id : NULL, RV_JSONRPC_INVALID_REQUEST,
                            "Invalid Request: jsonrpc must be \"2.0\"");
        goto done;
    }
    if (id && !id_ok) {
        reply = error_reply(NULL, RV_JSONRPC_INVALID_REQUEST,
                            "Invalid Request: id must be a string or a number");
        goto done;
    }
    if (!cJSON_IsString(method)) {
        reply =
            error_reply(id, RV_JSONRPC_INVALID_REQUEST, "Invalid Request: method must be a string");
        goto done;
    }
    if (!id) { /* a notification: never answered, even when wrong */
        on_notification(s, method->valuestring);
        silent = 1;
        goto done;
    }
    if (scan & RV_JSON_NUL) { /* cJSON's C strings would cut it there */
        reply =
            error_reply(id, RV_JSONRPC_INVALID_PARAMS, "Invalid params: a string contains U+0000");
        goto done;
    }
    if (params && !cJSON_IsObject(params) && !cJSON_IsNull(params)) {
        reply = error_reply(id, RV_JSONRPC_INVALID_PARAMS, "Invalid params: must be an object");
        goto done;
    }
    reply = dispatch(s, id, method->valuestring, cJSON_IsObject(params) ? params : NULL);
done:
    cJSON_Delete(root);
    free(fixed);
    *out_reply = reply;
    /* A reply was due but could not be built: only allocation fails so. */
    if (!reply && !silent) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    return RV_OK;
}
