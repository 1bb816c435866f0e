/* Answering at once (rv_index_corpus_now): the committed corpus, less the
 * files that changed or went away, plus the chunks of every file not
 * committed yet, with zero vectors, so they rank by keywords alone. The
 * indexer commits every file's chunks before any vector (index/embed.c), so
 * while it embeds, the committed corpus is the whole tree and only files
 * edited since are chunked here. */
#include "index/sink.h"

#include <stdlib.h>
#include <string.h>

typedef struct pending {
    const rv_ingest_sink *index; /* what is stored */
    rv_ingest_memory mem;        /* chunks of the files not embedded yet */
    char **rels;                 /* those files (sorted once the run is over) */
    size_t nrels, cap;
} pending;

static rv_status pend_lookup(void *self, const char *rel, rv_ingest_held *h) {
    const pending *p = self;
    return p->index->lookup(p->index->self, rel, h);
}

static int pend_known(void *self, const char *rel, rv_walk_held *held) {
    const pending *p = self;
    return p->index->known(p->index->self, rel, held);
}

/* Takes the chunks, never writes: a file whose content is unchanged (only
 * its stat moved) keeps its stored chunks and is not pending. */
static rv_status pend_commit(void *self, rv_ingest_batch *b) {
    pending *p = self;
    for (size_t i = 0; i < b->nfiles; i++) {
        if (b->files[i].heal_only) continue;
        if (p->nrels == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 64;
            char **nr = realloc(p->rels, cap * sizeof *nr);
            if (!nr) return rv_error_set(RV_ERR_NOMEM, "out of memory");
            p->rels = nr;
            p->cap = cap;
        }
        if (!(p->rels[p->nrels] = strdup(b->files[i].rel)))
            return rv_error_set(RV_ERR_NOMEM, "out of memory");
        p->nrels++;
    }
    rv_ingest_sink m = rv_ingest_memory_sink(&p->mem);
    return m.commit(m.self, b);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 when the stored chunks of `path` are out of date: the file changed
 * (pending) or is gone (not walked). */
static int outdated(const pending *p, const rv_index_sink *k, const char *path) {
    if (bsearch(&path, p->rels, p->nrels, sizeof *p->rels, cmp_str)) return 1;
    size_t lo = 0, hi = k->nold;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, k->old[mid].rel);
        if (c == 0) return !k->seen[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 1;
}

/* out = the kept stored chunks (copied: the cached corpus may be a mapped
 * snapshot) with their vectors, then the pending chunks with zero rows. */
static rv_status compose(rv_index *idx, const rv_index_sink *k, pending *p, rv_corpus *out) {
    const rv_corpus *c = &idx->cached;
    rv_chunk_list *add = &p->mem.corpus.chunks;
    size_t dim = idx->dim, keep = 0;
    for (size_t i = 0; i < c->chunks.count; i++)
        keep += !outdated(p, k, c->chunks.items[i].path);
    size_t n = keep + add->count;
    out->dim = dim;
    out->chunks.items = calloc(n ? n : 1, sizeof *out->chunks.items);
    out->vectors = calloc(n ? n * dim : 1, sizeof *out->vectors);
    if (!out->chunks.items || !out->vectors) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    out->chunks.cap = n;
    for (size_t i = 0; i < c->chunks.count; i++) {
        const rv_chunk *ch = &c->chunks.items[i];
        if (outdated(p, k, ch->path)) continue;
        size_t j = out->chunks.count;
        rv_status st = rv_chunk_copy(&out->chunks.items[j], ch);
        if (st != RV_OK) return st;
        out->chunks.count++;
        memcpy(out->vectors + j * dim, c->vectors + i * dim, dim * sizeof *out->vectors);
    }
    memcpy(out->chunks.items + out->chunks.count, add->items, add->count * sizeof *add->items);
    out->chunks.count += add->count;
    free(add->items); /* the strings are out's now */
    memset(add, 0, sizeof *add);
    return RV_OK;
}

/* Chunks without a vector (zero rows) and the files they are in (chunks
 * come grouped by file). An embedded row's first element settles it
 * almost always. */
static void count_vectorless(const rv_corpus *c, size_t *files, size_t *chunks) {
    const char *last = NULL;
    for (size_t i = 0; i < c->chunks.count; i++) {
        const float *v = c->vectors + i * c->dim;
        size_t k = 0;
        while (k < c->dim && v[k] == 0.0f)
            k++;
        if (k < c->dim) continue;
        (*chunks)++;
        const char *path = c->chunks.items[i].path;
        if (!last || strcmp(last, path) != 0) (*files)++;
        last = path;
    }
}

rv_status rv_index_corpus_now(rv_index *idx, const rv_chunk_params *cp, rv_corpus *out,
                              size_t *files_pending, size_t *chunks_pending) {
    memset(out, 0, sizeof *out);
    *files_pending = *chunks_pending = 0;
    if (!idx || !idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    if (idx->have_cached) {
        rv_corpus_free(&idx->cached);
        idx->have_cached = 0;
    }
    rv_index_sink k;
    rv_ingest_sink stored;
    pending p;
    memset(&k, 0, sizeof k);
    memset(&p, 0, sizeof p);
    p.index = &stored;
    rv_status st = rv_index_load_corpus(idx, 0);
    if (st == RV_OK) st = rv_index_sink_open(&k, &stored, idx);
    if (st == RV_OK) {
        rv_ingest_sink ps = {.self = &p, .lookup = pend_lookup, .known = pend_known,
                             .commit = pend_commit};
        rv_ingest_params ip = rv_index_ingest_params(idx, cp);
        rv_ingest_stats is;
        st = rv_ingest_run(&ip, &ps, &is);
        idx->last_times = rv_index_times_of(&is);
    }
    if (st == RV_OK) {
        if (p.nrels > 1) qsort(p.rels, p.nrels, sizeof *p.rels, cmp_str);
        size_t gone = 0;
        for (size_t i = 0; i < k.nold; i++)
            gone += !k.seen[i];
        if (!p.nrels && !gone) { /* complete and fresh: the committed corpus as it is */
            *out = idx->cached;
            memset(&idx->cached, 0, sizeof idx->cached);
            idx->have_cached = 0;
        } else if ((st = compose(idx, &k, &p, out)) != RV_OK) {
            rv_corpus_free(out);
        }
        if (st == RV_OK) count_vectorless(out, files_pending, chunks_pending);
    }
    if (idx->have_cached) {
        rv_corpus_free(&idx->cached);
        idx->have_cached = 0;
    }
    rv_index_sink_free(&k);
    rv_ingest_memory_clear(&p.mem);
    for (size_t i = 0; i < p.nrels; i++)
        free(p.rels[i]);
    free(p.rels);
    return st;
}
