/* search/internal.h — the searcher's state, shared by its source files. */
#ifndef RV_SEARCH_INTERNAL_H
#define RV_SEARCH_INTERNAL_H

#include "ingest/ingest.h"
#include "ripvec/embed.h"
#include "ripvec/index.h"
#include "ripvec/rank.h"
#include "ripvec/search.h"
#include "ripvec/walk.h"

typedef struct rv_search_prefetch rv_search_prefetch;

struct rv_searcher {
    char *root, *model_dir, *device, *cache_dir, *kernels, *cuda_lib, *pack_dir;
    int threads, use_index, repo_level, answer_now;
    size_t max_chunks; /* rv_search_config.max_chunks */
    int big_root;      /* the root is home or "/" */
    int by_keywords; /* the last hybrid ranking had no vector: keyword mode's */
    char **wanted; /* files a search wanted, embedded first (search/order.c) */
    size_t n_wanted;
    rv_precision precision;
    rv_driver_params driver; /* its strings are the copies above */
    int root_is_file;      /* a single file was given: chunk paths are its basename */
    char **types, **globs; /* owned copies, NULL-terminated */
    size_t n_types, n_globs;
    rv_walk_params walk;
    rv_progress_fn progress;
    void *progress_user;
    rv_search_skip_fn on_skip;
    size_t index_skipped; /* files the index's walk left out this refresh */
    char *home, *xdg_config_home; /* for the walk's global excludes */
    void *skip_user;
    void (*note)(void *user, const char *msg);
    void *note_user;

    rv_model *model;   /* NULL: keyword only */
    rv_embed_ctx *ctx; /* with model */
    rv_index *idx;     /* with use_index */
    rv_corpus corpus;
    size_t files;   /* files behind the corpus */
    rv_ingest_memory built; /* without an index: the stat of each file built */
    /* With an index, -t/-g/--max-filesize narrow the results, not the walk
     * (search/filter.c): */
    int query_filter;       /* 1: apply s->walk's filters at query time */
    int filter_size;        /* 1: ... including s->walk.max_filesize */
    unsigned char *fmask;   /* per chunk of the corpus: 1 kept; built on first use */
    rv_bm25 *bm;    /* built on first keyword use after a refresh */
    uint32_t *defs; /* rv_rank_definitions of the corpus, built on first use */
    rv_symtab *symtab; /* definitions lookup of the corpus, built on first use */
    float *qvec;    /* dim floats */
    int loaded;     /* corpus filled by a successful refresh */
    /* lazy_model: the model is loaded on first need (rv_search_ensure_model) */
    int lazy;
    char lazy_id[176]; /* the model's index id, derived from its files */
    size_t lazy_dim;
    int lazy_max_tokens;
    rv_tokenizer *lazy_tk;  /* for chunking before the model is loaded */
    int lazy_tried;         /* its load was tried (lazy.c; atomic) */
    rv_search_prefetch *pf; /* model load + query embedding under way */
    char *pf_text;          /* after the join: the prefetched query and */
    float *pf_vec;          /* its vector, until the query takes them */
    int trace;              /* cfg.trace: phase timings go to note */
    double trace_t;         /* monotonic seconds of the last trace point */
};

/* With cfg.trace set (and a note callback), sends "trace: <phase>
 * <ms since the previous point>" through the note callback. */
void rv_search_trace(rv_searcher *s, const char *phase);

/* The model's load parameters: device, threads, precision, driver knobs. */
rv_model_params rv_search_model_params(const rv_searcher *s);

/* Lazy model: reads config.json and derives the id (at open). */
rv_status rv_search_lazy_prepare(rv_searcher *s);
/* Loads the model, context and query buffer unless already there. */
rv_status rv_search_ensure_model(rv_searcher *s);
/* rv_index_embed_fn and rv_token_counter over a lazily loaded model. */
rv_status rv_search_lazy_embed(void *user, const char *const *texts, const size_t *lens, size_t n,
                               float *out);
size_t rv_search_lazy_count(void *user, const char *text, size_t len);
/* rv_chunk_params.count_adds_up for rv_search_lazy_count. */
int rv_search_lazy_adds_up(void *user);

/* Embeds `text` as a query (with the model's query prefix) into out. */
rv_status rv_search_embed_query(rv_model *m, rv_embed_ctx *ctx, const char *text, float *out);
/* Waits for a prefetch (rv_searcher_prefetch_query) and adopts its model;
 * no-op without one. */
void rv_search_prefetch_join(rv_searcher *s);
/* 1 and the query vector in s->qvec when `text` was prefetched; drops the
 * prefetched vector either way. */
int rv_search_take_prefetched(rv_searcher *s, const char *text);

/* Chunking parameters tied to the model's tokenizer and limit. */
rv_chunk_params rv_search_chunk_params(const rv_searcher *s);

/* 1 when cfg has filters that narrow the walk (types, globs, a file size
 * limit under the walk's default). */
int rv_search_filters_narrow(const rv_search_config *cfg);
/* The per-chunk mask of the query-time filters (NULL: keep all), owned by
 * s and valid until the corpus changes. */
rv_status rv_search_filter_mask(rv_searcher *s, const unsigned char **out);

/* Without an index: the ingest pipeline into memory, everything walked,
 * chunked and (with a model) embedded into s->corpus. */
rv_status rv_search_build_memory(rv_searcher *s, rv_refresh_stats *stats);

/* The blended ranking of a hybrid or keyword query (search/ranking.c):
 * fills *list (best first, caller frees) and, when q->explain, *ex with the
 * explanation of each entry in list order (caller frees). */
rv_status rv_search_rank(rv_searcher *s, const rv_query *q, const unsigned char *keep,
                         size_t depth, size_t want, rv_scored **list, size_t *n,
                         rv_rank_explain **ex, rv_query_kind *kind);
/* keep[i] for a query's path glob and content filter and the walk filters'
 * mask (fmask, NULL: none); *keep stays NULL when every chunk is kept (caller
 * frees). */
rv_status rv_search_keep(const rv_searcher *s, const rv_query *q, const unsigned char *fmask,
                         unsigned char **keep);
/* Explanations of a semantic list (ranks and cosines), in list order. */
rv_status rv_search_explain_semantic(const rv_scored *list, size_t n, rv_rank_explain **ex);
/* The keyword index of the corpus, built or loaded on first use. */
rv_status rv_search_ensure_bm25(rv_searcher *s);

/* search/order.c: the index's embedding order (rv_index_params.order;
 * user = the searcher) and the wanted files it reads before an update. */
int rv_search_file_order(void *user, const char *rel);
rv_status rv_search_load_wanted(rv_searcher *s);

#endif
