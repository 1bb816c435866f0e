/* rank/bm25_int.h — the BM25F index's layout, shared by building (bm25.c)
 * and its on-disk form (bm25_io.c). A loaded index borrows every array
 * from the file's read-only mapping, so the postings, offsets and the term
 * table have one fixed layout in memory and on disk. */
#ifndef RV_RANK_BM25_INT_H
#define RV_RANK_BM25_INT_H

#include "ripvec/rank.h"
#include "util/fs.h"

#include <stddef.h>
#include <stdint.h>

enum { F_NAME, F_PATH, F_BODY, NFIELDS };

/* 12 bytes, no implicit padding: saved and mapped as is. */
typedef struct posting {
    uint32_t doc;
    uint16_t tf[NFIELDS];
    uint16_t pad; /* always 0 */
} posting;

_Static_assert(NFIELDS == 3, "posting layout assumes three fields");
_Static_assert(sizeof(posting) == 12, "posting must be 12 bytes");
_Static_assert(offsetof(posting, tf) == 4 && offsetof(posting, pad) == 10, "posting layout");

struct rv_bm25 {
    rv_bm25_params p;
    size_t ndocs;
    /* vocabulary: open-addressing table of term ids; strings in one buffer */
    uint64_t *table;  /* (hash >> 32) << 32 | (term id + 1); 0 = empty */
    size_t table_cap; /* power of two, > nterms (an empty slot ends every probe) */
    size_t nterms, terms_cap;
    uint64_t *term_hash; /* building only (rehash); NULL once loaded */
    uint32_t *term_off;  /* into chars */
    uint16_t *term_len;
    char *chars;
    size_t chars_len, chars_cap;
    /* postings, CSR by term; a term's df is post_off[t + 1] - post_off[t] */
    uint64_t *post_off; /* nterms + 1 */
    posting *post;
    /* per-field length normalization, precomputed: 1 / (1 - b + b * len / avg) */
    float *norm[NFIELDS];
    /* Per document, kept so an update can reuse it (bm25_incr.c): the
     * identity of its tokenized text (rv_bm25_doc_hash) and the tokens of
     * each field, from which the norms are recomputed. */
    uint64_t *doc_hash;
    uint32_t *len[NFIELDS];
    /* Loaded: every array above points into this read-only mapping (never
     * written through) and rv_bm25_free unmaps it; built (map.data NULL):
     * all malloc'd. */
    rv_mapped map;
};

/* The id of term t (n bytes, hash h), or -1; then *slot (when not NULL) is
 * the empty slot where it would go. */
long rv_bm25_find_term(const rv_bm25 *bm, const char *t, size_t n, uint64_t h, size_t *slot);
/* A term table with `cap` slots (a power of two > nterms) from term_hash,
 * malloc'd; NULL on allocation failure. Built indexes only. */
uint64_t *rv_bm25_make_table(const rv_bm25 *bm, size_t cap);
/* Replaces bm->table with one of `cap` slots; 0 on allocation failure. */
int rv_bm25_rehash(rv_bm25 *bm, size_t cap);
/* The id of term t (n bytes, hash h) in a built index's vocabulary, added
 * if new; -1 on failure. */
long rv_bm25_vocab_add(rv_bm25 *bm, const char *t, size_t n, uint64_t h);
/* bm->norm from bm->len (both ndocs long, allocated). */
void rv_bm25_set_norms(rv_bm25 *bm);
/* The identity of what one chunk gives the index: its tokenized fields
 * (name, scope, path, content), each with its length. Equal hashes mean
 * equal postings and field lengths under the same params. */
uint64_t rv_bm25_doc_hash(const rv_chunk *c);
/* rv_bm25_key of chunks whose rv_bm25_doc_hash values are hashes[0..n). */
uint64_t rv_bm25_key_of_hashes(const uint64_t *hashes, size_t n, const rv_bm25_params *p);
/* rv_bm25_load without a key: a saved index of any corpus (its params are
 * in bm->p). */
rv_status rv_bm25_load_any(rv_bm25 **out, const char *path);

#endif
