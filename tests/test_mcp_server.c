/* The MCP server's protocol layer against the stub backend: framing, JSON-RPC
 * errors, dispatch, tools, path confinement, the bounded line reader. */
#include "mcp/internal.h"
#include "mcp/path.h"
#include "util/reader.h"
#include "mcp/watch.h"
#include "rvtest.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixtures ------------------------------------------------------------- */

static char g_root[64];

static void write_file(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void add_chunk(rv_chunk_list *l, const char *path, int a, int b, const char *kind,
                      const char *name, const char *scope, const char *content) {
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
    }
    rv_chunk *c = &l->items[l->count++];
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    c->start_line = a;
    c->end_line = b;
    c->kind = strdup(kind);
    c->name = strdup(name);
    c->scope = strdup(scope);
    /* Not rv_chunk_language_for_path: this test needs nothing from the chunker. */
    const char *dot = strrchr(path, '.');
    c->language = !strcmp(dot, ".py") ? "python" : !strcmp(dot, ".c") ? "c" : "markdown";
    c->content = strdup(content);
    c->embed_text = strdup(content);
}

static rv_chunk_list g_chunks;
static rv_mcp_stub g_stub;
static rv_mcp_backend g_be;

static void make_fixture(void) {
    strcpy(g_root, "/tmp/rv-mcp-XXXXXX");
    if (!mkdtemp(g_root)) abort();
    char p[256];
    snprintf(p, sizeof p, "%s/src", g_root);
    mkdir(p, 0755);
    write_file("src/retry.py", "def retry_with_backoff(fn):\n    pass\n");
    write_file("src/net.py", "def fetch(url):\n    return retry_with_backoff(get)\n");
    snprintf(p, sizeof p, "%s/outside_link", g_root);
    if (symlink("/etc", p) != 0) abort();
    snprintf(p, sizeof p, "%s/inside_link", g_root);
    if (symlink("src/retry.py", p) != 0) abort();
    snprintf(p, sizeof p, "%s/dangling", g_root);
    if (symlink("/nonexistent/rv-mcp-target", p) != 0) abort();

    add_chunk(&g_chunks, "src/retry.py", 1, 2, "function", "retry_with_backoff", "",
              "def retry_with_backoff(fn):\n    sleep exponential backoff\n");
    add_chunk(&g_chunks, "src/net.py", 1, 2, "function", "fetch", "",
              "def fetch(url):\n    return retry_with_backoff(get)\n");
    add_chunk(&g_chunks, "src/net.py", 4, 9, "class", "Client", "",
              "class Client:\n    def get(self): backoff backoff\n");
    add_chunk(&g_chunks, "src/net.py", 5, 6, "method", "get", "Client",
              "    def get(self): backoff\n");
    add_chunk(&g_chunks, "docs/readme.md", 1, 30, "section", "Usage", "",
              "# Usage\nRun it. Bad bytes: \xff\xfe end\n");
    add_chunk(&g_chunks, "lib/util.c", 1, 10, "function", "helper", "",
              "int helper(void) { return 0; }\n");
    g_stub.chunks = &g_chunks;
    g_be = rv_mcp_stub_backend(&g_stub);
}

static void remove_fixture(void) {
    const char *rels[] = {"src/retry.py", "src/net.py", "outside_link", "inside_link", "dangling",
                          "src",          NULL};
    char p[256];
    for (int i = 0; rels[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", g_root, rels[i]);
        if (unlink(p) != 0) rmdir(p);
    }
    rmdir(g_root);
    for (size_t i = 0; i < g_chunks.count; i++) {
        rv_chunk *c = &g_chunks.items[i];
        free(c->path);
        free(c->kind);
        free(c->name);
        free(c->scope);
        free(c->content);
        free(c->embed_text);
    }
    free(g_chunks.items);
}

/* A server no client has initialized yet. */
static rv_mcp_server *new_bare_server(void) {
    rv_mcp_server_params p = rv_mcp_server_default_params();
    p.root = g_root;
    p.backend = &g_be;
    p.version = "9.9.9";
    rv_mcp_server *s = NULL;
    rv_status st = rv_mcp_server_create(&s, &p);
    RV_CHECK_EQ_INT(st, RV_OK);
    return s;
}

/* Sends one message of len bytes; returns the parsed reply (NULL when none). */
static cJSON *call_n(rv_mcp_server *s, const char *msg, size_t len) {
    char *reply = NULL;
    rv_status st = rv_mcp_server_handle(s, &reply, msg, len);
    RV_CHECK_EQ_INT(st, RV_OK);
    if (!reply) return NULL;
    RV_CHECK_MSG(strchr(reply, '\n') == NULL, "reply spans lines: %s", reply);
    cJSON *j = cJSON_Parse(reply);
    RV_CHECK_MSG(j != NULL, "reply is not JSON: %s", reply);
    free(reply);
    return j;
}

static cJSON *call(rv_mcp_server *s, const char *msg) {
    return call_n(s, msg, strlen(msg));
}

static const char g_init_msg[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
    "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

/* A server after the initialize handshake. */
static rv_mcp_server *new_server(void) {
    rv_mcp_server *s = new_bare_server();
    cJSON *r = s ? call(s, g_init_msg) : NULL;
    RV_CHECK(r && cJSON_GetObjectItemCaseSensitive(r, "result"));
    cJSON_Delete(r);
    return s;
}

static int error_code(const cJSON *reply) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
    const cJSON *c = e ? cJSON_GetObjectItemCaseSensitive(e, "code") : NULL;
    return cJSON_IsNumber(c) ? c->valueint : 0;
}

static int id_is_null(const cJSON *reply) {
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(reply, "id"));
}

static const cJSON *result_of(const cJSON *reply) {
    return cJSON_GetObjectItemCaseSensitive(reply, "result");
}

/* tools/call name args -> the structuredContent (reply kept in *keep). */
static const cJSON *tool(rv_mcp_server *s, const char *name, const char *args, cJSON **keep) {
    char msg[2048];
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
             "\"arguments\":%s}}",
             name, args);
    *keep = call(s, msg);
    const cJSON *r = result_of(*keep);
    return r ? cJSON_GetObjectItemCaseSensitive(r, "structuredContent") : NULL;
}

static int tool_error_code(rv_mcp_server *s, const char *name, const char *args) {
    cJSON *keep = NULL;
    tool(s, name, args, &keep);
    int code = error_code(keep);
    cJSON_Delete(keep);
    return code;
}

/* ---- JSON-RPC framing ----------------------------------------------------- */

RV_TEST(malformed_messages_get_jsonrpc_errors) {
    rv_mcp_server *s = new_server();
    struct {
        const char *msg;
        int code;
        int null_id;
    } cases[] = {
        {"{not json", RV_JSONRPC_PARSE_ERROR, 1},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing", RV_JSONRPC_PARSE_ERROR, 1},
        {"42", RV_JSONRPC_INVALID_REQUEST, 1},
        {"\"ping\"", RV_JSONRPC_INVALID_REQUEST, 1},
        {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", RV_JSONRPC_INVALID_REQUEST, 1},
        {"[]", RV_JSONRPC_INVALID_REQUEST, 1},
        {"{\"jsonrpc\":\"2.0\",\"id\":3}", RV_JSONRPC_INVALID_REQUEST, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":5}", RV_JSONRPC_INVALID_REQUEST, 0},
        {"{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}", RV_JSONRPC_INVALID_REQUEST, 0},
        {"{\"id\":3,\"method\":\"ping\"}", RV_JSONRPC_INVALID_REQUEST, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", RV_JSONRPC_INVALID_REQUEST, 1},
        {"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", RV_JSONRPC_INVALID_REQUEST, 1},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope/nope\"}", RV_JSONRPC_METHOD_NOT_FOUND, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":[1]}",
         RV_JSONRPC_INVALID_PARAMS, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
         "7}}",
         RV_JSONRPC_INVALID_PARAMS, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":5}}",
         RV_JSONRPC_INVALID_PARAMS, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
         "\"search_code\",\"arguments\":[]}}",
         RV_JSONRPC_INVALID_PARAMS, 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}",
         RV_JSONRPC_INVALID_PARAMS, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *r = call(s, cases[i].msg);
        RV_CHECK_MSG(r && error_code(r) == cases[i].code, "case %zu (%s): code %d", i, cases[i].msg,
                     r ? error_code(r) : 0);
        RV_CHECK_MSG(r && id_is_null(r) == cases[i].null_id, "case %zu id", i);
        if (r && !cases[i].null_id)
            RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(r, "id")->valueint, 3);
        cJSON_Delete(r);
    }
    /* Still serving afterwards. */
    cJSON *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"ping\"}");
    RV_CHECK(r && cJSON_IsObject(result_of(r)));
    RV_CHECK(r && strcmp(cJSON_GetObjectItemCaseSensitive(r, "id")->valuestring, "x") == 0);
    cJSON_Delete(r);
    rv_mcp_server_free(s);
}

RV_TEST(notifications_and_responses_get_no_reply) {
    rv_mcp_server *s = new_server();
    const char *silent[] = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"unknown/notification\",\"params\":[1,2]}",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":1,\"message\":\"x\"}}",
        "",
        "   \t",
    };
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
        cJSON *r = call(s, silent[i]);
        RV_CHECK_MSG(r == NULL, "case %zu answered", i);
        cJSON_Delete(r);
    }
    RV_CHECK_EQ_INT(s->initialized, 1);
    rv_mcp_server_free(s);
}

RV_TEST(initialize_negotiates_the_revision) {
    rv_mcp_server *s = new_server();
    const char *asks[] = {"2025-06-18", "2025-03-26", "2024-11-05", "2099-01-01"};
    const char *gets[] = {"2025-06-18", "2025-03-26", "2024-11-05", "2025-06-18"};
    for (int i = 0; i < 4; i++) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
                 "\"version\":\"1\"}}}",
                 asks[i]);
        cJSON *r = call(s, msg);
        const cJSON *res = result_of(r);
        RV_CHECK(res != NULL);
        if (!res) continue;
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(res, "protocolVersion")->valuestring,
                     gets[i]);
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(res, "serverInfo");
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(info, "name")->valuestring, "ripvec");
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(info, "version")->valuestring, "9.9.9");
        const cJSON *caps = cJSON_GetObjectItemCaseSensitive(res, "capabilities");
        RV_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(caps, "tools")));
        cJSON_Delete(r);

        /* Older revisions get tools without outputSchema. */
        r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        const cJSON *t0 =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result_of(r), "tools"), 0);
        int has_out = cJSON_GetObjectItemCaseSensitive(t0, "outputSchema") != NULL;
        RV_CHECK_EQ_INT(has_out, strcmp(gets[i], "2025-06-18") == 0);
        cJSON_Delete(r);
    }
    rv_mcp_server_free(s);
}

RV_TEST(tools_list_has_every_tool_with_schemas) {
    rv_mcp_server *s = new_server();
    cJSON *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}");
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(result_of(r), "tools");
    RV_CHECK_EQ_INT(cJSON_GetArraySize(tools), 5);
    const char *want[] = {"search_code", "find_similar", "get_repo_map", "reindex", "index_status"};
    for (int i = 0; i < 5; i++) {
        const cJSON *t = cJSON_GetArrayItem(tools, i);
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, want[i]);
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(t, "inputSchema");
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(in, "type")->valuestring, "object");
        RV_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "description")));
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(t, "outputSchema");
        RV_CHECK(out && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(out, "properties")));
    }
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tools, 0), "inputSchema"), "required");
    RV_CHECK_STR(cJSON_GetArrayItem(req, 0)->valuestring, "query");
    cJSON_Delete(r);
    rv_mcp_server_free(s);
}

static int id_int(const cJSON *reply) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply, "id");
    return cJSON_IsNumber(id) ? id->valueint : -1;
}

/* msg[0..len) is answered under id with error `code`, or with a result when
 * code is 0. */
static void expect_reply(rv_mcp_server *s, const char *msg, size_t len, int code, int id) {
    cJSON *r = call_n(s, msg, len);
    int ok = r && error_code(r) == code && id_int(r) == id && (code || result_of(r));
    RV_CHECK_MSG(ok, "%.160s -> code %d id %d", msg, r ? error_code(r) : 0, r ? id_int(r) : -9);
    cJSON_Delete(r);
}

RV_TEST(requests_before_initialize_are_refused) {
    rv_mcp_server *s = new_bare_server();
    const char *early[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"search_code\",\"arguments\":{\"query\":\"retry\"}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"reindex\"}}",
    };
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++)
        expect_reply(s, early[i], strlen(early[i]), RV_JSONRPC_NOT_INITIALIZED, 4);
    RV_CHECK_EQ_INT(g_stub.reindex_calls, 0); /* nothing ran */
    /* A notification does not stand in for initialize. */
    cJSON *r = call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    RV_CHECK(r == NULL);
    cJSON_Delete(r);
    expect_reply(s, early[0], strlen(early[0]), RV_JSONRPC_NOT_INITIALIZED, 4);
    /* ping is allowed before, and everything after, initialize. */
    const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}";
    expect_reply(s, ping, strlen(ping), 0, 5);
    expect_reply(s, g_init_msg, strlen(g_init_msg), 0, 1);
    expect_reply(s, early[0], strlen(early[0]), 0, 4);
    rv_mcp_server_free(s);
}

RV_TEST(json_strings_keep_nul_and_surrogates_honest) {
    rv_mcp_server *s = new_server();
    /* U+0000 would cut "src/net.py\0.txt" to "src/net.py": refused, with the id. */
    const char *nul[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"find_similar\",\"arguments\":{\"file_path\":\"src/net.py\\u0000.txt\",\"line\":1}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"search_code\",\"arguments\":{\"query\":\"retry\\u0000 backoff\"}}}",
    };
    for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++)
        expect_reply(s, nul[i], strlen(nul[i]), RV_JSONRPC_INVALID_PARAMS, 9);
    /* A raw NUL byte inside a string is refused the same way. */
    static const char raw[] = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
                              "\"params\":{\"name\":\"find_similar\",\"arguments\":{"
                              "\"file_path\":\"src/net.py\0x\",\"line\":1}}}";
    expect_reply(s, raw, sizeof raw - 1, RV_JSONRPC_INVALID_PARAMS, 9);
    /* An escaped backslash before "u0000" is no NUL: the search runs. */
    const char *esc = "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{"
                      "\"name\":\"search_code\",\"arguments\":{\"query\":\"retry \\\\u0000\"}}}";
    expect_reply(s, esc, strlen(esc), 0, 10);
    /* Lone surrogates read as U+FFFD: the request is served under its id. */
    const char *lone[] = {"\\ud800", "x\\udc00y", "\\ud800\\ud800\\udc00", "\\udbff"};
    for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{"
                 "\"name\":\"search_code\",\"arguments\":{\"query\":\"retry %s\"}}}",
                 lone[i]);
        expect_reply(s, msg, strlen(msg), 0, 11);
    }
    /* In the id itself too: the reply carries it with U+FFFD. */
    cJSON *r = call(s, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\udc00\",\"method\":\"ping\"}");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
    RV_CHECK(cJSON_IsString(id) && strcmp(id->valuestring, "a\xEF\xBF\xBD") == 0);
    cJSON_Delete(r);
    rv_mcp_server_free(s);
}

RV_TEST(json_scan_finds_only_what_is_inside_strings) {
    struct {
        const char *text;
        unsigned flags;
        const char *fixed;
    } cases[] = {
        {"{\"a\":\"b\"}", 0, NULL},
        {"{\"a\":\"\\u0000\"}", RV_JSON_NUL, NULL},
        {"{\"a\\u0000\":1}", RV_JSON_NUL, NULL},
        {"{\"a\":\"\\\\u0000\"}", 0, NULL},
        {"{\"a\":\"\\\"\\u0000\"}", RV_JSON_NUL, NULL},
        {"{\"a\":\"\\ud83d\\ude00\"}", 0, NULL},
        {"{\"a\":\"\\uD800x\"}", RV_JSON_LONE_SURROGATE, "{\"a\":\"\\uFFFDx\"}"},
        {"{\"a\":\"\\ude00\\ud83d\"}", RV_JSON_LONE_SURROGATE, "{\"a\":\"\\uFFFD\\uFFFD\"}"},
        {"{\"a\":\"\\ud83d\\u0041\"}", RV_JSON_LONE_SURROGATE, "{\"a\":\"\\uFFFD\\u0041\"}"},
        {"{\"a\":\"\\ud83", 0, NULL},
        {"\\u0000", 0, NULL}, /* outside any string: cJSON's parse error */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].text);
        char fixed[64];
        unsigned f = rv_json_scan_strings(cases[i].text, n, fixed);
        RV_CHECK_MSG(f == cases[i].flags, "case %zu: flags %u", i, f);
        if (cases[i].fixed)
            RV_CHECK_MSG(n == strlen(cases[i].fixed) && !memcmp(fixed, cases[i].fixed, n),
                         "case %zu: %.*s", i, (int)n, fixed);
    }
}

/* ---- tools ---------------------------------------------------------------- */

RV_TEST(search_code_returns_ranked_snippets) {
    rv_mcp_server *s = new_server();
    cJSON *keep = NULL;
    const cJSON *sc = tool(s, "search_code", "{\"query\":\"retry backoff\"}", &keep);
    RV_CHECK(sc != NULL);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(sc, "results");
    RV_CHECK(cJSON_GetArraySize(res) >= 3);
    const cJSON *first = cJSON_GetArrayItem(res, 0);
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "file_path")->valuestring, "src/retry.py");
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(first, "start_line")->valueint, 1);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(first, "end_line")->valueint, 2);
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "name")->valuestring,
                 "retry_with_backoff");
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "kind")->valuestring, "function");
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "language")->valuestring, "python");
    RV_CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(first, "similarity")));
    /* content[0].text carries the same JSON for older clients. */
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(result_of(keep), "content");
    const cJSON *block = cJSON_GetArrayItem(content, 0);
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(block, "type")->valuestring, "text");
    cJSON *again = cJSON_Parse(cJSON_GetObjectItemCaseSensitive(block, "text")->valuestring);
    RV_CHECK(again && cJSON_Compare(again, sc, 1));
    cJSON_Delete(again);
    RV_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(result_of(keep), "isError")));
    cJSON_Delete(keep);
    rv_mcp_server_free(s);
}

RV_TEST(search_code_pages_slice_one_ranking) {
    rv_mcp_server *s = new_server();
    cJSON *all_keep = NULL, *page_keep = NULL;
    const cJSON *all = tool(s, "search_code", "{\"query\":\"backoff\",\"top_k\":4}", &all_keep);
    const cJSON *page =
        tool(s, "search_code", "{\"query\":\"backoff\",\"top_k\":2,\"offset\":1}", &page_keep);
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(all, "results");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(page, "results");
    RV_CHECK_EQ_INT(cJSON_GetArraySize(ra), 4);
    RV_CHECK_EQ_INT(cJSON_GetArraySize(rp), 2);
    for (int i = 0; i < 2; i++) {
        const cJSON *a = cJSON_GetArrayItem(ra, i + 1), *p = cJSON_GetArrayItem(rp, i);
        RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(a, "file_path")->valuestring,
                     cJSON_GetObjectItemCaseSensitive(p, "file_path")->valuestring);
        RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(a, "start_line")->valueint,
                        cJSON_GetObjectItemCaseSensitive(p, "start_line")->valueint);
        RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(p, "rank")->valueint, i + 2);
    }
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(page, "has_more")));
    cJSON_Delete(all_keep);
    cJSON_Delete(page_keep);
    /* Past the end: an empty page, not an error. */
    const cJSON *empty =
        tool(s, "search_code", "{\"query\":\"backoff\",\"offset\":50}", &page_keep);
    RV_CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(empty, "results")), 0);
    RV_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(empty, "has_more")));
    cJSON_Delete(page_keep);
    rv_mcp_server_free(s);
}

RV_TEST(search_code_clips_snippets_to_valid_utf8) {
    rv_mcp_server *s = new_server();
    cJSON *keep = NULL;
    const cJSON *sc = tool(s, "search_code", "{\"query\":\"bytes\",\"max_chars\":25}", &keep);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sc, "results"), 0);
    const char *c = first ? cJSON_GetObjectItemCaseSensitive(first, "content")->valuestring : "";
    /* "# Usage\nRun it. Bad bytes: " is 25 characters. */
    RV_CHECK_STR(c, "# Usage\nRun it. Bad bytes");
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "truncated")));
    cJSON_Delete(keep);
    sc = tool(s, "search_code", "{\"query\":\"bytes\"}", &keep);
    first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sc, "results"), 0);
    c = first ? cJSON_GetObjectItemCaseSensitive(first, "content")->valuestring : "";
    RV_CHECK(strstr(c, "bytes: \xEF\xBF\xBD\xEF\xBF\xBD end") != NULL);
    cJSON_Delete(keep);
    rv_mcp_server_free(s);
}

RV_TEST(bad_tool_arguments_are_invalid_params) {
    rv_mcp_server *s = new_server();
    struct {
        const char *tool, *args;
    } bad[] = {
        {"search_code", "{}"},
        {"search_code", "{\"query\":\"\"}"},
        {"search_code", "{\"query\":5}"},
        {"search_code", "{\"query\":\"x\",\"top_k\":\"ten\"}"},
        {"search_code", "{\"query\":\"x\",\"top_k\":0}"},
        {"search_code", "{\"query\":\"x\",\"top_k\":1.5}"},
        {"search_code", "{\"query\":\"x\",\"top_k\":true}"},
        {"search_code", "{\"query\":\"x\",\"offset\":-1}"},
        {"search_code", "{\"query\":\"x\",\"mode\":\"fuzzy\"}"},
        {"search_code", "{\"query\":\"x\",\"max_chars\":0}"},
        {"search_code", "{\"query\":\"x\",\"topk\":3}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"../*\"}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"/etc/*\"}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"src/../../x\"}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"[[[[\"}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"src/*.[ch\"}"},
        {"search_code", "{\"query\":\"x\",\"path_glob\":\"src/x\\\\\"}"},
        {"search_code", "{\"query\":\"   \"}"},
        {"search_code", "{\"query\":\" \\t\\n\\r \"}"},
        {"find_similar", "{\"file_path\":\"src/net.py\"}"},
        {"find_similar", "{\"file_path\":\"src/net.py\",\"line\":0}"},
        {"find_similar", "{\"file_path\":\"src/net.py\",\"line\":\"2\"}"},
        {"find_similar", "{\"file_path\":\"../etc/passwd\",\"line\":1}"},
        {"find_similar", "{\"file_path\":\"/etc/passwd\",\"line\":1}"},
        {"find_similar", "{\"file_path\":\"outside_link/passwd\",\"line\":1}"},
        {"find_similar", "{\"file_path\":\"dangling\",\"line\":1}"},
        {"get_repo_map", "{\"max_tokens\":\"many\"}"},
        {"get_repo_map", "{\"focus_file\":\"../../etc/passwd\"}"},
        {"get_repo_map", "{\"focus_file\":\"outside_link\"}"},
        {"reindex", "{\"now\":true}"},
        {"index_status", "{\"x\":1}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int code = tool_error_code(s, bad[i].tool, bad[i].args);
        RV_CHECK_MSG(code == RV_JSONRPC_INVALID_PARAMS, "%s %s -> %d", bad[i].tool, bad[i].args,
                     code);
    }
    rv_mcp_server_free(s);
}

RV_TEST(find_similar_excludes_the_chunk_itself) {
    rv_mcp_server *s = new_server();
    cJSON *keep = NULL;
    const cJSON *sc =
        tool(s, "find_similar", "{\"file_path\":\"./src//net.py\",\"line\":2,\"top_k\":3}", &keep);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(sc, "results");
    RV_CHECK_EQ_INT(cJSON_GetArraySize(res), 3);
    const cJSON *h;
    cJSON_ArrayForEach(h, res) {
        int self =
            !strcmp(cJSON_GetObjectItemCaseSensitive(h, "file_path")->valuestring, "src/net.py") &&
            cJSON_GetObjectItemCaseSensitive(h, "start_line")->valueint == 1;
        RV_CHECK(!self);
    }
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(sc, "file_path")->valuestring, "src/net.py");
    cJSON_Delete(keep);
    /* Not indexed: a tool error the agent can read, not a protocol error. */
    tool(s, "find_similar", "{\"file_path\":\"src/none.py\",\"line\":1}", &keep);
    const cJSON *r = result_of(keep);
    RV_CHECK(r && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError")));
    RV_CHECK(r && !cJSON_GetObjectItemCaseSensitive(r, "structuredContent"));
    cJSON_Delete(keep);
    /* A symlink that stays inside the root is fine. */
    tool(s, "find_similar", "{\"file_path\":\"inside_link\",\"line\":1}", &keep);
    RV_CHECK(result_of(keep) != NULL);
    cJSON_Delete(keep);
    rv_mcp_server_free(s);
}

RV_TEST(repo_map_puts_the_focus_neighbourhood_first) {
    rv_mcp_server *s = new_server();
    cJSON *keep = NULL;
    const cJSON *sc = tool(s, "get_repo_map", "{\"focus_file\":\"src/retry.py\"}", &keep);
    const char *map = sc ? cJSON_GetObjectItemCaseSensitive(sc, "map")->valuestring : "";
    /* retry.py first; net.py uses retry_with_backoff, so it comes next. */
    RV_CHECK(strncmp(map, "src/retry.py\n  function retry_with_backoff (1-2)\n", 47) == 0);
    const char *net = strstr(map, "src/net.py\n");
    const char *lib = strstr(map, "lib/util.c\n");
    RV_CHECK(net && lib && net < lib);
    RV_CHECK(strstr(map, "  method Client.get (5-6)\n") != NULL);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "files_total")->valueint, 4);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "files_shown")->valueint, 4);
    RV_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sc, "truncated")));
    /* The text block is the map itself. */
    const cJSON *block =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result_of(keep), "content"), 0);
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(block, "text")->valuestring, map);
    cJSON_Delete(keep);

    /* Without a focus: net.py defines nothing others use, retry.py is used once. */
    sc = tool(s, "get_repo_map", "{}", &keep);
    map = sc ? cJSON_GetObjectItemCaseSensitive(sc, "map")->valuestring : "";
    RV_CHECK(strncmp(map, "src/retry.py\n", 13) == 0);
    cJSON_Delete(keep);

    /* A tight budget: whole files only, within max_tokens * 4 characters. */
    sc = tool(s, "get_repo_map", "{\"max_tokens\":20}", &keep);
    map = sc ? cJSON_GetObjectItemCaseSensitive(sc, "map")->valuestring : "x";
    RV_CHECK(strlen(map) <= 80);
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc, "truncated")));
    RV_CHECK(cJSON_GetObjectItemCaseSensitive(sc, "files_shown")->valueint < 4);
    cJSON_Delete(keep);

    /* A focus file that is not indexed is a tool error. */
    tool(s, "get_repo_map", "{\"focus_file\":\"src/none.py\"}", &keep);
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result_of(keep), "isError")));
    cJSON_Delete(keep);
    rv_mcp_server_free(s);
}

RV_TEST(reindex_and_status_report_counts) {
    rv_mcp_server *s = new_server();
    cJSON *keep = NULL;
    const cJSON *sc = tool(s, "index_status", "{}", &keep);
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc, "ready")));
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "files")->valueint, 4);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "chunks")->valueint, 6);
    RV_CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(sc, "last_update")));
    char *real = realpath(g_root, NULL);
    RV_CHECK_STR(cJSON_GetObjectItemCaseSensitive(sc, "root")->valuestring, real);
    free(real);
    cJSON_Delete(keep);
    sc = tool(s, "reindex", "{}", &keep);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "files")->valueint, 4);
    RV_CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(sc, "chunks")->valueint, 6);
    RV_CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sc, "seconds")));
    RV_CHECK_EQ_INT(g_stub.reindex_calls, 1);
    cJSON_Delete(keep);
    sc = tool(s, "index_status", "{}", &keep);
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(sc, "last_update");
    RV_CHECK(cJSON_IsString(when) && strlen(when->valuestring) == 20);
    cJSON_Delete(keep);
    rv_mcp_server_free(s);
}

/* ---- path confinement ----------------------------------------------------- */

RV_TEST(paths_are_confined_to_the_root) {
    char *real = realpath(g_root, NULL);
    char *out = NULL;
    RV_CHECK_EQ_INT(rv_mcp_confine_path(&out, real, "./src//retry.py"), RV_OK);
    RV_CHECK_STR(out, "src/retry.py");
    free(out);
    RV_CHECK_EQ_INT(rv_mcp_confine_path(&out, real, "new/dir/file.c"), RV_OK);
    RV_CHECK_STR(out, "new/dir/file.c");
    free(out);
    RV_CHECK_EQ_INT(rv_mcp_confine_path(&out, real, "inside_link"), RV_OK);
    free(out);
    const char *bad[] = {"",
                         "/etc/passwd",
                         "..",
                         "src/../../x",
                         "src/..",
                         "~/x",
                         "outside_link",
                         "outside_link/passwd",
                         "outside_link/none/deeper",
                         "dangling",
                         ".",
                         "a\\..\\b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = (char *)"sentinel";
        rv_status st = rv_mcp_confine_path(&out, real, bad[i]);
        RV_CHECK_MSG(st == RV_ERR_INVALID_ARG, "'%s' accepted", bad[i]);
        RV_CHECK(out == NULL);
    }
    RV_CHECK_EQ_INT(rv_mcp_confine_glob(&out, "src/**/*.py"), RV_OK);
    RV_CHECK_STR(out, "src/**/*.py");
    free(out);
    RV_CHECK_EQ_INT(rv_mcp_confine_glob(&out, "**/../x"), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(rv_mcp_confine_glob(&out, "src/[a-z]*.[ch]"), RV_OK);
    free(out);
    const char *bad_globs[] = {"[[[[", "src/*.[ch", "x\\", "[[:nope:]]"};
    for (size_t i = 0; i < sizeof bad_globs / sizeof bad_globs[0]; i++) {
        out = (char *)"sentinel";
        RV_CHECK_MSG(rv_mcp_confine_glob(&out, bad_globs[i]) == RV_ERR_INVALID_ARG,
                     "glob '%s' accepted", bad_globs[i]);
        RV_CHECK(out == NULL);
    }
    free(real);
}

/* ---- the bounded reader --------------------------------------------------- */

typedef struct mem_src {
    const char *data;
    size_t len, pos, step;
} mem_src;

static ssize_t mem_read(void *user, char *buf, size_t n) {
    mem_src *m = user;
    size_t k = m->len - m->pos;
    if (k > n) k = n;
    if (k > m->step) k = m->step;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

RV_TEST(reader_bounds_lines_and_recovers) {
    const char *input = "one\r\n"
                        "0123456789abcdefXYZ-too-long-for-sixteen\n"
                        "\n"
                        "sixteen-bytes-ok\n"
                        "seventeen-bytes!!\n"
                        "last-no-newline";
    for (size_t step = 1; step <= 64; step *= 4) {
        mem_src m = {input, strlen(input), 0, step};
        rv_line_reader r;
        rv_line_reader_init(&r, mem_read, &m, 16);
        const char *line;
        size_t len;
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OK);
        RV_CHECK(len == 3 && memcmp(line, "one", 3) == 0);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OVERSIZED);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OK);
        RV_CHECK_EQ_INT(len, 0);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OK);
        RV_CHECK(len == 16 && memcmp(line, "sixteen-bytes-ok", 16) == 0);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OVERSIZED);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OK);
        RV_CHECK(len == 15 && memcmp(line, "last-no-newline", 15) == 0);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_EOF);
        RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_EOF);
        RV_CHECK(r.cap <= 16 + 64 * 1024 + 1);
        rv_line_reader_free(&r);
    }
    /* An oversized last line without a newline. */
    mem_src m = {"01234567890123456789", 20, 0, 7};
    rv_line_reader r;
    rv_line_reader_init(&r, mem_read, &m, 16);
    const char *line;
    size_t len;
    RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_OVERSIZED);
    RV_CHECK_EQ_INT(rv_line_reader_next(&r, &line, &len), RV_LINE_EOF);
    rv_line_reader_free(&r);
}

/* The stdio loop over files: an oversized message is refused, the rest served. */
RV_TEST(serve_fd_answers_each_request_in_order) {
    char in_path[] = "/tmp/rv-mcp-in-XXXXXX", out_path[] = "/tmp/rv-mcp-out-XXXXXX";
    int in = mkstemp(in_path), out = mkstemp(out_path);
    RV_CHECK(in >= 0 && out >= 0);
    const char *first = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
    RV_CHECK(write(in, first, strlen(first)) == (ssize_t)strlen(first));
    /* A 5 MiB line: a JSON string that would be valid if it were allowed. */
    const char *head = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":{\"pad\":\"";
    RV_CHECK(write(in, head, strlen(head)) == (ssize_t)strlen(head));
    size_t big = 5u << 20;
    char *pad = malloc(big);
    memset(pad, 'a', big);
    RV_CHECK(write(in, pad, big) == (ssize_t)big);
    free(pad);
    const char *rest = "\"}}\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                       "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}";
    RV_CHECK(write(in, rest, strlen(rest)) == (ssize_t)strlen(rest));
    lseek(in, 0, SEEK_SET);
    rv_mcp_server *s = new_server();
    RV_CHECK_EQ_INT(rv_mcp_serve_fd(s, in, out), RV_OK);
    rv_mcp_server_free(s);
    char *text = NULL;
    size_t n = 0;
    FILE *f = fopen(out_path, "r");
    RV_CHECK(f != NULL);
    char buf[65536];
    int lines = 0;
    int ids[3] = {0, 0, 0}, codes[3] = {0, 0, 0};
    while (f && fgets(buf, sizeof buf, f) && lines < 3) {
        cJSON *j = cJSON_Parse(buf);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        ids[lines] = cJSON_IsNumber(id) ? id->valueint : -1;
        codes[lines] = error_code(j);
        cJSON_Delete(j);
        lines++;
    }
    RV_CHECK(f && fgets(buf, sizeof buf, f) == NULL); /* exactly three replies */
    if (f) fclose(f);
    RV_CHECK_EQ_INT(lines, 3);
    RV_CHECK_EQ_INT(ids[0], 1);
    RV_CHECK_EQ_INT(codes[0], 0);
    RV_CHECK_EQ_INT(ids[1], -1); /* null: the oversized message's id is unknown */
    RV_CHECK_EQ_INT(codes[1], RV_JSONRPC_INVALID_REQUEST);
    RV_CHECK_EQ_INT(ids[2], 3);
    RV_CHECK_EQ_INT(codes[2], 0);
    (void)text;
    (void)n;
    close(in);
    close(out);
    unlink(in_path);
    unlink(out_path);
}

RV_TEST(watch_reports_changes_and_follows_new_directories) {
    char dir[] = "/tmp/rv-mcp-watch-XXXXXX";
    RV_CHECK(mkdtemp(dir) != NULL);
    rv_mcp_watch *w = NULL;
    RV_CHECK_EQ_INT(rv_mcp_watch_create(&w, dir), RV_OK);
    if (!w) return;
    char p[256], q[256];
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 0);
    snprintf(p, sizeof p, "%s/a.txt", dir);
    FILE *f = fopen(p, "w");
    if (f) fclose(f);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 1);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 0); /* drained */
    snprintf(q, sizeof q, "%s/sub", dir);
    RV_CHECK(mkdir(q, 0755) == 0);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 1);
    char r[300];
    snprintf(r, sizeof r, "%s/b.txt", q);
    f = fopen(r, "w"); /* inside the new directory: seen too */
    if (f) fclose(f);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 1);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 0);
    unlink(r);
    rmdir(q);
    unlink(p);
    RV_CHECK_EQ_INT(rv_mcp_watch_changed(w), 1);
    rv_mcp_watch_free(w);
    rmdir(dir);
    /* A file root cannot be watched: the caller walks instead. */
    RV_CHECK_EQ_INT(rv_mcp_watch_create(&w, "/etc/hostname"), RV_ERR_UNSUPPORTED);
    RV_CHECK(w == NULL);
}

int main(void) {
    make_fixture();
    RV_RUN(malformed_messages_get_jsonrpc_errors);
    RV_RUN(notifications_and_responses_get_no_reply);
    RV_RUN(initialize_negotiates_the_revision);
    RV_RUN(tools_list_has_every_tool_with_schemas);
    RV_RUN(requests_before_initialize_are_refused);
    RV_RUN(json_strings_keep_nul_and_surrogates_honest);
    RV_RUN(json_scan_finds_only_what_is_inside_strings);
    RV_RUN(search_code_returns_ranked_snippets);
    RV_RUN(search_code_pages_slice_one_ranking);
    RV_RUN(search_code_clips_snippets_to_valid_utf8);
    RV_RUN(bad_tool_arguments_are_invalid_params);
    RV_RUN(find_similar_excludes_the_chunk_itself);
    RV_RUN(repo_map_puts_the_focus_neighbourhood_first);
    RV_RUN(reindex_and_status_report_counts);
    RV_RUN(paths_are_confined_to_the_root);
    RV_RUN(reader_bounds_lines_and_recovers);
    RV_RUN(serve_fd_answers_each_request_in_order);
    RV_RUN(watch_reports_changes_and_follows_new_directories);
    remove_fixture();
    return rv_test_summary();
}
