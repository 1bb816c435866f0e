/* `ripvec index status|clear|rebuild` and the search's default index, through
 * the binary (env RIPVEC_BIN, set by `make unit`) with the real model (env
 * RIPVEC_TEST_MODEL or the cache). A tiny tree keeps embedding short. */
#include "test_cli_common.h"

RV_TEST(index_subcommands_end_to_end) {
    scratch s;
    if (!begin(&s)) return;
    put_file(&s, "retry.py",
             "def retry_with_backoff(fn, attempts=5):\n"
             "    delay = 0.1\n"
             "    for i in range(attempts):\n"
             "        try:\n"
             "            return fn()\n"
             "        except IOError:\n"
             "            time.sleep(delay)\n"
             "            delay *= 2\n");
    put_file(&s, "parse.go",
             "package p\n\nfunc ParseConfig(path string) error {\n\treturn nil\n}\n");
    age_file(&s, "retry.py", 3600);
    age_file(&s, "parse.go", 3600);
    char out[16384], v[1024];

    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 2); /* none yet */
    RV_CHECK_MSG(strstr(out, "no index") != NULL, "%s", out);

    const char *search[] = {"-q", "--model", g_model, "exponential backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") != NULL, "%s", out);

    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "files:", v, sizeof v);
    RV_CHECK_STR(v, "2");
    field(out, "consistent:", v, sizeof v);
    RV_CHECK_STR(v, "yes");
    field(out, "format:", v, sizeof v);
    RV_CHECK_STR(v, "2");
    char path[1024];
    field(out, "path:", path, sizeof path);
    RV_CHECK(strncmp(path, s.cache, strlen(s.cache)) == 0 && access(path, F_OK) == 0);

    /* Damage it: status says so (exit 2) without repairing; a search repairs. */
    FILE *f = fopen(path, "r+b");
    RV_CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_SET);
        fputs("this is not a database at all", f);
        fclose(f);
    }
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 2);
    RV_CHECK_MSG(strstr(out, "consistent:  no") != NULL, "%s", out);
    const char *loud[] = {"--model", g_model, "exponential backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, loud), 0);
    RV_CHECK_MSG(strstr(out, "corrupt") && strstr(out, "rebuilding"), "%s", out);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);

    const char *rebuild[] = {"index", "rebuild", "-q", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, rebuild), 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "chunks:", v, sizeof v);
    RV_CHECK(atoi(v) >= 2);

    const char *clear[] = {"index", "clear", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, clear), 0);
    RV_CHECK(access(path, F_OK) != 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 2);

    /* --no-index writes nothing; --repo-level writes into the root. */
    const char *noidx[] = {"-q", "--no-index", "--model", g_model, "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, noidx), 0);
    RV_CHECK(access(path, F_OK) != 0);
    const char *repo[] = {"-q", "--repo-level", "--model", g_model, "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, repo), 0);
    const char *rstatus[] = {"index", "status", "--repo-level", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, rstatus), 0);
    field(out, "path:", v, sizeof v);
    RV_CHECK_MSG(strstr(v, "/tree/.ripvec/") != NULL, "%s", v);

    const char *bad[] = {"index", "frobnicate", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, bad), 2);
    scratch_close(&s);
}

/* Each precision keeps an index of its own, named by the model id, and a
 * search at one precision never reads vectors made at another. */
RV_TEST(precision_keeps_its_own_index) {
    scratch s;
    if (!begin(&s)) return;
    put_file(&s, "retry.py",
             "def retry_with_backoff(fn, attempts=5):\n"
             "    for i in range(attempts):\n"
             "        time.sleep(0.1 * 2 ** i)\n");
    put_file(&s, "parse.go",
             "package p\n\nfunc ParseConfig(path string) error {\n\treturn nil\n}\n");
    char out[16384], v8[1024], v32[1024], model[1024];
    const char *search8[] = {"-q",       "--precision", "int8", "--model", g_model,
                             "--format", "json",        "-n",   "1",       "sleep between attempts",
                             s.root,     NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search8), 0);
    RV_CHECK_MSG(strstr(out, "\"retry.py\"") != NULL, "%s", out);
    const char *st8[] = {"index",   "status", "--precision", "int8",
                         "--model", g_model,  s.root,        NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, st8), 0);
    field(out, "path:", v8, sizeof v8);
    field(out, "model:", model, sizeof model);
    RV_CHECK_MSG(strstr(model, "-int8") != NULL, "%s", model);
    const char *st32[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, st32), 2); /* fp32 has none yet */
    field(out, "path:", v32, sizeof v32);
    RV_CHECK(v32[0] && strcmp(v8, v32) != 0);
    const char *bad[] = {"--precision", "int4", "x", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, bad), 2);
    RV_CHECK_MSG(strstr(out, "--precision") != NULL, "%s", out);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(index_subcommands_end_to_end);
    RV_RUN(precision_keeps_its_own_index);
    return rv_test_summary();
}
