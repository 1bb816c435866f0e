/* Public one-shot pattern matchers (see ripvec/walk.h). */
#include "ripvec/walk.h"
#include "walk/glob.h"

#include <string.h>

static int exec_once(const char *pat, size_t plen, const char *text, size_t tlen, unsigned flags) {
    rv_glob *g = NULL;
    if (rv_glob_compile(&g, pat, plen, flags) != RV_OK) return 0;
    int hit = rv_glob_exec(g, text, tlen);
    rv_glob_free(g);
    return hit;
}

int rv_wildmatch(const char *pattern, const char *text) {
    if (!pattern || !text) return 0;
    return exec_once(pattern, strlen(pattern), text, strlen(text), 0);
}

int rv_glob_match(const char *pattern, const char *path) {
    rv_glob *g = NULL;
    size_t plen, len;
    int dir_only = 0, basename = 0, hit = 0;
    if (!pattern || !path) return 0;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    plen = strlen(pattern);
    len = strlen(path);
    if (plen > 0 && pattern[plen - 1] == '/') {
        dir_only = 1;
        plen--;
    }
    if (plen == 0) return 0;
    basename = memchr(pattern, '/', plen) == NULL;
    if (!basename && pattern[0] == '/') {
        pattern++;
        plen--;
    }
    if (rv_glob_compile(&g, pattern, plen, 0) != RV_OK) return 0;
    /* Candidates: the file itself, or (dir_only) each directory above it. */
    size_t start = 0;
    for (size_t i = 0; i <= len && !hit; i++) {
        int end = i == len;
        if (!end && path[i] != '/') continue;
        if (end == !dir_only) {
            hit = basename ? rv_glob_exec(g, path + start, i - start) : rv_glob_exec(g, path, i);
        }
        start = i + 1;
    }
    rv_glob_free(g);
    return hit;
}
