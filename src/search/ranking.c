/* The searcher's side of the blended ranking: the per-corpus tables it
 * needs (BM25F, definitions lookup), the full score arrays, and the call. */
#include "search/internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static rv_status ensure_symtab(rv_searcher *s) {
    if (s->symtab) return RV_OK;
    rv_status st = rv_symtab_build(&s->symtab, s->corpus.chunks.items, s->corpus.chunks.count);
    if (st == RV_OK) rv_search_trace(s, "symtab");
    return st;
}

/* A word the model's vocabulary holds whole, or nearly: short words as one
 * piece, longer ones in at most one piece per six letters. Letter salad
 * falls apart into many pieces. */
static int known_word(rv_searcher *s, const char *w, size_t n) {
    size_t pieces = rv_search_lazy_count(s, w, n);
    return pieces >= 1 && pieces <= 1 + n / 6;
}

/* Share of the query's words (letter runs, split at camelCase) that are
 * words to the model; -1 without a tokenizer. */
static float lexical_share(rv_searcher *s, const char *text) {
    if (!s->model && !s->lazy_tk) return -1.0f;
    size_t words = 0, known = 0;
    for (const char *p = text; *p;) {
        if (!isalpha((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *w = p++;
        while (isalpha((unsigned char)*p) &&
               !(isupper((unsigned char)*p) && islower((unsigned char)p[-1])))
            p++;
        size_t n = (size_t)(p - w);
        if (n < 2) continue;
        words++;
        known += (size_t)known_word(s, w, n);
    }
    return words ? (float)known / (float)words : 0.0f;
}

/* Which chunks have a vector (a partly embedded index gives the rest zero
 * rows): *mask NULL when all do; *count how many do. A row's first element
 * settles it almost always. */
static rv_status embedded_mask(const rv_corpus *c, unsigned char **mask, size_t *count) {
    size_t n = c->chunks.count, dim = c->dim, have = 0;
    unsigned char *m = malloc(n ? n : 1);
    *mask = NULL;
    if (!m) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const float *v = c->vectors + i * dim;
        size_t k = 0;
        while (k < dim && v[k] == 0.0f)
            k++;
        m[i] = k < dim;
        have += m[i];
    }
    *count = have;
    if (have == n)
        free(m);
    else
        *mask = m;
    return RV_OK;
}

rv_status rv_search_rank(rv_searcher *s, const rv_query *q, const unsigned char *keep, size_t depth,
                         size_t want, rv_scored **list, size_t *n_list, rv_rank_explain **ex,
                         rv_query_kind *kind) {
    size_t n = s->corpus.chunks.count;
    float *cosine = NULL, *bm = NULL, *cov = NULL;
    unsigned char *emb = NULL;
    size_t n_emb = n;
    rv_rank_explain *res = NULL;
    size_t nres = 0;
    rv_status st = RV_OK;
    *list = NULL;
    *n_list = 0;
    if (ex) *ex = NULL;
    rv_query_info qi;
    rv_query_analyze(&qi, q->text);
    *kind = qi.kind;
    bm = malloc(n * sizeof *bm);
    cov = malloc(n * sizeof *cov);
    if (!bm || !cov) goto oom;
    if ((st = rv_search_ensure_bm25(s)) != RV_OK) goto done;
    if ((st = rv_bm25_score_coverage(s->bm, q->text, bm, cov)) != RV_OK) goto done;
    rv_search_trace(s, "bm25 score");
    if ((st = ensure_symtab(s)) != RV_OK) goto done;
    /* The coverage rule (docs/INDEX.md): nothing embedded ranks as keyword
     * mode does; a part embedded, by rv_rank_input.embedded. */
    if (q->mode == RV_MODE_HYBRID && s->corpus.vectors &&
        (st = embedded_mask(&s->corpus, &emb, &n_emb)) != RV_OK)
        goto done;
    s->by_keywords = q->mode == RV_MODE_HYBRID && n_emb == 0;
    if (q->mode == RV_MODE_HYBRID && n_emb > 0) {
        if ((st = rv_search_ensure_model(s)) != RV_OK) goto done;
        if (!rv_search_take_prefetched(s, q->text)) {
            st = rv_search_embed_query(s->model, s->ctx, q->text, s->qvec);
            if (st != RV_OK) goto done;
            rv_search_trace(s, "query embed");
        }
        if (!(cosine = malloc(n * sizeof *cosine))) goto oom;
        rv_rank_cosine(cosine, s->corpus.vectors, n, s->corpus.dim, s->qvec);
        rv_search_trace(s, "cosine");
    }
    rv_rank_input in;
    memset(&in, 0, sizeof in);
    in.chunks = s->corpus.chunks.items;
    in.n = n;
    in.cosine = cosine;
    in.bm25 = bm;
    in.coverage = cov;
    in.keep = keep;
    in.embedded = emb;
    in.symtab = s->symtab;
    in.query = &qi;
    in.content = q->content;
    in.steps = q->steps;
    in.depth = depth;
    in.want = want;
    in.lexical = cosine ? lexical_share(s, q->text) : -1.0f;
    if ((st = rv_rank_blend(&res, &nres, &in)) != RV_OK) goto done;
    rv_search_trace(s, "blend");
    *list = malloc((nres ? nres : 1) * sizeof **list);
    if (!*list) goto oom;
    for (size_t i = 0; i < nres; i++) {
        (*list)[i].id = res[i].id;
        (*list)[i].score = res[i].score;
    }
    *n_list = nres;
    if (ex) {
        *ex = res;
        res = NULL;
    }
    goto done;
oom:
    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
done:
    free(res);
    free(emb);
    free(cosine);
    free(bm);
    free(cov);
    return st;
}

rv_status rv_search_keep(const rv_searcher *s, const rv_query *q, const unsigned char *fmask,
                         unsigned char **keep) {
    size_t n = s->corpus.chunks.count;
    int glob = q->path_glob && q->path_glob[0];
    *keep = NULL;
    if (!glob && !fmask && q->content == RV_CONTENT_ALL) return RV_OK;
    unsigned char *k = malloc(n ? n : 1);
    if (!k) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *c = &s->corpus.chunks.items[i];
        int ok = (!fmask || fmask[i]) && (!glob || rv_glob_match(q->path_glob, c->path));
        if (ok && q->content != RV_CONTENT_ALL)
            ok = rv_chunk_is_prose(c) == (q->content == RV_CONTENT_DOCS);
        k[i] = (unsigned char)ok;
    }
    *keep = k;
    return RV_OK;
}

/* Explanations of a semantic list: its ranks and cosines alone. */
rv_status rv_search_explain_semantic(const rv_scored *list, size_t n, rv_rank_explain **ex) {
    *ex = calloc(n ? n : 1, sizeof **ex);
    if (!*ex) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rv_rank_explain *x = &(*ex)[i];
        x->id = list[i].id;
        x->sem_rank = (int)i + 1;
        x->cosine = x->score = list[i].score;
        x->content = x->penalty = x->diversity = x->evidence = 1.0f;
    }
    return RV_OK;
}
