/* Vectors of the indexes below this one's root (issue 22: a directory above
 * existing indexes). Indexing a parent finds each chunk's vector first in its
 * own store, then in the stores of the cache's indexes whose roots lie below
 * its root and that were built with the same model, precision and settings
 * (the same file name), by embed_text hash: the texts are the same when the
 * child is a git repository's top (rv_chunk_params.header_skip), so the
 * vector is the one the parent would compute. The children are read only
 * (RV_STORE_INSPECT), never locked; any problem with one just skips it. */
#include "index/sink.h"
#include "index/store_int.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

/* <cache>/indexes/<dir>/<file>: the cache root, or NULL for another layout
 * (a repo-level index). */
static char *cache_of(const char *db_path) {
    char *c = strdup(db_path);
    for (int up = 0; c && up < 2; up++) {
        char *slash = strrchr(c, '/');
        if (!slash || slash == c) goto none;
        *slash = 0;
    }
    char *last = c ? strrchr(c, '/') : NULL;
    if (!last || strcmp(last, "/indexes") != 0) goto none;
    *last = 0;
    return c;
none:
    free(c);
    return NULL;
}

static int below(const char *child, const char *root) {
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0) return child[0] == '/' && child[1];
    return strncmp(child, root, n) == 0 && child[n] == '/' && child[n + 1];
}

static const char *base_of(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* 1 when the store holds vectors of `model_id` with `dim` floats. */
static int same_model(rv_store *s, const char *model_id, size_t dim) {
    char buf[512];
    int found = 0;
    return rv_store_meta_get(s, "model_id", buf, sizeof buf, &found) == RV_OK && found &&
           strcmp(buf, model_id) == 0 && s->dim == dim;
}

rv_status rv_index_sink_borrow_children(rv_index_sink *k, rv_index *idx) {
    char *cache = cache_of(idx->db_path);
    if (!cache) return RV_OK;
    rv_index_entry *l = NULL;
    size_t n = 0;
    rv_status st = rv_index_list(&l, &n, cache);
    free(cache);
    if (st != RV_OK) return RV_OK; /* an unreadable cache: embed as before */
    for (size_t i = 0; i < n; i++) {
        if (!l[i].root[0] || !below(l[i].root, idx->root) ||
            strcmp(base_of(l[i].path), base_of(idx->db_path)) != 0)
            continue;
        rv_store *s = NULL;
        rv_store_meta want = {.model_id = idx->model_id, .dim = idx->dim};
        if (rv_store_open(&s, l[i].path, &want, RV_STORE_INSPECT, NULL, NULL) != RV_OK) continue;
        if (!same_model(s, idx->model_id, idx->dim)) {
            rv_store_close(s);
            continue;
        }
        rv_store **nk = realloc(k->kids, (k->nkids + 1) * sizeof *nk);
        if (!nk) {
            rv_store_close(s);
            break;
        }
        k->kids = nk;
        k->kids[k->nkids++] = s;
    }
    rv_index_list_free(l, n);
    return RV_OK;
}

int rv_index_sink_kids_find(const rv_index_sink *k, const uint8_t hash[16], float *vec) {
    for (size_t i = 0; i < k->nkids; i++)
        if (rv_store_find_vector(k->kids[i], hash, vec) == 1) return 1;
    return 0;
}

void rv_index_sink_kids_close(rv_index_sink *k) {
    for (size_t i = 0; i < k->nkids; i++)
        rv_store_close(k->kids[i]);
    free(k->kids);
    k->kids = NULL;
    k->nkids = 0;
}
