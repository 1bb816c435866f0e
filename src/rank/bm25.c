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
        for (int f = 0; f < NFIELDS; f++)
            free(bm->norm[f]);
    }
    free(bm->term_hash);
    free(bm);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem) return 0;
        nc *= 2;
    }
    void *q = realloc(*p, nc * elem);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

static long find_term(const rv_bm25 *bm, const char *t, size_t n, uint64_t h, size_t *slot) {
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

/* Build state shared with the token sink. */
typedef struct build {
    rv_bm25 *bm;
    int field;
    uint32_t doc;
    int oom;
    /* per-term scratch for the current document */
    uint32_t *seen; /* doc + 1 that last touched the term */
    uint16_t (*tf)[NFIELDS];
    size_t scratch_cap;
    uint32_t *touched;
    size_t ntouched, touched_cap;
    uint32_t *flen; /* tokens of the current field */
} build;

static long add_term(build *b, const char *t, size_t n) {
    rv_bm25 *bm = b->bm;
    uint64_t h = XXH3_64bits(t, n);
    size_t slot;
    long id = find_term(bm, t, n, h, &slot);
    if (id >= 0) return id;
    if (bm->nterms >= UINT32_MAX - 1) return -1;
    if ((bm->nterms + 1) * 2 > bm->table_cap) {
        if (!rv_bm25_rehash(bm, bm->table_cap * 2)) return -1;
        find_term(bm, t, n, h, &slot);
    }
    size_t need = bm->nterms + 1;
    size_t cap = bm->terms_cap;
    if (need > cap) {
        size_t c1 = cap, c2 = cap, c3 = cap, c4 = b->scratch_cap, c5 = b->scratch_cap;
        if (!grow((void **)&bm->term_hash, &c1, need, sizeof *bm->term_hash) ||
            !grow((void **)&bm->term_off, &c2, need, sizeof *bm->term_off) ||
            !grow((void **)&bm->term_len, &c3, need, sizeof *bm->term_len) ||
            !grow((void **)&b->seen, &c4, need, sizeof *b->seen) ||
            !grow((void **)&b->tf, &c5, need, sizeof *b->tf))
            return -1;
        /* all grew to the same capacity from the same start */
        memset(b->seen + b->scratch_cap, 0, (c4 - b->scratch_cap) * sizeof *b->seen);
        bm->terms_cap = c1;
        b->scratch_cap = c4;
    }
    if (!grow((void **)&bm->chars, &bm->chars_cap, bm->chars_len + n, 1)) return -1;
    if (bm->chars_len > UINT32_MAX - n) return -1;
    memcpy(bm->chars + bm->chars_len, t, n);
    id = (long)bm->nterms++;
    bm->term_hash[id] = h;
    bm->term_off[id] = (uint32_t)bm->chars_len;
    bm->term_len[id] = (uint16_t)n;
    bm->chars_len += n;
    bm->table[slot] = (h >> 32 << 32) | ((uint64_t)id + 1);
    return id;
}

static void build_sink(void *user, const char *t, size_t n) {
    build *b = user;
    if (b->oom) return;
    long id = add_term(b, t, n);
    if (id < 0) {
        b->oom = 1;
        return;
    }
    if (b->seen[id] != b->doc + 1) {
        b->seen[id] = b->doc + 1;
        memset(b->tf[id], 0, sizeof b->tf[id]);
        if (!grow((void **)&b->touched, &b->touched_cap, b->ntouched + 1, sizeof *b->touched)) {
            b->oom = 1;
            return;
        }
        b->touched[b->ntouched++] = (uint32_t)id;
    }
    if (b->tf[id][b->field] < UINT16_MAX) b->tf[id][b->field]++;
    b->flen[b->field]++;
}

rv_status rv_bm25_build(rv_bm25 **out, const rv_chunk *chunks, size_t n,
                        const rv_bm25_params *params) {
    rv_status st = RV_ERR_NOMEM;
    if (!out || (!chunks && n)) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    if (n >= UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: too many chunks");
    build b;
    memset(&b, 0, sizeof b);
    posting *tmp = NULL; /* postings in document order */
    uint32_t *df = NULL;
    uint32_t *tmp_term = NULL; /* their terms, parallel to tmp */
    size_t ntmp = 0, tmp_cap = 0, tmp_term_cap = 0;
    float *len[NFIELDS] = {0};
    uint32_t flen[NFIELDS];
    rv_bm25 *bm = calloc(1, sizeof *bm);
    if (!bm) goto done;
    bm->p = params ? *params : rv_bm25_default_params();
    bm->ndocs = n;
    if (!rv_bm25_rehash(bm, 1024)) goto done;
    for (int f = 0; f < NFIELDS; f++) {
        len[f] = calloc(n ? n : 1, sizeof(float));
        bm->norm[f] = calloc(n ? n : 1, sizeof(float));
        if (!len[f] || !bm->norm[f]) goto done;
    }
    b.bm = bm;
    b.flen = flen;
    for (size_t d = 0; d < n; d++) {
        const rv_chunk *c = &chunks[d];
        b.doc = (uint32_t)d;
        b.ntouched = 0;
        memset(flen, 0, sizeof flen);
        b.field = F_NAME;
        if (c->name) rv_code_tokenize(c->name, strlen(c->name), bm->p.flags, build_sink, &b);
        if (c->scope) rv_code_tokenize(c->scope, strlen(c->scope), bm->p.flags, build_sink, &b);
        b.field = F_PATH;
        if (c->path) rv_code_tokenize(c->path, strlen(c->path), bm->p.flags, build_sink, &b);
        b.field = F_BODY;
        if (c->content)
            rv_code_tokenize(c->content, strlen(c->content), bm->p.flags, build_sink, &b);
        if (b.oom) goto done;
        for (int f = 0; f < NFIELDS; f++)
            len[f][d] = (float)flen[f];
        if (!grow((void **)&tmp, &tmp_cap, ntmp + b.ntouched, sizeof *tmp)) goto done;
        if (!grow((void **)&tmp_term, &tmp_term_cap, ntmp + b.ntouched, sizeof *tmp_term))
            goto done;
        for (size_t k = 0; k < b.ntouched; k++) {
            uint32_t id = b.touched[k];
            tmp[ntmp].doc = (uint32_t)d;
            memcpy(tmp[ntmp].tf, b.tf[id], sizeof tmp[ntmp].tf);
            tmp[ntmp].pad = 0; /* saved as is */
            tmp_term[ntmp] = id;
            ntmp++;
        }
    }
    /* CSR by term: counting sort keeps document order inside each list. */
    df = calloc(bm->nterms ? bm->nterms : 1, sizeof *df);
    bm->post_off = calloc(bm->nterms + 1, sizeof *bm->post_off);
    bm->post = malloc((ntmp ? ntmp : 1) * sizeof *bm->post);
    if (!df || !bm->post_off || !bm->post) goto done;
    for (size_t i = 0; i < ntmp; i++)
        df[tmp_term[i]]++;
    for (size_t t = 0; t < bm->nterms; t++)
        bm->post_off[t + 1] = bm->post_off[t] + df[t];
    {
        uint64_t *fill = malloc((bm->nterms ? bm->nterms : 1) * sizeof *fill);
        if (!fill) goto done;
        memcpy(fill, bm->post_off, bm->nterms * sizeof *fill);
        for (size_t i = 0; i < ntmp; i++)
            bm->post[fill[tmp_term[i]]++] = tmp[i];
        free(fill);
    }
    {
        float bs[NFIELDS] = {bm->p.b_name, bm->p.b_path, bm->p.b_body};
        for (int f = 0; f < NFIELDS; f++) {
            double sum = 0;
            for (size_t d = 0; d < n; d++)
                sum += len[f][d];
            double avg = n ? sum / (double)n : 0;
            for (size_t d = 0; d < n; d++) {
                double r = avg > 0 ? len[f][d] / avg : 0;
                bm->norm[f][d] = (float)(1.0 / (1.0 - bs[f] + bs[f] * r));
            }
        }
    }
    *out = bm;
    bm = NULL;
    st = RV_OK;
done:
    if (st != RV_OK) rv_error_set(st, "bm25: out of memory");
    free(tmp);
    free(tmp_term);
    free(df);
    free(b.seen);
    free(b.tf);
    free(b.touched);
    for (int f = 0; f < NFIELDS; f++)
        free(len[f]);
    rv_bm25_free(bm);
    return st;
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
    long id = find_term(q->bm, t, n, XXH3_64bits(t, n), NULL);
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
