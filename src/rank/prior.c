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

float rv_rank_prior(const rv_chunk *c) {
    if (!c) return 1.0f;
    if (is_prose(c)) return RV_PRIOR_PROSE;
    if (rv_path_is_test(c->path)) return RV_PRIOR_TEST;
    return 1.0f;
}
