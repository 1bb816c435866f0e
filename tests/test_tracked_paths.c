/* No tracked file names an absolute path of a development machine (a home
 * directory, the workspace): benchmarks, scripts and docs take corpora as
 * arguments or find ../shared from the project root. Run from the project
 * root (as `make test` does); the file list is `git ls-files`. Scratch
 * directories under /tmp (mkdtemp templates) are not machine paths. */
#include "rvtest.h"

#include <stdlib.h>
#include <string.h>

/* The directories that name one machine's layout. Spelled in pieces so this
 * file does not match itself. */
static const char *const g_roots[] = {"ro"
                                      "ot/",
                                      "ho"
                                      "me/",
                                      "wo"
                                      "rk/",
                                      "Us"
                                      "ers/",
                                      NULL};

/* 1 when c may end a word or path that a '/' continues (then the '/' is not
 * where an absolute path starts: a relative path, or one under $VAR or ~). */
static int continues_path(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("._-~$}/", c) != NULL;
}

/* Offset of the first machine path in text[0..n), or -1. */
static long find_machine_path(const char *text, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '/' || (i > 0 && continues_path(text[i - 1]))) continue;
        for (const char *const *r = g_roots; *r; r++) {
            size_t k = strlen(*r);
            if (n - i - 1 >= k && memcmp(text + i + 1, *r, k) == 0 && n - i - 1 > k) return (long)i;
        }
    }
    return -1;
}

RV_TEST(detector_finds_machine_paths_and_nothing_else) {
    const char *bad[] = {
        "see /wo"
        "rk/shared/eval/dev",
        "cand in /ro"
        "ot/.pyenv/versions",
        "\"/ho"
        "me/me/src/x\"",
        "(/Us"
        "ers/me/x)",
        "/wo"
        "rk/x at the start",
        "`/ro"
        "ot/x`",
    };
    const char *good[] = {
        "../shared/eval/dev",
        "mkdtemp(\"/tmp/rv-XXXXXX\")",
        "src/wo"
        "rk/queue.c",
        "$HOME/wo"
        "rk/x",
        "${ROOT}/ho"
        "me/x",
        "~/wo"
        "rk/x",
        "https://example.org/ho"
        "me/x",
        "the /work directory",
        "/usr/lib/python3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        RV_CHECK_MSG(find_machine_path(bad[i], strlen(bad[i])) >= 0, "missed: %s", bad[i]);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        RV_CHECK_MSG(find_machine_path(good[i], strlen(good[i])) < 0, "flagged: %s", good[i]);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Prints file:line and the line of one hit. */
static void report(const char *path, const char *text, size_t n, long at) {
    int line = 1;
    const char *start = text;
    for (long i = 0; i < at; i++)
        if (text[i] == '\n') {
            line++;
            start = text + i + 1;
        }
    const char *end = memchr(start, '\n', n - (size_t)(start - text));
    int w = (int)((end ? end : text + n) - start);
    printf("  %s:%d: %.*s\n", path, line, w > 160 ? 160 : w, start);
}

RV_TEST(no_tracked_file_names_a_machine_path) {
    FILE *p = popen("git ls-files -z 2>/dev/null", "r");
    RV_CHECK_MSG(p != NULL, "cannot run git ls-files");
    if (!p) return;
    char name[4096];
    size_t files = 0, hits = 0, k = 0;
    int c;
    while ((c = fgetc(p)) != EOF) {
        if (c != '\0') {
            if (k + 1 < sizeof name) name[k++] = (char)c;
            continue;
        }
        name[k] = '\0';
        k = 0;
        size_t n = 0;
        char *text = read_all(name, &n);
        if (!text) continue; /* a deleted but not yet committed file */
        files++;
        /* Binary files (weights, vectors) hold no paths worth reading. */
        if (!memchr(text, '\0', n < 8192 ? n : 8192)) {
            long at = find_machine_path(text, n);
            if (at >= 0) {
                report(name, text, n, at);
                hits++;
            }
        }
        free(text);
    }
    int rc = pclose(p);
    RV_CHECK_MSG(rc == 0 && files > 100,
                 "git ls-files failed or listed %zu files (run from "
                 "the project's git checkout)",
                 files);
    RV_CHECK_MSG(hits == 0,
                 "%zu tracked files name a machine path (above): take it as an "
                 "argument or find ../shared from the project root",
                 hits);
}

int main(void) {
    RV_RUN(detector_finds_machine_paths_and_nothing_else);
    RV_RUN(no_tracked_file_names_a_machine_path);
    return rv_test_summary();
}
