/* The index as a new user meets it (issue 19), through the binary on
 * scratch trees: filters never shrink it, a read-only index is searchable,
 * rebuilds happen beside it, renames reuse vectors, the cache is kept tidy. */
#include "test_cli_common.h"

/* Python that talks about backoff, and a short note that does too. */
static void put_two(scratch *s) {
    put_file(s, "retry.py",
             "def retry_with_backoff(fn, attempts=5):\n"
             "    \"\"\"Call fn, sleeping with exponential backoff between attempts.\"\"\"\n"
             "    delay = 0.1\n"
             "    for i in range(attempts):\n"
             "        try:\n"
             "            return fn()\n"
             "        except IOError:\n"
             "            time.sleep(delay)\n"
             "            delay *= 2\n");
    put_file(s, "notes.md", "# Notes\n\nUse backoff when retrying.\n");
    age_file(s, "retry.py", 3600);
    age_file(s, "notes.md", 3600);
}

static int status_files(const scratch *s) {
    char out[16384], v[64];
    const char *status[] = {"index", "status", "--model", g_model, s->root, NULL};
    if (run(s->cache, out, sizeof out, status) != 0) return -1;
    field(out, "files:", v, sizeof v);
    return atoi(v);
}

/* -t, -g and --max-filesize narrow the results, never the saved index. */
RV_TEST(filtered_search_keeps_the_whole_index) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384];
    const char *t_md[] = {"-q", "--model", g_model, "--mode", "keyword", "-t", "md",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, t_md), 0);
    RV_CHECK_MSG(strstr(out, "notes.md") && !strstr(out, "retry.py"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    const char *g_py[] = {"-q", "--model", g_model, "--mode", "keyword", "-g", "*.py",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, g_py), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") && !strstr(out, "notes.md"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    const char *small[] = {"-q", "--model", g_model, "--mode", "keyword", "--max-filesize", "100",
                           "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, small), 0);
    RV_CHECK_MSG(strstr(out, "notes.md") && !strstr(out, "retry.py"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    /* A glob that keeps nothing finds nothing, and still keeps the index. */
    const char *none[] = {"-q", "--model", g_model, "--mode", "keyword", "-g", "*.rs",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, none), 1);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(filtered_search_keeps_the_whole_index);
    return rv_test_summary();
}
