/* tokenizer/tok_trie.c — byte trie for WordPiece's longest-match-first. */
#include "tokenizer/tok_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_NODES = (1u << 24) - 1 }; /* node << 8 | byte must fit 32 bits */

static size_t slot_of(uint32_t key, size_t mask) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static uint32_t child(const rv_tok_trie *t, uint32_t node, unsigned char b) {
    uint32_t key = ((node << 8) | b) + 1;
    for (size_t j = slot_of(key, t->mask);; j = (j + 1) & t->mask) {
        if (t->edges[j].key == key) return t->edges[j].child;
        if (!t->edges[j].key) return 0; /* the root is nobody's child */
    }
}

/* Doubles the edge table (its slots stay at least 3/2 of the node count,
 * as lookups probe it once per byte of input). */
static int grow_edges(rv_tok_trie *t) {
    size_t slots = (t->mask + 1) * 2;
    struct rv_tok_edge *e = calloc(slots, sizeof *e);
    if (!e) return 0;
    for (size_t i = 0; i <= t->mask; i++) {
        uint32_t key = t->edges[i].key;
        if (!key) continue;
        size_t j = slot_of(key, slots - 1);
        while (e[j].key)
            j = (j + 1) & (slots - 1);
        e[j] = t->edges[i];
    }
    free(t->edges);
    t->edges = e;
    t->mask = slots - 1;
    return 1;
}

/* The child of node by byte b, made when missing; 0 when out of memory. */
static uint32_t child_or_add(rv_tok_trie *t, uint32_t node, unsigned char b, size_t *term_cap) {
    uint32_t key = ((node << 8) | b) + 1;
    size_t j = slot_of(key, t->mask);
    for (; t->edges[j].key; j = (j + 1) & t->mask)
        if (t->edges[j].key == key) return t->edges[j].child;
    if ((t->n_nodes + 1) * 3 / 2 > t->mask + 1) {
        if (!grow_edges(t)) return 0;
        return child_or_add(t, node, b, term_cap);
    }
    if (t->n_nodes == *term_cap) {
        size_t cap = *term_cap * 2;
        int32_t *p = realloc(t->term, cap * sizeof *p);
        if (!p) return 0;
        t->term = p;
        *term_cap = cap;
    }
    uint32_t c = (uint32_t)t->n_nodes++;
    t->term[c] = -1;
    t->edges[j].key = key;
    t->edges[j].child = c;
    return c;
}

rv_status rv_tok_trie_build(rv_tok_trie *t, const rv_tok_vocab *v, const char *prefix,
                            size_t plen) {
    memset(t, 0, sizeof *t);
    if (v->blob_len + 1 > MAX_NODES) return RV_OK; /* too big: the hash path serves */
    /* One pass; a BERT vocabulary makes about two nodes per entry, so the
     * table rarely grows. */
    size_t slots = 1024, term_cap = 1024;
    while (slots < v->n * 3)
        slots *= 2;
    t->term = malloc(term_cap * sizeof *t->term);
    t->edges = calloc(slots, sizeof *t->edges);
    if (!t->term || !t->edges) goto nomem;
    t->mask = slots - 1;
    t->n_nodes = 1;
    t->term[0] = -1;
    for (size_t i = 0; i < v->n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        uint32_t node = 0;
        for (uint32_t k = 0; k < e->len; k++)
            if (!(node = child_or_add(t, node, (unsigned char)v->blob[e->off + k], &term_cap)))
                goto nomem;
        if (e->len) t->term[node] = e->id; /* the empty key cannot match a piece */
    }
    t->cont = 0;
    for (size_t k = 0; k < plen && t->cont != UINT32_MAX; k++) {
        uint32_t c = child(t, t->cont, (unsigned char)prefix[k]);
        t->cont = c ? c : UINT32_MAX;
    }
    t->built = 1;
    return RV_OK;
nomem:
    rv_tok_trie_release(t);
    return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary trie");
}

int32_t rv_tok_trie_longest(const rv_tok_trie *t, uint32_t node, const char *w, size_t len,
                            size_t *used) {
    int32_t best = -1;
    if (node == UINT32_MAX) return -1;
    for (size_t i = 0; i < len; i++) {
        node = child(t, node, (unsigned char)w[i]);
        if (!node) break;
        if (t->term[node] >= 0 && (i + 1 == len || ((unsigned char)w[i + 1] & 0xC0) != 0x80)) {
            best = t->term[node];
            *used = i + 1;
        }
    }
    return best;
}

void rv_tok_trie_release(rv_tok_trie *t) {
    free(t->term);
    free(t->edges);
    memset(t, 0, sizeof *t);
}
