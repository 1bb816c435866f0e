/* The BM25F index on disk: one file, a fixed header and the arrays, so a
 * warm query reads it back instead of re-tokenizing the whole corpus. The
 * caller's key (rv_bm25_key: a hash of every field the index was built
 * from) decides whether a file still fits; a checksum over the arrays and
 * full bounds checks make a damaged file an error, never a crash. */
#include "rank/bm25_int.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define RV_BM25_MAGIC "RVBM25\0\1" /* the last byte is the format version */
#define RV_BM25_MAX_FILE ((size_t)1 << 31)

typedef struct file_header {
    char magic[8];
    uint64_t key;
    uint64_t ndocs, nterms, chars_len, npost;
    float k1, w[3], b[3];
    uint32_t flags;
    uint64_t payload_hash; /* XXH3 of everything after the header */
} file_header;

/* Feeds one string field to the hash, with its length so fields never run
 * together ("ab"+"c" differs from "a"+"bc"). */
static void hash_str(XXH3_state_t *h, const char *s) {
    uint64_t n = s ? (uint64_t)strlen(s) + 1 : 0;
    XXH3_64bits_update(h, &n, sizeof n);
    if (n) XXH3_64bits_update(h, s, (size_t)n);
}

uint64_t rv_bm25_key(const rv_chunk *chunks, size_t n, const rv_bm25_params *p) {
    rv_bm25_params def = rv_bm25_default_params();
    if (!p) p = &def;
    XXH3_state_t *h = XXH3_createState();
    if (!h) return 0;
    XXH3_64bits_reset(h);
    XXH3_64bits_update(h, RV_BM25_MAGIC, 8);
    float pf[7] = {p->k1, p->w_name, p->w_path, p->w_body, p->b_name, p->b_path, p->b_body};
    XXH3_64bits_update(h, pf, sizeof pf);
    XXH3_64bits_update(h, &p->flags, sizeof p->flags);
    uint64_t nn = n;
    XXH3_64bits_update(h, &nn, sizeof nn);
    for (size_t i = 0; i < n; i++) {
        hash_str(h, chunks[i].name);
        hash_str(h, chunks[i].scope);
        hash_str(h, chunks[i].path);
        hash_str(h, chunks[i].content);
    }
    uint64_t k = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    return k ? k : 1;
}

/* Payload size for the header's counts; 0 when it would overflow. */
static size_t payload_size(const file_header *fh) {
    uint64_t t = fh->nterms, d = fh->ndocs, c = fh->chars_len, p = fh->npost;
    if (t >= UINT32_MAX || d >= UINT32_MAX || c > UINT32_MAX || p > (uint64_t)1 << 40) return 0;
    /* term_hash 8, post_off 8 (+1), term_off 4, df 4, term_len 2 per term;
     * norm 12 per doc; doc 4 + tf 6 per posting; chars */
    uint64_t sz = t * 26 + 8 + d * 12 + p * 10 + c;
    return sz > RV_BM25_MAX_FILE ? 0 : (size_t)sz;
}

rv_status rv_bm25_save(const rv_bm25 *bm, uint64_t key, const char *path) {
    if (!bm || !path) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    rv_status st = RV_OK;
    file_header fh;
    memset(&fh, 0, sizeof fh);
    memcpy(fh.magic, RV_BM25_MAGIC, 8);
    fh.key = key;
    fh.ndocs = bm->ndocs;
    fh.nterms = bm->nterms;
    fh.chars_len = bm->chars_len;
    fh.npost = bm->nterms ? bm->post_off[bm->nterms] : 0;
    fh.k1 = bm->p.k1;
    fh.w[0] = bm->p.w_name;
    fh.w[1] = bm->p.w_path;
    fh.w[2] = bm->p.w_body;
    fh.b[0] = bm->p.b_name;
    fh.b[1] = bm->p.b_path;
    fh.b[2] = bm->p.b_body;
    fh.flags = bm->p.flags;
    size_t sz = payload_size(&fh);
    if (!sz) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: index too large to save");
    char *buf = malloc(sz), *q = buf, *tmp = NULL;
    FILE *f = NULL;
    if (!buf) return rv_error_set(RV_ERR_NOMEM, "out of memory");
#define PUT(src, bytes)                                                                            \
    do {                                                                                           \
        if ((bytes) != 0) memcpy(q, (src), (bytes));                                               \
        q += (bytes);                                                                              \
    } while (0)
    size_t t = bm->nterms, d = bm->ndocs, np = (size_t)fh.npost;
    PUT(bm->term_hash, t * 8);
    for (size_t i = 0; i <= t; i++) {
        uint64_t v = bm->nterms ? bm->post_off[i] : 0;
        PUT(&v, 8);
    }
    PUT(bm->term_off, t * 4);
    PUT(bm->df, t * 4);
    PUT(bm->term_len, t * 2);
    for (int fi = 0; fi < NFIELDS; fi++)
        PUT(bm->norm[fi], d * 4);
    for (size_t i = 0; i < np; i++)
        PUT(&bm->post[i].doc, 4);
    for (size_t i = 0; i < np; i++)
        PUT(bm->post[i].tf, 6);
    PUT(bm->chars, bm->chars_len);
#undef PUT
    fh.payload_hash = XXH3_64bits(buf, sz);
    size_t pl = strlen(path);
    tmp = malloc(pl + 32);
    if (!tmp) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* a private name, then rename: readers see the old file or the new one */
    snprintf(tmp, pl + 32, "%s.tmp-%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f || fwrite(&fh, sizeof fh, 1, f) != 1 || fwrite(buf, 1, sz, f) != sz) {
        st = rv_error_set(RV_ERR_IO, "%s: cannot write", tmp);
        goto done;
    }
    int bad = fclose(f) != 0;
    f = NULL;
    if (bad || rename(tmp, path) != 0) st = rv_error_set(RV_ERR_IO, "%s: cannot write", path);
done:
    if (f) fclose(f);
    if (st != RV_OK && tmp) unlink(tmp);
    free(tmp);
    free(buf);
    return st;
}

/* Copies `bytes` from the cursor into a fresh allocation (at least 1 byte). */
static void *take(const char **cur, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (p && bytes) memcpy(p, *cur, bytes);
    *cur += bytes;
    return p;
}

rv_status rv_bm25_load(rv_bm25 **out, uint64_t key, const char *path) {
    if (!out || !path) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    rv_mapped map;
    rv_bm25 *bm = NULL;
    uint64_t *off64 = NULL;
    uint32_t *docs = NULL;
    uint16_t *tfs = NULL;
    /* Mapped, not read: reading it into fresh memory cost more (page faults
     * on a new buffer, growing it) than the copies below. */
    if (rv_map_file(&map, path) != RV_OK || map.size > RV_BM25_MAX_FILE + sizeof(file_header)) {
        rv_unmap_file(&map);
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no saved keyword index", path);
    }
    const char *data = (const char *)map.data;
    size_t len = map.size;
    rv_status st = RV_OK;
    file_header fh;
    size_t sz;
    if (len < sizeof fh) goto corrupt;
    memcpy(&fh, data, sizeof fh);
    if (memcmp(fh.magic, RV_BM25_MAGIC, 8) != 0) goto corrupt;
    if (fh.key != key) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: saved for another corpus", path);
        goto done;
    }
    sz = payload_size(&fh);
    if (!sz || len - sizeof fh != sz) goto corrupt;
    const char *cur = data + sizeof fh;
    if (XXH3_64bits(cur, sz) != fh.payload_hash) goto corrupt;
    st = RV_ERR_NOMEM;
    bm = calloc(1, sizeof *bm);
    if (!bm) goto done;
    size_t t = (size_t)fh.nterms, d = (size_t)fh.ndocs, np = (size_t)fh.npost;
    bm->p.k1 = fh.k1;
    bm->p.w_name = fh.w[0];
    bm->p.w_path = fh.w[1];
    bm->p.w_body = fh.w[2];
    bm->p.b_name = fh.b[0];
    bm->p.b_path = fh.b[1];
    bm->p.b_body = fh.b[2];
    bm->p.flags = fh.flags;
    bm->ndocs = d;
    bm->nterms = bm->terms_cap = t;
    bm->chars_len = bm->chars_cap = (size_t)fh.chars_len;
    bm->term_hash = take(&cur, t * 8);
    off64 = take(&cur, (t + 1) * 8);
    bm->term_off = take(&cur, t * 4);
    bm->df = take(&cur, t * 4);
    bm->term_len = take(&cur, t * 2);
    for (int fi = 0; fi < NFIELDS; fi++)
        bm->norm[fi] = take(&cur, d * 4);
    docs = take(&cur, np * 4);
    tfs = take(&cur, np * 6);
    bm->chars = take(&cur, bm->chars_len);
    bm->post_off = malloc((t + 1) * sizeof *bm->post_off);
    bm->post = malloc((np ? np : 1) * sizeof *bm->post);
    if (!bm->term_hash || !off64 || !bm->term_off || !bm->df || !bm->term_len || !docs || !tfs ||
        !bm->chars || !bm->post_off || !bm->post || !bm->norm[0] || !bm->norm[1] || !bm->norm[2])
        goto done;
    /* Bounds: every offset and id the scorer follows must stay inside. */
    if (off64[0] != 0 || off64[t] != np) goto corrupt;
    for (size_t i = 0; i < t; i++) {
        if (off64[i + 1] < off64[i] || off64[i + 1] - off64[i] != bm->df[i]) goto corrupt;
        if ((uint64_t)bm->term_off[i] + bm->term_len[i] > bm->chars_len) goto corrupt;
        bm->post_off[i] = (size_t)off64[i];
    }
    bm->post_off[t] = np;
    for (size_t i = 0; i < np; i++) {
        if (docs[i] >= d) goto corrupt;
        bm->post[i].doc = docs[i];
        memcpy(bm->post[i].tf, tfs + 3 * i, 6);
    }
    size_t cap = 1024;
    while (cap < 2 * (t + 1))
        cap *= 2;
    if (!rv_bm25_rehash(bm, cap)) goto done;
    *out = bm;
    bm = NULL;
    st = RV_OK;
    goto done;
corrupt:
    st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged keyword index", path);
done:
    if (st == RV_ERR_NOMEM) rv_error_set(st, "out of memory");
    rv_bm25_free(bm);
    free(off64);
    free(docs);
    free(tfs);
    rv_unmap_file(&map);
    return st;
}
