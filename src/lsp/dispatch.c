/* JSON-RPC checks, the lifecycle (initialize, shutdown, exit) and method
 * dispatch. */
#include "lsp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int get_bool(const cJSON *obj, const char *key, int def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

/* A folder per workspace folder (else rootUri, else rootPath); none: single-file mode. */
static void add_roots(lsp_server *s, const cJSON *params) {
    const cJSON *wf = cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders");
    const cJSON *f;
    int any = 0;
    if (!cJSON_IsArray(wf)) wf = NULL;
    cJSON_ArrayForEach(f, wf) {
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(f, "uri");
        char *path = cJSON_IsString(uri) ? rv_lsp_uri_to_path(uri->valuestring) : NULL;
        if (path && rv_lsp_folder_add(s, path, 0) == RV_OK) any = 1;
        free(path);
    }
    if (any) return;
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(params, "rootUri");
    char *path = cJSON_IsString(ru) ? rv_lsp_uri_to_path(ru->valuestring) : NULL;
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(params, "rootPath");
    if (!path && cJSON_IsString(rp) && rp->valuestring[0] == '/') path = strdup(rp->valuestring);
    if (path) rv_lsp_folder_add(s, path, 0);
    free(path);
}

static cJSON *capabilities(const lsp_server *s) {
    cJSON *c = cJSON_CreateObject();
    cJSON *sync = cJSON_AddObjectToObject(c, "textDocumentSync");
    cJSON_AddTrueToObject(sync, "openClose");
    cJSON_AddNumberToObject(sync, "change", 1); /* full text */
    cJSON *save = cJSON_AddObjectToObject(sync, "save");
    cJSON_AddFalseToObject(save, "includeText");
    cJSON_AddStringToObject(c, "positionEncoding", "utf-16");
    cJSON_AddTrueToObject(c, "workspaceSymbolProvider");
    cJSON_AddTrueToObject(c, "documentSymbolProvider");
    cJSON_AddTrueToObject(c, "hoverProvider");
    if (s->opt_definition) cJSON_AddTrueToObject(c, "definitionProvider");
    if (s->opt_references) cJSON_AddTrueToObject(c, "referencesProvider");
    cJSON *ex = cJSON_AddObjectToObject(c, "executeCommandProvider");
    cJSON *cmds = cJSON_AddArrayToObject(ex, "commands");
    cJSON_AddItemToArray(cmds, cJSON_CreateString("ripvec.findSimilar"));
    cJSON *ws = cJSON_AddObjectToObject(c, "workspace");
    cJSON *wf = cJSON_AddObjectToObject(ws, "workspaceFolders");
    cJSON_AddTrueToObject(wf, "supported");
    cJSON_AddTrueToObject(wf, "changeNotifications");
    return c;
}

static cJSON *do_initialize(lsp_server *s, const cJSON *params, lsp_error *err) {
    if (s->initialized) {
        rv_lsp_error_set(err, RV_LSP_INVALID_REQUEST, "initialize may be sent only once");
        return NULL;
    }
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(params, "initializationOptions");
    if (opts && !cJSON_IsObject(opts) && !cJSON_IsNull(opts)) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "initializationOptions must be an object");
        return NULL;
    }
    s->opt_definition = get_bool(opts, "definition", 1);
    s->opt_references = get_bool(opts, "references", 1);
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(opts, "debounceMs");
    if (cJSON_IsNumber(db) && db->valuedouble >= 0 && db->valuedouble <= 60000)
        s->debounce_ms = (int)db->valuedouble;
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(params, "capabilities");
    const cJSON *win = cJSON_GetObjectItemCaseSensitive(caps, "window");
    s->client_progress = get_bool(win, "workDoneProgress", 0);
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(caps, "workspace");
    const cJSON *dcw = cJSON_GetObjectItemCaseSensitive(ws, "didChangeWatchedFiles");
    s->client_watch_reg = get_bool(dcw, "dynamicRegistration", 0);
    add_roots(s, params);
    s->initialized = 1;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "capabilities", capabilities(s));
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    cJSON_AddStringToObject(info, "name", "ripvec");
    return r;
}

/* After `initialized`: ask for file events, then index every folder. */
static void on_initialized(lsp_server *s) {
    if (s->client_watch_reg) {
        cJSON *p = cJSON_CreateObject();
        cJSON *regs = cJSON_AddArrayToObject(p, "registrations");
        cJSON *reg = cJSON_CreateObject();
        cJSON_AddItemToArray(regs, reg);
        cJSON_AddStringToObject(reg, "id", "ripvec-watch");
        cJSON_AddStringToObject(reg, "method", "workspace/didChangeWatchedFiles");
        cJSON *ro = cJSON_AddObjectToObject(reg, "registerOptions");
        cJSON *ws = cJSON_AddArrayToObject(ro, "watchers");
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "globPattern", "**/*");
        cJSON_AddItemToArray(ws, w);
        rv_lsp_request(s, "client/registerCapability", p);
    }
    for (size_t i = 0; i < s->n_folders; i++)
        rv_lsp_folder_ready(s, i, 0);
}

static void folders_changed(lsp_server *s, const cJSON *params) {
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(params, "event");
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ev, "removed")) {
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(f, "uri");
        char *path = cJSON_IsString(uri) ? rv_lsp_uri_to_path(uri->valuestring) : NULL;
        char *real = path ? realpath(path, NULL) : NULL;
        for (size_t i = 0; real && i < s->n_folders; i++)
            if (strcmp(s->folders[i].root, real) == 0) {
                rv_lsp_folder_remove(s, i);
                break;
            }
        free(real);
        free(path);
    }
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ev, "added")) {
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(f, "uri");
        char *path = cJSON_IsString(uri) ? rv_lsp_uri_to_path(uri->valuestring) : NULL;
        if (path && rv_lsp_folder_add(s, path, 0) == RV_OK)
            rv_lsp_folder_ready(s, s->n_folders - 1, 0);
        free(path);
    }
}

static void notification(lsp_server *s, const char *method, const cJSON *params) {
    if (strcmp(method, "exit") == 0) {
        s->exit_code = s->shutdown ? 0 : 1;
        s->done = 1;
        return;
    }
    if (!s->initialized || s->shutdown || !cJSON_IsObject(params)) {
        if (s->initialized && strcmp(method, "initialized") == 0) on_initialized(s);
        return; /* notifications before initialize are dropped (spec) */
    }
    if (strcmp(method, "initialized") == 0)
        on_initialized(s);
    else if (strcmp(method, "textDocument/didOpen") == 0)
        rv_lsp_did_open(s, params);
    else if (strcmp(method, "textDocument/didChange") == 0)
        rv_lsp_did_change(s, params);
    else if (strcmp(method, "textDocument/didSave") == 0)
        rv_lsp_did_save(s, params);
    else if (strcmp(method, "textDocument/didClose") == 0)
        rv_lsp_did_close(s, params);
    else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0)
        rv_lsp_watched_changed(s, params);
    else if (strcmp(method, "workspace/didChangeWorkspaceFolders") == 0)
        folders_changed(s, params);
    /* others ($/setTrace, didChangeConfiguration, ...) need nothing from us */
}

typedef cJSON *(*lsp_handler)(lsp_server *s, const cJSON *params, lsp_error *err);

static const struct {
    const char *method;
    lsp_handler fn;
} g_requests[] = {
    {"workspace/symbol", rv_lsp_workspace_symbol},
    {"textDocument/documentSymbol", rv_lsp_document_symbol},
    {"textDocument/definition", rv_lsp_definition},
    {"textDocument/references", rv_lsp_references},
    {"textDocument/hover", rv_lsp_hover},
    {"ripvec/search", rv_lsp_search},
    {"workspace/executeCommand", rv_lsp_execute},
};

static cJSON *request(lsp_server *s, const char *method, const cJSON *params, lsp_error *err) {
    if (strcmp(method, "initialize") == 0) return do_initialize(s, params, err);
    if (!s->initialized) {
        rv_lsp_error_set(err, RV_LSP_SERVER_NOT_INITIALIZED, "the server is not initialized");
        return NULL;
    }
    if (s->shutdown) {
        rv_lsp_error_set(err, RV_LSP_INVALID_REQUEST, "the server is shutting down");
        return NULL;
    }
    if (strcmp(method, "shutdown") == 0) {
        s->shutdown = 1;
        return cJSON_CreateNull();
    }
    int off = (strcmp(method, "textDocument/definition") == 0 && !s->opt_definition) ||
              (strcmp(method, "textDocument/references") == 0 && !s->opt_references);
    for (size_t i = 0; !off && i < sizeof g_requests / sizeof g_requests[0]; i++) {
        if (strcmp(method, g_requests[i].method) != 0) continue;
        if (!cJSON_IsObject(params)) {
            rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "%s needs params (an object)", method);
            return NULL;
        }
        rv_lsp_refresh_stale(s, 0); /* a folder still in its debounce answers as it is */
        return g_requests[i].fn(s, params, err);
    }
    rv_lsp_error_set(err, RV_LSP_METHOD_NOT_FOUND, "Method not found: %.200s", method);
    return NULL;
}

void rv_lsp_dispatch(lsp_server *s, const cJSON *msg, int cancelled) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    int id_ok = cJSON_IsString(id) || cJSON_IsNumber(id);
    lsp_error err = {0, ""};
    if (!method && id_ok &&
        (cJSON_HasObjectItem(msg, "result") || cJSON_HasObjectItem(msg, "error")))
        return; /* a response to one of our requests: nothing waits for it */
    if (!cJSON_IsString(version) || strcmp(version->valuestring, "2.0") != 0) {
        rv_lsp_error_set(&err, RV_LSP_INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"");
    } else if (id && !id_ok) {
        rv_lsp_error_set(&err, RV_LSP_INVALID_REQUEST,
                         "Invalid Request: id must be a string or a number");
        id = NULL;
    } else if (!cJSON_IsString(method)) {
        rv_lsp_error_set(&err, RV_LSP_INVALID_REQUEST, "Invalid Request: method must be a string");
    } else if (params && !cJSON_IsNull(params) && !cJSON_IsObject(params) &&
               !cJSON_IsArray(params)) {
        rv_lsp_error_set(&err, RV_LSP_INVALID_PARAMS, "Invalid params: must be an object");
    }
    if (!id) { /* a notification: never answered */
        if (!err.code) notification(s, method->valuestring, params);
        return;
    }
    if (err.code) {
        rv_lsp_reply(s, id, NULL, &err);
        return;
    }
    if (cancelled) {
        rv_lsp_error_set(&err, RV_LSP_REQUEST_CANCELLED, "request cancelled");
        rv_lsp_reply(s, id, NULL, &err);
        return;
    }
    cJSON *result = request(s, method->valuestring, params, &err);
    rv_lsp_reply(s, id, result, &err);
}
