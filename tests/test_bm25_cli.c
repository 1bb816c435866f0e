/* The saved keyword index across an edit, through the binary (env
 * RIPVEC_BIN) with the real model: after files are edited, added and
 * removed, the next search updates the keyword index (RIPVEC_TRACE says
 * "bm25 update", never "bm25 build") and prints exactly what it prints
 * with the keyword index deleted (built from scratch). */
#include "test_cli_common.h"

/* out without the trace lines ("ripvec: trace: ..."), into res. */
static void results_only(const char *out, char *res, size_t cap) {
    size_t len = 0;
    res[0] = 0;
    for (const char *p = out; *p;) {
        size_t n = strcspn(p, "\n");
        if (strncmp(p, "ripvec: trace:", 14) != 0 && len + n + 2 < cap) {
            memcpy(res + len, p, n);
            len += n;
            res[len++] = '\n';
            res[len] = 0;
        }
        p += n + (p[n] == '\n');
    }
}

RV_TEST(edit_updates_the_keyword_index_like_a_rebuild) {
    scratch s;
    if (!begin(&s)) return;
    put_module(&s, "a.py", 20, -1, 0);
    put_module(&s, "b.py", 20, -1, 0);
    put_file(&s, "c.py", "def quuxremoved_helper(pipeline):\n    return pipeline.step()\n");
    const char *rels[] = {"a.py", "b.py", "c.py"};
    age_tree(&s, rels, 3, 3600);
    static char out[1 << 16], first[1 << 16], second[1 << 16];
    const char *q = "function step pipeline zebrafrobnicate quuxremoved";
    const char *search[] = {"--mode", "keyword", "--format", "json", "--model",
                            g_model,  q,         s.root,     NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    RV_CHECK_MSG(strstr(out, "quuxremoved_helper") != NULL, "%s", out);

    put_module(&s, "b.py", 20, 5, 1);
    put_file(&s, "d.py", "def zebrafrobnicate(step):\n    return step + 1\n");
    del_file(&s, "c.py");
    setenv("RIPVEC_TRACE", "1", 1);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    unsetenv("RIPVEC_TRACE");
    RV_CHECK_MSG(strstr(out, "trace: bm25 update") != NULL, "%s", out);
    RV_CHECK_MSG(strstr(out, "trace: bm25 build") == NULL, "%s", out);
    results_only(out, first, sizeof first);
    RV_CHECK_MSG(strstr(first, "zebrafrobnicate") != NULL, "%s", first);
    RV_CHECK_MSG(strstr(first, "quuxremoved") == NULL, "%s", first);

    /* the same search over a keyword index built from scratch */
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    char path[1100], v[1024];
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", v, sizeof v);
    snprintf(path, sizeof path, "%s.bm25", v);
    RV_CHECK_EQ_INT(unlink(path), 0);
    setenv("RIPVEC_TRACE", "1", 1);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    unsetenv("RIPVEC_TRACE");
    RV_CHECK_MSG(strstr(out, "trace: bm25 build") != NULL, "%s", out);
    results_only(out, second, sizeof second);
    RV_CHECK_MSG(strcmp(first, second) == 0, "updated:\n%s\nrebuilt:\n%s", first, second);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(edit_updates_the_keyword_index_like_a_rebuild);
    return rv_test_summary();
}
