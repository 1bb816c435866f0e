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
/* The tokenizer's pieces for one lowercase word: whether it is an English
 * function word (RV_TOK_STOPWORDS), and its light stem in place (returns the
 * new length; RV_TOK_STEM). */
int rv_token_is_stopword(const char *t, size_t n);
size_t rv_token_stem(char *t, size_t n);

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
/* The same index built on `threads` threads (documents split in ranges);
 * equal to rv_bm25_build's, byte for byte. */
rv_status rv_bm25_build_threads(rv_bm25 **out, const rv_chunk *chunks, size_t n,
                                const rv_bm25_params *p, int threads);
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
 * .rst, .txt, .adoc, .org, .tex) and for test code (rv_chunk_is_test), 1
 * otherwise. A user asking how something is done wants the implementation
 * first; measured in docs/SEARCH.md. */
float rv_rank_prior(const rv_chunk *c);

/* 1 when a relative path is test code by the common conventions: a directory
 * test(s), spec(s), __tests__ or testdata, or a file test_*, *_test.*,
 * *_spec.*, *.test.*, *.spec.*, *Test.* or *Tests.* (case of the directory
 * names ignored). */
int rv_path_is_test(const char *path);

/* 1 when a chunk is test code: its path (rv_path_is_test), or a test module
 * inside a source file, a scope of which one part is "test" or "tests"
 * (Rust's `#[cfg(test)] mod tests`). */
int rv_chunk_is_test(const rv_chunk *c);

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


/* ---- query understanding ------------------------------------------------- */

typedef enum rv_query_kind {
    RV_QK_NATURAL = 0, /* words: "how are routes registered" */
    RV_QK_SYMBOL,      /* one identifier: "APIRouter", "add_command" */
    RV_QK_QUALIFIED,   /* scope and name: "cobra.Command", "fmt::format_to" */
    RV_QK_PATH,        /* a file or folder: "src/routing.py", "Makefile.am" */
    RV_QK_MIXED        /* words with identifiers in them: "where is parse_args called" */
} rv_query_kind;

#define RV_QUERY_MAX_IDENTS 8
#define RV_QUERY_MAX_WORDS 24
#define RV_QUERY_WORD_MAX 64

/* What a query looks like, from its text alone. Identifiers are kept as a
 * key (rv_symbol_key: lowercase, '_' and '-' dropped) with the qualifier of
 * a qualified name apart; words are the query's stemmed keyword tokens. */
typedef struct rv_query_info {
    rv_query_kind kind;
    size_t n_idents;
    char ident[RV_QUERY_MAX_IDENTS][RV_QUERY_WORD_MAX]; /* name keys */
    char qual[RV_QUERY_MAX_IDENTS][RV_QUERY_WORD_MAX];  /* qualifier key or "" */
    char raw[RV_QUERY_MAX_IDENTS][RV_QUERY_WORD_MAX];   /* the name as written */
    size_t n_words;
    char word[RV_QUERY_MAX_WORDS][RV_QUERY_WORD_MAX];
    int wants_prose; /* asks for documentation ("readme", "docs", ...) */
    int wants_tests; /* asks for tests ("test", "spec", ...) */
    int wants_examples;
    int question; /* a question ("how does X work", "where is Y"): an overview
                   * across files is wanted, not one definition */
    /* The query's words in order, identifiers split into their parts, as
     * rv_name_words pairs (for rv_name_match). */
    size_t n_terms;
    char terms[RV_QUERY_MAX_WORDS * 2 * RV_QUERY_WORD_MAX];
} rv_query_info;

void rv_query_analyze(rv_query_info *out, const char *text);
const char *rv_query_kind_name(rv_query_kind k); /* "natural", "symbol", ... */

/* The lookup key of an identifier: lowercase ASCII with '_', '-' and '$'
 * dropped, so add_command, addCommand and AddCommand meet. Writes at most
 * cap - 1 bytes and a NUL; returns the key's length. */
size_t rv_symbol_key(char *out, size_t cap, const char *name, size_t len);

/* ---- definition names against a description ------------------------------- */

#define RV_NAME_MAX_WORDS 16

/* The words of a name or text, split at identifier boundaries (no whole
 * identifiers), English function words dropped, each as "raw\0stem\0"
 * into out. Returns the number of words written. */
size_t rv_name_words(char *out, size_t cap, const char *name, size_t len);

/* How well a definition's name (rv_name_words form, n words) and the
 * query's words describe each other, in [0, 1]: the harmonic mean of the
 * share of the name's words the query holds and the share of the query's
 * words the name holds. Words meet when equal after stemming, when one
 * (of 3 letters or more) starts the other (gen ~ generates), or when two
 * neighbours joined make the other (Power+Shell ~ powershell). */
float rv_name_match(const char *name_words, size_t n_name, const rv_query_info *q);
/* The same with a definition's signature words (its parameters, rv_name_words
 * form) as weaker evidence: a query word only the signature holds counts
 * sig_weight toward both shares; the signature's other words count nothing. */
float rv_name_match_sig(const char *name_words, size_t n_name, const char *sig_words, size_t n_sig,
                        float sig_weight, const rv_query_info *q);

/* ---- definitions lookup ----------------------------------------------------- */

typedef struct rv_symtab rv_symtab; /* immutable after build */

/* Indexes the chunks that define something (a name and a definition kind)
 * by rv_symbol_key of the name, and every chunk by its file's stem (the base
 * name without extensions). Built in memory from the chunk metadata. Caller
 * frees with rv_symtab_free. */
rv_status rv_symtab_build(rv_symtab **out, const rv_chunk *chunks, size_t n);
void rv_symtab_free(rv_symtab *t); /* NULL ok */
/* Chunk ids defining `key`, in chunk order; *ids points into t (0: none). */
size_t rv_symtab_defs(const rv_symtab *t, const char *key, const uint32_t **ids);
/* Chunk ids of the files whose stem has key `key`. */
size_t rv_symtab_files(const rv_symtab *t, const char *key, const uint32_t **ids);
/* The definitions by name, one per definition (the first piece of one the
 * chunker split for length): how many, and the i-th's chunk id and name
 * words (rv_name_words form). */
size_t rv_symtab_count_named(const rv_symtab *t);
uint32_t rv_symtab_named(const rv_symtab *t, size_t i, const char **words, size_t *n_words);
/* The i-th definition's signature words: the names of the parameters that
 * follow its name on its first lines (no types, no defaults; receiver words
 * such as self and this dropped), in rv_name_words form; returns how many. */
size_t rv_symtab_signature(const rv_symtab *t, size_t i, const char **words);

/* ---- the blended ranking ------------------------------------------------------ */

/* Which content a query searches: all, code first (default) or docs only. */
typedef enum rv_content {
    RV_CONTENT_ALL = 0, /* everything, code before documentation */
    RV_CONTENT_CODE,    /* code only */
    RV_CONTENT_DOCS     /* documentation and other prose only */
} rv_content;

/* 1 for documentation and other non-code text (Markdown, reStructuredText,
 * plain text, HTML, templates such as *.html.in, man pages). */
int rv_chunk_is_prose(const rv_chunk *c);

/* The blended ranking's penalty factor in (0, 1]: test code
 * (rv_chunk_is_test, unless the query asks for tests), compat/legacy
 * folders, example and benchmark folders (unless it asks for examples),
 * vendored code and amalgamations, and re-export files and type stubs
 * (__init__.py, *.d.ts, Python @overload signatures) yield to the
 * implementation. q may be NULL. */
float rv_rank_penalty(const rv_chunk *c, const rv_query_info *q);

/* Ranking steps, each of which can be turned off (ablation, docs/SEARCH.md). */
enum {
    RV_STEP_BLEND = 1u << 0,     /* normalized score blend (off: rank fusion) */
    RV_STEP_QUERY = 1u << 1,     /* per query kind blends */
    RV_STEP_DEFS = 1u << 2,      /* definitions lookup */
    RV_STEP_CODE = 1u << 3,      /* code first */
    RV_STEP_PATH = 1u << 4,      /* file and folder names matching the query */
    RV_STEP_DIVERSE = 1u << 5,   /* per-file decay and file-level evidence */
    RV_STEP_PENALTY = 1u << 6,   /* tests, compat, examples, vendored, stubs */
    RV_STEP_NAMES = 1u << 7,     /* a definition named with the query's words */
    RV_STEP_SIGNATURE = 1u << 8, /* ... and its parameters' names, at half strength */
    RV_STEP_FILE_SIZE = 1u << 9  /* a big file's evidence discounted for descriptions */
};

/* Why a result is where it is. Scores are the blend's parts before the
 * final scaling; ranks are 1-based, 0 = not in that list. */
typedef struct rv_rank_explain {
    uint32_t id;
    int sem_rank, kw_rank;
    float cosine, sem_norm; /* raw cosine; scaled per query to [0, 1] */
    float bm25, kw_norm;    /* raw BM25F; scaled per query to [0, 1] */
    float coverage;         /* share of the query's terms found in the chunk */
    float blend;            /* w_sem * sem_norm + w_kw * kw_norm */
    float def_boost, path_boost, file_boost;
    float name_boost; /* the definition's name built from the query's words */
    float sig_boost;  /* the part of name_boost its parameters' names gave */
    float content;   /* code-first factor (1 = none) */
    float penalty;   /* test/compat/example/vendored/stub factor (1 = none) */
    float diversity; /* decay for results of a file already listed (1 = none) */
    float evidence;  /* how much the query matched at all, in [0, 1] */
    float score;     /* the final score */
} rv_rank_explain;

typedef struct rv_rank_input {
    const rv_chunk *chunks;
    size_t n;
    const float *cosine;   /* n cosines, or NULL (keyword only) */
    const float *bm25;     /* n BM25F scores, or NULL (semantic only) */
    const float *coverage; /* n values of rv_bm25_score_coverage, or NULL */
    const unsigned char *keep; /* NULL or keep[i] != 0 for chunks allowed */
    /* A partly embedded corpus (docs/INDEX.md, the coverage rule): NULL, or
     * embedded[i] == 0 for a chunk with no vector yet; such a chunk takes
     * its keyword score in place of the semantic one, and the cosine list
     * and its statistics leave it out. */
    const unsigned char *embedded;
    const rv_symtab *symtab;   /* NULL: no definitions lookup */
    const rv_query_info *query;
    rv_content content;
    unsigned steps; /* RV_STEP_* in effect */
    size_t depth;   /* candidates taken from each list */
    size_t want;    /* results the caller needs (diversity orders this many x 4) */
    /* Share of the query's words the embedding model's vocabulary holds
     * whole (words, not letter salad), in [0, 1]; < 0 when unknown. */
    float lexical;
} rv_rank_input;

/* The blended ranking (docs/SEARCH.md): per-query normalized cosine and
 * BM25F, blended by query kind, with definition, path and file-level
 * boosts, code first, penalties and a per-file decay; the final score is in
 * [0, 1] and carries the query's evidence, so it can be compared across
 * queries. *out is malloc'd, best first (caller frees; NULL when empty). */
rv_status rv_rank_blend(rv_rank_explain **out, size_t *n_out, const rv_rank_input *in);

/* Result diversity: reorders best-first spans so that a file's first `free`
 * results stand and each further one counts a decayed share of its score
 * (x0.6 per result of its file above it beyond those; scores are updated).
 * Only the first `want` places are chosen (0 = all n); the rest keep their
 * order. Give it every candidate: a file that fills the first screenful
 * must leave room for the others. Cost O(want^2 n). */
void rv_rank_spread(rv_span *sp, size_t n, size_t want, size_t free, const rv_chunk *chunks);

/* How many results of one file stand before the decay for this query:
 * RV_FILE_FREE, or 1 for a question (docs/SEARCH.md). */
size_t rv_rank_file_free(const rv_query_info *q);

/* Like rv_bm25_score, and coverage[doc] = the share of the query's terms
 * that occur in the chunk (terms missing from the corpus count too, so a
 * query of unknown words covers 0). */
rv_status rv_bm25_score_coverage(const rv_bm25 *bm, const char *query, float *scores,
                                 float *coverage);

#ifdef __cplusplus
}
#endif
#endif
