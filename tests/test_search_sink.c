/* Result rendering: JSON Lines keys and escaping, plain layout, colors,
 * files-with-matches. */
#include "ripvec/sink.h"
#include "rvtest.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static rv_chunk mk(const char *path, int s, int e, const char *name, const char *content) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.start_line = s;
    c.end_line = e;
    c.name = (char *)name;
    c.scope = (char *)"";
    c.kind = (char *)"function";
    c.language = "python";
    c.content = (char *)content;
    return c;
}

/* Renders into a malloc'd string (caller frees). */
static char *render(const rv_result_list *l, const rv_sink_opts *o) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    RV_CHECK_EQ_INT(rv_sink_write(f, l, o), RV_OK);
    fclose(f);
    return buf;
}

RV_TEST(json_lines_have_exact_keys) {
    rv_chunk c[2];
    c[0] = mk("src/a.py", 3, 5, "f", "def f():\n    return \"x\"\\\n");
    c[1] = mk("b.py", 1, 1, "", "x = 1");
    rv_result items[2] = {{&c[0], 0.75, 1, NULL, NULL}, {&c[1], 0.5, 2, NULL, NULL}};
    rv_result_list l = {.items = items, .count = 2};
    rv_sink_opts o = rv_sink_default_opts();
    o.format = RV_SINK_JSON;
    o.color = 1; /* ignored for JSON */
    char *out = render(&l, &o);
    RV_CHECK(strchr(out, '\x1b') == NULL);
    char *nl = strchr(out, '\n');
    RV_CHECK(nl != NULL);
    cJSON *j = cJSON_ParseWithLength(out, (size_t)(nl - out));
    RV_CHECK(j != NULL);
    if (j) {
        RV_CHECK_EQ_INT(cJSON_GetArraySize(j), 8);
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "file_path")), "src/a.py");
        RV_CHECK_EQ_INT(cJSON_GetObjectItem(j, "start_line")->valueint, 3);
        RV_CHECK_EQ_INT(cJSON_GetObjectItem(j, "end_line")->valueint, 5);
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "name")), "f");
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "kind")), "function");
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "language")), "python");
        RV_CHECK_NEAR(cJSON_GetObjectItem(j, "similarity")->valuedouble, 0.75, 1e-6);
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "content")), c[0].content);
    }
    cJSON_Delete(j);
    j = cJSON_Parse(nl + 1);
    RV_CHECK(j && cJSON_GetArraySize(j) == 8);
    cJSON_Delete(j);
    free(out);
}

RV_TEST(json_escapes_controls_and_bad_utf8) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    rv_sink_json_string(f, "a\x01\tb\xff\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\x1b[0m");
    fclose(f);
    /* \u0001, \t, U+FFFD for 0xFF, é, €, 😀 kept, a surrogate (3 bad bytes) replaced */
    RV_CHECK_STR(buf, "\"a\\u0001\\tb\xEF\xBF\xBD\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\u001b[0m\"");
    cJSON *j = cJSON_Parse(buf);
    RV_CHECK(j != NULL && cJSON_IsString(j));
    cJSON_Delete(j);
    free(buf);
}

RV_TEST(plain_layout_and_color) {
    rv_chunk c[1];
    c[0] =
        mk("src/a.py", 9, 12, "parse", "def parse(x):\n    y = x\n    z = \x1b[2J\n    return z\n");
    rv_result items[1] = {{&c[0], 0.5, 1, NULL, NULL}};
    rv_result_list l = {.items = items, .count = 1};
    rv_sink_opts o = rv_sink_default_opts();
    o.context_lines = 3;
    o.display_root = "proj";
    char *out = render(&l, &o);
    RV_CHECK_STR(out, "1. parse proj/src/a.py:9-12 0.500\n"
                      "   9  def parse(x):\n"
                      "  10      y = x\n"
                      "  11      z = ?[2J\n"
                      "\n");
    free(out);
    o.snippet = 0;
    o.display_root = ".";
    out = render(&l, &o);
    RV_CHECK_STR(out, "1. parse src/a.py:9-12 0.500\n");
    free(out);
    o.color = 1;
    out = render(&l, &o);
    RV_CHECK(strstr(out, "\x1b[") != NULL);
    RV_CHECK(strstr(out, "src/a.py") != NULL);
    free(out);
}

RV_TEST(files_only_dedupes_in_rank_order) {
    rv_chunk c[3];
    c[0] = mk("b.py", 1, 2, "x", "");
    c[1] = mk("a.py", 1, 2, "y", "");
    c[2] = mk("b.py", 5, 6, "z", "");
    rv_result items[3] = {
        {&c[0], 3, 1, NULL, NULL}, {&c[1], 2, 2, NULL, NULL}, {&c[2], 1, 3, NULL, NULL}};
    rv_result_list l = {.items = items, .count = 3};
    rv_sink_opts o = rv_sink_default_opts();
    o.files_only = 1;
    o.display_root = "dir/";
    char *out = render(&l, &o);
    RV_CHECK_STR(out, "dir/b.py\ndir/a.py\n");
    free(out);
    rv_result_list empty = {.items = NULL, .count = 0};
    out = render(&empty, &o);
    RV_CHECK_STR(out, "");
    free(out);
}

RV_TEST(scoped_names_and_region_heads) {
    rv_chunk region = mk("json/decoder.py", 10, 16, "raw_decode",
                         "        docstring end of __init__\n        \"\"\"\n\n"
                         "    def raw_decode(self, s):\n        \"\"\"Decode.\"\"\"\n"
                         "        return s\n        # tail\n");
    region.scope = (char *)"JSONDecoder";
    rv_chunk best = region;
    best.start_line = 13;
    best.end_line = 15;
    rv_result items[1] = {{&region, 0.9, 1, &best, NULL}};
    rv_result_list l = {.items = items, .count = 1};
    rv_sink_opts o = rv_sink_default_opts();
    o.context_lines = 2;
    char *out = render(&l, &o);
    /* the header and the first snippet lines are the best chunk's own */
    RV_CHECK_STR(out, "1. JSONDecoder.raw_decode json/decoder.py:13-15 0.900\n"
                      "  13      def raw_decode(self, s):\n"
                      "  14          \"\"\"Decode.\"\"\"\n"
                      "\n");
    free(out);
    /* JSON keeps the region and names the scope */
    o.format = RV_SINK_JSON;
    out = render(&l, &o);
    RV_CHECK(strstr(out, "\"start_line\":10,\"end_line\":16,\"name\":\"raw_decode\","
                         "\"scope\":\"JSONDecoder\"") != NULL);
    free(out);
}

RV_TEST(names_on_a_terminal_count_null_and_sort) {
    rv_chunk c[3];
    c[0] = mk("b\x1b]0;T\x07.py", 1, 2, "x", "");
    c[1] = mk("a.py", 7, 8, "y\x1b[2J", "");
    c[2] = mk("a.py", 1, 2, "z", "");
    rv_result items[3] = {
        {&c[0], 3, 1, NULL, NULL}, {&c[1], 2, 2, NULL, NULL}, {&c[2], 1, 3, NULL, NULL}};
    rv_result_list l = {.items = items, .count = 3};
    rv_sink_opts o = rv_sink_default_opts();
    o.snippet = 0;
    o.terminal = 1;
    char *out = render(&l, &o);
    RV_CHECK_STR(out, "1. x b?]0;T?.py:1-2 3.000\n2. y?[2J a.py:7-8 2.000\n3. z a.py:1-2 1.000\n");
    free(out);
    o.sort = RV_SINK_SORT_PATH;
    o.count = 1;
    out = render(&l, &o);
    RV_CHECK_STR(out, "a.py:2\nb?]0;T?.py:1\n");
    free(out);
    o.count = 0;
    o.files_only = 1;
    o.null_sep = 1; /* -0: raw names, NUL-terminated */
    out = render(&l, &o);
    static const char want[] = "a.py\0b\x1b]0;T\x07.py\0";
    RV_CHECK(memcmp(out, want, sizeof want - 1) == 0 && out[sizeof want - 1] == '\0');
    free(out);
}

RV_TEST(progress_line_totals_rate_eta) {
    char buf[200];
    rv_progress p = {"embed", 12, 36, 340, 1223, 4.0, 0, 0};
    RV_CHECK_STR(rv_sink_progress_line(buf, sizeof buf, &p),
                 "embed: 12/36 files, 340/1223 chunks, 85 chunks/s, ETA 10s");
    /* the chunk total unknown (the index pipeline): no "/0", ETA by files */
    rv_progress q = {"write", 9, 36, 81, 0, 3.0, 0, 0};
    RV_CHECK_STR(rv_sink_progress_line(buf, sizeof buf, &q),
                 "write: 9/36 files, 81 chunks, 27 chunks/s, ETA 9s");
    rv_progress w = {"walk", 0, 0, 0, 0, 0.0, 0, 0};
    RV_CHECK_STR(rv_sink_progress_line(buf, sizeof buf, &w), "walk: 0 files, 0 chunks");
    /* the bytes known (the index pipeline): the run's chunks scaled by the
     * bytes left, 340 of ~1223 * 4 read */
    rv_progress b = {"embed", 12, 36, 340, 1223, 4.0, 250000, 1000000};
    RV_CHECK_STR(rv_sink_progress_line(buf, sizeof buf, &b),
                 "embed: 12/36 files, 340/1223 chunks, 85 chunks/s, ETA 54s");
}

int main(void) {
    RV_RUN(json_lines_have_exact_keys);
    RV_RUN(json_escapes_controls_and_bad_utf8);
    RV_RUN(plain_layout_and_color);
    RV_RUN(files_only_dedupes_in_rank_order);
    RV_RUN(scoped_names_and_region_heads);
    RV_RUN(names_on_a_terminal_count_null_and_sort);
    RV_RUN(progress_line_totals_rate_eta);
    return rv_test_summary();
}
