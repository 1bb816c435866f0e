/* rv_corpus ownership, and the in-memory sink that builds a corpus for one
 * search without an index. */
#include "ingest/ingest.h"

#include <stdlib.h>
#include <string.h>

void rv_corpus_free(rv_corpus *c) {
    if (!c) return;
    if (c->backing) { /* the strings and vectors are the backing's */
        free(c->chunks.items);
        c->backing->release(c->backing);
    } else {
        rv_chunk_list_free(&c->chunks);
        free(c->vectors);
    }
    memset(c, 0, sizeof *c);
}

static int cmp_memfile(const void *a, const void *b) {
    return strcmp(((const rv_ingest_memfile *)a)->rel, ((const rv_ingest_memfile *)b)->rel);
}

static const rv_ingest_memfile *find(const rv_ingest_memory *m, const char *rel) {
    if (!m->sealed) return NULL;
    rv_ingest_memfile key = {.rel = (char *)rel};
    return bsearch(&key, m->files, m->nfiles, sizeof key, cmp_memfile);
}

static rv_status mem_lookup(void *self, const char *rel, rv_ingest_held *h) {
    const rv_ingest_memory *m = self;
    const rv_ingest_memfile *f = find(m, rel);
    memset(h, 0, sizeof *h);
    h->id = f ? (int64_t)(f - m->files) : -1;
    if (f) {
        h->size = f->size;
        h->mtime_ns = f->mtime_ns;
        h->ino = f->ino;
    }
    return RV_OK;
}

static size_t mem_count(void *self) {
    return ((const rv_ingest_memory *)self)->nfiles;
}

static rv_status append_vectors(rv_corpus *c, const rv_ingest_batch *b) {
    size_t n = c->chunks.count, add = b->chunks.count, dim = b->dim;
    if (!b->vectors || !add) return RV_OK;
    float *v = realloc(c->vectors, (n + add) * dim * sizeof *v);
    if (!v) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    memcpy(v + n * dim, b->vectors, add * dim * sizeof *v);
    c->vectors = v;
    c->dim = dim;
    return RV_OK;
}

static rv_status append_chunks(rv_chunk_list *dst, rv_chunk_list *src) {
    if (!dst->items) { /* the first batch: take it whole */
        *dst = *src;
        memset(src, 0, sizeof *src);
        return RV_OK;
    }
    if (dst->count + src->count > dst->cap) {
        size_t cap = dst->cap ? dst->cap : 64;
        while (cap < dst->count + src->count)
            cap *= 2;
        rv_chunk *ni = realloc(dst->items, cap * sizeof *ni);
        if (!ni) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        dst->items = ni;
        dst->cap = cap;
    }
    memcpy(dst->items + dst->count, src->items, src->count * sizeof *src->items);
    dst->count += src->count;
    src->count = 0; /* the strings are dst's now */
    return RV_OK;
}

static rv_status mem_commit(void *self, rv_ingest_batch *b) {
    rv_ingest_memory *m = self;
    if (m->nfiles + b->nfiles > m->capfiles) {
        size_t cap = m->capfiles ? m->capfiles : 256;
        while (cap < m->nfiles + b->nfiles)
            cap *= 2;
        rv_ingest_memfile *nf = realloc(m->files, cap * sizeof *nf);
        if (!nf) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        m->files = nf;
        m->capfiles = cap;
    }
    for (size_t i = 0; i < b->nfiles; i++) {
        const rv_ingest_file *f = &b->files[i];
        char *rel = strdup(f->rel);
        if (!rel) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        m->files[m->nfiles++] = (rv_ingest_memfile){rel, f->size, f->mtime_ns, f->ino};
    }
    m->sealed = 0;
    rv_status st = append_vectors(&m->corpus, b);
    if (st == RV_OK) st = append_chunks(&m->corpus.chunks, &b->chunks);
    return st;
}

rv_ingest_sink rv_ingest_memory_sink(rv_ingest_memory *m) {
    rv_ingest_sink s;
    memset(&s, 0, sizeof s);
    s.self = m;
    s.lookup = mem_lookup;
    s.commit = mem_commit;
    s.count = mem_count;
    return s;
}

void rv_ingest_memory_seal(rv_ingest_memory *m) {
    if (m->nfiles > 1) qsort(m->files, m->nfiles, sizeof *m->files, cmp_memfile);
    m->sealed = 1;
}

void rv_ingest_memory_clear(rv_ingest_memory *m) {
    if (!m) return;
    rv_corpus_free(&m->corpus);
    for (size_t i = 0; i < m->nfiles; i++)
        free(m->files[i].rel);
    free(m->files);
    memset(m, 0, sizeof *m);
}
