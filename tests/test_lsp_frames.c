/* `$RIPVEC_BIN lsp` over pipes, fed raw and malformed LSP frames: bad or
 * missing Content-Length, huge headers, oversized and truncated bodies,
 * invalid UTF-8 and JSON, unknown methods, params of the wrong type, paths
 * outside the workspace. Every one gets the error the spec names, the
 * server keeps serving, and shutdown/exit end it with the right status. */
#include "golden.h"
#include "pipes.h"
#include "rvtest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char g_tmp[64];
static rv_child g_c = {-1, -1, -1};
static char g_buf[1 << 20];
static size_t g_len;

static int start_server(void) {
    const char *bin = getenv("RIPVEC_BIN");
    char *model = rv_test_model_dir(), probe[4200];
    snprintf(probe, sizeof probe, "%s/config.json", model);
    RV_CHECK_MSG(bin && *bin, "RIPVEC_BIN is not set");
    RV_CHECK_MSG(access(probe, R_OK) == 0, "model missing at %s (run `make model`)", model);
    int ok = 0;
    if (bin && *bin && access(probe, R_OK) == 0) {
        char cache[128], log[128];
        snprintf(cache, sizeof cache, "%s/cache", g_tmp);
        snprintf(log, sizeof log, "%s/stderr.log", g_tmp);
        g_len = 0;
        char *argv[] = {(char *)bin,   "lsp", "--stdio",   "--model", model,
                        "--cache-dir", cache, "--threads", "2",       NULL};
        ok = rv_child_start(&g_c, argv, log);
    }
    free(model);
    return ok;
}

static int send_all(const char *p, size_t n) {
    return rv_child_write(&g_c, p, n);
}

/* One well-framed message. */
static int send_frame(const char *body) {
    char head[64];
    int n = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", strlen(body));
    return send_all(head, (size_t)n) && send_all(body, strlen(body));
}

/* The next frame from the server, parsed; NULL on timeout or EOF. Every
 * frame must have a Content-Length header and a JSON body. */
static cJSON *recv_frame(int timeout_s) {
    time_t t0 = time(NULL);
    for (;;) {
        char *he = memmem(g_buf, g_len, "\r\n\r\n", 4);
        if (he) {
            long cl = -1;
            RV_CHECK_MSG(sscanf(g_buf, "Content-Length: %ld", &cl) == 1 && cl >= 0,
                         "stdout frame without Content-Length: %.80s", g_buf);
            size_t hs = (size_t)(he - g_buf) + 4;
            if (cl >= 0 && g_len >= hs + (size_t)cl) {
                cJSON *j = cJSON_ParseWithLength(g_buf + hs, (size_t)cl);
                RV_CHECK_MSG(j != NULL, "frame body is not JSON: %.200s", g_buf + hs);
                memmove(g_buf, g_buf + hs + cl, g_len - hs - (size_t)cl);
                g_len -= hs + (size_t)cl;
                return j;
            }
            if (cl < 0) return NULL;
        }
        if (g_len == sizeof g_buf) return NULL;
        if (time(NULL) - t0 > timeout_s) return NULL;
        struct pollfd pfd = {g_c.from, POLLIN, 0};
        if (poll(&pfd, 1, 500) <= 0) continue;
        ssize_t got = read(g_c.from, g_buf + g_len, sizeof g_buf - g_len);
        if (got <= 0) return NULL;
        g_len += (size_t)got;
    }
}

/* The next response (skipping the server's own requests and notifications). */
static cJSON *recv_response(int timeout_s) {
    for (;;) {
        cJSON *j = recv_frame(timeout_s);
        if (!j || !cJSON_HasObjectItem(j, "method")) return j;
        cJSON_Delete(j);
    }
}

static void expect_reply(const char *what, int code, int id) {
    cJSON *r = recv_response(60);
    RV_CHECK_MSG(r && rv_rpc_code(r) == code && rv_rpc_id(r) == id, "%s -> code %d id %d", what,
                 r ? rv_rpc_code(r) : 0, r ? rv_rpc_id(r) : -9);
    cJSON_Delete(r);
}

static void expect_error(const char *body, int code, int id) {
    RV_CHECK(send_frame(body));
    expect_reply(body, code, id);
}

/* A workspace/symbol with this id answers next, with a result. */
static cJSON *symbols(int id, const char *query) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"workspace/symbol\",\"params\":"
             "{\"query\":\"%s\"}}",
             id, query);
    RV_CHECK(send_frame(msg));
    cJSON *r = recv_response(120);
    RV_CHECK_MSG(r && rv_rpc_id(r) == id &&
                     cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "result")),
                 "workspace/symbol %d not answered next (got id %d code %d)", id,
                 r ? rv_rpc_id(r) : -9, r ? rv_rpc_code(r) : 0);
    return r;
}

static void expect_serving(int id) {
    cJSON_Delete(symbols(id, "x"));
}

static void initialize(void) {
    char msg[512];
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"processId\":"
             "null,\"rootUri\":null,\"capabilities\":{},\"workspaceFolders\":[{\"uri\":"
             "\"file://%s/repo\",\"name\":\"repo\"}]}}",
             g_tmp);
    RV_CHECK(send_frame(msg));
    cJSON *r = recv_response(120);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r, "result"), "capabilities");
    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(caps, "positionEncoding");
    RV_CHECK(cJSON_IsString(enc) && strcmp(enc->valuestring, "utf-16") == 0);
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(caps, "workspaceSymbolProvider")));
    cJSON_Delete(r);
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}"));
}

RV_TEST(malformed_frames_are_answered_and_serving_goes_on) {
    if (!start_server()) return;
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"workspace/symbol\",\"params\":"
                 "{\"query\":\"x\"}}",
                 -32002, 2); /* before initialize */
    initialize();
    cJSON *r = symbols(3, "retry_with_backoff");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "result"), 0);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(first, "name");
    RV_CHECK_MSG(cJSON_IsString(name) && strcmp(name->valuestring, "retry_with_backoff") == 0,
                 "first symbol %s", cJSON_IsString(name) ? name->valuestring : "(none)");
    cJSON_Delete(r);

    /* Content-Length not a number, missing, negative, twice with two values. */
    const char *bad_headers[] = {
        "Content-Length: abc\r\n\r\n{}",
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
        "Content-Length: -5\r\n\r\n{}",
        "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    };
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        RV_CHECK(send_all(bad_headers[i], strlen(bad_headers[i])));
        expect_reply(bad_headers[i], -32700, -1);
        expect_serving(10 + (int)i);
    }
    /* A header block over 8 KiB. */
    size_t hn = 20000;
    char *huge = malloc(hn + 4);
    memcpy(huge, "X-Pad: ", 7);
    memset(huge + 7, 'a', hn - 7);
    memcpy(huge + hn, "\r\n\r\n", 4);
    RV_CHECK(send_all(huge, hn + 4));
    free(huge);
    expect_reply("huge header", -32700, -1);
    expect_serving(20);
    /* A body over 16 MiB: refused, skipped as it streams. */
    size_t big = (17u << 20);
    char *pad = malloc(big);
    memset(pad, ' ', big);
    char head[64];
    int n = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", big);
    RV_CHECK(send_all(head, (size_t)n) && send_all(pad, big));
    free(pad);
    expect_reply("oversized body", -32700, -1);
    expect_serving(21);
    /* Bodies that are not UTF-8 JSON objects. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"workspace/symbol\",\"params\":"
                 "{\"query\":\"\xff\xfe\"}}",
                 -32700, -1);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":", -32700, -1);
    expect_error("[{\"jsonrpc\":\"2.0\",\"id\":32,\"method\":\"shutdown\"}]", -32600, -1);
    expect_error("42", -32600, -1);
    expect_error("{\"id\":33,\"method\":\"workspace/symbol\",\"params\":{}}", -32600, 33);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":34,\"method\":\"no/such/method\"}", -32601, 34);
    /* Params of the wrong type. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":40,\"method\":\"workspace/symbol\",\"params\":"
                 "{\"query\":5}}",
                 -32602, 40);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"workspace/symbol\",\"params\":\"x\"}",
                 -32602, 41);
    char msg[512];
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"textDocument/definition\",\"params\":{"
             "\"textDocument\":{\"uri\":\"file://%s/repo/retry.py\"},\"position\":{\"line\":\"3\","
             "\"character\":0}}}",
             g_tmp);
    expect_error(msg, -32602, 42);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":43,\"method\":\"ripvec/search\",\"params\":"
                 "{\"query\":\"x\",\"top_k\":\"ten\"}}",
                 -32602, 43);
    /* Paths outside the workspace folders, and URIs that are no files. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"textDocument/hover\",\"params\":{"
                 "\"textDocument\":{\"uri\":\"file:///etc/passwd\"},\"position\":{\"line\":0,"
                 "\"character\":0}}}",
                 -32602, 50);
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"textDocument/documentSymbol\","
             "\"params\":{\"textDocument\":{\"uri\":\"file://%s/repo/escape/passwd\"}}}",
             g_tmp);
    expect_error(msg, -32602, 51);
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":52,\"method\":\"textDocument/documentSymbol\","
             "\"params\":{\"textDocument\":{\"uri\":\"file://%s/repo/../x.py\"}}}",
             g_tmp);
    expect_error(msg, -32602, 52);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":53,\"method\":\"textDocument/documentSymbol\","
                 "\"params\":{\"textDocument\":{\"uri\":\"http://example.com/a.py\"}}}",
                 -32602, 53);
    /* Notifications get no reply, known or not, well-formed or not. */
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"no/such/notification\"}"));
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":7}"));
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{}}"));
    expect_serving(60);
    /* A queued request that is cancelled is answered RequestCancelled. */
    const char *q = "{\"jsonrpc\":\"2.0\",\"id\":70,\"method\":\"ripvec/search\",\"params\":"
                    "{\"query\":\"retry with exponential backoff\",\"mode\":\"semantic\"}}";
    const char *q2 = "{\"jsonrpc\":\"2.0\",\"id\":71,\"method\":\"ripvec/search\",\"params\":"
                     "{\"query\":\"doubling sleep between attempts\",\"mode\":\"semantic\"}}";
    const char *c2 = "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":71}}";
    char burst[1024];
    int bn = snprintf(burst, sizeof burst,
                      "Content-Length: %zu\r\n\r\n%sContent-Length: %zu\r\n\r\n%s"
                      "Content-Length: %zu\r\n\r\n%s",
                      strlen(q), q, strlen(q2), q2, strlen(c2), c2);
    RV_CHECK(send_all(burst, (size_t)bn));
    expect_reply("search 70", 0, 70);
    expect_reply("cancelled 71", -32800, 71);
    /* shutdown, then requests are refused, then exit: status 0. */
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"id\":80,\"method\":\"shutdown\"}"));
    r = recv_response(60);
    RV_CHECK(r && rv_rpc_id(r) == 80 &&
             cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "result")));
    cJSON_Delete(r);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":81,\"method\":\"workspace/symbol\",\"params\":"
                 "{\"query\":\"x\"}}",
                 -32600, 81);
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"));
    RV_CHECK_EQ_INT(rv_child_wait(&g_c, 60), 0);
}

RV_TEST(truncated_frame_then_eof_without_shutdown_exits_1) {
    if (!start_server()) return;
    const char *t = "Content-Length: 100\r\n\r\n{\"jsonrpc\":\"2.0\"";
    RV_CHECK(send_all(t, strlen(t)));
    rv_child_close_input(&g_c);
    expect_reply("truncated", -32700, -1);
    RV_CHECK_EQ_INT(rv_child_wait(&g_c, 60), 1);
}

RV_TEST(exit_without_shutdown_exits_1) {
    if (!start_server()) return;
    initialize();
    RV_CHECK(send_frame("{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"));
    RV_CHECK_EQ_INT(rv_child_wait(&g_c, 60), 1);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    strcpy(g_tmp, "/tmp/rv-lsp-frames-XXXXXX");
    if (!mkdtemp(g_tmp)) return 1;
    char p[256];
    snprintf(p, sizeof p, "%s/repo", g_tmp);
    mkdir(p, 0755);
    rv_test_write_file(
        g_tmp, "repo/retry.py",
        "import time\n\n\ndef retry_with_backoff(fn, attempts=5):\n"
        "    \"\"\"Retry fn, doubling the sleep after each failure.\"\"\"\n"
        "    delay = 0.5\n    for _ in range(attempts):\n        try:\n"
        "            return fn()\n        except IOError:\n            time.sleep(delay)\n"
        "            delay *= 2\n    raise RuntimeError('gave up')\n");
    rv_test_write_file(g_tmp, "x.py", "def outside():\n    pass\n");
    snprintf(p, sizeof p, "%s/repo/escape", g_tmp);
    if (symlink("/etc", p) != 0) return 1;

    RV_RUN(malformed_frames_are_answered_and_serving_goes_on);
    RV_RUN(truncated_frame_then_eof_without_shutdown_exits_1);
    RV_RUN(exit_without_shutdown_exits_1);

    rv_child_wait(&g_c, 0);
    rv_test_tmp_done(g_tmp, rvt_failed);
    return rv_test_summary();
}
