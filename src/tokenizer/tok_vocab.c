/* tokenizer/tok_vocab.c — the token -> id hash table (open addressing). */
#include "tokenizer/tok_internal.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a over two parts, so "##" + piece is hashed without being copied. */
static uint64_t hash2(const char *a, size_t alen, const char *b, size_t blen) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ (unsigned char)a[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < blen; i++)
        h = (h ^ (unsigned char)b[i]) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static int key_eq(const rv_tok_vocab *v, const struct rv_tok_entry *e, const char *a, size_t alen,
                  const char *b, size_t blen) {
    if (e->len != alen + blen) return 0;
    const char *k = v->blob + e->off;
    /* memcmp with a NULL part (length 0) would be undefined behaviour. */
    return (!alen || memcmp(k, a, alen) == 0) && (!blen || memcmp(k + alen, b, blen) == 0);
}

static rv_status rehash(rv_tok_vocab *v, size_t nslots) {
    uint32_t *s = calloc(nslots, sizeof *s);
    if (!s) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
    for (size_t i = 0; i < v->n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        uint64_t h = hash2(v->blob + e->off, e->len, NULL, 0);
        size_t j = (size_t)h & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = (uint32_t)(i + 1);
    }
    free(v->slots);
    v->slots = s;
    v->nslots = nslots;
    return RV_OK;
}

rv_status rv_tok_vocab_reserve(rv_tok_vocab *v, size_t n, size_t blob_bytes) {
    if (n > UINT32_MAX / 4 || blob_bytes > UINT32_MAX) return RV_OK; /* grows as it goes */
    size_t slots = v->nslots ? v->nslots : 1024;
    while ((n + 1) * 2 > slots)
        slots *= 2;
    if (slots > v->nslots) {
        rv_status st = rehash(v, slots);
        if (st != RV_OK) return st;
    }
    if (n > v->ent_cap) {
        void *p = realloc(v->ent, n * sizeof *v->ent);
        if (!p) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
        v->ent = p;
        v->ent_cap = n;
    }
    if (blob_bytes > v->blob_cap) {
        char *p = realloc(v->blob, blob_bytes);
        if (!p) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
        v->blob = p;
        v->blob_cap = blob_bytes;
    }
    return RV_OK;
}

rv_status rv_tok_vocab_put(rv_tok_vocab *v, const char *key, size_t len, int32_t id) {
    if (len > UINT32_MAX / 2)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: vocabulary token too long");
    uint64_t h = hash2(key, len, NULL, 0);
    if (v->nslots) {
        size_t j = (size_t)h & (v->nslots - 1);
        while (v->slots[j]) {
            struct rv_tok_entry *e = &v->ent[v->slots[j] - 1];
            if (e->tag == (uint32_t)(h >> 32) && key_eq(v, e, key, len, NULL, 0)) {
                e->id = id; /* later wins */
                if (id > v->max_id) v->max_id = id;
                return RV_OK;
            }
            j = (j + 1) & (v->nslots - 1);
        }
    }
    if (v->n >= UINT32_MAX - 1)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: vocabulary too large");
    /* Keep the load factor under 1/2. */
    if ((v->n + 1) * 2 > v->nslots) {
        rv_status st = rehash(v, v->nslots ? v->nslots * 2 : 1024);
        if (st != RV_OK) return st;
    }
    if (v->n == v->ent_cap) {
        size_t cap = v->ent_cap ? v->ent_cap * 2 : 1024;
        void *p = realloc(v->ent, cap * sizeof *v->ent);
        if (!p) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
        v->ent = p;
        v->ent_cap = cap;
    }
    if (v->blob_len + len > UINT32_MAX)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: vocabulary too large");
    if (v->blob_len + len > v->blob_cap) {
        size_t cap = v->blob_cap ? v->blob_cap : 4096;
        while (cap < v->blob_len + len)
            cap *= 2;
        char *p = realloc(v->blob, cap);
        if (!p) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
        v->blob = p;
        v->blob_cap = cap;
    }
    if (len) memcpy(v->blob + v->blob_len, key, len);
    struct rv_tok_entry *e = &v->ent[v->n];
    e->off = (uint32_t)v->blob_len;
    e->len = (uint32_t)len;
    e->id = id;
    e->tag = (uint32_t)(h >> 32);
    v->blob_len += len;
    v->n++;
    size_t j = (size_t)h & (v->nslots - 1);
    while (v->slots[j])
        j = (j + 1) & (v->nslots - 1);
    v->slots[j] = (uint32_t)v->n;
    if (len > v->max_key) v->max_key = len;
    if (id > v->max_id) v->max_id = id;
    return RV_OK;
}

int32_t rv_tok_vocab_get2(const rv_tok_vocab *v, const char *pre, size_t plen, const char *s,
                          size_t slen) {
    if (!v->nslots || plen + slen > v->max_key) return -1;
    uint64_t h = hash2(pre, plen, s, slen);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j = (size_t)h & (v->nslots - 1);
    while (v->slots[j]) {
        const struct rv_tok_entry *e = &v->ent[v->slots[j] - 1];
        if (e->tag == tag && key_eq(v, e, pre, plen, s, slen)) return e->id;
        j = (j + 1) & (v->nslots - 1);
    }
    return -1;
}

size_t rv_tok_vocab_max_suffix(const rv_tok_vocab *v, const char *pre, size_t plen) {
    size_t m = 0;
    for (size_t i = 0; i < v->n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        if (e->len >= plen && memcmp(v->blob + e->off, pre, plen) == 0 && e->len - plen > m)
            m = e->len - plen;
    }
    return m;
}

void rv_tok_vocab_release(rv_tok_vocab *v) {
    free(v->blob);
    free(v->ent);
    free(v->slots);
    memset(v, 0, sizeof *v);
}
