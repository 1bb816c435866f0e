/* The MCP tools: schemas, argument checks, calls into the backend (see internal.h). */
#include "mcp/internal.h"

#include "mcp/path.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RV_MAX_TOP_K = 100, RV_MAX_OFFSET = 10000, RV_MAX_CHARS = 100000, RV_MAX_TOKENS = 100000 };

#define HIT_PROPS                                                                                  \
    "\"file_path\":{\"type\":\"string\",\"description\":\"relative to the repository root\"},"     \
    "\"start_line\":{\"type\":\"integer\",\"description\":\"1-based, inclusive\"},"                \
    "\"end_line\":{\"type\":\"integer\",\"description\":\"1-based, inclusive\"},"                  \
    "\"name\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},"                               \
    "\"language\":{\"type\":\"string\"},\"similarity\":{\"type\":\"number\"},"                     \
    "\"content\":{\"type\":\"string\"},\"truncated\":{\"type\":\"boolean\"},"                      \
    "\"rank\":{\"type\":\"integer\",\"description\":\"1-based position in the full ranking\"}"

#define HIT_SCHEMA                                                                                 \
    "{\"type\":\"object\",\"properties\":{" HIT_PROPS "},\"required\":[\"file_path\","             \
    "\"start_line\",\"end_line\",\"name\",\"kind\",\"language\",\"similarity\",\"content\"]}"

typedef cJSON *(*tool_fn)(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);

static cJSON *tool_search_code(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);
static cJSON *tool_find_similar(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);
static cJSON *tool_get_repo_map(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);
static cJSON *tool_reindex(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);
static cJSON *tool_index_status(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err);

static const struct tool_def {
    const char *name, *title, *description, *input_schema, *output_schema;
    tool_fn run;
    int read_only;
} g_tools[] = {
    {"search_code", "Search code",
     "Find code in the repository by meaning and keywords. Describe what the code does "
     "(\"retry with exponential backoff\", \"parse the config file\"); results are ranked "
     "chunks (functions, classes, sections) with file path, 1-based line range and a snippet. "
     "Page with offset.",
     "{\"type\":\"object\",\"properties\":{"
     "\"query\":{\"type\":\"string\",\"minLength\":1,\"description\":\"what the code does, in "
     "words or identifiers\"},"
     "\"top_k\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10},"
     "\"mode\":{\"type\":\"string\",\"enum\":[\"hybrid\",\"semantic\",\"keyword\"],\"default\":"
     "\"hybrid\",\"description\":\"hybrid fuses embeddings with BM25; semantic is embeddings "
     "only; keyword is BM25 only\"},"
     "\"path_glob\":{\"type\":\"string\",\"description\":\"only files whose root-relative path "
     "matches, e.g. src/**/*.py\"},"
     "\"offset\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000,\"default\":0,"
     "\"description\":\"skip this many ranked results (pagination)\"},"
     "\"max_chars\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":1200,"
     "\"description\":\"cap on each snippet's length in characters\"}},"
     "\"required\":[\"query\"],\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"results\":{\"type\":\"array\",\"items\":" HIT_SCHEMA
     "},\"offset\":{\"type\":\"integer\"},\"top_k\":{\"type\":\"integer\"},"
     "\"mode\":{\"type\":\"string\"},\"has_more\":{\"type\":\"boolean\"}},"
     "\"required\":[\"results\",\"offset\",\"has_more\"]}",
     tool_search_code, 1},
    {"find_similar", "Find similar code",
     "Find the chunks most similar to the code at a given file and line (the chunk there "
     "itself is excluded): other implementations, duplicates, related code.",
     "{\"type\":\"object\",\"properties\":{"
     "\"file_path\":{\"type\":\"string\",\"minLength\":1,\"description\":\"relative to the "
     "repository root\"},"
     "\"line\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"1-based line inside the "
     "chunk\"},"
     "\"top_k\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10}},"
     "\"required\":[\"file_path\",\"line\"],\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"results\":{\"type\":\"array\",\"items\":" HIT_SCHEMA
     "},\"file_path\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\"}},"
     "\"required\":[\"results\"]}",
     tool_find_similar, 1},
    {"get_repo_map", "Repository map",
     "A compact overview of the repository: files and their main definitions (kind, name, "
     "line), most connected first, within a token budget. With focus_file, that file and "
     "the files it is connected to come first.",
     "{\"type\":\"object\",\"properties\":{"
     "\"max_tokens\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":2000},"
     "\"focus_file\":{\"type\":\"string\",\"description\":\"relative to the repository root\"}},"
     "\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"map\":{\"type\":\"string\"},"
     "\"files_shown\":{\"type\":\"integer\"},\"files_total\":{\"type\":\"integer\"},"
     "\"tokens\":{\"type\":\"integer\"},\"truncated\":{\"type\":\"boolean\"}},"
     "\"required\":[\"map\",\"files_shown\",\"files_total\",\"tokens\",\"truncated\"]}",
     tool_get_repo_map, 1},
    {"reindex", "Update the index",
     "Bring the index up to date with the files on disk now (only changed files are "
     "re-embedded; while the server answers during warm-up, by its background indexer: "
     "index_status shows the coverage). Searches already do a quick check before running.",
     "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"files\":{\"type\":\"integer\"},"
     "\"chunks\":{\"type\":\"integer\"},\"files_changed\":{\"type\":\"integer\"},"
     "\"seconds\":{\"type\":\"number\"}},\"required\":[\"files\",\"chunks\",\"seconds\"]}",
     tool_reindex, 0},
    {"index_status", "Index status",
     "Whether the index is loaded, how many files and chunks it holds, how many of the "
     "chunks are embedded (coverage; the rest rank by keywords until the background indexer "
     "embeds them) and that indexer's progress, the model, when it was last updated, the "
     "root and where the index is stored.",
     "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"ready\":{\"type\":\"boolean\"},"
     "\"files\":{\"type\":\"integer\"},\"chunks\":{\"type\":\"integer\"},"
     "\"model\":{\"type\":\"string\"},\"last_update\":{\"type\":[\"string\",\"null\"]},"
     "\"root\":{\"type\":\"string\"},\"index_path\":{\"type\":\"string\"},"
     "\"chunks_embedded\":{\"type\":\"integer\"},\"coverage\":{\"type\":\"number\"},"
     "\"indexing\":{\"type\":\"boolean\"},\"indexer\":{\"type\":\"object\",\"properties\":{"
     "\"pid\":{\"type\":\"integer\"},\"rate\":{\"type\":\"number\"},"
     "\"eta_s\":{\"type\":[\"number\",\"null\"]}}}},"
     "\"required\":[\"ready\",\"files\",\"chunks\",\"model\",\"last_update\",\"root\","
     "\"index_path\",\"chunks_embedded\",\"coverage\",\"indexing\"]}",
     tool_index_status, 1},
};

enum { RV_TOOL_COUNT = sizeof g_tools / sizeof g_tools[0] };

cJSON *rv_mcp_tools_list(const rv_mcp_server *s) {
    cJSON *r = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(r, "tools");
    if (!arr) goto fail;
    for (size_t i = 0; i < RV_TOOL_COUNT; i++) {
        const struct tool_def *t = &g_tools[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) goto fail;
        cJSON_AddItemToArray(arr, o);
        cJSON *in = cJSON_Parse(t->input_schema);
        if (!in) goto fail;
        cJSON_AddItemToObject(o, "inputSchema", in);
        if (!cJSON_AddStringToObject(o, "name", t->name) ||
            !cJSON_AddStringToObject(o, "description", t->description))
            goto fail;
        if (s->structured) {
            cJSON *outs = cJSON_Parse(t->output_schema);
            if (!outs) goto fail;
            cJSON_AddItemToObject(o, "outputSchema", outs);
            cJSON *ann = cJSON_AddObjectToObject(o, "annotations");
            if (!cJSON_AddStringToObject(o, "title", t->title) || !ann ||
                !cJSON_AddBoolToObject(ann, "readOnlyHint", t->read_only) ||
                !cJSON_AddBoolToObject(ann, "openWorldHint", 0))
                goto fail;
        }
    }
    return r;
fail:
    cJSON_Delete(r);
    return NULL;
}

cJSON *rv_mcp_tools_call(rv_mcp_server *s, const char *name, const cJSON *args, rv_rpc_error *err) {
    for (size_t i = 0; i < RV_TOOL_COUNT; i++)
        if (strcmp(g_tools[i].name, name) == 0) return g_tools[i].run(s, args, err);
    rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "Unknown tool: %.200s", name);
    return NULL;
}

/* ---- argument checks ------------------------------------------------------ */

/* -32602 for any key not in `allowed` (NULL-terminated): typos should not
 * silently fall back to defaults. */
static int check_keys(const cJSON *args, const char *const *allowed, rv_rpc_error *err) {
    for (const cJSON *k = args->child; k; k = k->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = k->string && !strcmp(k->string, *a);
        if (!ok) {
            rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "unknown argument '%.100s'",
                             k->string ? k->string : "");
            return 0;
        }
    }
    return 1;
}

static int get_int(const cJSON *args, const char *key, long def, long lo, long hi, long *out,
                   rv_rpc_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    *out = def;
    if (!v) return 1;
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d) || floor(d) != d) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'%s' must be an integer", key);
        return 0;
    }
    if (d < (double)lo || d > (double)hi) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'%s' must be between %ld and %ld", key,
                         lo, hi);
        return 0;
    }
    *out = (long)d;
    return 1;
}

/* *out NULL when absent and optional. */
static int get_str(const cJSON *args, const char *key, int required, const char **out,
                   rv_rpc_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    *out = NULL;
    if (!v && !required) return 1;
    if (!cJSON_IsString(v)) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS,
                         required && !v ? "'%s' is required" : "'%s' must be a string", key);
        return 0;
    }
    if (required && !v->valuestring[0]) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'%s' must not be empty", key);
        return 0;
    }
    *out = v->valuestring;
    return 1;
}

/* A required text to search for: blank is refused as the CLI refuses it. */
static int get_query(const cJSON *args, const char *key, const char **out, rv_rpc_error *err) {
    if (!get_str(args, key, 1, out, err)) return 0;
    if (!rv_mcp_is_blank(*out, strlen(*out))) return 1;
    rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'%s' must not be blank", key);
    return 0;
}

/* Confines a path argument; -32602 when it escapes the root. */
static int get_path(rv_mcp_server *s, const char *key, const char *value, int glob, char **out,
                    rv_rpc_error *err) {
    rv_status st =
        glob ? rv_mcp_confine_glob(out, value) : rv_mcp_confine_path(out, s->root_real, value);
    if (st == RV_OK) return 1;
    if (st == RV_ERR_NOMEM) {
        err->code = 0;
        return 0;
    }
    rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "%s: %s", key, rv_error_last());
    return 0;
}

/* ---- results -------------------------------------------------------------- */

/* A CallToolResult; takes ownership of structured. text NULL: the
 * structured content serialized (the spec's advice for older clients). */
static cJSON *tool_ok(const rv_mcp_server *s, cJSON *structured, const char *text) {
    char *ser = NULL;
    cJSON *r = NULL;
    if (!structured) goto done;
    if (!text) {
        ser = cJSON_PrintUnformatted(structured);
        if (!ser) goto done;
        text = ser;
    }
    r = cJSON_CreateObject();
    cJSON *content = cJSON_AddArrayToObject(r, "content");
    cJSON *block = cJSON_CreateObject();
    if (!content || !block) {
        cJSON_Delete(block);
        goto fail;
    }
    cJSON_AddItemToArray(content, block);
    if (!cJSON_AddStringToObject(block, "type", "text") ||
        !cJSON_AddStringToObject(block, "text", text) || !cJSON_AddFalseToObject(r, "isError"))
        goto fail;
    if (s->structured) {
        cJSON_AddItemToObject(r, "structuredContent", structured);
        structured = NULL;
    }
    goto done;
fail:
    cJSON_Delete(r);
    r = NULL;
done:
    cJSON_Delete(structured);
    free(ser);
    return r;
}

/* A tool failure the agent should see (isError), from rv_error_last(). */
static cJSON *tool_failed(const char *what) {
    char msg[640];
    snprintf(msg, sizeof msg, "%s: %s", what, rv_error_last());
    cJSON *r = cJSON_CreateObject();
    cJSON *content = cJSON_AddArrayToObject(r, "content");
    cJSON *block = cJSON_CreateObject();
    if (!content || !block || !cJSON_AddTrueToObject(r, "isError")) {
        cJSON_Delete(block);
        cJSON_Delete(r);
        return NULL;
    }
    cJSON_AddItemToArray(content, block);
    if (!cJSON_AddStringToObject(block, "type", "text") ||
        !cJSON_AddStringToObject(block, "text", msg)) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

/* Appends hits[from, to) as "results" (each rendered by the sink, see mcp.h). */
static int add_hits(cJSON *obj, const rv_mcp_hits *hits, size_t from, size_t to) {
    cJSON *arr = cJSON_AddArrayToObject(obj, "results");
    if (!arr) return 0;
    for (size_t i = from; i < to; i++) {
        cJSON *h = cJSON_Parse(hits->json[i]);
        if (!h) return 0;
        cJSON_AddItemToArray(arr, h);
    }
    return 1;
}

/* ---- the tools ------------------------------------------------------------ */

static cJSON *tool_search_code(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err) {
    static const char *const keys[] = {"query",  "top_k",     "mode", "path_glob",
                                       "offset", "max_chars", NULL};
    const char *query, *mode_s, *glob_s;
    long top_k, offset, max_chars;
    char *glob = NULL;
    cJSON *res = NULL;
    rv_mcp_hits hits = {0};
    if (!check_keys(args, keys, err) || !get_query(args, "query", &query, err) ||
        !get_int(args, "top_k", 10, 1, RV_MAX_TOP_K, &top_k, err) ||
        !get_int(args, "offset", 0, 0, RV_MAX_OFFSET, &offset, err) ||
        !get_int(args, "max_chars", 1200, 1, RV_MAX_CHARS, &max_chars, err) ||
        !get_str(args, "mode", 0, &mode_s, err) || !get_str(args, "path_glob", 0, &glob_s, err))
        return NULL;
    int mode = mode_s ? rv_search_mode_parse(mode_s) : RV_MODE_HYBRID;
    if (mode < 0) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS,
                         "'mode' must be hybrid, semantic or keyword");
        return NULL;
    }
    if (glob_s && !get_path(s, "path_glob", glob_s, 1, &glob, err)) return NULL;
    /* Rank the first offset + top_k + 1 and slice afterwards: pages come from
     * one ranking, and the extra one tells whether another page exists. */
    rv_mcp_query q = {query, (rv_search_mode)mode, (int)(offset + top_k + 1), glob, offset > 0};
    hits.max_chars = (size_t)max_chars;
    if (s->be.search(s->be.ctx, &q, &hits) != RV_OK) {
        res = tool_failed("search failed");
        goto done;
    }
    size_t from = (size_t)offset < hits.count ? (size_t)offset : hits.count;
    size_t to = from + (size_t)top_k < hits.count ? from + (size_t)top_k : hits.count;
    cJSON *sc = cJSON_CreateObject();
    if (!sc || !add_hits(sc, &hits, from, to) ||
        !cJSON_AddNumberToObject(sc, "offset", (double)offset) ||
        !cJSON_AddNumberToObject(sc, "top_k", (double)top_k) ||
        !cJSON_AddStringToObject(sc, "mode", rv_search_mode_name((rv_search_mode)mode)) ||
        !cJSON_AddBoolToObject(sc, "has_more", hits.count > to)) {
        cJSON_Delete(sc);
        goto done;
    }
    res = tool_ok(s, sc, NULL);
done:
    if (!res) err->code = 0;
    rv_mcp_hits_free(&hits);
    free(glob);
    return res;
}

static cJSON *tool_find_similar(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err) {
    static const char *const keys[] = {"file_path", "line", "top_k", NULL};
    const char *path_s;
    long line, top_k;
    char *rel = NULL;
    cJSON *res = NULL;
    rv_mcp_hits hits = {0};
    if (!check_keys(args, keys, err) || !get_str(args, "file_path", 1, &path_s, err) ||
        !get_int(args, "top_k", 10, 1, RV_MAX_TOP_K, &top_k, err))
        return NULL;
    if (!cJSON_GetObjectItemCaseSensitive(args, "line")) {
        rv_rpc_error_set(err, RV_JSONRPC_INVALID_PARAMS, "'line' is required");
        return NULL;
    }
    if (!get_int(args, "line", 1, 1, 100000000, &line, err) ||
        !get_path(s, "file_path", path_s, 0, &rel, err))
        return NULL;
    hits.max_chars = 1200;
    if (s->be.similar(s->be.ctx, rel, (int)line, (int)top_k, &hits) != RV_OK) {
        res = tool_failed("find_similar failed");
        goto done;
    }
    cJSON *sc = cJSON_CreateObject();
    size_t n = hits.count < (size_t)top_k ? hits.count : (size_t)top_k;
    if (!sc || !add_hits(sc, &hits, 0, n) || !cJSON_AddStringToObject(sc, "file_path", rel) ||
        !cJSON_AddNumberToObject(sc, "line", (double)line)) {
        cJSON_Delete(sc);
        goto done;
    }
    res = tool_ok(s, sc, NULL);
done:
    if (!res) err->code = 0;
    rv_mcp_hits_free(&hits);
    free(rel);
    return res;
}

static cJSON *tool_get_repo_map(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err) {
    static const char *const keys[] = {"max_tokens", "focus_file", NULL};
    const char *focus_s;
    long max_tokens;
    char *focus = NULL, *map = NULL;
    cJSON *res = NULL;
    if (!check_keys(args, keys, err) ||
        !get_int(args, "max_tokens", 2000, 1, RV_MAX_TOKENS, &max_tokens, err) ||
        !get_str(args, "focus_file", 0, &focus_s, err))
        return NULL;
    if (focus_s && !get_path(s, "focus_file", focus_s, 0, &focus, err)) return NULL;
    const rv_chunk_list *chunks = NULL;
    rv_repo_map_info info;
    rv_status st = s->be.chunks(s->be.ctx, &chunks);
    if (st == RV_OK) st = rv_mcp_repo_map(&map, &info, chunks, focus, (size_t)max_tokens * 4);
    if (st != RV_OK) {
        res = st == RV_ERR_NOMEM ? NULL : tool_failed("get_repo_map failed");
        goto done;
    }
    size_t len = strlen(map);
    cJSON *sc = cJSON_CreateObject();
    if (!sc || !cJSON_AddStringToObject(sc, "map", map) ||
        !cJSON_AddNumberToObject(sc, "files_shown", (double)info.files_shown) ||
        !cJSON_AddNumberToObject(sc, "files_total", (double)info.files_total) ||
        !cJSON_AddNumberToObject(sc, "tokens", (double)((len + 3) / 4)) ||
        !cJSON_AddBoolToObject(sc, "truncated", info.truncated)) {
        cJSON_Delete(sc);
        goto done;
    }
    res = tool_ok(s, sc, map); /* the map itself reads better than its JSON */
done:
    if (!res) err->code = 0;
    free(map);
    free(focus);
    return res;
}

static cJSON *tool_reindex(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err) {
    static const char *const keys[] = {NULL};
    if (!check_keys(args, keys, err)) return NULL;
    rv_mcp_reindex_stats rs;
    memset(&rs, 0, sizeof rs);
    cJSON *res = NULL;
    if (s->be.reindex(s->be.ctx, &rs) != RV_OK) {
        res = tool_failed("reindex failed");
    } else {
        cJSON *sc = cJSON_CreateObject();
        if (sc && cJSON_AddNumberToObject(sc, "files", (double)rs.files) &&
            cJSON_AddNumberToObject(sc, "chunks", (double)rs.chunks) &&
            cJSON_AddNumberToObject(sc, "files_changed", (double)rs.files_changed) &&
            cJSON_AddNumberToObject(sc, "seconds", isfinite(rs.seconds) ? rs.seconds : 0.0))
            res = tool_ok(s, sc, NULL);
        else
            cJSON_Delete(sc);
    }
    if (!res) err->code = 0;
    return res;
}

/* How much is embedded, and the indexer embedding the rest. */
static int add_coverage(cJSON *sc, const rv_mcp_status *ss) {
    size_t done = ss->chunks > ss->chunks_pending ? ss->chunks - ss->chunks_pending : 0;
    double cov = ss->chunks ? (double)done / (double)ss->chunks : (ss->ready ? 1.0 : 0.0);
    if (!cJSON_AddNumberToObject(sc, "chunks_embedded", (double)done) ||
        !cJSON_AddNumberToObject(sc, "coverage", cov) ||
        !cJSON_AddBoolToObject(sc, "indexing", ss->indexing))
        return 0;
    if (!ss->indexing) return 1;
    cJSON *ix = cJSON_AddObjectToObject(sc, "indexer");
    return ix && cJSON_AddNumberToObject(ix, "pid", (double)ss->indexer_pid) &&
           cJSON_AddNumberToObject(ix, "rate", ss->rate) &&
           (ss->eta_s < 0 ? cJSON_AddNullToObject(ix, "eta_s") != NULL
                          : cJSON_AddNumberToObject(ix, "eta_s", ss->eta_s) != NULL);
}

static cJSON *tool_index_status(rv_mcp_server *s, const cJSON *args, rv_rpc_error *err) {
    static const char *const keys[] = {NULL};
    if (!check_keys(args, keys, err)) return NULL;
    rv_mcp_status ss;
    memset(&ss, 0, sizeof ss);
    if (s->be.status(s->be.ctx, &ss) != RV_OK) return tool_failed("index_status failed");
    cJSON *sc = cJSON_CreateObject();
    char when[32] = "";
    if (ss.last_update > 0) {
        time_t t = (time_t)ss.last_update;
        struct tm tm;
        if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    cJSON *res = NULL;
    if (sc && cJSON_AddBoolToObject(sc, "ready", ss.ready) &&
        cJSON_AddNumberToObject(sc, "files", (double)ss.files) &&
        cJSON_AddNumberToObject(sc, "chunks", (double)ss.chunks) &&
        cJSON_AddStringToObject(sc, "model", ss.model ? ss.model : "") &&
        (when[0] ? cJSON_AddStringToObject(sc, "last_update", when) != NULL
                 : cJSON_AddNullToObject(sc, "last_update") != NULL) &&
        cJSON_AddStringToObject(sc, "root", s->root_real) &&
        cJSON_AddStringToObject(sc, "index_path", ss.index_path ? ss.index_path : "") &&
        add_coverage(sc, &ss))
        res = tool_ok(s, sc, NULL);
    else
        cJSON_Delete(sc);
    if (!res) err->code = 0;
    return res;
}
