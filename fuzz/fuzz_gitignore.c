/* libFuzzer target: gitignore parsing and matching, plus the one-shot globs.
 *
 * Input: an ignore file, then a NUL byte, then '\n'-separated paths. Each
 * path is matched (odd lines as directories); the first path line is also
 * used as a glob against every path, through rv_glob_match and
 * rv_wildmatch, and the first few path lines become -g globs of a walk
 * filter (no file system access: no ignore files are loaded) that judges
 * every path. Hostile patterns must neither crash nor take long: the
 * matcher is linear-state, so -timeout catches any regression to
 * backtracking. */
#include "ripvec/walk.h"
#include "walk/filter.h"
#include "walk/ignore.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dup_n(const uint8_t *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, '\0', size);
    size_t ign_len = nul ? (size_t)(nul - data) : size;
    rv_ignore *ig = NULL;
    char *first = NULL;
    if (rv_ignore_create(&ig) != RV_OK) return 0;
    if (rv_ignore_add_buffer(ig, (const char *)data, ign_len) != RV_OK) goto done;
    if (!nul) goto done;
    const uint8_t *p = nul + 1, *end = data + size;
    char *globs[4] = {NULL, NULL, NULL, NULL};
    size_t nglobs = 0;
    for (const uint8_t *q = p; q < end && nglobs < 4;) {
        const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
        const uint8_t *stop = nl ? nl : end;
        globs[nglobs++] = dup_n(q, (size_t)(stop - q));
        q = stop + 1;
    }
    rv_walk_params wp = rv_walk_default_params();
    const char *types[] = {"c", "rust"};
    wp.globs = (const char *const *)globs;
    wp.n_globs = nglobs;
    wp.types = types;
    wp.n_types = (size > 0 && (data[0] & 1)) ? 2 : 0;
    rv_wfilter *wf = NULL;
    for (size_t i = 0; i < nglobs; i++)
        if (!globs[i]) nglobs = 0; /* allocation failed: no filter */
    if (nglobs && rv_wfilter_create(&wf, &wp, NULL, NULL) == RV_OK &&
        rv_wfilter_push(wf, "", 0, 0) != RV_OK) {
        rv_wfilter_free(wf);
        wf = NULL;
    }
    for (unsigned line = 0; p <= end; line++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        rv_ignore_result r = rv_ignore_match(ig, (const char *)p, n, (int)(line & 1));
        if (r != RV_IGNORE_NONE && r != RV_IGNORE_EXCLUDE && r != RV_IGNORE_INCLUDE) abort();
        char *path = dup_n(p, n);
        if (!path) break;
        if (wf) {
            const char *slash = strrchr(path, '/');
            (void)rv_wfilter_skip(wf, path, strlen(path), slash ? slash + 1 : path,
                                  (int)(line & 1));
        }
        if (line == 0) {
            first = path;
        } else {
            /* Paths with embedded NULs are cut short here; fine. */
            (void)rv_glob_match(first, path);
            (void)rv_wildmatch(first, path);
            free(path);
        }
        if (!nl) break;
        p = nl + 1;
    }
    rv_wfilter_free(wf);
    for (size_t i = 0; i < 4; i++)
        free(globs[i]);
done:
    free(first);
    rv_ignore_free(ig);
    return 0;
}
