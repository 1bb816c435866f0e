/* Building the BM25F index, on several threads: each tokenizes a range of
 * documents into its own vocabulary and postings; the ranges are then
 * merged in document order. A term's id is its first occurrence in the
 * corpus (ranges in order, a range's terms in its own first-occurrence
 * order), so the index is the same, byte for byte, for every thread count. */
#include "ripvec/rank.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "driver/threadpool.h"
#include "rank/bm25_int.h"

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

long rv_bm25_vocab_add(rv_bm25 *bm, const char *t, size_t n, uint64_t h) {
    size_t slot;
    long id = rv_bm25_find_term(bm, t, n, h, &slot);
    if (id >= 0) return id;
    if (bm->nterms >= UINT32_MAX - 1) return -1;
    if ((bm->nterms + 1) * 2 > bm->table_cap) {
        if (!rv_bm25_rehash(bm, bm->table_cap * 2)) return -1;
        rv_bm25_find_term(bm, t, n, h, &slot);
    }
    size_t need = bm->nterms + 1, cap = bm->terms_cap;
    if (need > cap) {
        size_t c1 = cap, c2 = cap, c3 = cap;
        if (!grow((void **)&bm->term_hash, &c1, need, sizeof *bm->term_hash) ||
            !grow((void **)&bm->term_off, &c2, need, sizeof *bm->term_off) ||
            !grow((void **)&bm->term_len, &c3, need, sizeof *bm->term_len))
            return -1;
        bm->terms_cap = c1; /* all grew to the same capacity from the same start */
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

static void vocab_free(rv_bm25 *v) {
    free(v->table);
    free(v->term_hash);
    free(v->term_off);
    free(v->term_len);
    free(v->chars);
}

/* One range of documents [d0, d1): its vocabulary and its postings in
 * document order (with their range-local term ids). */
typedef struct part {
    size_t d0, d1;
    rv_bm25 voc;
    posting *post;
    uint32_t *term;
    size_t npost, cap_post, cap_term;
    int oom;
    /* per-term scratch for the current document */
    int field;
    uint32_t doc;
    uint32_t *seen; /* doc + 1 that last touched the term */
    uint16_t (*tf)[NFIELDS];
    size_t scratch_cap;
    uint32_t *touched;
    size_t ntouched, touched_cap;
    uint32_t flen[NFIELDS]; /* tokens of each field of the current document */
} part;

static void token_sink(void *user, const char *t, size_t n) {
    part *p = user;
    if (p->oom) return;
    long id = rv_bm25_vocab_add(&p->voc, t, n, XXH3_64bits(t, n));
    if (id < 0) goto oom;
    if (p->voc.terms_cap > p->scratch_cap) {
        size_t c1 = p->scratch_cap, c2 = p->scratch_cap;
        if (!grow((void **)&p->seen, &c1, p->voc.terms_cap, sizeof *p->seen) ||
            !grow((void **)&p->tf, &c2, p->voc.terms_cap, sizeof *p->tf))
            goto oom;
        memset(p->seen + p->scratch_cap, 0, (c1 - p->scratch_cap) * sizeof *p->seen);
        p->scratch_cap = c1;
    }
    if (p->seen[id] != p->doc + 1) {
        p->seen[id] = p->doc + 1;
        memset(p->tf[id], 0, sizeof p->tf[id]);
        if (!grow((void **)&p->touched, &p->touched_cap, p->ntouched + 1, sizeof *p->touched))
            goto oom;
        p->touched[p->ntouched++] = (uint32_t)id;
    }
    if (p->tf[id][p->field] < UINT16_MAX) p->tf[id][p->field]++;
    p->flen[p->field]++;
    return;
oom:
    p->oom = 1;
}

typedef struct job {
    const rv_chunk *chunks;
    unsigned flags;
    part *parts;
    rv_bm25 *bm; /* len[] and doc_hash filled per document */
} job;

/* Each field hashed on its own (its length included), seeded with the
 * hash so far: fields never run together, and one-shot hashes of short
 * strings cost far less than a streaming state. NULL tokenizes as "". */
static uint64_t hash_field(const char *s, uint64_t seed) {
    return XXH3_64bits_withSeed(s ? s : "", s ? strlen(s) : 0, seed);
}

uint64_t rv_bm25_doc_hash(const rv_chunk *c) {
    uint64_t h = hash_field(c->name, 0x6b7769u);
    h = hash_field(c->scope, h);
    h = hash_field(c->path, h);
    return hash_field(c->content, h);
}

static void tokenize_field(part *p, int field, const char *text, unsigned flags) {
    p->field = field;
    if (text) rv_code_tokenize(text, strlen(text), flags, token_sink, p);
}

static void tokenize_part(void *arg, int tid, int nthreads) {
    (void)nthreads;
    job *j = arg;
    part *p = &j->parts[tid];
    if (!rv_bm25_rehash(&p->voc, 1024)) {
        p->oom = 1;
        return;
    }
    for (size_t d = p->d0; d < p->d1 && !p->oom; d++) {
        const rv_chunk *c = &j->chunks[d];
        p->doc = (uint32_t)d;
        p->ntouched = 0;
        memset(p->flen, 0, sizeof p->flen);
        tokenize_field(p, F_NAME, c->name, j->flags);
        tokenize_field(p, F_NAME, c->scope, j->flags);
        tokenize_field(p, F_PATH, c->path, j->flags);
        tokenize_field(p, F_BODY, c->content, j->flags);
        if (p->oom) break;
        for (int f = 0; f < NFIELDS; f++)
            j->bm->len[f][d] = p->flen[f];
        j->bm->doc_hash[d] = rv_bm25_doc_hash(c);
        size_t need = p->npost + p->ntouched;
        if (!grow((void **)&p->post, &p->cap_post, need, sizeof *p->post) ||
            !grow((void **)&p->term, &p->cap_term, need, sizeof *p->term)) {
            p->oom = 1;
            break;
        }
        for (size_t k = 0; k < p->ntouched; k++) {
            uint32_t id = p->touched[k];
            posting *q = &p->post[p->npost];
            q->doc = (uint32_t)d;
            memcpy(q->tf, p->tf[id], sizeof q->tf);
            q->pad = 0; /* saved as is */
            p->term[p->npost++] = id;
        }
    }
}

static void part_free(part *p) {
    vocab_free(&p->voc);
    free(p->post);
    free(p->term);
    free(p->seen);
    free(p->tf);
    free(p->touched);
}

/* The ranges' terms into bm's vocabulary, in range order; each range's term
 * ids rewritten to bm's. Then the postings as CSR by term: a counting sort
 * over the ranges in order keeps document order inside each list. */
static int merge(rv_bm25 *bm, part *parts, int np) {
    int ok = 0;
    uint64_t *fill = NULL;
    uint32_t *map = NULL;
    size_t map_cap = 0, total = 0;
    for (int t = 0; t < np; t++) {
        part *p = &parts[t];
        if (!grow((void **)&map, &map_cap, p->voc.nterms + 1, sizeof *map)) goto done;
        for (size_t i = 0; i < p->voc.nterms; i++) {
            long id = rv_bm25_vocab_add(bm, p->voc.chars + p->voc.term_off[i], p->voc.term_len[i],
                                p->voc.term_hash[i]);
            if (id < 0) goto done;
            map[i] = (uint32_t)id;
        }
        for (size_t i = 0; i < p->npost; i++)
            p->term[i] = map[p->term[i]];
        total += p->npost;
    }
    bm->post_off = calloc(bm->nterms + 1, sizeof *bm->post_off);
    bm->post = malloc((total ? total : 1) * sizeof *bm->post);
    fill = calloc(bm->nterms ? bm->nterms : 1, sizeof *fill);
    if (!bm->post_off || !bm->post || !fill) goto done;
    for (int t = 0; t < np; t++)
        for (size_t i = 0; i < parts[t].npost; i++)
            fill[parts[t].term[i]]++;
    for (size_t t = 0; t < bm->nterms; t++)
        bm->post_off[t + 1] = bm->post_off[t] + fill[t];
    memcpy(fill, bm->post_off, bm->nterms * sizeof *fill);
    for (int t = 0; t < np; t++)
        for (size_t i = 0; i < parts[t].npost; i++)
            bm->post[fill[parts[t].term[i]]++] = parts[t].post[i];
    ok = 1;
done:
    free(fill);
    free(map);
    return ok;
}

void rv_bm25_set_norms(rv_bm25 *bm) {
    size_t n = bm->ndocs;
    uint32_t *const *len = bm->len;
    float bs[NFIELDS] = {bm->p.b_name, bm->p.b_path, bm->p.b_body};
    for (int f = 0; f < NFIELDS; f++) {
        double sum = 0;
        for (size_t d = 0; d < n; d++)
            sum += (double)len[f][d];
        double avg = n ? sum / (double)n : 0;
        for (size_t d = 0; d < n; d++) {
            double r = avg > 0 ? (double)len[f][d] / avg : 0;
            bm->norm[f][d] = (float)(1.0 / (1.0 - bs[f] + bs[f] * r));
        }
    }
}

/* Ranges of at least this many documents: below, a thread costs more than
 * it saves. */
#define MIN_DOCS_PER_THREAD 2048

rv_status rv_bm25_build_threads(rv_bm25 **out, const rv_chunk *chunks, size_t n,
                                const rv_bm25_params *params, int threads) {
    if (!out || (!chunks && n)) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    if (n >= UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: too many chunks");
    if (threads < 1) threads = 1;
    if ((size_t)threads > n / MIN_DOCS_PER_THREAD) threads = (int)(n / MIN_DOCS_PER_THREAD);
    if (threads < 1) threads = 1;
    rv_status st = RV_ERR_NOMEM;
    rv_threadpool *pool = NULL;
    job j = {.chunks = chunks};
    part *parts = calloc((size_t)threads, sizeof *parts);
    rv_bm25 *bm = calloc(1, sizeof *bm);
    if (!parts || !bm) goto done;
    bm->p = params ? *params : rv_bm25_default_params();
    bm->ndocs = n;
    j.flags = bm->p.flags;
    j.parts = parts;
    j.bm = bm;
    if (!rv_bm25_rehash(bm, 1024)) goto done;
    if (!(bm->doc_hash = calloc(n ? n : 1, sizeof *bm->doc_hash))) goto done;
    for (int f = 0; f < NFIELDS; f++) {
        bm->len[f] = calloc(n ? n : 1, sizeof *bm->len[f]);
        bm->norm[f] = calloc(n ? n : 1, sizeof(float));
        if (!bm->len[f] || !bm->norm[f]) goto done;
    }
    for (int t = 0; t < threads; t++)
        rv_split_range(n, threads, t, &parts[t].d0, &parts[t].d1);
    if (threads > 1 && rv_threadpool_create(&pool, threads) != RV_OK) goto done;
    if (pool)
        rv_threadpool_run(pool, tokenize_part, &j);
    else
        tokenize_part(&j, 0, 1);
    for (int t = 0; t < threads; t++)
        if (parts[t].oom) goto done;
    if (!merge(bm, parts, threads)) goto done;
    rv_bm25_set_norms(bm);
    *out = bm;
    bm = NULL;
    st = RV_OK;
done:
    if (st != RV_OK) rv_error_set(st, "bm25: out of memory");
    rv_threadpool_free(pool);
    for (int t = 0; parts && t < threads; t++)
        part_free(&parts[t]);
    free(parts);
    rv_bm25_free(bm);
    return st;
}

rv_status rv_bm25_build(rv_bm25 **out, const rv_chunk *chunks, size_t n,
                        const rv_bm25_params *params) {
    return rv_bm25_build_threads(out, chunks, n, params, 1);
}
