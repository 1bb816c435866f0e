/* `$RIPVEC_BIN mcp <fixture>` over pipes, fed raw and malformed JSON-RPC:
 * every bad message gets the right error (or no reply, for notifications),
 * the server keeps serving, stdout carries only JSON lines, EOF exits 0.
 * It starts with --no-warm, so index_status is seen before the index is. */
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
static char g_buf[1 << 16];
static size_t g_len;

static int start_server(void) {
    const char *bin = getenv("RIPVEC_BIN");
    char *model = rv_test_model_dir(), probe[4200];
    snprintf(probe, sizeof probe, "%s/config.json", model);
    RV_CHECK_MSG(bin && *bin, "RIPVEC_BIN is not set");
    RV_CHECK_MSG(access(probe, R_OK) == 0, "model missing at %s (run `make model`)", model);
    int ok = 0;
    if (bin && *bin && access(probe, R_OK) == 0) {
        char repo[128], cache[128], log[128];
        snprintf(repo, sizeof repo, "%s/repo", g_tmp);
        snprintf(cache, sizeof cache, "%s/cache", g_tmp);
        snprintf(log, sizeof log, "%s/stderr.log", g_tmp);
        char *argv[] = {(char *)bin, "mcp",       "--model", model,       "--cache-dir",
                        cache,       "--threads", "2",       "--no-warm", repo,
                        NULL};
        ok = rv_child_start(&g_c, argv, log);
    }
    free(model);
    return ok;
}

static int send_all(const char *p, size_t n) {
    return rv_child_write(&g_c, p, n);
}

static int send_line(const char *msg) {
    return send_all(msg, strlen(msg)) && send_all("\n", 1);
}

/* The next reply line, parsed; NULL on timeout or EOF. Every line on stdout
 * must be JSON: anything else fails the check here. */
static cJSON *recv_reply(int timeout_s) {
    time_t t0 = time(NULL);
    for (;;) {
        char *nl = memchr(g_buf, '\n', g_len);
        if (nl) {
            *nl = '\0';
            cJSON *j = cJSON_Parse(g_buf);
            RV_CHECK_MSG(j != NULL, "stdout line is not JSON: %.200s", g_buf);
            size_t used = (size_t)(nl - g_buf) + 1;
            memmove(g_buf, nl + 1, g_len - used);
            g_len -= used;
            return j;
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

/* Sends msg and checks the reply's error code and id (-1: null). */
static void expect_error(const char *msg, int code, int id) {
    RV_CHECK(send_line(msg));
    cJSON *r = recv_reply(60);
    RV_CHECK_MSG(r && rv_rpc_code(r) == code && rv_rpc_id(r) == id, "%.120s -> code %d id %d", msg,
                 r ? rv_rpc_code(r) : 0, r ? rv_rpc_id(r) : -9);
    cJSON_Delete(r);
}

/* index_status's structuredContent (reply kept in *keep). */
static const cJSON *index_status(int id, cJSON **keep) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
             "\"name\":\"index_status\",\"arguments\":{}}}",
             id);
    RV_CHECK(send_line(msg));
    *keep = recv_reply(60);
    RV_CHECK_MSG(*keep && rv_rpc_id(*keep) == id, "index_status %d not answered", id);
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*keep, "result"),
                                            "structuredContent");
}

/* A ping with this id answers next: nothing was sent for what came before. */
static void expect_ping_next(int id) {
    char msg[96];
    snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", id);
    RV_CHECK(send_line(msg));
    cJSON *r = recv_reply(60);
    RV_CHECK_MSG(r && rv_rpc_id(r) == id && cJSON_GetObjectItemCaseSensitive(r, "result"),
                 "ping %d not answered next (got id %d)", id, r ? rv_rpc_id(r) : -9);
    cJSON_Delete(r);
}

RV_TEST(malformed_input_is_answered_and_serving_goes_on) {
    if (!start_server()) return;
    /* Nothing but ping before initialize. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"tools/list\"}", -32002, 100);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":101,\"method\":\"tools/call\",\"params\":{"
                 "\"name\":\"index_status\",\"arguments\":{}}}",
                 -32002, 101);
    expect_ping_next(102);
    /* initialize */
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"
                       "{\"name\":\"raw\",\"version\":\"0\"}}}"));
    cJSON *r = recv_reply(120);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "result");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(res, "protocolVersion");
    RV_CHECK(cJSON_IsString(pv) && strcmp(pv->valuestring, "2025-06-18") == 0);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(res, "serverInfo"), "name");
    RV_CHECK(cJSON_IsString(name) && strcmp(name->valuestring, "ripvec") == 0);
    cJSON_Delete(r);
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
    expect_ping_next(2);

    /* Before anything is loaded, index_status names the model as it will
     * when ready (the id). */
    cJSON *early = NULL;
    const cJSON *st0 = index_status(23, &early);
    const cJSON *mid0 = cJSON_GetObjectItemCaseSensitive(st0, "model");
    RV_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(st0, "ready")));
    RV_CHECK_MSG(cJSON_IsString(mid0) && strncmp(mid0->valuestring, "all-minilm-l6-v2-", 17) == 0,
                 "model before ready: %s", cJSON_IsString(mid0) ? mid0->valuestring : "(none)");

    expect_error("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":", -32700, -1);
    expect_error("not json at all", -32700, -1);
    expect_error("\"a string\"", -32600, -1);
    expect_error("17", -32600, -1);
    expect_error("null", -32600, -1);
    expect_error("[{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"},"
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}]",
                 -32600, -1);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":6}", -32600, 6);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":[\"ping\"]}", -32600, 7);
    expect_error("{\"id\":8,\"method\":\"ping\"}", -32600, 8);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/list\"}", -32601, 9);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"search_code\",\"arguments\":{\"query\":\"x\",\"top_k\":\"ten\"}}}",
                 -32602, 10);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"search_code\",\"arguments\":{\"query\":42}}}",
                 -32602, 11);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":\"x\"}",
                 -32602, 12);
    /* Path traversal in every path argument. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"find_similar\",\"arguments\":{\"file_path\":\"../../etc/passwd\",\"line\":1}}}",
                 -32602, 13);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"find_similar\",\"arguments\":{\"file_path\":\"/etc/passwd\",\"line\":1}}}",
                 -32602, 14);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"find_similar\",\"arguments\":{\"file_path\":\"escape/passwd\",\"line\":1}}}",
                 -32602, 15);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"get_repo_map\",\"arguments\":{\"focus_file\":\"src/../../x\"}}}",
                 -32602, 16);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":17,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"search_code\",\"arguments\":{\"query\":\"x\",\"path_glob\":\"../**\"}}}",
                 -32602, 17);
    /* A malformed glob, a blank query, a NUL in a path: refused, not searched. */
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":24,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"search_code\",\"arguments\":{\"query\":\"x\",\"path_glob\":\"[[[[\"}}}",
                 -32602, 24);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":25,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"search_code\",\"arguments\":{\"query\":\" \\t \"}}}",
                 -32602, 25);
    expect_error("{\"jsonrpc\":\"2.0\",\"id\":26,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"find_similar\",\"arguments\":{\"file_path\":\"retry.py\\u0000.txt\","
                 "\"line\":1}}}",
                 -32602, 26);
    /* A lone surrogate escape: read as U+FFFD, answered under its id. */
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"id\":27,\"method\":\"ping\",\"params\":{"
                       "\"x\":\"\\ud800\"}}"));
    r = recv_reply(60);
    RV_CHECK_MSG(r && rv_rpc_id(r) == 27 && cJSON_GetObjectItemCaseSensitive(r, "result"),
                 "lone surrogate -> id %d code %d", r ? rv_rpc_id(r) : -9, r ? rv_rpc_code(r) : 0);
    cJSON_Delete(r);

    /* Over 4 MiB: refused with id null, the rest of the line skipped. */
    size_t big = (4u << 20) + 4096;
    char *pad = malloc(big);
    memset(pad, ' ', big);
    const char *head = "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"ping\",\"params\":{\"p\":\"";
    memcpy(pad, head, strlen(head));
    memcpy(pad + big - 3, "\"}}", 3);
    RV_CHECK(send_all(pad, big) && send_all("\n", 1));
    free(pad);
    r = recv_reply(60);
    RV_CHECK_MSG(r && rv_rpc_code(r) == -32600 && rv_rpc_id(r) == -1, "oversized -> %d",
                 r ? rv_rpc_code(r) : 0);
    cJSON_Delete(r);

    /* Notifications get no reply, known or not, well-formed or not. */
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                       "{\"requestId\":3,\"reason\":\"x\"}}"));
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"method\":\"no/such/notification\"}"));
    RV_CHECK(send_line(""));
    expect_ping_next(19);

    /* A valid call still works, with fresh results. */
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"search_code\",\"arguments\":{\"query\":\"exponential backoff "
                       "retry\",\"top_k\":3}}}"));
    r = recv_reply(300);
    res = cJSON_GetObjectItemCaseSensitive(r, "result");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(res, "structuredContent");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sc, "results"), 0);
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(first, "file_path");
    RV_CHECK_MSG(rv_rpc_id(r) == 20 && cJSON_IsString(fp) &&
                     strcmp(fp->valuestring, "retry.py") == 0,
                 "search_code top hit: %s", cJSON_IsString(fp) ? fp->valuestring : "(none)");
    RV_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(res, "isError")));
    cJSON_Delete(r);

    /* index_status names the index file (under --cache-dir) and the same
     * model id as before it was ready. */
    sc = index_status(22, &r);
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(sc, "index_path");
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(sc, "model");
    RV_CHECK_MSG(rv_rpc_id(r) == 22 && cJSON_IsString(ip) && strstr(ip->valuestring, "/cache/") &&
                     strncmp(ip->valuestring, g_tmp, strlen(g_tmp)) == 0,
                 "index_path %s", cJSON_IsString(ip) ? ip->valuestring : "(none)");
    RV_CHECK_MSG(cJSON_IsString(ip) && strstr(ip->valuestring, ".sqlite") != NULL, "index_path %s",
                 cJSON_IsString(ip) ? ip->valuestring : "(none)");
    RV_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc, "ready")));
    RV_CHECK_MSG(cJSON_IsString(mid) && cJSON_IsString(mid0) &&
                     strcmp(mid->valuestring, mid0->valuestring) == 0,
                 "model %s, before ready %s", cJSON_IsString(mid) ? mid->valuestring : "(none)",
                 cJSON_IsString(mid0) ? mid0->valuestring : "(none)");
    cJSON_Delete(r);
    cJSON_Delete(early);

    /* An older client's revision is accepted. */
    RV_CHECK(send_line("{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2024-11-05\",\"capabilities\":{},\"clientInfo\":"
                       "{\"name\":\"old\",\"version\":\"0\"}}}"));
    r = recv_reply(60);
    pv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "result"),
                                          "protocolVersion");
    RV_CHECK(cJSON_IsString(pv) && strcmp(pv->valuestring, "2024-11-05") == 0);
    cJSON_Delete(r);

    /* EOF on stdin: a clean exit 0, with nothing more on stdout. */
    rv_child_close_input(&g_c);
    r = recv_reply(60);
    RV_CHECK_MSG(r == NULL, "unexpected output after EOF");
    cJSON_Delete(r);
    int status = rv_child_wait(&g_c, 60);
    RV_CHECK_MSG(status == 0, "exit status %d", status);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    strcpy(g_tmp, "/tmp/rv-mcp-raw-XXXXXX");
    if (!mkdtemp(g_tmp)) return 1;
    char p[256];
    snprintf(p, sizeof p, "%s/repo", g_tmp);
    mkdir(p, 0755);
    rv_test_write_file(
        g_tmp, "repo/retry.py",
        "import time\n\n\ndef retry_with_exponential_backoff(fn, attempts=5):\n"
        "    \"\"\"Retry fn, doubling the sleep after each failure.\"\"\"\n"
        "    delay = 0.5\n    for _ in range(attempts):\n        try:\n"
        "            return fn()\n        except IOError:\n            time.sleep(delay)\n"
        "            delay *= 2\n    raise RuntimeError('gave up')\n");
    rv_test_write_file(g_tmp, "repo/shapes.py",
                       "class Circle:\n    def area(self, r):\n"
                       "        return 3.14159 * r * r\n");
    snprintf(p, sizeof p, "%s/repo/escape", g_tmp);
    if (symlink("/etc", p) != 0) return 1;

    RV_RUN(malformed_input_is_answered_and_serving_goes_on);

    rv_child_wait(&g_c, 0);
    rv_test_tmp_done(g_tmp, rvt_failed);
    return rv_test_summary();
}
