/* Updating the BM25F index instead of rebuilding it: each new document is
 * matched to an old one with the same text (rv_bm25_doc_hash); the matched
 * ones keep their postings and field lengths under their new ids, the rest
 * are tokenized as a small index of their own, and the two are merged. The
 * norms are recomputed from the field lengths (exact integer sums), so every
 * score equals a full build's bit for bit. */
#include "rank/bm25_incr.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "rank/bm25_int.h"

#define NONE UINT32_MAX

static int same_params(const rv_bm25_params *a, const rv_bm25_params *b) {
    return a->k1 == b->k1 && a->w_name == b->w_name && a->w_path == b->w_path &&
           a->w_body == b->w_body && a->b_name == b->b_name && a->b_path == b->b_path &&
           a->b_body == b->b_body && a->flags == b->flags;
}

/* remap[j] = the new document that takes old document j (NONE: gone);
 * fresh = the new documents no old one matches, ascending. Equal texts are
 * paired in order, so an unchanged order keeps remap ascending. */
static int match(const rv_bm25 *old, const uint64_t *hn, size_t n, uint32_t *remap, uint32_t *fresh,
                 size_t *nfresh) {
    size_t od = old->ndocs, cap = 16;
    while (cap < 2 * od + 2)
        cap *= 2;
    uint32_t *key = malloc(cap * sizeof *key), *head = malloc(cap * sizeof *head);
    uint32_t *next = malloc((od ? od : 1) * sizeof *next);
    if (!key || !head || !next) {
        free(key);
        free(head);
        free(next);
        return 0;
    }
    memset(key, 0xff, cap * sizeof *key);
    for (size_t j = od; j-- > 0;) { /* pushed in front: chains ascend */
        uint64_t h = old->doc_hash[j];
        size_t i = (size_t)h & (cap - 1);
        while (key[i] != NONE && old->doc_hash[key[i]] != h)
            i = (i + 1) & (cap - 1);
        next[j] = key[i] == NONE ? NONE : head[i];
        key[i] = (uint32_t)j;
        head[i] = (uint32_t)j;
        remap[j] = NONE;
    }
    *nfresh = 0;
    for (size_t d = 0; d < n; d++) {
        size_t i = (size_t)hn[d] & (cap - 1);
        while (key[i] != NONE && old->doc_hash[key[i]] != hn[d])
            i = (i + 1) & (cap - 1);
        if (key[i] != NONE && head[i] != NONE) {
            remap[head[i]] = (uint32_t)d;
            head[i] = next[head[i]];
        } else {
            fresh[(*nfresh)++] = (uint32_t)d;
        }
    }
    free(key);
    free(head);
    free(next);
    return 1;
}

/* a[0..n) ascending by doc, by merging its ascending runs pairwise (a
 * moved file leaves a few runs: a pass or two); tmp holds n postings.
 * Runs are non-descending, so every pass halves their number even when a
 * crafted file repeats a document in a list. */
static void sort_runs(posting *a, size_t n, posting *tmp) {
    for (;;) {
        size_t i = 0;
        while (i < n) {
            size_t m = i + 1, e;
            while (m < n && a[m - 1].doc <= a[m].doc)
                m++;
            if (m == n) {
                if (i == 0) return; /* one run: sorted */
                break;
            }
            for (e = m + 1; e < n && a[e - 1].doc <= a[e].doc; e++)
                ;
            memcpy(tmp, a + i, (m - i) * sizeof *a);
            size_t p = 0, q = m, w = i, np = m - i;
            while (p < np && q < e)
                a[w++] = tmp[p].doc < a[q].doc ? tmp[p++] : a[q++];
            while (p < np)
                a[w++] = tmp[p++];
            i = e;
        }
    }
}

/* post[0..na) and post[na..na+nb) each ascending by doc: merged in place,
 * from the back, with the second run copied to scratch. */
static void merge_runs(posting *post, size_t na, size_t nb, posting *scratch) {
    if (!na || !nb || post[na - 1].doc < post[na].doc) return;
    memcpy(scratch, post + na, nb * sizeof *post);
    size_t i = na, j = nb, w = na + nb;
    while (j > 0) {
        if (i > 0 && post[i - 1].doc > scratch[j - 1].doc)
            post[--w] = post[--i];
        else
            post[--w] = scratch[--j];
    }
}

/* Vocabulary and postings of bm: old's terms still used (in old id order),
 * then fb's new ones; each list ascending by document. */
static int merge_postings(rv_bm25 *bm, const rv_bm25 *old, const uint32_t *remap, const rv_bm25 *fb,
                          const uint32_t *fresh) {
    int ok = 0;
    size_t ot = old->nterms, ft = fb->nterms;
    uint32_t *omap = malloc((ot ? ot : 1) * sizeof *omap); /* old term id -> new, or NONE */
    uint32_t *fmap = malloc((ft ? ft : 1) * sizeof *fmap);
    uint64_t *at = NULL;
    uint32_t *ocnt = NULL;
    posting *scratch = NULL;
    if (!omap || !fmap) goto done;
    if (!(ocnt = malloc((ot ? ot : 1) * sizeof *ocnt))) goto done;
    for (size_t t = 0; t < ot; t++) {
        uint32_t m = 0;
        for (uint64_t k = old->post_off[t]; k < old->post_off[t + 1]; k++)
            m += remap[old->post[k].doc] != NONE;
        ocnt[t] = m;
        omap[t] = NONE;
        if (!m) continue; /* only in documents gone: dropped, as a build would */
        const char *s = old->chars + old->term_off[t];
        long id = rv_bm25_vocab_add(bm, s, old->term_len[t], XXH3_64bits(s, old->term_len[t]));
        if (id < 0) goto done;
        omap[t] = (uint32_t)id;
    }
    for (size_t u = 0; u < ft; u++) {
        long id =
            rv_bm25_vocab_add(bm, fb->chars + fb->term_off[u], fb->term_len[u], fb->term_hash[u]);
        if (id < 0) goto done;
        fmap[u] = (uint32_t)id;
    }
    size_t nt = bm->nterms;
    bm->post_off = calloc(nt + 1, sizeof *bm->post_off);
    at = calloc(nt ? nt : 1, sizeof *at);
    if (!bm->post_off || !at) goto done;
    for (size_t t = 0; t < ot; t++)
        if (omap[t] != NONE) at[omap[t]] += ocnt[t];
    for (size_t u = 0; u < ft; u++)
        at[fmap[u]] += fb->post_off[u + 1] - fb->post_off[u];
    size_t longest = 1; /* scratch for merging a list's runs */
    for (size_t t = 0; t < nt; t++) {
        bm->post_off[t + 1] = bm->post_off[t] + at[t];
        if (at[t] > longest) longest = (size_t)at[t];
        at[t] = bm->post_off[t];
    }
    bm->post = malloc((bm->post_off[nt] ? bm->post_off[nt] : 1) * sizeof *bm->post);
    scratch = malloc(longest * sizeof *scratch);
    if (!bm->post || !scratch) goto done;
    for (size_t t = 0; t < ot; t++) {
        if (omap[t] == NONE) continue;
        posting *seg = bm->post + at[omap[t]];
        size_t m = 0;
        int sorted = 1;
        for (uint64_t k = old->post_off[t]; k < old->post_off[t + 1]; k++) {
            uint32_t d = remap[old->post[k].doc];
            if (d == NONE) continue;
            seg[m] = old->post[k];
            seg[m].doc = d;
            sorted &= m == 0 || seg[m - 1].doc < d;
            m++;
        }
        if (!sorted) sort_runs(seg, m, scratch); /* documents reordered */
        at[omap[t]] += m;
    }
    for (size_t u = 0; u < ft; u++) {
        uint32_t t = fmap[u];
        size_t na = (size_t)(at[t] - bm->post_off[t]), nb = 0;
        for (uint64_t k = fb->post_off[u]; k < fb->post_off[u + 1]; k++, nb++) {
            posting *q = &bm->post[at[t] + nb];
            *q = fb->post[k];
            q->doc = fresh[q->doc];
        }
        merge_runs(bm->post + bm->post_off[t], na, nb, scratch);
        at[t] += nb;
    }
    ok = 1;
done:
    free(omap);
    free(ocnt);
    free(fmap);
    free(at);
    free(scratch);
    return ok;
}

/* bm's per-document arrays: old's under their new ids, fb's for the fresh
 * documents; then the norms over all of them. */
static int merge_docs(rv_bm25 *bm, const rv_bm25 *old, const uint32_t *remap, const rv_bm25 *fb,
                      const uint32_t *fresh) {
    size_t n = bm->ndocs;
    for (int f = 0; f < NFIELDS; f++) {
        bm->len[f] = malloc((n ? n : 1) * sizeof *bm->len[f]);
        bm->norm[f] = malloc((n ? n : 1) * sizeof *bm->norm[f]);
        if (!bm->len[f] || !bm->norm[f]) return 0;
        for (size_t j = 0; j < old->ndocs; j++)
            if (remap[j] != NONE) bm->len[f][remap[j]] = old->len[f][j];
        for (size_t k = 0; k < fb->ndocs; k++)
            bm->len[f][fresh[k]] = fb->len[f][k];
    }
    rv_bm25_set_norms(bm);
    return 1;
}

/* hashes: chunks' rv_bm25_doc_hash values, malloc'd, taken over (freed
 * here on every path). */
static rv_status update_hashed(rv_bm25 **out, const rv_bm25 *old, const rv_chunk *chunks, size_t n,
                               const rv_bm25_params *p, int threads, size_t *tokenized,
                               uint64_t *hashes) {
    rv_bm25_params def = rv_bm25_default_params();
    if (!p) p = &def;
    if (!same_params(p, &old->p) || (old->ndocs && !old->doc_hash)) {
        free(hashes);
        return rv_error_set(RV_ERR_NOT_FOUND, "bm25: saved index of other params");
    }
    rv_status st = RV_ERR_NOMEM;
    rv_bm25 *bm = calloc(1, sizeof *bm), *fb = NULL;
    uint32_t *remap = malloc((old->ndocs ? old->ndocs : 1) * sizeof *remap);
    uint32_t *fresh = malloc((n ? n : 1) * sizeof *fresh);
    rv_chunk *sub = NULL;
    size_t nf = 0;
    if (!bm) {
        free(hashes);
        goto done;
    }
    bm->doc_hash = hashes;
    if (!remap || !fresh) goto done;
    bm->p = *p;
    bm->ndocs = n;
    if (!match(old, bm->doc_hash, n, remap, fresh, &nf)) goto done;
    if (nf > n / 2) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "bm25: most documents changed");
        goto done;
    }
    if (!(sub = malloc((nf ? nf : 1) * sizeof *sub))) goto done;
    for (size_t k = 0; k < nf; k++)
        sub[k] = chunks[fresh[k]]; /* shallow: the build only reads */
    if ((st = rv_bm25_build_threads(&fb, sub, nf, p, threads)) != RV_OK) goto done;
    st = RV_ERR_NOMEM;
    if (!rv_bm25_rehash(bm, 1024) || !merge_docs(bm, old, remap, fb, fresh) ||
        !merge_postings(bm, old, remap, fb, fresh))
        goto done;
    if (tokenized) *tokenized = nf;
    *out = bm;
    bm = NULL;
    st = RV_OK;
done:
    if (st == RV_ERR_NOMEM) rv_error_set(st, "bm25: out of memory");
    rv_bm25_free(bm);
    rv_bm25_free(fb);
    free(remap);
    free(fresh);
    free(sub);
    return st;
}

static uint64_t *doc_hashes(const rv_chunk *chunks, size_t n) {
    uint64_t *h = malloc((n ? n : 1) * sizeof *h);
    for (size_t d = 0; h && d < n; d++)
        h[d] = rv_bm25_doc_hash(&chunks[d]);
    return h;
}

rv_status rv_bm25_update(rv_bm25 **out, const rv_bm25 *old, const rv_chunk *chunks, size_t n,
                         const rv_bm25_params *p, int threads, size_t *tokenized) {
    if (!out || !old || (!chunks && n))
        return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    if (n >= UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: too many chunks");
    uint64_t *h = doc_hashes(chunks, n);
    if (!h) return rv_error_set(RV_ERR_NOMEM, "bm25: out of memory");
    return update_hashed(out, old, chunks, n, p, threads, tokenized, h);
}

rv_status rv_bm25_obtain(rv_bm25 **out, rv_bm25_origin *how, size_t *tokenized, const char *path,
                         uint64_t *key, const rv_chunk *chunks, size_t n, const rv_bm25_params *p,
                         int threads) {
    if (!out || !how || !key || (!chunks && n) || n >= UINT32_MAX)
        return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    size_t tok = 0;
    uint64_t *h = NULL;
    if (path && !*key) { /* the chunks' key, from the hashes an update needs */
        if (!(h = doc_hashes(chunks, n))) return rv_error_set(RV_ERR_NOMEM, "bm25: out of memory");
        *key = rv_bm25_key_of_hashes(h, n, p);
    }
    if (path && *key) {
        if (rv_bm25_load(out, *key, path) == RV_OK) {
            free(h);
            *how = RV_BM25_LOADED;
            if (tokenized) *tokenized = 0;
            return RV_OK;
        }
        rv_bm25 *old = NULL;
        rv_status st = rv_bm25_load_any(&old, path);
        if (st == RV_OK && !h && !(h = doc_hashes(chunks, n))) st = RV_ERR_NOMEM;
        if (st == RV_OK) {
            st = update_hashed(out, old, chunks, n, p, threads, &tok, h);
            h = NULL; /* taken over */
        }
        rv_bm25_free(old);
        if (st == RV_OK) {
            *how = RV_BM25_UPDATED;
            if (tokenized) *tokenized = tok;
            return RV_OK;
        }
    }
    free(h);
    *how = RV_BM25_BUILT;
    if (tokenized) *tokenized = n;
    return rv_bm25_build_threads(out, chunks, n, p, threads);
}
