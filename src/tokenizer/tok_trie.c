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

static uint32_t child_or_add(rv_tok_trie *t, uint32_t node, unsigned char b) {
    uint32_t key = ((node << 8) | b) + 1;
    size_t j = slot_of(key, t->mask);
    for (; t->edges[j].key; j = (j + 1) & t->mask)
        if (t->edges[j].key == key) return t->edges[j].child;
    uint32_t c = (uint32_t)t->n_nodes++;
    t->term[c] = -1;
    t->edges[j].key = key;
    t->edges[j].child = c;
    return c;
}

rv_status rv_tok_trie_build(rv_tok_trie *t, const rv_tok_vocab *v, const char *prefix,
                            size_t plen) {
    memset(t, 0, sizeof *t);
    size_t max_nodes = v->blob_len + 1;
    if (max_nodes > MAX_NODES) return RV_OK; /* too big: the hash path serves */
    size_t slots = 1024;
    while (slots < max_nodes * 2)
        slots *= 2;
    /* First pass with a throwaway table counts the nodes, so the real one
     * is no bigger than needed (it is probed once per byte of input). */
    {
        rv_tok_trie c = {0};
        c.term = malloc(max_nodes * sizeof *c.term);
        c.edges = calloc(slots, sizeof *c.edges);
        if (!c.term || !c.edges) {
            rv_tok_trie_release(&c);
            return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary trie");
        }
        c.mask = slots - 1;
        c.n_nodes = 1;
        for (size_t i = 0; i < v->n; i++) {
            uint32_t node = 0;
            for (uint32_t k = 0; k < v->ent[i].len; k++)
                node = child_or_add(&c, node, (unsigned char)v->blob[v->ent[i].off + k]);
        }
        max_nodes = c.n_nodes;
        rv_tok_trie_release(&c);
        slots = 1024;
        while (slots < max_nodes * 3 / 2)
            slots *= 2;
    }
    t->term = malloc(max_nodes * sizeof *t->term);
    t->edges = calloc(slots, sizeof *t->edges);
    if (!t->term || !t->edges) {
        rv_tok_trie_release(t);
        return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory for the vocabulary trie");
    }
    t->mask = slots - 1;
    t->n_nodes = 1;
    t->term[0] = -1;
    for (size_t i = 0; i < v->n; i++) {
        const struct rv_tok_entry *e = &v->ent[i];
        uint32_t node = 0;
        for (uint32_t k = 0; k < e->len; k++)
            node = child_or_add(t, node, (unsigned char)v->blob[e->off + k]);
        if (e->len) t->term[node] = e->id; /* the empty key cannot match a piece */
    }
    t->cont = 0;
    for (size_t k = 0; k < plen && t->cont != UINT32_MAX; k++) {
        uint32_t c = child(t, t->cont, (unsigned char)prefix[k]);
        t->cont = c ? c : UINT32_MAX;
    }
    t->built = 1;
    return RV_OK;
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
