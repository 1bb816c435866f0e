/* A batch of whole files: vectors for its chunks (reused by embed_text hash,
 * else embedded), then the sink's commit. */
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>

rv_ingest_file *rv_ingest_batch_add(rv_ingest_batch_state *b, const char *rel) {
    if (b->nfiles == b->capfiles) {
        size_t cap = b->capfiles ? b->capfiles * 2 : 32;
        rv_ingest_file *nf = realloc(b->files, cap * sizeof *nf);
        if (!nf) return NULL;
        b->files = nf;
        b->capfiles = cap;
    }
    rv_ingest_file *f = &b->files[b->nfiles++];
    memset(f, 0, sizeof *f);
    f->rel = rel;
    return f;
}

void rv_ingest_batch_free(rv_ingest_batch_state *b) {
    rv_chunk_list_free(&b->chunks);
    free(b->files);
    memset(b, 0, sizeof *b);
}

typedef struct by_len {
    size_t len, k;
} by_len;

static int cmp_len(const void *a, const void *b) {
    const by_len *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Embeds n texts into out (n * dim): in one call, or with p->embed_slice in
 * slices of texts of similar length, reporting progress after each. */
static rv_status embed_texts(rv_ingest_run_state *r, const char **texts, const size_t *lens,
                             size_t n, float *out) {
    const rv_ingest_params *p = r->p;
    size_t slice = p->embed_slice, dim = p->dim;
    rv_ingest_report(r, "embed");
    if (!slice || n <= slice) {
        rv_status st = p->embed(p->embed_user, texts, lens, n, out);
        if (st == RV_OK) r->stats->chunks_embedded += n;
        return st;
    }
    rv_status st = RV_OK;
    by_len *order = malloc(n * sizeof *order);
    const char **t = malloc(slice * sizeof *t);
    size_t *l = malloc(slice * sizeof *l);
    float *tmp = malloc(slice * dim * sizeof *tmp);
    if (!order || !t || !l || !tmp) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++)
        order[k] = (by_len){lens[k], k};
    qsort(order, n, sizeof *order, cmp_len);
    for (size_t b = 0; b < n; b += slice) {
        size_t m = n - b < slice ? n - b : slice;
        for (size_t i = 0; i < m; i++) {
            t[i] = texts[order[b + i].k];
            l[i] = order[b + i].len;
        }
        if ((st = p->embed(p->embed_user, t, l, m, tmp)) != RV_OK) goto done;
        for (size_t i = 0; i < m; i++)
            memcpy(out + order[b + i].k * dim, tmp + i * dim, dim * sizeof *out);
        r->stats->chunks_embedded += m;
        rv_ingest_report(r, "embed");
    }
done:
    free(order);
    free(t);
    free(l);
    free(tmp);
    return st;
}

/* Vectors for every chunk of the batch: reused by text hash (earlier in the
 * batch, or anywhere in the sink), the rest embedded. */
static rv_status vectors_for(rv_ingest_run_state *r, rv_ingest_batch *out) {
    const rv_ingest_sink *sink = r->sink;
    rv_chunk_list *cl = &out->chunks;
    size_t n = cl->count, dim = r->p->dim, nneed = 0, nslots = 1;
    rv_status st = RV_OK;
    size_t *need = NULL, *dup_of = NULL, *slots = NULL, *lens = NULL;
    const char **texts = NULL;
    float *tmp = NULL;
    if (n > SIZE_MAX / dim / sizeof(float) / 2) return rv_error_set(RV_ERR_NOMEM, "batch too big");
    while (nslots < 2 * n)
        nslots <<= 1;
    out->text_hash = malloc(n * sizeof *out->text_hash);
    out->vectors = malloc(n * dim * sizeof *out->vectors);
    int defer = !r->p->embed; /* vectors found are kept, the rest marked */
    if (defer && !(out->has_vec = calloc(n, 1))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    need = malloc(n * sizeof *need);
    dup_of = malloc(n * sizeof *dup_of);
    slots = malloc(nslots * sizeof *slots);
    texts = malloc(n * sizeof *texts);
    lens = malloc(n * sizeof *lens);
    if (!out->text_hash || !out->vectors || !need || !dup_of || !slots || !texts || !lens) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nslots; i++)
        slots[i] = SIZE_MAX;
    uint8_t(*th)[16] = out->text_hash;
    for (size_t i = 0; i < n; i++) {
        const char *et = cl->items[i].embed_text ? cl->items[i].embed_text : "";
        size_t len = strlen(et);
        rv_ingest_hash(th[i], et, len);
        dup_of[i] = SIZE_MAX;
        uint64_t key;
        memcpy(&key, th[i], sizeof key);
        size_t s = (size_t)key & (nslots - 1);
        while (slots[s] != SIZE_MAX && memcmp(th[slots[s]], th[i], 16) != 0)
            s = (s + 1) & (nslots - 1);
        if (slots[s] != SIZE_MAX) {
            dup_of[i] = slots[s];
            if (!defer) r->stats->chunks_reused++;
            continue;
        }
        slots[s] = i;
        int found = sink->find_vector ? sink->find_vector(sink->self, th[i], out->vectors + i * dim)
                                      : 0;
        if (found < 0) {
            st = (rv_status)found;
            goto done;
        }
        if (found) {
            r->stats->chunks_reused++;
            if (defer) out->has_vec[i] = 1;
            continue;
        }
        if (defer) {
            memset(out->vectors + i * dim, 0, dim * sizeof(float));
            continue;
        }
        texts[nneed] = et;
        lens[nneed] = len;
        need[nneed++] = i;
    }
    if (nneed) {
        if (!(tmp = malloc(nneed * dim * sizeof *tmp))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        if ((st = embed_texts(r, texts, lens, nneed, tmp)) != RV_OK) goto done;
        for (size_t k = 0; k < nneed; k++)
            memcpy(out->vectors + need[k] * dim, tmp + k * dim, dim * sizeof *tmp);
    }
    for (size_t i = 0; i < n; i++)
        if (dup_of[i] != SIZE_MAX) {
            memcpy(out->vectors + i * dim, out->vectors + dup_of[i] * dim, dim * sizeof(float));
            if (defer) {
                out->has_vec[i] = out->has_vec[dup_of[i]];
                r->stats->chunks_reused += out->has_vec[i];
            }
        }
done:
    free(tmp);
    free(need);
    free(dup_of);
    free(slots);
    free(texts);
    free(lens);
    return st;
}

rv_status rv_ingest_flush(rv_ingest_run_state *r) {
    rv_ingest_batch_state *bs = &r->batch;
    if (bs->nfiles == 0) return RV_OK;
    rv_ingest_batch b = {.files = bs->files, .nfiles = bs->nfiles, .chunks = bs->chunks};
    memset(&bs->chunks, 0, sizeof bs->chunks);
    rv_status st = RV_OK;
    if ((r->p->embed || r->p->defer_embed) && b.chunks.count) {
        b.dim = r->p->dim;
        if (!b.dim) {
            st = rv_error_set(RV_ERR_INVALID_ARG, "ingest: no vector dimension");
            goto done;
        }
        if ((st = vectors_for(r, &b)) != RV_OK) goto done;
    }
    rv_ingest_hook(r, "batch-embedded");
    rv_ingest_report(r, "write");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = r->sink->commit(r->sink->self, &b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->stats->commit_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
done:
    rv_chunk_list_free(&b.chunks);
    free(b.text_hash);
    free(b.vectors);
    free(b.has_vec);
    bs->nfiles = 0;
    return st;
}
