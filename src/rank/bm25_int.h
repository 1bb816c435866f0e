/* rank/bm25_int.h — the BM25F index's layout, shared by building (bm25.c)
 * and its on-disk form (bm25_io.c). */
#ifndef RV_RANK_BM25_INT_H
#define RV_RANK_BM25_INT_H

#include "ripvec/rank.h"

#include <stddef.h>
#include <stdint.h>

enum { F_NAME, F_PATH, F_BODY, NFIELDS };

typedef struct posting {
    uint32_t doc;
    uint16_t tf[NFIELDS];
} posting;

struct rv_bm25 {
    rv_bm25_params p;
    size_t ndocs;
    /* vocabulary: open-addressing table of term ids; strings in one buffer */
    uint64_t *table;  /* (hash >> 32) << 32 | (term id + 1); 0 = empty */
    size_t table_cap; /* power of two */
    size_t nterms, terms_cap;
    uint64_t *term_hash;
    uint32_t *term_off; /* into chars */
    uint16_t *term_len;
    char *chars;
    size_t chars_len, chars_cap;
    /* postings, CSR by term */
    uint32_t *df;
    size_t *post_off; /* nterms + 1 */
    posting *post;
    /* per-field length normalization, precomputed: 1 / (1 - b + b * len / avg) */
    float *norm[NFIELDS];
};

/* Rebuilds the term table with `cap` slots (a power of two) from term_hash;
 * 0 on allocation failure. */
int rv_bm25_rehash(rv_bm25 *bm, size_t cap);

#endif
