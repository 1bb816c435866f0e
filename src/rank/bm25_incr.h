/* rank/bm25_incr.h — the keyword index of a corpus derived from the saved
 * index of an earlier corpus of the same root: the documents whose text is
 * unchanged are carried over, only the new ones are tokenized.
 *
 *   rv_bm25 *bm; rv_bm25_origin how; size_t tok;
 *   rv_bm25_obtain(&bm, &how, &tok, path, key, chunks, n, &bp, threads);
 *   if (how != RV_BM25_LOADED) rv_bm25_save(bm, key, path);   // best effort
 *
 * The result scores every query exactly as rv_bm25_build over the same
 * chunks (term ids may differ). */
#ifndef RV_RANK_BM25_INCR_H
#define RV_RANK_BM25_INCR_H

#include "ripvec/rank.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { RV_BM25_LOADED, RV_BM25_UPDATED, RV_BM25_BUILT } rv_bm25_origin;

/* The index of chunks[0..n) derived from old (a saved or built index of any
 * corpus): documents are matched by rv_bm25_doc_hash, so order, renames and
 * duplicates need nothing special. *tokenized = documents tokenized anew.
 * RV_ERR_NOT_FOUND (nothing built) when old's params differ from p (NULL:
 * defaults) or more than half of the n documents are new: a build costs
 * about the same then. The caller frees *out with rv_bm25_free. */
rv_status rv_bm25_update(rv_bm25 **out, const rv_bm25 *old, const rv_chunk *chunks, size_t n,
                         const rv_bm25_params *p, int threads, size_t *tokenized);

/* The index of chunks[0..n): loaded from path when it is saved there under
 * *key; else updated from whatever index path holds; else built. *key 0:
 * the chunks' own key (rv_bm25_key), set here, from the documents' hashes
 * that an update needs anyway. path NULL: built (*key untouched). Saves
 * nothing; *how and *tokenized say what was done. */
rv_status rv_bm25_obtain(rv_bm25 **out, rv_bm25_origin *how, size_t *tokenized, const char *path,
                         uint64_t *key, const rv_chunk *chunks, size_t n, const rv_bm25_params *p,
                         int threads);

#endif
