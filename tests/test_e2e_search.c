/* End to end: the real ripvec binary ($RIPVEC_BIN) on small repositories
 * made here (several languages, a .gitignore with a negation, a binary file,
 * a symlink loop), checking ranking, JSON keys, exit codes and output
 * manners. Needs the real model (RIPVEC_TEST_MODEL or the cache). */
#include "rvtest.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_tmp[256];  /* mkdtemp root */
static char g_repo[300]; /* the fixture repository */
static char g_cache[300];
static char g_model[1024];
static const char *g_bin;

typedef struct run_out {
    int rc;
    char *out, *err;
} run_out;

static void put(const char *rel, const char *text) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", g_repo, rel);
    for (char *s = p + strlen(g_repo) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = '\0';
    fclose(f);
    return b;
}

/* Runs the binary with args (NULL-terminated) and optional "NAME=VALUE"
 * environment additions; stdout/stderr go to files (not a terminal). */
static run_out run(const char *const *env, ...) {
    const char *argv[64];
    int argc = 0;
    argv[argc++] = g_bin;
    va_list ap;
    va_start(ap, env);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 63)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    char outp[400], errp[400];
    snprintf(outp, sizeof outp, "%s/stdout", g_tmp);
    snprintf(errp, sizeof errp, "%s/stderr", g_tmp);
    run_out r = {2, NULL, NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        unsetenv("NO_COLOR");
        unsetenv("RIPVEC_MODEL");
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(g_bin, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(outp);
    r.err = slurp(errp);
    return r;
}

static void run_free(run_out *r) {
    free(r->out);
    free(r->err);
}

#define COMMON "--model", g_model, "--cache-dir", g_cache, "--quiet"

/* First JSON line of out, parsed (caller deletes), or NULL. */
static cJSON *first_json(const char *out) {
    const char *nl = strchr(out, '\n');
    size_t n = nl ? (size_t)(nl - out) : strlen(out);
    return cJSON_ParseWithLength(out, n);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void make_fixture(void) {
    put(".git/HEAD", "ref: refs/heads/main\n"); /* a repository, so .gitignore applies */
    put(".gitignore", "build/\n*.log\n!keep.log\n");
    put("src/mathutil.py", "import math\n\n\n"
                           "def fibonacci_number(n):\n"
                           "    a, b = 0, 1\n"
                           "    for _ in range(n):\n"
                           "        a, b = b, a + b\n"
                           "    return a\n\n\n"
                           "def parse_csv_line(line, sep=','):\n"
                           "    fields = []\n"
                           "    for part in line.split(sep):\n"
                           "        fields.append(part.strip())\n"
                           "    return fields\n\n\n"
                           "def celsius_to_fahrenheit(c):\n"
                           "    return c * 9.0 / 5.0 + 32.0\n");
    put("net/retry.go",
        "package net\n\n"
        "import \"time\"\n\n"
        "// RetryWithBackoff calls fn until it succeeds, sleeping longer each time.\n"
        "func RetryWithBackoff(fn func() error, attempts int) error {\n"
        "\tdelay := 100 * time.Millisecond\n"
        "\tvar err error\n"
        "\tfor i := 0; i < attempts; i++ {\n"
        "\t\tif err = fn(); err == nil {\n"
        "\t\t\treturn nil\n"
        "\t\t}\n"
        "\t\ttime.Sleep(delay)\n"
        "\t\tdelay *= 2\n"
        "\t}\n"
        "\treturn err\n"
        "}\n\n"
        "func OpenSocket(addr string) (int, error) {\n"
        "\treturn 0, nil\n"
        "}\n");
    put("web/strings.js", "function reverseString(s) {\n"
                          "  return s.split('').reverse().join('');\n"
                          "}\n\n"
                          "function isPalindrome(word) {\n"
                          "  const w = word.toLowerCase();\n"
                          "  return w === reverseString(w);\n"
                          "}\n\n"
                          "module.exports = { reverseString, isPalindrome };\n");
    put("lib/hash.c",
        "#include <stddef.h>\n\n"
        "/* djb2 string hash */\n"
        "unsigned long hash_string(const char *s) {\n"
        "    unsigned long h = 5381;\n"
        "    int c;\n"
        "    while ((c = *s++)) h = h * 33 + c;\n"
        "    return h;\n"
        "}\n\n"
        "size_t count_vowels(const char *s) {\n"
        "    size_t n = 0;\n"
        "    for (; *s; s++)\n"
        "        if (*s == 'a' || *s == 'e' || *s == 'i' || *s == 'o' || *s == 'u') n++;\n"
        "    return n;\n"
        "}\n");
    /* ignored: must never show up even though it matches best */
    put("build/fib_generated.py", "def fibonacci_number_generated(n):\n    return n\n");
    put("debug.log", "fibonacci fibonacci fibonacci xylophonequux\n");
    put("keep.log", "zebracrossing marker line for the negated ignore rule\n");
    /* binary: NUL bytes, and a matching word */
    char p[600];
    snprintf(p, sizeof p, "%s/data.bin", g_repo);
    FILE *f = fopen(p, "wb");
    if (f) {
        fwrite("zebracrossing\0\0\1\2binary", 1, 24, f);
        fclose(f);
    }
    /* a symlink loop */
    snprintf(p, sizeof p, "%s/web/loop", g_repo);
    if (symlink("..", p) != 0) perror("symlink");
}

RV_TEST(semantic_ranks_right_function_first) {
    run_out r = run(NULL, COMMON, "--mode", "semantic", "--format", "json", "-n", "3",
                    "compute the nth fibonacci number", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    cJSON *o = first_json(r.out);
    RV_CHECK(o != NULL);
    if (o) {
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "file_path")), "src/mathutil.py");
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), "fibonacci_number");
    }
    cJSON_Delete(o);
    run_free(&r);

    r = run(NULL, COMMON, "--mode", "semantic", "--format", "json", "-n", "1",
            "retry an operation with exponential backoff delay", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    o = first_json(r.out);
    RV_CHECK(o &&
             strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), "RetryWithBackoff") == 0);
    cJSON_Delete(o);
    run_free(&r);
}

RV_TEST(keyword_ranks_right_function_first) {
    run_out r = run(NULL, COMMON, "--mode", "keyword", "--format", "json", "-n", "3",
                    "convert celsius to fahrenheit", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    cJSON *o = first_json(r.out);
    RV_CHECK(o && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")),
                         "celsius_to_fahrenheit") == 0);
    cJSON_Delete(o);
    run_free(&r);
    /* camelCase split: "palindrome" finds isPalindrome */
    r = run(NULL, COMMON, "--mode", "keyword", "--format", "json", "-n", "1",
            "check whether a word is a palindrome", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    o = first_json(r.out);
    RV_CHECK(o &&
             strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), "isPalindrome") == 0);
    cJSON_Delete(o);
    run_free(&r);
}

RV_TEST(hybrid_default_and_json_keys) {
    run_out r = run(NULL, COMMON, "--format", "json", "hash a string with djb2", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    const char *keys[] = {"file_path", "start_line", "end_line",   "name",
                          "kind",      "language",   "similarity", "content"};
    int lines = 0;
    char *save = NULL;
    char *buf = strdup(r.out);
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(l);
        RV_CHECK(o != NULL);
        if (!o) continue;
        lines++;
        RV_CHECK_EQ_INT(cJSON_GetArraySize(o), 8);
        for (int k = 0; k < 8; k++)
            RV_CHECK_MSG(cJSON_HasObjectItem(o, keys[k]), "%s", keys[k]);
        RV_CHECK(cJSON_IsNumber(cJSON_GetObjectItem(o, "start_line")));
        RV_CHECK(cJSON_IsNumber(cJSON_GetObjectItem(o, "similarity")));
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItem(o, "file_path"));
        RV_CHECK(fp && fp[0] != '/'); /* relative to the searched path */
        /* ignored, binary and looped paths never appear */
        RV_CHECK(fp && !strstr(fp, "build/") && !strstr(fp, "debug.log") &&
                 !strstr(fp, "data.bin") && !strstr(fp, "loop"));
        if (lines == 1)
            RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), "hash_string");
        cJSON_Delete(o);
    }
    free(buf);
    RV_CHECK(lines >= 1 && lines <= 10);
    run_free(&r);
}

RV_TEST(ignore_rules_binary_and_negation) {
    /* the negated keep.log is searched; data.bin (binary) is not */
    run_out r =
        run(NULL, COMMON, "--mode", "keyword", "--format", "json", "zebracrossing", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "\"keep.log\"") != NULL);
    RV_CHECK(strstr(r.out, "data.bin") == NULL);
    RV_CHECK_EQ_INT(count_lines(r.out), 1);
    run_free(&r);
    /* only in the ignored debug.log: nothing found */
    r = run(NULL, COMMON, "--mode", "keyword", "xylophonequux", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 1);
    RV_CHECK_STR(r.out, "");
    run_free(&r);
    /* --no-ignore brings it back */
    r = run(NULL, COMMON, "--no-index", "--mode", "keyword", "--no-ignore", "xylophonequux", g_repo,
            NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "debug.log") != NULL);
    run_free(&r);
    /* following the symlink loop terminates */
    r = run(NULL, COMMON, "--no-index", "--follow", "--mode", "keyword", "reverseString", g_repo,
            NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "strings.js") != NULL);
    run_free(&r);
}

RV_TEST(exit_codes) {
    run_out r = run(NULL, COMMON, "--mode", "keyword", "qqqzzzvvvnomatch", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 1);
    RV_CHECK_STR(r.out, "");
    run_free(&r);
    r = run(NULL, COMMON, "--bogus-option", "x", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 2);
    RV_CHECK(strncmp(r.err, "ripvec: ", 8) == 0);
    RV_CHECK_EQ_INT(count_lines(r.err), 1);
    RV_CHECK_STR(r.out, "");
    run_free(&r);
    char missing[400];
    snprintf(missing, sizeof missing, "%s/does-not-exist", g_tmp);
    r = run(NULL, COMMON, "anything", missing, NULL);
    RV_CHECK_EQ_INT(r.rc, 2);
    RV_CHECK(strncmp(r.err, "ripvec: ", 8) == 0);
    RV_CHECK_EQ_INT(count_lines(r.err), 1);
    run_free(&r);
    r = run(NULL, "--mode", "fuzzy", "x", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 2);
    run_free(&r);
    r = run(NULL, NULL);
    RV_CHECK_EQ_INT(r.rc, 2);
    run_free(&r);
    r = run(NULL, "--help", NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "usage: ripvec") != NULL);
    run_free(&r);
    r = run(NULL, "--version", NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strncmp(r.out, "ripvec ", 7) == 0);
    run_free(&r);
}

RV_TEST(plain_output_snippets_and_files) {
    run_out r = run(NULL, COMMON, "-n", "2", "-C", "2", "reverse a string", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    /* header line "1. name path:s-e score", two snippet lines, a blank line */
    RV_CHECK(strncmp(r.out, "1. ", 3) == 0);
    RV_CHECK(strstr(r.out, "\n2. ") != NULL);
    RV_CHECK(strstr(r.out, "\n3. ") == NULL);
    RV_CHECK(strstr(r.out, "strings.js:1-") != NULL); /* the function, or its region */
    RV_CHECK(strstr(r.out, "\n  1  function reverseString(s) {\n") != NULL);
    RV_CHECK(strstr(r.out, "reverse().join") != NULL);
    RV_CHECK(strchr(r.out, '\x1b') == NULL); /* not a terminal: no colors */
    run_free(&r);
    /* -T 0: every result, the unrelated ones too (the default threshold drops them) */
    r = run(NULL, COMMON, "-n", "3", "-T", "0", "--no-snippet", "reverse a string", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_EQ_INT(count_lines(r.out), 3);
    run_free(&r);
    r = run(NULL, COMMON, "-n", "10", "-l", "--mode", "keyword", "string", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    /* each file once, as the path the user gave joined with the file */
    char *buf = strdup(r.out);
    char *save = NULL;
    int n = 0, dup = 0;
    char seen[16][400];
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        RV_CHECK(strncmp(l, g_repo, strlen(g_repo)) == 0);
        for (int i = 0; i < n && i < 16; i++)
            dup |= strcmp(seen[i], l) == 0;
        if (n < 16) snprintf(seen[n], sizeof seen[n], "%s", l);
        n++;
    }
    RV_CHECK(n >= 2); /* strings.js and hash.c at least */
    RV_CHECK(!dup);
    free(buf);
    run_free(&r);
    /* a single file as PATH prints as given */
    char file[400], want[420];
    snprintf(file, sizeof file, "%s/web/strings.js", g_repo);
    snprintf(want, sizeof want, "%s\n", file);
    r = run(NULL, COMMON, "--no-index", "-l", "--mode", "keyword", "reverse", file, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_STR(r.out, want);
    run_free(&r);
}

RV_TEST(colors_follow_flags_and_no_color) {
    run_out r = run(NULL, COMMON, "--color", "always", "-n", "1", "reverse a string", g_repo, NULL);
    RV_CHECK(strchr(r.out, '\x1b') != NULL);
    run_free(&r);
    const char *env[] = {"NO_COLOR=1", NULL};
    r = run(env, COMMON, "-n", "1", "reverse a string", g_repo, NULL);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strchr(r.out, '\x1b') == NULL);
    RV_CHECK(strchr(r.err, '\x1b') == NULL);
    run_free(&r);
    r = run(NULL, COMMON, "--color", "never", "-n", "1", "reverse a string", g_repo, NULL);
    RV_CHECK(strchr(r.out, '\x1b') == NULL);
    run_free(&r);
}

RV_TEST(no_index_matches_index) {
    run_out a = run(NULL, COMMON, "--format", "json", "-n", "5", "count the vowels in a string",
                    g_repo, NULL);
    run_out b = run(NULL, COMMON, "--no-index", "--format", "json", "-n", "5",
                    "count the vowels in a string", g_repo, NULL);
    RV_CHECK_EQ_INT(a.rc, 0);
    RV_CHECK_EQ_INT(b.rc, 0);
    cJSON *oa = first_json(a.out), *ob = first_json(b.out);
    RV_CHECK(oa && ob);
    if (oa && ob) {
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(oa, "name")), "count_vowels");
        RV_CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(ob, "name")), "count_vowels");
    }
    cJSON_Delete(oa);
    cJSON_Delete(ob);
    RV_CHECK_EQ_INT(count_lines(a.out), count_lines(b.out));
    run_free(&a);
    run_free(&b);
}

static void rm_rf(const char *p) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", p, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

int main(void) {
    g_bin = getenv("RIPVEC_BIN");
    if (!g_bin || access(g_bin, X_OK) != 0) {
        printf("FAIL setup: RIPVEC_BIN not set or not executable\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    const char *m = getenv("RIPVEC_TEST_MODEL");
    if (m && *m) {
        snprintf(g_model, sizeof g_model, "%s", m);
    } else {
        const char *x = getenv("XDG_CACHE_HOME");
        if (x && *x)
            snprintf(g_model, sizeof g_model, "%s/ripvec/models/all-minilm-l6-v2", x);
        else
            snprintf(g_model, sizeof g_model, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                     getenv("HOME") ? getenv("HOME") : "");
    }
    struct stat sb;
    if (stat(g_model, &sb) != 0) {
        printf("FAIL setup: model not found at %s\n", g_model);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(g_tmp, sizeof g_tmp, "/tmp/ripvec-e2e-XXXXXX");
    if (!mkdtemp(g_tmp)) {
        printf("FAIL setup: mkdtemp\n0 passed, 1 failed\n");
        return 1;
    }
    snprintf(g_repo, sizeof g_repo, "%s/repo", g_tmp);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_tmp);
    mkdir(g_repo, 0755);
    mkdir(g_cache, 0755);
    make_fixture();

    RV_RUN(semantic_ranks_right_function_first);
    RV_RUN(keyword_ranks_right_function_first);
    RV_RUN(hybrid_default_and_json_keys);
    RV_RUN(ignore_rules_binary_and_negation);
    RV_RUN(exit_codes);
    RV_RUN(plain_output_snippets_and_files);
    RV_RUN(colors_follow_flags_and_no_color);
    RV_RUN(no_index_matches_index);
    rm_rf(g_tmp);
    return rv_test_summary();
}
