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

#define TAG(h) ((h)&0xffffffff00000000ull)
#define SLOT_ENTRY(s) ((size_t)((s)&0xffffffffu) - 1)

static int key_eq(const rv_tok_vocab *v, const struct rv_tok_entry *e, const char *a, size_t alen,
                  const char *b, size_t blen) {
    if (e->len != alen + blen) return 0;
    const char *k = v->blob + e->off;
    /* memcmp with a NULL part (length 0) would be undefined behaviour. */
    return (!alen || memcmp(k, a, alen) == 0) && (!blen || memcmp(k + alen, b, blen) == 0);
}

/* The slot holding the key (or the empty slot where it would go). */
static size_t find(const rv_tok_vocab *v, uint64_t h, const char *a, size_t alen, const char *b,
                   size_t blen) {
    size_t mask = v->nslots - 1, j = (size_t)h & mask;
    for (; v->slots[j]; j = (j + 1) & mask)
        if (TAG(v->slots[j]) == TAG(h) &&
            key_eq(v, &v->ent[SLOT_ENTRY(v->slots[j])], a, alen, b, blen))
            break;
    return j;
}

static size_t slots_for(size_t n) {
    size_t slots = 1024;
    while ((n + 1) * 2 > slots) /* load factor under 1/2 */
        slots *= 2;
    return slots;
}

/* Rebuilds the table with nslots slots from the entries (distinct keys). */
static rv_status rehash(rv_tok_vocab *v, size_t nslots) {
    uint64_t *s = calloc(nslots, sizeof *s);
    if (!s) return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
    for (size_t i = 0; i < v->n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        uint64_t h = hash2(v->blob + e->off, e->len, NULL, 0);
        size_t j = (size_t)h & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = TAG(h) | (uint64_t)(i + 1);
    }
    free(v->slots);
    v->slots = s;
    v->nslots = nslots;
    return RV_OK;
}

rv_status rv_tok_vocab_reserve(rv_tok_vocab *v, size_t n, size_t blob_bytes) {
    if (n > UINT32_MAX / 4 || blob_bytes > UINT32_MAX) return RV_OK; /* grows as it goes */
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

/* Appends an entry, without touching the table. */
static rv_status push(rv_tok_vocab *v, const char *key, size_t len, int32_t id) {
    if (len > UINT32_MAX / 2)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: vocabulary token too long");
    if (v->n >= UINT32_MAX - 1)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: vocabulary too large");
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
    struct rv_tok_entry *e = &v->ent[v->n++];
    e->off = (uint32_t)v->blob_len;
    e->len = (uint32_t)len;
    e->id = id;
    v->blob_len += len;
    if (len > v->max_key) v->max_key = len;
    if (id > v->max_id) v->max_id = id;
    return RV_OK;
}

rv_status rv_tok_vocab_put(rv_tok_vocab *v, const char *key, size_t len, int32_t id) {
    uint64_t h = hash2(key, len, NULL, 0);
    if (v->nslots) {
        size_t j = find(v, h, key, len, NULL, 0);
        if (v->slots[j]) {
            v->ent[SLOT_ENTRY(v->slots[j])].id = id; /* later wins */
            if (id > v->max_id) v->max_id = id;
            return RV_OK;
        }
    }
    if ((v->n + 1) * 2 > v->nslots) {
        rv_status st = rehash(v, v->nslots ? v->nslots * 2 : 1024);
        if (st != RV_OK) return st;
    }
    rv_status st = push(v, key, len, id);
    if (st != RV_OK) return st;
    v->slots[find(v, h, key, len, NULL, 0)] = TAG(h) | (uint64_t)v->n;
    return RV_OK;
}

rv_status rv_tok_vocab_append(rv_tok_vocab *v, const char *key, size_t len, int32_t id) {
    return push(v, key, len, id);
}

/* Builds the table over every entry in one pass. Inserting 30k keys in
 * their own order costs ~3 ms here, nearly all of it cache misses on the
 * table and the entries; instead the (hash, entry) pairs are grouped by the
 * top bits of their home slot (a stable counting sort on 256 buckets) and
 * inserted group by group, so the probes of a group stay within a few KiB
 * and an entry is only read when its tag matches. Keys appended twice keep
 * their first place and the later id, as a put of each in order would. */
rv_status rv_tok_vocab_index(rv_tok_vocab *v) {
    enum { BUCKET_BITS = 8, NB = 1 << BUCKET_BITS };
    typedef struct {
        uint64_t hash;
        uint32_t entry;
    } pending;
    rv_status st = RV_OK;
    size_t n = v->n, nslots = slots_for(n), mask = nslots - 1;
    int shift = 0;
    while (((size_t)1 << (shift + BUCKET_BITS)) < nslots)
        shift++;
    uint64_t *hash = malloc((n ? n : 1) * sizeof *hash);
    pending *sorted = malloc((n ? n : 1) * sizeof *sorted);
    uint64_t *slots = calloc(nslots, sizeof *slots);
    unsigned char *dropped = NULL;
    size_t start[NB + 1] = {0};
    if (!hash || !sorted || !slots) goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        hash[i] = hash2(v->blob + e->off, e->len, NULL, 0);
        start[((hash[i] & mask) >> shift) + 1]++;
    }
    for (size_t b = 0; b < NB; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) {
        pending *p = &sorted[start[(hash[i] & mask) >> shift]++];
        p->hash = hash[i];
        p->entry = (uint32_t)i;
    }
    size_t dups = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t h = sorted[k].hash;
        const struct rv_tok_entry *e = &v->ent[sorted[k].entry];
        size_t j = (size_t)h & mask;
        for (; slots[j]; j = (j + 1) & mask) {
            if (TAG(slots[j]) != TAG(h)) continue;
            struct rv_tok_entry *first = &v->ent[SLOT_ENTRY(slots[j])];
            if (key_eq(v, first, v->blob + e->off, e->len, NULL, 0)) break;
        }
        if (!slots[j]) {
            slots[j] = TAG(h) | (uint64_t)(sorted[k].entry + 1);
            continue;
        }
        /* the same key again: its id wins, its entry goes */
        v->ent[SLOT_ENTRY(slots[j])].id = e->id;
        if (!dropped && !(dropped = calloc(n, 1))) goto oom;
        dropped[sorted[k].entry] = 1;
        dups++;
    }
    if (dups) {                              /* renumber without the dropped entries */
        uint32_t *newidx = (uint32_t *)hash; /* no longer needed */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            newidx[i] = (uint32_t)m;
            if (!dropped[i]) v->ent[m++] = v->ent[i];
        }
        for (size_t j = 0; j < nslots; j++)
            if (slots[j]) slots[j] = TAG(slots[j]) | (uint64_t)(newidx[SLOT_ENTRY(slots[j])] + 1);
        v->n = m;
        v->max_id = 0; /* as rv_tok_vocab_put leaves it */
        for (size_t i = 0; i < m; i++)
            if (v->ent[i].id > v->max_id) v->max_id = v->ent[i].id;
    }
    free(v->slots);
    v->slots = slots;
    v->nslots = nslots;
    slots = NULL;
    goto done;
oom:
    st = rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary");
done:
    free(hash);
    free(sorted);
    free(slots);
    free(dropped);
    return st;
}

int32_t rv_tok_vocab_get2(const rv_tok_vocab *v, const char *pre, size_t plen, const char *s,
                          size_t slen) {
    if (!v->nslots || plen + slen > v->max_key) return -1;
    size_t j = find(v, hash2(pre, plen, s, slen), pre, plen, s, slen);
    return v->slots[j] ? v->ent[SLOT_ENTRY(v->slots[j])].id : -1;
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
