/*
 * ripvec/rank.h — scoring primitives: code-aware tokens, BM25F, cosine,
 * reciprocal-rank fusion and overlap merging.
 *
 *   rv_bm25 *bm;
 *   rv_bm25_params bp = rv_bm25_default_params();
 *   rv_bm25_build(&bm, chunks.items, chunks.count, &bp);
 *   float *kw = malloc(chunks.count * sizeof(float));
 *   rv_bm25_score(bm, "parse config file", kw);        // 0 = no query term
 *   rv_scored *top; size_t n;
 *   rv_rank_top(&top, &n, kw, chunks.count, 100, 1e-9f, NULL);  // best first, no filter
 *   free(top); free(kw); rv_bm25_free(bm);
 *
 * All functions are pure or work on caller-owned state; a built rv_bm25 is
 * immutable and may be scored from several threads at once.
 */
#ifndef RIPVEC_RANK_H
#define RIPVEC_RANK_H

#include "ripvec/chunk.h"
#include "ripvec/common.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- code-aware tokenizer ------------------------------------------------ */

/* Receives one normalized token (lowercase, not NUL-terminated). */
typedef void (*rv_token_sink)(void *user, const char *tok, size_t len);

enum {
    RV_TOK_STEM = 1u << 0,     /* light English suffix stripping (plurals, -ing, -ed) */
    RV_TOK_STOPWORDS = 1u << 1 /* drop common English words (for queries) */
};

/* Splits text into identifier-like words ([A-Za-z0-9_] runs, letters joined
 * by '-', non-ASCII bytes kept inside words), then each word at camelCase,
 * PascalCase/acronym, snake_case, kebab-case and letter/digit boundaries.
 * Emits the lowercased parts, and the whole word too when it split. Tokens
 * shorter than 2 bytes are dropped; words longer than 64 bytes are emitted
 * whole, unsplit. */
void rv_code_tokenize(const char *text, size_t len, unsigned flags, rv_token_sink sink, void *user);

/* ---- BM25F ---------------------------------------------------------------- */

typedef struct rv_bm25 rv_bm25; /* immutable after build */

typedef struct rv_bm25_params {
    float k1;                     /* term-frequency saturation (1.2) */
    float w_name, w_path, w_body; /* field weights */
    float b_name, b_path, b_body; /* per-field length normalization */
    unsigned flags;               /* RV_TOK_* for documents (queries add STOPWORDS) */
} rv_bm25_params;

rv_bm25_params rv_bm25_default_params(void);

/* Indexes chunk fields name (+scope), path and content. Caller frees with
 * rv_bm25_free. chunks may be freed afterwards (nothing points into them). */
rv_status rv_bm25_build(rv_bm25 **out, const rv_chunk *chunks, size_t n, const rv_bm25_params *p);
void rv_bm25_free(rv_bm25 *bm); /* NULL ok */

size_t rv_bm25_doc_count(const rv_bm25 *bm);
size_t rv_bm25_vocab_size(const rv_bm25 *bm);

/* scores[doc_count] = BM25F score of each chunk for query (0 when no query
 * term occurs). */
rv_status rv_bm25_score(const rv_bm25 *bm, const char *query, float *scores);

/* Saving a built index, so a later process skips the build:
 *   uint64_t key = rv_bm25_key(chunks, n, &bp);
 *   if (rv_bm25_load(&bm, key, path) != RV_OK) {
 *       rv_bm25_build(&bm, chunks, n, &bp);
 *       rv_bm25_save(bm, key, path);              // best effort
 *   }
 * The key hashes every field the index reads (name, scope, path, content)
 * and the params; 0 only on allocation failure. save writes a private
 * temporary file and renames it over path (concurrent savers are safe).
 * load maps the file read-only and the index points into the mapping (no
 * copies; rv_bm25_free unmaps it). It costs a checksum and one linear
 * bounds pass over the arrays. RV_ERR_NOT_FOUND when path is missing, was
 * saved under another key or by another format version (stale: rebuild
 * and save), RV_ERR_CORRUPT when damaged (checksum and bounds are verified,
 * so a loaded index never reads outside its arrays). */
uint64_t rv_bm25_key(const rv_chunk *chunks, size_t n, const rv_bm25_params *p);
/* A key for the corpus of an index store identified by its generation (a
 * nonzero token that changes on every write to the store), instead of
 * hashing every chunk: O(1). Hashed under its own domain tag, so it never
 * matches an rv_bm25_key value in practice; 0 only on allocation failure. */
uint64_t rv_bm25_key_generation(uint64_t generation, const rv_bm25_params *p);
rv_status rv_bm25_save(const rv_bm25 *bm, uint64_t key, const char *path);
rv_status rv_bm25_load(rv_bm25 **out, uint64_t key, const char *path);

/* ---- ranking -------------------------------------------------------------- */

typedef struct rv_scored {
    uint32_t id; /* chunk index */
    float score;
} rv_scored;

/* scores[i] = dot(vectors[i], q) for n rows of dim floats (cosine when both
 * are L2-normalized). */
void rv_rank_cosine(float *scores, const float *vectors, size_t n, size_t dim, const float *q);

/* The k best entries with score >= min (all of them when k == 0), sorted by
 * score descending, ties by id ascending. *out is malloc'd (caller frees;
 * NULL when *n_out == 0). keep, when non-NULL, filters ids (keep[i] != 0). */
rv_status rv_rank_top(rv_scored **out, size_t *n_out, const float *scores, size_t n, size_t k,
                      float min, const unsigned char *keep);

/* The hybrid ranking's prior for a chunk: 0.75 for documentation (Markdown,
 * .rst, .txt, .adoc, .org, .tex) and for test code (rv_path_is_test), 1
 * otherwise. A user asking how something is done wants the implementation
 * first; measured in docs/SEARCH.md. */
float rv_rank_prior(const rv_chunk *c);

/* 1 when a relative path is test code by the common conventions: a directory
 * test(s), spec(s), __tests__ or testdata, or a file test_*, *_test.*,
 * *_spec.*, *.test.*, *.spec.*, *Test.* or *Tests.* (case of the directory
 * names ignored). */
int rv_path_is_test(const char *path);

/* Reciprocal-rank fusion: score(d) = sum over lists of w / (k + rank), rank
 * 1-based, for every id in either list. Result sorted like rv_rank_top
 * (caller frees *out). */
rv_status rv_rank_rrf(rv_scored **out, size_t *n_out, const rv_scored *a, size_t na, double wa,
                      const rv_scored *b, size_t nb, double wb, double k);

/* Walks a best-first list and keeps an entry only when its line range does
 * not overlap one already kept in the same file; stops after `want` kept
 * (0 = no limit). Compacts list in place; returns the number kept. */
size_t rv_rank_merge_overlaps(rv_scored *list, size_t n, const rv_chunk *chunks, size_t want);

/* A result region: the best chunk's id and score, and the line range it
 * covers once neighbours were folded in. */
typedef struct rv_span {
    uint32_t id; /* best-ranked chunk in the span */
    float score; /* its score */
    int start_line, end_line;
    int merged; /* 1 when other chunks were folded in */
} rv_span;

/* Walks a best-first list and groups results of one file: an entry whose
 * range overlaps a kept span, lies within `gap` lines of it, or is another
 * piece of the same definition (defs[a] == defs[b]; defs may be NULL) is
 * folded into that span when the union stays within `max_lines`; such an
 * entry that cannot be folded is dropped when it overlaps or is a piece of
 * the same definition (the better one stays); otherwise it starts a new span.
 * gap < 0 folds only overlaps and pieces. Stops after `want` spans (0 = no
 * limit), though entries down to 4 x want still fold into kept spans.
 * *out is malloc'd (caller frees; NULL when empty). */
rv_status rv_rank_group(rv_span **out, size_t *n_out, const rv_scored *list, size_t n,
                        const rv_chunk *chunks, const uint32_t *defs, int gap, int max_lines,
                        size_t want);

/* defs[i] for chunks in file order: consecutive pieces of one definition
 * that was split for length (same path, kind, name and scope, each starting
 * right after the previous one) share the id of the first piece; every other
 * chunk has its own index. *out is malloc'd (caller frees). */
rv_status rv_rank_definitions(uint32_t **out, const rv_chunk *chunks, size_t n);

#ifdef __cplusplus
}
#endif
#endif
