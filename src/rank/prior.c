/* Ranking priors: documentation and test code yield to the implementation. */
#include "ripvec/rank.h"

#include <string.h>
#include <strings.h>

#define RV_PRIOR_PROSE 0.75f
#define RV_PRIOR_TEST 0.75f

static int is_prose(const rv_chunk *c) {
    if (c->language && strcmp(c->language, "markdown") == 0) return 1;
    const char *dot = c->path ? strrchr(c->path, '.') : NULL;
    if (!dot || strchr(dot, '/')) return 0;
    static const char *const ext[] = {".rst", ".txt", ".adoc", ".asciidoc", ".org", ".tex"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0) return 1;
    return 0;
}

static int is_test_dir(const char *name, size_t len) {
    static const char *const dirs[] = {"test", "tests", "spec", "specs", "__tests__", "testdata"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (len == strlen(dirs[i]) && strncasecmp(name, dirs[i], len) == 0) return 1;
    return 0;
}

int rv_path_is_test(const char *path) {
    if (!path) return 0;
    const char *base = path;
    for (const char *slash; (slash = strchr(base, '/')) != NULL; base = slash + 1)
        if (is_test_dir(base, (size_t)(slash - base))) return 1;
    if (strncmp(base, "test_", 5) == 0) return 1;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    static const char *const tails[] = {"_test", "_spec", ".test", ".spec", "Test", "Tests"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t tl = strlen(tails[i]);
        if (stem > tl && strncmp(base + stem - tl, tails[i], tl) == 0) return 1;
    }
    return 0;
}

/* A test module inside a source file (Rust's `#[cfg(test)] mod tests`): a
 * part of the scope, between '.' or ':', is "test" or "tests". */
static int scope_is_test(const char *scope) {
    for (const char *p = scope; p && *p;) {
        size_t n = strcspn(p, ".:");
        if ((n == 4 && strncmp(p, "test", 4) == 0) || (n == 5 && strncmp(p, "tests", 5) == 0))
            return 1;
        p += n;
        p += strspn(p, ".:");
    }
    return 0;
}

int rv_chunk_is_test(const rv_chunk *c) {
    return c && (rv_path_is_test(c->path) || scope_is_test(c->scope));
}

float rv_rank_prior(const rv_chunk *c) {
    if (!c) return 1.0f;
    if (is_prose(c)) return RV_PRIOR_PROSE;
    if (rv_chunk_is_test(c)) return RV_PRIOR_TEST;
    return 1.0f;
}

int rv_chunk_is_prose(const rv_chunk *c) {
    if (!c) return 0;
    if (is_prose(c)) return 1;
    const char *base = c->path ? strrchr(c->path, '/') : NULL;
    base = base ? base + 1 : c->path;
    if (!base) return 0;
    /* HTML and templates of it ("ref.html.in"), man pages ("ls.1") */
    static const char *const parts[] = {".html", ".htm", ".xhtml", ".rdoc", ".pod", ".texi"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *hit = strcasestr(base, parts[i]);
        size_t pl = strlen(parts[i]);
        if (hit && (hit[pl] == '\0' || hit[pl] == '.')) return 1;
    }
    const char *dot = strrchr(base, '.');
    if (dot && dot[1] >= '1' && dot[1] <= '9' && dot[2] == '\0') return 1;
    return 0;
}

/* A directory named like one of `names` somewhere on the path. */
static int has_dir(const char *path, const char *const *names, size_t n) {
    const char *p = path;
    for (const char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1)
        for (size_t i = 0; i < n; i++)
            if ((size_t)(slash - p) == strlen(names[i]) && strncasecmp(p, names[i], slash - p) == 0)
                return 1;
    return 0;
}

#define RV_PENALTY_TEST 0.75f   /* as the hybrid prior it replaces */
#define RV_PENALTY_COMPAT 0.8f  /* old or shimmed versions of the real thing */
#define RV_PENALTY_EXAMPLE 0.8f /* usage, not the implementation */
#define RV_PENALTY_VENDOR 0.7f  /* somebody else's code, copied in */
#define RV_PENALTY_STUB 0.85f   /* re-exports and type stubs: names without bodies */

/* A typing overload: a signature without a body (`@overload` or
 * `@typing.overload` on its first decorated line), which the
 * implementation below it repeats with the body. */
static int is_overload(const rv_chunk *c) {
    if (!c->content || !c->language || strcmp(c->language, "python") != 0) return 0;
    for (const char *p = c->content; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, "\n");
        if (*p == '@') {
            size_t d = strcspn(p, "(\n \t");
            return d >= 9 && strncmp(p + d - 8, "overload", 8) == 0 &&
                   (d == 9 || p[d - 9] == '.');
        }
        if (*p != '#' && n) return 0; /* code before any decorator */
        p += n + (p[n] == '\n');
    }
    return 0;
}

float rv_rank_penalty(const rv_chunk *c, const rv_query_info *q) {
    const char *path = c ? c->path : NULL;
    if (!path) return 1.0f;
    float f = 1.0f;
    if (!(q && q->wants_tests) && rv_chunk_is_test(c)) f *= RV_PENALTY_TEST;
    static const char *const compat[] = {"compat", "legacy", "deprecated", "backport", "v1"};
    static const char *const examples[] = {"example", "examples", "demo", "demos", "sample",
                                           "samples", "benchmark", "benchmarks", "bench"};
    static const char *const vendor[] = {"vendor", "vendored", "third_party", "thirdparty",
                                         "third-party", "external", "node_modules", "dist"};
    if (has_dir(path, compat, sizeof compat / sizeof compat[0])) f *= RV_PENALTY_COMPAT;
    if (!(q && q->wants_examples) && has_dir(path, examples, sizeof examples / sizeof examples[0]))
        f *= RV_PENALTY_EXAMPLE;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (has_dir(path, vendor, sizeof vendor / sizeof vendor[0]) || strstr(base, "amalgamat"))
        f *= RV_PENALTY_VENDOR;
    size_t bl = strlen(base);
    if (strcmp(base, "__init__.py") == 0 || (bl > 5 && strcmp(base + bl - 5, ".d.ts") == 0) ||
        is_overload(c))
        f *= RV_PENALTY_STUB;
    return f;
}
