/*
 * test_tokenizer_cli — `ripvec tokenize` (binary from $RIPVEC_BIN) prints the
 * ids rv_tokenizer_encode gives, for strings and {"text"} objects, and fails
 * with one line and exit 2 on bad input.
 */
#include "ripvec/tokenizer.h"
#include "rvtest.h"
#include "util/fs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[64];
static char *g_model;

static char *model_dir(void) {
    const char *e = getenv("RIPVEC_TEST_MODEL");
    if (e && *e) return strdup(e);
    const char *x = getenv("XDG_CACHE_HOME");
    const char *h = getenv("HOME");
    char buf[4096];
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/ripvec/models/all-minilm-l6-v2", x);
    else
        snprintf(buf, sizeof buf, "%s/.cache/ripvec/models/all-minilm-l6-v2", h ? h : "");
    return strdup(buf);
}

/* Runs the binary with `args` on `input`; returns the exit status and the
 * malloc'd stdout/stderr. */
static int run_cli(const char *args, const char *input, char **out, char **err) {
    const char *bin = getenv("RIPVEC_BIN");
    char in[128], o[128], e[128], cmd[8192];
    snprintf(in, sizeof in, "%s/in", g_dir);
    snprintf(o, sizeof o, "%s/out", g_dir);
    snprintf(e, sizeof e, "%s/err", g_dir);
    FILE *f = fopen(in, "w");
    fputs(input, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' tokenize %s <'%s' >'%s' 2>'%s'", bin, args, in, o, e);
    int st = system(cmd);
    size_t n;
    *out = *err = NULL;
    if (rv_read_file(out, &n, o, 1u << 24) != RV_OK) *out = strdup("");
    if (rv_read_file(err, &n, e, 1u << 24) != RV_OK) *err = strdup("");
    unlink(in);
    unlink(o);
    unlink(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void ids_line(const rv_tokenizer *tk, const char *text, size_t len, size_t max_len,
                     char *buf) {
    int32_t ids[600];
    size_t n = 0;
    rv_tokenizer_encode(tk, text, len, ids, max_len, &n);
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(buf + o, i ? ",%d" : "%d", (int)ids[i]);
    strcpy(buf + o, "]\n");
}

RV_TEST(cli_matches_library) {
    rv_tokenizer *tk = NULL;
    RV_CHECK_MSG(rv_tokenizer_load(&tk, g_model) == RV_OK, "%s", rv_error_last());
    if (!tk) return;
    const char *input = "\"Hello, World!\"\n"
                        "{\"id\": 7, \"text\": \"fn main() { return 0; }\"}\n"
                        "\n"
                        "\"a\\u0000b \\ud83d\\ude00 caf\\u00e9 \\\"q\\\" \\\\ [MASK]\"\n";
    char want[8192], line[4096];
    want[0] = 0;
    ids_line(tk, "Hello, World!", 13, 512, line);
    strcat(want, line);
    ids_line(tk, "fn main() { return 0; }", 23, 512, line);
    strcat(want, line);
    const char t3[] = "a\0b \xf0\x9f\x98\x80 caf\xc3\xa9 \"q\" \\ [MASK]";
    ids_line(tk, t3, sizeof t3 - 1, 512, line);
    strcat(want, line);
    char *out, *err;
    char args[4200];
    snprintf(args, sizeof args, "--model '%s'", g_model);
    int rc = run_cli(args, input, &out, &err);
    RV_CHECK_EQ_INT(rc, 0);
    RV_CHECK_STR(out, want);
    RV_CHECK_STR(err, "");
    free(out);
    free(err);

    /* --max-len truncates, keeping [CLS] … [SEP]. */
    snprintf(args, sizeof args, "--model='%s' --max-len 4", g_model);
    rc = run_cli(args, "\"one two three four five\"\n", &out, &err);
    ids_line(tk, "one two three four five", 23, 4, line);
    RV_CHECK_EQ_INT(rc, 0);
    RV_CHECK_STR(out, line);
    free(out);
    free(err);
    rv_tokenizer_free(tk);
}

RV_TEST(cli_errors_are_one_line_exit_2) {
    static const char *cases[][2] = {
        {"", "[1, 2]\n"},           {"", "\"unterminated\n"}, {"", "{\"txt\": \"x\"}\n"},
        {"--max-len 1", "\"x\"\n"}, {"--max-len", ""},        {"--bogus", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[4200], *out, *err;
        snprintf(args, sizeof args, "--model '%s' %s", g_model, cases[i][0]);
        int rc = run_cli(args, cases[i][1], &out, &err);
        RV_CHECK_MSG(rc == 2, "case %zu: exit %d", i, rc);
        RV_CHECK_MSG(strncmp(err, "ripvec: ", 8) == 0 && strchr(err, '\n') == err + strlen(err) - 1,
                     "case %zu: stderr \"%s\"", i, err);
        free(out);
        free(err);
    }
    char *out, *err;
    int rc = run_cli("--model /nonexistent/model/dir", "\"x\"\n", &out, &err);
    RV_CHECK_EQ_INT(rc, 2);
    RV_CHECK(strncmp(err, "ripvec: ", 8) == 0);
    free(out);
    free(err);
}

int main(void) {
    const char *bin = getenv("RIPVEC_BIN");
    g_model = model_dir();
    strcpy(g_dir, "/tmp/rvtokcli-XXXXXX");
    if (!bin || !*bin || !mkdtemp(g_dir)) {
        printf("FAIL setup: RIPVEC_BIN is not set (make unit sets it) or no temp dir\n");
        free(g_model);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RV_RUN(cli_matches_library);
    RV_RUN(cli_errors_are_one_line_exit_2);
    rmdir(g_dir);
    free(g_model);
    return rv_test_summary();
}
