/* The walk's narrowing filters (-t/-T types, -g globs, --max-filesize),
 * applied at query time over the whole index: a filtered search must never
 * shrink the saved index (the next unfiltered search would re-embed all
 * it dropped). Without an index the walk applies them itself. */
#include "search/internal.h"

#include "util/fs.h"
#include "walk/filter.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int rv_search_filters_narrow(const rv_search_config *cfg) {
    uint64_t dflt = rv_walk_default_params().max_filesize;
    return (cfg->types && cfg->types[0]) || (cfg->globs && cfg->globs[0]) ||
           (cfg->max_filesize && cfg->max_filesize < dflt);
}

/* 1 when the walk would have left rel out: a directory on its way, or the
 * file itself, by globs and types. */
static int filtered_out(rv_wfilter *f, const char *rel) {
    const char *name = rel;
    for (const char *p = rel; *p; p++) {
        if (*p != '/') continue;
        if (rv_wfilter_skip(f, rel, (size_t)(p - rel), name, 1)) return 1;
        name = p + 1;
    }
    return rv_wfilter_skip(f, rel, strlen(rel), name, 0);
}

static int too_large(const rv_searcher *s, const char *rel) {
    char *path = s->root_is_file ? strdup(s->root) : rv_path_join(s->root, rel);
    struct stat sb;
    int big = path && stat(path, &sb) == 0 && (uint64_t)sb.st_size > s->walk.max_filesize;
    free(path);
    return big;
}

rv_status rv_search_filter_mask(rv_searcher *s, const unsigned char **out) {
    *out = NULL;
    if (!s->query_filter) return RV_OK;
    if (s->fmask) {
        *out = s->fmask;
        return RV_OK;
    }
    size_t n = s->corpus.chunks.count;
    rv_walk_params wp = s->walk;
    wp.no_ignore = 1; /* the index holds what the ignore files let in */
    wp.hidden = 1;
    rv_wfilter *f = NULL;
    rv_status st = rv_wfilter_create(&f, &wp, NULL, NULL);
    if (st != RV_OK) return st;
    unsigned char *m = malloc(n ? n : 1);
    if (!m) {
        rv_wfilter_free(f);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    const rv_chunk *cs = s->corpus.chunks.items;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(cs[i].path, cs[i - 1].path) == 0) {
            m[i] = m[i - 1];
            continue;
        }
        m[i] = !filtered_out(f, cs[i].path) && !(s->filter_size && too_large(s, cs[i].path));
    }
    rv_wfilter_free(f);
    s->fmask = m;
    *out = m;
    return RV_OK;
}
