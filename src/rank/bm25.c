/* BM25F over three chunk fields (name+scope, path, content), with postings in
 * one CSR array so building is a single pass and scoring touches only the
 * query terms' lists. */
#include "ripvec/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "rank/bm25_int.h"

rv_bm25_params rv_bm25_default_params(void) {
    rv_bm25_params p;
    p.k1 = 1.2f;
    p.w_name = 3.0f;
    p.w_path = 1.0f;
    p.w_body = 1.0f;
    p.b_name = 0.5f;
    p.b_path = 0.5f;
    p.b_body = 0.75f;
    p.flags = RV_TOK_STEM;
    return p;
}

size_t rv_bm25_doc_count(const rv_bm25 *bm) {
    return bm ? bm->ndocs : 0;
}
size_t rv_bm25_vocab_size(const rv_bm25 *bm) {
    return bm ? bm->nterms : 0;
}

void rv_bm25_free(rv_bm25 *bm) {
    if (!bm) return;
    if (bm->map.data) { /* loaded: the arrays are the mapping's */
        rv_unmap_file(&bm->map);
    } else {
        free(bm->table);
        free(bm->term_off);
        free(bm->term_len);
        free(bm->chars);
        free(bm->post_off);
        free(bm->post);
        free(bm->doc_hash);
        for (int f = 0; f < NFIELDS; f++) {
            free(bm->norm[f]);
            free(bm->len[f]);
        }
    }
    free(bm->term_hash);
    free(bm);
}

long rv_bm25_find_term(const rv_bm25 *bm, const char *t, size_t n, uint64_t h, size_t *slot) {
    size_t mask = bm->table_cap - 1;
    size_t i = (size_t)h & mask;
    uint64_t tag = h >> 32 << 32;
    for (;;) {
        uint64_t v = bm->table[i];
        if (v == 0) {
            if (slot) *slot = i;
            return -1;
        }
        uint32_t id = (uint32_t)v - 1;
        if ((v >> 32 << 32) == tag && bm->term_len[id] == n &&
            memcmp(bm->chars + bm->term_off[id], t, n) == 0)
            return (long)id;
        i = (i + 1) & mask;
    }
}

uint64_t *rv_bm25_make_table(const rv_bm25 *bm, size_t cap) {
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t) return NULL;
    for (size_t id = 0; id < bm->nterms; id++) {
        uint64_t h = bm->term_hash[id];
        size_t i = (size_t)h & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = (h >> 32 << 32) | ((uint64_t)id + 1);
    }
    return t;
}

int rv_bm25_rehash(rv_bm25 *bm, size_t cap) {
    uint64_t *t = rv_bm25_make_table(bm, cap);
    if (!t) return 0;
    free(bm->table);
    bm->table = t;
    bm->table_cap = cap;
    return 1;
}

/* Query terms, deduplicated; terms the corpus lacks are only counted. */
typedef struct qterms {
    const rv_bm25 *bm;
    uint32_t ids[256];
    size_t n;
    size_t unknown;
} qterms;

static void query_sink(void *user, const char *t, size_t n) {
    qterms *q = user;
    if (q->n >= sizeof q->ids / sizeof q->ids[0]) return;
    long id = rv_bm25_find_term(q->bm, t, n, XXH3_64bits(t, n), NULL);
    if (id < 0) {
        q->unknown++;
        return;
    }
    for (size_t i = 0; i < q->n; i++)
        if (q->ids[i] == (uint32_t)id) return;
    q->ids[q->n++] = (uint32_t)id;
}

rv_status rv_bm25_score_coverage(const rv_bm25 *bm, const char *query, float *scores,
                                 float *coverage) {
    if (!bm || !query || (!scores && bm->ndocs))
        return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    memset(scores, 0, bm->ndocs * sizeof *scores);
    if (coverage) memset(coverage, 0, bm->ndocs * sizeof *coverage);
    qterms q;
    q.bm = bm;
    q.n = 0;
    q.unknown = 0;
    rv_code_tokenize(query, strlen(query), bm->p.flags | RV_TOK_STOPWORDS, query_sink, &q);
    const float k1 = bm->p.k1;
    const float w[NFIELDS] = {bm->p.w_name, bm->p.w_path, bm->p.w_body};
    const double N = (double)bm->ndocs;
    /* each query term, known to the corpus or not, is an equal share */
    float share = q.n + q.unknown ? 1.0f / (float)(q.n + q.unknown) : 0.0f;
    for (size_t i = 0; i < q.n; i++) {
        uint32_t t = q.ids[i];
        const uint64_t lo = bm->post_off[t], hi = bm->post_off[t + 1];
        double df = (double)(hi - lo);
        float idf = (float)log(1.0 + (N - df + 0.5) / (df + 0.5));
        for (uint64_t j = lo; j < hi; j++) {
            const posting *p = &bm->post[j];
            float tf = 0;
            for (int f = 0; f < NFIELDS; f++)
                if (p->tf[f]) tf += w[f] * (float)p->tf[f] * bm->norm[f][p->doc];
            scores[p->doc] += idf * tf * (k1 + 1.0f) / (k1 + tf);
            if (coverage) coverage[p->doc] += share;
        }
    }
    return RV_OK;
}

rv_status rv_bm25_score(const rv_bm25 *bm, const char *query, float *scores) {
    return rv_bm25_score_coverage(bm, query, scores, NULL);
}
